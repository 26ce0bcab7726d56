// SPDX-License-Identifier: GPL-2.0-only
/*
 * fuzz_glob.c - the --bench and --variant globs (plan_select) over the
 * real table of variants. The input is BENCH '\0' VARIANT (no NUL: no
 * --bench, the input is --variant; an empty part: that option not
 * given). Checked against a reference that splits each list at commas
 * and asks fnmatch(3) about every glob whole: the selection is exactly
 * the variants the reference selects, in table order, and the call
 * fails exactly when a glob matches nothing (or nothing is selected),
 * with a one-line message.
 */
#include <errno.h>
#include <fnmatch.h>
#include <stdbool.h>

#include "fuzz.h"
#include "plan.h"

/* The CLI refuses a longer glob before plan_select sees it (cli_values.c:
 * plan.c copies each glob into 256 bytes); such inputs are not tried. */
#define FUZZ_GLOB_MAX 200

static bool globs_fit(const char *list)
{
	while (list && *list) {
		size_t k = strcspn(list, ",");

		if (k > FUZZ_GLOB_MAX)
			return false;
		list += k + (list[k] == ',');
	}
	return true;
}

/* Does any comma-separated glob of list match a or b? Each glob that
 * does is marked in hit[] (callers OR it over the table). */
static bool ref_match(const char *list, const char *a, const char *b, bool *hit)
{
	bool any = false;
	size_t i = 0;

	for (const char *p = list; *p; i++) {
		size_t k = strcspn(p, ",");
		char *g = strndup(p, k);

		FUZZ_ASSERT(g, list);
		if (*g && (!fnmatch(g, a, 0) || (b && !fnmatch(g, b, 0)))) {
			any = true;
			hit[i] = true;
		}
		free(g);
		p += k + (p[k] == ',');
	}
	return any;
}

static size_t count_globs(const char *list)
{
	size_t n = 0;

	for (const char *p = list; *p; n++)
		p += strcspn(p, ",") + (p[strcspn(p, ",")] == ',');
	return n;
}

static bool all_hit(const bool *hit, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!hit[i])
			return false;
	return true;
}

/* The reference selection into want[] (by table index); true when the
 * options are valid. */
static bool ref_select(const char *bench, const char *variant, bool *want, const char *in)
{
	const struct variant_ref *all;
	size_t n = registry_variants(&all), nb = bench ? count_globs(bench) : 0;
	size_t nv = variant ? count_globs(variant) : 0, chosen = 0;
	bool *bhit = calloc(nb + 1, 1), *vhit = calloc(nv + 1, 1), ok;

	FUZZ_ASSERT(bhit && vhit, in);
	for (size_t i = 0; i < n; i++) {
		const struct variant_ref *vr = &all[i];

		want[i] = (!bench || ref_match(bench, vr->bench->name, vr->bench->family,
					       bhit)) &&
			  (!variant || ref_match(variant, vr->name, vr->v->name, vhit));
		chosen += want[i];
	}
	ok = all_hit(bhit, nb) && all_hit(vhit, nv) && chosen > 0 &&
	     (!variant || nv > 0);
	free(bhit);
	free(vhit);
	return ok;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct run r;
	char *s = fuzz_string(data, size), err[FUZZ_ERRLEN] = "";
	const char *nul = memchr(data, '\0', size), *bench = NULL, *variant = s;
	bool want[REGISTRY_MAX_VARIANTS] = { false }, ok;
	const struct variant_ref *all;
	size_t n = registry_variants(&all), k = 0;
	int rc;

	if (nul) {
		const uint8_t *rest = (const uint8_t *)nul + 1;

		variant = fuzz_string(rest, size - (size_t)(rest - data));
		bench = *s ? s : NULL;
	}
	if (!globs_fit(bench) || !globs_fit(variant))
		goto out;
	memset(&r, 0, sizeof(r));
	r.opt.bench_globs = bench;
	r.opt.variant_globs = *variant ? variant : NULL;
	ok = ref_select(bench, r.opt.variant_globs, want, s);
	rc = plan_select(&r, err, sizeof(err));
	FUZZ_ASSERT(rc == 0 || rc == -EINVAL, s);
	FUZZ_ASSERT((rc == 0) == ok, s);
	if (rc == 0) {
		for (size_t i = 0; i < n; i++)
			if (want[i])
				FUZZ_ASSERT(k < r.nvariants && r.variants[k++] == &all[i], s);
		FUZZ_ASSERT(k == r.nvariants, s);
	} else {
		fuzz_check_error(err, s);
	}
out:
	if (variant != s)
		free((char *)variant);
	free(s);
	return 0;
}
