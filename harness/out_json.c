// SPDX-License-Identifier: GPL-2.0-only
/*
 * out_json.c - run.json: the record every view is made from. Numbers that
 * do not exist are null, never 0; samples a counter did not measure are
 * null in their place.
 */
#include <math.h>
#include <string.h>

#include "analysis.h"
#include "config.h"
#include "out_json.h"
#include "parse.h"

extern const char cowbench_git_rev[];

void out_command_line(int argc, char **argv, char *buf, size_t len)
{
	static const char plain[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				    "0123456789-_=.,:/+%@";
	size_t used = 0;

	buf[0] = 0;
	for (int i = 0; i < argc && used + 1 < len; i++) {
		const char *a = argv[i];
		bool quote = !*a || strspn(a, plain) != strlen(a);

		used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? " " : "",
					 quote ? "'" : "");
		for (; *a && used + 5 < len; a++)
			used += (size_t)snprintf(buf + used, len - used, *a == '\'' ?
						 "'\\''" : "%c", *a);
		if (quote && used + 1 < len)
			used += (size_t)snprintf(buf + used, len - used, "'");
	}
}

void out_json_interval(struct json_writer *w, const char *key,
		       const struct stats_interval *iv)
{
	json_object_begin(w, key);
	json_double(w, "value", iv->n ? iv->centre : NAN);
	json_double(w, "lo", iv->valid ? iv->lo : NAN);
	json_double(w, "hi", iv->valid ? iv->hi : NAN);
	json_double(w, "level", iv->valid ? iv->level : NAN);
	json_string(w, "method", stats_method_name(iv->valid ? iv->method : STATS_NONE));
	json_uint(w, "n", iv->n);
	json_string(w, "scale", iv->log ? "log" : "linear");
	json_double(w, "se", iv->valid ? iv->se : NAN);
	json_object_end(w);
}

static void options_json(const struct run *r, struct json_writer *w)
{
	const struct options *o = &r->opt;

	json_object_begin(w, "options");
	json_string(w, "benches", o->bench_globs);
	json_string(w, "variants", o->variant_globs);
	json_array_begin(w, "sizes");
	for (size_t i = 0; i < o->nsizes; i++)
		json_uint(w, NULL, o->sizes[i]);
	json_array_end(w);
	json_array_begin(w, "cpus");
	for (size_t i = 0; i < o->ncpus; i++)
		json_uint(w, NULL, o->cpus[i]);
	json_array_end(w);
	json_array_begin(w, "placements");
	for (size_t i = 0; i < o->nplacements; i++)
		json_string(w, NULL, topo_placement_name(o->placements[i]));
	json_array_end(w);
	json_uint(w, "repetitions", o->repetitions);
	json_string(w, "order", run_order_name(o->order));
	json_uint(w, "seed", o->seed);
	json_double(w, "target_ci", o->samp.target_ci);
	json_uint(w, "min_samples", o->samp.min_samples);
	json_uint(w, "max_samples", o->samp.max_samples);
	json_uint(w, "warmup", o->samp.warmup);
	json_double(w, "cell_budget_s", o->samp.cell_budget_s);
	json_double(w, "min_sample_s", o->samp.min_sample_s);
	json_double(w, "budget_s", o->budget_s > 0 ? o->budget_s : NAN);
	json_double(w, "hang_timeout_s", o->hang_s);
	json_string(w, "sink", o->sink == BENCH_SINK_READ ? "read" :
		    o->sink == BENCH_SINK_DISCARD ? "discard" : "devnull");
	json_array_begin(w, "thp");
	if (o->thp[0])
		json_string(w, NULL, "never");
	if (o->thp[1])
		json_string(w, NULL, "always");
	json_array_end(w);
	json_bool(w, "sabotage", o->sabotage);
	json_string(w, "events", o->events ? o->events : PMU_DEFAULT_EVENTS);
	json_bool(w, "quick", o->quick);
	json_string(w, "peer", o->peer);
	json_bool(w, "hazard", o->hazard);
	json_object_end(w);
}

static void counters_json(const struct run *r, struct json_writer *w)
{
	static const char *const src[] = { "hardware", "software", "tracepoint", "interrupts" };

	json_array_begin(w, "counters");
	for (unsigned int i = 0; i < r->pmu.n; i++) {
		const struct pmu_event *e = &r->pmu.ev[i];

		json_object_begin(w, NULL);
		json_string(w, "name", e->name);
		json_string(w, "key", e->key);
		json_string(w, "source", src[e->source]);
		json_string(w, "desc", e->desc[0] ? e->desc : NULL);
		json_bool(w, "available", e->available);
		json_bool(w, "user_only", e->user_only);
		json_string(w, "reason", e->available && !e->user_only ? NULL : e->reason);
		json_object_end(w);
	}
	json_array_end(w);
}

