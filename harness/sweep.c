/*
 * sweep.c - which variants run, the cells they make (placement x CPUs x
 * variant x size), and running them in order within the budgets.
 */
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "parse.h"

#define BENCH_FAMILY(sym) &sym,
const struct bench *const harness_families[] = {
#include "families.h"
};
#undef BENCH_FAMILY
const size_t harness_nfamilies = sizeof(harness_families) / sizeof(harness_families[0]);

const char *class_name(enum bench_class c)
{
	static const char *const names[] = { "copy", "cow", "notify", "primitive" };

	return (unsigned int)c < 4 ? names[c] : "?";
}

const char *cell_status_name(enum cell_status s)
{
	static const char *const names[] = {
		"ok", "failed", "unsupported", "interrupted", "skipped",
	};

	return (unsigned int)s < 5 ? names[s] : "?";
}

/* Does name match one of the comma-separated globs (NULL: all)? Marks in
 * used[] which globs matched something. */
static bool match_globs(const char *globs, const char *name, const char *alt,
			bool *used)
{
	char buf[512], *save = NULL, *g;
	bool hit = false;
	int i = 0;

	if (!globs)
		return true;
	snprintf(buf, sizeof(buf), "%s", globs);
	for (g = strtok_r(buf, ",", &save); g; g = strtok_r(NULL, ",", &save), i++) {
		if (!fnmatch(g, name, 0) || (alt && !fnmatch(g, alt, 0))) {
			hit = true;
			if (i < 64)
				used[i] = true;
		}
	}
	return hit;
}

/* The first glob of the list that matched nothing, or NULL. */
static const char *unused_glob(const char *globs, const bool *used, char *buf,
			       size_t len)
{
	char *save = NULL, *g;
	int i = 0;

	if (!globs)
		return NULL;
	snprintf(buf, len, "%s", globs);
	for (g = strtok_r(buf, ",", &save); g; g = strtok_r(NULL, ",", &save), i++)
		if (i < 64 && !used[i])
			return g;
	return NULL;
}

const char *bench_name(const struct bench *b)
{
	return b->name ? b->name : b->family;
}

static int add_variants(struct run *r, char *err, size_t errlen)
{
	bool bused[64] = { false }, vused[64] = { false };
	char buf[512];
	const char *bad;

	r->nvariants = 0;
	for (size_t f = 0; f < harness_nfamilies; f++) {
		const struct bench *b = harness_families[f];

		if (!match_globs(r->opt.bench_globs, bench_name(b), b->family, bused))
			continue;
		for (size_t i = 0; i < b->nvariants; i++) {
			struct harness_variant *hv = &r->variants[r->nvariants];
			const struct bench_variant *v = &b->variants[i];

			snprintf(hv->name, sizeof(hv->name), "%s/%s", b->family, v->name);
			if (!match_globs(r->opt.variant_globs, hv->name, v->name, vused))
				continue;
			if (r->nvariants == HARNESS_MAX_VARIANTS)
				return -E2BIG;
			hv->family = b;
			hv->v = v;
			r->nvariants++;
		}
	}
	bad = unused_glob(r->opt.bench_globs, bused, buf, sizeof(buf));
	if (bad) {
		snprintf(err, errlen, "--bench: no benchmark family matches \"%s\" "
			 "(see 'cowbench list')", bad);
		return -EINVAL;
	}
	bad = unused_glob(r->opt.variant_globs, vused, buf, sizeof(buf));
	if (bad || !r->nvariants) {
		snprintf(err, errlen, "--variant: no variant matches \"%s\" "
			 "(see 'cowbench list')", bad ? bad : r->opt.variant_globs);
		return -EINVAL;
	}
	return 0;
}

static bool shares_core(const struct topo *t, const struct cell_result *c)
{
	for (unsigned int i = 0; i < c->ncpus; i++)
		for (unsigned int j = 0; j < i; j++)
			if (topo_core_of(t, c->cpu_list[i]) >= 0 &&
			    topo_core_of(t, c->cpu_list[i]) == topo_core_of(t, c->cpu_list[j]))
				return true;
	return false;
}

