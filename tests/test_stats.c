// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_stats.c - stats.c against values computed by hand or, where noted,
 * exactly with python3 (fractions.Fraction and math.comb for binomial
 * sums; mpmath 1.3 at 30 digits for Student t quantiles and OLS fits).
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>

#include "check.h"
#include "stats.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct ci_case {
	size_t n;
	double level;
	bool ok;
	size_t lo, hi;
	double coverage;
};

/*
 * Coverage of the pair (lo, n-1-lo) is 1 - 2 * sum_{i<=lo} C(n,i) / 2^n.
 * n = 6: 1 - 2/64 = 31/32; n = 10, lo = 1: 1 - 2*(1+10)/1024 = 501/512.
 * The larger n are exact Fractions from python3:
 *   1 - 2 * Fraction(sum(comb(n, i) for i in range(lo + 1)), 2**n)
 * maximising lo subject to coverage >= level.
 */
static const struct ci_case ci_cases[] = {
	{ 0, 0.95, false, 0, 0, 0 },
	{ 1, 0.95, false, 0, 0, 0 },
	{ 2, 0.50, true, 0, 1, 0.5 },		/* 1 - 2/4 */
	{ 5, 0.95, false, 0, 0, 0 },		/* best is 1 - 2/32 = 0.9375 */
	{ 5, 0.90, true, 0, 4, 0.9375 },
	{ 6, 0.95, true, 0, 5, 0.96875 },
	{ 6, 0.96875, true, 0, 5, 0.96875 },	/* level met exactly */
	{ 6, 0.99, false, 0, 0, 0 },
	{ 7, 0.95, true, 0, 6, 0.984375 },	/* 1 - 2/128 */
	{ 10, 0.95, true, 1, 8, 0.978515625 },	/* 501/512 */
	{ 10, 0.99, true, 0, 9, 0.998046875 },	/* 511/512 */
	{ 20, 0.95, true, 5, 14, 0.9586105346679688 },	/* 125647/131072 */
	{ 20, 0.99, true, 3, 16, 0.9974231719970703 },	/* 522937/524288 */
	{ 100, 0.90, true, 41, 58, 0.9113739198859324 },
	{ 100, 0.95, true, 39, 60, 0.9647997997822951 },
	{ 100, 0.99, true, 36, 63, 0.9933628794840739 },
	{ 1000, 0.95, true, 468, 531, 0.9537088026395019 },
	{ 1000, 0.99, true, 458, 541, 0.9913600509977395 },
	{ 10, 0.0, false, 0, 0, 0 },		/* level outside (0,1) */
	{ 10, 1.0, false, 0, 0, 0 },
	{ 10, NAN, false, 0, 0, 0 },
};

static void test_ci_ranks(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(ci_cases); i++) {
		const struct ci_case *c = &ci_cases[i];
		size_t lo = 99, hi = 99;
		double cov = -1;
		bool ok = stats_median_ci_ranks(c->n, c->level, &lo, &hi, &cov);

		CHECK(ok == c->ok);
		if (!ok || !c->ok)
			continue;
		CHECK(lo == c->lo);
		CHECK(hi == c->hi);
		CHECK_NEAR(cov, c->coverage, 1e-12);
		CHECK(cov + 1e-12 >= c->level);
	}
}

struct quantile_case {
	double q, want;
};

static void test_quantile(void)
{
	static const double x[] = { 1, 3, 5, 7, 9 };
	/* type 7: h = (n-1) q, x[floor h] + frac(h) * (next - x[floor h]) */
	static const struct quantile_case cases[] = {
		{ 0.0, 1 }, { 1.0, 9 }, { 0.5, 5 },	/* h = 2 */
		{ 0.25, 3 },				/* h = 1 */
		{ 0.1, 1.8 },				/* h = 0.4: 1 + 0.4*2 */
		{ 0.9, 8.2 },				/* h = 3.6: 7 + 0.6*2 */
		{ 0.6, 5.8 },				/* h = 2.4: 5 + 0.4*2 */
		{ -1, 1 }, { 2, 9 },			/* clamped */
	};
	static const double one[] = { 42 };
	static const double two[] = { 1, 2 };

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		CHECK_NEAR(stats_quantile_sorted(x, 5, cases[i].q),
			   cases[i].want, 1e-12);
	CHECK_NEAR(stats_quantile_sorted(one, 1, 0.3), 42, 0);
	CHECK_NEAR(stats_quantile_sorted(two, 2, 0.3), 1.3, 1e-12);
	CHECK(isnan(stats_quantile_sorted(x, 5, NAN)));
}

