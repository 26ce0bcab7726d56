# SPDX-License-Identifier: GPL-2.0-only
"""Each repetition runs in a process of its own (`cowbench cell`), so a
repetition that crashes, exits early or hangs is one failed cell, never a
lost run. COWBENCH_TEST_FAULT="VARIANT:SIZE:KIND" makes the process of
that cell misbehave after its first sample (harness/cellmain.c): crash
(SIGSEGV), exit (exit code 3 without its last record), hang (stops
reporting; killed after --hang-timeout).

For each kind, in a sequential sweep of the copy family at 4K and 64K:
- exit code 1; the run directory is complete (run.json, results.csv,
  summary.txt) and valid, no temporary directory left;
- the faulty cell is "failed" with a reason that names the cause (the
  signal, the early exit, "hung"), has no figures (cell metrics, csv rows,
  summary numbers), and keeps what its process streamed before: the
  samples in its repetition's metrics;
- its other repetition is "not run" (never started, no pid, no samples);
- every cell before and after it is ok in every repetition.
Then the same with the order shuffled, on a seed where the faulty cell's
second repetition runs before its first: the cell's reason must still be
the cause, not "not run"."""
import csv
import os
import time

import itlib

cowbench, src = itlib.args()
SWEEP = ["--bench", "copy", "--sizes", "4K,64K", "--cpus", "1", "--repetitions", "2",
         "--quick", "--hang-timeout", "2"]
FAULTY = ("copy/write-pipe", 4096)
CAUSE = {"crash": ("SIGSEGV",), "exit": ("exit", "before its last record"),
         "hang": ("hung",)}


def fault_env(fault):
    """The fault for the cell's process; under AddressSanitizer its SIGSEGV
    handler would turn the crash into an exit with code 1: leave SIGSEGV
    to the kernel (a no-op for a build without it)."""
    asan = os.environ.get("ASAN_OPTIONS", "")
    return {"COWBENCH_TEST_FAULT": fault,
            "ASAN_OPTIONS": (asan + ":" if asan else "") + "handle_segv=0"}


def check_dir(out, t):
    names = sorted(os.listdir(out)) if os.path.isdir(out) else []
    itlib.check(names == ["details.txt", "results.csv", "run.json", "summary.txt"],
                t + ": run directory holds %s" % names)
    itlib.check(itlib.no_temp_left(out), t + ": no temporary directory left")
    try:
        doc, rows, summary = itlib.load_run(out)
    except (OSError, ValueError, csv.Error) as e:
        itlib.check(False, t + ": run directory unreadable: %s" % e)
        return None, None, None
    return doc, rows, summary


def check_faulty(doc, rows, summary, kind, t):
    """The faulty cell: failed, with its cause, its streamed samples kept."""
    cells = [c for c in doc["cells"] if (c["variant"], c["size"]) == FAULTY]
    itlib.check(len(cells) == 1, t + ": one faulty cell, got %d" % len(cells))
    if not cells:
        return None
    c = cells[0]
    reason = c["reason"] or ""
    itlib.check(c["status"] == "failed", t + ": faulty cell %s (%s)" % (c["status"], reason))
    itlib.check(all(w in reason for w in CAUSE[kind]),
                t + ": the cell's reason names the cause %s: %r" % (CAUSE[kind], reason))
    itlib.check(not reason.startswith("not run"),
                t + ": the cell's reason is its failure, not a repetition left out: %r"
                % reason)
    itlib.check(not c["metrics"], t + ": a failed cell has no figures")
    ran = [r for r in c["repetitions"] if r["ran"]]
    itlib.check(len(ran) == 1, t + ": one repetition ran, got %d" % len(ran))
    for r in ran:
        itlib.check(r["status"] == "failed" and r["pid"],
                    t + ": ran repetition %s pid %s" % (r["status"], r["pid"]))
        rr = r["reason"] or ""
        itlib.check(all(w in rr for w in CAUSE[kind]),
                    t + ": the repetition's reason names the cause: %r" % rr)
        ex = r["exit"]
        if kind == "crash":
            itlib.check(ex["signal"] == 11 and ex["code"] is None,
                        t + ": died of signal 11, exit %s" % ex)
        elif kind == "exit":
            itlib.check(ex["code"] == 3 and ex["signal"] is None,
                        t + ": exited with code 3, exit %s" % ex)
            itlib.check("code 3" in rr, t + ": reason says the code: %r" % rr)
        else:
            itlib.check(ex["signal"] == 9, t + ": killed (SIGKILL), exit %s" % ex)
            itlib.check(2 <= r["duration_s"] < 30,
                        t + ": killed after --hang-timeout 2 s, ran %.1f s"
                        % r["duration_s"])
        # the fault comes after the first sample: what was streamed is kept
        w = itlib.samples(r, "op", "wall_ns")
        itlib.check(w is not None and len(w) >= 1 and all(x is None or x > 0 for x in w),
                    t + ": the failed repetition keeps its streamed samples: %s" % w)
        for m in r["metrics"]:
            itlib.check(m["summary"]["n"] == len(m["samples"]),
                        t + ": %s %s summary n %d, %d samples" % (
                            m["role"], m["metric"], m["summary"]["n"], len(m["samples"])))
    for r in c["repetitions"]:
        if r["ran"]:
            continue
        itlib.check((r["reason"] or "").startswith("not run"),
                    t + ": other repetition's reason %r" % r["reason"])
        itlib.check(r["pid"] is None and not r["metrics"] and r["rss_kib"] is None,
                    t + ": a repetition not run has no pid, numbers or footprint")
    # csv: one bare row for the failed cell, with its reason
    mine = [x for x in rows if (x["variant"], int(x["size_bytes"])) == FAULTY]
    itlib.check(len(mine) == 1 and mine[0]["status"] == "failed" and not mine[0]["metric"]
                and mine[0]["reason"] == reason,
                t + ": results.csv has one bare failed row with the reason: %s" % mine)
    # summary: the failed cell shows its status and reason, never a number
    lines = [l for l in summary.splitlines() if l.startswith(FAULTY[0] + " ")
             and " 4K " in l]
    itlib.check(lines and all("failed" in l for l in lines),
                t + ": summary shows the cell failed: %s" % lines)
    itlib.check(not any(" 0 ns" in l for l in lines),
                t + ": summary shows no number for the failed cell: %s" % lines)
    itlib.check(CAUSE[kind][-1] in " ".join(summary.split()),
                t + ": summary names the cause %r" % CAUSE[kind][-1])
    return c


