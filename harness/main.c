/*
 * main.c - the command line: `cowbench run | list | info`. Parses,
 * validates everything before measuring (bad input: one line on stderr,
 * exit 2, nothing written), dispatches, and owns the exit code:
 *   0 complete, 1 a cell failed or the run failed, 2 bad input,
 *   130 interrupted (what was measured is written, status "interrupted").
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "harness.h"
#include "parse.h"
#include "peer.h"

#define EXIT_USAGE 2
#define EXIT_INTERRUPTED 130

volatile sig_atomic_t harness_interrupted;

static const char usage_text[] =
"usage: cowbench run [options]    measure (the default sweep without options)\n"
"       cowbench list             variants with their class and description\n"
"       cowbench info             machine, counters available here, warnings\n"
"       cowbench sink --listen PORT  a remote consumer for run --peer\n"
"\n"
"run options:\n"
"  --bench GLOBS        benchmarks (copy, cow_fault, vmsplice, tlb_shootdown)\n"
"                       or their variant prefixes, comma-separated globs\n"
"  --variant GLOBS      variants, as family/name or name globs\n"
"  --sizes LIST         bytes per operation: 4K,64K,1M or 4K-64M:x4 or\n"
"                       4K-16K:+4K; binary suffixes (default 4K-64M:x4)\n"
"  --cpus LIST          worker CPU counts: 1,2,4 | 1-4 | max | pow2 (default pow2)\n"
"  --placement LIST     compact,scatter,smt (default compact)\n"
"  --events LIST        libpfm4 names, tlb:tlb_flush, interrupts:TLB\n"
"                       (default " PMU_DEFAULT_EVENTS ")\n"
"  --target-ci PCT      stop a cell when the 95%% CI half-width of the median\n"
"                       is within PCT of it (default 1%%)\n"
"  --min-samples N      at least N samples per cell (default 10)\n"
"  --max-samples N      at most N samples per cell (default 500)\n"
"  --cell-budget SEC    stop sampling a cell after SEC seconds (default 2)\n"
"  --budget SEC         skip the remaining cells after SEC seconds (default: none)\n"
"  --warmup N           discarded samples after calibration (default 1)\n"
"  --sink devnull|read  how consumers drain data (default devnull)\n"
"  --out DIR            the run directory (default results/<UTC time>-<host>)\n"
"  --quick              a short sweep for CI: sizes 4K,64K,1M,16M, cpus 1,max,\n"
"                       5..30 samples, 0.25 s per cell, 5%% CI target\n"
"  --quiet              no progress lines\n"
"  --peer HOST:PORT     variants that can (TCP) send to a `cowbench sink` there\n"
"                       instead of a local consumer\n"
"  --hazard             protocol check instead of timing: the verification\n"
"                       reuses buffers before their notification and records\n"
"                       what the consumer saw (verify_reports in run.json)\n"
"  -h, --help           this text\n"
"\n"
"Exit: 0 complete, 1 a cell failed, 2 bad input, 130 interrupted (results kept).\n";

static void usage(FILE *f)
{
	fprintf(f, usage_text);
}

static int bad(const char *fmt, const char *a, const char *b)
{
	fprintf(stderr, "cowbench: ");
	fprintf(stderr, fmt, a, b);
	fputc('\n', stderr);
	return EXIT_USAGE;
}

static void on_signal(int sig)
{
	harness_interrupted = 1;
	if (sig == SIGINT)
		signal(SIGINT, SIG_DFL);	/* a second ^C kills */
}

static void on_kick(int sig)
{
	(void)sig;	/* only to interrupt a blocking call with EINTR */
}

static void install_signals(void)
{
	struct sigaction sa = { 0 };

	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = on_kick;	/* no SA_RESTART */
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static void utc_now(char *buf, size_t len, const char *fmt)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, fmt, &tm);
}

