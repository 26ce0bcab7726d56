# SPDX-License-Identifier: GPL-2.0-only
"""The run directory against its documentation, results/README.md, from a
real quick run of a few benches (the copy family, a COW and a notify
variant with their copying twins, a TLB primitive at 1 and at the most
CPUs; 2 repetitions):

- the documented files exist (plots/ is written afterwards by
  scripts/plot), nothing else, and no temporary directory is left;
- run.json: every key it writes is documented in the README's schema
  blocks, and every documented key is written (see SCHEMA below for how the
  README is read, and DATA_MAPS for the maps whose keys are data);
- the figures are what the README says: a cell's value is the median of its
  repetitions' figures, each the median of that repetition's samples (or
  the statistic its series names as "aggregate"), with the documented
  interval method; per-cell entries agree with results.csv,
  whose header is the README's;
- (from it_copy_quick) every cell and repetition ok, the first repetition
  to run verifies, raw samples kept, counters available or with a reason
  (never a zero row), the summary fits 80 columns and says how to
  reproduce the run;
- honest labels: a phase under 10 times the cost of its marks, and only
  such a phase, is flagged in details.txt; every role with CPU time has
  its CPUs' interrupt and steal time; the flush tracepoint and the TLB
  interrupt row are described for what they count."""
import math
import os
import re
import statistics
import time

import itlib

VARIANTS = ["copy/memcpy", "copy/write-pipe", "copy/send-tcp", "cow/mprotect-fresh",
            "notify/vmsplice", "tlb/mprotect-busy", "tlb/noop-busy", "cow/private"]
SIZES = (4096, 65536)
# t(0.975, df) for df = 1..4 (n = 2..5), as tabulated
T975 = {1: 12.706204736174705, 2: 4.3026527297494639, 3: 3.1824463052837096,
        4: 2.7764451051977944}

# --- the README's schema -------------------------------------------------
#
# SCHEMA: the "## run.json" section's code blocks are read as the loose
# JSON they are: an object's keys are its quoted names and its bare words
# followed by ",", "}", "{", ":" or "(" ("hostname,", "cpu {...}"); what
# follows ":" up to the next "," is the value: an object, an array, a name
# in capitals (ROOT, VARIANT, CELL, DERIVED: the block introduced by a
# paragraph naming it in backquotes; INTERVAL: the inline `{...}`), or
# prose; "(...)" is a comment; "{...}" is an object whose keys the README
# does not list; `"a", "b": INTERVAL...` makes a and b INTERVALs too.
#
# Maps whose keys are data, not schema, are checked by a rule of their
# own instead of against the README: those the README writes with a
# placeholder key, {report: count} or {key: lowest share} (a lower-case
# word and ":" as the object's only entry), and DATA_MAPS:
# - machine.vulnerabilities: the kernel's /sys/devices/system/cpu/
#   vulnerabilities/ file names, exactly;
# - machine.hygiene: the README lists none of its entries ("hygiene
#   {...}"): snake_case names with scalar values.
# The rules: verify_reports' keys are the variant's declared reports
# (variants[].reports) with whole counts; counters_running's are counter
# keys of the run (counters[]) with shares in (0, 1]; any other
# placeholder map holds scalars.
# Every other "{...}" (machine.cpu, kernel, thp, build, topology) holds
# schema keys the README does not document yet: each is reported.
VULN = "/sys/devices/system/cpu/vulnerabilities"
DATA_MAPS = ("machine.vulnerabilities", "machine.hygiene")


def tokenize(text):
    toks, i = [], 0
    while i < len(text):
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch == '"':
            j = text.index('"', i + 1)
            toks.append(("str", text[i + 1:j]))
            i = j + 1
        elif ch in "{}[](),:|":
            toks.append((ch, ch))
            i += 1
        else:
            j = i
            while j < len(text) and not text[j].isspace() and text[j] not in '{}[](),:|"':
                j += 1
            toks.append(("word", text[i:j]))
            i = j
    return toks


