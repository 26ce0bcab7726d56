# SPDX-License-Identifier: GPL-2.0-only
"""`cowbench sink` and `run --peer` over loopback: bad arguments exit 2 with
one line; the TCP notify variants and their copying twin copy/send-tcp send
to the sink, which verifies the announced operations end to end and says so
in one line per connection; variants without .peer still run locally;
a wrong byte is caught by the sink (a hand-made producer); a bad hello is
refused and the sink goes on serving, as is a version 2 hello with an
unknown flag; with SINKPROTO_F_CONSUMED the sink reports the operations
it consumed, before its verdict for the verified ones, and as it drains;
--sink read and --sink discard work; an unreachable peer fails the first
cell that tries it with the reason, and no later one tries it again;
SIGINT / SIGTERM stop the sink with 0.
start_sink() / stop_sink() are shared with it_sink_netns.py and
it_notify_splice.py."""
import os
import re
import select
import shutil
import signal
import socket
import struct
import subprocess
import time

import itlib

PEER_VARIANTS = ("notify/vmsplice-tcp", "notify/msg-zerocopy", "notify/io-uring-zc",
                 "notify/io-uring-reg", "notify/io-uring-cp", "notify/io-uring-zc8",
                 "notify/io-uring-cp8", "copy/send-tcp")


