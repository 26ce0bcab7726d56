// SPDX-License-Identifier: GPL-2.0-only
/*
 * machine.c - the machine fingerprint and the benchmarking-hygiene warnings.
 *
 * machine_probe() reads /proc, /sys and CPUID once and never changes the
 * system; everything after it (JSON, the report, the summary lines) is a
 * view of struct machine plus the topology (machine_view.c). What cannot
 * be read is recorded as "unknown" / -1 / INT_MIN, never guessed.
 */
#include "machine.h"
#include "machine_int.h"
#include "config.h"
#include "json.h"
#include "pmu.h"
#include "topo.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

extern const char cowbench_git_rev[];

#define SYS_CPU "/sys/devices/system/cpu/"
#define SYS_THP "/sys/kernel/mm/transparent_hugepage/"

#if defined(__x86_64__) || defined(__i386__)
/* The hypervisor's signature, 12 bytes in EBX, ECX, EDX of CPUID leaf
 * 0x40000000 (only meaningful when the "hypervisor" flag is set). */
static void read_hypervisor_vendor(char *buf, size_t len)
{
	unsigned int eax, regs[3];
	char sig[13];

	__cpuid(0x40000000, eax, regs[0], regs[1], regs[2]);
	memcpy(sig, regs, 12);
	sig[12] = '\0';
	for (int i = 0; i < 12 && sig[i]; i++)
		if (!isprint((unsigned char)sig[i]))
			sig[i] = '?';
	snprintf(buf, len, "%s", sig);
}
#else
static void read_hypervisor_vendor(char *buf, size_t len)
{
	snprintf(buf, len, "%s", "");
}
#endif

/* Copy with truncation (always terminated). */
static void copy_str(char *dst, size_t len, const char *src)
{
	size_t n = strnlen(src, len - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

static void strip(char *s)
{
	size_t n = strlen(s);

	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
}

/* The file's first line (whitespace stripped) into buf; 0 or -errno. */
static int read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	int ret = 0;

	buf[0] = '\0';
	if (!f)
		return -errno;
	if (!fgets(buf, (int)len, f))
		ret = ferror(f) ? -EIO : 0;
	fclose(f);
	strip(buf);
	return ret;
}

static void read_str(const char *path, char *buf, size_t len, const char *dflt)
{
	if (read_line(path, buf, len))
		snprintf(buf, len, "%s", dflt);
}

static long long read_ll(const char *path, long long dflt)
{
	char buf[64], *end;
	long long v;

	if (read_line(path, buf, sizeof(buf)) || !buf[0])
		return dflt;
	errno = 0;
	v = strtoll(buf, &end, 10);
	return errno || end == buf ? dflt : v;
}

static int read_int(const char *path, int dflt)
{
	long long v = read_ll(path, dflt);

	return v < INT_MIN || v > INT_MAX ? dflt : (int)v;
}

/* "always [madvise] never" -> "madvise". */
static void read_choice(const char *path, char *buf, size_t len)
{
	char line[256], *open, *close;

	if (read_line(path, line, sizeof(line)) ||
	    !(open = strchr(line, '[')) || !(close = strchr(open, ']'))) {
		snprintf(buf, len, "unknown");
		return;
	}
	*close = '\0';
	snprintf(buf, len, "%s", open + 1);
}

static bool has_word(const char *list, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = list; (p = strstr(p, word)); p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || !p[n]))
			return true;
	return false;
}

static void cpuinfo_field(struct machine *m, const char *key, const char *val)
{
	if (!strcmp(key, "vendor_id"))
		snprintf(m->cpu_vendor, sizeof(m->cpu_vendor), "%s", val);
	else if (!strcmp(key, "model name"))
		snprintf(m->cpu_model, sizeof(m->cpu_model), "%s", val);
	else if (!strcmp(key, "cpu family"))
		m->cpu_family = atoi(val);
	else if (!strcmp(key, "model"))
		m->cpu_model_nr = atoi(val);
	else if (!strcmp(key, "stepping"))
		m->cpu_stepping = atoi(val);
	else if (!strcmp(key, "microcode"))
		snprintf(m->microcode, sizeof(m->microcode), "%s", val);
	else if (!strcmp(key, "flags"))
		m->hypervisor = has_word(val, "hypervisor");
}

