# SPDX-License-Identifier: GPL-2.0-only
"""SIGINT, SIGTERM and SIGHUP at random points of a small sweep, seeded
(COWBENCH_SIGNAL_SEED, printed; COWBENCH_SIGNAL_TRIES tries, at least 20):
during startup, before the first cell, among the cells and while the
results are written. A first run to its end gives the sweep's usual
length. Each try runs in its own session, gets one signal (at the run's
process, or at its whole process group as a terminal would send it) and
must then end, within a timeout, with:
  - exit 130 and a result directory marked "interrupted" by that signal,
    or exit 0 and a complete one when the run finished first; dying of
    the signal itself only while its handler was not yet installed
    (SigCgt read just before the signal), with nothing written;
  - a result directory that is whole: run.json parses, results.csv,
    summary.txt and details.txt are there (and no temporary or owner
    file), every cell and repetition is
    ok / failed / unsupported / interrupted / not run, with a reason when
    not ok, and a cell fails only where the uninterrupted run's did;
  - no .NAME.tmp-PID directory, no process of its session and no tracefs
    mount of its own left behind (as root, tracefs is unmounted for the
    test, so that every run mounts it itself, and mounted again at the end).
Prints the signals sent per kind and the torn results (a result
directory that is there but not whole)."""
import os
import random
import signal
import subprocess
import time

import itlib

SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
PHASES = ("startup", "before-cells", "cells", "writing")
STATUSES = ("ok", "failed", "unsupported", "interrupted", "skipped")
EXIT_INTERRUPTED = 130
TRACEFS = "/sys/kernel/tracing"

cowbench, src = itlib.args()
seed = int(os.environ.get("COWBENCH_SIGNAL_SEED", "1302"))
tries = max(20, int(os.environ.get("COWBENCH_SIGNAL_TRIES", "24")))
rng = random.Random(seed)
ncpu = len(os.sched_getaffinity(0))
args = ["--quick", "--variant", "copy/memcpy,copy/write-pipe,tlb/mprotect-busy",
        "--sizes", "4K,64K", "--cpus", "1,2" if ncpu >= 2 else "1", "--repetitions", "2",
        "--seed", "7", "--quiet"]
top = itlib.tmpdir()
print("seed %d (COWBENCH_SIGNAL_SEED), %d tries: cowbench run %s"
      % (seed, tries, " ".join(args)))


def tracefs_mounts():
    with open("/proc/mounts") as f:
        return sorted(l for l in f.read().splitlines() if l.split()[2:3] == ["tracefs"])


def session_procs(sid):
    """Processes (pid, comm) whose session or process group is sid."""
    left = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                st = f.read()
        except OSError:
            continue
        fields = st[st.rindex(")") + 2:].split()
        if sid in (int(fields[2]), int(fields[3])):
            left.append((int(d), st[st.index("(") + 1:st.rindex(")")], fields[0]))
    return left


