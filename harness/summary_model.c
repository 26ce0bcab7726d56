// SPDX-License-Identifier: GPL-2.0-only
/*
 * summary_model.c - "The model" in summary.txt (derived.model): its
 * constants, the predictions made from other rows' constants against what
 * was measured, how each row's own line fits, and the crossovers measured
 * and by the model, at more CPUs too.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "analysis.h"
#include "fmt.h"
#include "summary.h"

static void constants(const struct run *r, const struct dv_model *m, FILE *f)
{
	char a[FMT_LEN], b[FMT_LEN];
	const struct dv_constant *prev = NULL;

	char text[420];

	char cache[120] = "";

	if (m->cache_pages > 0)
		snprintf(cache, sizeof(cache), ", or from %.0f pages on (the buffer and its "
			 "copy fill the %.0f MiB last-level cache)", m->cache_pages,
			 m->cache_pages * 2 * 4096 / (1 << 20));
	snprintf(text, sizeof(text), "each row's time per op is the sum of its terms, "
		 "each a constant's line (per op + per 4 KiB page x pages) fitted over the "
		 "sizes by relative error; with a knee, apart up to and above %d pages "
		 "(x86's full-flush ceiling: %s)%s.", m->ceiling, m->ceiling_source, cache);
	fmt_wrap(f, "\nThe model:", text, 2, SUMMARY_WIDTH);
	fprintf(f, "%-15s %-19s %4s %-6s %10s %10s\n", "constant", "measured by", "cpus",
		"pages", "per op", "per page");
	for (size_t i = 0; i < m->nconstants; i++) {
		const struct dv_constant *c = &m->constants[i];
		double knee = model_knee_pages(m, c->decl);
		char seg[16];

		if (!c->decl || c->thp || c->placement != r->opt.placements[0] ||
		    !c->npoints)
			continue;
		snprintf(seg, sizeof(seg), "all");
		if (isfinite(knee))
			snprintf(seg, sizeof(seg), "%s%.0f", c->seg ? ">" : "<=", knee);
		if (isfinite(knee) && c->decl->knee == BENCH_KNEE_CACHE)
			snprintf(seg, sizeof(seg), "%s%.0f", c->seg ? ">=" : "<", knee + 1);
		fprintf(f, "%-15s %-19.19s %4u %-6s %10s %10s\n",
			prev && !strcmp(prev->name, c->name) ? "" : c->name,
			prev && !strcmp(prev->name, c->name) ? "" : c->vr->name, c->cpus, seg,
			fmt_time(c->intercept.centre, a), fmt_time(c->slope.centre, b));
		prev = c;
	}
	for (size_t i = 0; i < m->nconstants; i++) {
		const struct dv_constant *c = &m->constants[i];
		char first[64];
		bool dup = false;

		for (size_t j = 0; j < i; j++)
			dup |= !strcmp(m->constants[j].name, c->name);
		if (!c->decl || dup)
			continue;
		snprintf(first, sizeof(first), "  %s:", c->name);
		fmt_wrap(f, first, c->desc, 4, SUMMARY_WIDTH);
	}
}

static void predictions(const struct run *r, const struct dv_model *m, FILE *f)
{
	char a[FMT_LEN], b[FMT_LEN], c[FMT_LEN], sz[FMT_LEN];
	bool header = false;

	for (size_t i = 0; i < m->npred; i++) {
		const struct dv_prediction *x = &m->pred[i];
		const struct cell_result *cell = &r->cells[x->cell];

		if (x->own_line || x->uses_own)
			continue;
		if (!header)
			fprintf(f, "\nPredicted from other rows' constants, against what was "
				   "measured\n(! : the error is outside its 95%% CI: the model does "
				   "not explain it)\n%-19s %5s %4s %11s %11s %8s\n", "variant",
				"size", "cpus", "predicted", "measured", "error");
		header = true;
		snprintf(c, sizeof(c), "%+.0f%%", 100 * (x->ratio.centre - 1));
		fprintf(f, "%-19.19s %5s %4u%s %11s %11s %8s %s\n", cell->vr->name,
			fmt_size((double)cell->size, sz), cell->ncpus, cell->thp ? "h" : " ",
			fmt_time(x->predicted.centre, a), fmt_time(x->measured, b), c,
			x->explained ? "" : "!");
	}
}

/* Per row fitted on its own constants: how well, the worst cell. */
static void own_fits(const struct run *r, const struct dv_model *m, FILE *f)
{
	char a[FMT_LEN], sz[FMT_LEN];
	bool header = false;

	for (size_t v = 0; v < r->nvariants; v++) {
		const struct dv_prediction *worst = NULL;
		size_t n = 0, within = 0;

		for (size_t i = 0; i < m->npred; i++) {
			const struct dv_prediction *x = &m->pred[i];

			if (r->cells[x->cell].vr != r->variants[v] || !(x->own_line || x->uses_own))
				continue;
			n++;
			within += x->within;
			if (!worst || fabs(x->ratio.centre - 1) > fabs(worst->ratio.centre - 1))
				worst = x;
		}
		if (!n)
			continue;
		if (!header)
			fprintf(f, "\nFitted on constants of their own (a check of the line, "
				   "not a prediction)\n%-19s %-16s %6s  %s\n", "variant", "terms",
				"within", "worst cell");
		header = true;
		snprintf(a, sizeof(a), "%zu/%zu", within, n);
		fprintf(f, "%-19.19s %-16.16s %6s  %+.0f%% at %s, %u CPU%s\n",
			r->variants[v]->name, worst->own_line ? "own line" : "own constants",
			a, 100 * (worst->ratio.centre - 1),
			fmt_size((double)r->cells[worst->cell].size, sz),
			r->cells[worst->cell].ncpus, r->cells[worst->cell].ncpus > 1 ? "s" : "");
	}
}

