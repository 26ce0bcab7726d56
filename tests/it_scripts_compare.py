"""scripts/compare on fixtures made from a real quick run: an unchanged copy
exits 0 with nothing marked; scaling one cell's raw samples by 1.2 marks
exactly that cell regressed and exits 1 (by 1/1.2: improved, exit 0); the
threshold decides what counts; the text fits 80 columns, states the
direction and the seed, heads with both fingerprints and warns when the
machines differ; markdown and JSON carry the same verdicts; the output is
the same at every run (fixed seed); a cell that fails in the new run is a
regression."""
import json
import os

import itlib
import it_scripts_fixtures as fx

cowbench, src = itlib.args()
compare = os.path.join(src, "scripts", "compare")
tmp = itlib.tmpdir()
base = fx.real_run(cowbench, os.path.join(tmp, "base"))
doc = fx.read_doc(base)
# scaled in op and producer time; checked in these three metrics
target = fx.tightest_cell(doc, metrics=(("op", "wall_ns"), ("op", "cpu_ns"),
                                       ("producer", "wall_ns")))
label = "%s %s cpus=%d %s" % (target[0], fx.cr.fmt_size(target[1]), target[2], target[3])
print("scaled cell:", label)

same = fx.clone(base, os.path.join(tmp, "same"))
slower = fx.clone(base, os.path.join(tmp, "slower"), lambda d: fx.scale_cell(d, target, 1.2))
faster = fx.clone(base, os.path.join(tmp, "faster"), lambda d: fx.scale_cell(d, target, 1 / 1.2))


def cmp(a, b, *opts):
    return itlib.run([compare] + list(opts) + [a, b], timeout=120)


def rows(p):
    try:
        return json.loads(p.stdout)
    except ValueError:
        itlib.check(False, "compare --format json printed JSON: %r" % p.stdout[:200])
        return {"rows": [], "summary": {}}


def marked(doc_, mark):
    return sorted({(r["variant"], r["size"], r["cpus"], r["placement"])
                   for r in doc_["rows"] if r["mark"] == mark})


# unchanged copy: exit 0, nothing marked
p = cmp(base, same)
itlib.check(p.returncode == 0, "unchanged copy: exit %d (%s)" % (p.returncode, p.stderr))
itlib.check(not [ln for ln in p.stdout.splitlines()
                 if ln.rstrip().endswith(("regressed", "improved"))],
            "unchanged copy: no row marked")
itlib.check("0 regressed, 0 improved" in p.stdout, "unchanged copy: summary line")
j = rows(cmp(base, same, "--format", "json"))
itlib.check(j["summary"].get("regressed") == 0 and j["summary"].get("improved") == 0,
            "unchanged copy json: nothing marked")
itlib.check(all(r["mark"] == "within noise" and r["change_pct"] == 0 and r["p_value"] == 1.0
                for r in j["rows"]), "unchanged copy json: every row 0%, p = 1, within noise")
ncells = len([c for c in doc["cells"] if c["status"] == "ok"])
itlib.check(len(j["rows"]) == 2 * ncells, "one row per cell and headline metric (%d)"
            % len(j["rows"]))

# one cell 20% slower: exactly that cell regressed, exit 1
p = cmp(base, slower)
itlib.check(p.returncode == 1, "one cell 1.2x slower: exit %d, want 1" % p.returncode)
text = p.stdout
j = rows(cmp(base, slower, "--format", "json"))
itlib.check(marked(j, "regressed") == [target], "exactly the scaled cell regressed: %s"
            % marked(j, "regressed"))
itlib.check(marked(j, "improved") == [], "nothing improved")
reg = [r for r in j["rows"] if r["mark"] == "regressed"]
itlib.check(sorted(r["metric"] for r in reg) == ["cpu_ns", "wall_ns"],
            "both headline metrics of the cell regressed")
