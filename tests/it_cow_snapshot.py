"""Snapshot semantics of the zero-copy send models (cow/mprotect-reuse,
cow/mprotect-fresh, cow/uffd-wp): verification passes (the consumer sees
the data as it was at the send, the producer its new data), and the check
can fail: with COWBENCH_COW_BREAK=1 the fault handlers skip preserving the
old page, and a variant that writes the sent buffer must then be reported
"failed" with a verification reason, never as numbers. (Verification reads
every other operation only after the refill, so a skipped copy is always
read, whatever the scheduling.)"""
import os

import itlib

cowbench, src = itlib.args()
variants = "mprotect-reuse,mprotect-fresh,uffd-wp"


def cells(extra_env=None, cpus="1,max", which=variants):
    out = os.path.join(itlib.tmpdir(), "run")
    env = dict(os.environ, **(extra_env or {}))
    p = itlib.run([cowbench, "run", "--bench", "cow", "--variant", which,
                   "--sizes", "16K,256K", "--cpus", cpus, "--quick", "--quiet",
                   "--out", out], env=env)
    doc, rows, summary = itlib.load_run(out)
    return p, doc


p, doc = cells()
itlib.check(p.returncode == 0, "exit code %d, stderr: %s" % (p.returncode, p.stderr))
for c in doc["cells"]:
    tag = "%s %d cpus=%d" % (c["variant"], c["size"], c["cpus"])
    if c["variant"] == "cow/uffd-wp" and c["status"] == "unsupported":
        itlib.check(c["reason"].startswith("userfaultfd unavailable"),
                    tag + ": unsupported with a reason: %s" % c["reason"])
        continue
    itlib.check(c["status"] == "ok" and c["verified"] is True,
                tag + ": status %s verified %s (%s)" % (c["status"], c["verified"],
                                                        c["reason"]))

# the same with the copy skipped: the variants that preserve must fail
p, doc = cells({"COWBENCH_COW_BREAK": "1"}, cpus="1,max")
itlib.check(p.returncode == 1, "broken handler: exit code %d, want 1" % p.returncode)
for c in doc["cells"]:
    tag = "broken %s %d cpus=%d" % (c["variant"], c["size"], c["cpus"])
    if c["variant"] == "cow/mprotect-fresh":	# takes no fault: nothing to break
        itlib.check(c["status"] == "ok", tag + ": still ok (%s)" % c["reason"])
        continue
    if c["status"] == "unsupported":
        continue
    itlib.check(c["status"] == "failed" and not c["verified"],
                tag + ": status %s, want failed" % c["status"])
    itlib.check((c["reason"] or "").startswith("verification failed:") and
                "consumer saw" in c["reason"], tag + ": reason %r" % c["reason"])
    itlib.check(not c["metrics"], tag + ": a failed cell has no numbers")
itlib.done("it_cow_snapshot")
