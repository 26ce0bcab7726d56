// SPDX-License-Identifier: GPL-2.0-only
/*
 * main.c - the command line: `cowbench run | list | info | sink`, and the
 * internal `cell`. Validates everything before measuring (bad input: one
 * line on stderr, exit 2, nothing written), dispatches, and owns the exit
 * code: 0 complete, 1 a cell failed or the run failed, 2 bad input, 130
 * interrupted (what was measured is written, status "interrupted").
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "analysis.h"
#include "cellmain.h"
#include "cli.h"
#include "config.h"
#include "out_json.h"
#include "output.h"
#include "peer.h"
#include "plan.h"
#include "schedule.h"

#define EXIT_INTERRUPTED 130

static int bad(const char *msg)
{
	fprintf(stderr, "cowbench: %s\n", msg);
	return CLI_EXIT_USAGE;
}

static void utc_now(char *buf, size_t len)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
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

static int version(void)
{
	printf("cowbench %s\n", COWBENCH_VERSION);
	return 0;
}

static void probe_machine(struct run *r)
{
	clock_init(&r->clock);
	r->clock.phase_mark_overhead_ns = measure_phase_overhead_ns();
	machine_probe(&r->machine, r->topo, &r->pmu);
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
	sched_install_signals();
	rc = cli_parse_run(&run, argc, argv, &ro);
	if (rc)
		return rc == 1 ? 0 : rc == 2 ? version() : CLI_EXIT_USAGE;
	if (topo_open(&run.topo, err, sizeof(err))) {
		fprintf(stderr, "cowbench: %s\n", err);
		return 1;
	}
	if (cli_finish(&run, &ro, err, sizeof(err)) || plan_select(&run, err, sizeof(err)) ||
	    plan_cells(&run, err, sizeof(err)))
		return bad(err);
	if (pmu_setup(&run.pmu, run.opt.events, err, sizeof(err)))
		return bad(err);
	if (plan_order(&run) || output_prepare(run.opt.out, &od, stderr, err, sizeof(err))) {
		pmu_cleanup(&run.pmu);
		return bad(err[0] ? err : strerror(ENOMEM));
	}
	probe_machine(&run);
	utc_now(run.started, sizeof(run.started));
	if (!run.opt.quiet)
		fprintf(stderr, "cowbench: %zu cells x %u repetitions, results in %s\n",
			run.ncells, run.opt.repetitions, od.final);
	rc = sched_run(&run);
	if (rc) {
		fprintf(stderr, "cowbench: the run could not go on: %s\n", strerror(-rc));
		run.status = RUN_FAILED;
	}
	utc_now(run.ended, sizeof(run.ended));
	if (analysis_run(&run)) {
		fprintf(stderr, "cowbench: out of memory in the analysis\n");
		run.status = RUN_FAILED;
	}
	rc = output_commit(&run, &od, err, sizeof(err));
	pmu_cleanup(&run.pmu);	/* unmounts tracefs if pmu_setup mounted it */
	if (rc) {
		fprintf(stderr, "cowbench: %s\n", err);
		return 1;
	}
	if (!run.opt.quiet)
		fprintf(stderr, "cowbench: the verdict is the first screen of %s/summary.txt; "
			"every table: details.txt; plots: scripts/plot %s\n", od.final, od.final);
	printf("%s\n", od.final);
	return exit_code(&run);
}

static int cmd_list(int argc, char **argv)
{
	const struct variant_ref *all;
	size_t n = registry_variants(&all);
	const struct bench *prev = NULL;

	if (argc == 2 && !strcmp(argv[1], "--json")) {
		struct json_writer w;

		json_init(&w, stdout, true);
		json_object_begin(&w, NULL);
		json_string(&w, "schema", "cowbench-list/1");
		json_array_begin(&w, "variants");
		for (size_t i = 0; i < n; i++)
			out_json_variant(&w, &all[i]);
		json_array_end(&w);
		json_object_end(&w);
		putchar('\n');
		return json_finish(&w) ? 1 : 0;
	}
	if (argc != 1)
		return bad("list: the only option is --json");
	for (size_t i = 0; i < n; i++) {
		if (all[i].bench != prev)
			printf("%s (%s/*): %s\n", all[i].bench->name, all[i].bench->family,
			       all[i].bench->desc);
		prev = all[i].bench;
		printf("  %-22s %-9s %s\n", all[i].name, registry_class_name(all[i].v->class),
		       all[i].v->desc);
	}
	return 0;
}

static int cmd_info(int argc)
{
	static struct run run;
	char err[512];

	if (argc != 1)
		return bad("info takes no arguments");
	if (topo_open(&run.topo, err, sizeof(err))) {
		fprintf(stderr, "cowbench: %s\n", err);
		return 1;
	}
	if (pmu_setup(&run.pmu, NULL, err, sizeof(err)))
		return bad(err);
	probe_machine(&run);
	machine_print(&run.machine, run.topo, stdout);
	printf("\nclock: %s", run.clock.source);
	if (run.clock.tsc_hz)
		printf(" at %.3f MHz", run.clock.tsc_hz / 1e6);
	printf(", read %.1f ns, phase mark %.1f ns\n       %s\n",
	       run.clock.read_overhead_ns, run.clock.phase_mark_overhead_ns, run.clock.why);
	printf("\ncounters:\n");
	for (unsigned int i = 0; i < run.pmu.n; i++) {
		const struct pmu_event *e = &run.pmu.ev[i];

		printf("  %-28s %s%s\n", e->key, e->available ? "available" : "unavailable: ",
		       e->available ? (e->user_only ? " (user space only)" : "") : e->reason);
	}
	printf("\nplacements:\n");
	for (int p = 0; p < TOPO_NR_PLACEMENTS; p++) {
		char why[200] = "";
		bool differs = p == TOPO_COMPACT ||
			       topo_placement_differs(run.topo, (enum topo_placement)p, why,
						      sizeof(why));

		printf("  %-8s %s%s\n", topo_placement_name((enum topo_placement)p),
		       differs ? "distinct" : "same CPUs as compact: ", differs ? "" : why);
	}
	pmu_cleanup(&run.pmu);
	return 0;
}

int main(int argc, char **argv)
{
	char q[96];

	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		cli_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_EXIT_USAGE : 0;
	}
	for (int i = 2; i < argc; i++)
		if (!strcmp(argv[i], "--version") && strcmp(argv[1], "cell"))
			return version();
	if (!strcmp(argv[1], "run"))
		return cmd_run(argc - 1, argv + 1);
	if (!strcmp(argv[1], "list"))
		return cmd_list(argc - 1, argv + 1);
	if (!strcmp(argv[1], "info"))
		return cmd_info(argc - 1);
	if (!strcmp(argv[1], "sink"))
		return peer_sink_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "cell"))
		return cellmain(argc - 1, argv + 1);
	if (!strcmp(argv[1], "--version"))
		return version();
	fprintf(stderr, "cowbench: unknown command \"%s\" (run, list, info or sink; see "
		"--help)\n", cli_quote(argv[1], q, sizeof(q)));
	return CLI_EXIT_USAGE;
}
