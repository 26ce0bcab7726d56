// SPDX-License-Identifier: GPL-2.0-only
/*
 * measure.c - what one repetition of a cell measures: per sample and role,
 * wall time, thread CPU time, each counter's delta, the variant's reports
 * and the producer's phases, all divided by the sample's operations; and
 * the life of the repetition: setup, one untimed verification sample,
 * calibration of K (operations per sample), warm-up, then samples until
 * the CI of the median operation time is tight or a budget is spent.
 *
 * Roles (results/README.md): op = producer + consumer (its wall time runs
 * from the first of them starting to the last one ending, so a pipelined
 * transfer is done when the data has arrived), producer, consumer,
 * bystanders (summed). Excluded from every sample: setup, verification,
 * calibration and warm-up samples, and the bookkeeping between samples.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "interrupts.h"
#include "procstat.h"
#include "measure.h"
#include "pmu.h"
#include "worker.h"

#define VERIFY_OPS 4
#define CALIBRATE_ROUNDS 32
#define DEPTH_FACTOR 4		/* a sample holds >= 4 pipelines' worth */

enum scope_bit {
	IN_OP = 1, IN_PRODUCER = 2, IN_CONSUMER = 4, IN_BYSTANDERS = 8, IN_HELPER = 16,
};

/* "bystander": the bystanders' sum divided by their number (from two) */
static const struct { const char *name; unsigned int bit; bool each; } roles[] = {
	{ "op", IN_OP, false }, { "producer", IN_PRODUCER, false },
	{ "consumer", IN_CONSUMER, false }, { "helper", IN_HELPER, false },
	{ "bystanders", IN_BYSTANDERS, false }, { "bystander", IN_BYSTANDERS, true },
};

/* The op is the hand-off: producer, consumer, and the helper working for
 * them (its CPU time and counters; the op's wall time is the transfer
 * roles'). */
static unsigned int scope_of(enum bench_role r)
{
	return r == BENCH_ROLE_PRODUCER ? IN_OP | IN_PRODUCER :
	       r == BENCH_ROLE_CONSUMER ? IN_OP | IN_CONSUMER :
	       r == BENCH_ROLE_HELPER ? IN_OP | IN_HELPER : IN_BYSTANDERS;
}

static bool transfers(enum bench_role r)
{
	return r == BENCH_ROLE_PRODUCER || r == BENCH_ROLE_CONSUMER;
}

/* The values of one sample, collected before they are pushed. */
struct sample_buf {
	struct sample_value v[160];
	char names[160][RESULTS_METRIC_LEN];
	size_t n;
};

static void put_agg(struct sample_buf *b, const char *role, const char *metric,
		    const char *unit, double v, bool mean)
{
	if (b->n == sizeof(b->v) / sizeof(b->v[0]))
		return;
	snprintf(b->names[b->n], sizeof(b->names[0]), "%s", metric);
	b->v[b->n] = (struct sample_value){ role, b->names[b->n], unit, v, mean };
	b->n++;
}

static void put(struct sample_buf *b, const char *role, const char *metric,
		const char *unit, double v)
{
	put_agg(b, role, metric, unit, v, false);
}

/* A metric quantised coarser than a sample (ticks): summarised by mean. */
static void put_mean(struct sample_buf *b, const char *role, const char *metric,
		     const char *unit, double v)
{
	put_agg(b, role, metric, unit, v, true);
}

/* A per-CPU count summed over the distinct CPUs of a role's threads,
 * before (a) and after (b) the sample: NAN when a CPU's value could not
 * be read. TLB IPIs from /proc/interrupts, interrupt ns from /proc/stat. */
static double role_cpu_sum(const struct cell_ctx *cx, unsigned int bit, const uint64_t *a,
			   const uint64_t *b, unsigned int n, uint64_t unknown)
{
	double sum = 0;

	for (unsigned int i = 0; i < cx->nthreads; i++) {
		int cpu = cx->ctl[i].cpu;
		bool first = true;

		if (!(scope_of(cx->ctl[i].role) & bit))
			continue;
		if (cpu < 0 || (unsigned int)cpu >= n || a[cpu] == unknown ||
		    b[cpu] == unknown || b[cpu] < a[cpu])
			return NAN;
		for (unsigned int j = 0; j < i; j++)
			if (cx->ctl[j].cpu == cpu && (scope_of(cx->ctl[j].role) & bit))
				first = false;
		if (first)
			sum += (double)(b[cpu] - a[cpu]);
	}
	return sum;
}

