// SPDX-License-Identifier: GPL-2.0-only
/*
 * machine_view.c - views of the machine fingerprint: run.json's "machine",
 * `cowbench info`, and the three summary lines.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "machine_int.h"
#include "topo.h"

static void json_known(struct json_writer *w, const char *key, long long v,
		       long long unknown)
{
	if (v == unknown)
		json_null(w, key);
	else
		json_int(w, key, v);
}

static void cpu_to_json(const struct machine *m, struct json_writer *w)
{
	json_object_begin(w, "cpu");
	json_string(w, "vendor", m->cpu_vendor);
	json_string(w, "model_name", m->cpu_model);
	json_known(w, "family", m->cpu_family, -1);
	json_known(w, "model", m->cpu_model_nr, -1);
	json_known(w, "stepping", m->cpu_stepping, -1);
	json_string(w, "microcode", m->microcode[0] ? m->microcode : NULL);
	json_string(w, "arch", m->arch);
	json_bool(w, "hypervisor", m->hypervisor);
	json_string(w, "hypervisor_vendor",
		    m->hypervisor_vendor[0] ? m->hypervisor_vendor : NULL);
	json_object_end(w);
}

static void kernel_to_json(const struct machine *m, struct json_writer *w)
{
	json_object_begin(w, "kernel");
	json_string(w, "release", m->kernel_release);
	json_string(w, "version", m->kernel_version);
	json_string(w, "cmdline", m->kernel_cmdline);
	json_object_end(w);
	json_object_begin(w, "thp");
	json_string(w, "enabled", m->thp_enabled);
	json_string(w, "defrag", m->thp_defrag);
	json_string(w, "shmem_enabled", m->thp_shmem);
	json_object_end(w);
	json_object_begin(w, "vulnerabilities");
	for (unsigned int i = 0; i < m->nvulns; i++)
		json_string(w, m->vuln[i].name, m->vuln[i].state);
	json_object_end(w);
}

static void hygiene_to_json(const struct machine *m, struct json_writer *w)
{
	json_object_begin(w, "hygiene");
	for (size_t i = 0; i < machine_nsysvals; i++) {
		const struct sysval *sv = &machine_sysvals[i];
		long long v;

		if (machine_sysval_num(m, sv, &v))
			json_known(w, sv->key, v, sv->unknown);
		else
			json_string(w, sv->key, (const char *)m + sv->off);
	}
	json_string(w, "boost", m->boost);
	json_known(w, "rlimit_memlock_bytes", m->memlock_bytes, -1);
	json_bool(w, "rlimit_memlock_unlimited", m->memlock_bytes == -1);
	if (m->loadavg1 < 0)
		json_null(w, "loadavg1");
	else
		json_double(w, "loadavg1", m->loadavg1);
	json_object_end(w);
}

static void flush_to_json(const struct flush_mech *f, struct json_writer *w)
{
	json_object_begin(w, "tlb_flush");
	json_string(w, "mechanism", f->broadcast ? "broadcast" : "ipi");
	json_uint(w, "broadcast_min_cpus", FLUSH_BROADCAST_MIN_CPUS);
	json_bool(w, "invlpgb", f->invlpgb);
	json_bool(w, "kvm_pv_flush", f->kvm_pv_flush);
	json_bool(w, "pcid", f->pcid);
	json_bool(w, "invpcid", f->invpcid);
	if (f->pti < 0)
		json_null(w, "pti");
	else
		json_bool(w, "pti", f->pti);
	json_known(w, "single_page_flush_ceiling", f->ceiling, -1);
	json_string(w, "ceiling_source", f->ceiling_why);
	json_string(w, "summary", f->summary);
	json_object_end(w);
}

static void build_to_json(const struct machine *m, struct json_writer *w)
{
	json_object_begin(w, "build");
	json_string(w, "version", m->version);
	json_string(w, "git_rev", m->git_rev);
	json_string(w, "compiler", m->compiler);
	json_string(w, "cflags", m->cflags);
	json_string(w, "libpfm", m->libpfm_version);
	json_string(w, "hwloc", m->hwloc_version);
	json_string(w, "liburing", m->liburing_version);
	json_object_end(w);
}

void machine_to_json(const struct machine *m, const struct topo *t,
		     struct json_writer *w)
{
	char lines[3][80];

	json_object_begin(w, "machine");
	json_string(w, "hostname", m->hostname);
	cpu_to_json(m, w);
	json_uint(w, "memory_bytes", m->mem_bytes);
	kernel_to_json(m, w);
	hygiene_to_json(m, w);
	flush_to_json(&m->flush, w);
	json_string(w, "clocksource", m->clocksource);
	build_to_json(m, w);
	if (t)
		topo_to_json(t, w);
	json_array_begin(w, "warnings");
	for (unsigned int i = 0; i < m->warnings; i++)
		json_string(w, NULL, m->warning[i]);
	json_array_end(w);
	machine_summary(m, t, lines);
	json_array_begin(w, "summary");
	for (int i = 0; i < 3; i++)
		json_string(w, NULL, lines[i]);
	json_array_end(w);
	json_object_end(w);
}

static const char *plural(unsigned int n)
{
	return n == 1 ? "" : "s";
}

static const char *fmt_bytes(char *buf, size_t len, unsigned long long v)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	unsigned int u = 0;

	if (!v)
		return "unknown";
	while (v >= 1024 && v % 1024 == 0 && u < 4) {
		v /= 1024;
		u++;
	}
	snprintf(buf, len, "%llu %s", v, units[u]);
	return buf;
}

static void print_topology(const struct topo *t, FILE *f)
{
	struct topo_counts c;
	char a[32], b[32], d[32], why[128];

	topo_counts(t, &c);
	fprintf(f, "topology    %u PU%s (%u usable): %u package%s, %u NUMA node%s, "
		"%u L3%s, %u core%s, up to %u PU%s per core\n", c.pus, plural(c.pus),
		c.usable_pus, c.packages, plural(c.packages), c.numa_nodes,
		plural(c.numa_nodes), c.l3s, plural(c.l3s), c.cores,
		plural(c.cores), c.smt_per_core, plural(c.smt_per_core));
	fprintf(f, "caches      L1d %s, L2 %s, L3 %s\n", fmt_bytes(a, sizeof(a), c.l1d),
		fmt_bytes(b, sizeof(b), c.l2), fmt_bytes(d, sizeof(d), c.l3));
	fprintf(f, "binding     %s\n", topo_can_bind(t) ? "yes" :
		"no (synthetic or XML topology)");
	for (int p = 0; p < TOPO_NR_PLACEMENTS; p++)
		if (!topo_placement_differs(t, p, why, sizeof(why)))
			fprintf(f, "placement   %s\n", why);
}

static void print_hygiene(const struct machine *m, FILE *f)
{
	char num[32];

	fprintf(f, "hygiene\n");
	fprintf(f, "  %-30s enabled %s, defrag %s, shmem %s\n", "THP", m->thp_enabled,
		m->thp_defrag, m->thp_shmem);
	fprintf(f, "  %-30s %s\n", "boost", m->boost);
	for (size_t i = 0; i < machine_nsysvals; i++) {
		const char *text = machine_sysval_text(m, &machine_sysvals[i], num, sizeof(num));

		fprintf(f, "  %-30s %s\n", machine_sysvals[i].label, text[0] ? text : "none");
	}
	if (m->memlock_bytes == -1)
		fprintf(f, "  %-30s unlimited\n", "RLIMIT_MEMLOCK");
	else
		fprintf(f, "  %-30s %lld\n", "RLIMIT_MEMLOCK", m->memlock_bytes);
	fprintf(f, "  %-30s %.2f\n", "load average (1 min)", m->loadavg1);
}

void machine_print(const struct machine *m, const struct topo *t, FILE *f)
{
	fprintf(f, "cowbench    %s (git %s)\n", m->version, m->git_rev);
	fprintf(f, "build       %s, %s\n", m->compiler, m->cflags);
	fprintf(f, "libraries   libpfm4 %s, hwloc %s, liburing %s\n",
		m->libpfm_version, m->hwloc_version, m->liburing_version);
	fprintf(f, "host        %s\n", m->hostname);
	fprintf(f, "cpu         %s\n", m->cpu_model);
	fprintf(f, "            %s family %d model %d stepping %d, microcode %s\n",
		m->cpu_vendor, m->cpu_family, m->cpu_model_nr, m->cpu_stepping,
		m->microcode[0] ? m->microcode : "unknown");
	fprintf(f, "hypervisor  %s\n", m->hypervisor ? machine_hypervisor_name(m) : "none");
	fprintf(f, "memory      %.1f GiB\n", m->mem_bytes / 1073741824.0);
	fprintf(f, "kernel      %s %s %s\n", m->kernel_release, m->arch,
		m->kernel_version);
	fprintf(f, "cmdline     %s\n", m->kernel_cmdline);
	if (t)
		print_topology(t, f);
	print_hygiene(m, f);
	fprintf(f, "tlb flush   %s\n", m->flush.summary);
	fprintf(f, "            flush ceiling: %s\n", m->flush.ceiling >= 0 ? "known" :
		m->flush.ceiling_why);
	fprintf(f, "clocksource %s\n", m->clocksource);
	fprintf(f, "vulnerabilities\n");
	for (unsigned int i = 0; i < m->nvulns; i++)
		fprintf(f, "  %-30s %s\n", m->vuln[i].name, m->vuln[i].state);
	fprintf(f, m->warnings ? "warnings\n" : "warnings    none\n");
	for (unsigned int i = 0; i < m->warnings; i++)
		fprintf(f, "  - %s\n", m->warning[i]);
}

/* A summary line: at most 78 characters, cut at the end if longer. */
#define SUMMARY_WIDTH 78

