// SPDX-License-Identifier: GPL-2.0-only
/*
 * flushmech.c - how this machine flushes remote TLBs (flushmech.h). Only
 * reads, except that as root it mounts debugfs for one read when nothing
 * has, and unmounts it at once.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include "flushmech.h"

#define DEBUGFS "/sys/kernel/debug"
#define CEILING "/x86/tlb_single_page_flush_ceiling"
#define KVM_FEATURE_PV_TLB_FLUSH 9

static FILE *open_at(const char *root, const char *path)
{
	char p[512];

	snprintf(p, sizeof(p), "%s%s", root, path);
	return fopen(p, "re");
}

static bool read_line_at(const char *root, const char *path, char *buf, size_t len)
{
	FILE *f = open_at(root, path);
	bool ok = f && fgets(buf, (int)len, f);

	if (f)
		fclose(f);
	if (ok)
		buf[strcspn(buf, "\n")] = 0;
	return ok;
}

static bool has_flag(const char *flags, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = flags; (p = strstr(p, word)); p += n)
		if ((p == flags || p[-1] == ' ' || p[-1] == '\t') &&
		    (p[n] == ' ' || p[n] == '\n' || !p[n]))
			return true;
	return false;
}

static void read_flags(struct flush_mech *f, const char *root)
{
	FILE *in = open_at(root, "/proc/cpuinfo");
	char *line = NULL;
	size_t cap = 0;

	while (in && getline(&line, &cap, in) > 0) {
		if (strncmp(line, "flags", 5))
			continue;
		f->invlpgb = has_flag(line, "invlpgb");
		f->pcid = has_flag(line, "pcid");
		f->invpcid = has_flag(line, "invpcid");
		break;
	}
	free(line);
	if (in)
		fclose(in);
}

static bool kvm_pv_flush(void)
{
#if defined(__x86_64__) || defined(__i386__)
	unsigned int a, b, c, d;

	__cpuid(0x40000000, a, b, c, d);
	if (a < 0x40000001)
		return false;
	__cpuid(0x40000001, a, b, c, d);
	return a & (1u << KVM_FEATURE_PV_TLB_FLUSH);
#else
	return false;
#endif
}

static int read_ceiling(const char *root, char *why, size_t len)
{
	char line[32];
	struct stat st;
	bool mounted = false;
	int v = -1;

	if (read_line_at(root, DEBUGFS CEILING, line, sizeof(line))) {
		snprintf(why, len, "from debugfs");
		return atoi(line);
	}
	if (*root)
		snprintf(why, len, "not in the given root");
	else if (geteuid() != 0)
		snprintf(why, len, "needs root (debugfs)");
	else if (stat(DEBUGFS "/x86", &st) == 0)
		snprintf(why, len, "unreadable in debugfs: %s", strerror(errno));
	else if (mount("debugfs", DEBUGFS, "debugfs", 0, NULL))
		snprintf(why, len, "debugfs not mounted and mounting it failed: %s",
			 strerror(errno));
	else
		mounted = true;
	if (mounted) {
		errno = 0;
		if (read_line_at("", DEBUGFS CEILING, line, sizeof(line))) {
			v = atoi(line);
			snprintf(why, len, "from debugfs (mounted for the read, then "
				 "unmounted)");
		} else if (errno == EPERM) {
			snprintf(why, len, "debugfs refuses the read (EPERM: kernel "
				 "lockdown?)");
		} else {
			snprintf(why, len, "not in debugfs: %s", strerror(errno));
		}
		/* tracefs automounts inside debugfs: detach rather than fail */
		if (umount(DEBUGFS))
			umount2(DEBUGFS, MNT_DETACH);
	}
	return v;
}

void flush_probe(struct flush_mech *f, const char *root, bool kvm)
{
	char line[256];

	memset(f, 0, sizeof(*f));
	f->pti = f->kernel_major = f->kernel_minor = f->ceiling = -1;
	read_flags(f, root);
	if (read_line_at(root, "/proc/sys/kernel/osrelease", line, sizeof(line)) &&
	    sscanf(line, "%d.%d", &f->kernel_major, &f->kernel_minor) != 2)
		f->kernel_major = f->kernel_minor = -1;
	if (read_line_at(root, "/sys/devices/system/cpu/vulnerabilities/meltdown",
			 line, sizeof(line)))
		f->pti = strstr(line, "PTI") ? 1 : 0;
	f->kvm_pv_flush = !*root && kvm && kvm_pv_flush();
	f->ceiling = read_ceiling(root, f->ceiling_why, sizeof(f->ceiling_why));
	flush_judge(f);
}

void flush_judge(struct flush_mech *f)
{
	bool new_kernel = f->kernel_major > 6 ||
			  (f->kernel_major == 6 && f->kernel_minor >= 15);
	size_t n;

	f->broadcast = f->invlpgb && new_kernel;
	if (f->broadcast)
		n = (size_t)snprintf(f->summary, sizeof(f->summary), "broadcast (INVLPGB) "
				     "for processes on >= %d CPUs, IPIs below",
				     FLUSH_BROADCAST_MIN_CPUS);
	else
		n = (size_t)snprintf(f->summary, sizeof(f->summary), "IPIs%s",
				     f->invlpgb ? " (INVLPGB present, kernel < 6.15 "
				     "does not use it)" : "");
	if (f->kvm_pv_flush && n < sizeof(f->summary))
		n += (size_t)snprintf(f->summary + n, sizeof(f->summary) - n, "; KVM "
				      "paravirtual flush (preempted vCPUs flushed at "
				      "entry, no IPI)");
	if (n < sizeof(f->summary))
		n += (size_t)snprintf(f->summary + n, sizeof(f->summary) - n, "; PCID %s, "
				      "PTI %s", f->pcid ? (f->invpcid ? "+INVPCID" : "yes") :
				      "no", f->pti < 0 ? "unknown" : f->pti ? "on" : "off");
	if (n < sizeof(f->summary) && f->ceiling >= 0)
		snprintf(f->summary + n, sizeof(f->summary) - n, "; full flush above %d "
			 "pages", f->ceiling);
}

bool flush_broadcast_at(const struct flush_mech *f, unsigned int cpus)
{
	return f->broadcast && cpus >= FLUSH_BROADCAST_MIN_CPUS;
}
