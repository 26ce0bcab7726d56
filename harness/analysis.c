// SPDX-License-Identifier: GPL-2.0-only
/*
 * analysis.c - the derived figures of a run (analysis.h): per-cell costs
 * and shares, twins, crossovers and winners. The cost per remote CPU and
 * the responders' is in remote.c, the declared expectations are judged in
 * checks.c.
 */
#include <errno.h>
#include <fnmatch.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "checks.h"

const struct cell_result *analysis_cell_at(const struct run *r,
					   const struct variant_ref *vr, size_t size,
					   unsigned int cpus, enum topo_placement p, bool thp)
{
	for (size_t i = 0; i < r->ncells; i++) {
		const struct cell_result *c = &r->cells[i];

		if (c->vr == vr && c->size == size && c->ncpus == cpus && c->placement == p &&
		    c->thp == thp)
			return c;
	}
	return NULL;
}

static const struct cell_metric *op_metric(const struct cell_result *c, const char *m)
{
	return c && c->status != CELL_FAILED ? cell_find(c, "op", m) : NULL;
}

/* out = in x f (f > 0), or 1/(in) x f when invert. */
static void scaled(const struct stats_interval *in, double f, bool invert,
		   struct stats_interval *out)
{
	*out = *in;
	if (!invert) {
		out->centre *= f;
		out->lo *= f;
		out->hi *= f;
		return;
	}
	out->centre = f / in->centre;
	out->lo = f / in->hi;
	out->hi = in->lo > 0 ? f / in->lo : INFINITY;
}

/* The interval of a / b over paired repetitions (both finite, > 0). */
static void paired_ratio(const double *a, const double *b, size_t n,
			 struct stats_interval *out)
{
	double *lr = malloc((n ? n : 1) * sizeof(*lr));

	memset(out, 0, sizeof(*out));
	out->centre = out->lo = out->hi = NAN;
	if (!lr)
		return;
	for (size_t i = 0; i < n; i++)
		lr[i] = a[i] > 0 && b[i] > 0 && isfinite(a[i]) && isfinite(b[i]) ?
			log(a[i] / b[i]) : NAN;
	if (!stats_replicates(lr, n, out)) {
		out->centre = exp(out->centre);
		out->lo = exp(out->lo);
		out->hi = exp(out->hi);
		out->log = true;
	}
	free(lr);
}

/* Sum over usable repetitions of (per-op value summed over samples) x K. */
static double report_total(const struct cell_result *c, const char *name)
{
	double t = 0;
	bool any = false;

	for (size_t i = 0; i < c->nreps; i++) {
		const struct rep_result *r = &c->reps[i];
		const struct series *s = rep_usable(r) ? rep_find(r, "op", name) : NULL;

		for (size_t k = 0; s && k < s->n; k++)
			if (isfinite(s->v[k])) {
				t += s->v[k] * (double)r->ops_per_sample;
				any = true;
			}
	}
	return any ? t : NAN;
}

static void cell_figures(const struct run *r, const struct cell_result *c,
			 struct dv_cell *d)
{
	const struct cell_metric *w = op_metric(c, "wall_ns"), *cpu = op_metric(c, "cpu_ns");
	const struct cell_metric *pw = c->status == CELL_FAILED ? NULL :
				       cell_find(c, "producer", "wall_ns");
	const struct bench_variant *v = c->vr->v;
	double kib = (double)c->size / 1024, pages = ceil((double)c->size / 4096);

	const struct stats_interval none = { .centre = NAN, .lo = NAN, .hi = NAN,
					     .level = NAN };

