// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_procstat.c - /proc/stat rows to interrupt and steal time per CPU:
 * irq + softirq and steal in ns at the given USER_HZ, CPUs without a row
 * unknown, a row without the steal field (before 2.6.11) with steal
 * unknown, rows beyond the capacity ignored, a malformed row an error.
 */
#include <stdint.h>

#include "check.h"
#include "procstat.h"

int main(void)
{
	uint64_t irq[4], steal[4];
	unsigned int n = 4;
	const char *text =
		"cpu  10 0 5 100 0 7 9 4 0 0\n"
		"cpu0 5 0 2 50 0 3 4 1 0 0\n"
		"cpu2 5 0 3 50 0 4 5 3 0 0\n"
		"intr 1 2 3\n";

	CHECK(procstat_parse(text, 100, irq, steal, &n) == 0);
	CHECK(n == 3);
	CHECK(irq[0] == 70000000ull && steal[0] == 10000000ull);
	CHECK(irq[1] == PROCSTAT_UNKNOWN && steal[1] == PROCSTAT_UNKNOWN);
	CHECK(irq[2] == 90000000ull && steal[2] == 30000000ull);

	n = 4;
	CHECK(procstat_parse("cpu0 1 2 3 4 5 6 7\ncpu1 1 2 3 4 5 1 1 250\n", 250, irq, steal,
			     &n) == 0);
	CHECK(n == 2 && irq[0] == 52000000ull && steal[0] == PROCSTAT_UNKNOWN);
	CHECK(irq[1] == 8000000ull && steal[1] == 1000000000ull);

	n = 1;
	CHECK(procstat_parse("cpu0 1 2 3 4 5 6 7 8\ncpu3 1 2 3 4 5 6 7 8\n", 100, irq,
			     steal, &n) == 0);
	CHECK(n == 1 && steal[0] == 80000000ull);

	n = 4;
	CHECK(procstat_parse("cpu0 1 2 x\n", 100, irq, steal, &n) < 0);
	n = 4;
	CHECK(procstat_parse("intr 1\n", 100, irq, steal, &n) < 0);

	uint64_t live_irq[256], live_steal[256];
	unsigned int live = 256;

	CHECK(procstat_read(live_irq, live_steal, &live) == 0 && live >= 1);
	CHECK(live_steal[0] != PROCSTAT_UNKNOWN);
	return check_done("test_procstat");
}