/* The first processor's block of /proc/cpuinfo. */
static void read_cpuinfo(struct machine *m)
{
	FILE *f = fopen("/proc/cpuinfo", "re");
	char *line = NULL, *colon;
	size_t cap = 0;
	bool seen = false;

	m->cpu_family = m->cpu_model_nr = m->cpu_stepping = -1;
	while (f && getline(&line, &cap, f) > 0) {
		strip(line);
		if (!line[0] && seen)
			break;
		if (!(colon = strchr(line, ':')))
			continue;
		*colon = '\0';
		strip(line);
		seen = true;
		cpuinfo_field(m, line, colon[1] == ' ' ? colon + 2 : colon + 1);
	}
	free(line);
	if (f)
		fclose(f);
	if (!m->cpu_model[0])
		snprintf(m->cpu_model, sizeof(m->cpu_model), "%s", m->arch);
	if (!m->cpu_vendor[0])
		snprintf(m->cpu_vendor, sizeof(m->cpu_vendor), "unknown");
	if (m->hypervisor)
		read_hypervisor_vendor(m->hypervisor_vendor,
				       sizeof(m->hypervisor_vendor));
}

static unsigned long long read_memtotal(void)
{
	FILE *f = fopen("/proc/meminfo", "re");
	unsigned long long kib = 0;
	char line[256];

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "MemTotal: %llu kB", &kib) == 1)
			break;
	if (f)
		fclose(f);
	return kib * 1024;
}

static void read_kernel(struct machine *m)
{
	struct utsname u;

	if (uname(&u) == 0) {
		snprintf(m->kernel_release, sizeof(m->kernel_release), "%s", u.release);
		snprintf(m->kernel_version, sizeof(m->kernel_version), "%s", u.version);
		copy_str(m->arch, sizeof(m->arch), u.machine);
	}
	read_str("/proc/cmdline", m->kernel_cmdline, sizeof(m->kernel_cmdline), "");
	if (gethostname(m->hostname, sizeof(m->hostname)))
		snprintf(m->hostname, sizeof(m->hostname), "unknown");
	m->hostname[sizeof(m->hostname) - 1] = '\0';
}

static void read_boost(char *buf, size_t len)
{
	long long v = read_ll(SYS_CPU "cpufreq/boost", -1);

	if (v < 0) {
		v = read_ll(SYS_CPU "intel_pstate/no_turbo", -1);
		v = v < 0 ? -1 : !v;
	}
	snprintf(buf, len, "%s", v < 0 ? "unknown" : v ? "on" : "off");
}

static int vuln_cmp(const void *a, const void *b)
{
	return strcmp(((const struct machine_vuln *)a)->name,
		      ((const struct machine_vuln *)b)->name);
}

static void read_vulns(struct machine *m)
{
	DIR *d = opendir(SYS_CPU "vulnerabilities");
	struct dirent *e;
	char path[512];

	while (d && (e = readdir(d)) && m->nvulns < MACHINE_MAX_VULNS) {
		struct machine_vuln *v = &m->vuln[m->nvulns];

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), SYS_CPU "vulnerabilities/%s", e->d_name);
		copy_str(v->name, sizeof(v->name), e->d_name);
		if (read_line(path, v->state, sizeof(v->state)) == 0)
			m->nvulns++;
	}
	if (d)
		closedir(d);
	qsort(m->vuln, m->nvulns, sizeof(m->vuln[0]), vuln_cmp);
}

/*
 * Plain one-value files: one row each, read, written to run.json "hygiene"
 * and shown by machine_print() from this table. An int or long long field
 * holds `unknown` when unreadable; a string field holds `dflt`.
 */
#define SV_STR(f, d) SV_STR, offsetof(struct machine, f), \
	sizeof(((struct machine *)0)->f), 0, d
#define SV_NUM(k, f, u) k, offsetof(struct machine, f), 0, u, NULL

