// SPDX-License-Identifier: GPL-2.0-only
/*
 * cli.c - `cowbench run` options (cli.h): the usage text and the reading
 * of argv; their values are checked in cli_values.c. Every error is one
 * line that quotes what was typed (fmt_quote) and says what is accepted.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fmt.h"

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
"  --min-samples N      at least N samples per repetition (default 3)\n"
"  --max-samples N      at most N samples per repetition (default 200)\n"
"  --cell-budget SEC    sampling time of one repetition (default 0.15)\n"
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
	return fmt_quote(s, buf, len);
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
	s->min_samples = 3;
	s->max_samples = o->quick ? 30 : 200;
	s->warmup = o->quick ? 0 : 1;
	s->cell_budget_s = o->quick ? 0.03 : 0.15;
	s->min_sample_s = o->quick ? 0.002 : 0.005;
	o->repetitions = 3;
	o->order = ORDER_SHUFFLE;
	o->hang_s = 60;
	o->sink = BENCH_SINK_DEVNULL;
}

#define SEE_HELP "(see 'cowbench run --help')"

/* The long options that `typed` ("--name" or "--name=value") names: an
 * exact name, else every one it abbreviates. */
static size_t long_matches(const char *typed, const struct option **hit,
			   char *names, size_t len)
{
	const char *name = typed + 2;
	size_t k = strcspn(name, "="), n = 0, used = 0;

	names[0] = '\0';
	for (const struct option *o = run_options; k && o->name; o++) {
		if (strncmp(o->name, name, k))
			continue;
		if (strlen(o->name) == k) {
			*hit = o;
			return 1;
		}
		*hit = o;
		n++;
		if (used < len)
			used += (size_t)snprintf(names + used, len - used, "%s--%s",
						 n > 1 ? ", " : "", o->name);
	}
	return n;
}

/* The one line for what getopt refused (c is ':' for a missing value):
 * argv[at] as typed, whole, even inside a cluster like "-xy". */
static void option_error(const char *typed, int c)
{
	const struct option *hit = NULL;
	char q[FMT_QUOTE_LEN], names[256];
	size_t n;

	fmt_quote(typed, q, sizeof(q));
	if (c == ':') {
		fprintf(stderr, "cowbench: option \"%s\" needs a value " SEE_HELP "\n", q);
		return;
	}
	if (strncmp(typed, "--", 2)) {
		fprintf(stderr, "cowbench: unknown option \"%s\" (the only short option is "
			"-h; the others are --long) " SEE_HELP "\n", q);
		return;
	}
	n = long_matches(typed, &hit, names, sizeof(names));
	if (n > 1)
		fprintf(stderr, "cowbench: option \"%s\" is ambiguous: %s " SEE_HELP "\n",
			q, names);
	else if (n == 1 && hit->has_arg == no_argument && strchr(typed, '='))
		fprintf(stderr, "cowbench: option \"%s\": --%s takes no value " SEE_HELP
			"\n", q, hit->name);
	else
		fprintf(stderr, "cowbench: unknown option \"%s\" " SEE_HELP "\n", q);
}

/* A value that is empty, or that is the next option (`--sizes --quick`:
 * the value was forgotten). An empty --out is output.c's to refuse, with
 * the other paths that cannot be a run directory. */
static int check_value(const char *name, const char *val, const char *next_arg)
{
	char q[FMT_QUOTE_LEN];

	if (!*val && strcmp(name, "out")) {
		fprintf(stderr, "cowbench: --%s \"\": an empty value is not accepted "
			SEE_HELP "\n", name);
		return -EINVAL;
	}
	if (val == next_arg && !strncmp(val, "--", 2)) {
		fprintf(stderr, "cowbench: --%s needs a value, and the next argument \"%s\" "
			"is an option (write --%s=VALUE for a value that starts with --)\n",
			name, fmt_quote(val, q, sizeof(q)), name);
		return -EINVAL;
	}
	return 0;
}

static void take(struct run *r, struct raw_options *ro, int c)
{
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
	}
}

int cli_parse_run(struct run *r, int argc, char **argv, struct raw_options *ro)
{
	char q[FMT_QUOTE_LEN];
	int c, at, li;

	optind = 1;
	opterr = 0;
	/* "+": stop at the first non-option; ":": report a missing value */
	for (at = optind, li = -1;
	     (c = getopt_long(argc, argv, "+:h", run_options, &li)) != -1;
	     at = optind, li = -1) {
		if (c == 'h') {
			cli_usage(stdout);
			return 1;
		}
		if (c == OPT_VERSION)
			return 2;
		if (c == '?' || c == ':') {
			option_error(argv[at], c);
			return -EINVAL;
		}
		if (li >= 0 && run_options[li].has_arg == required_argument &&
		    check_value(run_options[li].name, optarg, argv[optind - 1]))
			return -EINVAL;
		take(r, ro, c);
	}
	if (optind < argc) {
		fprintf(stderr, "cowbench: unexpected argument \"%s\" " SEE_HELP "\n",
			fmt_quote(argv[optind], q, sizeof(q)));
		return -EINVAL;
	}
	defaults(&r->opt);
	return 0;
}
