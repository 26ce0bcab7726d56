// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_parse.c - parse.c and parse_list.c on good and bad command-line
 * values, and fmt_quote, which escapes a typed value for an error line.
 * Every error case checks the exact message, which must name the bad
 * input, escaped.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "fmt.h"
#include "parse.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define K ((size_t)1 << 10)
#define M ((size_t)1 << 20)
#define G ((size_t)1 << 30)
#define T ((size_t)1 << 40)

/* want_err NULL: must succeed with want; else fail with this message */
struct size_case {
	const char *s;
	size_t want;
	const char *want_err;
};

static const struct size_case size_cases[] = {
	{ "4096", 4096, NULL },
	{ "1", 1, NULL },
	{ "512B", 512, NULL },
	{ "4K", 4 * K, NULL },
	{ "4k", 4 * K, NULL },
	{ "4KiB", 4 * K, NULL },
	{ "4kib", 4 * K, NULL },
	{ "4KB", 4 * K, NULL },	/* binary too: documented in parse.c */
	{ "4Ki", 4 * K, NULL },
	{ "64M", 64 * M, NULL },
	{ "2MiB", 2 * M, NULL },
	{ "1G", G, NULL },
	/* the bound, PARSE_SIZE_MAX = 1T, in each spelling */
	{ "1T", T, NULL },
	{ "1024G", T, NULL },
	{ "1048576M", T, NULL },
	{ "1099511627776", T, NULL },
	{ "1TiB", T, NULL },
	{ "1099511627775B", T - 1, NULL },
	{ "0", 0, "size \"0\" must be greater than zero" },
	{ "0K", 0, "size \"0K\" must be greater than zero" },
	{ "-4K", 0, "size \"-4K\" is negative" },
	{ "4Q", 0, "size \"4Q\" has an unknown suffix \"Q\" (use K, M, G or T)" },
	{ "4Kx", 0, "size \"4Kx\" has an unknown suffix \"Kx\" (use K, M, G or T)" },
	{ "4KiBB", 0, "size \"4KiBB\" has an unknown suffix \"KiBB\" (use K, M, G or T)" },
	{ "4 K", 0, "size \"4 K\" has an unknown suffix \" K\" (use K, M, G or T)" },
	{ "0x10", 0, "size \"0x10\" has an unknown suffix \"x10\" (use K, M, G or T)" },
	{ "1.5M", 0, "size \"1.5M\" is not a whole number (fractions are not accepted)" },
	{ "", 0, "empty size" },
	{ " 4K", 0, "size \" 4K\" is not a number" },
	{ "K", 0, "size \"K\" is not a number" },
	/* above the bound: no later page rounding or ring of buffers wraps */
	{ "1099511627777", 0, "size \"1099511627777\" is out of range: sizes are 1 byte to 1T" },
	{ "1025G", 0, "size \"1025G\" is out of range: sizes are 1 byte to 1T" },
	{ "1048577M", 0, "size \"1048577M\" is out of range: sizes are 1 byte to 1T" },
	{ "3T", 0, "size \"3T\" is out of range: sizes are 1 byte to 1T" },
	{ "2T", 0, "size \"2T\" is out of range: sizes are 1 byte to 1T" },
	{ "16777215T", 0, "size \"16777215T\" is out of range: sizes are 1 byte to 1T" },
	{ "18446744073709547521", 0, "size \"18446744073709547521\" is out of range: sizes are 1 byte to 1T" },
	{ "18446744073709551615", 0, "size \"18446744073709551615\" is out of range: sizes are 1 byte to 1T" },
	{ "18446744073709551616", 0, "size \"18446744073709551616\" is out of range: sizes are 1 byte to 1T" },
	{ "99999999999999999999G", 0, "size \"99999999999999999999G\" is out of range: sizes are 1 byte to 1T" },
	/* the typed value, escaped: one line whatever was typed */
	{ "4\nK", 0, "size \"4\\nK\" has an unknown suffix \"\\nK\" (use K, M, G or T)" },
	{ "4K\t", 0, "size \"4K\\t\" has an unknown suffix \"K\\t\" (use K, M, G or T)" },
	{ "4\"K", 0, "size \"4\\\"K\" has an unknown suffix \"\\\"K\" (use K, M, G or T)" },
	{ "4\xff", 0, "size \"4\\xff\" has an unknown suffix \"\\xff\" (use K, M, G or T)" },
	{ "\x1b[2J", 0, "size \"\\x1b[2J\" is not a number" },
	{ "-\r", 0, "size \"-\\r\" is negative" },
};