const struct sysval machine_sysvals[] = {
	{ "governor", "governor (cpu0)", SYS_CPU "cpu0/cpufreq/scaling_governor",
	  SV_STR(governor, "unknown") },
	{ "smt_active", "smt/active", SYS_CPU "smt/active",
	  SV_STR(smt_active, "unknown") },
	{ "perf_event_paranoid", "kernel.perf_event_paranoid",
	  "/proc/sys/kernel/perf_event_paranoid",
	  SV_NUM(SV_INT, perf_event_paranoid, INT_MIN) },
	{ "numa_balancing", "kernel.numa_balancing",
	  "/proc/sys/kernel/numa_balancing", SV_NUM(SV_INT, numa_balancing, -1) },
	{ "randomize_va_space", "kernel.randomize_va_space",
	  "/proc/sys/kernel/randomize_va_space",
	  SV_NUM(SV_INT, randomize_va_space, -1) },
	{ "nmi_watchdog", "kernel.nmi_watchdog", "/proc/sys/kernel/nmi_watchdog",
	  SV_NUM(SV_INT, nmi_watchdog, -1) },
	{ "kernel_io_uring_disabled", "kernel.io_uring_disabled",
	  "/proc/sys/kernel/io_uring_disabled",
	  SV_NUM(SV_INT, io_uring_disabled, -1) },
	{ "net_core_optmem_max", "net.core.optmem_max",
	  "/proc/sys/net/core/optmem_max", SV_NUM(SV_LL, optmem_max, -1) },
	{ "fs_pipe_max_size", "fs.pipe-max-size", "/proc/sys/fs/pipe-max-size",
	  SV_NUM(SV_LL, pipe_max_size, -1) },
	{ "ksm_run", "ksm/run", "/sys/kernel/mm/ksm/run",
	  SV_STR(ksm_run, "unknown") },
	{ "isolated_cpus", "isolated CPUs", SYS_CPU "isolated",
	  SV_STR(isolated_cpus, "") },
	{ "nohz_full", "nohz_full CPUs", SYS_CPU "nohz_full",
	  SV_STR(nohz_full, "") },
};

const size_t machine_nsysvals = sizeof(machine_sysvals) / sizeof(machine_sysvals[0]);

static void sysval_read(struct machine *m, const struct sysval *sv)
{
	void *field = (char *)m + sv->off;

	if (sv->kind == SV_STR)
		read_str(sv->path, field, sv->len, sv->dflt);
	else if (sv->kind == SV_INT)
		*(int *)field = read_int(sv->path, (int)sv->unknown);
	else
		*(long long *)field = read_ll(sv->path, sv->unknown);
}

/* The value of a numeric row, or false for a string row. */
bool machine_sysval_num(const struct machine *m, const struct sysval *sv,
		       long long *v)
{
	const void *field = (const char *)m + sv->off;

	if (sv->kind == SV_STR)
		return false;
	*v = sv->kind == SV_INT ? *(const int *)field : *(const long long *)field;
	return true;
}

const char *machine_sysval_text(const struct machine *m,
			       const struct sysval *sv, char *buf, size_t len)
{
	long long v;

	if (!machine_sysval_num(m, sv, &v))
		return (const char *)m + sv->off;
	if (v == sv->unknown)
		return "unknown";
	snprintf(buf, len, "%lld", v);
	return buf;
}

/* "KVMKVMKVM" -> "KVM"; unknown signatures as they are. */
const char *machine_hypervisor_name(const struct machine *m)
{
	static const char *const names[][2] = {
		{ "KVMKVMKVM", "KVM" }, { "Microsoft Hv", "Hyper-V" },
		{ "VMwareVMware", "VMware" }, { "XenVMMXenVMM", "Xen" },
		{ "TCGTCGTCGTCG", "QEMU TCG" }, { "ACRNACRNACRN", "ACRN" },
		{ "bhyve bhyve ", "bhyve" }, { " lrpepyh  vr", "Parallels" },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(m->hypervisor_vendor, names[i][0]))
			return names[i][1];
	return m->hypervisor_vendor[0] ? m->hypervisor_vendor : "unknown hypervisor";
}

