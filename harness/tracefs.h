/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * tracefs.h - where tracefs is (mounting it as root when it is nowhere, and
 * unmounting what we mounted), and a tracepoint's id and the symbolic
 * values of one of its fields, as its format file describes them (e.g.
 * tlb:tlb_flush's "reason": 0 "flush on task switch", 1 "remote
 * shootdown", ...). Never hard-coded: kernels add and renumber reasons.
 */
#ifndef COWBENCH_TRACEFS_H
#define COWBENCH_TRACEFS_H

#include <stdbool.h>
#include <stddef.h>

#define TRACEFS_MOUNT "/sys/kernel/tracing"
#define TRACEFS_MAX_VALUES 16

struct tracefs_value {
	int value;
	char text[48];
};

struct tracefs_event {
	unsigned int id;
	char field[32];			/* the field __print_symbolic() names */
	struct tracefs_value v[TRACEFS_MAX_VALUES];
	int n;
};

/* The tracefs directory that has events/. With may_mount, as root, mounts
 * it at TRACEFS_MOUNT when it is nowhere and sets *mounted. Returns 0, or
 * -errno with why filled (the remedy included). */
int tracefs_open(bool may_mount, bool *mounted, const char **dir, char *why,
		 size_t len);
void tracefs_unmount(void);

/* Read events/SYSTEM/NAME/{id,format} under dir. 0 or -errno with why. */
int tracefs_read_event(const char *dir, const char *system, const char *name,
		       struct tracefs_event *ev, char *why, size_t len);
/* The symbolic field of a format file's "print fmt:" line (pure). */
int tracefs_parse_symbolic(const char *format, struct tracefs_event *ev);

#endif
