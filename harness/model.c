// SPDX-License-Identifier: GPL-2.0-only
/*
 * model.c - the cost model of a run (model.h): constants fitted from the
 * rows that declare them, and every row's operation time predicted from
 * them; the 2006 inequality and the crossovers the model gives are in
 * model_use.c.
 *
 * Every figure is computed per repetition (repetition k of every cell ran
 * in the same block, close in time) and summarised over the repetitions,
 * as the other derived figures are.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"

const unsigned int model_cpus_out[MODEL_MAX_CPUS_OUT] = { 8, 64, 256 };

static const struct stats_interval none = { .centre = NAN, .lo = NAN, .hi = NAN,
					    .level = NAN, .se = NAN };

static double pages_of(size_t size)
{
	return ceil((double)size / 4096);
}

/* --- constants ----------------------------------------------------------- */

/* y = a + b x minimising the squared relative error (weights 1 / y^2):
 * sizes span four orders of magnitude, and an absolute fit would be the
 * largest sizes' alone. Neither part of a cost is negative: a fit that
 * makes one so is redone without it (through the origin, or flat). */
static void fit_relative(const double *x, const double *y, size_t n, double *a, double *b)
{
	double sw = 0, sx = 0, sy = 0, sxx = 0, sxy = 0, d;

	for (size_t i = 0; i < n; i++) {
		double w = 1 / (y[i] * y[i]);

		sw += w;
		sx += w * x[i];
		sy += w * y[i];
		sxx += w * x[i] * x[i];
		sxy += w * x[i] * y[i];
	}
	d = sw * sxx - sx * sx;
	*b = d > 0 ? (sw * sxy - sx * sy) / d : NAN;
	*a = d > 0 ? (sy - *b * sx) / sw : NAN;
	if (!(d > 0) || *a < 0) {	/* through the origin */
		*a = 0;
		*b = sxy / sxx;
	}
	if (*b < 0) {			/* flat */
		*b = 0;
		*a = sy / sw;
	}
}

double model_knee_pages(const struct dv_model *m, const struct bench_constant *decl)
{
	if (!decl || decl->knee == BENCH_KNEE_NONE)
		return INFINITY;
	if (decl->knee == BENCH_KNEE_FLUSH_CEILING)
		return m->ceiling;
	/* the buffer and its copy fit only below half the cache */
	return m->cache_pages >= 1 ? m->cache_pages - 1 : INFINITY;
}

/* Fit y = a + b x per repetition over the points of one segment (those
 * with y > 0). One point: the line through it with the other segment's
 * slope (above a flush ceiling, where the per-page cost can only fall), or
 * with its intercept (above the cache, where the per-op part is the same
 * and the per-page part grows: keep_a); else through the origin. */
static void fit_rep(const double *x, const double *y, size_t n, double other_a,
		    double other_b, bool keep_a, double *a, double *b)
{
	double xs[64], ys[64];
	size_t m = 0;

	for (size_t i = 0; i < n && m < 64; i++)
		if (isfinite(y[i]) && y[i] > 0) {
			xs[m] = x[i];
			ys[m++] = y[i];
		}
	*a = *b = NAN;
	if (m >= 2) {
		fit_relative(xs, ys, m, a, b);
		return;
	}
	if (m == 1 && keep_a && isfinite(other_a)) {
		*a = fmin(other_a, ys[0]);
		*b = (ys[0] - *a) / xs[0];
	} else if (m == 1) {
		*b = isfinite(other_b) ? fmin(other_b, ys[0] / xs[0]) : ys[0] / xs[0];
		*a = ys[0] - *b * xs[0];
	}
}

static int add_line(struct run *r, struct dv_model *m, const struct variant_ref *vr,
		    const struct bench_constant *decl, unsigned int cpus,
		    enum topo_placement pl, bool thp)
{
	const struct options *o = &r->opt;
	const char *role = decl ? registry_scope_name(decl->scope) : "op";
	const char *metric = decl ? decl->metric : "wall_ns";
	double knee = model_knee_pages(m, decl);
	unsigned int nseg = isfinite(knee) ? 2 : 1, nrep = o->repetitions;
	bool cache = decl && decl->knee == BENCH_KNEE_CACHE;
	struct dv_constant *seg[2] = { NULL, NULL };