class Schema:
    """Nodes: ("obj", {key: node}), ("arr", node), ("ref", NAME, many),
    ("leaf",), ("opaque",), ("data", placeholder)."""

    def __init__(self, text):
        self.t, self.i = tokenize(text), 0

    def peek(self, k=0):
        return self.t[self.i + k] if self.i + k < len(self.t) else (None, None)

    def take(self):
        x = self.peek()
        self.i += 1
        return x

    def comment(self):
        depth = 0
        while True:
            k, _ = self.take()
            if k is None or (k == ")" and depth == 1):
                return
            depth += {"(": 1, ")": -1}.get(k, 0)

    def value(self, stops):
        node = None
        while True:
            k, v = self.peek()
            if k is None or k in stops:
                return node or ("leaf",)
            if k == "(":
                self.comment()
                continue
            self.take()
            if k == "{":
                n = self.obj()
            elif k == "[":
                n = self.arr()
            elif k == "word" and re.fullmatch(r"[A-Z]{2,}(\.\.\.)?", v):
                n = ("ref", v.rstrip("."), v.endswith("..."))
            else:
                n = ("leaf",)
            node = node or n

    def obj(self):
        if self.peek() == ("word", "...") and self.peek(1)[0] == "}":
            self.take()
            self.take()
            return ("opaque",)
        keys, order = {}, []
        while True:
            k, v = self.peek()
            if k is None or k == "}":
                self.take()
                break
            if k == ",":
                self.take()
                continue
            if k == "word" and self.peek(1)[0] == ":" and not order and \
                    re.fullmatch(r"[a-z]+", v):
                self.take()			# {report: count}: keys are data
                self.take()
                self.value(("}",))
                self.take()
                return ("data", v)
            if k == "str" or (k == "word" and self.peek(1)[0] in (",", "}", "{", ":", "(")):
                self.take()
            else:
                self.value((",", "}"))		# prose ("or null")
                continue
            while self.peek()[0] == "(":
                self.comment()
            if self.peek()[0] == ":":
                self.take()
                keys[v] = self.value((",", "}"))
            elif self.peek()[0] == "{":
                self.take()
                keys[v] = self.obj()
                self.value((",", "}"))
            else:
                keys[v] = None
                self.value((",", "}"))
            order.append(v)
        for i, key in enumerate(order):		# "a", "b": INTERVAL...
            n = keys[key]
            if n and n[0] == "ref" and n[2]:
                for k0 in order[:i]:
                    if keys[k0] is None:
                        keys[k0] = ("ref", n[1], False)
        return ("obj", {k: n or ("leaf",) for k, n in keys.items()})

    def arr(self):
        elem = ("leaf",)
        while True:
            k, _ = self.peek()
            if k is None or k == "]":
                self.take()
                return ("arr", elem)
            if k == ",":
                self.take()
                continue
            n = self.value((",", "]"))
            if elem == ("leaf",):
                elem = n


def parse_block(text):
    s = Schema(text)
    k, _ = s.take()
    return s.obj() if k == "{" else ("leaf",)


def readme_schema(readme):
    sec = readme[readme.index("## run.json"):]
    blocks = {}
    for m in re.finditer(r"```\n(.*?)```", sec, re.S):
        before = sec[:m.start()].rstrip().split("\n\n")[-1]
        names = re.findall(r"`([A-Z]{2,})`", before)
        blocks[names[0] if names else "ROOT"] = parse_block(m.group(1))
    m = re.search(r"An `INTERVAL` is `(\{.*?\})`", sec, re.S)
    if m:
        blocks["INTERVAL"] = parse_block(m.group(1))
    return blocks


