/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * results.h - what a run measured: cells, the repetitions of each (one
 * process each), and per repetition the series of per-operation values,
 * one value per sample; then, per cell, each metric over its repetitions.
 */
#ifndef COWBENCH_RESULTS_H
#define COWBENCH_RESULTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bench.h"
#include "registry.h"
#include "stats.h"
#include "topo.h"

#define RESULTS_ROLE_LEN 12
#define RESULTS_METRIC_LEN 72
#define RESULTS_UNIT_LEN 12
#define RESULTS_REASON_LEN 256
#define RESULTS_MAX_COUNTERS 32
#define RESULTS_MAX_NOTES 8
#define RESULTS_NOTE_LEN 160

enum cell_status {
	CELL_OK,
	CELL_FAILED,
	CELL_UNSUPPORTED,
	CELL_INTERRUPTED,
	CELL_SKIPPED,		/* not run: budget spent, run interrupted */
};

/* One measured quantity of a repetition: its per-operation value in each
 * sample, NAN where it was not measured in that sample. */
struct series {
	char role[RESULTS_ROLE_LEN];	/* op, producer, consumer, bystanders */
	char metric[RESULTS_METRIC_LEN]; /* wall_ns, cpu_ns, page_faults, ... */
	char unit[RESULTS_UNIT_LEN];	/* "ns/op" or "count/op" */
	bool mean;			/* the repetition's figure is the mean of
					   its samples (a quantised metric), not
					   the median */
	double *v;
	size_t n, cap;
	struct stats_summary sum;	/* over the finite values */
	bool has_sum;
};

/* One repetition of a cell: one process. */
struct rep_result {
	unsigned int rep;		/* 0 .. repetitions-1 */
	unsigned int order;		/* its place in the sweep, from 0 */
	enum cell_status status;
	char reason[RESULTS_REASON_LEN];
	bool ran;			/* a process was started for it */
	bool ready;			/* the process said it was set up */
	bool verify_ran;		/* this repetition ran the verification */
	bool verified;			/* ... and it passed */
	bool peer_down;			/* it found the --peer down (bench_peer_down) */
	uint64_t verify_ops;
	uint64_t verify_reports[BENCH_MAX_REPORTS];
	uint64_t ops_per_sample;
	unsigned int depth;		/* declared pipeline depth, 0: none */
	unsigned long warmup;
	char stop_reason[16];
	double started_s;		/* since the run started */
	double spawn_ms;		/* fork + exec + the child's set-up until
					   its first record */
	double duration_s;		/* the process, start to reap */
	int pid;
	int exit_code, exit_signal;	/* -1 when not applicable */
	long rss_kib, vmas;		/* the process when it started measuring */
	long huge_kib;			/* of its buffers, in huge pages */
	bool colocated;
	int helper_cpu;			/* OS CPU of the helper thread, -1 none */
	char notes[RESULTS_MAX_NOTES][RESULTS_NOTE_LEN];	/* bench_note() */
	unsigned int nnotes;
	/* per counter of the run's set (same index): the lowest share of a
	 * sample it was running (< 1: multiplexed, scaled), NAN: never read */
	double running[RESULTS_MAX_COUNTERS];
	struct series *series;
	size_t nseries, cap;
};

/* One metric of a cell over its repetitions (the headline figures). */
struct cell_metric {
	char role[RESULTS_ROLE_LEN];
	char metric[RESULTS_METRIC_LEN];
	char unit[RESULTS_UNIT_LEN];
	struct stats_interval iv;	/* over the repetitions' medians */
	double *rep_median;		/* per repetition (NAN: none), nreps */
};

struct cell_result {
	unsigned int id;
	const struct variant_ref *vr;
	size_t size;
	unsigned int ncpus;
	enum topo_placement placement;
	int *cpu_list;
	bool smt_siblings;		/* two of its CPUs share a core */
	bool thp;			/* its buffers were given THP */
	bool colocated;
	enum cell_status status;	/* the worst of its repetitions */
	char reason[RESULTS_REASON_LEN];
	struct rep_result *reps;
	size_t nreps;
	struct cell_metric *metrics;
	size_t nmetrics;
};

const char *cell_status_name(enum cell_status s);
/* -1 when unknown. */
int cell_status_parse(const char *s);

/* The series (role, metric) of r, created (empty, NAN-backfilled to the
 * other series' length) when missing. NULL on ENOMEM. */
struct series *rep_series(struct rep_result *r, const char *role,
			  const char *metric, const char *unit, bool mean);
/* The repetition's figure of a series: its median, or its mean. */
double series_figure(const struct series *s);
const struct series *rep_find(const struct rep_result *r, const char *role,
			      const char *metric);
int series_push(struct series *s, double v);
/* One sample: a value for each (role, metric); series of r missing from
 * vals get NAN, new ones are created (backfilled with NAN). */
struct sample_value {
	const char *role, *metric, *unit;
	double v;
	bool mean;
};
int rep_push_sample(struct rep_result *r, const struct sample_value *vals, size_t n);
size_t rep_nsamples(const struct rep_result *r);
/* Summaries over the finite values of every series of r. */
void rep_summarize(struct rep_result *r);
void rep_free(struct rep_result *r);

/* Per metric of c, the interval over its usable repetitions (status ok,
 * or interrupted with samples): cell->metrics. And the cell's status. */
int cell_aggregate(struct cell_result *c);
const struct cell_metric *cell_find(const struct cell_result *c, const char *role,
				    const char *metric);
/* Repetitions whose samples count towards the cell's figures. */
bool rep_usable(const struct rep_result *r);
void cell_free(struct cell_result *c);

#endif