static bool has_role(const struct cell_ctx *cx, unsigned int bit)
{
	for (unsigned int i = 0; i < cx->nthreads; i++)
		if (scope_of(cx->ctl[i].role) & bit)
			return true;
	return false;
}

static void record_role(struct cell_ctx *cx, unsigned int bit, const char *role,
			bool each, double k, struct sample_buf *b)
{
	const struct pmu_set *ps = cx->env->pmu;
	uint64_t t0 = UINT64_MAX, t1 = 0;
	double cpu = 0, own = 0, cnt[PMU_MAX_EVENTS] = { 0 }, rep[BENCH_MAX_REPORTS] = { 0 };
	unsigned int members = 0;

	for (unsigned int i = 0; i < cx->nthreads; i++) {
		const struct bench_ctl *t = &cx->ctl[i];

		if (!(scope_of(t->role) & bit))
			continue;
		members++;
		if (transfers(t->role)) {
			t0 = t->t0 < t0 ? t->t0 : t0;
			t1 = t->t1 > t1 ? t->t1 : t1;
		}
		own += t->t1 >= t->t0 ? clock_ticks_to_ns(t->t1 - t->t0) : NAN;
		cpu += (double)(t->cpu1 - t->cpu0);
		for (unsigned int e = 0; e < ps->n; e++) {
			double ratio, v = counter_delta(&t->c0[e], &t->c1[e], &ratio);

			cnt[e] += v;	/* NAN: not counted in this sample */
			if (isfinite(ratio) && !(ratio >= cx->running[e]))
				cx->running[e] = ratio;
		}
		for (unsigned int q = 0; q < BENCH_MAX_REPORTS; q++)
			rep[q] += (double)t->rep[q];
	}
	if (!members || (each && members < 2))
		return;
	if (each)
		k *= members;
	/* across CPUs: a clock that went back is not a duration, never a wrap */
	if (bit & (IN_OP | IN_PRODUCER | IN_CONSUMER))
		put(b, role, "wall_ns", "ns/op", t1 >= t0 ? clock_ticks_to_ns(t1 - t0) / k :
		    NAN);
	else if (bit & IN_BYSTANDERS)	/* the threads' own walls, summed */
		put(b, role, "wall_ns", "ns/op", own / k);
	put(b, role, "cpu_ns", "ns/op", cpu / k);
	for (unsigned int e = 0; e < ps->n; e++) {
		const struct pmu_event *ev = &ps->ev[e];

		if (!ev->available)
			continue;
		if (ev->source == PMU_SRC_INTERRUPTS)
			put(b, role, ev->key, "count/op", cx->nirq ?
			    role_cpu_sum(cx, bit, cx->irq0, cx->irq1, cx->nirq,
					 IRQ_UNKNOWN) / k : NAN);
		else
			put(b, role, ev->key, "count/op", cnt[e] / k);
	}
	for (unsigned int q = 0; q < BENCH_MAX_REPORTS && cx->v->reports[q].name && !each; q++)
		put(b, role, cx->v->reports[q].name, cx->v->reports[q].unit ?
		    cx->v->reports[q].unit : "count/op", rep[q] / k);
}

