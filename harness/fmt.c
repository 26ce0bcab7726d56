// SPDX-License-Identifier: GPL-2.0-only
/*
 * fmt.c - numbers for people, and typed values made safe to echo (fmt.h).
 */
#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "fmt.h"

/* v with 3 significant figures (4 from 1000 to 9999). */
static void sig(double v, char *buf, size_t len, const char *unit)
{
	double a = fabs(v);

	if (a >= 1000 || a == 0)
		snprintf(buf, len, "%.0f%s", v, unit);
	else if (a >= 100)
		snprintf(buf, len, "%.0f%s", v, unit);
	else if (a >= 10)
		snprintf(buf, len, "%.1f%s", v, unit);
	else if (a >= 1)
		snprintf(buf, len, "%.2f%s", v, unit);
	else if (a >= 0.01)
		snprintf(buf, len, "%.3f%s", v, unit);
	else
		snprintf(buf, len, "%.2g%s", v, unit);	/* 0.002, 1.5e-05 */
}

static bool none(double v, char *buf)
{
	if (isfinite(v))
		return false;
	snprintf(buf, FMT_LEN, "-");
	return true;
}

const char *fmt_time(double ns, char *buf)
{
	static const char *const units[] = { " ns", " us", " ms", " s" };
	int u = 0;

	if (none(ns, buf))
		return buf;
	while (u < 3 && fabs(ns) >= 999.5) {
		ns /= 1000;
		u++;
	}
	sig(ns, buf, FMT_LEN, units[u]);
	return buf;
}

const char *fmt_rate(double gib_s, char *buf)
{
	if (none(gib_s, buf))
		return buf;
	if (fabs(gib_s) < 1)
		sig(gib_s * 1024, buf, FMT_LEN, " MiB/s");
	else
		sig(gib_s, buf, FMT_LEN, " GiB/s");
	return buf;
}

const char *fmt_count(double v, char *buf)
{
	if (none(v, buf))
		return buf;
	if (fabs(v) >= 9999.5e3)
		sig(v / 1e6, buf, FMT_LEN, "M");
	else if (fabs(v) >= 9999.5)
		sig(v / 1e3, buf, FMT_LEN, "k");
	else
		sig(v, buf, FMT_LEN, "");
	return buf;
}

const char *fmt_ratio(double v, char *buf)
{
	char inv[FMT_LEN];

	if (none(v, buf))
		return buf;
	if (v > 0 && v < 0.1) {		/* "1/7190": 7190 times slower */
		fmt_count(1 / v, inv);
		snprintf(buf, FMT_LEN, "1/%.20s", inv);
	} else {
		sig(v, buf, FMT_LEN, "x");
	}
	return buf;
}

const char *fmt_pct(double fraction, char *buf)
{
	double p = 100 * fraction;

	if (none(fraction, buf))
		return buf;
	snprintf(buf, FMT_LEN, fabs(p) >= 9.95 || p == 0 ? "%.0f%%" : "%.1f%%", p);
	return buf;
}

const char *fmt_size(double bytes, char *buf)
{
	static const char sfx[] = "KMGT";
	double v = bytes;
	int u = -1;

	if (none(bytes, buf))
		return buf;
	while (u < 3 && v >= 1024) {
		v /= 1024;
		u++;
	}
	if (u < 0)
		snprintf(buf, FMT_LEN, "%.0f", bytes);
	else if (v == floor(v))
		snprintf(buf, FMT_LEN, "%.0f%c", v, sfx[u]);
	else
		snprintf(buf, FMT_LEN, v >= 100 ? "%.0f%c" : v >= 10 ? "%.1f%c" : "%.2f%c",
			 v, sfx[u]);
	return buf;
}

