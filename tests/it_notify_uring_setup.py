# SPDX-License-Identifier: GPL-2.0-only
"""The io_uring rows set their ring up as its users do and say how: every
repetition records one note "io_uring setup: ..." (run.json
repetitions[].notes) naming SINGLE_ISSUER|DEFER_TASKRUN where the kernel
takes it (6.1 and later), else the fallback it took and what was refused.
The fallbacks are tested by forcing them with the test-only environment
variable COWBENCH_URING_SETUP (coop, none; read in setup, see
bench/notify_uring.c): the note says the setup and that it was forced,
and the cells still verify and measure. An unknown value fails the
cells with a reason that names the variable. Skips where io_uring is
refused (it_notify_uring_disabled covers that)."""
import json
import os
import platform
import shutil

import itlib

cowbench, src = itlib.args()
rows = [v["name"] for v in json.loads(itlib.run([cowbench, "list", "--json"]).stdout)
        ["variants"] if v["name"].startswith("notify/io-uring")]
itlib.check(len(rows) >= 5, "io_uring rows: %s" % rows)
base = itlib.tmpdir()
release = tuple(int(x) for x in platform.release().split(".")[:2] if x.isdigit())


def run(tag, env=None):
    out = os.path.join(base, tag)
    p, out, doc = itlib.sweep(cowbench, ["--variant", ",".join(rows), "--sizes", "4K,12345",
                                         "--cpus", "1,max", "--repetitions", "2", "--quick"],
                              out=out, env=env)
    return p, doc


def setup_notes(tag, doc, want, forced):
    cells = [c for c in doc["cells"] if c["status"] != "unsupported"]
    if not cells:
        itlib.skip("io_uring unsupported here: %s" % doc["cells"][0]["reason"])
    for c in doc["cells"]:
        t = "%s: %s" % (tag, itlib.tag(c))
        if c["status"] == "unsupported":
            print("%s unsupported: %s" % (t, c["reason"]))
            continue
        itlib.check(c["status"] == "ok", t + " %s (%s)" % (c["status"], c["reason"]))
        itlib.verifying_rep(c, t)
        for r in itlib.reps(c):
            notes = [n for n in r["notes"] if n.startswith("io_uring setup: ")]
            rt = "%s #%d" % (t, r["rep"] + 1)
            itlib.check(len(notes) == 1, rt + " one setup note: %s" % r["notes"])
            if not notes:
                continue
            name = notes[0][len("io_uring setup: "):].split(" ")[0]
            itlib.check(name in want, rt + " setup %r, want one of %s" % (notes[0], want))
            itlib.check(("forced by COWBENCH_URING_SETUP" in notes[0]) == forced,
                        rt + " says whether it was forced: %r" % notes[0])
            if name != want[0] and not forced:
                itlib.check("refused" in notes[0], rt + " a fallback says what was "
                            "refused: %r" % notes[0])
        print("%s: %s" % (t, sorted({n for r in itlib.reps(c) for n in r["notes"]})))


p, doc = run("default")
itlib.check(p.returncode == 0, "default: exit %d: %s" % (p.returncode, p.stderr))
if doc:
    # 6.1 and later take DEFER_TASKRUN; older kernels fall back
    want = (["SINGLE_ISSUER|DEFER_TASKRUN"] if release >= (6, 1) else
            ["SINGLE_ISSUER|DEFER_TASKRUN", "COOP_TASKRUN", "none"])
    setup_notes("default", doc, want, False)
for force, want in (("coop", ["COOP_TASKRUN", "none"]), ("none", ["none"])):
    p, doc = run(force, {"COWBENCH_URING_SETUP": force})
    itlib.check(p.returncode == 0, "%s: exit %d: %s" % (force, p.returncode, p.stderr))
    if doc:
        itlib.check(doc["status"] == "complete", force + ": run " + doc["status"])
        setup_notes("forced " + force, doc, want, True)

p, doc = run("bogus", {"COWBENCH_URING_SETUP": "bogus"})
itlib.check(p.returncode == 1, "bogus: exit %d, want 1" % p.returncode)
for c in (doc or {"cells": []})["cells"]:
    itlib.check(c["status"] == "failed" and "COWBENCH_URING_SETUP" in (c["reason"] or ""),
                "bogus: %s %s %r" % (itlib.tag(c), c["status"], c["reason"]))
shutil.rmtree(base, ignore_errors=True)
itlib.done("it_notify_uring_setup")
