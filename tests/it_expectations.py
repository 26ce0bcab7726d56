# SPDX-License-Identifier: GPL-2.0-only
"""Every variant row's declared expectations, judged by this test on the
raw samples, independently of the harness's own verdicts (which must then
agree with it). The table is `cowbench list --json`: nothing here names a
variant, so a new row is tested the day it is added.

1. Every row declares expectations, or says why not (no_expect); each
   expectation is well formed; its phases and reports are well formed.
2. One quick sweep of every variant at 4K, 64K and 12345 bytes (not a
   multiple of the page: 4 pages), at 1 CPU and at the most, with 2
   repetitions. A cell may be "unsupported" with a reason (reported);
   anything else that is not ok fails.
3. For each expectation that applies to a cell (min_cpus, max_cpus,
   max_size) and each repetition with numbers: every metric of that role
   that the glob matches must be value x units (per op: 1, per page:
   ceil(size / 4096), per remote CPU: cpus - 1) within slack, for its
   median over the samples, or for each sample with every_sample. A metric
   no series carries must be a counter that counters[] marks unavailable
   with a reason: the expectation is then reported "unmeasured", never
   passed. The harness's derived.checks must hold the same checks with the
   same verdicts.
4. Whatever the rows declare: at one CPU nothing may send a TLB flush to
   another CPU or receive one from it, so tlb_flush.remote_ipi_send and
   tlb_flush.remote_shootdown are 0 in every sample of every repetition of
   every tlb/ and cow/ cell at cpus=1 (left out, and said, when the
   tlb:tlb_flush tracepoint is unavailable).
5. Declared phases are recorded (producer phase.NAME.wall_ns) in every
   repetition; declared reports are recorded; a must_be_zero report is 0
   in every sample; a share is at most its whole in every sample."""
import fnmatch
import json
import math
import os
import shutil
import statistics

import itlib

PAGE = 4096
SIZES = (4096, 12345, 65536)
ROLES = ("op", "producer", "consumer", "bystanders", "helper")
HUGE = 2 << 20
REMOTE = ("tlb_flush.remote_ipi_send", "tlb_flush.remote_shootdown")

cowbench, src = itlib.args()
p = itlib.run([cowbench, "list", "--json"], timeout=30)
itlib.check(p.returncode == 0, "list --json: exit %d: %s" % (p.returncode, p.stderr))
table = json.loads(p.stdout)
itlib.check(table.get("schema") == "cowbench-list/1", "list schema %s" % table.get("schema"))
rows = {v["name"]: v for v in table["variants"]}
itlib.check(rows, "list --json names variants")

# 1. the table itself
for name, v in rows.items():
    if not v["expect"]:
        itlib.check(bool((v["no_expect"] or "").strip()),
                    "%s declares no expectation and does not say why (no_expect)" % name)
        print("%s: no expectation: %s" % (name, v["no_expect"]))
    for i, e in enumerate(v["expect"]):
        t = "%s expect[%d] %s" % (name, i, e.get("metric"))
        itlib.check(bool(e["metric"]), t + ": names a metric")
        itlib.check(e["scope"] in ROLES, t + ": scope %r is a role" % e["scope"])
        itlib.check(e["per"] in ("op", "page", "huge_page", "remote_cpu"),
                    t + ": per %r" % e["per"])
        itlib.check(e["thp"] in (None, "never", "always"), t + ": thp %r" % e["thp"])
        itlib.check(e["thp"] is None or v["thp"], t + ": a THP condition on a row "
                    "measured without THP")
        itlib.check(isinstance(e["value"], (int, float)) and
                    isinstance(e["slack"], (int, float)) and e["slack"] >= 0,
                    t + ": value %r, slack %r" % (e["value"], e["slack"]))
        itlib.check(bool((e["why"] or "").strip()), t + ": says why")
        lo, hi = e["min_cpus"] or 0, e["max_cpus"] or 0
        itlib.check(not (lo and hi and lo > hi), t + ": min_cpus %s > max_cpus %s" % (lo, hi))
    names = [r["name"] for r in v["reports"]]
    for r in v["reports"]:
        t = "%s report %s" % (name, r["name"])
        itlib.check(r["kind"] in ("count", "share", "must_be_zero", "hazard", "progress"),
                    t + ": kind %r" % r["kind"])
        if r["kind"] == "progress":	# of: the baseline row, which reports it too
            itlib.check(r["of"] in rows and r["of"] != name and
                        r["name"] in [q["name"] for q in rows[r["of"]]["reports"]],
                        t + ": of %r is a row reporting %s" % (r["of"], r["name"]))
        else:
            itlib.check((r["of"] in names and r["of"] != r["name"]) if r["kind"] == "share"
                        else r["of"] is None, t + ": of %r" % r["of"])
        itlib.check(len(r.get("when_all") or "") <= 32,
                    t + ": when_all fits the twins table (32 characters)")
        itlib.check(bool((r["desc"] or "").strip()), t + ": described")
    for ph in v["phases"]:
        itlib.check(bool(ph["name"]) and bool((ph["desc"] or "").strip()),
                    "%s phase %r is named and described" % (name, ph["name"]))



