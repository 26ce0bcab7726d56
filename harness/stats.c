// SPDX-License-Identifier: GPL-2.0-only
/*
 * stats.c - summary statistics of one metric's samples (see stats.h).
 *
 * Everything here is pure: inputs are copied, nothing is printed and no
 * state outlives a call, so the functions are safe from any thread.
 * The median CI needs no distribution assumption: the number of samples
 * below the true median is Binomial(n, 1/2), so the order statistics
 * x_(r) and x_(n+1-r) (1-based) bracket the median with probability
 * 1 - 2 P(B <= r-1). We take the largest r whose coverage still reaches
 * the requested level, i.e. the narrowest symmetric pair.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"

/*
 * Coverage comparisons allow this much rounding slack, so that an exact
 * dyadic level such as 0.96875 for n = 6 is reached despite the log/exp
 * round trip in the binomial sum.
 */
#define STATS_COVERAGE_SLACK 1e-12

/* Two-sided 95% Student t quantiles t(0.975, df) for df = 1..30. */
static const double t975_table[30] = {
	12.706204736174705, 4.3026527297494639, 3.1824463052837096,
	2.7764451051977944, 2.5705818356363155, 2.4469118511449700,
	2.3646242515927853, 2.3060041352041667, 2.2621571627982055,
	2.2281388519862747, 2.2009851600916399, 2.1788128296672289,
	2.1603686564627925, 2.1447866879178038, 2.1314495455597757,
	2.1199052992212547, 2.1098155778333171, 2.1009220402410385,
	2.0930240544083098, 2.0859634472658648, 2.0796138447276804,
	2.0738730679040262, 2.0686576104190487, 2.0638985616280258,
	2.0595385527532977, 2.0555294386428732, 2.0518305164802856,
	2.0484071417952452, 2.0452296421327043, 2.0422724563012383,
};

/*
 * t(0.975, df). Above the table, the Cornish-Fisher expansion of t in
 * powers of 1/df around the normal quantile z (Abramowitz & Stegun
 * 26.7.5); at df = 31 it is already within 1e-8 of the exact value.
 */
double stats_t975(size_t df)
{
	const double z = 1.9599639845400542;
	double z2 = z * z, d = (double)df;
	double g1, g2, g3, g4;

	if (df == 0)
		return NAN;
	if (df <= 30)
		return t975_table[df - 1];
	g1 = z * (z2 + 1) / 4;
	g2 = z * ((5 * z2 + 16) * z2 + 3) / 96;
	g3 = z * (((3 * z2 + 19) * z2 + 17) * z2 - 15) / 384;
	g4 = z * ((((79 * z2 + 776) * z2 + 1482) * z2 - 1920) * z2 - 945) /
	     92160;
	return z + (g1 + (g2 + (g3 + g4 / d) / d) / d) / d;
}

static int cmp_double(const void *pa, const void *pb)
{
	double a = *(const double *)pa, b = *(const double *)pb;

	return (a > b) - (a < b);
}

double stats_quantile_sorted(const double *sorted, size_t n, double q)
{
	double h, frac;
	size_t i;

	if (n == 0 || isnan(q))
		return NAN;
	if (q <= 0)
		return sorted[0];
	if (q >= 1)
		return sorted[n - 1];
	h = (double)(n - 1) * q;
	i = (size_t)h;
	frac = h - (double)i;
	if (i + 1 >= n)
		return sorted[n - 1];
	return sorted[i] + frac * (sorted[i + 1] - sorted[i]);
}

bool stats_median_ci_ranks(size_t n, double level, size_t *lo, size_t *hi,
			   double *coverage)
{
	double logp = -(double)n * M_LN2;	/* log P(B = 0) */
	double cdf = 0, cov, best_cov = 0;
	size_t k, best_k = 0;
	bool found = false;

	if (!(level > 0 && level < 1))
		return false;
	/* lower rank k (0-based) pairs with n-1-k; they must differ */
	for (k = 0; 2 * k + 1 < n; k++) {
		cdf += exp(logp);			/* P(B <= k) */
		cov = 1 - 2 * cdf;
		if (cov + STATS_COVERAGE_SLACK < level)
			break;
		best_k = k;
		best_cov = cov;
		found = true;
		logp += log((double)(n - k) / (double)(k + 1));
	}
	if (!found)
		return false;
	*lo = best_k;
	*hi = n - 1 - best_k;
	if (coverage)
		*coverage = best_cov;
	return true;
}

/* Median, CI, quantiles and mean of the sorted sample into s. */
static void summarize_sorted(const double *sorted, size_t n, double level,
			     struct stats_summary *s)
{
	size_t i, lo, hi;
	double mean = 0;

	s->n = n;
	s->median = stats_quantile_sorted(sorted, n, 0.5);
	s->p10 = stats_quantile_sorted(sorted, n, 0.1);
	s->p90 = stats_quantile_sorted(sorted, n, 0.9);
	s->min = sorted[0];
	s->max = sorted[n - 1];
	/* running mean: cannot overflow where a plain sum of huge values can */
	for (i = 0; i < n; i++)
		mean += (sorted[i] - mean) / (double)(i + 1);
	s->mean = mean;

	s->ci_valid = stats_median_ci_ranks(n, level, &lo, &hi, &s->level);
	if (s->ci_valid) {
		s->ci_lo = sorted[lo];
		s->ci_hi = sorted[hi];
	} else {
		/* no interval: NaN so nobody mistakes a bound for data */
		s->ci_lo = s->ci_hi = s->level = NAN;
	}
}

