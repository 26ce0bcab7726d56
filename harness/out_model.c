// SPDX-License-Identifier: GPL-2.0-only
/*
 * out_model.c - run.json "derived.model": the model as model.c computed
 * it (results/README.md, "The model").
 */
#include <math.h>

#include "analysis.h"
#include "out_json.h"

static const char *role_name(const struct bench_constant *c)
{
	static const char *const names[] = { "term", "page_copy", "cow_fault", "pt_update" };

	return !c ? "own_line" : (unsigned int)c->role < 4 ? names[c->role] : "?";
}

static void constants_json(const struct dv_model *m, struct json_writer *w)
{
	json_array_begin(w, "constants");
	for (size_t i = 0; i < m->nconstants; i++) {
		const struct dv_constant *c = &m->constants[i];
		double knee = model_knee_pages(m, c->decl);
		bool cache = c->decl && c->decl->knee == BENCH_KNEE_CACHE;

		json_object_begin(w, NULL);
		json_string(w, "name", c->name);
		json_string(w, "row", c->vr->name);
		json_string(w, "role", role_name(c->decl));
		json_string(w, "desc", c->desc);
		json_string(w, "metric", c->decl ? c->decl->metric : "wall_ns");
		json_string(w, "scope", c->decl ? registry_scope_name(c->decl->scope) : "op");
		json_uint(w, "cpus", c->cpus);
		json_string(w, "placement", topo_placement_name(c->placement));
		json_string(w, "thp", c->thp ? "always" : "never");
		json_string(w, "segment", !isfinite(knee) ? "all" :
			    cache ? (c->seg ? "above_cache" : "up_to_cache") :
			    c->seg ? "above_ceiling" : "up_to_ceiling");
		json_double(w, "knee_pages", isfinite(knee) ? knee : NAN);
		json_uint(w, "points", c->npoints);
		out_json_interval(w, "intercept_ns", &c->intercept);
		out_json_interval(w, "ns_per_page", &c->slope);
		json_object_end(w);
	}
	json_array_end(w);
}

static void predictions_json(const struct run *r, const struct dv_model *m,
			     struct json_writer *w)
{
	json_array_begin(w, "predictions");
	for (size_t i = 0; i < m->npred; i++) {
		const struct dv_prediction *x = &m->pred[i];
		const struct bench_variant *v = r->cells[x->cell].vr->v;

		json_object_begin(w, NULL);
		json_uint(w, "cell", x->cell);
		json_bool(w, "own_line", x->own_line);
		json_bool(w, "uses_own", x->uses_own);
		json_array_begin(w, "terms");
		for (unsigned int t = 0; t < x->nparts; t++) {
			json_object_begin(w, NULL);
			json_string(w, "constant", x->own_line ? (t ? "per_page" : "fixed") :
				    v->model[t].constant);
			json_double(w, "factor", x->own_line ? 1 : v->model[t].factor ?
				    v->model[t].factor : 1);
			json_double(w, "ns", x->part[t]);
			json_object_end(w);
		}
		json_array_end(w);
		json_string(w, "dominant", x->dominant < 0 ? NULL : x->own_line ?
			    (x->dominant ? "per_page" : "fixed") : v->model[x->dominant].constant);
		out_json_interval(w, "predicted_ns", &x->predicted);
		json_double(w, "measured_ns", x->measured);
		out_json_interval(w, "ratio", &x->ratio);
		json_double(w, "error", x->ratio.centre - 1);
		json_bool(w, "within", x->within);
		json_bool(w, "explained", x->explained);
		json_object_end(w);
	}
	json_array_end(w);
}

static void inequality_json(const struct dv_model *m, struct json_writer *w)
{
	json_array_begin(w, "inequality");
	for (size_t i = 0; i < m->nineq; i++) {
		const struct dv_inequality *x = &m->ineq[i];

		json_object_begin(w, NULL);
		json_uint(w, "cpus", x->cpus);
		json_bool(w, "extrapolated", x->extrapolated);
		out_json_interval(w, "copy_ns_per_page", &x->copy);
		out_json_interval(w, "fault_ns_per_page", &x->fault);
		out_json_interval(w, "pt_update_ns", &x->pt_update);
		out_json_interval(w, "cow_side_ns", &x->cow_side);
		out_json_interval(w, "copy_side_ns", &x->copy_side);
		json_double(w, "ratio", x->ratio);
		json_object_end(w);
	}
	json_array_end(w);
}

static void cross_json(const struct dv_model *m, struct json_writer *w)
{
	static const char *const kinds[] = { "never", "always", "at" };

	json_array_begin(w, "crossovers");
	for (size_t i = 0; i < m->ncross; i++) {
		const struct dv_model_cross *x = &m->cross[i];

		json_object_begin(w, NULL);
		json_string(w, "variant", x->vr->name);
		json_string(w, "twin", x->twin->name);
		json_uint(w, "cpus", x->cpus);
		json_bool(w, "extrapolated", x->extrapolated);
		json_string(w, "kind", kinds[x->kind]);
		json_double(w, "size", x->size);
		json_object_end(w);
	}
	json_array_end(w);
}

static void verdict_json(const struct run *r, struct json_writer *w)
{
	const struct dv_answer *v = r->derived->verdict;

	json_object_begin(w, "verdict");
	json_array_begin(w, "rows");
	for (size_t i = 0; v && i < v->nrows; i++) {
		const struct dv_answer_row *x = &v->rows[i];

		json_object_begin(w, NULL);
		json_uint(w, "cpus", x->cpus);
		json_string(w, "class", registry_class_name(x->class));
		json_uint(w, "size", x->size);
		json_uint(w, "variant_cell", x->variant);
		json_uint(w, "twin_cell", x->twin);
		json_string(w, "winner", r->cells[x->winner].vr->name);
		json_string(w, "loser", r->cells[x->loser].vr->name);
		out_json_interval(w, "speedup", &x->speedup);
		json_double(w, "factor", x->factor);
		json_bool(w, "tie", x->tie);
		json_string(w, "loser_term", x->term);
		json_double(w, "loser_term_share", x->term_share);
		json_object_end(w);
	}
	json_array_end(w);
	json_array_begin(w, "caveats");
	for (size_t i = 0; v && i < v->ncaveats; i++)
		json_string(w, NULL, v->caveat[i]);
	json_array_end(w);
	json_object_end(w);
}

void out_model_json(const struct run *r, struct json_writer *w)
{
	const struct dv_model *m = r->derived->model;

	json_object_begin(w, "model");
	if (m) {
		json_uint(w, "ceiling_pages", (uint64_t)m->ceiling);
		json_string(w, "ceiling_source", m->ceiling_source);
		json_double(w, "cache_knee_pages", m->cache_pages > 0 ? m->cache_pages : NAN);
		json_double(w, "tolerance", MODEL_TOLERANCE);
		json_object_begin(w, "summary");
		json_uint(w, "independent", m->nindependent);
		json_uint(w, "independent_within", m->nwithin_tol);
		json_uint(w, "independent_unexplained", m->nunexplained);
		json_uint(w, "own", m->nown);
		json_uint(w, "own_within", m->nown_within_tol);
		json_object_end(w);
		constants_json(m, w);
		predictions_json(r, m, w);
		inequality_json(m, w);
		cross_json(m, w);
	}
	json_object_end(w);
	verdict_json(r, w);
}
