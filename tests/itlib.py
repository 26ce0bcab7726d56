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
