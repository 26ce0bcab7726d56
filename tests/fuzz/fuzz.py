# SPDX-License-Identifier: GPL-2.0-only
"""Bounded fuzzing of the command-line parsers with libFuzzer.

Run by ctest as: python3 fuzz.py CONFIG, where CONFIG is the JSON that
tests/CMakeLists.txt generates (source and build directories, the
harness and bench libraries, include directories, libraries to link).
The project builds with gcc; each target here is built with clang
(-fsanitize=fuzzer,address,undefined) from tests/fuzz/fuzz_NAME.c and
the harness sources it exercises (instrumented), the rest linked from the
build's own libraries. Each runs for a bounded time
(COWBENCH_FUZZ_SECONDS, default 20) from its seed corpus
(tests/fuzz/corpus/NAME, good and bad examples, never written to) and
dictionary. A target that crashes or breaks a property (they abort) fails
the test; the input is kept in BUILD/fuzz/artifacts. Prints executions
and crashes per target. Exit 77 when clang or libFuzzer is missing.
"""
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

SKIP = 77

# name: (harness sources built instrumented (globs), max_len); what else
# they call comes from the build's libraries, uninstrumented
PARSERS = ["parse*.c", "fmt.c"]
TARGETS = {
    "size": (PARSERS, 64),
    "size_list": (PARSERS, 128),
    "cpus": (PARSERS, 64),
    "events": (["pmu.c", "tracefs.c"], 256),
    "glob": (["plan.c", "registry.c"], 300),
}
FLAGS = ["-g", "-O1", "-std=gnu11", "-D_GNU_SOURCE", "-Wall", "-Wextra", "-Werror",
         "-fsanitize=fuzzer,address,undefined", "-fno-sanitize-recover=all",
         "-fno-omit-frame-pointer"]


def skip(reason):
    print("SKIP: " + reason)
    sys.exit(SKIP)


def find_clang():
    for c in [os.environ.get("COWBENCH_CLANG"), "clang"] + \
             ["clang-%d" % v for v in range(20, 13, -1)]:
        if c and shutil.which(c):
            return shutil.which(c)
    return None


def probe(clang, work):
    """None when clang links a libFuzzer target, else why not."""
    src = os.path.join(work, "probe.c")
    with open(src, "w") as f:
        f.write("#include <stddef.h>\n#include <stdint.h>\n"
                "int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)\n"
                "{ (void)d; (void)n; return 0; }\n")
    p = subprocess.run([clang] + FLAGS + [src, "-o", os.path.join(work, "probe")],
                       capture_output=True, text=True)
    if p.returncode == 0:
        return None
    lines = [l for l in p.stderr.splitlines() if "error" in l] or p.stderr.splitlines()
    return (lines[0] if lines else "exit %d" % p.returncode).strip()


def build(clang, cfg, name, out):
    srcs, _ = TARGETS[name]
    here = os.path.join(cfg["source_dir"], "tests", "fuzz")
    harness = os.path.join(cfg["source_dir"], "harness")
    cmd = [clang] + FLAGS + ["-I" + d for d in [here] + cfg["include_dirs"] if d]
    cmd += [os.path.join(here, "fuzz_%s.c" % name)]
    cmd += sorted(f for g in srcs for f in glob.glob(os.path.join(harness, g)))
    cmd += ["-Wl,--start-group", cfg["harness_lib"], cfg["bench_lib"], "-Wl,--end-group"]
    cmd += [l for l in cfg["libs"] if l] + ["-lpthread", "-lm", "-o", out]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode:
        print("FAIL: building fuzz_%s:\n%s\n%s" % (name, " ".join(cmd), p.stderr[-4000:]))
    return p.returncode == 0


