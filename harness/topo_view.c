// SPDX-License-Identifier: GPL-2.0-only
/*
 * topo_view.c - what the topology holds, for the fingerprint: counts,
 * caches, whether a placement differs from compact, and JSON.
 */
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "topo_int.h"

static void counts_of(hwloc_topology_t h, struct topo_counts *c)
{
	hwloc_obj_t o;

	memset(c, 0, sizeof(*c));
	c->packages = topo_nb(h, HWLOC_OBJ_PACKAGE);
	c->numa_nodes = topo_nb(h, HWLOC_OBJ_NUMANODE);
	c->l3s = topo_nb(h, HWLOC_OBJ_L3CACHE);
	c->cores = topo_nb(h, HWLOC_OBJ_CORE);
	c->pus = topo_nb(h, HWLOC_OBJ_PU);
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

