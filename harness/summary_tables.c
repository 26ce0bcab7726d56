// SPDX-License-Identifier: GPL-2.0-only
/*
 * summary_tables.c - the tables of summary.txt, each one figure of the
 * analysis per row. Intervals are the 95% CI over repetitions (between
 * processes), printed as +-% of the figure or as its two ends.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "fmt.h"
#include "summary.h"

#define MAX_COLS 4

const struct cell_metric *summary_metric(const struct cell_result *c, const char *role,
					 const char *name)
{
	return c->status == CELL_OK || c->status == CELL_INTERRUPTED ?
	       cell_find(c, role, name) : NULL;
}

static bool same_group(const struct cell_result *a, const struct cell_result *b)
{
	return a->ncpus == b->ncpus && a->placement == b->placement && a->thp == b->thp;
}

/* A line before the first row measured with THP (they come last). */
static void thp_heading(FILE *f, bool thp, bool *said)
{
	if (thp && !*said)
		fprintf(f, "with THP (MADV_HUGEPAGE on the buffers):\n");
	*said |= thp;
}

/* What a share of the whole means, as the row declares it (when_all). */
const char *summary_when_all(const struct run *r, const struct cell_result *c)
{
	const struct dv_cell *dc = &r->derived->cells[c->id];
	const struct bench_variant *v = c->vr->v;

	if (!isfinite(dc->share) || dc->share < 0.995 || !dc->share_name)
		return NULL;
	for (int q = 0; q < BENCH_MAX_REPORTS && v->reports[q].name; q++)
		if (!strcmp(v->reports[q].name, dc->share_name))
			return v->reports[q].when_all;
	return NULL;
}

void summary_twins(const struct run *r, FILE *f)
{
	const struct derived *d = r->derived;
	char a[FMT_LEN], lo[FMT_LEN], hi[FMT_LEN], c[FMT_LEN], sz[FMT_LEN], note[64];

	if (!d->ntwins)
		return;
	fprintf(f, "\nAgainst the copying twin: speed-up = twin time / variant time, the\n"
		   "median over repetitions paired in time, 95%% CI; \"~\": the CI holds 1;\n"
		   "cpu: the same for CPU time; 1/N: N times slower\n"
		   "%-19s %-15s %4s %5s %8s %17s %6s\n", "variant", "twin", "cpus", "size",
		"speed-up", "95% CI", "cpu");
	bool said = false;

	for (size_t i = 0; i < d->ntwins; i++) {
		const struct dv_twin *t = &d->twins[i];
		const struct cell_result *cell = &r->cells[t->cell];
		const struct dv_cell *dc = &d->cells[t->cell];

		thp_heading(f, cell->thp, &said);
		if (summary_when_all(r, cell)) {	/* not zero copy: no speed-up to show */
			fprintf(f, "%-19.19s %-15.15s %4u %5s %s\n", cell->vr->name,
				r->cells[t->twin].vr->name, cell->ncpus,
				fmt_size((double)cell->size, sz), summary_when_all(r, cell));
			continue;
		}
		note[0] = 0;
		if (isfinite(dc->share))
			snprintf(note, sizeof(note), " %s copied", fmt_pct(dc->share, a));
		if (isfinite(dc->violations) && dc->violations > 0)
			snprintf(note, sizeof(note), " REUSE VIOLATED");
		fmt_ratio(t->speedup.centre, a);
		fprintf(f, "%-19.19s %-15.15s %4u %5s %7s%s %8.8s-%-8.8s %6.6s\n",
			cell->vr->name, r->cells[t->twin].vr->name, cell->ncpus,
			fmt_size((double)cell->size, sz), a, t->differs ? " " : "~",
			t->speedup.valid ? fmt_ratio(t->speedup.lo, lo) : "",
			t->speedup.valid ? fmt_ratio(t->speedup.hi, hi) : "",
			fmt_ratio(t->cpu_ratio.centre, c));
		if (note[0])
			fprintf(f, "%25s%s\n", "", note);
	}
}

