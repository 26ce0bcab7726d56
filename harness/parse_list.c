// SPDX-License-Identifier: GPL-2.0-only
/*
 * parse_list.c - the lists of command-line values (see parse.h): sizes
 * with ranges and steps, and CPU counts. Pure, like parse.c; every value
 * is bounded where it is read (parse_size), so no step can wrap.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "parse.h"
#include "parse_int.h"

struct size_vec {
	size_t *v;
	size_t n, cap, max;
};

static int cmp_size(const void *pa, const void *pb)
{
	size_t a = *(const size_t *)pa, b = *(const size_t *)pb;

	return (a > b) - (a < b);
}

static size_t sort_unique_sizes(size_t *v, size_t n)
{
	size_t i, m = 0;

	if (n < 2)
		return n;
	qsort(v, n, sizeof(*v), cmp_size);
	for (i = 0; i < n; i++)
		if (m == 0 || v[i] != v[m - 1])
			v[m++] = v[i];
	return m;
}

/* Appends x; -E2BIG when max distinct values are already held. */
static int size_vec_push(struct size_vec *vec, size_t x)
{
	size_t cap, *nv;

	if (vec->max == 0)
		return -E2BIG;
	if (vec->n == vec->max) {
		/* full: squeeze out duplicates; a repeat still fits */
		vec->n = sort_unique_sizes(vec->v, vec->n);
		if (vec->n == vec->max &&
		    !bsearch(&x, vec->v, vec->n, sizeof(x), cmp_size))
			return -E2BIG;
		if (vec->n == vec->max)
			return 0;
	}
	if (vec->n == vec->cap) {
		cap = vec->cap ? 2 * vec->cap : 16;
		cap = cap < vec->max ? cap : vec->max;
		nv = realloc(vec->v, cap * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		vec->v = nv;
		vec->cap = cap;
	}
	vec->v[vec->n++] = x;
	return 0;
}

/* lo, lo*factor, ... (factor != 0) or lo, lo+inc, ... up to hi. */
static int push_range(struct size_vec *vec, size_t lo, size_t hi,
		      size_t factor, size_t inc)
{
	size_t v = lo;
	int ret;

	for (;;) {
		ret = size_vec_push(vec, v);
		if (ret)
			return ret;
		if (factor ? v > hi / factor : hi - v < inc)
			return 0;
		v = factor ? v * factor : v + inc;
	}
}

/* "xF" (F >= 2) or "+SIZE" into factor or inc. */
static int parse_step(const char *step, size_t *factor, size_t *inc,
		      char *err, size_t errlen)
{
	char q[FMT_QUOTE_LEN], max[16];
	unsigned long f;

	*factor = 0;
	*inc = 0;
	if (*step == 'x' || *step == 'X') {
		if (parse_ulong(step + 1, &f, NULL, 0) || f < 2)
			return parse_set_err(err, errlen,
					     "step \"%s\" must be x followed by a factor of at least 2",
					     parse_q(step, q));
		*factor = f;
		return 0;
	}
	if (*step == '+') {
		if (parse_size(step + 1, inc, NULL, 0))
			return parse_set_err(err, errlen,
					     "step \"%s\" must be + followed by a size of 1 byte to %s",
					     parse_q(step, q),
					     parse_format_size(PARSE_SIZE_MAX, max, sizeof(max)));
		return 0;
	}
	return parse_set_err(err, errlen, "step \"%s\" is neither xFACTOR nor +SIZE",
			     parse_q(step, q));
}

/* The sentence about a whole item, which was cut in place at its colon
 * and dash: put them back to quote what was typed. */
__attribute__((format(printf, 4, 0)))
static int item_err(char *item, char *colon, char *hi_s, const char *what,
		    char *err, size_t errlen)
{
	char q[FMT_QUOTE_LEN];

	if (colon)
		*colon = ':';
	if (hi_s)
		hi_s[-1] = '-';
	return parse_set_err(err, errlen, what, parse_q(item, q));
}

static int parse_size_item(void *ctx, char *item, char *err, size_t errlen)
{
	char *colon = strchr(item, ':'), *hi_s = NULL;
	size_t lo, hi, factor = 2, inc = 0;
	int ret;

	if (colon)
		*colon = '\0';
	if (!parse_split_range(item, &hi_s)) {
		if (colon)
			return item_err(item, colon, NULL,
					"\"%s\" has a step but no range (write LO-HI:STEP)",
					err, errlen);
		ret = parse_size(item, &lo, err, errlen);
		return ret ? ret : size_vec_push(ctx, lo);
	}
	if (!*hi_s)
		return item_err(item, colon, hi_s, "range \"%s\" has no end", err, errlen);
	ret = parse_size(item, &lo, err, errlen);
	if (!ret)
		ret = parse_size(hi_s, &hi, err, errlen);
	if (!ret && colon)
		ret = parse_step(colon + 1, &factor, &inc, err, errlen);
	if (ret)
		return ret;
	if (lo > hi)
		return item_err(item, colon, hi_s, "range \"%s\" ends below its start",
				err, errlen);
	return push_range(ctx, lo, hi, factor, inc);
}

int parse_size_list(const char *s, size_t max, size_t **out, size_t *n,
		    char *err, size_t errlen)
{
	struct size_vec vec = { .max = max };
	char q[FMT_QUOTE_LEN];
	int ret;

	*out = NULL;
	*n = 0;
	ret = parse_for_each_item(s, "size list", parse_size_item, &vec, err, errlen);
	if (ret == -E2BIG)
		ret = parse_set_err(err, errlen, "size list \"%s\" has more than %zu values",
				    parse_q(s, q), max);
	else if (ret == -ENOMEM)
		parse_set_err(err, errlen, "out of memory parsing size list \"%s\"",
			      parse_q(s, q));
	if (ret) {
		free(vec.v);
		return ret;
	}
	*n = sort_unique_sizes(vec.v, vec.n);
	*out = vec.v;
	return 0;
}

struct cpu_set_ctx {
	bool *sel;		/* sel[v]: count v chosen, v in 1..ncpus */
	unsigned int ncpus;
};

/* s has parsed as a number, so it is digits only: named as typed, bare. */
static int parse_cpu_value(const char *s, unsigned int ncpus,
			   unsigned long *v, char *err, size_t errlen)
{
	int ret = parse_ulong(s, v, err, errlen);

	if (ret)
		return ret;
	if (*v == 0)
		return parse_set_err(err, errlen,
				     "%s is not a valid CPU count (the least is 1)", s);
	if (*v > ncpus)
		return parse_set_err(err, errlen,
				     "%s is more than the %u CPU%s this process may use",
				     s, ncpus, ncpus == 1 ? "" : "s");
	return 0;
}

static int parse_cpu_item(void *ctx, char *item, char *err, size_t errlen)
{
	struct cpu_set_ctx *c = ctx;
	unsigned long lo, hi, v;
	char *hi_s = NULL;
	int ret;

	if (strcasecmp(item, "max") == 0) {
		c->sel[c->ncpus] = true;
		return 0;
	}
	if (strcasecmp(item, "pow2") == 0) {
		for (v = 1; v <= c->ncpus; v *= 2)
			c->sel[v] = true;
		c->sel[c->ncpus] = true;
		return 0;
	}
	if (parse_split_range(item, &hi_s) && !*hi_s)
		return item_err(item, NULL, hi_s, "range \"%s\" has no end", err, errlen);
	ret = parse_cpu_value(item, c->ncpus, &lo, err, errlen);
	if (!ret)
		ret = parse_cpu_value(hi_s ? hi_s : item, c->ncpus, &hi, err, errlen);
	if (ret)
		return ret;
	if (lo > hi)
		return item_err(item, NULL, hi_s, "range \"%s\" ends below its start",
				err, errlen);
	for (v = lo; v <= hi; v++)
		c->sel[v] = true;
	return 0;
}

/* The chosen counts, ascending, into a malloc'd array. */
static int collect_cpus(const struct cpu_set_ctx *c, unsigned int **out,
			size_t *n)
{
	unsigned long v;
	size_t m = 0;

	for (v = 1; v <= c->ncpus; v++)
		m += c->sel[v];
	*out = malloc(m * sizeof(**out));
	if (!*out)
		return -ENOMEM;
	for (v = 1; v <= c->ncpus; v++)
		if (c->sel[v])
			(*out)[(*n)++] = (unsigned int)v;
	return 0;
}

int parse_cpu_counts(const char *s, unsigned int ncpus, unsigned int **out,
		     size_t *n, char *err, size_t errlen)
{
	struct cpu_set_ctx c = { .ncpus = ncpus };
	char q[FMT_QUOTE_LEN];
	int ret;

	*out = NULL;
	*n = 0;
	if (ncpus == 0)
		return parse_set_err(err, errlen, "no CPUs are available to this process");
	c.sel = calloc((size_t)ncpus + 1, sizeof(*c.sel));
	if (!c.sel)
		ret = -ENOMEM;
	else
		ret = parse_for_each_item(s, "list of CPU counts", parse_cpu_item,
					  &c, err, errlen);
	if (!ret)
		ret = collect_cpus(&c, out, n);
	if (ret == -ENOMEM)
		parse_set_err(err, errlen, "out of memory parsing CPU counts \"%s\"",
			      parse_q(s, q));
	free(c.sel);
	return ret;
}

