/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * wire.h - what passes between `cowbench run` and the process it starts
 * for one repetition of one cell (`cowbench cell`, internal).
 *
 * Both directions are lines of text, "key value...", values never holding
 * a newline; numbers are written with %.17g, so doubles survive exactly.
 *   spec     parent -> child, on the child's stdin: the cell, how to
 *            sample it, the counters as the parent probed them, the clock;
 *            ends with "end", then the topology's XML bytes if it has
 *            "topology_xml LEN".
 *   records  child -> parent, on the child's stdout, as they happen:
 *              series IDX ROLE METRIC UNIT   a new series (IDX = its index)
 *              sample V0 V1 ...             one sample, a value per series
 *                                           ("nan": not measured in it)
 *              info KEY VALUE               a fact about the repetition
 *              end STATUS STOP_REASON REASON...   the last record
 * A child that dies before "end" has still given every sample it recorded.
 */
#ifndef COWBENCH_WIRE_H
#define COWBENCH_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "measure.h"
#include "pmu.h"
#include "results.h"
#include "topo.h"

#define WIRE_MAX_CPUS 1024

struct wire_event {
	char key[64];
	bool available, user_only;
};

struct cell_spec {
	char variant[REGISTRY_NAME_LEN];
	size_t size;
	unsigned int ncpus;
	int cpu_list[WIRE_MAX_CPUS];
	enum topo_placement placement;
	unsigned int rep;
	struct sampling samp;
	enum bench_sink sink;
	char peer[256];			/* "" none */
	bool hazard;
	bool verify;
	bool sabotage, thp;
	char events[1024];		/* the --events list, "" the defaults */
	unsigned int nevents;
	struct wire_event ev[PMU_MAX_EVENTS];
	double tsc_hz;			/* 0: CLOCK_MONOTONIC_RAW */
	const char *xml;		/* the run's topology (topo_export_xml), */
	int xml_len;			/* its bytes follow "end"; NULL: none */
};

/* Write the spec; 0 or -errno. */
int wire_write_spec(FILE *f, const struct cell_spec *s);
/* Read a spec up to "end" and the topology after it (s->xml malloc'd);
 * 0, or -EINVAL with err saying what is wrong. */
int wire_read_spec(FILE *f, struct cell_spec *s, char *err, size_t errlen);

/* Child side: the records of r that are new since the last call (series
 * declared so far: *declared), and the closing records. */
void wire_emit_samples(FILE *f, const struct rep_result *r, size_t *declared);
void wire_emit_end(FILE *f, const struct rep_result *r,
		   const struct bench_variant *v, const struct pmu_set *pmu);

/* Parent side: apply one record line (no newline) to r. Returns 1 after
 * "end", 0 for another record, -EPROTO for a line that is not one. */
int wire_apply(struct rep_result *r, const struct bench_variant *v,
	       const struct pmu_set *pmu, char *line);

#endif