__attribute__((format(printf, 2, 3)))
static void fit_line(char *line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, SUMMARY_WIDTH + 1, fmt, ap);
	va_end(ap);
}

static void summary_cpu(const struct machine *m, const struct topo *t, char *line)
{
	struct topo_counts c = { 0 };
	char id[64] = "", tail[160];
	int room;

	if (t)
		topo_counts(t, &c);
	if (m->cpu_family >= 0)
		snprintf(id, sizeof(id), " (family %d model %d stepping %d)",
			 m->cpu_family, m->cpu_model_nr, m->cpu_stepping);
	snprintf(tail, sizeof(tail), "%s, %u PU%s: %u package%s, %u NUMA node%s",
		 id, c.usable_pus, plural(c.usable_pus), c.packages,
		 plural(c.packages), c.numa_nodes, plural(c.numa_nodes));
	room = SUMMARY_WIDTH - (int)strlen(tail);
	fit_line(line, "%.*s%s", room > 0 ? room : 0,
		 m->cpu_model, tail);
}

static void summary_kernel(const struct machine *m, char *line)
{
	char where[48];

	if (m->hypervisor)
		snprintf(where, sizeof(where), "%s guest", machine_hypervisor_name(m));
	else
		snprintf(where, sizeof(where), "bare metal");
	fit_line(line, "Linux %s %s, %s, THP %s, governor %s",
		 m->kernel_release, m->arch, where, m->thp_enabled, m->governor);
}

/* "GNU 12.2.0" -> "gcc 12.2.0"; cflags without the -W warning options. */
static void summary_build(const struct machine *m, char *line)
{
	char flags[256] = "", copy[256], *save, *tok;
	const char *cc = m->compiler;
	size_t used = 0;

	snprintf(copy, sizeof(copy), "%s", m->cflags);
	for (tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		if (strncmp(tok, "-W", 2) && used + strlen(tok) + 2 < sizeof(flags))
			used += (size_t)snprintf(flags + used, sizeof(flags) - used,
						 " %s", tok);
	if (!strncmp(cc, "GNU ", 4))
		snprintf(copy, sizeof(copy), "gcc %s", cc + 4);
	else if (!strncmp(cc, "Clang ", 6))
		snprintf(copy, sizeof(copy), "clang %s", cc + 6);
	else
		snprintf(copy, sizeof(copy), "%s", cc);
	fit_line(line, "cowbench %s (git %s), %s%s",
		 m->version, m->git_rev, copy, flags);
}

void machine_summary(const struct machine *m, const struct topo *t,
		     char line[3][80])
{
	summary_cpu(m, t, line[0]);
	summary_kernel(m, line[1]);
	summary_build(m, line[2]);
}
