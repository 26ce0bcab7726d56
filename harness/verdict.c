// SPDX-License-Identifier: GPL-2.0-only
/*
 * verdict.c - the answer of a run (analysis.h, struct dv_answer): per CPU
 * count, class of strategy and buffer size (the smallest, the middle and
 * the largest measured), who wins against the copying twin and by how
 * much, and the loser's largest cost by the model; and the caveats that
 * hold for every number of the run. Only selects among the derived
 * figures: it computes nothing new but the selection.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"

/* Rows whose share report says they did not do what their name says
 * (a zero-copy send the kernel copied entirely): no contest. */
static bool no_contest(const struct derived *d, const struct cell_result *c)
{
	const struct dv_cell *dc = &d->cells[c->id];
	const struct bench_variant *v = c->vr->v;

	if (!isfinite(dc->share) || dc->share < 0.995 || !dc->share_name)
		return false;
	for (int q = 0; q < BENCH_MAX_REPORTS && v->reports[q].name; q++)
		if (!strcmp(v->reports[q].name, dc->share_name))
			return v->reports[q].when_all != NULL;
	return false;
}

static const struct dv_prediction *prediction_of(const struct derived *d, unsigned int cell)
{
	for (size_t i = 0; d->model && i < d->model->npred; i++)
		if (d->model->pred[i].cell == cell)
			return &d->model->pred[i];
	return NULL;
}

/* The loser's largest term: its name and share of the prediction. */
static void largest_cost(const struct run *r, unsigned int cell, struct dv_answer_row *x)
{
	const struct dv_prediction *p = prediction_of(r->derived, cell);
	const struct bench_variant *v = r->cells[cell].vr->v;
	double sum = 0;

	x->term = NULL;
	x->term_share = NAN;
	if (!p || p->dominant < 0)
		return;
	for (unsigned int t = 0; t < p->nparts; t++)
		sum += fmax(0, p->part[t]);
	x->term = p->own_line ? (p->dominant ? "per page" : "fixed") :
		  v->model[p->dominant].constant;
	x->term_share = sum > 0 ? p->part[p->dominant] / sum : NAN;
}

static void one_row(const struct run *r, unsigned int cpus, enum bench_class class,
		    size_t size, struct dv_answer *v)
{
	const struct derived *d = r->derived;
	const struct dv_twin *best = NULL;
	struct dv_answer_row *x;

	for (size_t i = 0; i < d->ntwins; i++) {
		const struct dv_twin *t = &d->twins[i];
		const struct cell_result *c = &r->cells[t->cell];

		if (c->ncpus != cpus || c->size != size || c->thp ||
		    c->placement != r->opt.placements[0] || c->vr->v->class != class ||
		    !isfinite(t->speedup.centre) || no_contest(d, c))
			continue;
		if (!best || t->speedup.centre > best->speedup.centre)
			best = t;
	}
	if (!best || v->nrows >= VERDICT_MAX_ROWS)
		return;
	x = &v->rows[v->nrows++];
	*x = (struct dv_answer_row){ .cpus = cpus, .class = class, .size = size,
				      .variant = best->cell, .twin = best->twin,
				      .speedup = best->speedup, .tie = !best->differs };
	x->variant_wins = best->speedup.centre > 1;
	x->winner = x->variant_wins ? best->cell : best->twin;
	x->loser = x->variant_wins ? best->twin : best->cell;
	x->factor = x->variant_wins ? best->speedup.centre : 1 / best->speedup.centre;
	largest_cost(r, x->loser, x);
}

static void caveat(struct dv_answer *v, const char *text)
{
	if (v->ncaveats < VERDICT_MAX_CAVEATS)
		snprintf(v->caveat[v->ncaveats++], sizeof(v->caveat[0]), "%s", text);
}

static void caveats(const struct run *r, struct dv_answer *v)
{
	const struct machine *m = &r->machine;
	const struct derived *d = r->derived;
	char line[160];
	bool copied = false, broadcast = false;

	if (m->hypervisor) {
		snprintf(line, sizeof(line), "a %s guest: every time includes the "
			 "hypervisor, TLB shootdowns most (IPIs exit to it)",
			 machine_hypervisor_name(m));
		caveat(v, line);
	}
	if (!r->pmu.any_hardware)
		caveat(v, "no hardware PMU: no cycle, TLB-miss or cache-miss counts");
	for (size_t i = 0; i < r->ncells; i++)
		copied |= r->cells[i].status == CELL_OK && no_contest(d, &r->cells[i]);
	if (copied)
		caveat(v, "loopback: the kernel copied every zero-copy send, so those "
			  "rows are no contest here");
	for (size_t i = 0; i < r->opt.ncpus; i++)
		broadcast |= flush_broadcast_at(&m->flush, r->opt.cpus[i]);
	if (broadcast)
		caveat(v, "broadcast TLB invalidation (INVLPGB) replaces shootdown IPIs "
			  "from 4 CPUs");
	if (d->stolen_cells) {
		snprintf(line, sizeof(line), "the host ran other work on these CPUs: "
			 "%zu %s 5%% or more of their time (at most %.0f%%); a "
			 "preempted vCPU gets no flush IPI", d->stolen_cells,
			 d->stolen_cells == 1 ? "cell lost" : "cells lost", 100 * d->steal_max);
		caveat(v, line);
	}
	if (r->status != RUN_COMPLETE)
		caveat(v, "the run did not complete: some cells were not measured");
	if (d->short_cells) {
		snprintf(line, sizeof(line), "%zu cells have fewer repetitions than asked",
			 d->short_cells);
		caveat(v, line);
	}
}

int verdict_run(struct run *r)
{
	const struct options *o = &r->opt;
	struct dv_answer *v = calloc(1, sizeof(*v));
	static const enum bench_class classes[] = { BENCH_CLASS_COW, BENCH_CLASS_NOTIFY };
	size_t picks[3] = { 0, o->nsizes / 2, o->nsizes ? o->nsizes - 1 : 0 };

	if (!v)
		return -ENOMEM;
	r->derived->verdict = v;
	for (size_t c = 0; c < o->ncpus && o->nsizes; c++)
		for (size_t k = 0; k < 2; k++)
			for (size_t s = 0; s < 3; s++)
				if (s == 0 || picks[s] != picks[s - 1])
					one_row(r, o->cpus[c], classes[k], o->sizes[picks[s]], v);
	caveats(r, v);
	return 0;
}