static void test_summarize_small(void)
{
	/* sorted 1 3 5 7 9; deviations from 5: 4 2 0 2 4 -> 0 2 2 4 4 */
	static const double x[] = { 7, 1, 3, 5, 9 };
	struct stats_summary s;

	CHECK(stats_summarize(x, 5, 0.95, &s) == 0);
	CHECK(s.n == 5);
	CHECK_NEAR(s.median, 5, 0);
	CHECK_NEAR(s.p10, 1.8, 1e-12);
	CHECK_NEAR(s.p90, 8.2, 1e-12);
	CHECK_NEAR(s.min, 1, 0);
	CHECK_NEAR(s.max, 9, 0);
	CHECK_NEAR(s.mad, 2, 0);
	CHECK_NEAR(s.mean, 5, 1e-12);
	CHECK(!s.ci_valid);		/* n = 5 has no 95% interval */
	CHECK(isnan(s.ci_lo) && isnan(s.ci_hi));
	CHECK(!stats_ci_within(&s, 100));
	CHECK(x[0] == 7 && x[4] == 9);	/* input untouched */
}

static void test_summarize_six(void)
{
	/*
	 * sorted 2 4 6 8 10 100. median h = 2.5: 6 + 0.5*2 = 7.
	 * p10 h = 0.5: 2 + 0.5*2 = 3; p90 h = 4.5: 10 + 0.5*90 = 55.
	 * |x - 7| sorted: 1 1 3 3 5 93, median 3. mean 130/6.
	 * CI: ranks 0 and 5 (coverage 31/32), i.e. [2, 100].
	 */
	static const double x[] = { 10, 2, 4, 8, 6, 100 };
	struct stats_summary s;

	CHECK(stats_summarize(x, 6, 0.95, &s) == 0);
	CHECK_NEAR(s.median, 7, 1e-12);
	CHECK_NEAR(s.p10, 3, 1e-12);
	CHECK_NEAR(s.p90, 55, 1e-12);
	CHECK_NEAR(s.mad, 3, 1e-12);
	CHECK_NEAR(s.mean, 130.0 / 6, 1e-12);
	CHECK(s.ci_valid);
	CHECK_NEAR(s.ci_lo, 2, 0);
	CHECK_NEAR(s.ci_hi, 100, 0);
	CHECK_NEAR(s.level, 0.96875, 1e-12);
	/* the wider side, 100 - 7 = 93, against rel * |7|: 93/7 = 13.2857 */
	CHECK_NEAR(stats_ci_rel_halfwidth(&s), 93.0 / 7, 1e-12);
	CHECK(stats_ci_within(&s, 13.3));
	CHECK(!stats_ci_within(&s, 13.2));
}

/*
 * The interval over replicates (one value per process). By hand:
 * {3, 1, 2}: centre 2, mean 2, s = 1, t(0.975, 2) = 4.302652729749464,
 * half-width 4.302652729749464 / sqrt(3) = 2.484137...; {NAN, 7, 5}: two
 * values, mean 6, s = sqrt(2), t(0.975, 1) = 12.706204736174705, half-width
 * 12.706204736174705 * sqrt(2) / sqrt(2); {6, 5, 4, 3, 2, 1}: order
 * statistics 0 and 5, coverage 31/32; {42}: no interval.
 */
