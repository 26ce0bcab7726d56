// SPDX-License-Identifier: GPL-2.0-only
/*
 * fuzz_size.c - parse_size against a reference reading of its grammar
 * (parse.h): digits, then an optional binary unit K/M/G/T, an optional
 * "i", an optional "B", any case. What parses is above zero, within
 * PARSE_SIZE_MAX, round-trips through parse_format_size, and is what the
 * reference reads; what does not parse leaves a one-line message.
 */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>

#include "fuzz.h"
#include "parse.h"

#define SIZE_BOUND ((unsigned long long)PARSE_SIZE_MAX)

/* The reference: true with *v when s is a size within the bound. */
static bool ref_size(const char *s, unsigned long long *v)
{
	unsigned long long n = 0, unit = 1;
	const char *p = s, *units = "KMGT", *u;

	if (!isdigit((unsigned char)*p))
		return false;
	for (; isdigit((unsigned char)*p); p++) {
		if (n > (SIZE_BOUND - (unsigned long long)(*p - '0')) / 10)
			return false;
		n = n * 10 + (unsigned long long)(*p - '0');
	}
	u = *p ? strchr(units, toupper((unsigned char)*p)) : NULL;
	if (u) {
		unit = 1ULL << (10 * (u - units + 1));
		p++;
		if (*p == 'i' || *p == 'I')
			p++;
	}
	if (*p == 'b' || *p == 'B')
		p++;
	if (*p || n == 0 || n > SIZE_BOUND / unit)
		return false;
	*v = n * unit;
	return true;
}

static void check_round_trip(size_t v, const char *in)
{
	char buf[64], err[FUZZ_ERRLEN] = "";
	size_t back = 0;

	parse_format_size(v, buf, sizeof(buf));
	FUZZ_ASSERT(buf[0] && strspn(buf, "0123456789") >= strlen(buf) - 1, in);
	FUZZ_ASSERT(parse_size(buf, &back, err, sizeof(err)) == 0, in);
	FUZZ_ASSERT(back == v, in);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_string(data, size), err[FUZZ_ERRLEN] = "";
	unsigned long long want = 0;
	bool ok = ref_size(s, &want);
	size_t v = 0;
	int rc = parse_size(s, &v, err, sizeof(err));

	FUZZ_ASSERT(rc == 0 || rc == -EINVAL, s);
	FUZZ_ASSERT((rc == 0) == ok, s);
	if (rc == 0) {
		FUZZ_ASSERT(v > 0 && v <= SIZE_BOUND && v == want, s);
		check_round_trip(v, s);
	} else {
		fuzz_check_error(err, s);
	}
	free(s);
	return 0;
}
