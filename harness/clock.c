// SPDX-License-Identifier: GPL-2.0-only
/*
 * clock.c - TSC or CLOCK_MONOTONIC_RAW; see clock.h.
 *
 * The TSC is used only when CPUID says it is invariant (leaf 0x80000007,
 * EDX bit 8): then it ticks at a constant rate in every P- and C-state and
 * is synchronised across CPUs, so a sample started on one CPU's clock and
 * ended on another's is still valid. Reads are ordered with LFENCE so the
 * timed work cannot leak across them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <x86intrin.h>
#define CLOCK_HAVE_TSC 1
#else
#define CLOCK_HAVE_TSC 0
#endif

static bool use_tsc;
static double ns_per_tick = 1.0;

static uint64_t ts_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t clock_mono_ns(void)
{
	return ts_ns(CLOCK_MONOTONIC);
}

uint64_t clock_thread_cpu_ns(void)
{
	return ts_ns(CLOCK_THREAD_CPUTIME_ID);
}

#if CLOCK_HAVE_TSC
static bool tsc_invariant(void)
{
	unsigned int a, b, c, d;

	if (!__get_cpuid(0x80000000, &a, &b, &c, &d) || a < 0x80000007)
		return false;
	__get_cpuid(0x80000007, &a, &b, &c, &d);
	return d & (1u << 8);
}

static inline uint64_t tsc_read(void)
{
	uint64_t t;

	_mm_lfence();
	t = __rdtsc();
	_mm_lfence();
	return t;
}
#else
static bool tsc_invariant(void)
{
	return false;
}

static inline uint64_t tsc_read(void)
{
	return 0;
}
#endif

uint64_t clock_ticks(void)
{
	if (use_tsc)
		return tsc_read();
	return ts_ns(CLOCK_MONOTONIC_RAW);
}

uint64_t clock_mark(void)
{
#if CLOCK_HAVE_TSC
	if (use_tsc)
		return __rdtsc();
#endif
	return ts_ns(CLOCK_MONOTONIC_RAW);
}

double clock_ticks_to_ns(uint64_t ticks)
{
	return (double)ticks * ns_per_tick;
}

/* TSC rate from two (raw clock, TSC) pairs 50 ms apart, each pair taken
 * as the tightest of a few reads so a preemption does not skew it. */
static double tsc_calibrate(void)
{
	uint64_t r0 = 0, t0 = 0, r1 = 0, t1 = 0;
	struct timespec nap = { 0, 50 * 1000 * 1000 };

	for (int pass = 0; pass < 2; pass++) {
		uint64_t best = UINT64_MAX, r = 0, t = 0;

		for (int i = 0; i < 16; i++) {
			uint64_t a = tsc_read();
			uint64_t ns = ts_ns(CLOCK_MONOTONIC_RAW);
			uint64_t b = tsc_read();

			if (b - a < best) {
				best = b - a;
				r = ns;
				t = a + (b - a) / 2;
			}
		}
		if (pass == 0) {
			r0 = r;
			t0 = t;
			nanosleep(&nap, NULL);
		} else {
			r1 = r;
			t1 = t;
		}
	}
	if (r1 <= r0 || t1 <= t0)
		return 0;
	return (double)(t1 - t0) * 1e9 / (double)(r1 - r0);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* Median cost in ns of one call of f, over 101 batches of 100 calls. */
double clock_overhead_ns(void (*f)(void *), void *arg)
{
	enum { BATCHES = 101, CALLS = 100 };
	uint64_t d[BATCHES];

	for (int b = 0; b < BATCHES; b++) {
		uint64_t t0 = clock_ticks();

		for (int i = 0; i < CALLS; i++)
			f(arg);
		d[b] = clock_ticks() - t0;
	}
	qsort(d, BATCHES, sizeof(d[0]), cmp_u64);
	return clock_ticks_to_ns(d[BATCHES / 2]) / CALLS;
}

static void read_once(void *arg)
{
	volatile uint64_t *sink = arg;

	*sink = clock_ticks();
}

bool clock_trust_tsc(bool invariant, const char *current, char *why, size_t len)
{
	char cs[32] = "";

	if (current)
		snprintf(cs, sizeof(cs), "%.*s", (int)strcspn(current, " \n"), current);
	if (!invariant) {
		snprintf(why, len, "the TSC is not invariant (CPUID 0x80000007 EDX bit 8)");
		return false;
	}
	if (!current) {
		snprintf(why, len, "the kernel's clocksource is unreadable");
		return false;
	}
	if (strcmp(cs, "tsc")) {
		snprintf(why, len, "the kernel's clocksource is %s, not tsc (a TSC the "
			 "kernel found unstable or unsynchronised is not used)", cs);
		return false;
	}
	snprintf(why, len, "invariant TSC, the kernel's clocksource");
	return true;
}

static const char *read_clocksource(char *buf, size_t len)
{
	FILE *f = fopen("/sys/devices/system/clocksource/clocksource0/"
			"current_clocksource", "re");
	const char *r = f && fgets(buf, (int)len, f) ? buf : NULL;

	if (f)
		fclose(f);
	return r;
}

int clock_init(struct clock_info *ci)
{
	volatile uint64_t sink;
	char cs[64];
	bool tsc;

	use_tsc = false;
	ns_per_tick = 1.0;
	ci->source = "clock_monotonic_raw";
	ci->tsc_hz = 0;
	tsc = clock_trust_tsc(tsc_invariant(), read_clocksource(cs, sizeof(cs)), ci->why,
			      sizeof(ci->why));
	if (getenv("COWBENCH_NO_TSC")) {
		snprintf(ci->why, sizeof(ci->why), "COWBENCH_NO_TSC is set");
		tsc = false;
	}
	if (tsc) {
		double hz = tsc_calibrate();

		if (hz <= 1e7)
			snprintf(ci->why, sizeof(ci->why), "the TSC's rate could not be "
				 "calibrated");
		if (hz > 1e7) {
			use_tsc = true;
			ns_per_tick = 1e9 / hz;
			ci->source = "tsc";
			ci->tsc_hz = hz;
		}
	}
	ci->read_overhead_ns = clock_overhead_ns(read_once, (void *)&sink);
	ci->phase_mark_overhead_ns = 0;	/* measured by the worker module */
	return 0;
}

void clock_init_hz(struct clock_info *ci, double tsc_hz)
{
	use_tsc = CLOCK_HAVE_TSC && tsc_hz > 1e7;
	ns_per_tick = use_tsc ? 1e9 / tsc_hz : 1.0;
	ci->source = use_tsc ? "tsc" : "clock_monotonic_raw";
	ci->tsc_hz = use_tsc ? tsc_hz : 0;
	snprintf(ci->why, sizeof(ci->why), "as the run chose");
	ci->read_overhead_ns = 0;
	ci->phase_mark_overhead_ns = 0;
}