void summary_winners(const struct run *r, FILE *f)
{
	const struct derived *d = r->derived;
	char a[FMT_LEN], b[FMT_LEN], sz[FMT_LEN];

	if (!d->nwinners)
		return;
	fprintf(f, "\nFastest hand-off per size (op time; \"~\": the runner-up's interval "
		   "overlaps)\n%-4s %-7s %5s  %-19s %9s  %-19s %6s\n", "cpus", "place", "size",
		"winner", "time/op", "next", "ratio");
	bool said = false;

	for (size_t i = 0; i < d->nwinners; i++) {
		const struct dv_winner *w = &d->winners[i];

		thp_heading(f, w->thp, &said);
		fprintf(f, "%-4u %-7s %5s  %-19s %9s  %-19s %6s%s\n", w->cpus,
			topo_placement_name(w->placement), fmt_size((double)w->size, sz),
			r->cells[w->best].vr->name, fmt_time(d->cells[w->best].wall.centre, a),
			w->next != w->best ? r->cells[w->next].vr->name : "-",
			w->next != w->best ? fmt_ratio(w->ratio, b) : "", w->overlap ? "~" : "");
	}
	for (size_t i = 0; i < d->ncross; i++) {
		const struct dv_crossover *x = &d->cross[i];
		char line[200], lo[FMT_LEN], hi[FMT_LEN], first[128];

		if (i == 0)
			fprintf(f, "\nCrossovers: the size above which a variant beats its twin "
				   "(interpolated\nin log size; the range from its speed-up's CI)\n");
		snprintf(first, sizeof(first), "  %-19s cpus=%-2u%s", x->vr->name, x->cpus,
			 x->thp ? " THP" : "");
		if (x->kind == CROSS_ALWAYS)
			snprintf(line, sizeof(line), "faster at every size measured");
		else if (x->kind == CROSS_NEVER)
			snprintf(line, sizeof(line), "never faster in %s-%s%s",
				 fmt_size((double)r->opt.sizes[0], lo),
				 fmt_size((double)r->opt.sizes[r->opt.nsizes - 1], hi),
				 x->monotone ? "" : " from any size on; faster at some smaller one");
		else
			snprintf(line, sizeof(line), "above %s (%s-%s)%s", fmt_size(x->size, a),
				 isfinite(x->lo) ? fmt_size(x->lo, lo) : "?",
				 isfinite(x->hi) ? fmt_size(x->hi, hi) : "never",
				 x->monotone ? "" : "; also faster at some smaller size");
		fmt_wrap(f, first, line, 30, SUMMARY_WIDTH);
	}
}

/* Under a group's header: who shares the producer's CPU. */
static void colocated_note(const struct run *r, size_t first, FILE *f)
{
	char names[512] = "";
	size_t len = 0;

	if (r->cells[first].ncpus == 1) {
		fprintf(f, "(one CPU: sender and receiver share it)\n");
		return;
	}
	for (size_t i = first; i < r->ncells && same_group(&r->cells[i], &r->cells[first]);
	     i++) {
		const struct cell_result *c = &r->cells[i];

		if (!c->colocated || (i > first && r->cells[i - 1].vr == c->vr) ||
		    c->vr->v->class == BENCH_CLASS_PRIMITIVE || len >= sizeof(names))
			continue;
		len += (size_t)snprintf(names + len, sizeof(names) - len, "%s%s",
					len ? ", " : "", c->vr->name);
	}
	if (len)
		fmt_wrap(f, "receiver on the sender's CPU:", names, 2, SUMMARY_WIDTH);
}

