// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_topo.c - placements on synthetic hwloc topologies (no binding), then
 * binding and NUMA-local memory on the real machine.
 *
 * In "pack:2 [numa] l3:2 core:4 pu:2" hwloc numbers the 32 PUs in tree
 * order, so PU p sits in core p/2, L3 p/8, package and NUMA node p/16.
 * The expected lists below follow from that and from the placement
 * definitions in topo.h, not from the implementation.
 */
#include "check.h"
#include "json.h"
#include "topo.h"

#include <errno.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BIG "pack:2 [numa] l3:2 core:4 pu:2"

static void print_cpus(const char *what, const int *cpus, unsigned int n)
{
	printf("  %-12s", what);
	for (unsigned int i = 0; i < n; i++)
		printf(" %d", cpus[i]);
	printf("\n");
}

static bool same(const int *a, const int *b, unsigned int n)
{
	return memcmp(a, b, n * sizeof(*a)) == 0;
}

static bool distinct(const int *cpus, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		for (unsigned int j = i + 1; j < n; j++)
			if (cpus[i] == cpus[j])
				return false;
	return true;
}

/* Do the n CPUs fall into n different groups of `span` PUs? */
static bool one_per_group(const int *cpus, unsigned int n, int span)
{
	for (unsigned int i = 0; i < n; i++)
		for (unsigned int j = i + 1; j < n; j++)
			if (cpus[i] / span == cpus[j] / span)
				return false;
	return true;
}

static struct topo *open_synthetic(const char *desc)
{
	char err[256] = "";
	struct topo *t = NULL;

	setenv("HWLOC_SYNTHETIC", desc, 1);
	CHECK(topo_open(&t, err, sizeof(err)) == 0);
	if (!t)
		fprintf(stderr, "topo_open(%s): %s\n", desc, err);
	return t;
}

static void test_big_compact(struct topo *t)
{
	static const int c1[] = { 0 };
	static const int c4[] = { 0, 2, 4, 6 };
	static const int c8[] = { 0, 2, 4, 6, 8, 10, 12, 14 };
	int c17[17], got[32];
	char err[256];

	for (int i = 0; i < 16; i++)
		c17[i] = 2 * i;		/* first PU of each of the 16 cores */
	c17[16] = 1;			/* then the sibling of core 0 */
	CHECK(topo_select(t, TOPO_COMPACT, 1, got, err, sizeof(err)) == 0);
	CHECK(same(got, c1, 1));
	CHECK(topo_select(t, TOPO_COMPACT, 4, got, err, sizeof(err)) == 0);
	CHECK(same(got, c4, 4));
	CHECK(topo_select(t, TOPO_COMPACT, 8, got, err, sizeof(err)) == 0);
	CHECK(same(got, c8, 8));
	CHECK(topo_select(t, TOPO_COMPACT, 17, got, err, sizeof(err)) == 0);
	CHECK(same(got, c17, 17));
	print_cpus("compact 17:", got, 17);
	CHECK(topo_select(t, TOPO_COMPACT, 32, got, err, sizeof(err)) == 0);
	CHECK(distinct(got, 32));
}

static void test_big_smt(struct topo *t)
{
	static const int s5[] = { 0, 1, 2, 3, 4 };
	int got[32];
	char err[256];

	CHECK(topo_select(t, TOPO_SMT, 5, got, err, sizeof(err)) == 0);
	CHECK(same(got, s5, 5));
	CHECK(topo_select(t, TOPO_SMT, 32, got, err, sizeof(err)) == 0);
	print_cpus("smt 32:", got, 32);
	for (int i = 0; i < 32; i++)
		CHECK(got[i] == i);
}

static void test_big_scatter(struct topo *t)
{
	int got[32];
	char err[256];

	CHECK(topo_select(t, TOPO_SCATTER, 2, got, err, sizeof(err)) == 0);
	print_cpus("scatter 2:", got, 2);
	CHECK(one_per_group(got, 2, 16));	/* one per package */
	CHECK(topo_select(t, TOPO_SCATTER, 4, got, err, sizeof(err)) == 0);
	print_cpus("scatter 4:", got, 4);
	CHECK(one_per_group(got, 4, 8));	/* one per L3 */
	CHECK(topo_select(t, TOPO_SCATTER, 16, got, err, sizeof(err)) == 0);
	CHECK(one_per_group(got, 16, 2));	/* one per core */
	for (unsigned int n = 1; n <= 32; n++) {
		CHECK(topo_select(t, TOPO_SCATTER, n, got, err, sizeof(err)) == 0);
		CHECK(distinct(got, n));
	}
}

static void test_big_errors(struct topo *t)
{
	int got[33];
	char err[256] = "";

	CHECK(topo_select(t, TOPO_COMPACT, 0, got, err, sizeof(err)) == -EINVAL);
	CHECK(strstr(err, "0 CPUs") && strstr(err, "32"));
	err[0] = '\0';
	CHECK(topo_select(t, TOPO_SCATTER, 33, got, err, sizeof(err)) == -EINVAL);
	CHECK(strstr(err, "33") && strstr(err, "32"));
	printf("  error text:  %s\n", err);
}