enum {
	OPT_BENCH = 256, OPT_VARIANT, OPT_SIZES, OPT_CPUS, OPT_PLACEMENT,
	OPT_EVENTS, OPT_TARGET_CI, OPT_MIN_SAMPLES, OPT_MAX_SAMPLES,
	OPT_CELL_BUDGET, OPT_BUDGET, OPT_WARMUP, OPT_SINK, OPT_OUT, OPT_QUICK,
	OPT_QUIET, OPT_PEER, OPT_HAZARD,
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
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* Raw option strings, turned into struct options once the topology is
 * known (--cpus max needs it). */
struct raw_options {
	const char *sizes, *cpus, *placement, *target_ci, *min_samples;
	const char *max_samples, *cell_budget, *budget, *warmup, *sink;
};

static int parse_placements(const char *s, struct options *o, char *err, size_t len)
{
	char buf[128], *save = NULL, *tok;

	snprintf(buf, sizeof(buf), "%s", s);
	o->nplacements = 0;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int p = topo_placement_parse(tok);

		if (p < 0 || o->nplacements == TOPO_NR_PLACEMENTS) {
			snprintf(err, len, "--placement: \"%s\" is not compact, scatter or smt", tok);
			return -EINVAL;
		}
		o->placements[o->nplacements++] = (enum topo_placement)p;
	}
	if (!o->nplacements) {
		snprintf(err, len, "--placement: empty list");
		return -EINVAL;
	}
	return 0;
}

static int parse_count(const char *s, const char *name, unsigned long *out,
		       unsigned long min, char *err, size_t len)
{
	char e[160];

	if (!s)
		return 0;
	if (parse_ulong(s, out, e, sizeof(e)) || *out < min) {
		snprintf(err, len, "%s: \"%s\" is not a whole number >= %lu", name, s, min);
		return -EINVAL;
	}
	return 0;
}

static int parse_seconds(const char *s, const char *name, double *out, char *err,
			 size_t len)
{
	char e[160];

	if (!s)
		return 0;
	if (parse_double(s, 0, out, e, sizeof(e)) || *out <= 0) {
		snprintf(err, len, "%s: \"%s\" is not a positive number of seconds", name, s);
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

static int finish_options(struct run *r, const struct raw_options *ro, char *err,
			  size_t len)
{
	struct options *o = &r->opt;
	const char *sizes = ro->sizes ? ro->sizes : o->quick ? "4K,64K,1M,16M" : "4K-64M:x4";
	const char *cpus = ro->cpus ? ro->cpus : o->quick ? "1,max" : "pow2";
	char e[200];
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
	if (!rc && ro->target_ci) {
		if (parse_double(ro->target_ci, 1, &o->target_ci, e, sizeof(e)) ||
		    o->target_ci <= 0 || o->target_ci >= 1) {
			snprintf(err, len, "--target-ci: \"%s\" is not a percentage "
				 "between 0 and 100 (e.g. 1%%)", ro->target_ci);
			rc = -EINVAL;
		}
	}
	rc = rc ? rc : parse_count(ro->min_samples, "--min-samples", &o->min_samples, 1, err, len);
	rc = rc ? rc : parse_count(ro->max_samples, "--max-samples", &o->max_samples, 1, err, len);
	rc = rc ? rc : parse_count(ro->warmup, "--warmup", &o->warmup, 0, err, len);
	rc = rc ? rc : parse_seconds(ro->cell_budget, "--cell-budget", &o->cell_budget_s, err, len);
	rc = rc ? rc : parse_seconds(ro->budget, "--budget", &o->budget_s, err, len);
	if (!rc && o->min_samples > o->max_samples) {
		snprintf(err, len, "--min-samples %lu is more than --max-samples %lu",
			 o->min_samples, o->max_samples);
		rc = -EINVAL;
	}
	if (!rc && o->peer && !valid_peer(o->peer)) {
		snprintf(err, len, "--peer: \"%s\" is not HOST:PORT with a port "
			 "in 1..65535", o->peer);
		rc = -EINVAL;
	}
	if (!rc && ro->sink) {
		if (!strcmp(ro->sink, "devnull") || !strcmp(ro->sink, "read"))
			o->sink = strcmp(ro->sink, "read") ? BENCH_SINK_DEVNULL : BENCH_SINK_READ;
		else {
			snprintf(err, len, "--sink: \"%s\" is not devnull or read", ro->sink);
			rc = -EINVAL;
		}
	}
	return rc;
}

static void default_options(struct options *o, bool quick)
{
	o->target_ci = quick ? 0.05 : 0.01;
	o->min_samples = quick ? 5 : 10;
	o->max_samples = quick ? 30 : 500;
	o->warmup = 1;
	o->cell_budget_s = quick ? 0.25 : 2;
	o->min_sample_s = 0.001;
	o->sink = BENCH_SINK_DEVNULL;
}

static int parse_run_args(struct run *r, int argc, char **argv, struct raw_options *ro)
{
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", run_options, NULL)) != -1) {
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
		case 'h': usage(stdout); exit(0);
		default:
			fprintf(stderr, "cowbench: unknown option or missing value: \"%s\" "
				"(see 'cowbench run --help')\n", argv[optind - 1]);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "cowbench: unexpected argument \"%s\" (see --help)\n", argv[optind]);
		return -EINVAL;
	}
	default_options(&r->opt, r->opt.quick);
	return 0;
}