static void test_size(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(size_cases); i++) {
		const struct size_case *c = &size_cases[i];
		char err[160] = "";
		size_t v = 12345;
		int ret = parse_size(c->s, &v, err, sizeof(err));

		if (!c->want_err) {
			CHECK(ret == 0);
			CHECK(v == c->want);
			CHECK_STR(err, "");
		} else {
			CHECK(ret == -EINVAL);
			CHECK(v == 12345);
			CHECK_STR(err, c->want_err);
		}
	}
}

struct list_case {
	const char *s;
	size_t max;
	size_t n;
	size_t want[16];
	const char *want_err;
};

static const struct list_case list_cases[] = {
	{ "4K,64K,1M", 16, 3, { 4 * K, 64 * K, M }, NULL },
	{ "4K-64M:x4", 16, 8, { 4 * K, 16 * K, 64 * K, 256 * K, M, 4 * M,
				16 * M, 64 * M }, NULL },
	{ "4K-16K:+4K", 16, 4, { 4 * K, 8 * K, 12 * K, 16 * K }, NULL },
	{ "4K-10K:+4K", 16, 2, { 4 * K, 8 * K }, NULL },	/* end not landed on */
	{ "4K-100K:x4", 16, 3, { 4 * K, 16 * K, 64 * K }, NULL },
	{ "4K-16K:X2", 16, 3, { 4 * K, 8 * K, 16 * K }, NULL },
	/* x2 by default: 2^12 .. 2^26 is 15 values, exactly max */
	{ "4K-64M", 15, 15, { 4 * K, 8 * K, 16 * K, 32 * K, 64 * K, 128 * K,
			      256 * K, 512 * K, M, 2 * M, 4 * M, 8 * M,
			      16 * M, 32 * M, 64 * M }, NULL },
	{ "4K-4K", 16, 1, { 4 * K }, NULL },
	{ "1M,4K,1M,64K", 16, 3, { 4 * K, 64 * K, M }, NULL },
	{ "8K-64K:x4,4K", 16, 3, { 4 * K, 8 * K, 32 * K }, NULL },
	{ "4K,4K,4K", 1, 1, { 4 * K }, NULL },	/* repeats do not count */
	{ "16E", 16, 0, { 0 }, "size \"16E\" has an unknown suffix \"E\" (use K, M, G or T)" },
	{ "4K-64M", 14, 0, { 0 }, "size list \"4K-64M\" has more than 14 values" },
	{ "1-1T:+1", 64, 0, { 0 }, "size list \"1-1T:+1\" has more than 64 values" },
	/* steps at the bound: none wraps */
	{ "1T-1T", 16, 1, { T }, NULL },
	{ "4K-1T:+1T", 16, 1, { 4 * K }, NULL },
	{ "1-1T:x1099511627776", 16, 2, { 1, T }, NULL },
	{ "512G-1T:x18446744073709551615", 16, 1, { 512 * G }, NULL },
	{ "1T-1T:+1T", 16, 1, { T }, NULL },
	{ "256G-1T:x2", 16, 3, { 256 * G, 512 * G, T }, NULL },
	{ "1023G-1T:+1G", 16, 2, { 1023 * G, T }, NULL },
	{ "4K-2T", 16, 0, { 0 }, "size \"2T\" is out of range: sizes are 1 byte to 1T" },
	{ "4K-18446744073709551615:+4K", 16, 0, { 0 },
	  "size \"18446744073709551615\" is out of range: sizes are 1 byte to 1T" },
	{ "4K-1T:+2T", 16, 0, { 0 }, "step \"+2T\" must be + followed by a size of 1 byte to 1T" },
	{ "4K-1T:x18446744073709551616", 16, 0, { 0 },
	  "step \"x18446744073709551616\" must be x followed by a factor of at least 2" },
	{ "4K,18446744073709551615", 16, 0, { 0 },
	  "size \"18446744073709551615\" is out of range: sizes are 1 byte to 1T" },
	/* the item whole as typed, escaped */
	{ "8K-4\nK", 16, 0, { 0 }, "size \"4\\nK\" has an unknown suffix \"\\nK\" (use K, M, G or T)" },
	{ "8K-4K:\t2", 16, 0, { 0 }, "step \"\\t2\" is neither xFACTOR nor +SIZE" },
	{ "8K-4K:x2", 16, 0, { 0 }, "range \"8K-4K:x2\" ends below its start" },
	{ "4K-:x2", 16, 0, { 0 }, "range \"4K-:x2\" has no end" },
	{ "4K,\n,8K", 16, 0, { 0 }, "size \"\\n\" is not a number" },
	{ "4K,\"", 16, 0, { 0 }, "size \"\\\"\" is not a number" },
	{ "4K,,\n", 16, 0, { 0 }, "size list \"4K,,\\n\" has an empty item" },
	{ "4K,8K", 0, 0, { 0 }, "size list \"4K,8K\" has more than 0 values" },
	{ "", 16, 0, { 0 }, "empty size list" },
	{ "4K-1K", 16, 0, { 0 }, "range \"4K-1K\" ends below its start" },
	{ "4K-64M:x1", 16, 0, { 0 }, "step \"x1\" must be x followed by a factor of at least 2" },
	{ "4K-64M:x", 16, 0, { 0 }, "step \"x\" must be x followed by a factor of at least 2" },
	{ "4K-64M:+0", 16, 0, { 0 }, "step \"+0\" must be + followed by a size of 1 byte to 1T" },
	{ "4K-64M:*2", 16, 0, { 0 }, "step \"*2\" is neither xFACTOR nor +SIZE" },
	{ "4K:x2", 16, 0, { 0 }, "\"4K:x2\" has a step but no range (write LO-HI:STEP)" },
	{ ":x2-4", 16, 0, { 0 }, "\":x2-4\" has a step but no range (write LO-HI:STEP)" },
	{ "4K-64M:x4:x2", 16, 0, { 0 }, "step \"x4:x2\" must be x followed by a factor of at least 2" },
	{ "4K,,8K", 16, 0, { 0 }, "size list \"4K,,8K\" has an empty item" },
	{ "4K,", 16, 0, { 0 }, "size list \"4K,\" has an empty item" },
	{ "-4K", 16, 0, { 0 }, "size \"-4K\" is negative" },
	{ "4K-", 16, 0, { 0 }, "range \"4K-\" has no end" },
	{ "4Q-8K", 16, 0, { 0 }, "size \"4Q\" has an unknown suffix \"Q\" (use K, M, G or T)" },
	{ "4K-8K junk", 16, 0, { 0 }, "size \"8K junk\" has an unknown suffix \"K junk\" (use K, M, G or T)" },
};

