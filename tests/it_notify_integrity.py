# SPDX-License-Identifier: GPL-2.0-only
"""The notify family end to end: every variant delivers the bytes it sent
(sizes below and above the pipe's capacity, an odd size, each sink:
devnull, read and discard, the consumer on its own CPU and colocated),
keeps its ring protocol (no buffer rewritten while in flight; every
buffer handed off is released within its own sample: once per operation
in the verification sample and in every timed one), and records the
copied share of MSG_ZEROCOPY / SEND_ZC completions over loopback, which
the rows declare with what it means when it is all of them (when_all).
The rows come from `cowbench list --json` (nothing here mirrors the C
table): a row's first report counts its releases, a "share" report is
its copied share. Judged in every repetition (each a process of its
own)."""
import json
import os
import shutil

import itlib

cowbench, src = itlib.args()
SIZES = "4K,12345,4M"

p = itlib.run([cowbench, "list", "--json"], timeout=30)
ROWS = {v["name"]: v for v in json.loads(p.stdout)["variants"]
        if v["name"].startswith("notify/")}
itlib.check(len(ROWS) >= 9, "the notify family lists its rows: %s" % sorted(ROWS))


def released(row):
    """The report that counts buffers released: the row's first."""
    return row["reports"][0]["name"]


def share(row):
    return next((r for r in row["reports"] if r["kind"] == "share"), None)


def check_rep(c, r, t, verifying):
    """One repetition; the verifying one (the first to run) also for what
    its verification sample reported."""
    row = ROWS[c["variant"]]
    done = released(row)
    itlib.check(r["ran"] and r["status"] == "ok",
                t + " %s (%s)" % (r["status"], r["reason"]))
    if verifying:
        vr = r.get("verify_reports") or {}
        itlib.check(vr.get("reuse_violations") == 0, t + " verify reuse_violations %s" % vr)
        itlib.check(vr.get("hazard_modified_ops") == 0,
                    t + " verify hazard_modified_ops %s" % vr)
        itlib.check(r["verify_ops"] and vr.get(done) == r["verify_ops"],
                    t + " every verified operation released: %s of %s" % (vr, r["verify_ops"]))
    viol, comp = itlib.samples(r, "op", "reuse_violations"), itlib.samples(r, "op", done)
    itlib.check(viol is not None and all(v == 0 for v in viol),
                t + " no buffer rewritten in flight in timed samples")
    # every sample ends with nothing in flight (bench_set_depth): one
    # release per operation in each
    itlib.check(comp is not None and all(abs(v - 1.0) < 1e-9 for v in comp),
                t + " one release per operation in every sample: %s" % comp)
    itlib.check(r["depth"] and r["ops_per_sample"] % r["depth"] == 0,
                t + " samples are multiples of the depth: %s / %s"
                % (r["ops_per_sample"], r["depth"]))
    sh = share(row)
    if not sh:
        return
    copied = itlib.samples(r, "op", sh["name"])
    itlib.check(copied is not None, t + " %s recorded" % sh["name"])
    if copied is None or comp is None:
        return
    itlib.check(all(0 <= x <= d + 1e-9 for x, d in zip(copied, comp)),
                t + " %s <= %s in every sample: %s / %s" % (sh["name"], done, copied, comp))
    if sum(comp) > 0:
        print("%s: copied share over loopback %.2f" % (t, sum(copied) / sum(comp)))


def check_run(out, tag):
    doc, rows, summary = itlib.load_run(out)
    itlib.check(doc["status"] == "complete", tag + ": status " + doc["status"])
    names = {v["name"] for v in doc["variants"]}
    itlib.check(names == set(ROWS), tag + ": variants %s" % sorted(names))
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


# what the rows declare
twins = {n: v["twin"] for n, v in ROWS.items()}
for n, want in (("notify/vmsplice", "copy/write-pipe"), ("notify/gift", "copy/write-pipe"),
                ("notify/vmsplice-tcp", "copy/send-tcp"),
                ("notify/msg-zerocopy", "copy/send-tcp"),
                ("notify/io-uring-zc", "notify/io-uring-cp"),
                ("notify/io-uring-reg", "notify/io-uring-cp"),
                ("notify/io-uring-zc8", "notify/io-uring-cp8")):
    itlib.check(twins.get(n) == want, "%s: twin %s, want %s" % (n, twins.get(n), want))
for n, row in ROWS.items():
    sh = share(row)
    if sh:
        itlib.check("loopback" in (sh["when_all"] or ""),
                    "%s: %s says what all copied means: %r" % (n, sh["name"], sh["when_all"]))
itlib.check("skb_zerocopy_notify_extend" in share(ROWS["notify/msg-zerocopy"])["desc"],
            "msg-zerocopy: its copied share says why it is approximate")
itlib.check("idealised" in ROWS["notify/vmsplice"]["desc"], "vmsplice: labelled idealised")

base = itlib.tmpdir()
for sink in ("devnull", "read", "discard"):
    out = os.path.join(base, "run-" + sink)
    p, out, doc = itlib.sweep(cowbench, ["--bench", "notify", "--sizes", SIZES, "--cpus",
                                         "1,max", "--repetitions", "2", "--quick", "--sink",
                                         sink], out=out)
    itlib.check(p.returncode == 0, "sink %s: exit %d: %s" % (sink, p.returncode, p.stderr))
    if p.returncode in (0, 1):
        itlib.check(doc["options"]["sink"] == sink, "sink %s recorded" % sink)
        check_run(out, "sink " + sink)

# Without CAP_SYS_RESOURCE a pipe stops at fs.pipe-max-size (1 MiB by
# default), so 4M is vmspliced in pieces whatever this test runs as.
setpriv = shutil.which("setpriv")
if setpriv and os.geteuid() == 0:
    out = os.path.join(base, "run-capped")
    cmd = [setpriv, "--bounding-set=-sys_resource", "--inh-caps=-sys_resource", cowbench,
           "run", "--variant", "notify/vmsplice,notify/gift,notify/vmsplice-tcp", "--sizes",
           "4M,16M", "--cpus", "1,max", "--repetitions", "2", "--quick", "--quiet", "--out",
           out]
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