static void test_big(void)
{
	struct topo *t = open_synthetic(BIG);
	struct topo_counts c;
	char why[128];

	if (!t)
		return;
	printf("synthetic \"%s\":\n", BIG);
	CHECK(topo_ncpus(t) == 32);
	CHECK(!topo_can_bind(t));
	CHECK(topo_bind_self(t, 5) == 0);	/* a no-op */
	topo_counts(t, &c);
	CHECK(c.packages == 2 && c.numa_nodes == 2 && c.l3s == 4);
	CHECK(c.cores == 16 && c.pus == 32 && c.usable_pus == 32);
	CHECK(c.smt_per_core == 2);
	CHECK(topo_numa_node(t, 3) == 0 && topo_numa_node(t, 17) == 1);
	CHECK(topo_placement_differs(t, TOPO_COMPACT, why, sizeof(why)));
	CHECK(topo_placement_differs(t, TOPO_SMT, why, sizeof(why)));
	CHECK(topo_placement_differs(t, TOPO_SCATTER, why, sizeof(why)));
	test_big_compact(t);
	test_big_smt(t);
	test_big_scatter(t);
	test_big_errors(t);
	topo_close(t);
}

static void test_small(void)
{
	struct topo *t = open_synthetic("pack:1 core:2 pu:1");
	int got[2];
	char why[128], err[128];

	if (!t)
		return;
	CHECK(topo_ncpus(t) == 2);
	CHECK(!topo_placement_differs(t, TOPO_SMT, why, sizeof(why)));
	CHECK(strstr(why, "smt = compact") != NULL);
	printf("pack:1 core:2 pu:1: smt: %s\n", why);
	CHECK(!topo_placement_differs(t, TOPO_SCATTER, why, sizeof(why)));
	CHECK_STR(why, "one package, no L3, one NUMA node: scatter = compact");
	printf("pack:1 core:2 pu:1: scatter: %s\n", why);
	CHECK(topo_select(t, TOPO_SCATTER, 2, got, err, sizeof(err)) == 0);
	CHECK(distinct(got, 2));
	topo_close(t);
}

/* hwloc falls back to the real machine on a description it cannot parse. */
static void test_bad_synthetic(void)
{
	struct topo *t = NULL;
	char err[256] = "";

	setenv("HWLOC_SYNTHETIC", "no such thing", 1);
	CHECK(topo_open(&t, err, sizeof(err)) == -EINVAL);
	CHECK(t == NULL);
	CHECK(strstr(err, "HWLOC_SYNTHETIC") != NULL);
	printf("bad synthetic: %s\n", err);
}

static void test_names(void)
{
	for (int p = 0; p < TOPO_NR_PLACEMENTS; p++)
		CHECK(topo_placement_parse(topo_placement_name(p)) == p);
	CHECK(topo_placement_parse("spread") == -1);
	CHECK(topo_placement_parse(NULL) == -1);
	CHECK_STR(topo_placement_name(TOPO_NR_PLACEMENTS), "unknown");
}

static void test_json(struct topo *t)
{
	struct json_writer w;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f) {
		CHECK(f != NULL);
		return;
	}
	json_init(&w, f, false);
	json_object_begin(&w, NULL);
	topo_to_json(t, &w);
	json_object_end(&w);
	CHECK(json_finish(&w) == 0);
	fclose(f);
	CHECK(strstr(buf, "\"topology\"") && strstr(buf, "\"usable_cpus\""));
	free(buf);
}

static void test_alloc(struct topo *t, int cpu)
{
	size_t len = (1u << 20) + 100;
	unsigned char *p = topo_alloc_near(t, cpu, len);

	CHECK(p != NULL);
	if (!p)
		return;
	CHECK(((unsigned long)p & 4095) == 0);
	memset(p, 0xa5, len);
	CHECK(p[0] == 0xa5 && p[len - 1] == 0xa5);
	topo_free(t, p, len);
}

static void test_real(void)
{
	char err[256] = "", why[128];
	struct topo *t = NULL;
	cpu_set_t mask;
	int cpus[1024];
	unsigned int n;

	unsetenv("HWLOC_SYNTHETIC");
	CHECK(sched_getaffinity(0, sizeof(mask), &mask) == 0);
	CHECK(topo_open(&t, err, sizeof(err)) == 0);
	if (!t) {
		fprintf(stderr, "topo_open: %s\n", err);
		return;
	}
	n = topo_ncpus(t);
	printf("this machine: %u usable CPUs, can_bind %d, scatter differs %d\n",
	       n, topo_can_bind(t),
	       topo_placement_differs(t, TOPO_SCATTER, why, sizeof(why)));
	CHECK(n >= 1 && n <= 1024);
	CHECK(n == (unsigned int)CPU_COUNT(&mask));
	CHECK(topo_can_bind(t));
	CHECK(topo_select(t, TOPO_COMPACT, n, cpus, err, sizeof(err)) == 0);
	for (unsigned int i = 0; i < n && i < 1024; i++) {
		CHECK(CPU_ISSET(cpus[i], &mask));
		CHECK(topo_bind_self(t, cpus[i]) == 0);
		CHECK(sched_getcpu() == cpus[i]);
		test_alloc(t, cpus[i]);
	}
	CHECK(topo_bind_self(t, -1) == -EINVAL);
	test_alloc(t, -1);
	test_json(t);
	CHECK(sched_setaffinity(0, sizeof(mask), &mask) == 0);
	topo_close(t);
}

int main(void)
{
	test_names();
	test_big();
	test_small();
	test_bad_synthetic();
	test_real();
	return check_done("test_topo");
}
