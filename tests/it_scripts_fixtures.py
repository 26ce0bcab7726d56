"""Fixtures for the scripts/ tests, built at run time from a real quick run,
and (run as a test) the bad-input contract of scripts/plot, compare and
history: a missing, malformed or foreign input gets a one-line error on
stderr and exit 2.

Helpers (imported by tests/it_scripts_*.py):
  real_run(cowbench, dest)       a real `cowbench run --bench copy --quick`
  clone(src, dst, edit=None)     copy a run directory, optionally editing
                                 its run.json (results.csv is rewritten
                                 from the edited document)
  scale_cell(doc, key, factor)   multiply one cell's op/producer wall and cpu
                                 samples (summaries recomputed)
  resample(doc, seed)            a new "run" of the same cells: each
                                 metric's samples bootstrap-resampled
  jitter_runs(doc, n, plant=...) a series of runs with seeded run-to-run
                                 noise and optionally a planted step
  check_images(dir, stems)       each stem.png / stem.svg exists and is valid
  add_synthetic_families(doc)    cow, notify and tlb variants derived from
                                 the copy cells (for plot coverage while
                                 those families are being written; never
                                 for published numbers)
"""
import copy
import csv
import json
import math
import os
import random
import shutil
import struct
import sys
import xml.etree.ElementTree as ET

import itlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "scripts"))
import cowbench_results as cr  # noqa: E402


def real_run(cowbench, dest, sizes="4K,64K"):
    p = itlib.run([cowbench, "run", "--bench", "copy", "--quick", "--sizes", sizes,
                   "--quiet", "--out", dest])
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
    write_csv(rdir, doc)


