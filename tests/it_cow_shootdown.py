# SPDX-License-Identifier: GPL-2.0-only
"""Write-protecting a buffer shoots down the TLBs of the other CPUs that run
the process, and the run records those flushes per operation:
cow/mprotect-fresh at 64K, where each operation protects (RO) and
unprotects (RW) the buffer, must show TLB flushes received on another CPU of
the cell, by the tlb:tlb_flush tracepoint (remote_shootdown) or the TLB row
of /proc/interrupts (tlb_ipi).

Which role that CPU has: the consumer of a send stands for the kernel and
runs on the producer's CPU, so the cell's other CPUs run busy bystanders
(never lazy: in the address space whenever a flush is sent), and their
role "bystanders" is checked. Judged on the cell's figure and on each
repetition (a process of its own) alone."""
import os

import itlib

cowbench, src = itlib.args()
ncpu = len(os.sched_getaffinity(0))
if ncpu < 2:
    itlib.skip("needs 2 CPUs, this machine has %d" % ncpu)
cpus = min(ncpu, 3)
p, out, doc = itlib.sweep(cowbench, ["--bench", "cow", "--variant", "mprotect-fresh",
                                     "--sizes", "64K", "--cpus", "2" if cpus == 2 else "2,3",
                                     "--repetitions", "2", "--quick"])
itlib.check(p.returncode == 0, "exit code %d, stderr: %s" % (p.returncode, p.stderr))
if doc is None:
    itlib.done("it_cow_shootdown")

keys = [k for k in ("tlb_flush.remote_shootdown", "tlb_ipi") if itlib.available(doc, k)]
if not keys:
    itlib.skip("no TLB flush counter here: %s" % "; ".join(
        "%s: %s" % (c["key"], c["reason"]) for c in doc["counters"]
        if c["key"] in ("tlb_flush.remote_shootdown", "tlb_ipi")))

for c in doc["cells"]:
    tag = itlib.tag(c)
    itlib.check(c["status"] == "ok", tag + ": status %s (%s)" % (c["status"], c["reason"]))
    for role in ["bystanders"]:
        # the cell's figure, and each repetition (a process of its own) alone
        for what, m_of in [("cell", c)] + [("#%d" % (r["rep"] + 1), r)
                                           for r in itlib.ok_reps(c)]:
            got = {}
            for k in keys:
                m = itlib.metric(m_of, role, k)
                if m:
                    itlib.check(m["unit"] == "count/op",
                                tag + " %s: %s %s per op" % (what, role, k))
                    got[k] = m["value"]["value"] if what == "cell" else m["summary"]["median"]
            print("%s %s %s: %s" % (tag, what, role, got))
            itlib.check(got and max(got.values()) > 0,
                        tag + " %s: TLB flushes received by the %s: %s" % (what, role, got))
    itlib.check(len(itlib.ok_reps(c)) == 2, tag + ": both repetitions ok")
itlib.done("it_cow_shootdown")
