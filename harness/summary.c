// SPDX-License-Identifier: GPL-2.0-only
/*
 * summary.c - summary.txt: a fixed-width view (<= 80 columns) of a run,
 * to paste into an email. It renders run.json's figures (the analysis,
 * analysis.h) and computes nothing of its own. This file lays out the
 * frame: the run and the machine, warnings before any result, the tables
 * (summary_tables.c), what could not be measured, how to reproduce it.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "analysis.h"
#include "flushmech.h"
#include "fmt.h"
#include "out_json.h"
#include "output.h"
#include "summary.h"

static void header(const struct run *r, FILE *f)
{
	char lines[3][80];
	size_t ok = 0;

	for (size_t i = 0; i < r->ncells; i++)
		ok += r->cells[i].status == CELL_OK;
	machine_summary(&r->machine, r->topo, lines);
	fprintf(f, "cowbench run %s, %s: %zu of %zu cells measured,\n%u repetitions "
		"each, %.0f s\n", r->started, r->status == RUN_COMPLETE ? "complete" :
		r->status == RUN_INTERRUPTED ? "INTERRUPTED" : "FAILED", ok, r->ncells,
		r->opt.repetitions, r->elapsed_s);
	for (int i = 0; i < 3; i++)
		fprintf(f, "%.78s\n", lines[i]);
}

static void warnings(const struct run *r, FILE *f)
{
	if (!r->machine.warnings)
		return;
	fprintf(f, "\nWarnings:\n");
	for (unsigned int i = 0; i < r->machine.warnings; i++)
		fmt_wrap(f, "  -", r->machine.warning[i], 4, SUMMARY_WIDTH);
}

static void note(FILE *f, bool *any, const char *text)
{
	fmt_wrap(f, *any ? "  -" : "\nNotes:\n  -", text, 4, SUMMARY_WIDTH);
	*any = true;
}

static void notes(const struct run *r, FILE *f)
{
	const struct derived *d = r->derived;
	char line[400], a[FMT_LEN], b[FMT_LEN];
	bool any = false, broadcast = false;

	if (d->loose_reps) {
		snprintf(line, sizeof(line), "%zu of %zu repetitions stopped (time or "
			 "sample budget) before the CI of their own median reached +-%g%%; "
			 "the figures' intervals come from the spread between repetitions "
			 "and include that.", d->loose_reps, d->usable_reps,
			 100 * r->opt.samp.target_ci);
		note(f, &any, line);
	}
	if (d->short_cells) {
		snprintf(line, sizeof(line), "%zu %s fewer usable repetitions than "
			 "the %u asked for (run.json: each repetition's status).",
			 d->short_cells, d->short_cells == 1 ? "cell has" : "cells have",
			 r->opt.repetitions);
		note(f, &any, line);
	}
	if (d->smt_cells) {
		snprintf(line, sizeof(line), "%zu %s threads on SMT siblings of one "
			 "core (run.json: smt_siblings); compare placements.", d->smt_cells,
			 d->smt_cells == 1 ? "cell runs" : "cells run");
		note(f, &any, line);
	}
	for (size_t i = 0; i < r->opt.ncpus; i++)
		broadcast |= flush_broadcast_at(&r->machine.flush, r->opt.cpus[i]);
	snprintf(line, sizeof(line), "TLB flushes here: %s.%s", r->machine.flush.summary,
		 broadcast ? " Cells of 4 CPUs or more are flushed by broadcast: no IPI, "
		 "no TLB interrupt, no remote tlb_flush event to count." : "");
	note(f, &any, line);
	if (strcmp(r->clock.source, "tsc")) {
		snprintf(line, sizeof(line), "Times come from CLOCK_MONOTONIC_RAW: %s.",
			 r->clock.why);
		note(f, &any, line);
	}
	for (unsigned int e = 0; e < r->pmu.n && e < RESULTS_MAX_COUNTERS; e++)
		if (d->running[e] < 1) {
			snprintf(line, sizeof(line), "%s was multiplexed: it ran %s of a sample "
				 "at least; its counts are scaled per sample (count x enabled "
				 "/ running).", r->pmu.ev[e].key, fmt_pct(d->running[e], a));
			note(f, &any, line);
		}
	if (isfinite(d->spawn_ms)) {
		snprintf(line, sizeof(line), "Each repetition ran in a process of its own: "
			 "starting one took %s (median), against a sampling budget of %s.",
			 fmt_time(d->spawn_ms * 1e6, a),
			 fmt_time(r->opt.samp.cell_budget_s * 1e9, b));
		note(f, &any, line);
	}
}

/* The cells without numbers, grouped by (variant, status, reason): a cell
 * that failed is reported, never hidden. */
