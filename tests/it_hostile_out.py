# SPDX-License-Identifier: GPL-2.0-only
"""The run directory under hostile conditions (issue 13):
- bad --out paths (empty, too long, a part over NAME_MAX, ".", "/") are
  refused before anything is measured: exit 2, one line, nothing created;
- as nobody, an --out that cannot be created or replaced says the real
  cause (Permission denied / Operation not permitted), before measuring;
- a full disk (a small tmpfs, filled to leave a chosen room) at each point
  of writing - before run.json, in it, between the files, at the summary -
  gives one line with "No space left on device" and the file, a clean exit
  (2 before measuring, 1 after), no temporary and no final directory;
- stale temporary directories of dead runs (SIGKILL, or faked with a dead
  or reused pid) are removed by the next run into the same parent with one
  line each; a live run's, a locked one, and whatever does not match the
  pattern are left alone.
Mounts are undone in finally: blocks; the parts that need root, setpriv or
tmpfs skip (and say so) where the machine cannot set them up."""
import fcntl
import os
import re
import shutil
import signal
import subprocess
import time

import itlib

cowbench, src = itlib.args()
cowbench = os.path.abspath(cowbench)
SWEEP = ["--variant", "copy/memcpy", "--sizes", "4K", "--cpus", "1", "--quick",
         "--repetitions", "1", "--min-samples", "5", "--max-samples", "5"]
FILES = ["run.json", "results.csv", "summary.txt", "details.txt"]
PAGE = os.sysconf("SC_PAGE_SIZE")
root = os.geteuid() == 0
setpriv = shutil.which("setpriv")
base = itlib.tmpdir()
os.chmod(base, 0o755)
skipped = []


def lines(p):
    return [l for l in p.stderr.splitlines() if l.strip()]


def run(extra, out, cwd=None, as_nobody=False, quiet=False):
    cmd = [cowbench, "run"] + SWEEP + (["--quiet"] if quiet else []) + ["--out", out]
    if as_nobody:
        cmd = [setpriv, "--reuid=nobody", "--regid=nogroup", "--clear-groups"] + cmd
    return itlib.run(cmd + extra, timeout=120, cwd=cwd)


def temps(d):
    return [f for f in os.listdir(d) if ".tmp-" in f]


def refused(tag, p, needle, parent, unwanted=None):
    """Exit 2 with one line naming needle, before the progress line (so
    before anything was measured), and no temporary directory."""
    ls = lines(p)
    itlib.check(p.returncode == 2, "%s: exit %d, want 2: %r" % (tag, p.returncode, p.stderr))
    itlib.check(len(ls) == 1, "%s: one line on stderr (nothing measured), got %r"
                % (tag, p.stderr))
    itlib.check(needle in p.stderr, "%s: says %r: %r" % (tag, needle, p.stderr))
    if unwanted:
        itlib.check(unwanted not in p.stderr, "%s: not %r: %r" % (tag, unwanted, p.stderr))
    if os.path.isdir(parent):
        itlib.check(not temps(parent), "%s: left %s" % (tag, temps(parent)))
    print("%s: exit %d: %s" % (tag, p.returncode, ls[-1] if ls else ""))


