# SPDX-License-Identifier: GPL-2.0-only
"""SIGINT / SIGTERM during notify cells: exit 130 within seconds, a valid
run.json with status "interrupted" that keeps the repetitions measured
before. Interrupting in the middle of a 64M cell of each variant (its one
repetition's process gets the signal from the run) stops samples
blocked in vmsplice(), splice(), send(), poll() on the error queue, the
vmsplice-tcp reuse rule's polls, or io_uring waits, and teardown
collects the outstanding notifications (a hang here would be the
harness's 120 s timeout). The rows are `cowbench list --json`'s."""
import json
import os
import shutil
import signal
import subprocess
import time

import itlib

cowbench, src = itlib.args()
base = itlib.tmpdir()


def interrupt(args, sig, after_lines=0, after_s=0.0, tag="", unsupported_ok=False):
    out = os.path.join(base, "run-%d" % len(os.listdir(base)))
    p = subprocess.Popen([cowbench, "run", "--out", out] + args, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    seen, deadline = 0, time.monotonic() + 120
    while seen < after_lines and time.monotonic() < deadline:
        line = p.stderr.readline()
        if not line:
            break
        seen += line.startswith("[") and "/op n=" in line    # measured, not skipped
    time.sleep(after_s)
    p.send_signal(sig)
    t0 = time.monotonic()
    try:
        p.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        p.kill()
        p.communicate()
        itlib.check(False, tag + ": did not exit within 60 s of the signal")
        return None
    if unsupported_ok and p.returncode == 0:
        doc, _, _ = itlib.load_run(out)
        if all(c["status"] == "unsupported" for c in doc["cells"]):
            return doc                  # done before the signal: the caller retries
    itlib.check(p.returncode == 130, "%s: exit %d, want 130" % (tag, p.returncode))
    itlib.check(time.monotonic() - t0 < 20, "%s: took %.1f s to stop" % (tag, time.monotonic() - t0))
    doc, _, summary = itlib.load_run(out)
    itlib.check(doc["status"] == "interrupted", "%s: status %s" % (tag, doc["status"]))
    itlib.check("INTERRUPTED" in summary.splitlines()[0], tag + ": summary says interrupted")
    itlib.check(not [f for f in os.listdir(base) if ".tmp" in f], tag + ": no temporary dir")
    return doc


for sig in (signal.SIGINT, signal.SIGTERM):
    tag = "notify sweep, " + signal.Signals(sig).name
    doc = interrupt(["--bench", "notify", "--sizes", "4K-4M:x16", "--cpus", "1,max",
                     "--cell-budget", "0.3"], sig, after_lines=3, tag=tag)
    if doc:
        ok = [r for c in doc["cells"] for r in itlib.ok_reps(c)]
        itlib.check(len(ok) >= 3, "%s: kept the repetitions measured before (%d)"
                    % (tag, len(ok)))
        itlib.check(any(c["status"] in ("interrupted", "skipped") for c in doc["cells"]),
                    tag + ": unmeasured cells are marked")
        itlib.check(any(not r["ran"] for c in doc["cells"] for r in c["repetitions"]),
                    tag + ": unmeasured repetitions are marked")

# mid-cell, in every variant: the signal lands in a blocking hand-off or wait
for v in [r["name"].split("/", 1)[1] for r in
          json.loads(itlib.run([cowbench, "list", "--json"]).stdout)["variants"]
          if r["name"].startswith("notify/")]:
    for cpus in ("1", "max"):
        # 64M, or where a row does not run at 64M (8 sends of it in flight
        # exceed a socket's send buffer: unsupported at once) 256K
        for size in ("64M", "256K"):
            tag = "%s %s cpus=%s mid-cell" % (v, size, cpus)
            doc = interrupt(["--variant", "notify/" + v, "--sizes", size, "--cpus", cpus,
                             "--repetitions", "1", "--min-samples", "500", "--max-samples",
                             "500", "--quiet"], signal.SIGINT, after_s=1.5, tag=tag,
                            unsupported_ok=size != "256K")
            if not (doc and doc["status"] == "complete"):
                break
        if doc:
            c = doc["cells"][0]
            itlib.check(c["status"] in ("interrupted", "unsupported"),
                        "%s: cell %s (%s)" % (tag, c["status"], c["reason"]))
            r = c["repetitions"][0]
            if c["status"] == "interrupted":
                itlib.check(r["ran"] and r["status"] == "interrupted" and
                            (r["reason"] or "").startswith("interrupted"),
                            "%s: its repetition %s (%s)" % (tag, r["status"], r["reason"]))
                itlib.check(r["exit"]["signal"] is None or r["exit"]["signal"] in (2, 15),
                            "%s: the repetition's process stopped on the signal: exit %s"
                            % (tag, r["exit"]))
shutil.rmtree(base, ignore_errors=True)
itlib.done("it_notify_interrupt")