def start_sink(cmd_prefix, cowbench, bind, extra=()):
    """Start a sink on an ephemeral port; returns (process, port)."""
    p = subprocess.Popen(list(cmd_prefix) + [cowbench, "sink", "--listen", "0", "--bind", bind]
                         + list(extra), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    ready, _, _ = select.select([p.stderr], [], [], 20)
    line = p.stderr.readline() if ready else ""
    m = re.search(r"listening on \[?[^\s\]]*\]?:(\d+)", line)
    if not m:
        p.kill()
        p.communicate()
        raise RuntimeError("sink did not start: %r" % line)
    return p, int(m.group(1))


def stop_sink(p, sig=signal.SIGINT):
    """Signal the sink; returns (exit code, its per-connection lines)."""
    if p.poll() is None:
        p.send_signal(sig)
    try:
        _, err = p.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        p.kill()
        _, err = p.communicate()
        return None, err.splitlines()
    return p.returncode, [x for x in err.splitlines() if x.startswith("cowbench sink: ")]


def check_peer_run(out, tag, variants=PEER_VARIANTS):
    """The peer cells of a run, each judged in every repetition."""
    doc, _, _ = itlib.load_run(out)
    itlib.check(doc["options"].get("peer"), tag + ": run.json records the peer")
    cells = [c for c in doc["cells"] if c["variant"] in variants]
    for c in cells:
        t = "%s: %s" % (tag, itlib.tag(c))
        if c["status"] == "unsupported" and "io_uring" in (c["reason"] or ""):
            continue
        itlib.check(c["status"] == "ok", t + " %s (%s)" % (c["status"], c["reason"]))
        itlib.check(itlib.metric(c, "consumer", "wall_ns") is None, t + " has no local consumer")
        v = itlib.verifying_rep(c, t)
        for r in c["repetitions"]:
            rt = "%s #%d" % (t, r["rep"] + 1)
            itlib.check(r["ran"] and r["status"] == "ok",
                        rt + " %s (%s)" % (r["status"], r["reason"]))
            itlib.check(itlib.metric(r, "consumer", "wall_ns") is None,
                        rt + " has no local consumer")
            vr = r.get("verify_reports") or {}
            if c["variant"].startswith("notify/") and r is v:
                itlib.check(vr.get("reuse_violations") == 0 and
                            vr.get("hazard_modified_ops") == 0, rt + " reports %s" % vr)
            else:
                itlib.check(not vr, rt + " reports nothing, got %s" % vr)
            done = itlib.samples(r, "op", "zc_completions")
            copied = itlib.samples(r, "op", "zc_copied")
            if done and copied and sum(done):
                print("%s: copied share %.2f" % (rt, sum(copied) / sum(done)))
    return cells


def peer_reps(cells):
    """Repetitions of the peer cells that verified: each connects to the
    sink and announces the operations it verifies (the others announce
    none: the sink says "0 ops verified ok")."""
    return sum(1 for c in cells if c["status"] != "unsupported"
               for r in itlib.reps(c) if r["verify_ops"])


def pattern(seq, length):
    """bench_pattern_fill(buf, length, seq, 0), length a multiple of 8."""
    m64 = (1 << 64) - 1
    words = []
    for i in range(length // 8):
        x = (seq * 0x100000001b3 + i + 0x9e3779b97f4a7c15) & m64
        x = ((x ^ (x >> 30)) * 0xbf58476d1ce4e5b9) & m64
        x = ((x ^ (x >> 27)) * 0x94d049bb133111eb) & m64
        words.append(struct.pack("<Q", x ^ (x >> 31)))
    return b"".join(words)


def hand_made(port, hello, ops, more=b"", want=16):
    """Send hello and ops, then more after the first want bytes of the
    answer; returns what the sink answered up to EOF or 3 s, at least
    want bytes."""
    s = socket.create_connection(("127.0.0.1", port), timeout=20)
    s.sendall(hello + b"".join(ops))
    r, sent = b"", False
    s.settimeout(3)
    while True:
        if len(r) >= want and not sent:
            if not more:
                break
            s.sendall(more)
            s.shutdown(socket.SHUT_WR)
            sent = True
        try:
            chunk = s.recv(4096)
        except socket.timeout:
            break
        if not chunk:
            break
        r += chunk
    s.close()
    return r


def main():
    cowbench, src = itlib.args()
    for args in ([], ["--listen"], ["--listen", "70000"], ["--listen", "x"],
                 ["--listen", "1", "--sink", "pipe"], ["--listen", "1", "--bogus"],
                 ["--listen", "1", "extra"], ["--listen", "1", "--bind", "no.such.host.invalid"]):
        p = itlib.run([cowbench, "sink"] + args, timeout=30)
        lines = p.stderr.strip().splitlines()
        itlib.check(p.returncode == 2, "sink %s: exit %d, want 2" % (args, p.returncode))
        itlib.check(len(lines) == 1 and lines[0].startswith("cowbench: sink: "),
                    "sink %s: one line, got %r" % (args, p.stderr))

    base = itlib.tmpdir()
    sink, port = start_sink((), cowbench, "127.0.0.1")
    try:
        out = os.path.join(base, "peer")
        p = itlib.run([cowbench, "run", "--bench", "notify,copy", "--peer", "127.0.0.1:%d" % port,
                       "--sizes", "4K,4M", "--cpus", "1,max", "--repetitions", "2", "--quick",
                       "--quiet", "--out", out])
        itlib.check(p.returncode == 0, "peer run: exit %d: %s" % (p.returncode, p.stderr))
        cells = check_peer_run(out, "loopback") if p.returncode in (0, 1) else []
        doc = itlib.load_run(out)[0] if p.returncode in (0, 1) else {"cells": []}
        vm = [c for c in doc["cells"] if c["variant"] == "notify/vmsplice"]
        itlib.check(vm and all(c["status"] == "ok" and itlib.metric(c, "consumer", "wall_ns")
                               for c in vm), "vmsplice (no .peer) runs locally beside --peer")
        wp = [c for c in doc["cells"] if c["variant"] == "copy/write-pipe"]
        itlib.check(wp and all(c["status"] == "ok" and itlib.metric(c, "consumer", "wall_ns")
                               for c in wp), "write-pipe (no .peer) runs locally beside --peer")
        itlib.check(any(c["variant"] == "copy/send-tcp" for c in cells),
                    "copy/send-tcp ran with --peer")

        out = os.path.join(base, "hazard")
        p = itlib.run([cowbench, "run", "--bench", "notify", "--hazard", "--peer",
                       "127.0.0.1:%d" % port, "--sizes", "4M", "--cpus", "1", "--repetitions",
                       "2", "--quiet", "--out", out])
        itlib.check(p.returncode == 0, "peer hazard: exit %d: %s" % (p.returncode, p.stderr))
        if p.returncode == 0:
            hz = itlib.load_run(out)[0]["cells"]
            for c in hz:
                if c["status"] == "unsupported":
                    continue
                for r in c["repetitions"]:
                    vr = r["verify_reports"]
                    itlib.check(c["status"] == "ok" and r["status"] == "ok" and
                                vr.get("reuse_violations") == r["verify_ops"] == 4,
                                "peer hazard %s #%d: %s %s" % (c["variant"], r["rep"] + 1,
                                                              r["status"], vr))
                    print("peer hazard %s #%d: %s" % (c["variant"], r["rep"] + 1, vr))

        size, good = 4096, pattern(0, 4096)
        hello = b"CWBSINK1" + struct.pack(">IIQQ", 1, 0, size, 3)
        wrong = bytearray(pattern(1, size))
        wrong[100] ^= 0xff
        r = hand_made(port, hello, [good, bytes(wrong), pattern(2, size)])
        itlib.check(r == b"CWBR" + struct.pack(">III", 1, 1, 1),
                    "sink catches a wrong byte in op 1, answered %r" % r)
        r = hand_made(port, hello, [good, pattern(1, size), pattern(2, size)])
        itlib.check(r == b"CWBR" + struct.pack(">III", 0, 0, 0xffffffff),
                    "sink passes a hand-made correct stream, answered %r" % r)
        r = hand_made(port, b"GET / HTTP/1.0\r\n\r\n" + b"x" * 14, [])
        itlib.check(r[:8] == b"CWBR" + struct.pack(">I", 2), "bad hello refused: %r" % r)
        r = hand_made(port, b"CWBSINK1" + struct.pack(">IIQQ", 2, 1 << 7, size, 0), [])
        itlib.check(r[:8] == b"CWBR" + struct.pack(">I", 2),
                    "a version 2 hello with an unknown flag is refused: %r" % r)
        r = hand_made(port, b"CWBSINK1" + struct.pack(">IIQQ", 1, 1, size, 0), [])
        itlib.check(r[:8] == b"CWBR" + struct.pack(">I", 2),
                    "a version 1 hello has no flags: %r" % r)
        # SINKPROTO_F_CONSUMED: a count per verified operation, then the
        # verdict, then counts as it drains (here 2 more operations)
        hello2 = b"CWBSINK1" + struct.pack(">IIQQ", 2, 1, size, 2)
        r = hand_made(port, hello2, [good, pattern(1, size)], more=good * 2, want=48)
        msgs = [r[i:i + 16] for i in range(0, len(r), 16)]
        consumed = lambda n: b"CWBC" + struct.pack(">IQ", 0, n)
        itlib.check(msgs[:3] == [consumed(1), consumed(2),
                                 b"CWBR" + struct.pack(">III", 0, 0, 0xffffffff)] and
                    msgs[-1] == consumed(4) and len(r) % 16 == 0,
                    "consumed reports, verdict, consumed as drained: %r" % msgs)
    finally:
        rc, lines = stop_sink(sink)
    itlib.check(rc == 0, "sink exits 0 on SIGINT, got %s" % rc)
    for line in lines:
        print(line)
    ok = [x for x in lines if "ops verified ok" in x and " 0 ops verified" not in x]
    itlib.check(len(ok) >= peer_reps(cells), "one verified line per repetition of a peer "
                "cell (%d lines, %d repetitions)" % (len(ok), peer_reps(cells)))
    itlib.check(any("1 of 3 verified ops differ (first 1)" in x for x in lines),
                "the sink's line reports the wrong byte")
    itlib.check(any("bad hello" in x for x in lines), "the sink's line reports the bad hello")

    sink, port = start_sink((), cowbench, "127.0.0.1", ["--sink", "read"])
    try:
        out = os.path.join(base, "read")
        p = itlib.run([cowbench, "run", "--variant",
                       "notify/msg-zerocopy,notify/io-uring-zc,copy/send-tcp",
                       "--peer", "localhost:%d" % port, "--sizes", "64K", "--cpus", "1",
                       "--repetitions", "2", "--quick", "--quiet", "--out", out])
        itlib.check(p.returncode == 0, "--sink read: exit %d: %s" % (p.returncode, p.stderr))
        if p.returncode == 0:
            cells = check_peer_run(out, "sink read")
            itlib.check(any(c["variant"] == "copy/send-tcp" for c in cells),
                        "sink read: copy/send-tcp ran with --peer")
    finally:
        rc, lines = stop_sink(sink, signal.SIGTERM)
    itlib.check(rc == 0, "sink exits 0 on SIGTERM, got %s" % rc)
    itlib.check(any("ops verified ok" in x for x in lines), "--sink read lines: %s" % lines)

    # --sink discard: the sink's kernel drops the bytes (recv MSG_TRUNC)
    # once the verified ones are checked
    sink, port = start_sink((), cowbench, "127.0.0.1", ["--sink", "discard"])
    try:
        out = os.path.join(base, "discard")
        p = itlib.run([cowbench, "run", "--variant",
                       "notify/vmsplice-tcp,notify/msg-zerocopy,notify/io-uring-zc8,"
                       "copy/send-tcp", "--peer", "127.0.0.1:%d" % port, "--sizes", "64K",
                       "--cpus", "1", "--repetitions", "2", "--quick", "--quiet", "--out",
                       out])
        itlib.check(p.returncode == 0, "--sink discard: exit %d: %s" % (p.returncode,
                                                                       p.stderr))
        if p.returncode == 0:
            check_peer_run(out, "sink discard")
    finally:
        rc, lines = stop_sink(sink)
    itlib.check(rc == 0, "discard sink exits 0, got %s" % rc)
    itlib.check(lines and all("ops verified ok" in x for x in lines),
                "--sink discard lines: %s" % lines)

    # a peer nobody listens on: the cell fails with the reason, the run goes on
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    dead = s.getsockname()[1]
    s.close()
    out = os.path.join(base, "dead")
    t0 = time.monotonic()
    p = itlib.run([cowbench, "run", "--variant", "notify/msg-zerocopy,copy/send-tcp", "--peer",
                   "127.0.0.1:%d" % dead, "--sizes", "4K", "--cpus", "1", "--repetitions", "2",
                   "--order", "sequential", "--quick", "--quiet", "--out", out])
    itlib.check(p.returncode == 1, "unreachable peer: exit %d, want 1" % p.returncode)
    if p.returncode == 1:
        dead_cells = itlib.load_run(out)[0]["cells"]
        itlib.check(len(dead_cells) == 2, "unreachable peer: %d cells" % len(dead_cells))
        # the first cell to try it fails; the peer is then down for the run
        tried = [c for c in dead_cells if itlib.reps(c)]
        itlib.check(len(tried) == 1, "unreachable peer: one cell tried it, got %d" % len(tried))
        for c in dead_cells:
            want = ("failed", "cannot connect") if c in tried else ("skipped", "down since")
            itlib.check(c["status"] == want[0] and want[1] in (c["reason"] or "") and
                        "Connection refused" in (c["reason"] or ""),
                        "unreachable peer: %s %s %r" % (c["variant"], c["status"], c["reason"]))
            itlib.check(len(itlib.reps(c)) <= 1 and not c["metrics"],
                        "unreachable peer: %s: the first failure stops the cell" % c["variant"])
    itlib.check(time.monotonic() - t0 < 60, "unreachable peer fails fast")
    shutil.rmtree(base, ignore_errors=True)
    itlib.done("it_sink")


if __name__ == "__main__":
    main()
