/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * parse.h - pure parsers for command-line values. On error they return
 * -EINVAL and write one human sentence into err (never print): one line,
 * the typed value in it escaped by fmt_quote().
 */
#ifndef COWBENCH_PARSE_H
#define COWBENCH_PARSE_H

#include <stddef.h>

/* The largest size accepted: 1T. Far below SIZE_MAX, so that rounding a
 * size up to pages or huge pages, or a ring of a few buffers of it,
 * cannot wrap; no machine this measures maps more per buffer. */
#define PARSE_SIZE_MAX ((size_t)1 << 40)

/* "4096", "4K", "4k", "4KiB", "64M", "1G", "2MiB": binary multiples only.
 * Rejects 0, above PARSE_SIZE_MAX, negative, trailing junk, fractions. */
int parse_size(const char *s, size_t *out, char *err, size_t errlen);

/* Comma-separated items, each a size or a range:
 *   "4K,64K,1M"   "4K-64M:x4" (geometric: 4K 16K ... 64M)
 *   "4K-16K:+4K"  (arithmetic) "4K-64M" (default step x2)
 * The range end is included when the step lands on it; the factor must be
 * >= 2, the increment > 0, lo <= hi. The result is sorted and deduplicated;
 * at most `max` values. *out is malloc'd (caller frees). */
int parse_size_list(const char *s, size_t max, size_t **out, size_t *n,
		    char *err, size_t errlen);

/* CPU counts: "1,2,4", "1-4", "max" (= ncpus), "pow2" (1,2,4,..., and ncpus
 * itself when it is not a power of two). Each value in 1..ncpus, else an
 * error naming the value and ncpus. Sorted, deduplicated, malloc'd. */
int parse_cpu_counts(const char *s, unsigned int ncpus, unsigned int **out,
		     size_t *n, char *err, size_t errlen);

/* A non-negative finite decimal ("0.5", "10"); percent forms "1%" give
 * 0.01 when allow_percent. */
int parse_double(const char *s, int allow_percent, double *out, char *err,
		 size_t errlen);

/* A non-negative integer that fits in unsigned long. */
int parse_ulong(const char *s, unsigned long *out, char *err, size_t errlen);

/* Format a byte count with a binary suffix when exact: 4096 -> "4K",
 * 1048576 -> "1M", 1000 -> "1000". Returns buf. */
char *parse_format_size(size_t v, char *buf, size_t len);

#endif
