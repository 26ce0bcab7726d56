// SPDX-License-Identifier: GPL-2.0-only
/*
 * wire.c - the spec and the records between the run and its cells'
 * processes (see wire.h). Parsing is strict: a record that is not one
 * fails the repetition (-EPROTO) rather than being guessed at.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "wire.h"

static void put_double(FILE *f, const char *key, double v)
{
	fprintf(f, "%s %.17g\n", key, v);
}

int wire_write_spec(FILE *f, const struct cell_spec *s)
{
	fprintf(f, "variant %s\nsize %zu\ncpus %u\ncpu_list", s->variant, s->size,
		s->ncpus);
	for (unsigned int i = 0; i < s->ncpus; i++)
		fprintf(f, "%c%d", i ? ',' : ' ', s->cpu_list[i]);
	fprintf(f, "\nplacement %s\nrep %u\n", topo_placement_name(s->placement), s->rep);
	put_double(f, "target_ci", s->samp.target_ci);
	fprintf(f, "min_samples %lu\nmax_samples %lu\nwarmup %lu\n", s->samp.min_samples,
		s->samp.max_samples, s->samp.warmup);
	put_double(f, "cell_budget_s", s->samp.cell_budget_s);
	put_double(f, "min_sample_s", s->samp.min_sample_s);
	put_double(f, "run_left_s", s->samp.run_left_s);
	put_double(f, "phase_mark_ns", s->samp.phase_mark_ns);
	fprintf(f, "sink %d\nhazard %d\nverify %d\nsabotage %d\nthp %d\n", (int)s->sink,
		s->hazard, s->verify, s->sabotage, s->thp);
	if (s->peer[0])
		fprintf(f, "peer %s\n", s->peer);
	if (s->events[0])
		fprintf(f, "events %s\n", s->events);
	for (unsigned int i = 0; i < s->nevents; i++)
		fprintf(f, "event %u %s %d %d\n", i, s->ev[i].key, s->ev[i].available,
			s->ev[i].user_only);
	put_double(f, "tsc_hz", s->tsc_hz);
	if (s->xml)
		fprintf(f, "topology_xml %d\n", s->xml_len);
	fputs("end\n", f);
	if (s->xml)
		fwrite(s->xml, 1, (size_t)s->xml_len, f);
	return fflush(f) || ferror(f) ? -EIO : 0;
}

static int bad(char *err, size_t len, const char *what, const char *line)
{
	snprintf(err, len, "bad cell spec line (%s): %.80s", what, line);
	return -EINVAL;
}

static int parse_cpu_list(struct cell_spec *s, const char *v)
{
	unsigned int n = 0;
	char *end;

	while (*v && n < WIRE_MAX_CPUS) {
		long c = strtol(v, &end, 10);

		if (end == v || c < 0)
			return -EINVAL;
		s->cpu_list[n++] = (int)c;
		v = *end == ',' ? end + 1 : end;
		if (*end && *end != ',')
			return -EINVAL;
	}
	return n == s->ncpus ? 0 : -EINVAL;
}

static int spec_line(struct cell_spec *s, char *key, char *v)
{
	char *end = NULL;

	if (!strcmp(key, "variant"))
		snprintf(s->variant, sizeof(s->variant), "%s", v);
	else if (!strcmp(key, "size"))
		s->size = (size_t)strtoull(v, &end, 10);
	else if (!strcmp(key, "cpus"))
		s->ncpus = (unsigned int)strtoul(v, &end, 10);
	else if (!strcmp(key, "cpu_list"))
		return parse_cpu_list(s, v);
	else if (!strcmp(key, "placement"))
		return (int)(s->placement = (enum topo_placement)topo_placement_parse(v)) < 0 ?
		       -EINVAL : 0;
	else if (!strcmp(key, "rep"))
		s->rep = (unsigned int)strtoul(v, &end, 10);
	else if (!strcmp(key, "target_ci"))
		s->samp.target_ci = strtod(v, &end);
	else if (!strcmp(key, "min_samples"))
		s->samp.min_samples = strtoul(v, &end, 10);
	else if (!strcmp(key, "max_samples"))
		s->samp.max_samples = strtoul(v, &end, 10);
	else if (!strcmp(key, "warmup"))
		s->samp.warmup = strtoul(v, &end, 10);
	else if (!strcmp(key, "cell_budget_s"))
		s->samp.cell_budget_s = strtod(v, &end);
	else if (!strcmp(key, "min_sample_s"))
		s->samp.min_sample_s = strtod(v, &end);
	else if (!strcmp(key, "run_left_s"))
		s->samp.run_left_s = strtod(v, &end);
	else if (!strcmp(key, "phase_mark_ns"))
		s->samp.phase_mark_ns = strtod(v, &end);
	else if (!strcmp(key, "sink"))
		s->sink = (enum bench_sink)strtol(v, &end, 10);
	else if (!strcmp(key, "hazard"))
		s->hazard = strtol(v, &end, 10) != 0;
	else if (!strcmp(key, "verify"))
		s->verify = strtol(v, &end, 10) != 0;
	else if (!strcmp(key, "sabotage"))
		s->sabotage = strtol(v, &end, 10) != 0;
	else if (!strcmp(key, "thp"))
		s->thp = strtol(v, &end, 10) != 0;
	else if (!strcmp(key, "peer"))
		snprintf(s->peer, sizeof(s->peer), "%s", v);
	else if (!strcmp(key, "events"))
		snprintf(s->events, sizeof(s->events), "%s", v);
	else if (!strcmp(key, "event")) {
		unsigned int i;
		int a, u;
		char k[64];

		if (sscanf(v, "%u %63s %d %d", &i, k, &a, &u) != 4 || i != s->nevents ||
		    i >= PMU_MAX_EVENTS)
			return -EINVAL;
		snprintf(s->ev[i].key, sizeof(s->ev[i].key), "%s", k);
		s->ev[i].available = a;
		s->ev[i].user_only = u;
		s->nevents++;
	} else if (!strcmp(key, "tsc_hz")) {
		s->tsc_hz = strtod(v, &end);
	} else if (!strcmp(key, "topology_xml")) {
		long n = strtol(v, &end, 10);

		if (n <= 0 || n > (64 << 20))
			return -EINVAL;
		s->xml_len = (int)n;
	}
	else
		return -EINVAL;
	return end && *end ? -EINVAL : 0;
}

static int read_xml(FILE *f, struct cell_spec *s, char *err, size_t errlen)
{
	char *x;

	if (!s->variant[0] || !s->size || !s->ncpus)
		return bad(err, errlen, "incomplete", "end");
	if (!s->xml_len)
		return 0;
	x = malloc((size_t)s->xml_len);
	if (!x)
		return bad(err, errlen, "no memory for the topology", "");
	if (fread(x, 1, (size_t)s->xml_len, f) != (size_t)s->xml_len) {
		free(x);
		return bad(err, errlen, "topology cut short", "");
	}
	s->xml = x;
	return 0;
}

int wire_read_spec(FILE *f, struct cell_spec *s, char *err, size_t errlen)
{
	char line[2048];

	memset(s, 0, sizeof(*s));
	while (fgets(line, sizeof(line), f)) {
		char *nl = strchr(line, '\n'), *v;

		if (!nl)
			return bad(err, errlen, "too long", line);
		*nl = 0;
		if (!strcmp(line, "end"))
			return read_xml(f, s, err, errlen);
		v = strchr(line, ' ');
		if (!v)
			return bad(err, errlen, "no value", line);
		*v++ = 0;
		if (spec_line(s, line, v))
			return bad(err, errlen, line, v);
	}
	return bad(err, errlen, "no end", "");
}

void wire_emit_samples(FILE *f, const struct rep_result *r, size_t *declared)
{
	size_t n = rep_nsamples(r);

	for (; *declared < r->nseries; (*declared)++) {
		const struct series *s = &r->series[*declared];

		fprintf(f, "series %zu %s %s %s %s\n", *declared, s->role, s->metric, s->unit,
			s->mean ? "mean" : "median");
	}
	if (!n)
		return;
	fputs("sample", f);
	for (size_t i = 0; i < r->nseries; i++) {
		double v = r->series[i].v[n - 1];

		if (isfinite(v))
			fprintf(f, " %.17g", v);
		else
			fputs(" nan", f);
	}
	fputc('\n', f);
	fflush(f);
}

void wire_emit_end(FILE *f, const struct rep_result *r, const struct bench_variant *v,
		   const struct pmu_set *pmu)
{
	char reason[sizeof(r->reason)];

	fprintf(f, "info verify_ran %d\n", r->verify_ran);
	if (r->peer_down)
		fputs("info peer_down 1\n", f);
	fprintf(f, "info verified %d\ninfo verify_ops %llu\ninfo ops_per_sample %llu\n"
		"info depth %u\ninfo warmup %lu\ninfo rss_kib %ld\ninfo vmas %ld\n"
		"info huge_kib %ld\ninfo colocated %d\ninfo helper_cpu %d\n", r->verified,
		(unsigned long long)r->verify_ops, (unsigned long long)r->ops_per_sample,
		r->depth, r->warmup, r->rss_kib, r->vmas, r->huge_kib, r->colocated,
		r->helper_cpu);
	for (int q = 0; q < BENCH_MAX_REPORTS && v->reports[q].name; q++)
		fprintf(f, "info verify_report.%s %llu\n", v->reports[q].name,
			(unsigned long long)r->verify_reports[q]);
	for (unsigned int e = 0; e < pmu->n && e < RESULTS_MAX_COUNTERS; e++)
		if (isfinite(r->running[e]))
			fprintf(f, "info running.%s %.17g\n", pmu->ev[e].key, r->running[e]);
	for (unsigned int i = 0; i < r->nnotes; i++) {
		char note[RESULTS_NOTE_LEN];

		snprintf(note, sizeof(note), "%s", r->notes[i]);
		for (char *p = note; *p; p++)
			if (*p == '\n' || *p == '\r')
				*p = ' ';
		fprintf(f, "note %s\n", note);
	}
	snprintf(reason, sizeof(reason), "%s", r->reason);
	for (char *p = reason; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	fprintf(f, "end %s %s %s\n", cell_status_name(r->status),
		r->stop_reason[0] ? r->stop_reason : "-", reason);
	fflush(f);
}

static int apply_series(struct rep_result *r, char *v)
{
	char role[RESULTS_ROLE_LEN], metric[RESULTS_METRIC_LEN], unit[RESULTS_UNIT_LEN];
	char agg[8];
	size_t idx;

	if (sscanf(v, "%zu %11s %71s %11s %7s", &idx, role, metric, unit, agg) != 5 ||
	    idx != r->nseries || rep_find(r, role, metric) ||
	    (strcmp(agg, "mean") && strcmp(agg, "median")))
		return -EPROTO;
	return rep_series(r, role, metric, unit, !strcmp(agg, "mean")) ? 0 : -ENOMEM;
}

static int apply_sample(struct rep_result *r, char *v)
{
	size_t n = rep_nsamples(r);

	for (size_t i = 0; i < r->nseries; i++) {
		char *end;
		double x = strtod(v, &end);

		if (end == v || (*end && *end != ' '))
			return -EPROTO;
		if (series_push(&r->series[i], x))
			return -ENOMEM;
		v = end;
	}
	if (*v) {		/* more values than series: undo */
		for (size_t i = 0; i < r->nseries; i++)
			r->series[i].n = n;
		return -EPROTO;
	}
	return 0;
}

