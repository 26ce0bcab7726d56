# SPDX-License-Identifier: GPL-2.0-only
"""Snapshot semantics of the zero-copy send models (cow/mprotect-reuse,
cow/mprotect-fresh, cow/uffd-wp): verification passes (the consumer sees
the data as it was at the send, the producer its new data; the first
repetition of a cell to run verifies, the others only measure), and the
check can fail: with COWBENCH_COW_BREAK=1
the fault handlers skip preserving the old page, and a variant that writes
the sent buffer must then be reported "failed" with a verification reason,
never as numbers. (Verification reads every other operation only after the
refill, so a skipped copy is always read, whatever the scheduling.)
The broken run is sequential, so that the repetition that fails first is
the cell's first (it_cell_process checks the reason of a cell whose later
repetition fails first)."""
import os

import itlib

cowbench, src = itlib.args()
variants = "mprotect-reuse,mprotect-fresh,uffd-wp"


def cells(extra_env=None, extra=()):
    return itlib.sweep(cowbench, ["--bench", "cow", "--variant", variants, "--sizes",
                                  "16K,256K", "--cpus", "1,max", "--repetitions", "2",
                                  "--quick"] + list(extra), env=extra_env)


p, out, doc = cells()
itlib.check(p.returncode == 0, "exit code %d, stderr: %s" % (p.returncode, p.stderr))
for c in (doc or {}).get("cells", []):
    tag = itlib.tag(c)
    if c["variant"] == "cow/uffd-wp" and c["status"] == "unsupported":
        itlib.check(c["reason"].startswith("userfaultfd unavailable"),
                    tag + ": unsupported with a reason: %s" % c["reason"])
        continue
    itlib.check(c["status"] == "ok", tag + ": status %s (%s)" % (c["status"], c["reason"]))
    itlib.check(len(itlib.ok_reps(c)) == 2, tag + ": both repetitions ok: %s"
                % [(r["status"], r["reason"]) for r in c["repetitions"]])
    itlib.verifying_rep(c)

# the same with the copy skipped: the variants that preserve must fail
p, out, doc = cells({"COWBENCH_COW_BREAK": "1"}, ["--order", "sequential"])
itlib.check(p.returncode == 1, "broken handler: exit code %d, want 1" % p.returncode)
for c in (doc or {}).get("cells", []):
    tag = "broken " + itlib.tag(c)
    if c["variant"] == "cow/mprotect-fresh":	# takes no fault: nothing to break
        itlib.check(c["status"] == "ok", tag + ": still ok (%s)" % c["reason"])
        itlib.verifying_rep(c, tag)
        continue
    if c["status"] == "unsupported":
        continue
    itlib.check(c["status"] == "failed", tag + ": status %s, want failed" % c["status"])
    itlib.check((c["reason"] or "").startswith("verification failed:") and
                "consumer saw" in c["reason"], tag + ": reason %r" % c["reason"])
    itlib.check(not c["metrics"], tag + ": a failed cell has no numbers")
    ran = itlib.reps(c)
    itlib.check(len(ran) == 1, tag + ": the first failure stops the cell: %d ran" % len(ran))
    for r in ran:
        itlib.check(r["status"] == "failed" and not r["verified"] and
                    (r["reason"] or "").startswith("verification failed:"),
                    tag + " #%d: %s verified %s (%r)" % (r["rep"] + 1, r["status"],
                                                      r["verified"], r["reason"]))
        itlib.check(not r["metrics"], tag + ": failed verification, so nothing timed")
itlib.done("it_cow_snapshot")
