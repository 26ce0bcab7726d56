"""Unit tests of the statistics in scripts/cowbench_results.py: ranks and the
Mann-Whitney U test against values computed by hand, the distribution-free
CI of a median, the exact bootstrap of a median (against its known
distribution, and deterministic for a seed, also across processes), the CI of
a ratio of medians, step detection on synthetic series (a known step, a step
at the newest run, an excursion, an outlier, flat noisy series), the least-
squares line, and the naming helpers. Needs neither cowbench nor gnuplot."""
import math
import os
import random
import subprocess
import sys

import itlib

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPTS = os.path.join(os.path.dirname(HERE), "scripts")
sys.path.insert(0, SCRIPTS)
import cowbench_results as cr  # noqa: E402

check = itlib.check


def near(a, b, tol):
    return a is not None and b is not None and abs(a - b) <= tol


# --- ranks and Mann-Whitney ---------------------------------------------------
r, ties = cr.ranks([10, 20, 20, 30, 20])
check(r == [1, 3, 3, 5, 3] and ties == [3], "average ranks with a tie of 3: %s %s" % (r, ties))

# A: no overlap, n1 = n2 = 5. U = 0, mu = 12.5, var = 25*11/12 = 22.9167,
#    z = (12.5 - 0.5) / 4.78714 = 2.50672, p = erfc(2.50672 / sqrt 2) = 0.012186
u, z, p = cr.mann_whitney([1, 2, 3, 4, 5], [6, 7, 8, 9, 10])
check(u == 0 and near(z, -2.50672, 1e-4) and near(p, 0.012186, 1e-5),
      "MWU no overlap: U=%s z=%.5f p=%.6f" % (u, z, p))
u2, z2, p2 = cr.mann_whitney([6, 7, 8, 9, 10], [1, 2, 3, 4, 5])
check(u2 == 25 and near(p2, p, 1e-12), "MWU symmetric: U_b = n1 n2 - U_a, same p")

# B: ties. a = 1 2 2 3, b = 2 3 3 4: ranks 1 | 3 3 3 | 6 6 6 | 8,
#    R1 = 1+3+3+6 = 13, U1 = 13 - 10 = 3, mu = 8,
#    tie term = (27-3 + 27-3) / (8*7) = 48/56,
#    var = 16/12 * (9 - 48/56) = 10.857143, z = (5 - 0.5)/3.295018 = 1.365698,
#    p = 0.172034
u, z, p = cr.mann_whitney([1, 2, 2, 3], [2, 3, 3, 4])
check(u == 3 and near(z, -1.365698, 1e-5) and near(p, 0.172034, 1e-5),
      "MWU with ties: U=%s z=%.6f p=%.6f" % (u, z, p))

# C: interleaved, n1 = 5, n2 = 6: R1 = 1+3+5+7+9 = 25, U1 = 10, mu = 15,
#    var = 30*12/12 = 30, z = (5 - 0.5)/5.477226 = 0.821584, p = 0.411314
u, z, p = cr.mann_whitney([1, 3, 5, 7, 9], [2, 4, 6, 8, 10, 12])
check(u == 10 and near(p, 0.411314, 1e-5), "MWU interleaved: U=%s p=%.6f" % (u, p))

u, z, p = cr.mann_whitney([5, 5, 5], [5, 5, 5, 5])
check(p == 1.0, "MWU all equal: p = 1 (got %s)" % p)
u, z, p = cr.mann_whitney([1, 2, 3], [1, 2, 3])
check(p == 1.0 and z == 0, "MWU identical samples: |U - mu| < 0.5 -> p = 1")

# --- median, quantile, CI of the median ----------------------------------------
check(cr.median([3, 1, 2]) == 2 and cr.median([4, 1, 2, 3]) == 2.5, "median")
check(cr.quantile([1, 2, 3, 4, 5], 0.1) == 1.4, "quantile type 7")
# n = 10: P(Bin(10,.5) <= 1) = 11/1024, coverage of (x(2), x(9)) = 0.9785 >= .95;
# (x(3), x(8)) would cover 1 - 2*56/1024 = 0.8906 < .95
check(cr.median_ci(list(range(1, 11))) == (2, 9), "median CI n=10: (x(2), x(9))")
check(cr.median_ci([1, 2, 3, 4, 5]) is None, "median CI needs 6 values")

# --- bootstrap of the median -----------------------------------------------------
# Odd n: the bootstrap median is x(k) or less exactly when at least (n+1)/2
# resampled values are among the k smallest: P = P(Bin(n, k/n) >= (n+1)/2).
xs = [float(i) for i in range(1, 8)]
rng = random.Random(42)
N = 40000
draws = [cr.bootstrap_median(xs, rng) for _ in range(N)]
worst = 0.0
for k in range(1, 8):
    exact = sum(math.comb(7, i) * (k / 7) ** i * (1 - k / 7) ** (7 - i) for i in range(4, 8))
    emp = sum(d <= k for d in draws) / N
    worst = max(worst, abs(emp - exact))
