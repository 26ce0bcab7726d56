"""--hazard: the verification sample breaks the reuse protocol on purpose
(each buffer is overwritten right after its hand-off, before its
notification) and run.json's verify_reports say what the consumer saw.
vmsplice must show it on every operation (the pipe holds the program's
pages); the socket variants report whatever this kernel does (over
loopback the data is usually copied before the buffer is touched, but
what TCP has queued and not yet sent may go out modified). With the
protocol kept, nothing ever arrives modified."""
import os
import shutil

import itlib

cowbench, src = itlib.args()
base = itlib.tmpdir()
runs = {}
for mode in ("hazard", "protocol"):
    out = os.path.join(base, mode)
    cmd = [cowbench, "run", "--bench", "notify", "--sizes", "4K,4M", "--cpus", "1,max",
           "--quiet", "--out", out]
    cmd += ["--hazard"] if mode == "hazard" else ["--quick", "--max-samples", "5"]
    p = itlib.run(cmd)
    itlib.check(p.returncode == 0, "%s: exit %d: %s" % (mode, p.returncode, p.stderr))
    if p.returncode == 0:
        runs[mode] = itlib.load_run(out)[0]

for mode, doc in runs.items():
    for c in doc["cells"]:
        t = "%s: %s %d cpus=%d" % (mode, c["variant"], c["size"], c["cpus"])
        if c["status"] == "unsupported" and "io_uring" in (c["reason"] or ""):
            continue
        itlib.check(c["status"] == "ok", t + " status %s (%s)" % (c["status"], c["reason"]))
        vr, n = c.get("verify_reports") or {}, c.get("verify_ops")
        mod, viol = vr.get("hazard_modified_ops"), vr.get("reuse_violations")
        itlib.check(mod is not None and viol is not None, t + " reports %s" % vr)
        if mod is None or viol is None:
            continue
        if mode == "protocol":
            itlib.check(mod == 0 and viol == 0, t + " kept protocol, yet %s" % vr)
            continue
        itlib.check(c["stop_reason"] == "hazard", t + " stop_reason %s" % c["stop_reason"])
        itlib.check(itlib.metric(c, "op", "wall_ns") is None, t + " nothing timed")
        itlib.check(viol == n, t + " every operation broke the protocol: %s" % vr)
        itlib.check(0 <= mod <= n, t + " modified count in range: %s" % vr)
        if c["variant"] == "notify/vmsplice":
            itlib.check(mod == n, t + " vmsplice: consumer saw every overwrite: %s" % vr)
        print("%s: %d of %d operations arrived modified" % (t, mod, n))
    if mode == "hazard":
        summary = open(os.path.join(base, mode, "summary.txt")).read()
        itlib.check("protocol check" in summary, "summary shows the protocol check")
shutil.rmtree(base, ignore_errors=True)
itlib.done("it_notify_hazard")
