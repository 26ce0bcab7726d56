// SPDX-License-Identifier: GPL-2.0-only
/*
 * worker.c - the threads of a cell's process: one per CPU of the cell,
 * pinned there, each with its counters, taking steps (setup, a sample,
 * quit) together behind a generation counter. The services bench.h
 * offers the benchmarks from inside those threads are in services.c.
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
#include <sys/mman.h>
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
	return r == BENCH_ROLE_PRODUCER ? "producer" : r == BENCH_ROLE_CONSUMER ?
	       "consumer" : r == BENCH_ROLE_HELPER ? "helper" : "bystander";
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
		rc = v->run(ctl, cx->state, ctl->role, cx->g.nops);	/* the helper:
						   until bench_stopping() */
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
	if ((ctl->role == BENCH_ROLE_PRODUCER || ctl->role == BENCH_ROLE_CONSUMER) &&
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
		procstat_read(cx->st0, cx->sl0, &(unsigned int){ cx->nst });
	rc = run_step(cx);
	if (cx->nst)
		procstat_read(cx->st1, cx->sl1, &(unsigned int){ cx->nst });
	if (!rc && atomic_load(&cx->g.failed))
		rc = measure_interrupted ? -EINTR : -EIO;
	return rc;
}

/* Thread 0 the producer, 1 the consumer (when the variant has one and no
 * remote sink takes its place), the rest bystanders, one per CPU; with one
 * CPU the consumer shares the producer's. */
static void add_thread(struct cell_ctx *cx, enum bench_role role, int cpu)
{
	struct bench_ctl *t = &cx->ctl[cx->nthreads++];

	t->cx = cx;
	t->role = role;
	t->cpu = cpu;
}

/* The producer on the cell's first CPU; a consumer on the second (or with
 * the producer, when the row says so or the cell has one CPU); a helper
 * with the consumer, else with the producer; a bystander on every CPU
 * left. So the process runs on exactly the cell's CPUs. */
static void assign_roles(struct cell_ctx *cx)
{
	const struct cell_env *e = cx->env;
	bool consumer = cx->v->consumer && !cx->cell.peer;
	bool own = consumer && cx->v->consumer_cpu == BENCH_PLACE_OWN_CPU && e->ncpus > 1;
	int cpu0 = e->cpu_list[0], ccpu = own ? e->cpu_list[1] : cpu0;

	cx->nthreads = 0;
	add_thread(cx, BENCH_ROLE_PRODUCER, cpu0);
	if (consumer)
		add_thread(cx, BENCH_ROLE_CONSUMER, ccpu);
	cx->ntransfer = cx->nthreads;
	if (cx->v->helper)
		add_thread(cx, BENCH_ROLE_HELPER, consumer ? ccpu : cpu0);
	for (unsigned int i = own ? 2 : 1; i < e->ncpus; i++)
		add_thread(cx, BENCH_ROLE_BYSTANDER, e->cpu_list[i]);
	cx->cell.colocated = consumer && ccpu == cpu0;
	cx->cell.nbystanders = e->ncpus - (own ? 2 : 1);
	cx->cell.helper_cpu = cx->cell.child_cpu = cx->v->helper ? (consumer ? ccpu : cpu0) : -1;
}

/* A worker's stack, not inherited by fork() (but the helper's, which a
 * forked child runs on), with a guard page below it. */
#define STACK_LEN (8u << 20)

/* Under ASan (x86-64: shadow = addr / 8 + 0x7fff8000) a stack's shadow is
 * written whenever a frame with an address-taken local is entered or left
 * (its redzones): it must not be inherited either, or every such frame
 * after a fork would take a COW fault that is the tool's. */
static void shadow_dontfork(void *p, size_t len)
{
#if defined(__SANITIZE_ADDRESS__) && defined(__x86_64__)
	uintptr_t pg = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t lo = ((uintptr_t)p >> 3) + 0x7fff8000u;
	uintptr_t hi = (((uintptr_t)p + len) >> 3) + 0x7fff8000u;

	lo &= ~(pg - 1);
	hi = (hi + pg - 1) & ~(pg - 1);
	madvise((void *)lo, hi - lo, MADV_DONTFORK);
#else
	(void)p, (void)len;
#endif
}

static void *stack_alloc(bool inherit)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	unsigned char *p = mmap(NULL, STACK_LEN, PROT_NONE,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	/* all of it but the guard page at the bottom */
	if (mmap(p + pg, STACK_LEN - pg, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK | MAP_FIXED, -1, 0) == MAP_FAILED) {
		munmap(p, STACK_LEN);
		return NULL;
	}
	if (!inherit) {
		madvise(p, STACK_LEN, MADV_DONTFORK);
		shadow_dontfork(p, STACK_LEN);
	}
	return p;
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
		struct bench_ctl *t = &cx->ctl[i];
		pthread_attr_t attr;

		t->stack = stack_alloc(t->role == BENCH_ROLE_HELPER);
		rc = t->stack ? -pthread_attr_init(&attr) : -ENOMEM;
		if (!rc) {
			pthread_attr_setstack(&attr, t->stack, STACK_LEN);
			rc = -pthread_create(&t->tid, &attr, worker_main, t);
			pthread_attr_destroy(&attr);
		}
		if (rc) {
			if (t->stack)
				munmap(t->stack, STACK_LEN);
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
	for (unsigned int i = 0; i < cx->nthreads; i++) {
		pthread_join(cx->ctl[i].tid, NULL);
		munmap(cx->ctl[i].stack, STACK_LEN);
	}
}