class Walk:
    """run.json against the schema: undocumented keys, and for each
    documented key whether any instance of its parent wrote it."""

    def __init__(self, blocks, doc):
        self.blocks, self.doc = blocks, doc
        self.undocumented = set()
        self.seen_parent = {}		# documented object path -> seen as an object
        self.written = set()		# documented key paths written somewhere
        self.documented = {}		# key path -> parent path
        self.reports = {v["name"]: {r["name"] for r in v["reports"]} for v in doc["variants"]}

    def resolve(self, node):
        while node[0] == "ref":
            node = self.blocks.get(node[1], ("opaque",))
        return node

    def walk(self, x, node, path, ctx=None):
        node = self.resolve(node)
        if path in DATA_MAPS or node[0] == "data":
            self.data_map(x, path, ctx)
            return
        if isinstance(x, dict):
            if node[0] != "obj":
                self.undocumented.update(join(path, k) for k in x)
                return
            self.seen_parent[path] = True
            for k, sub in node[1].items():
                self.documented[join(path, k)] = path
            for k, v in x.items():
                kp = join(path, k)
                if k not in node[1]:
                    self.undocumented.add(kp)
                    continue
                self.written.add(kp)
                if path == "cells[]" and k == "repetitions":
                    ctx = x["variant"]
                self.walk(v, node[1][k], kp, ctx)
        elif isinstance(x, list):
            for e in x:
                self.walk(e, node[1] if node[0] == "arr" else ("leaf",), path + "[]", ctx)
        elif node[0] == "obj":
            self.seen_parent.setdefault(path, False)	# documented as an object

    def data_map(self, x, path, variant):
        if not isinstance(x, dict):
            self.undocumented.add(path + " (not an object)")
            return
        self.written.add(path)
        if path == "machine.vulnerabilities":
            if os.path.isdir(VULN):
                itlib.check(set(x) == set(os.listdir(VULN)),
                            "%s: keys %s, %s holds %s" % (path, sorted(x), VULN,
                                                          sorted(os.listdir(VULN))))
            itlib.check(all(isinstance(v, str) for v in x.values()), path + ": strings")
        elif path == "machine.hygiene":
            for k, v in x.items():
                itlib.check(re.fullmatch(r"[a-z0-9_]+", k) and not isinstance(v, (dict, list)),
                            "%s.%s: a snake_case name with a scalar value: %r" % (path, k, v))
        elif path.endswith("verify_reports"):
            known = self.reports.get(variant, set())
            itlib.check(set(x) <= known and all(isinstance(v, int) and v >= 0
                                                for v in x.values()),
                        "%s of %s: %s, the variant declares reports %s"
                        % (path, variant, x, sorted(known)))
        elif path.endswith("counters_running"):
            keys = {c["key"] for c in self.doc["counters"] if c["available"]}
            itlib.check(set(x) <= keys and all(isinstance(v, (int, float)) and 0 < v <= 1
                                               for v in x.values()),
                        "%s: %s, shares in (0, 1] of the run's counters %s"
                        % (path, x, sorted(keys)))
        else:
            itlib.check(all(not isinstance(v, (dict, list)) for v in x.values()),
                        "%s: a map of data to scalars: %s" % (path, x))

    def never_written(self):
        """Documented keys that no instance of their parent wrote."""
        return [kp for kp, parent in sorted(self.documented.items())
                if kp not in self.written and self.seen_parent.get(parent)]


def join(path, key):
    return "%s.%s" % (path, key) if path else key


def documented_objects(blocks, node, path, seen=()):
    """Every documented object path under node (refs expanded once)."""
    if node[0] == "ref":
        if node[1] in seen:
            return []
        return documented_objects(blocks, blocks.get(node[1], ("opaque",)), path,
                                  seen + (node[1],))
    if node[0] == "arr":
        return documented_objects(blocks, node[1], path + "[]", seen)
    if node[0] != "obj" or path in DATA_MAPS:
        return []
    out = [path]
    for k, sub in node[1].items():
        out += documented_objects(blocks, sub, join(path, k), seen)
    return out


# --- the run --------------------------------------------------------------
cowbench, src = itlib.args()
with open(os.path.join(src, "results", "README.md")) as f:
    readme = f.read()
base = itlib.tmpdir()
out = os.path.join(base, "run")
t0 = time.monotonic()
p = itlib.run([cowbench, "run", "--variant", ",".join(VARIANTS), "--sizes",
               ",".join(str(s) for s in SIZES), "--cpus", "1,max", "--repetitions", "2",
               "--quick", "--quiet", "--out", out])
print("the run took %.1f s" % (time.monotonic() - t0))
itlib.check(p.returncode == 0, "exit code %d, stderr: %s" % (p.returncode, p.stderr))
itlib.check(p.stdout.strip() == out, "prints the run directory, got %r" % p.stdout)
if not os.path.exists(os.path.join(out, "run.json")):
    itlib.finish("it_run_format", base)

# the documented files, nothing else, no temporary directory
table = readme[readme.index("| file | what |"):].split("\n\n")[0]
files = re.findall(r"^\| `([^`]+)` \|", table, re.M)
itlib.check({"run.json", "results.csv", "summary.txt", "plots/"} <= set(files),
            "README's table of files: %s" % files)
