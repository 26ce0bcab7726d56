# SPDX-License-Identifier: GPL-2.0-only
"""Budgets bound every loop of a repetition (issue 13): a huge --warmup
stops at the cell budget, a huge --min-samples stops at the run budget
(--budget is the user's last word on time), and a large but valid --budget
is a budget, not an overflow that skips everything. The values beyond
their ranges are bad input (it_hostile_input); these are within them.
Invariants only: each run ends (within the test's timeout, which is far
below what the loops would take unbounded), exits 0, and records why each
repetition stopped."""
import os

import itlib

cowbench, src = itlib.args()
tmp = itlib.tmpdir()
BASE = ["--variant", "copy/memcpy", "--sizes", "4K", "--cpus", "1", "--repetitions", "2"]


def run(name, extra):
    p, out, doc = itlib.sweep(cowbench, BASE + extra, out=os.path.join(tmp, name), timeout=120)
    itlib.check(p.returncode == 0 and doc is not None,
                "%s: exit %d: %s" % (name, p.returncode, p.stderr.strip()[-300:]))
    return doc or {"cells": [], "status": None}


# 1e6 warm-up samples of >= 5 ms each would take hours: the cell budget ends them
doc = run("warmup", ["--warmup", "1000000", "--cell-budget", "0.2"])
for c in doc["cells"]:
    for r in itlib.reps(c):
        itlib.check(r["status"] == "ok" and r["warmup_samples"] < 1000000,
                    "warmup: %s: %s, %s warm-up samples" % (itlib.rtag(c, r), r["status"],
                                                           r["warmup_samples"]))

# 1e6 samples at least, but the run may take 2 s: the run budget wins
doc = run("min-samples", ["--min-samples", "1000000", "--max-samples", "1000000",
                          "--budget", "2"])
ran = [(c, r) for c in doc["cells"] for r in itlib.reps(c)]
itlib.check(ran and all(r["stop_reason"] == "run-budget" for _, r in ran),
            "min-samples: every repetition that ran stopped at the run budget: %s"
            % [(itlib.rtag(c, r), r["stop_reason"]) for c, r in ran])
for c in doc["cells"]:
    for r in c["repetitions"]:
        if not r["ran"]:
            itlib.check("budget" in (r["reason"] or ""),
                        "min-samples: %s not run for the budget: %r" % (itlib.rtag(c, r),
                                                                       r["reason"]))

# a budget of 115 days is a budget: every cell runs
doc = run("big-budget", ["--budget", "1e7", "--quick"])
itlib.check(doc["status"] == "complete" and doc["cells"] and
            all(c["status"] == "ok" for c in doc["cells"]),
            "--budget 1e7: complete, every cell ok: %s %s"
            % (doc["status"], [(itlib.tag(c), c["status"], c["reason"]) for c in doc["cells"]]))
itlib.finish("it_budget_bounds", tmp)