	memset(d, 0, sizeof(*d));
	d->wall = d->sender = d->per_kib = d->per_page = d->gib_s = d->cpu_per_kib = none;
	if (pw && pw->iv.n)
		d->sender = pw->iv;
	d->share = d->violations = NAN;
	for (size_t i = 0; i < c->nreps; i++)
		if (rep_usable(&c->reps[i]) && strcmp(c->reps[i].stop_reason, "ci"))
			d->loose++;
	if (w && w->iv.n) {
		d->wall = w->iv;
		scaled(&w->iv, 1 / kib, false, &d->per_kib);
		scaled(&w->iv, 1 / pages, false, &d->per_page);
		scaled(&w->iv, (double)c->size * 1e9 / (1 << 30), true, &d->gib_s);
	}
	if (cpu && cpu->iv.n)
		scaled(&cpu->iv, 1 / kib, false, &d->cpu_per_kib);
	for (int q = 0; q < BENCH_MAX_REPORTS && v->reports[q].name; q++) {
		const struct bench_report_decl *rd = &v->reports[q];

		if (rd->kind == BENCH_REPORT_SHARE && rd->of) {
			double part = report_total(c, rd->name), all = report_total(c, rd->of);

			if (all > 0) {
				d->share = part / all;
				d->share_name = rd->name;
				d->share_of = rd->of;
			}
		} else if (rd->kind == BENCH_REPORT_MUST_BE_ZERO && !r->opt.hazard) {
			double t = report_total(c, rd->name);

			if (isfinite(t) && (!isfinite(d->violations) || t > 0)) {
				d->violations = t;
				d->violation_name = rd->name;
			}
		}
	}
}

static int twins(struct run *r, struct derived *d)
{
	d->twins = calloc(r->ncells ? r->ncells : 1, sizeof(*d->twins));
	if (!d->twins)
		return -ENOMEM;
	for (size_t i = 0; i < r->ncells; i++) {
		const struct cell_result *c = &r->cells[i], *t;
		const struct variant_ref *tv = registry_twin(c->vr);
		const struct cell_metric *a, *b, *ac, *bc;
		struct dv_twin *x;

		if (!tv || !(t = analysis_cell_at(r, tv, c->size, c->ncpus, c->placement,
						  c->thp)))
			continue;
		a = op_metric(t, "wall_ns");
		b = op_metric(c, "wall_ns");
		if (!a || !b || c->status != CELL_OK || t->status != CELL_OK)
			continue;
		x = &d->twins[d->ntwins++];
		x->cell = (unsigned int)i;
		x->twin = t->id;
		paired_ratio(a->rep_median, b->rep_median, c->nreps, &x->speedup);
		ac = op_metric(t, "cpu_ns");
		bc = op_metric(c, "cpu_ns");
		x->cpu_ratio = (struct stats_interval){ .centre = NAN, .lo = NAN, .hi = NAN };
		if (ac && bc)
			paired_ratio(ac->rep_median, bc->rep_median, c->nreps, &x->cpu_ratio);
		x->differs = x->speedup.valid && (x->speedup.lo > 1 || x->speedup.hi < 1);
	}
	return 0;
}

/* Where log(speedup) of curve `which` (0 centre, 1 lo, 2 hi) crosses 0
 * upwards for the last time, in log size; NAN when it does not. */
static double crossing(const struct dv_twin *const *t, const size_t *sizes, size_t n,
		       int which, bool *always)
{
	double prev = NAN;

	*always = false;
	for (size_t k = n; k-- > 0;) {
		const struct stats_interval *iv = &t[k]->speedup;
		double y = log(which == 0 ? iv->centre : which == 1 ? iv->lo : iv->hi);

		if (!isfinite(y))
			return NAN;
		if (y <= 0) {
			if (!isfinite(prev))
				return NAN;	/* below at the largest size */
			double x0 = log((double)sizes[k]), x1 = log((double)sizes[k + 1]);

			return exp(x0 + (x1 - x0) * (0 - y) / (prev - y));
		}
		prev = y;
	}
	*always = n > 0;
	return (double)sizes[0];
}

