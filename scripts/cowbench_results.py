"""cowbench_results - what scripts/plot, scripts/compare and scripts/history share.

Reading:    load_run() reads a run directory (run.json, schema cowbench-run/1,
            and the header of results.csv) and refuses anything else with
            InputError, which the scripts turn into a one-line message and
            exit status 2 (see main()).
Naming:     cell keys (variant, size, cpus, placement), metric specs
            ("op.wall_ns", "producer.phase.fault.wall_ns"), sizes ("64K"),
            numbers, the machine's one-line fingerprint.
Statistics: median and quantiles, the distribution-free CI of a median, an
            exact and fast bootstrap of the median (fixed seed), the CI of a
            ratio of medians, the Mann-Whitney U test (normal approximation,
            tie and continuity corrections), step detection for a series of
            runs (robust binary segmentation), a least-squares line.
Plotting:   run_gnuplot() and the gnuplot-missing message.

Python 3 standard library only. Every metric cowbench records is "per
operation" and lower is better (times and event counts).
"""
import csv
import fnmatch
import json
import math
import os
import random
import shutil
import statistics
import subprocess
import sys

SCHEMA = "cowbench-run/1"
CSV_HEADER = ("variant,class,size_bytes,cpus,placement,role,metric,unit,n,median,"
              "ci_lo,ci_hi,ci_level,p10,p90,min,max,mad,status,reason").split(",")
ROLES = ("op", "producer", "consumer", "bystanders", "peer")
CLASSES = ("copy", "cow", "notify", "primitive")
GNUPLOT_MISSING = "gnuplot not found: apt-get install gnuplot-nox"
SCRIPTS_DIR = os.path.dirname(os.path.abspath(__file__))
GNUPLOT_DIR = os.path.join(SCRIPTS_DIR, "gnuplot")


class InputError(Exception):
    """A missing, malformed or foreign input: the scripts exit 2."""


class ToolError(Exception):
    """A missing or failing tool (gnuplot): the scripts exit 1."""


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

class Metric:
    __slots__ = ("role", "name", "unit", "summary", "samples")

    def __init__(self, role, name, unit, summary, samples):
        self.role, self.name, self.unit = role, name, unit
        self.summary, self.samples = summary, samples

    @property
    def median(self):
        return self.summary.get("median")

    def ci(self):
        """(lo, hi) of the median, or None when the run had too few samples."""
        lo, hi = self.summary.get("ci_lo"), self.summary.get("ci_hi")
        if _finite(lo) and _finite(hi):
            return lo, hi
        return None


class Cell:
    __slots__ = ("variant", "cls", "size", "cpus", "placement", "status",
                 "reason", "metrics", "raw")

    @property
    def key(self):
        return (self.variant, self.size, self.cpus, self.placement)

    @property
    def ok(self):
        return self.status == "ok"

    def metric(self, role, name):
        return self.metrics.get((role, name))

    def label(self):
        return cell_label(self.key)


class Run:
    """One run directory: .doc is run.json as read, .cells by key."""

    def __init__(self, path, doc):
        self.path = path
        self.doc = doc
        self.name = os.path.basename(os.path.normpath(path))
        self.machine = doc.get("machine") or {}
        self.variants = {}
        for v in doc.get("variants") or []:
            if isinstance(v, dict) and isinstance(v.get("name"), str):
                self.variants[v["name"]] = v
        self.cells = {}
        self.cell_list = []

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
        if v and v.get("class"):
            return v["class"]
        for c in self.cell_list:
            if c.variant == name:
                return c.cls
        return "other"

    def twin(self, name):
        v = self.variants.get(name) or {}
        t = v.get("twin")
        return t if isinstance(t, str) and t else None

    def phases(self, name):
        v = self.variants.get(name) or {}
        return [p for p in v.get("phases") or [] if isinstance(p, str)]

    def counters(self):
        """{key: counter record} as the run declared them."""
        out = {}
        for c in self.doc.get("counters") or []:
            if isinstance(c, dict) and isinstance(c.get("key"), str):
                out[c["key"]] = c
        return out

    def ok_cells(self):
        return [c for c in self.cell_list if c.ok]