written = sorted(os.listdir(out))
itlib.check(written == sorted(f for f in files if not f.endswith("/")),
            "the run directory holds %s, the README documents %s" % (written, files))
itlib.check(itlib.no_temp_left(out), "no temporary directory left")
doc, rows, summary = itlib.load_run(out)

# every key documented, every documented key written
blocks = readme_schema(readme)
itlib.check({"ROOT", "VARIANT", "CELL", "INTERVAL", "DERIVED"} <= set(blocks),
            "README's schema blocks: %s" % sorted(blocks))
w = Walk(blocks, doc)
w.walk(doc, blocks.get("ROOT", ("opaque",)), "")
for kp in sorted(w.undocumented):
    itlib.check(False, "run.json writes %s, which results/README.md does not document" % kp)
never = w.never_written()
for kp in never:
    itlib.check(False, "results/README.md documents %s, which run.json never writes" % kp)
for path in documented_objects(blocks, blocks.get("ROOT", ("opaque",)), ""):
    if path and path not in w.seen_parent:
        itlib.check(False, "documented %s: this run wrote none, so its keys are not "
                    "judged (the run should fill it)" % path)
print("run.json: %d documented keys written, %d undocumented, %d never written"
      % (len(w.written), len(w.undocumented), len(never)))

# --- the figures, as documented ----------------------------------------------
for key in ("schema", "tool", "command", "command_line", "status", "started", "ended",
            "options", "machine", "clock", "counters", "variants", "cells", "derived"):
    itlib.check(key in doc, "run.json has %s" % key)
itlib.check(doc["schema"] == "cowbench-run/2", "schema %s" % doc["schema"])
itlib.check(re.search(r"schema `%s`" % re.escape(doc["schema"]), readme),
            "README documents schema %s" % doc["schema"])
itlib.check(doc["status"] == "complete", "status %s" % doc["status"])
itlib.check(doc["signal"] is None, "no signal")
itlib.check(doc["machine"].get("topology") is not None, "machine has topology")
itlib.check(doc["clock"]["read_overhead_ns"] > 0, "timer overhead recorded")
itlib.check(doc["clock"]["phase_mark_overhead_ns"] > 0, "phase mark overhead recorded")
opt = doc["options"]
itlib.check(opt["repetitions"] == 2 and opt["order"] == "shuffle" and
            isinstance(opt["seed"], int), "options: repetitions, order, seed %s"
            % [opt.get(k) for k in ("repetitions", "order", "seed")])
names = [v["name"] for v in doc["variants"]]
itlib.check(sorted(names) == sorted(VARIANTS), "variants %s" % names)
itlib.check(len(doc["cells"]) == len(VARIANTS) * len(SIZES) * len(opt["cpus"]), "cell count")
itlib.check([c["id"] for c in doc["cells"]] == list(range(len(doc["cells"]))), "cell ids")
orders = sorted(r["order"] for c in doc["cells"] for r in c["repetitions"])
itlib.check(orders == list(range(len(orders))), "each repetition has its place in the sweep")


def check_interval(iv, xs, t):
    """INTERVAL over the repetitions' figures xs, as documented."""
    xs = [x for x in xs if x is not None]
    n = len(xs)
    itlib.check(iv["n"] == n, t + ": n %s, %d figures" % (iv["n"], n))
    if not n:
        itlib.check(iv["value"] is None, t + ": no figure, value null")
        return
    med = statistics.median(xs)
    itlib.check(abs(iv["value"] - med) <= 1e-9 * max(1, abs(med)),
                t + ": value %s, the median of the repetitions' %s" % (iv["value"], med))
    method = "none" if n == 1 else "t" if n <= 5 else "order"
    itlib.check(iv["method"] == method, t + ": method %s with %d repetitions" % (iv["method"], n))
    if method == "none":
        itlib.check(iv["lo"] is None and iv["hi"] is None, t + ": no interval from one")
        return
    itlib.check(iv["level"] == 0.95 and iv["lo"] <= iv["value"] <= iv["hi"],
                t + ": %s <= %s <= %s at %s" % (iv["lo"], iv["value"], iv["hi"], iv["level"]))
    if method == "t":
        # every value positive: t on the logarithms, around the plain median;
        # with zeros: t on the values, the lower end clipped at 0
        log = all(x > 0 for x in xs)
        itlib.check(iv["scale"] == ("log" if log else "linear"), t + ": scale %s" % iv["scale"])
        ys = [math.log(x) for x in xs] if log else xs
        mean = statistics.mean(ys)
        h = T975[n - 1] * statistics.stdev(ys) / math.sqrt(n)
        itlib.check(abs(iv["se"] - statistics.stdev(ys) / math.sqrt(n)) <= 1e-9 * max(1, h),
                    t + ": se %s" % iv["se"])
        if log:
            lo, hi = min(math.exp(mean - h), med), max(math.exp(mean + h), med)
        else:
            lo, hi = max(0.0, min(mean - h, med)), max(mean + h, med)
        tol = 1e-6 * max(1, abs(hi))
        itlib.check(abs(iv["lo"] - lo) <= tol and abs(iv["hi"] - hi) <= tol,
                    t + ": t interval [%s, %s], want [%s, %s]" % (iv["lo"], iv["hi"], lo, hi))


