# SPDX-License-Identifier: GPL-2.0-only
"""--hazard: the verification sample breaks the reuse protocol on purpose
(each buffer is overwritten right after its hand-off, before its
release) and run.json's verify_reports say what the consumer saw, of the
bytes the kernel held when they were overwritten. Rows fed by vmsplice()
must show it on every operation (the pipe, or the TCP socket it is
spliced to, holds the program's pages): notify/vmsplice, notify/gift
(SPLICE_F_GIFT changes nothing: a no-op since 2.6.21) and
notify/vmsplice-tcp. The copying rows of the family (io_uring SEND)
never do: a copy taken before the overwrite cannot change, which also
shows that only what the kernel held is judged. The zero-copy socket rows
report whatever this kernel does (over loopback the data is usually
copied before the buffer is touched, but what TCP has queued and not yet
sent may go out modified). With the protocol kept, nothing ever arrives
modified. Then the same with the pipe capped at fs.pipe-max-size, so
that 4M and 16M go into the pipe in pieces: the pieces handed off after
the overwrite carry it whatever the kernel does, and are not judged.
Judged in every repetition (each a process of its own)."""
import os
import shutil

import itlib

SPLICED = ("notify/vmsplice", "notify/gift", "notify/vmsplice-tcp")
cowbench, src = itlib.args()
base = itlib.tmpdir()
runs = {}
for mode in ("hazard", "protocol"):
    out = os.path.join(base, mode)
    cmd = ["--bench", "notify", "--sizes", "4K,4M", "--cpus", "1,max", "--repetitions", "2"]
    cmd += ["--hazard"] if mode == "hazard" else ["--quick", "--max-samples", "5"]
    p, out, doc = itlib.sweep(cowbench, cmd, out=out)
    itlib.check(p.returncode == 0, "%s: exit %d: %s" % (mode, p.returncode, p.stderr))
    if p.returncode == 0:
        runs[mode] = doc

for mode, doc in runs.items():
    itlib.check(doc["options"]["hazard"] == (mode == "hazard"), mode + ": options.hazard")
    for c in doc["cells"]:
        t = "%s: %s" % (mode, itlib.tag(c))
        if c["status"] == "unsupported" and "io_uring" in (c["reason"] or ""):
            continue
        itlib.check(c["status"] == "ok", t + " status %s (%s)" % (c["status"], c["reason"]))
        if mode == "hazard":
            itlib.check(not c["metrics"], t + " nothing timed: the cell has no figures")
        # with the protocol kept, the first repetition to run verifies and
        # the others only measure; with --hazard every repetition checks
        v = itlib.verifying_rep(c, t) if mode == "protocol" else None
        for r in c["repetitions"]:
            rt = "%s #%d" % (t, r["rep"] + 1)
            itlib.check(r["ran"] and r["status"] == "ok",
                        rt + " %s (%s)" % (r["status"], r["reason"]))
            if mode == "protocol" and r is not v:
                continue
            vr, n = r.get("verify_reports") or {}, r.get("verify_ops")
            mod, viol = vr.get("hazard_modified_ops"), vr.get("reuse_violations")
            itlib.check(mod is not None and viol is not None, rt + " reports %s" % vr)
            if mod is None or viol is None:
                continue
            if mode == "protocol":
                itlib.check(mod == 0 and viol == 0, rt + " kept protocol, yet %s" % vr)
                continue
            itlib.check(r["stop_reason"] == "hazard", rt + " stop_reason %s" % r["stop_reason"])
            itlib.check(itlib.metric(r, "op", "wall_ns") is None, rt + " nothing timed")
            itlib.check(n and viol == n, rt + " every operation broke the protocol: %s" % vr)
            itlib.check(0 <= mod <= n, rt + " modified count in range: %s" % vr)
            if c["variant"] in SPLICED:
                itlib.check(mod == n, rt + " vmspliced: consumer saw every overwrite: %s" % vr)
            if c["class"] == "copy":
                itlib.check(mod == 0, rt + " a copying send shows no overwrite: %s" % vr)
            print("%s: %d of %d operations arrived modified" % (rt, mod, n))
    if mode == "hazard":
        itlib.check(doc["derived"]["checks"]["total"] == 0,
                    "hazard: no expectation judged on a run that times nothing")
        summary = open(os.path.join(base, mode, "summary.txt")).read()
        itlib.check("protocol check" in summary, "summary shows the protocol check")
        itlib.check(not [l for l in summary.splitlines() if " 0 ns " in l],
                    "hazard: summary shows no operation time (nothing was timed): %s"
                    % [l for l in summary.splitlines() if " 0 ns " in l][:3])

# Above the pipe's capacity (capped without CAP_SYS_RESOURCE): only the
# first piece was the kernel's when overwritten; it arrives modified.
setpriv = shutil.which("setpriv")
if setpriv and os.geteuid() == 0:
    out = os.path.join(base, "capped")
    p = itlib.run([setpriv, "--bounding-set=-sys_resource", "--inh-caps=-sys_resource",
                   cowbench, "run", "--variant", ",".join(SPLICED), "--hazard", "--sizes",
                   "4M,16M", "--cpus", "1,max", "--repetitions", "1", "--quiet", "--out", out])
    itlib.check(p.returncode == 0, "capped hazard: exit %d: %s" % (p.returncode, p.stderr))
    if p.returncode == 0:
        for c in itlib.load_run(out)[0]["cells"]:
            for r in c["repetitions"]:
                vr, n = r.get("verify_reports") or {}, r.get("verify_ops")
                itlib.check(c["status"] == "ok" and n and
                            vr.get("hazard_modified_ops") == n == vr.get("reuse_violations"),
                            "capped hazard: %s: %s %s" % (itlib.rtag(c, r), c["status"], vr))
else:
    print("capped-pipe hazard left out: needs root and setpriv")
shutil.rmtree(base, ignore_errors=True)
itlib.done("it_notify_hazard")
