// SPDX-License-Identifier: GPL-2.0-only
/*
 * plan.c - variants, cells and the order of their repetitions (plan.h).
 */
#include <errno.h>
#include <fnmatch.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "memlimit.h"
#include "plan.h"

/* Each comma-separated glob of `globs`, in turn; fn returns true to stop. */
static bool each_glob(const char *globs, bool (*fn)(void *, const char *, size_t),
		      void *arg)
{
	size_t i = 0;

	for (const char *p = globs; p && *p; i++) {
		size_t k = strcspn(p, ",");
		char g[256];

		snprintf(g, sizeof(g), "%.*s", (int)(k < sizeof(g) ? k : sizeof(g) - 1), p);
		if (fn(arg, g, i))
			return true;
		p += k + (p[k] == ',');
	}
	return false;
}

struct match {
	const char *name, *alt;
	bool *used;
	bool hit;
};

static bool match_one(void *arg, const char *g, size_t i)
{
	struct match *m = arg;

	if (*g && (!fnmatch(g, m->name, 0) || (m->alt && !fnmatch(g, m->alt, 0)))) {
		m->hit = true;
		m->used[i] = true;
	}
	return false;
}

static bool matches(const char *globs, const char *name, const char *alt, bool *used)
{
	struct match m = { name, alt, used, false };

	if (!globs)
		return true;
	each_glob(globs, match_one, &m);
	return m.hit;
}

struct unused {
	const bool *used;
	char first[256];
};

static bool find_unused(void *arg, const char *g, size_t i)
{
	struct unused *u = arg;

	if (u->used[i])
		return false;
	fmt_quote(g, u->first, sizeof(u->first));	/* echoed in an error */
	return true;
}

static size_t count_globs(const char *globs)
{
	size_t n = 1;

	for (const char *p = globs; p && *p; p++)
		n += *p == ',';
	return n;
}

