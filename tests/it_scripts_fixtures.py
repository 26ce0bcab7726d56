# SPDX-License-Identifier: GPL-2.0-only
"""Fixtures for the scripts/ tests, built at run time from real quick runs,
and (run as a test) the bad-input contract of scripts/plot, compare and
history: a missing, malformed, foreign or pathological input (wrong schema,
JSON nested 200,000 levels deep, ...) gets a one-line error on stderr, no
traceback, and exit 2.

Helpers (imported by tests/it_scripts_*.py):
  real_run(cowbench, dest, ...)  a real `cowbench run --quick` (copy by
                                 default; sizes, repetitions, variants)
  clone(src, dst, edit=None)     copy a run directory, optionally editing
                                 its run.json (results.csv is copied as it
                                 was: the scripts do not read it)
  scale_cell(doc, key, factor)   one cell's op/producer wall and cpu times
                                 times factor: the cell's figure and
                                 interval, its rep_medians, and every
                                 repetition's samples and summary (derived
                                 is left as it was: compare and history do
                                 not read it)
  drop_cells(doc, pred)          remove cells, and derived entries of them
  rep_spread(cell, role, metric) the sd of the log repetition medians
  tightest_cell(docs, metrics)   the ok cell whose repetitions agree best
  jitter_runs(doc, n, plant=...) a series of runs with seeded run-to-run
                                 noise and optionally a planted step
  check_images(dir, stems)       each stem.png / stem.svg exists and is valid
"""
import copy
import json
import math
import os
import random
import shutil
import statistics
import struct
import sys
import xml.etree.ElementTree as ET

import itlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "scripts"))
import cowbench_results as cr  # noqa: E402

TIME_KEYS = ("wall_ns", "cpu_ns")


def real_run(cowbench, dest, sizes="4K,64K", repetitions=None, variants=None, cpus=None):
    argv = [cowbench, "run", "--quick", "--sizes", sizes, "--quiet", "--out", dest]
    argv += ["--variant", variants] if variants else ["--bench", "copy"]
    if repetitions:
        argv += ["--repetitions", str(repetitions)]
    if cpus:
        argv += ["--cpus", cpus]
    p = itlib.run(argv)
    if p.returncode != 0 or not os.path.isfile(os.path.join(dest, "run.json")):
        print("FAIL: quick run exited %d: %s" % (p.returncode, p.stderr.strip()[-400:]))
        sys.exit(1)
    return dest


def read_doc(rdir):
    with open(os.path.join(rdir, "run.json")) as f:
        return json.load(f)


def write_doc(rdir, doc):
    with open(os.path.join(rdir, "run.json"), "w") as f:
        json.dump(doc, f, indent=1)


def clone(src, dst, edit=None):
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("plots"))
    if edit:
        doc = read_doc(dst)
        edit(doc)
        write_doc(dst, doc)
    return dst


def key_of(c):
    return (c["variant"], c["size"], c["cpus"], c["placement"])


def find_cell(doc, key):
    for c in doc["cells"]:
        if key_of(c) == tuple(key):
            return c
    raise KeyError(key)


def cell_label(doc, key):
    return "%s %s cpus=%d %s" % (key[0], find_cell(doc, key)["size_label"], key[2], key[3])


def metric(cell, role, name):
    return itlib.metric(cell, role, name)


def _times(x, f):
    return None if x is None else x * f


def scale_metric(m, f):
    """A cell metric's figure, interval and repetition medians times f."""
    v = m["value"]
    for k in ("value", "lo", "hi"):
        v[k] = _times(v[k], f)
    m["rep_medians"] = [_times(x, f) for x in m["rep_medians"]]


SUMMARY_SCALED = ("median", "ci_lo", "ci_hi", "p10", "p90", "min", "max", "mad", "mean")


