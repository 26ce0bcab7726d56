/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * json.h - a small streaming JSON writer (RFC 8259). Keys and strings are
 * escaped; non-finite doubles are written as null (JSON has no NaN). The
 * first error sticks in w->err and later calls do nothing.
 */
#ifndef COWBENCH_JSON_H
#define COWBENCH_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 32

struct json_writer {
	FILE *f;
	int depth;
	bool need_comma[JSON_MAX_DEPTH];
	bool pretty;		/* newline + indent per member */
	int err;		/* 0 or -errno */
};

void json_init(struct json_writer *w, FILE *f, bool pretty);

/* `key` is the member name inside an object, NULL inside an array or at
 * the top level. */
void json_object_begin(struct json_writer *w, const char *key);
void json_object_end(struct json_writer *w);
void json_array_begin(struct json_writer *w, const char *key);
void json_array_end(struct json_writer *w);
void json_string(struct json_writer *w, const char *key, const char *v); /* NULL -> null */
void json_int(struct json_writer *w, const char *key, int64_t v);
void json_uint(struct json_writer *w, const char *key, uint64_t v);
void json_double(struct json_writer *w, const char *key, double v); /* %.17g, NaN/inf -> null */
void json_bool(struct json_writer *w, const char *key, bool v);
void json_null(struct json_writer *w, const char *key);

/* Write s as a quoted, escaped JSON string: \" \\ \b \f \n \r \t, other
 * control characters as \u00XX; bytes >= 0x80 are passed through (UTF-8),
 * except invalid UTF-8 sequences, which become U+FFFD. */
void json_write_string(FILE *f, const char *s);

/* 0 when everything was written, else the first error. */
int json_finish(struct json_writer *w);

#endif