const char *fmt_interval_pct(double v, double lo, double hi, char *buf)
{
	double up, down;

	if (!isfinite(v) || !isfinite(lo) || !isfinite(hi) || v == 0) {
		snprintf(buf, FMT_LEN, "-");
		return buf;
	}
	up = fmin(999, 100 * (hi - v) / fabs(v));	/* beyond: "+999%" */
	down = 100 * (v - lo) / fabs(v);
	if (fabs(up - down) <= 0.05 * fmax(up, down) + 0.05)
		snprintf(buf, FMT_LEN, fmax(up, down) < 9.95 ? "+-%.1f%%" : "+-%.0f%%",
			 fmax(up, down));
	else
		snprintf(buf, FMT_LEN, up < 9.95 && down < 9.95 ? "+%.1f/-%.1f%%" :
			 "+%.0f/-%.0f%%", up, down);
	return buf;
}

void fmt_wrap(FILE *f, const char *first, const char *text, int indent, int width)
{
	int col = fprintf(f, "%s", first);
	bool fresh = !*first;

	for (const char *p = text; *p;) {
		int w = (int)strcspn(p, " ");

		if (!fresh && col + 1 + w > width && col > indent) {
			col = fprintf(f, "\n%*s", indent, "") - 1;
			fresh = true;
		}
		if (!fresh) {
			fputc(' ', f);
			col++;
		}
		col += fprintf(f, "%.*s", w, p);
		fresh = false;
		p += w;
		while (*p == ' ')
			p++;
	}
	fputc('\n', f);
}

/* Length (2..4) of the valid UTF-8 sequence at p, its code point in *cp;
 * 0 when p starts none. The second byte's limits exclude overlong forms,
 * surrogates and code points above U+10FFFF; a NUL ends the scan. */
static size_t utf8_seq(const unsigned char *p, unsigned int *cp)
{
	unsigned int c = p[0], lo = 0x80, hi = 0xbf;
	size_t n = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 :
		   c >= 0xf0 && c <= 0xf4 ? 4 : 0;

	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	*cp = c & (0x7fu >> n);
	for (size_t i = 1; i < n; i++) {
		if (p[i] < (i == 1 ? lo : 0x80) || p[i] > (i == 1 ? hi : 0xbf))
			return 0;
		*cp = *cp << 6 | (p[i] & 0x3fu);
	}
	return n;
}

/* Characters that a terminal or a line splitter (Python's splitlines)
 * takes as a line break, or that reorder what follows. */
static bool breaks_line(unsigned int cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || (cp >= 0x2028 && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069);
}

/* The escaped form of the character at p into piece (up to 16 bytes and
 * a NUL), its length in *k; returns the bytes of p it stands for. */
static size_t quote_char(const unsigned char *p, char *piece, size_t *k)
{
	const char *name = *p == '"' ? "\\\"" : *p == '\\' ? "\\\\" :
			   *p == '\n' ? "\\n" : *p == '\t' ? "\\t" :
			   *p == '\r' ? "\\r" : NULL;
	unsigned int cp = 0;
	size_t n = *p < 0x80 ? 1 : utf8_seq(p, &cp);

	*k = 0;
	if (name) {
		*k = strlen(name);
		memcpy(piece, name, *k + 1);
		return 1;
	}
	if (n == 1 ? *p >= 0x20 && *p != 0x7f : n > 1 && !breaks_line(cp)) {
		memcpy(piece, p, n);
		piece[n] = '\0';
		*k = n;
		return n;
	}
	n = n ? n : 1;		/* not UTF-8: this byte alone */
	for (size_t i = 0; i < n; i++)
		*k += (size_t)snprintf(piece + *k, 5, "\\x%02x", p[i]);
	return n;
}

static size_t quoted_len(const unsigned char *p)
{
	char piece[20];
	size_t k, total = 0;

	while (*p) {
		p += quote_char(p, piece, &k);
		total += k;
	}
	return total;
}

const char *fmt_quote(const char *s, char *buf, size_t len)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t o = 0;

	if (!len)
		return buf;
	while (*p) {
		char piece[20];
		size_t k, used = quote_char(p, piece, &k);

		/* keep room for "..." unless the rest fits whole */
		if (o + k + 4 > len && o + quoted_len(p) + 1 > len) {
			snprintf(buf + o, len - o, "...");
			return buf;
		}
		memcpy(buf + o, piece, k);
		o += k;
		p += used;
	}
	buf[o] = '\0';
	return buf;
}
