# SPDX-License-Identifier: GPL-2.0-only
"""Memory limits and CPU restrictions: never a crash, a lost run or a
count where ids were asked for.

- memtotal: a size above MemTotal is an "unsupported" cell ("needs N MiB,
  more than MemTotal (M MiB)"), never attempted (no process, no pid); the
  small size runs; exit 0.
- nothing-measured: every cell above MemTotal: the run completes, exit 0,
  and lists no counter as measured and zero (derived.zero_counters null).
- rlimit-as, rlimit-data: the same under RLIMIT_AS / RLIMIT_DATA (ulimit
  -v / -d) set on the run's process only. Skipped in an AddressSanitizer
  build, which cannot start under either (it reserves terabytes).
- cgroup: the run in a memory cgroup of its own (v1 memory.limit_in_bytes
  or v2 memory.max, swap off) whose limit L fits the parent and a small
  cell but not a cell of size S = 3/4 L, which the pre-check lets through
  (one buffer of S fits) and whose variants touch two buffers of S: that
  cell's process is OOM-killed, and is ONE failed cell whose reason names
  the cgroup's OOM killer and the limit; the cells of 2 L are unsupported
  by the pre-check; the 4K cells are ok; the run completes and exits 1
  (a cell failed); the cgroup's oom_kill counter rose; no process is left
  in it. The cgroup is removed in a finally: block. Skipped where no
  memory cgroup can be created here.
- taskset: with the affinity mask cut to one CPU, --cpus 2 is bad input
  (exit 2, one line, nothing measured) that names the allowed CPU ids and
  the mask; --cpus 1 runs on that CPU.
Prints the cases tried and held."""
import os
import re
import resource
import shutil
import time

import itlib

cowbench, src = itlib.args()
MIB = 1 << 20
BASE = ["--cpus", "1", "--thp", "never", "--quick", "--order", "sequential",
        "--hang-timeout", "60"]
tried, held, skipped = [], [], []


def case(name, fn):
    """Run one case; it returns a reason to skip it, or None."""
    n = len(itlib.failures)
    why = fn()
    if why:
        skipped.append(name)
        print("case %s skipped: %s" % (name, why))
        return
    tried.append(name)
    if len(itlib.failures) == n:
        held.append(name)
    print("case %s: %s" % (name, "held" if len(itlib.failures) == n else "FAILED"))


def asan_build():
    with open(cowbench, "rb") as f:
        return b"__asan_init" in f.read()


def mem_total():
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) * 1024
    return None


def cells_by(doc):
    return {(c["variant"], c["size"]): c for c in doc["cells"]}


def check_unsupported(c, pattern, t):
    """Skipped by the pre-check: the reason, no repetition attempted."""
    reason = c["reason"] or ""
    itlib.check(c["status"] == "unsupported" and re.fullmatch(pattern, reason),
                "%s: unsupported with %r, got %s %r" % (t, pattern, c["status"], reason))
    for r in c["repetitions"]:
        itlib.check(not r["ran"] and r["pid"] is None and not r["metrics"] and
                    r["status"] == "unsupported" and r["reason"] == reason,
                    "%s #%d: never attempted: ran %s pid %s status %s %r"
                    % (t, r["rep"] + 1, r["ran"], r["pid"], r["status"], r["reason"]))
    itlib.check(not c["metrics"], t + ": no figures")


def check_ok(c, t):
    itlib.check(c["status"] == "ok" and itlib.ok_reps(c),
                "%s: ok, got %s %r" % (t, c["status"], c["reason"]))


