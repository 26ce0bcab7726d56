# SPDX-License-Identifier: GPL-2.0-only
"""Unit tests of what scripts/cowbench_results.py keeps (only what needs
several runs): Student's t distribution (the CDF against closed forms for 1
and 2 degrees of freedom and published quantiles, the quantile function),
Welch's test against a hand computation and a numerical integration, Holm's
adjustment, the standard error an interval stands for, step detection on
synthetic series (a known step, a step at the newest run, an excursion, an
outlier, flat noisy series), and the naming and axis helpers. Needs neither
cowbench nor gnuplot."""
import math
import os
import random
import sys

import itlib

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPTS = os.path.join(os.path.dirname(HERE), "scripts")
sys.path.insert(0, SCRIPTS)
import cowbench_results as cr  # noqa: E402

check = itlib.check


def near(a, b, tol):
    return a is not None and b is not None and abs(a - b) <= tol


# --- Student's t ------------------------------------------------------------------
# closed forms: df = 1 (Cauchy) 1/2 + atan(t)/pi; df = 2: 1/2 + t / (2 sqrt(2 + t^2))
worst = 0.0
for t in (-30.0, -3.0, -1.0, -0.2, 0.0, 0.5, 1.7, 4.0, 40.0):
    worst = max(worst, abs(cr.t_cdf(t, 1) - (0.5 + math.atan(t) / math.pi)),
                abs(cr.t_cdf(t, 2) - (0.5 + t / (2.0 * math.sqrt(2.0 + t * t)))))
check(worst < 1e-12, "t CDF at 1 and 2 df matches the closed forms (max err %.1e)" % worst)
# published two-sided 5% critical values (e.g. NIST/SEMATECH e-Handbook, table 1.3.6.7.2)
for df, q in ((1, 12.706), (2, 4.303), (3, 3.182), (5, 2.571), (10, 2.228), (30, 2.042),
              (100, 1.984)):
    check(near(cr.t_ppf(0.975, df), q, 6e-4), "t(0.975, %d) = %.3f: %.5f"
          % (df, q, cr.t_ppf(0.975, df)))
    check(near(cr.t_sf2(q, df), 0.05, 2e-4), "two-sided p of t = %.3f at %d df is 0.05: %.5f"
          % (q, df, cr.t_sf2(q, df)))
check(near(cr.t_ppf(0.975, 1e7), 1.959964, 1e-5), "many df: the normal quantile")
check(near(cr.t_ppf(0.995, 4), 4.604, 6e-4), "t(0.995, 4) = 4.604")
check(near(cr.t_ppf(0.025, 7), -cr.t_ppf(0.975, 7), 1e-12), "t quantiles are symmetric")
check(near(cr.t_sf2(2.0, 10), 0.073388, 1e-6), "p of t = 2 at 10 df: 0.073388")
check(cr.t_sf2(0.0, 3) == 1.0 and cr.t_sf2(math.inf, 3) == 0.0, "p at t = 0 and t = inf")
check(near(cr.t_sf2(1.5, 2.5), cr.t_sf2(-1.5, 2.5), 0) and 0 < cr.t_sf2(1.5, 2.5) < 1,
      "fractional df, symmetric")
check(near(cr.betainc(2.0, 3.0, 0.4), 0.5248, 1e-12), "I_0.4(2, 3) = 0.5248 (exact)")

# --- Welch ----------------------------------------------------------------------------
# a = 1..5 (mean 3, var 2.5), b = 2,4,..10 (mean 6, var 10): se = sqrt(0.5 + 2) = 1.581139,
# t = 3 / se = 1.897367, df = 2.5^2 / (0.5^2/4 + 2^2/4) = 5.882353
w = cr.Welch([1, 2, 3, 4, 5], [2, 4, 6, 8, 10])
check(near(w.diff, 3.0, 1e-12) and near(w.se, 1.581139, 1e-6) and near(w.t, 1.897367, 1e-6)
      and near(w.df, 5.882353, 1e-6), "Welch: diff, se, t, df by hand: %s %s %s %s"
      % (w.diff, w.se, w.t, w.df))


def t_density(x, n):
    return math.exp(math.lgamma((n + 1) / 2) - math.lgamma(n / 2)) / math.sqrt(n * math.pi) \
        * (1 + x * x / n) ** (-(n + 1) / 2)


