// SPDX-License-Identifier: GPL-2.0-only
/*
 * pmu_thread.c - the counters of one thread: perf_event_open of every
 * available event of the set (hardware events grouped under one leader
 * when they fit, else each alone), read with rdpmc through the mmap'd page
 * when the kernel allows it, else read().
 */
#include <linux/perf_event.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "counter.h"
#include "pmu.h"
#include "pmu_int.h"

struct pmu_thread {
	const struct pmu_set *set;
	int fd[PMU_MAX_EVENTS];		/* by event index; -1: not opened */
	struct perf_event_mmap_page *pc[PMU_MAX_EVENTS]; /* hardware only */
	int leader;			/* event index of the group leader, -1:
					   hardware events have separate fds */
	bool rdpmc;
};

#if defined(__x86_64__) || defined(__i386__)
static const bool have_rdpmc = true;
static uint64_t rdpmc(uint32_t counter)
{
	uint32_t lo, hi;

	__asm__ __volatile__("rdpmc" : "=a"(lo), "=d"(hi) : "c"(counter));
	return (uint64_t)hi << 32 | lo;
}
#else
static const bool have_rdpmc = false;
static uint64_t rdpmc(uint32_t counter)
{
	(void)counter;
	return 0;
}
#endif

int pmu_open_event(const struct pmu_event *ev, int group_fd, uint64_t fmt,
		   bool disabled)
{
	struct perf_event_attr attr = {
		.size = sizeof(attr),
		.type = ev->type,
		.config = ev->config,
		.config1 = ev->config1,
		.config2 = ev->config2,
		.read_format = fmt,
		.disabled = disabled,
		.exclude_kernel = ev->user_only,
		.exclude_user = ev->exclude_user,
		.exclude_hv = ev->exclude_hv,
		.precise_ip = ev->precise_ip,
	};
	int fd = (int)syscall(SYS_perf_event_open, &attr, 0, -1, group_fd,
			      PERF_FLAG_FD_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (ev->filter[0] && ioctl(fd, PERF_EVENT_IOC_SET_FILTER, ev->filter) < 0) {
		int ret = -errno;

		close(fd);
		return ret;
	}
	return fd;
}

static bool is_hw(const struct pmu_event *ev)
{
	return ev->available && ev->source == PMU_SRC_HARDWARE;
}

static void close_fds(struct pmu_thread *pt, bool hw_only)
{
	for (unsigned int i = 0; i < pt->set->n; i++) {
		if (hw_only && !is_hw(&pt->set->ev[i]))
			continue;
		if (pt->pc[i])
			munmap(pt->pc[i], (size_t)sysconf(_SC_PAGESIZE));
		if (pt->fd[i] >= 0)
			close(pt->fd[i]);
		pt->pc[i] = NULL;
		pt->fd[i] = -1;
	}
	pt->leader = -1;
}

/* A group that fits the PMU but cannot get its counters (held by pinned
 * events such as the NMI watchdog) never runs: time_running stays 0. */
static bool group_runs(const struct pmu_thread *pt)
{
	uint64_t buf[3 + PMU_MAX_EVENTS];	/* nr, enabled, running, values */

	for (volatile unsigned int spin = 0; spin < 100000; spin++)
		;
	if (read(pt->fd[pt->leader], buf, sizeof(buf)) < (ssize_t)(3 * sizeof(buf[0])))
		return false;
	return buf[2] > 0;
}

static int open_hw_group(struct pmu_thread *pt)
{
	int leader_fd = -1;

	for (unsigned int i = 0; i < pt->set->n; i++) {
		int fd;

		if (!is_hw(&pt->set->ev[i]))
			continue;
		fd = pmu_open_event(&pt->set->ev[i], leader_fd, PMU_FMT_GROUP, leader_fd < 0);
		if (fd < 0)
			return fd;
		pt->fd[i] = fd;
		if (leader_fd < 0) {
			leader_fd = fd;
			pt->leader = (int)i;
		}
	}
	if (ioctl(leader_fd, PERF_EVENT_IOC_ENABLE, PERF_IOC_FLAG_GROUP) < 0)
		return -errno;
	return group_runs(pt) ? 0 : -ENOSPC;
}

static int open_hw_separate(struct pmu_thread *pt)
{
	for (unsigned int i = 0; i < pt->set->n; i++) {
		if (!is_hw(&pt->set->ev[i]))
			continue;
		pt->fd[i] = pmu_open_event(&pt->set->ev[i], -1, PMU_FMT_ONE, false);
		if (pt->fd[i] < 0)
			return pt->fd[i];
	}
	return 0;
}

/* rdpmc only when every hardware counter's mmap page allows it. */
static void map_hw(struct pmu_thread *pt)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	bool ok = have_rdpmc;

	for (unsigned int i = 0; i < pt->set->n; i++) {
		void *p;

		if (!is_hw(&pt->set->ev[i]))
			continue;
		p = mmap(NULL, pg, PROT_READ, MAP_SHARED, pt->fd[i], 0);
		if (p == MAP_FAILED) {
			ok = false;
			continue;
		}
		pt->pc[i] = p;
		ok = ok && pt->pc[i]->cap_user_rdpmc;
	}
	pt->rdpmc = ok;
}

