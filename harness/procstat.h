/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * procstat.h - time each CPU spent in hard and soft interrupts, from the
 * cpuN rows of /proc/stat (USER_HZ ticks). That is where loopback receive
 * and MSG_ZEROCOPY's deferred copy run; with CONFIG_IRQ_TIME_ACCOUNTING it
 * is exact and missing from the interrupted thread's CPU time, without it
 * it is sampled at each tick and already inside that thread's CPU time.
 */
#ifndef COWBENCH_PROCSTAT_H
#define COWBENCH_PROCSTAT_H

#include <stdint.h>

#define PROCSTAT_UNKNOWN UINT64_MAX

/* irq + softirq ns of OS CPUs 0..*ncpu-1 (capacity on entry), UNKNOWN for
 * CPUs without a row. 0 or -errno. */
int procstat_irq_ns(uint64_t *ns, unsigned int *ncpu);
/* The same from the file's text (for tests). */
int procstat_parse(const char *text, long user_hz, uint64_t *ns, unsigned int *ncpu);

#endif