def p_by_simpson(t, n, steps=4000):
    h = t / steps
    s = t_density(0, n) + t_density(t, n) + sum((4 if i % 2 else 2) * t_density(i * h, n)
                                                for i in range(1, steps))
    return 1.0 - 2.0 * s * h / 3.0


check(near(w.p, p_by_simpson(w.t, w.df), 1e-9), "Welch p (%.6f) = integral of the t density"
      % w.p)
lo, hi = w.ci(0.95)
check(near(hi - w.diff, cr.t_ppf(0.975, w.df) * w.se, 1e-12) and near(lo + hi, 2 * w.diff, 1e-12),
      "Welch CI: diff +- t(0.975, df) se")
w = cr.Welch([2.0, 2.0, 2.0], [2.0, 2.0, 2.0])
check(w.p == 1.0 and w.t == 0.0 and w.ci() == (0.0, 0.0), "two equal constants: p = 1")
w = cr.Welch([2.0, 2.0, 2.0], [3.0, 3.0, 3.0])
check(w.p == 0.0 and w.t == math.inf, "two different constants: p = 0")
w = cr.Welch([1.0, 2.0, 3.0], [1.0, 2.0, 3.0])
check(w.p == 1.0 and w.t == 0.0, "the same values: p = 1")
try:
    cr.Welch([1.0], [1.0, 2.0])
    check(False, "Welch with one value must refuse")
except ValueError:
    pass

# --- Holm ---------------------------------------------------------------------------------
# sorted 0.005, 0.01, 0.03, 0.04 (m = 4): 0.02, 0.03, 0.06, max(0.06, 0.04) = 0.06
check(cr.holm([0.01, 0.04, 0.03, None, 0.005]) == [0.03, 0.06, 0.06, None, 0.02],
      "Holm by hand: %s" % cr.holm([0.01, 0.04, 0.03, None, 0.005]))
check(cr.holm([0.5, 0.9]) == [1.0, 1.0], "Holm caps at 1")
check(cr.holm([]) == [] and cr.holm([None]) == [None], "Holm of nothing")
# an A/A family: 50 true nulls; Holm keeps the chance of any mark near alpha
g = random.Random(5)
fams = sum(any(p < 0.05 for p in cr.holm([g.random() for _ in range(50)])) for _ in range(400))
check(fams <= 32, "Holm on 400 families of 50 null p-values: %d with a mark (alpha 0.05)" % fams)

# --- the standard error an interval stands for -----------------------------------------------
fig = cr.Interval(100.0, 100.0 - 4.302653, 100.0 + 4.302653, "t", 3)
check(near(cr.interval_se(fig, log=False), 1.0, 1e-5), "t interval of 3: se = hw / t(0.975, 2)")
fig = cr.Interval(100.0, 100.0 / math.e, 100.0 * math.e, "order", 9)
check(near(cr.interval_se(fig, log=True), 1.0 / 1.959964, 1e-5), "order interval: hw / z, on logs")
check(cr.interval_se(cr.Interval(5.0, None, None, "none", 1), log=True) is None,
      "no interval: no se")
check(cr.interval_se(cr.Interval(5.0, -1.0, 9.0, "t", 3), log=True) is None,
      "an interval through 0 has no log se")

# --- step detection --------------------------------------------------------------------------


def noisy(n, sd, seed, level=100.0):
    g = random.Random(seed)
    return [level * math.exp(g.gauss(0, sd)) for _ in range(n)]


def at(steps):
    return [s.index for s in steps]


series = noisy(30, 0.02, 7)
series = series[:18] + [v * 1.15 for v in series[18:]]
st = cr.detect_steps(series)
check(at(st) == [18], "a +15%% step at 18 in 2%% noise: found at %s" % at(st))
check(st and near(st[0].change, 0.15, 0.03), "the step's size is about +15%")

series = noisy(20, 0.015, 8)
series = series[:5] + [v * 0.9 for v in series[5:]]
check(at(cr.detect_steps(series)) == [5], "a -10%% step at 5: %s" % at(cr.detect_steps(series)))

series = noisy(12, 0.01, 9)
series[-1] *= 1.25
check(at(cr.detect_steps(series)) == [11], "a shift at the newest run is reported at once")

