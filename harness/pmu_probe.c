// SPDX-License-Identifier: GPL-2.0-only
/*
 * pmu_probe.c - what the counters of a set can count here, found once on
 * the calling thread before any cell runs: each event opened (hardware
 * events also run over a calibration loop, which must count something),
 * user-only counting tried where perf_event_paranoid forbids the kernel,
 * and for what cannot be counted the reason with its remedy.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "interrupts.h"
#include "pmu.h"
#include "pmu_int.h"

#define CAL_BYTES (64ul << 20)	/* more 4 KiB pages than any STLB maps */

/* pmu_seen: some hardware event opened, so ENOENT means "not this event". */
static void set_reason(struct pmu_event *ev, int err, bool pmu_seen)
{
	char *r = ev->reason, p[16], filter[sizeof(ev->filter)];
	size_t len = sizeof(ev->reason);

	memcpy(filter, ev->filter, sizeof(filter));

	if (err == ENOENT && ev->source != PMU_SRC_HARDWARE)
		snprintf(r, len, "not supported by this kernel (ENOENT)");
	else if (err == ENOENT && pmu_seen)
		snprintf(r, len, "not supported by this CPU's PMU (ENOENT)");
	else if (err == ENOENT)
		snprintf(r, len, "no hardware PMU exposed here (ENOENT): run on bare "
			 "metal or a VM with a virtual PMU");
	else if (err == EACCES)
		snprintf(r, len, "blocked by kernel.perf_event_paranoid=%s (EACCES): "
			 "sysctl kernel.perf_event_paranoid=1, or CAP_PERFMON",
			 pmu_paranoid(p, sizeof(p)));
	else if (err == EPERM)
		snprintf(r, len, "denied (seccomp, LSM or missing CAP_PERFMON) (EPERM)%s",
			 ev->source == PMU_SRC_TRACEPOINT ?
			 ": tracepoints need root or CAP_PERFMON" :
			 ": e.g. --cap-add PERFMON or a seccomp profile");
	else if (err == EINVAL && filter[0])
		snprintf(r, len, "tracepoint or filter \"%s\" rejected (EINVAL)", filter);
	else
		snprintf(r, len, "perf_event_open: %s (errno %d)", strerror(err), err);
}

/* Opens ev on the calling thread, retrying user-only on EACCES (then the
 * key says "_u"). Returns the fd, left counting, or -errno: the retry's
 * when it fails otherwise (ENOENT: no PMU even for user-only counting). */
static int probe_open(struct pmu_event *ev)
{
	char p[16];
	size_t k;
	int fd = pmu_open_event(ev, -1, PMU_FMT_ONE, false);

	if (fd != -EACCES || ev->user_only || ev->exclude_user ||
	    ev->source == PMU_SRC_TRACEPOINT)
		return fd;	/* ":k" counted user-only would count nothing */
	ev->user_only = ev->forced_user = true;
	fd = pmu_open_event(ev, -1, PMU_FMT_ONE, false);
	if (fd < 0) {
		ev->user_only = ev->forced_user = false;
		return fd;
	}
	k = strlen(ev->key);
	if (k + 3 <= sizeof(ev->key))
		memcpy(ev->key + k, "_u", 3);
	snprintf(ev->reason, sizeof(ev->reason), "kernel.perf_event_paranoid=%s "
		 "forbids kernel counting: user only; sysctl "
		 "kernel.perf_event_paranoid=1 counts both", pmu_paranoid(p, sizeof(p)));
	return fd;
}

static void probe_interrupts(struct pmu_event *ev)
{
	uint64_t *counts = malloc(IRQ_MAX_CPUS * sizeof(*counts));
	unsigned int n = IRQ_MAX_CPUS;
	int ret = counts ? irq_read_row("TLB", counts, &n) : -ENOMEM;

	free(counts);
	if (ret == 0)
		ev->available = true;
	else if (ret == -ENOENT)
		snprintf(ev->reason, sizeof(ev->reason),
			 "no TLB row in /proc/interrupts (x86 only)");
	else
		snprintf(ev->reason, sizeof(ev->reason),
			 "cannot read /proc/interrupts: %s", strerror(-ret));
}

/* Work every counter that calibrate() judges should see: page faults
 * (kernel code), stores and loads over more pages than a TLB maps and more
 * bytes than most LLCs, and a few sleeps (context switches). */
static void calibration_work(void)
{
	struct timespec nap = { 0, 200 * 1000 };

	for (int i = 0; i < 3; i++)
		nanosleep(&nap, NULL);
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	volatile char *p = mmap(NULL, CAL_BYTES, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned int sum = 0;

	if (p == MAP_FAILED) {
		for (volatile unsigned int i = 0; i < 10000000; i++)
			;
		return;
	}
	madvise((void *)p, CAL_BYTES, MADV_NOHUGEPAGE);
	for (size_t off = 0; off < CAL_BYTES; off += pg)
		p[off] = 1;
	for (size_t off = 64; off < CAL_BYTES; off += pg)
		sum += (unsigned int)p[off] + p[off - 64];
	p[0] = (char)sum;
	munmap((void *)p, CAL_BYTES);
}

/* fd[i]: events that opened and still count since the probe: hardware
 * ones, and software ones that had to fall back to user-only counting
 * (some count only in the kernel: context switches would read 0). */
static void calibrate(struct pmu_set *set, int *fd)
{
	bool any = false;

	for (unsigned int i = 0; i < set->n; i++)
		any |= fd[i] >= 0;
	if (!any)
		return;
	calibration_work();
	for (unsigned int i = 0; i < set->n; i++) {
		struct pmu_event *ev = &set->ev[i];
		uint64_t v[3];	/* value, time enabled, time running */
		const char *why = NULL;

		if (fd[i] < 0)
			continue;
		if (read(fd[i], v, sizeof(v)) != (ssize_t)sizeof(v))
			why = "opens but cannot be read";
		else if (v[2] == 0)
			why = "opens but never ran in calibration (counters busy? "
			      "nmi_watchdog holds one)";
		else if (v[0] == 0 && ev->forced_user)
			why = "reads zero when counted in user space only (it counts "
			      "kernel activity): needs kernel.perf_event_paranoid <= 1 "
			      "or CAP_PERFMON";
		else if (v[0] == 0)
			why = "reads zero over a calibration loop";
		if (why)
			snprintf(ev->reason, sizeof(ev->reason), "%s", why);
		ev->available = !why;
		set->any_hardware |= ev->available && ev->source == PMU_SRC_HARDWARE;
		close(fd[i]);
	}
}

void pmu_probe_all(struct pmu_set *set)
{
	int fd[PMU_MAX_EVENTS], err[PMU_MAX_EVENTS] = { 0 };
	bool pmu_seen = false;

	for (unsigned int i = 0; i < set->n; i++) {
		struct pmu_event *ev = &set->ev[i];

		fd[i] = -1;
		if (ev->reason[0])
			continue;	/* known unavailable: placeholder */
		if (ev->source == PMU_SRC_INTERRUPTS) {
			probe_interrupts(ev);
			continue;
		}
		fd[i] = probe_open(ev);
		if (fd[i] < 0) {
			err[i] = -fd[i];
			fd[i] = -1;
		} else if (ev->source == PMU_SRC_HARDWARE) {
			pmu_seen = true;
		} else if (ev->forced_user) {
			continue;	/* judged by calibrate() */
		} else {
			ev->available = true;
			close(fd[i]);
			fd[i] = -1;
		}
	}
	calibrate(set, fd);
	for (unsigned int i = 0; i < set->n; i++)
		if (err[i])
			set_reason(&set->ev[i], err[i], pmu_seen);
}