def caught(pid, sig):
    """Whether pid has a handler for sig now (None: it is gone)."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("SigCgt:"):
                    return bool(int(line.split()[1], 16) >> (sig - 1) & 1)
    except OSError:
        pass
    return None


def writing(p, parent, until):
    """Wait until the run writes its first result file into its
    .NAME.tmp-PID directory (where its owner file, .cowbench-run, is from
    the start); False when it ended or until passed."""
    while time.monotonic() < until and p.poll() is None:
        for f in os.listdir(parent):
            try:
                if ".tmp" in f and [e for e in os.listdir(os.path.join(parent, f))
                                    if "cowbench-run" not in e]:
                    return True
            except OSError:
                pass
        time.sleep(0.0005)
    return False


def launch(n):
    parent = os.path.join(top, "try%02d" % n)
    os.makedirs(parent)
    out = os.path.join(parent, "run")
    log = open(os.path.join(top, "try%02d.log" % n), "w+")
    p = subprocess.Popen([cowbench, "run"] + args + ["--out", out], stdout=log,
                         stderr=subprocess.STDOUT, start_new_session=True)
    return p, out, log


def wait(p, what):
    try:
        p.wait(timeout=90)
        return True
    except subprocess.TimeoutExpired:
        itlib.check(False, "%s: the run did not end within 90 s of the signal" % what)
        os.killpg(p.pid, signal.SIGKILL)
        p.wait()
        return False


def check_whole(out, what, want_status, sig, base_failed):
    """The checks of a result directory; True when it is whole."""
    before = len(itlib.failures)
    for f in ("run.json", "results.csv", "summary.txt", "details.txt"):
        itlib.check(os.path.isfile(os.path.join(out, f)), "%s: %s is there" % (what, f))
    hidden = [f for f in os.listdir(out) if f.startswith(".")]
    itlib.check(not hidden, "%s: temporary or owner files left in the results: %s"
                % (what, hidden))
    try:
        doc, rows, summary = itlib.load_run(out)
    except (OSError, ValueError) as e:
        itlib.check(False, "%s: the results do not load: %s" % (what, e))
        return False
    itlib.check(doc["status"] == want_status, "%s: status %s, want %s"
                % (what, doc["status"], want_status))
    if want_status == "interrupted":
        itlib.check(doc["signal"] == sig, "%s: run.json signal %s, want %d"
                    % (what, doc["signal"], sig))
        itlib.check("INTERRUPTED" in summary.splitlines()[0],
                    "%s: the summary's first line says interrupted" % what)
    else:
        itlib.check(doc["signal"] is None, "%s: complete, signal %s" % (what, doc["signal"]))
    itlib.check(rows or not any(itlib.ok_reps(c) for c in doc["cells"]),
                "%s: results.csv has rows for the repetitions measured" % what)
    for c in doc["cells"]:
        t = "%s: %s" % (what, itlib.tag(c))
        itlib.check(c["status"] in STATUSES, "%s: cell status %s" % (t, c["status"]))
        itlib.check(c["status"] == "ok" or c["reason"], "%s: %s without a reason"
                    % (t, c["status"]))
        itlib.check(c["status"] != "failed" or itlib.tag(c) in base_failed,
                    "%s: failed under the signal only: %s" % (t, c["reason"]))
        for r in c["repetitions"]:
            rt = "%s: %s" % (what, itlib.rtag(c, r))
            itlib.check(r["status"] in STATUSES, "%s: status %s" % (rt, r["status"]))
            if not r["ran"]:
                itlib.check(r["status"] == "skipped" and
                            (r["reason"] or "").startswith("not run"),
                            "%s: not run: %s (%r)" % (rt, r["status"], r["reason"]))
            elif r["status"] == "interrupted":
                itlib.check((r["reason"] or "").startswith("interrupted"),
                            "%s: interrupted, reason %r" % (rt, r["reason"]))
            elif r["status"] != "ok":
                itlib.check(r["reason"], "%s: %s without a reason" % (rt, r["status"]))
    return len(itlib.failures) == before


def check_left(p, out, what, mounts0):
    itlib.check(itlib.no_temp_left(out), "%s: a temporary directory is left: %s"
                % (what, os.listdir(os.path.dirname(out))))
    left = session_procs(p.pid)
    for _ in range(10):
        if not left:
            break
        time.sleep(0.1)
        left = session_procs(p.pid)
    itlib.check(not left, "%s: processes of the run left: %s" % (what, left))
    if left:
        os.killpg(p.pid, signal.SIGKILL)
    now = tracefs_mounts()
    itlib.check(now == mounts0, "%s: tracefs mounts changed: %s -> %s" % (what, mounts0, now))
    if now and not mounts0:		# the next try starts as this one did
        subprocess.run(["umount", TRACEFS], capture_output=True)


def unmount_tracefs():
    """As root, tracefs unmounted for the test (True: to mount again at
    the end), so that every run mounts it itself and must unmount it,
    whenever its signal comes. Else the check is only that no run mounts."""
    if os.geteuid() != 0 or not tracefs_mounts():
        return False
    return subprocess.run(["umount", TRACEFS], capture_output=True).returncode == 0


def uninterrupted():
    """The sweep's usual length, its failed cells, and the exit codes of a
    run that finished."""
    mounts0 = tracefs_mounts()
    t0 = time.monotonic()
    p, out, log = launch(0)
    wait(p, "uninterrupted run")
    length = time.monotonic() - t0
    itlib.check(p.returncode in (0, 1), "uninterrupted run: exit %d" % p.returncode)
    if not os.path.isdir(out):
        log.seek(0)
        itlib.check(False, "uninterrupted run left no results: %s" % log.read()[-2000:])
        itlib.finish("it_signals_random", top)
    check_whole(out, "uninterrupted run", "complete", 0, set())
    doc, _, _ = itlib.load_run(out)
    failed = {itlib.tag(c) for c in doc["cells"] if c["status"] == "failed"}
    check_left(p, out, "uninterrupted run", mounts0)
    print("uninterrupted: %.2f s, %d cells (%d failed)" % (length, len(doc["cells"]),
                                                           len(failed)))
    return length, failed, (0, 1) if failed else (0,)	# 1: complete, a cell failed


def one_try(n, sig, phase, delay, group, length, base_failed, done_rc, stats):
    name = signal.Signals(sig).name
    mounts0 = tracefs_mounts()
    p, out, log = launch(n)
    launched = start = time.monotonic()
    if phase == "writing":
        writing(p, os.path.dirname(out), start + 3 * length + 10)
        start = time.monotonic()
    time.sleep(max(0.0, start + delay - time.monotonic()))
    what = "try %d: %s to the %s at %.3f s (%s)" % (n, name, "group" if group else "process",
                                                    time.monotonic() - launched, phase)
    handled = caught(p.pid, sig)
    if p.poll() is None:
        try:
            (os.killpg if group else os.kill)(p.pid, sig)
            stats[name] += 1
        except ProcessLookupError:
            handled = None
    else:
        handled = None
    if not wait(p, what):
        return
    rc = p.returncode
    if handled is None:
        itlib.check(rc in done_rc, "%s: finished before the signal, exit %d" % (what, rc))
    if rc == -sig:
        itlib.check(handled is False, "%s: died of %s with its handler installed"
                    % (what, name))
        itlib.check(not os.path.exists(out), "%s: died of the signal yet wrote %s"
                    % (what, out))
        stats["before its handlers"] += 1
    elif rc in done_rc + (EXIT_INTERRUPTED,):
        status = "interrupted" if rc == EXIT_INTERRUPTED else "complete"
        stats["interrupted" if rc == EXIT_INTERRUPTED else "finished first"] += 1
        if os.path.isdir(out):
            stats["torn"] += not check_whole(out, what, status, sig, base_failed)
        else:
            itlib.check(False, "%s: exit %d but no result directory" % (what, rc))
    else:
        log.seek(0)
        itlib.check(False, "%s: exit %d, want %d (or 0 when it finished first): %s"
                    % (what, rc, EXIT_INTERRUPTED, log.read()[-1000:]))
        if os.path.isdir(out):
            stats["torn"] += not check_whole(out, what, "interrupted", sig, base_failed)
    log.close()
    check_left(p, out, what, mounts0)
    print("%s: exit %d%s" % (what, rc, "" if handled is not None else " (ended before it)"))


def main():
    length, base_failed, done_rc = uninterrupted()
    # each (signal, phase) as often as the tries allow, in a seeded order;
    # "writing": when the first result file appears, plus up to 2 ms
    plan = [(SIGNALS[i % 3], PHASES[(i // 3) % 4]) for i in range(tries)]
    rng.shuffle(plan)
    windows = {"startup": (0.0, 0.01), "before-cells": (0.01, min(0.3, 0.2 * length)),
               "cells": (min(0.3, 0.2 * length), 0.95 * length), "writing": (0.0, 0.002)}
    stats = dict({signal.Signals(s).name: 0 for s in SIGNALS}, interrupted=0, torn=0,
                 **{"finished first": 0, "before its handlers": 0})
    for n, (sig, phase) in enumerate(plan, 1):
        one_try(n, sig, phase, rng.uniform(*windows[phase]), rng.random() < 0.5, length,
                base_failed, done_rc, stats)
    print("signals sent: %s; interrupted %d, finished first %d, died before its "
          "handlers %d; torn results: %d"
          % (", ".join("%s %d" % (signal.Signals(s).name, stats[signal.Signals(s).name])
                       for s in SIGNALS), stats["interrupted"], stats["finished first"],
             stats["before its handlers"], stats["torn"]))
    itlib.check(stats["torn"] == 0, "%d torn results" % stats["torn"])


remount = unmount_tracefs()
print("tracefs: %s" % ("unmounted for the test (every run mounts it)" if remount else
                       "as found: %s" % (tracefs_mounts() or "not mounted")))
try:
    main()
finally:
    if remount and not tracefs_mounts():
        subprocess.run(["mount", "-t", "tracefs", "nodev", TRACEFS])
itlib.finish("it_signals_random", top)