static void test_replicates(void)
{
	static const double three[] = { 3, 1, 2 }, two[] = { NAN, 7, 5 };
	static const double six[] = { 6, 5, 4, 3, 2, 1 }, one[] = { 42 }, none[] = { NAN };
	struct stats_interval iv;

	CHECK(stats_replicates(three, 3, &iv) == 0);
	CHECK(iv.valid && iv.method == STATS_STUDENT_T && iv.n == 3);
	CHECK_NEAR(iv.centre, 2, 0);
	CHECK_NEAR(iv.hi - 2, 4.302652729749464 / sqrt(3), 1e-12);
	CHECK_NEAR(2 - iv.lo, 4.302652729749464 / sqrt(3), 1e-12);
	CHECK_STR(stats_method_name(iv.method), "t");
	CHECK(stats_replicates(two, 3, &iv) == 0);
	CHECK(iv.valid && iv.n == 2);
	CHECK_NEAR(iv.centre, 6, 0);
	CHECK_NEAR(iv.hi, 6 + 12.706204736174705, 1e-9);
	CHECK(stats_replicates(six, 6, &iv) == 0);
	CHECK(iv.valid && iv.method == STATS_ORDER);
	CHECK_NEAR(iv.lo, 1, 0);
	CHECK_NEAR(iv.hi, 6, 0);
	CHECK_NEAR(iv.level, 31.0 / 32, 1e-12);
	CHECK_NEAR(iv.centre, 3.5, 0);
	CHECK(stats_replicates(one, 1, &iv) == 0);
	CHECK(!iv.valid && iv.n == 1 && iv.centre == 42);
	CHECK(stats_replicates(none, 1, &iv) == -EINVAL);

	/* positive: on logs. {4, 1, 2}: log mean ln 2, s = ln 2, half-width
	 * 4.302652729749464 * ln 2 / sqrt(3); centre exp(median log) = 2 */
	{
		static const double pos[] = { 4, 1, 2 }, zero[] = { 0, 1, 2 };
		double hw = 4.302652729749464 * M_LN2 / sqrt(3);

		CHECK(stats_replicates_nonneg(pos, 3, &iv) == 0);
		CHECK_NEAR(iv.centre, 2, 1e-12);
		CHECK(iv.log);
		CHECK_NEAR(iv.lo, exp(M_LN2 - hw), 1e-9);
		CHECK_NEAR(iv.hi, exp(M_LN2 + hw), 1e-9);
		CHECK(iv.lo > 0);
		/* a zero: linear, clipped at 0 */
		CHECK(stats_replicates_nonneg(zero, 3, &iv) == 0);
		CHECK(iv.lo == 0 && iv.centre == 1);
	}
	CHECK(stats_replicates(NULL, 0, &iv) == -EINVAL);
}

static void test_summarize_twenty(void)
{
	/* 1..20 shuffled: ranks 5 and 14 (table above) are the values 6, 15 */
	static const double x[] = { 13, 2, 20, 7, 1, 18, 9, 4, 16, 11,
				    5, 14, 19, 3, 8, 12, 6, 17, 10, 15 };
	struct stats_summary s;

	CHECK(stats_summarize(x, 20, 0.95, &s) == 0);
	CHECK_NEAR(s.median, 10.5, 1e-12);	/* h = 9.5 */
	CHECK_NEAR(s.ci_lo, 6, 0);
	CHECK_NEAR(s.ci_hi, 15, 0);
	CHECK_NEAR(s.level, 0.9586105346679688, 1e-12);
	CHECK_NEAR(s.p10, 2.9, 1e-12);		/* h = 1.9: 2 + 0.9 */
	CHECK_NEAR(s.mad, 5, 1e-12);		/* |k - 10.5|: 0.5..9.5 twice */
}

static void test_summarize_errors(void)
{
	const double bad_nan[] = { 1, NAN, 3 };
	const double bad_inf[] = { 1, INFINITY };
	struct stats_summary s;

	CHECK(stats_summarize(bad_nan, 0, 0.95, &s) == -EINVAL);
	CHECK(stats_summarize(bad_nan, 3, 0.95, &s) == -EINVAL);
	CHECK(stats_summarize(bad_inf, 2, 0.95, &s) == -EINVAL);
}

