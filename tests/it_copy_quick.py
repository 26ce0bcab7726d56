"""`cowbench run --bench copy --quick` end to end: the documented files and
keys exist, every cell verified, the summary fits 80 columns, hardware
counters without a PMU are recorded as unavailable with a reason (never as
zero), and software counters have values."""
import os
import time

import itlib

cowbench, src = itlib.args()
out = os.path.join(itlib.tmpdir(), "run")
t0 = time.monotonic()
p = itlib.run([cowbench, "run", "--bench", "copy", "--quick", "--quiet", "--out", out])
elapsed = time.monotonic() - t0
itlib.check(p.returncode == 0, "exit code %d, stderr: %s" % (p.returncode, p.stderr))
itlib.check(p.stdout.strip() == out, "prints the run directory, got %r" % p.stdout)
print("quick copy run took %.1f s" % elapsed)

doc, rows, summary = itlib.load_run(out)
for key in ("schema", "tool", "command", "command_line", "status", "started",
            "ended", "options", "machine", "clock", "counters", "variants", "cells"):
    itlib.check(key in doc, "run.json has %s" % key)
itlib.check(doc["schema"] == "cowbench-run/1", "schema version")
itlib.check(doc["status"] == "complete", "status complete")
itlib.check(doc["machine"].get("topology") is not None, "machine has topology")
itlib.check(doc["clock"]["read_overhead_ns"] > 0, "timer overhead recorded")
itlib.check(doc["clock"]["phase_mark_overhead_ns"] > 0, "phase mark overhead recorded")

names = {v["name"] for v in doc["variants"]}
itlib.check(names == {"copy/memcpy", "copy/write-pipe", "copy/send-tcp"}, "variants %s" % names)
ncpus = max(doc["options"]["cpus"])
itlib.check(len(doc["cells"]) == 3 * 4 * len(doc["options"]["cpus"]), "cell count")
for c in doc["cells"]:
    tag = "%s %d cpus=%d" % (c["variant"], c["size"], c["cpus"])
    itlib.check(c["status"] == "ok", tag + " status %s (%s)" % (c["status"], c["reason"]))
    itlib.check(c["verified"], tag + " verified")
    w = itlib.metric(c, "op", "wall_ns")
    itlib.check(w is not None and w["summary"]["median"] > 0, tag + " has op wall_ns")
    if w:
        itlib.check(len(w["samples"]) == w["summary"]["n"], tag + " keeps raw samples")
        itlib.check(w["summary"]["n"] >= doc["options"]["min_samples"], tag + " min samples")
    itlib.check(c["stop_reason"] in ("ci", "cell-budget", "max-samples"), tag + " stop reason")

# counters: each either available or with a reason; no row for unavailable ones
avail = {}
for ctr in doc["counters"]:
    itlib.check(ctr["available"] or (ctr["reason"] or "").strip(),
                "counter %s has a reason" % ctr["key"])
    avail[ctr["key"]] = ctr["available"]
keys_in_csv = {r["metric"] for r in rows}
for k, a in avail.items():
    if not a:
        itlib.check(k not in keys_in_csv, "unavailable %s has no csv rows" % k)
itlib.check(avail.get("page_faults") is True, "page_faults measurable here")
pf = [r for r in rows if r["metric"] == "page_faults" and r["role"] == "op"]
itlib.check(len(pf) == len(doc["cells"]), "page_faults row per cell")
if not avail.get("cycles", False):
    itlib.check("cycles" in summary and "Not measured" in summary,
                "summary names the unmeasured cycles counter")

# results.csv columns and summary width
want = ("variant,class,size_bytes,cpus,placement,role,metric,unit,n,median,ci_lo,"
        "ci_hi,ci_level,p10,p90,min,max,mad,status,reason").split(",")
itlib.check(rows and list(rows[0].keys()) == want, "csv header")
for line in summary.splitlines():
    itlib.check(len(line) <= 80, "summary line over 80 columns: %r" % line)
itlib.check("Reproduce:" in summary, "summary has the reproduce command")
itlib.check(not [f for f in os.listdir(os.path.dirname(out)) if ".tmp" in f],
            "no temporary directory left")
itlib.done("it_copy_quick")
