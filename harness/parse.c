// SPDX-License-Identifier: GPL-2.0-only
/*
 * parse.c - command-line value parsers (see parse.h). Pure: no printing,
 * no globals; an error is one lower-case sentence in err naming the bad
 * input.
 *
 * Size suffixes are binary and case-insensitive: K, Ki, KB and KiB all
 * mean 1024 (likewise M, G, T); a bare B means bytes. Decimal (1000)
 * multiples are deliberately not offered: page and cache sizes are
 * powers of two, and "4KB" meaning 4000 would only surprise.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "parse.h"

static const char size_units[] = "KMGT";	/* 2^10, 2^20, 2^30, 2^40 */

__attribute__((format(printf, 3, 4)))
static int set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* Decimal digits at *p into *v; -ERANGE above max, -EINVAL if none. */
static int scan_uint(const char **p, unsigned long long max,
		     unsigned long long *v)
{
	const char *s = *p;
	int ret = 0;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	for (*v = 0; isdigit((unsigned char)*s); s++) {
		unsigned int d = (unsigned int)(*s - '0');

		if (*v > (max - d) / 10)
			ret = -ERANGE;
		else
			*v = *v * 10 + d;
	}
	*p = s;
	return ret;
}

/* The shift of a unit suffix ("", "B", "K", "Ki", "KB", "KiB", ...). */
static bool size_suffix_shift(const char *p, unsigned int *shift)
{
	const char *u = *p ? strchr(size_units, toupper((unsigned char)*p)) :
			     NULL;

	*shift = 0;
	if (u) {
		*shift = 10 * (unsigned int)(u - size_units + 1);
		p++;
		if (tolower((unsigned char)*p) == 'i')
			p++;
	}
	if (toupper((unsigned char)*p) == 'B')
		p++;
	return *p == '\0';
}

int parse_size(const char *s, size_t *out, char *err, size_t errlen)
{
	unsigned long long v;
	unsigned int shift;
	const char *p = s;
	int ret;

	if (!s || !*s)
		return set_err(err, errlen, "empty size");
	if (*s == '-')
		return set_err(err, errlen, "size \"%s\" is negative", s);
	ret = scan_uint(&p, SIZE_MAX, &v);
	if (ret == -EINVAL)
		return set_err(err, errlen, "size \"%s\" is not a number", s);
	if (*p == '.')
		return set_err(err, errlen,
			       "size \"%s\" is not a whole number (fractions are not accepted)",
			       s);
	if (!size_suffix_shift(p, &shift))
		return set_err(err, errlen,
			       "size \"%s\" has an unknown suffix \"%s\" (use K, M, G or T)",
			       s, p);
	if (ret == -ERANGE || v > (SIZE_MAX >> shift))
		return set_err(err, errlen, "size \"%s\" is too large", s);
	if (v == 0)
		return set_err(err, errlen,
			       "size \"%s\" must be greater than zero", s);
	*out = (size_t)(v << shift);
	return 0;
}

int parse_ulong(const char *s, unsigned long *out, char *err, size_t errlen)
{
	unsigned long long v;
	const char *p = s;
	int ret;

	if (!s || !*s)
		return set_err(err, errlen, "empty number");
	if (*s == '-')
		return set_err(err, errlen, "value \"%s\" is negative", s);
	ret = scan_uint(&p, ULONG_MAX, &v);
	if (ret == -EINVAL || *p)
		return set_err(err, errlen,
			       "value \"%s\" is not a whole number", s);
	if (ret == -ERANGE)
		return set_err(err, errlen, "value \"%s\" is too large", s);
	*out = (unsigned long)v;
	return 0;
}

/* End of a plain decimal "12", "0.5", ".5", "1e-3" at s, or NULL. */
static const char *scan_decimal(const char *s)
{
	bool digits = false;

	for (; isdigit((unsigned char)*s); s++)
		digits = true;
	if (*s == '.')
		for (s++; isdigit((unsigned char)*s); s++)
			digits = true;
	if (!digits)
		return NULL;
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '+' || *s == '-')
			s++;
		if (!isdigit((unsigned char)*s))
			return NULL;
		while (isdigit((unsigned char)*s))
			s++;
	}
	return s;
}

int parse_double(const char *s, int allow_percent, double *out, char *err,
		 size_t errlen)
{
	const char *end;
	double v;

	if (!s || !*s)
		return set_err(err, errlen, "empty number");
	if (*s == '-')
		return set_err(err, errlen, "value \"%s\" is negative", s);
	end = scan_decimal(s);
	if (!end || (*end && strcmp(end, "%") != 0))
		return set_err(err, errlen,
			       "value \"%s\" is not a decimal number", s);
	if (*end == '%' && !allow_percent)
		return set_err(err, errlen,
			       "value \"%s\" is a percentage, which is not accepted here",
			       s);
	/* scan_decimal already vetted the text: no hex, inf or nan here */
	errno = 0;
	v = strtod(s, NULL);
	if (errno == ERANGE && v > 1)
		return set_err(err, errlen, "value \"%s\" is too large", s);
	*out = *end == '%' ? v / 100 : v;
	return 0;
}

