"""With io_uring refused by the kernel (kernel.io_uring_disabled = 2) the
io_uring variants are recorded "unsupported" with a reason naming
io_uring, the others still run, and the run exits 0: a skip, never a
crash or a failure. The sysctl is restored whatever happens."""
import os
import shutil

import itlib

cowbench, src = itlib.args()
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
    p = itlib.run([cowbench, "run", "--bench", "notify", "--sizes", "64K", "--cpus", "1",
                   "--quick", "--quiet", "--out", out])
finally:
    with open(KNOB, "w") as f:
        f.write(saved)
with open(KNOB) as f:
    itlib.check(f.read().strip() == saved, "kernel.io_uring_disabled restored")

itlib.check(p.returncode == 0, "exit %d: %s" % (p.returncode, p.stderr))
doc, rows, summary = itlib.load_run(out)
uring = [c for c in doc["cells"] if c["variant"].startswith("notify/io-uring")]
itlib.check(len(uring) == 3, "three io_uring cells, got %d" % len(uring))
for c in uring:
    itlib.check(c["status"] == "unsupported", "%s: status %s" % (c["variant"], c["status"]))
    itlib.check("io_uring" in (c["reason"] or ""), "%s: reason %r" % (c["variant"], c["reason"]))
    print("%s: %s" % (c["variant"], c["reason"]))
for c in doc["cells"]:
    if c not in uring:
        itlib.check(c["status"] == "ok", "%s still runs: %s" % (c["variant"], c["status"]))
csv_rows = [r for r in rows if r["variant"].startswith("notify/io-uring")]
itlib.check(csv_rows and all(r["status"] == "unsupported" and not r["metric"] for r in csv_rows),
            "results.csv has one bare unsupported row per io_uring cell")
itlib.check("unsupported" in summary, "summary shows the skip")
shutil.rmtree(base, ignore_errors=True)
itlib.done("it_notify_uring_disabled")
