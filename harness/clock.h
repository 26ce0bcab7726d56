/*
 * clock.h - the benchmark clock: the TSC when it is invariant (constant and
 * non-stop, calibrated against CLOCK_MONOTONIC_RAW), else
 * CLOCK_MONOTONIC_RAW itself. Ticks are converted to ns only when samples
 * are stored, never inside a timed region.
 */
#ifndef COWBENCH_CLOCK_H
#define COWBENCH_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

struct clock_info {
	const char *source;		/* "tsc" or "clock_monotonic_raw" */
	double tsc_hz;			/* 0 when not the TSC */
	double read_overhead_ns;	/* median cost of one clock_ticks() */
	double phase_mark_overhead_ns;	/* median cost of one bench_phase() */
};

/* Choose and calibrate (~50 ms). Returns 0 or -errno. */
int clock_init(struct clock_info *ci);

uint64_t clock_ticks(void);
double clock_ticks_to_ns(uint64_t ticks);

/* Median cost in ns of one call of f(arg), measured in batches. */
double clock_overhead_ns(void (*f)(void *), void *arg);

/* CLOCK_MONOTONIC in ns, for budgets (not for samples). */
uint64_t clock_mono_ns(void);
/* CLOCK_THREAD_CPUTIME_ID of the calling thread, in ns. */
uint64_t clock_thread_cpu_ns(void);

#endif
