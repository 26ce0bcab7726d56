/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * parse_int.h - what parse.c shares with parse_list.c: the error
 * sentence, the comma-separated walk and the "LO-HI" split.
 */
#ifndef COWBENCH_PARSE_INT_H
#define COWBENCH_PARSE_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "fmt.h"

/* s escaped into q, for the "%s" of an error sentence. */
static inline const char *parse_q(const char *s, char q[FMT_QUOTE_LEN])
{
	return fmt_quote(s, q, FMT_QUOTE_LEN);
}

/* Writes the sentence into err (when there is one); returns -EINVAL. */
__attribute__((format(printf, 3, 4)))
int parse_set_err(char *err, size_t errlen, const char *fmt, ...);

/* Calls fn on a private, writable copy of each comma-separated item of s;
 * `what` names the list in the errors for an empty list or item. */
int parse_for_each_item(const char *s, const char *what,
			int (*fn)(void *ctx, char *item, char *err, size_t errlen),
			void *ctx, char *err, size_t errlen);

/* Splits "LO-HI" in place (to quote the item whole again, put back the
 * dash: (*hi)[-1] = '-'); false when there is no range. The search starts
 * after the first byte so that "-4K" stays a (negative) size. */
bool parse_split_range(char *item, char **hi);

#endif
