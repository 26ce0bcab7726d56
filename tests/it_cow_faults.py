"""cow/fork, cow/private and cow/mprotect-reuse take one page fault per 4 KiB
page written (THP is off on their buffers), counted by the software
page_faults counter of the producer, per operation; every cell verifies.

Allowed extra faults per operation: private and mprotect-reuse 2 (none are
expected: the re-arm populates without faulting and the SIGSEGV handler's
shadow copy is prefaulted); fork FORK_EXTRA, because after fork() the parent
also COW-faults on its own pages that it writes during the operation: its
stack, the heap pages holding the harness's and the benchmark's state, and
libc's locks that fork() releases (7-8 measured on Debian 12, glibc 2.36)."""
import os

import itlib

FORK_EXTRA = 10
PAGE = 4096

cowbench, src = itlib.args()
out = os.path.join(itlib.tmpdir(), "run")
p = itlib.run([cowbench, "run", "--bench", "cow", "--variant",
               "fork,private,mprotect-reuse", "--sizes", "16K,256K", "--cpus", "1",
               "--quick", "--quiet", "--out", out])
itlib.check(p.returncode == 0, "exit code %d, stderr: %s" % (p.returncode, p.stderr))
doc, rows, summary = itlib.load_run(out)

ctr = {c["key"]: c for c in doc["counters"]}
if not ctr.get("page_faults", {}).get("available"):
    itlib.skip("page_faults counter unavailable: %s"
               % ctr.get("page_faults", {}).get("reason"))

want = {"cow/fork": ["protect", "fault", "reap"], "cow/private": ["fault", "rearm"],
        "cow/mprotect-reuse": ["protect", "fault", "wait", "unprotect"]}
itlib.check(len(doc["cells"]) == 6, "6 cells, got %d" % len(doc["cells"]))
for c in doc["cells"]:
    tag = "%s %d" % (c["variant"], c["size"])
    itlib.check(c["status"] == "ok" and c["verified"],
                tag + ": status %s (%s)" % (c["status"], c["reason"]))
    for ph in want.get(c["variant"], []):
        m = itlib.metric(c, "producer", "phase.%s.wall_ns" % ph)
        itlib.check(m is not None and m["summary"]["median"] >= 0,
                    tag + ": phase %s recorded" % ph)
    m = itlib.metric(c, "producer", "page_faults")
    itlib.check(m is not None, tag + ": producer page_faults")
    if m is None:
        continue
    pages = c["size"] // PAGE
    pf = m["summary"]["median"]
    extra = FORK_EXTRA if c["variant"] == "cow/fork" else 2
    lo = pages if c["variant"] == "cow/fork" else pages - 2
    print("%s: %.2f faults/op for %d pages" % (tag, pf, pages))
    itlib.check(m["unit"] == "count/op", tag + ": unit count/op")
    itlib.check(lo <= pf <= pages + extra,
                tag + ": %.2f page faults per op, want %d..%d" % (pf, lo, pages + extra))
itlib.check(any(l.startswith("cow/") and l.endswith(" ns/page")
                for l in summary.splitlines()), "summary shows the phases per page")
for line in summary.splitlines():
    itlib.check(len(line) <= 80, "summary line over 80 columns: %r" % line)
itlib.done("it_cow_faults")
