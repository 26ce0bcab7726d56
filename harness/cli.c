// SPDX-License-Identifier: GPL-2.0-only
/*
 * cli.c - `cowbench run` options (cli.h). Every error is one line that
 * quotes what was typed (escaped) and says what is accepted.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "cli.h"
#include "parse.h"

static const char usage_text[] =
"usage: cowbench run [options]    measure (the default sweep without options)\n"
"       cowbench list [--json]    variants with their class and description\n"
"       cowbench info             machine, counters available here, warnings\n"
"       cowbench sink --listen PORT  a remote consumer for run --peer\n"
"       cowbench --version\n"
"\n"
"run options:\n"
"  --bench GLOBS        benchmarks (%s)\n"
"                       or their variant prefixes, comma-separated globs\n"
"  --variant GLOBS      variants, as family/name or name globs\n"
"  --sizes LIST         bytes per operation: 4K,64K,1M or 4K-64M:x4 or\n"
"                       4K-16K:+4K; binary suffixes (default 4K-64M:x4)\n"
"  --cpus LIST          worker CPU counts: 1,2,4 | 1-4 | max | pow2 (default pow2)\n"
"  --placement LIST     compact,scatter,smt (default compact)\n"
"  --thp LIST           never,always: the variants whose buffers THP applies\n"
"                       to, also with THP (sizes >= 2M) (default never,always)\n"
"  --events LIST        libpfm4 names, tlb:tlb_flush, interrupts:TLB\n"
"                       (default " PMU_DEFAULT_EVENTS ")\n"
"  --repetitions N      processes per cell, each a repetition (default 3)\n"
"  --order shuffle|sequential  repetitions in shuffled blocks of related\n"
"                       cells (default), or each cell's together in order\n"
"  --seed N             the shuffle's seed (default: random, recorded)\n"
"  --target-ci PCT      stop a repetition when the 95%% CI of its median is\n"
"                       within PCT of it (default 1%%)\n"
"  --min-samples N      at least N samples per repetition (default 5)\n"
"  --max-samples N      at most N samples per repetition (default 200)\n"
"  --cell-budget SEC    sampling time of one repetition (default 0.4)\n"
"  --budget SEC         skip the remaining cells after SEC seconds (default: none)\n"
"  --warmup N           discarded samples after calibration (default 1)\n"
"  --hang-timeout SEC   kill a cell's process silent this long (default 60)\n"
"  --sink devnull|read|discard  how consumers drain data: splice to\n"
"                       /dev/null, read into a buffer, or (sockets)\n"
"                       recv(MSG_TRUNC) (default devnull)\n"
"  --out DIR            the run directory (default results/<UTC time>-<host>)\n"
"  --quick              a short sweep for CI: sizes 4K,64K,1M, cpus 1,max,\n"
"                       5..30 samples, 0.05 s per repetition, 5%% CI target\n"
"  --quiet              no progress lines\n"
"  --peer HOST:PORT     variants that can (TCP) send to a `cowbench sink` there\n"
"                       instead of a local consumer\n"
"  --sabotage           skip the step each variant's correctness rests on\n"
"                       (cowbench list --json: \"sabotage\"): its verification\n"
"                       must then fail; a check of the checks\n"
"  --hazard             protocol check instead of timing: the verification\n"
"                       reuses buffers before their notification and records\n"
"                       what the consumer saw (verify_reports in run.json)\n"
"  -h, --help           this text\n"
"\n"
"Exit: 0 complete, 1 a cell failed, 2 bad input, 130 interrupted (results kept).\n";

void cli_usage(FILE *f)
{
	const struct variant_ref *all;
	size_t n = registry_variants(&all), used = 0;
	char names[256] = "";

	for (size_t i = 0; i < n; i++)
		if ((!i || all[i].bench != all[i - 1].bench) && used + 40 < sizeof(names))
			used += (size_t)snprintf(names + used, sizeof(names) - used, "%s%s",
						 used ? ", " : "", all[i].bench->name);
	fprintf(f, usage_text, names);
}

const char *cli_quote(const char *s, char *buf, size_t len)
{
	size_t o = 0;

	for (const char *p = s ? s : ""; *p; p++) {
		unsigned char c = (unsigned char)*p;
		char piece[8];
		int k;

		if (c == '"' || c == '\\')
			k = snprintf(piece, sizeof(piece), "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			k = snprintf(piece, sizeof(piece), "\\x%02x", c);
		else
			k = snprintf(piece, sizeof(piece), "%c", c);
		if (o + (size_t)k + 4 > len) {
			snprintf(buf + o, len - o, "...");
			return buf;
		}
		memcpy(buf + o, piece, (size_t)k);
		o += (size_t)k;
	}
	buf[o] = 0;
	return buf;
}

enum {
	OPT_BENCH = 256, OPT_VARIANT, OPT_SIZES, OPT_CPUS, OPT_PLACEMENT,
	OPT_EVENTS, OPT_TARGET_CI, OPT_MIN_SAMPLES, OPT_MAX_SAMPLES,
	OPT_CELL_BUDGET, OPT_BUDGET, OPT_WARMUP, OPT_SINK, OPT_OUT, OPT_QUICK,
	OPT_QUIET, OPT_PEER, OPT_HAZARD, OPT_REPETITIONS, OPT_ORDER, OPT_SEED,
	OPT_HANG, OPT_VERSION, OPT_THP, OPT_SABOTAGE,
};

static const struct option run_options[] = {
	{ "bench", required_argument, NULL, OPT_BENCH },
	{ "variant", required_argument, NULL, OPT_VARIANT },
	{ "sizes", required_argument, NULL, OPT_SIZES },
	{ "cpus", required_argument, NULL, OPT_CPUS },
	{ "placement", required_argument, NULL, OPT_PLACEMENT },
	{ "events", required_argument, NULL, OPT_EVENTS },
	{ "target-ci", required_argument, NULL, OPT_TARGET_CI },
	{ "min-samples", required_argument, NULL, OPT_MIN_SAMPLES },
	{ "max-samples", required_argument, NULL, OPT_MAX_SAMPLES },
	{ "cell-budget", required_argument, NULL, OPT_CELL_BUDGET },
	{ "budget", required_argument, NULL, OPT_BUDGET },
	{ "warmup", required_argument, NULL, OPT_WARMUP },
	{ "sink", required_argument, NULL, OPT_SINK },
	{ "out", required_argument, NULL, OPT_OUT },
	{ "quick", no_argument, NULL, OPT_QUICK },
	{ "quiet", no_argument, NULL, OPT_QUIET },
	{ "peer", required_argument, NULL, OPT_PEER },
	{ "hazard", no_argument, NULL, OPT_HAZARD },
	{ "repetitions", required_argument, NULL, OPT_REPETITIONS },
	{ "order", required_argument, NULL, OPT_ORDER },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "hang-timeout", required_argument, NULL, OPT_HANG },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ "thp", required_argument, NULL, OPT_THP },
	{ "sabotage", no_argument, NULL, OPT_SABOTAGE },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static void defaults(struct options *o)
{
	struct sampling *s = &o->samp;

	s->target_ci = o->quick ? 0.05 : 0.01;
	s->min_samples = 5;
	s->max_samples = o->quick ? 30 : 200;
	s->warmup = o->quick ? 0 : 1;
	s->cell_budget_s = o->quick ? 0.03 : 0.4;
	s->min_sample_s = o->quick ? 0.002 : 0.005;
	o->repetitions = 3;
	o->order = ORDER_SHUFFLE;
	o->hang_s = 60;
	o->sink = BENCH_SINK_DEVNULL;
}

int cli_parse_run(struct run *r, int argc, char **argv, struct raw_options *ro)
{
	char q[96];
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", run_options, NULL)) != -1) {
		switch (c) {
		case OPT_BENCH: r->opt.bench_globs = optarg; break;
		case OPT_VARIANT: r->opt.variant_globs = optarg; break;
		case OPT_SIZES: ro->sizes = optarg; break;
		case OPT_CPUS: ro->cpus = optarg; break;
		case OPT_PLACEMENT: ro->placement = optarg; break;
		case OPT_EVENTS: r->opt.events = optarg; break;
		case OPT_TARGET_CI: ro->target_ci = optarg; break;
		case OPT_MIN_SAMPLES: ro->min_samples = optarg; break;
		case OPT_MAX_SAMPLES: ro->max_samples = optarg; break;
		case OPT_CELL_BUDGET: ro->cell_budget = optarg; break;
		case OPT_BUDGET: ro->budget = optarg; break;
		case OPT_WARMUP: ro->warmup = optarg; break;
		case OPT_SINK: ro->sink = optarg; break;
		case OPT_OUT: r->opt.out = optarg; break;
		case OPT_QUICK: r->opt.quick = true; break;
		case OPT_QUIET: r->opt.quiet = true; break;
		case OPT_PEER: r->opt.peer = optarg; break;
		case OPT_HAZARD: r->opt.hazard = true; break;
		case OPT_REPETITIONS: ro->repetitions = optarg; break;
		case OPT_ORDER: ro->order = optarg; break;
		case OPT_SEED: ro->seed = optarg; break;
		case OPT_HANG: ro->hang_timeout = optarg; break;
		case OPT_THP: ro->thp = optarg; break;
		case OPT_SABOTAGE: r->opt.sabotage = true; break;
		case OPT_VERSION: return 2;
		case 'h': cli_usage(stdout); return 1;
		default:
			if (optopt && optopt < 256)
				fprintf(stderr, "cowbench: unknown option or missing value: "
					"\"-%c\" (see 'cowbench run --help')\n", optopt);
			else
				fprintf(stderr, "cowbench: unknown option or missing value: "
					"\"%s\" (see 'cowbench run --help')\n",
					cli_quote(argv[optind - 1], q, sizeof(q)));
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "cowbench: unexpected argument \"%s\" (see 'cowbench run "
			"--help')\n", cli_quote(argv[optind], q, sizeof(q)));
		return -EINVAL;
	}
	defaults(&r->opt);
	return 0;
}

static int parse_placements(const char *s, struct options *o, char *err, size_t len)
{
	char q[96];
	size_t i = 0;

	o->nplacements = 0;
	for (const char *p = s; ; i++) {
		size_t k = strcspn(p, ",");
		char tok[32];
		int pl;

		snprintf(tok, sizeof(tok), "%.*s", (int)(k < 31 ? k : 31), p);
		pl = k < 31 ? topo_placement_parse(tok) : -1;
		if (pl < 0) {
			snprintf(err, len, "--placement: \"%.*s\" is not compact, scatter or smt",
				 (int)(k < 60 ? k : 60), cli_quote(p, q, sizeof(q)));
			return -EINVAL;
		}
		for (size_t j = 0; j < o->nplacements; j++)
			if (o->placements[j] == (enum topo_placement)pl) {
				snprintf(err, len, "--placement: \"%s\" is listed twice", tok);
				return -EINVAL;
			}
		o->placements[o->nplacements++] = (enum topo_placement)pl;
		if (!p[k])
			break;
		p += k + 1;
	}
	return 0;
}

static int parse_thp(const char *s, struct options *o, char *err, size_t len)
{
	char q[96];

	o->thp[0] = o->thp[1] = false;
	for (const char *p = s; ; ) {
		size_t k = strcspn(p, ",");

		if (k == 5 && !strncmp(p, "never", 5))
			o->thp[0] = true;
		else if (k == 6 && !strncmp(p, "always", 6))
			o->thp[1] = true;
		else {
			snprintf(err, len, "--thp: \"%s\" is not never, always or both, "
				 "comma-separated", cli_quote(s, q, sizeof(q)));
			return -EINVAL;
		}
		if (!p[k])
			return 0;
		p += k + 1;
	}
}

static int parse_count(const char *s, const char *name, unsigned long *out,
		       unsigned long min, unsigned long max, char *err, size_t len)
{
	char e[160], q[96];

	if (!s)
		return 0;
	if (parse_ulong(s, out, e, sizeof(e)) || *out < min || *out > max) {
		snprintf(err, len, "%s: \"%s\" is not a whole number in %lu..%lu", name,
			 cli_quote(s, q, sizeof(q)), min, max);
		return -EINVAL;
	}
	return 0;
}

static int parse_seconds(const char *s, const char *name, double *out, double max,
			 char *err, size_t len)
{
	char e[160], q[96];

	if (!s)
		return 0;
	if (parse_double(s, 0, out, e, sizeof(e)) || *out <= 0 || *out > max) {
		snprintf(err, len, "%s: \"%s\" is not a number of seconds in (0, %g]",
			 name, cli_quote(s, q, sizeof(q)), max);
		return -EINVAL;
	}
	return 0;
}

static bool valid_peer(const char *s)
{
	const char *colon = strrchr(s, ':');
	unsigned long port;
	char e[64];

	return colon && colon != s && !parse_ulong(colon + 1, &port, e, sizeof(e)) &&
	       port >= 1 && port <= 65535;
}

static uint64_t random_seed(void)
{
	uint64_t s = 0;

	if (getrandom(&s, sizeof(s), 0) != (ssize_t)sizeof(s))
		s = (uint64_t)clock_mono_ns();
	return s % 1000000000ull;	/* short enough to type */
}

