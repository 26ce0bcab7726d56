// SPDX-License-Identifier: GPL-2.0-only
/*
 * services.c - what bench.h offers the benchmarks from inside the worker
 * threads: phase marks, reports, notes, failure and skip reasons, the
 * sample's state, and memory (buffers on the producer's node with the
 * cell's THP advice, and private state that fork() does not share); and
 * what the buffers got of huge pages, as the kernel reports it.
 */
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "measure.h"
#include "topo.h"
#include "worker.h"

void bench_phase(struct bench_ctl *ctl, unsigned int phase)
{
	uint64_t now = clock_mark();

	ctl->phase_acc[ctl->phase] += now - ctl->phase_t;
	ctl->phase_t = now;
	ctl->phase = phase < BENCH_MAX_PHASES ? phase : BENCH_MAX_PHASES - 1;
	ctl->phase_n[ctl->phase]++;
}

void bench_report(struct bench_ctl *ctl, unsigned int idx, uint64_t n)
{
	if (idx < BENCH_MAX_REPORTS)
		ctl->rep[idx] += n;
}

void bench_set_depth(struct bench_ctl *ctl, unsigned int depth)
{
	ctl->cx->depth = depth;
}

bool bench_stopping(const struct bench_ctl *ctl)
{
	return atomic_load(&ctl->cx->g.stop) || measure_interrupted;
}

bool bench_verifying(const struct bench_ctl *ctl)
{
	return ctl->cx->g.verify;
}

void bench_sleep_until_stop(struct bench_ctl *ctl)
{
	_Atomic uint32_t *stop = &ctl->cx->g.stop;

	while (!atomic_load(stop))
		syscall(SYS_futex, stop, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
}

static void vreason(struct cell_ctx *cx, const char *fmt, va_list ap)
{
	pthread_mutex_lock(&cx->lock);
	if (!cx->reason[0])
		vsnprintf(cx->reason, sizeof(cx->reason), fmt, ap);
	pthread_mutex_unlock(&cx->lock);
}

void bench_note(struct bench_ctl *ctl, const char *fmt, ...)
{
	struct cell_ctx *cx = ctl->cx;
	va_list ap;

	va_start(ap, fmt);
	pthread_mutex_lock(&cx->lock);
	if (cx->nnotes < RESULTS_MAX_NOTES)
		vsnprintf(cx->notes[cx->nnotes++], RESULTS_NOTE_LEN, fmt, ap);
	pthread_mutex_unlock(&cx->lock);
	va_end(ap);
}

void worker_reason(struct cell_ctx *cx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreason(cx, fmt, ap);
	va_end(ap);
}

int bench_fail(struct bench_ctl *ctl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreason(ctl->cx, fmt, ap);
	va_end(ap);
	return -EBADMSG;
}

int bench_skip(struct bench_ctl *ctl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreason(ctl->cx, fmt, ap);
	va_end(ap);
	ctl->cx->skip = true;
	return -EOPNOTSUPP;
}

int bench_peer_down(struct bench_ctl *ctl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreason(ctl->cx, fmt, ap);
	va_end(ap);
	ctl->cx->peer_down = true;
	return -EHOSTDOWN;
}

void *bench_alloc(struct bench_ctl *ctl, size_t len)
{
	void *p = topo_alloc_near(ctl->cx->env->topo, ctl->cx->ctl[0].cpu, len);

	if (p)	/* EINVAL: a kernel without THP, nothing to advise */
		madvise(p, len, ctl->cx->cell.thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
	return p;
}

void *bench_alloc_private(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	madvise(p, len, MADV_DONTFORK);
	return p;
}

void bench_free_private(void *p, size_t len)
{
	if (p)
		munmap(p, len);
}

void bench_free(struct bench_ctl *ctl, void *p, size_t len)
{
	if (p)
		topo_free(ctl->cx->env->topo, p, len);
}

/* --- the buffers' huge pages --------------------------------------------- */

/* The AnonHugePages of every mapping advised MADV_HUGEPAGE ("hg" in its
 * VmFlags, the last line of a mapping's entry): the variant's buffers in a
 * THP cell, as the harness never asks for THP. */
static long huge_kib(void)
{
	FILE *f = fopen("/proc/self/smaps", "re");
	char line[512];
	unsigned long k, vma = 0;
	long sum = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "AnonHugePages: %lu kB", &k) == 1)
			vma = k;
		else if (!strncmp(line, "VmFlags:", 8)) {
			if (strstr(line, " hg"))
				sum += (long)vma;
			vma = 0;
		}
	}
	fclose(f);
	return sum;
}

/* The process when it starts measuring: resident set, mappings, and the
 * huge pages of the buffers (-1: unknown). */
void worker_footprint(struct rep_result *r)
{
	long size = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "re");
	char line[512];

	r->rss_kib = r->vmas = r->huge_kib = -1;
	if (f && fscanf(f, "%ld %ld", &size, &resident) == 2)
		r->rss_kib = resident * (sysconf(_SC_PAGESIZE) / 1024);
	if (f)
		fclose(f);
	f = fopen("/proc/self/maps", "re");
	if (f) {
		r->vmas = 0;
		while (fgets(line, sizeof(line), f))
			r->vmas += strchr(line, '\n') != NULL;
		fclose(f);
	}
	r->huge_kib = huge_kib();
}
