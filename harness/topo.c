// SPDX-License-Identifier: GPL-2.0-only
/*
 * topo.c - topology, placement, pinning and NUMA-local memory via hwloc.
 *
 * Two views of one machine: `hw` is what hwloc loaded (already limited to
 * the cgroup's cpuset) and is what the fingerprint describes; `use` is `hw`
 * cut down to the sched_getaffinity() mask (taskset), which hwloc does not
 * apply by itself, and is what placements choose from. When the mask
 * covers everything, both are the same topology. The compact and smt
 * orders are computed once at open; scatter asks hwloc_distrib() per call.
 * A synthetic or XML topology (the tests) is never bound to.
 */
#include "topo_int.h"
#include "json.h"

#include <errno.h>
#include <hwloc.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static const char *const placement_names[TOPO_NR_PLACEMENTS] = {
	[TOPO_COMPACT] = "compact",
	[TOPO_SCATTER] = "scatter",
	[TOPO_SMT] = "smt",
};

static bool is_fake(hwloc_topology_t h)
{
	const struct hwloc_topology_support *s = hwloc_topology_get_support(h);

	if (getenv("HWLOC_SYNTHETIC") || getenv("HWLOC_XMLFILE"))
		return true;
	if (!hwloc_topology_is_thissystem(h))
		return true;
	return !s->cpubind->set_thisthread_cpubind;
}

unsigned int topo_nb(hwloc_topology_t h, hwloc_obj_type_t type)
{
	int n = hwloc_get_nbobjs_by_type(h, type);

	return n > 0 ? (unsigned int)n : 0;
}

static int restrict_to_affinity(struct topo *t, char *err, size_t errlen)
{
	hwloc_const_cpuset_t all = hwloc_topology_get_topology_cpuset(t->hw);
	hwloc_bitmap_t mask = hwloc_bitmap_alloc();
	hwloc_topology_t cut;
	int ret = 0;

	t->use = t->hw;
	if (!t->can_bind)
		goto out_free;	/* a fake machine: our mask says nothing about it */
	/* HWLOC_CPUBIND_THREAD: sched_getaffinity(0), the mask that the
	 * threads created from here on inherit (taskset's) */
	if (!mask || hwloc_get_cpubind(t->hw, mask, HWLOC_CPUBIND_THREAD)) {
		ret = !mask ? -ENOMEM : errno ? -errno : -EINVAL;
		snprintf(err, errlen, "sched_getaffinity: %s", strerror(-ret));
		goto out_free;
	}
	hwloc_bitmap_and(mask, mask, all);
	if (hwloc_bitmap_iszero(mask)) {
		snprintf(err, errlen, "no usable CPU: the affinity mask and "
			 "the topology do not intersect");
		ret = -ENODEV;
		goto out_free;
	}
	if (hwloc_bitmap_isequal(mask, all))
		goto out_free;
	errno = 0;
	if (hwloc_topology_dup(&cut, t->hw) == 0) {
		t->use = cut;	/* topo_close() destroys it from here on */
		if (hwloc_topology_restrict(cut, mask, 0) == 0)
			goto out_free;
	}
	ret = errno ? -errno : -ENOMEM;
	snprintf(err, errlen, "restricting the topology to the affinity "
		 "mask: %s", strerror(-ret));
out_free:
	hwloc_bitmap_free(mask);
	return ret;
}

/* compact: rank of each PU inside its core (0 for the first), then all
 * rank-0 PUs in logical order, then all rank-1 PUs, ... A core's PUs are
 * consecutive in logical order. */