static int record_sample(struct cell_ctx *cx, struct rep_result *r)
{
	static _Thread_local struct sample_buf b;
	const struct bench_ctl *p = &cx->ctl[0];
	double k = (double)cx->g.nops;
	char name[RESULTS_METRIC_LEN];

	b.n = 0;
	for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
		record_role(cx, roles[i].bit, roles[i].name, roles[i].each, k, &b);
	for (unsigned int ph = 0; ph < BENCH_MAX_PHASES && cx->v->phases[ph].name; ph++) {
		snprintf(name, sizeof(name), "phase.%s.wall_ns", cx->v->phases[ph].name);
		/* each interval holds about one mark's cost: taken out */
		put(&b, "producer", name, "ns/op", fmax(0, clock_ticks_to_ns(p->phase_acc[ph]) -
			(double)p->phase_n[ph] * cx->env->samp.phase_mark_ns) / k);
	}
	for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]) - 1 && cx->nst; i++) {
		if (!has_role(cx, roles[i].bit))
			continue;
		put_mean(&b, roles[i].name, "irq_ns", "ns/op", role_cpu_sum(cx, roles[i].bit,
			 cx->st0, cx->st1, cx->nst, PROCSTAT_UNKNOWN) / k);
		put_mean(&b, roles[i].name, "steal_ns", "ns/op", role_cpu_sum(cx, roles[i].bit,
			 cx->sl0, cx->sl1, cx->nst, PROCSTAT_UNKNOWN) / k);
	}
	if (rep_push_sample(r, b.v, b.n))
		return -ENOMEM;
	if (cx->env->on_sample)
		cx->env->on_sample(cx->env->arg, r);
	return 0;
}

/* The operation's wall time of the last sample, in ns. */
static double last_op_ns(const struct cell_ctx *cx)
{
	uint64_t t0 = UINT64_MAX, t1 = 0;

	for (unsigned int i = 0; i < cx->nthreads; i++) {
		if (!transfers(cx->ctl[i].role))
			continue;
		t0 = cx->ctl[i].t0 < t0 ? cx->ctl[i].t0 : t0;
		t1 = cx->ctl[i].t1 > t1 ? cx->ctl[i].t1 : t1;
	}
	return t1 >= t0 ? clock_ticks_to_ns(t1 - t0) : 0;
}

/* K rounded up to a multiple of the declared depth, and at least
 * DEPTH_FACTOR of them: filling and draining the pipeline is then a small
 * part of every sample, the same for both twins. */
static uint64_t fit_depth(const struct cell_ctx *cx, uint64_t k)
{
	uint64_t d = cx->depth;

	if (d < 2)
		return k;
	if (k < DEPTH_FACTOR * d)
		k = DEPTH_FACTOR * d;
	return (k + d - 1) / d * d;
}

/* Grow K until two samples in a row last at least min_sample_s, or one
 * lasts twice that (a cold first sample alone could leave K too small);
 * these samples also warm the caches and are discarded. */
static int calibrate(struct cell_ctx *cx, uint64_t *k)
{
	double target = cx->env->samp.min_sample_s * 1e9;
	bool confirmed = false;
	int rc;

	*k = fit_depth(cx, 1);
	for (int round = 0; round < CALIBRATE_ROUNDS; round++) {
		double el, mult;

		rc = worker_sample(cx, *k, false);
		if (rc)
			return rc;
		el = last_op_ns(cx);
		if ((el >= target && confirmed) || el >= 2 * target)
			return 0;
		if (el >= target) {
			confirmed = true;	/* once more: the first may be cold */
			continue;
		}
		confirmed = false;
		mult = el > 0 ? 1.25 * target / el : 1000;
		mult = mult < 2 ? 2 : mult > 1000 ? 1000 : mult;
		*k = fit_depth(cx, (uint64_t)((double)*k * mult));
	}
	return 0;
}

static bool over(uint64_t start, double seconds)
{
	return seconds > 0 && (double)(clock_mono_ns() - start) / 1e9 >= seconds;
}

/* Sample until the CI of the median operation time is tight, or a budget
 * or the sample limit is reached. Returns 0 and the stop reason, or -errno. */