series = noisy(16, 0.01, 10)
series = series[:6] + [v * 1.2 for v in series[6:10]] + series[10:]
check(at(cr.detect_steps(series)) == [6, 10], "an excursion (up at 6, back at 10): %s"
      % at(cr.detect_steps(series)))

series = noisy(15, 0.01, 11)
series[7] *= 1.6
check(cr.detect_steps(series) == [], "one outlier inside the series is not a step")
series = noisy(15, 0.01, 12)
series[0] *= 1.6
check(cr.detect_steps(series) == [], "an odd first run is not a step")

series = noisy(20, 0.002, 13)
series = series[:10] + [v * 1.02 for v in series[10:]]
check(cr.detect_steps(series, threshold=0.05) == [], "a 2% step is below a 5% threshold")
check(at(cr.detect_steps(series, threshold=0.01)) == [10], "and found with a 1% threshold")

flat = [50.0] * 12
check(cr.detect_steps(flat) == [], "a constant series has no step")
check(at(cr.detect_steps(flat[:8] + [60.0] * 4)) == [8], "constant, then a jump: a step")

# each run's own uncertainty counts: a 6% shift is noise when each run's
# figure has a standard error of 5%, a step when it has 0.5%
series = noisy(20, 0.002, 14)
series = series[:10] + [v * 1.06 for v in series[10:]]
check(cr.detect_steps(series, [0.05] * 20) == [], "uncertain runs: no step")
check(at(cr.detect_steps(series, [0.005] * 20)) == [10], "certain runs: the step")

# false alarms on flat noisy series stay under alpha (deterministic seeds)
alarms = sum(bool(cr.detect_steps(noisy(30, 0.03, 1000 + s))) for s in range(200))
check(alarms <= 10, "flat noisy series: %d of 200 with a step (alpha 0.05 allows 10)" % alarms)
check(cr.detect_steps(noisy(30, 0.03, 77)) == [], "flat noisy series (seed 77): no step")

# works on a series with zeros (counters), on the values themselves
check(at(cr.detect_steps([0.0] * 6 + [2.0] * 6)) == [6], "a counter going from 0 to 2")

# --- helpers -------------------------------------------------------------------------


class FakeCell:
    def __init__(self, size, label):
        self.size, self.size_label = size, label


check(cr.size_tics([FakeCell(65536, "64K"), FakeCell(4096, "4K"), FakeCell(4096, "4K")]) ==
      '("4K" 4096, "64K" 65536)', "size tics: the cells' sizes with the run's labels")
many = [FakeCell(4096 << (2 * i), "s%d" % i) for i in range(10)]
check(cr.size_tics(many).count('"s') == 5, "every other size tic when there are many")
check(cr.parse_metric("wall_ns") == ("op", "wall_ns"), "metric default role op")
check(cr.parse_metric("producer.cpu_ns") == ("producer", "cpu_ns"), "metric with a role")
check(cr.parse_metric("phase.fault.wall_ns") == ("producer", "phase.fault.wall_ns"),
      "phase metrics belong to the producer")
check(cr.parse_metric("a_counter.with_dots") == ("op", "a_counter.with_dots"),
      "a dotted counter name is not a role")
check(cr.fmt_num(56.6829) == "56.68" and cr.fmt_num(1151514.2) == "1151514" and
      cr.fmt_num(0.00312) == "0.003120", "numbers: %s %s %s" % (
          cr.fmt_num(56.6829), cr.fmt_num(1151514.2), cr.fmt_num(0.00312)))
check(cr.log_tics("[30:70]") == "", "log tics: none when only one would show")
check(cr.log_tics("[15:90]") == "(20, 50)", "1-2-5 tics on a short log range")
check(cr.log_tics("[0.5:5000]") == "(1, 10, 100, 1000)", "decades on a long one")
styles = [cr.class_style(["copy", "cow"], "cow", i) for i in range(5)]
check(len({s[0] for s in styles}) == 5 and len({s[1] for s in styles}) == 5 and
      len({s[2] for s in styles}) == 5,
      "five variants of one class: five colours, dash patterns and point types")
check(cr.class_style(["a", "b"], "a", 0)[0] != cr.class_style(["a", "b"], "b", 0)[0],
      "two classes: two colour families")
itlib.done("it_scripts_stats")
