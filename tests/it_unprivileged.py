# SPDX-License-Identifier: GPL-2.0-only
"""As `nobody` at kernel.perf_event_paranoid 2 (and 3 where the kernel has
it): no counter is reported as a measured zero that was not counted; what
could not be counted says why; summary.txt and run.json agree on both.
At paranoid 2 the kernel lets an unprivileged process count only user
space: software events that count kernel activity (context switches)
would then read 0 forever, so they must be unavailable with that reason.
The sysctl is restored whatever happens."""
import os
import shutil
import subprocess

import itlib

KNOB = "/proc/sys/kernel/perf_event_paranoid"
cowbench, src = itlib.args()
setpriv = shutil.which("setpriv")
if os.geteuid() != 0 or not setpriv:
    itlib.skip("needs root (to set the sysctl and drop to nobody) and setpriv")
try:
    with open(KNOB) as f:
        saved = f.read().strip()
    with open(KNOB, "w") as f:
        f.write(saved)
except OSError as e:
    itlib.skip("cannot write %s: %s" % (KNOB, e.strerror))

base = itlib.tmpdir()
os.chmod(base, 0o777)


def run_as_nobody(level):
    out = os.path.join(base, "paranoid%d" % level)
    with open(KNOB, "w") as f:
        f.write(str(level))
    with open(KNOB) as f:
        if f.read().strip() != str(level):
            return None     # this kernel does not have that level
    return out, itlib.run([setpriv, "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                           cowbench, "run", "--variant", "copy/memcpy,tlb/mprotect-busy",
                           "--sizes", "4K", "--cpus", "1,max", "--quick", "--quiet",
                           "--repetitions", "2", "--out", out])


try:
    results = [(lvl, run_as_nobody(lvl)) for lvl in (2, 3)]
finally:
    with open(KNOB, "w") as f:
        f.write(saved)
with open(KNOB) as f:
    itlib.check(f.read().strip() == saved, "perf_event_paranoid restored")

for level, res in results:
    if res is None:
        print("paranoid %d: not supported by this kernel" % level)
        continue
    out, p = res
    tag = "paranoid %d" % level
    itlib.check(p.returncode == 0, "%s: exit %d: %s" % (tag, p.returncode, p.stderr))
    if p.returncode != 0:
        continue
    doc, rows, summary = itlib.load_run(out)
    counters = {c["key"]: c for c in doc["counters"]}
    for c in doc["counters"]:
        itlib.check(c["available"] or (c["reason"] or "").strip(),
                    "%s: %s unavailable without a reason" % (tag, c["key"]))
        if c["user_only"] and c["available"]:
            itlib.check(c["key"].endswith("_u") or ":u" in c["name"],
                        "%s: user-only %s is not marked _u" % (tag, c["key"]))
        if c["key"].startswith("context_switches"):
            itlib.check(not (c["available"] and c["user_only"]),
                        "%s: context switches counted user-only (always 0)" % tag)
    # every metric that has values is an available counter or not a counter
    seen = {}
    for cell in doc["cells"]:
        for rep in cell["repetitions"]:
            for m in rep["metrics"]:
                if m["metric"] in counters:
                    itlib.check(counters[m["metric"]]["available"],
                                "%s: unavailable %s has values" % (tag, m["metric"]))
                    vals = [v for v in m["samples"] if v is not None]
                    seen.setdefault(m["metric"], []).extend(vals)
    zero = doc["derived"]["zero_counters"]
    listed = [k.strip() for k in zero.split(",")] if zero else []
    for k in listed:
        itlib.check(k in counters and counters[k]["available"],
                    "%s: %s listed as measured zero but not available" % (tag, k))
        itlib.check(seen.get(k) and all(v == 0 for v in seen[k]),
                    "%s: %s listed as zero: %s" % (tag, k, seen.get(k, [])[:5]))
    for k, vals in seen.items():
        if vals and all(v == 0 for v in vals):
            itlib.check(k in listed, "%s: %s is zero everywhere but not listed" % (tag, k))
    flat = " ".join(summary.split())
    if listed:
        itlib.check("Measured and zero in every cell: " + ", ".join(listed) in flat,
                    "%s: summary's zero list differs from run.json's" % tag)
    else:
        itlib.check("Measured and zero" not in summary, tag + ": summary lists zeros")
    for c in doc["counters"]:
        if not c["available"]:
            itlib.check(c["name"] in flat or c["key"] in flat,
                        "%s: summary does not name unavailable %s" % (tag, c["key"]))
    print("%s: available %s; zero %s" % (tag, sorted(k for k, c in counters.items()
                                                      if c["available"]), listed))
shutil.rmtree(base, ignore_errors=True)
itlib.done("it_unprivileged")