check(worst < 0.012, "bootstrap median, odd n, matches the exact CDF (max err %.4f)" % worst)
# Even n: against plain resampling (n values with replacement, then the median)
ys = [1.0, 2.0, 4.0, 8.0, 16.0, 32.0]
rng1, rng2 = random.Random(1), random.Random(2)
fast = sorted(cr.bootstrap_median(ys, rng1) for _ in range(N))
slow = sorted(cr.median([rng2.choice(ys) for _ in ys]) for _ in range(N))
for q in (0.1, 0.25, 0.5, 0.75, 0.9):
    a, b = cr.quantile(fast, q), cr.quantile(slow, q)
    check(abs(a - b) <= 0.51, "bootstrap median, even n, quantile %.2f: %.2f vs %.2f" % (q, a, b))
check(abs(sum(fast) / N - sum(slow) / N) < 0.15, "bootstrap median, even n, same mean")

# CI of a ratio of medians: determinism with the seed, also in another process
g = random.Random(3)
base = [100 * math.exp(g.gauss(0, 0.03)) for i in range(25)]
new = [x * 1.2 for x in base]
ci1 = cr.bootstrap_ratio_ci(base, new, "1/cell", 2000)
ci2 = cr.bootstrap_ratio_ci(base, new, "1/cell", 2000)
ci3 = cr.bootstrap_ratio_ci(base, new, "2/cell", 2000)
check(ci1 == ci2, "bootstrap CI is fixed for a seed")
check(ci1 != ci3, "another seed gives another CI")
check(ci1[0] < 1.2 < ci1[1] and ci1[0] > 1.0, "ratio CI holds 1.2, excludes 1: %s" % (ci1,))
code = ("import sys; sys.path.insert(0, %r); import cowbench_results as cr; "
        "print(repr(cr.bootstrap_ratio_ci(%r, %r, '1/cell', 2000)))" % (SCRIPTS, base, new))
out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                     env=dict(os.environ, PYTHONHASHSEED="123")).stdout.strip()
check(out == repr(ci1), "bootstrap CI is the same in another process (%s vs %r)" % (out, ci1))
same = cr.bootstrap_ratio_ci(base, base, 1, 2000)
check(same[0] <= 1.0 <= same[1], "ratio CI of a sample with itself holds 1")
check(cr.bootstrap_ratio_ci([0.0] * 10, [1.0] * 10, 1) is None, "ratio CI over zero: none")

# --- step detection --------------------------------------------------------------


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

# within-run noise counts: a 6% shift is noise when each run's median is
# uncertain by +-10%, a step when it is uncertain by +-1%
series = noisy(20, 0.002, 14)
series = series[:10] + [v * 1.06 for v in series[10:]]
check(cr.detect_steps(series, [0.10] * 20) == [], "wide run CIs: no step")
check(at(cr.detect_steps(series, [0.01] * 20)) == [10], "narrow run CIs: the step")

# false alarms on flat noisy series stay under alpha (deterministic seeds)
alarms = sum(bool(cr.detect_steps(noisy(30, 0.03, 1000 + s))) for s in range(200))
check(alarms <= 10, "flat noisy series: %d of 200 with a step (alpha 0.05 allows 10)" % alarms)
check(cr.detect_steps(noisy(30, 0.03, 77)) == [], "flat noisy series (seed 77): no step")

# works on a series with zeros (counters), on the values themselves
check(at(cr.detect_steps([0.0] * 6 + [2.0] * 6)) == [6], "a counter going from 0 to 2")

# --- helpers -------------------------------------------------------------------------
check(cr.linear_fit([0, 1, 2, 3], [5, 7, 9, 11]) == (5.0, 2.0), "least-squares line")
check(cr.linear_fit([1, 1], [2, 3]) is None, "no line through one x")
check([cr.fmt_size(s) for s in (4096, 65536, 1 << 20, 64 << 20, 6000)] ==
      ["4K", "64K", "1M", "64M", "6000B"], "sizes with binary suffixes")
check(cr.parse_metric("wall_ns") == ("op", "wall_ns"), "metric default role op")
check(cr.parse_metric("producer.cpu_ns") == ("producer", "cpu_ns"), "metric with a role")
check(cr.parse_metric("phase.fault.wall_ns") == ("producer", "phase.fault.wall_ns"),
      "phase metrics belong to the producer")
check(cr.parse_metric("tlb_flush.remote_shootdown") == ("op", "tlb_flush.remote_shootdown"),
      "a dotted counter name is not a role")
check(cr.fmt_num(56.6829) == "56.68" and cr.fmt_num(1151514.2) == "1151514" and
      cr.fmt_num(0.00312) == "0.003120", "numbers: %s %s %s" % (
          cr.fmt_num(56.6829), cr.fmt_num(1151514.2), cr.fmt_num(0.00312)))
check(cr.log_tics("[30:70]") == "", "log tics: none when only one would show")
check(cr.log_tics("[15:90]") == "(20, 50)", "1-2-5 tics on a short log range")
check(cr.log_tics("[0.5:5000]") == "(1, 10, 100, 1000)", "decades on a long one")
itlib.done("it_scripts_stats")
