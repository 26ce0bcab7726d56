// SPDX-License-Identifier: GPL-2.0-only
/*
 * out_derived.c - run.json "derived": the analysis (analysis.h) as data,
 * the one source of every figure summary.txt and scripts/plot show.
 */
#include <math.h>

#include "analysis.h"
#include "out_json.h"

static void cells_json(const struct run *r, const struct derived *d, struct json_writer *w)
{
	json_array_begin(w, "cells");
	for (size_t i = 0; i < r->ncells; i++) {
		const struct dv_cell *c = &d->cells[i];

		json_object_begin(w, NULL);
		json_uint(w, "cell", i);
		out_json_interval(w, "wall_ns", &c->wall);
		out_json_interval(w, "sender_wall_ns", &c->sender);
		out_json_interval(w, "ns_per_kib", &c->per_kib);
		out_json_interval(w, "ns_per_page", &c->per_page);
		out_json_interval(w, "gib_per_s", &c->gib_s);
		out_json_interval(w, "cpu_ns_per_kib", &c->cpu_per_kib);
		if (c->share_name) {
			json_object_begin(w, "share");
			json_string(w, "name", c->share_name);
			json_string(w, "of", c->share_of);
			json_double(w, "fraction", c->share);
			json_object_end(w);
		} else {
			json_null(w, "share");
		}
		if (c->violation_name) {
			json_object_begin(w, "must_be_zero");
			json_string(w, "name", c->violation_name);
			json_double(w, "total", c->violations);
			json_object_end(w);
		} else {
			json_null(w, "must_be_zero");
		}
		json_double(w, "loose_repetitions", c->loose);
		json_object_end(w);
	}
	json_array_end(w);
}

static void twins_json(const struct derived *d, struct json_writer *w)
{
	json_array_begin(w, "twins");
	for (size_t i = 0; i < d->ntwins; i++) {
		const struct dv_twin *t = &d->twins[i];

		json_object_begin(w, NULL);
		json_uint(w, "cell", t->cell);
		json_uint(w, "twin_cell", t->twin);
		out_json_interval(w, "speedup", &t->speedup);
		out_json_interval(w, "cpu_ratio", &t->cpu_ratio);
		json_bool(w, "differs", t->differs);
		json_object_end(w);
	}
	json_array_end(w);
}

static void remote_json(const struct derived *d, struct json_writer *w)
{
	json_array_begin(w, "remote_cpu_cost");
	for (size_t i = 0; i < d->nremote; i++) {
		const struct dv_remote *x = &d->remote[i];

		json_object_begin(w, NULL);
		json_string(w, "variant", x->vr->name);
		json_uint(w, "size", x->size);
		json_string(w, "placement", topo_placement_name(x->placement));
		json_string(w, "thp", x->thp ? "always" : "never");
		out_json_interval(w, "ns_per_remote_cpu", &x->per_cpu);
		out_json_interval(w, "responder_ns_per_remote_cpu", &x->responder);
		out_json_interval(w, "total_ns_per_remote_cpu", &x->total);
		json_double(w, "intercept_ns", x->intercept);
		json_array_begin(w, "cpus");
		for (unsigned int k = 0; k < x->ncpus; k++)
			json_uint(w, NULL, x->cpus[k]);
		json_array_end(w);
		json_string(w, "method", x->fitted ? "fit over cpus >= 2" :
			    "difference to cpus = 1");
		json_object_end(w);
	}
	json_array_end(w);
}

static void responders_json(const struct derived *d, struct json_writer *w)
{
	json_array_begin(w, "responders");
	for (size_t i = 0; i < d->nresponders; i++) {
		const struct dv_responder *x = &d->responders[i];

		json_object_begin(w, NULL);
		json_uint(w, "cell", x->cell);
		json_uint(w, "baseline_cell", x->baseline);
		json_uint(w, "bystanders", x->nbystanders);
		json_double(w, "slowdown", x->slowdown);
		out_json_interval(w, "lost_ns_per_op", &x->lost);
		json_string(w, "event", x->event);
		json_double(w, "events_per_op", x->events);
		out_json_interval(w, "ns_per_event", &x->per_event);
		json_object_end(w);
	}
	json_array_end(w);
}

