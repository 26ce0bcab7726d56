# SPDX-License-Identifier: GPL-2.0-only
"""Restricted machines: what a container, a sysctl or an unprivileged user
takes away makes the cells that need it "unsupported" with the true cause,
and nothing else. Cases (a small sweep each: copy/memcpy, cow/uffd-wp,
notify/io-uring-cp at 64K, 2 repetitions in order):
- a seccomp filter (tests/seccomp_exec.c) refusing perf_event_open,
  io_uring_setup and userfaultfd with EPERM, as root, with
  vm.unprivileged_userfaultfd=1: the userfaultfd reason names the errno,
  seccomp or an LSM and the sysctl's real value (not "=0");
- the same filter with ENOSYS: "Function not implemented" for each;
- vm.unprivileged_userfaultfd=0 as nobody: user-mode-only handlers are
  still allowed (Linux >= 5.11): cow/uffd-wp runs; on an older kernel it
  is unsupported and says the sysctl is 0;
- kernel.io_uring_disabled=1: as nobody io_uring is unsupported with the
  sysctl's value; as root (CAP_SYS_ADMIN) it runs.
For each: the run exits 0; the affected cells are unsupported with that
cause, their other repetition not run, no figures; every other cell is
ok; a counter that cannot be opened is unavailable with the errno of its
perf_event_open and has no values anywhere, and is never listed as a
measured zero. perf_event_paranoid 2 and 3 as nobody: it_unprivileged.py;
io_uring_disabled=2 as root: it_notify_uring_disabled.py. Every sysctl is
restored in a finally block."""
import os
import platform
import shutil

import itlib

UFFD, URING, PLAIN = "cow/uffd-wp", "notify/io-uring-cp", "copy/memcpy"
SWEEP = ["--variant", ",".join((PLAIN, UFFD, URING)), "--sizes", "64K", "--cpus", "1",
         "--repetitions", "2", "--order", "sequential", "--quick"]
UFFD_KNOB = "/proc/sys/vm/unprivileged_userfaultfd"
URING_KNOB = "/proc/sys/kernel/io_uring_disabled"
PERF_SOURCES = ("hardware", "software", "tracepoint")
tried, held = [], []


class Knob:
    """A sysctl set for a while: `with Knob(path, value):`; restored on
    exit whatever happens, and checked."""

    def __init__(self, path, value):
        self.path, self.value = path, value

    def __enter__(self):
        with open(self.path) as f:
            self.saved = f.read().strip()
        with open(self.path, "w") as f:
            f.write(self.value)
        return self

    def __exit__(self, *exc):
        with open(self.path, "w") as f:
            f.write(self.saved)
        with open(self.path) as f:
            itlib.check(f.read().strip() == self.saved, "%s restored" % self.path)
        return False


def writable(path):
    try:
        with open(path) as f:
            v = f.read().strip()
        with open(path, "w") as f:
            f.write(v)
        return True
    except OSError:
        return False


def read_knob(path):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return None


def kernel_at_least(major, minor):
    try:
        v = tuple(int(x) for x in platform.release().split("-")[0].split(".")[:2])
    except ValueError:
        return True
    return v >= (major, minor)


def sweep(cowbench, base, name, prefix=(), variants=None):
    out = os.path.join(base, name)
    args = SWEEP if not variants else [a if a != SWEEP[1] else ",".join(variants)
                                       for a in SWEEP]
    p = itlib.run(list(prefix) + [cowbench, "run"] + args + ["--quiet", "--out", out],
                  timeout=240)
    doc = None
    if os.path.exists(os.path.join(out, "run.json")):
        doc = itlib.load_run(out)
    return p, doc


def check_case(name, p, doc, unsupported, perf_errno=None):
    """unsupported: {variant: [phrases its reason must hold]}; the other
    cells must be ok. perf_errno: the phrase every perf_event_open
    counter's reason must hold (the filter refused them all)."""
    before = len(itlib.failures)
    tried.append(name)
    itlib.check(p.returncode == 0, "%s: exit %d, want 0: %s" % (name, p.returncode,
                                                                 p.stderr.strip()))
    if not doc:
        itlib.check(False, name + ": no run directory")
        return
    doc, rows, summary = doc
    for c in doc["cells"]:
        t = "%s: %s" % (name, itlib.tag(c))
        want = unsupported.get(c["variant"])
        if want is None:
            itlib.check(c["status"] == "ok" and len(itlib.ok_reps(c)) == 2,
                        "%s is harmed: %s %r" % (t, c["status"], c["reason"]))
            continue
        why = c["reason"] or ""
        itlib.check(c["status"] == "unsupported" and all(w in why for w in want),
                    "%s: %s %r, want unsupported with %s" % (t, c["status"], why, want))
        itlib.check(not c["metrics"], t + ": an unsupported cell has figures")
        ran = itlib.reps(c)
        itlib.check(len(ran) == 1 and all((r["reason"] or "").startswith("not run")
                                          for r in c["repetitions"] if not r["ran"]),
                    "%s: one repetition ran, the other is not run: %s"
                    % (t, [(r["ran"], r["reason"]) for r in c["repetitions"]]))
        print("%s: %s" % (t, why))
    check_counters(name, doc, summary, perf_errno)
    if len(itlib.failures) == before:
        held.append(name)


