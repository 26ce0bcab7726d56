// SPDX-License-Identifier: GPL-2.0-only
/*
 * results.c - series, repetitions and the per-cell figures over the
 * repetitions. A cell's headline for a metric is the median of its
 * repetitions' medians with an interval from their spread between
 * processes (stats_replicates()), never from the samples of one process:
 * samples within one process share its drift, processes do not.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "results.h"

static const char *const status_names[] = {
	"ok", "failed", "unsupported", "interrupted", "skipped",
};

const char *cell_status_name(enum cell_status s)
{
	return (unsigned int)s < 5 ? status_names[s] : "?";
}

int cell_status_parse(const char *s)
{
	for (int i = 0; i < 5; i++)
		if (!strcmp(s, status_names[i]))
			return i;
	return -1;
}

int series_push(struct series *s, double v)
{
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

const struct series *rep_find(const struct rep_result *r, const char *role,
			      const char *metric)
{
	for (size_t i = 0; i < r->nseries; i++)
		if (!strcmp(r->series[i].role, role) && !strcmp(r->series[i].metric, metric))
			return &r->series[i];
	return NULL;
}

double series_figure(const struct series *s)
{
	return !s->has_sum ? NAN : s->mean ? s->sum.mean : s->sum.median;
}

struct series *rep_series(struct rep_result *r, const char *role,
			  const char *metric, const char *unit, bool mean)
{
	struct series *s = (struct series *)rep_find(r, role, metric);
	size_t backfill = rep_nsamples(r);

	if (s)
		return s;
	if (r->nseries == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 32;
		struct series *ns = realloc(r->series, cap * sizeof(*ns));

		if (!ns)
			return NULL;
		r->series = ns;
		r->cap = cap;
	}
	s = &r->series[r->nseries++];
	memset(s, 0, sizeof(*s));
	snprintf(s->role, sizeof(s->role), "%s", role);
	snprintf(s->metric, sizeof(s->metric), "%s", metric);
	snprintf(s->unit, sizeof(s->unit), "%s", unit);
	s->mean = mean;
	while (backfill--)
		if (series_push(s, NAN))
			return NULL;
	return s;
}

size_t rep_nsamples(const struct rep_result *r)
{
	return r->nseries ? r->series[0].n : 0;
}

int rep_push_sample(struct rep_result *r, const struct sample_value *vals, size_t n)
{
	size_t before = rep_nsamples(r);

	for (size_t i = 0; i < n; i++)
		if (!rep_series(r, vals[i].role, vals[i].metric, vals[i].unit, vals[i].mean))
			return -ENOMEM;
	for (size_t k = 0; k < r->nseries; k++) {
		struct series *s = &r->series[k];
		double v = NAN;

		if (s->n > before)
			continue;	/* cannot happen: one push per sample */
		for (size_t i = 0; i < n; i++)
			if (!strcmp(vals[i].role, s->role) && !strcmp(vals[i].metric, s->metric))
				v = vals[i].v;
		if (series_push(s, v))
			return -ENOMEM;
	}
	return 0;
}

void rep_summarize(struct rep_result *r)
{
	for (size_t i = 0; i < r->nseries; i++) {
		struct series *s = &r->series[i];
		double *fin = malloc((s->n ? s->n : 1) * sizeof(*fin));
		size_t m = 0;

		s->has_sum = false;
		if (!fin)
			continue;
		for (size_t k = 0; k < s->n; k++)
			if (isfinite(s->v[k]))
				fin[m++] = s->v[k];
		s->has_sum = m && !stats_summarize(fin, m, 0.95, &s->sum);
		free(fin);
	}
}

void rep_free(struct rep_result *r)
{
	for (size_t i = 0; i < r->nseries; i++)
		free(r->series[i].v);
	free(r->series);
	r->series = NULL;
	r->nseries = r->cap = 0;
}

bool rep_usable(const struct rep_result *r)
{
	return (r->status == CELL_OK || r->status == CELL_INTERRUPTED) &&
	       r->nseries && r->series[0].n;
}

/* Failed beats unsupported beats interrupted; ok needs one usable rep. */
static void cell_status_of(struct cell_result *c)
{
	static const int rank[] = {
		[CELL_FAILED] = 4, [CELL_UNSUPPORTED] = 3, [CELL_INTERRUPTED] = 2,
		[CELL_OK] = 1, [CELL_SKIPPED] = 0,
	};
	const struct rep_result *worst = NULL;

	for (size_t i = 0; i < c->nreps; i++) {
		const struct rep_result *r = &c->reps[i];

		if (!worst || rank[r->status] > rank[worst->status])
			worst = r;
	}
	c->status = worst ? worst->status : CELL_SKIPPED;
	snprintf(c->reason, sizeof(c->reason), "%s", worst ? worst->reason : "");
	if (c->status == CELL_OK)
		c->reason[0] = 0;
}

static struct cell_metric *metric_get(struct cell_result *c, const struct series *s)
{
	struct cell_metric *m = (struct cell_metric *)cell_find(c, s->role, s->metric);

	if (m)
		return m;
	m = realloc(c->metrics, (c->nmetrics + 1) * sizeof(*m));
	if (!m)
		return NULL;
	c->metrics = m;
	m = &c->metrics[c->nmetrics];
	memset(m, 0, sizeof(*m));
	snprintf(m->role, sizeof(m->role), "%s", s->role);
	snprintf(m->metric, sizeof(m->metric), "%s", s->metric);
	snprintf(m->unit, sizeof(m->unit), "%s", s->unit);
	m->rep_median = malloc(c->nreps * sizeof(double));
	if (!m->rep_median)
		return NULL;
	for (size_t i = 0; i < c->nreps; i++)
		m->rep_median[i] = NAN;
	c->nmetrics++;
	return m;
}

int cell_aggregate(struct cell_result *c)
{
	cell_status_of(c);
	if (c->status == CELL_FAILED)
		return 0;	/* a failed cell is never a number */
	for (size_t i = 0; i < c->nreps; i++) {
		struct rep_result *r = &c->reps[i];

		if (!rep_usable(r))
			continue;
		c->colocated = r->colocated;
		for (size_t k = 0; k < r->nseries; k++) {
			struct cell_metric *m;

			if (!r->series[k].has_sum)
				continue;
			m = metric_get(c, &r->series[k]);
			if (!m)
				return -ENOMEM;
			m->rep_median[i] = series_figure(&r->series[k]);
		}
	}
	for (size_t k = 0; k < c->nmetrics; k++)
		stats_replicates_nonneg(c->metrics[k].rep_median, c->nreps,
					&c->metrics[k].iv);
	return 0;
}

const struct cell_metric *cell_find(const struct cell_result *c, const char *role,
				    const char *metric)
{
	for (size_t i = 0; i < c->nmetrics; i++)
		if (!strcmp(c->metrics[i].role, role) && !strcmp(c->metrics[i].metric, metric))
			return &c->metrics[i];
	return NULL;
}

void cell_free(struct cell_result *c)
{
	for (size_t i = 0; i < c->nreps; i++)
		rep_free(&c->reps[i]);
	for (size_t i = 0; i < c->nmetrics; i++)
		free(c->metrics[i].rep_median);
	free(c->metrics);
	free(c->reps);
	free(c->cpu_list);
	c->metrics = NULL;
	c->reps = NULL;
	c->cpu_list = NULL;
	c->nmetrics = c->nreps = 0;
}
