/*
 * worker.c - measures one cell: N pinned threads with roles, started
 * together, K operations per sample, per-thread clock, CPU time and
 * counters around each role's run(), and the stopping rule.
 *
 * Timed region of a thread: from after the start gates (all threads have
 * arrived, then all have started their counters) to the return of its
 * hook; the counter and CPU-time reads sit just outside it. The sample's operation time
 * ("op" role) runs from the first transfer role's start to the last one's
 * end, so a pipelined transfer is done when the data has arrived.
 * Excluded: setup, verification, calibration and warm-up samples, and the
 * coordinating thread's bookkeeping between samples.
 */
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "harness.h"

#define HANG_TIMEOUT_NS (120ull * 1000000000ull)
#define KICK_GRACE_NS (10ull * 1000000000ull)
#define VERIFY_OPS 4
#define CALIBRATE_ROUNDS 32

struct gate {
	_Atomic uint32_t gen;		/* bumped to start a step */
	_Atomic uint32_t arrived;	/* threads at the start line */
	_Atomic uint32_t armed;		/* threads with counters read */
	_Atomic uint32_t done;		/* threads done with the step */
	_Atomic uint32_t transfer_left;	/* producer/consumer still running */
	_Atomic uint32_t stop;		/* the sample is being stopped */
	_Atomic bool failed;		/* a role failed during the sample */
	bool quit;
	bool verify;
	uint64_t nops;
};

struct cell_ctx;

struct bench_ctl {
	struct cell_ctx *cx;
	enum bench_role role;
	int cpu;
	pthread_t tid;
	struct pmu_thread *pmu;
	int rc;				/* pinning / counters / setup */
	uint64_t t0, t1, cpu0, cpu1;
	uint64_t c0[PMU_MAX_EVENTS], c1[PMU_MAX_EVENTS];
	unsigned int phase;
	uint64_t phase_t;
	uint64_t phase_acc[BENCH_MAX_PHASES];
	uint64_t rep[BENCH_MAX_REPORTS];	/* bench_report() this sample */
};

struct cell_ctx {
	struct run *r;
	struct cell_result *c;
	const struct bench_variant *v;
	struct bench_cell cell;
	unsigned int nthreads, ntransfer;
	struct bench_ctl *ctl;
	struct gate g;
	void *state;
	bool state_ok;
	int setup_rc;
	bool skip;
	pthread_mutex_t lock;
	char reason[256];
	uint64_t *irq0, *irq1;
	unsigned int nirq;
};

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
	uint64_t now = clock_ticks();

	ctl->phase_acc[ctl->phase] += now - ctl->phase_t;
	ctl->phase_t = now;
	ctl->phase = phase < BENCH_MAX_PHASES ? phase : BENCH_MAX_PHASES - 1;
}

void bench_report(struct bench_ctl *ctl, unsigned int idx, uint64_t n)
{
	if (idx < BENCH_MAX_REPORTS)
		ctl->rep[idx] += n;
}

