/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * summary.h - the tables of summary.txt (summary_tables.c), each a view of
 * run.json's figures.
 */
#ifndef COWBENCH_SUMMARY_H
#define COWBENCH_SUMMARY_H

#include <stdio.h>

#include "run.h"

#define SUMMARY_WIDTH 78

/* The end of the first screen of summary.txt (make bench prints up to it). */
#define SUMMARY_FIRST_SCREEN_END "More: details.txt (every table), plots/, run.json."

/* summary.c: summary.txt and details.txt. */
int summary_write(const struct run *r, FILE *f);
int summary_details(const struct run *r, FILE *f);
/* summary_verdict.c: the first screen. */
void summary_caveats(const struct run *r, FILE *f);
void summary_verdict(const struct run *r, FILE *f);
/* summary_model.c */
void summary_model(const struct run *r, FILE *f);
void summary_matrix(const struct run *r, FILE *f);
/* summary_tables.c */
/* The cell's (role, metric) when the cell has numbers, else NULL. */
const struct cell_metric *summary_metric(const struct cell_result *c, const char *role,
					 const char *name);
/* The row's when_all text when the cell's share is the whole, or NULL. */
const char *summary_when_all(const struct run *r, const struct cell_result *c);
void summary_twins(const struct run *r, FILE *f);
void summary_winners(const struct run *r, FILE *f);
void summary_costs(const struct run *r, FILE *f);
void summary_primitives(const struct run *r, FILE *f);
void summary_phases(const struct run *r, FILE *f);
void summary_counters(const struct run *r, FILE *f);
void summary_checks(const struct run *r, FILE *f);
void summary_hazard(const struct run *r, FILE *f);

#endif