for r in reg:
    itlib.check(abs(r["change_pct"] - 20.0) < 1e-6, "change is +20%%: %s" % r["change_pct"])
    lo, hi = r["ratio_ci95"]
    itlib.check(lo <= 1.2 <= hi and lo > 1.0, "ratio CI [%g, %g] holds 1.2, not 1" % (lo, hi))
    itlib.check(r["p_value"] < 0.05, "p %.4f < alpha" % r["p_value"])

# the text report, ready for an email
for line in text.splitlines():
    itlib.check(len(line) <= 80, "text line over 80 columns: %r" % line)
itlib.check("[ns/op, lower is better]" in text, "text states the direction")
itlib.check("seed 1" in text, "text prints the bootstrap seed")
fp = fx.cr.fingerprint(fx.cr.load_run(base))
itlib.check(text.count(fp) == 2, "text heads with both machines' fingerprints")
itlib.check("WARNING" not in text, "no machine warning for the same machine")
reg_lines = [ln for ln in text.splitlines() if ln.rstrip().endswith("regressed")]
itlib.check(len(reg_lines) == 2 and all("*+20.00%*" in ln for ln in reg_lines),
            "two regressed rows, change starred: %s" % reg_lines)
itlib.check("1 regressed" in text or "2 regressed" in text, "summary counts the regression")

# 20% faster: improved, exit 0
p = cmp(base, faster)
j = rows(cmp(base, faster, "--format", "json"))
itlib.check(p.returncode == 0, "one cell faster: exit %d, want 0" % p.returncode)
itlib.check(marked(j, "improved") == [target] and not marked(j, "regressed"),
            "the faster cell is marked improved")

# the threshold decides what counts; --metric picks others
p = cmp(base, slower, "--threshold", "25")
itlib.check(p.returncode == 0, "20%% change under a 25%% threshold: exit %d" % p.returncode)
j = rows(cmp(base, slower, "--format", "json", "--metric", "producer.wall_ns"))
itlib.check(j["metrics"] == ["producer.wall_ns"] and marked(j, "regressed") == [target],
            "--metric producer.wall_ns compares that metric")
j = rows(cmp(base, slower, "--format", "json", "--metric", "page_faults"))
itlib.check(j["summary"].get("regressed") == 0, "page faults did not change")

# fixed seed: the same output every time; another seed changes the CIs
a, b = cmp(base, slower, "--format", "json").stdout, cmp(base, slower, "--format", "json").stdout
itlib.check(a == b, "same output at every run")
c = cmp(base, slower, "--format", "json", "--seed", "7").stdout
itlib.check(c != a, "--seed changes the bootstrap")

# markdown
p = cmp(base, slower, "--format", "markdown")
itlib.check(p.returncode == 1, "markdown: exit 1")
itlib.check("| variant | placement | size | cpus | base | new | change |" in p.stdout,
            "markdown table header")
itlib.check(p.stdout.count("**regressed**") == 2, "markdown marks the two regressed rows")

# another machine: a warning in the header
other = fx.clone(base, os.path.join(tmp, "other"),
                 lambda d: d["machine"]["kernel"].update(release="6.1.0-99-amd64"))
p = cmp(base, other)
itlib.check("WARNING: the machines differ (kernel)" in p.stdout, "warns when kernels differ")
itlib.check(p.returncode == 0, "only the machine differs: nothing regressed")

# a cell that fails in the new run is a regression
def fail_one(d):
    c = fx.find_cell(d, target)
    c.update(status="failed", reason="verification: byte 7 differs", metrics=[])


broken = fx.clone(base, os.path.join(tmp, "broken"), fail_one)
p = cmp(base, broken)
itlib.check(p.returncode == 1 and "failed in new" in p.stdout,
            "a failed cell: exit %d, noted" % p.returncode)

# cells present in only one run are listed, not compared
fewer = fx.clone(base, os.path.join(tmp, "fewer"),
                 lambda d: d.update(cells=[c for c in d["cells"] if c["variant"] != target[0]]))
p = cmp(base, fewer)
itlib.check(p.returncode == 0 and "Only in base:" in p.stdout, "cells only in base are listed")
itlib.done("it_scripts_compare")