def applies(e, c):
    return ((not e["min_cpus"] or c["cpus"] >= e["min_cpus"]) and
            (not e["max_cpus"] or c["cpus"] <= e["max_cpus"]) and
            (not e["max_size"] or c["size"] <= e["max_size"]) and
            (e["thp"] is None or e["thp"] == c["thp"]))


def units(e, c):
    return {"op": 1, "page": math.ceil(c["size"] / PAGE),
            "huge_page": math.ceil(c["size"] / HUGE),
            "remote_cpu": c["cpus"] - 1}[e["per"]]


def covers(key, metric):
    """Is counters[] entry `key` the counter behind metric (glob)
    `metric`? Its own key; a source of several (tlb_flush for
    tlb_flush.<reason>); or the user-only variant of it (page_faults_u
    for page_faults, under perf_event_paranoid 2), which measures only
    part of it."""
    return (fnmatch.fnmatchcase(key, metric) or metric.startswith(key + ".") or
            (key.endswith("_u") and fnmatch.fnmatchcase(key[:-2], metric)))


def unmeasured_ok(e, row, ctr, t):
    """An expectation with no series: its counter must be unavailable, or
    measured only in part (user only), with a reason; a report (always
    measured) may not be missing."""
    if e["metric"] in [r["name"] for r in row["reports"]]:
        itlib.check(False, t + ": report %s not recorded" % e["metric"])
        return
    keys = [k for k in ctr if covers(k, e["metric"])]
    itlib.check(keys, t + ": %s is no counter of the run and no report" % e["metric"])
    for k in keys:
        itlib.check((not ctr[k]["available"] or ctr[k]["user_only"]) and
                    (ctr[k]["reason"] or "").strip(),
                    t + ": %s not recorded, yet counters[] has %s available (%s)"
                    % (e["metric"], k, ctr[k]["reason"]))


def judge(e, c, rep, row, ctr, t):
    """This test's verdicts: {metric: (verdict, measured, expected)}."""
    want = e["value"] * units(e, c)
    found = {}
    for m in rep["metrics"]:
        if m["role"] != e["scope"] or not fnmatch.fnmatchcase(m["metric"], e["metric"]):
            continue
        xs = [x for x in m["samples"] if x is not None]
        if len(xs) < len(m["samples"]):
            print("%s: %s: %d of %d samples not measured" % (t, m["metric"],
                                                            len(m["samples"]) - len(xs),
                                                            len(m["samples"])))
        if not xs:
            found[m["metric"]] = ("unmeasured", None, want)
            continue
        med = statistics.median(xs)
        itlib.check(abs(med - m["summary"]["median"]) <= 1e-9 * max(1, abs(med)),
                    t + ": %s summary median %s, samples' %s" % (m["metric"],
                                                                m["summary"]["median"], med))
        # the figure: the median, or the mean for a mean-aggregated series
        fig = statistics.mean(xs) if m.get("aggregate") == "mean" else med
        lo = want - e["slack"] - 1e-9
        hi = want + e["slack"] + e["extra"] + 1e-9

        def dist(x):
            return lo - x if x < lo else x - hi if x > hi else 0.0
        if e["every_sample"]:
            worst = max(xs, key=dist)
            found[m["metric"]] = ("pass" if dist(worst) == 0 else "fail", worst, want)
        else:
            found[m["metric"]] = ("pass" if dist(fig) == 0 else "fail", fig, want)
    if not found:
        unmeasured_ok(e, row, ctr, t)
        found[e["metric"]] = ("unmeasured", None, want)
    return found


