/* SPDX-License-Identifier: GPL-2.0-only */
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

/* The larger side of the CI as a fraction of |median| (an asymmetric
 * interval is judged by its wider side): what the stopping rule compares
 * with --target-ci and what the summary prints. NAN when !ci_valid. */
double stats_ci_rel_halfwidth(const struct stats_summary *s);

/* Is the CI tight: stats_ci_rel_halfwidth(s) <= rel? False when !ci_valid. */
bool stats_ci_within(const struct stats_summary *s, double rel);

/* t(0.975, df), the two-sided 95% Student t quantile; NAN for df 0. */
double stats_t975(size_t df);

/*
 * The interval of a location from independent replicates x[0..n) (one
 * value per process, e.g. the median of each repetition): the centre is
 * their median; the interval is distribution-free (order statistics, as
 * the CI of a median) from 6 replicates up, else Student t on their mean
 * (t(0.975, n-1) s / sqrt(n)), widened if need be to contain the centre.
 * One replicate has no interval (valid false). Non-finite values are
 * skipped. Returns -EINVAL when no value is finite.
 */
enum stats_method { STATS_NONE, STATS_ORDER, STATS_STUDENT_T };
struct stats_interval {
	size_t n;
	double centre, lo, hi;
	double level;		/* coverage: exact (order) or nominal 0.95 (t) */
	enum stats_method method;
	bool valid;
	bool log;		/* the interval was formed on logarithms */
	double se;		/* t: the standard error of the mean, on the log
				   scale when log; NAN otherwise */
};
int stats_replicates(const double *x, size_t n, struct stats_interval *iv);
/* The same for a quantity that cannot be negative (a time, a count): when
 * every value is > 0 the interval is taken on their logarithms (so it
 * stays positive, and a ratio's interval is its inverse's), around the
 * plain median; with zeros it is taken as above, its lower end clipped at
 * 0. */
int stats_replicates_nonneg(const double *x, size_t n, struct stats_interval *iv);
const char *stats_method_name(enum stats_method m);	/* "order", "t", "none" */

/* Ordinary least squares y = a + b x with the 95% CI half-width of b
 * (Student t with n-2 degrees of freedom). Returns -EINVAL when n < 2 or
 * all x are equal; b_ci is NAN when n < 3. */
int stats_linfit(const double *x, const double *y, size_t n,
		 double *a, double *b, double *b_ci);

#endif