static int apply_info(struct rep_result *r, const struct bench_variant *v,
		      const struct pmu_set *pmu, char *s)
{
	char key[96], *end;
	double x;
	int n = 0;

	if (sscanf(s, "%95s %n", key, &n) != 1 || !n)
		return -EPROTO;
	x = strtod(s + n, &end);
	if (end == s + n)
		return -EPROTO;
	if (!strcmp(key, "ready"))
		r->ready = x;
	else if (!strcmp(key, "verify_ran"))
		r->verify_ran = x;
	else if (!strcmp(key, "verified"))
		r->verified = x;
	else if (!strcmp(key, "peer_down"))
		r->peer_down = x;
	else if (!strcmp(key, "verify_ops"))
		r->verify_ops = (uint64_t)x;
	else if (!strcmp(key, "ops_per_sample"))
		r->ops_per_sample = (uint64_t)x;
	else if (!strcmp(key, "depth"))
		r->depth = (unsigned int)x;
	else if (!strcmp(key, "warmup"))
		r->warmup = (unsigned long)x;
	else if (!strcmp(key, "rss_kib"))
		r->rss_kib = (long)x;
	else if (!strcmp(key, "vmas"))
		r->vmas = (long)x;
	else if (!strcmp(key, "huge_kib"))
		r->huge_kib = (long)x;
	else if (!strcmp(key, "colocated"))
		r->colocated = x;
	else if (!strcmp(key, "helper_cpu"))
		r->helper_cpu = (int)x;
	else if (!strncmp(key, "verify_report.", 14)) {
		for (int q = 0; q < BENCH_MAX_REPORTS && v->reports[q].name; q++)
			if (!strcmp(key + 14, v->reports[q].name))
				r->verify_reports[q] = (uint64_t)x;
	} else if (!strncmp(key, "running.", 8)) {
		int e = pmu_find(pmu, key + 8);

		if (e < 0 || e >= RESULTS_MAX_COUNTERS)
			return -EPROTO;
		r->running[e] = x;
	} else {
		return -EPROTO;
	}
	return 0;
}

