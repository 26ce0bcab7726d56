// SPDX-License-Identifier: GPL-2.0-only
/*
 * procstat.c - interrupt and steal time per CPU from /proc/stat (procstat.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "procstat.h"

int procstat_parse(const char *text, long user_hz, uint64_t *irq, uint64_t *steal,
		   unsigned int *ncpu)
{
	unsigned int cap = *ncpu, n = 0;
	unsigned long long tick = 1000000000ull / (unsigned long long)user_hz;

	for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		unsigned long long f[8];
		unsigned int cpu;
		int got;

		if (strncmp(p, "cpu", 3) || p[3] < '0' || p[3] > '9')
			continue;
		got = sscanf(p, "cpu%u %llu %llu %llu %llu %llu %llu %llu %llu", &cpu, &f[0],
			     &f[1], &f[2], &f[3], &f[4], &f[5], &f[6], &f[7]);
		if (got < 8)
			return -EIO;
		if (cpu >= cap)
			continue;
		while (n <= cpu) {
			irq[n] = steal[n] = PROCSTAT_UNKNOWN;
			n++;
		}
		/* user nice system idle iowait irq softirq steal (since 2.6.11) */
		irq[cpu] = (uint64_t)((f[5] + f[6]) * tick);
		if (got == 9)
			steal[cpu] = (uint64_t)(f[7] * tick);
	}
	*ncpu = n;
	return n ? 0 : -EIO;
}

int procstat_read(uint64_t *irq, uint64_t *steal, unsigned int *ncpu)
{
	static char buf[1 << 20];
	FILE *f = fopen("/proc/stat", "re");
	size_t got;
	long hz = sysconf(_SC_CLK_TCK);

	if (!f)
		return -errno;
	got = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[got] = 0;
	return procstat_parse(buf, hz > 0 ? hz : 100, irq, steal, ncpu);
}
