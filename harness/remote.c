// SPDX-License-Identifier: GPL-2.0-only
/*
 * remote.c - what the CPUs beyond the first cost (analysis.h): the
 * responders' lost time per cell, and per primitive and size the cost per
 * remote CPU, the initiator's and the responders'.
 *
 * A responder is a bystander that receives the cell's flushes. What they
 * cost it is the work it did not get done: with rate = progress / its
 * wall time, against the baseline row's rate at the same (size, cpus,
 * placement, THP), the bystanders lose wall x (1 - rate / baseline rate)
 * per operation; divided by the events they received (the row's
 * per_event counter), that is the cost of one. Both cells' repetition k
 * ran in the same block, close in time: each pair gives one figure, and the
 * interval is over those.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"

/* The row's PROGRESS report, or NULL. */
static const struct bench_report_decl *progress_decl(const struct bench_variant *v)
{
	for (int q = 0; q < BENCH_MAX_REPORTS && v->reports[q].name; q++)
		if (v->reports[q].kind == BENCH_REPORT_PROGRESS && v->reports[q].of)
			return &v->reports[q];
	return NULL;
}

static double rep_value(const struct cell_result *c, const char *role, const char *metric,
			unsigned int k)
{
	const struct cell_metric *m = c->status == CELL_FAILED ? NULL :
				      cell_find(c, role, metric);

	return m && k < c->nreps ? m->rep_median[k] : NAN;
}

/* The bystanders: the cell's CPUs but the producer's and a consumer's own. */
static unsigned int bystanders(const struct cell_result *c)
{
	unsigned int busy = 1 + (c->vr->v->consumer && !c->colocated);

	return c->ncpus > busy ? c->ncpus - busy : 0;
}

/* The bystanders' ns lost per operation (all of them) in repetition k. */
static double lost_rep(const struct cell_result *c, const struct cell_result *base,
		       const char *report, unsigned int k, double *slowdown)
{
	double w = rep_value(c, "bystanders", "wall_ns", k);
	double p = rep_value(c, "bystanders", report, k);
	double w0 = rep_value(base, "bystanders", "wall_ns", k);
	double p0 = rep_value(base, "bystanders", report, k);

	*slowdown = 1 - (p / w) / (p0 / w0);
	return w > 0 && w0 > 0 && p0 > 0 && p >= 0 ? w * *slowdown : NAN;
}

/* The first of the row's comma-separated event keys measured in the cell. */
static const char *event_key(const struct cell_result *c, const char *list, char *buf,
			     size_t len)
{
	for (const char *s = list; s && *s; ) {
		size_t n = strcspn(s, ",");
		const struct cell_metric *m;

		if (n < len) {
			memcpy(buf, s, n);
			buf[n] = '\0';
			m = cell_find(c, "bystanders", buf);
			if (m && m->iv.n)
				return buf;
		}
		s += n + (s[n] == ',');
	}
	return NULL;
}

static int one_responder(const struct run *r, const struct cell_result *c,
			 const struct cell_result *base, const struct bench_report_decl *rd,
			 struct dv_responder *x)
{
	char key[RESULTS_METRIC_LEN];
	const char *ev = event_key(c, rd->per_event, key, sizeof(key));
	const struct cell_metric *em = ev ? cell_find(c, "bystanders", ev) : NULL;
	size_t n = c->nreps;
	double *lost = calloc(3 * (n ? n : 1), sizeof(double)), *per = lost + n,
	       *slow = per + n;

	(void)r;
	if (!lost)
		return -ENOMEM;
	*x = (struct dv_responder){ .cell = c->id, .baseline = base->id,
				    .event = em ? em->metric : NULL,
				    .nbystanders = bystanders(c), .events = NAN,
				    .slowdown = NAN };
	for (unsigned int k = 0; k < n; k++) {
		double f = ev ? rep_value(c, "bystanders", ev, k) : NAN;

		lost[k] = lost_rep(c, base, rd->name, k, &slow[k]);
		per[k] = f > 0 ? lost[k] / f : NAN;
		lost[k] /= x->nbystanders;
	}
	stats_replicates(lost, n, &x->lost);
	stats_replicates(per, n, &x->per_event);
	if (em && em->iv.n)
		x->events = em->iv.centre / x->nbystanders;
	{
		struct stats_interval s;

		if (!stats_replicates(slow, n, &s))
			x->slowdown = s.centre;
	}
	free(lost);
	return 0;
}

int analysis_responders(struct run *r, struct derived *d)
{
	d->responders = calloc(r->ncells ? r->ncells : 1, sizeof(*d->responders));
	if (!d->responders)
		return -ENOMEM;
	for (size_t i = 0; i < r->ncells; i++) {
		const struct cell_result *c = &r->cells[i], *base;
		const struct bench_report_decl *rd = progress_decl(c->vr->v);
		const struct variant_ref *bv = rd ? registry_find(rd->of) : NULL;

		if (!bv || c->status != CELL_OK || !bystanders(c) ||
		    !(base = analysis_cell_at(r, bv, c->size, c->ncpus, c->placement, c->thp)) ||
		    base->status != CELL_OK)
			continue;
		if (one_responder(r, c, base, rd, &d->responders[d->nresponders]))
			return -ENOMEM;
		d->nresponders++;
	}
	return 0;
}

