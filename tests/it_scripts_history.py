# SPDX-License-Identifier: GPL-2.0-only
"""scripts/history on series made from a real quick run: ten synthetic
copies with seeded run-to-run noise (every time metric of a run times one
factor: figures, intervals, repetitions) and one cell 1.2x slower from run
7 on must show exactly one step, in that cell, at run 7; the same series
without the plant shows none; each run contributes its cell figure and
interval; a step at the newest run fails --fail-on-regression; --order git
follows the commit order; the exports are the JSON that
github-action-benchmark (customSmallerIsBetter) and Bencher (BMF) read; the
figures are valid PNG and SVG."""
import json
import os
import shutil
import subprocess

import itlib
import it_scripts_fixtures as fx

cr = fx.cr
cowbench, src = itlib.args()
history = os.path.join(src, "scripts", "history")
tmp = itlib.tmpdir()
base = fx.real_run(cowbench, os.path.join(tmp, "base"), repetitions=5)
doc = fx.read_doc(base)
# planted in every time metric; checked in op wall_ns and op cpu_ns, so the
# cell must be steady in both
target = fx.tightest_cell([doc], metrics=(("op", "wall_ns"), ("op", "cpu_ns")), how=max)
label = fx.cell_label(doc, target)
N, FIRST = 10, 6                    # the step starts at run 7 (index 6)

docs, factors = fx.jitter_runs(doc, N)
itlib.check(cr.detect_steps(factors) == [], "precondition: the seeded noise has no step")
flat = fx.write_runs(docs, os.path.join(tmp, "flat"))
docs, _ = fx.jitter_runs(doc, N, plant=(target, FIRST, 1.2))
planted = fx.write_runs(docs, os.path.join(tmp, "planted"))


def hist(runs, *opts):
    return itlib.run([history] + list(opts) + runs, timeout=120)


def report(p):
    try:
        return json.loads(p.stdout)
    except ValueError:
        itlib.check(False, "history --format json printed JSON: %r / %r"
                    % (p.stdout[:200], p.stderr[-300:]))
        return {"series": [], "runs": []}


def steps(rep):
    return [((s["variant"], s["size"], s["cpus"], s["placement"]), s["metric"], st["run_index"])
            for s in rep["series"] for st in s["steps"]]


# the planted step, found at the right run and nowhere else
plots = os.path.join(tmp, "plots")
exports = os.path.join(tmp, "exports")
have_gnuplot = cr.gnuplot_path() is not None
opts = ["--format", "json", "--export", exports]
opts += ["--out", plots] if have_gnuplot else ["--no-plot"]
p = hist(planted[::-1], *opts)            # given in any order: sorted by start time
itlib.check(p.returncode == 0, "history exit %d: %s" % (p.returncode, p.stderr[-300:]))
rep = report(p)
itlib.check([r["index"] for r in rep["runs"]] == list(range(1, N + 1)) and
            [r["name"] for r in rep["runs"]] == ["run%02d" % i for i in range(1, N + 1)],
            "runs ordered by start time")
itlib.check(steps(rep) == [(target, "wall_ns", FIRST + 1)],
            "exactly one step, in %s at run %d: got %s" % (label, FIRST + 1, steps(rep)))
st = [s for s in rep["series"] if s["steps"]]
if st:
    itlib.check(abs(st[0]["steps"][0]["change_pct"] - 20.0) < 3.0,
                "the step is about +20%%: %.1f" % st[0]["steps"][0]["change_pct"])
itlib.check(len(rep["series"]) == len([c for c in doc["cells"] if c["status"] == "ok"]),
            "a series per cell")
# each run's point is the cell figure and its interval, as run.json has them
docs_by_name = {os.path.basename(p_): fx.read_doc(p_) for p_ in planted}
ok = True
for srs in rep["series"]:
    key = (srs["variant"], srs["size"], srs["cpus"], srs["placement"])
    for r, v, lo, hi in zip(rep["runs"], srs["value"], srs["lo"], srs["hi"]):
        fig = fx.metric(fx.find_cell(docs_by_name[r["name"]], key), "op", "wall_ns")["value"]
        ok &= (v, lo, hi) == (fig["value"], fig["lo"], fig["hi"])
itlib.check(ok, "every point is the run's cell figure with its interval")

# the text report names it
p = hist(planted, "--no-plot")
itlib.check("at run %d (run%02d" % (FIRST + 1, FIRST + 1) in p.stdout and "1 step in" in p.stdout,
            "text report names the step: %s" % p.stdout[-400:])

# the same noise without the plant: no step
rep = report(hist(flat, "--format", "json", "--no-plot"))
itlib.check(steps(rep) == [], "no step in the unplanted series: %s" % steps(rep))

# other metrics follow the same rule: cpu_ns was scaled as well
rep = report(hist(planted, "--format", "json", "--no-plot", "--metric", "op.cpu_ns",
                  "--metric", "page_faults"))
