/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * measure.h - one repetition of one cell, in the process it owns: the
 * worker threads, verification, calibration, warm-up, the samples and the
 * stopping rule. Each sample is handed to on_sample() as soon as it is
 * recorded, so that a process that dies later has given what it measured.
 */
#ifndef COWBENCH_MEASURE_H
#define COWBENCH_MEASURE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "registry.h"
#include "results.h"

struct pmu_set;
struct topo;

/* How one repetition samples. */
struct sampling {
	double target_ci;		/* relative half-width of the median's CI */
	unsigned long min_samples, max_samples, warmup;
	double cell_budget_s;		/* sampling time of one repetition */
	double min_sample_s;		/* a sample lasts at least this */
	double run_left_s;		/* what is left of --budget, 0: no limit */
	double phase_mark_ns;		/* cost of one bench_phase(), subtracted
					   from each phase interval */
};

struct cell_env {
	const struct variant_ref *vr;
	size_t size;
	unsigned int ncpus;
	const int *cpu_list;
	enum bench_sink sink;
	const char *peer;
	bool hazard;
	bool sabotage;			/* --sabotage */
	bool thp;			/* the cell's buffers get THP */
	bool verify;			/* run the verification sample (the first
					   repetition of a cell to run does) */
	const struct topo *topo;
	const struct pmu_set *pmu;
	struct sampling samp;
	void (*on_sample)(void *arg, const struct rep_result *r);
	void *arg;
};

/* Set by SIGINT/SIGTERM/SIGHUP in the cell's process: stop the sample in
 * flight and report what was measured. */
extern volatile sig_atomic_t measure_interrupted;

/* Measure into r (status, reason, series, verification, ...). Returns 0,
 * or -EDEADLK when worker threads could not be stopped (the process must
 * exit without joining them). */
int measure_cell(const struct cell_env *env, struct rep_result *r);

/* Cost of one bench_phase() call, in ns. */
double measure_phase_overhead_ns(void);

#endif
