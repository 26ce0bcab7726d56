# SPDX-License-Identifier: GPL-2.0-only
"""Known effects, recovered blind by scripts/compare (issue 12). Invariants
only: no timing is asserted; the measured numbers are printed.

THP off vs on in one run: tlb/madvise-idle and tlb/munmap-idle at 4M, one
CPU, --thp never,always, 3 repetitions, --quick. A 4 MiB buffer is 1024
base pages or 2 huge pages, so the producer takes 1024 page faults per
operation without THP and 2 with it, at every repetition: `compare RUN RUN
--base-thp never --new-thp always --metric producer.page_faults` marks both
rows improved and exits 0, and the other way round both regressed, exit 1.
Without the options the run against itself pairs THP cells with THP cells
(every row 0%, nothing marked); one of the two options alone means that
THP on both sides. Skipped (77, with the reason) when the THP cells are
unsupported here (no huge pages) or page faults are not counted.

A/A: two identical quick runs of copy/memcpy and copy/write-pipe (64K and
4M: memcpy at 4M also with THP), 3 repetitions, the default metrics. A
noisy shared machine can make a real difference between two runs, so the
test does not ask for zero marks; it asks that compare's marks follow from
its own numbers, recomputed from its JSON: a report for every pair of ok
cells and metric and no other; Holm's adjustment of the raw p-values; the
change from the two runs' cell figures; the ratio CI around the ratio of the
geometric means of the repetitions; a mark exactly where adjusted p < alpha,
the CI excludes 1 on the side of the change and |change| > the threshold;
the counts and the exit status. It prints how many rows were marked. THP
compared across the two runs pairs memcpy 4M with its THP cell and counts
the other cells as not paired."""
import json
import math
import os
import statistics

import itlib

cowbench, src = itlib.args()
compare = os.path.join(src, "scripts", "compare")
tmp = itlib.tmpdir()
ALPHA, THRESHOLD = 0.05, 5.0
MARKED = ("regressed", "improved")


def cmp(a, b, *opts):
    return itlib.run([compare] + list(opts) + [a, b], timeout=120)


def report(p, what):
    try:
        return json.loads(p.stdout)
    except ValueError:
        itlib.check(False, "%s: compare --format json printed JSON: %r %r"
                    % (what, p.stdout[:200], p.stderr[-300:]))
        return {"rows": [], "summary": {}, "only_in_base": [], "only_in_new": []}


def sweep(name, args):
    p, out, doc = itlib.sweep(cowbench, args + ["--repetitions", "3", "--quick"],
                              out=os.path.join(tmp, name))
    if doc is None:
        itlib.check(False, "%s: cowbench run wrote no run.json (exit %d): %s"
                    % (name, p.returncode, p.stderr.strip()[-400:]))
        itlib.done("it_scripts_known_effects")
    itlib.check(p.returncode == 0, "%s: cowbench run exit %d: %s"
                % (name, p.returncode, p.stderr.strip()[-400:]))
    return out, doc


def wide(text, what):
    over = [ln for ln in text.splitlines() if len(ln) > 80]
    itlib.check(not over, "%s: text lines over 80 columns: %r" % (what, over[:3]))


def num(x):
    return "-" if x is None else "%.4g" % x


def show(rows):
    for r in rows:
        ci = r["ratio_ci95"]
        print("  %s %s cpus=%d %s %s.%s (THP %s -> %s): %s -> %s, %s%%, ratio CI %s, "
              "p adj %s: %s" % (r["variant"], r["size_label"], r["cpus"], r["placement"],
                                r["role"], r["metric"], r["thp_base"], r["thp_new"],
                                num(r["base_value"]), num(r["new_value"]),
                                num(r["change_pct"]), "%s-%s" % (num(ci[0]), num(ci[1]))
                                if ci else "-", num(r["p_adjusted"]), r["mark"]))


# ------------------------------------------------- THP off vs on, one run ---

