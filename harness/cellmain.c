// SPDX-License-Identifier: GPL-2.0-only
/*
 * cellmain.c - `cowbench cell`, the process of one repetition of one cell.
 *
 * Its address space holds only the harness and this cell: nothing an
 * earlier cell mapped, forked or flushed. Its main thread pins itself to
 * the producer's CPU before any worker starts and then sleeps while the
 * workers measure, so the mm's CPUs are exactly the cell's CPUs. It dies
 * with the run (PR_SET_PDEATHSIG) and offers itself first to the OOM
 * killer (oom_score_adj 1000), so that a cell that exhausts memory is one
 * failed cell, not a killed run.
 *
 * For the tests only, COWBENCH_TEST_FAULT="VARIANT:SIZE:KIND" makes the
 * process of that cell misbehave after its first sample: KIND "crash"
 * (SIGSEGV), "hang" (stops reporting) or "exit" (exits without its last
 * record).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "cellmain.h"
#include "clock.h"
#include "measure.h"
#include "pmu.h"
#include "topo.h"
#include "wire.h"

enum fault { FAULT_NONE, FAULT_CRASH, FAULT_HANG, FAULT_EXIT };

struct emitter {
	FILE *out;
	size_t declared;
	enum fault fault;
};

static void on_stop(int sig)
{
	measure_interrupted = sig;
}

static void on_kick(int sig)
{
	(void)sig;	/* only to interrupt a blocking call with EINTR */
}

static void install_signals(void)
{
	struct sigaction sa = { .sa_handler = on_stop };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = on_kick;	/* no SA_RESTART */
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&sa.sa_mask);
	sigprocmask(SIG_SETMASK, &sa.sa_mask, NULL);	/* blocked by the run */
}

static void offer_to_oom_killer(void)
{
	FILE *f = fopen("/proc/self/oom_score_adj", "we");

	if (f) {
		fputs("1000\n", f);
		fclose(f);
	}
}

static enum fault test_fault(const struct cell_spec *s)
{
	const char *e = getenv("COWBENCH_TEST_FAULT");
	char want[REGISTRY_NAME_LEN + 64];
	size_t n;

	if (!e)
		return FAULT_NONE;
	n = (size_t)snprintf(want, sizeof(want), "%s:%zu:", s->variant, s->size);
	if (strncmp(e, want, n))
		return FAULT_NONE;
	return !strcmp(e + n, "crash") ? FAULT_CRASH : !strcmp(e + n, "hang") ?
	       FAULT_HANG : !strcmp(e + n, "exit") ? FAULT_EXIT : FAULT_NONE;
}

static void emit(void *arg, const struct rep_result *r)
{
	struct emitter *em = arg;

	wire_emit_samples(em->out, r, &em->declared);
	if (ferror(em->out))
		_exit(1);	/* the run is gone: nobody to report to */
	if (em->fault == FAULT_CRASH)
		raise(SIGSEGV);
	if (em->fault == FAULT_EXIT)
		_exit(3);
	while (em->fault == FAULT_HANG)
		pause();
}

/* The parent's probe of the counters, adopted event by event. */
static int adopt_counters(struct pmu_set *pmu, const struct cell_spec *s,
			  char *err, size_t len)
{
	int rc = pmu_declare(pmu, s->events[0] ? s->events : NULL, err, len);

	if (rc)
		return rc;
	if (pmu->n != s->nevents) {
		snprintf(err, len, "the cell's process finds %u counters, the run %u: what "
			 "can be counted changed during the run (tracefs unmounted, a "
			 "sysctl or the PMU changed)", pmu->n, s->nevents);
		return -EINVAL;
	}
	for (unsigned int i = 0; i < s->nevents; i++)
		if (pmu_adopt(pmu, i, s->ev[i].key, s->ev[i].available, s->ev[i].user_only)) {
			snprintf(err, len, "counter %u is %s here, %s in the run", i,
				 pmu->ev[i].key, s->ev[i].key);
			return -EINVAL;
		}
	return 0;
}

/* A repetition that could not start: its one record says why. */
static int refuse(FILE *out, const char *why)
{
	fprintf(out, "end failed - %s\n", why);
	fflush(out);
	return 1;
}

int cellmain(int argc, char **argv)
{
	static struct cell_spec spec;
	static struct pmu_set pmu;
	struct rep_result rep = { .exit_code = -1, .exit_signal = -1, .helper_cpu = -1 };
	struct emitter em = { .out = stdout };
	struct clock_info ci;
	struct cell_env env;
	struct topo *topo;
	char err[256];
	int rc;

	(void)argv;
	if (argc != 1 || isatty(STDIN_FILENO)) {
		fprintf(stderr, "cowbench: 'cell' is internal to 'cowbench run'\n");
		return 2;
	}
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	install_signals();
	offer_to_oom_killer();
	if (wire_read_spec(stdin, &spec, err, sizeof(err)))
		return refuse(stdout, err);
	em.fault = test_fault(&spec);
	env = (struct cell_env){ .vr = registry_find(spec.variant), .size = spec.size,
		.ncpus = spec.ncpus, .cpu_list = spec.cpu_list, .sink = spec.sink,
		.peer = spec.peer[0] ? spec.peer : NULL, .hazard = spec.hazard,
		.verify = spec.verify, .sabotage = spec.sabotage, .thp = spec.thp,
		.pmu = &pmu, .samp = spec.samp, .on_sample = emit, .arg = &em };
	if (!env.vr)
		return refuse(stdout, "no such variant");
	if (spec.xml ? topo_open_xml(&topo, spec.xml, spec.xml_len, err, sizeof(err)) :
	    topo_open(&topo, err, sizeof(err)))
		return refuse(stdout, err);
	env.topo = topo;
	rc = topo_bind_self(topo, spec.cpu_list[0]);
	if (rc) {
		snprintf(err, sizeof(err), "cannot pin to CPU %d: %s", spec.cpu_list[0],
			 strerror(-rc));
		return refuse(stdout, err);
	}
	if (adopt_counters(&pmu, &spec, err, sizeof(err)))
		return refuse(stdout, err);
	clock_init_hz(&ci, spec.tsc_hz);
	fputs("info ready 1\n", stdout);
	fflush(stdout);
	rc = measure_cell(&env, &rep);
	wire_emit_end(stdout, &rep, env.vr->v, &pmu);
	fflush(NULL);
	if (rc == -EDEADLK)
		_exit(0);	/* threads that do not stop cannot be joined */
	rep_free(&rep);
	topo_close(topo);
	return 0;
}