for c in doc["cells"]:
    tag = itlib.tag(c)
    itlib.check(c["status"] == "ok", tag + " status %s (%s)" % (c["status"], c["reason"]))
    itlib.check(c["pages"] == math.ceil(c["size"] / 4096) and c["size_label"] in ("4K", "64K"),
                tag + ": pages, size_label")
    itlib.check(len(c["cpu_list"]) == c["cpus"], tag + ": cpu_list")
    itlib.check(len(c["repetitions"]) == opt["repetitions"] and
                [r["rep"] for r in c["repetitions"]] == list(range(opt["repetitions"])),
                tag + ": one entry per repetition")
    itlib.verifying_rep(c)
    for r in c["repetitions"]:
        rt = itlib.rtag(c, r)
        itlib.check(r["ran"] and r["status"] == "ok" and r["reason"] is None,
                    rt + ": %s (%s)" % (r["status"], r["reason"]))
        itlib.check(r["exit"] == {"code": 0, "signal": None}, rt + ": exit %s" % r["exit"])
        itlib.check(r["pid"] and r["spawn_ms"] and r["spawn_ms"] > 0 and
                    r["duration_s"] > 0 and r["started_s"] >= 0, rt + ": process times")
        itlib.check(r["stop_reason"] in ("ci", "cell-budget", "max-samples"),
                    rt + " stop reason %s" % r["stop_reason"])
        itlib.check(r["ops_per_sample"] >= 1 and (not r["depth"] or
                                                  r["ops_per_sample"] % r["depth"] == 0 and
                                                  r["ops_per_sample"] >= 4 * r["depth"]),
                    rt + ": ops_per_sample %s, depth %s" % (r["ops_per_sample"], r["depth"]))
        wall = itlib.metric(r, "op", "wall_ns")
        itlib.check(wall is not None and wall["summary"]["median"] > 0, rt + " has op wall_ns")
        if wall:
            itlib.check(wall["summary"]["n"] >= opt["min_samples"], rt + " min samples")
        for m in r["metrics"]:
            unit = "ns/op" if m["metric"].endswith("_ns") else "count/op"
            itlib.check(m["unit"] == unit, rt + " %s %s: unit %s, want %s"
                        % (m["role"], m["metric"], m["unit"], unit))
            xs = [x for x in m["samples"] if x is not None]
            s = m["summary"]
            itlib.check(s["n"] == len(m["samples"]) and xs and
                        abs(s["median"] - statistics.median(xs)) <= 1e-9 * max(1, abs(s["median"]))
                        and s["min"] == min(xs) and s["max"] == max(xs),
                        rt + " %s %s: summary of its raw samples" % (m["role"], m["metric"]))
    for m in c["metrics"]:
        t = "%s %s %s" % (tag, m["role"], m["metric"])
        meds = []
        for r in c["repetitions"]:
            rm = [x for x in r["metrics"] if (x["role"], x["metric"]) == (m["role"], m["metric"])]
            # a repetition's figure: its samples' median, or the statistic
            # the series names as its aggregate ("mean" for rare events)
            agg = rm[0].get("aggregate", "median") if rm else None
            meds.append(rm[0]["summary"].get(agg) if rm else None)
        itlib.check(m["rep_medians"] == meds, t + ": rep_medians %s, the repetitions' %s"
                    % (m["rep_medians"], meds))
        check_interval(m["value"], m["rep_medians"], t)
    rep_keys = {(x["role"], x["metric"]) for r in c["repetitions"] for x in r["metrics"]}
    itlib.check({(m["role"], m["metric"]) for m in c["metrics"]} == rep_keys,
                tag + ": a figure for every series of its repetitions")

