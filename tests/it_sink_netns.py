# SPDX-License-Identifier: GPL-2.0-only
"""`run --peer` to a `cowbench sink` in another network namespace, over a
veth pair: the TCP notify variants and their copying twin copy/send-tcp
verify end to end through a real (if virtual) device rather than loopback,
and the zero-copy ones record the copied share there. notify/vmsplice-tcp
verifies under its reuse rule there too (the sink, on this host, reads
the sender's pages after its kernel acked them: the rule waits for the
sink's count), and reusing its buffers as soon as splice() returns
(--hazard) delivers modified bytes through the veth.
The test makes two namespaces and the veth pair (addresses in 10.x only
inside them) and deletes them whatever happens. Skips without root or
iproute2, or where `ip netns add` is refused."""
import json
import os
import shutil
import signal
import subprocess

import itlib
from it_sink import PEER_VARIANTS, check_peer_run, peer_reps, start_sink, stop_sink

cowbench, src = itlib.args()
ip = shutil.which("ip")
if not ip:
    itlib.skip("iproute2 (ip) is not installed")
if os.geteuid() != 0:
    itlib.skip("network namespaces need root")

tag = "cwb%d" % (os.getpid() % 100000)
ns_a, ns_b = tag + "-a", tag + "-b"
addr_a, addr_b = "10.213.%d.1" % (os.getpid() % 250), "10.213.%d.2" % (os.getpid() % 250)


def sh(*args, check=True):
    p = subprocess.run([ip] + list(args), capture_output=True, text=True, timeout=30)
    if check and p.returncode:
        raise RuntimeError("ip %s: %s" % (" ".join(args), p.stderr.strip()))
    return p


made = []
sink = None
try:
    p = sh("netns", "add", ns_a, check=False)
    if p.returncode:
        itlib.skip("ip netns add refused here: %s" % p.stderr.strip())
    made.append(ns_a)
    sh("netns", "add", ns_b)
    made.append(ns_b)
    sh("link", "add", tag + "a", "netns", ns_a, "type", "veth", "peer", "name", tag + "b",
       "netns", ns_b)
    for ns, dev, addr in ((ns_a, tag + "a", addr_a), (ns_b, tag + "b", addr_b)):
        sh("-n", ns, "addr", "add", addr + "/30", "dev", dev)
        sh("-n", ns, "link", "set", dev, "up")
        sh("-n", ns, "link", "set", "lo", "up")

    sink, port = start_sink((ip, "netns", "exec", ns_b), cowbench, addr_b)
    out = os.path.join(itlib.tmpdir(), "veth")
    p = itlib.run([ip, "netns", "exec", ns_a, cowbench, "run", "--variant",
                   ",".join(PEER_VARIANTS), "--peer", "%s:%d" % (addr_b, port), "--sizes",
                   "4K,4M", "--cpus", "1", "--repetitions", "2", "--quick", "--quiet",
                   "--out", out])
    itlib.check(p.returncode == 0, "veth run: exit %d: %s" % (p.returncode, p.stderr))
    cells = check_peer_run(out, "veth") if p.returncode in (0, 1) else []
    shares = {v["name"]: [r["name"] for r in v["reports"] if r["kind"] == "share"]
              for v in json.loads(itlib.run([cowbench, "list", "--json"]).stdout)["variants"]}
    for c in cells:
        for share in shares.get(c["variant"], []):
            itlib.check(itlib.metric(c, "op", share) is not None or c["status"] != "ok",
                        "veth: %s records its copied share %s" % (c["variant"], share))
    hz = os.path.join(os.path.dirname(out), "hazard")
    p = itlib.run([ip, "netns", "exec", ns_a, cowbench, "run", "--variant",
                   "notify/vmsplice-tcp", "--hazard", "--peer", "%s:%d" % (addr_b, port),
                   "--sizes", "4K,1M,4M", "--cpus", "1", "--repetitions", "2", "--quiet",
                   "--out", hz])
    itlib.check(p.returncode == 0, "veth hazard: exit %d: %s" % (p.returncode, p.stderr))
    modified = 0
    for c in itlib.load_run(hz)[0]["cells"] if p.returncode == 0 else []:
        for r in c["repetitions"]:
            vr, n = r["verify_reports"], r["verify_ops"]
            itlib.check(c["status"] == "ok" and n and vr.get("reuse_violations") == n,
                        "veth hazard: %s: %s %s" % (itlib.rtag(c, r), c["status"], vr))
            modified += vr.get("hazard_modified_ops") or 0
            print("veth hazard: %s: %s" % (itlib.rtag(c, r), vr))
    itlib.check(p.returncode or modified > 0,
                "veth hazard: reused early, some operation arrived modified")
    rc, lines = stop_sink(sink)
    sink = None
    itlib.check(rc == 0, "sink in the namespace exits 0 on SIGINT, got %s" % rc)
    for line in lines:
        print(line)
    itlib.check(sum("ops verified ok" in x and " 0 ops verified" not in x and addr_a in x
                    for x in lines) >= peer_reps(cells),
                "one verified line per verifying repetition, from the other namespace's "
                "address")
    itlib.check(sum(addr_a in x for x in lines) >=
                sum(len(itlib.reps(c)) for c in cells if c["status"] != "unsupported") + 6,
                "one line per repetition: each is a process with a connection of its own")
    if not itlib.failures:
        shutil.rmtree(os.path.dirname(out), ignore_errors=True)
finally:
    if sink is not None:
        stop_sink(sink, signal.SIGKILL)
    for ns in reversed(made):
        sh("netns", "del", ns, check=False)
    left = sh("netns", "list", check=False).stdout
itlib.check(ns_a not in left and ns_b not in left, "namespaces removed")
itlib.done("it_sink_netns")