static int crossovers(struct run *r, struct derived *d)
{
	const struct options *o = &r->opt;
	const struct dv_twin **row = calloc(o->nsizes + 1, sizeof(*row));
	size_t *sizes = calloc(o->nsizes + 1, sizeof(*sizes));

	d->cross = calloc(2 * r->nvariants * o->ncpus * o->nplacements + 1, sizeof(*d->cross));
	if (!row || !sizes || !d->cross) {
		free(row);
		free(sizes);
		return -ENOMEM;
	}
	for (int thp = 0; thp < 2; thp++)
	for (size_t v = 0; v < r->nvariants; v++)
		for (size_t c = 0; c < o->ncpus; c++)
			for (size_t p = 0; p < o->nplacements; p++) {
				const struct variant_ref *vr = r->variants[v];
				struct dv_crossover *x = &d->cross[d->ncross];
				size_t n = 0;
				bool always, al, ah;

				for (size_t t = 0; t < d->ntwins; t++) {
					const struct cell_result *cell = &r->cells[d->twins[t].cell];

					if (cell->vr == vr && cell->ncpus == o->cpus[c] &&
					    cell->placement == o->placements[p] && cell->thp == thp &&
					    isfinite(d->twins[t].speedup.centre)) {
						row[n] = &d->twins[t];
						sizes[n++] = cell->size;
					}
				}
				if (n < 1)
					continue;
				*x = (struct dv_crossover){ .vr = vr, .twin = registry_twin(vr),
					.cpus = o->cpus[c], .placement = o->placements[p], .thp = thp };
				x->size = crossing(row, sizes, n, 0, &always);
				x->lo = crossing(row, sizes, n, 2, &ah);	/* hi curve: earlier */
				x->hi = crossing(row, sizes, n, 1, &al);
				x->kind = always ? CROSS_ALWAYS : isfinite(x->size) ? CROSS_AT :
					  CROSS_NEVER;
				/* not monotone: faster, beyond its CI, at a size below
				 * the last crossing (any size, if it never crosses) */
				x->monotone = true;
				for (size_t k = 0; k < n; k++)
					if ((x->kind == CROSS_NEVER ||
					     (x->kind == CROSS_AT && (double)sizes[k] < x->size)) &&
					    row[k]->speedup.lo > 1)
						x->monotone = false;
				d->ncross++;
			}
	free(row);
	free(sizes);
	return 0;
}

/* The fastest hand-off (variants with a consumer) per (cpus, placement,
 * size), and the runner-up. */
static int winners(struct run *r, struct derived *d)
{
	const struct options *o = &r->opt;

	d->winners = calloc(2 * o->ncpus * o->nplacements * o->nsizes + 1,
			    sizeof(*d->winners));
	if (!d->winners)
		return -ENOMEM;
	for (int thp = 0; thp < 2; thp++)
	for (size_t c = 0; c < o->ncpus; c++)
		for (size_t p = 0; p < o->nplacements; p++)
			for (size_t s = 0; s < o->nsizes; s++) {
				struct dv_winner *w = &d->winners[d->nwinners];
				const struct cell_result *best = NULL, *next = NULL;

				for (size_t i = 0; i < r->ncells; i++) {
					const struct cell_result *x = &r->cells[i];
					const struct dv_cell *dx = &d->cells[i];

					if (x->ncpus != o->cpus[c] || x->placement != o->placements[p] ||
					    x->size != o->sizes[s] || x->status != CELL_OK ||
					    x->thp != thp ||
					    !x->vr->v->consumer || !isfinite(dx->wall.centre))
						continue;
					if (!best || dx->wall.centre < d->cells[best->id].wall.centre) {
						next = best;
						best = x;
					} else if (!next || dx->wall.centre < d->cells[next->id].wall.centre) {
						next = x;
					}
				}
				if (!best)
					continue;
				*w = (struct dv_winner){ o->cpus[c], o->placements[p], o->sizes[s],
							 best->id, next ? next->id : best->id, 1, false,
							 thp };
				if (next) {
					const struct stats_interval *a = &d->cells[best->id].wall;
					const struct stats_interval *b = &d->cells[next->id].wall;

					w->ratio = b->centre / a->centre;
					w->overlap = a->valid && b->valid && a->hi >= b->lo;
				}
				d->nwinners++;
			}
	return 0;
}

