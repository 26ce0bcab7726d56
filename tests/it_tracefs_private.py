# SPDX-License-Identifier: GPL-2.0-only
"""Two runs at once must not break each other's tracepoint counters, and
no run may leave tracefs mounted. A run that has to mount tracefs mounts it
in a private mount namespace of its own (harness/tracefs.c), so another
run's cleanup cannot unmount it under it, and a killed run leaves nothing.
Before, a run unmounted the system's tracefs when it ended, and a run still
going then failed its cells with "counters differ from the run's".

The test works in a mount namespace of its own (unshare -m, private),
where tracefs is unmounted first, so the machine's mounts are never
touched. Run B (copy, 3 s or more) starts and mounts tracefs. Run A
(tlb/mprotect-busy, 1 and 2 CPUs, 4 repetitions) starts half a second later,
finds it mounted, and is still running when B ends. Both exit 0; every
cell of A is ok and counts tlb_flush events; afterwards tracefs is not
mounted in the namespace. Needs root and unshare; skipped (77) otherwise."""
import json
import os
import shutil
import subprocess

import itlib

cowbench, src = itlib.args()
unshare = shutil.which("unshare")
if os.geteuid() != 0 or not unshare:
    itlib.skip("needs root and unshare(1) to work in a mount namespace of its own")
tmp = itlib.tmpdir()
a, b = os.path.join(tmp, "a"), os.path.join(tmp, "b")
script = """
umount /sys/kernel/tracing 2>/dev/null; umount /sys/kernel/debug/tracing 2>/dev/null
if grep -q ' tracefs ' /proc/mounts; then echo 'still-mounted-before'; exit 0; fi
"$1" run --variant copy/memcpy --sizes 4K,64K --cpus 1 --repetitions 6 \\
    --cell-budget 0.2 --quiet --out "$3" >/dev/null 2>"$3.err" & B=$!
sleep 0.5
kill -0 $B 2>/dev/null && echo 'b-running-when-a-starts'
"$1" run --variant tlb/mprotect-busy --sizes 4K,64K --cpus 1,2 --repetitions 4 \\
    --cell-budget 0.5 --quiet --out "$2" >/dev/null 2>"$2.err" & A=$!
wait $B; echo "b-exit $?"
kill -0 $A 2>/dev/null && echo 'a-still-running'
wait $A; echo "a-exit $?"
grep ' tracefs ' /proc/mounts >/dev/null && echo 'mounted-after'
exit 0
"""
p = subprocess.run([unshare, "-m", "--propagation", "private", "sh", "-c", script, "sh",
                    cowbench, a, b], capture_output=True, text=True, timeout=240)
out = p.stdout.split("\n")
print(p.stdout.strip())
if "still-mounted-before" in out:
    itlib.skip("tracefs could not be unmounted in a namespace of the test's own")
itlib.check(p.returncode == 0, "unshare: exit %d: %s" % (p.returncode, p.stderr.strip()))
itlib.check("b-exit 0" in out, "run B exits 0")
itlib.check("a-exit 0" in out, "run A exits 0: %s" % (open(a + ".err").read()[-300:]
                                                   if os.path.exists(a + ".err") else ""))
itlib.check("a-still-running" in out and "b-running-when-a-starts" in out,
            "run B (which mounts tracefs) ran when A started and ended while A still "
            "ran (otherwise the test proves nothing)")
itlib.check("mounted-after" not in out, "no run left tracefs mounted")
doc = json.load(open(os.path.join(a, "run.json"))) if os.path.exists(a) else None
itlib.check(doc is not None, "run A wrote its results")
if doc:
    key = "tlb_flush.remote_shootdown"
    if not itlib.available(doc, key):
        itlib.skip("the tlb_flush tracepoint is not available here: %s"
                   % itlib.counters(doc).get(key, {}).get("reason"))
    for c in doc["cells"]:
        itlib.check(c["status"] == "ok" and len(itlib.ok_reps(c)) == 4,
                    "A %s: %s (%s)" % (itlib.tag(c), c["status"], c["reason"]))
        flushes = [m for m in c["metrics"] if m["metric"].startswith("tlb_flush.")]
        itlib.check(flushes and all(m["value"] and m["value"]["value"] is not None
                                    for m in flushes),
                    "A %s: tlb_flush counted in every repetition" % itlib.tag(c))
itlib.finish("it_tracefs_private", tmp)