run, doc = sweep("thp", ["--variant", "tlb/madvise-idle,tlb/munmap-idle", "--sizes", "4M",
                         "--cpus", "1", "--thp", "never,always"])
thp_cells = [c for c in doc["cells"] if c["thp"] == "always"]
itlib.check(len(thp_cells) == 2 and len(doc["cells"]) == 4,
            "4 cells, 2 of them THP: %s" % [(itlib.tag(c), c["thp"]) for c in doc["cells"]])
unsupported = [c for c in doc["cells"] if c["status"] == "unsupported"]
if unsupported and not itlib.failures:
    itlib.skip("%s: unsupported here: %s" % (itlib.tag(unsupported[0]), unsupported[0]["reason"]))
if not itlib.available(doc, "page_faults") and not itlib.failures:
    itlib.skip("page faults are not counted here: %s"
               % itlib.counters(doc).get("page_faults", {}).get("reason"))

FAULTS = ("--metric", "producer.page_faults")
p = cmp(run, run, "--base-thp", "never", "--new-thp", "always", "--format", "json", *FAULTS)
j = report(p, "THP never -> always")
print("THP never -> always, producer page faults per operation (exit %d):" % p.returncode)
show(j["rows"])
itlib.check(p.returncode == 0, "THP never -> always: exit %d, want 0 (%s)"
            % (p.returncode, p.stderr.strip()))
itlib.check(j.get("thp") == {"base": "never", "new": "always"}, "JSON names the THP "
            "compared: %s" % j.get("thp"))
itlib.check(sorted(r["variant"] for r in j["rows"]) == ["tlb/madvise-idle", "tlb/munmap-idle"],
            "one row per variant: %s" % [r["variant"] for r in j["rows"]])
for r in j["rows"]:
    itlib.check(r["mark"] == "improved" and r["change_pct"] < 0 and
                (r["thp_base"], r["thp_new"]) == ("never", "always") and
                (r["n_base"], r["n_new"]) == (3, 3),
                "%s 4M: fewer faults with THP, improved: %s" % (r["variant"], r))
itlib.check(j["summary"].get("regressed") == 0 and j["summary"].get("improved") == 2,
            "nothing regressed, 2 improved: %s" % j["summary"])
itlib.check(j["only_in_base"] == [] and j["only_in_new"] == [], "every cell paired")
p = cmp(run, run, "--base-thp", "never", "--new-thp", "always", *FAULTS)
marks = [ln for ln in p.stdout.splitlines() if ln.endswith(" improved")]
itlib.check(p.returncode == 0 and p.stdout.count("(compact, THP never -> always)") == 2 and
            len(marks) == 2, "text: 2 rows improved under '(compact, THP never -> always)' "
            "headings (exit %d):\n%s" % (p.returncode, p.stdout))
wide(p.stdout, "THP never -> always")
p = cmp(run, run, "--base-thp", "never", "--new-thp", "always", "--format", "markdown", *FAULTS)
itlib.check(p.returncode == 0 and p.stdout.count("| improved |") == 2,
            "markdown: 2 rows improved (exit %d)" % p.returncode)

p = cmp(run, run, "--base-thp", "always", "--new-thp", "never", "--format", "json", *FAULTS)
j = report(p, "THP always -> never")
itlib.check(p.returncode == 1 and [r["mark"] for r in j["rows"]] == ["regressed"] * 2,
            "THP always -> never: both regressed, exit %d: %s"
            % (p.returncode, [r["mark"] for r in j["rows"]]))
p = cmp(run, run, "--base-thp", "always", "--new-thp", "never", *FAULTS)
wide(p.stdout, "THP always -> never")

# THP on vs on (one option alone) and the default: THP cells pair with THP cells
for opts, want in ((("--base-thp", "never"), ["compact"] * 2),
                   (("--new-thp", "always"), ["compact+thp"] * 2),
                   ((), ["compact"] * 2 + ["compact+thp"] * 2)):
    p = cmp(run, run, "--format", "json", *(opts + FAULTS))
    j = report(p, "%s" % (opts,))
    got = sorted(r["placement"] for r in j["rows"])
    itlib.check(p.returncode == 0 and got == sorted(want) and
                all(r["change_pct"] == 0 and r["mark"] == "within noise" and
                    r["thp_base"] == r["thp_new"] for r in j["rows"]),
                "%s: the run against itself, %s, every row 0%% (exit %d): %s"
                % (" ".join(opts) or "no THP option", want, p.returncode, got))