static const char *cross_text(const struct run *r, int kind, double size, char *buf)
{
	char a[FMT_LEN], b[FMT_LEN];

	if (kind == MCROSS_ALWAYS)
		return strcpy(buf, "always");
	if (kind == MCROSS_NEVER) {
		snprintf(buf, FMT_LEN, "never<%s", fmt_size((double)r->opt.sizes[r->opt.nsizes - 1],
							   b));
		return buf;
	}
	snprintf(buf, FMT_LEN, ">%s", fmt_size(size, a));
	return buf;
}

/* "1,2: never<1M, 4: >64K": consecutive CPU counts with the same result
 * together. */
static size_t groups(char *out, size_t len, const unsigned int *cpus,
		     char (*text)[FMT_LEN], size_t n)
{
	size_t w = 0;

	for (size_t i = 0; i < n && w < len; i++) {
		bool same_next = i + 1 < n && !strcmp(text[i], text[i + 1]);
		bool same_prev = i > 0 && !strcmp(text[i], text[i - 1]);

		w += (size_t)snprintf(out + w, len - w, "%s%u", same_prev ? "," : w ? ", " : "",
				      cpus[i]);
		if (!same_next && w < len)
			w += (size_t)snprintf(out + w, len - w, ": %s", text[i]);
	}
	return w;
}

/* Crossovers: measured (derived.crossovers) and by the model. */
static void crossovers(const struct run *r, const struct dv_model *m, FILE *f,
		       bool *mixed)
{
	const struct derived *d = r->derived;
	bool header = false;

	for (size_t v = 0; v < r->nvariants; v++) {
		const struct variant_ref *vr = r->variants[v];
		unsigned int mc[32], pc[32];
		char mt[32][FMT_LEN], pt[32][FMT_LEN], line[512], first[96];
		size_t nm = 0, np = 0, w = 0;

		for (size_t i = 0; i < d->ncross && nm < 32; i++) {
			const struct dv_crossover *x = &d->cross[i];

			if (x->vr != vr || x->thp || x->placement != r->opt.placements[0])
				continue;
			mc[nm] = x->cpus;
			cross_text(r, x->kind == CROSS_ALWAYS ? MCROSS_ALWAYS :
				   x->kind == CROSS_NEVER ? MCROSS_NEVER : MCROSS_AT, x->size,
				   mt[nm]);
			if (!x->monotone) {
				strcat(mt[nm], "*");
				*mixed = true;
			}
			nm++;
		}
		for (size_t i = 0; i < m->ncross && np < 32; i++)
			if (m->cross[i].vr == vr) {
				pc[np] = m->cross[i].cpus;
				cross_text(r, (int)m->cross[i].kind, m->cross[i].size, pt[np++]);
			}
		if (!nm && !np)
			continue;
		if (!header)
			fprintf(f, "\nCrossovers: the size above which a variant beats its "
				   "twin, by CPU count, as\nmeasured (interpolated in log size) "
				   "and by the model (beyond the CPUs measured:\nextrapolated)\n");
		header = true;
		w = (size_t)snprintf(line, sizeof(line), "measured ");
		w += groups(line + w, sizeof(line) - w, mc, mt, nm);
		if (np && w < sizeof(line)) {
			w += (size_t)snprintf(line + w, sizeof(line) - w, "; model ");
			groups(line + w, sizeof(line) - w, pc, pt, np);
		}
		snprintf(first, sizeof(first), "  %-19s", vr->name);
		fmt_wrap(f, first, line, 22, SUMMARY_WIDTH);
	}
}

