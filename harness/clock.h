/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * clock.h - the benchmark clock: the TSC when it is invariant (constant and
 * non-stop, calibrated against CLOCK_MONOTONIC_RAW), else
 * CLOCK_MONOTONIC_RAW itself. Ticks are converted to ns only when samples
 * are stored, never inside a timed region.
 */
#ifndef COWBENCH_CLOCK_H
#define COWBENCH_CLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct clock_info {
	const char *source;		/* "tsc" or "clock_monotonic_raw" */
	char why[160];			/* why that source */
	double tsc_hz;			/* 0 when not the TSC */
	double read_overhead_ns;	/* median cost of one clock_ticks() */
	double phase_mark_overhead_ns;	/* median cost of one bench_phase() */
};

/* Choose and calibrate (~50 ms). Returns 0 or -errno. */
int clock_init(struct clock_info *ci);

/* Whether to use the TSC: only when CPUID says it is invariant and the
 * kernel keeps it as its clocksource (the kernel stops using a TSC it
 * found unsynchronised between CPUs or unstable, and says so by switching
 * clocksource: an invariant TSC alone does not prove the TSCs agree).
 * current is the text of .../clocksource0/current_clocksource, NULL when
 * unreadable. Pure; why says which and why. */
bool clock_trust_tsc(bool invariant, const char *current, char *why, size_t len);
/* Use the TSC at tsc_hz as another process calibrated it (0: the raw
 * monotonic clock), without measuring anything. */
void clock_init_hz(struct clock_info *ci, double tsc_hz);

uint64_t clock_ticks(void);
/* A phase mark's read: the bare TSC (no fences) where the TSC is used,
 * else the same as clock_ticks(). Cheaper, slightly less exact. */
uint64_t clock_mark(void);
double clock_ticks_to_ns(uint64_t ticks);

/* Median cost in ns of one call of f(arg), measured in batches. */
double clock_overhead_ns(void (*f)(void *), void *arg);

/* CLOCK_MONOTONIC in ns, for budgets (not for samples). */
uint64_t clock_mono_ns(void);
/* CLOCK_THREAD_CPUTIME_ID of the calling thread, in ns. */
uint64_t clock_thread_cpu_ns(void);

#endif