def check_others(doc, t):
    faulty_order = None
    for c in doc["cells"]:
        if (c["variant"], c["size"]) == FAULTY:
            faulty_order = min(r["order"] for r in c["repetitions"] if r["ran"])
    before = after = 0
    for c in doc["cells"]:
        if (c["variant"], c["size"]) == FAULTY:
            continue
        ct = "%s: %s" % (t, itlib.tag(c))
        itlib.check(c["status"] == "ok", ct + " status %s (%s)" % (c["status"], c["reason"]))
        itlib.verifying_rep(c, ct)
        for r in c["repetitions"]:
            itlib.check(r["ran"] and r["status"] == "ok",
                        "%s #%d: %s (%s)" % (ct, r["rep"] + 1, r["status"], r["reason"]))
            if faulty_order is not None:
                before += r["order"] < faulty_order
                after += r["order"] > faulty_order
    itlib.check(before and after, t + ": repetitions ran before (%d) and after (%d) the "
                "faulty one" % (before, after))


base = itlib.tmpdir()
for kind in ("crash", "exit", "hang"):
    t = "sequential, " + kind
    t0 = time.monotonic()
    fault = "%s:%d:%s" % (FAULTY[0], FAULTY[1], kind)
    p, out, _ = itlib.sweep(cowbench, SWEEP + ["--order", "sequential"],
                            out=os.path.join(base, kind), env=fault_env(fault), timeout=120)
    print("%s: %.1f s" % (t, time.monotonic() - t0))
    itlib.check(p.returncode == 1, t + ": exit %d, want 1 (stderr %s)" % (p.returncode,
                                                                        p.stderr[-500:]))
    doc, rows, summary = check_dir(out, t)
    if doc is None:
        continue
    itlib.check(doc["status"] != "interrupted", t + ": run status %s" % doc["status"])
    itlib.check(doc["options"]["order"] == "sequential", t + ": order recorded")
    itlib.check(len(doc["cells"]) == 6, t + ": 6 cells, got %d" % len(doc["cells"]))
    orders = sorted(r["order"] for c in doc["cells"] for r in c["repetitions"])
    itlib.check(orders == list(range(12)), t + ": every repetition has its place in "
                "the sweep: %s" % orders)
    check_faulty(doc, rows, summary, kind, t)
    check_others(doc, t)
    itlib.check(not [x for x in doc["derived"]["checks"]["results"]
                     if doc["cells"][x["cell"]]["status"] == "failed"],
                t + ": no expectation judged on the failed cell")
    itlib.check(doc["derived"]["notes"]["ok_cells"] == 5,
                t + ": derived notes ok_cells %s" % doc["derived"]["notes"]["ok_cells"])

# Shuffled: the repetitions of a cell run in any order. Look for a seed on
# which the faulty cell's repetition 2 runs first (the order depends on the
# seed and the cells only, so a few tries find one).
for seed in (6, 7, 12, 13, 1, 2, 3, 4, 5, 8):
    t = "shuffled seed %d, crash" % seed
    out = os.path.join(base, "shuffle-%d" % seed)
    p, out, doc = itlib.sweep(cowbench, ["--variant", "copy/write-pipe,copy/memcpy",
                                         "--sizes", "4K,64K", "--cpus", "1",
                                         "--repetitions", "2", "--quick", "--seed",
                                         str(seed)], out=out,
                              env=fault_env("%s:%d:crash" % FAULTY),
                              timeout=120)
    itlib.check(p.returncode == 1, t + ": exit %d, want 1" % p.returncode)
    if doc is None:
        break
    c = [c for c in doc["cells"] if (c["variant"], c["size"]) == FAULTY][0]
    first = min(c["repetitions"], key=lambda r: r["order"])
    if first["rep"] == 0:
        continue
    print("%s: repetition %d ran first" % (t, first["rep"] + 1))
    doc, rows, summary = check_dir(out, t)
    if doc:
        check_faulty(doc, rows, summary, "crash", t)
    break
else:
    print("no seed tried runs the faulty cell's repetition 2 first: left out")
itlib.done("it_cell_process")
