/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * pmu_int.h - what pmu.c (probing the set) and pmu_thread.c (each
 * thread's counters) share: opening one event for the calling thread.
 */
#ifndef COWBENCH_PMU_INT_H
#define COWBENCH_PMU_INT_H

#include <linux/perf_event.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pmu.h"

#define PMU_FMT_ONE (PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING)
#define PMU_FMT_GROUP (PMU_FMT_ONE | PERF_FORMAT_GROUP)

/* perf_event_open of ev for the calling thread (user+kernel unless
 * user_only; never the hypervisor), with its filter; fd or -errno. */
int pmu_open_event(const struct pmu_event *ev, int group_fd, uint64_t fmt, bool disabled);

/* kernel.perf_event_paranoid as text ("?" unreadable), into buf. */
const char *pmu_paranoid(char *buf, size_t len);

/* Probe every event of the set (pmu_probe.c): available, or a reason. */
void pmu_probe_all(struct pmu_set *set);

#endif
