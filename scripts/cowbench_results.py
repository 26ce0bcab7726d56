# SPDX-License-Identifier: GPL-2.0-only
"""cowbench_results - what scripts/plot, scripts/compare and scripts/history share.

Reading:    load_run() reads a run directory's run.json (schema
            cowbench-run/2) and refuses anything else with InputError, which
            the scripts turn into a one-line message and exit status 2 (see
            main()). Every figure of one run (costs per KiB, speed-ups,
            per-remote-CPU costs, intervals) is read from the run's own
            analysis ("derived", written by the C harness); nothing here
            recomputes one.
Naming:     cell keys (variant, size, cpus, placement), metric specs
            ("op.wall_ns", "producer.phase.fault.wall_ns"), numbers, and what
            makes two machines comparable.
Statistics: cowbench_stats.py (only what needs several runs).
Plotting:   cowbench_gnuplot.py.

Python 3 standard library only. Every metric cowbench records is "per
operation" and lower is better (times and event counts).
"""
import fnmatch
import json
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
# the statistics and the drawing live in modules of their own; the scripts
# reach everything through this one
from cowbench_gnuplot import (DASHES, DISTINCT, FAMILIES, GNUPLOT_DIR, SCRIPTS_DIR,  # noqa
                              GNUPLOT_MISSING, KEY_CHAR_PX, KEY_ROW_PX, KEY_SAMPLE_PX,
                              OPEN_POINTS, POINTS, Figure, Panel, ToolError, class_style,
                              count_tics, gnuplot_path, gp_string, lin_range, log_range,
                              log_tics, run_gnuplot, size_tics, wrap)
from cowbench_stats import (EXCURSION_MAX, MEDIAN_EFFICIENCY, MIN_LEVEL,  # noqa
                            Step, Welch, betainc, detect_steps, holm, interval_se,
                            median, noise_scale, norm_ppf, t_cdf, t_ppf, t_sf2)

SCHEMA = "cowbench-run/2"
ROLES = ("op", "producer", "consumer", "bystanders", "bystander", "peer")
UNKNOWN_MACHINE = "unknown machine"


class InputError(Exception):
    """A missing, malformed or foreign input: the scripts exit 2."""


def main(fn):
    """Run fn() -> exit status; InputError -> 2, ToolError -> 1."""
    prog = os.path.basename(sys.argv[0])
    try:
        rc = fn()
    except InputError as e:
        print("%s: error: %s" % (prog, e), file=sys.stderr)
        rc = 2
    except ToolError as e:
        print("%s: %s" % (prog, e), file=sys.stderr)
        rc = 1
    except BrokenPipeError:
        rc = 0
    except KeyboardInterrupt:
        rc = 130
    sys.exit(rc)


# ---------------------------------------------------------------- reading ---

class Interval:
    """A figure and its 95% interval as run.json writes it (INTERVAL)."""
    __slots__ = ("value", "lo", "hi", "method", "n")

    def __init__(self, value, lo, hi, method, n):
        self.value, self.lo, self.hi, self.method, self.n = value, lo, hi, method, n

    def ci(self):
        """(lo, hi), or None when the figure has no interval."""
        if self.lo is None or self.hi is None:
            return None
        return self.lo, self.hi

    def band(self):
        """(lo, hi) to draw: the value itself where there is no interval."""
        return self.ci() or (self.value, self.value)


class Metric:
    """A cell's metric: its figure over the repetitions (.fig, an Interval)
    and each repetition's own figure (.reps, the median of its samples;
    repetitions without one left out)."""
    __slots__ = ("role", "name", "unit", "fig", "reps")

    def __init__(self, role, name, unit, fig, reps):
        self.role, self.name, self.unit, self.fig, self.reps = role, name, unit, fig, reps

    @property
    def value(self):
        return self.fig.value