static void test_size_list(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(list_cases); i++) {
		const struct list_case *c = &list_cases[i];
		char err[160] = "";
		size_t *v = NULL, n = 99;
		int ret = parse_size_list(c->s, c->max, &v, &n, err,
					  sizeof(err));

		if (c->want_err) {
			CHECK(ret == -EINVAL);
			CHECK(v == NULL && n == 0);
			CHECK_STR(err, c->want_err);
			continue;
		}
		CHECK(ret == 0);
		CHECK_STR(err, "");
		CHECK(n == c->n);
		for (size_t j = 0; j < n && j < c->n; j++)
			CHECK(v[j] == c->want[j]);
		free(v);
	}
}

struct cpu_case {
	const char *s;
	unsigned int ncpus;
	size_t n;
	unsigned int want[16];
	const char *want_err;
};

static const struct cpu_case cpu_cases[] = {
	{ "pow2", 1, 1, { 1 }, NULL },
	{ "pow2", 2, 2, { 1, 2 }, NULL },
	{ "pow2", 6, 4, { 1, 2, 4, 6 }, NULL },	/* 6 is no power of two */
	{ "pow2", 16, 5, { 1, 2, 4, 8, 16 }, NULL },
	{ "1,2,4", 8, 3, { 1, 2, 4 }, NULL },
	{ "1-4", 8, 4, { 1, 2, 3, 4 }, NULL },
	{ "max", 6, 1, { 6 }, NULL },
	{ "MAX", 6, 1, { 6 }, NULL },
	{ "4,1,max,2-3", 6, 5, { 1, 2, 3, 4, 6 }, NULL },
	{ "2,2,pow2", 4, 3, { 1, 2, 4 }, NULL },
	{ "3-3", 4, 1, { 3 }, NULL },
	{ "64", 2, 0, { 0 }, "64 is more than the 2 CPUs this process may use" },
	{ "3", 1, 0, { 0 }, "3 is more than the 1 CPU this process may use" },
	{ "1-99", 4, 0, { 0 }, "99 is more than the 4 CPUs this process may use" },
	{ "0", 4, 0, { 0 }, "0 is not a valid CPU count (the least is 1)" },
	{ "0-2", 4, 0, { 0 }, "0 is not a valid CPU count (the least is 1)" },
	{ "007", 4, 0, { 0 }, "007 is more than the 4 CPUs this process may use" },
	{ "18446744073709551615", 4, 0, { 0 },
	  "18446744073709551615 is more than the 4 CPUs this process may use" },
	{ "1-4294967296", 4, 0, { 0 },
	  "4294967296 is more than the 4 CPUs this process may use" },
	{ "1-\n", 4, 0, { 0 }, "value \"\\n\" is not a whole number" },
	{ "4-1\t", 4, 0, { 0 }, "value \"1\\t\" is not a whole number" },
	{ "max,\xc3", 4, 0, { 0 }, "value \"\\xc3\" is not a whole number" },
	{ "4-1", 4, 0, { 0 }, "range \"4-1\" ends below its start" },
	{ "2-", 4, 0, { 0 }, "range \"2-\" has no end" },
	{ "", 4, 0, { 0 }, "empty list of CPU counts" },
	{ "1,,2", 4, 0, { 0 }, "list of CPU counts \"1,,2\" has an empty item" },
	{ "a", 4, 0, { 0 }, "value \"a\" is not a whole number" },
	{ "2x", 4, 0, { 0 }, "value \"2x\" is not a whole number" },
	{ "-1", 4, 0, { 0 }, "value \"-1\" is negative" },
	{ "99999999999999999999", 4, 0, { 0 }, "value \"99999999999999999999\" is too large" },
	{ "1", 0, 0, { 0 }, "no CPUs are available to this process" },
};