static void without_numbers(const struct run *r, FILE *f)
{
	bool header = false;
	char sz[FMT_LEN];

	for (size_t i = 0; i < r->ncells; i++) {
		const struct cell_result *c = &r->cells[i];
		char line[1024], what[32];
		size_t n = 0, k = 0;
		bool seen = false;

		if (c->status == CELL_OK)
			continue;
		for (size_t j = 0; j < i && !seen; j++)
			seen = r->cells[j].vr == c->vr && r->cells[j].status == c->status &&
			       !strcmp(r->cells[j].reason, c->reason);
		if (seen)
			continue;
		for (size_t j = i; j < r->ncells && n < 400; j++) {
			const struct cell_result *d = &r->cells[j];

			if (d->vr != c->vr || d->status != c->status || strcmp(d->reason, c->reason))
				continue;
			n += (size_t)snprintf(line + n, sizeof(line) - n, "%s%s cpus=%u%s", k ? ", " : "",
					      fmt_size((double)d->size, sz), d->ncpus,
					      d->thp ? " thp" : "");
			k++;
		}
		if (!header)
			fprintf(f, "\nCells without numbers (run.json: cells[].status, reason):\n");
		header = true;
		snprintf(what, sizeof(what), "%s:", cell_status_name(c->status));
		snprintf(line + n, sizeof(line) - n, ": %s %s", what,
			 c->reason[0] ? c->reason : "(no reason recorded)");
		fmt_wrap(f, c->vr->name, line, 4, SUMMARY_WIDTH);
	}
}

static void unavailable(const struct run *r, FILE *f)
{
	bool header = false;

	for (unsigned int e = 0; e < r->pmu.n; e++) {
		const struct pmu_event *ev = &r->pmu.ev[e];
		char first[128];

		if (ev->available && !ev->user_only)
			continue;
		if (!header)
			fprintf(f, "\nNot measured, or not fully (reason):\n");
		header = true;
		snprintf(first, sizeof(first), "  %s:", ev->available ? ev->key : ev->name);
		fmt_wrap(f, first, ev->reason, 4, SUMMARY_WIDTH);
	}
	if (r->derived->zero_counters[0]) {
		fputc('\n', f);
		fmt_wrap(f, "Measured and zero in every cell:", r->derived->zero_counters, 2,
			 SUMMARY_WIDTH);
	}
}

/* One shell word (already quoted), broken across lines where it does not
 * fit: a backslash-newline joins the pieces back into the same word
 * (inside single quotes the quote is closed before and opened after it;
 * never between a backslash and the character it escapes). */
static void emit_word(FILE *f, const char *w, size_t *col)
{
	bool inq = false, esc = false;

	for (const char *p = w; *p; p++) {
		if (*col + 2 >= SUMMARY_WIDTH && !esc) {
			fputs(inq ? "'\\\n'" : "\\\n", f);
			*col = inq ? 1 : 0;
		}
		fputc(*p, f);
		(*col)++;
		if (esc)
			esc = false;
		else if (!inq && *p == '\\')
			esc = true;
		else if (*p == '\'')
			inq = !inq;
	}
}

/* The command again, with the seed that fixes its order, as shell lines
 * joined by backslashes: pasted, it runs the same command. */
static void reproduce(const struct run *r, FILE *f)
{
	char cmd[8192], seed[48];
	char *argv[512];
	int argc = 0;
	bool has_seed = false;
	size_t col = 2;

	for (int i = 0; i < r->argc && argc < 508; i++) {
		has_seed |= !strcmp(r->argv[i], "--seed") || !strncmp(r->argv[i], "--seed=", 7);
		argv[argc++] = r->argv[i];
	}
	if (!has_seed && r->opt.order == ORDER_SHUFFLE) {
		snprintf(seed, sizeof(seed), "%llu", (unsigned long long)r->opt.seed);
		argv[argc++] = "--seed";
		argv[argc++] = seed;
	}
	fputs("\nReproduce:\n  ", f);
	for (int i = 0; i < argc; i++) {
		out_command_line(1, &argv[i], cmd, sizeof(cmd));
		if (i && col + 1 + strlen(cmd) + 2 > SUMMARY_WIDTH && col > 4) {
			fputs(" \\\n    ", f);
			col = 4;
		} else if (i) {
			fputc(' ', f);
			col++;
		}
		emit_word(f, cmd, &col);
	}
	fputc('\n', f);
}

/* summary.txt: the first screen (the caveats, the verdict, the 2006
 * inequality), then the model, the speed-ups, the checks, notes, what was
 * not measured and how to reproduce the run. */
int summary_write(const struct run *r, FILE *f)
{
	header(r, f);
	if (r->opt.hazard) {
		warnings(r, f);
		summary_hazard(r, f);
		unavailable(r, f);
		reproduce(r, f);
		return ferror(f) ? -1 : 0;
	}
	summary_caveats(r, f);
	summary_verdict(r, f);
	fprintf(f, "\n%s\n", SUMMARY_FIRST_SCREEN_END);
	summary_model(r, f);
	summary_matrix(r, f);
	without_numbers(r, f);
	summary_checks(r, f);
	notes(r, f);
	unavailable(r, f);
	reproduce(r, f);
	return ferror(f) ? -1 : 0;
}

/* details.txt: every table, after the machine's warnings in full. */
int summary_details(const struct run *r, FILE *f)
{
	header(r, f);
	warnings(r, f);
	summary_twins(r, f);
	summary_winners(r, f);
	summary_costs(r, f);
	summary_primitives(r, f);
	summary_phases(r, f);
	summary_counters(r, f);
	summary_checks(r, f);
	return ferror(f) ? -1 : 0;
}
