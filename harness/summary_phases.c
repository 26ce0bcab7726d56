// SPDX-License-Identifier: GPL-2.0-only
/*
 * summary_phases.c - details.txt's phases table: the producer's time in
 * each phase a row declares, per operation and per 4 KiB page, the rows'
 * same-named phases side by side at each size (the kernel's COW fault
 * beside its user-space emulations).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "fmt.h"
#include "summary.h"

/* Cells in the order the phases table lists them: by group, then size,
 * then variant, so that at each size every row's same-named phase (the
 * kernel's COW fault and its user-space emulations) stands together. */
static const struct run *sort_run;

static int by_size_first(const void *pa, const void *pb)
{
	const struct cell_result *a = &sort_run->cells[*(const unsigned int *)pa];
	const struct cell_result *b = &sort_run->cells[*(const unsigned int *)pb];

	if (a->thp != b->thp)
		return a->thp - b->thp;
	if (a->placement != b->placement)
		return (int)a->placement - (int)b->placement;
	if (a->ncpus != b->ncpus)
		return a->ncpus < b->ncpus ? -1 : 1;
	if (a->size != b->size)
		return a->size < b->size ? -1 : 1;
	return a->vr->index < b->vr->index ? -1 : a->vr->index > b->vr->index;
}

static void phase_row(const struct run *r, const struct cell_result *cr,
		      const char *phase, FILE *f, bool *header, bool *tiny)
{
	char name[RESULTS_METRIC_LEN], a[FMT_LEN], b[FMT_LEN], c[FMT_LEN], sz[FMT_LEN];
	double pages = ceil((double)cr->size / 4096), mark = r->clock.phase_mark_overhead_ns;
	const struct cell_metric *m;

	snprintf(name, sizeof(name), "phase.%s.wall_ns", phase);
	m = summary_metric(cr, "producer", name);
	if (!m || !m->iv.n)
		return;
	if (!*header)
		fprintf(f, "\nPhases of the producer's operation (median over repetitions), "
			   "per 4 KiB page,\nthe rows of one phase name side by side\n"
			   "%-10s %-19s %5s %4s %9s %11s %9s\n", "phase", "variant", "size",
			"cpus", "time/op", "95% CI", "per page");
	*header = true;
	fprintf(f, "%-10s %-19s %5s %4u%s %9s %11s %9s%s\n", phase, cr->vr->name,
		fmt_size((double)cr->size, sz), cr->ncpus, cr->thp ? "h" : " ",
		fmt_time(m->iv.centre, a), fmt_interval_pct(m->iv.centre, m->iv.lo, m->iv.hi, b),
		fmt_time(m->iv.centre / pages, c), m->iv.centre < 10 * mark ? " *" : "");
	*tiny |= m->iv.centre < 10 * mark;
}

void summary_phases(const struct run *r, FILE *f)
{
	const char *names[64];
	unsigned int *order = calloc(r->ncells ? r->ncells : 1, sizeof(*order));
	size_t nnames = 0;
	bool header = false, tiny = false, thp = false;
	char a[FMT_LEN];

	if (!order)
		return;
	for (size_t i = 0; i < r->ncells; i++) {
		const struct bench_variant *v = r->cells[i].vr->v;

		order[i] = (unsigned int)i;
		thp |= r->cells[i].thp;
		for (int p = 0; p < BENCH_MAX_PHASES && v->phases[p].name; p++) {
			size_t k = 0;

			while (k < nnames && strcmp(names[k], v->phases[p].name))
				k++;
			if (k == nnames && nnames < 64)
				names[nnames++] = v->phases[p].name;
		}
	}
	sort_run = r;
	qsort(order, r->ncells, sizeof(*order), by_size_first);
	for (size_t k = 0; k < nnames; k++)
		for (size_t i = 0; i < r->ncells; i++)
			phase_row(r, &r->cells[order[i]], names[k], f, &header, &tiny);
	free(order);
	if (header)
		fprintf(f, "(each phase has the cost of its mark, %s, taken out%s%s)\n",
			fmt_time(r->clock.phase_mark_overhead_ns, a), tiny ?
			"; * under 10 times\nthat cost: mostly the harness" : "",
			thp ? "; h: with THP" : "");
}

/* Each variant's own counters (its row's list), those measured here. */