static int build_orders(struct topo *t)
{
	unsigned int *rank = calloc(t->npus, sizeof(*rank));
	unsigned int max_rank = 0, k = 0;
	hwloc_obj_t prev_core = NULL;

	t->compact = calloc(t->npus, sizeof(int));
	t->smt = calloc(t->npus, sizeof(int));
	if (!rank || !t->compact || !t->smt) {
		free(rank);
		return -ENOMEM;
	}
	for (unsigned int i = 0; i < t->npus; i++) {
		hwloc_obj_t pu = hwloc_get_obj_by_type(t->use, HWLOC_OBJ_PU, i);
		hwloc_obj_t core = hwloc_get_ancestor_obj_by_type(t->use,
							HWLOC_OBJ_CORE, pu);

		rank[i] = (core && core == prev_core) ? rank[i - 1] + 1 : 0;
		if (rank[i] > max_rank)
			max_rank = rank[i];
		prev_core = core;
		t->smt[i] = (int)pu->os_index;
	}
	for (unsigned int r = 0; r <= max_rank; r++)
		for (unsigned int i = 0; i < t->npus; i++)
			if (rank[i] == r)
				t->compact[k++] = t->smt[i];
	free(rank);
	return 0;
}

/* hwloc falls back to the real machine when it cannot use the fake one:
 * say so rather than run the "fake" tests on real hardware. A fake one is
 * not "this system" (unless HWLOC_THISSYSTEM says otherwise). */
static int check_fake_used(hwloc_topology_t h, char *err, size_t errlen)
{
	const char *syn = getenv("HWLOC_SYNTHETIC"), *xml = getenv("HWLOC_XMLFILE");

	if ((!syn && !xml) || !hwloc_topology_is_thissystem(h) ||
	    getenv("HWLOC_THISSYSTEM"))
		return 0;
	snprintf(err, errlen, "hwloc ignored %s=\"%s\" and read this machine",
		 syn ? "HWLOC_SYNTHETIC" : "HWLOC_XMLFILE", syn ? syn : xml);
	return -EINVAL;
}

static struct topo *topo_new(char *err, size_t errlen)
{
	struct topo *t = calloc(1, sizeof(*t));

	if (!t || !(t->areas = calloc(1, sizeof(*t->areas)))) {
		snprintf(err, errlen, "out of memory");
		free(t);
		return NULL;
	}
	pthread_mutex_init(&t->areas->lock, NULL);
	return t;
}

/* After loading: what may be bound, which PUs are usable, the orders. */
static int topo_finish(struct topo *t, bool restrict_mask, char *err, size_t errlen)
{
	int ret;

	t->pus = topo_nb(t->hw, HWLOC_OBJ_PU);
	if (restrict_mask) {
		ret = restrict_to_affinity(t, err, errlen);
		if (ret)
			return ret;
	} else {
		t->use = t->hw;
	}
	t->npus = topo_nb(t->use, HWLOC_OBJ_PU);
	ret = build_orders(t);
	if (ret)
		snprintf(err, errlen, "out of memory");
	return ret;
}

int topo_open(struct topo **tp, char *err, size_t errlen)
{
	struct topo *t = topo_new(err, errlen);
	int ret = -ENOMEM;

	*tp = NULL;
	if (!t)
		return ret;
	errno = 0;
	if (hwloc_topology_init(&t->hw) || hwloc_topology_load(t->hw)) {
		ret = errno ? -errno : -EINVAL;
		snprintf(err, errlen, "hwloc topology: %s", strerror(-ret));
		goto out_close;
	}
	t->can_bind = !is_fake(t->hw);
	ret = check_fake_used(t->hw, err, errlen);
	if (!ret)
		ret = topo_finish(t, true, err, errlen);
	if (ret)
		goto out_close;
	*tp = t;
	return 0;
out_close:
	topo_close(t);
	return ret;
}

int topo_export_xml(const struct topo *t, char **xml, int *len)
{
	if (!t->can_bind)
		return -ENOTSUP;
	return hwloc_topology_export_xmlbuffer(t->use, xml, len, 0) ? -errno : 0;
}

void topo_free_xml(const struct topo *t, char *xml)
{
	hwloc_free_xmlbuffer(t->use, xml);
}

