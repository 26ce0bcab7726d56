// SPDX-License-Identifier: GPL-2.0-only
/*
 * model_use.c - what the model's constants say beyond the cells (model.h):
 * the 2006 inequality per page, measured and extrapolated to more CPUs,
 * and the size above which a row beats its twin by the model.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"

/* --- the 2006 inequality ------------------------------------------------- */

static const char *with_role(const struct run *r, enum bench_model_role role)
{
	for (size_t v = 0; v < r->nvariants; v++)
		for (int q = 0; q < BENCH_MAX_CONSTANTS && r->variants[v]->v->constants[q].name;
		     q++)
			if (r->variants[v]->v->constants[q].role == role)
				return r->variants[v]->v->constants[q].name;
	return NULL;
}

static int one_inequality(const struct run *r, unsigned int cpus, bool out,
			  const char *const names[3], struct dv_inequality *x)
{
	enum topo_placement pl = r->opt.placements[0];
	unsigned int nrep = r->opt.repetitions;
	double *v = calloc(5 * (nrep ? nrep : 1), sizeof(double));
	double *copy = v, *fault = v + nrep, *pt = v + 2 * nrep, *cow = v + 3 * nrep,
	       *cp = v + 4 * nrep;

	if (!v)
		return -ENOMEM;
	*x = (struct dv_inequality){ .cpus = cpus, .extrapolated = out };
	for (unsigned int k = 0; k < nrep; k++) {
		double c0 = model_line(r, names[0], cpus, pl, false, 0, k);
		double c1 = model_line(r, names[0], 1, pl, false, 1, k) -
			    model_line(r, names[0], 1, pl, false, 0, k);
		double pt1 = model_line(r, names[2], 1, pl, false, 1, k);

		copy[k] = model_line(r, names[0], cpus, pl, false, 1, k) - c0;
		/* the fault's own work, at one CPU: its flushes and shootdowns
		 * are the page-table updates' */
		fault[k] = model_line(r, names[1], 1, pl, false, 1, k) -
			   model_line(r, names[1], 1, pl, false, 0, k) - c1;
		pt[k] = model_line(r, names[2], cpus, pl, false, 1, k);
		cow[k] = copy[k] + fault[k] + 2 * pt[k];
		cp[k] = copy[k] + pt1;
	}
	if (stats_replicates(copy, nrep, &x->copy) || stats_replicates(fault, nrep, &x->fault) ||
	    stats_replicates(pt, nrep, &x->pt_update) ||
	    stats_replicates(cow, nrep, &x->cow_side) ||
	    stats_replicates(cp, nrep, &x->copy_side)) {
		free(v);
		return 1;
	}
	x->ratio = x->cow_side.centre / x->copy_side.centre;
	free(v);
	return 0;
}

int model_inequality(struct run *r, struct dv_model *m)
{
	const struct options *o = &r->opt;
	const char *names[3] = { with_role(r, BENCH_MODEL_PAGE_COPY),
				 with_role(r, BENCH_MODEL_COW_FAULT),
				 with_role(r, BENCH_MODEL_PT_UPDATE) };
	unsigned int most = o->ncpus ? o->cpus[o->ncpus - 1] : 0;

	if (!names[0] || !names[1] || !names[2] || !o->ncpus)
		return 0;
	m->ineq = calloc(o->ncpus + MODEL_MAX_CPUS_OUT, sizeof(*m->ineq));
	if (!m->ineq)
		return -ENOMEM;
	for (size_t i = 0; i < o->ncpus + MODEL_MAX_CPUS_OUT; i++) {
		bool out = i >= o->ncpus;
		unsigned int cpus = out ? model_cpus_out[i - o->ncpus] : o->cpus[i];
		int rc;

		if (out && (cpus <= most || o->ncpus < 2))
			continue;
		rc = one_inequality(r, cpus, out, names, &m->ineq[m->nineq]);
		if (rc < 0)
			return rc;
		m->nineq += rc == 0;
	}
	return 0;
}

/* --- crossovers by the model --------------------------------------------- */

#define GRID 49

static void one_cross(const struct run *r, const struct variant_ref *vr,
		      const struct variant_ref *tw, unsigned int cpus, bool out,
		      struct dv_model_cross *x)
{
	const struct options *o = &r->opt;
	enum topo_placement pl = o->placements[0];
	double lo = log((double)o->sizes[0]), hi = log((double)o->sizes[o->nsizes - 1]);
	double prev = NAN, prev_s = NAN;
	size_t faster = 0, n = 0;

	*x = (struct dv_model_cross){ .vr = vr, .twin = tw, .cpus = cpus, .extrapolated = out,
				      .kind = MCROSS_NEVER, .size = NAN };
	for (int g = 0; g < GRID; g++) {
		double ls = lo + (hi - lo) * g / (GRID - 1);
		size_t size = (size_t)exp(ls);
		double d = log(model_predict(r, tw, size, cpus, pl, false, SIZE_MAX, NULL, NULL)) -
			   log(model_predict(r, vr, size, cpus, pl, false, SIZE_MAX, NULL, NULL));

		if (!isfinite(d))
			continue;
		n++;
		faster += d > 0;
		if (isfinite(prev) && prev <= 0 && d > 0)	/* the last upward crossing */
			x->size = exp(prev_s + (ls - prev_s) * (-prev) / (d - prev));
		prev = d;
		prev_s = ls;
	}
	if (!n)
		x->kind = MCROSS_NEVER, x->size = NAN;
	else if (faster == n)
		x->kind = MCROSS_ALWAYS;
	else if (isfinite(x->size) && prev > 0)
		x->kind = MCROSS_AT;
	else
		x->size = NAN;
}

int model_crossovers(struct run *r, struct dv_model *m)
{
	const struct options *o = &r->opt;
	unsigned int most = o->ncpus ? o->cpus[o->ncpus - 1] : 0;

	m->cross = calloc(r->nvariants * (o->ncpus + MODEL_MAX_CPUS_OUT) + 1, sizeof(*m->cross));
	if (!m->cross)
		return -ENOMEM;
	for (size_t v = 0; v < r->nvariants; v++) {
		const struct variant_ref *vr = r->variants[v], *tw = registry_twin(vr);
		bool have = false;

		if (!tw || vr->v->class == BENCH_CLASS_COPY || vr->v->class == BENCH_CLASS_PRIMITIVE)
			continue;
		for (size_t t = 0; t < r->nvariants; t++)
			have |= r->variants[t] == tw;
		for (size_t i = 0; have && i < o->ncpus + MODEL_MAX_CPUS_OUT; i++) {
			bool out = i >= o->ncpus;
			unsigned int cpus = out ? model_cpus_out[i - o->ncpus] : o->cpus[i];

			/* beyond the CPUs measured only rows built from constants:
			 * a row's own line carried on is a guess, not the model */
			if (out && (cpus <= most || o->ncpus < 2 || model_own_line(vr->v) ||
				    model_own_line(tw->v)))
				continue;
			one_cross(r, vr, tw, cpus, out, &m->cross[m->ncross++]);
		}
	}
	return 0;
}

