# SPDX-License-Identifier: GPL-2.0-only
"""cowbench_stats - the statistics that need several runs (scripts/compare,
scripts/history): Student's t distribution (CDF from the regularized
incomplete beta function, quantiles by bisection), Welch's t-test, Holm's
adjustment, the standard error behind an interval, and step detection in a
series of runs. Python 3 standard library only; no I/O.
"""
import math
import statistics


def _finite(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def median(xs):
    return statistics.median(xs)


def norm_ppf(p):
    return statistics.NormalDist().inv_cdf(p)


def _betacf(a, b, x):
    """The continued fraction of the incomplete beta function (modified
    Lentz's method), as in Numerical Recipes' betacf."""
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 500):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        step = d * c
        h *= step
        if abs(step - 1.0) < 1e-15:
            break
    return h


def betainc(a, b, x):
    """The regularized incomplete beta function I_x(a, b), a, b > 0."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    lbt = (math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) +
           a * math.log(x) + b * math.log1p(-x))
    if x < (a + 1.0) / (a + b + 2.0):
        return math.exp(lbt) * _betacf(a, b, x) / a
    return 1.0 - math.exp(lbt) * _betacf(b, a, 1.0 - x) / b


def t_sf2(t, df):
    """Two-sided p-value of Student's t with df (> 0, not necessarily an
    integer) degrees of freedom: P(|T| >= |t|) = I_{df/(df+t^2)}(df/2, 1/2)."""
    if math.isinf(t):
        return 0.0
    return betainc(df / 2.0, 0.5, df / (df + t * t))


def t_cdf(t, df):
    p = t_sf2(t, df) / 2.0
    return 1.0 - p if t > 0 else p


def t_ppf(q, df):
    """The q quantile of Student's t (bisection on t_cdf, to ~1e-12)."""
    if not 0.0 < q < 1.0:
        raise ValueError("t quantile of %r" % q)
    if q < 0.5:
        return -t_ppf(1.0 - q, df)
    lo, hi = 0.0, 2.0
    while t_cdf(hi, df) < q:
        lo, hi = hi, 2.0 * hi
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if t_cdf(mid, df) < q:
            lo = mid
        else:
            hi = mid
        if hi - lo <= 1e-12 * hi:
            break
    return 0.5 * (lo + hi)


class Welch:
    """Welch's t-test of mean(b) - mean(a), and its confidence interval:
    .diff, .se, .df, .t, .p (two-sided), .ci(level) -> (lo, hi) of the
    difference. Needs at least 2 values on each side."""
    __slots__ = ("diff", "se", "df", "t", "p")

    def __init__(self, a, b):
        na, nb = len(a), len(b)
        if na < 2 or nb < 2:
            raise ValueError("Welch's test needs 2 values on each side")
        va, vb = statistics.variance(a) / na, statistics.variance(b) / nb
        self.diff = statistics.fmean(b) - statistics.fmean(a)
        self.se = math.sqrt(va + vb)
        if self.se > 0:
            self.df = (va + vb) ** 2 / (va ** 2 / (na - 1) + vb ** 2 / (nb - 1))
            self.t = self.diff / self.se
            self.p = t_sf2(self.t, self.df)
        else:                       # both sides constant
            self.df = float(na + nb - 2)
            self.t = 0.0 if self.diff == 0 else math.copysign(math.inf, self.diff)
            self.p = 1.0 if self.diff == 0 else 0.0

    def ci(self, level=0.95):
        hw = t_ppf(0.5 + level / 2.0, self.df) * self.se if self.se > 0 else 0.0
        return self.diff - hw, self.diff + hw


def holm(ps):
    """Holm-Bonferroni adjusted p-values of a family, in the given order;
    None (no test) stays None and does not count in the family."""
    idx = sorted((i for i, p in enumerate(ps) if p is not None), key=lambda i: ps[i])
    m = len(idx)
    out = [None] * len(ps)
    run_max = 0.0
    for rank, i in enumerate(idx):
        run_max = max(run_max, min(1.0, (m - rank) * ps[i]))
        out[i] = run_max
    return out


def interval_se(fig, log):
    """The standard error a cell figure's interval stands for (on the log
    scale when log): the half-width over t(0.975, n-1) for a Student t
    interval ("t"), over z(0.975) for the distribution-free one ("order");
    None without an interval."""
    ci = fig.ci()
    if ci is None or fig.value is None:
        return None
    lo, hi = ci
    if log:
        if lo <= 0 or hi <= 0:
            return None
        hw = (math.log(hi) - math.log(lo)) / 2.0
    else:
        hw = (hi - lo) / 2.0
    if fig.method == "t" and fig.n >= 2:
        return hw / t_ppf(0.975, fig.n - 1)
    return hw / norm_ppf(0.975)


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


def noise_scale(values, ses=None):
    """The run-to-run noise of a series, robustly: 1.4826 * median |first
    difference| / sqrt(2) (a step spoils one difference, not the median of
    them), never less than the typical standard error of one run's figure
    (ses, from its interval). With < 3 differences only the latter is used."""
    d = [abs(values[i + 1] - values[i]) for i in range(len(values) - 1)]
    between = 1.4826 * median(d) / math.sqrt(2.0) if len(d) >= 3 else 0.0
    se = [s for s in (ses or []) if s is not None and _finite(s)]
    within = median(se) if se else 0.0
    return max(between, within)


def detect_steps(values, ses=None, threshold=0.05, alpha=0.05):
    """Shifts beyond noise in a series of per-run figures (in run order).

    Method (robust binary segmentation):
      1. Work on log(values) when all are positive (a step is a ratio),
         else on the values. ses: each run's standard error of its figure
         on the same scale (or None).
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
    sigma = noise_scale(y, ses)
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

    def test(left, right):
        lb, la = median(left), median(right)
        se = MEDIAN_EFFICIENCY * sigma * math.sqrt(1.0 / len(left) + 1.0 / len(right))
        return lb, la, abs(la - lb) / se

    def level(v):
        return math.exp(v) if use_log else v

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
        lb, la, z = test(y[s:k], y[k:e])
        zcrit = norm_ppf(1.0 - alpha / (2.0 * len(ks)))
        change = rel(lb, la)
        if z > zcrit and abs(change) >= threshold:
            steps.append(Step(k, level(lb), level(la), change, z))
            split(s, k)
            split(k, e)
        else:
            excursion(s, e)

    def excursion(s, e):
        if e - s > EXCURSION_MAX:
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
            found.append(Step(k, level(a), level(b), rel(a, b), z))
        steps.extend(found)
        split(s, k1)
        split(k1, k2)
        split(k2, e)
        return True

    split(0, n)
    return sorted(steps, key=lambda st: st.index)