d = doc["derived"]
itlib.check(len(d["cells"]) == len(doc["cells"]) and
            [x["cell"] for x in d["cells"]] == [c["id"] for c in doc["cells"]],
            "derived.cells: one per cell")
for x in d["cells"]:
    c = doc["cells"][x["cell"]]
    wall = itlib.metric(c, "op", "wall_ns")["value"]
    itlib.check(x["wall_ns"]["value"] == wall["value"], itlib.tag(c) + ": derived wall_ns")
    v = x["ns_per_kib"]["value"]
    itlib.check(v is not None and abs(v - wall["value"] * 1024 / c["size"]) <= 1e-6 * v,
                itlib.tag(c) + ": ns_per_kib %s" % v)
    for k in ("wall_ns", "ns_per_kib", "ns_per_page", "gib_per_s", "cpu_ns_per_kib"):
        iv = x[k]
        itlib.check(iv["lo"] is None or iv["lo"] <= iv["value"] <= iv["hi"],
                    "%s: derived %s interval holds its value: %s" % (itlib.tag(c), k, iv))
twin_of = {v["name"]: v["twin"] for v in doc["variants"]}
itlib.check(d["twins"], "derived.twins is filled")
for x in d["twins"]:
    a, b = doc["cells"][x["cell"]], doc["cells"][x["twin_cell"]]
    itlib.check(twin_of[a["variant"]] == b["variant"] and a["size"] == b["size"] and
                a["cpus"] == b["cpus"], "twin %s / %s" % (itlib.tag(a), itlib.tag(b)))
itlib.check(len(d["twins"]) == sum(1 for c in doc["cells"] if twin_of[c["variant"]]),
            "a twin entry per cell with a twin")
itlib.check(d["checks"]["total"] == len(d["checks"]["results"]) > 0 and
            d["checks"]["failed"] == 0, "derived.checks: %s judged, %s failed"
            % (d["checks"]["total"], d["checks"]["failed"]))
itlib.check(d["notes"]["ok_cells"] == len(doc["cells"]) and
            d["notes"]["usable_repetitions"] == len(orders), "derived.notes %s" % d["notes"])

# --- counters: available, or a reason; never a zero row ----------------------
avail = {}
for ctr in doc["counters"]:
    itlib.check(ctr["available"] and not ctr["user_only"] and ctr["reason"] is None or
                (ctr["reason"] or "").strip(), "counter %s has a reason" % ctr["key"])
    avail[ctr["key"]] = ctr["available"]
keys_in_csv = {r["metric"] for r in rows}
for k, a in avail.items():
    if not a:
        itlib.check(k not in keys_in_csv, "unavailable %s has no csv rows" % k)
        itlib.check(not [m for c in doc["cells"] for r in c["repetitions"] for m in r["metrics"]
                         if m["metric"] == k], "unavailable %s has no series" % k)
itlib.check(avail.get("page_faults") is True, "page_faults measurable here")
pf = [r for r in rows if r["metric"] == "page_faults" and r["role"] == "op"]
itlib.check(len(pf) == len(doc["cells"]), "page_faults row per cell")
if not avail.get("cycles", False):
    itlib.check("cycles" in summary and "Not measured" in summary,
                "summary names the unmeasured cycles counter")

# --- results.csv: the README's header, one row per (cell, role, metric) -------
m = re.search(r"## results\.csv\s+```\n(.*?)\n(.*?)\n```", readme, re.S)
want = m.group(1).split(",") if m else []
itlib.check(want and m.group(2).count(",") == len(want) - 1,
            "README's results.csv example has the header's columns")
itlib.check(rows and list(rows[0].keys()) == want, "csv header %s, README %s"
            % (list(rows[0].keys()) if rows else None, want))
bykey = {(r["variant"], int(r["size_bytes"]), int(r["cpus"]), r["placement"], r["role"],
          r["metric"]): r for r in rows}