def _finite(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def _need(obj, key, types, where):
    if not isinstance(obj, dict) or key not in obj:
        raise InputError("%s: missing '%s'" % (where, key))
    v = obj[key]
    if not isinstance(v, types) or isinstance(v, bool) and bool not in _tuple(types):
        raise InputError("%s: '%s' has the wrong type (%s)" % (where, key, type(v).__name__))
    return v


def _tuple(t):
    return t if isinstance(t, tuple) else (t,)


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
    except OSError as e:
        raise InputError("%s: %s" % (jpath, e.strerror))
    if not isinstance(doc, dict) or "schema" not in doc:
        raise InputError("%s: not a cowbench run.json (no \"schema\": \"%s\")" % (jpath, SCHEMA))
    if doc["schema"] != SCHEMA:
        raise InputError("%s: schema %r is not %s, the one this script reads"
                         % (jpath, doc["schema"], SCHEMA))
    for key, types in (("tool", dict), ("status", str), ("started", str),
                       ("machine", dict), ("cells", list)):
        _need(doc, key, types, jpath)
    if "variants" in doc and not isinstance(doc["variants"], list):
        raise InputError("%s: 'variants' is not a list" % jpath)
    run = Run(rdir, doc)
    for i, c in enumerate(doc["cells"]):
        cell = _load_cell(c, "%s: cells[%d]" % (jpath, i))
        if cell.key in run.cells:
            raise InputError("%s: cells[%d] repeats the cell %s" % (jpath, i, cell.label()))
        run.cells[cell.key] = cell
        run.cell_list.append(cell)
    _check_csv(os.path.join(rdir, "results.csv"))
    return run


def _load_cell(c, where):
    if not isinstance(c, dict):
        raise InputError("%s: not an object" % where)
    cell = Cell()
    cell.variant = _need(c, "variant", str, where)
    where = "%s (%s)" % (where, cell.variant)
    cell.cls = c.get("class") if isinstance(c.get("class"), str) else "other"
    cell.size = _need(c, "size", int, where)
    cell.cpus = _need(c, "cpus", int, where)
    cell.placement = _need(c, "placement", str, where)
    cell.status = _need(c, "status", str, where)
    if cell.size <= 0 or cell.cpus <= 0:
        raise InputError("%s: size and cpus must be positive" % where)
    cell.reason = c.get("reason") if isinstance(c.get("reason"), str) else None
    cell.raw = c
    cell.metrics = {}
    for j, m in enumerate(_need(c, "metrics", list, where)):
        mw = "%s metrics[%d]" % (where, j)
        role = _need(m, "role", str, mw)
        name = _need(m, "metric", str, mw)
        unit = m.get("unit") if isinstance(m.get("unit"), str) else ""
        summ = _need(m, "summary", dict, mw)
        samples = _need(m, "samples", list, mw)
        if not all(s is None or _finite(s) for s in samples):
            raise InputError("%s: samples must be numbers" % mw)
        samples = [float(s) for s in samples if s is not None]
        med = summ.get("median")
        if med is not None and not _finite(med):
            raise InputError("%s: summary median is not a number" % mw)
        if med is None and samples:
            summ = dict(summ, median=statistics.median(samples))
        cell.metrics[(role, name)] = Metric(role, name, unit, summ, samples)
    return cell


def _check_csv(path):
    """results.csv is optional here, but when present it must be ours."""
    if not os.path.exists(path):
        return
    try:
        with open(path, newline="", encoding="utf-8") as f:
            header = next(csv.reader(f), None)
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise InputError("%s: unreadable (%s)" % (path, e))
    if header != CSV_HEADER:
        raise InputError("%s: not a cowbench results.csv (header %s)"
                         % (path, ",".join(header or [])[:60] or "empty"))


def load_runs(paths):
    if not paths:
        raise InputError("no run directories given")
    return [load_run(p) for p in paths]


# ----------------------------------------------------------------- naming ---

def fmt_size(n):
    for unit, shift in (("G", 30), ("M", 20), ("K", 10)):
        if n >= (1 << shift) and n % (1 << shift) == 0:
            return "%d%s" % (n >> shift, unit)
    return "%dB" % n


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


def cell_label(key):
    variant, size, cpus, placement = key
    return "%s %s cpus=%d %s" % (variant, fmt_size(size), cpus, placement)


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


def metric_label(role, name):
    return "%s %s" % (role, name)


def unit_of(name, unit=""):
    if unit:
        return unit
    return "ns/op" if name.endswith("_ns") else "count/op"


def match_any(name, globs):
    return not globs or any(fnmatch.fnmatchcase(name, g) for g in globs)


def family(variant):
    return variant.split("/", 1)[0]


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


def fingerprint(run):
    """One line: CPU, topology, kernel, virtualisation."""
    m = run.machine
    cpu = _g(m, "cpu", "model_name", default="unknown CPU")
    pus = _g(m, "topology", "pus")
    pk = _g(m, "topology", "packages")
    parts = [cpu]
    if pus:
        parts.append("%s PUs" % pus + ("/%s pkg" % pk if pk and pk != 1 else ""))
    rel = _g(m, "kernel", "release")
    if rel:
        parts.append("Linux " + rel)
    if _g(m, "cpu", "hypervisor"):
        parts.append("%s guest" % _hv_name(_g(m, "cpu", "hypervisor_vendor")))
    return ", ".join(str(p) for p in parts)


def _hv_name(vendor):
    names = {"KVMKVMKVM": "KVM", "Microsoft Hv": "Hyper-V", "VMwareVMware": "VMware",
             "XenVMMXenVMM": "Xen", "TCGTCGTCGTCG": "QEMU"}
    return names.get(vendor or "", vendor or "VM")


def run_line(run):
    """One line: which run, when, which build."""
    tool = run.doc.get("tool") or {}
    when = run.started.replace("T", " ").replace("Z", " UTC")
    s = "run %s, %s, cowbench %s %s" % (run.name, when, tool.get("version", "?"),
                                        run.git_rev)
    if run.status != "complete":
        s += " [%s]" % run.status
    return s


# ------------------------------------------------------------- statistics ---

def median(xs):
    return statistics.median(xs)


def quantile(xs, q):
    """Linear interpolation between order statistics (type 7)."""
    s = sorted(xs)
    if not s:
        raise ValueError("quantile of nothing")
    pos = (len(s) - 1) * q
    lo = int(math.floor(pos))
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


def norm_sf2(z):
    """Two-sided p-value of a standard normal statistic."""
    return math.erfc(abs(z) / math.sqrt(2.0))


def norm_ppf(p):
    return statistics.NormalDist().inv_cdf(p)


def _binom_cdf(k, n, p=0.5):
    return sum(math.comb(n, i) * p ** i * (1 - p) ** (n - i) for i in range(0, k + 1))


def median_ci(xs, level=0.95):
    """Distribution-free CI of the median from order statistics: the
    narrowest symmetric (x_(j), x_(n-j+1)) with binomial coverage >= level.
    None with fewer than 6 values (coverage would be < 95%)."""
    s = sorted(xs)
    n = len(s)
    if n < 6:
        return None
    best = None
    for j in range(1, n // 2 + 1):
        cover = 1.0 - 2.0 * _binom_cdf(j - 1, n)
        if cover >= level:
            best = (j, cover)
        else:
            break
    if best is None:
        return None
    j = best[0]
    return s[j - 1], s[n - j]


def bootstrap_median(sorted_xs, rng):
    """One bootstrap replicate of the median, drawn exactly and in O(1).

    A resample of n values with replacement is x[floor(n*U_i)] for n iid
    uniforms U_i; floor is monotone, so the resample's k-th smallest value is
    x[floor(n*U_(k))]. The median needs only U_(m) ~ Beta(m, n-m+1) and, for
    even n, U_(m+1), which given U_(m)=u is the least of n-m uniforms on
    (u, 1). Same distribution as resampling all n values, at any n."""
    xs = sorted_xs
    n = len(xs)
    if n == 1:
        return xs[0]
    if n % 2:
        m = (n + 1) // 2
        u = rng.betavariate(m, n - m + 1)
        return xs[min(int(n * u), n - 1)]
    m = n // 2
    u1 = rng.betavariate(m, n - m + 1)
    u2 = u1 + (1.0 - u1) * (1.0 - rng.random() ** (1.0 / (n - m)))
    return 0.5 * (xs[min(int(n * u1), n - 1)] + xs[min(int(n * u2), n - 1)])


def bootstrap_ratio_ci(base, new, seed, resamples=2000, level=0.95):
    """Percentile bootstrap CI of median(new)/median(base), each side
    resampled independently; rng = Random(seed) so the result is fixed for
    a given seed (seed may be an int or a string). None when it cannot be
    formed (empty side, or base medians of zero)."""
    if not base or not new:
        return None
    rng = random.Random(seed)
    b, n = sorted(base), sorted(new)
    ratios = []
    for _ in range(resamples):
        mb = bootstrap_median(b, rng)
        mn = bootstrap_median(n, rng)
        if mb > 0:
            ratios.append(mn / mb)
    if len(ratios) < resamples * 0.9:
        return None
    ratios.sort()
    a = (1.0 - level) / 2.0
    return quantile(ratios, a), quantile(ratios, 1.0 - a)


def ranks(values):
    """Average ranks (1-based) and the tie groups' sizes."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    r = [0.0] * len(values)
    ties = []
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        avg = (i + j) / 2.0 + 1.0
        for k in range(i, j + 1):
            r[order[k]] = avg
        if j > i:
            ties.append(j - i + 1)
        i = j + 1
    return r, ties


def mann_whitney(a, b):
    """Mann-Whitney U test, two-sided, normal approximation with the tie
    correction of the variance and a continuity correction of 0.5.
    Returns (U of a, z, p). p = 1 when every value is equal."""
    n1, n2 = len(a), len(b)
    if n1 == 0 or n2 == 0:
        raise ValueError("Mann-Whitney needs two non-empty samples")
    r, ties = ranks(list(a) + list(b))
    r1 = sum(r[:n1])
    u1 = r1 - n1 * (n1 + 1) / 2.0
    n = n1 + n2
    mu = n1 * n2 / 2.0
    tie_term = sum(t ** 3 - t for t in ties) / float(n * (n - 1)) if n > 1 else 0.0
    var = n1 * n2 / 12.0 * ((n + 1) - tie_term)
    if var <= 0:
        return u1, 0.0, 1.0
    d = abs(u1 - mu) - 0.5
    z = max(d, 0.0) / math.sqrt(var)
    if u1 < mu:
        z = -z
    return u1, z, norm_sf2(z)


def linear_fit(xs, ys):
    """Least squares y = a + b*x -> (a, b); None with < 2 distinct x."""
    n = len(xs)
    if n < 2:
        return None
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    if sxx == 0:
        return None
    b = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx
    return my - b * mx, b


class Step:
    """A shift in a series: the level changes between index-1 and index."""
    __slots__ = ("index", "before", "after", "change", "z")

    def __init__(self, index, before, after, change, z):
        self.index, self.before, self.after = index, before, after
        self.change, self.z = change, z

    def __repr__(self):
        return "Step(%d, %.4g -> %.4g, %+.1f%%, z=%.1f)" % (
            self.index, self.before, self.after, 100 * self.change, self.z)


MEDIAN_EFFICIENCY = math.sqrt(math.pi / 2.0)   # sd(median) / sd(mean), normal data
EXCURSION_MAX = 60
MIN_LEVEL = 3


def noise_scale(values, halfwidths=None, level=0.95):
    """The run-to-run noise of a series, robustly: 1.4826 * median |first
    difference| / sqrt(2) (a step spoils one difference, not the median of
    them), never less than the typical within-run uncertainty of a median
    (its CI half-width / z). With < 3 differences only the latter is used."""
    d = [abs(values[i + 1] - values[i]) for i in range(len(values) - 1)]
    between = 1.4826 * median(d) / math.sqrt(2.0) if len(d) >= 3 else 0.0
    within = 0.0
    hw = [h for h in (halfwidths or []) if h is not None and _finite(h)]
    if hw:
        within = median(hw) / norm_ppf(0.5 + level / 2.0)
    return max(between, within)


def detect_steps(values, halfwidths=None, threshold=0.05, alpha=0.05, level=0.95):
    """Shifts beyond noise in a series of per-run medians (in run order).

    Method (robust binary segmentation):
      1. Work on log(values) when all are positive (a step is a ratio),
         else on the values. halfwidths: each run's CI half-width of its
         median on the same scale (or None).
      2. sigma = noise_scale() of the whole series: the run-to-run noise.
      3. In a segment, place the split k where the two sides fit their own
         medians best: least sum of absolute deviations from the left and
         the right median (an L1 change-point cost; unlike the largest
         difference of medians it does not drift by one run, since every
         run on the wrong side adds to the cost).
      4. Every level must last MIN_LEVEL (3) runs, except the newest: a
         shift at the last run is reported at once (CI needs to know); one
         or two odd runs elsewhere are outliers (a median of 3 ignores one),
         not a step. The split is a step when:
           z = |med(right) - med(left)| /
               (1.2533 * sigma * sqrt(1/n_left + 1/n_right))
             > Phi^-1(1 - alpha / (2 K))           (Bonferroni over the K
                                                    possible splits; 1.2533 =
                                                    a median's standard error
                                                    relative to a mean's)
           |exp(med(right) - med(left)) - 1| >= threshold.
      5. Recurse into both sides of an accepted step.
      6. When no single split is a step, look for an excursion (a shift
         that reverts, which no single split separates): the pair k1 < k2
         of least three-segment L1 cost (levels as in 4); both are steps
         when each passes the test of 4 against its neighbour level
         (Bonferroni over the pairs). Recurse into all three.
         Searched in segments of up to EXCURSION_MAX runs (cost ~ n^3).
    Returns [Step] by index (the first run of the new level).""" 
    n = len(values)
    if n < 2:
        return []
    use_log = all(v > 0 for v in values)
    y = [math.log(v) for v in values] if use_log else list(values)
    sigma = noise_scale(y, halfwidths, level)
    if sigma <= 0:
        sigma = 1e-12 * max(1.0, max(abs(v) for v in y))
    steps = []

    def rel(before, after):
        if use_log:
            return math.exp(after - before) - 1.0
        if before == 0:
            return math.inf if after != 0 else 0.0
        return (after - before) / abs(before)

    def l1(seg):
        m = median(seg)
        return sum(abs(v - m) for v in seg)

    def cuts(s, e):
        """Splits of [s, e) that leave every level MIN_LEVEL+ runs long,
        except the newest level (one that reaches the last run)."""
        last = e if e == n else e - MIN_LEVEL + 1
        return list(range(s + MIN_LEVEL, last))

    def split(s, e):
        ks = cuts(s, e)
        if not ks:
            return
        best = None
        for k in ks:
            cost = l1(y[s:k]) + l1(y[k:e])
            if best is None or cost < best[1] - 1e-12 * (1.0 + abs(best[1])):
                best = (k, cost)
        k = best[0]
        left, right = y[s:k], y[k:e]
        lb, la = median(left), median(right)
        se = MEDIAN_EFFICIENCY * sigma * math.sqrt(1.0 / len(left) + 1.0 / len(right))
        z = abs(la - lb) / se
        zcrit = norm_ppf(1.0 - alpha / (2.0 * len(ks)))
        change = rel(lb, la)
        if z > zcrit and abs(change) >= threshold:
            before = math.exp(lb) if use_log else lb
            after = math.exp(la) if use_log else la
            steps.append(Step(k, before, after, change, z))
            split(s, k)
            split(k, e)
        else:
            excursion(s, e)

    def test(left, right):
        lb, la = median(left), median(right)
        se = MEDIAN_EFFICIENCY * sigma * math.sqrt(1.0 / len(left) + 1.0 / len(right))
        return lb, la, abs(la - lb) / se

    def excursion(s, e):
        m = e - s
        if m > EXCURSION_MAX:
            return False
        pairs = [(k1, k2) for k1 in cuts(s, e) for k2 in cuts(k1, e)]
        if not pairs:
            return False
        cost = {}
        for i in range(s, e):
            for j in range(i + 1, e + 1):
                cost[(i, j)] = l1(y[i:j])
        best = None
        for k1, k2 in pairs:
            c = cost[(s, k1)] + cost[(k1, k2)] + cost[(k2, e)]
            if best is None or c < best[2] - 1e-12 * (1.0 + abs(best[2])):
                best = (k1, k2, c)
        k1, k2, _ = best
        zcrit = norm_ppf(1.0 - alpha / (2.0 * len(pairs)))
        found = []
        for k, left, right in ((k1, y[s:k1], y[k1:k2]), (k2, y[k1:k2], y[k2:e])):
            a, b, z = test(left, right)
            if z <= zcrit or abs(rel(a, b)) < threshold:
                return False        # each edge must be a step of its own
            bb, aa = (math.exp(a), math.exp(b)) if use_log else (a, b)
            found.append(Step(k, bb, aa, rel(a, b), z))
        steps.extend(found)
        split(s, k1)
        split(k1, k2)
        split(k2, e)
        return True

    split(0, n)
    return sorted(steps, key=lambda st: st.index)


# ---------------------------------------------------------------- gnuplot ---

def gnuplot_path():
    return shutil.which("gnuplot")


def gp_string(s):
    """A gnuplot double-quoted string literal."""
    s = str(s).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return '"%s"' % s


def run_gnuplot(script, params_file, outfile, fmt, width, height):
    """Render scripts/gnuplot/<script> with the generated parameters into
    outfile (fmt 'png' or 'svg'). Raises ToolError on failure."""
    gp = gnuplot_path()
    if not gp:
        raise ToolError(GNUPLOT_MISSING)
    setup = "params=%s; outfile=%s; fmt=%s; width=%d; height=%d; gpdir=%s" % (
        gp_string(params_file), gp_string(outfile), gp_string(fmt), width, height,
        gp_string(GNUPLOT_DIR))
    p = subprocess.run([gp, "-e", setup, os.path.join(GNUPLOT_DIR, script)],
                       capture_output=True, text=True)
    if p.returncode != 0 or not os.path.isfile(outfile) or os.path.getsize(outfile) == 0:
        raise ToolError("gnuplot failed on %s (%s): %s"
                        % (script, os.path.basename(outfile), p.stderr.strip()[-600:]))
    return p.stderr


# ----------------------------------------------------------------- figures ---

# Colours by strategy class: shades of one hue per class, so a reader sees
# the strategy first and the variant second.
PALETTES = {
    "copy": ["#1f4e9c", "#3b8fd6", "#0b2e66", "#6aa9e9", "#2f6db5"],
    "cow": ["#c0281d", "#e8742a", "#8c1510", "#f29e6b", "#d4483a"],
    "notify": ["#1a7f37", "#5bb85c", "#0d5124", "#8fd18f", "#2e9e4f"],
    "primitive": ["#6a3d9a", "#9e7cc9", "#45206e", "#c2a5e0", "#7f52b3"],
    "other": ["#505050", "#8a8a8a", "#2a2a2a", "#b0b0b0", "#6a6a6a"],
}
DISTINCT = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b",
            "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"]
POINTS = [7, 5, 9, 13, 11, 15]          # filled circle, square, triangles, diamond...
OPEN_POINTS = [6, 4, 8, 12, 10, 14]


def class_style(cls, i):
    pal = PALETTES.get(cls, PALETTES["other"])
    return pal[i % len(pal)], POINTS[i % len(POINTS)], 1 + (i // len(pal)) % 3


def size_tics(sizes):
    """Explicit x tics for buffer sizes: powers of two (every other one when
    the range is wide), labelled 4K ... 64M."""
    lo, hi = min(sizes), max(sizes)
    e0, e1 = int(math.floor(math.log2(lo))), int(math.ceil(math.log2(hi)))
    step = 1 if e1 - e0 <= 8 else 2
    tics = []
    e = e0
    while e <= e1:
        tics.append('"%s" %d' % (fmt_size(1 << e), 1 << e))
        e += step
    return "(" + ", ".join(tics) + ")"


def count_tics(values):
    return "(" + ", ".join('"%d" %d' % (v, v) for v in sorted(set(values))) + ")"


def log_range(values, pad=1.35):
    lo, hi = min(values), max(values)
    return "[%.6g:%.6g]" % (lo / pad, hi * pad)


def log_tics(rng):
    """Tick positions for a log axis over the range string "[lo:hi]": the
    decades, or 1-2-5 steps when it spans less than two decades (gnuplot
    would label a single tick)."""
    lo, hi = (float(x) for x in rng.strip("[]").split(":"))
    if lo <= 0 or hi <= lo:
        return ""
    steps = (1,) if hi / lo >= 100 else (1, 2, 5)
    out = []
    e = int(math.floor(math.log10(lo)))
    while 10.0 ** e <= hi:
        for m in steps:
            v = m * 10.0 ** e
            if lo <= v <= hi:
                out.append("%.6g" % v)
        e += 1
    return "(" + ", ".join(out) + ")" if len(out) >= 2 else ""


def lin_range(values, pad=0.08, zero=False):
    lo, hi = min(values), max(values)
    if zero:
        lo = min(lo, 0.0)
    span = (hi - lo) or abs(hi) or 1.0
    return "[%.6g:%.6g]" % (lo - pad * span if not zero else lo, hi + pad * span)


class Panel:
    def __init__(self, title, xlabel, ylabel, xrange="[*:*]", yrange="[*:*]",
                 xtics="", ytics="", hline=None, hlabel="", vlines=(), ytics_set=""):
        self.title, self.xlabel, self.ylabel = title, xlabel, ylabel
        self.ytics_set = ytics_set      # replaces the automatic y tics
        self.xrange, self.yrange, self.xtics, self.ytics = xrange, yrange, xtics, ytics
        self.hline, self.hlabel, self.vlines = hline, hlabel, list(vlines)
        self.data = {}          # series index -> [(x, y, lo, hi[, label])]

    def add(self, sindex, x, y, lo=None, hi=None, label=None):
        row = [x, y, y if lo is None else lo, y if hi is None else hi]
        if label is not None:
            row.append(label)
        self.data.setdefault(sindex, []).append(row)


class Figure:
    """A multi-panel figure: series (style shared by all panels), panels
    with data, a title, a legend strip. render() writes the parameters and
    CSVs for scripts/gnuplot/<script> and runs gnuplot once per format."""

    def __init__(self, name, script, title_lines, note=""):
        self.name, self.script = name, script
        self.title_lines = [t for t in title_lines if t]
        self.note = note
        self.series = []
        self.ids = {}
        self.panels = []
        self.vars = {}          # extra numeric gnuplot variables for the script
        self.xtic_room = 0      # extra pixels under each panel for long x tics

    def add_series(self, sid, title, color, dash=1, pt=7, style="err", lw=1.5, key=True):
        if sid in self.ids:
            return self.ids[sid]
        self.series.append(dict(title=title, color=color, dash=dash, pt=pt,
                                style=style, lw=lw, key=key))
        self.ids[sid] = len(self.series)
        return self.ids[sid]

    def add_panel(self, panel):
        self.panels.append(panel)
        return panel

    def used_series(self):
        used = set()
        for p in self.panels:
            used.update(s for s, rows in p.data.items() if rows)
        return used

    def _layout(self):
        n = len(self.panels)
        cols = 1 if n == 1 else 2 if n in (2, 4) else 3
        rows = (n + cols - 1) // cols
        pw, ph = (880, 520) if cols == 1 else (600, 420) if cols == 2 else (520, 400)
        ph += self.xtic_room
        width = cols * pw + 30
        used = self.used_series()
        keyed = [i for i in range(1, len(self.series) + 1)
                 if i in used and self.series[i - 1]["key"]]
        longest = max([len(self.series[i - 1]["title"]) for i in keyed] or [10])
        colw = 8 * longest + 90
        kcols = max(1, min(len(keyed), (width - 40) // colw))
        krows = (len(keyed) + kcols - 1) // kcols
        note_lines = self.note.count("\n") + 1 if self.note else 0
        key_h = 16 + 19 * krows + 15 * note_lines + (8 if note_lines else 0)
        self.title_lines = wrap("\n".join(self.title_lines), int(width / 8.8)).split("\n")
        title_h = 22 + 17 * len(self.title_lines)
        height = title_h + rows * ph + key_h
        boxes = []
        for i in range(n):
            r, c = divmod(i, cols)
            x0, y0 = 15 + c * pw, title_h + r * ph
            boxes.append(((x0 + 82.0) / width, (x0 + pw - 22.0) / width,
                          1.0 - (y0 + ph - 58.0 - self.xtic_room) / height,
                          1.0 - (y0 + 30.0) / height))
        return width, height, boxes, keyed, kcols, (key_h - 6.0) / height, \
            (15.0 * note_lines) / height

    def render(self, workdir, outdir, formats=("png", "svg")):
        if not self.panels:
            return []
        ddir = os.path.join(workdir, self.name)
        os.makedirs(ddir, exist_ok=True)
        width, height, boxes, keyed, kcols, key_t, note_h = self._layout()
        lines = ["datadir = %s" % gp_string(ddir),
                 "figtitle = %s" % gp_string("\n".join(self.title_lines)),
                 "note = %s" % gp_string(self.note),
                 "npanels = %d" % len(self.panels),
                 "key_b = %.5f" % max(note_h, 0.002), "key_t = %.5f" % key_t,
                 "key_cols = %d" % kcols]
        lines += ["%s = %s" % (k, v) for k, v in sorted(self.vars.items())]
        for i, s in enumerate(self.series, 1):
            lines += ["s_title_%d = %s" % (i, gp_string(s["title"])),
                      "s_color_%d = %s" % (i, gp_string(s["color"])),
                      "s_dash_%d = %d" % (i, s["dash"]), "s_pt_%d = %d" % (i, s["pt"]),
                      "s_lw_%d = %.2f" % (i, s["lw"])]
        key_lp = [str(i) for i in keyed if self.series[i - 1]["style"] != "line"]
        key_line = [str(i) for i in keyed if self.series[i - 1]["style"] == "line"]
        lines += ["key_lp = %s" % gp_string(" ".join(key_lp)),
                  "key_line = %s" % gp_string(" ".join(key_line))]
        for pi, (p, box) in enumerate(zip(self.panels, boxes), 1):
            by_style = {k: [] for k in ("err", "band", "lp", "line", "lab")}
            for si in sorted(p.data):
                rows = p.data[si]
                if not rows:
                    continue
                by_style[self.series[si - 1]["style"]].append(str(si))
                with open(os.path.join(ddir, "p%d_s%d.csv" % (pi, si)), "w") as f:
                    for row in sorted(rows, key=lambda r: r[0]):
                        f.write(",".join(_csv_val(v) for v in row) + "\n")
            for k, v in by_style.items():
                lines.append("p_%s_%d = %s" % (k, pi, gp_string(" ".join(v))))
            l, r, b, t = box
            hline = "NaN" if p.hline is None else "%.6g" % p.hline
            lines += ["p_l_%d = %.5f" % (pi, l), "p_r_%d = %.5f" % (pi, r),
                      "p_b_%d = %.5f" % (pi, b), "p_t_%d = %.5f" % (pi, t),
                      "p_title_%d = %s" % (pi, gp_string(p.title)),
                      "p_xlabel_%d = %s" % (pi, gp_string(p.xlabel)),
                      "p_ylabel_%d = %s" % (pi, gp_string(p.ylabel)),
                      "p_xrange_%d = %s" % (pi, gp_string(p.xrange)),
                      "p_yrange_%d = %s" % (pi, gp_string(p.yrange)),
                      "p_xtics_%d = %s" % (pi, gp_string(p.xtics)),
                      "p_ytics_%d = %s" % (pi, gp_string(p.ytics)),
                      "p_yticsset_%d = %s" % (pi, gp_string(p.ytics_set)),
                      "p_hline_%d = %s" % (pi, hline),
                      "p_hlabel_%d = %s" % (pi, gp_string(p.hlabel)),
                      "p_vlines_%d = %s" % (pi, gp_string(" ".join("%.6g" % v for v in p.vlines)))]
        params = os.path.join(ddir, "params.gp")
        with open(params, "w") as f:
            f.write("\n".join(lines) + "\n")
        out = []
        for fmt in formats:
            path = os.path.join(outdir, "%s.%s" % (self.name, fmt.split("-")[0]))
            run_gnuplot(self.script, params, path, fmt, width, height)
            out.append(path)
        return out


def _csv_val(v):
    if isinstance(v, str):
        return v.replace(",", " ")
    if v is None or not _finite(v):
        return "NaN"
    return "%.9g" % v


def wrap(text, width):
    """Greedy word wrap of each line; lines joined by newlines."""
    out = []
    for line in text.split("\n"):
        cur = ""
        for w in line.split(" "):
            if cur and len(cur) + 1 + len(w) > width:
                out.append(cur)
                cur = w
            else:
                cur = (cur + " " + w) if cur else w
        out.append(cur)
    return "\n".join(out)
