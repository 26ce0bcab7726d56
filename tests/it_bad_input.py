# SPDX-License-Identifier: GPL-2.0-only
"""Bad input: exit code 2, one clear line on stderr, and no result
directory (not even a temporary one) left behind. Covers the options of
the repetitions (--repetitions, --order, --seed, --hang-timeout) and the
internal `cowbench cell`, which refuses to be run by hand."""
import os
import subprocess

import itlib

cowbench, src = itlib.args()
base = itlib.tmpdir()
ro = os.path.join(base, "readonly")
os.mkdir(ro)
os.chmod(ro, 0o555)
exists = os.path.join(base, "exists")
os.mkdir(exists)
open(os.path.join(exists, "x"), "w").close()
ncpus = os.cpu_count()

cases = [
    (["--variant", "copy/nonesuch"], "nonesuch"),
    (["--bench", "nosuchfamily"], "nosuchfamily"),
    (["--sizes", "4Q"], "--sizes"),
    (["--sizes", "0"], "--sizes"),
    (["--sizes", "64M-4K"], "--sizes"),
    (["--cpus", "0"], "--cpus"),
    (["--cpus", str(ncpus * 64)], str(ncpus * 64)),
    (["--events", "no_such_event_xyz"], "no_such_event_xyz"),
    (["--placement", "diagonal"], "diagonal"),
    (["--target-ci", "abc"], "--target-ci"),
    (["--min-samples", "50", "--max-samples", "5"], "--min-samples"),
    (["--sink", "tape"], "tape"),
    (["--cell-budget", "-1"], "--cell-budget"),
    (["--repetitions", "0"], "--repetitions"),
    (["--repetitions", "x"], "--repetitions"),
    (["--order", "random"], "random"),
    (["--seed", "abc"], "--seed"),
    (["--hang-timeout", "0"], "--hang-timeout"),
    (["--budget", "-1"], "--budget"),
    (["--bogus-option"], "bogus"),
    (["--out", os.path.join(ro, "run")], "run"),
    (["--out", exists], "exists"),
    (["--out", os.path.join(base, "no", "such", "parent", "run")], "run"),
]
root = os.geteuid() == 0
for extra, needle in cases:
    if root and extra[:1] == ["--out"] and extra[1].startswith(ro):
        continue  # root writes anywhere; the missing-parent case covers it
    before = set(os.listdir(base)) | set(os.listdir(exists))
    p = itlib.run([cowbench, "run", "--quick", "--quiet", "--bench", "copy"] + extra
                  if extra[0] not in ("--bench", "--variant") else
                  [cowbench, "run", "--quick", "--quiet"] + extra, timeout=60)
    tag = " ".join(extra)
    itlib.check(p.returncode == 2, "%s: exit %d, want 2 (stderr %r)" % (tag, p.returncode, p.stderr))
    lines = [l for l in p.stderr.splitlines() if l.strip()]
    itlib.check(len(lines) == 1, "%s: one line on stderr, got %r" % (tag, p.stderr))
    itlib.check(needle in p.stderr, "%s: stderr names %r: %r" % (tag, needle, p.stderr))
    itlib.check(p.stdout == "", "%s: nothing on stdout" % tag)
    after = set(os.listdir(base)) | set(os.listdir(exists))
    itlib.check(after == before, "%s: left %s behind" % (tag, after - before))

p = itlib.run([cowbench, "frobnicate"], timeout=10)
itlib.check(p.returncode == 2, "unknown command exits 2")
p = itlib.run([cowbench, "run", "--help"], timeout=10)
itlib.check(p.returncode == 0 and "--target-ci" in p.stdout, "--help documents options")
for opt in ("--repetitions", "--order", "--seed", "--hang-timeout"):
    itlib.check(opt in p.stdout, "--help documents %s" % opt)
# the help text is printed, not a format: no printf escapes left in it
itlib.check("%%" not in p.stdout, "--help prints a doubled percent sign: %r"
            % [l.strip() for l in p.stdout.splitlines() if "%%" in l])
# `cowbench cell` is the process of one repetition, started by `run` only
p = itlib.run([cowbench, "cell", "extra"], timeout=10, stdin=subprocess.DEVNULL)
itlib.check(p.returncode == 2 and "internal" in p.stderr,
            "cell with arguments: exit %d, %r" % (p.returncode, p.stderr))
p = itlib.run([cowbench, "cell"], timeout=10, input="garbage\n")
itlib.check(p.returncode != 0 and p.stdout.startswith("end failed"),
            "cell with a bad spec refuses in its one record: exit %d, %r"
            % (p.returncode, p.stdout))
itlib.done("it_bad_input")