def scale_rep_metric(m, f):
    """A repetition's metric: its samples and summary times f."""
    m["samples"] = [_times(x, f) for x in m["samples"]]
    for k in SUMMARY_SCALED:
        if k in m["summary"]:
            m["summary"][k] = _times(m["summary"][k], f)


def scale_cell_doc(c, f, roles=("op", "producer"), names=TIME_KEYS):
    for m in c.get("metrics") or []:
        if m["role"] in roles and m["metric"] in names:
            scale_metric(m, f)
    for rep in c.get("repetitions") or []:
        for m in rep.get("metrics") or []:
            if m["role"] in roles and m["metric"] in names:
                scale_rep_metric(m, f)


def scale_cell(doc, key, factor, roles=("op", "producer")):
    scale_cell_doc(find_cell(doc, key), factor, roles)


def drop_cells(doc, pred):
    """Remove the cells for which pred(cell) holds, and what derived says
    of them."""
    gone = {c["id"] for c in doc["cells"] if pred(c)}
    doc["cells"] = [c for c in doc["cells"] if c["id"] not in gone]
    d = doc["derived"]
    for name, keys in (("cells", ("cell",)), ("twins", ("cell", "twin_cell")),
                       ("winners", ("best_cell", "next_cell"))):
        d[name] = [e for e in d.get(name) or [] if not any(e.get(k) in gone for k in keys)]
    checks = d.get("checks") or {}
    checks["results"] = [e for e in checks.get("results") or [] if e.get("cell") not in gone]


def rep_spread(cell, role, name):
    """The sd of the log repetition medians (None with under 3 positive)."""
    m = metric(cell, role, name)
    reps = [x for x in (m or {}).get("rep_medians") or [] if x is not None and x > 0]
    if len(reps) < 3:
        return None
    return statistics.stdev([math.log(x) for x in reps])


def tightest_cell(docs, metrics=(("op", "wall_ns"),), how=min, among=None):
    """The ok cell (in every doc; of the keys `among` when given) whose
    repetitions agree best: for each of `metrics` ((role, name) pairs) its
    worst spread over the docs (rep_spread); how=min ranks a cell by its
    tightest metric (the test needs one clear verdict), how=max by its
    loosest (it needs all)."""
    best = None
    for c in docs[0]["cells"]:
        key = key_of(c)
        if among is not None and key not in among:
            continue
        cells = []
        for d in docs:
            try:
                cells.append(find_cell(d, key))
            except KeyError:
                break
        if len(cells) < len(docs) or any(x["status"] != "ok" for x in cells):
            continue
        spreads = []
        for role, name in metrics:
            s = [rep_spread(x, role, name) for x in cells]
            if None in s:
                break
            spreads.append(max(s))
        else:
            score = how(spreads)
            if best is None or score < best[0]:
                best = (score, key)
    if best is None:
        print("FAIL: no ok cell with 3+ repetitions of %s" % (metrics,))
        sys.exit(1)
    print("tightest cell: %s (sd of log repetition medians %.3f)"
          % (cell_label(docs[0], best[1]), best[0]))
    return best[1]


def jitter_runs(doc, n, seed=2024, sd=0.02, plant=None):
    """n runs of the same cells: run i is the real one with every time
    metric (unit ns/op: figure, interval, repetitions) times one factor
    exp(N(0, sd)) (Random(seed), the run-to-run noise), and when plant =
    (key, first_run, factor) that cell's times also times factor from run
    first_run (0-based) on. Returns (docs, factors)."""
    rng = random.Random(seed)
    factors = [math.exp(rng.gauss(0, sd)) for _ in range(n)]
    docs = []
    for i, f in enumerate(factors):
        d = copy.deepcopy(doc)
        for c in d["cells"]:
            g = f
            if plant and i >= plant[1] and key_of(c) == tuple(plant[0]):
                g *= plant[2]
            names = {m["metric"] for m in c.get("metrics") or [] if m["unit"] == "ns/op"}
            scale_cell_doc(c, g, roles=cr.ROLES, names=names)
        d["started"] = "2026-01-%02dT08:00:00Z" % (i + 1)
        docs.append(d)
    return docs, factors


