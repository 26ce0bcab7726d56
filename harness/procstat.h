/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * procstat.h - time each CPU spent in hard and soft interrupts, and the
 * time its hypervisor ran something else in its place (steal), from the
 * cpuN rows of /proc/stat (USER_HZ ticks of time accumulated in ns).
 * Interrupts are where loopback receive and MSG_ZEROCOPY's deferred copy
 * run; with CONFIG_IRQ_TIME_ACCOUNTING that time is exact and missing from
 * the interrupted thread's CPU time, without it it is sampled at each tick
 * and already inside that thread's CPU time. Steal is what a vCPU lost to
 * the host: a KVM guest with paravirtual TLB flush sends no IPI to a
 * preempted vCPU (it flushes at its next entry), so flushes a bystander
 * "did not receive" while its vCPU was stolen are the host's doing.
 */
#ifndef COWBENCH_PROCSTAT_H
#define COWBENCH_PROCSTAT_H

#include <stdint.h>

#define PROCSTAT_UNKNOWN UINT64_MAX

/* irq + softirq ns and steal ns of OS CPUs 0..*ncpu-1 (capacity on entry),
 * UNKNOWN for CPUs without a row (steal: a row without the field). 0 or
 * -errno. */
int procstat_read(uint64_t *irq, uint64_t *steal, unsigned int *ncpu);
/* The same from the file's text (for tests). */
int procstat_parse(const char *text, long user_hz, uint64_t *irq, uint64_t *steal,
		   unsigned int *ncpu);

#endif
