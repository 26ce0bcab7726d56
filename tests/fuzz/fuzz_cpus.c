// SPDX-License-Identifier: GPL-2.0-only
/*
 * fuzz_cpus.c - parse_cpu_counts (--cpus). The first byte picks ncpus
 * (0..255: 0 must be refused), the rest is the list. A list that parses
 * holds only counts in 1..ncpus, strictly ascending; every plain number
 * in it is there, "max" adds ncpus and "pow2" every power of two up to
 * it. A list that does not parse leaves a one-line message and no array.
 */
#include <errno.h>
#include <stdbool.h>
#include <strings.h>

#include "fuzz.h"
#include "parse.h"

static bool holds(const unsigned int *v, size_t n, unsigned long x)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == x)
			return true;
	return false;
}

static void check_items(const char *s, unsigned int ncpus, const unsigned int *v,
			size_t n)
{
	char *copy = strdup(s), *save = NULL, *item, err[FUZZ_ERRLEN];
	unsigned long x;

	FUZZ_ASSERT(copy, s);
	for (item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		if (!strcasecmp(item, "max"))
			FUZZ_ASSERT(holds(v, n, ncpus), s);
		else if (!strcasecmp(item, "pow2"))
			for (x = 1; x <= ncpus; x *= 2)
				FUZZ_ASSERT(holds(v, n, x), s);
		else if (!parse_ulong(item, &x, err, sizeof(err)))
			FUZZ_ASSERT(x >= 1 && x <= ncpus && holds(v, n, x), s);
	}
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned int ncpus = size ? data[0] : 1, *v = (unsigned int *)1;
	char *s = fuzz_string(data + !!size, size - !!size), err[FUZZ_ERRLEN] = "";
	size_t n = 1;
	int rc = parse_cpu_counts(s, ncpus, &v, &n, err, sizeof(err));

	FUZZ_ASSERT(rc == 0 || rc == -EINVAL || rc == -ENOMEM, s);
	if (rc) {
		FUZZ_ASSERT(v == NULL && n == 0, s);
		fuzz_check_error(err, s);
		free(s);
		return 0;
	}
	FUZZ_ASSERT(ncpus > 0 && v && n >= 1 && n <= ncpus, s);
	for (size_t i = 0; i < n; i++) {
		FUZZ_ASSERT(v[i] >= 1 && v[i] <= ncpus, s);
		FUZZ_ASSERT(i == 0 || v[i - 1] < v[i], s);
	}
	check_items(s, ncpus, v, n);
	free(v);
	free(s);
	return 0;
}
