/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * interrupts.h - one row of /proc/interrupts per CPU (the TLB row counts
 * the TLB shootdown IPIs each CPU received; system-wide, so other
 * processes on those CPUs count too).
 */
#ifndef COWBENCH_INTERRUPTS_H
#define COWBENCH_INTERRUPTS_H

#include <stdint.h>

#define IRQ_MAX_CPUS 4096
/* A CPU the file has no column for (offline, or beyond the header). */
#define IRQ_UNKNOWN UINT64_MAX

/* The row named `name` ("TLB") of /proc/interrupts: counts[cpu] for OS
 * CPUs 0..*ncpu-1, IRQ_UNKNOWN for CPUs missing from the header. On entry
 * *ncpu is the capacity of counts (0: IRQ_MAX_CPUS). Returns 0, -ENOENT
 * when there is no such row (non-x86), -errno. */
int irq_read_row(const char *name, uint64_t *counts, unsigned int *ncpu);

/* The same from the text of such a file (for tests). */
int irq_parse_row(const char *text, const char *name, uint64_t *counts,
		  unsigned int *ncpu);

#endif