/* The run directory: its final path, and a temporary sibling that the
 * results are written into and renamed from, so that a directory with the
 * final name is always complete. */
struct out_dir {
	char final[PATH_MAX];
	char tmp[PATH_MAX + 32];
};

static int prepare_out(struct run *r, struct out_dir *od, char *err, size_t len)
{
	char ts[32], host[64], *slash;
	struct stat st;

	if (r->opt.out) {
		snprintf(od->final, sizeof(od->final), "%s", r->opt.out);
	} else {
		utc_now(ts, sizeof(ts), "%Y%m%dT%H%M%SZ");
		gethostname(host, sizeof(host));
		host[sizeof(host) - 1] = 0;
		if (mkdir("results", 0777) && errno != EEXIST) {
			snprintf(err, len, "cannot create results/: %s", strerror(errno));
			return -errno;
		}
		snprintf(od->final, sizeof(od->final), "results/%s-%s", ts, host);
	}
	while (strlen(od->final) > 1 && od->final[strlen(od->final) - 1] == '/')
		od->final[strlen(od->final) - 1] = 0;
	if (!stat(od->final, &st) && (!S_ISDIR(st.st_mode) || rmdir(od->final))) {
		snprintf(err, len, "--out: %s already exists and is not an empty directory",
			 od->final);
		return -EEXIST;
	}
	slash = strrchr(od->final, '/');
	snprintf(od->tmp, sizeof(od->tmp), "%.*s.%s.tmp-%d",
		 slash ? (int)(slash - od->final + 1) : 0, od->final,
		 slash ? slash + 1 : od->final, (int)getpid());
	if (mkdir(od->tmp, 0777)) {
		snprintf(err, len, "--out: cannot create the run directory %s: %s",
			 od->final, strerror(errno));
		return -errno;
	}
	return 0;
}

static void remove_tmp(const struct out_dir *od)
{
	rmdir(od->tmp);
}

static int write_out(struct run *r, const struct out_dir *od)
{
	char err[512];

	utc_now(r->ended, sizeof(r->ended), "%Y-%m-%dT%H:%M:%SZ");
	if (output_write(r, od->tmp, err, sizeof(err))) {
		fprintf(stderr, "cowbench: %s\n", err);
		return -EIO;
	}
	if (rename(od->tmp, od->final)) {
		fprintf(stderr, "cowbench: cannot rename %s to %s: %s (results left in %s)\n",
			od->tmp, od->final, strerror(errno), od->tmp);
		return -EIO;
	}
	printf("%s\n", od->final);
	return 0;
}

static int open_machine(struct run *r, const char *events, char *err, size_t len)
{
	int rc = topo_open(&r->topo, err, len);

	if (rc)
		return rc;
	rc = pmu_setup(&r->pmu, events, err, len);
	if (rc)
		return rc;
	clock_init(&r->clock);
	r->clock.phase_mark_overhead_ns = worker_phase_overhead_ns();
	machine_probe(&r->machine, r->topo, &r->pmu);
	return 0;
}

static int exit_code(const struct run *r)
{
	if (r->status == RUN_INTERRUPTED)
		return EXIT_INTERRUPTED;
	if (r->status == RUN_FAILED)
		return 1;
	for (size_t i = 0; i < r->ncells; i++)
		if (r->cells[i].status == CELL_FAILED)
			return 1;
	return 0;
}

