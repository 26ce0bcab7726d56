"""Write-protecting a buffer shoots down the TLBs of the other CPUs that run
the process, and the run records those flushes per operation:
cow/mprotect-fresh at 64K, where each operation protects (RO) and
unprotects (RW) the buffer, must show TLB flushes received on another CPU of
the cell, by the tlb:tlb_flush tracepoint (remote_shootdown) or the TLB row
of /proc/interrupts (tlb_ipi).

Which role that CPU has: a send variant has a consumer, so with --cpus 2 the
other CPU is the consumer's (spinning between hand-offs, so never lazy) and
the harness has no bystander; from --cpus 3 on the extra CPUs run busy
bystanders, and their role "bystanders" is checked too."""
import os

import itlib

cowbench, src = itlib.args()
ncpu = len(os.sched_getaffinity(0))
if ncpu < 2:
    itlib.skip("needs 2 CPUs, this machine has %d" % ncpu)
cpus = min(ncpu, 3)
out = os.path.join(itlib.tmpdir(), "run")
p = itlib.run([cowbench, "run", "--bench", "cow", "--variant", "mprotect-fresh",
               "--sizes", "64K", "--cpus", "2" if cpus == 2 else "2,3", "--quick",
               "--quiet", "--out", out])
itlib.check(p.returncode == 0, "exit code %d, stderr: %s" % (p.returncode, p.stderr))
doc, rows, summary = itlib.load_run(out)

keys = [k for k in ("tlb_flush.remote_shootdown", "tlb_ipi")
        if any(c["key"] == k and c["available"] for c in doc["counters"])]
if not keys:
    itlib.skip("no TLB flush counter here: %s" % "; ".join(
        "%s: %s" % (c["key"], c["reason"]) for c in doc["counters"]
        if c["key"] in ("tlb_flush.remote_shootdown", "tlb_ipi")))

for c in doc["cells"]:
    tag = "%s %d cpus=%d" % (c["variant"], c["size"], c["cpus"])
    itlib.check(c["status"] == "ok", tag + ": status %s (%s)" % (c["status"], c["reason"]))
    roles = ["consumer"] if c["cpus"] == 2 else ["consumer", "bystanders"]
    for role in roles:
        got = {}
        for k in keys:
            m = itlib.metric(c, role, k)
            if m:
                itlib.check(m["unit"] == "count/op", tag + ": %s %s per op" % (role, k))
                got[k] = m["summary"]["median"]
        print("%s %s: %s" % (tag, role, got))
        itlib.check(got and max(got.values()) > 0,
                    tag + ": TLB flushes received by the %s: %s" % (role, got))
itlib.done("it_cow_shootdown")
