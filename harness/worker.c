// SPDX-License-Identifier: GPL-2.0-only
/*
 * worker.c - the threads of a cell's process: one per CPU of the cell,
 * pinned there, each with its counters, taking steps (setup, a sample,
 * quit) together behind a generation counter; and the services bench.h
 * offers the benchmarks from inside those threads.
 *
 * The process's only other thread is its main thread, pinned to the
 * producer's CPU by the caller, asleep in futex_wait while a step runs: so
 * the CPUs of the process are exactly the cell's CPUs and at one CPU no
 * remote flush path can run.
 */
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "clock.h"
#include "interrupts.h"
#include "procstat.h"
#include "topo.h"
#include "worker.h"

#define KICK_GRACE_NS (10ull * 1000000000ull)
#define WAKE_NS (1000ull * 1000000ull)	/* re-check the interrupt flag */

volatile sig_atomic_t measure_interrupted;

static void futex_wait(_Atomic uint32_t *addr, uint32_t val, uint64_t ns)
{
	struct timespec ts = { (time_t)(ns / 1000000000ull), (long)(ns % 1000000000ull) };

	syscall(SYS_futex, addr, FUTEX_WAIT_PRIVATE, val, ns ? &ts : NULL, NULL, 0);
}

static void futex_wake(_Atomic uint32_t *addr)
{
	syscall(SYS_futex, addr, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

/* --- services for the benchmarks (bench.h) ------------------------------ */

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
		futex_wait(stop, 0, 0);
}

static void vreason(struct cell_ctx *cx, const char *fmt, va_list ap)
{
	pthread_mutex_lock(&cx->lock);
	if (!cx->reason[0])
		vsnprintf(cx->reason, sizeof(cx->reason), fmt, ap);
	pthread_mutex_unlock(&cx->lock);
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

void *bench_alloc(struct bench_ctl *ctl, size_t len)
{
	return topo_alloc_near(ctl->cx->env->topo, ctl->cx->ctl[0].cpu, len);
}

void bench_free(struct bench_ctl *ctl, void *p, size_t len)
{
	if (p)
		topo_free(ctl->cx->env->topo, p, len);
}

/* --- the worker threads ------------------------------------------------- */

static void stop_sample(struct cell_ctx *cx)
{
	atomic_store(&cx->g.stop, 1);
	futex_wake(&cx->g.stop);
}

/* Break every other worker out of a blocking call (SIGUSR1 has a no-op
 * handler installed without SA_RESTART, so the call returns EINTR). */
static void kick_all(struct cell_ctx *cx)
{
	for (unsigned int i = 0; i < cx->nthreads; i++)
		if (!pthread_equal(cx->ctl[i].tid, pthread_self()))
			pthread_kill(cx->ctl[i].tid, SIGUSR1);
}

/* The default bystander: keep this thread's own small working set hot
 * (4 pages) so the CPU stays busy in the process's address space. */
static int default_bystand(struct bench_ctl *ctl)
{
	static _Thread_local volatile unsigned char ws[4 * 4096];

	while (!bench_stopping(ctl))
		for (size_t i = 0; i < sizeof(ws); i += 64)
			ws[i]++;
	return 0;
}

/* like: the readings at the window's start (same method at both ends). */
static void read_counters(struct bench_ctl *ctl, struct counter_raw *vals,
			  const struct counter_raw *like)
{
	for (unsigned int e = 0; e < PMU_MAX_EVENTS; e++)
		vals[e].how = COUNTER_NONE;
	if (ctl->pmu && pmu_thread_read(ctl->pmu, vals, like) < 0)
		worker_reason(ctl->cx, "reading counters failed on CPU %d",
			      ctl->cpu);
}

/* Spin until every thread has passed this line (count is its counter). */
static void wait_all(struct cell_ctx *cx, _Atomic uint32_t *count)
{
	unsigned int spins = 0;

	atomic_fetch_add(count, 1);
	while (atomic_load(count) < cx->nthreads && !bench_stopping(cx->ctl)) {
		if (++spins < 256)
			cpu_relax();
		else
			sched_yield();	/* colocated roles share a CPU */
	}
}

static const char *role_name(enum bench_role r)
{
	return r == BENCH_ROLE_PRODUCER ? "producer" :
	       r == BENCH_ROLE_CONSUMER ? "consumer" : "bystander";
}

static void do_sample(struct bench_ctl *ctl)
{
	struct cell_ctx *cx = ctl->cx;
	const struct bench_variant *v = cx->v;
	int rc;

	memset(ctl->phase_acc, 0, sizeof(ctl->phase_acc));
	memset(ctl->phase_n, 0, sizeof(ctl->phase_n));
	ctl->phase_n[0] = 1;
	memset(ctl->rep, 0, sizeof(ctl->rep));
	ctl->phase = 0;
	/* the TLB IPI window: from the producer's start line (before any
	 * thread reads its counters) ... */
	if (ctl->role == BENCH_ROLE_PRODUCER && cx->nirq)
		irq_read_row("TLB", cx->irq0, &(unsigned int){ cx->nirq });
	wait_all(cx, &cx->g.arrived);
	read_counters(ctl, ctl->c0, NULL);
	ctl->cpu0 = clock_thread_cpu_ns();
	wait_all(cx, &cx->g.armed);
	ctl->t0 = ctl->phase_t = clock_ticks();
	if (ctl->role == BENCH_ROLE_BYSTANDER)
		rc = v->bystand ? v->bystand(ctl, cx->state) : default_bystand(ctl);
	else
		rc = v->run(ctl, cx->state, ctl->role, cx->g.nops);
	ctl->t1 = clock_ticks();
	ctl->cpu1 = clock_thread_cpu_ns();
	read_counters(ctl, ctl->c1, ctl->c0);
	ctl->phase_acc[ctl->phase] += ctl->t1 - ctl->phase_t;

	if (rc < 0 && !(rc == -EINTR && bench_stopping(ctl))) {
		worker_reason(cx, "%s failed: %s", role_name(ctl->role), strerror(-rc));
		atomic_store(&cx->g.failed, true);
		stop_sample(cx);
		kick_all(cx);
	} else if (rc < 0) {
		atomic_store(&cx->g.failed, true);	/* stopped from outside */
	}
	if (ctl->role != BENCH_ROLE_BYSTANDER &&
	    atomic_fetch_sub(&cx->g.transfer_left, 1) == 1)
		stop_sample(cx);
	/* ... to the last thread's counter read: it covers every window */
	if (atomic_fetch_add(&cx->g.counted, 1) == cx->nthreads - 1 && cx->nirq)
		irq_read_row("TLB", cx->irq1, &(unsigned int){ cx->nirq });
}

static void step_done(struct cell_ctx *cx)
{
	atomic_fetch_add(&cx->g.done, 1);
	futex_wake(&cx->g.done);
}

static void *worker_main(void *arg)
{
	struct bench_ctl *ctl = arg;
	struct cell_ctx *cx = ctl->cx;
	uint32_t seen = 0;
	int rc;

	rc = topo_bind_self(cx->env->topo, ctl->cpu);
	if (rc < 0)
		worker_reason(cx, "cannot pin a thread to CPU %d: %s", ctl->cpu, strerror(-rc));
	if (!rc && cx->env->pmu->n) {
		rc = pmu_thread_open(cx->env->pmu, &ctl->pmu);
		if (rc < 0)
			worker_reason(cx, "cannot open counters on CPU %d: %s",
				      ctl->cpu, strerror(-rc));
	}
	ctl->rc = rc;
	for (;;) {
		uint32_t gen = atomic_load(&cx->g.gen);

		if (gen == seen) {
			futex_wait(&cx->g.gen, gen, 0);
			continue;
		}
		seen = gen;
		if (cx->g.quit)
			break;
		if (seen == 1) {
			if (ctl->role == BENCH_ROLE_PRODUCER && !ctl->rc) {
				cx->setup_rc = cx->v->setup(ctl, &cx->cell, &cx->state);
				cx->state_ok = cx->setup_rc == 0;
			}
		} else if (!ctl->rc) {
			do_sample(ctl);
		}
		step_done(cx);
	}
	if (ctl->role == BENCH_ROLE_PRODUCER && cx->state_ok && cx->v->teardown)
		cx->v->teardown(ctl, cx->state);
	if (ctl->pmu)
		pmu_thread_close(ctl->pmu);
	return NULL;
}

/* --- the coordinating side (the process's main thread) ------------------ */

/* Start one step and sleep until every thread is done. Returns 0, -EINTR
 * when interrupted during it, -EDEADLK when threads do not stop even after
 * being kicked. A hang without an interrupt is the parent's to judge: it
 * kills a cell's process that stops reporting. */
static int run_step(struct cell_ctx *cx)
{
	uint64_t kicked = 0;
	int rc = 0;

	atomic_store(&cx->g.done, 0);
	atomic_fetch_add(&cx->g.gen, 1);
	futex_wake(&cx->g.gen);
	for (;;) {
		uint32_t d = atomic_load(&cx->g.done);
		uint64_t now;

		if (d == cx->nthreads)
			return rc;
		futex_wait(&cx->g.done, d, WAKE_NS);
		if (!measure_interrupted)
			continue;
		now = clock_mono_ns();
		if (!kicked) {
			rc = -EINTR;
			stop_sample(cx);
			kicked = now;
		}
		kick_all(cx);
		if (now - kicked > KICK_GRACE_NS)
			return -EDEADLK;
	}
}

int worker_setup(struct cell_ctx *cx)
{
	int rc = run_step(cx);

	for (unsigned int i = 0; !rc && i < cx->nthreads; i++)
		rc = cx->ctl[i].rc;
	return rc ? rc : cx->setup_rc;
}

int worker_sample(struct cell_ctx *cx, uint64_t nops, bool verify)
{
	int rc;

	cx->g.nops = nops;
	cx->g.verify = verify;
	atomic_store(&cx->g.arrived, 0);
	atomic_store(&cx->g.armed, 0);
	atomic_store(&cx->g.counted, 0);
	atomic_store(&cx->g.transfer_left, cx->ntransfer);
	atomic_store(&cx->g.stop, 0);
	atomic_store(&cx->g.failed, false);
	if (cx->nst)
		procstat_irq_ns(cx->st0, &(unsigned int){ cx->nst });
	rc = run_step(cx);
	if (cx->nst)
		procstat_irq_ns(cx->st1, &(unsigned int){ cx->nst });
	if (!rc && atomic_load(&cx->g.failed))
		rc = measure_interrupted ? -EINTR : -EIO;
	return rc;
}

/* Thread 0 the producer, 1 the consumer (when the variant has one and no
 * remote sink takes its place), the rest bystanders, one per CPU; with one
 * CPU the consumer shares the producer's. */
static void assign_roles(struct cell_ctx *cx)
{
	const struct cell_env *e = cx->env;
	bool consumer = cx->v->consumer && !cx->cell.peer;
	unsigned int min = consumer ? 2u : 1u;

	cx->nthreads = e->ncpus > min ? e->ncpus : min;
	cx->ntransfer = consumer ? 2 : 1;
	for (unsigned int i = 0; i < cx->nthreads; i++) {
		struct bench_ctl *t = &cx->ctl[i];

		t->cx = cx;
		t->role = i == 0 ? BENCH_ROLE_PRODUCER :
			  (i == 1 && consumer) ? BENCH_ROLE_CONSUMER : BENCH_ROLE_BYSTANDER;
		t->cpu = e->cpu_list[i < e->ncpus ? i : 0];
	}
	cx->cell.colocated = consumer && e->ncpus < 2;
	cx->cell.nbystanders = cx->nthreads - cx->ntransfer;
}

int worker_start(struct cell_ctx *cx)
{
	sigset_t all, old;
	int rc = 0;

	assign_roles(cx);
	sigemptyset(&all);
	sigaddset(&all, SIGINT);
	sigaddset(&all, SIGTERM);
	sigaddset(&all, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (unsigned int i = 0; i < cx->nthreads; i++) {
		rc = -pthread_create(&cx->ctl[i].tid, NULL, worker_main, &cx->ctl[i]);
		if (rc) {
			cx->nthreads = i;	/* only these exist */
			break;
		}
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}

void worker_stop(struct cell_ctx *cx, int rc)
{
	if (rc == -EDEADLK)
		return;		/* hung threads cannot be joined */
	cx->g.quit = true;
	atomic_fetch_add(&cx->g.gen, 1);
	futex_wake(&cx->g.gen);
	for (unsigned int i = 0; i < cx->nthreads; i++)
		pthread_join(cx->ctl[i].tid, NULL);
}