def write_runs(docs, parent, prefix="run"):
    paths = []
    for i, d in enumerate(docs):
        p = os.path.join(parent, "%s%02d" % (prefix, i + 1))
        os.makedirs(p)
        write_doc(p, d)
        paths.append(p)
    return paths


def check_png(path):
    """A PNG: signature, IHDR first, sane size; and not trivially small."""
    with open(path, "rb") as f:
        head = f.read(24)
    ok = (head[:8] == b"\x89PNG\r\n\x1a\n" and head[12:16] == b"IHDR")
    w, h = struct.unpack(">II", head[16:24]) if ok else (0, 0)
    itlib.check(ok and w >= 400 and h >= 300 and os.path.getsize(path) > 8000,
                "%s: a PNG of %dx%d, %d bytes" % (path, w, h, os.path.getsize(path)))


def check_svg(path):
    try:
        root = ET.parse(path).getroot()
        ok = root.tag.endswith("svg")
    except ET.ParseError:
        ok = False
    itlib.check(ok and os.path.getsize(path) > 8000,
                "%s: well-formed SVG of %d bytes" % (path, os.path.getsize(path)))


def check_images(d, stems):
    for stem in stems:
        for ext, fn in (("png", check_png), ("svg", check_svg)):
            path = os.path.join(d, "%s.%s" % (stem, ext))
            itlib.check(os.path.isfile(path), "%s exists" % path)
            if os.path.isfile(path):
                fn(path)


# ------------------------------------------------------ bad input (a test) ---

DEEP = 200000


def _bad_inputs(base, tmp):
    """(description, path) of inputs every script must refuse with exit 2."""
    cases = []

    def mk(name, text=None, from_base=False):
        d = os.path.join(tmp, name.replace(" ", "_"))
        if from_base:
            shutil.copytree(base, d)
        else:
            os.makedirs(d)
        if text is not None:
            with open(os.path.join(d, "run.json"), "w") as f:
                f.write(text)
        cases.append((name, d))

    cases.append(("missing directory", os.path.join(tmp, "nope")))
    mk("no run.json")
    mk("empty run.json", "")
    mk("not JSON", "{\"schema\": \"cowbench-run/2\", cells: [}")
    mk("foreign JSON", json.dumps([{"name": "x", "unit": "ns", "value": 1}]))
    mk("other tool", json.dumps({"benchmarks": [], "context": {}}))
    mk("nested %d deep" % DEEP, "[" * DEEP + "]" * DEEP)
    mk("nested %d deep in a run" % DEEP,
       '{"schema": "cowbench-run/2", "machine": ' + "[" * DEEP + "]" * DEEP + "}")
    mk("a 5000-digit number", '{"schema": "cowbench-run/2", "cells": [%s]}' % ("9" * 5000))
    good = read_doc(base)

    def first_metric(d):
        return d["cells"][0]["metrics"][0]
    for name, edit in (
            ("schema 1", lambda d: d.update(schema="cowbench-run/1")),
            ("schema 3", lambda d: d.update(schema="cowbench-run/3")),
            ("schema not a string", lambda d: d.update(schema={"v": 2})),
            ("cells not a list", lambda d: d.update(cells={})),
            ("no derived", lambda d: d.pop("derived")),
            ("no machine", lambda d: d.pop("machine")),
            ("no variants", lambda d: d.pop("variants")),
            ("size not a number", lambda d: d["cells"][0].update(size="4K")),
            ("no size_label", lambda d: d["cells"][0].pop("size_label")),
            ("a cell of no variant", lambda d: d["cells"][0].update(variant="x/y")),
            ("rep_medians not numbers",
             lambda d: first_metric(d).update(rep_medians=["x"])),
            ("value not an interval", lambda d: first_metric(d).update(value=3.0)),
            ("a twin of no cell",
             lambda d: d["derived"].update(twins=[{"cell": 0, "twin_cell": 99999,
                                                   "speedup": None}])),
            ("derived cells not a list", lambda d: d["derived"].update(cells=7))):
        doc = copy.deepcopy(good)
        edit(doc)
        mk(name, json.dumps(doc), from_base=True)
    text = json.dumps(good).replace('"lo": ', '"lo": NaN, "x": ', 1)
    mk("NaN in an interval", text, from_base=True)
    return cases