static int sample_loop(struct cell_ctx *cx, struct rep_result *r, uint64_t k,
		       uint64_t start, const char **why)
{
	const struct sampling *o = &cx->env->samp;
	uint64_t t0 = clock_mono_ns();
	int rc;

	for (;;) {
		const struct series *wall;
		struct stats_summary s;
		size_t n;

		rc = worker_sample(cx, k, false);
		if (rc == -EINTR) {
			*why = "interrupted";
			return 0;
		}
		if (rc)
			return rc;
		if (record_sample(cx, r))
			return -ENOMEM;
		wall = rep_find(r, "op", "wall_ns");
		n = wall ? wall->n : 0;
		if (n >= o->max_samples) {
			*why = "max-samples";
			return 0;
		}
		if (over(start, o->run_left_s)) {	/* --budget: before --min-samples */
			*why = "run-budget";
			return 0;
		}
		if (n < o->min_samples)
			continue;
		if (!stats_summarize(wall->v, n, 0.95, &s) &&
		    stats_ci_within(&s, o->target_ci)) {
			*why = "ci";
			return 0;
		}
		if (over(t0, o->cell_budget_s)) {
			*why = "cell-budget";
			return 0;
		}
	}
}

static void finish(struct cell_ctx *cx, struct rep_result *r, enum cell_status st,
		   const char *fallback)
{
	r->status = st;
	snprintf(r->reason, sizeof(r->reason), "%s", cx->reason[0] ? cx->reason :
		 fallback ? fallback : "");
}

/* What the verification samples reported, per report, summed over threads. */
static void keep_verify_reports(struct cell_ctx *cx, struct rep_result *r)
{
	r->verify_ops = VERIFY_OPS;
	for (unsigned int q = 0; q < BENCH_MAX_REPORTS; q++) {
		r->verify_reports[q] = 0;
		for (unsigned int i = 0; i < cx->nthreads; i++)
			r->verify_reports[q] += cx->ctl[i].rep[q];
	}
}

static void prefix_reason(struct rep_result *r, const char *pre)
{
	char buf[sizeof(r->reason) + 64];

	snprintf(buf, sizeof(buf), "%s%s", pre, r->reason);
	snprintf(r->reason, sizeof(r->reason), "%.*s", (int)sizeof(r->reason) - 1, buf);
}

static void interrupted(struct cell_ctx *cx, struct rep_result *r)
{
	const char *sig = sigabbrev_np(measure_interrupted);
	char why[48];

	(void)cx;
	snprintf(r->stop_reason, sizeof(r->stop_reason), "interrupted");
	snprintf(why, sizeof(why), "interrupted by SIG%s", sig ? sig : "?");
	r->status = CELL_INTERRUPTED;
	snprintf(r->reason, sizeof(r->reason), "%s", why);
}

/* Setup, verification, calibration, warm-up and samples. */
static int lifecycle(struct cell_ctx *cx, struct rep_result *r, uint64_t start)
{
	const struct sampling *o = &cx->env->samp;
	const char *why = "";
	uint64_t k = 1;
	int rc;

	rc = worker_setup(cx);
	if (rc == -EINTR && measure_interrupted) {
		interrupted(cx, r);
		return 0;
	}
	if (rc) {
		finish(cx, r, cx->skip ? CELL_UNSUPPORTED : CELL_FAILED, strerror(-rc));
		return rc == -EDEADLK ? rc : 0;
	}
	worker_footprint(r);
	if (cx->cell.thp && r->huge_kib == 0) {
		finish(cx, r, CELL_UNSUPPORTED, "THP asked (MADV_HUGEPAGE), but the "
		       "kernel gave the buffers no huge page");
		return 0;
	}
	r->depth = cx->depth;
	if (cx->env->verify || cx->cell.hazard) {
		rc = worker_sample(cx, VERIFY_OPS, true);
		r->verify_ran = !(rc == -EINTR && measure_interrupted);
		r->verified = !rc;
		keep_verify_reports(cx, r);
	}
	if (!rc && cx->cell.hazard) {
		snprintf(r->stop_reason, sizeof(r->stop_reason), "hazard");
		finish(cx, r, CELL_OK, NULL);
		return 0;
	}
	if (!rc)
		rc = calibrate(cx, &k);
	r->warmup = 0;		/* the samples discarded, the cell budget allowing */
	for (; !rc && r->warmup < o->warmup && !over(start, o->cell_budget_s); r->warmup++)
		rc = worker_sample(cx, k, false);
	r->ops_per_sample = k;
	if (!rc)
		rc = sample_loop(cx, r, k, start, &why);
	snprintf(r->stop_reason, sizeof(r->stop_reason), "%s", why);
	if (rc == -EINTR || (!rc && !strcmp(why, "interrupted"))) {
		interrupted(cx, r);
		return 0;
	}
	if (rc) {
		finish(cx, r, CELL_FAILED, strerror(-rc));
		if (r->verify_ran && !r->verified && !cx->peer_down)
			prefix_reason(r, "verification failed: ");
		return rc == -EDEADLK ? rc : 0;
	}
	finish(cx, r, CELL_OK, NULL);
	return 0;
}