void summary_costs(const struct run *r, FILE *f)
{
	const struct derived *d = r->derived;
	char a[FMT_LEN], b[FMT_LEN], c[FMT_LEN], e[FMT_LEN], g[FMT_LEN], sz[FMT_LEN];
	bool intro = false, header = false;

	for (size_t i = 0; i < r->ncells; i++) {
		const struct cell_result *cr = &r->cells[i];
		const struct dv_cell *dc = &d->cells[i];

		if (cr->vr->v->class == BENCH_CLASS_PRIMITIVE)
			continue;
		if (i && !same_group(cr, &r->cells[i - 1]))
			header = false;
		if (!intro)
			fprintf(f, "\nCost per operation: end to end (the sender's and the "
				   "receiver's work), the\nmedian of the repetitions' medians, 95%% "
				   "CI between processes; sender: the\nproducer's own time per op; "
				   "cpu = thread CPU time of every role\n");
		intro = true;
		if (!header) {
			fprintf(f, "\ncpus=%u placement=%s%s\n", cr->ncpus,
				topo_placement_name(cr->placement), cr->thp ? " thp=always" : "");
			colocated_note(r, i, f);
			fprintf(f, "%-19s %5s %9s %11s %9s %11s %9s\n", "variant", "size",
				"time/op", "95% CI", "sender", "rate", "cpu/KiB");
		}
		header = true;
		if (!dc->wall.n) {
			char line[128];

			snprintf(line, sizeof(line), "%-19s %5s %s:", cr->vr->name,
				 fmt_size((double)cr->size, sz), cell_status_name(cr->status));
			fmt_wrap(f, line, cr->reason, 26, SUMMARY_WIDTH);
			continue;
		}
		fprintf(f, "%-19s %5s %9s %11s %9s %11s %9s%s\n", cr->vr->name,
			fmt_size((double)cr->size, sz), fmt_time(dc->wall.centre, a),
			fmt_interval_pct(dc->wall.centre, dc->wall.lo, dc->wall.hi, b),
			fmt_time(dc->sender.centre, c), fmt_rate(dc->gib_s.centre, e),
			fmt_time(dc->cpu_per_kib.centre, g), cr->status == CELL_OK ? "" : " *");
	}
}

static size_t columns(const struct run *r, unsigned int *cols)
{
	size_t n = r->opt.ncpus;

	for (size_t i = 0; i < n && i < MAX_COLS; i++)
		cols[i] = r->opt.cpus[n <= MAX_COLS || i < 2 ? i : n - MAX_COLS + i];
	return n < MAX_COLS ? n : MAX_COLS;
}

static const struct dv_remote *remote_at(const struct derived *d,
					 const struct variant_ref *vr, size_t size,
					 enum topo_placement p, bool thp)
{
	for (size_t i = 0; i < d->nremote; i++)
		if (d->remote[i].vr == vr && d->remote[i].size == size &&
		    d->remote[i].placement == p && d->remote[i].thp == thp)
			return &d->remote[i];
	return NULL;
}

/* "12.3 1.20..15.0" (us, with the interval when ci), or "-". */
static const char *remote_iv(const struct stats_interval *iv, bool ci, char *out)
{
	char a[FMT_LEN], lo[FMT_LEN], hi[FMT_LEN];

	if (!iv->n || !isfinite(iv->centre))
		return strcpy(out, "-");
	fmt_count(iv->centre / 1e3, a);
	if (!iv->valid || !ci)
		return strcpy(out, a);
	snprintf(out, FMT_LEN, "%.6s %.5s..%.5s", a, fmt_count(iv->lo / 1e3, lo),
		 fmt_count(iv->hi / 1e3, hi));
	return out;
}

/* What each CPU beyond the first adds: the initiator's time, the
 * responders' lost time, and the two together. */
static void remote_table(const struct run *r, FILE *f, enum topo_placement pl)
{
	const struct derived *d = r->derived;
	char a[FMT_LEN], b[FMT_LEN], c[FMT_LEN], sz[FMT_LEN];
	bool said = false;

	fprintf(f, "\nus per remote CPU (%s; 95%% CI): initiator = its op time,\n"
		   "responder = the busy bystanders' lost work, against their baseline row\n"
		   "%-18s %5s %-19s %-19s %s\n", r->opt.ncpus > 2 ?
		   "fitted over cpus >= 2" : "the difference to 1 CPU", "variant", "size",
		"initiator", "responder", "total");
	for (int thp = 0; thp < 2; thp++)
		for (size_t v = 0; v < r->nvariants; v++)
			for (size_t s = 0; s < r->opt.nsizes; s++) {
				const struct variant_ref *vr = r->variants[v];
				const struct dv_remote *x = remote_at(d, vr, r->opt.sizes[s], pl,
								      thp);

				if (!x)
					continue;
				thp_heading(f, thp, &said);
				fprintf(f, "%-18s %5s %-19s %-19s %s\n", vr->name,
					fmt_size((double)x->size, sz),
					remote_iv(&x->per_cpu, true, a),
					remote_iv(&x->responder, true, b),
					remote_iv(&x->total, false, c));
			}
}

