/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * counter.h - the arithmetic of perf_event counts, apart from any system
 * call so that it can be tested with synthetic inputs: a reading is the
 * raw (count, time_enabled, time_running) of an event at one moment, from
 * read() or from rdpmc through the event's mmap page; a sample's value is
 * computed from the readings at both ends.
 *
 * Scaling is applied to the delta, never to each reading:
 *   value = dcount * denabled / drunning,   ratio = drunning / denabled
 * and a delta that cannot be trusted is NAN ("not counted in this
 * sample"), never 0: no reading, readings by different methods, a counter
 * that did not run at all in the window (drunning == 0), or a count or a
 * time that went backwards (a wrap).
 */
#ifndef COWBENCH_COUNTER_H
#define COWBENCH_COUNTER_H

#include <linux/perf_event.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum counter_how {
	COUNTER_NONE,		/* no reading */
	COUNTER_READ,		/* read() */
	COUNTER_RDPMC,		/* rdpmc through the mmap page */
};

struct counter_raw {
	uint64_t count, enabled, running;
	enum counter_how how;
	bool timed;		/* enabled/running are current (read(), or the
				   mmap page's times extrapolated with the TSC);
				   else only "never multiplexed" is known */
};

/* The value of the window from a to b, and (if ratio) the share of it the
 * counter was running; NAN as above. */
double counter_delta(const struct counter_raw *a, const struct counter_raw *b,
		     double *ratio);

/* The mmap page protocol (include/uapi/linux/perf_event.h): retry while
 * pc->lock changes; count = offset + rdpmc(index - 1) sign-extended from
 * pmc_width bits; with cap_user_time the times are extrapolated from the
 * TSC with time_offset/mult/shift. False when the counter cannot be read
 * from user space now (cap_user_rdpmc off, or index 0: not on a counter).
 * rdpmc and rdtsc are parameters so that tests can fake them. */
bool counter_mmap_read(const volatile struct perf_event_mmap_page *pc,
		       uint64_t (*rdpmc)(uint32_t), uint64_t (*rdtsc)(void),
		       struct counter_raw *out);

/* read() of a group leader with PERF_FORMAT_GROUP | TOTAL_TIME_ENABLED |
 * TOTAL_TIME_RUNNING: {nr, enabled, running, value[nr]}. Fills out[0..nr)
 * and returns nr, or -EIO for a short or inconsistent buffer. */
int counter_parse_group(const uint64_t *buf, size_t bytes, struct counter_raw *out,
			size_t nout);
/* read() of one event with TOTAL_TIME_ENABLED | TOTAL_TIME_RUNNING:
 * {value, enabled, running}. 0 or -EIO. */
int counter_parse_one(const uint64_t *buf, size_t bytes, struct counter_raw *out);

#endif