class Cell:
    __slots__ = ("id", "variant", "cls", "size", "size_label", "cpus", "placement",
                 "status", "reason", "metrics", "raw")

    @property
    def key(self):
        return (self.variant, self.size, self.cpus, self.placement)

    @property
    def ok(self):
        return self.status == "ok"

    def metric(self, role, name):
        return self.metrics.get((role, name))

    def label(self):
        return "%s %s cpus=%d %s" % (self.variant, self.size_label, self.cpus, self.placement)


class Run:
    """One run directory: .doc is run.json as read, .cells by key, .by_id by
    id, and the run's own analysis: .derived {cell id: {name: Interval}},
    .twins [(cell, twin cell, speed-up Interval)], .remote_cost [dict],
    .crossovers [dict] (measured; the model's: load_model())."""

    def __init__(self, path, doc):
        self.path = path
        self.doc = doc
        self.name = os.path.basename(os.path.normpath(path))
        self.machine = doc.get("machine") or {}
        self.variants = {}
        self.classes = []           # in the order the run lists its variants
        self.cells = {}
        self.by_id = {}
        self.cell_list = []
        self.derived = {}
        self.twins = []
        self.remote_cost = []
        self.crossovers = []

    @property
    def started(self):
        return self.doc.get("started") or ""

    @property
    def git_rev(self):
        return (self.doc.get("tool") or {}).get("git_rev") or "unknown"

    @property
    def status(self):
        return self.doc.get("status")

    def variant_class(self, name):
        v = self.variants.get(name)
        return v["class"] if v else "other"

    def phases(self, name):
        """The phases the variant declares, in its order."""
        v = self.variants.get(name) or {}
        return [p["name"] for p in v.get("phases") or []]

    def counters(self):
        """{key: counter record} as the run declared them, in its order."""
        out = {}
        for c in self.doc.get("counters") or []:
            if isinstance(c, dict) and isinstance(c.get("key"), str):
                out[c["key"]] = c
        return out

    def ok_cells(self):
        return [c for c in self.cell_list if c.ok]

    def summary_lines(self):
        """machine.summary: the lines that name the machine (and the build)."""
        lines = self.machine.get("summary")
        if isinstance(lines, list) and lines and all(isinstance(s, str) for s in lines):
            return list(lines)
        return [UNKNOWN_MACHINE]