def check_counters(name, doc, summary, perf_errno):
    """No value for a counter that was not counted, a reason for each."""
    counters = {c["key"]: c for c in doc["counters"]}
    for c in doc["counters"]:
        t = "%s: counter %s" % (name, c["key"])
        itlib.check(c["available"] or (c["reason"] or "").strip(), t + ": no reason")
        if perf_errno and c["source"] in PERF_SOURCES:
            itlib.check(not c["available"] and perf_errno in (c["reason"] or ""),
                        "%s: %s %r, want unavailable with %r"
                        % (t, c["available"], c["reason"], perf_errno))
    for cell in doc["cells"]:
        for rep in cell["repetitions"]:
            for m in rep["metrics"]:
                if m["metric"] in counters and not counters[m["metric"]]["available"]:
                    itlib.check(False, "%s: %s: unavailable %s has values"
                                % (name, itlib.rtag(cell, rep), m["metric"]))
        for m in cell["metrics"]:
            if m["metric"] in counters:
                itlib.check(counters[m["metric"]]["available"],
                            "%s: %s: unavailable %s has a figure"
                            % (name, itlib.tag(cell), m["metric"]))
    zero = doc["derived"]["zero_counters"]
    for k in ([x.strip() for x in zero.split(",")] if zero else []):
        itlib.check(k in counters and counters[k]["available"],
                    "%s: %s listed as a measured zero but not counted" % (name, k))
    flat = " ".join(summary.split())
    for c in doc["counters"]:
        if not c["available"]:
            itlib.check(c["name"] in flat or c["key"] in flat,
                        "%s: summary does not name unavailable %s" % (name, c["key"]))
    if perf_errno:
        print("%s: counters: %s" % (name, sorted(
            "%s: %s" % (c["key"], c["reason"]) for c in doc["counters"]
            if not c["available"])[:2]))


def seccomp_cases(cowbench, base, tool, root):
    calls = "perf_event_open,io_uring_setup,userfaultfd"
    for err, text in (("EPERM", "Operation not permitted"),
                      ("ENOSYS", "Function not implemented")):
        name = "seccomp %s" % err
        pre = [tool, err, calls, "--"]
        probe = itlib.run(pre + ["true"], timeout=30)
        if probe.returncode != 0:
            print("%s: not tried: %s" % (name, probe.stderr.strip()))
            continue
        uffd = ["userfaultfd: " + text]
        if err == "EPERM" and root and writable(UFFD_KNOB):
            # as the issue found it: the sysctl allows it, seccomp does not
            uffd += ["seccomp or an LSM", "vm.unprivileged_userfaultfd=1"]
            with Knob(UFFD_KNOB, "1"):
                p, doc = sweep(cowbench, base, "seccomp-" + err, pre)
        else:
            p, doc = sweep(cowbench, base, "seccomp-" + err, pre)
        perf = "EPERM" if err == "EPERM" else text
        uring = ["io_uring_setup: " + text]
        if err == "EPERM" and read_knob(URING_KNOB) == "0":
            uring += ["denied by seccomp or an LSM"]
        check_case(name, p, doc, {UFFD: uffd, URING: uring}, perf)


def nobody_cases(cowbench, base, nobody):
    if writable(UFFD_KNOB):
        name = "vm.unprivileged_userfaultfd=0 as nobody"
        with Knob(UFFD_KNOB, "0"):
            p, doc = sweep(cowbench, base, "uffd0-nobody", nobody, (PLAIN, UFFD))
        # user-mode-only handlers pass the sysctl since Linux 5.11
        want = {} if kernel_at_least(5, 11) else {
            UFFD: ["Operation not permitted", "vm.unprivileged_userfaultfd=0"]}
        check_case(name, p, doc, want)
    else:
        print("vm.unprivileged_userfaultfd: not tried: cannot write %s" % UFFD_KNOB)
    if os.path.exists(URING_KNOB) and writable(URING_KNOB):
        with Knob(URING_KNOB, "1"):
            p, doc = sweep(cowbench, base, "uring1-nobody", nobody, (PLAIN, URING))
            p2, doc2 = sweep(cowbench, base, "uring1-root", (), (PLAIN, URING))
        check_case("kernel.io_uring_disabled=1 as nobody", p, doc,
                   {URING: ["io_uring_setup: Operation not permitted",
                            "kernel.io_uring_disabled = 1"]})
        check_case("kernel.io_uring_disabled=1 as root", p2, doc2, {})
    else:
        print("kernel.io_uring_disabled: not tried: no such sysctl, or not writable")


def main():
    cowbench, src = itlib.args()
    base = itlib.tmpdir()
    os.chmod(base, 0o777)   # nobody writes its runs there
    root = os.geteuid() == 0
    tool = os.environ.get("COWBENCH_SECCOMP_EXEC")
    if tool and os.access(tool, os.X_OK):
        seccomp_cases(cowbench, base, tool, root)
    else:
        print("seccomp: not tried: COWBENCH_SECCOMP_EXEC names no program (%r)" % tool)
    setpriv = shutil.which("setpriv")
    if root and setpriv:
        nobody_cases(cowbench, base, [setpriv, "--reuid=nobody", "--regid=nogroup",
                                      "--clear-groups"])
    else:
        print("sysctls as nobody: not tried: needs root and setpriv")
    if not tried:
        itlib.skip("no case could be set up here (needs root, setpriv and "
                   "tests/seccomp_exec)")
    print("cases tried %d, held %d: %s" % (len(tried), len(held), ", ".join(held)))
    itlib.finish("it_restricted", base)


if __name__ == "__main__":
    main()
