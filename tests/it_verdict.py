# SPDX-License-Identifier: GPL-2.0-only
"""The verdict: a quick sweep of every strategy. summary.txt starts with
the run's header, its caveats and the verdict; its first screen (up to the
line "More: ...") fits 40 lines of 80 columns; every number the verdict
and the 2006 inequality print is one run.json holds (derived.verdict,
derived.model.inequality), to the 3 significant figures printed; the
caveats are run.json's, and on a VM without a PMU they say so; details.txt
holds the tables the first screen leaves out. Nothing here is a timing:
which strategy wins is the machine's business, only that the answer is
stated, consistent and traceable."""
import json
import math
import os
import re

import itlib

cowbench, src = itlib.args()
p, out, doc = itlib.sweep(cowbench, ["--quick"], timeout=290)
itlib.check(p.returncode in (0, 1), "exit code %d, stderr: %s" % (p.returncode, p.stderr))
if doc is None:
    itlib.done("it_verdict")
summary = open(os.path.join(out, "summary.txt")).read()
lines = summary.splitlines()
end = next((i for i, l in enumerate(lines) if l.startswith("More: ")), None)
itlib.check(end is not None, "the first screen ends with its More: line")
first = lines[:(end or 0) + 1]
itlib.check(len(first) <= 40, "first screen: %d lines, at most 40" % len(first))
itlib.check(all(len(l) <= 80 for l in first), "first screen over 80 columns: %s"
            % [l for l in first if len(l) > 80])
itlib.check(lines[0].startswith("cowbench run "), "the header comes first: %r" % lines[0])
order = [next((i for i, l in enumerate(first) if l.startswith(h)), None)
         for h in ("Caveats:", "Verdict:", "The 2006 inequality")]
itlib.check(None not in order and order == sorted(order),
            "caveats, then the verdict, then the inequality: %s" % order)

verdict = doc["derived"]["verdict"]
model = doc["derived"]["model"]
itlib.check(verdict["rows"], "derived.verdict has rows")

# the caveats: run.json's, and the ones this machine must have
text = " ".join(" ".join(first).split())
for c in verdict["caveats"]:
    itlib.check(" ".join(c.split()) in text, "caveat shown: %r" % c)
if doc["machine"]["cpu"].get("hypervisor"):
    itlib.check(any("guest" in c for c in verdict["caveats"]), "a VM is a caveat")
if not any(c["available"] for c in doc["counters"]
           if c["key"] in ("cycles", "instructions")):
    itlib.check(any("PMU" in c for c in verdict["caveats"]), "no PMU is a caveat")


def sig3(x):
    """As the C side prints a count: 3 significant figures (4 from 1000)."""
    if x == 0 or not math.isfinite(x):
        return x
    digits = 3 if abs(x) < 1000 else 4
    return round(x, digits - 1 - int(math.floor(math.log10(abs(x)))))


def close(shown, value, rel=0.006):
    return value is not None and abs(shown - value) <= rel * abs(value) + 1e-9


# every "Nx" of the verdict is a row's factor
factors = [r["factor"] for r in verdict["rows"]]
shares = [r["loser_term_share"] for r in verdict["rows"] if r["loser_term_share"] is not None]
vstart = next(i for i, l in enumerate(first) if l.startswith("Verdict:"))
istart = next(i for i, l in enumerate(first) if l.startswith("The 2006 inequality"))
for l in first[vstart + 2:istart]:
    for m in re.finditer(r"(\d+(?:\.\d+)?)(k?)x", l):
        v = float(m.group(1)) * (1000 if m.group(2) else 1)
        itlib.check(any(close(v, sig3(f), 0.006 + (0.001 if m.group(2) else 0)) for f in factors),
                    "verdict factor %s in run.json: %s" % (m.group(0), l.strip()))
    for m in re.finditer(r"(\d+(?:\.\d+)?)%", l):
        v = float(m.group(1)) / 100
        itlib.check(any(abs(v - s) <= 0.006 + 0.01 * s for s in shares),
                    "verdict share %s in run.json: %s" % (m.group(0), l.strip()))
rows_shown = sum(1 for l in first[vstart:istart] if re.match(r"^ {0,4}\d* +(VM games|zero copy) ", l))
itlib.check(rows_shown >= 1, "the verdict has rows")

UNIT = {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}
ineq = {x["cpus"]: x for x in model["inequality"]}
for l in first[istart:end]:
    m = re.match(r"^ *(\d+) +(\S+) (ns|us|ms|s) +(\S+) (ns|us|ms|s) +(\S+)x +(\S+) (ns|us|ms|s)"
                 r" +(\S+) (ns|us|ms|s) +(\S+) (ns|us|ms|s)$", l)
    if not m:
        continue
    x = ineq.get(int(m.group(1)))
    itlib.check(x is not None and not x["extrapolated"], "inequality row %s measured" % m.group(1))
    if not x:
        continue
    pairs = [("cow_side_ns", 2), ("copy_side_ns", 4), ("copy_ns_per_page", 7),
             ("fault_ns_per_page", 9), ("pt_update_ns", 11)]
    for key, g in pairs:
        shown = float(m.group(g)) * UNIT[m.group(g + 1)]
        itlib.check(close(shown, x[key]["value"], 0.006),
                    "inequality %s at %s CPUs: shown %s, run.json %s" % (key, m.group(1),
                                                                        shown, x[key]["value"]))
    itlib.check(close(float(m.group(6)), sig3(x["ratio"])), "inequality ratio %s" % m.group(6))
for x in model["inequality"]:
    if x["extrapolated"]:
        itlib.check(re.search(r"\b%d CPUs" % x["cpus"], " ".join(first[istart:end])),
                    "the extrapolation to %d CPUs is shown, labelled" % x["cpus"])
itlib.check("extrapolated (model)" in " ".join(first[istart:end]) or
            not any(x["extrapolated"] for x in model["inequality"]),
            "extrapolated figures are labelled as the model's")

# the rest is there, under headings, in summary.txt or details.txt
details = open(os.path.join(out, "details.txt")).read()
for h in ("Cost per operation", "Phases of the producer's operation", "Primitives:"):
    itlib.check(h in details, "details.txt has %r" % h)
for h in ("The model:", "Crossovers:", "Speed-up over the copying twin", "Reproduce:"):
    itlib.check(h in summary, "summary.txt has %r" % h)
itlib.check(not itlib.summary_width(summary) and not itlib.summary_width(details),
            "no line over 80 columns: %s %s" % (itlib.summary_width(summary),
                                               itlib.summary_width(details)))
print("first screen: %d lines; %d verdict rows; model: %s" % (len(first), len(verdict["rows"]),
                                                             json.dumps(model["summary"])))
itlib.done("it_verdict")
