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
#include "topo.h"
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

/* hwloc says -1 when a type sits at several depths: count none then. */
static unsigned int nb(hwloc_topology_t h, hwloc_obj_type_t type)
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

int topo_open(struct topo **tp, char *err, size_t errlen)
{
	struct topo *t = calloc(1, sizeof(*t));
	int ret = -ENOMEM;

	*tp = NULL;
	if (!t || !(t->areas = calloc(1, sizeof(*t->areas)))) {
		snprintf(err, errlen, "out of memory");
		goto out_close;
	}
	pthread_mutex_init(&t->areas->lock, NULL);
	errno = 0;
	if (hwloc_topology_init(&t->hw) || hwloc_topology_load(t->hw)) {
		ret = errno ? -errno : -EINVAL;
		snprintf(err, errlen, "hwloc topology: %s", strerror(-ret));
		goto out_close;
	}
	t->can_bind = !is_fake(t->hw);
	ret = check_fake_used(t->hw, err, errlen);
	if (ret)
		goto out_close;
	t->pus = nb(t->hw, HWLOC_OBJ_PU);
	ret = restrict_to_affinity(t, err, errlen);
	if (ret)
		goto out_close;
	t->npus = nb(t->use, HWLOC_OBJ_PU);
	ret = build_orders(t);
	if (ret) {
		snprintf(err, errlen, "out of memory");
		goto out_close;
	}
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

static bool is_usable(const struct topo *t, int cpu)
{
	return cpu >= 0 && hwloc_bitmap_isset(
		hwloc_topology_get_topology_cpuset(t->use), (unsigned int)cpu);
}

static void counts_of(hwloc_topology_t h, struct topo_counts *c)
{
	hwloc_obj_t o;

	memset(c, 0, sizeof(*c));
	c->packages = nb(h, HWLOC_OBJ_PACKAGE);
	c->numa_nodes = nb(h, HWLOC_OBJ_NUMANODE);
	c->l3s = nb(h, HWLOC_OBJ_L3CACHE);
	c->cores = nb(h, HWLOC_OBJ_CORE);
	c->pus = nb(h, HWLOC_OBJ_PU);
	c->usable_pus = c->pus;
	c->smt_per_core = 1;
	for (o = NULL; (o = hwloc_get_next_obj_by_type(h, HWLOC_OBJ_CORE, o));) {
		int w = hwloc_bitmap_weight(o->cpuset);

		if (w > (int)c->smt_per_core)
			c->smt_per_core = (unsigned int)w;
	}
	if ((o = hwloc_get_obj_by_type(h, HWLOC_OBJ_L1CACHE, 0)))
		c->l1d = o->attr->cache.size;
	if ((o = hwloc_get_obj_by_type(h, HWLOC_OBJ_L2CACHE, 0)))
		c->l2 = o->attr->cache.size;
	if ((o = hwloc_get_obj_by_type(h, HWLOC_OBJ_L3CACHE, 0)))
		c->l3 = o->attr->cache.size;
}

void topo_counts(const struct topo *t, struct topo_counts *c)
{
	counts_of(t->hw, c);
	c->pus = t->pus;
	c->usable_pus = t->npus;
}

/* NUMA nodes that hold usable CPUs (memory-only nodes do not spread CPUs). */
static unsigned int cpu_nodes(hwloc_topology_t h)
{
	unsigned int n = 0;

	for (hwloc_obj_t o = NULL;
	     (o = hwloc_get_next_obj_by_type(h, HWLOC_OBJ_NUMANODE, o));)
		n += !hwloc_bitmap_iszero(o->cpuset);
	return n;
}

static const char *how_many(unsigned int n)
{
	return n == 0 ? "no" : "one";
}

bool topo_placement_differs(const struct topo *t, enum topo_placement p,
			    char *why, size_t len)
{
	struct topo_counts c;
	unsigned int nodes = cpu_nodes(t->use);

	counts_of(t->use, &c);
	snprintf(why, len, "%s", "");
	switch (p) {
	case TOPO_COMPACT:
		return true;
	case TOPO_SMT:
		if (c.smt_per_core > 1)
			return true;
		snprintf(why, len, "no SMT (one usable PU per core): smt = compact");
		return false;
	case TOPO_SCATTER:
		if (c.packages > 1 || c.l3s > 1 || nodes > 1)
			return true;
		snprintf(why, len, "%s package, %s L3, %s NUMA node: "
			 "scatter = compact", how_many(c.packages),
			 how_many(c.l3s), how_many(nodes));
		return false;
	default:
		snprintf(why, len, "unknown placement %d", (int)p);
		return false;
	}
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

int topo_select(const struct topo *t, enum topo_placement p, unsigned int n,
		int *cpus, char *err, size_t errlen)
{
	int ret;

	if (n == 0 || n > t->npus) {
		snprintf(err, errlen, "cannot place %u CPUs: %u usable here",
			 n, t->npus);
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
	if (!is_usable(t, cpu))
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

static int remember_area(const struct topo *t, void *p)
{
	struct topo_area *a = malloc(sizeof(*a));

	if (!a)
		return -ENOMEM;
	a->p = p;
	pthread_mutex_lock(&t->areas->lock);
	a->next = t->areas->head;
	t->areas->head = a;
	pthread_mutex_unlock(&t->areas->lock);
	return 0;
}

/* Was p allocated by hwloc? Forgets it if so. */
static bool forget_area(const struct topo *t, void *p)
{
	struct topo_area **pp, *a = NULL;

	pthread_mutex_lock(&t->areas->lock);
	for (pp = &t->areas->head; *pp; pp = &(*pp)->next) {
		if ((*pp)->p == p) {
			a = *pp;
			*pp = a->next;
			break;
		}
	}
	pthread_mutex_unlock(&t->areas->lock);
	free(a);
	return a != NULL;
}

static void *alloc_bound(const struct topo *t, int cpu, size_t len)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	hwloc_obj_t pu = cpu < 0 ? NULL :
		hwloc_get_pu_obj_by_os_index(t->hw, (unsigned int)cpu);
	void *p;

	if (!t->can_bind || !pu || !pu->nodeset)
		return NULL;
	p = hwloc_alloc_membind(t->hw, len, pu->nodeset, HWLOC_MEMBIND_BIND,
				HWLOC_MEMBIND_BYNODESET);
	if (p && ((uintptr_t)p % page || remember_area(t, p))) {
		hwloc_free(t->hw, p, len);
		p = NULL;
	}
	return p;
}

void *topo_alloc_near(const struct topo *t, int cpu, size_t len)
{
	void *p;

	if (len == 0)
		return NULL;
	p = alloc_bound(t, cpu, len);
	if (p)
		return p;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

void topo_free(const struct topo *t, void *p, size_t len)
{
	if (!p)
		return;
	if (forget_area(t, p))
		hwloc_free(t->hw, p, len);
	else
		munmap(p, len);
}

static void json_cpus(struct json_writer *w, const char *key,
		      hwloc_const_cpuset_t set)
{
	unsigned int id;

	json_array_begin(w, key);
	hwloc_bitmap_foreach_begin(id, set)
		json_uint(w, NULL, id);
	hwloc_bitmap_foreach_end();
	json_array_end(w);
}

static void json_objs(struct json_writer *w, const char *key,
		      hwloc_topology_t h, hwloc_obj_type_t type)
{
	json_array_begin(w, key);
	for (hwloc_obj_t o = NULL; (o = hwloc_get_next_obj_by_type(h, type, o));) {
		json_object_begin(w, NULL);
		json_uint(w, "logical_index", o->logical_index);
		if (o->os_index != HWLOC_UNKNOWN_INDEX)
			json_uint(w, "os_index", o->os_index);
		if (hwloc_obj_type_is_cache(type))
			json_uint(w, "size_bytes", o->attr->cache.size);
		if (type == HWLOC_OBJ_NUMANODE)
			json_uint(w, "local_memory_bytes",
				  o->attr->numanode.local_memory);
		json_cpus(w, "cpus", o->cpuset);
		json_object_end(w);
	}
	json_array_end(w);
}

void topo_to_json(const struct topo *t, struct json_writer *w)
{
	const char *backend = hwloc_obj_get_info_by_name(
		hwloc_get_root_obj(t->hw), "Backend");
	struct topo_counts c;

	topo_counts(t, &c);
	json_object_begin(w, "topology");
	json_string(w, "backend", backend ? backend : "unknown");
	json_bool(w, "can_bind", t->can_bind);
	json_uint(w, "packages", c.packages);
	json_uint(w, "numa_nodes", c.numa_nodes);
	json_uint(w, "l3s", c.l3s);
	json_uint(w, "cores", c.cores);
	json_uint(w, "pus", c.pus);
	json_uint(w, "usable_pus", c.usable_pus);
	json_uint(w, "smt_per_core", c.smt_per_core);
	json_uint(w, "l1d_bytes", c.l1d);
	json_uint(w, "l2_bytes", c.l2);
	json_uint(w, "l3_bytes", c.l3);
	json_cpus(w, "usable_cpus", hwloc_topology_get_topology_cpuset(t->use));
	json_objs(w, "package_list", t->hw, HWLOC_OBJ_PACKAGE);
	json_objs(w, "numa_node_list", t->hw, HWLOC_OBJ_NUMANODE);
	json_objs(w, "l3_list", t->hw, HWLOC_OBJ_L3CACHE);
	json_object_end(w);
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
