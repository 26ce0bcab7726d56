// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_json.c - json.c output compared byte for byte with the expected
 * text (written to memory with open_memstream), then a nested document
 * fed to python3's json parser when python3 is installed.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "json.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct string_case {
	const char *in;
	const char *want;
};

static const struct string_case string_cases[] = {
	{ "plain", "\"plain\"" },
	{ "", "\"\"" },
	{ "a\"b", "\"a\\\"b\"" },
	{ "back\\slash", "\"back\\\\slash\"" },
	{ "l1\nl2\tt\r\b\f", "\"l1\\nl2\\tt\\r\\b\\f\"" },
	{ "\x01\x1f", "\"\\u0001\\u001f\"" },
	{ "a/b\x7f", "\"a/b\x7f\"" },		/* neither needs escaping */
	{ "\xc3\xa9", "\"\xc3\xa9\"" },		/* U+00E9, valid */
	{ "\xe2\x82\xac", "\"\xe2\x82\xac\"" },	/* U+20AC */
	{ "\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\"" },	/* U+1F600 */
	/* invalid: each maximal ill-formed subpart becomes one U+FFFD */
	{ "\xff", "\"\xef\xbf\xbd\"" },
	{ "a\xc3", "\"a\xef\xbf\xbd\"" },			/* cut at the end */
	{ "\xe2\x82x", "\"\xef\xbf\xbdx\"" },			/* cut, then ASCII */
	{ "\xc0\xaf", "\"\xef\xbf\xbd\xef\xbf\xbd\"" },		/* overlong '/' */
	{ "\xed\xa0\x80",					/* surrogate */
	  "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"" },
	{ "\xf4\x90\x80\x80",					/* > U+10FFFF */
	  "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"" },
	{ "\x80q", "\"\xef\xbf\xbdq\"" },			/* lone continuation */
	{ NULL, "null" },
};

static void test_strings(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(string_cases); i++) {
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);

		CHECK(f != NULL);
		if (!f)
			return;
		json_write_string(f, string_cases[i].in);
		fclose(f);
		CHECK_STR(buf, string_cases[i].want);
		free(buf);
	}
}

static void doc_nested(struct json_writer *w)
{
	json_object_begin(w, NULL);
	json_int(w, "a", 1);
	json_array_begin(w, "b");
	json_uint(w, NULL, UINT64_MAX);
	json_double(w, NULL, 2.5);
	json_null(w, NULL);
	json_bool(w, NULL, true);
	json_string(w, NULL, "x");
	json_array_end(w);
	json_object_begin(w, "c");
	json_object_end(w);
	json_array_begin(w, "d");
	json_array_end(w);
	json_object_begin(w, "e\n");
	json_int(w, "f", INT64_MIN);
	json_bool(w, "g", false);
	json_object_end(w);
	json_object_end(w);
}

static void doc_doubles(struct json_writer *w)
{
	json_array_begin(w, NULL);
	json_double(w, NULL, 0.1);
	json_double(w, NULL, 0.1 + 0.2);	/* needs all 17 digits */
	json_double(w, NULL, 1.0 / 3);		/* 16 digits suffice */
	json_double(w, NULL, 100);
	json_double(w, NULL, 1e300);
	json_double(w, NULL, -0.0);
	json_double(w, NULL, NAN);
	json_double(w, NULL, INFINITY);
	json_double(w, NULL, -INFINITY);
	json_array_end(w);
}

static void doc_top_level(struct json_writer *w)
{
	json_int(w, NULL, 1);
	json_string(w, NULL, "two");
	json_object_begin(w, NULL);
	json_object_end(w);
}

/* An end with nothing open sticks; the rest is ignored. */
static void doc_unbalanced(struct json_writer *w)
{
	json_array_begin(w, NULL);
	json_array_end(w);
	json_array_end(w);
	json_int(w, NULL, 7);
}

static void doc_too_deep(struct json_writer *w)
{
	for (int i = 0; i < JSON_MAX_DEPTH + 2; i++)
		json_array_begin(w, NULL);
}

static void doc_unclosed(struct json_writer *w)
{
	json_object_begin(w, NULL);
	json_int(w, "a", 1);
}

struct doc_case {
	const char *name;
	void (*write)(struct json_writer *w);
	bool pretty;
	int want_ret;
	const char *want;
};