static void test_cpu_counts(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(cpu_cases); i++) {
		const struct cpu_case *c = &cpu_cases[i];
		char err[160] = "";
		unsigned int *v = NULL;
		size_t n = 99;
		int ret = parse_cpu_counts(c->s, c->ncpus, &v, &n, err,
					   sizeof(err));

		if (c->want_err) {
			CHECK(ret == -EINVAL);
			CHECK(v == NULL && n == 0);
			CHECK_STR(err, c->want_err);
			continue;
		}
		CHECK(ret == 0);
		CHECK(n == c->n);
		for (size_t j = 0; j < n && j < c->n; j++)
			CHECK(v[j] == c->want[j]);
		free(v);
	}
}

struct double_case {
	const char *s;
	int allow_percent;
	double want;
	const char *want_err;
};

static const struct double_case double_cases[] = {
	{ "0.5", 0, 0.5, NULL },
	{ "10", 0, 10, NULL },
	{ "0", 0, 0, NULL },
	{ ".5", 0, 0.5, NULL },
	{ "2.", 0, 2, NULL },
	{ "1e3", 0, 1000, NULL },
	{ "2.5E-1", 0, 0.25, NULL },
	{ "1%", 1, 0.01, NULL },
	{ "2.5%", 1, 0.025, NULL },
	{ "0.5", 1, 0.5, NULL },
	{ "1%", 0, 0, "value \"1%\" is a percentage, which is not accepted here" },
	{ "-1", 0, 0, "value \"-1\" is negative" },
	{ "", 0, 0, "empty number" },
	{ "abc", 0, 0, "value \"abc\" is not a decimal number" },
	{ "nan", 0, 0, "value \"nan\" is not a decimal number" },
	{ "inf", 0, 0, "value \"inf\" is not a decimal number" },
	{ "0x10", 0, 0, "value \"0x10\" is not a decimal number" },
	{ "1e", 0, 0, "value \"1e\" is not a decimal number" },
	{ ".", 0, 0, "value \".\" is not a decimal number" },
	{ "1.2.3", 0, 0, "value \"1.2.3\" is not a decimal number" },
	{ " 5", 0, 0, "value \" 5\" is not a decimal number" },
	{ "5 ", 0, 0, "value \"5 \" is not a decimal number" },
	{ "5%%", 1, 0, "value \"5%%\" is not a decimal number" },
	{ "1e999", 0, 0, "value \"1e999\" is too large" },
	{ "1e308", 0, 1e308, NULL },	/* the caller bounds it: cli_values.c */
	{ "1\n", 0, 0, "value \"1\\n\" is not a decimal number" },
	{ "NaN", 0, 0, "value \"NaN\" is not a decimal number" },
	{ "-inf", 0, 0, "value \"-inf\" is negative" },
};