/* Calls fn on a private copy of each comma-separated item of s. */
static int for_each_item(const char *s, const char *what,
			 int (*fn)(void *ctx, char *item, char *err,
				   size_t errlen),
			 void *ctx, char *err, size_t errlen)
{
	const char *p = s;
	char *item;
	size_t len;
	int ret;

	if (!s || !*s)
		return set_err(err, errlen, "empty %s", what);
	for (;;) {
		len = strcspn(p, ",");
		if (len == 0)
			return set_err(err, errlen, "%s \"%s\" has an empty item",
				       what, s);
		item = strndup(p, len);
		if (!item)
			return -ENOMEM;
		ret = fn(ctx, item, err, errlen);
		free(item);
		if (ret || !p[len])
			return ret;
		p += len + 1;
	}
}

/* Splits "LO-HI" in place; false when there is no range. The search
 * starts after the first byte so that "-4K" stays a (negative) size. */
static bool split_range(char *item, char **hi)
{
	char *dash = *item ? strchr(item + 1, '-') : NULL;

	if (!dash)
		return false;
	*dash = '\0';
	*hi = dash + 1;
	return true;
}

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
	unsigned long f;

	*factor = 0;
	*inc = 0;
	if (*step == 'x' || *step == 'X') {
		if (parse_ulong(step + 1, &f, NULL, 0) || f < 2)
			return set_err(err, errlen,
				       "step \"%s\" must be x followed by a factor of at least 2",
				       step);
		*factor = f;
		return 0;
	}
	if (*step == '+') {
		if (parse_size(step + 1, inc, NULL, 0))
			return set_err(err, errlen,
				       "step \"%s\" must be + followed by a size greater than zero",
				       step);
		return 0;
	}
	return set_err(err, errlen,
		       "step \"%s\" is neither xFACTOR nor +SIZE", step);
}

static int parse_size_item(void *ctx, char *item, char *err, size_t errlen)
{
	char *colon = strchr(item, ':'), *hi_s;
	size_t lo, hi, factor = 2, inc = 0;
	int ret;

	if (colon)
		*colon = '\0';
	if (!split_range(item, &hi_s)) {
		if (colon)
			return set_err(err, errlen,
				       "\"%s:%s\" has a step but no range (write LO-HI:STEP)",
				       item, colon + 1);
		ret = parse_size(item, &lo, err, errlen);
		return ret ? ret : size_vec_push(ctx, lo);
	}
	if (!*hi_s)
		return set_err(err, errlen, "range \"%s-\" has no end", item);
	ret = parse_size(item, &lo, err, errlen);
	if (!ret)
		ret = parse_size(hi_s, &hi, err, errlen);
	if (!ret && colon)
		ret = parse_step(colon + 1, &factor, &inc, err, errlen);
	if (ret)
		return ret;
	if (lo > hi)
		return set_err(err, errlen, "range \"%s-%s\" ends below its start",
			       item, hi_s);
	return push_range(ctx, lo, hi, factor, inc);
}

int parse_size_list(const char *s, size_t max, size_t **out, size_t *n,
		    char *err, size_t errlen)
{
	struct size_vec vec = { .max = max };
	int ret;

	*out = NULL;
	*n = 0;
	ret = for_each_item(s, "size list", parse_size_item, &vec, err, errlen);
	if (ret == -E2BIG)
		ret = set_err(err, errlen, "size list \"%s\" has more than %zu values",
			      s, max);
	else if (ret == -ENOMEM)
		set_err(err, errlen, "out of memory parsing size list \"%s\"", s);
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

static int parse_cpu_value(const char *s, unsigned int ncpus,
			   unsigned long *v, char *err, size_t errlen)
{
	int ret = parse_ulong(s, v, err, errlen);

	if (ret)
		return ret;
	if (*v == 0)
		return set_err(err, errlen,
			       "0 is not a valid CPU count (the least is 1)");
	if (*v > ncpus)
		return set_err(err, errlen,
			       "%lu is more than the %u CPU%s this process may use",
			       *v, ncpus, ncpus == 1 ? "" : "s");
	return 0;
}

static int parse_cpu_item(void *ctx, char *item, char *err, size_t errlen)
{
	struct cpu_set_ctx *c = ctx;
	unsigned long lo, hi, v;
	char *hi_s;
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
	if (!split_range(item, &hi_s))
		hi_s = item;
	else if (!*hi_s)
		return set_err(err, errlen, "range \"%s-\" has no end", item);
	ret = parse_cpu_value(item, c->ncpus, &lo, err, errlen);
	if (!ret)
		ret = parse_cpu_value(hi_s, c->ncpus, &hi, err, errlen);
	if (ret)
		return ret;
	if (lo > hi)
		return set_err(err, errlen, "range \"%s-%s\" ends below its start",
			       item, hi_s);
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
	int ret;

	*out = NULL;
	*n = 0;
	if (ncpus == 0)
		return set_err(err, errlen, "no CPUs are available to this process");
	c.sel = calloc((size_t)ncpus + 1, sizeof(*c.sel));
	if (!c.sel)
		ret = -ENOMEM;
	else
		ret = for_each_item(s, "list of CPU counts", parse_cpu_item,
				    &c, err, errlen);
	if (!ret)
		ret = collect_cpus(&c, out, n);
	if (ret == -ENOMEM)
		set_err(err, errlen, "out of memory parsing CPU counts \"%s\"", s);
	free(c.sel);
	return ret;
}

char *parse_format_size(size_t v, char *buf, size_t len)
{
	int i;

	for (i = (int)sizeof(size_units) - 2; i >= 0; i--) {
		size_t unit = (size_t)1 << (10 * (i + 1));

		if (v && v % unit == 0) {
			snprintf(buf, len, "%zu%c", v / unit, size_units[i]);
			return buf;
		}
	}
	snprintf(buf, len, "%zu", v);
	return buf;
}
