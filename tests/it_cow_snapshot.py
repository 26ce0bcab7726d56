# SPDX-License-Identifier: GPL-2.0-only
"""Snapshot semantics of the zero-copy send models (cow/mprotect-reuse,
cow/mprotect-done, cow/mprotect-fresh, cow/uffd-wp): verification
passes (the consumer sees the data as it was at the send, the producer its
new data; the first repetition of a cell to run verifies, the others only
measure), and the check can fail: with --sabotage the fault handlers skip
preserving the old page, and a variant that writes the sent buffer while
the consumer holds it must then be reported "failed" with a verification
reason, never as numbers. The rows that declare nothing to sabotage (the
released and fresh ones copy nothing) stay ok. (The consumer reads after
the refill, or releases before it: a skipped copy is always read.)
The broken run is sequential, so that the repetition that fails first is
the cell's first (it_cell_process checks the reason of a cell whose later
repetition fails first)."""
import os

import itlib

cowbench, src = itlib.args()
variants = "mprotect-reuse,mprotect-done,mprotect-fresh,uffd-wp"


def cells(extra=()):
    return itlib.sweep(cowbench, ["--bench", "cow", "--variant", variants, "--sizes",
                                  "16K,256K", "--cpus", "1,max", "--repetitions", "2",
                                  "--quick"] + list(extra))


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
p, out, doc = cells(["--sabotage", "--order", "sequential"])
itlib.check(p.returncode == 1, "sabotaged: exit code %d, want 1" % p.returncode)
sabotage = {v["name"]: v["sabotage"] for v in (doc or {}).get("variants", [])}
itlib.check(doc is not None and doc["options"]["sabotage"] is True,
            "run.json options record the sabotage")
for c in (doc or {}).get("cells", []):
    tag = "sabotaged " + itlib.tag(c)
    if not sabotage.get(c["variant"]):	# copies nothing: nothing to break
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
