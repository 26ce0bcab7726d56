/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * memlimit.h - how much memory a cell's process may have, and whether the
 * OOM killer ended one.
 *
 * The limits are the run's own, which every cell's process inherits: the
 * machine's memory (MemTotal), RLIMIT_AS and RLIMIT_DATA, and the memory
 * cgroup's limit (v2 memory.max, v1 memory.limit_in_bytes; the least
 * along the path to the hierarchy's root). A cell whose buffers cannot fit
 * under one of them is "unsupported" with the reason, never attempted.
 *
 * What a cell needs is a declared rule, here and nowhere else: one buffer
 * of its size, rounded up to whole pages. Every variant maps at least
 * that; most map more (a copy's source and destination, a ring of several
 * buffers, the copies a COW makes), which the variant rows do not
 * declare. Counting one never skips a cell that could fit; a cell that
 * needs more than fits fails at run time with the cause (ENOMEM, or the
 * OOM killer, which mem_kill_reason() names).
 */
#ifndef COWBENCH_MEMLIMIT_H
#define COWBENCH_MEMLIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define MEM_NO_LIMIT UINT64_MAX

/* Bytes a cell of `size` needs at least (the rule above). */
uint64_t mem_cell_need(size_t size);

/* Is a cell of `size` too big for this process? Then why says so ("needs
 * N MiB, more than <limit> (M MiB)"). The limits are read once. */
bool mem_too_big(size_t size, char *why, size_t len);

/* OOM kills counted so far, -1 where unknown: in this process's memory
 * cgroup (v2 memory.events, v1 memory.oom_control) and in the whole
 * system (/proc/vmstat). */
struct mem_oom {
	long cgroup, system;
};
void mem_oom_count(struct mem_oom *o);

/* Why a cell's process died of SIGKILL, from the counts taken before it
 * started and after it was reaped: "killed by SIGKILL: the memory
 * cgroup's OOM killer (memory.max 100 MiB)", "... (perhaps the OOM
 * killer)", or "the cell's process died of SIGKILL". */
void mem_kill_reason(const struct mem_oom *before, const struct mem_oom *after,
		     char *buf, size_t len);

/* The memory cgroup's directory (dir) and its hierarchy's mount point
 * (top), each of len bytes, from the text of /proc/self/cgroup and
 * /proc/self/mountinfo; v1 tells which hierarchy. False when there is no
 * memory cgroup to be found. (Exposed for the tests.) */
bool mem_cgroup_dir(FILE *cgroup, FILE *mountinfo, bool *v1, char *dir, char *top,
		    size_t len);

#endif