static double median_of(double *v, size_t n)
{
	struct stats_interval iv;

	return n && !stats_replicates(v, n, &iv) ? iv.centre : NAN;
}

/* The share of the cell's CPUs' time the hypervisor ran something else:
 * stolen ns per op over the op's wall time on each of its CPUs. NAN. */
static double steal_share(const struct cell_result *c)
{
	const struct cell_metric *op = cell_find(c, "op", "steal_ns");
	const struct cell_metric *by = cell_find(c, "bystanders", "steal_ns");
	const struct cell_metric *wall = cell_find(c, "op", "wall_ns");

	if (!op || !wall || !(wall->iv.centre > 0))
		return NAN;
	return (op->iv.centre + (by ? by->iv.centre : 0)) / (wall->iv.centre * c->ncpus);
}

static void run_notes(struct run *r, struct derived *d)
{
	double *spawn = calloc(r->nitems + 1, sizeof(double));
	size_t ns = 0;

	d->steal_max = NAN;
	for (size_t i = 0; i < r->ncells; i++) {
		const struct cell_result *c = &r->cells[i];
		size_t usable = 0;

		for (size_t k = 0; k < c->nreps; k++) {
			usable += rep_usable(&c->reps[k]);
			if (spawn && c->reps[k].ran && c->reps[k].spawn_ms > 0)
				spawn[ns++] = c->reps[k].spawn_ms;
		}
		if (c->status != CELL_OK)
			continue;
		d->ok_cells++;
		d->usable_reps += usable;
		d->loose_reps += (size_t)d->cells[i].loose;
		d->smt_cells += c->smt_siblings;
		d->short_cells += usable < c->nreps;
		double st = steal_share(c);
		if (isfinite(st) && (!isfinite(d->steal_max) || st > d->steal_max))
			d->steal_max = st;
		d->stolen_cells += st >= 0.05;
	}
	d->spawn_ms = spawn ? median_of(spawn, ns) : NAN;
	free(spawn);
	for (unsigned int e = 0; e < RESULTS_MAX_COUNTERS; e++) {
		d->running[e] = NAN;
		for (size_t i = 0; i < r->ncells; i++)
			for (size_t k = 0; k < r->cells[i].nreps; k++) {
				double x = r->cells[i].reps[k].running[e];

				if (rep_usable(&r->cells[i].reps[k]) && isfinite(x) &&
				    !(x >= d->running[e]))
					d->running[e] = x;
			}
	}
}

int analysis_run(struct run *r)
{
	struct derived *d = calloc(1, sizeof(*d));
	int rc;

	if (!d)
		return -ENOMEM;
	r->derived = d;
	d->cells = calloc(r->ncells ? r->ncells : 1, sizeof(*d->cells));
	if (!d->cells)
		return -ENOMEM;
	for (size_t i = 0; i < r->ncells; i++)
		cell_figures(r, &r->cells[i], &d->cells[i]);
	rc = twins(r, d);
	rc = rc ? rc : analysis_responders(r, d);
	rc = rc ? rc : analysis_remote_costs(r, d);
	rc = rc ? rc : crossovers(r, d);
	rc = rc ? rc : model_run(r);
	rc = rc ? rc : winners(r, d);
	rc = rc ? rc : checks_run(r, d);
	if (!rc)
		run_notes(r, d);
	rc = rc ? rc : verdict_run(r);
	return rc;
}

void analysis_free(struct run *r)
{
	struct derived *d = r->derived;

	if (!d)
		return;
	free(d->cells);
	free(d->twins);
	free(d->remote);
	free(d->responders);
	model_free(d->model);
	free(d->verdict);
	free(d->cross);
	free(d->winners);
	free(d->checks);
	free(d);
	r->derived = NULL;
}

const char *dv_verdict_name(enum dv_verdict v)
{
	static const char *const names[] = { "pass", "fail", "unmeasured" };

	return (unsigned int)v < 3 ? names[v] : "?";
}