def write_csv(rdir, doc):
    with open(os.path.join(rdir, "results.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(cr.CSV_HEADER)
        for c in doc["cells"]:
            for m in c["metrics"]:
                s = m["summary"]
                w.writerow([c["variant"], c["class"], c["size"], c["cpus"], c["placement"],
                            m["role"], m["metric"], m["unit"]] +
                           ["" if s.get(k) is None else s[k] for k in
                            ("n", "median", "ci_lo", "ci_hi", "ci_level", "p10", "p90",
                             "min", "max", "mad")] + [c["status"], c.get("reason") or ""])


def clone(src, dst, edit=None):
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("plots"))
    if edit:
        doc = read_doc(dst)
        edit(doc)
        write_doc(dst, doc)
    return dst


def summarize(samples):
    s = sorted(samples)
    med = cr.median(s)
    ci = cr.median_ci(s)
    return {"n": len(s), "median": med,
            "ci_lo": ci[0] if ci else None, "ci_hi": ci[1] if ci else None,
            "ci_level": 0.95 if ci else None,
            "p10": cr.quantile(s, 0.1), "p90": cr.quantile(s, 0.9), "min": s[0],
            "max": s[-1], "mad": cr.median([abs(x - med) for x in s]),
            "mean": sum(s) / len(s)}


def set_samples(m, samples):
    m["samples"] = samples
    m["summary"] = summarize(samples)


def find_cell(doc, key):
    for c in doc["cells"]:
        if (c["variant"], c["size"], c["cpus"], c["placement"]) == tuple(key):
            return c
    raise KeyError(key)


TIME_KEYS = ("wall_ns", "cpu_ns")


def scale_cell(doc, key, factor, roles=("op", "producer")):
    c = find_cell(doc, key)
    for m in c["metrics"]:
        if m["role"] in roles and m["metric"] in TIME_KEYS:
            set_samples(m, [x * factor for x in m["samples"]])


def tightest_cell(doc, by="spread", metrics=(("op", "wall_ns"),)):
    """The ok cell whose noisiest metric among `metrics` ((role, name) pairs:
    pass every metric the test scales and then checks) is least noisy:
    smallest (p90-p10)/median (by="spread": samples overlap least) or CI
    width of the median / median (by="ci"), so that a 20% change is far
    outside its noise in each of them. A cell tight in one metric can be
    wide in another: the harness reads a thread's CPU time before its last
    start gate and its clock after it, so at 2 CPUs a cell has shown
    94..95 ns/op of op wall_ns beside 94..148 ns/op of op cpu_ns; a step
    of 20% in that cpu_ns is rightly within noise for history and compare."""
    best = None
    for c in doc["cells"]:
        if c["status"] != "ok":
            continue
        summ = {(m["role"], m["metric"]): m["summary"] for m in c["metrics"]}
        spreads = []
        for key in metrics:
            s = summ.get(tuple(key))
            if s is None or s["n"] < 6 or not s["median"] or \
                    (by == "ci" and s.get("ci_lo") is None):
                break
            if by == "ci":
                spreads.append((s["ci_hi"] - s["ci_lo"]) / s["median"])
            else:
                spreads.append((s["p90"] - s["p10"]) / s["median"])
        else:
            if best is None or max(spreads) < best[0]:
                best = (max(spreads), (c["variant"], c["size"], c["cpus"], c["placement"]))
    if best is None:
        print("FAIL: the quick run has no ok cell with 6+ samples of %s" % (metrics,))
        sys.exit(1)
    return best[1]


def resample(doc, seed, factor=None):
    """Another run of the same cells: every metric's samples resampled with
    replacement (Random(seed)); factor(cell) scales its time samples."""
    rng = random.Random(seed)
    out = copy.deepcopy(doc)
    for c in out["cells"]:
        f = factor(c) if factor else 1.0
        for m in c["metrics"]:
            xs = m["samples"]
            if not xs:
                continue
            new = [xs[rng.randrange(len(xs))] for _ in xs]
            if m["metric"] in TIME_KEYS or m["metric"].startswith("phase."):
                new = [x * f for x in new]
            set_samples(m, new)
    return out


def _derive(doc, src_variant, name, cls, twin, factor, phases=None, counters=None):
    """Cells for a synthetic variant: the source variant's cells with time
    samples scaled by factor(cell) and, for phases, producer phase metrics
    that split the producer's wall time."""
    cells = []
    for c in doc["cells"]:
        if c["variant"] != src_variant:
            continue
        n = copy.deepcopy(c)
        n["variant"], n["class"] = name, cls
        f = factor(n)
        for m in n["metrics"]:
            if m["metric"] in TIME_KEYS and m["samples"]:
                set_samples(m, [x * f for x in m["samples"]])
            elif counters and m["metric"] in counters and m["role"] in ("op", "bystanders"):
                v = counters[m["metric"]](n, m["role"])
                set_samples(m, [v * (1 + 0.02 * ((i % 5) - 2))
                                for i in range(len(m["samples"]))])
        if phases:
            prod = [m for m in n["metrics"]
                    if m["role"] == "producer" and m["metric"] == "wall_ns"]
            for pname, share in phases:
                if prod and prod[0]["samples"]:
                    pm = {"role": "producer", "metric": "phase.%s.wall_ns" % pname,
                          "unit": "ns/op"}
                    set_samples(pm, [x * share for x in prod[0]["samples"]])
                    n["metrics"].append(pm)
        cells.append(n)
    doc["cells"] += cells
    doc["variants"].append({"name": name, "class": cls, "desc": "synthetic test fixture",
                            "twin": twin, "consumer": True,
                            "phases": [p for p, _ in phases or []]})


def add_synthetic_families(doc):
    def kib(c):
        return c["size"] / 4096.0
    _derive(doc, "copy/write-pipe", "notify/vmsplice", "notify", "copy/write-pipe",
            lambda c: 1.4 * kib(c) ** -0.12)
    _derive(doc, "copy/send-tcp", "notify/msg-zerocopy", "notify", "copy/send-tcp",
            lambda c: 1.6 * kib(c) ** -0.10)
    _derive(doc, "copy/write-pipe", "cow/wp-pipe", "cow", "copy/write-pipe",
            lambda c: (1.1 + 0.35 * (c["cpus"] - 1)) * kib(c) ** -0.06,
            phases=[("protect", 0.2), ("fault", 0.45), ("copy", 0.3)],
            counters={"page_faults": lambda c, r: kib(c) if r == "op" else 0.0})
    for mode, per_cpu in (("busy", 850.0), ("idle", 260.0)):
        def tlb_factor(c, per_cpu=per_cpu):
            base = _median_of(doc, ("copy/memcpy", c["size"], c["cpus"], c["placement"]))
            return (400.0 + per_cpu * (c["cpus"] - 1)) * (1 + kib(c) / 64.0) / base
        _derive(doc, "copy/memcpy", "tlb/mprotect-" + mode, "primitive", None, tlb_factor)


def _median_of(doc, key):
    for m in find_cell(doc, key)["metrics"]:
        if m["role"] == "op" and m["metric"] == "wall_ns":
            return m["summary"]["median"]
    raise KeyError(key)


def jitter_runs(doc, n, seed=2024, sd=0.02, plant=None):
    """n runs of the same cells: run i is the real samples times one factor
    exp(N(0, sd)) (Random(seed), the run-to-run noise), and when plant =
    (key, first_run, factor) that cell's time samples also times factor from
    run first_run (0-based) on. Returns (docs, factors)."""
    rng = random.Random(seed)
    factors = [math.exp(rng.gauss(0, sd)) for _ in range(n)]
    docs = []
    for i, f in enumerate(factors):
        d = copy.deepcopy(doc)
        for c in d["cells"]:
            g = f
            if plant and i >= plant[1] and (c["variant"], c["size"], c["cpus"],
                                            c["placement"]) == tuple(plant[0]):
                g *= plant[2]
            for m in c["metrics"]:
                if m["samples"] and (m["metric"] in TIME_KEYS or m["metric"].startswith("phase.")):
                    set_samples(m, [x * g for x in m["samples"]])
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

def _bad_inputs(base, tmp):
    """(description, path) of inputs every script must refuse with exit 2."""
    cases = []

    def mk(name, text=None, csvtext=None, from_base=False):
        d = os.path.join(tmp, name)
        if from_base:
            shutil.copytree(base, d)
        else:
            os.makedirs(d)
        if text is not None:
            with open(os.path.join(d, "run.json"), "w") as f:
                f.write(text)
        if csvtext is not None:
            with open(os.path.join(d, "results.csv"), "w") as f:
                f.write(csvtext)
        cases.append((name, d))

    cases.append(("missing directory", os.path.join(tmp, "nope")))
    mk("no run.json")
    mk("not JSON", "{\"schema\": \"cowbench-run/1\", cells: [}")
    mk("foreign JSON", json.dumps([{"name": "x", "unit": "ns", "value": 1}]))
    mk("other tool", json.dumps({"benchmarks": [], "context": {}}))
    good = read_doc(base)
    for name, edit in (
            ("schema 2", lambda d: d.update(schema="cowbench-run/2")),
            ("cells not a list", lambda d: d.update(cells={})),
            ("size not a number", lambda d: d["cells"][0].update(size="4K")),
            ("samples not numbers", lambda d: d["cells"][0]["metrics"][0].update(samples=["x"])),
            ("no machine", lambda d: d.pop("machine"))):
        doc = copy.deepcopy(good)
        edit(doc)
        mk(name, json.dumps(doc), from_base=True)
    mk("foreign results.csv", csvtext="name,value\nx,1\n", from_base=True)
    return cases


if __name__ == "__main__":
    cowbench, src = itlib.args()
    scripts = os.path.join(src, "scripts")
    tmp = itlib.tmpdir()
    base = real_run(cowbench, os.path.join(tmp, "base"))
    good = read_doc(base)
    for name, path in _bad_inputs(base, tmp):
        for script, extra in (("plot", []), ("compare", [base]), ("history", [base])):
            argv = [os.path.join(scripts, script)] + extra + [path]
            p = itlib.run(argv, timeout=60)
            tag = "%s on %s" % (script, name)
            itlib.check(p.returncode == 2, tag + ": exit %d, want 2 (%s)"
                        % (p.returncode, p.stderr.strip()[-200:]))
            err = p.stderr.strip().splitlines()
            itlib.check(len(err) == 1 and "error:" in err[0],
                        tag + ": one clear error line, got %r" % p.stderr[-300:])
            itlib.check(not p.stdout.strip(), tag + ": nothing on stdout")
    # options out of range are bad input too
    for argv in (["compare", "--threshold", "-1", base, base],
                 ["compare", "--alpha", "2", base, base],
                 ["compare", "--metric", "op.no_such_metric", base, base],
                 ["compare", "--format", "xml", base, base],
                 ["history", "--metric", "op.no_such_metric", base],
                 ["history", "--order", "size", base],
                 ["plot", "--format", "gif", base]):
        p = itlib.run([os.path.join(scripts, argv[0])] + argv[1:], timeout=60)
        itlib.check(p.returncode == 2, "%s: exit %d, want 2" % (" ".join(argv[:3]), p.returncode))
    # a run with no measured cell cannot be drawn
    nothing = clone(base, os.path.join(tmp, "nothing"),
                    lambda d: [c.update(status="unsupported", reason="test", metrics=[])
                               for c in d["cells"]])
    p = itlib.run([os.path.join(scripts, "plot"), nothing], timeout=60)
    itlib.check(p.returncode == 2, "plot of a run without measured cells: exit %d" % p.returncode)
    # the fixture helpers themselves: a clone loads, the synthetic families validate
    syn = clone(base, os.path.join(tmp, "syn"), add_synthetic_families)
    run = cr.load_run(syn)
    itlib.check({"notify", "cow", "primitive"} <= {c.cls for c in run.cell_list},
                "synthetic families present")
    itlib.check(len(run.cell_list) == 2 * len(good["cells"]) + 2 * len(good["cells"]) // 3,
                "synthetic cell count")
    itlib.done("it_scripts_fixtures")