def start(cfg, name, exe, work, seconds, seed):
    _, max_len = TARGETS[name]
    here = os.path.join(cfg["source_dir"], "tests", "fuzz")
    corpus = os.path.join(work, "corpus-" + name)
    arts = os.path.join(cfg["build_dir"], "fuzz", "artifacts")
    os.makedirs(corpus, exist_ok=True)
    os.makedirs(arts, exist_ok=True)
    cmd = [exe, "-max_total_time=%d" % seconds, "-max_len=%d" % max_len,
           "-timeout=10", "-rss_limit_mb=2048", "-seed=%d" % seed,
           "-print_final_stats=1", "-artifact_prefix=%s/%s-" % (arts, name)]
    d = os.path.join(here, name + ".dict")
    if os.path.exists(d):
        cmd.append("-dict=" + d)
    cmd += [corpus, os.path.join(here, "corpus", name)]
    log = open(os.path.join(work, name + ".log"), "w+")
    return subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT), log


def report(name, p, log, limit):
    """(executions, crashed) of a finished target, printed."""
    log.seek(0)
    text = log.read()
    log.close()
    m = re.search(r"stat::number_of_executed_units:\s*(\d+)", text)
    execs = int(m.group(1)) if m else 0
    crashed = p.returncode != 0
    print("fuzz_%s: %d executions, %d crashes (%d s)" % (name, execs, int(crashed), limit))
    if crashed:
        why = [l for l in text.splitlines() if "property failed" in l or "ERROR:" in l or
               "artifact" in l or l.startswith("input:")]
        print("FAIL: fuzz_%s exited %d:\n  %s" % (name, p.returncode, "\n  ".join(why[:8])))
        print(text[-3000:])
    elif not m:
        print("FAIL: fuzz_%s printed no statistics:\n%s" % (name, text[-2000:]))
    return execs, crashed or not m


def tracefs_mounts():
    """What fuzz_events could mount (it must not: it only declares)."""
    with open("/proc/mounts") as f:
        return sorted(l for l in f.read().splitlines() if l.split()[2:3] == ["tracefs"])


def main():
    if len(sys.argv) != 2:
        print("usage: %s CONFIG.json" % sys.argv[0])
        sys.exit(2)
    with open(sys.argv[1]) as f:
        cfg = json.load(f)
    seconds = int(os.environ.get("COWBENCH_FUZZ_SECONDS", "20"))
    seed = int(os.environ.get("COWBENCH_FUZZ_SEED", "13"))
    clang = find_clang()
    if not clang:
        skip("clang is not installed (make deps installs clang and libclang-rt-dev)")
    work = tempfile.mkdtemp(prefix="cowbench-fuzz-")
    why = probe(clang, work)
    if why:
        shutil.rmtree(work, ignore_errors=True)
        skip("clang cannot build a libFuzzer target (install libclang-rt-dev): " + why)
    print("fuzzing with %s, %d s per target, seed %d (COWBENCH_FUZZ_SECONDS, "
          "COWBENCH_FUZZ_SEED)" % (clang, seconds, seed))
    bindir = os.path.join(cfg["build_dir"], "fuzz")
    os.makedirs(bindir, exist_ok=True)
    failed = []
    exes = {}
    for name in TARGETS:
        exe = os.path.join(bindir, "fuzz_" + name)
        if build(clang, cfg, name, exe):
            exes[name] = exe
        else:
            failed.append(name)
    before = tracefs_mounts()
    total = 0
    names = list(exes)
    t0 = time.monotonic()
    # two at a time: the machines that run this have 2 CPUs or more
    while names:
        batch, names = names[:2], names[2:]
        running = [(n,) + start(cfg, n, exes[n], work, seconds, seed) for n in batch]
        for n, p, log in running:
            try:
                p.wait(timeout=seconds + 120)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
            execs, bad = report(n, p, log, seconds)
            total += execs
            if bad:
                failed.append(n)
    if tracefs_mounts() != before:
        print("FAIL: tracefs mounts changed while fuzzing: %s -> %s"
              % (before, tracefs_mounts()))
        failed.append("mounts")
    print("fuzz: %d targets, %d executions, %d crashed or failed, %.0f s"
          % (len(TARGETS), total, len(failed), time.monotonic() - t0))
    if failed:
        print("kept for a look: %s (inputs in %s/artifacts)" % (work, bindir))
        sys.exit(1)
    shutil.rmtree(work, ignore_errors=True)
    sys.exit(0)


main()