if __name__ == "__main__":
    cowbench, src = itlib.args()
    scripts = os.path.join(src, "scripts")
    tmp = itlib.tmpdir()
    base = real_run(cowbench, os.path.join(tmp, "base"), sizes="4K")
    for name, path in _bad_inputs(base, tmp):
        for script, extra in (("plot", []), ("compare", [base]), ("history", [base])):
            argv = [os.path.join(scripts, script)] + extra + [path]
            p = itlib.run(argv, timeout=60)
            tag = "%s on %s" % (script, name)
            itlib.check(p.returncode == 2, tag + ": exit %d, want 2 (%s)"
                        % (p.returncode, p.stderr.strip()[-200:]))
            err = p.stderr.strip().splitlines()
            itlib.check(len(err) == 1 and "error:" in err[0] and "Traceback" not in p.stderr,
                        tag + ": one clear error line, got %r" % p.stderr[-300:])
            itlib.check(not p.stdout.strip(), tag + ": nothing on stdout")
    # options out of range are bad input too
    for argv in (["compare", "--threshold", "-1", base, base],
                 ["compare", "--alpha", "2", base, base],
                 ["compare", "--metric", "op.no_such_metric", base, base],
                 ["compare", "--format", "xml", base, base],
                 ["history", "--metric", "op.no_such_metric", base],
                 ["history", "--order", "size", base],
                 ["history", "--size", "big", base],
                 ["plot", "--format", "gif", base]):
        p = itlib.run([os.path.join(scripts, argv[0])] + argv[1:], timeout=60)
        itlib.check(p.returncode == 2, "%s: exit %d, want 2" % (" ".join(argv[:3]), p.returncode))
    # a run with no measured cell cannot be drawn
    nothing = clone(base, os.path.join(tmp, "nothing"),
                    lambda d: [c.update(status="unsupported", reason="test", metrics=[])
                               for c in d["cells"]])
    p = itlib.run([os.path.join(scripts, "plot"), nothing], timeout=60)
    itlib.check(p.returncode == 2, "plot of a run without measured cells: exit %d" % p.returncode)
    # the fixture helpers themselves
    good = read_doc(base)
    run = cr.load_run(base)
    itlib.check(len(run.cell_list) == len(good["cells"]) and run.classes == ["copy"],
                "a real run loads: %d cells, classes %s" % (len(run.cell_list), run.classes))
    key = key_of(good["cells"][0])
    doc = copy.deepcopy(good)
    scale_cell(doc, key, 2.0)
    a, b = metric(find_cell(good, key), "op", "wall_ns"), metric(find_cell(doc, key), "op",
                                                                 "wall_ns")
    itlib.check(b["value"]["value"] == 2 * a["value"]["value"] and
                b["rep_medians"] == [2 * x for x in a["rep_medians"]],
                "scale_cell scales the figure and the repetition medians")
    rm = itlib.metric(find_cell(doc, key)["repetitions"][0], "op", "wall_ns")
    ra = itlib.metric(find_cell(good, key)["repetitions"][0], "op", "wall_ns")
    itlib.check(rm["samples"] == [2 * x for x in ra["samples"]] and
                rm["summary"]["median"] == 2 * ra["summary"]["median"],
                "scale_cell scales the repetitions' samples and summaries")
    itlib.done("it_scripts_fixtures")