int sweep_select(struct run *r, char *err, size_t errlen)
{
	const struct options *o = &r->opt;
	size_t n, i = 0;
	int rc;

	rc = add_variants(r, err, errlen);
	if (rc)
		return rc;
	n = o->nplacements * o->ncpus * r->nvariants * o->nsizes;
	r->cells = calloc(n, sizeof(*r->cells));
	if (!r->cells)
		return -ENOMEM;
	for (size_t p = 0; p < o->nplacements; p++)
		for (size_t c = 0; c < o->ncpus; c++)
			for (size_t v = 0; v < r->nvariants; v++)
				for (size_t s = 0; s < o->nsizes; s++, i++) {
					struct cell_result *cr = &r->cells[i];

					cr->hv = &r->variants[v];
					cr->size = o->sizes[s];
					cr->ncpus = o->cpus[c];
					cr->placement = o->placements[p];
					cr->stop_reason = "";
					cr->cpu_list = calloc(cr->ncpus, sizeof(int));
					if (!cr->cpu_list)
						return -ENOMEM;
					rc = topo_select(r->topo, cr->placement, cr->ncpus,
							 cr->cpu_list, err, errlen);
					if (rc)
						return rc;
					cr->smt_siblings = shares_core(r->topo, cr);
				}
	r->ncells = n;
	return 0;
}

static void progress(const struct run *r, size_t i, const struct cell_result *c)
{
	const struct series *w = NULL;
	char sz[32];

	if (r->opt.quiet)
		return;
	for (size_t k = 0; k < c->nseries; k++)
		if (!strcmp(c->series[k].role, "op") && !strcmp(c->series[k].metric, "wall_ns"))
			w = &c->series[k];
	fprintf(stderr, "[%3zu/%zu] %-20s %5s cpus=%-3u %-7s ", i + 1, r->ncells,
		c->hv->name, parse_format_size(c->size, sz, sizeof(sz)), c->ncpus,
		topo_placement_name(c->placement));
	if (w && w->has_sum && c->status != CELL_FAILED)
		fprintf(stderr, "%10.1f ns/op  n=%zu %s%s%s\n", w->sum.median, w->sum.n,
			c->stop_reason, c->status == CELL_OK ? "" : " ",
			c->status == CELL_OK ? "" : cell_status_name(c->status));
	else
		fprintf(stderr, "%s: %s\n", cell_status_name(c->status), c->reason);
}

static void skip_rest(struct run *r, size_t from, const char *why)
{
	for (size_t i = from; i < r->ncells; i++) {
		r->cells[i].status = CELL_SKIPPED;
		snprintf(r->cells[i].reason, sizeof(r->cells[i].reason), "%s", why);
	}
}

/* Run every cell. Returns 0, or -EDEADLK when a cell hung (the run is then
 * failed and the caller must exit after writing the results). */
int sweep_run(struct run *r)
{
	char why[128];

	r->status = RUN_COMPLETE;
	for (size_t i = 0; i < r->ncells; i++) {
		struct cell_result *c = &r->cells[i];

		if (harness_interrupted) {
			r->status = RUN_INTERRUPTED;
			skip_rest(r, i, "not run: the run was interrupted");
			return 0;
		}
		if (r->deadline_ns && clock_mono_ns() >= r->deadline_ns) {
			snprintf(why, sizeof(why), "not run: the run budget (--budget %g s) "
				 "was spent", r->opt.budget_s);
			skip_rest(r, i, why);
			return 0;
		}
		if (worker_measure_cell(r, c) == -EDEADLK) {
			r->status = RUN_FAILED;
			progress(r, i, c);
			skip_rest(r, i + 1, "not run: an earlier cell hung");
			return -EDEADLK;
		}
		progress(r, i, c);
		if (c->status == CELL_INTERRUPTED)
			r->status = RUN_INTERRUPTED;
	}
	if (harness_interrupted)
		r->status = RUN_INTERRUPTED;
	return 0;
}