bool bench_stopping(const struct bench_ctl *ctl)
{
	return atomic_load(&ctl->cx->g.stop) || harness_interrupted;
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

static void set_reason(struct cell_ctx *cx, const char *fmt, va_list ap)
{
	pthread_mutex_lock(&cx->lock);
	if (!cx->reason[0])
		vsnprintf(cx->reason, sizeof(cx->reason), fmt, ap);
	pthread_mutex_unlock(&cx->lock);
}

static void set_reasonf(struct cell_ctx *cx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_reason(cx, fmt, ap);
	va_end(ap);
}

int bench_fail(struct bench_ctl *ctl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_reason(ctl->cx, fmt, ap);
	va_end(ap);
	return -EBADMSG;
}

int bench_skip(struct bench_ctl *ctl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_reason(ctl->cx, fmt, ap);
	va_end(ap);
	ctl->cx->skip = true;
	return -EOPNOTSUPP;
}

void *bench_alloc(struct bench_ctl *ctl, size_t len)
{
	return topo_alloc_near(ctl->cx->r->topo, ctl->cx->ctl[0].cpu, len);
}

void bench_free(struct bench_ctl *ctl, void *p, size_t len)
{
	if (p)
		topo_free(ctl->cx->r->topo, p, len);
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

static void read_counters(struct bench_ctl *ctl, uint64_t *vals)
{
	if (ctl->pmu && pmu_thread_read(ctl->pmu, vals) < 0)
		set_reasonf(ctl->cx, "reading counters failed on CPU %d", ctl->cpu);
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

static void do_sample(struct bench_ctl *ctl)
{
	struct cell_ctx *cx = ctl->cx;
	const struct bench_variant *v = cx->v;
	int rc;

	memset(ctl->phase_acc, 0, sizeof(ctl->phase_acc));
	memset(ctl->rep, 0, sizeof(ctl->rep));
	ctl->phase = 0;
	/* two gates: no thread starts working before every thread's counters
	 * are running, so no thread's window misses the start of another's */
	wait_all(cx, &cx->g.arrived);
	read_counters(ctl, ctl->c0);
	ctl->cpu0 = clock_thread_cpu_ns();
	wait_all(cx, &cx->g.armed);
	ctl->t0 = ctl->phase_t = clock_ticks();
	if (ctl->role == BENCH_ROLE_BYSTANDER)
		rc = v->bystand ? v->bystand(ctl, cx->state) : default_bystand(ctl);
	else
		rc = v->run(ctl, cx->state, ctl->role, cx->g.nops);
	ctl->t1 = clock_ticks();
	ctl->cpu1 = clock_thread_cpu_ns();
	read_counters(ctl, ctl->c1);
	ctl->phase_acc[ctl->phase] += ctl->t1 - ctl->phase_t;

	if (rc < 0 && !(rc == -EINTR && bench_stopping(ctl))) {
		set_reasonf(cx, "%s failed: %s", ctl->role == BENCH_ROLE_PRODUCER ?
			    "producer" : ctl->role == BENCH_ROLE_CONSUMER ?
			    "consumer" : "bystander", strerror(-rc));
		atomic_store(&cx->g.failed, true);
		stop_sample(cx);
		kick_all(cx);
	} else if (rc < 0) {
		atomic_store(&cx->g.failed, true);	/* stopped from outside */
	}
	if (ctl->role != BENCH_ROLE_BYSTANDER &&
	    atomic_fetch_sub(&cx->g.transfer_left, 1) == 1)
		stop_sample(cx);
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

	rc = topo_bind_self(cx->r->topo, ctl->cpu);
	if (rc < 0)
		set_reasonf(cx, "cannot pin a thread to CPU %d: %s", ctl->cpu, strerror(-rc));
	if (!rc && cx->r->pmu.n) {
		rc = pmu_thread_open(&cx->r->pmu, &ctl->pmu);
		if (rc < 0)
			set_reasonf(cx, "cannot open counters on CPU %d: %s",
				    ctl->cpu, strerror(-rc));
	}
	ctl->rc = rc;
	/* setup runs once every thread is pinned: wait for the first step */
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

/* --- the coordinating side ---------------------------------------------- */

/* Start one step (setup, a sample, or quit) and wait for every thread.
 * Returns 0, -EINTR when the run was interrupted during it, -ETIMEDOUT
 * when threads hang even after being kicked. */
static int run_step(struct cell_ctx *cx)
{
	uint64_t start = clock_mono_ns(), kicked = 0;
	int rc = 0;

	atomic_store(&cx->g.done, 0);
	atomic_fetch_add(&cx->g.gen, 1);
	futex_wake(&cx->g.gen);
	for (;;) {
		uint32_t d = atomic_load(&cx->g.done);
		uint64_t now;

		if (d == cx->nthreads)
			return rc;
		futex_wait(&cx->g.done, d, 50 * 1000 * 1000);
		now = clock_mono_ns();
		if (!kicked && (harness_interrupted || now - start > HANG_TIMEOUT_NS)) {
			rc = harness_interrupted ? -EINTR : -ETIMEDOUT;
			if (rc == -ETIMEDOUT)
				set_reasonf(cx, "a sample did not finish in %llu s",
					    HANG_TIMEOUT_NS / 1000000000ull);
			stop_sample(cx);
			kicked = now;
		}
		if (kicked) {
			kick_all(cx);
			if (now - kicked > KICK_GRACE_NS)
				return -EDEADLK;
		}
	}
}

static int run_sample(struct cell_ctx *cx, uint64_t nops, bool verify)
{
	int rc;

	cx->g.nops = nops;
	cx->g.verify = verify;
	atomic_store(&cx->g.arrived, 0);
	atomic_store(&cx->g.armed, 0);
	atomic_store(&cx->g.transfer_left, cx->ntransfer);
	atomic_store(&cx->g.stop, 0);
	atomic_store(&cx->g.failed, false);
	if (cx->nirq)
		pmu_read_tlb_interrupts(cx->irq0, &(unsigned int){ cx->nirq });
	rc = run_step(cx);
	if (cx->nirq)
		pmu_read_tlb_interrupts(cx->irq1, &(unsigned int){ cx->nirq });
	if (!rc && atomic_load(&cx->g.failed))
		rc = harness_interrupted ? -EINTR : -EIO;
	return rc;
}

/* --- per-sample metrics ------------------------------------------------- */

struct series *series_get(struct cell_result *c, const char *role,
			  const char *metric, const char *unit)
{
	struct series *s;

	for (size_t i = 0; i < c->nseries; i++) {
		s = &c->series[i];
		if (!strcmp(s->role, role) && !strcmp(s->metric, metric))
			return s;
	}
	if (c->nseries == HARNESS_MAX_SERIES)
		return NULL;
	s = &c->series[c->nseries++];
	memset(s, 0, sizeof(*s));
	snprintf(s->role, sizeof(s->role), "%s", role);
	snprintf(s->metric, sizeof(s->metric), "%s", metric);
	s->unit = unit;
	return s;
}

void series_free(struct cell_result *c)
{
	for (size_t i = 0; i < c->nseries; i++)
		free(c->series[i].v);
	c->nseries = 0;
}

static int push(struct cell_result *c, const char *role, const char *metric,
		const char *unit, double v)
{
	struct series *s = series_get(c, role, metric, unit);

	if (!s)
		return -ENOSPC;
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 64;
		double *nv = realloc(s->v, cap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		s->v = nv;
		s->cap = cap;
	}
	s->v[s->n++] = v;
	return 0;
}

/* The threads whose values a role sums: a bitmask over thread indices. */
static bool in_role(const struct cell_ctx *cx, unsigned int i, const char *role)
{
	enum bench_role r = cx->ctl[i].role;

	if (!strcmp(role, "op"))
		return r != BENCH_ROLE_BYSTANDER;
	if (!strcmp(role, "producer"))
		return r == BENCH_ROLE_PRODUCER;
	if (!strcmp(role, "consumer"))
		return r == BENCH_ROLE_CONSUMER;
	return r == BENCH_ROLE_BYSTANDER;
}

/* TLB IPIs received on the distinct CPUs of a role's threads. */
static double role_irqs(const struct cell_ctx *cx, const char *role)
{
	double sum = 0;

	for (unsigned int i = 0; i < cx->nthreads; i++) {
		int cpu = cx->ctl[i].cpu;
		bool first = true;

		if (!in_role(cx, i, role) || cpu < 0 || (unsigned int)cpu >= cx->nirq)
			continue;
		for (unsigned int j = 0; j < i; j++)
			if (cx->ctl[j].cpu == cpu && in_role(cx, j, role))
				first = false;
		if (first)
			sum += (double)(cx->irq1[cpu] - cx->irq0[cpu]);
	}
	return sum;
}

static int record_role(struct cell_ctx *cx, const char *role, double k)
{
	const struct pmu_set *ps = &cx->r->pmu;
	struct cell_result *c = cx->c;
	uint64_t t0 = UINT64_MAX, t1 = 0;
	double cpu = 0, cnt[PMU_MAX_EVENTS] = { 0 }, rep[BENCH_MAX_REPORTS] = { 0 };
	unsigned int members = 0;
	int rc = 0;

	for (unsigned int i = 0; i < cx->nthreads; i++) {
		const struct bench_ctl *t = &cx->ctl[i];

		if (!in_role(cx, i, role))
			continue;
		members++;
		t0 = t->t0 < t0 ? t->t0 : t0;
		t1 = t->t1 > t1 ? t->t1 : t1;
		cpu += (double)(t->cpu1 - t->cpu0);
		for (unsigned int e = 0; e < ps->n; e++)
			cnt[e] += (double)(t->c1[e] - t->c0[e]);
		for (unsigned int q = 0; q < BENCH_MAX_REPORTS; q++)
			rep[q] += (double)t->rep[q];
	}
	if (!members)
		return 0;
	if (strcmp(role, "bystanders"))
		rc |= push(c, role, "wall_ns", "ns/op", clock_ticks_to_ns(t1 - t0) / k);
	rc |= push(c, role, "cpu_ns", "ns/op", cpu / k);
	for (unsigned int e = 0; e < ps->n; e++) {
		const struct pmu_event *ev = &ps->ev[e];

		if (!ev->available)
			continue;
		if (ev->source == PMU_SRC_INTERRUPTS)
			rc |= push(c, role, ev->key, "count/op", role_irqs(cx, role) / k);
		else
			rc |= push(c, role, ev->key, "count/op", cnt[e] / k);
	}
	for (unsigned int q = 0; q < BENCH_MAX_REPORTS && cx->v->reports[q]; q++)
		rc |= push(c, role, cx->v->reports[q], "count/op", rep[q] / k);
	return rc;
}

static int record_phases(struct cell_ctx *cx, const char *role,
			 const struct bench_ctl *t, double k)
{
	char name[72];
	int rc = 0;

	for (unsigned int p = 0; p < BENCH_MAX_PHASES && cx->v->phases[p]; p++) {
		snprintf(name, sizeof(name), "phase.%s.wall_ns", cx->v->phases[p]);
		rc |= push(cx->c, role, name, "ns/op",
			   clock_ticks_to_ns(t->phase_acc[p]) / k);
	}
	return rc;
}

static int record_sample(struct cell_ctx *cx)
{
	static const char *const roles[] = { "op", "producer", "consumer", "bystanders" };
	double k = (double)cx->g.nops;
	int rc = 0;

	for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
		rc |= record_role(cx, roles[i], k);
	rc |= record_phases(cx, "producer", &cx->ctl[0], k);
	return rc ? -ENOMEM : 0;
}

/* The operation's wall time of the last sample, in ns. */
static double last_op_ns(const struct cell_ctx *cx)
{
	uint64_t t0 = UINT64_MAX, t1 = 0;

	for (unsigned int i = 0; i < cx->nthreads; i++) {
		if (cx->ctl[i].role == BENCH_ROLE_BYSTANDER)
			continue;
		t0 = cx->ctl[i].t0 < t0 ? cx->ctl[i].t0 : t0;
		t1 = cx->ctl[i].t1 > t1 ? cx->ctl[i].t1 : t1;
	}
	return clock_ticks_to_ns(t1 - t0);
}

/* --- one cell ----------------------------------------------------------- */

/* Grow K until two samples in a row last at least min_sample_s (a cold
 * first sample alone could leave K too small); these samples also warm the
 * caches and are discarded. */
static int calibrate(struct cell_ctx *cx, uint64_t *k)
{
	double target = cx->r->opt.min_sample_s * 1e9;
	bool confirmed = false;
	int rc;

	*k = 1;
	for (int round = 0; round < CALIBRATE_ROUNDS; round++) {
		double el, mult;

		rc = run_sample(cx, *k, false);
		if (rc)
			return rc;
		el = last_op_ns(cx);
		if (el >= target && confirmed)
			return 0;
		if (el >= target) {
			confirmed = true;	/* once more: the first may be cold */
			continue;
		}
		confirmed = false;
		mult = el > 0 ? 1.25 * target / el : 1000;
		mult = mult < 2 ? 2 : mult > 1000 ? 1000 : mult;
		*k = (uint64_t)((double)*k * mult);
	}
	return 0;
}

/* Sample until the CI of the median operation time is tight, or a budget
 * or the sample limit is reached. Returns 0 and the stop reason, or -errno. */
static int sample_loop(struct cell_ctx *cx, uint64_t k, const char **why)
{
	const struct options *o = &cx->r->opt;
	uint64_t start = clock_mono_ns();
	struct series *wall;
	int rc;

	for (;;) {
		struct stats_summary s;
		double elapsed;

		rc = run_sample(cx, k, false);
		if (rc == -EINTR) {
			*why = "interrupted";
			return 0;
		}
		if (rc)
			return rc;
		if (record_sample(cx))
			return -ENOMEM;
		wall = series_get(cx->c, "op", "wall_ns", "ns/op");
		elapsed = (double)(clock_mono_ns() - start) / 1e9;
		if (wall->n >= o->max_samples) {
			*why = "max-samples";
			return 0;
		}
		if (wall->n < o->min_samples)
			continue;
		if (!stats_summarize(wall->v, wall->n, 0.95, &s) &&
		    stats_ci_within(&s, o->target_ci)) {
			*why = "ci";
			return 0;
		}
		if (elapsed >= o->cell_budget_s) {
			*why = "cell-budget";
			return 0;
		}
		if (cx->r->deadline_ns && clock_mono_ns() >= cx->r->deadline_ns) {
			*why = "run-budget";
			return 0;
		}
	}
}

static void assign_roles(struct cell_ctx *cx)
{
	const struct cell_result *c = cx->c;
	bool consumer = cx->v->consumer && !cx->cell.peer;
	unsigned int next = 0;

	cx->nthreads = c->ncpus > (consumer ? 2u : 1u) ? c->ncpus : (consumer ? 2u : 1u);
	cx->ntransfer = consumer ? 2 : 1;
	for (unsigned int i = 0; i < cx->nthreads; i++) {
		struct bench_ctl *t = &cx->ctl[i];

		t->cx = cx;
		t->role = i == 0 ? BENCH_ROLE_PRODUCER :
			  (i == 1 && consumer) ? BENCH_ROLE_CONSUMER : BENCH_ROLE_BYSTANDER;
		t->cpu = c->cpu_list[next < c->ncpus ? next : 0];
		next++;
	}
	cx->cell.colocated = consumer && c->ncpus < 2;
	cx->cell.nbystanders = cx->nthreads - cx->ntransfer;
}

static int start_threads(struct cell_ctx *cx)
{
	sigset_t all, old;
	int rc = 0;

	sigemptyset(&all);
	sigaddset(&all, SIGINT);
	sigaddset(&all, SIGTERM);
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

static int stop_threads(struct cell_ctx *cx, int rc)
{
	if (rc == -EDEADLK)
		return rc;	/* hung threads cannot be joined */
	cx->g.quit = true;
	atomic_fetch_add(&cx->g.gen, 1);
	futex_wake(&cx->g.gen);
	for (unsigned int i = 0; i < cx->nthreads; i++)
		pthread_join(cx->ctl[i].tid, NULL);
	return 0;
}

static void finish(struct cell_ctx *cx, enum cell_status st, const char *fallback)
{
	struct cell_result *c = cx->c;

	c->status = st;
	snprintf(c->reason, sizeof(c->reason), "%s", cx->reason[0] ? cx->reason :
		 fallback ? fallback : "");
}

/* The verification sample's bench_report() counts, summed over threads. */
static void keep_verify_reports(struct cell_ctx *cx)
{
	cx->c->verify_ops = VERIFY_OPS;
	for (unsigned int q = 0; q < BENCH_MAX_REPORTS; q++) {
		cx->c->verify_reports[q] = 0;
		for (unsigned int i = 0; i < cx->nthreads; i++)
			cx->c->verify_reports[q] += cx->ctl[i].rep[q];
	}
}

/* Setup, verification, calibration, warm-up and samples of one cell. */
static int measure(struct cell_ctx *cx)
{
	struct cell_result *c = cx->c;
	uint64_t k;
	int rc;

	rc = run_step(cx);	/* setup in the producer thread */
	for (unsigned int i = 0; !rc && i < cx->nthreads; i++)
		rc = cx->ctl[i].rc;
	if (!rc)
		rc = cx->setup_rc;
	if (rc) {
		finish(cx, cx->skip ? CELL_UNSUPPORTED : CELL_FAILED, strerror(-rc));
		return rc == -EDEADLK ? rc : 0;
	}
	rc = run_sample(cx, VERIFY_OPS, true);
	if (!rc)
		c->verified = true;
	keep_verify_reports(cx);
	if (!rc && cx->cell.hazard) {
		c->stop_reason = "hazard";	/* a protocol check, nothing timed */
		finish(cx, CELL_OK, NULL);
		return 0;
	}
	if (!rc)
		rc = calibrate(cx, &k);
	for (unsigned long w = 0; !rc && w < cx->r->opt.warmup; w++)
		rc = run_sample(cx, k, false);
	if (!rc) {
		c->ops_per_sample = k;
		c->warmup = cx->r->opt.warmup;
		rc = sample_loop(cx, k, &c->stop_reason);
	}
	if (rc == -EINTR || (!rc && !strcmp(c->stop_reason, "interrupted"))) {
		c->stop_reason = "interrupted";
		finish(cx, CELL_INTERRUPTED, "interrupted by a signal");
		return 0;
	}
	if (rc) {
		finish(cx, CELL_FAILED, strerror(-rc));
		if (!c->verified) {
			static const char pre[] = "verification failed: ";
			size_t n = strnlen(c->reason, sizeof(c->reason) - sizeof(pre));

			memmove(c->reason + sizeof(pre) - 1, c->reason, n);
			memcpy(c->reason, pre, sizeof(pre) - 1);
			c->reason[sizeof(pre) - 1 + n] = 0;
		}
		return rc == -EDEADLK ? rc : 0;
	}
	finish(cx, CELL_OK, NULL);
	return 0;
}

static void summarize_all(struct cell_result *c)
{
	for (size_t i = 0; i < c->nseries; i++) {
		struct series *s = &c->series[i];

		s->has_sum = s->n && !stats_summarize(s->v, s->n, 0.95, &s->sum);
	}
}

int worker_measure_cell(struct run *r, struct cell_result *c)
{
	struct cell_ctx cx = { .r = r, .c = c, .v = c->hv->v };
	uint64_t t0 = clock_mono_ns();
	unsigned int nirq = HARNESS_MAX_CPUS;
	uint64_t irq0[HARNESS_MAX_CPUS], irq1[HARNESS_MAX_CPUS];
	int rc;

	cx.ctl = calloc(c->ncpus + 2, sizeof(*cx.ctl));
	if (!cx.ctl)
		return -ENOMEM;
	pthread_mutex_init(&cx.lock, NULL);
	cx.cell = (struct bench_cell){
		.size = c->size, .ncpus = c->ncpus, .sink = r->opt.sink,
		.page_size = (size_t)sysconf(_SC_PAGESIZE), .param = cx.v->param,
		.peer = cx.v->peer ? r->opt.peer : NULL, .hazard = r->opt.hazard,
	};
	int ipi = pmu_find(&r->pmu, "tlb_ipi");

	if (ipi >= 0 && r->pmu.ev[ipi].available &&
	    !pmu_read_tlb_interrupts(irq0, &nirq)) {
		cx.irq0 = irq0;
		cx.irq1 = irq1;
		cx.nirq = nirq;
	}
	assign_roles(&cx);
	c->colocated = cx.cell.colocated;
	rc = start_threads(&cx);
	if (rc)
		finish(&cx, CELL_FAILED, "cannot create worker threads");
	else
		rc = measure(&cx);
	rc = stop_threads(&cx, rc) ? -EDEADLK : 0;
	summarize_all(c);
	c->duration_s = (double)(clock_mono_ns() - t0) / 1e9;
	pthread_mutex_destroy(&cx.lock);
	if (!rc)
		free(cx.ctl);	/* hung threads may still use it */
	return rc;
}

static void phase_pair(void *arg)
{
	bench_phase(arg, 1);
	bench_phase(arg, 0);
}

/* Cost of one bench_phase() call, on a private control block. */
double worker_phase_overhead_ns(void)
{
	struct bench_ctl ctl = { .phase_t = clock_ticks() };

	return clock_overhead_ns(phase_pair, &ctl) / 2;
}
