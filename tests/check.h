/* SPDX-License-Identifier: GPL-2.0-only */
/* check.h - minimal checks for the unit tests: count failures, go on. */
#ifndef COWBENCH_CHECK_H
#define COWBENCH_CHECK_H

#include <math.h>
#include <stdio.h>
#include <string.h>

static int check_failures;
static int check_count;

#define CHECK(cond)                                                        \
	do {                                                               \
		check_count++;                                             \
		if (!(cond)) {                                             \
			check_failures++;                                  \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n",       \
				__FILE__, __LINE__, #cond);                \
		}                                                          \
	} while (0)

#define CHECK_NEAR(a, b, tol)                                              \
	do {                                                               \
		double a_ = (a), b_ = (b);                                 \
		check_count++;                                             \
		if (!(fabs(a_ - b_) <= (tol))) {                           \
			check_failures++;                                  \
			fprintf(stderr, "%s:%d: %s = %.12g, want %.12g\n", \
				__FILE__, __LINE__, #a, a_, b_);           \
		}                                                          \
	} while (0)

#define CHECK_STR(a, b)                                                    \
	do {                                                               \
		const char *a_ = (a), *b_ = (b);                           \
		check_count++;                                             \
		if (strcmp(a_, b_) != 0) {                                 \
			check_failures++;                                  \
			fprintf(stderr, "%s:%d: %s = \"%s\", want \"%s\"\n",\
				__FILE__, __LINE__, #a, a_, b_);           \
		}                                                          \
	} while (0)

static inline int check_done(const char *name)
{
	printf("%s: %d checks, %d failed\n", name, check_count, check_failures);
	return check_failures ? 1 : 0;
}

#endif
