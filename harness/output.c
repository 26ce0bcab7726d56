/*
 * output.c - run.json and results.csv, the machine-readable record every
 * view (summary.txt, plots, compare) is made from. Each file is written to
 * a temporary name and renamed, so a reader never sees half a file.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "json.h"
#include "parse.h"

extern const char cowbench_git_rev[];

static const char *const run_status_names[] = { "complete", "interrupted", "failed" };

void output_command_line(const struct run *r, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = 0;
	for (int i = 0; i < r->argc && used < len; i++) {
		const char *a = r->argv[i];
		bool plain = *a && strspn(a, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				       "0123456789-_=.,:/+%@") == strlen(a);

		used += (size_t)snprintf(buf + used, len - used, "%s", i ? " " : "");
		if (used >= len)
			break;
		if (plain) {
			used += (size_t)snprintf(buf + used, len - used, "%s", a);
			continue;
		}
		used += (size_t)snprintf(buf + used, len - used, "'");
		for (; *a && used < len; a++)
			used += (size_t)snprintf(buf + used, len - used,
						 *a == '\'' ? "'\\''" : "%c", *a);
		if (used < len)
			used += (size_t)snprintf(buf + used, len - used, "'");
	}
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
	json_double(w, "target_ci", o->target_ci);
	json_uint(w, "min_samples", o->min_samples);
	json_uint(w, "max_samples", o->max_samples);
	json_uint(w, "warmup", o->warmup);
	json_double(w, "cell_budget_s", o->cell_budget_s);
	json_double(w, "budget_s", o->budget_s);
	json_double(w, "min_sample_s", o->min_sample_s);
	json_string(w, "sink", o->sink == BENCH_SINK_READ ? "read" : "devnull");
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
		json_bool(w, "available", e->available);
		json_bool(w, "user_only", e->user_only);
		json_string(w, "reason", e->available ? NULL : e->reason);
		json_object_end(w);
	}
	json_array_end(w);
}

static void variants_json(const struct run *r, struct json_writer *w)
{
	json_array_begin(w, "variants");
	for (size_t i = 0; i < r->nvariants; i++) {
		const struct bench_variant *v = r->variants[i].v;

		json_object_begin(w, NULL);
		json_string(w, "name", r->variants[i].name);
		json_string(w, "bench", bench_name(r->variants[i].family));
		json_string(w, "class", class_name(v->class));
		json_string(w, "desc", v->desc);
		json_string(w, "twin", v->twin);
		json_bool(w, "consumer", v->consumer);
		json_bool(w, "peer", v->peer);
		json_array_begin(w, "reports");
		for (int q = 0; q < BENCH_MAX_REPORTS && v->reports[q]; q++)
			json_string(w, NULL, v->reports[q]);
		json_array_end(w);
		json_array_begin(w, "phases");
		for (int p = 0; p < BENCH_MAX_PHASES && v->phases[p]; p++)
			json_string(w, NULL, v->phases[p]);
		json_array_end(w);
		json_object_end(w);
	}
	json_array_end(w);
}

static void summary_json(const struct stats_summary *s, struct json_writer *w)
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

static void cell_json(const struct cell_result *c, struct json_writer *w)
{
	json_object_begin(w, NULL);
	json_string(w, "variant", c->hv->name);
	json_string(w, "class", class_name(c->hv->v->class));
	json_uint(w, "size", c->size);
	json_uint(w, "cpus", c->ncpus);
	json_string(w, "placement", topo_placement_name(c->placement));
	json_array_begin(w, "cpu_list");
	for (unsigned int i = 0; i < c->ncpus; i++)
		json_int(w, NULL, c->cpu_list[i]);
	json_array_end(w);
	json_bool(w, "colocated", c->colocated);
	json_bool(w, "smt_siblings", c->smt_siblings);
	json_string(w, "status", cell_status_name(c->status));
	json_string(w, "reason", c->reason[0] ? c->reason : NULL);
	json_bool(w, "verified", c->verified);
	json_object_begin(w, "verify_reports");
	for (int q = 0; q < BENCH_MAX_REPORTS && c->hv->v->reports[q]; q++)
		if (c->verify_ops)
			json_uint(w, c->hv->v->reports[q], c->verify_reports[q]);
	json_object_end(w);
	json_uint(w, "verify_ops", c->verify_ops);
	json_uint(w, "ops_per_sample", c->ops_per_sample);
	json_uint(w, "warmup_samples", c->warmup);
	json_string(w, "stop_reason", c->stop_reason && *c->stop_reason ? c->stop_reason : NULL);
	json_double(w, "duration_s", c->duration_s);
	json_array_begin(w, "metrics");
	for (size_t i = 0; i < c->nseries; i++) {
		const struct series *s = &c->series[i];

		if (!s->has_sum)
			continue;
		json_object_begin(w, NULL);
		json_string(w, "role", s->role);
		json_string(w, "metric", s->metric);
		json_string(w, "unit", s->unit);
		summary_json(&s->sum, w);
		json_array_begin(w, "samples");
		for (size_t k = 0; k < s->n; k++)
			json_double(w, NULL, s->v[k]);
		json_array_end(w);
		json_object_end(w);
	}
	json_array_end(w);
	json_object_end(w);
}

static void run_json(const struct run *r, struct json_writer *w)
{
	char cmd[4096];

	json_object_begin(w, NULL);
	json_string(w, "schema", "cowbench-run/1");
	json_object_begin(w, "tool");
	json_string(w, "name", "cowbench");
	json_string(w, "version", r->machine.version);
	json_string(w, "git_rev", cowbench_git_rev);
	json_object_end(w);
	json_array_begin(w, "command");
	for (int i = 0; i < r->argc; i++)
		json_string(w, NULL, r->argv[i]);
	json_array_end(w);
	output_command_line(r, cmd, sizeof(cmd));
	json_string(w, "command_line", cmd);
	json_string(w, "status", run_status_names[r->status]);
	json_string(w, "started", r->started);
	json_string(w, "ended", r->ended);
	options_json(r, w);
	machine_to_json(&r->machine, r->topo, w);
	json_object_begin(w, "clock");
	json_string(w, "source", r->clock.source);
	json_double(w, "tsc_hz", r->clock.tsc_hz ? r->clock.tsc_hz : NAN);
	json_double(w, "read_overhead_ns", r->clock.read_overhead_ns);
	json_double(w, "phase_mark_overhead_ns", r->clock.phase_mark_overhead_ns);
	json_object_end(w);
	json_bool(w, "mounted_tracefs", r->pmu.mounted_tracefs);
	counters_json(r, w);
	variants_json(r, w);
	json_array_begin(w, "cells");
	for (size_t i = 0; i < r->ncells; i++)
		cell_json(&r->cells[i], w);
	json_array_end(w);
	json_object_end(w);
}

/* CSV field: quoted when it holds a comma, quote or newline. */
static void csv_field(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\n\r")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void csv_num(FILE *f, double v, bool valid)
{
	if (valid)
		fprintf(f, ",%.6g", v);
	else
		fputs(",", f);
}

static void csv_cell(const struct cell_result *c, FILE *f)
{
	const char *cls = class_name(c->hv->v->class);
	const char *pl = topo_placement_name(c->placement);
	bool any = false;

	for (size_t i = 0; i < c->nseries; i++) {
		const struct series *s = &c->series[i];
		const struct stats_summary *m = &s->sum;

		if (!s->has_sum || c->status == CELL_FAILED)
			continue;
		any = true;
		fprintf(f, "%s,%s,%zu,%u,%s,%s,%s,%s,%zu", c->hv->name, cls, c->size,
			c->ncpus, pl, s->role, s->metric, s->unit, m->n);
		csv_num(f, m->median, true);
		csv_num(f, m->ci_lo, m->ci_valid);
		csv_num(f, m->ci_hi, m->ci_valid);
		csv_num(f, m->level, m->ci_valid);
		csv_num(f, m->p10, true);
		csv_num(f, m->p90, true);
		csv_num(f, m->min, true);
		csv_num(f, m->max, true);
		csv_num(f, m->mad, true);
		fprintf(f, ",%s,", cell_status_name(c->status));
		csv_field(f, c->reason);
		fputc('\n', f);
	}
	if (any)
		return;
	fprintf(f, "%s,%s,%zu,%u,%s,,,,,,,,,,,,,,%s,", c->hv->name, cls, c->size,
		c->ncpus, pl, cell_status_name(c->status));
	csv_field(f, c->reason);
	fputc('\n', f);
}

static void results_csv(const struct run *r, FILE *f)
{
	fputs("variant,class,size_bytes,cpus,placement,role,metric,unit,n,median,"
	      "ci_lo,ci_hi,ci_level,p10,p90,min,max,mad,status,reason\n", f);
	for (size_t i = 0; i < r->ncells; i++)
		csv_cell(&r->cells[i], f);
}

enum out_kind { OUT_JSON, OUT_CSV, OUT_SUMMARY };

/* Write dir/name through dir/.name.tmp and rename. */
static int write_file(const struct run *r, const char *dir, const char *name,
		      enum out_kind kind, char *err, size_t errlen)
{
	char tmp[4096], path[4096];
	struct json_writer w;
	FILE *f;
	int rc = 0;

	snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, name);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(tmp, "w");
	if (!f) {
		rc = -errno;
		snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
		return rc;
	}
	if (kind == OUT_JSON) {
		json_init(&w, f, true);
		run_json(r, &w);
		rc = json_finish(&w);
		fputc('\n', f);
	} else if (kind == OUT_CSV) {
		results_csv(r, f);
	} else {
		rc = summary_write(r, f);
	}
	if (fflush(f) || ferror(f))
		rc = rc ? rc : -EIO;
	if (fsync(fileno(f)) && !rc)
		rc = -errno;
	if (fclose(f) && !rc)
		rc = -errno;
	if (!rc && rename(tmp, path))
		rc = -errno;
	if (rc) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(-rc));
		unlink(tmp);
	}
	return rc;
}

int output_write(const struct run *r, const char *dir, char *err, size_t errlen)
{
	int rc;

	rc = write_file(r, dir, "run.json", OUT_JSON, err, errlen);
	if (!rc)
		rc = write_file(r, dir, "results.csv", OUT_CSV, err, errlen);
	if (!rc)
		rc = write_file(r, dir, "summary.txt", OUT_SUMMARY, err, errlen);
	return rc;
}
