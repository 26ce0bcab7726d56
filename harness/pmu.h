/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * pmu.h - counters: libpfm4 names -> perf_event_open per thread, the
 * tlb:tlb_flush tracepoint by reason, and the TLB row of /proc/interrupts.
 * The only module that knows perf_event_open and libpfm4 (pmu.c, the set;
 * pmu_thread.c, each thread's counters).
 *
 * Event names (--events, comma separated):
 *   any libpfm4 name     cycles, instructions, perf::DTLB-LOAD-MISSES, ...
 *                        (encoded with PFM_OS_PERF_EVENT_EXT, user+kernel)
 *   tlb:tlb_flush        the tracepoint, expanded into one counter per
 *                        reason read from the event's format file
 *                        (tlb_flush.remote_shootdown, ...) via filters
 *   interrupts:TLB       the TLB row of /proc/interrupts, per CPU
 *                        (system-wide; read by the coordinating thread)
 * An unknown name is a user error (pmu_setup fails, -EINVAL). An event
 * that is known but cannot be opened here stays in the set with
 * available == false and a reason; it is never reported as zero.
 * A hardware counter that opens but reads zero over a calibration loop is
 * "unavailable: reads zero". Hardware events are grouped under one leader
 * (PERF_FORMAT_GROUP, TOTAL_TIME_ENABLED/RUNNING) and scaled when
 * multiplexed; the multiplexing ratio is reported.
 */
#ifndef COWBENCH_PMU_H
#define COWBENCH_PMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PMU_MAX_EVENTS 32

#define PMU_DEFAULT_EVENTS                                                  \
	"cycles,instructions,perf::DTLB-LOAD-MISSES,perf::ITLB-LOAD-MISSES," \
	"perf::LLC-LOAD-MISSES,perf::PAGE-FAULTS,perf::CONTEXT-SWITCHES,"    \
	"tlb:tlb_flush,interrupts:TLB"

enum pmu_source {
	PMU_SRC_HARDWARE,	/* PMU event (cycles, caches, raw) */
	PMU_SRC_SOFTWARE,	/* kernel software event */
	PMU_SRC_TRACEPOINT,	/* tlb:tlb_flush, one reason per counter */
	PMU_SRC_INTERRUPTS,	/* /proc/interrupts row, per CPU, system wide */
};

struct pmu_event {
	char name[96];		/* as requested, e.g. "perf::DTLB-LOAD-MISSES" */
	char key[64];		/* metric name: [a-z0-9_.], e.g. "dtlb_load_misses",
				   "tlb_ipi", or per tracepoint reason */
	enum pmu_source source;
	char desc[160];		/* what it counts, where its name misleads */
	bool available;
	bool user_only;		/* counted with exclude_kernel (":u", or forced
				   by perf_event_paranoid: then key ends "_u") */
	bool forced_user;	/* user-only because kernel counting was refused */
	char reason[200];	/* why unavailable, with the remedy */
	/* private to pmu.c */
	uint32_t type;
	uint64_t config, config1, config2;
	bool exclude_user, exclude_hv;	/* as libpfm4 encoded the modifiers */
	uint8_t precise_ip;
	char filter[64];
};

struct pmu_set {
	struct pmu_event ev[PMU_MAX_EVENTS];
	unsigned int n;
	bool any_hardware;	/* at least one hardware event is available */
	bool mounted_tracefs;	/* pmu_setup mounted tracefs at
				   /sys/kernel/tracing; pmu_cleanup unmounts */
	bool declare_only;	/* pmu_declare: nothing probed or mounted */
};

/* Resolve and probe the events of a comma-separated list (NULL: the
 * defaults). Returns 0, or -EINVAL with err naming the bad event. Needs no
 * privilege: what cannot be opened is marked unavailable with a reason. */
int pmu_setup(struct pmu_set *set, const char *list, char *err, size_t errlen);
void pmu_cleanup(struct pmu_set *set);
/* The same set without probing or mounting anything, for a cell's process:
 * the parent's probe is then adopted event by event (its key, whether it
 * is available and user-only). -EINVAL when the set does not match. */
int pmu_declare(struct pmu_set *set, const char *list, char *err, size_t errlen);
int pmu_adopt(struct pmu_set *set, unsigned int i, const char *key,
	      bool available, bool user_only);

/* Per-thread counters for the calling thread (all available events whose
 * source is not PMU_SRC_INTERRUPTS). */
struct pmu_thread;
int pmu_thread_open(const struct pmu_set *set, struct pmu_thread **pt);
/* The raw reading of each counter of the thread: vals[i] for set->ev[i]
 * (entries of unavailable or interrupts events are left untouched). With
 * like (the readings at the start of a window), each event is read by the
 * same method as then. Returns 0 or -errno. */
struct counter_raw;
int pmu_thread_read(struct pmu_thread *pt, struct counter_raw *vals,
		    const struct counter_raw *like);
bool pmu_thread_uses_rdpmc(const struct pmu_thread *pt);
void pmu_thread_close(struct pmu_thread *pt);

/* Index of the event with this key in set, or -1. */
int pmu_find(const struct pmu_set *set, const char *key);

#endif