int plan_select(struct run *r, char *err, size_t errlen)
{
	const struct variant_ref *all;
	size_t n = registry_variants(&all);
	bool *bused = calloc(count_globs(r->opt.bench_globs), 1);
	bool *vused = calloc(count_globs(r->opt.variant_globs), 1);
	struct unused u = { 0 };
	int rc = 0;

	if (!bused || !vused) {
		rc = -ENOMEM;
		goto out;
	}
	r->nvariants = 0;
	for (size_t i = 0; i < n; i++) {
		const struct variant_ref *vr = &all[i];

		if (!matches(r->opt.bench_globs, vr->bench->name, vr->bench->family, bused))
			continue;
		if (!matches(r->opt.variant_globs, vr->name, vr->v->name, vused))
			continue;
		r->variants[r->nvariants++] = vr;
	}
	u.used = bused;
	if (r->opt.bench_globs && each_glob(r->opt.bench_globs, find_unused, &u)) {
		snprintf(err, errlen, "--bench: no benchmark family matches \"%s\" "
			 "(see 'cowbench list')", u.first);
		rc = -EINVAL;
		goto out;
	}
	u.used = vused;
	if ((r->opt.variant_globs && each_glob(r->opt.variant_globs, find_unused, &u)) ||
	    !r->nvariants) {
		if (!u.first[0])
			fmt_quote(r->opt.variant_globs, u.first, sizeof(u.first));
		snprintf(err, errlen, "--variant: no variant matches \"%s\" "
			 "(see 'cowbench list')", u.first);
		rc = -EINVAL;
	}
out:
	free(bused);
	free(vused);
	return rc;
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

/* A cell whose buffer cannot fit under the machine's memory, an rlimit or
 * the memory cgroup's limit is unsupported before anything runs: an
 * attempt would only fail (or be OOM-killed) after its process started. */
static void too_big(struct cell_result *c)
{
	char why[RESULTS_REASON_LEN];

	if (!mem_too_big(c->size, why, sizeof(why)))
		return;
	for (unsigned int k = 0; k < c->nreps; k++) {
		c->reps[k].status = CELL_UNSUPPORTED;
		snprintf(c->reps[k].reason, sizeof(c->reps[k].reason), "%s", why);
	}
}

static int new_cell(struct run *r, struct cell_result *c, const struct variant_ref *vr,
		    size_t size, unsigned int cpus, enum topo_placement p, bool thp,
		    char *err, size_t errlen)
{
	c->id = (unsigned int)(c - r->cells);
	c->vr = vr;
	c->size = size;
	c->thp = thp;
	c->ncpus = cpus;
	c->placement = p;
	c->cpu_list = calloc(cpus, sizeof(int));
	c->nreps = r->opt.repetitions;
	c->reps = calloc(c->nreps, sizeof(*c->reps));
	if (!c->cpu_list || !c->reps)
		return -ENOMEM;
	for (unsigned int k = 0; k < c->nreps; k++) {
		c->reps[k].rep = k;
		c->reps[k].status = CELL_SKIPPED;
		c->reps[k].exit_code = c->reps[k].exit_signal = -1;
		c->reps[k].rss_kib = c->reps[k].vmas = c->reps[k].huge_kib = -1;
		c->reps[k].helper_cpu = -1;
		for (int e = 0; e < RESULTS_MAX_COUNTERS; e++)
			c->reps[k].running[e] = NAN;
		snprintf(c->reps[k].reason, sizeof(c->reps[k].reason), "not run");
	}
	too_big(c);
	if (topo_select(r->topo, p, cpus, c->cpu_list, err, errlen))
		return -EINVAL;
	c->smt_siblings = shares_core(r->topo, c);
	return 0;
}

/* THP is a dimension of the variants whose buffers it applies to, at the
 * sizes where a huge page fits (2 MiB and up). */
#define THP_MIN_SIZE (2u << 20)

static bool cell_exists(const struct options *o, const struct variant_ref *vr,
			size_t size, int thp)
{
	return o->thp[thp] && (!thp || (vr->v->thp && size >= THP_MIN_SIZE));
}

int plan_cells(struct run *r, char *err, size_t errlen)
{
	const struct options *o = &r->opt;
	size_t n = 2 * o->nplacements * o->ncpus * r->nvariants * o->nsizes;
	int rc;

	r->cells = calloc(n ? n : 1, sizeof(*r->cells));
	if (!r->cells)
		return -ENOMEM;
	r->ncells = 0;
	for (int thp = 0; thp < 2; thp++)
		for (size_t p = 0; p < o->nplacements; p++)
			for (size_t c = 0; c < o->ncpus; c++)
				for (size_t v = 0; v < r->nvariants; v++)
					for (size_t s = 0; s < o->nsizes; s++) {
						if (!cell_exists(o, r->variants[v], o->sizes[s], thp))
							continue;
						rc = new_cell(r, &r->cells[r->ncells++],
							      r->variants[v], o->sizes[s],
							      o->cpus[c], o->placements[p], thp,
							      err, errlen);
						if (rc)
							return rc;
					}
	if (!r->ncells) {
		snprintf(err, errlen, "--thp always: no selected variant is measured with "
			 "THP, or no size is 2 MiB or more");
		return -EINVAL;
	}
	return 0;
}

/* The variant a block is named after: the end of its chain of twins, or,
 * for a variant that is nobody's twin and has none, its family's first. */
static const struct variant_ref *group_of(const struct run *r, const struct variant_ref *vr)
{
	const struct variant_ref *t;

	for (unsigned int hops = 0; (t = registry_twin(vr)) && hops < 8; hops++)
		vr = t;
	for (size_t i = 0; i < r->nvariants; i++)
		if (registry_twin(r->variants[i]) == vr)
			return vr;	/* a twin of something: its own group */
	if (vr->v->twin)
		return vr;
	for (size_t i = 0; i < r->nvariants; i++)
		if (r->variants[i]->bench == vr->bench && !r->variants[i]->v->twin)
			return r->variants[i];
	return vr;
}

/* splitmix64 */
static uint64_t next_random(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void shuffle(uint32_t *v, size_t n, uint64_t *seed)
{
	for (size_t i = n; i > 1; i--) {
		size_t j = (size_t)(next_random(seed) % i);
		uint32_t t = v[i - 1];

		v[i - 1] = v[j];
		v[j] = t;
	}
}

/* Block key of (cell, rep): group, size, placement, rep. */
struct keyed {
	uint32_t cell, rep;
	unsigned int group;
	uint32_t block;
};

static bool same_block(const struct run *r, const struct keyed *a, const struct keyed *b)
{
	const struct cell_result *x = &r->cells[a->cell], *y = &r->cells[b->cell];

	return a->group == b->group && a->rep == b->rep && x->size == y->size &&
	       x->placement == y->placement && x->thp == y->thp;
}

int plan_order(struct run *r)
{
	size_t n = r->ncells * r->opt.repetitions, nb = 0;
	struct keyed *k = calloc(n ? n : 1, sizeof(*k));
	uint32_t *blocks = calloc(n ? n : 1, sizeof(*blocks));
	uint64_t seed = r->opt.seed;

	r->items = calloc(n ? n : 1, sizeof(*r->items));
	if (!k || !blocks || !r->items) {
		free(k);
		free(blocks);
		return -ENOMEM;
	}
	r->nitems = 0;
	if (r->opt.order == ORDER_SEQUENTIAL) {
		for (size_t c = 0; c < r->ncells; c++)
			for (unsigned int rep = 0; rep < r->opt.repetitions; rep++)
				r->items[r->nitems++] = (struct plan_item){ (unsigned int)c,
									    rep, (unsigned int)c };
		free(k);
		free(blocks);
		return 0;
	}
	for (size_t c = 0, i = 0; c < r->ncells; c++)
		for (unsigned int rep = 0; rep < r->opt.repetitions; rep++, i++)
			k[i] = (struct keyed){ (uint32_t)c, rep,
					       group_of(r, r->cells[c].vr)->index, 0 };
	/* number the blocks in first-seen order */
	for (size_t i = 0; i < n; i++) {
		size_t j;

		for (j = 0; j < i && !same_block(r, &k[j], &k[i]); j++)
			;
		k[i].block = j < i ? k[j].block : (uint32_t)nb++;
	}
	for (uint32_t b = 0; b < nb; b++)
		blocks[b] = b;
	shuffle(blocks, nb, &seed);
	for (size_t b = 0; b < nb; b++) {
		size_t first = r->nitems;

		for (size_t i = 0; i < n; i++)
			if (k[i].block == blocks[b])
				r->items[r->nitems++] = (struct plan_item){ k[i].cell, k[i].rep,
									    (unsigned int)b };
		for (size_t i = r->nitems - first; i > 1; i--) {
			size_t j = (size_t)(next_random(&seed) % i);
			struct plan_item t = r->items[first + i - 1];

			r->items[first + i - 1] = r->items[first + j];
			r->items[first + j] = t;
		}
	}
	free(k);
	free(blocks);
	return 0;
}

const char *run_status_name(enum run_status s)
{
	static const char *const names[] = { "complete", "interrupted", "failed" };

	return (unsigned int)s < 3 ? names[s] : "?";
}

const char *run_order_name(enum run_order o)
{
	return o == ORDER_SEQUENTIAL ? "sequential" : "shuffle";
}
