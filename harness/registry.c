// SPDX-License-Identifier: GPL-2.0-only
/*
 * registry.c - the table of variants built once from bench/families.h.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "registry.h"

#define BENCH_FAMILY(sym) &sym,
static const struct bench *const families[] = {
#include "families.h"
};
#undef BENCH_FAMILY

static struct variant_ref table[REGISTRY_MAX_VARIANTS];
static size_t ntable;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void build(void)
{
	for (size_t f = 0; f < sizeof(families) / sizeof(families[0]); f++)
		for (size_t i = 0; i < families[f]->nvariants &&
		     ntable < REGISTRY_MAX_VARIANTS; i++) {
			struct variant_ref *r = &table[ntable];

			r->bench = families[f];
			r->v = &families[f]->variants[i];
			r->index = (unsigned int)ntable++;
			snprintf(r->name, sizeof(r->name), "%s/%s",
				 families[f]->family, r->v->name);
		}
}

size_t registry_variants(const struct variant_ref **all)
{
	pthread_once(&once, build);
	*all = table;
	return ntable;
}

const struct variant_ref *registry_find(const char *name)
{
	const struct variant_ref *all;
	size_t n = registry_variants(&all);

	for (size_t i = 0; name && i < n; i++)
		if (!strcmp(all[i].name, name))
			return &all[i];
	return NULL;
}

const struct variant_ref *registry_twin(const struct variant_ref *vr)
{
	const struct variant_ref *t = registry_find(vr->v->twin);

	return t && t != vr ? t : NULL;
}

const char *registry_class_name(enum bench_class c)
{
	static const char *const names[] = { "copy", "cow", "notify", "primitive" };

	return (unsigned int)c < 4 ? names[c] : "?";
}

const char *registry_scope_name(enum bench_scope s)
{
	static const char *const names[] = { "op", "producer", "consumer", "bystanders",
					     "helper" };

	return (unsigned int)s < 5 ? names[s] : "?";
}

const char *registry_report_kind_name(enum bench_report_kind k)
{
	static const char *const names[] = { "count", "share", "must_be_zero", "hazard",
					     "progress" };

	return (unsigned int)k < 5 ? names[k] : "?";
}

const char *registry_per_name(enum bench_per p)
{
	static const char *const names[] = { "op", "page", "remote_cpu", "huge_page" };

	return (unsigned int)p < 4 ? names[p] : "?";
}