def big_sweep(t, big, pattern, **kw):
    """copy/memcpy at 4K and `big`: the big cell unsupported with a reason
    matching pattern, the small one ok, exit 0, the run complete. Returns
    (out, the reason's match)."""
    p, out, doc = itlib.sweep(cowbench, ["--variant", "copy/memcpy", "--sizes",
                                         "4K,%d" % big, "--repetitions", "2"] + BASE, **kw)
    itlib.check(p.returncode == 0 and doc is not None,
                "%s: exit %d (want 0), stderr %s" % (t, p.returncode, p.stderr.strip()))
    if doc is None:
        return out, None
    itlib.check(doc["status"] == "complete", "%s: run %s" % (t, doc["status"]))
    cells = cells_by(doc)
    pattern = r"needs %d MiB, more than %s" % (-(-big // MIB), pattern)
    check_unsupported(cells[("copy/memcpy", big)], pattern, "%s: big cell" % t)
    check_ok(cells[("copy/memcpy", 4096)], "%s: 4K cell" % t)
    reason = cells[("copy/memcpy", big)]["reason"] or ""
    print("%s: %s" % (t, reason))
    return out, re.fullmatch(pattern, reason)


def above_memtotal():
    """(MemTotal, a power of two >= twice it, a reason to skip or None)."""
    total = mem_total()
    big = 1 << (2 * total - 1).bit_length()
    if big > 1 << 40:
        return total, big, ("MemTotal %d MiB: twice that is above the largest size "
                            "accepted" % (total // MIB))
    return total, big, None


def memtotal():
    """MemTotal, unless a smaller limit of the test's environment (a
    cgroup's, an rlimit) is the one the cell exceeds first."""
    total, big, why = above_memtotal()
    if why:
        return why
    out, m = big_sweep("MemTotal", big, r"(MemTotal \(%d MiB\)|(RLIMIT_AS|RLIMIT_DATA|"
                       r"the memory cgroup's \S+) \((\d+) MiB\))" % (total // MIB))
    if m and m.group(2):
        itlib.check(int(m.group(3)) <= total // MIB,
                    "MemTotal: the limit named is the smaller one: %s" % m.group(0))
        print("MemTotal: a smaller limit applies here (%s)" % m.group(2))
    shutil.rmtree(os.path.dirname(out), ignore_errors=True)
    return None


def nothing_measured():
    """Every cell above MemTotal: a run in which nothing was measured says
    so, and lists no counter as "measured and zero" (none was measured)."""
    _, big, why = above_memtotal()
    if why:
        return why
    p, out, doc = itlib.sweep(cowbench, ["--variant", "copy/memcpy,copy/write-pipe",
                                         "--sizes", str(big), "--repetitions", "2"] + BASE)
    itlib.check(p.returncode == 0 and doc is not None,
                "nothing measured: exit %d (want 0), stderr %s" % (p.returncode, p.stderr.strip()))
    if doc is None:
        return None
    itlib.check(all(c["status"] == "unsupported" for c in doc["cells"]),
                "nothing measured: %s" % [c["status"] for c in doc["cells"]])
    itlib.check(doc["derived"]["zero_counters"] is None and
                doc["derived"]["notes"]["ok_cells"] == 0,
                "nothing measured: zero_counters %r, ok_cells %r"
                % (doc["derived"]["zero_counters"], doc["derived"]["notes"]["ok_cells"]))
    with open(os.path.join(out, "summary.txt")) as f:
        summary = f.read()
    itlib.check("Measured and zero" not in summary,
                "nothing measured: the summary lists measured zeros")
    print("nothing measured: %d cells unsupported, no measured zeros listed" % len(doc["cells"]))
    shutil.rmtree(os.path.dirname(out), ignore_errors=True)
    return None


def rlimit(res, name):
    if asan_build():
        return "an AddressSanitizer build cannot start under %s" % name
    limit = 1 << 30

    def setlim():
        resource.setrlimit(res, (limit, limit))	# the run's process only
    out, _ = big_sweep(name, 2 << 30, r"%s \(%d MiB\)" % (name, limit // MIB),
                       preexec_fn=setlim)
    shutil.rmtree(os.path.dirname(out), ignore_errors=True)
    return None


# --- the memory cgroup -------------------------------------------------------

def memory_hierarchy():
    """(version, mount point) of the memory controller, or (None, why)."""
    v2 = None
    with open("/proc/self/mountinfo") as f:
        for line in f:
            pre, _, post = line.partition(" - ")
            point, (fstype, _, sup) = pre.split()[4], post.split()[:3]
            if fstype == "cgroup" and "memory" in sup.split(","):
                return 1, point
            if fstype == "cgroup2":
                v2 = point
    if not v2:
        return None, "no memory cgroup hierarchy is mounted"
    try:
        with open(os.path.join(v2, "cgroup.subtree_control")) as f:
            if "memory" not in f.read().split():
                return None, "cgroup v2 at %s does not delegate memory" % v2
    except OSError as e:
        return None, "cgroup v2 at %s: %s" % (v2, e.strerror)
    return 2, v2


def write(d, name, value):
    with open(os.path.join(d, name), "w") as f:
        f.write(str(value))


def read_key(path, key):
    with open(path) as f:
        for line in f:
            k, _, v = line.partition(" ")
            if k == key:
                return int(v)
    return None


class Memcg:
    def __init__(self, version, top):
        self.v1 = version == 1
        self.dir = os.path.join(top, "cowbench-test-%d" % os.getpid())
        self.limit_file = "memory.limit_in_bytes" if self.v1 else "memory.max"
        os.mkdir(self.dir)

    def set_limit(self, limit):
        write(self.dir, self.limit_file, limit)
        swap = "memory.memsw.limit_in_bytes" if self.v1 else "memory.swap.max"
        if os.path.exists(os.path.join(self.dir, swap)):
            write(self.dir, swap, limit if self.v1 else 0)	# OOM, not swap

    def enter(self):
        write(self.dir, "cgroup.procs", os.getpid())

    def oom_kills(self):
        return read_key(os.path.join(self.dir, "memory.oom_control" if self.v1
                                     else "memory.events"), "oom_kill")

    def peak(self):
        name = "memory.max_usage_in_bytes" if self.v1 else "memory.peak"
        try:
            with open(os.path.join(self.dir, name)) as f:
                return int(f.read())
        except (OSError, ValueError):
            return None

    def procs(self):
        with open(os.path.join(self.dir, "cgroup.procs")) as f:
            return f.read().split()

    def remove(self):
        """rmdir, after moving out anything left (a test failure)."""
        for _ in range(50):
            try:
                os.rmdir(self.dir)
                return True
            except FileNotFoundError:
                return True
            except OSError:
                for pid in self.procs():
                    try:
                        write(os.path.dirname(self.dir), "cgroup.procs", pid)
                    except OSError:
                        pass
                time.sleep(0.1)
        return False


def cgroup_sweep(cg):
    """The peak of a 4K run inside gives the parent's share; the limit L is
    that and room for a small cell; S = 3/4 L passes the pre-check, two
    buffers of it do not fit."""
    p, out, doc = itlib.sweep(cowbench, ["--variant", "copy/memcpy", "--sizes", "4K",
                                         "--repetitions", "1"] + BASE, preexec_fn=cg.enter)
    shutil.rmtree(os.path.dirname(out), ignore_errors=True)
    itlib.check(p.returncode == 0, "cgroup: a 4K run inside: exit %d %s"
                % (p.returncode, p.stderr.strip()))
    base = cg.peak() or 48 * MIB
    limit = max(96 * MIB, (base + 48 * MIB) // MIB * MIB)
    size, big = limit * 3 // 4 // MIB * MIB, 2 * limit
    cg.set_limit(limit)
    oom0 = cg.oom_kills()
    p, out, doc = itlib.sweep(cowbench, ["--variant", "copy/memcpy,cow/mprotect-fresh",
                                         "--sizes", "4K,%d,%d" % (size, big),
                                         "--repetitions", "2"] + BASE,
                              preexec_fn=cg.enter)
    left = cg.procs()
    oom1 = cg.oom_kills()
    print("cgroup: peak of a 4K run %d MiB, limit %d MiB, sizes 4K, %d MiB, %d MiB; "
          "oom_kill %s -> %s" % (base // MIB, limit // MIB, size // MIB, big // MIB,
                                 oom0, oom1))
    itlib.check(not left, "cgroup: no process left in it: %s" % left)
    itlib.check(p.returncode == 1 and doc is not None,
                "cgroup: exit %d (want 1: a cell failed; 137 would be the run killed), "
                "stderr %s" % (p.returncode, p.stderr.strip()))
    if doc is None:
        return out
    itlib.check(doc["status"] == "complete", "cgroup: run %s" % doc["status"])
    itlib.check(itlib.no_temp_left(out), "cgroup: no temporary directory left")
    cells = cells_by(doc)
    killed = 0
    for v in ("copy/memcpy", "cow/mprotect-fresh"):
        t = "cgroup: %s" % v
        check_ok(cells[(v, 4096)], t + " 4K")
        check_unsupported(cells[(v, big)], r"needs %d MiB, more than the memory cgroup's "
                          r"%s \(%d MiB\)" % (big // MIB, cg.limit_file, limit // MIB),
                          "%s %d MiB" % (t, big // MIB))
        c = cells[(v, size)]
        want = ("killed by SIGKILL: the memory cgroup's OOM killer (%s %d MiB)"
                % (cg.limit_file, limit // MIB))
        ran = itlib.reps(c)
        itlib.check(c["status"] == "failed" and c["reason"] == want,
                    "%s %d MiB: failed with %r, got %s %r"
                    % (t, size // MIB, want, c["status"], c["reason"]))
        itlib.check(len(ran) == 1 and ran[0]["exit"]["signal"] == 9,
                    "%s %d MiB: one repetition ran, killed: %s"
                    % (t, size // MIB, [r["exit"] for r in ran]))
        itlib.check(not c["metrics"], "%s: a failed cell has no figures" % t)
        killed += len(ran)
        print("%s %d MiB: %s" % (t, size // MIB, c["reason"]))
    itlib.check(oom0 is not None and oom1 is not None and oom1 - oom0 >= killed,
                "cgroup: oom_kill rose by the %d cells killed: %s -> %s"
                % (killed, oom0, oom1))
    return out


def cgroup():
    version, top = memory_hierarchy()
    if not version:
        return top
    try:
        cg = Memcg(version, top)
    except OSError as e:
        return "cannot create a memory cgroup under %s: %s" % (top, e.strerror)
    out = None
    try:
        out = cgroup_sweep(cg)
    finally:
        itlib.check(cg.remove(), "cgroup %s removed" % cg.dir)
    itlib.check(not os.path.exists(cg.dir), "cgroup %s is gone" % cg.dir)
    if out and not itlib.failures:
        shutil.rmtree(os.path.dirname(out), ignore_errors=True)
    return None


# --- the affinity mask -------------------------------------------------------

def taskset():
    allowed = sorted(os.sched_getaffinity(0))
    if len(allowed) < 2:
        return "this process may use one CPU only (%s)" % allowed
    for cpu in (allowed[0], allowed[-1]):
        t = "taskset -c %d" % cpu
        d = itlib.tmpdir()
        out = os.path.join(d, "run")
        p, _, doc = itlib.sweep(cowbench, ["--variant", "copy/memcpy", "--sizes", "4K",
                                           "--cpus", "2", "--quick"], out=out,
                                preexec_fn=lambda c=cpu: os.sched_setaffinity(0, {c}))
        lines = p.stderr.strip().splitlines()
        itlib.check(p.returncode == 2 and len(lines) == 1,
                    "%s --cpus 2: exit %d (want 2), one line: %s" % (t, p.returncode, lines))
        msg = lines[0] if lines else ""
        itlib.check(re.search(r"\b2 is more than the 1 CPU\b", msg) and
                    re.search(r"CPUs allowed: %d of [0-9,-]+ \(the affinity mask: "
                              r"taskset\)" % cpu, msg),
                    "%s --cpus 2: names the CPU ids and the mask: %r" % (t, msg))
        itlib.check(doc is None and not os.path.exists(out),
                    "%s --cpus 2: nothing measured, no directory" % t)
        print("%s --cpus 2: %s" % (t, msg))
        # one CPU still runs, on that CPU
        p, out, doc = itlib.sweep(cowbench, ["--variant", "copy/memcpy", "--sizes", "4K",
                                             "--cpus", "1", "--quick", "--repetitions", "1"],
                                  out=out, preexec_fn=lambda c=cpu: os.sched_setaffinity(0, {c}))
        itlib.check(p.returncode == 0 and doc and
                    [c["cpu_list"] for c in doc["cells"]] == [[cpu]],
                    "%s --cpus 1: runs on CPU %d: exit %d %s" % (
                        t, cpu, p.returncode, doc and [c["cpu_list"] for c in doc["cells"]]))
        shutil.rmtree(d, ignore_errors=True)
    return None


case("memtotal", memtotal)
case("nothing-measured", nothing_measured)
case("rlimit-as", lambda: rlimit(resource.RLIMIT_AS, "RLIMIT_AS"))
case("rlimit-data", lambda: rlimit(resource.RLIMIT_DATA, "RLIMIT_DATA"))
case("cgroup", cgroup)
case("taskset", taskset)
print("cases: %d tried, %d held, %d skipped (%s)" % (
    len(tried), len(held), len(skipped), ", ".join(skipped) or "none"))
if not tried:
    itlib.skip("no case could be set up here: %s" % ", ".join(skipped))
itlib.done("it_limits")
