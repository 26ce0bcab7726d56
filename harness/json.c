// SPDX-License-Identifier: GPL-2.0-only
/*
 * json.c - streaming JSON writer (see json.h).
 *
 * Layout: compact output has no whitespace at all; pretty output puts each
 * member on its own line indented by two spaces per level, writes "key": v,
 * and keeps empty containers as {} and []. Nothing follows the last value
 * (no trailing newline: the caller owns the file). Several top-level values
 * are separated by newlines, as in JSON Lines.
 * Doubles use the shortest of %.15g/%.16g/%.17g that reads back exactly.
 *
 * Errors: a stdio failure records -errno (-EIO when errno says nothing),
 * nesting deeper than JSON_MAX_DEPTH records -E2BIG, an end with nothing
 * open records -EINVAL. The struct keeps no per-level container kind, so
 * a key given inside an array, or an object closed with json_array_end,
 * is not detected.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

void json_init(struct json_writer *w, FILE *f, bool pretty)
{
	memset(w, 0, sizeof(*w));
	w->f = f;
	w->pretty = pretty;
	if (!f)
		w->err = -EINVAL;
}

/*
 * Length of the well-formed UTF-8 sequence at p (RFC 3629: no overlongs,
 * no surrogates, nothing above U+10FFFF), or 0 with *bad set to the
 * length of the ill-formed prefix to replace by one U+FFFD (Unicode's
 * "maximal subpart" practice). The NUL terminator ends any sequence.
 */
static size_t utf8_seq_len(const unsigned char *p, size_t *bad)
{
	unsigned char c = p[0], lo = 0x80, hi = 0xbf;
	size_t need, i;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		need = 1;
	else if (c >= 0xe0 && c <= 0xef)
		need = 2;
	else if (c >= 0xf0 && c <= 0xf4)
		need = 3;
	else
		need = 0;
	if (need == 0) {
		*bad = 1;
		return 0;
	}
	if (c == 0xe0)
		lo = 0xa0;		/* overlong */
	else if (c == 0xed)
		hi = 0x9f;		/* surrogates */
	else if (c == 0xf0)
		lo = 0x90;		/* overlong */
	else if (c == 0xf4)
		hi = 0x8f;		/* above U+10FFFF */
	for (i = 1; i <= need; i++) {
		if (p[i] < lo || p[i] > hi) {
			*bad = i;
			return 0;
		}
		lo = 0x80;
		hi = 0xbf;
	}
	return need + 1;
}

/* Two-character escapes by byte; other bytes below 0x20 get \u00XX. */
static const char *const short_escapes[0x60] = {
	['"'] = "\\\"", ['\\'] = "\\\\", ['\b'] = "\\b", ['\f'] = "\\f",
	['\n'] = "\\n", ['\r'] = "\\r", ['\t'] = "\\t",
};

static void put_escaped_char(FILE *f, unsigned char c)
{
	if (c < 0x60 && short_escapes[c])
		fputs(short_escapes[c], f);
	else if (c < 0x20)
		fprintf(f, "\\u%04x", c);
	else
		fputc(c, f);
}

void json_write_string(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len, bad;

	if (!s) {
		fputs("null", f);
		return;
	}
	fputc('"', f);
	while (*p) {
		if (*p < 0x80) {
			put_escaped_char(f, *p++);
			continue;
		}
		len = utf8_seq_len(p, &bad);
		if (len) {
			fwrite(p, 1, len, f);
			p += len;
		} else {
			fputs("\xef\xbf\xbd", f);	/* U+FFFD */
			p += bad;
		}
	}
	fputc('"', f);
}

static void indent(struct json_writer *w, int depth)
{
	fputc('\n', w->f);
	for (int i = 0; i < depth; i++)
		fputs("  ", w->f);
}

/* Separator, indentation and key before a value; false once in error. */
static bool begin_value(struct json_writer *w, const char *key)
{
	if (w->err)
		return false;
	errno = 0;
	if (w->need_comma[w->depth])
		fputc(w->depth > 0 ? ',' : '\n', w->f);
	if (w->pretty && w->depth > 0)
		indent(w, w->depth);
	if (key) {
		json_write_string(w->f, key);
		fputs(w->pretty ? ": " : ":", w->f);
	}
	w->need_comma[w->depth] = true;
	return true;
}

/* Records the first stdio error (errno was zeroed by begin_value). */
static void check_io(struct json_writer *w)
{
	if (ferror(w->f) && !w->err)
		w->err = errno ? -errno : -EIO;
}

static void container_begin(struct json_writer *w, const char *key,
			    char open)
{
	if (w->err)
		return;
	if (w->depth + 1 >= JSON_MAX_DEPTH) {
		w->err = -E2BIG;
		return;
	}
	begin_value(w, key);
	fputc(open, w->f);
	w->depth++;
	w->need_comma[w->depth] = false;
	check_io(w);
}

static void container_end(struct json_writer *w, char close)
{
	if (w->err)
		return;
	if (w->depth == 0) {
		w->err = -EINVAL;
		return;
	}
	errno = 0;
	if (w->pretty && w->need_comma[w->depth])
		indent(w, w->depth - 1);
	fputc(close, w->f);
	w->depth--;
	check_io(w);
}

void json_object_begin(struct json_writer *w, const char *key)
{
	container_begin(w, key, '{');
}

void json_object_end(struct json_writer *w)
{
	container_end(w, '}');
}

void json_array_begin(struct json_writer *w, const char *key)
{
	container_begin(w, key, '[');
}

void json_array_end(struct json_writer *w)
{
	container_end(w, ']');
}

void json_string(struct json_writer *w, const char *key, const char *v)
{
	if (!begin_value(w, key))
		return;
	json_write_string(w->f, v);
	check_io(w);
}

void json_int(struct json_writer *w, const char *key, int64_t v)
{
	if (!begin_value(w, key))
		return;
	fprintf(w->f, "%" PRId64, v);
	check_io(w);
}

void json_uint(struct json_writer *w, const char *key, uint64_t v)
{
	if (!begin_value(w, key))
		return;
	fprintf(w->f, "%" PRIu64, v);
	check_io(w);
}

void json_double(struct json_writer *w, const char *key, double v)
{
	char buf[32];
	int prec;

	if (!begin_value(w, key))
		return;
	if (!isfinite(v)) {
		fputs("null", w->f);
	} else {
		/* the shortest precision that reads back as the same double */
		for (prec = 15; prec < 17; prec++) {
			snprintf(buf, sizeof(buf), "%.*g", prec, v);
			if (strtod(buf, NULL) == v)
				break;
		}
		snprintf(buf, sizeof(buf), "%.*g", prec, v);
		fputs(buf, w->f);
	}
	check_io(w);
}

void json_bool(struct json_writer *w, const char *key, bool v)
{
	if (!begin_value(w, key))
		return;
	fputs(v ? "true" : "false", w->f);
	check_io(w);
}

void json_null(struct json_writer *w, const char *key)
{
	if (!begin_value(w, key))
		return;
	fputs("null", w->f);
	check_io(w);
}

int json_finish(struct json_writer *w)
{
	if (w->err)
		return w->err;
	if (w->depth != 0)
		return w->err = -EINVAL;
	errno = 0;
	if (fflush(w->f) != 0 || ferror(w->f))
		w->err = errno ? -errno : -EIO;
	return w->err;
}