# --- bad paths: refused before measuring -----------------------------------
long_out = base + "/d" * ((4075 - len(base)) // 2)
long_out += "e" * (4075 - len(long_out))
for tag, out, needle in [
        ("empty --out", "", "--out"),
        ("a %d-character --out" % len(long_out), long_out, "too long"),
        ("a part of 300 characters", os.path.join(base, "x" * 300, "run"), "300"),
        ("a name of 230 characters", os.path.join(base, "y" * 230), "230"),
        ("--out /", "/", "cannot be replaced")]:
    p = run([], out)
    refused(tag, p, needle, base)
    itlib.check(len(p.stderr) < 300, "%s: the line is short: %d" % (tag, len(p.stderr)))
empty = os.path.join(base, "empty")
os.mkdir(empty)
refused("--out . in an empty directory", run([], ".", cwd=empty), "cannot be replaced",
        empty, "not empty")
itlib.check(os.path.isdir(empty), "--out .: the directory is still there")

# a long path's error keeps its reason: a missing parent 4000 characters deep
deep = os.path.join(base, *(["h" * 200] * 19), "run")
p = run([], deep)
refused("a missing parent of a %d-character path" % len(deep), p,
        "No such file or directory", base)

# --- as nobody: the real cause, before measuring ----------------------------
if not root or not setpriv:
    skipped.append("as nobody: needs root and setpriv")
else:
    owned = os.path.join(base, "rootonly")
    os.makedirs(os.path.join(owned, "e"))
    os.chmod(owned, 0o755)
    refused("nobody: an empty root directory in a root parent",
            run([], os.path.join(owned, "e"), as_nobody=True), "Permission denied",
            owned, "already exists")
    refused("nobody: --out . in an empty root directory",
            run([], ".", cwd=os.path.join(owned, "e"), as_nobody=True),
            "cannot be replaced", owned, "not empty")
    sticky = os.path.join(base, "sticky")
    os.makedirs(os.path.join(sticky, "e"))
    os.chmod(sticky, 0o1777)
    refused("nobody: an empty root directory in a sticky parent",
            run([], os.path.join(sticky, "e"), as_nobody=True),
            "Operation not permitted", sticky, "already exists")
    itlib.check(os.path.isdir(os.path.join(sticky, "e")) and
                os.path.isdir(os.path.join(owned, "e")), "nobody: the directories are kept")

# --- a full disk at each point of writing -------------------------------------


def pages(n):
    return (n + PAGE - 1) // PAGE


def umount(mnt):
    if subprocess.run(["umount", mnt], capture_output=True).returncode:
        subprocess.run(["umount", "-l", mnt], capture_output=True)
    itlib.check(not os.path.ismount(mnt), "unmounted %s" % mnt)


def full_disk_run(mnt, room):
    """Mount a tmpfs with `room` bytes free, run into it; returns the
    process, the file the failure names (or None) and the leftovers."""
    os.makedirs(mnt, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%d,mode=755" % (256 * PAGE),
                    "tmpfs", mnt], check=True, capture_output=True)
    try:
        st = os.statvfs(mnt)
        fill = st.f_bavail * st.f_frsize - room
        fd = os.open(os.path.join(mnt, "fill"), os.O_WRONLY | os.O_CREAT, 0o644)
        try:
            os.posix_fallocate(fd, 0, fill)
        finally:
            os.close(fd)    # else the umount below is refused
        st = os.statvfs(mnt)
        assert st.f_bavail * st.f_frsize == room, "tmpfs room %d" % st.f_bavail
        p = run([], os.path.join(mnt, "run"), quiet=True)
        left = sorted(set(os.listdir(mnt)) - {"fill"})
    finally:
        umount(mnt)
    return p, full_named(p), left


def full_named(p):
    """The file a full-disk error names ("run" for the directory)."""
    m = re.search(r"(\S+): No space left on device", p.stderr)
    return os.path.basename(m.group(1)) if m else None


def full_checks(tag, p, named, left, before_measuring):
    ls = lines(p)
    if p.returncode == 0:
        itlib.check(left == ["run"], "%s: a complete run only: %s" % (tag, left))
    else:
        itlib.check(not left, "%s: left %s" % (tag, left))
        itlib.check(named is not None and len(ls) == 1,
                    "%s: one line with the cause and the file: %r" % (tag, p.stderr))
        itlib.check("Input/output error" not in p.stderr, tag + ": not EIO")
        itlib.check(p.returncode == (2 if named in before_measuring else 1),
                    "%s: exit %d for %s" % (tag, p.returncode, named))
    print("%s: exit %d, %s" % (tag, p.returncode, ls[-1] if ls else "complete"))


def inodes_run(mnt, n):
    """A tmpfs with room for n inodes: each file (and directory) is one."""
    os.makedirs(mnt, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m,nr_inodes=%d,mode=755" % n,
                    "tmpfs", mnt], check=True, capture_output=True)
    try:
        p = run([], os.path.join(mnt, "run"), quiet=True)
        left = sorted(os.listdir(mnt))
    finally:
        umount(mnt)
    return p, full_named(p), left