static void expect_json(struct json_writer *w, const struct bench_expect *e)
{
	json_object_begin(w, NULL);
	json_string(w, "metric", e->metric);
	json_string(w, "scope", registry_scope_name(e->scope));
	json_string(w, "per", registry_per_name(e->per));
	json_double(w, "value", e->value);
	json_double(w, "slack", e->slack);
	json_double(w, "extra", e->extra);
	if (e->min_cpus)
		json_uint(w, "min_cpus", e->min_cpus);
	else
		json_null(w, "min_cpus");
	if (e->max_cpus)
		json_uint(w, "max_cpus", e->max_cpus);
	else
		json_null(w, "max_cpus");
	if (e->max_size)
		json_uint(w, "max_size", e->max_size);
	else
		json_null(w, "max_size");
	json_bool(w, "every_sample", e->every_sample);
	json_string(w, "thp", e->thp == BENCH_THP_ON ? "always" : e->thp == BENCH_THP_OFF ?
		    "never" : NULL);
	json_string(w, "why", e->why);
	json_object_end(w);
}

void out_json_variant(struct json_writer *w, const struct variant_ref *vr)
{
	const struct bench_variant *v = vr->v;

	json_object_begin(w, NULL);
	json_string(w, "name", vr->name);
	json_string(w, "bench", vr->bench->name);
	json_string(w, "family", vr->bench->family);
	json_string(w, "class", registry_class_name(v->class));
	json_string(w, "desc", v->desc);
	json_string(w, "twin", v->twin);
	json_bool(w, "consumer", v->consumer);
	json_string(w, "consumer_cpu", !v->consumer ? NULL : v->consumer_cpu ==
		    BENCH_PLACE_PRODUCER_CPU ? "producer" : "own");
	json_bool(w, "helper", v->helper);
	json_bool(w, "thp", v->thp);
	json_string(w, "sabotage", v->sabotage);
	json_bool(w, "peer", v->peer);
	json_array_begin(w, "phases");
	for (int p = 0; p < BENCH_MAX_PHASES && v->phases[p].name; p++) {
		json_object_begin(w, NULL);
		json_string(w, "name", v->phases[p].name);
		json_string(w, "desc", v->phases[p].desc);
		json_object_end(w);
	}
	json_array_end(w);
	json_array_begin(w, "reports");
	for (int q = 0; q < BENCH_MAX_REPORTS && v->reports[q].name; q++) {
		json_object_begin(w, NULL);
		json_string(w, "name", v->reports[q].name);
		json_string(w, "kind", registry_report_kind_name(v->reports[q].kind));
		json_string(w, "of", v->reports[q].of);
		json_string(w, "desc", v->reports[q].desc);
		json_string(w, "unit", v->reports[q].unit ? v->reports[q].unit : "count/op");
		json_string(w, "when_all", v->reports[q].when_all);
		json_string(w, "per_event", v->reports[q].per_event);
		json_object_end(w);
	}
	json_array_end(w);
	json_array_begin(w, "constants");
	for (int q = 0; q < BENCH_MAX_CONSTANTS && v->constants[q].name; q++) {
		static const char *const roles[] = { "term", "page_copy", "cow_fault",
						     "pt_update" };
		const struct bench_constant *c = &v->constants[q];

		json_object_begin(w, NULL);
		json_string(w, "name", c->name);
		json_string(w, "scope", registry_scope_name(c->scope));
		json_string(w, "metric", c->metric);
		json_string(w, "role", (unsigned int)c->role < 4 ? roles[c->role] : "?");
		json_string(w, "knee", c->knee == BENCH_KNEE_FLUSH_CEILING ? "flush_ceiling" :
			    c->knee == BENCH_KNEE_CACHE ? "cache" : "none");
		json_string(w, "desc", c->desc);
		json_object_end(w);
	}
	json_array_end(w);
	json_array_begin(w, "model");
	for (int t = 0; t < BENCH_MAX_TERMS && v->model[t].constant; t++) {
		json_object_begin(w, NULL);
		json_string(w, "constant", v->model[t].constant);
		json_double(w, "factor", v->model[t].factor ? v->model[t].factor : 1);
		json_object_end(w);
	}
	json_array_end(w);
	json_array_begin(w, "counters");
	for (int k = 0; k < BENCH_MAX_COUNTERS && v->counters[k]; k++)
		json_string(w, NULL, v->counters[k]);
	json_array_end(w);
	json_array_begin(w, "expect");
	for (int e = 0; e < BENCH_MAX_EXPECT && v->expect[e].metric; e++)
		expect_json(w, &v->expect[e]);
	json_array_end(w);
	json_string(w, "no_expect", v->no_expect);
	json_object_end(w);
}

