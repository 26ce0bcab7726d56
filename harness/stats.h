/*
 * stats.h - pure statistics on one metric's samples. No I/O, no globals.
 *
 * The confidence interval of the median is distribution-free: a pair of
 * order statistics (x_(j), x_(k)) chosen from the Binomial(n, 1/2)
 * distribution so that P(x_(j) <= median <= x_(k)) >= level. With fewer
 * than 6 samples no 95% interval exists and ci_valid is false.
 * Quantiles interpolate linearly between order statistics (Hyndman & Fan
 * type 7, as numpy's default). `mad` is the raw median absolute deviation
 * from the median, NOT scaled by 1.4826.
 */
#ifndef COWBENCH_STATS_H
#define COWBENCH_STATS_H

#include <stdbool.h>
#include <stddef.h>

struct stats_summary {
	size_t n;
	double median;
	double ci_lo, ci_hi;	/* CI of the median at `level` */
	double level;		/* achieved coverage, >= requested (e.g. 0.961) */
	bool ci_valid;		/* false when n is too small for the level */
	double p10, p90;
	double min, max;
	double mad;
	double mean;
};

/* Summarise x[0..n) (not modified; copied and sorted inside) at the
 * requested CI level (e.g. 0.95). Returns 0, -EINVAL for n == 0 or a
 * non-finite value, -ENOMEM. */
int stats_summarize(const double *x, size_t n, double level,
		    struct stats_summary *s);

/* Quantile q in [0,1] of sorted[0..n), type 7. n > 0. */
double stats_quantile_sorted(const double *sorted, size_t n, double q);

/* 0-based indices (lo, hi) into a sorted sample of size n of the
 * distribution-free CI of the median with coverage >= level; writes the
 * exact coverage. Returns false when no such pair exists for this n. */
bool stats_median_ci_ranks(size_t n, double level, size_t *lo, size_t *hi,
			   double *coverage);

/* Is the CI tight: half-width <= rel * |median|? False when !ci_valid. */
bool stats_ci_within(const struct stats_summary *s, double rel);

/* Ordinary least squares y = a + b x with the 95% CI half-width of b
 * (Student t with n-2 degrees of freedom). Returns -EINVAL when n < 2 or
 * all x are equal; b_ci is NAN when n < 3. */
int stats_linfit(const double *x, const double *y, size_t n,
		 double *a, double *b, double *b_ci);

#endif