# op wall time too: printed, not asserted (a timing)
p = cmp(run, run, "--base-thp", "never", "--new-thp", "always", "--format", "json",
        "--metric", "op.wall_ns")
print("THP never -> always, op wall time (printed only, exit %d):" % p.returncode)
show(report(p, "wall time")["rows"])


# ------------------------------------------------------------------ A/A ---

def holm(ps):
    """Holm-Bonferroni, written out again here: None stays None."""
    idx = sorted((i for i, p in enumerate(ps) if p is not None), key=lambda i: ps[i])
    out, top = [None] * len(ps), 0.0
    for rank, i in enumerate(idx):
        top = max(top, min(1.0, (len(idx) - rank) * ps[i]))
        out[i] = top
    return out


def want_mark(r):
    """The mark compare's own rule gives this row's numbers."""
    if min(r["n_base"], r["n_new"]) < 3 or r["p_value"] is None:
        return "inconclusive"
    if r["p_adjusted"] >= ALPHA:
        return "within noise"
    ci, ch = r["ratio_ci95"], r["change_pct"]
    if r["base_value"] == 0 and r["new_value"] > 0:
        return "regressed" if ci is None or ci[0] > 1 else "within noise"
    if ch is not None and ch > THRESHOLD and (ci is None or ci[0] > 1):
        return "regressed"
    if ch is not None and ch < -THRESHOLD and (ci is None or ci[1] < 1):
        return "improved"
    return "within noise"


def cells_by_key(d):
    return {(c["variant"], c["size"], c["cpus"],
             c["placement"] + ("+thp" if c["thp"] == "always" else "")): c for c in d["cells"]}


AA = ["--variant", "copy/memcpy,copy/write-pipe", "--sizes", "64K,4M", "--cpus", "1"]
a, adoc = sweep("aa-a", AA)
b, bdoc = sweep("aa-b", AA)
p = cmp(a, b, "--format", "json")
j = report(p, "A/A")
rows = j["rows"]
ca, cb = cells_by_key(adoc), cells_by_key(bdoc)
want = set()
for k in ca.keys() & cb.keys():
    if ca[k]["status"] == "ok" and cb[k]["status"] == "ok":
        for m in ("wall_ns", "cpu_ns"):
            if itlib.metric(ca[k], "op", m) and itlib.metric(cb[k], "op", m):
                want.add(k + (m,))
got = [(r["variant"], r["size"], r["cpus"], r["placement"], r["metric"]) for r in rows]
itlib.check(len(want) >= 8 and sorted(got) == sorted(want),
            "A/A: one report per pair of ok cells and metric (%d), no other: %d rows, "
            "missing %s, extra %s" % (len(want), len(got), sorted(want - set(got)),
                                      sorted(set(got) - want)))
itlib.check(any(k[3].endswith("+thp") for k in want), "A/A: THP cells among the pairs")
adj = holm([r["p_value"] for r in rows])
itlib.check(all((x is None) == (y is None) and (x is None or abs(x - y) < 1e-12)
                for x, y in zip([r["p_adjusted"] for r in rows], adj)),
            "A/A: p adj is Holm's adjustment of the raw p over the report")