static const struct doc_case doc_cases[] = {
	{ "nested", doc_nested, false, 0,
	  "{\"a\":1,\"b\":[18446744073709551615,2.5,null,true,\"x\"],"
	  "\"c\":{},\"d\":[],\"e\\n\":{\"f\":-9223372036854775808,"
	  "\"g\":false}}" },
	{ "nested pretty", doc_nested, true, 0,
	  "{\n"
	  "  \"a\": 1,\n"
	  "  \"b\": [\n"
	  "    18446744073709551615,\n"
	  "    2.5,\n"
	  "    null,\n"
	  "    true,\n"
	  "    \"x\"\n"
	  "  ],\n"
	  "  \"c\": {},\n"
	  "  \"d\": [],\n"
	  "  \"e\\n\": {\n"
	  "    \"f\": -9223372036854775808,\n"
	  "    \"g\": false\n"
	  "  }\n"
	  "}" },
	{ "doubles", doc_doubles, false, 0,
	  "[0.1,0.30000000000000004,0.3333333333333333,100,1e+300,-0,"
	  "null,null,null]" },
	{ "top level", doc_top_level, false, 0, "1\n\"two\"\n{}" },
	{ "top level pretty", doc_top_level, true, 0, "1\n\"two\"\n{}" },
	{ "unbalanced", doc_unbalanced, false, -EINVAL, "[]" },
	{ "too deep", doc_too_deep, false, -E2BIG,
	  "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[" },	/* 31 = JSON_MAX_DEPTH - 1 */
	{ "unclosed", doc_unclosed, false, -EINVAL, "{\"a\":1" },
};

static void test_docs(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(doc_cases); i++) {
		const struct doc_case *c = &doc_cases[i];
		struct json_writer w;
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);

		CHECK(f != NULL);
		if (!f)
			return;
		json_init(&w, f, c->pretty);
		c->write(&w);
		CHECK(json_finish(&w) == c->want_ret);
		fclose(f);
		if (strcmp(buf, c->want) != 0)
			fprintf(stderr, "case \"%s\":\n", c->name);
		CHECK_STR(buf, c->want);
		free(buf);
	}
}

static void test_double_round_trip(void)
{
	static const double v[] = { 5e-324, 1.7976931348623157e308, M_PI,
				    -2.2250738585072014e-308, 123456789.125 };

	for (size_t i = 0; i < ARRAY_SIZE(v); i++) {
		struct json_writer w;
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);

		CHECK(f != NULL);
		if (!f)
			return;
		json_init(&w, f, false);
		json_double(&w, NULL, v[i]);
		CHECK(json_finish(&w) == 0);
		fclose(f);
		CHECK(strtod(buf, NULL) == v[i]);
		free(buf);
	}
}

/* A full disk must surface as -ENOSPC from json_finish, at the latest. */
static void test_write_error(void)
{
	struct json_writer w;
	FILE *f = fopen("/dev/full", "w");

	if (!f) {
		printf("test_json: no /dev/full, write error check skipped\n");
		return;
	}
	json_init(&w, f, false);
	doc_nested(&w);
	CHECK(json_finish(&w) == -ENOSPC);
	json_int(&w, NULL, 1);			/* ignored: the error sticks */
	CHECK(w.err == -ENOSPC);
	fclose(f);
}

/* Every hazard in one document, as python3's json module reads it. */
static void write_hazards(struct json_writer *w)
{
	json_object_begin(w, NULL);
	json_string(w, "controls", "q\"b\\\n\x01");
	json_string(w, "bad", "\xff\xc3(\xed\xa0\x80");
	json_double(w, "nan", NAN);
	json_array_begin(w, "docs");
	doc_nested(w);
	doc_doubles(w);
	json_array_end(w);
	json_object_end(w);
}

static void test_python_parses(void)
{
	static const char cmd[] =
		"python3 -c 'import json,sys; d = json.load(sys.stdin); "
		"assert d[\"nan\"] is None and d[\"docs\"][0][\"b\"][0] == 2**64 - 1 "
		"and d[\"bad\"] == \"\\ufffd\\ufffd(\\ufffd\\ufffd\\ufffd\" "
		"and d[\"controls\"] == \"q\\\"b\\\\\\n\\x01\", d'";
	struct json_writer w;
	FILE *p;

	if (system("command -v python3 >/dev/null 2>&1") != 0) {
		printf("test_json: python3 not found, parse check skipped\n");
		return;
	}
	for (int pretty = 0; pretty <= 1; pretty++) {
		p = popen(cmd, "w");
		CHECK(p != NULL);
		if (!p)
			return;
		json_init(&w, p, pretty);
		write_hazards(&w);
		CHECK(json_finish(&w) == 0);
		CHECK(pclose(p) == 0);
	}
}

int main(void)
{
	test_strings();
	test_docs();
	test_double_round_trip();
	test_write_error();
	test_python_parses();
	return check_done("test_json");
}