def _finite(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def _need(obj, key, types, where, null=False):
    if not isinstance(obj, dict) or key not in obj:
        raise InputError("%s: missing '%s'" % (where, key))
    v = obj[key]
    if v is None and null:
        return None
    if not isinstance(v, types) or isinstance(v, bool) and bool not in _tuple(types):
        raise InputError("%s: '%s' has the wrong type (%s)" % (where, key, type(v).__name__))
    return v


def _opt(obj, key, types, where, default=None):
    """An optional member: absent or null -> default."""
    if not isinstance(obj, dict) or obj.get(key) is None:
        return default
    return _need(obj, key, types, where)


def _tuple(t):
    return t if isinstance(t, tuple) else (t,)


def _number(obj, key, where):
    """A finite number or null (run.json writes null for a figure that does
    not exist, never NaN or 0)."""
    v = _need(obj, key, (int, float), where, null=True)
    if v is not None and not _finite(v):
        raise InputError("%s: '%s' is not a finite number" % (where, key))
    return None if v is None else float(v)


def _interval(obj, key, where, required=True):
    if not required and (not isinstance(obj, dict) or obj.get(key) is None):
        return None
    d = _need(obj, key, dict, where)
    w = "%s %s" % (where, key)
    return Interval(_number(d, "value", w), _number(d, "lo", w), _number(d, "hi", w),
                    _opt(d, "method", str, w, ""), _opt(d, "n", int, w, 0))


def run_json_path(path):
    if os.path.isdir(path):
        return os.path.join(path, "run.json")
    if os.path.basename(path) == "results.csv":       # its run's run.json
        return os.path.join(os.path.dirname(path) or ".", "run.json")
    return path


def load_run(path):
    """Read and validate a run directory (or its run.json). Raises InputError."""
    jpath = run_json_path(path)
    rdir = os.path.dirname(jpath) or "."
    if not os.path.exists(path):
        raise InputError("%s: no such run directory" % path)
    if not os.path.isfile(jpath):
        raise InputError("%s: no run.json (not a cowbench run directory)" % path)
    try:
        with open(jpath, encoding="utf-8") as f:
            doc = json.load(f)
    except UnicodeDecodeError:
        raise InputError("%s: not a text file" % jpath)
    except json.JSONDecodeError as e:
        raise InputError("%s: not valid JSON (line %d column %d: %s)"
                         % (jpath, e.lineno, e.colno, e.msg))
    except RecursionError:
        raise InputError("%s: JSON nested too deeply to be a run.json" % jpath)
    except ValueError as e:             # e.g. an integer of 5000 digits
        raise InputError("%s: not a readable JSON document (%s)" % (jpath, e))
    except MemoryError:
        raise InputError("%s: too large to read" % jpath)
    except OSError as e:
        raise InputError("%s: %s" % (jpath, e.strerror))
    if not isinstance(doc, dict) or "schema" not in doc:
        raise InputError("%s: not a cowbench run.json (no \"schema\": \"%s\")" % (jpath, SCHEMA))
    if doc["schema"] != SCHEMA:
        raise InputError("%s: schema %s is not %s, the one this script reads"
                         % (jpath, json.dumps(doc["schema"])[:60], SCHEMA))
    for key, types in (("tool", dict), ("status", str), ("started", str),
                       ("machine", dict), ("variants", list), ("cells", list),
                       ("derived", dict)):
        _need(doc, key, types, jpath)
    run = Run(rdir, doc)
    for i, v in enumerate(doc["variants"]):
        _load_variant(run, v, "%s: variants[%d]" % (jpath, i))
    for i, c in enumerate(doc["cells"]):
        cell = _load_cell(c, "%s: cells[%d]" % (jpath, i))
        if cell.key in run.cells or cell.id in run.by_id:
            raise InputError("%s: cells[%d] repeats the cell %s" % (jpath, i, cell.label()))
        if cell.variant not in run.variants:
            raise InputError("%s: cells[%d]: variant %s is not in 'variants'"
                             % (jpath, i, cell.variant))
        run.cells[cell.key] = cell
        run.by_id[cell.id] = cell
        run.cell_list.append(cell)
    _load_derived(run, doc["derived"], "%s: derived" % jpath)
    return run


def _load_variant(run, v, where):
    name = _need(v, "name", str, where)
    where = "%s (%s)" % (where, name)
    cls = _need(v, "class", str, where)
    phases = _opt(v, "phases", list, where, [])
    for j, p in enumerate(phases):
        _need(p, "name", str, "%s phases[%d]" % (where, j))
    _opt(v, "twin", str, where)
    run.variants[name] = v
    if cls not in run.classes:
        run.classes.append(cls)


def _load_cell(c, where):
    if not isinstance(c, dict):
        raise InputError("%s: not an object" % where)
    cell = Cell()
    cell.variant = _need(c, "variant", str, where)
    where = "%s (%s)" % (where, cell.variant)
    cell.id = _need(c, "id", int, where)
    cell.cls = _need(c, "class", str, where)
    cell.size = _need(c, "size", int, where)
    cell.size_label = _need(c, "size_label", str, where)
    cell.cpus = _need(c, "cpus", int, where)
    # THP is a dimension of a cell like its placement: folded into it here,
    # so that every grouping by placement keeps THP cells apart
    cell.placement = with_thp(_need(c, "placement", str, where),
                              _opt(c, "thp", str, where, "never"))
    cell.status = _need(c, "status", str, where)
    if cell.size <= 0 or cell.cpus <= 0:
        raise InputError("%s: size and cpus must be positive" % where)
    cell.reason = _opt(c, "reason", str, where)
    cell.raw = c
    cell.metrics = {}
    for j, m in enumerate(_opt(c, "metrics", list, where, [])):
        mw = "%s metrics[%d]" % (where, j)
        role = _need(m, "role", str, mw)
        name = _need(m, "metric", str, mw)
        unit = _opt(m, "unit", str, mw, "")
        fig = _interval(m, "value", mw)
        reps = _need(m, "rep_medians", list, mw)
        if not all(r is None or _finite(r) for r in reps):
            raise InputError("%s: rep_medians must be numbers or null" % mw)
        if (role, name) in cell.metrics:
            raise InputError("%s: repeats %s.%s" % (mw, role, name))
        cell.metrics[(role, name)] = Metric(role, name, unit, fig,
                                            [float(r) for r in reps if r is not None])
    return cell


def _cell_ref(run, obj, key, where):
    i = _need(obj, key, int, where)
    if i not in run.by_id:
        raise InputError("%s: '%s' %d is no cell of the run" % (where, key, i))
    return run.by_id[i]


def _load_derived(run, d, where):
    for i, e in enumerate(_opt(d, "cells", list, where, [])):
        w = "%s.cells[%d]" % (where, i)
        cell = _cell_ref(run, e, "cell", w)
        run.derived[cell.id] = {k: _interval(e, k, w, required=False)
                                for k in ("wall_ns", "ns_per_kib", "ns_per_page",
                                          "gib_per_s", "cpu_ns_per_kib")}
    for i, e in enumerate(_opt(d, "twins", list, where, [])):
        w = "%s.twins[%d]" % (where, i)
        run.twins.append((_cell_ref(run, e, "cell", w), _cell_ref(run, e, "twin_cell", w),
                          _interval(e, "speedup", w)))
    for i, e in enumerate(_opt(d, "remote_cpu_cost", list, where, [])):
        w = "%s.remote_cpu_cost[%d]" % (where, i)
        run.remote_cost.append({
            "variant": _need(e, "variant", str, w), "size": _need(e, "size", int, w),
            "placement": with_thp(_need(e, "placement", str, w),
                                  _opt(e, "thp", str, w, "never")),
            "cost": _interval(e, "ns_per_remote_cpu", w),
            "intercept": _number(e, "intercept_ns", w)})
    for i, e in enumerate(_opt(d, "crossovers", list, where, [])):
        run.crossovers.append(_crossover(e, "%s.crossovers[%d]" % (where, i), True))


def _crossover(e, w, measured):
    """A crossover, measured (with a placement and interval) or the model's."""
    x = {"variant": _need(e, "variant", str, w), "twin": _need(e, "twin", str, w),
         "cpus": _need(e, "cpus", int, w), "kind": _need(e, "kind", str, w),
         "size": _number(e, "size", w)}
    if x["kind"] not in ("never", "always", "at") or x["kind"] == "at" and not x["size"]:
        raise InputError("%s: kind %s with size %s" % (w, json.dumps(x["kind"]), x["size"]))
    if measured:
        x["placement"] = with_thp(_need(e, "placement", str, w), _opt(e, "thp", str, w, "never"))
        x["lo"], x["hi"] = _number(e, "lo", w), _number(e, "hi", w)
    else:
        x["extrapolated"] = _need(e, "extrapolated", bool, w)
    return x


def load_model(run):
    """derived.model (results/README.md, "The model") or None, read only by
    what draws it; a prediction's "kind": independent, own constants, own line."""
    m = _opt(run.doc["derived"], "model", dict, "derived")
    if m is None:
        return None
    w = "%s: derived.model" % run_json_path(run.path)
    s = _opt(m, "summary", dict, w, {})
    model = {k: _number(m, k, w) for k in ("ceiling_pages", "tolerance")}
    model.update(summary={k: _opt(s, k, int, w) for k in ("independent", "independent_within")},
                 predictions=[], crossovers=[])
    for i, p in enumerate(_opt(m, "predictions", list, w, [])):
        pw = "%s.predictions[%d]" % (w, i)
        own_line, uses_own = _need(p, "own_line", bool, pw), _need(p, "uses_own", bool, pw)
        model["predictions"].append({
            "cell": _cell_ref(run, p, "cell", pw),
            "kind": "own line" if own_line else "own constants" if uses_own else "independent",
            "predicted": _interval(p, "predicted_ns", pw),
            "measured": _number(p, "measured_ns", pw), "within": _opt(p, "within", bool, pw)})
    for i, e in enumerate(_opt(m, "crossovers", list, w, [])):
        model["crossovers"].append(_crossover(e, "%s.crossovers[%d]" % (w, i), False))
    return model


def with_thp(placement, thp):
    """The placement of a cell with THP is "PLACEMENT+thp"."""
    return placement + "+thp" if thp == "always" else placement


def load_runs(paths):
    if not paths:
        raise InputError("no run directories given")
    return [load_run(p) for p in paths]


# ----------------------------------------------------------------- naming ---

def fmt_num(v, sig=4):
    """A number in at most ~8 characters: 56.68, 1366, 1151514, 0.0031."""
    if v is None or not _finite(v):
        return "-"
    if v == 0:
        return "0"
    a = abs(v)
    if a >= 10 ** (sig - 1):
        return "%d" % round(v)
    if a < 1e-3:
        return "%.2e" % v
    digits = sig - 1 - int(math.floor(math.log10(a)))
    return "%.*f" % (max(digits, 0), v)


def parse_metric(spec):
    """'wall_ns' -> ('op','wall_ns'); 'producer.cpu_ns'; 'phase.x.wall_ns' ->
    ('producer', ...) since phases are recorded for the producer."""
    spec = spec.strip()
    if not spec:
        raise InputError("empty --metric")
    head, _, rest = spec.partition(".")
    if head in ROLES and rest:
        return head, rest
    if spec.startswith("phase."):
        return "producer", spec
    return "op", spec


def unit_of(name, unit=""):
    if unit:
        return unit
    return "ns/op" if name.endswith("_ns") else "count/op"


def match_any(name, globs):
    return not globs or any(fnmatch.fnmatchcase(name, g) for g in globs)


# ---------------------------------------------------------------- machine ---

def _g(d, *path, default=None):
    for p in path:
        if not isinstance(d, dict) or p not in d:
            return default
        d = d[p]
    return d


def machine_fields(run):
    """The facts that make two machines (or setups) comparable, by name."""
    m = run.machine
    vul = _g(m, "vulnerabilities") or {}
    return {
        "host": _g(m, "hostname"),
        "cpu": _g(m, "cpu", "model_name"),
        "cpu id": "%s/%s/%s" % (_g(m, "cpu", "family"), _g(m, "cpu", "model"),
                                _g(m, "cpu", "stepping")),
        "microcode": _g(m, "cpu", "microcode"),
        "PUs": _g(m, "topology", "pus"),
        "cores": _g(m, "topology", "cores"),
        "packages": _g(m, "topology", "packages"),
        "NUMA nodes": _g(m, "topology", "numa_nodes"),
        "memory": _g(m, "memory_bytes"),
        "kernel": _g(m, "kernel", "release"),
        "kernel cmdline": _g(m, "kernel", "cmdline"),
        "hypervisor": _g(m, "cpu", "hypervisor_vendor") if _g(m, "cpu", "hypervisor") else None,
        "THP": _g(m, "thp", "enabled"),
        "governor": _g(m, "hygiene", "governor"),
        "boost": _g(m, "hygiene", "boost"),
        "SMT": _g(m, "hygiene", "smt_active"),
        "mitigations": json.dumps(vul, sort_keys=True),
        "compiler": _g(m, "build", "compiler"),
        "cflags": _g(m, "build", "cflags"),
    }


def machine_diff(a, b):
    fa, fb = machine_fields(a), machine_fields(b)
    return [k for k in fa if fa[k] != fb[k]]


def run_line(run):
    """One line: which run and when (machine.summary names the build)."""
    s = "run %s, %s" % (run.name, run.started.replace("T", " ").replace("Z", " UTC"))
    if run.status != "complete":
        s += " [%s]" % run.status
    return s