static void test_double(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(double_cases); i++) {
		const struct double_case *c = &double_cases[i];
		char err[160] = "";
		double v = -7;
		int ret = parse_double(c->s, c->allow_percent, &v, err,
				       sizeof(err));

		if (c->want_err) {
			CHECK(ret == -EINVAL);
			CHECK(v == -7);
			CHECK_STR(err, c->want_err);
		} else {
			CHECK(ret == 0);
			CHECK_NEAR(v, c->want, 1e-15);
		}
	}
}

struct ulong_case {
	const char *s;
	unsigned long want;
	const char *want_err;
};

static const struct ulong_case ulong_cases[] = {
	{ "0", 0, NULL },
	{ "42", 42, NULL },
	{ "007", 7, NULL },
	{ "18446744073709551615", 18446744073709551615UL, NULL },
	{ "18446744073709551616", 0, "value \"18446744073709551616\" is too large" },
	{ "-1", 0, "value \"-1\" is negative" },
	{ "1.0", 0, "value \"1.0\" is not a whole number" },
	{ "12a", 0, "value \"12a\" is not a whole number" },
	{ "+1", 0, "value \"+1\" is not a whole number" },
	{ "1 ", 0, "value \"1 \" is not a whole number" },
	{ "\"1\"", 0, "value \"\\\"1\\\"\" is not a whole number" },
	{ "", 0, "empty number" },
};

static void test_ulong(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(ulong_cases); i++) {
		const struct ulong_case *c = &ulong_cases[i];
		char err[160] = "";
		unsigned long v = 5;
		int ret = parse_ulong(c->s, &v, err, sizeof(err));

		if (c->want_err) {
			CHECK(ret == -EINVAL);
			CHECK(v == 5);
			CHECK_STR(err, c->want_err);
		} else {
			CHECK(ret == 0);
			CHECK(v == c->want);
		}
	}
}

struct format_case {
	size_t v;
	const char *want;
};

static const struct format_case format_cases[] = {
	{ 4096, "4K" }, { 1048576, "1M" }, { 1000, "1000" }, { 0, "0" },
	{ 1536, "1536" }, { 6 * K, "6K" }, { 1025 * K, "1025K" },
	{ 3 * G, "3G" }, { T, "1T" }, { 2048 * T, "2048T" }, { 1, "1" },
};

static void test_format_size(void)
{
	char buf[32], small[3];

	for (size_t i = 0; i < ARRAY_SIZE(format_cases); i++)
		CHECK_STR(parse_format_size(format_cases[i].v, buf, sizeof(buf)),
			  format_cases[i].want);
	/* truncated, still terminated */
	CHECK_STR(parse_format_size(123456, small, sizeof(small)), "12");
}

struct quote_case {
	const char *s;
	size_t len;
	const char *want;
};

static const struct quote_case quote_cases[] = {
	{ "", 64, "" },
	{ "copy/memcpy", 64, "copy/memcpy" },
	{ "a\"b\\c", 64, "a\\\"b\\\\c" },
	{ "copy/m\nemcpy", 64, "copy/m\\nemcpy" },
	{ "\t\r", 64, "\\t\\r" },
	{ "\x01\x1b[31m\x7f", 64, "\\x01\\x1b[31m\\x7f" },
	{ "\v\f\x1c\x1d\x1e", 64, "\\x0b\\x0c\\x1c\\x1d\\x1e" },	/* splitlines breaks */
	{ "caf\xc3\xa9 \xf0\x9f\x98\x80", 64, "caf\xc3\xa9 \xf0\x9f\x98\x80" },	/* UTF-8 */
	{ "\xc2\xa0", 64, "\xc2\xa0" },			/* U+00A0 prints */
	{ "\xff", 64, "\\xff" },
	{ "\xc3", 64, "\\xc3" },				/* cut sequence */
	{ "\xc3(", 64, "\\xc3(" },
	{ "\xc0\xaf", 64, "\\xc0\\xaf" },			/* overlong */
	{ "\xe0\x80\xaf", 64, "\\xe0\\x80\\xaf" },		/* overlong */
	{ "\xed\xa0\x80", 64, "\\xed\\xa0\\x80" },		/* surrogate */
	{ "\xf4\x90\x80\x80", 64, "\\xf4\\x90\\x80\\x80" },	/* > U+10FFFF */
	{ "\x80x", 64, "\\x80x" },				/* lone continuation */
	{ "\xc2\x85", 64, "\\xc2\\x85" },			/* U+0085 NEL */
	{ "a\xe2\x80\xa8" "b", 64, "a\\xe2\\x80\\xa8b" },	/* U+2028 */
	{ "\xe2\x80\xa9", 64, "\\xe2\\x80\\xa9" },		/* U+2029 */
	{ "\xe2\x80\xae" "abc", 64, "\\xe2\\x80\\xaeabc" },	/* RLO */
	{ "\xe2\x81\xa6", 64, "\\xe2\\x81\\xa6" },		/* LRI */
	/* cut with "..." at a whole escape or character */
	{ "abcdefghij", 8, "abcd..." },
	{ "abcdefg", 8, "abcdefg" },			/* fits whole */
	{ "abcdefgh", 8, "abcd..." },
	{ "abc\n\n\n", 8, "abc..." },
	{ "ab\xc3\xa9\xc3\xa9\xc3\xa9", 8, "ab\xc3\xa9..." },
	{ "\xff\xff", 9, "\\xff\\xff" },
	{ "\xff\xff", 8, "\\xff..." },
	{ "abc", 1, "" },
	{ "abc", 3, ".." },
};

