# SPDX-License-Identifier: GPL-2.0-only
"""SIGINT during a run: the process exits 130 and leaves a complete,
valid result directory with status "interrupted" that keeps the
repetitions measured before the signal; a second run with SIGTERM does the
same. The repetition in flight is stopped (its process gets the signal)
and marked "interrupted" (keeping the samples it streamed); those that never started
are "not run"; a cell keeps the figures of the repetitions it has."""
import os
import signal
import subprocess
import time

import itlib

cowbench, src = itlib.args()
for sig in (signal.SIGINT, signal.SIGTERM):
    tag = signal.Signals(sig).name
    out = os.path.join(itlib.tmpdir(), "run")
    p = subprocess.Popen([cowbench, "run", "--bench", "copy", "--sizes", "4K-1M:x2",
                          "--cpus", "1", "--cell-budget", "0.3", "--out", out],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # wait for two repetitions to be measured, then interrupt
    seen = 0
    deadline = time.monotonic() + 120
    while seen < 2 and time.monotonic() < deadline:
        line = p.stderr.readline()
        if not line:
            break
        if line.startswith("["):
            seen += 1
    p.send_signal(sig)
    stdout, stderr = p.communicate(timeout=60)
    itlib.check(p.returncode == 130, "%s: exit %d, want 130" % (tag, p.returncode))
    doc, rows, summary = itlib.load_run(out)
    itlib.check(doc["status"] == "interrupted", "%s: status %s" % (tag, doc["status"]))
    itlib.check(doc["signal"] == sig, "%s: run.json signal %s" % (tag, doc["signal"]))
    reps = [(c, r) for c in doc["cells"] for r in c["repetitions"]]
    done = [(c, r) for c, r in reps if r["ran"] and r["status"] == "ok"]
    itlib.check(len(done) >= 2, "%s: kept the repetitions measured before (%d)"
                % (tag, len(done)))
    for c, r in done:
        w = itlib.samples(r, "op", "wall_ns")
        itlib.check(w, "%s: %s kept its samples" % (tag, itlib.rtag(c, r)))
        itlib.check(c["status"] in ("ok", "interrupted") and itlib.metric(c, "op", "wall_ns"),
                    "%s: %s keeps its figures (status %s)" % (tag, itlib.tag(c), c["status"]))
    for c, r in reps:
        rt = "%s: %s" % (tag, itlib.rtag(c, r))
        if r["status"] == "interrupted":
            itlib.check(r["ran"] and (r["reason"] or "").startswith("interrupted"),
                        rt + " interrupted, reason %r" % r["reason"])
            for m in r["metrics"]:
                itlib.check(m["summary"]["n"] == len(m["samples"]),
                            rt + " %s: summary of the samples it kept" % m["metric"])
        elif not r["ran"]:
            itlib.check(r["status"] == "skipped" and
                        (r["reason"] or "").startswith("not run: the run was interrupted"),
                        rt + " not run: %s (%r)" % (r["status"], r["reason"]))
            itlib.check(r["pid"] is None and not r["metrics"], rt + " not run has no numbers")
        else:
            itlib.check(r["status"] == "ok", rt + " status %s (%s)" % (r["status"], r["reason"]))
    print("%s: %d repetitions ok, %d interrupted, %d not run" % (
        tag, len(done), sum(r["status"] == "interrupted" for _, r in reps),
        sum(not r["ran"] for _, r in reps)))
    for c in doc["cells"]:
        if itlib.ok_reps(c):
            itlib.verifying_rep(c, "%s: %s" % (tag, itlib.tag(c)))
    itlib.check(any(not r["ran"] for _, r in reps), "%s: unmeasured repetitions are "
                "marked" % tag)
    itlib.check(any(c["status"] in ("interrupted", "skipped") for c in doc["cells"]),
                "%s: unmeasured cells are marked" % tag)
    itlib.check("INTERRUPTED" in summary.splitlines()[0], "%s: summary says interrupted" % tag)
    itlib.check(itlib.no_temp_left(out), "%s: no temporary directory left" % tag)
itlib.done("it_interrupt")
