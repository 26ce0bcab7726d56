// SPDX-License-Identifier: GPL-2.0-only
/*
 * cli_values.c - the values of `cowbench run` options, checked once the
 * topology is known (cli_finish in cli.h). Every error is one line that
 * quotes what was typed (fmt_quote) and says what is accepted.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "cli.h"
#include "fmt.h"
#include "parse.h"

/* plan.c matches globs from a 256-byte copy: a longer one would be cut
 * into a glob never typed. Variant names are a few dozen bytes. */
#define CLI_GLOB_MAX 200

#define DAY_S 86400.0
#define YEAR_S (365 * DAY_S)

/* The k bytes at p (one item of a list), quoted. */
static const char *quote_item(const char *p, size_t k, char q[FMT_QUOTE_LEN])
{
	char item[FMT_QUOTE_LEN + 1];	/* one byte more: a cut shows "..." */

	if (k > FMT_QUOTE_LEN)
		k = FMT_QUOTE_LEN;
	snprintf(item, sizeof(item), "%.*s", (int)k, p);
	return fmt_quote(item, q, FMT_QUOTE_LEN);
}

static int parse_placements(const char *s, struct options *o, char *err, size_t len)
{
	char q[FMT_QUOTE_LEN];

	o->nplacements = 0;
	for (const char *p = s; ; ) {
		size_t k = strcspn(p, ",");
		char tok[32];
		int pl;

		snprintf(tok, sizeof(tok), "%.*s", (int)(k < 31 ? k : 31), p);
		pl = k < 31 ? topo_placement_parse(tok) : -1;
		if (pl < 0) {
			snprintf(err, len, "--placement: \"%s\" is not compact, scatter or smt",
				 quote_item(p, k, q));
			return -EINVAL;
		}
		for (size_t j = 0; j < o->nplacements; j++)
			if (o->placements[j] == (enum topo_placement)pl) {
				snprintf(err, len, "--placement: \"%s\" is listed twice", tok);
				return -EINVAL;
			}
		o->placements[o->nplacements++] = (enum topo_placement)pl;
		if (!p[k])
			return 0;
		p += k + 1;
	}
}

static int parse_thp(const char *s, struct options *o, char *err, size_t len)
{
	char q[FMT_QUOTE_LEN];

	o->thp[0] = o->thp[1] = false;
	for (const char *p = s; ; ) {
		size_t k = strcspn(p, ",");

		if (k == 5 && !strncmp(p, "never", 5))
			o->thp[0] = true;
		else if (k == 6 && !strncmp(p, "always", 6))
			o->thp[1] = true;
		else {
			snprintf(err, len, "--thp: \"%s\" is not never or always (or both, "
				 "comma-separated)", quote_item(p, k, q));
			return -EINVAL;
		}
		if (!p[k])
			return 0;
		p += k + 1;
	}
}

/* Each comma-separated glob of --bench or --variant is there and fits
 * plan.c's copy. */
static int check_globs(const char *s, const char *name, char *err, size_t len)
{
	char q[FMT_QUOTE_LEN];

	for (const char *p = s; p && *p; ) {
		size_t k = strcspn(p, ",");

		if (k == 0 || (p[k] == ',' && !p[k + 1])) {
			snprintf(err, len, "%s: \"%s\" has an empty glob (see 'cowbench list')",
				 name, fmt_quote(s, q, sizeof(q)));
			return -EINVAL;
		}
		if (k > CLI_GLOB_MAX) {
			snprintf(err, len, "%s: the glob \"%s\" is %zu bytes long; at most %d "
				 "(see 'cowbench list')", name, quote_item(p, k, q), k,
				 CLI_GLOB_MAX);
			return -EINVAL;
		}
		p += k + (p[k] == ',');
	}
	return 0;
}

static int parse_count(const char *s, const char *name, unsigned long *out,
		       unsigned long min, unsigned long max, char *err, size_t len)
{
	char e[FMT_QUOTE_LEN + 64], q[FMT_QUOTE_LEN];

	if (!s)
		return 0;
	if (parse_ulong(s, out, e, sizeof(e)) || *out < min || *out > max) {
		snprintf(err, len, "%s: \"%s\" is not a whole number in %lu..%lu", name,
			 fmt_quote(s, q, sizeof(q)), min, max);
		return -EINVAL;
	}
	return 0;
}

static int parse_seconds(const char *s, const char *name, double *out, double max,
			 char *err, size_t len)
{
	char e[FMT_QUOTE_LEN + 64], q[FMT_QUOTE_LEN];

	if (!s)
		return 0;
	if (parse_double(s, 0, out, e, sizeof(e)) || *out <= 0 || *out > max) {
		snprintf(err, len, "%s: \"%s\" is not a number of seconds in (0, %.0f]",
			 name, fmt_quote(s, q, sizeof(q)), max);
		return -EINVAL;
	}
	return 0;
}

/* HOST:PORT, the host printable ASCII without blanks (a name, an
 * address, [v6]), the port 1..65535. */
static bool valid_peer(const char *s)
{
	const char *colon = strrchr(s, ':');
	unsigned long port;

	for (const char *p = s; colon && p < colon; p++)
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f)
			return false;
	return colon && colon != s && !parse_ulong(colon + 1, &port, NULL, 0) &&
	       port >= 1 && port <= 65535;
}

static uint64_t random_seed(void)
{
	uint64_t s = 0;

	if (getrandom(&s, sizeof(s), 0) != (ssize_t)sizeof(s))
		s = (uint64_t)clock_mono_ns();
	return s % 1000000000ull;	/* short enough to type */
}

