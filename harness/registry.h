/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * registry.h - every benchmark family (bench/families.h) and its variants,
 * by name. The harness reaches the benchmarks only through this and
 * bench.h, and learns what a variant means only from its row.
 */
#ifndef COWBENCH_REGISTRY_H
#define COWBENCH_REGISTRY_H

#include <stddef.h>

#include "bench.h"

#define REGISTRY_MAX_VARIANTS 64
#define REGISTRY_NAME_LEN 64

struct variant_ref {
	const struct bench *bench;
	const struct bench_variant *v;
	char name[REGISTRY_NAME_LEN];	/* "family/name" */
	unsigned int index;		/* in registry order */
};

/* Every variant of every family, in families.h order. */
size_t registry_variants(const struct variant_ref **all);
/* The variant called "family/name", or NULL. */
const struct variant_ref *registry_find(const char *name);
/* The variant's copying twin when the row names one that exists, else NULL. */
const struct variant_ref *registry_twin(const struct variant_ref *vr);

const char *registry_class_name(enum bench_class c);
const char *registry_scope_name(enum bench_scope s);
const char *registry_report_kind_name(enum bench_report_kind k);
const char *registry_per_name(enum bench_per p);

#endif
