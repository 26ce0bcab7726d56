// SPDX-License-Identifier: GPL-2.0-only
/*
 * fuzz_events.c - the --events list as a cell's process reads it
 * (pmu_declare: the names resolved with libpfm4 and tracefs, nothing
 * opened or mounted). A list that resolves has at most PMU_MAX_EVENTS
 * events, at least one per name, each with a name and a unique key made
 * of [a-z0-9_.]; nothing is probed or mounted. One that does not resolve leaves a
 * one-line message and an empty set.
 */
#include <ctype.h>
#include <errno.h>

#include "fuzz.h"
#include "pmu.h"

/* Names in the list: comma-separated, blanks around them ignored. */
static unsigned int count_names(const char *s)
{
	unsigned int n = 0;

	while (*s) {
		size_t skip = strspn(s, " \t,"), k;

		s += skip;
		k = strcspn(s, ",");
		while (k > 0 && isspace((unsigned char)s[k - 1]))
			k--;
		n += k > 0;
		s += strcspn(s, ",");
	}
	return n;
}

static void check_event(const struct pmu_set *set, unsigned int i, const char *in)
{
	const struct pmu_event *ev = &set->ev[i];

	FUZZ_ASSERT(ev->name[0] && ev->key[0], in);
	FUZZ_ASSERT(strspn(ev->key, "abcdefghijklmnopqrstuvwxyz0123456789_.") ==
		    strlen(ev->key), in);
	for (unsigned int j = 0; j < i; j++)
		FUZZ_ASSERT(strcmp(set->ev[j].key, ev->key), in);
	FUZZ_ASSERT(!ev->available, in);	/* declared, never probed */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pmu_set set;
	char *s = fuzz_string(data, size), err[FUZZ_ERRLEN] = "";
	int rc = pmu_declare(&set, s, err, sizeof(err));

	FUZZ_ASSERT(!set.mounted_tracefs, s);
	if (rc) {
		FUZZ_ASSERT(rc == -EINVAL, s);
		FUZZ_ASSERT(set.n == 0, s);
		fuzz_check_error(err, s);
	} else {
		FUZZ_ASSERT(set.n <= PMU_MAX_EVENTS && set.n >= count_names(s), s);
		for (unsigned int i = 0; i < set.n; i++)
			check_event(&set, i, s);
	}
	pmu_cleanup(&set);
	free(s);
	return 0;
}