itlib.check(steps(rep) == [(target, "cpu_ns", FIRST + 1)], "cpu_ns step: %s" % steps(rep))

# a step at the newest run: --fail-on-regression exits 1
docs, _ = fx.jitter_runs(doc, N, plant=(target, N - 1, 1.5))
newest = fx.write_runs(docs, os.path.join(tmp, "newest"))
p = hist(newest, "--no-plot", "--fail-on-regression")
itlib.check(p.returncode == 1, "regression at the newest run: exit %d" % p.returncode)
p = hist(planted, "--no-plot", "--fail-on-regression")
itlib.check(p.returncode == 0, "an older step does not fail CI: exit %d" % p.returncode)

# exports: github-action-benchmark customSmallerIsBetter and Bencher BMF
for i in range(1, N + 1):
    for suffix in ("github-action-benchmark.json", "bmf.json"):
        itlib.check(os.path.isfile(os.path.join(exports, "%02d-run%02d.%s" % (i, i, suffix))),
                    "export of run %d: %s" % (i, suffix))
with open(os.path.join(exports, "latest.github-action-benchmark.json")) as f:
    gab = json.load(f)
itlib.check(isinstance(gab, list) and gab, "customSmallerIsBetter: a JSON array")
itlib.check(all(isinstance(e.get("name"), str) and isinstance(e.get("unit"), str) and
                isinstance(e.get("value"), (int, float)) and
                isinstance(e.get("range", ""), str) and isinstance(e.get("extra", ""), str)
                for e in gab), "entries have name, unit, numeric value, string range/extra")
itlib.check(len({e["name"] for e in gab}) == len(gab), "benchmark names are unique")
mine = [e for e in gab if e["name"].startswith(label + " op.wall_ns")]
latest_doc = fx.read_doc(planted[-1])
want = fx.metric(fx.find_cell(latest_doc, target), "op", "wall_ns")["value"]["value"]
itlib.check(len(mine) == 1 and abs(mine[0]["value"] - want) < 1e-6 * want,
            "latest export holds the newest run's median")
with open(os.path.join(exports, "latest.bmf.json")) as f:
    bmf = json.load(f)
itlib.check(isinstance(bmf, dict) and bmf, "BMF: an object of benchmarks")
ok = True
for bench, measures in bmf.items():
    for name, m in measures.items():
        v = m.get("value")
        lo, hi = m.get("lower_value", v), m.get("upper_value", v)
        ok &= isinstance(v, (int, float)) and lo <= v <= hi and len(name) <= 64
itlib.check(ok, "BMF measures: value within [lower_value, upper_value], slugs <= 64 chars")
itlib.check(all("latency" in m for m in bmf.values()), "op wall_ns is Bencher's latency")

# figures
if have_gnuplot:
    fx.check_images(plots, ["history-op.wall_ns"])
    p = hist(planted, "--no-plot", "--absolute", "--out", plots)
    p = hist(planted, "--absolute", "--out", os.path.join(tmp, "abs"))
    itlib.check(p.returncode == 0, "--absolute figure: exit %d %s" % (p.returncode, p.stderr))
    fx.check_images(os.path.join(tmp, "abs"), ["history-op.wall_ns"])
else:
    print("gnuplot not found: figures not checked (apt-get install gnuplot-nox)")

# --order git: the commit order of the source tree, whatever the start times
commits = []
if shutil.which("git"):
    g = subprocess.run(["git", "-C", src, "rev-list", "--reverse", "--topo-order", "--all"],
                       capture_output=True, text=True)
    commits = g.stdout.split() if g.returncode == 0 else []
if len(commits) >= 2:
    docs, _ = fx.jitter_runs(doc, 4)
    for d, rev in zip(docs, [commits[-1], commits[0], commits[-1][:12] + "-dirty", commits[0]]):
        d["tool"]["git_rev"] = rev[:12] if len(rev) == 40 else rev
    runs = fx.write_runs(docs, os.path.join(tmp, "git"))
    rep = report(hist(runs, "--order", "git", "--repo", src, "--format", "json", "--no-plot"))
    itlib.check([r["name"] for r in rep["runs"]] == ["run02", "run04", "run01", "run03"],
                "--order git: older commit first, then time: %s"
                % [r["name"] for r in rep["runs"]])
    docs[0]["tool"]["git_rev"] = "0123456789ab"
    bad = fx.write_runs(docs[:1], os.path.join(tmp, "badrev"))
    p = hist(bad, "--order", "git", "--repo", src, "--no-plot")
    itlib.check(p.returncode == 2 and "not in the history" in p.stderr,
                "--order git with an unknown revision: exit 2")
else:
    print("not a git checkout with 2+ commits: --order git not checked")
itlib.done("it_scripts_history")
