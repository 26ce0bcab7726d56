/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * cli.h - the options of `cowbench run`: parsed and checked before
 * anything is measured or written (bad input: one line, exit 2).
 */
#ifndef COWBENCH_CLI_H
#define COWBENCH_CLI_H

#include <stddef.h>

#include "run.h"

#define CLI_EXIT_USAGE 2

/* Raw option strings, made into struct options once the topology is known
 * (--cpus max needs it). */
struct raw_options {
	const char *sizes, *cpus, *placement, *target_ci, *min_samples;
	const char *max_samples, *cell_budget, *budget, *warmup, *sink;
	const char *repetitions, *order, *seed, *hang_timeout, *thp;
};

/* argv[0] is "run". Returns 0, 1 after --help (printed), or -EINVAL after
 * printing the one-line error. */
int cli_parse_run(struct run *r, int argc, char **argv, struct raw_options *ro);
/* The values that need the topology; -EINVAL with err. */
int cli_finish(struct run *r, const struct raw_options *ro, char *err, size_t len);

/* fmt_quote() (fmt.h): s made safe to echo in a one-line error. */
const char *cli_quote(const char *s, char *buf, size_t len);

void cli_usage(FILE *f);

#endif
