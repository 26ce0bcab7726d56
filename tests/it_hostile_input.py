# SPDX-License-Identifier: GPL-2.0-only
"""Hostile input: for each bad invocation in the table, exit code 2 and
exactly one line on stderr that starts with "cowbench: " and holds what was
typed, escaped (a newline as \\n, a tab as \\t, other control bytes and
bytes that are not UTF-8 as \\xNN, a quote as \\"); valid UTF-8, no
traceback or sanitizer report, nothing on stdout, and nothing written:
neither the --out directory nor a .NAME.tmp-PID beside it. Sizes are
bounded where they are parsed (1 byte to 1T), so no page rounding wraps.
No timing is checked; nothing on the system is changed."""
import os
import subprocess

import itlib

cowbench, src = itlib.args()
base = itlib.tmpdir()
parent = os.path.join(base, "parent")
os.mkdir(parent)
out = os.path.join(parent, "run")

NL = "\n"
MANY = 70  # more than the 64 globs an old table held
LONG = "copy/" + "m" * 600

# (argv after "run", what stderr must hold: the typed value, escaped)
cases = [
    # sizes are bounded where they are parsed
    (["--sizes", "18446744073709551615"], ['"18446744073709551615"', "1T"]),
    (["--sizes", "18446744073709547521"], ['"18446744073709547521"', "1T"]),
    (["--sizes", "2T"], ['"2T"', "1 byte to 1T"]),
    (["--sizes", "1025G"], ['"1025G"', "1T"]),
    (["--sizes", "4K-18446744073709551615:+4K"], ['"18446744073709551615"']),
    (["--sizes", "4K-64M*2"], ['"64M*2"']),
    (["--sizes", "1-1T:+1"], ['"1-1T:+1"', "64"]),
    (["--sizes", "4K-1T:+2T"], ['"+2T"', "1T"]),
    (["--sizes", "4K-1T:x18446744073709551616"], ['"x18446744073709551616"']),
    (["--sizes", "64M-4K:x2"], ['"64M-4K:x2"']),
    (["--sizes", "4K" + NL + "8K"], ['"4K\\n8K"']),
    # values echoed escaped, on one line
    (["--variant", "copy/m" + NL + "emcpy"], ['"copy/m\\nemcpy"']),
    (["--variant", 'copy/"x'], ['"copy/\\"x"']),
    (["--variant", b"copy/\xff"], ['"copy/\\xff"']),
    (["--variant", "copy/\u2028x"], ['"copy/\\xe2\\x80\\xa8x"']),
    (["--variant", "copy/\x1b[2Jx"], ['"copy/\\x1b[2Jx"']),
    (["--bench", "co\tpy"], ['"co\\tpy"']),
    (["--bench", "copy,"], ['"copy,"', "empty glob"]),
    (["--variant", ",,"], ['",,"', "empty glob"]),
    (["--variant", LONG], ['"' + LONG[:100], "200"]),
    (["--bench", ",".join(["copy"] * MANY + ["nosuchfamily"])], ['"nosuchfamily"']),
    (["--variant", ",".join(["copy/memcpy"] * MANY + ["copy/nosuch"])],
     ['"copy/nosuch"']),
    (["--placement", "compact,compact,compact,compact"], ['"compact"', "twice"]),
    (["--placement", "compact,diag" + NL + "onal"], ['"diag\\nonal"']),
    (["--thp", "never,\tx"], ['"\\tx"']),
    (["--peer", "a" + NL + "b:80"], ['"a\\nb:80"']),
    (["--peer", "host:0"], ['"host:0"']),
    (["--events", "cycles,no" + NL + "such"], ['"no\\nsuch"']),
    (["--order", "r\x7fandom"], ['"r\\x7fandom"']),
    (["--sink", 'tape"'], ['"tape\\""']),
    (["--cpus", "1," + NL], ['"\\n"']),
    (["--cpus", "99999999999999999999"], ['"99999999999999999999"']),
    (["--cpus", "0"], ["0 is not a valid CPU count", "CPUs allowed"]),
    # getopt: clusters, --opt=value, a missing or empty value, an option
    # where a value belongs, abbreviations
    (["-xy"], ['"-xy"']),
    (["-x"], ['"-x"']),
    (["-hx" + NL], None),  # -h first: the help, exit 0 (checked below)
    (["--sizes"], ['"--sizes"', "needs a value"]),
    (["--quick", "--sizes"], ['"--sizes"', "needs a value"]),
    (["--sizes="], ['--sizes ""']),
    (["--sizes", ""], ['--sizes ""']),
    (["--sizes", "--quick"], ['"--quick"', "--sizes"]),
    (["--out", "--quick"], ['"--quick"', "--out"]),
    (["--quick=1"], ['"--quick=1"', "takes no value"]),
    (["--help=x"], ['"--help=x"', "takes no value"]),
    (["--s", "4K"], ['"--s"', "ambiguous", "--sizes"]),
    (["--bogus"], ['"--bogus"']),
    (["--bogus=a" + NL + "b"], ['"--bogus=a\\nb"']),
    (["--", "x"], ['"x"']),
    (["extra" + NL], ['"extra\\n"']),
    # bounded numbers
    (["--target-ci", "5"], ['"5"', "fraction"]),
    (["--warmup", "18446744073709551615"], ['"18446744073709551615"']),
    (["--min-samples", "18446744073709551615"], ['"18446744073709551615"']),
    (["--max-samples", "18446744073709551616"], ['"18446744073709551616"']),
    (["--repetitions", "1001"], ['"1001"']),
    (["--seed", "18446744073709551616"], ['"18446744073709551616"']),
    (["--cell-budget", "1e999"], ['"1e999"']),
    (["--hang-timeout", "0"], ['"0"']),
] + [(["--budget", v], ['"%s"' % v]) for v in
     ("1.9e10", "1e20", "1e308", "nan", "inf", "-1", "0")] + [
    # an empty --out: output.c's message ("an empty path")
    (["--out", ""], ["--out", "empty"]),
    (["--out="], ["--out", "empty"]),
]