def judge_run(doc, what):
    """Judge every applicable expectation in every repetition of doc, and
    compare with the harness's derived.checks. Returns this test's
    verdicts, {(cell, rep, expect index, metric): (verdict, measured,
    expected)}."""
    ctr = itlib.counters(doc)
    mine, unsupported = {}, []
    for c in doc["cells"]:
        row = rows[c["variant"]]
        ct = "%s%s%s" % (what, itlib.tag(c),
                         "" if c["size"] % PAGE == 0 else " (%d B)" % c["size"])
        itlib.check(c["pages"] == math.ceil(c["size"] / PAGE), ct + ": pages %s" % c["pages"])
        if c["status"] == "unsupported":
            itlib.check(bool((c["reason"] or "").strip()), ct + ": unsupported with a reason")
            unsupported.append("%s: %s" % (ct, c["reason"]))
            continue
        itlib.check(c["status"] == "ok", ct + ": status %s (%s)" % (c["status"], c["reason"]))
        for rep in c["repetitions"]:
            t = "%s #%d" % (ct, rep["rep"] + 1)
            itlib.check(rep["ran"] and rep["status"] == "ok",
                        t + ": %s (%s)" % (rep["status"], rep["reason"]))
            if rep["status"] != "ok":
                continue
            for i, e in enumerate(row["expect"]):
                if not applies(e, c):
                    continue
                found = judge(e, c, rep, row, ctr, "%s %s" % (t, e["metric"]))
                for metric, res in found.items():
                    mine[(c["id"], rep["rep"], i, metric)] = res
                    if res[0] == "fail":
                        itlib.check(False, "%s: %s %s is %s, want %s -%s/+%s (%s)" % (
                            t, e["scope"], metric, res[1], res[2], e["slack"],
                            e["slack"] + e["extra"], e["why"]))
            check_declared(row, rep, t)

    # the harness's verdicts: the same checks, the same outcome
    ck = doc["derived"]["checks"]
    theirs = {(x["cell"], x["rep"], x["expect"], x["metric"]): x for x in ck["results"]}
    for k in sorted(set(mine) | set(theirs)):
        c = doc["cells"][k[0]]
        t = "%s%s #%d expect[%d] %s" % (what, itlib.tag(c), k[1] + 1, k[2], k[3])
        itlib.check(k in theirs, t + ": judged here (%s), not by the harness" % (mine.get(k),))
        itlib.check(k in mine, t + ": judged by the harness (%s), not here"
                    % (theirs.get(k, {}).get("verdict"),))
        if k not in mine or k not in theirs:
            continue
        v, measured, expected = mine[k]
        x = theirs[k]
        itlib.check(x["verdict"] == v, t + ": harness says %s (%s), this test %s (%s)"
                    % (x["verdict"], x["measured"], v, measured))
        itlib.check(x["expected"] is not None and abs(x["expected"] - expected) < 1e-9,
                    t + ": expected %s, the harness %s" % (expected, x["expected"]))
        if measured is not None and v != "unmeasured":
            itlib.check(x["measured"] is not None and
                        abs(x["measured"] - measured) <= 1e-9 * max(1, abs(measured)),
                        t + ": measured %s, the harness %s" % (measured, x["measured"]))
    counts = {v: sum(1 for r in mine.values() if r[0] == v)
              for v in ("pass", "fail", "unmeasured")}
    itlib.check(ck["total"] == len(ck["results"]) == len(mine),
                "%schecks total %s, %d results, %d here" % (what, ck["total"],
                                                           len(ck["results"]), len(mine)))
    itlib.check(ck["failed"] == counts["fail"] and ck["unmeasured"] == counts["unmeasured"],
                "%schecks failed %s unmeasured %s, here %s" % (what, ck["failed"],
                                                              ck["unmeasured"], counts))
    print("%sexpectations: %d judged: %d passed, %d failed, %d unmeasured"
          % (what, len(mine), counts["pass"], counts["fail"], counts["unmeasured"]))
    reasons = {}
    for k, v in sorted(mine.items()):
        if v[0] == "unmeasured":
            why = "; ".join("%s: %s" % (x, ctr[x]["reason"]) for x in ctr if covers(x, k[3]))
            reasons.setdefault(k[3], why)
    for metric, why in sorted(reasons.items()):
        print("%sunmeasured: %s (%s)" % (what, metric, why))
    for u in unsupported:
        print("unsupported: " + u)
    return mine