static int apply_end(struct rep_result *r, char *v)
{
	char status[16], stop[16];
	int n = 0, st;

	if (sscanf(v, "%15s %15s %n", status, stop, &n) != 2 ||
	    (st = cell_status_parse(status)) < 0)
		return -EPROTO;
	r->status = (enum cell_status)st;
	snprintf(r->stop_reason, sizeof(r->stop_reason), "%s", strcmp(stop, "-") ? stop : "");
	snprintf(r->reason, sizeof(r->reason), "%s", v + n);
	return 1;
}

int wire_apply(struct rep_result *r, const struct bench_variant *v,
	       const struct pmu_set *pmu, char *line)
{
	char *val = strchr(line, ' ');

	if (!val)
		return -EPROTO;
	*val++ = 0;
	if (!strcmp(line, "series"))
		return apply_series(r, val);
	if (!strcmp(line, "sample"))
		return apply_sample(r, val);
	if (!strcmp(line, "info"))
		return apply_info(r, v, pmu, val);
	if (!strcmp(line, "end"))
		return apply_end(r, val);
	if (!strcmp(line, "note")) {
		if (r->nnotes < RESULTS_MAX_NOTES)
			snprintf(r->notes[r->nnotes++], RESULTS_NOTE_LEN, "%s", val);
		return 0;
	}
	return -EPROTO;
}