BAD = ("Traceback", "AddressSanitizer", "LeakSanitizer", "runtime error:",
       "Segmentation", "core dumped")


def enc(a):
    return a if isinstance(a, bytes) else a.encode()


def left_behind():
    return sorted(os.listdir(parent))


def one(extra, needles):
    # --out first: a case may need to be last on the line (a missing
    # value); the short sweep keeps a case that wrongly parsed brief
    argv = [enc(cowbench), b"run", b"--out", enc(out), b"--quick", b"--quiet",
            b"--variant", b"copy/memcpy", b"--cpus", b"1", b"--repetitions", b"1"]
    argv += [enc(a) for a in extra]
    tag = repr(extra)[:120]
    p = subprocess.run(argv, capture_output=True, timeout=60, stdin=subprocess.DEVNULL)
    if needles is None:
        itlib.check(p.returncode == 0 and b"--sizes" in p.stdout,
                    "%s: the help, exit 0: exit %d" % (tag, p.returncode))
        return
    try:
        err = p.stderr.decode("utf-8")
    except UnicodeDecodeError:
        itlib.check(False, "%s: stderr is not UTF-8: %r" % (tag, p.stderr))
        return
    itlib.check(p.returncode == 2, "%s: exit %d, want 2 (stderr %r)"
                % (tag, p.returncode, err))
    lines = err.splitlines()
    itlib.check(len(lines) == 1 and err.endswith("\n") and err.count("\n") == 1,
                "%s: one line on stderr, got %r" % (tag, err))
    itlib.check(err.startswith("cowbench: "), "%s: the line names cowbench: %r"
                % (tag, err))
    for n in needles:
        itlib.check(n in err, "%s: stderr holds %r: %r" % (tag, n, err))
    itlib.check(not any(b in err for b in BAD), "%s: a crash report: %r" % (tag, err))
    itlib.check(p.stdout == b"", "%s: nothing on stdout: %r" % (tag, p.stdout))
    left = left_behind()
    itlib.check(not left, "%s: left %s behind" % (tag, left))


for extra, needles in cases:
    one(extra, needles)

# a command that is not one: main.c quotes it the same way
p = subprocess.run([enc(cowbench), b"fr\nob\xff"], capture_output=True, timeout=10)
err = p.stderr.decode("utf-8", "replace")
itlib.check(p.returncode == 2 and err.count("\n") == 1 and '"fr\\nob\\xff"' in err,
            "unknown command: exit %d, %r" % (p.returncode, err))

# `cowbench sink`: what was typed is escaped the same way
sink_cases = [([b"--listen", b"a\nb"], '"a\\nb"'), ([b"--bo\ngus"], '"--bo\\ngus"'),
              ([b"--listen", b"9", b"--sink", b"x\x01"], '"x\\x01"')]
for extra, needle in sink_cases:
    p = subprocess.run([enc(cowbench), b"sink"] + extra, capture_output=True, timeout=10,
                       stdin=subprocess.DEVNULL)
    err = p.stderr.decode("utf-8", "replace")
    itlib.check(p.returncode == 2 and err.count("\n") == 1 and needle in err,
                "sink %r: exit %d, %r" % (extra, p.returncode, err))

print("%d invocations tried, %d checks failed" % (len(cases) + 1 + len(sink_cases),
                                                  len(itlib.failures)))
itlib.finish("it_hostile_input", base)