mnt = os.path.join(base, "tmpfs")


def cannot_mount():
    if not root:
        return "not root"
    os.mkdir(base + "/probe")
    p = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", base + "/probe"],
                       capture_output=True, text=True)
    try:
        return None if p.returncode == 0 else (p.stderr.strip() or "mount failed")
    finally:
        if p.returncode == 0:
            umount(base + "/probe")


why = cannot_mount()
if why:
    skipped.append("full disk: cannot mount a tmpfs (%s)" % why)
else:
    # sizes from a run that fits, then one room per failure point
    p = run([], os.path.join(base, "ref"), quiet=True)
    itlib.check(p.returncode == 0, "reference run: exit %d %r" % (p.returncode, p.stderr))
    need = [pages(os.path.getsize(os.path.join(base, "ref", f))) for f in FILES]
    shutil.rmtree(os.path.join(base, "ref"), ignore_errors=True)
    points = [".cowbench-run"] + FILES + [None]
    for k, want in enumerate(points):
        # the owner file takes a page, then each file its own
        room = 0 if k == 0 else 1 + sum(need[:k - 1]) + (4 if want is None else 0)
        for attempt in range(5):
            p, named, left = full_disk_run(mnt, room * PAGE)
            tag = "full disk, %d pages free (want %s)" % (room, want or "success")
            got = None if p.returncode == 0 else named
            full_checks(tag, p, named, left, (".cowbench-run", "run"))
            step = 1 if points.index(got) < k else -1 if got in points else 0
            if got == want or not step or room + step < 0:
                break
            room += step    # the sizes move a little between runs: by a page
        itlib.check(got == want, "full disk: reached the failure at %s (got %s)"
                    % (want, got))

    # out of inodes: creating the directory, the owner file, each file fails
    seen = []
    for n in range(1, 12):
        p, named, left = inodes_run(mnt, n)
        full_checks("full disk, %d inodes" % n, p, named, left, (".cowbench-run", "run"))
        seen.append(named if p.returncode else None)
        if not p.returncode:
            break
    itlib.check(seen[-1] is None and set(["run", ".cowbench-run"] + FILES) <= set(seen),
                "full disk: out of inodes at each point: %s" % seen)

# --- stale temporary directories -----------------------------------------------
stale_base = os.path.join(base, "stale")
os.mkdir(stale_base)
with open("/proc/sys/kernel/pid_max") as f:
    dead = int(f.read()) + 1          # above pid_max: never a live process
me = os.getpid()
with open("/proc/self/stat") as f:
    my_start = f.read().rsplit(")", 1)[1].split()[19]
with open("/proc/sys/kernel/random/boot_id") as f:
    boot = f.read().strip()


def fake(name, owner=None, files=()):
    d = os.path.join(stale_base, name)
    os.mkdir(d)
    if owner:
        with open(os.path.join(d, ".cowbench-run"), "w") as f:
            f.write("cowbench-run pid %d start %s boot %s\n" % owner)
    for n in files:
        open(os.path.join(d, n), "w").close()
    return d


gone = {
    ".a.tmp-%d" % dead: fake(".a.tmp-%d" % dead),
    ".b.tmp-%d" % dead: fake(".b.tmp-%d" % dead, (dead, "5", boot), ["run.json"]),
    ".c.tmp-%d" % me: fake(".c.tmp-%d" % me, (me, "1", boot), [".run.json.tmp"]),
    ".d.tmp-%d" % me: fake(".d.tmp-%d" % me, (me, my_start, "an-older-boot")),
}
kept = {
    "live, no owner file": fake(".e.tmp-%d" % me),
    "live, owner file": fake(".f.tmp-%d" % me, (me, my_start, boot), ["run.json"]),
    "locked": fake(".g.tmp-%d" % dead, (dead, "5", boot)),
    "not empty, no owner file": fake(".h.tmp-%d" % dead, None, ["mine"]),
    "owner file of another pid": fake(".i.tmp-%d" % dead, (dead + 1, "5", boot)),
    "not a pid": fake(".j.tmp-12ab"),
    "pid 0": fake(".k.tmp-0"),
    "no leading dot": fake("l.tmp-%d" % dead),
}
plain = os.path.join(stale_base, ".m.tmp-%d" % dead)
open(plain, "w").close()
os.symlink(kept["not empty, no owner file"], os.path.join(stale_base, ".n.tmp-%d" % dead))
lock = os.open(kept["locked"], os.O_RDONLY)
fcntl.flock(lock, fcntl.LOCK_EX)
try:
    p = run([], os.path.join(stale_base, "run"), quiet=True)
