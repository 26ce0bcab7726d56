/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * output.h - the run directory: made under a temporary name beside its
 * final one, filled (run.json, results.csv, summary.txt, each written to a
 * temporary name and renamed), then renamed into place, so that a
 * directory with the final name is always complete.
 */
#ifndef COWBENCH_OUTPUT_H
#define COWBENCH_OUTPUT_H

#include <limits.h>
#include <stddef.h>

#include "run.h"

struct out_dir {
	char final[PATH_MAX];
	char tmp[PATH_MAX];
};

/* Choose the directory (--out, or results/<UTC time>-<host>) and create
 * the temporary one; -errno with err. Nothing is measured before this. */
int output_prepare(const char *out, struct out_dir *od, char *err, size_t len);
/* Write the files and rename into place; on failure nothing is left. */
int output_commit(const struct run *r, const struct out_dir *od, char *err, size_t len);
/* Remove the temporary directory and whatever is in it. */
void output_abandon(const struct out_dir *od);

/* results.csv (out_csv.c) and summary.txt (summary.c). */
int out_csv(const struct run *r, FILE *f);

#endif
