/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * analysis.h - everything derived from a run's measurements, computed once
 * and written to run.json ("derived"); summary.txt and scripts/plot only
 * render it. Nothing here knows a variant, a family or a counter by name:
 * what a number means comes from the variant rows (bench.h).
 *
 * Intervals over repetitions: a figure is computed per repetition, then
 * summarised with stats_replicates(). Figures that compare cells (a speed-
 * up over the twin, a cost per remote CPU) pair each repetition of one
 * cell with the same repetition of the other, which ran in the same block
 * (plan.h), close in time: drift of the machine cancels in the pair.
 */
#ifndef COWBENCH_ANALYSIS_H
#define COWBENCH_ANALYSIS_H

#include <stdbool.h>
#include <stddef.h>

#include "run.h"
#include "stats.h"

/* Per cell: its operation cost in other units, its declared reports. */
struct dv_cell {
	struct stats_interval wall;	/* op wall ns per operation */
	struct stats_interval per_kib, per_page, gib_s, cpu_per_kib;
	double share;			/* a SHARE report as a fraction, NAN none */
	const char *share_name, *share_of;
	double violations;		/* MUST_BE_ZERO reports: total count */
	const char *violation_name;
	double loose;			/* repetitions whose CI missed the target */
};

/* A variant against its copying twin at one (size, cpus, placement). */
struct dv_twin {
	unsigned int cell, twin;	/* cell indices */
	struct stats_interval speedup;	/* twin / variant, op wall, paired */
	struct stats_interval cpu_ratio; /* twin / variant, op cpu */
	bool differs;			/* the interval excludes 1 */
};

/* The cost of each CPU beyond the first, of one primitive at one size. */
struct dv_remote {
	const struct variant_ref *vr;
	size_t size;
	enum topo_placement placement;
	struct stats_interval per_cpu;	/* ns per remote CPU, paired */
	double intercept;		/* ns at zero remote CPUs: the line's value
					   at cpus = 1 (fitted, or measured) */
	unsigned int cpus[16];		/* the CPU counts the cost comes from */
	unsigned int ncpus;
	bool fitted;			/* over >= 2 CPU counts above 1; else the
					   difference to one CPU */
};

/* Where a variant starts to beat its twin, at one (cpus, placement). */
struct dv_crossover {
	const struct variant_ref *vr, *twin;
	unsigned int cpus;
	enum topo_placement placement;
	enum { CROSS_NEVER, CROSS_ALWAYS, CROSS_AT } kind;
	double size, lo, hi;		/* bytes, interpolated in log size */
	bool monotone;			/* no crossing back below */
};

/* The fastest hand-off at one (cpus, placement, size). */
struct dv_winner {
	unsigned int cpus;
	enum topo_placement placement;
	size_t size;
	unsigned int best, next;	/* cells; next == best when alone */
	double ratio;			/* next / best, op wall medians */
	bool overlap;			/* their intervals overlap */
};

enum dv_verdict { CHECK_PASS, CHECK_FAIL, CHECK_UNMEASURED };

/* One declared expectation judged in one repetition of one cell. */
struct dv_check {
	unsigned int cell, rep, expect;	/* expect: index in the row */
	char metric[RESULTS_METRIC_LEN];	/* the series judged (a glob's match) */
	enum dv_verdict verdict;
	double measured, expected;
};

struct derived {
	struct dv_cell *cells;		/* one per run cell, same index */
	struct dv_twin *twins;
	size_t ntwins;
	struct dv_remote *remote;
	size_t nremote;
	struct dv_crossover *cross;
	size_t ncross;
	struct dv_winner *winners;
	size_t nwinners;
	struct dv_check *checks;
	size_t nchecks, nfail, nunmeasured;
	char zero_counters[512];	/* measured somewhere, zero everywhere */
	double running[RESULTS_MAX_COUNTERS];	/* per counter: the lowest share
					   of a sample it ran, over the run
					   (< 1: multiplexed and scaled), NAN */
	size_t ok_cells, loose_reps, usable_reps, smt_cells, short_cells;
	double spawn_ms;		/* median per process */
};

/* Compute r->derived. -ENOMEM. */
int analysis_run(struct run *r);
void analysis_free(struct run *r);

/* The cell of (vr, size, cpus, placement), or NULL. */
const struct cell_result *analysis_cell_at(const struct run *r,
					   const struct variant_ref *vr, size_t size,
					   unsigned int cpus, enum topo_placement p);

const char *dv_verdict_name(enum dv_verdict v);

#endif
