# SPDX-License-Identifier: GPL-2.0-only
"""A --peer that is there but does not serve: the run never waits for it
more than once. Peers made here in Python:
- blackhole: 127.0.0.2, a listening socket with backlog 0 whose accept
  queue a first connection fills, so that the kernel drops every later
  SYN: connect() would be retried for minutes;
- mute: accepts and never answers (nor reads);
- closer: accepts and closes at once.
Against each, a sweep of three TCP variants with .peer x 2 sizes x 2
repetitions, plus copy/memcpy, which needs no peer:
- exit 1 (the first cell that needed the peer failed), run.json complete;
- exactly one repetition tried the peer and failed with the cause:
  "connect to HOST:PORT timed out after N s", "... did not answer the
  hello in N s", "... closed the connection ..." (never "verification
  failed");
- every other peer cell is not run, with "peer HOST:PORT down since cell
  X: <that cause>", without a process; the memcpy cells are ok;
- the run takes far less than cells x timeout (< 60 s: a loose bound that
  the design guarantees, not a measurement).
And a real `cowbench sink` answers a hello with SINKPROTO_F_ACK at once,
before anything else, with the ack message."""
import os
import socket
import struct
import threading
import time

import itlib
from it_sink import start_sink, stop_sink

PEERED = ("copy/send-tcp", "notify/msg-zerocopy", "notify/vmsplice-tcp")
SWEEP = ["--variant", ",".join(PEERED + ("copy/memcpy",)), "--sizes", "4K,64K",
         "--cpus", "1", "--repetitions", "2", "--quick"]
BOUND_S = 60


def blackhole():
    """(listener, filler, port) with a full accept queue, or None."""
    lst = socket.socket()
    try:
        lst.bind(("127.0.0.2", 0))
    except OSError:
        lst.close()
        return None
    lst.listen(0)
    port = lst.getsockname()[1]
    filler = socket.create_connection(("127.0.0.2", port), timeout=5)
    probe = socket.socket()
    probe.setblocking(False)
    probe.connect_ex(("127.0.0.2", port))
    time.sleep(1.5)
    connected = probe.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0 and \
        _peer_ok(probe)
    probe.close()
    if connected:
        filler.close()
        lst.close()
        return None
    return lst, filler, port


def _peer_ok(s):
    try:
        s.getpeername()
        return True
    except OSError:
        return False


class Server(threading.Thread):
    """Accepts connections; keeps them open (mute) or closes them (closer)."""

    def __init__(self, close):
        super().__init__(daemon=True)
        self.lst = socket.socket()
        self.lst.bind(("127.0.0.1", 0))
        self.lst.listen(16)
        self.lst.settimeout(0.2)
        self.port = self.lst.getsockname()[1]
        self.close_at_once, self.held, self.stop = close, [], False

    def run(self):
        while not self.stop:
            try:
                c, _ = self.lst.accept()
            except socket.timeout:
                continue
            except OSError:
                break
            if self.close_at_once:
                c.close()
            else:
                self.held.append(c)

    def end(self):
        self.stop = True
        self.join(5)
        for c in self.held:
            c.close()
        self.lst.close()


def has(why, cause):
    """cause: a phrase, or a tuple of phrases of which one must be there."""
    return any(c in why for c in (cause if isinstance(cause, tuple) else (cause,)))


def check_run(cowbench, base, name, peer, cause):
    t = name
    t0 = time.monotonic()
    p, out, doc = itlib.sweep(cowbench, SWEEP + ["--peer", peer], out=os.path.join(base, name),
                              timeout=240)
    took = time.monotonic() - t0
    itlib.check(p.returncode == 1, "%s: exit %d, want 1: %s" % (t, p.returncode, p.stderr))
    itlib.check(took < BOUND_S, "%s: the run took %.0f s (bound %d s): the peer was "
                "waited for more than once" % (t, took, BOUND_S))
    if not doc:
        itlib.check(False, t + ": no run.json")
        return
    itlib.check(doc["status"] == "complete", "%s: run status %s" % (t, doc["status"]))
    peered = [c for c in doc["cells"] if c["variant"] in PEERED]
    itlib.check(len(peered) == 6, "%s: 6 peer cells, got %d" % (t, len(peered)))
    tried = [(c, r) for c in peered for r in itlib.reps(c)]
    itlib.check(len(tried) == 1, "%s: one repetition tried the peer, got %s"
                % (t, [itlib.rtag(c, r) for c, r in tried]))
    first = None
    for c, r in tried:
        why = r["reason"] or ""
        itlib.check(r["status"] == "failed" and has(why, cause) and
                    not why.startswith("verification failed"),
                    "%s: %s: %s %r, want failed with %r" % (t, itlib.rtag(c, r), r["status"],
                                                          why, cause))
        first = c
        print("%s: %s (%.1f s in all): %s" % (t, itlib.rtag(c, r), took, why))
    down = "not run: peer %s down since cell " % peer
    for c in peered:
        itlib.check(not c["metrics"], "%s: %s has figures" % (t, itlib.tag(c)))
        for r in c["repetitions"]:
            if r["ran"]:
                continue
            why = r["reason"] or ""
            ok = why.startswith(down) and has(why, cause)
            if c is first:
                ok = ok or why.startswith("not run: repetition")
            itlib.check(ok and not r["pid"], "%s: %s: %r, want %r...%r"
                        % (t, itlib.rtag(c, r), why, down, cause))
        if c is not first:
            itlib.check(c["status"] == "skipped" and (c["reason"] or "").startswith(down),
                        "%s: %s: %s %r" % (t, itlib.tag(c), c["status"], c["reason"]))
    for c in doc["cells"]:
        if c["variant"] == "copy/memcpy":
            itlib.check(c["status"] == "ok" and len(itlib.ok_reps(c)) == 2,
                        "%s: %s is harmed: %s %r" % (t, itlib.tag(c), c["status"],
                                                    c["reason"]))


def sink_acks(cowbench):
    sink, port = start_sink((), cowbench, "127.0.0.1")
    try:
        for flags in (2, 3):    # SINKPROTO_F_ACK, with and without F_CONSUMED
            s = socket.create_connection(("127.0.0.1", port), timeout=10)
            s.sendall(b"CWBSINK1" + struct.pack(">IIQQ", 2, flags, 4096, 1))
            got = b""
            while len(got) < 16:
                chunk = s.recv(16 - len(got))
                if not chunk:
                    break
                got += chunk
            s.close()
            itlib.check(got == b"CWBA" + bytes(12),
                        "sink answers a hello with flags %d by an ack first: %r" % (flags, got))
    finally:
        rc, lines = stop_sink(sink)
    itlib.check(rc == 0, "sink exits 0, got %s" % rc)


def main():
    cowbench, src = itlib.args()
    base = itlib.tmpdir()
    sink_acks(cowbench)
    bh = blackhole()
    if bh:
        lst, filler, port = bh
        try:
            check_run(cowbench, base, "blackhole", "127.0.0.2:%d" % port,
                      "connect to 127.0.0.2:%d timed out after " % port)
        finally:
            filler.close()
            lst.close()
    else:
        print("blackhole: not tried: this kernel completes connections to a full "
              "backlog-0 listener")
    for name, close, cause in (("mute", False, "did not answer the hello in "),
                               ("closer", True, ("closed the connection",
                                                 "Connection reset by peer"))):
        srv = Server(close)
        srv.start()
        try:
            check_run(cowbench, base, name, "127.0.0.1:%d" % srv.port, cause)
        finally:
            srv.end()
    itlib.finish("it_peer_hostile", base)


if __name__ == "__main__":
    main()