	for (unsigned int sg = 0; sg < nseg; sg++) {
		struct dv_constant *c = &m->constants[m->nconstants];

		*c = (struct dv_constant){ .name = decl ? decl->name : vr->name,
			.desc = decl ? decl->desc : NULL, .vr = vr, .decl = decl,
			.cpus = cpus, .placement = pl, .thp = thp, .seg = sg,
			.intercept = none, .slope = none };
		c->a = calloc(2 * (nrep ? nrep : 1), sizeof(double));
		if (!c->a)
			return -ENOMEM;
		c->b = c->a + nrep;
		seg[sg] = c;
		m->nconstants++;
	}
	/* the segment whose line the other falls back on first: above a flush
	 * ceiling, below the cache knee */
	for (unsigned int i = 0; i < nseg; i++) {
		int sg = nseg == 1 ? 0 : cache ? (int)i : 1 - (int)i;
		struct dv_constant *c = seg[sg], *other = nseg == 2 ? seg[1 - sg] : NULL;
		double x[64], y[64];

		for (unsigned int k = 0; k < nrep; k++) {
			size_t n = 0;

			for (size_t s = 0; s < o->nsizes && n < 64; s++) {
				double p = pages_of(o->sizes[s]);
				const struct cell_result *cell =
					analysis_cell_at(r, vr, o->sizes[s], cpus, pl, thp);
				const struct cell_metric *cm = cell && cell->status == CELL_OK ?
					cell_find(cell, role, metric) : NULL;

				if (!cm || (nseg == 2 && (sg == 0) != (p <= knee)))
					continue;
				x[n] = p;
				y[n++] = cm->rep_median[k];
				if (k == 0)
					c->npoints++;
			}
			fit_rep(x, y, n, other && i ? other->a[k] : NAN,
				other && i ? other->b[k] : NAN, cache, &c->a[k], &c->b[k]);
		}
		if (stats_replicates(c->a, nrep, &c->intercept) ||
		    stats_replicates(c->b, nrep, &c->slope))
			c->intercept = c->slope = none;
	}
	return 0;
}

bool model_own_line(const struct bench_variant *v)
{
	return !v->model[0].constant && v->class != BENCH_CLASS_PRIMITIVE;
}

static int constants(struct run *r, struct dv_model *m)
{
	const struct options *o = &r->opt;
	size_t most = 0;

	for (size_t v = 0; v < r->nvariants; v++)
		most += 2 * (BENCH_MAX_CONSTANTS + 1);
	m->constants = calloc(most * o->ncpus * o->nplacements * 2 + 1,
			      sizeof(*m->constants));
	if (!m->constants)
		return -ENOMEM;
	for (size_t v = 0; v < r->nvariants; v++) {
		const struct variant_ref *vr = r->variants[v];

		for (int thp = 0; thp < 2; thp++)
			for (size_t p = 0; p < o->nplacements; p++)
				for (size_t c = 0; c < o->ncpus; c++) {
					int rc = 0;

					for (int q = 0; q < BENCH_MAX_CONSTANTS &&
					     vr->v->constants[q].name && !rc; q++)
						rc = add_line(r, m, vr, &vr->v->constants[q],
							      o->cpus[c], o->placements[p], thp);
					if (!rc && model_own_line(vr->v))
						rc = add_line(r, m, vr, NULL, o->cpus[c],
							      o->placements[p], thp);
					if (rc)
						return rc;
				}
	}
	return 0;
}

static const struct dv_constant *find(const struct dv_model *m, const char *name,
				      unsigned int cpus, enum topo_placement p, bool thp,
				      double pages)
{
	for (size_t i = 0; i < m->nconstants; i++) {
		const struct dv_constant *c = &m->constants[i];
		if (c->cpus == cpus && c->placement == p && c->thp == thp &&
		    !strcmp(c->name, name) &&
		    (c->seg == 0) == (pages <= model_knee_pages(m, c->decl)))
			return c;
	}
	return NULL;
}