static int finish_sampling(struct options *o, const struct raw_options *ro,
			   char *err, size_t len)
{
	struct sampling *s = &o->samp;
	char e[FMT_QUOTE_LEN + 64], q[FMT_QUOTE_LEN];
	unsigned long v;
	int rc = 0;

	if (ro->target_ci && (parse_double(ro->target_ci, 1, &s->target_ci, e, sizeof(e)) ||
			      s->target_ci <= 0 || s->target_ci >= 1)) {
		snprintf(err, len, "--target-ci: \"%s\" is not a percentage between 0 and "
			 "100, e.g. 1%% (a bare number is a fraction: 0.01)",
			 fmt_quote(ro->target_ci, q, sizeof(q)));
		return -EINVAL;
	}
	rc = rc ? rc : parse_count(ro->min_samples, "--min-samples", &s->min_samples, 1,
				   1000000, err, len);
	rc = rc ? rc : parse_count(ro->max_samples, "--max-samples", &s->max_samples, 1,
				   1000000, err, len);
	rc = rc ? rc : parse_count(ro->warmup, "--warmup", &s->warmup, 0, 1000000, err, len);
	rc = rc ? rc : parse_seconds(ro->cell_budget, "--cell-budget", &s->cell_budget_s,
				     DAY_S, err, len);
	rc = rc ? rc : parse_seconds(ro->budget, "--budget", &o->budget_s, YEAR_S, err, len);
	rc = rc ? rc : parse_seconds(ro->hang_timeout, "--hang-timeout", &o->hang_s, DAY_S,
				     err, len);
	rc = rc ? rc : parse_count(ro->repetitions, "--repetitions", &v, 1, 1000, err, len);
	if (!rc && ro->repetitions)
		o->repetitions = (unsigned int)v;
	if (!rc && s->min_samples > s->max_samples) {
		snprintf(err, len, "--min-samples %lu is more than --max-samples %lu",
			 s->min_samples, s->max_samples);
		rc = -EINVAL;
	}
	return rc;
}

/* --order, --seed, --peer and --sink. */
static int finish_choices(struct options *o, const struct raw_options *ro,
			  char *err, size_t len)
{
	char q[FMT_QUOTE_LEN];
	unsigned long s = 0;

	if (ro->order && strcmp(ro->order, "shuffle") && strcmp(ro->order, "sequential")) {
		snprintf(err, len, "--order: \"%s\" is not shuffle or sequential",
			 fmt_quote(ro->order, q, sizeof(q)));
		return -EINVAL;
	}
	if (ro->order)
		o->order = strcmp(ro->order, "sequential") ? ORDER_SHUFFLE : ORDER_SEQUENTIAL;
	if (ro->seed && parse_ulong(ro->seed, &s, NULL, 0)) {
		snprintf(err, len, "--seed: \"%s\" is not a whole number in 0..%lu",
			 fmt_quote(ro->seed, q, sizeof(q)), (unsigned long)-1);
		return -EINVAL;
	}
	o->seed = ro->seed ? s : random_seed();
	if (o->peer && !valid_peer(o->peer)) {
		snprintf(err, len, "--peer: \"%s\" is not HOST:PORT with a port in 1..65535",
			 fmt_quote(o->peer, q, sizeof(q)));
		return -EINVAL;
	}
	if (!ro->sink)
		return 0;
	if (!strcmp(ro->sink, "devnull"))
		o->sink = BENCH_SINK_DEVNULL;
	else if (!strcmp(ro->sink, "read"))
		o->sink = BENCH_SINK_READ;
	else if (!strcmp(ro->sink, "discard"))
		o->sink = BENCH_SINK_DISCARD;
	else {
		snprintf(err, len, "--sink: \"%s\" is not devnull, read or discard",
			 fmt_quote(ro->sink, q, sizeof(q)));
		return -EINVAL;
	}
	return 0;
}

int cli_finish(struct run *r, const struct raw_options *ro, char *err, size_t len)
{
	struct options *o = &r->opt;
	const char *sizes = ro->sizes ? ro->sizes : o->quick ? "4K,64K,1M" : "4K-64M:x4";
	const char *cpus = ro->cpus ? ro->cpus : o->quick ? "1,max" : "pow2";
	char e[2 * FMT_QUOTE_LEN + 128];
	int rc;

	if (parse_size_list(sizes, 64, &o->sizes, &o->nsizes, e, sizeof(e))) {
		snprintf(err, len, "--sizes: %s", e);
		return -EINVAL;
	}
	if (parse_cpu_counts(cpus, topo_ncpus(r->topo), &o->cpus, &o->ncpus, e, sizeof(e))) {
		char allowed[160];

		/* the count alone does not say which CPUs (taskset, cpuset) */
		snprintf(err, len, "--cpus: %s; %s", e,
			 topo_allowed(r->topo, allowed, sizeof(allowed)));
		return -EINVAL;
	}
	rc = check_globs(o->bench_globs, "--bench", err, len);
	rc = rc ? rc : check_globs(o->variant_globs, "--variant", err, len);
	rc = rc ? rc : parse_placements(ro->placement ? ro->placement : "compact", o, err,
					len);
	rc = rc ? rc : finish_sampling(o, ro, err, len);
	rc = rc ? rc : finish_choices(o, ro, err, len);
	return rc ? rc : parse_thp(ro->thp ? ro->thp : "never,always", o, err, len);
}
