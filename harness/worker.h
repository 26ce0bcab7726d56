/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * worker.h - the worker threads of a cell's process and the steps they
 * take together (setup, a sample, quit); shared by worker.c (the threads,
 * the services of bench.h) and measure.c (what the samples mean).
 *
 * A sample's timed region in each thread: from after the two start gates
 * (every thread has arrived, then every thread has read its counters, so
 * no thread works before every window is open) to the return of its hook;
 * the counter and CPU-time reads sit just outside it.
 */
#ifndef COWBENCH_WORKER_H
#define COWBENCH_WORKER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "bench.h"
#include "counter.h"
#include "measure.h"
#include "pmu.h"

struct gate {
	_Atomic uint32_t gen;		/* bumped to start a step */
	_Atomic uint32_t arrived;	/* threads at the start line */
	_Atomic uint32_t armed;		/* threads with counters read */
	_Atomic uint32_t counted;	/* threads with their last counters read */
	_Atomic uint32_t done;		/* threads done with the step */
	_Atomic uint32_t transfer_left;	/* producer/consumer still running */
	_Atomic uint32_t stop;		/* the sample is being stopped */
	_Atomic bool failed;		/* a role failed during the sample */
	bool quit;
	bool verify;
	uint64_t nops;
};

struct cell_ctx;

struct bench_ctl {
	struct cell_ctx *cx;
	enum bench_role role;
	int cpu;
	pthread_t tid;
	void *stack;
	struct pmu_thread *pmu;
	int rc;				/* pinning / counters */
	uint64_t t0, t1, cpu0, cpu1;
	struct counter_raw c0[PMU_MAX_EVENTS], c1[PMU_MAX_EVENTS];
	unsigned int phase;
	uint64_t phase_t;
	uint64_t phase_acc[BENCH_MAX_PHASES];
	uint64_t phase_n[BENCH_MAX_PHASES];	/* intervals of each phase */
	uint64_t rep[BENCH_MAX_REPORTS];	/* bench_report() this sample */
};

struct cell_ctx {
	const struct cell_env *env;
	const struct bench_variant *v;
	struct bench_cell cell;
	unsigned int nthreads, ntransfer;
	struct bench_ctl *ctl;		/* [0] is the producer */
	struct gate g;
	void *state;
	bool state_ok;
	int setup_rc;
	bool skip;
	bool peer_down;			/* bench_peer_down() */
	unsigned int depth;		/* bench_set_depth(), 0: none */
	pthread_mutex_t lock;
	char reason[RESULTS_REASON_LEN];
	char notes[RESULTS_MAX_NOTES][RESULTS_NOTE_LEN];
	unsigned int nnotes;
	uint64_t *irq0, *irq1;		/* TLB row of /proc/interrupts */
	uint64_t *st0, *st1;		/* interrupt ns per CPU, /proc/stat */
	uint64_t *sl0, *sl1;		/* steal ns per CPU, /proc/stat */
	unsigned int nst;
	double running[PMU_MAX_EVENTS];	/* lowest share of a sample a counter
					   ran (multiplexed: < 1) */
	unsigned int nirq;
};

/* Roles and CPUs of the threads, then start them (pinned, counters open). */
int worker_start(struct cell_ctx *cx);
/* Run setup() in the producer thread; 0 or the first error. */
int worker_setup(struct cell_ctx *cx);
/* One sample of nops operations. Returns 0, -EINTR (interrupted), -EIO (a
 * role failed), -EDEADLK (threads do not stop). */
int worker_sample(struct cell_ctx *cx, uint64_t nops, bool verify);
/* Tell the threads to quit (teardown runs in the producer) and join them;
 * not when rc is -EDEADLK. */
void worker_stop(struct cell_ctx *cx, int rc);
/* After setup: the process's resident set and mappings, and how much of
 * the mappings advised MADV_HUGEPAGE is in huge pages (smaps), into r. */
void worker_footprint(struct rep_result *r);
/* The first reason recorded for the cell (bench_fail, a thread, ...). */
void worker_reason(struct cell_ctx *cx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