/* The line's value in repetition k (SIZE_MAX: from the centres). */
static double value(const struct dv_constant *c, double pages, size_t k)
{
	if (!c)
		return NAN;
	if (k == SIZE_MAX)
		return c->intercept.centre + c->slope.centre * pages;
	return c->a[k] + c->b[k] * pages;
}

/* Does the constant's value at `pages` grow per CPU, by an interval over
 * the repetitions above 0? A shootdown's cost does; a cost that falls with
 * the CPUs measured (a copy a little faster at two) has no mechanism that
 * a line could carry on: extrapolated, it would turn negative. */
static bool grows_with_cpus(const struct run *r, const struct dv_model *m,
			    const char *name, enum topo_placement p, bool thp, double pages)
{
	const struct options *o = &r->opt;
	unsigned int nrep = o->repetitions;
	double x[64], y[64], s[64], icpt;
	struct stats_interval iv;
	bool fitted;

	for (unsigned int k = 0; k < nrep && k < 64; k++) {
		size_t n = 0;

		for (size_t c = 0; c < o->ncpus && n < 64; c++) {
			x[n] = o->cpus[c];
			y[n++] = value(find(m, name, o->cpus[c], p, thp, pages), pages, k);
		}
		s[k] = analysis_cpu_slope(x, y, n, &icpt, &fitted);
	}
	return !stats_replicates(s, nrep < 64 ? nrep : 64, &iv) && iv.valid && iv.lo > 0;
}

double model_line(const struct run *r, const char *name, unsigned int cpus,
		  enum topo_placement p, bool thp, double pages, size_t k)
{
	const struct dv_model *m = r->derived ? r->derived->model : NULL;
	const struct options *o = &r->opt;
	double x[64], y[64], icpt, slope;
	size_t n = 0;
	bool fitted;

	if (!m)
		return NAN;
	for (size_t c = 0; c < o->ncpus; c++)
		if (o->cpus[c] == cpus)
			return value(find(m, name, cpus, p, thp, pages), pages, k);
	/* beyond the CPU counts measured: the value's growth per CPU, where
	 * the repetitions show one (its interval above 0); else the value at
	 * the most CPUs measured */
	if (o->ncpus < 2)
		return NAN;
	if (!grows_with_cpus(r, m, name, p, thp, pages))
		return value(find(m, name, o->cpus[o->ncpus - 1], p, thp, pages), pages, k);
	for (size_t c = 0; c < o->ncpus && n < 64; c++) {
		x[n] = o->cpus[c];
		y[n++] = value(find(m, name, o->cpus[c], p, thp, pages), pages, k);
	}
	slope = analysis_cpu_slope(x, y, n, &icpt, &fitted);
	return icpt + slope * ((double)cpus - 1);
}

/* --- predictions --------------------------------------------------------- */

/* Does the row itself measure the constant `name`? */
static bool measures(const struct bench_variant *v, const char *name)
{
	for (int q = 0; q < BENCH_MAX_CONSTANTS && v->constants[q].name; q++)
		if (!strcmp(v->constants[q].name, name))
			return true;
	return false;
}

static double factor(const struct bench_term *t)
{
	return t->factor ? t->factor : 1;
}

double model_predict(const struct run *r, const struct variant_ref *vr, size_t size,
		     unsigned int cpus, enum topo_placement p, bool thp, size_t k,
		     double *parts, unsigned int *nparts)
{
	const struct bench_variant *v = vr->v;
	double pages = pages_of(size), sum = 0;
	unsigned int n = 0;

	if (model_own_line(v)) {
		double a = model_line(r, vr->name, cpus, p, thp, 0, k);
		double all = model_line(r, vr->name, cpus, p, thp, pages, k);

		if (parts) {
			parts[0] = a;
			parts[1] = all - a;
			*nparts = 2;
		}
		return all;
	}
	for (int t = 0; t < BENCH_MAX_TERMS && v->model[t].constant; t++, n++) {
		double x = factor(&v->model[t]) *
			   model_line(r, v->model[t].constant, cpus, p, thp, pages, k);

		if (parts)
			parts[t] = x;
		sum += x;
	}
	if (nparts)
		*nparts = n;
	return sum;
}