void summary_primitives(const struct run *r, FILE *f)
{
	const struct derived *d = r->derived;
	unsigned int cols[MAX_COLS];
	size_t ncols = columns(r, cols);
	char a[FMT_LEN], sz[FMT_LEN];
	bool any = false;

	for (size_t v = 0; v < r->nvariants; v++)
		any |= r->variants[v]->v->class == BENCH_CLASS_PRIMITIVE;
	if (!any)
		return;
	fprintf(f, "\nPrimitives: the initiator's time per op vs CPUs running the process\n");
	for (size_t p = 0; p < r->opt.nplacements; p++) {
		bool said = false;

		fprintf(f, "\nplacement %s\n%-18s %5s", topo_placement_name(r->opt.placements[p]),
			"variant", "size");
		for (size_t k = 0; k < ncols; k++)
			fprintf(f, " %7u", cols[k]);
		fprintf(f, "\n");
		for (int thp = 0; thp < 2; thp++)
			for (size_t v = 0; v < r->nvariants; v++) {
				const struct variant_ref *vr = r->variants[v];

				if (vr->v->class != BENCH_CLASS_PRIMITIVE)
					continue;
				for (size_t s = 0; s < r->opt.nsizes; s++) {
					const struct cell_result *c0 = analysis_cell_at(r, vr,
						r->opt.sizes[s], cols[0], r->opt.placements[p], thp);

					if (!c0)
						continue;
					thp_heading(f, thp, &said);
					fprintf(f, "%-18s %5s", vr->name,
						fmt_size((double)r->opt.sizes[s], sz));
					for (size_t k = 0; k < ncols; k++) {
						const struct cell_result *c = analysis_cell_at(r, vr,
							r->opt.sizes[s], cols[k],
							r->opt.placements[p], thp);

						fprintf(f, " %7s", c && d->cells[c->id].wall.n ?
							fmt_time(d->cells[c->id].wall.centre, a) : "-");
					}
					fprintf(f, "\n");
				}
			}
		if (d->nremote)
			remote_table(r, f, r->opt.placements[p]);
	}
	fmt_wrap(f, "TLB flushes here:", r->machine.flush.summary, 2, SUMMARY_WIDTH);
}

void summary_counters(const struct run *r, FILE *f)
{
	char a[FMT_LEN], sz[FMT_LEN];
	bool intro = false;

	for (size_t v = 0; v < r->nvariants; v++) {
		const struct variant_ref *vr = r->variants[v];
		const struct pmu_event *keys[BENCH_MAX_COUNTERS];
		int nk = 0;

		for (int k = 0; k < BENCH_MAX_COUNTERS && vr->v->counters[k]; k++) {
			int e = pmu_find(&r->pmu, vr->v->counters[k]);

			if (e >= 0 && r->pmu.ev[e].available)
				keys[nk++] = &r->pmu.ev[e];
		}
		if (!nk)
			continue;
		if (!intro)
			fprintf(f, "\nCounters per operation (median over repetitions; op = "
				   "producer + consumer,\nby = the bystanders together, by1 = "
				   "per bystander)\n");
		intro = true;
		fprintf(f, "\n%s\n", vr->name);
		for (int k = 0; k < nk; k++) {
			char first[96];

			snprintf(first, sizeof(first), "  [%d] %s%s", k + 1, keys[k]->key,
				 keys[k]->desc[0] ? ":" : "");
			fmt_wrap(f, first, keys[k]->desc, 6, SUMMARY_WIDTH);
		}
		fprintf(f, "%-6s %4s %-4s", "size", "cpus", "");
		for (int k = 0; k < nk; k++)
			fprintf(f, " %9s", (char[8]){ '[', (char)('1' + k), ']', 0 });
		fputc('\n', f);
		for (size_t i = 0; i < r->ncells; i++) {
			const struct cell_result *c = &r->cells[i];

			if (c->vr != vr || !summary_metric(c, "op", "wall_ns"))
				continue;
			for (int by = 0; by < 3; by++) {
				static const char *const role_of[] = { "op", "bystanders",
								       "bystander" };
				static const char *const label[] = { "op", "by", "by1" };
				const char *role = role_of[by];

				if (by && !summary_metric(c, role, "cpu_ns"))
					continue;
				fprintf(f, "%-6s %4u %-4s", by ? "" : fmt_size((double)c->size, sz),
					c->ncpus, label[by]);
				for (int k = 0; k < nk; k++) {
					const struct cell_metric *m = summary_metric(c, role, keys[k]->key);

					fprintf(f, " %9s", m && m->iv.n ? fmt_count(m->iv.centre, a) : "-");
				}
				fputc('\n', f);
			}
		}
	}
}

