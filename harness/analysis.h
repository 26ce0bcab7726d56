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

#include "model.h"
#include "run.h"
#include "stats.h"

/* Per cell: its operation cost in other units, its declared reports. */
struct dv_cell {
	struct stats_interval wall;	/* op wall ns per operation */
	struct stats_interval sender;	/* the producer's own wall ns per op */
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

/* What a cell's operations cost its bystanders, the CPUs that receive the
 * flushes (responders): their rate of work (a PROGRESS report over their
 * wall time) against the baseline row's, the same bystanders undisturbed,
 * at the same (size, cpus, placement, THP), paired by repetition. */
struct dv_responder {
	unsigned int cell, baseline;	/* cell indices */
	const char *event;		/* the counter key of the events received
					   (the row's per_event, first measured) */
	unsigned int nbystanders;
	struct stats_interval lost;	/* bystander ns lost per op, per bystander */
	struct stats_interval per_event; /* ns lost per event received */
	double events;			/* received per op per bystander (median) */
	double slowdown;		/* 1 - rate / baseline rate (median) */
};

/* The cost of each CPU beyond the first, of one primitive at one size:
 * the initiator's (its op time's slope over the CPU count) and, for rows
 * with responders, the bystanders' lost time on top of it. */
struct dv_remote {
	const struct variant_ref *vr;
	size_t size;
	enum topo_placement placement;
	struct stats_interval per_cpu;	/* initiator ns per remote CPU, paired */
	struct stats_interval responder, total;	/* responders' ns per remote
					   CPU, and the sum; !valid: none */
	double intercept;		/* ns at zero remote CPUs: the line's value
					   at cpus = 1 (fitted, or measured) */
	unsigned int cpus[16];		/* the CPU counts the cost comes from */
	unsigned int ncpus;
	bool fitted;			/* over >= 2 CPU counts above 1; else the
					   difference to one CPU */
	bool thp;
};

/* Where a variant starts to beat its twin, at one (cpus, placement). */
struct dv_crossover {
	const struct variant_ref *vr, *twin;
	unsigned int cpus;
	enum topo_placement placement;
	enum { CROSS_NEVER, CROSS_ALWAYS, CROSS_AT } kind;
	double size, lo, hi;		/* bytes, interpolated in log size */
	bool monotone;			/* no crossing back below */
	bool thp;
};

/* The fastest hand-off at one (cpus, placement, size). */
struct dv_winner {
	unsigned int cpus;
	enum topo_placement placement;
	size_t size;
	unsigned int best, next;	/* cells; next == best when alone */
	double ratio;			/* next / best, op wall medians */
	bool overlap;			/* their intervals overlap */
	bool thp;
};

enum dv_verdict { CHECK_PASS, CHECK_FAIL, CHECK_UNMEASURED };

/* One declared expectation judged in one repetition of one cell. */
struct dv_check {
	unsigned int cell, rep, expect;	/* expect: index in the row */
	char metric[RESULTS_METRIC_LEN];	/* the series judged (a glob's match) */
	enum dv_verdict verdict;
	double measured, expected;
};

/* The verdict (verdict.c): per CPU count, class and size, the best of the
 * class against its copying twin, and the loser's largest cost. */
#define VERDICT_MAX_ROWS 96
#define VERDICT_MAX_CAVEATS 8

struct dv_answer_row {
	unsigned int cpus;
	enum bench_class class;
	size_t size;
	unsigned int variant, twin;	/* cells: the class's best, its twin */
	unsigned int winner, loser;	/* one of them each */
	struct stats_interval speedup;	/* twin time / variant time */
	double factor;			/* the winner's speed-up, >= 1 */
	bool variant_wins, tie;		/* tie: the speed-up's CI holds 1 */
	const char *term;		/* the loser's largest model term */
	double term_share;		/* its share of the loser's predicted time */
};

struct dv_answer {
	struct dv_answer_row rows[VERDICT_MAX_ROWS];
	size_t nrows;
	char caveat[VERDICT_MAX_CAVEATS][160];
	size_t ncaveats;
};

struct derived {
	struct dv_cell *cells;		/* one per run cell, same index */
	struct dv_twin *twins;
	size_t ntwins;
	struct dv_remote *remote;
	size_t nremote;
	struct dv_responder *responders;
	size_t nresponders;
	struct dv_model *model;		/* model.c */
	struct dv_answer *verdict;	/* verdict.c */
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
	size_t stolen_cells;		/* cells with >= 5% of their CPUs' time stolen */
	double steal_max;		/* the largest such share, NAN: unknown */
};

/* Compute r->derived. -ENOMEM. */
int analysis_run(struct run *r);
void analysis_free(struct run *r);

/* The cell of (vr, size, cpus, placement), or NULL. */
const struct cell_result *analysis_cell_at(const struct run *r,
					   const struct variant_ref *vr, size_t size,
					   unsigned int cpus, enum topo_placement p, bool thp);

const char *dv_verdict_name(enum dv_verdict v);

/* One repetition's change per CPU beyond the first from its (cpus, y)
 * points: the least-squares slope over the counts above 1 when there are
 * two or more (the intercept apart: one CPU has no remote path at all),
 * else the difference to one CPU; icpt: the line's value at one CPU
 * (fitted, or measured). NAN when neither can be had. */
double analysis_cpu_slope(const double *x, const double *y, size_t n, double *icpt,
			  bool *fitted);

/* remote.c, called by analysis_run(): d->responders, then d->remote. */
int analysis_responders(struct run *r, struct derived *d);
int analysis_remote_costs(struct run *r, struct derived *d);
/* verdict.c, called by analysis_run() last. */
int verdict_run(struct run *r);

#endif
