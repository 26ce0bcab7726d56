# SPDX-License-Identifier: GPL-2.0-only
"""The notify family end to end: every variant delivers the bytes it sent
(sizes below and above the pipe's capacity, an odd size, both sinks, the
consumer on its own CPU and colocated), keeps its ring protocol (no buffer
rewritten while in flight; every buffer handed off is notified: exactly by
the end of the verification sample, within a ring's depth over the timed
samples), and records the copied share of MSG_ZEROCOPY / SEND_ZC
completions over loopback. Judged in every repetition (each a process of
its own)."""
import os
import shutil

import itlib

cowbench, src = itlib.args()
VARIANTS = {"notify/vmsplice", "notify/msg-zerocopy", "notify/io-uring-zc",
            "notify/io-uring-reg", "notify/io-uring-cp"}
DONE = {"notify/vmsplice": "completions", "notify/io-uring-cp": "completions"}
SIZES = "4K,12345,4M"


def samples(rep, name):
    return itlib.samples(rep, "op", name)


def check_rep(c, r, t, verifying):
    """One repetition; the verifying one (the first to run) also for what
    its verification sample reported."""
    itlib.check(r["ran"] and r["status"] == "ok",
                t + " %s (%s)" % (r["status"], r["reason"]))
    done = DONE.get(c["variant"], "zc_completions")
    if verifying:
        vr = r.get("verify_reports") or {}
        itlib.check(vr.get("reuse_violations") == 0, t + " verify reuse_violations %s" % vr)
        itlib.check(vr.get("hazard_modified_ops") == 0,
                    t + " verify hazard_modified_ops %s" % vr)
        itlib.check(r["verify_ops"] and vr.get(done) == r["verify_ops"],
                    t + " every verified operation notified: %s of %s" % (vr, r["verify_ops"]))
    viol, comp = samples(r, "reuse_violations"), samples(r, done)
    itlib.check(viol is not None and all(v == 0 for v in viol),
                t + " no buffer rewritten in flight in timed samples")
    if c["variant"] == "notify/vmsplice":
        itlib.check(comp is not None and all(abs(v - 1.0) < 1e-9 for v in comp),
                    t + " one notification per operation in every sample: %s" % comp)
    elif comp is not None:
        # sockets carry the last notifications of a sample into the next:
        # over all samples, no more than a ring (64 buffers) is owed
        k = r["ops_per_sample"]
        owed = len(comp) * k - round(sum(comp) * k)
        itlib.check(0 <= owed + 64 and owed <= 64,
                    t + " notifications owed after the samples: %d" % owed)
    else:
        itlib.check(False, t + " has no %s series" % done)
    if done != "zc_completions":
        return
    copied = samples(r, "zc_copied")
    itlib.check(copied is not None, t + " zc_copied recorded")
    if copied is None or comp is None:
        return
    # a copied notification is one of the completions of its sample
    itlib.check(all(0 <= x <= d + 1e-9 for x, d in zip(copied, comp)),
                t + " zc_copied <= zc_completions in every sample: %s / %s"
                % (copied, comp))
    # The producer reaps the error queue only when the ring (up to 64
    # buffers) comes round to a buffer still owed, so a repetition whose
    # timed samples hand off fewer buffers than that (k = 1 when a
    # loaded machine makes one operation outlast --min-sample-s) may
    # collect no completion at all: the owed check above bounds that
    # case, and there is no share to state.
    if sum(comp) > 0:
        share = sum(copied) / sum(comp)
        itlib.check(0 <= share <= 1, t + " copied share %s" % share)
        print("%s: copied share over loopback %.2f" % (t, share))
    else:
        print("%s: no completion collected in %d timed operations"
              % (t, len(comp) * r["ops_per_sample"]))


def check_run(out, tag):
    doc, rows, summary = itlib.load_run(out)
    itlib.check(doc["status"] == "complete", tag + ": status " + doc["status"])
    names = {v["name"] for v in doc["variants"]}
    itlib.check(names == VARIANTS, tag + ": variants %s" % sorted(names))
    twins = {v["name"]: v["twin"] for v in doc["variants"]}
    itlib.check(twins.get("notify/vmsplice") == "copy/write-pipe", tag + ": vmsplice twin")
    itlib.check(twins.get("notify/msg-zerocopy") == "copy/send-tcp", tag + ": zc twin")
    for c in doc["cells"]:
        t = "%s: %s" % (tag, itlib.tag(c))
        if c["status"] == "unsupported" and "io_uring" in (c["reason"] or ""):
            print("%s unsupported here: %s" % (t, c["reason"]))
            continue
        itlib.check(c["status"] == "ok", t + " status %s (%s)" % (c["status"], c["reason"]))
        v = itlib.verifying_rep(c, t)
        for r in c["repetitions"]:
            check_rep(c, r, "%s #%d" % (t, r["rep"] + 1), r is v)
    for line in summary.splitlines():
        itlib.check(len(line) <= 80, tag + ": summary line over 80 columns: %r" % line)


base = itlib.tmpdir()
for sink in ("devnull", "read"):
    out = os.path.join(base, "run-" + sink)
    p, out, _ = itlib.sweep(cowbench, ["--bench", "notify", "--sizes", SIZES, "--cpus",
                                       "1,max", "--repetitions", "2", "--quick", "--sink",
                                       sink], out=out)
    itlib.check(p.returncode == 0, "sink %s: exit %d: %s" % (sink, p.returncode, p.stderr))
    if p.returncode in (0, 1):
        check_run(out, "sink " + sink)

# Without CAP_SYS_RESOURCE a pipe stops at fs.pipe-max-size (1 MiB by
# default), so 4M is vmspliced in pieces whatever this test runs as.
setpriv = shutil.which("setpriv")
if setpriv and os.geteuid() == 0:
    out = os.path.join(base, "run-capped")
    cmd = [setpriv, "--bounding-set=-sys_resource", "--inh-caps=-sys_resource", cowbench,
           "run", "--variant", "notify/vmsplice", "--sizes", "4M,16M", "--cpus", "1,max",
           "--repetitions", "2", "--quick", "--quiet", "--out", out]
    p = itlib.run(cmd)
    itlib.check(p.returncode == 0, "capped pipe: exit %d: %s" % (p.returncode, p.stderr))
    if p.returncode == 0:
        doc, _, _ = itlib.load_run(out)
        for c in doc["cells"]:
            itlib.check(c["status"] == "ok" and len(itlib.ok_reps(c)) == 2,
                        "capped pipe: %s %s %s" % (itlib.tag(c), c["status"], c["reason"]))
            itlib.verifying_rep(c, "capped pipe: " + itlib.tag(c))
else:
    print("capped-pipe run left out: needs root and setpriv")
shutil.rmtree(base, ignore_errors=True)
itlib.done("it_notify_integrity")