/* Repetition k's responders' ns per operation, all bystanders together:
 * 0 without bystanders, NAN when not measured. */
static double responders_rep(const struct run *r, const struct cell_result *c,
			     unsigned int k)
{
	const struct bench_report_decl *rd = progress_decl(c->vr->v);
	const struct variant_ref *bv = rd ? registry_find(rd->of) : NULL;
	const struct cell_result *base;
	double slow;

	if (!bystanders(c))
		return 0;
	base = bv ? analysis_cell_at(r, bv, c->size, c->ncpus, c->placement, c->thp) : NULL;
	if (!base || c->status != CELL_OK || base->status != CELL_OK)
		return NAN;
	return lost_rep(c, base, rd->name, k, &slow);
}

double analysis_cpu_slope(const double *x, const double *y, size_t n, double *icpt,
			  bool *fitted)
{
	double xs[64], ys[64], a, b, y1 = NAN;
	size_t m = 0;

	for (size_t i = 0; i < n; i++) {
		if (!isfinite(y[i]))
			continue;
		if (x[i] == 1)
			y1 = y[i];
		else if (m < 64) {
			xs[m] = x[i] - 1;
			ys[m++] = y[i];
		}
	}
	*fitted = m >= 2;
	if (m >= 2 && !stats_linfit(xs, ys, m, &a, &b, NULL)) {
		*icpt = a;
		return b;
	}
	if (m == 1 && isfinite(y1)) {
		*icpt = y1;
		return (ys[0] - y1) / xs[0];
	}
	return NAN;
}

/* One (variant, size, placement, THP): per repetition, the slope of the
 * initiator's op time and that of op time + responders' time over CPUs. */
static int one_remote(struct run *r, const struct variant_ref *vr, size_t size,
		      enum topo_placement pl, bool thp, struct dv_remote *x)
{
	const struct options *o = &r->opt;
	unsigned int nrep = o->repetitions;
	double xs[64], ys[64], yt[64], ic = NAN, *slope = calloc(3 * nrep, sizeof(double));
	double *total = slope + nrep, *resp = total + nrep;
	bool fitted, any_resp = false;
	int rc;

	if (!slope)
		return -ENOMEM;
	*x = (struct dv_remote){ .vr = vr, .size = size, .placement = pl, .thp = thp };
	for (size_t c = 0; c < o->ncpus && x->ncpus < 16; c++)
		if (o->ncpus < 3 || o->cpus[c] > 1)
			x->cpus[x->ncpus++] = o->cpus[c];
	for (unsigned int k = 0; k < nrep; k++) {
		size_t n = 0;

		for (size_t c = 0; c < o->ncpus && n < 64; c++) {
			const struct cell_result *cell = analysis_cell_at(r, vr, size, o->cpus[c],
									  pl, thp);
			const struct cell_metric *w = cell && cell->status == CELL_OK ?
						      cell_find(cell, "op", "wall_ns") : NULL;
			double lost = cell ? responders_rep(r, cell, k) : NAN;

			xs[n] = o->cpus[c];
			ys[n] = w ? w->rep_median[k] : NAN;
			any_resp |= isfinite(lost) && o->cpus[c] > 1;
			yt[n] = ys[n] + lost;
			n++;
		}
		slope[k] = analysis_cpu_slope(xs, ys, n, &ic, &x->fitted);
		if (k == 0 || !isfinite(x->intercept))
			x->intercept = ic;
		total[k] = analysis_cpu_slope(xs, yt, n, &ic, &fitted);
		resp[k] = total[k] - slope[k];
	}
	rc = stats_replicates(slope, nrep, &x->per_cpu);
	if (!any_resp || stats_replicates(resp, nrep, &x->responder) ||
	    stats_replicates(total, nrep, &x->total))
		x->responder = x->total = (struct stats_interval){ .centre = NAN,
			.lo = NAN, .hi = NAN, .level = NAN, .se = NAN };
	free(slope);
	return rc ? 1 : 0;
}

int analysis_remote_costs(struct run *r, struct derived *d)
{
	const struct options *o = &r->opt;

	if (o->ncpus < 2)
		return 0;
	d->remote = calloc(2 * r->nvariants * o->nsizes * o->nplacements + 1,
			   sizeof(*d->remote));
	if (!d->remote)
		return -ENOMEM;
	for (int thp = 0; thp < 2; thp++)
		for (size_t v = 0; v < r->nvariants; v++)
			for (size_t s = 0; s < o->nsizes; s++)
				for (size_t p = 0; p < o->nplacements; p++) {
					const struct variant_ref *vr = r->variants[v];
					int rc;

					if (vr->v->class != BENCH_CLASS_PRIMITIVE ||
					    !analysis_cell_at(r, vr, o->sizes[s], o->cpus[0],
							      o->placements[p], thp))
						continue;
					rc = one_remote(r, vr, o->sizes[s], o->placements[p], thp,
							&d->remote[d->nremote]);
					if (rc < 0)
						return rc;
					d->nremote += rc == 0;
				}
	return 0;
}
