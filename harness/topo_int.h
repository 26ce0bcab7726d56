/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * topo_int.h - struct topo, shared by topo.c (loading, placement,
 * binding), topo_mem.c (NUMA-local memory) and topo_view.c (counts and
 * JSON). Nothing outside these files sees hwloc.
 */
#ifndef COWBENCH_TOPO_INT_H
#define COWBENCH_TOPO_INT_H

#include <hwloc.h>
#include <pthread.h>
#include <stdbool.h>

#include "topo.h"

/* Areas from hwloc_alloc_membind(): they must go back through hwloc_free();
 * everything else topo_alloc_near() returns is a plain mmap. */
struct topo_area {
	void *p;
	struct topo_area *next;
};

struct topo_areas {
	pthread_mutex_t lock;
	struct topo_area *head;
};

struct topo {
	hwloc_topology_t hw;	/* the machine (cgroup applied) */
	hwloc_topology_t use;	/* hw restricted to the affinity mask, or hw */
	bool can_bind;
	unsigned int pus;	/* PUs in hw */
	unsigned int npus;	/* PUs in use */
	int *compact, *smt;	/* OS indexes of the usable PUs, in each order */
	struct topo_areas *areas;
};

/* Objects of a type; hwloc says -1 when a type sits at several depths:
 * count none then. */
unsigned int topo_nb(hwloc_topology_t h, hwloc_obj_type_t type);

/* Is OS CPU `cpu` one the run may use? */
bool topo_is_usable(const struct topo *t, int cpu);

#endif
