/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fmt.h - numbers for people: 3-4 significant figures in a scaled unit,
 * one format per kind of value, ASCII only (so that columns line up in any
 * mail reader). Every function writes into buf and returns it; a value
 * that does not exist prints as "-".
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

#endif
