// SPDX-License-Identifier: GPL-2.0-only
/*
 * topo_mem.c - memory bound to a CPU's NUMA node (hwloc), with a plain
 * anonymous mapping as the fallback; each area is freed the way it came.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "topo_int.h"

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