static int predictions(struct run *r, struct dv_model *m)
{
	unsigned int nrep = r->opt.repetitions;
	double *pr = calloc(2 * (nrep ? nrep : 1), sizeof(double)), *ratio = pr + nrep;

	m->pred = calloc(r->ncells ? r->ncells : 1, sizeof(*m->pred));
	if (!pr || !m->pred) {
		free(pr);
		return -ENOMEM;
	}
	for (size_t i = 0; i < r->ncells; i++) {
		const struct cell_result *c = &r->cells[i];
		const struct bench_variant *v = c->vr->v;
		const struct cell_metric *w = c->status == CELL_OK ? cell_find(c, "op", "wall_ns")
								   : NULL;
		struct dv_prediction *x = &m->pred[m->npred];

		if (!w || !w->iv.n || v->class == BENCH_CLASS_PRIMITIVE)
			continue;
		*x = (struct dv_prediction){ .cell = c->id, .own_line = model_own_line(v),
					     .measured = w->iv.centre, .dominant = -1 };
		for (int t = 0; t < BENCH_MAX_TERMS && v->model[t].constant; t++)
			x->uses_own |= measures(v, v->model[t].constant);
		for (unsigned int k = 0; k < nrep; k++) {
			pr[k] = model_predict(r, c->vr, c->size, c->ncpus, c->placement, c->thp, k,
					NULL, NULL);
			ratio[k] = k < c->nreps && w->rep_median[k] > 0 ?
				   log(pr[k] / w->rep_median[k]) : NAN;
		}
		if (stats_replicates(pr, nrep, &x->predicted))
			continue;
		if (!stats_replicates(ratio, nrep, &x->ratio)) {
			x->ratio.centre = exp(x->ratio.centre);
			x->ratio.lo = exp(x->ratio.lo);
			x->ratio.hi = exp(x->ratio.hi);
			x->ratio.log = true;
		}
		if (!isfinite(x->ratio.centre))
			continue;
		model_predict(r, c->vr, c->size, c->ncpus, c->placement, c->thp, SIZE_MAX,
			x->part, &x->nparts);
		for (unsigned int t = 0; t < x->nparts; t++)
			if (x->dominant < 0 || x->part[t] > x->part[x->dominant])
				x->dominant = (int)t;
		x->within = fabs(x->ratio.centre - 1) <= MODEL_TOLERANCE;
		x->explained = x->within ||
			       (x->ratio.valid && x->ratio.lo <= 1 && x->ratio.hi >= 1);
		if (x->own_line || x->uses_own) {
			m->nown++;
			m->nown_within_tol += x->within;
		} else {
			m->nindependent++;
			m->nwithin_tol += x->within;
			m->nunexplained += !x->explained;
		}
		m->npred++;
	}
	free(pr);
	return 0;
}

int model_run(struct run *r)
{
	struct dv_model *m = calloc(1, sizeof(*m));
	int rc;

	if (!m)
		return -ENOMEM;
	r->derived->model = m;
	m->ceiling = r->machine.flush.ceiling > 0 ? r->machine.flush.ceiling : 33;
	m->ceiling_source = r->machine.flush.ceiling > 0 ? "read" :
			    "kernel default (not readable here)";
	m->cache_pages = (double)r->machine.llc_bytes / 2 / 4096;
	rc = constants(r, m);
	rc = rc ? rc : predictions(r, m);
	rc = rc ? rc : model_inequality(r, m);
	rc = rc ? rc : model_crossovers(r, m);
	return rc;
}

void model_free(struct dv_model *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->nconstants; i++)
		free(m->constants[i].a);
	free(m->constants);
	free(m->pred);
	free(m->ineq);
	free(m->cross);
	free(m);
}
