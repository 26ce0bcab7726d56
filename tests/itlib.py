# SPDX-License-Identifier: GPL-2.0-only
"""Shared helpers for the integration tests (tests/it_*.py).

Each test is run by ctest as: python3 it_x.py <cowbench binary> <source dir>.
Exit 0 pass, 1 fail, 77 skip (with a one-line reason on stdout).
"""
import csv
import json
import os
import subprocess
import sys
import tempfile

SKIP = 77
failures = []


def args():
    if len(sys.argv) != 3:
        print("usage: %s COWBENCH SRCDIR" % sys.argv[0])
        sys.exit(2)
    return sys.argv[1], sys.argv[2]


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL: " + what)


def done(name):
    print("%s: %d failed" % (name, len(failures)))
    sys.exit(1 if failures else 0)


def skip(reason):
    print("SKIP: " + reason)
    sys.exit(SKIP)


def run(cmd, timeout=240, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)


def tmpdir():
    return tempfile.mkdtemp(prefix="cowbench-it-")


def load_run(d):
    with open(os.path.join(d, "run.json")) as f:
        doc = json.load(f)
    with open(os.path.join(d, "results.csv"), newline="") as f:
        rows = list(csv.DictReader(f))
    with open(os.path.join(d, "summary.txt")) as f:
        summary = f.read()
    return doc, rows, summary


def metric(cell, role, name):
    for m in cell["metrics"]:
        if m["role"] == role and m["metric"] == name:
            return m
    return None


# --- schema cowbench-run/2: cells hold repetitions, each its own process ---

def sweep(cowbench, args, out=None, env=None, timeout=240, **kw):
    """`cowbench run ARGS --quiet --out OUT`; returns (process, out, doc)
    with doc None when no run.json was written."""
    out = out or os.path.join(tmpdir(), "run")
    e = dict(os.environ, **env) if env else None
    p = run([cowbench, "run"] + list(args) + ["--quiet", "--out", out],
            timeout=timeout, env=e, **kw)
    path = os.path.join(out, "run.json")
    doc = None
    if os.path.exists(path):
        with open(path) as f:
            doc = json.load(f)
    return p, out, doc


def tag(cell):
    return "%s %s cpus=%d" % (cell["variant"], cell["size_label"], cell["cpus"])


def rtag(cell, rep):
    return "%s #%d" % (tag(cell), rep["rep"] + 1)


def reps(cell, ran=True):
    """The cell's repetitions that ran (all of them with ran=False)."""
    return [r for r in cell["repetitions"] if r["ran"] or not ran]


def ok_reps(cell):
    """Repetitions that ran to their end with numbers."""
    return [r for r in cell["repetitions"] if r["ran"] and r["status"] == "ok"]


def samples(rep, role, name):
    """A repetition's per-operation samples of (role, metric), or None."""
    m = metric(rep, role, name)
    return m["samples"] if m else None


def value(cell, role, name):
    """A cell's figure (median over repetitions) of (role, metric), or None."""
    m = metric(cell, role, name)
    return m["value"]["value"] if m else None


def counters(doc):
    """counters[] by key."""
    return {c["key"]: c for c in doc["counters"]}


def available(doc, key):
    return bool(counters(doc).get(key, {}).get("available"))


def no_temp_left(out):
    """No .NAME.tmp-PID directory beside the run directory."""
    d = os.path.dirname(os.path.abspath(out))
    return not [f for f in os.listdir(d) if ".tmp" in f]


def summary_width(text, width=80):
    """Lines of a summary that are wider than width."""
    return [l for l in text.splitlines() if len(l) > width]


def verifying_rep(cell, what=""):
    """The first repetition of a cell to run verifies the variant (one
    untimed verification sample); the others only measure, with verified
    and verify_ops null and no verify_reports. Checks that, and returns
    the verifying repetition (None when none ran). Not for --hazard runs,
    where every repetition verifies."""
    ran = sorted(reps(cell), key=lambda r: r["order"])
    t = (what or tag(cell))
    if not ran:
        return None
    first = ran[0]
    check(first["verified"] is True and first["verify_ops"],
          "%s: the first repetition to run (#%d) verifies: verified %s, verify_ops %s"
          % (t, first["rep"] + 1, first["verified"], first["verify_ops"]))
    for r in ran[1:]:
        check(r["verified"] is None and r["verify_ops"] is None and not r["verify_reports"],
              "%s #%d: only the first repetition verifies: verified %s, verify_ops %s, "
              "verify_reports %s" % (t, r["rep"] + 1, r["verified"], r["verify_ops"],
                                     r["verify_reports"]))
    return first


def finish(name, *dirs):
    """done(name), removing dirs when every check passed; on a failure
    they are kept, and named, for a look."""
    import shutil
    for d in dirs:
        if failures:
            print("kept for a look: %s" % d)
        else:
            shutil.rmtree(d, ignore_errors=True)
    done(name)
