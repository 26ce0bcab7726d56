# SPDX-License-Identifier: GPL-2.0-only
"""THP is a cell dimension (--thp never,always): a THP cell's buffers are
advised MADV_HUGEPAGE and get huge pages (huge_kib, from smaps, is the
whole buffer), a cell without THP gets none; and the work follows: a
released 2 MiB-aligned buffer that is touched again (tlb/madvise-idle,
tlb/munmap-idle) takes at most 1/256 of the page faults per operation
with THP than without, and the copy twin is measured with THP too, so
both sides of a comparison have the same TLB reach. Skips, with the
machine's reason, where THP cannot be had (transparent_hugepage
"never", or no huge page free)."""
import itlib

cowbench, src = itlib.args()
p, out, doc = itlib.sweep(cowbench, ["--variant", "tlb/madvise-idle,tlb/munmap-idle,copy/memcpy",
                                     "--sizes", "64K,4M", "--cpus", "1",
                                     "--repetitions", "1", "--quick"])
itlib.check(p.returncode in (0, 1), "exit code %d, stderr: %s" % (p.returncode, p.stderr))
if doc is None:
    itlib.done("it_thp")
thp = doc["machine"]["thp"]
cells = {(c["variant"], c["size_label"], c["thp"]): c for c in doc["cells"]}
itlib.check(("copy/memcpy", "64K", "always") not in cells and
            ("copy/memcpy", "4M", "always") in cells,
            "THP cells exist from 2 MiB only: %s" % sorted(cells))
on = [c for c in doc["cells"] if c["thp"] == "always"]
if all(c["status"] == "unsupported" for c in on):
    itlib.check(all("huge page" in (c["reason"] or "") for c in on),
                "unsupported THP cells say why: %s" % [c["reason"] for c in on])
    itlib.skip("no huge page for the buffers here (THP enabled %s, defrag %s): %s"
               % (thp["enabled"], thp["defrag"], on[0]["reason"]))
for c in doc["cells"]:
    tag = itlib.tag(c) + " thp=" + c["thp"]
    itlib.check(c["status"] == "ok", tag + ": status %s (%s)" % (c["status"], c["reason"]))
    for r in itlib.ok_reps(c):
        if c["thp"] == "always":
            itlib.check(r["huge_kib"] is not None and r["huge_kib"] >= c["size"] // 1024,
                        tag + ": %s KiB in huge pages, the buffer is %d KiB"
                        % (r["huge_kib"], c["size"] // 1024))
        else:
            itlib.check(r["huge_kib"] == 0, tag + ": no huge page without THP: %s"
                        % r["huge_kib"])
if itlib.available(doc, "page_faults"):
    for v in ("tlb/madvise-idle", "tlb/munmap-idle"):
        off = itlib.value(cells[(v, "4M", "never")], "producer", "page_faults")
        hp = itlib.value(cells[(v, "4M", "always")], "producer", "page_faults")
        print("%s 4M: %s faults per op without THP, %s with" % (v, off, hp))
        itlib.check(off and hp is not None and hp <= off / 256,
                    "%s 4M: THP gives %s faults per op, want <= 1/256 of %s" % (v, hp, off))
itlib.done("it_thp")
