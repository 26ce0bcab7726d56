// SPDX-License-Identifier: GPL-2.0-only
/*
 * summary_verdict.c - the first screen of summary.txt: the caveats, the
 * verdict (derived.verdict) and the 2006 inequality and the model's
 * standing (derived.model). Renders, computes nothing.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "analysis.h"
#include "fmt.h"
#include "summary.h"

static const char *class_words(enum bench_class c)
{
	return c == BENCH_CLASS_COW ? "VM games" : c == BENCH_CLASS_NOTIFY ? "zero copy" :
	       "?";
}

void summary_caveats(const struct run *r, FILE *f)
{
	const struct dv_answer *v = r->derived->verdict;

	if (!v || !v->ncaveats)
		return;
	fprintf(f, "\nCaveats:\n");
	for (size_t i = 0; i < v->ncaveats; i++)
		fmt_wrap(f, "  -", v->caveat[i], 4, SUMMARY_WIDTH);
}

/* "copy 126x", "vmsplice 1.29x~": the winner without its family (the
 * copying twin as "copy"), and its factor. */
static const char *winner(const struct run *r, const struct dv_answer_row *x, char *buf,
			  size_t len)
{
	const struct variant_ref *w = r->cells[x->winner].vr;
	char n[FMT_LEN];

	snprintf(buf, len, "%s %s%s", x->variant_wins ? w->v->name : "copy",
		 fmt_count(x->factor, n), x->tie ? "x~" : "x");
	return buf;
}

/* The loser's largest cost, in words: "cow/mprotect-fresh spends 41% in
 * unprotect (making it writable again, with its flush)". */
static size_t why(const struct run *r, const struct dv_answer_row *x, char *buf,
		  size_t len)
{
	const struct dv_model *m = r->derived->model;
	const char *desc = NULL;
	char pct[FMT_LEN], sz[FMT_LEN], head[160];

	if (!x->term || !isfinite(x->term_share))
		return 0;
	for (size_t i = 0; m && i < m->nconstants && !desc; i++)
		if (m->constants[i].decl && !strcmp(m->constants[i].name, x->term))
			desc = m->constants[i].desc;
	snprintf(head, sizeof(head), "%s at %s: %s spends %s", class_words(x->class),
		 fmt_size((double)x->size, sz), r->cells[x->loser].vr->name,
		 fmt_pct(x->term_share, pct));
	if (!strcmp(x->term, "fixed") || !strcmp(x->term, "per page"))
		return (size_t)snprintf(buf, len, "%s in its %s", head,
					x->term[0] == 'f' ? "fixed cost per op" : "cost per page");
	return (size_t)snprintf(buf, len, "%s in %s%s%s%s", head, x->term, desc ? " (" : "",
				desc ? desc : "", desc ? ")" : "");
}

/* One (cpus, class): the winner at each size. */
static void verdict_line(const struct run *r, const struct dv_answer *v, size_t first,
			 size_t n, FILE *f)
{
	const struct dv_answer_row *x = &v->rows[first];
	char buf[64], head[16];

	snprintf(head, sizeof(head), "%u", x->cpus);
	fprintf(f, "%4s %-10s", first == 0 || v->rows[first - 1].cpus != x->cpus ? head : "",
		class_words(x->class));
	for (size_t i = 0; i < n; i++)
		fprintf(f, i + 1 < n ? " %-20.20s" : " %s",
			winner(r, &v->rows[first + i], buf, sizeof(buf)));
	fprintf(f, "\n");
}

/* At most four CPU counts on the first screen: the fewest, the next, the
 * middle one and the most (run.json has them all). */
static bool shown(const struct options *o, unsigned int cpus)
{
	size_t n = o->ncpus;

	return n <= 4 || cpus == o->cpus[0] || cpus == o->cpus[1] || cpus == o->cpus[n / 2] ||
	       cpus == o->cpus[n - 1];
}

/* Why, at one CPU count: each class's loser at the largest size. */
static void why_lines(const struct run *r, const struct dv_answer *v, unsigned int cpus,
		      FILE *f)
{
	char text[600];
	size_t n = 0;

	for (size_t i = 0; i < v->nrows; i++) {
		const struct dv_answer_row *x = &v->rows[i];
		bool last = i + 1 == v->nrows || v->rows[i + 1].cpus != x->cpus ||
			    v->rows[i + 1].class != x->class;

		if (x->cpus != cpus || !last || n >= sizeof(text) - 2)
			continue;
		if (n)
			n += (size_t)snprintf(text + n, sizeof(text) - n, "; ");
		n += why(r, x, text + n, sizeof(text) - n);
	}
	if (n)
		fmt_wrap(f, "     why:", text, 10, SUMMARY_WIDTH);
}

