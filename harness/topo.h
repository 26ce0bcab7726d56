/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * topo.h - topology, CPU selection per placement, pinning and NUMA-local
 * memory, all through hwloc. The only module that knows hwloc.
 *
 * Placement of N CPUs (the first is the producer's, the second the
 * consumer's, the rest the bystanders'):
 *   compact  one PU per core in hwloc's logical order (which fills one L3,
 *            then one package, before the next); SMT siblings only when the
 *            cores run out.
 *   smt      PUs in logical order: the siblings of a core first.
 *   scatter  hwloc_distrib() over the whole machine (packages, L3s, NUMA
 *            nodes as far apart as possible), one PU of each set.
 * Only CPUs that the process may run on are used (the cgroup's cpuset and
 * the sched_getaffinity() mask, e.g. taskset).
 */
#ifndef COWBENCH_TOPO_H
#define COWBENCH_TOPO_H

#include <stdbool.h>
#include <stddef.h>

struct json_writer;
struct topo;

enum topo_placement {
	TOPO_COMPACT,
	TOPO_SCATTER,
	TOPO_SMT,
	TOPO_NR_PLACEMENTS,
};

/* Load the topology once. HWLOC_SYNTHETIC / HWLOC_XMLFILE in the
 * environment give a fake one (used by the tests); binding then is a no-op
 * and topo_can_bind() is false. Returns 0 or -errno with err filled. */
int topo_open(struct topo **t, char *err, size_t errlen);
void topo_close(struct topo *t);

/* The topology a cell's process uses: the run's, as XML (only for a real
 * machine, -ENOTSUP for a fake one, which the process loads as the run
 * did). Loading it probes nothing (no CPUID on each CPU, which would run
 * the process on every CPU before its cell starts) and keeps the run's
 * usable CPUs whatever the process's own affinity. */
int topo_export_xml(const struct topo *t, char **xml, int *len);
void topo_free_xml(const struct topo *t, char *xml);
int topo_open_xml(struct topo **t, const char *xml, int len, char *err, size_t errlen);

/* Number of usable PUs. */
unsigned int topo_ncpus(const struct topo *t);

/* The usable CPUs' OS ids and what restricts them, for messages: "CPUs
 * allowed: 0 of 0-1 (the affinity mask: taskset)". Returns buf. */
char *topo_allowed(const struct topo *t, char *buf, size_t len);

/* Does binding really happen (false for a synthetic/XML topology)? */
bool topo_can_bind(const struct topo *t);

/* Is the placement meaningful here? (smt needs SMT; scatter needs more
 * than one package, L3 or NUMA node to differ from compact.) Writes why not. */
bool topo_placement_differs(const struct topo *t, enum topo_placement p,
			    char *why, size_t len);

/* Choose n OS CPU numbers for placement p into cpus[0..n). -EINVAL with err
 * filled when n is 0 or more than topo_ncpus(). */
int topo_select(const struct topo *t, enum topo_placement p, unsigned int n,
		int *cpus, char *err, size_t errlen);

/* Bind the calling thread to OS CPU `cpu` and check where it runs.
 * Returns 0, or -errno. No-op returning 0 when !topo_can_bind(). */
int topo_bind_self(const struct topo *t, int cpu);

/* Logical index of the core that holds OS CPU `cpu`, -1 when unknown. */
int topo_core_of(const struct topo *t, int cpu);

/* NUMA node (OS index) of an OS CPU; 0 when the machine has no NUMA info. */
int topo_numa_node(const struct topo *t, int cpu);

/* len bytes, page aligned, bound to the NUMA node of `cpu` (falls back to
 * a plain anonymous mapping). NULL on failure. */
void *topo_alloc_near(const struct topo *t, int cpu, size_t len);
void topo_free(const struct topo *t, void *p, size_t len);

/* Counts for fingerprints. */
struct topo_counts {
	unsigned int packages, numa_nodes, l3s, cores, pus, usable_pus;
	unsigned int smt_per_core;	/* max PUs per core */
	unsigned long long l1d, l2, l3;	/* bytes of one cache, 0 unknown */
};
void topo_counts(const struct topo *t, struct topo_counts *c);

/* The topology as a JSON object member "topology" of w: counts, caches,
 * and per package/NUMA node/L3 the OS CPU lists. */
void topo_to_json(const struct topo *t, struct json_writer *w);

const char *topo_placement_name(enum topo_placement p);
/* -1 when unknown. */
int topo_placement_parse(const char *s);

#endif