def check_declared(row, rep, t):
    """5. Phases and reports as the row declares them."""
    for ph in row["phases"]:
        m = itlib.metric(rep, "producer", "phase.%s.wall_ns" % ph["name"])
        itlib.check(m is not None, t + ": phase %s recorded" % ph["name"])
        if m is not None:	# a time: never below zero, whatever is subtracted
            itlib.check(m["summary"]["median"] >= 0,
                        t + ": phase %s median %s ns, min %s" % (
                            ph["name"], m["summary"]["median"], m["summary"]["min"]))
    recorded = {m["metric"]: m for m in rep["metrics"] if m["role"] == "op"}
    for r in row["reports"]:
        itlib.check(r["name"] in recorded, t + ": report %s recorded" % r["name"])
        if r["name"] not in recorded:
            continue
        xs = recorded[r["name"]]["samples"]
        if r["kind"] == "must_be_zero":
            itlib.check(all(x == 0 for x in xs), t + ": %s (must be zero) in every "
                        "sample: %s" % (r["name"], xs))
        if r["kind"] == "share" and r["of"] in recorded:
            whole = recorded[r["of"]]["samples"]
            itlib.check(all(x <= w + 1e-9 for x, w in zip(xs, whole)),
                        t + ": %s <= %s in every sample" % (r["name"], r["of"]))


# 2. the sweep
p, out, doc = itlib.sweep(cowbench, ["--sizes", ",".join(str(s) for s in SIZES), "--cpus",
                                     "1,max", "--repetitions", "2", "--quick"], timeout=400)
base = os.path.dirname(out)
itlib.check(p.returncode == 0, "sweep: exit %d: %s" % (p.returncode, p.stderr[-2000:]))
if doc is None:
    itlib.finish("it_expectations", base)
itlib.check({v["name"] for v in doc["variants"]} == set(rows),
            "the sweep ran every variant of the table")
for v in doc["variants"]:
    itlib.check(v == rows.get(v["name"]), "%s: run.json's row is list --json's" % v["name"])
ctr = itlib.counters(doc)
ck = doc["derived"]["checks"]
judged = judge_run(doc, "")
for name, v in rows.items():
    for i, e in enumerate(v["expect"]):
        if not [k for k in judged if doc["cells"][k[0]]["variant"] == name and k[2] == i]:
            print("%s expect[%d] %s: applies to no cell of this sweep (cpus %s..%s, size "
                  "<= %s)" % (name, i, e["metric"], e["min_cpus"], e["max_cpus"],
                              e["max_size"]))

# 4. no remote TLB flush at one CPU, in any sample, whatever the rows say
if all(itlib.available(doc, k) for k in REMOTE):
    n = 0
    for c in doc["cells"]:
        if c["cpus"] != 1 or c["status"] != "ok" or c["class"] not in ("cow", "primitive"):
            continue
        for rep in itlib.ok_reps(c):
            for role in ("op", "producer", "consumer"):
                for k in REMOTE:
                    xs = itlib.samples(rep, role, k)
                    if role == "op":
                        itlib.check(xs is not None,
                                    "%s: op %s recorded" % (itlib.rtag(c, rep), k))
                    itlib.check(all(x == 0 for x in xs or []),
                                "%s: %s %s at one CPU in every sample: %s"
                                % (itlib.rtag(c, rep), role, k, xs))
            n += 1
    itlib.check(n > 0, "tlb and cow repetitions at one CPU were judged")
    print("no remote TLB flush at one CPU: %d tlb/cow repetitions, every sample" % n)
    for name, v in rows.items():
        if name.split("/")[0] in ("tlb", "cow"):
            declared = {e["metric"] for e in v["expect"] if e["max_cpus"] == 1
                        and e["every_sample"] and e["value"] == 0 and e["scope"] == "op"}
            itlib.check(set(REMOTE) <= declared,
                        "%s declares no remote flush at one CPU: %s" % (name, declared))