int stats_summarize(const double *x, size_t n, double level,
		    struct stats_summary *s)
{
	double *buf, *dev;
	size_t i;

	if (!x || !s || n == 0)
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (!isfinite(x[i]))
			return -EINVAL;
	if (n > SIZE_MAX / (2 * sizeof(*buf)))
		return -ENOMEM;
	buf = malloc(2 * n * sizeof(*buf));
	if (!buf)
		return -ENOMEM;
	dev = buf + n;

	memcpy(buf, x, n * sizeof(*buf));
	qsort(buf, n, sizeof(*buf), cmp_double);
	memset(s, 0, sizeof(*s));
	summarize_sorted(buf, n, level, s);

	for (i = 0; i < n; i++)
		dev[i] = fabs(buf[i] - s->median);
	qsort(dev, n, sizeof(*dev), cmp_double);
	s->mad = stats_quantile_sorted(dev, n, 0.5);

	free(buf);
	return 0;
}

double stats_ci_rel_halfwidth(const struct stats_summary *s)
{
	if (!s->ci_valid || s->median == 0)
		return NAN;
	return fmax(s->ci_hi - s->median, s->median - s->ci_lo) / fabs(s->median);
}

bool stats_ci_within(const struct stats_summary *s, double rel)
{
	double hw = stats_ci_rel_halfwidth(s);

	return isfinite(hw) && hw <= rel;
}

int stats_replicates_nonneg(const double *x, size_t n, struct stats_interval *iv)
{
	struct stats_interval lin;
	double *lg;
	bool positive = true;
	int rc;

	for (size_t i = 0; i < n; i++)
		if (isfinite(x[i]) && x[i] <= 0)
			positive = false;
	if (!positive || n < 2) {
		rc = stats_replicates(x, n, iv);
		if (!rc && iv->valid && iv->lo < 0)
			iv->lo = 0;
		return rc;
	}
	lg = malloc(n * sizeof(*lg));
	if (!lg)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		lg[i] = isfinite(x[i]) ? log(x[i]) : NAN;
	rc = stats_replicates(x, n, &lin);	/* the centre: the plain median */
	rc = rc ? rc : stats_replicates(lg, n, iv);
	free(lg);
	if (rc)
		return rc;
	iv->centre = lin.centre;
	iv->lo = fmin(exp(iv->lo), lin.centre);
	iv->hi = fmax(exp(iv->hi), lin.centre);
	iv->log = true;
	return 0;
}

const char *stats_method_name(enum stats_method m)
{
	static const char *const names[] = { "none", "order", "t" };

	return (unsigned int)m < 3 ? names[m] : "none";
}

int stats_replicates(const double *x, size_t n, struct stats_interval *iv)
{
	double *v, mean = 0, ss = 0, hw;
	size_t m = 0, lo, hi;

	memset(iv, 0, sizeof(*iv));
	iv->centre = iv->lo = iv->hi = iv->level = iv->se = NAN;
	if (!x || n == 0)
		return -EINVAL;
	v = malloc(n * sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (isfinite(x[i]))
			v[m++] = x[i];
	if (!m) {
		free(v);
		return -EINVAL;
	}
	qsort(v, m, sizeof(*v), cmp_double);
	iv->n = m;
	iv->centre = stats_quantile_sorted(v, m, 0.5);
	if (stats_median_ci_ranks(m, 0.95, &lo, &hi, &iv->level)) {
		iv->lo = v[lo];
		iv->hi = v[hi];
		iv->method = STATS_ORDER;
		iv->valid = true;
	} else if (m >= 2) {
		for (size_t i = 0; i < m; i++)
			mean += (v[i] - mean) / (double)(i + 1);
		for (size_t i = 0; i < m; i++)
			ss += (v[i] - mean) * (v[i] - mean);
		iv->se = sqrt(ss / (double)(m - 1) / (double)m);
		hw = stats_t975(m - 1) * iv->se;
		iv->lo = fmin(mean - hw, iv->centre);
		iv->hi = fmax(mean + hw, iv->centre);
		iv->level = 0.95;
		iv->method = STATS_STUDENT_T;
		iv->valid = true;
	}
	free(v);
	return 0;
}

int stats_linfit(const double *x, const double *y, size_t n,
		 double *a, double *b, double *b_ci)
{
	double mx = 0, my = 0, sxx = 0, sxy = 0, sse = 0, slope, icpt, r;
	size_t i;

	if (!x || !y || n < 2)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (!isfinite(x[i]) || !isfinite(y[i]))
			return -EINVAL;
		mx += (x[i] - mx) / (double)(i + 1);
		my += (y[i] - my) / (double)(i + 1);
	}
	/* centred sums: no cancellation when x sits far from zero */
	for (i = 0; i < n; i++) {
		sxx += (x[i] - mx) * (x[i] - mx);
		sxy += (x[i] - mx) * (y[i] - my);
	}
	if (sxx == 0)
		return -EINVAL;
	slope = sxy / sxx;
	icpt = my - slope * mx;
	for (i = 0; i < n; i++) {
		r = y[i] - icpt - slope * x[i];
		sse += r * r;
	}
	if (a)
		*a = icpt;
	if (b)
		*b = slope;
	if (b_ci)
		*b_ci = n < 3 ? NAN :
			stats_t975(n - 2) * sqrt(sse / (double)(n - 2) / sxx);
	return 0;
}
