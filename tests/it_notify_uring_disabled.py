# SPDX-License-Identifier: GPL-2.0-only
"""With io_uring refused by the kernel (kernel.io_uring_disabled = 2) the
io_uring variants are recorded "unsupported" with a reason naming
io_uring, the others still run, and the run exits 0: a skip, never a
crash or a failure. The sysctl is restored whatever happens."""
import json
import os
import shutil

import itlib

cowbench, src = itlib.args()
URING = {v["name"] for v in json.loads(itlib.run([cowbench, "list", "--json"]).stdout)
         ["variants"] if v["name"].startswith("notify/io-uring")}
KNOB = "/proc/sys/kernel/io_uring_disabled"
if not os.path.exists(KNOB):
    itlib.skip("this kernel has no kernel.io_uring_disabled")
try:
    with open(KNOB) as f:
        saved = f.read().strip()
    with open(KNOB, "w") as f:
        f.write(saved)
except OSError as e:
    itlib.skip("cannot write kernel.io_uring_disabled (%s): needs root outside a "
               "read-only /proc/sys" % e.strerror)

base = itlib.tmpdir()
out = os.path.join(base, "run")
try:
    with open(KNOB, "w") as f:
        f.write("2")
    # sequential: a cell's first repetition is the one that finds io_uring
    # refused (it_cell_process checks the reason when a later one runs first)
    p, out, _ = itlib.sweep(cowbench, ["--bench", "notify", "--sizes", "64K", "--cpus", "1",
                                       "--repetitions", "2", "--order", "sequential",
                                       "--quick"], out=out)
finally:
    with open(KNOB, "w") as f:
        f.write(saved)
with open(KNOB) as f:
    itlib.check(f.read().strip() == saved, "kernel.io_uring_disabled restored")

itlib.check(p.returncode == 0, "exit %d: %s" % (p.returncode, p.stderr))
doc, rows, summary = itlib.load_run(out)
uring = [c for c in doc["cells"] if c["variant"].startswith("notify/io-uring")]
itlib.check({c["variant"] for c in uring} == URING and len(uring) == len(URING),
            "one cell per io_uring row (%d), got %d" % (len(URING), len(uring)))
for c in uring:
    itlib.check(c["status"] == "unsupported", "%s: status %s" % (c["variant"], c["status"]))
    itlib.check("io_uring" in (c["reason"] or ""), "%s: reason %r" % (c["variant"], c["reason"]))
    itlib.check(not c["metrics"], "%s: an unsupported cell has no figures" % c["variant"])
    print("%s: %s" % (c["variant"], c["reason"]))
    # the first repetition that finds io_uring refused says why; the cell's
    # others are not run (the machine will not change its mind)
    ran = itlib.reps(c)
    itlib.check(len(ran) == 1 and ran[0]["status"] == "unsupported" and
                "io_uring" in (ran[0]["reason"] or ""),
                "%s: one repetition ran and found it unsupported: %s"
                % (c["variant"], [(r["status"], r["reason"]) for r in ran]))
    for r in c["repetitions"]:
        if not r["ran"]:
            itlib.check((r["reason"] or "").startswith("not run"),
                        "%s #%d: %r" % (c["variant"], r["rep"] + 1, r["reason"]))
for c in doc["cells"]:
    if c not in uring:
        itlib.check(c["status"] == "ok" and len(itlib.ok_reps(c)) == 2,
                    "%s still runs: %s" % (c["variant"], c["status"]))
csv_rows = [r for r in rows if r["variant"].startswith("notify/io-uring")]
itlib.check(csv_rows and all(r["status"] == "unsupported" and not r["metric"] for r in csv_rows),
            "results.csv has one bare unsupported row per io_uring cell")
itlib.check("unsupported" in summary, "summary shows the skip")
lines = [l for l in summary.splitlines() if l.startswith("notify/io-uring")]
itlib.check(not [l for l in lines if " 0 ns " in l],
            "summary shows no number for an unsupported cell: %s"
            % [l for l in lines if " 0 ns " in l])
shutil.rmtree(base, ignore_errors=True)
itlib.done("it_notify_uring_disabled")
