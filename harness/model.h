/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * model.h - the cost model of a run (results/README.md, "The model"),
 * computed once by analysis_run() into derived->model and only rendered
 * elsewhere (summary, verdict, run.json, plots).
 *
 * Constants: what the rows declare they measure (bench.h, constants[]),
 * each a line over pages, intercept + slope x pages, fitted per repetition
 * over the sizes of one (cpus, placement, THP); with a knee, one line up to
 * it and one above: the flush ceiling (a flush becomes a full one), or the
 * cache knee (the buffer and its copy outgrow the last-level cache: the
 * copy runs at memory speed, not the cache's). Each constant also has its change
 * per CPU beyond the first (the slope of its intercept and of its slope
 * over the CPU counts), which the extrapolation to more CPUs uses.
 * Predictions: a row's operation time as the sum of its model's terms (or
 * its own line, when it states no model), against what was measured.
 * The 2006 inequality per page, and the crossovers the model gives at CPU
 * counts measured and beyond.
 */
#ifndef COWBENCH_MODEL_H
#define COWBENCH_MODEL_H

#include <stdbool.h>
#include <stddef.h>

#include "bench.h"
#include "stats.h"
#include "topo.h"

struct run;
struct variant_ref;
struct bench_constant;
struct dv_model;

#define MODEL_TOLERANCE 0.15		/* "within 15%" */
#define MODEL_MAX_CPUS_OUT 3		/* extrapolated CPU counts */
extern const unsigned int model_cpus_out[MODEL_MAX_CPUS_OUT];	/* 8, 64, 256 */

/* One constant (or a row's own line) at one (cpus, placement, THP) and
 * segment. */
struct dv_constant {
	const char *name, *desc;	/* the row's own line: the row's name */
	const struct variant_ref *vr;	/* the row that measures it */
	const struct bench_constant *decl;	/* NULL: a row's own line */
	unsigned int cpus;
	enum topo_placement placement;
	bool thp;
	unsigned int seg;		/* 0: up to the knee (or all), 1: above */
	size_t npoints;			/* sizes the line is fitted over */
	struct stats_interval intercept, slope;	/* ns per op, ns per page */
	double *a, *b;			/* per repetition (run's repetitions) */
};

/* A row's operation time at one cell, predicted from its terms. */
struct dv_prediction {
	unsigned int cell;
	bool own_line;			/* the row states no model: its own line */
	bool uses_own;			/* a term is a constant the row measures
					   itself: not an independent check */
	struct stats_interval predicted;	/* ns per op */
	struct stats_interval ratio;	/* predicted / measured, paired */
	double measured;		/* ns per op (the cell's figure) */
	double part[BENCH_MAX_TERMS];	/* each term's ns (centres);
					   own line: [0] fixed, [1] per page */
	unsigned int nparts;
	int dominant;			/* index of the largest part */
	bool within;			/* |ratio - 1| <= MODEL_TOLERANCE */
	bool explained;			/* within, or its interval holds 1: not
					   a finding */
};

/* The 2006 inequality per page at one CPU count. */
struct dv_inequality {
	unsigned int cpus;
	bool extrapolated;		/* beyond the CPU counts measured */
	struct stats_interval copy, fault, pt_update;	/* ns per page */
	struct stats_interval cow_side;	/* copy + fault + 2 x pt_update */
	struct stats_interval copy_side;	/* copy + pt_update at one CPU */
	double ratio;			/* cow_side / copy_side (centres) */
};

/* The most pages the lower line of decl's knee holds for (INFINITY: no
 * knee, one line for all). */
double model_knee_pages(const struct dv_model *m, const struct bench_constant *decl);

/* The size above which a row beats its twin, by the model. */
struct dv_model_cross {
	const struct variant_ref *vr, *twin;
	unsigned int cpus;
	bool extrapolated;
	enum { MCROSS_NEVER, MCROSS_ALWAYS, MCROSS_AT } kind;
	double size;			/* bytes */
};

struct dv_model {
	int ceiling;			/* pages: the flush-ceiling knee */
	const char *ceiling_source;	/* "read" | "kernel default (not readable)" */
	double cache_pages;		/* pages: the cache knee (half the
					   last-level cache); 0: cache unknown,
					   no knee */
	struct dv_constant *constants;
	size_t nconstants;
	struct dv_prediction *pred;
	size_t npred;
	size_t nindependent, nwithin_tol, nunexplained;	/* predicted from other
					   rows' constants */
	size_t nown, nown_within_tol;	/* from constants of their own */
	struct dv_inequality *ineq;
	size_t nineq;
	struct dv_model_cross *cross;
	size_t ncross;
};

int model_run(struct run *r);
/* A row fitted on its own line: it states no model and is not a primitive. */
bool model_own_line(const struct bench_variant *v);
void model_free(struct dv_model *m);

/* The row's predicted op time at (size, cpus, placement, THP) in
 * repetition k (SIZE_MAX: from the centres), and its terms' parts (with
 * k == SIZE_MAX; own line: [0] fixed, [1] per page); NAN when a term is not
 * measured. */
double model_predict(const struct run *r, const struct variant_ref *vr, size_t size,
		     unsigned int cpus, enum topo_placement p, bool thp, size_t k,
		     double *parts, unsigned int *nparts);
/* model_use.c, called by model_run(): m->ineq, m->cross. */
int model_inequality(struct run *r, struct dv_model *m);
int model_crossovers(struct run *r, struct dv_model *m);

/* The constant `name`'s line at (cpus, placement, THP) for `pages`, in
 * repetition k (k = SIZE_MAX: the centres); NAN when not measured. With
 * extrapolate, cpus beyond those measured use its growth per CPU (where
 * it grows; else its value at the most CPUs measured). */
double model_line(const struct run *r, const char *name, unsigned int cpus,
		  enum topo_placement p, bool thp, double pages, size_t k);

#endif