static void summary_json(struct json_writer *w, const struct stats_summary *s)
{
	json_object_begin(w, "summary");
	json_uint(w, "n", s->n);
	json_double(w, "median", s->median);
	json_double(w, "ci_lo", s->ci_valid ? s->ci_lo : NAN);
	json_double(w, "ci_hi", s->ci_valid ? s->ci_hi : NAN);
	json_double(w, "ci_level", s->ci_valid ? s->level : NAN);
	json_double(w, "p10", s->p10);
	json_double(w, "p90", s->p90);
	json_double(w, "min", s->min);
	json_double(w, "max", s->max);
	json_double(w, "mad", s->mad);
	json_double(w, "mean", s->mean);
	json_object_end(w);
}

static void rep_json(struct json_writer *w, const struct cell_result *c,
		     const struct rep_result *r, const struct pmu_set *pmu)
{
	const struct bench_variant *v = c->vr->v;

	json_object_begin(w, NULL);
	json_uint(w, "rep", r->rep);
	json_uint(w, "order", r->order);
	json_string(w, "status", cell_status_name(r->status));
	json_string(w, "reason", r->reason[0] ? r->reason : NULL);
	json_bool(w, "ran", r->ran);
	if (r->verify_ran)
		json_bool(w, "verified", r->verified);
	else
		json_null(w, "verified");
	if (r->verify_ran)
		json_uint(w, "verify_ops", r->verify_ops);
	else
		json_null(w, "verify_ops");
	json_object_begin(w, "verify_reports");
	for (int q = 0; q < BENCH_MAX_REPORTS && v->reports[q].name && r->verify_ran; q++)
		json_uint(w, v->reports[q].name, r->verify_reports[q]);
	json_object_end(w);
	json_uint(w, "ops_per_sample", r->ops_per_sample);
	json_uint(w, "depth", r->depth);
	if (r->helper_cpu >= 0)
		json_int(w, "helper_cpu", r->helper_cpu);
	else
		json_null(w, "helper_cpu");
	json_uint(w, "warmup_samples", r->warmup);
	json_string(w, "stop_reason", r->stop_reason[0] ? r->stop_reason : NULL);
	json_double(w, "started_s", r->ran ? r->started_s : NAN);
	json_double(w, "spawn_ms", r->ran && r->spawn_ms > 0 ? r->spawn_ms : NAN);
	json_double(w, "duration_s", r->ran ? r->duration_s : NAN);
	if (r->ran)
		json_int(w, "pid", r->pid);
	else
		json_null(w, "pid");
	json_object_begin(w, "exit");
	json_double(w, "code", r->exit_code >= 0 ? r->exit_code : NAN);
	json_double(w, "signal", r->exit_signal >= 0 ? r->exit_signal : NAN);
	json_object_end(w);
	json_object_begin(w, "counters_running");
	for (unsigned int e = 0; e < pmu->n && e < RESULTS_MAX_COUNTERS; e++)
		if (isfinite(r->running[e]))
			json_double(w, pmu->ev[e].key, r->running[e]);
	json_object_end(w);
	json_array_begin(w, "notes");
	for (unsigned int i = 0; i < r->nnotes; i++)
		json_string(w, NULL, r->notes[i]);
	json_array_end(w);
	json_double(w, "rss_kib", r->rss_kib >= 0 ? (double)r->rss_kib : NAN);
	json_double(w, "vmas", r->vmas >= 0 ? (double)r->vmas : NAN);
	json_double(w, "huge_kib", r->huge_kib >= 0 ? (double)r->huge_kib : NAN);
	json_array_begin(w, "metrics");
	for (size_t i = 0; i < r->nseries; i++) {
		const struct series *s = &r->series[i];

		if (!s->has_sum)
			continue;
		json_object_begin(w, NULL);
		json_string(w, "role", s->role);
		json_string(w, "metric", s->metric);
		json_string(w, "unit", s->unit);
		json_string(w, "aggregate", s->mean ? "mean" : "median");
		summary_json(w, &s->sum);
		json_array_begin(w, "samples");
		for (size_t k = 0; k < s->n; k++)
			json_double(w, NULL, s->v[k]);
		json_array_end(w);
		json_object_end(w);
	}
	json_array_end(w);
	json_object_end(w);
}