/* The inverse of fmt_quote, to show that nothing is lost. */
static size_t unquote(const char *q, char *out)
{
	size_t n = 0;

	for (; *q; q++) {
		if (*q != '\\') {
			out[n++] = *q;
			continue;
		}
		q++;
		if (*q == 'x') {
			unsigned int b;

			if (sscanf(q + 1, "%2x", &b) != 1)
				return (size_t)-1;
			out[n++] = (char)b;
			q += 2;
		} else {
			out[n++] = *q == 'n' ? '\n' : *q == 't' ? '\t' : *q == 'r' ? '\r' : *q;
		}
	}
	out[n] = '\0';
	return n;
}

static bool printable_line(const char *q)
{
	for (const unsigned char *p = (const unsigned char *)q; *p; p++)
		if (*p < 0x20 || *p == 0x7f || (*p == '"' && (p == (const unsigned char *)q ||
							      p[-1] != '\\')))
			return false;
	return true;
}

static void test_quote(void)
{
	char buf[256], back[256], s[48];
	unsigned int seed = 12345;

	for (size_t i = 0; i < ARRAY_SIZE(quote_cases); i++)
		CHECK_STR(fmt_quote(quote_cases[i].s, buf, quote_cases[i].len),
			  quote_cases[i].want);
	CHECK_STR(fmt_quote(NULL, buf, sizeof(buf)), "");
	buf[0] = 'x';
	CHECK(fmt_quote("abc", buf, 0) == buf && buf[0] == 'x');
	/* every byte alone, then random strings: one printable line that
	 * decodes back to the input */
	for (unsigned int b = 1; b < 256; b++) {
		s[0] = (char)b;
		s[1] = '\0';
		fmt_quote(s, buf, sizeof(buf));
		CHECK(printable_line(buf));
		CHECK(unquote(buf, back) == 1 && back[0] == s[0]);
	}
	for (int t = 0; t < 2000; t++) {
		size_t n = (size_t)t % (sizeof(s) - 1);

		for (size_t i = 0; i < n; i++) {
			seed = seed * 1103515245u + 12345u;
			s[i] = (char)(1 + (seed >> 16) % 255);
		}
		s[n] = '\0';
		fmt_quote(s, buf, sizeof(buf));	/* 4 x 47 bytes fit */
		CHECK(printable_line(buf));
		CHECK(unquote(buf, back) == n && !memcmp(back, s, n));
	}
}

static void test_err_buffer(void)
{
	char tiny[8];
	size_t v;

	/* a short buffer is truncated, a NULL one ignored */
	CHECK(parse_size("4Q", &v, tiny, sizeof(tiny)) == -EINVAL);
	CHECK_STR(tiny, "size \"4");
	CHECK(parse_size("4Q", &v, NULL, 0) == -EINVAL);
}

int main(void)
{
	test_size();
	test_size_list();
	test_cpu_counts();
	test_double();
	test_ulong();
	test_format_size();
	test_err_buffer();
	test_quote();
	return check_done("test_parse");
}