static void read_hygiene(struct machine *m)
{
	struct rlimit rl;

	for (size_t i = 0; i < machine_nsysvals; i++)
		sysval_read(m, &machine_sysvals[i]);
	read_choice(SYS_THP "enabled", m->thp_enabled, sizeof(m->thp_enabled));
	read_choice(SYS_THP "defrag", m->thp_defrag, sizeof(m->thp_defrag));
	read_choice(SYS_THP "shmem_enabled", m->thp_shmem, sizeof(m->thp_shmem));
	read_boost(m->boost, sizeof(m->boost));
	m->memlock_bytes = -1;
	if (getrlimit(RLIMIT_MEMLOCK, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		m->memlock_bytes = (long long)rl.rlim_cur;
}

static void read_loadavg(struct machine *m)
{
	FILE *f = fopen("/proc/loadavg", "re");

	m->loadavg1 = -1;
	if (f) {
		if (fscanf(f, "%lf", &m->loadavg1) != 1)
			m->loadavg1 = -1;
		fclose(f);
	}
}

static void read_build(struct machine *m)
{
	const char *cflags = COWBENCH_CFLAGS;

	while (*cflags == ' ')
		cflags++;
	snprintf(m->version, sizeof(m->version), "%s", COWBENCH_VERSION);
	snprintf(m->git_rev, sizeof(m->git_rev), "%s", cowbench_git_rev);
	snprintf(m->compiler, sizeof(m->compiler), "%s", COWBENCH_COMPILER);
	snprintf(m->cflags, sizeof(m->cflags), "%s", cflags);
	snprintf(m->libpfm_version, sizeof(m->libpfm_version), "%s",
		 COWBENCH_LIBPFM_VERSION);
	snprintf(m->hwloc_version, sizeof(m->hwloc_version), "%s",
		 COWBENCH_HWLOC_VERSION);
	snprintf(m->liburing_version, sizeof(m->liburing_version), "%s",
		 COWBENCH_LIBURING_VERSION);
	strip(m->cflags);
}

__attribute__((format(printf, 2, 3)))
static void warn(struct machine *m, const char *fmt, ...)
{
	va_list ap;

	if (m->warnings >= MACHINE_MAX_WARNINGS)
		return;
	va_start(ap, fmt);
	vsnprintf(m->warning[m->warnings++], sizeof(m->warning[0]), fmt, ap);
	va_end(ap);
}


static void judge(struct machine *m, const struct topo *t,
		  const struct pmu_set *pmu)
{
	struct topo_counts c = { .pus = 1, .numa_nodes = 1 };
	long online = sysconf(_SC_NPROCESSORS_ONLN);

	if (t)
		topo_counts(t, &c);
	m->llc_bytes = c.l3 ? c.l3 : c.l2;
	if (!t && online > 0)
		c.pus = (unsigned int)online;
	if (m->hypervisor)
		warn(m, "running in a VM (%s): timings include virtualisation, the "
		     "topology may be fictitious, counters are usually absent; "
		     "prefer bare metal", machine_hypervisor_name(m));
	if (pmu && !pmu->any_hardware)
		warn(m, "no hardware PMU: cycles, TLB and cache counters are "
		     "unavailable; run on bare metal or in a VM with a virtual PMU");
	if (strcmp(m->governor, "unknown") && strcmp(m->governor, "performance"))
		warn(m, "CPU governor is '%s': frequency changes under load; "
		     "use 'cpupower frequency-set -g performance'", m->governor);
	if (!strcmp(m->boost, "on"))
		warn(m, "turbo/boost is on: clock speed depends on temperature "
		     "and load; disable it (cpufreq/boost=0 or no_turbo=1)");
	if (m->loadavg1 > 0.1 * c.pus + 0.5)
		warn(m, "machine busy: load average %.2f on %u CPUs; stop other "
		     "work, results will be noisy", m->loadavg1, c.pus);
	if (!strcmp(m->smt_active, "1"))
		warn(m, "SMT is active: large cells put siblings on one core; "
		     "compare placements, or turn SMT off for clean numbers");
	if (!strcmp(m->thp_enabled, "always"))
		warn(m, "THP is 'always': may hide 4 KiB faults (the benchmarks "
		     "use MADV_NOHUGEPAGE); set it to 'madvise'");
	if (m->nmi_watchdog > 0 && pmu && pmu->any_hardware)
		warn(m, "the NMI watchdog holds a hardware counter: fewer counters, "
		     "more multiplexing; sysctl kernel.nmi_watchdog=0");
	if (m->numa_balancing > 0 && c.numa_nodes > 1)
		warn(m, "NUMA balancing is on: pages may migrate during a run; "
		     "sysctl kernel.numa_balancing=0");
}

void machine_probe(struct machine *m, const struct topo *t,
		   const struct pmu_set *pmu)
{
	memset(m, 0, sizeof(*m));
	read_kernel(m);
	read_cpuinfo(m);
	m->mem_bytes = read_memtotal();
	read_hygiene(m);
	read_loadavg(m);
	read_vulns(m);
	read_build(m);
	flush_probe(&m->flush, "", !strcmp(m->hypervisor_vendor, "KVMKVMKVM"));
	read_str("/sys/devices/system/clocksource/clocksource0/current_clocksource",
		 m->clocksource, sizeof(m->clocksource), "unknown");
	judge(m, t, pmu);
}