static void cell_json(struct json_writer *w, const struct cell_result *c,
		      const struct pmu_set *pmu, const struct flush_mech *flush)
{
	char sz[32];

	json_object_begin(w, NULL);
	json_uint(w, "id", c->id);
	json_string(w, "variant", c->vr->name);
	json_string(w, "class", registry_class_name(c->vr->v->class));
	json_uint(w, "size", c->size);
	json_string(w, "size_label", parse_format_size(c->size, sz, sizeof(sz)));
	json_uint(w, "pages", (c->size + 4095) / 4096);
	json_uint(w, "cpus", c->ncpus);
	json_string(w, "placement", topo_placement_name(c->placement));
	json_string(w, "thp", c->thp ? "always" : "never");
	json_array_begin(w, "cpu_list");
	for (unsigned int i = 0; i < c->ncpus; i++)
		json_int(w, NULL, c->cpu_list[i]);
	json_array_end(w);
	json_bool(w, "colocated", c->colocated);
	json_bool(w, "smt_siblings", c->smt_siblings);
	json_bool(w, "tlb_flush_broadcast", flush_broadcast_at(flush, c->ncpus));
	json_string(w, "status", cell_status_name(c->status));
	json_string(w, "reason", c->reason[0] ? c->reason : NULL);
	json_array_begin(w, "metrics");
	for (size_t i = 0; i < c->nmetrics; i++) {
		const struct cell_metric *m = &c->metrics[i];

		json_object_begin(w, NULL);
		json_string(w, "role", m->role);
		json_string(w, "metric", m->metric);
		json_string(w, "unit", m->unit);
		out_json_interval(w, "value", &m->iv);
		json_array_begin(w, "rep_medians");
		for (size_t k = 0; k < c->nreps; k++)
			json_double(w, NULL, m->rep_median[k]);
		json_array_end(w);
		json_object_end(w);
	}
	json_array_end(w);
	json_array_begin(w, "repetitions");
	for (size_t k = 0; k < c->nreps; k++)
		rep_json(w, c, &c->reps[k], pmu);
	json_array_end(w);
	json_object_end(w);
}

void out_json_run(const struct run *r, FILE *f)
{
	struct json_writer w;
	char cmd[8192];

	json_init(&w, f, true);
	json_object_begin(&w, NULL);
	json_string(&w, "schema", OUT_JSON_SCHEMA);
	json_object_begin(&w, "tool");
	json_string(&w, "name", "cowbench");
	json_string(&w, "version", COWBENCH_VERSION);
	json_string(&w, "git_rev", cowbench_git_rev);
	json_object_end(&w);
	json_array_begin(&w, "command");
	for (int i = 0; i < r->argc; i++)
		json_string(&w, NULL, r->argv[i]);
	json_array_end(&w);
	out_command_line(r->argc, r->argv, cmd, sizeof(cmd));
	json_string(&w, "command_line", cmd);
	json_string(&w, "status", run_status_name(r->status));
	json_string(&w, "started", r->started);
	json_string(&w, "ended", r->ended);
	json_double(&w, "elapsed_s", r->elapsed_s);
	json_double(&w, "signal", r->signal ? r->signal : NAN);
	options_json(r, &w);
	machine_to_json(&r->machine, r->topo, &w);
	json_object_begin(&w, "clock");
	json_string(&w, "source", r->clock.source);
	json_string(&w, "why", r->clock.why);
	json_double(&w, "tsc_hz", r->clock.tsc_hz ? r->clock.tsc_hz : NAN);
	json_double(&w, "read_overhead_ns", r->clock.read_overhead_ns);
	json_double(&w, "phase_mark_overhead_ns", r->clock.phase_mark_overhead_ns);
	json_object_end(&w);
	json_bool(&w, "mounted_tracefs", r->pmu.mounted_tracefs);
	counters_json(r, &w);
	json_array_begin(&w, "classes");
	for (int c = BENCH_CLASS_COPY; c <= BENCH_CLASS_PRIMITIVE; c++)
		json_string(&w, NULL, registry_class_name((enum bench_class)c));
	json_array_end(&w);
	json_array_begin(&w, "variants");
	for (size_t i = 0; i < r->nvariants; i++)
		out_json_variant(&w, r->variants[i]);
	json_array_end(&w);
	json_array_begin(&w, "cells");
	for (size_t i = 0; i < r->ncells; i++)
		cell_json(&w, &r->cells[i], &r->pmu, &r->machine.flush);
	json_array_end(&w);
	if (r->derived)
		out_derived_json(r, &w);
	json_object_end(&w);
	fputc('\n', f);
}
