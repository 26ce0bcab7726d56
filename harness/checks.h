/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * checks.h - the work each variant row declares its operations must show
 * (bench_expect), judged in every repetition of every cell; and the
 * counters that were measured somewhere and are zero everywhere.
 */
#ifndef COWBENCH_CHECKS_H
#define COWBENCH_CHECKS_H

#include "analysis.h"

int checks_run(struct run *r, struct derived *d);

/* Does expectation e apply to cell c? */
bool checks_applies(const struct bench_expect *e, const struct cell_result *c);

#endif
