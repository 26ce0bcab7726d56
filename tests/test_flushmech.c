// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_flushmech.c - how remote TLB flushes work here, judged from
 * synthetic /proc and /sys trees (a root directory the probe reads under):
 * an AMD CPU with INVLPGB on Linux 6.15 and on 6.14, an Intel CPU with
 * PTI, a KVM guest offered PV flush (the CPUID bit, which no file holds,
 * set as an input), unreadable inputs; and the clock's choice of the TSC
 * from a synthetic current_clocksource.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "clock.h"
#include "flushmech.h"

static char base[256];

static void put(const char *root, const char *path, const char *text)
{
	char p[512], dir[512];
	FILE *f;

	snprintf(p, sizeof(p), "%s%s", root, path);
	for (char *s = p + strlen(root) + 1; (s = strchr(s, '/')); s++) {
		snprintf(dir, sizeof(dir), "%.*s", (int)(s - p), p);
		mkdir(dir, 0755);
	}
	f = fopen(p, "w");
	CHECK(f != NULL);
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static const char *tree(const char *name, const char *flags, const char *release,
			const char *meltdown, const char *ceiling)
{
	static char root[512];
	char cpuinfo[1024];

	snprintf(root, sizeof(root), "%s/%s", base, name);
	mkdir(root, 0755);
	snprintf(cpuinfo, sizeof(cpuinfo), "processor\t: 0\nvendor_id\t: X\n"
		 "flags\t\t: %s\n\nprocessor\t: 1\nflags\t\t: %s\n", flags, flags);
	put(root, "/proc/cpuinfo", cpuinfo);
	put(root, "/proc/sys/kernel/osrelease", release);
	if (meltdown)
		put(root, "/sys/devices/system/cpu/vulnerabilities/meltdown", meltdown);
	if (ceiling)
		put(root, "/sys/kernel/debug/x86/tlb_single_page_flush_ceiling", ceiling);
	return root;
}

static void test_amd_invlpgb(void)
{
	struct flush_mech f;

	flush_probe(&f, tree("zen5-615", "fpu pcid invlpgb invpcid", "6.15.2-1\n",
			     "Not affected\n", "33\n"), false);
	CHECK(f.invlpgb && f.pcid && f.invpcid);
	CHECK(f.kernel_major == 6 && f.kernel_minor == 15);
	CHECK(f.broadcast);
	CHECK(f.pti == 0 && f.ceiling == 33 && !f.kvm_pv_flush);
	CHECK(!flush_broadcast_at(&f, 2) && !flush_broadcast_at(&f, 3));
	CHECK(flush_broadcast_at(&f, 4) && flush_broadcast_at(&f, 64));
	CHECK(strstr(f.summary, "broadcast") && strstr(f.summary, "33 pages"));
	printf("zen5 6.15: %s\n", f.summary);

	/* the same CPU on a kernel that does not use INVLPGB yet */
	flush_probe(&f, tree("zen5-614", "fpu pcid invlpgb", "6.14.9\n", NULL, NULL), false);
	CHECK(f.invlpgb && !f.broadcast && !flush_broadcast_at(&f, 64));
	CHECK(f.pti == -1 && f.ceiling == -1);
	CHECK(strstr(f.summary, "IPIs") && strstr(f.summary, "does not use it"));
	/* and a later major version */
	flush_probe(&f, tree("zen5-7", "invlpgb", "7.0.0\n", NULL, NULL), false);
	CHECK(f.broadcast);
	/* a flag that only starts with the word does not count */
	flush_probe(&f, tree("fake-flag", "invlpgbx pcidx", "6.18\n", NULL, NULL), false);
	CHECK(!f.invlpgb && !f.pcid && !f.broadcast);
}

static void test_intel_pti(void)
{
	struct flush_mech f;

	flush_probe(&f, tree("skx", "fpu pcid", "6.1.0-18-amd64\n", "Mitigation: PTI\n",
			     "33\n"), false);
	CHECK(!f.broadcast && f.pcid && !f.invpcid && f.pti == 1);
	CHECK(strstr(f.summary, "PTI on") && strstr(f.summary, "PCID yes"));
}

static void test_kvm_pv(void)
{
	struct flush_mech f;

	/* the probe reads CPUID only on the real machine: set the input */
	flush_probe(&f, tree("kvm", "fpu hypervisor pcid invpcid", "6.18.44\n",
			     "Not affected\n", NULL), true);
	CHECK(!f.kvm_pv_flush);
	f.kvm_pv_flush = true;
	flush_judge(&f);
	CHECK(!f.broadcast);
	CHECK(strstr(f.summary, "KVM paravirtual flush") != NULL);
	printf("kvm guest: %s\n", f.summary);
}

static void test_missing(void)
{
	struct flush_mech f;
	char empty[512];

	snprintf(empty, sizeof(empty), "%s/empty", base);
	mkdir(empty, 0755);
	flush_probe(&f, empty, false);
	CHECK(!f.invlpgb && !f.broadcast && f.kernel_major == -1 && f.pti == -1);
	CHECK(f.ceiling == -1 && f.ceiling_why[0]);
}

static void test_clocksource(void)
{
	char why[160];

	CHECK(clock_trust_tsc(true, "tsc\n", why, sizeof(why)));
	CHECK(!clock_trust_tsc(true, "hpet\n", why, sizeof(why)));
	CHECK(strstr(why, "hpet") != NULL);
	printf("clocksource hpet: %s\n", why);
	CHECK(!clock_trust_tsc(true, "kvm-clock\n", why, sizeof(why)));
	CHECK(!clock_trust_tsc(false, "tsc\n", why, sizeof(why)));
	CHECK(strstr(why, "invariant") != NULL);
	CHECK(!clock_trust_tsc(true, NULL, why, sizeof(why)));
	CHECK(!clock_trust_tsc(true, "tsc-early\n", why, sizeof(why)));
}

int main(void)
{
	char cmd[300];

	snprintf(base, sizeof(base), "/tmp/cowbench-test-flush-%d", (int)getpid());
	if (mkdir(base, 0755)) {
		perror(base);
		return 1;
	}
	test_amd_invlpgb();
	test_intel_pti();
	test_kvm_pv();
	test_missing();
	test_clocksource();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	if (system(cmd))
		fprintf(stderr, "could not remove %s\n", base);
	return check_done("test_flushmech");
}
