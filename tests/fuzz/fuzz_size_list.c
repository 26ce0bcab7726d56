// SPDX-License-Identifier: GPL-2.0-only
/*
 * fuzz_size_list.c - parse_size_list (--sizes). A list that parses holds
 * 1..max sizes, strictly ascending, each within PARSE_SIZE_MAX and each
 * round-tripping through parse_format_size; every item that is a plain
 * size is in it, and so is the start of every range. A list that does
 * not parse leaves a one-line message and no array.
 */
#include <errno.h>
#include <stdbool.h>

#include "fuzz.h"
#include "parse.h"

#define SIZE_BOUND ((size_t)PARSE_SIZE_MAX)

#define LIST_MAX 64		/* what the CLI allows (cli.c) */

static bool holds(const size_t *v, size_t n, size_t x)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == x)
			return true;
	return false;
}

/* Each comma-separated item: a plain size is in the list; so is a
 * range's start "LO-..." (the search skips the first byte, as parse.c). */
static void check_items(const char *s, const size_t *v, size_t n)
{
	char *copy = strdup(s), *save = NULL, *item, *dash;
	char err[FUZZ_ERRLEN];
	size_t x;

	FUZZ_ASSERT(copy, s);
	for (item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		item[strcspn(item, ":")] = '\0';
		dash = *item ? strchr(item + 1, '-') : NULL;
		if (dash)
			*dash = '\0';
		if (parse_size(item, &x, err, sizeof(err)) == 0)
			FUZZ_ASSERT(holds(v, n, x), s);
	}
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_string(data, size), err[FUZZ_ERRLEN] = "", buf[64];
	size_t *v = (size_t *)1, n = 1, back;
	int rc = parse_size_list(s, LIST_MAX, &v, &n, err, sizeof(err));

	FUZZ_ASSERT(rc == 0 || rc == -EINVAL || rc == -ENOMEM, s);
	if (rc) {
		FUZZ_ASSERT(v == NULL && n == 0, s);
		fuzz_check_error(err, s);
		free(s);
		return 0;
	}
	FUZZ_ASSERT(v && n >= 1 && n <= LIST_MAX, s);
	for (size_t i = 0; i < n; i++) {
		FUZZ_ASSERT(v[i] > 0 && v[i] <= SIZE_BOUND, s);
		FUZZ_ASSERT(i == 0 || v[i - 1] < v[i], s);
		parse_format_size(v[i], buf, sizeof(buf));
		FUZZ_ASSERT(parse_size(buf, &back, err, sizeof(err)) == 0 && back == v[i], s);
	}
	check_items(s, v, n);
	free(v);
	free(s);
	return 0;
}
