// SPDX-License-Identifier: GPL-2.0-only
/*
 * interrupts.c - a row of /proc/interrupts (interrupts.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "interrupts.h"

/* Walks the "CPU0 CPU1 CPU3" header (offline CPUs are absent) and the
 * row's columns together. */
static int split_row(const char *head, const char *row, uint64_t *counts,
		     unsigned int *ncpu)
{
	unsigned int cpu, n = 0, cap = *ncpu ? *ncpu : IRQ_MAX_CPUS;
	int used;
	char *end;

	while (sscanf(head, " CPU%u%n", &cpu, &used) == 1) {
		uint64_t v = strtoull(row, &end, 10);

		if (end == row)
			return -EIO;
		head += used;
		row = end;
		if (cpu >= cap || cpu >= IRQ_MAX_CPUS)
			continue;
		while (n <= cpu)
			counts[n++] = IRQ_UNKNOWN;
		counts[cpu] = v;
	}
	*ncpu = n;
	return n > 0 ? 0 : -EIO;
}

static const char *row_of(const char *line, const char *name)
{
	size_t k = strlen(name);

	line += strspn(line, " ");
	return !strncmp(line, name, k) && line[k] == ':' ? line + k + 1 : NULL;
}

int irq_parse_row(const char *text, const char *name, uint64_t *counts,
		  unsigned int *ncpu)
{
	const char *nl = strchr(text, '\n'), *p;
	char *head;
	int ret = -ENOENT;

	if (!nl)
		return -EIO;
	head = strndup(text, (size_t)(nl - text));
	if (!head)
		return -ENOMEM;
	for (p = nl + 1; *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : p + strlen(p)) {
		const char *row = row_of(p, name);

		if (row) {
			ret = split_row(head, row, counts, ncpu);
			break;
		}
	}
	free(head);
	return ret;
}

int irq_read_row(const char *name, uint64_t *counts, unsigned int *ncpu)
{
	FILE *f = fopen("/proc/interrupts", "re");
	char *head = NULL, *line = NULL;
	size_t hlen = 0, llen = 0;
	int ret = -ENOENT;

	if (!f)
		return -errno;
	if (getline(&head, &hlen, f) < 0)
		goto out_close;
	while (getline(&line, &llen, f) >= 0) {
		const char *row = row_of(line, name);

		if (row) {
			ret = split_row(head, row, counts, ncpu);
			break;
		}
	}
out_close:
	free(head);
	free(line);
	fclose(f);
	return ret;
}
