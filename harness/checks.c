// SPDX-License-Identifier: GPL-2.0-only
/*
 * checks.c - declared expectations against what each repetition measured.
 *
 * The value judged is the repetition's figure per operation of the metric
 * in the declared scope (with every_sample: its sample farthest out of
 * range); it passes when within [value x units - slack, value x units +
 * slack + extra] (units: 1 per operation, the pages of the cell's buffer,
 * or its CPUs beyond the first). A metric
 * that no series of the repetition carries (its counter unavailable here)
 * is "unmeasured", never "passed".
 */
#include <errno.h>
#include <fnmatch.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"

#define PAGE 4096.0
#define HUGE_PAGE (2.0 * 1024 * 1024)

bool checks_applies(const struct bench_expect *e, const struct cell_result *c)
{
	return (!e->min_cpus || c->ncpus >= e->min_cpus) &&
	       (!e->max_cpus || c->ncpus <= e->max_cpus) &&
	       (!e->max_size || c->size <= e->max_size) &&
	       (e->thp == BENCH_THP_ANY || (e->thp == BENCH_THP_ON) == c->thp);
}

static double units(const struct bench_expect *e, const struct cell_result *c)
{
	return e->per == BENCH_PER_PAGE ? ceil((double)c->size / PAGE) :
	       e->per == BENCH_PER_HUGE_PAGE ? ceil((double)c->size / HUGE_PAGE) :
	       e->per == BENCH_PER_REMOTE_CPU ? (double)c->ncpus - 1 : 1;
}

/* The repetition's figure, or (every sample) the sample farthest out of
 * [lo, hi], or the first when all are within. */
static double judged(const struct series *s, bool every, double lo, double hi)
{
	double worst = NAN, dist = -1;

	if (!every)
		return series_figure(s);
	for (size_t k = 0; k < s->n; k++) {
		double v = s->v[k], d;

		if (!isfinite(v))
			continue;
		d = v < lo ? lo - v : v > hi ? v - hi : 0;
		if (d > dist) {
			dist = d;
			worst = v;
		}
	}
	return worst;
}

static int add(struct derived *d, size_t *cap, const struct dv_check *ck)
{
	if (d->nchecks == *cap) {
		size_t n = *cap ? 2 * *cap : 256;
		struct dv_check *nc = realloc(d->checks, n * sizeof(*nc));

		if (!nc)
			return -ENOMEM;
		d->checks = nc;
		*cap = n;
	}
	d->checks[d->nchecks++] = *ck;
	d->nfail += ck->verdict == CHECK_FAIL;
	d->nunmeasured += ck->verdict == CHECK_UNMEASURED;
	return 0;
}

static int check_rep(struct derived *d, size_t *cap, const struct cell_result *c,
		     const struct rep_result *rep, unsigned int ei)
{
	const struct bench_expect *e = &c->vr->v->expect[ei];
	const char *scope = registry_scope_name(e->scope);
	struct dv_check ck = { .cell = c->id, .rep = rep->rep, .expect = ei,
			       .expected = e->value * units(e, c) };
	bool any = false;
	int rc;

	for (size_t k = 0; k < rep->nseries; k++) {
		const struct series *s = &rep->series[k];

		if (strcmp(s->role, scope) || fnmatch(e->metric, s->metric, 0))
			continue;
		double lo = ck.expected - e->slack - 1e-9;
		double hi = ck.expected + e->slack + e->extra + 1e-9;

		any = true;
		ck.measured = judged(s, e->every_sample, lo, hi);
		snprintf(ck.metric, sizeof(ck.metric), "%s", s->metric);
		ck.verdict = !isfinite(ck.measured) ? CHECK_UNMEASURED :
			     ck.measured >= lo && ck.measured <= hi ? CHECK_PASS : CHECK_FAIL;
		rc = add(d, cap, &ck);
		if (rc)
			return rc;
	}
	if (any)
		return 0;
	snprintf(ck.metric, sizeof(ck.metric), "%s", e->metric);
	ck.measured = NAN;
	ck.verdict = CHECK_UNMEASURED;
	return add(d, cap, &ck);
}

/* Counters measured in at least one repetition and zero in all. */
static void zero_counters(const struct run *r, struct derived *d)
{
	size_t used = 0;

	d->zero_counters[0] = 0;
	for (unsigned int e = 0; e < r->pmu.n; e++) {
		const char *key = r->pmu.ev[e].key;
		bool seen = false, nonzero = false;

		for (size_t i = 0; i < r->ncells && !nonzero; i++)
			for (size_t k = 0; k < r->cells[i].nreps && !nonzero; k++) {
				const struct rep_result *rep = &r->cells[i].reps[k];

				for (size_t j = 0; j < rep->nseries && rep_usable(rep); j++) {
					const struct series *s = &rep->series[j];

					if (strcmp(s->metric, key))
						continue;
					for (size_t x = 0; x < s->n; x++) {
						seen |= isfinite(s->v[x]);
						nonzero |= isfinite(s->v[x]) && s->v[x] != 0;
					}
				}
			}
		if (seen && !nonzero && used + strlen(key) + 3 < sizeof(d->zero_counters))
			used += (size_t)snprintf(d->zero_counters + used,
						 sizeof(d->zero_counters) - used, "%s%s",
						 used ? ", " : "", key);
	}
}

int checks_run(struct run *r, struct derived *d)
{
	size_t cap = 0;
	int rc = 0;

	for (size_t i = 0; i < r->ncells && !rc; i++) {
		const struct cell_result *c = &r->cells[i];
		const struct bench_variant *v = c->vr->v;

		if (r->opt.hazard || c->status == CELL_FAILED)
			continue;
		for (unsigned int e = 0; e < BENCH_MAX_EXPECT && v->expect[e].metric && !rc; e++) {
			if (!checks_applies(&v->expect[e], c))
				continue;
			for (size_t k = 0; k < c->nreps && !rc; k++)
				if (rep_usable(&c->reps[k]))
					rc = check_rep(d, &cap, c, &c->reps[k], e);
		}
	}
	zero_counters(r, d);
	return rc;
}
