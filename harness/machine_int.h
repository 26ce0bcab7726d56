/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * machine_int.h - what the probe (machine.c) and its views
 * (machine_view.c) share: the table of single-value system settings.
 */
#ifndef COWBENCH_MACHINE_INT_H
#define COWBENCH_MACHINE_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "machine.h"

enum sysval_kind { SV_STR, SV_INT, SV_LL };

struct sysval {
	const char *key;	/* JSON member */
	const char *label;	/* in the report */
	const char *path;
	enum sysval_kind kind;
	size_t off, len;
	long long unknown;
	const char *dflt;
};


extern const struct sysval machine_sysvals[];
extern const size_t machine_nsysvals;

/* The value of a numeric row, or false for a string row. */
bool machine_sysval_num(const struct machine *m, const struct sysval *sv, long long *v);
/* A row as text ("unknown" when unreadable). */
const char *machine_sysval_text(const struct machine *m, const struct sysval *sv,
				char *buf, size_t len);
/* "KVMKVMKVM" -> "KVM"; unknown signatures as they are. */

#endif
