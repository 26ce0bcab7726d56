/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * run.h - the record of one `cowbench run`: its options, the machine it
 * ran on, the plan (cells and the order of their repetitions) and what
 * each repetition measured. Written by the CLI, the plan and the
 * scheduler; read by the analysis and the writers.
 */
#ifndef COWBENCH_RUN_H
#define COWBENCH_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bench.h"
#include "clock.h"
#include "machine.h"
#include "measure.h"
#include "pmu.h"
#include "registry.h"
#include "results.h"
#include "topo.h"

enum run_order {
	ORDER_SHUFFLE,		/* blocks of related cells, shuffled (seeded) */
	ORDER_SEQUENTIAL,	/* cells in plan order, repetitions together */
};

struct options {
	const char *bench_globs;	/* comma-separated globs */
	const char *variant_globs;
	size_t *sizes;
	size_t nsizes;
	unsigned int *cpus;
	size_t ncpus;
	enum topo_placement placements[TOPO_NR_PLACEMENTS];
	size_t nplacements;
	bool thp[2];			/* --thp: [0] never, [1] always */
	bool sabotage;			/* --sabotage */
	const char *events;
	struct sampling samp;		/* per repetition */
	unsigned int repetitions;
	enum run_order order;
	uint64_t seed;
	double budget_s;		/* 0: unlimited */
	double hang_s;			/* a cell's process silent this long is killed */
	enum bench_sink sink;
	const char *out;
	const char *peer;
	bool hazard;
	bool quick;
	bool quiet;
};

enum run_status {
	RUN_COMPLETE,
	RUN_INTERRUPTED,
	RUN_FAILED,
};

/* One repetition of one cell, at its place in the sweep. */
struct plan_item {
	unsigned int cell, rep;
	unsigned int block;		/* cells measured close together */
};

struct derived;

struct run {
	struct options opt;
	int argc;
	char **argv;
	char started[32], ended[32];	/* ISO-8601 UTC */
	enum run_status status;
	int signal;			/* what interrupted it, 0 none */
	struct topo *topo;
	struct pmu_set pmu;
	struct clock_info clock;
	struct machine machine;
	const struct variant_ref *variants[REGISTRY_MAX_VARIANTS];
	size_t nvariants;
	struct cell_result *cells;
	size_t ncells;
	struct plan_item *items;
	size_t nitems;
	double start_s;			/* CLOCK_MONOTONIC at the first cell */
	double elapsed_s;		/* of the sweep */
	struct derived *derived;	/* analysis_run() */
};

const char *run_status_name(enum run_status s);
const char *run_order_name(enum run_order o);

#endif