finally:
    os.close(lock)
itlib.check(p.returncode == 0, "stale: exit %d %r" % (p.returncode, p.stderr))
for name, d in sorted(gone.items()):
    pid = int(name.rsplit("-", 1)[1])
    itlib.check(not os.path.exists(d), "stale %s: removed" % name)
    line = "cowbench: removed stale temp directory %s of a run that died (pid %d)" % (d, pid)
    itlib.check(line in lines(p), "stale %s: reported %r in %r" % (name, line, p.stderr))
itlib.check(len(lines(p)) == len(gone), "stale: one line each: %r" % p.stderr)
print("stale: removed %d (%s), kept %d" % (len(gone), ", ".join(sorted(gone)), len(kept) + 2))
for what, d in sorted(kept.items()):
    itlib.check(os.path.isdir(d), "stale: %s kept" % what)
itlib.check(os.path.isfile(plain) and os.path.islink(plain.replace(".m.", ".n.")),
            "stale: a file and a link of the pattern are kept")
itlib.check(os.path.exists(os.path.join(kept["live, owner file"], "run.json")),
            "stale: the live directory's files are kept")

# a run killed outright leaves its temporary directory; a live one keeps its own
kill_base = os.path.join(base, "kill")
os.mkdir(kill_base)
long_run = [cowbench, "run", "--bench", "copy", "--sizes", "4K-1M:x2", "--cpus", "1",
            "--cell-budget", "0.3", "--quiet"]
for sig in (signal.SIGKILL, signal.SIGINT):
    out = os.path.join(kill_base, "victim-%d" % sig)
    victim = subprocess.Popen(long_run + ["--out", out], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    tmp = os.path.join(kill_base, ".victim-%d.tmp-%d" % (sig, victim.pid))
    deadline = time.monotonic() + 60
    while not os.path.exists(os.path.join(tmp, ".cowbench-run")) and \
            time.monotonic() < deadline and victim.poll() is None:
        time.sleep(0.05)
    # a second run into the same parent while the first is alive
    p = run([], os.path.join(kill_base, "beside-%d" % sig), quiet=True)
    itlib.check(p.returncode == 0 and not lines(p),
                "beside a live run: exit %d %r" % (p.returncode, p.stderr))
    itlib.check(os.path.isdir(tmp), "a live run's temporary directory is left alone")
    victim.send_signal(sig)
    victim.communicate(timeout=60)
    if sig == signal.SIGINT:
        itlib.check(victim.returncode == 130 and not os.path.exists(tmp) and
                    itlib.load_run(out)[0]["status"] == "interrupted",
                    "SIGINT: exit %d, an interrupted run" % victim.returncode)
        continue
    itlib.check(os.path.isdir(tmp) and not os.path.exists(out),
                "SIGKILL leaves the temporary directory only")
    p = run([], os.path.join(kill_base, "next"), quiet=True)
    want = "cowbench: removed stale temp directory %s of a run that died (pid %d)" % (
        tmp, victim.pid)
    itlib.check(p.returncode == 0 and lines(p) == [want],
                "after SIGKILL: exit %d, %r (want %r)" % (p.returncode, p.stderr, want))
    itlib.check(not os.path.exists(tmp), "after SIGKILL: the stale directory is gone")
    print("after SIGKILL: %s" % (lines(p) or ["nothing said"])[0])
itlib.check(not temps(kill_base), "no temporary directory left: %s" % temps(kill_base))

for s in skipped:
    print("skipped: " + s)
itlib.finish("it_hostile_out", base)