static void cross_json(const struct derived *d, struct json_writer *w)
{
	static const char *const kinds[] = { "never", "always", "at" };

	json_array_begin(w, "crossovers");
	for (size_t i = 0; i < d->ncross; i++) {
		const struct dv_crossover *x = &d->cross[i];

		json_object_begin(w, NULL);
		json_string(w, "variant", x->vr->name);
		json_string(w, "twin", x->twin ? x->twin->name : NULL);
		json_uint(w, "cpus", x->cpus);
		json_string(w, "placement", topo_placement_name(x->placement));
		json_string(w, "thp", x->thp ? "always" : "never");
		json_string(w, "kind", kinds[x->kind]);
		json_double(w, "size", x->kind == CROSS_AT ? x->size : NAN);
		json_double(w, "lo", x->kind == CROSS_AT ? x->lo : NAN);
		json_double(w, "hi", x->kind == CROSS_AT ? x->hi : NAN);
		json_bool(w, "monotone", x->monotone);
		json_object_end(w);
	}
	json_array_end(w);
}

static void winners_json(const struct derived *d, struct json_writer *w)
{
	json_array_begin(w, "winners");
	for (size_t i = 0; i < d->nwinners; i++) {
		const struct dv_winner *x = &d->winners[i];

		json_object_begin(w, NULL);
		json_uint(w, "cpus", x->cpus);
		json_string(w, "placement", topo_placement_name(x->placement));
		json_string(w, "thp", x->thp ? "always" : "never");
		json_uint(w, "size", x->size);
		json_uint(w, "best_cell", x->best);
		json_uint(w, "next_cell", x->next);
		json_double(w, "ratio", x->ratio);
		json_bool(w, "overlap", x->overlap);
		json_object_end(w);
	}
	json_array_end(w);
}

static void checks_json(const struct derived *d, struct json_writer *w)
{
	json_object_begin(w, "checks");
	json_uint(w, "total", d->nchecks);
	json_uint(w, "failed", d->nfail);
	json_uint(w, "unmeasured", d->nunmeasured);
	json_array_begin(w, "results");
	for (size_t i = 0; i < d->nchecks; i++) {
		const struct dv_check *c = &d->checks[i];

		json_object_begin(w, NULL);
		json_uint(w, "cell", c->cell);
		json_uint(w, "rep", c->rep);
		json_uint(w, "expect", c->expect);
		json_string(w, "metric", c->metric);
		json_string(w, "verdict", dv_verdict_name(c->verdict));
		json_double(w, "measured", c->measured);
		json_double(w, "expected", c->expected);
		json_object_end(w);
	}
	json_array_end(w);
	json_object_end(w);
}

void out_derived_json(const struct run *r, struct json_writer *w)
{
	const struct derived *d = r->derived;

	json_object_begin(w, "derived");
	cells_json(r, d, w);
	twins_json(d, w);
	remote_json(d, w);
	responders_json(d, w);
	cross_json(d, w);
	winners_json(d, w);
	checks_json(d, w);
	out_model_json(r, w);
	json_string(w, "zero_counters", d->zero_counters[0] ? d->zero_counters : NULL);
	json_object_begin(w, "counters_running");
	for (unsigned int e = 0; e < r->pmu.n && e < RESULTS_MAX_COUNTERS; e++)
		if (isfinite(d->running[e]))
			json_double(w, r->pmu.ev[e].key, d->running[e]);
	json_object_end(w);
	json_object_begin(w, "notes");
	json_uint(w, "ok_cells", d->ok_cells);
	json_uint(w, "usable_repetitions", d->usable_reps);
	json_uint(w, "loose_repetitions", d->loose_reps);
	json_uint(w, "smt_cells", d->smt_cells);
	json_uint(w, "cells_missing_repetitions", d->short_cells);
	json_double(w, "spawn_ms_median", d->spawn_ms);
	json_uint(w, "stolen_cells", d->stolen_cells);
	json_double(w, "steal_share_max", d->steal_max);
	json_object_end(w);
	json_object_end(w);
}