static int cmd_run(int argc, char **argv)
{
	static struct run run;
	struct raw_options ro = { 0 };
	struct out_dir od;
	char err[512] = "";
	int rc;

	run.argc = argc + 1;
	run.argv = argv - 1;
	if (parse_run_args(&run, argc, argv, &ro))
		return EXIT_USAGE;
	rc = topo_open(&run.topo, err, sizeof(err));
	if (rc)
		return bad("%s%s", err, ""), 1;
	if (finish_options(&run, &ro, err, sizeof(err)) ||
	    pmu_setup(&run.pmu, run.opt.events, err, sizeof(err)))
		return bad("%s%s", err, "");
	if (sweep_select(&run, err, sizeof(err)) || prepare_out(&run, &od, err, sizeof(err))) {
		pmu_cleanup(&run.pmu);
		return bad("%s%s", err, "");
	}
	install_signals();
	clock_init(&run.clock);
	run.clock.phase_mark_overhead_ns = worker_phase_overhead_ns();
	machine_probe(&run.machine, run.topo, &run.pmu);
	utc_now(run.started, sizeof(run.started), "%Y-%m-%dT%H:%M:%SZ");
	if (run.opt.budget_s > 0)
		run.deadline_ns = clock_mono_ns() + (uint64_t)(run.opt.budget_s * 1e9);
	if (!run.opt.quiet)
		fprintf(stderr, "cowbench: %zu cells, results in %s\n", run.ncells, od.final);
	rc = sweep_run(&run);
	if (write_out(&run, &od)) {
		remove_tmp(&od);
		return 1;
	}
	if (rc == -EDEADLK) {
		fprintf(stderr, "cowbench: a cell hung; results written, exiting\n");
		fflush(NULL);
		_exit(1);
	}
	pmu_cleanup(&run.pmu);	/* unmounts tracefs if pmu_setup mounted it */
	return exit_code(&run);
}

static int cmd_list(void)
{
	for (size_t f = 0; f < harness_nfamilies; f++) {
		const struct bench *b = harness_families[f];

		printf("%s (%s/*): %s\n", bench_name(b), b->family, b->desc);
		for (size_t i = 0; i < b->nvariants; i++) {
			const struct bench_variant *v = &b->variants[i];
			char name[64];

			snprintf(name, sizeof(name), "%s/%s", b->family, v->name);
			printf("  %-22s %-9s %s\n", name, class_name(v->class), v->desc);
		}
	}
	return 0;
}

static int cmd_info(void)
{
	static struct run run;
	char err[512];

	if (open_machine(&run, NULL, err, sizeof(err)))
		return bad("%s%s", err, ""), 1;
	machine_print(&run.machine, run.topo, stdout);
	printf("\nclock: %s", run.clock.source);
	if (run.clock.tsc_hz)
		printf(" at %.3f MHz", run.clock.tsc_hz / 1e6);
	printf(", read %.1f ns, phase mark %.1f ns\n", run.clock.read_overhead_ns,
	       run.clock.phase_mark_overhead_ns);
	printf("\ncounters:\n");
	for (unsigned int i = 0; i < run.pmu.n; i++) {
		const struct pmu_event *e = &run.pmu.ev[i];

		printf("  %-28s %s%s%s\n", e->key, e->available ? "available" : "unavailable: ",
		       e->available ? (e->user_only ? " (user space only)" : "") : e->reason, "");
	}
	printf("\nplacements:\n");
	for (int p = 0; p < TOPO_NR_PLACEMENTS; p++) {
		char why[200] = "";
		bool differs = p == TOPO_COMPACT ||
			       topo_placement_differs(run.topo, (enum topo_placement)p, why, sizeof(why));

		printf("  %-8s %s%s\n", topo_placement_name((enum topo_placement)p),
		       differs ? "distinct" : "same CPUs as compact: ", differs ? "" : why);
	}
	pmu_cleanup(&run.pmu);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : 0;
	}
	if (!strcmp(argv[1], "run"))
		return cmd_run(argc - 1, argv + 1);
	if (!strcmp(argv[1], "list"))
		return cmd_list();
	if (!strcmp(argv[1], "info"))
		return cmd_info();
	if (!strcmp(argv[1], "sink"))
		return peer_sink_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "--version")) {
		printf("cowbench %s\n", COWBENCH_VERSION);
		return 0;
	}
	fprintf(stderr, "cowbench: unknown command \"%s\" (run, list or info; see --help)\n",
		argv[1]);
	return EXIT_USAGE;
}