itlib.check(len(bykey) == len(rows), "one csv row per (cell, role, metric)")
nfig = 0
for c in doc["cells"]:
    for fig in c["metrics"]:
        nfig += 1
        r = bykey.get((c["variant"], c["size"], c["cpus"], c["placement"], fig["role"],
                       fig["metric"]))
        t = "csv %s %s %s" % (itlib.tag(c), fig["role"], fig["metric"])
        itlib.check(r is not None, t + ": has a row")
        if r is None:
            continue
        iv = fig["value"]
        itlib.check(r["class"] == c["class"] and r["unit"] == fig["unit"] and
                    r["status"] == "ok" and r["reason"] == "" and
                    int(r["repetitions"]) == iv["n"] and r["ci_method"] == iv["method"],
                    t + ": %s" % r)
        for col, key in (("median", "value"), ("ci_lo", "lo"), ("ci_hi", "hi"),
                         ("ci_level", "level")):
            x = iv[key]
            itlib.check((r[col] == "" and x is None) or
                        (r[col] != "" and x is not None and
                         abs(float(r[col]) - x) <= 1e-5 * max(1, abs(x))),
                        t + ": %s %r, run.json %s" % (col, r[col], x))
itlib.check(len(rows) == nfig, "csv rows %d, figures %d" % (len(rows), nfig))

# --- summary.txt ---------------------------------------------------------------
itlib.check(not itlib.summary_width(summary), "summary lines over 80 columns: %s"
            % itlib.summary_width(summary))
itlib.check("Reproduce:" in summary, "summary has the reproduce command")
repro = summary[summary.find("Reproduce:"):].replace("\\\n", " ")
itlib.check("--seed %d" % opt["seed"] in " ".join(repro.split()),
            "the reproduce command fixes the shuffle's seed %d" % opt["seed"])
itlib.check(summary.splitlines()[0].startswith("cowbench run ") and "complete" in
            summary.splitlines()[0], "summary's first line: %r" % summary.splitlines()[0])

# --- honest labels (issue 10) ---------------------------------------------------
# A phase under 10 times the cost of its marks is mostly the harness:
# details.txt flags it "*", and only it. Every role's CPU time comes with
# the interrupt time (irq_ns: softirq work thread CPU time can miss) and
# the steal of its CPUs, where /proc/stat has them. The tracepoint's and
# the interrupt row's counters say what they count.
with open(os.path.join(out, "details.txt")) as f:
    details = f.read().splitlines()
mark = doc["clock"]["phase_mark_overhead_ns"]
nphase = 0
for c in doc["cells"]:
    for m in c["metrics"]:
        if m["role"] != "producer" or not m["metric"].startswith("phase."):
            continue
        phase = m["metric"].split(".")[1]
        line = [ln for ln in details if ln.split()[:4] ==
                [phase, c["variant"], c["size_label"], str(c["cpus"])]]
        tiny = m["value"]["value"] < 10 * mark
        itlib.check(len(line) == 1 and line[0].endswith(" *") == tiny,
                    "%s %s %s cpus=%d: %.1f ns against marks of %.1f ns, flagged %s: %s"
                    % (phase, c["variant"], c["size_label"], c["cpus"],
                       m["value"]["value"], mark, tiny, line))
        nphase += 1
itlib.check(nphase > 0, "no phase rows in run.json")
print("phases: %d rows, %d under 10 x the mark cost (%.1f ns)" %
      (nphase, sum(1 for ln in details if ln.endswith(" *")), mark))
if os.access("/proc/stat", os.R_OK):
    for c in doc["cells"]:
        for role in {m["role"] for m in c["metrics"] if m["metric"] == "cpu_ns"} - {"helper"}:
            for key in ("irq_ns", "steal_ns"):
                itlib.check(itlib.metric(c, role, key) is not None,
                            "%s %s cpus=%d: no %s for role %s" %
                            (c["variant"], c["size_label"], c["cpus"], key, role))
desc = {k["key"]: k["desc"] for k in doc["counters"] if k["available"]}
if "tlb_flush.remote_ipi_send" in desc:
    itlib.check("may send" in desc["tlb_flush.remote_ipi_send"],
                "remote_ipi_send described as %r" % desc["tlb_flush.remote_ipi_send"])
if "tlb_ipi" in desc:
    itlib.check("received" in desc["tlb_ipi"], "tlb_ipi described as %r" % desc["tlb_ipi"])
itlib.finish("it_run_format", base)