void summary_checks(const struct run *r, FILE *f)
{
	const struct derived *d = r->derived;
	char a[FMT_LEN], b[FMT_LEN], line[256], sz[FMT_LEN];
	size_t shown = 0;

	if (!d->nchecks)
		return;
	fprintf(f, "\nChecks: the work each variant declares per operation, in every "
		   "repetition:\n%zu judged, %zu passed, %zu failed, %zu unmeasured (counter "
		   "unavailable)\n", d->nchecks, d->nchecks - d->nfail - d->nunmeasured,
		d->nfail, d->nunmeasured);
	for (size_t i = 0; i < d->nchecks && shown < 12; i++) {
		const struct dv_check *ck = &d->checks[i];
		const struct cell_result *c = &r->cells[ck->cell];
		const struct bench_expect *e = &c->vr->v->expect[ck->expect];

		if (ck->verdict != CHECK_FAIL)
			continue;
		snprintf(line, sizeof(line), "%s %s cpus=%u #%u: %s %s %s, expected %s "
			 "(-%g/+%g): %s", c->vr->name, fmt_size((double)c->size, sz), c->ncpus,
			 ck->rep + 1, registry_scope_name(e->scope), ck->metric,
			 fmt_count(ck->measured, a), fmt_count(ck->expected, b), e->slack,
			 e->slack + e->extra, e->why);
		fmt_wrap(f, "  FAIL", line, 4, SUMMARY_WIDTH);
		shown++;
	}
	if (d->nfail > shown)
		fprintf(f, "  ... and %zu more (run.json: derived.checks)\n", d->nfail - shown);
}

/* --hazard: what the deliberately broken verification of each cell saw. */
void summary_hazard(const struct run *r, FILE *f)
{
	char sz[FMT_LEN], line[256], first[160];

	fprintf(f, "\nHazard: a protocol check, each buffer reused before its "
		   "notification (--hazard);\nwhat the consumer saw, per cell and "
		   "repetition\n");
	for (size_t i = 0; i < r->ncells; i++) {
		const struct cell_result *c = &r->cells[i];
		const struct bench_variant *v = c->vr->v;

		for (size_t k = 0; k < c->nreps; k++) {
			const struct rep_result *rep = &c->reps[k];
			size_t used;

			snprintf(first, sizeof(first), "%-19s %5s cpus=%-2u #%zu", c->vr->name,
				 fmt_size((double)c->size, sz), c->ncpus, k + 1);
			if (!rep->verify_ran) {
				fmt_wrap(f, first, rep->reason[0] ? rep->reason :
					 cell_status_name(rep->status), 40, SUMMARY_WIDTH);
				continue;
			}
			used = (size_t)snprintf(line, sizeof(line), "%llu ops:",
						(unsigned long long)rep->verify_ops);
			for (int q = 0; q < BENCH_MAX_REPORTS && v->reports[q].name &&
			     used < sizeof(line); q++)
				used += (size_t)snprintf(line + used, sizeof(line) - used,
							 " %s=%llu", v->reports[q].name,
							 (unsigned long long)rep->verify_reports[q]);
			fmt_wrap(f, first, line, 40, SUMMARY_WIDTH);
		}
	}
}