#define DAY_S 86400.0
#define YEAR_S (365 * DAY_S)

static int finish_sampling(struct options *o, const struct raw_options *ro,
			   char *err, size_t len)
{
	struct sampling *s = &o->samp;
	unsigned long v;
	char e[200], q[96];
	int rc = 0;

	if (ro->target_ci && (parse_double(ro->target_ci, 1, &s->target_ci, e, sizeof(e)) ||
			      s->target_ci <= 0 || s->target_ci >= 1)) {
		snprintf(err, len, "--target-ci: \"%s\" is not a percentage between 0 and "
			 "100, e.g. 1%% (a bare number is a fraction: 0.01)",
			 cli_quote(ro->target_ci, q, sizeof(q)));
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

int cli_finish(struct run *r, const struct raw_options *ro, char *err, size_t len)
{
	struct options *o = &r->opt;
	const char *sizes = ro->sizes ? ro->sizes : o->quick ? "4K,64K,1M" : "4K-64M:x4";
	const char *cpus = ro->cpus ? ro->cpus : o->quick ? "1,max" : "pow2";
	char e[200], q[96];
	int rc;

	if (parse_size_list(sizes, 64, &o->sizes, &o->nsizes, e, sizeof(e))) {
		snprintf(err, len, "--sizes: %s", e);
		return -EINVAL;
	}
	if (parse_cpu_counts(cpus, topo_ncpus(r->topo), &o->cpus, &o->ncpus, e, sizeof(e))) {
		snprintf(err, len, "--cpus: %s", e);
		return -EINVAL;
	}
	rc = parse_placements(ro->placement ? ro->placement : "compact", o, err, len);
	rc = rc ? rc : finish_sampling(o, ro, err, len);
	if (!rc && ro->order) {
		if (strcmp(ro->order, "shuffle") && strcmp(ro->order, "sequential")) {
			snprintf(err, len, "--order: \"%s\" is not shuffle or sequential",
				 cli_quote(ro->order, q, sizeof(q)));
			rc = -EINVAL;
		}
		o->order = strcmp(ro->order, "sequential") ? ORDER_SHUFFLE : ORDER_SEQUENTIAL;
	}
	if (!rc && ro->seed) {
		unsigned long s;

		if (parse_ulong(ro->seed, &s, e, sizeof(e))) {
			snprintf(err, len, "--seed: \"%s\" is not a whole number",
				 cli_quote(ro->seed, q, sizeof(q)));
			rc = -EINVAL;
		}
		o->seed = s;
	} else if (!rc) {
		o->seed = random_seed();
	}
	if (!rc && o->peer && !valid_peer(o->peer)) {
		snprintf(err, len, "--peer: \"%s\" is not HOST:PORT with a port in 1..65535",
			 cli_quote(o->peer, q, sizeof(q)));
		rc = -EINVAL;
	}
	if (!rc && ro->sink) {
		if (!strcmp(ro->sink, "devnull"))
			o->sink = BENCH_SINK_DEVNULL;
		else if (!strcmp(ro->sink, "read"))
			o->sink = BENCH_SINK_READ;
		else if (!strcmp(ro->sink, "discard"))
			o->sink = BENCH_SINK_DISCARD;
		else {
			snprintf(err, len, "--sink: \"%s\" is not devnull, read or discard",
				 cli_quote(ro->sink, q, sizeof(q)));
			rc = -EINVAL;
		}
	}
	return rc ? rc : parse_thp(ro->thp ? ro->thp : "never,always", o, err, len);
}