/* What the workers write inside their counting windows (the context with
 * its gates, each thread's control block) is memory no fork() inherits:
 * a variant that forks takes COW faults on its buffer only. */
struct cell_mem {
	struct cell_ctx cx;
	struct bench_ctl ctl[];
};

int measure_cell(const struct cell_env *env, struct rep_result *r)
{
	size_t len = sizeof(struct cell_mem) + (env->ncpus + 3) * sizeof(struct bench_ctl);
	struct cell_mem *m = bench_alloc_private(len);
	struct cell_ctx *cx = m ? &m->cx : NULL;
	uint64_t start = clock_mono_ns();
	unsigned int nirq = IRQ_MAX_CPUS, nst = IRQ_MAX_CPUS;
	static uint64_t irq0[IRQ_MAX_CPUS], irq1[IRQ_MAX_CPUS];
	static uint64_t st0[IRQ_MAX_CPUS], st1[IRQ_MAX_CPUS];
	static uint64_t sl0[IRQ_MAX_CPUS], sl1[IRQ_MAX_CPUS];
	int ipi = pmu_find(env->pmu, "tlb_ipi"), rc;

	if (!m)
		return -ENOMEM;
	cx->env = env;
	cx->v = env->vr->v;
	cx->ctl = m->ctl;
	pthread_mutex_init(&cx->lock, NULL);
	cx->cell = (struct bench_cell){
		.size = env->size, .ncpus = env->ncpus, .sink = env->sink,
		.page_size = (size_t)sysconf(_SC_PAGESIZE), .param = cx->v->param,
		.peer = cx->v->peer ? env->peer : NULL, .hazard = env->hazard,
		.sabotage = env->sabotage, .thp = env->thp,
	};
	if (ipi >= 0 && env->pmu->ev[ipi].available &&
	    !irq_read_row("TLB", irq0, &nirq)) {
		cx->irq0 = irq0;
		cx->irq1 = irq1;
		cx->nirq = nirq;
	}
	if (!procstat_read(st0, sl0, &nst)) {
		cx->st0 = st0;
		cx->st1 = st1;
		cx->sl0 = sl0;
		cx->sl1 = sl1;
		cx->nst = nst;
	}
	for (unsigned int e = 0; e < PMU_MAX_EVENTS; e++)
		cx->running[e] = NAN;
	rc = worker_start(cx);
	r->colocated = cx->cell.colocated;
	r->helper_cpu = cx->cell.helper_cpu;
	if (rc)
		finish(cx, r, CELL_FAILED, "cannot create worker threads");
	else
		rc = lifecycle(cx, r, start);
	worker_stop(cx, rc);
	for (unsigned int e = 0; e < PMU_MAX_EVENTS && e < RESULTS_MAX_COUNTERS; e++)
		r->running[e] = cx->running[e];
	memcpy(r->notes, cx->notes, sizeof(r->notes));
	r->nnotes = cx->nnotes;
	r->peer_down = cx->peer_down;
	rep_summarize(r);
	pthread_mutex_destroy(&cx->lock);
	if (rc != -EDEADLK)
		bench_free_private(m, len);	/* hung threads may still use it */
	return rc == -EDEADLK ? rc : 0;
}

static void phase_pair(void *arg)
{
	bench_phase(arg, 1);
	bench_phase(arg, 0);
}

double measure_phase_overhead_ns(void)
{
	struct bench_ctl ctl = { .phase_t = clock_mark() };

	return clock_overhead_ns(phase_pair, &ctl) / 2;
}