void summary_model(const struct run *r, FILE *f)
{
	const struct dv_model *m = r->derived->model;
	bool mixed = false;

	if (!m || !m->nconstants)
		return;
	constants(r, m, f);
	predictions(r, m, f);
	own_fits(r, m, f);
	crossovers(r, m, f, &mixed);
	if (mixed)
		fprintf(f, "  *: also faster, beyond its CI, at some smaller size measured\n");
}

/* Speed-ups over the copying twin, one row per variant: the smallest,
 * middle and largest size at the fewest and the most CPUs. */
void summary_matrix(const struct run *r, FILE *f)
{
	const struct derived *d = r->derived;
	const struct options *o = &r->opt;
	size_t picks[3] = { 0, o->nsizes / 2, o->nsizes ? o->nsizes - 1 : 0 };
	unsigned int cpus[2] = { o->ncpus ? o->cpus[0] : 0, o->ncpus ? o->cpus[o->ncpus - 1] : 0 };
	size_t ncpus = o->ncpus > 1 ? 2 : 1, nsz = o->nsizes >= 3 ? 3 : o->nsizes;
	char a[FMT_LEN], sz[FMT_LEN];

	if (!d->ntwins || !o->nsizes)
		return;
	if (nsz == 2)
		picks[1] = picks[2];
	fprintf(f, "\nSpeed-up over the copying twin (twin time / variant time; 1/N: N "
		   "times slower;\n~: the 95%% CI holds 1; details.txt has every size)\n%-19s",
		"");
	for (size_t c = 0; c < ncpus; c++) {
		char head[32];

		snprintf(head, sizeof(head), "%u CPU%s", cpus[c], cpus[c] > 1 ? "s" : "");
		fprintf(f, "  %-*s", (int)(7 * nsz - 1), head);
	}
	fprintf(f, "\n%-19s", "variant");
	for (size_t c = 0; c < ncpus; c++) {
		fprintf(f, " ");
		for (size_t s = 0; s < nsz; s++)
			fprintf(f, " %6s", fmt_size((double)o->sizes[picks[s]], sz));
	}
	fprintf(f, "\n");
	for (size_t v = 0; v < r->nvariants; v++) {
		const struct variant_ref *vr = r->variants[v];
		bool any = false;

		for (size_t i = 0; i < d->ntwins; i++)
			any |= r->cells[d->twins[i].cell].vr == vr;
		if (!any)
			continue;
		fprintf(f, "%-19.19s", vr->name);
		for (size_t c = 0; c < ncpus; c++) {
			fprintf(f, " ");
			for (size_t s = 0; s < nsz; s++) {
				const struct dv_twin *t = NULL;
				char cellv[FMT_LEN];

				for (size_t i = 0; i < d->ntwins; i++) {
					const struct cell_result *cr = &r->cells[d->twins[i].cell];

					if (cr->vr == vr && cr->ncpus == cpus[c] && !cr->thp &&
					    cr->size == o->sizes[picks[s]] &&
					    cr->placement == o->placements[0])
						t = &d->twins[i];
				}
				if (!t)
					snprintf(cellv, sizeof(cellv), "-");
				else if (summary_when_all(r, &r->cells[t->cell]))
					snprintf(cellv, sizeof(cellv), "copied");
				else
					snprintf(cellv, sizeof(cellv), "%s%s",
						 fmt_ratio(t->speedup.centre, a),
						 t->differs ? "" : "~");
				fprintf(f, " %6.7s", cellv);
			}
		}
		fprintf(f, "\n");
	}
}