static void inequality(const struct run *r, FILE *f)
{
	const struct dv_model *m = r->derived->model;
	char a[FMT_LEN], b[FMT_LEN], c[FMT_LEN], e[FMT_LEN], g[FMT_LEN], h[FMT_LEN];
	char line[600];
	size_t n = 0;

	if (!m || !m->nineq)
		return;
	fprintf(f, "\nThe 2006 inequality per page: COW (copy + fault + 2 page-table "
		   "updates with\nshootdowns) against copying (copy + 1 update on one CPU)\n"
		   "%4s %10s %10s %7s %11s %9s %9s\n", "cpus", "COW", "copy",
		"ratio", "page copy", "fault", "update");
	for (size_t i = 0; i < m->nineq; i++) {
		const struct dv_inequality *x = &m->ineq[i];

		if (x->extrapolated)
			continue;
		fprintf(f, "%4u %10s %10s %6sx %11s %9s %9s\n", x->cpus,
			fmt_time(x->cow_side.centre, a), fmt_time(x->copy_side.centre, b),
			fmt_count(x->ratio, c), fmt_time(x->copy.centre, e),
			fmt_time(x->fault.centre, g), fmt_time(x->pt_update.centre, h));
	}
	line[0] = 0;
	for (size_t i = 0; i < m->nineq; i++) {
		const struct dv_inequality *x = &m->ineq[i];

		if (x->extrapolated && n < sizeof(line))
			n += (size_t)snprintf(line + n, sizeof(line) - n, "%s%sx at %u CPUs",
					      n ? ", " : "", fmt_count(x->ratio, a), x->cpus);
	}
	if (n)
		fmt_wrap(f, "  extrapolated (model):", line, 4, SUMMARY_WIDTH);
}

static void standing(const struct run *r, FILE *f)
{
	const struct dv_model *m = r->derived->model;
	char line[300];

	if (!m || !m->npred)
		return;
	snprintf(line, sizeof(line), "%zu of %zu cells predicted from other rows within "
		 "%.0f%% (%zu beyond their CI), %zu of %zu fitted on their own.",
		 m->nwithin_tol, m->nindependent, 100 * MODEL_TOLERANCE, m->nunexplained,
		 m->nown_within_tol, m->nown);
	fmt_wrap(f, "\nModel:", line, 2, SUMMARY_WIDTH);
}

void summary_verdict(const struct run *r, FILE *f)
{
	const struct dv_answer *v = r->derived->verdict;
	const struct options *o = &r->opt;
	char sz[FMT_LEN];

	if (!v || !v->nrows) {
		fprintf(f, "\nVerdict: no strategy was measured against its copying twin "
			   "in this run.\n");
		return;
	}
	fprintf(f, "\nVerdict: who beats the copying twin, x times (~: its 95%% CI "
		   "holds 1); why: the\nloser's largest cost by the model (1 CPU: "
		   "sender and receiver share it)\n%4s %-10s", "cpus", "");
	for (size_t i = 0; i < v->nrows && v->rows[i].cpus == v->rows[0].cpus &&
	     v->rows[i].class == v->rows[0].class; i++)
		fprintf(f, i + 1 < v->nrows && v->rows[i + 1].class == v->rows[0].class ?
			" %-20s" : " %s", fmt_size((double)v->rows[i].size, sz));
	fprintf(f, "\n");
	for (size_t i = 0; i < v->nrows; ) {
		unsigned int cpus = v->rows[i].cpus;
		size_t n = 1;

		while (i + n < v->nrows && v->rows[i + n].cpus == cpus &&
		       v->rows[i + n].class == v->rows[i].class)
			n++;
		if (shown(o, cpus))
			verdict_line(r, v, i, n, f);
		i += n;
		if ((i == v->nrows || v->rows[i].cpus != cpus) &&
		    (cpus == o->cpus[0] || cpus == o->cpus[o->ncpus - 1]))
			why_lines(r, v, cpus, f);
	}
	inequality(r, f);
	standing(r, f);
}
