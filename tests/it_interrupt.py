"""SIGINT during a run: the process exits 130 and leaves a complete,
valid result directory with status "interrupted" that keeps the cells
measured before the signal; a second run with SIGTERM does the same."""
import os
import signal
import subprocess
import time

import itlib

cowbench, src = itlib.args()
for sig in (signal.SIGINT, signal.SIGTERM):
    out = os.path.join(itlib.tmpdir(), "run")
    p = subprocess.Popen([cowbench, "run", "--bench", "copy", "--sizes", "4K-1M:x2",
                          "--cpus", "1", "--cell-budget", "0.3", "--out", out],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # wait for two cells to be measured, then interrupt
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
    tag = signal.Signals(sig).name
    itlib.check(p.returncode == 130, "%s: exit %d, want 130" % (tag, p.returncode))
    doc, rows, summary = itlib.load_run(out)
    itlib.check(doc["status"] == "interrupted", "%s: status %s" % (tag, doc["status"]))
    ok = [c for c in doc["cells"] if c["status"] == "ok"]
    itlib.check(len(ok) >= 2, "%s: kept the cells measured before (%d)" % (tag, len(ok)))
    itlib.check(any(c["status"] in ("interrupted", "skipped") for c in doc["cells"]),
                "%s: unmeasured cells are marked" % tag)
    itlib.check("INTERRUPTED" in summary.splitlines()[0], "%s: summary says interrupted" % tag)
    itlib.check(not [f for f in os.listdir(os.path.dirname(out)) if ".tmp" in f],
                "%s: no temporary directory left" % tag)
itlib.done("it_interrupt")