for r in rows:
    k = (r["variant"], r["size"], r["cpus"], r["placement"])
    ma, mb = itlib.metric(ca[k], "op", r["metric"]), itlib.metric(cb[k], "op", r["metric"])
    tag = "A/A %s %s %s" % (r["variant"], r["size_label"], r["metric"])
    fa, fb = ma["value"]["value"], mb["value"]["value"]
    itlib.check(r["base_value"] == fa and r["new_value"] == fb and
                abs(r["change_pct"] - 100.0 * (fb / fa - 1.0)) < 1e-9,
                "%s: change is new/base - 1 of the cell figures" % tag)
    ra = [x for x in ma["rep_medians"] if x is not None]
    rb = [x for x in mb["rep_medians"] if x is not None]
    itlib.check((r["n_base"], r["n_new"]) == (len(ra), len(rb)), "%s: reps" % tag)
    if r["ratio_ci95"] and r["scale"] == "log":
        g = math.exp(statistics.fmean(map(math.log, rb)) - statistics.fmean(map(math.log, ra)))
        lo, hi = r["ratio_ci95"]
        itlib.check(lo <= g * (1 + 1e-9) and g <= hi * (1 + 1e-9),
                    "%s: the ratio CI [%g, %g] holds the ratio of geometric means %g"
                    % (tag, lo, hi, g))
    itlib.check(r["p_value"] is None or r["p_adjusted"] >= r["p_value"] - 1e-15,
                "%s: adjusted p >= raw p" % tag)
    itlib.check(r["mark"] == want_mark(r), "%s: mark %r, its numbers give %r (p adj %s, "
                "CI %s, change %s%%)" % (tag, r["mark"], want_mark(r), r["p_adjusted"],
                                         r["ratio_ci95"], r["change_pct"]))
counts = {m: sum(r["mark"] == m for r in rows) for m in MARKED + ("within noise",
                                                                  "inconclusive")}
s = j["summary"]
itlib.check((s.get("regressed"), s.get("improved"), s.get("within_noise"),
             s.get("inconclusive")) == (counts["regressed"], counts["improved"],
                                        counts["within noise"], counts["inconclusive"]),
            "A/A: the summary counts the marks: %s vs %s" % (s, counts))
itlib.check(p.returncode == (1 if counts["regressed"] else 0),
            "A/A: exit %d with %d regressed" % (p.returncode, counts["regressed"]))
print("A/A: %d of %d rows marked (%d regressed, %d improved; Holm over %d tests, "
      "alpha %g, threshold %g%%)" % (counts["regressed"] + counts["improved"], len(rows),
                                      counts["regressed"], counts["improved"],
                                      sum(r["p_value"] is not None for r in rows),
                                      ALPHA, THRESHOLD))
show([r for r in rows if r["mark"] in MARKED])
p = cmp(a, b)
wide(p.stdout, "A/A")

# THP compared across the two runs: memcpy 4M with its THP cell, the rest not paired
p = cmp(a, b, "--base-thp", "never", "--new-thp", "always", "--format", "json")
j = report(p, "A/A THP")
thp_keys = {k[:3] for k in cb if k[3].endswith("+thp") and cb[k]["status"] == "ok"}
itlib.check(p.returncode in (0, 1) and
            {(r["variant"], r["size"], r["cpus"]) for r in j["rows"]} == thp_keys and
            all(r["thp_base"] == "never" and r["thp_new"] == "always" for r in j["rows"]),
            "A/A never -> always: the rows are the THP cells %s: %s (exit %d, %s)"
            % (sorted(thp_keys), [(r["variant"], r["size_label"]) for r in j["rows"]],
               p.returncode, p.stderr.strip()))
lonely = [k for k, c in ca.items() if c["thp"] == "never" and k[:3] not in thp_keys]
itlib.check(len(j["only_in_base"]) == len(lonely) and not j["only_in_new"],
            "A/A never -> always: %d base cells not paired, listed in JSON: %s"
            % (len(lonely), j["only_in_base"]))
print("A/A THP never -> always (printed only):")
show(j["rows"])
p = cmp(a, b, "--base-thp", "never", "--new-thp", "always")
itlib.check("Not paired: %d cells of base with THP never, 0 of new" % len(lonely)
            in " ".join(p.stdout.split()),
            "A/A never -> always: the footer counts the cells not paired")
wide(p.stdout, "A/A THP")
itlib.finish("it_scripts_known_effects", tmp)
