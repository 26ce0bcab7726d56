/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * machine.h - the machine fingerprint and benchmarking-hygiene warnings.
 * Only reads the system; never changes it.
 */
#ifndef COWBENCH_MACHINE_H
#define COWBENCH_MACHINE_H

#include <stdbool.h>
#include <stdio.h>

#include "flushmech.h"

struct json_writer;
struct topo;
struct pmu_set;

#define MACHINE_MAX_WARNINGS 24
#define MACHINE_MAX_VULNS 40

/* One file of /sys/devices/system/cpu/vulnerabilities. */
struct machine_vuln {
	char name[48];
	char state[208];
};

struct machine {
	char hostname[64];
	char cpu_vendor[32];
	char cpu_model[128];
	int cpu_family, cpu_model_nr, cpu_stepping;
	char microcode[32];
	bool hypervisor;		/* cpuinfo "hypervisor" flag */
	char hypervisor_vendor[32];	/* from CPUID leaf 0x40000000, or "" */
	unsigned long long mem_bytes;
	char kernel_release[128];
	char arch[32];			/* uname machine */
	char kernel_version[256];
	char kernel_cmdline[1024];
	char thp_enabled[64], thp_defrag[64], thp_shmem[64];	/* shmem_enabled:
					   THP of memfd and tmpfs pages */
	char governor[32];		/* of cpu0, "unknown" when absent */
	char boost[16];			/* "on", "off", "unknown" */
	char smt_active[8];
	int perf_event_paranoid;	/* INT_MIN when unreadable */
	int numa_balancing;		/* -1 unknown */
	int randomize_va_space;
	char ksm_run[8];
	char isolated_cpus[128];
	char compiler[128];
	char cflags[256];
	char libpfm_version[32], hwloc_version[32], liburing_version[32];
	char version[32];		/* cowbench */
	char git_rev[48];
	double loadavg1;
	/* more hygiene, recorded in run.json "hygiene" */
	char nohz_full[128];
	long long optmem_max;		/* net.core.optmem_max, -1 unreadable */
	int io_uring_disabled;		/* kernel.io_uring_disabled, -1 unreadable */
	long long pipe_max_size;	/* fs.pipe-max-size, -1 unreadable */
	long long memlock_bytes;	/* RLIMIT_MEMLOCK soft limit, -1 unlimited */
	int nmi_watchdog;		/* kernel.nmi_watchdog, -1 unreadable */
	unsigned int nvulns;		/* sorted by name */
	struct machine_vuln vuln[MACHINE_MAX_VULNS];
	struct flush_mech flush;	/* how remote TLBs are flushed here */
	char clocksource[32];		/* the kernel's current clocksource */
	unsigned long long llc_bytes;	/* one last-level cache (L3, else L2),
					   0 unknown: the model's cache knee */
	unsigned int warnings;
	char warning[MACHINE_MAX_WARNINGS][160];
};

/* Gather everything; never fails (what cannot be read says so). pmu may be
 * NULL (then "no PMU" is not judged). */
void machine_probe(struct machine *m, const struct topo *t,
		   const struct pmu_set *pmu);

/* The "machine" object of run.json, including the topology. */
void machine_to_json(const struct machine *m, const struct topo *t,
		     struct json_writer *w);

/* "KVM", "Xen", ... from the CPUID vendor, or "a hypervisor". */
const char *machine_hypervisor_name(const struct machine *m);

/* Human-readable, for `cowbench info`. */
void machine_print(const struct machine *m, const struct topo *t, FILE *f);

/* The machine in three lines of at most 78 characters, for summary.txt. */
void machine_summary(const struct machine *m, const struct topo *t,
		     char line[3][80]);

#endif
