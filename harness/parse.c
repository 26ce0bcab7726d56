// SPDX-License-Identifier: GPL-2.0-only
/*
 * parse.c - command-line numbers and sizes (see parse.h; the lists are in
 * parse_list.c). Pure: no printing, no globals; an error is one
 * lower-case sentence in err naming the bad input, escaped (fmt_quote).
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
#include "parse_int.h"

static const char size_units[] = "KMGT";	/* 2^10, 2^20, 2^30, 2^40 */

int parse_set_err(char *err, size_t errlen, const char *fmt, ...)
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

/* The sentence for a size s that is out of range. */
static int size_range_err(const char *s, char *err, size_t errlen)
{
	char q[FMT_QUOTE_LEN], max[16];

	return parse_set_err(err, errlen,
			     "size \"%s\" is out of range: sizes are 1 byte to %s",
			     parse_q(s, q),
			     parse_format_size(PARSE_SIZE_MAX, max, sizeof(max)));
}

int parse_size(const char *s, size_t *out, char *err, size_t errlen)
{
	char q[FMT_QUOTE_LEN], qp[FMT_QUOTE_LEN];
	unsigned long long v;
	unsigned int shift;
	const char *p = s;
	int ret;

	if (!s || !*s)
		return parse_set_err(err, errlen, "empty size");
	if (*s == '-')
		return parse_set_err(err, errlen, "size \"%s\" is negative",
				     parse_q(s, q));
	ret = scan_uint(&p, PARSE_SIZE_MAX, &v);
	if (ret == -EINVAL)
		return parse_set_err(err, errlen, "size \"%s\" is not a number",
				     parse_q(s, q));
	if (*p == '.')
		return parse_set_err(err, errlen,
				     "size \"%s\" is not a whole number (fractions are not accepted)",
				     parse_q(s, q));
	if (!size_suffix_shift(p, &shift))
		return parse_set_err(err, errlen,
				     "size \"%s\" has an unknown suffix \"%s\" (use K, M, G or T)",
				     parse_q(s, q), parse_q(p, qp));
	if (ret == -ERANGE || v > (PARSE_SIZE_MAX >> shift))
		return size_range_err(s, err, errlen);
	if (v == 0)
		return parse_set_err(err, errlen,
				     "size \"%s\" must be greater than zero",
				     parse_q(s, q));
	*out = (size_t)(v << shift);
	return 0;
}

int parse_ulong(const char *s, unsigned long *out, char *err, size_t errlen)
{
	char q[FMT_QUOTE_LEN];
	unsigned long long v;
	const char *p = s;
	int ret;

	if (!s || !*s)
		return parse_set_err(err, errlen, "empty number");
	if (*s == '-')
		return parse_set_err(err, errlen, "value \"%s\" is negative",
				     parse_q(s, q));
	ret = scan_uint(&p, ULONG_MAX, &v);
	if (ret == -EINVAL || *p)
		return parse_set_err(err, errlen,
				     "value \"%s\" is not a whole number",
				     parse_q(s, q));
	if (ret == -ERANGE)
		return parse_set_err(err, errlen, "value \"%s\" is too large",
				     parse_q(s, q));
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
	char q[FMT_QUOTE_LEN];
	const char *end;
	double v;

	if (!s || !*s)
		return parse_set_err(err, errlen, "empty number");
	if (*s == '-')
		return parse_set_err(err, errlen, "value \"%s\" is negative",
				     parse_q(s, q));
	end = scan_decimal(s);
	if (!end || (*end && strcmp(end, "%") != 0))
		return parse_set_err(err, errlen,
				     "value \"%s\" is not a decimal number",
				     parse_q(s, q));
	if (*end == '%' && !allow_percent)
		return parse_set_err(err, errlen,
				     "value \"%s\" is a percentage, which is not accepted here",
				     parse_q(s, q));
	/* scan_decimal already vetted the text: no hex, inf or nan here */
	errno = 0;
	v = strtod(s, NULL);
	if (errno == ERANGE && v > 1)
		return parse_set_err(err, errlen, "value \"%s\" is too large",
				     parse_q(s, q));
	*out = *end == '%' ? v / 100 : v;
	return 0;
}

int parse_for_each_item(const char *s, const char *what,
			int (*fn)(void *ctx, char *item, char *err, size_t errlen),
			void *ctx, char *err, size_t errlen)
{
	char q[FMT_QUOTE_LEN];
	const char *p = s;
	char *item;
	size_t len;
	int ret;

	if (!s || !*s)
		return parse_set_err(err, errlen, "empty %s", what);
	for (;;) {
		len = strcspn(p, ",");
		if (len == 0)
			return parse_set_err(err, errlen, "%s \"%s\" has an empty item",
					     what, parse_q(s, q));
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

bool parse_split_range(char *item, char **hi)
{
	char *dash = *item ? strchr(item + 1, '-') : NULL;

	if (!dash)
		return false;
	*dash = '\0';
	*hi = dash + 1;
	return true;
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