int topo_open_xml(struct topo **tp, const char *xml, int len, char *err, size_t errlen)
{
	struct topo *t = topo_new(err, errlen);
	const struct hwloc_topology_support *s;
	int ret = -ENOMEM;

	*tp = NULL;
	if (!t)
		return ret;
	errno = 0;
	if (hwloc_topology_init(&t->hw) ||
	    hwloc_topology_set_flags(t->hw, HWLOC_TOPOLOGY_FLAG_IS_THISSYSTEM) ||
	    hwloc_topology_set_xmlbuffer(t->hw, xml, len) || hwloc_topology_load(t->hw)) {
		ret = errno ? -errno : -EINVAL;
		snprintf(err, errlen, "hwloc topology from the run: %s", strerror(-ret));
		goto out_close;
	}
	s = hwloc_topology_get_support(t->hw);
	t->can_bind = s->cpubind->set_thisthread_cpubind;
	ret = topo_finish(t, false, err, errlen);
	if (ret)
		goto out_close;
	*tp = t;
	return 0;
out_close:
	topo_close(t);
	return ret;
}

/* Areas still allocated at close are left mapped: someone may use them. */
void topo_close(struct topo *t)
{
	if (!t)
		return;
	if (t->areas) {
		while (t->areas->head) {
			struct topo_area *a = t->areas->head;

			t->areas->head = a->next;
			free(a);
		}
		pthread_mutex_destroy(&t->areas->lock);
		free(t->areas);
	}
	if (t->use && t->use != t->hw)
		hwloc_topology_destroy(t->use);
	if (t->hw)
		hwloc_topology_destroy(t->hw);
	free(t->compact);
	free(t->smt);
	free(t);
}

unsigned int topo_ncpus(const struct topo *t)
{
	return t->npus;
}

bool topo_can_bind(const struct topo *t)
{
	return t->can_bind;
}

bool topo_is_usable(const struct topo *t, int cpu)
{
	return cpu >= 0 && hwloc_bitmap_isset(
		hwloc_topology_get_topology_cpuset(t->use), (unsigned int)cpu);
}

static int first_unused(const struct topo *t, hwloc_const_bitmap_t used)
{
	for (unsigned int i = 0; i < t->npus; i++)
		if (!hwloc_bitmap_isset(used, (unsigned int)t->compact[i]))
			return t->compact[i];
	return -1;
}

/* One PU of each hwloc_distrib() set (hwloc allocates the sets); should
 * two sets share a PU (uneven restricted machines), the next unused PU in
 * compact order stands in. */
static int select_scatter(const struct topo *t, unsigned int n, int *cpus)
{
	hwloc_bitmap_t *sets = calloc(n, sizeof(*sets));
	hwloc_bitmap_t used = hwloc_bitmap_alloc();
	hwloc_obj_t root = hwloc_get_root_obj(t->use);
	int ret = -ENOMEM;

	if (!sets || !used)
		goto out_free;
	errno = 0;
	if (hwloc_distrib(t->use, &root, 1, sets, n, INT_MAX, 0)) {
		ret = errno ? -errno : -EINVAL;
		goto out_free;
	}
	for (unsigned int i = 0; i < n; i++) {
		int cpu = -1;

		if (sets[i]) {
			hwloc_bitmap_singlify(sets[i]);
			cpu = hwloc_bitmap_first(sets[i]);
		}
		if (cpu < 0 || hwloc_bitmap_isset(used, (unsigned int)cpu))
			cpu = first_unused(t, used);
		hwloc_bitmap_set(used, (unsigned int)cpu);
		cpus[i] = cpu;
	}
	ret = 0;
out_free:
	for (unsigned int i = 0; sets && i < n; i++)
		hwloc_bitmap_free(sets[i]);
	free(sets);
	hwloc_bitmap_free(used);
	return ret;
}

/* Which restriction made the usable CPUs fewer than the machine's: the
 * affinity mask cuts `use` out of `hw`; the cgroup's cpuset (or CPUs
 * offline) cut `hw` out of the complete set. */
char *topo_allowed(const struct topo *t, char *buf, size_t len)
{
	hwloc_const_cpuset_t use = hwloc_topology_get_topology_cpuset(t->use);
	hwloc_const_cpuset_t hw = hwloc_topology_get_topology_cpuset(t->hw);
	hwloc_const_cpuset_t all = hwloc_topology_get_complete_cpuset(t->hw);
	const char *by = NULL;
	char u[256], of[256];

	hwloc_bitmap_list_snprintf(u, sizeof(u), use);
	if (!hwloc_bitmap_isequal(use, hw)) {
		hwloc_bitmap_list_snprintf(of, sizeof(of), hw);
		by = "the affinity mask: taskset";
	} else if (all && !hwloc_bitmap_isequal(hw, all)) {
		hwloc_bitmap_list_snprintf(of, sizeof(of), all);
		by = "the cgroup's cpuset, or CPUs offline";
	}
	if (by)
		snprintf(buf, len, "CPUs allowed: %s of %s (%s)", u, of, by);
	else
		snprintf(buf, len, "CPUs allowed: %s", u);
	return buf;
}

