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

void summary_twins(const struct run *r, FILE *f);
void summary_winners(const struct run *r, FILE *f);
void summary_costs(const struct run *r, FILE *f);
void summary_primitives(const struct run *r, FILE *f);
void summary_phases(const struct run *r, FILE *f);
void summary_counters(const struct run *r, FILE *f);
void summary_checks(const struct run *r, FILE *f);
void summary_hazard(const struct run *r, FILE *f);

#endif