static int open_hw(struct pmu_thread *pt)
{
	int ret = open_hw_group(pt);

	if (ret == -EINVAL || ret == -ENOSPC) {
		close_fds(pt, true);
		ret = open_hw_separate(pt);
	}
	if (ret == 0)
		map_hw(pt);
	return ret;
}

static int open_others(struct pmu_thread *pt)
{
	for (unsigned int i = 0; i < pt->set->n; i++) {
		const struct pmu_event *ev = &pt->set->ev[i];

		if (!ev->available || ev->source == PMU_SRC_HARDWARE ||
		    ev->source == PMU_SRC_INTERRUPTS)
			continue;
		pt->fd[i] = pmu_open_event(ev, -1, PMU_FMT_ONE, false);
		if (pt->fd[i] < 0)
			return pt->fd[i];
	}
	return 0;
}

int pmu_thread_open(const struct pmu_set *set, struct pmu_thread **ptp)
{
	struct pmu_thread *pt = calloc(1, sizeof(*pt));
	int ret = 0;

	if (!pt)
		return -ENOMEM;
	pt->set = set;
	pt->leader = -1;
	for (unsigned int i = 0; i < PMU_MAX_EVENTS; i++)
		pt->fd[i] = -1;
	if (set->any_hardware)
		ret = open_hw(pt);
	if (ret == 0)
		ret = open_others(pt);
	if (ret < 0) {
		pmu_thread_close(pt);
		return ret;
	}
	*ptp = pt;
	return 0;
}

static uint64_t tsc(void)
{
#if defined(__x86_64__) || defined(__i386__)
	uint32_t lo, hi;

	__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
#else
	return 0;
#endif
}

/* The hardware events still to read with read(): all, or those whose
 * rdpmc reading failed or whose other end was read() (one method per
 * window: like[i] is the reading at its start). */
static bool read_hw_rdpmc(struct pmu_thread *pt, struct counter_raw *vals,
			  const struct counter_raw *like, bool *need)
{
	bool any = false;

	for (unsigned int i = 0; i < pt->set->n; i++) {
		need[i] = false;
		if (!is_hw(&pt->set->ev[i]))
			continue;
		if (pt->rdpmc && (!like || like[i].how == COUNTER_RDPMC) &&
		    counter_mmap_read(pt->pc[i], rdpmc, tsc, &vals[i]))
			continue;
		need[i] = any = true;
	}
	return any;
}

static int read_hw_group(struct pmu_thread *pt, struct counter_raw *vals, const bool *need)
{
	uint64_t buf[3 + PMU_MAX_EVENTS];	/* nr, enabled, running, values */
	struct counter_raw raw[PMU_MAX_EVENTS];
	ssize_t got = read(pt->fd[pt->leader], buf, sizeof(buf));
	int n, k = 0;

	if (got < 0)
		return -errno;
	n = counter_parse_group(buf, (size_t)got, raw, PMU_MAX_EVENTS);
	if (n < 0)
		return n;
	for (unsigned int i = 0; i < pt->set->n && k < n; i++)
		if (is_hw(&pt->set->ev[i])) {
			if (need[i])
				vals[i] = raw[k];
			k++;
		}
	return 0;
}

/* Events with fds of their own: hardware ones that need read() (hw), or
 * the software and tracepoint ones. */
static int read_each(struct pmu_thread *pt, struct counter_raw *vals, const bool *need,
		     bool hw)
{
	for (unsigned int i = 0; i < pt->set->n; i++) {
		uint64_t v[3];	/* value, time enabled, time running */
		ssize_t got;
		int rc;

		if (pt->fd[i] < 0 || is_hw(&pt->set->ev[i]) != hw || (hw && !need[i]))
			continue;
		got = read(pt->fd[i], v, sizeof(v));
		if (got < 0)
			return -errno;
		rc = counter_parse_one(v, (size_t)got, &vals[i]);
		if (rc)
			return rc;
	}
	return 0;
}

int pmu_thread_read(struct pmu_thread *pt, struct counter_raw *vals,
		    const struct counter_raw *like)
{
	bool need[PMU_MAX_EVENTS];
	int ret = 0;

	if (pt->set->any_hardware && read_hw_rdpmc(pt, vals, like, need))
		ret = pt->leader >= 0 ? read_hw_group(pt, vals, need) :
		      read_each(pt, vals, need, true);
	if (ret == 0)
		ret = read_each(pt, vals, need, false);
	return ret;
}

bool pmu_thread_uses_rdpmc(const struct pmu_thread *pt)
{
	return pt->rdpmc;
}

void pmu_thread_close(struct pmu_thread *pt)
{
	if (!pt)
		return;
	close_fds(pt, false);
	free(pt);
}