int topo_select(const struct topo *t, enum topo_placement p, unsigned int n,
		int *cpus, char *err, size_t errlen)
{
	char allowed[160];
	int ret;

	if (n == 0 || n > t->npus) {
		snprintf(err, errlen, "cannot place %u CPUs: %u usable here; %s",
			 n, t->npus, topo_allowed(t, allowed, sizeof(allowed)));
		return -EINVAL;
	}
	switch (p) {
	case TOPO_COMPACT:
		memcpy(cpus, t->compact, n * sizeof(*cpus));
		return 0;
	case TOPO_SMT:
		memcpy(cpus, t->smt, n * sizeof(*cpus));
		return 0;
	case TOPO_SCATTER:
		ret = select_scatter(t, n, cpus);
		if (ret)
			snprintf(err, errlen, "hwloc_distrib over %u CPUs: %s",
				 n, strerror(-ret));
		return ret;
	default:
		snprintf(err, errlen, "unknown placement %d", (int)p);
		return -EINVAL;
	}
}

/* Did the thread land on `want`? One sched_yield() gives the scheduler a
 * chance to move it if it has not yet. */
static int check_location(const struct topo *t, hwloc_const_cpuset_t want)
{
	hwloc_bitmap_t where = hwloc_bitmap_alloc();
	int ret = -EIO;		/* the mask was accepted but we run elsewhere */

	if (!where)
		return -ENOMEM;
	for (int tries = 0; tries < 2; tries++) {
		if (hwloc_get_last_cpu_location(t->use, where,
						HWLOC_CPUBIND_THREAD)) {
			ret = -errno;
			break;
		}
		if (hwloc_bitmap_isequal(where, want)) {
			ret = 0;
			break;
		}
		sched_yield();
	}
	hwloc_bitmap_free(where);
	return ret;
}

int topo_bind_self(const struct topo *t, int cpu)
{
	hwloc_bitmap_t set;
	int ret;

	if (!t->can_bind)
		return 0;
	if (!topo_is_usable(t, cpu))
		return -EINVAL;
	set = hwloc_bitmap_alloc();
	if (!set)
		return -ENOMEM;
	hwloc_bitmap_only(set, (unsigned int)cpu);
	if (hwloc_set_cpubind(t->use, set, HWLOC_CPUBIND_THREAD))
		ret = -errno;
	else
		ret = check_location(t, set);
	hwloc_bitmap_free(set);
	return ret;
}

int topo_core_of(const struct topo *t, int cpu)
{
	hwloc_obj_t pu = cpu < 0 ? NULL :
		hwloc_get_pu_obj_by_os_index(t->hw, (unsigned int)cpu);
	hwloc_obj_t core = pu ? hwloc_get_ancestor_obj_by_type(t->hw, HWLOC_OBJ_CORE, pu) : NULL;

	return core ? (int)core->logical_index : -1;
}

int topo_numa_node(const struct topo *t, int cpu)
{
	hwloc_obj_t pu = cpu < 0 ? NULL :
		hwloc_get_pu_obj_by_os_index(t->hw, (unsigned int)cpu);
	int node = pu && pu->nodeset ? hwloc_bitmap_first(pu->nodeset) : -1;

	return node < 0 ? 0 : node;
}

const char *topo_placement_name(enum topo_placement p)
{
	return (unsigned int)p < TOPO_NR_PLACEMENTS ? placement_names[p] : "unknown";
}

int topo_placement_parse(const char *s)
{
	for (int i = 0; i < TOPO_NR_PLACEMENTS; i++)
		if (s && strcmp(s, placement_names[i]) == 0)
			return i;
	return -1;
}