else:
    print("no remote TLB flush at one CPU: left out, the tracepoint is unavailable: %s"
          % "; ".join("%s: %s" % (k, ctr.get(k, {}).get("reason")) for k in REMOTE))

summary = open(os.path.join(out, "summary.txt")).read()
itlib.check(not itlib.summary_width(summary), "summary lines over 80 columns: %s"
            % itlib.summary_width(summary))
details = open(os.path.join(out, "details.txt")).read()
itlib.check(not itlib.summary_width(details), "details lines over 80 columns: %s"
            % itlib.summary_width(details))
itlib.check("Phases of the producer's operation" in details and "per page" in details,
            "details show the phases per page")
for name, v in rows.items():
    if v["phases"] and any(c["variant"] == name and c["status"] == "ok" for c in doc["cells"]):
        shown = {l.split()[0] for l in details.splitlines() if l.split()[1:2] == [name]}
        itlib.check({ph["name"] for ph in v["phases"]} <= shown,
                    "details show the phases of %s: %s" % (name, [ph["name"] for ph in
                                                                  v["phases"]]))
itlib.check("Checks:" in summary and "%d judged" % ck["total"] in summary,
            "summary shows the checks")

# 3b. Unmeasured is reported, never passed: as an unprivileged user (no
# tracefs, perf_event_paranoid 2: kernel counts refused), expectations on
# the tracepoint and on kernel page faults have no series; each must then
# be "unmeasured", with its counter marked unavailable or user-only with a
# reason. Left out where this test cannot drop root.
setpriv = shutil.which("setpriv")
with open("/proc/sys/kernel/perf_event_paranoid") as f:
    paranoid = int(f.read())
if os.geteuid() == 0 and setpriv and paranoid >= 2:
    udir = os.path.join(base, "nobody")
    os.mkdir(udir)
    os.chmod(udir, 0o777)
    os.chmod(base, 0o755)
    pick = [v for v in ("copy/memcpy", "tlb/mprotect-busy", "cow/private") if v in rows]
    q = itlib.run([setpriv, "--reuid=nobody", "--regid=nogroup", "--clear-groups", cowbench,
                   "run", "--variant", ",".join(pick), "--sizes", "4K", "--cpus", "1,max",
                   "--repetitions", "1", "--quick", "--quiet", "--out",
                   os.path.join(udir, "run")], timeout=120)
    itlib.check(q.returncode == 0, "unprivileged: exit %d: %s" % (q.returncode, q.stderr))
    if q.returncode == 0:
        with open(os.path.join(udir, "run", "run.json")) as f:
            udoc = json.load(f)
        umine = judge_run(udoc, "unprivileged: ")
        itlib.check([k for k, v in umine.items() if v[0] == "unmeasured"],
                    "unprivileged: some expectation is unmeasured")
        uctr = itlib.counters(udoc)
        for k, v in umine.items():
            if any(covers(x, k[3]) and (not uctr[x]["available"] or uctr[x]["user_only"])
                   for x in uctr):
                itlib.check(v[0] == "unmeasured", "unprivileged: %s #%d %s is %s, not "
                            "unmeasured" % (itlib.tag(udoc["cells"][k[0]]), k[1] + 1, k[3],
                                            v[0]))
else:
    print("unprivileged run left out: needs root, setpriv and perf_event_paranoid >= 2 "
          "(is %d)" % paranoid)
itlib.finish("it_expectations", base)
