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
#include <stdio.h>

#include "run.h"

/* In the temporary directory while its run lives (out_stale.c). */
#define OUT_OWNER_FILE ".cowbench-run"

struct out_dir {
	char final[PATH_MAX];
	char tmp[PATH_MAX];
	int lock_fd;		/* the temporary directory, flock()ed while we live */
};

/* Choose the directory (--out, or results/<UTC time>-<host>), remove the
 * stale temporary directories of dead runs beside it (one line each on
 * log), create the temporary one and prove it writable; -errno with err.
 * Nothing is measured before this. */
int output_prepare(const char *out, struct out_dir *od, FILE *log, char *err,
		   size_t len);
/* Write the files and rename into place; on failure nothing is left. */
int output_commit(const struct run *r, struct out_dir *od, char *err, size_t len);
/* Remove the temporary directory and whatever is in it. */
void output_abandon(struct out_dir *od);

/* "what path: reason", a long path cut in the middle so the reason fits;
 * returns -e. */
int out_path_error(char *err, size_t len, const char *what, const char *path, int e);
/* path, or its head...tail when long, in buf. */
const char *out_short_path(const char *path, char *buf, size_t len);

/* out_stale.c: the owner file's text, and the sweep of dead runs' temporary
 * directories in parent (a directory path). */
int out_owner_text(const struct run *r, FILE *f);
void out_stale_clean(const char *parent, FILE *log);

/* results.csv (out_csv.c) and summary.txt (summary.c). */
int out_csv(const struct run *r, FILE *f);

#endif
