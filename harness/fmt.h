/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fmt.h - numbers for people: 3-4 significant figures in a scaled unit,
 * one format per kind of value, ASCII only (so that columns line up in any
 * mail reader). Every function writes into buf and returns it; a value
 * that does not exist prints as "-". fmt_quote() makes what a user typed
 * safe to echo in a one-line message.
 */
#ifndef COWBENCH_FMT_H
#define COWBENCH_FMT_H

#include <stddef.h>
#include <stdio.h>

#define FMT_LEN 32

const char *fmt_time(double ns, char *buf);	/* "812 ns", "12.3 us", "4.56 ms" */
const char *fmt_rate(double gib_s, char *buf);	/* "4.56 GiB/s", "812 MiB/s" */
const char *fmt_count(double v, char *buf);	/* "0.25", "12.3", "1234", "12.3k" */
const char *fmt_ratio(double v, char *buf);	/* "1.23x", "0.456x", "1/123" */
const char *fmt_pct(double fraction, char *buf); /* "1.2%", "12%", "100%" */
const char *fmt_size(double bytes, char *buf);	/* "4K", "64M", "1.5M", "12345" */

/* "+4.1%/-2.0%" (an asymmetric interval around v), or "+-2.0%". */
const char *fmt_interval_pct(double v, double lo, double hi, char *buf);

/* Word-wrap text to width after `first`; continuation lines indented. No
 * word is ever split: one longer than a line sits on a line of its own. */
void fmt_wrap(FILE *f, const char *first, const char *text, int indent, int width);

/* The room a quoted value gets in a message (a longer one is cut). */
#define FMT_QUOTE_LEN 128

/*
 * s escaped for use inside "..." in a one-line message: \\ and \" for
 * backslash and quote, \n \t \r, \xNN for every other control byte, for
 * each byte that is not part of valid UTF-8, and for the bytes of the
 * characters that break or reorder a line (C1 controls, U+2028, U+2029,
 * bidi overrides). Valid UTF-8 otherwise passes. Cut at a whole escape
 * with "..." when it does not fit in len. NULL is "". Returns buf.
 */
const char *fmt_quote(const char *s, char *buf, size_t len);

#endif
