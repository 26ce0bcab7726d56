// SPDX-License-Identifier: GPL-2.0-only
/*
 * out_csv.c - results.csv: one tidy row per (cell, role, metric) with the
 * figure over the cell's repetitions, for gnuplot and spreadsheets; a cell
 * without figures has one row with its status and reason.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "output.h"

/* CSV field: quoted when it holds a comma, quote or newline. */
static void field(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\n\r")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void num(FILE *f, double v, bool valid)
{
	if (valid && isfinite(v))
		fprintf(f, ",%.6g", v);
	else
		fputs(",", f);
}

static void cell_rows(const struct cell_result *c, FILE *f)
{
	const char *cls = registry_class_name(c->vr->v->class);
	const char *pl = topo_placement_name(c->placement);

	for (size_t i = 0; i < c->nmetrics; i++) {
		const struct cell_metric *m = &c->metrics[i];
		const struct stats_interval *iv = &m->iv;

		fprintf(f, "%s,%s,%zu,%u,%s,%s,%s,%s,%s,%zu", c->vr->name, cls, c->size,
			c->ncpus, pl, c->thp ? "always" : "never", m->role, m->metric, m->unit,
			iv->n);
		num(f, iv->centre, iv->n > 0);
		num(f, iv->lo, iv->valid);
		num(f, iv->hi, iv->valid);
		num(f, iv->level, iv->valid);
		fprintf(f, ",%s,%s,", stats_method_name(iv->valid ? iv->method : STATS_NONE),
			cell_status_name(c->status));
		field(f, c->reason);
		fputc('\n', f);
	}
	if (c->nmetrics)
		return;
	fprintf(f, "%s,%s,%zu,%u,%s,%s,,,,,,,,,,%s,", c->vr->name, cls, c->size,
		c->ncpus, pl, c->thp ? "always" : "never", cell_status_name(c->status));
	field(f, c->reason);
	fputc('\n', f);
}

int out_csv(const struct run *r, FILE *f)
{
	fputs("variant,class,size_bytes,cpus,placement,thp,role,metric,unit,repetitions,"
	      "median,ci_lo,ci_hi,ci_level,ci_method,status,reason\n", f);
	for (size_t i = 0; i < r->ncells; i++)
		cell_rows(&r->cells[i], f);
	return ferror(f) ? -1 : 0;
}
