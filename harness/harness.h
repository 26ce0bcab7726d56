/*
 * harness.h - what the harness modules share: the run, its options, and the
 * results of each cell. Benchmarks never include this.
 */
#ifndef COWBENCH_HARNESS_H
#define COWBENCH_HARNESS_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bench.h"
#include "clock.h"
#include "machine.h"
#include "pmu.h"
#include "stats.h"
#include "topo.h"

#define HARNESS_MAX_CPUS 1024
#define HARNESS_MAX_SERIES 160
#define HARNESS_MAX_VARIANTS 64

/* Every family, from bench/families.h. */
extern const struct bench *const harness_families[];
extern const size_t harness_nfamilies;

struct harness_variant {
	const struct bench *family;
	const struct bench_variant *v;
	char name[64];			/* "family/name" */
};

struct options {
	const char *bench_globs;	/* comma-separated globs on family */
	const char *variant_globs;	/* comma-separated globs on family/name */
	size_t *sizes;
	size_t nsizes;
	unsigned int *cpus;
	size_t ncpus;
	enum topo_placement placements[TOPO_NR_PLACEMENTS];
	size_t nplacements;
	const char *events;
	double target_ci;		/* relative half-width, 0.01 */
	unsigned long min_samples, max_samples, warmup;
	double cell_budget_s, budget_s;	/* budget 0: unlimited */
	double min_sample_s;		/* a sample lasts at least this */
	enum bench_sink sink;
	const char *out;		/* run directory, NULL: results/<ts>-<host> */
	const char *peer;		/* --peer HOST:PORT of a remote sink */
	bool hazard;			/* --hazard: protocol check only */
	bool quick;
	bool quiet;
};

/* One measured quantity of a cell: its per-operation value per sample. */
struct series {
	char role[12];			/* op, producer, consumer, bystanders */
	char metric[72];		/* wall_ns, cpu_ns, page_faults, phase.x.wall_ns */
	const char *unit;		/* "ns/op" or "count/op" */
	double *v;
	size_t n, cap;
	struct stats_summary sum;
	bool has_sum;
};

enum cell_status {
	CELL_OK,
	CELL_FAILED,
	CELL_UNSUPPORTED,
	CELL_INTERRUPTED,
	CELL_SKIPPED,
};

struct cell_result {
	const struct harness_variant *hv;
	size_t size;
	unsigned int ncpus;
	enum topo_placement placement;
	int *cpu_list;
	bool colocated;
	bool smt_siblings;		/* two of its CPUs share a core */
	enum cell_status status;
	char reason[256];
	bool verified;
	uint64_t verify_ops;
	uint64_t verify_reports[BENCH_MAX_REPORTS];
	uint64_t ops_per_sample;
	unsigned long warmup;
	const char *stop_reason;
	double duration_s;
	struct series series[HARNESS_MAX_SERIES];
	size_t nseries;
};

enum run_status {
	RUN_COMPLETE,
	RUN_INTERRUPTED,
	RUN_FAILED,
};

struct run {
	struct options opt;
	int argc;
	char **argv;
	char started[32], ended[32];	/* ISO-8601 UTC */
	enum run_status status;
	struct topo *topo;
	struct pmu_set pmu;
	struct clock_info clock;
	struct machine machine;
	struct harness_variant variants[HARNESS_MAX_VARIANTS];
	size_t nvariants;
	struct cell_result *cells;
	size_t ncells;
	uint64_t deadline_ns;		/* CLOCK_MONOTONIC end of --budget, 0 none */
};

/* Set by SIGINT/SIGTERM: stop after the sample in flight. */
extern volatile sig_atomic_t harness_interrupted;

/* worker.c: measure one cell (threads, gate, samples, stopping rule). */
int worker_measure_cell(struct run *r, struct cell_result *c);
double worker_phase_overhead_ns(void);

/* series helpers (worker.c) */
struct series *series_get(struct cell_result *c, const char *role,
			  const char *metric, const char *unit);
void series_free(struct cell_result *c);

/* sweep.c: select variants, build cells, run them all. */
int sweep_select(struct run *r, char *err, size_t errlen);
int sweep_run(struct run *r);
const char *cell_status_name(enum cell_status s);
const char *class_name(enum bench_class c);
const char *bench_name(const struct bench *b);

/* output.c: write run.json, results.csv, summary.txt into dir. */
int output_write(const struct run *r, const char *dir, char *err, size_t errlen);
/* Shell-quoted command line. */
void output_command_line(const struct run *r, char *buf, size_t len);

/* summary.c */
int summary_write(const struct run *r, FILE *f);

#endif
