/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * plan.h - what a run measures and in which order: the variants the globs
 * select, their cells (placement x CPUs x variant x size), and the
 * repetitions of every cell in blocks.
 *
 * A block is the cells that are compared with each other at one size,
 * placement and repetition: a copying twin with every variant that names
 * it (at every CPU count), or the variants of a family without twins (the
 * primitives, at every CPU count). A block's cells run one after another,
 * in a shuffled order, so that a variant and its twin, or one primitive at
 * 1, 2, ... CPUs, are measured close together in time and drift between
 * them does not become a difference; the blocks themselves are shuffled
 * across the whole sweep (--seed), so that drift during the run spreads
 * over every cell's repetitions instead of shifting some cells.
 */
#ifndef COWBENCH_PLAN_H
#define COWBENCH_PLAN_H

#include <stddef.h>

#include "run.h"

/* Variants matching the run's globs; -EINVAL with err naming a glob that
 * matches nothing. */
int plan_select(struct run *r, char *err, size_t errlen);
/* The cells, their CPU lists and repetitions; -EINVAL/-ENOMEM with err.
 * A cell too big for the memory limits (memlimit.h) has every repetition
 * "unsupported" with the reason from the start, and is never run. */
int plan_cells(struct run *r, char *err, size_t errlen);
/* The order of every (cell, repetition): r->items. */
int plan_order(struct run *r);

#endif
