# SPDX-License-Identifier: GPL-2.0-only
"""notify/vmsplice-tcp: vmsplice() into a pipe, splice() to TCP, where
Linux sends no notification. Reusing a buffer as soon as splice() has
returned (--hazard) delivers modified bytes: the receiver reads the
program's pages. The local consumer reads each operation once it has
been overwritten: every operation arrives modified. A sink reads when it
reads: those it took before the overwrite are intact, so only the total
over a sink's run must show the modification. Under the row's reuse rule nothing
arrives modified: loopback (TCP's ACK and the receiving socket's queue,
SIOCOUTQ and SIOCINQ), and to a `cowbench sink` (the sink's count of
operations consumed, SINKPROTO_F_CONSUMED) with each of its sinks
(devnull, read, discard), at sizes below and above what the socket takes
at once, at one CPU and at the most. Each repetition notes its rule.
Judged in every repetition."""
import os
import shutil

import itlib
from it_sink import start_sink, stop_sink

ROW = "notify/vmsplice-tcp"
cowbench, src = itlib.args()
base = itlib.tmpdir()


def sweep(tag, extra):
    out = os.path.join(base, tag)
    p, out, doc = itlib.sweep(cowbench, ["--variant", ROW, "--sizes", "4K,12345,1M,4M",
                                         "--repetitions", "2"] + extra, out=out)
    itlib.check(p.returncode == 0, "%s: exit %d: %s" % (tag, p.returncode, p.stderr[-500:]))
    return doc


def judge(tag, doc, hazard, rule, gated=True):
    """Returns the operations that arrived modified, over the run."""
    total = 0
    itlib.check(doc and doc["cells"], tag + ": cells")
    for c in (doc or {"cells": []})["cells"]:
        t = "%s: %s" % (tag, itlib.tag(c))
        itlib.check(c["status"] == "ok", t + " %s (%s)" % (c["status"], c["reason"]))
        for r in itlib.reps(c):
            rt = "%s #%d" % (t, r["rep"] + 1)
            itlib.check(any(n.startswith("reuse rule: ") and rule in n for n in r["notes"]),
                        rt + " notes its reuse rule (%s): %s" % (rule, r["notes"]))
            if not r["verify_ops"]:
                continue
            vr, n = r["verify_reports"], r["verify_ops"]
            mod, viol = vr.get("hazard_modified_ops"), vr.get("reuse_violations")
            if hazard:
                itlib.check(viol == n and mod is not None and
                            (mod == n if gated else 0 <= mod <= n),
                            rt + " reused early: %s operation arrived modified: %s"
                            % ("every" if gated else "any", vr))
                total += mod or 0
            else:
                itlib.check(mod == 0 and viol == 0 and vr.get("completions") == n,
                            rt + " under the rule nothing arrived modified: %s" % vr)
            if hazard:
                print("%s: %d of %d arrived modified" % (rt, mod, n))
    return total


for mode in ("protocol", "hazard"):
    extra = ["--cpus", "1,max"] + (["--hazard"] if mode == "hazard" else
                                   ["--quick", "--max-samples", "5"])
    judge("loopback " + mode, sweep("loopback-" + mode, extra), mode == "hazard", "SIOCINQ")

for sink in ("devnull", "read", "discard"):
    proc, port = start_sink((), cowbench, "127.0.0.1", ["--sink", sink])
    try:
        for mode in ("protocol", "hazard"):
            extra = ["--cpus", "1", "--peer", "127.0.0.1:%d" % port]
            extra += ["--hazard"] if mode == "hazard" else ["--quick", "--max-samples", "5"]
            doc = sweep("peer-%s-%s" % (sink, mode), extra)
            n = judge("sink %s %s" % (sink, mode), doc, mode == "hazard",
                      "SINKPROTO_F_CONSUMED", gated=False)
            itlib.check(mode != "hazard" or n > 0,
                        "sink %s: reused early, some operation arrived modified" % sink)
            for c in (doc or {"cells": []})["cells"]:
                itlib.check(itlib.metric(c, "consumer", "wall_ns") is None,
                            "sink %s: %s has no local consumer" % (sink, itlib.tag(c)))
    finally:
        rc, lines = stop_sink(proc)
    itlib.check(rc == 0, "sink %s exits 0, got %s" % (sink, rc))
    itlib.check(lines and not [x for x in lines if "closed early" in x or "reset" in x],
                "sink %s: every connection ends cleanly: %s" % (sink, lines))
shutil.rmtree(base, ignore_errors=True)
itlib.done("it_notify_splice")