static void test_linfit(void)
{
	/* exact line y = 3 + 2x: no residual, so the CI is zero */
	double x[40], y[40], a, b, ci;
	static const double rx[] = { 0, 1, 2, 3 }, ry[] = { 2, 2, 4, 8 };
	static const int r4[] = { 1, -1, -1, 1 };
	size_t i;

	for (i = 0; i < 10; i++) {
		x[i] = (double)i;
		y[i] = 3 + 2 * x[i];
	}
	CHECK(stats_linfit(x, y, 10, &a, &b, &ci) == 0);
	CHECK_NEAR(a, 3, 1e-12);
	CHECK_NEAR(b, 2, 1e-12);
	CHECK_NEAR(ci, 0, 1e-12);

	/*
	 * y = 1 + 2x + (1,-1,-1,1): the residual pattern is orthogonal to
	 * 1 and x, so a = 1, b = 2. SSE = 4, s^2 = 4/2, Sxx = 5,
	 * se(b) = sqrt(0.4); t(0.975, 2) = 4.3026527297494639 (mpmath):
	 * ci = 2.7212365213498449.
	 */
	CHECK(stats_linfit(rx, ry, 4, &a, &b, &ci) == 0);
	CHECK_NEAR(a, 1, 1e-12);
	CHECK_NEAR(b, 2, 1e-12);
	CHECK_NEAR(ci, 2.7212365213498449, 1e-12);

	/*
	 * Same construction, n = 40 (df 38, past the t table): y = 1 + 0.5x
	 * + the pattern repeated. SSE = 40, Sxx = 40*(40^2-1)/12 = 5330,
	 * t(0.975, 38) = 2.0243941639119696: ci = 0.028449174521123024.
	 */
	for (i = 0; i < 40; i++) {
		x[i] = (double)i;
		y[i] = 1 + 0.5 * x[i] + r4[i % 4];
	}
	CHECK(stats_linfit(x, y, 40, &a, &b, &ci) == 0);
	CHECK_NEAR(a, 1, 1e-12);
	CHECK_NEAR(b, 0.5, 1e-12);
	CHECK_NEAR(ci, 0.028449174521123024, 1e-9);

	/* df 31, just past the table; expected values from mpmath */
	for (i = 0; i < 33; i++) {
		x[i] = (double)i;
		y[i] = 0.25 * x[i] + (double)((i * 7) % 5) - 2;
	}
	CHECK(stats_linfit(x, y, 33, &a, &b, &ci) == 0);
	CHECK_NEAR(a, -0.18181818181818182, 1e-12);
	CHECK_NEAR(b, 0.26136363636363636, 1e-12);
	CHECK_NEAR(ci, 0.055065815868173253, 1e-9);

	/* two points: a line but no CI */
	x[0] = 1;
	y[0] = 5;
	x[1] = 3;
	y[1] = 9;
	CHECK(stats_linfit(x, y, 2, &a, &b, &ci) == 0);
	CHECK_NEAR(a, 3, 1e-12);
	CHECK_NEAR(b, 2, 1e-12);
	CHECK(isnan(ci));
}

static void test_linfit_errors(void)
{
	static const double same[] = { 2, 2, 2 }, y[] = { 1, 2, 3 };
	static const double with_nan[] = { 1, NAN, 3 };
	double a, b, ci;

	CHECK(stats_linfit(y, y, 0, &a, &b, &ci) == -EINVAL);
	CHECK(stats_linfit(y, y, 1, &a, &b, &ci) == -EINVAL);
	CHECK(stats_linfit(same, y, 3, &a, &b, &ci) == -EINVAL);
	CHECK(stats_linfit(with_nan, y, 3, &a, &b, &ci) == -EINVAL);
	CHECK(stats_linfit(y, with_nan, 3, &a, &b, &ci) == -EINVAL);
}

int main(void)
{
	test_replicates();
	test_ci_ranks();
	test_quantile();
	test_summarize_small();
	test_summarize_six();
	test_summarize_twenty();
	test_summarize_errors();
	test_linfit();
	test_linfit_errors();
	return check_done("test_stats");
}
