// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_counter.c - counter.c on synthetic inputs: the paths a machine
 * without a PMU never takes. A fake perf_event_mmap_page (the seqlock
 * retried, index 0 and cap_user_rdpmc 0 refused, pmc_width sign extension,
 * offset, times extrapolated from a fake TSC), read() buffers in the group
 * and single formats, and the scaled delta: multiplexing that starts in a
 * sample, running that does not advance, a wrap, mixed methods.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "check.h"
#include "counter.h"

static struct perf_event_mmap_page page;
static uint64_t fake_pmc;
static int pmc_calls, bump_lock_on;	/* bump lock on the Nth rdpmc call */

static uint64_t fake_rdpmc(uint32_t idx)
{
	CHECK(idx == page.index - 1);
	if (++pmc_calls == bump_lock_on)
		page.lock += 2;		/* the kernel updated the page meanwhile */
	return fake_pmc;
}

static uint64_t fake_tsc(void)
{
	return 1000000;
}

static void reset_page(void)
{
	memset(&page, 0, sizeof(page));
	page.cap_user_rdpmc = 1;
	page.index = 3;
	page.pmc_width = 48;
	page.offset = 5000;
	page.time_enabled = 700;
	page.time_running = 700;
	pmc_calls = bump_lock_on = 0;
}

static void test_mmap(void)
{
	struct counter_raw r;

	reset_page();
	fake_pmc = 123;
	CHECK(counter_mmap_read(&page, fake_rdpmc, fake_tsc, &r));
	CHECK(r.count == 5123 && r.how == COUNTER_RDPMC && !r.timed);
	CHECK(r.enabled == 700 && r.running == 700);

	/* a 48-bit counter at 0xffff_ffff_fff0 is -16: sign-extended */
	fake_pmc = 0xfffffffffff0ull;
	CHECK(counter_mmap_read(&page, fake_rdpmc, fake_tsc, &r));
	CHECK(r.count == 5000 - 16);
	/* bits above the width are ignored */
	fake_pmc = 0xabcd000000000010ull;
	CHECK(counter_mmap_read(&page, fake_rdpmc, fake_tsc, &r));
	CHECK(r.count == 5016);

	/* the seqlock: a page that changed under the read is read again */
	fake_pmc = 1;
	pmc_calls = 0;
	bump_lock_on = 1;
	CHECK(counter_mmap_read(&page, fake_rdpmc, fake_tsc, &r));
	CHECK(pmc_calls == 2 && r.count == 5001);

	/* not on a counter now, or rdpmc not allowed: refused */
	page.index = 0;
	CHECK(!counter_mmap_read(&page, fake_rdpmc, fake_tsc, &r));
	page.index = 3;
	page.cap_user_rdpmc = 0;
	CHECK(!counter_mmap_read(&page, fake_rdpmc, fake_tsc, &r));

	/* times extrapolated: delta = offset + (cyc >> shift) * mult +
	 * ((cyc & mask) * mult >> shift) with cyc 1000000, shift 10, mult 3:
	 * 976 * 3 + (576 * 3 >> 10) = 2928 + 1 = 2929, plus offset 71 */
	reset_page();
	page.cap_user_time = 1;
	page.time_shift = 10;
	page.time_mult = 3;
	page.time_offset = 71;
	page.time_enabled = 900;
	page.time_running = 400;
	fake_pmc = 0;
	CHECK(counter_mmap_read(&page, fake_rdpmc, fake_tsc, &r));
	CHECK(r.timed);
	CHECK(r.enabled == 900 + 3000 && r.running == 400 + 3000);
}

static void test_read_formats(void)
{
	uint64_t group[] = { 2, 1000, 600, 11, 22 }, one[] = { 7, 50, 50 };
	struct counter_raw out[4], r;

	CHECK(counter_parse_group(group, sizeof(group), out, 4) == 2);
	CHECK(out[0].count == 11 && out[1].count == 22);
	CHECK(out[1].enabled == 1000 && out[1].running == 600);
	CHECK(out[0].how == COUNTER_READ && out[0].timed);
	CHECK(counter_parse_group(group, 3 * 8, out, 4) == -EIO);	/* cut short */
	CHECK(counter_parse_group(group, 2 * 8, out, 4) == -EIO);
	CHECK(counter_parse_group(group, sizeof(group), out, 1) == -EIO);	/* no room */
	CHECK(counter_parse_one(one, sizeof(one), &r) == 0);
	CHECK(r.count == 7 && r.enabled == 50 && r.running == 50);
	CHECK(counter_parse_one(one, 16, &r) == -EIO);
}

static struct counter_raw raw(uint64_t c, uint64_t e, uint64_t r)
{
	return (struct counter_raw){ c, e, r, COUNTER_READ, true };
}

static void test_delta(void)
{
	struct counter_raw a = raw(1000, 100, 100), b = raw(3000, 300, 300);
	double ratio;

	/* never multiplexed: the plain difference */
	CHECK_NEAR(counter_delta(&a, &b, &ratio), 2000, 0);
	CHECK_NEAR(ratio, 1, 0);
	/* multiplexing starts in the sample: ran 100 of 200 ns, scale x2 */
	b = raw(3000, 300, 200);
	CHECK_NEAR(counter_delta(&a, &b, &ratio), 4000, 1e-9);
	CHECK_NEAR(ratio, 0.5, 1e-12);
	/* scaled per window, not per cumulative reading: the cumulative
	 * ratios (1.0 and 0.5) would give 3000 * 2 - 1000 = 5000 */
	a = raw(1000, 100, 100);
	b = raw(3000, 300, 200);
	CHECK(counter_delta(&a, &b, NULL) != 5000);
	/* running did not advance: not counted in this sample, never 0 */
	b = raw(1000, 300, 100);
	CHECK(isnan(counter_delta(&a, &b, &ratio)));
	CHECK(isnan(ratio));
	/* a count that went back (a wrap): never ~1.8e19 */
	b = raw(10, 300, 300);
	CHECK(isnan(counter_delta(&a, &b, NULL)));
	/* readings by different methods, or a missing one */
	b = raw(3000, 300, 300);
	b.how = COUNTER_RDPMC;
	CHECK(isnan(counter_delta(&a, &b, NULL)));
	a.how = b.how = COUNTER_NONE;
	CHECK(isnan(counter_delta(&a, &b, NULL)));
	/* rdpmc without current times: valid only if never multiplexed */
	a = (struct counter_raw){ 10, 5, 5, COUNTER_RDPMC, false };
	b = (struct counter_raw){ 30, 5, 5, COUNTER_RDPMC, false };
	CHECK_NEAR(counter_delta(&a, &b, &ratio), 20, 0);
	CHECK_NEAR(ratio, 1, 0);
	b.running = 4;
	CHECK(isnan(counter_delta(&a, &b, NULL)));
}

int main(void)
{
	test_mmap();
	test_read_formats();
	test_delta();
	return check_done("test_counter");
}
