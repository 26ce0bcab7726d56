// SPDX-License-Identifier: GPL-2.0-only
/*
 * counter.c - perf_event count arithmetic (counter.h). Pure: no system
 * call, no global state.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "counter.h"

#define barrier() __asm__ __volatile__("" ::: "memory")

double counter_delta(const struct counter_raw *a, const struct counter_raw *b,
		     double *ratio)
{
	int64_t dc, de, dr;

	if (ratio)
		*ratio = NAN;
	if (a->how == COUNTER_NONE || a->how != b->how)
		return NAN;
	dc = (int64_t)(b->count - a->count);
	if (dc < 0)
		return NAN;
	if (!a->timed || !b->timed) {
		/* times not current: only a counter never multiplexed counts */
		if (a->enabled != a->running || b->enabled != b->running)
			return NAN;
		if (ratio)
			*ratio = 1;
		return (double)dc;
	}
	de = (int64_t)(b->enabled - a->enabled);
	dr = (int64_t)(b->running - a->running);
	if (dr <= 0 || de < 0)
		return NAN;
	if (de < dr)
		de = dr;	/* rounding of extrapolated times */
	if (ratio)
		*ratio = (double)dr / (double)de;
	return de == dr ? (double)dc : (double)dc * (double)de / (double)dr;
}

bool counter_mmap_read(const volatile struct perf_event_mmap_page *pc,
		       uint64_t (*rdpmc)(uint32_t), uint64_t (*rdtsc)(void),
		       struct counter_raw *out)
{
	uint64_t enabled, running, cyc = 0, offset = 0;
	uint32_t seq, idx, mult = 0;
	uint16_t shift = 0;
	bool cap, timed;
	int64_t count;

	do {
		seq = pc->lock;
		barrier();
		enabled = pc->time_enabled;
		running = pc->time_running;
		timed = pc->cap_user_time;
		if (timed) {
			cyc = rdtsc();
			offset = pc->time_offset;
			mult = pc->time_mult;
			shift = pc->time_shift;
		}
		idx = pc->index;
		count = pc->offset;
		cap = pc->cap_user_rdpmc;
		if (cap && idx) {
			unsigned int w = 64 - pc->pmc_width;
			int64_t pmc = (int64_t)(rdpmc(idx - 1) << (w & 63));

			count += pmc >> (w & 63);	/* signed: sign-extends */
		}
		barrier();
	} while (pc->lock != seq);
	if (!cap || !idx)
		return false;
	if (timed) {
		uint64_t quot = shift < 64 ? cyc >> shift : 0;
		uint64_t rem = shift < 64 ? cyc & ((1ull << shift) - 1) : cyc;
		uint64_t delta = offset + quot * mult + ((rem * mult) >> shift);

		enabled += delta;
		running += delta;	/* index != 0: it is running now */
	}
	*out = (struct counter_raw){ (uint64_t)count, enabled, running, COUNTER_RDPMC,
				     timed };
	return true;
}

int counter_parse_group(const uint64_t *buf, size_t bytes, struct counter_raw *out,
			size_t nout)
{
	uint64_t nr;

	if (bytes < 3 * sizeof(uint64_t))
		return -EIO;
	nr = buf[0];
	if (nr > nout || bytes < (3 + nr) * sizeof(uint64_t))
		return -EIO;
	for (uint64_t i = 0; i < nr; i++)
		out[i] = (struct counter_raw){ buf[3 + i], buf[1], buf[2], COUNTER_READ, true };
	return (int)nr;
}

int counter_parse_one(const uint64_t *buf, size_t bytes, struct counter_raw *out)
{
	if (bytes != 3 * sizeof(uint64_t))
		return -EIO;
	*out = (struct counter_raw){ buf[0], buf[1], buf[2], COUNTER_READ, true };
	return 0;
}
