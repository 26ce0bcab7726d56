// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_pmu.c - pmu.c on whatever this machine has. Invariants, never
 * timings: every event is available or says why; keys follow the naming
 * rule; page faults >= pages touched; a missing PMU leaves cycles
 * unavailable with a reason and its value untouched; mprotect on a page
 * another CPU is reading causes remote TLB flushes; the TLB row of
 * /proc/interrupts covers every online CPU and never goes backwards.
 * Needs no PMU; the tracepoint checks need root and are skipped otherwise.
 * Exits 77 when no counter at all can be opened here.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "check.h"
#include "counter.h"
#include "interrupts.h"
#include "pmu.h"

/* The value of counter i over the window (NAN when not counted). */
static double delta(const struct counter_raw *a, const struct counter_raw *b, int i)
{
	return counter_delta(&a[i], &b[i], NULL);
}

static const char *const source_names[] = {
	[PMU_SRC_HARDWARE] = "hardware", [PMU_SRC_SOFTWARE] = "software",
	[PMU_SRC_TRACEPOINT] = "tracepoint", [PMU_SRC_INTERRUPTS] = "interrupts",
};

/* key, or key_u when the paranoid level allowed user-only counting. */
static int find_ev(const struct pmu_set *set, const char *key)
{
	char ukey[80];
	int i = pmu_find(set, key);

	if (i >= 0)
		return i;
	snprintf(ukey, sizeof(ukey), "%s_u", key);
	return pmu_find(set, ukey);
}

static bool key_ok(const char *key)
{
	return key[0] && strspn(key, "abcdefghijklmnopqrstuvwxyz0123456789_.") == strlen(key);
}

/* (1) the defaults: each event available or with a reason. */
static unsigned int test_defaults(const struct pmu_set *set)
{
	unsigned int avail = 0;

	printf("tracefs mounted by pmu_setup: %s\n", set->mounted_tracefs ? "yes" : "no");
	for (unsigned int i = 0; i < set->n; i++) {
		const struct pmu_event *ev = &set->ev[i];

		printf("  %-28s %-10s %-3s %s\n", ev->key, source_names[ev->source],
		       ev->available ? "yes" : "no", ev->reason);
		CHECK(ev->available || ev->reason[0] != '\0');
		CHECK(key_ok(ev->key));
		avail += ev->available;
	}
	return avail;
}

static void test_keys(const struct pmu_set *def)
{
	static const char *const tlb_keys[] = {
		"tlb_flush.task_switch", "tlb_flush.remote_shootdown",
		"tlb_flush.local_shootdown", "tlb_flush.local_mm_shootdown",
		"tlb_flush.remote_ipi_send", "tlb_flush.remote_wrong_cpu",
	};
	struct pmu_set s;
	char err[256];
	int i;

	CHECK(pmu_setup(&s, " cycles , perf::DTLB-LOAD-MISSES,perf::PAGE-FAULTS,"
			"perf::CONTEXT-SWITCHES,,interrupts:TLB", err, sizeof(err)) == 0);
	CHECK(s.n == 5);
	CHECK(find_ev(&s, "cycles") == 0);
	CHECK(find_ev(&s, "dtlb_load_misses") == 1);
	CHECK(find_ev(&s, "page_faults") == 2);
	CHECK(find_ev(&s, "context_switches") == 3);
	CHECK(pmu_find(&s, "tlb_ipi") == 4);
	CHECK_STR(s.ev[1].name, "perf::DTLB-LOAD-MISSES");
	CHECK(s.ev[0].source == PMU_SRC_HARDWARE);
	CHECK(s.ev[1].source == PMU_SRC_HARDWARE);
	CHECK(s.ev[2].source == PMU_SRC_SOFTWARE);
	CHECK(s.ev[4].source == PMU_SRC_INTERRUPTS);
	pmu_cleanup(&s);

	i = pmu_find(def, "tlb_flush");
	if (i >= 0) {
		printf("skip tlb_flush keys: %s\n", def->ev[i].reason);
		return;
	}
	for (size_t k = 0; k < sizeof(tlb_keys) / sizeof(tlb_keys[0]); k++) {
		i = pmu_find(def, tlb_keys[k]);
		CHECK(i >= 0);
		if (i >= 0)
			CHECK(def->ev[i].source == PMU_SRC_TRACEPOINT);
	}
	i = pmu_find(def, "tlb_flush.remote_shootdown");
	if (i >= 0)
		CHECK_STR(def->ev[i].filter, "reason == 1");
}

/* (2) touching N fresh small pages takes at least N page faults. */
static void test_page_faults(const struct pmu_set *set)
{
	enum { NPAGES = 256 };
	size_t pg = (size_t)sysconf(_SC_PAGESIZE), len = NPAGES * pg;
	struct counter_raw before[PMU_MAX_EVENTS], after[PMU_MAX_EVENTS];
	int i = find_ev(set, "page_faults");
	struct pmu_thread *pt;
	char *p;

	CHECK(i >= 0);
	if (i < 0)
		return;
	if (!set->ev[i].available && (strstr(set->ev[i].reason, "(EACCES)") ||
				      strstr(set->ev[i].reason, "(EPERM)"))) {
		printf("skip page faults: %s\n", set->ev[i].reason);
		return;
	}
	CHECK(set->ev[i].available);
	if (!set->ev[i].available || pmu_thread_open(set, &pt) != 0) {
		CHECK(!"pmu_thread_open");
		return;
	}
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED);
	if (p == MAP_FAILED)
		goto out_close;
	madvise(p, len, MADV_NOHUGEPAGE);
	CHECK(pmu_thread_read(pt, before, NULL) == 0);
	for (size_t off = 0; off < len; off += pg)
		p[off] = 1;
	CHECK(pmu_thread_read(pt, after, before) == 0);
	printf("page_faults: %.0f for %d fresh pages\n", delta(before, after, i), NPAGES);
	CHECK(delta(before, after, i) >= NPAGES);
	munmap(p, len);
out_close:
	pmu_thread_close(pt);
}

/* (3) no PMU: cycles unavailable with a reason, its value never written;
 * with a PMU: cycles count. */
static void test_cycles(const struct pmu_set *set)
{
	struct counter_raw before[PMU_MAX_EVENTS], after[PMU_MAX_EVENTS];
	int i = find_ev(set, "cycles");
	struct pmu_thread *pt;

	CHECK(i >= 0);
	if (i < 0 || pmu_thread_open(set, &pt) != 0) {
		CHECK(!"pmu_thread_open");
		return;
	}
	for (unsigned int k = 0; k < PMU_MAX_EVENTS; k++)
		before[k].how = after[k].how = COUNTER_NONE;
	CHECK(pmu_thread_read(pt, before, NULL) == 0);
	for (volatile unsigned int spin = 0; spin < 1000000; spin++)
		;
	CHECK(pmu_thread_read(pt, after, before) == 0);
	if (!set->ev[i].available) {
		printf("cycles unavailable: %s\n", set->ev[i].reason);
		CHECK(set->ev[i].reason[0] != '\0');
		CHECK(after[i].how == COUNTER_NONE);
		CHECK(isnan(delta(before, after, i)));
	} else {
		double ratio, v = counter_delta(&before[i], &after[i], &ratio);

		printf("cycles: %.0f (rdpmc %s, running ratio %.3f)\n", v,
		       pmu_thread_uses_rdpmc(pt) ? "yes" : "no", ratio);
		CHECK(v > 0 && ratio > 0);
	}
	pmu_thread_close(pt);
}

/* (3b) libpfm4 modifiers reach perf_event_attr as encoded: ":u" user
 * only, ":k" kernel only, both, precise; their keys differ. Encoding needs
 * no PMU (the core PMU comes from CPUID), so this runs anywhere. */
static void test_modifiers(void)
{
	struct pmu_set s;
	char err[256];
	int u, k, uk, p;

	if (pmu_declare(&s, "cycles:u,cycles:k,instructions:u:k,perf::cycles:precise=1",
			err, sizeof(err))) {
		printf("skip modifiers: %s\n", err);
		return;
	}
	CHECK(s.n == 4);
	u = pmu_find(&s, "cycles_u");
	k = pmu_find(&s, "cycles_k");
	uk = pmu_find(&s, "instructions_u_k");
	p = pmu_find(&s, "cycles_precise_1");
	CHECK(u >= 0 && k >= 0 && uk >= 0 && p >= 0);
	if (u < 0 || k < 0 || uk < 0 || p < 0)
		return;
	CHECK(s.ev[u].user_only && !s.ev[u].exclude_user);
	CHECK(!s.ev[k].user_only && s.ev[k].exclude_user);
	CHECK(!s.ev[uk].user_only && !s.ev[uk].exclude_user);
	CHECK(s.ev[p].precise_ip == 1 && !s.ev[p].user_only && !s.ev[p].exclude_user);
	CHECK(s.ev[u].exclude_hv && s.ev[k].exclude_hv);
	CHECK(!s.ev[u].forced_user);
	pmu_cleanup(&s);
}

/* (4) user errors. */
static void test_errors(void)
{
	struct pmu_set s;
	char err[256];

	CHECK(pmu_setup(&s, "no_such_event_xyz", err, sizeof(err)) == -EINVAL);
	CHECK(strstr(err, "no_such_event_xyz") != NULL);
	printf("error: %s\n", err);
	CHECK(s.n == 0);
	CHECK(pmu_setup(&s, "perf::PAGE-FAULTS,no_such_event_xyz", err, sizeof(err)) == -EINVAL);
	CHECK(pmu_setup(&s, "cycles,cycles", err, sizeof(err)) == -EINVAL);
	CHECK(strstr(err, "duplicate") != NULL);
	printf("error: %s\n", err);
	CHECK(pmu_setup(&s, "cycles,perf::cycles", err, sizeof(err)) == -EINVAL);
	CHECK(pmu_setup(&s, "tlb:tlb_flush,tlb:tlb_flush", err, sizeof(err)) == -EINVAL);
	CHECK(!s.mounted_tracefs);
	CHECK(pmu_setup(&s, "", err, sizeof(err)) == 0);
	CHECK(s.n == 0);
	pmu_cleanup(&s);
}

struct reader {
	const struct pmu_set *set;
	volatile const char *page;
	int key;			/* tlb_flush.remote_shootdown */
	atomic_bool ready, stop;
	int ret;
	uint64_t flushes;
};

static int pin_self(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) < 0 ? -errno : 0;
}

/* On CPU 1: keep the page in the TLB, count the flushes that land here. */
static void *reader_main(void *arg)
{
	struct reader *r = arg;
	struct counter_raw before[PMU_MAX_EVENTS], after[PMU_MAX_EVENTS];
	struct pmu_thread *pt = NULL;

	r->ret = pin_self(1);
	if (r->ret == 0)
		r->ret = pmu_thread_open(r->set, &pt);
	if (r->ret == 0)
		r->ret = pmu_thread_read(pt, before, NULL);
	atomic_store(&r->ready, true);
	while (r->ret == 0 && !atomic_load(&r->stop))
		(void)r->page[0];
	if (r->ret == 0)
		r->ret = pmu_thread_read(pt, after, before);
	if (r->ret == 0)
		r->flushes = (uint64_t)delta(before, after, r->key);
	pmu_thread_close(pt);
	return NULL;
}

/* mprotect RW->R->RW 100 times on CPU 0; the page is in CPU 1's TLB.
 * Returns remote IPIs sent; *received: remote shootdowns on this thread,
 * few when the "reason == N" filters work (unfiltered, all would match). */
static uint64_t flip_protection(const struct pmu_set *set, char *page, int ipi,
				int rs, uint64_t *received)
{
	struct counter_raw before[PMU_MAX_EVENTS], after[PMU_MAX_EVENTS];
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	struct pmu_thread *pt;

	if (pmu_thread_open(set, &pt) != 0) {
		CHECK(!"pmu_thread_open");
		return 0;
	}
	CHECK(pmu_thread_read(pt, before, NULL) == 0);
	for (int k = 0; k < 100; k++) {
		CHECK(mprotect(page, pg, PROT_READ) == 0);
		CHECK(mprotect(page, pg, PROT_READ | PROT_WRITE) == 0);
		page[0] = (char)k;
	}
	CHECK(pmu_thread_read(pt, after, before) == 0);
	pmu_thread_close(pt);
	*received = (uint64_t)delta(before, after, rs);
	return (uint64_t)delta(before, after, ipi);
}

static const char *shootdown_skip(const struct pmu_set *set, int rs, int ipi)
{
	int none = pmu_find(set, "tlb_flush");	/* placeholder, with a reason */
	cpu_set_t cpus;

	if (none >= 0)
		return set->ev[none].reason;
	if (rs < 0 || ipi < 0)
		return "tlb:tlb_flush reasons not found";
	if (!set->ev[rs].available)
		return set->ev[rs].reason;
	if (sched_getaffinity(0, sizeof(cpus), &cpus) < 0 || !CPU_ISSET(0, &cpus) ||
	    !CPU_ISSET(1, &cpus))
		return "needs CPUs 0 and 1";
	return NULL;
}

/* (5) remote shootdowns seen by the tracepoint on either side. */
static void test_shootdown(const struct pmu_set *set)
{
	int rs = pmu_find(set, "tlb_flush.remote_shootdown");
	int ipi = pmu_find(set, "tlb_flush.remote_ipi_send");
	const char *skip = shootdown_skip(set, rs, ipi);
	struct reader r = { .set = set, .key = rs };
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	uint64_t sent = 0, received = 0;
	cpu_set_t saved;
	pthread_t tid;
	char *page;

	if (skip) {
		printf("skip shootdown: %s\n", skip);
		return;
	}
	page = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(page != MAP_FAILED);
	if (page == MAP_FAILED)
		return;
	page[0] = 1;
	r.page = page;
	CHECK(sched_getaffinity(0, sizeof(saved), &saved) == 0);
	CHECK(pin_self(0) == 0);
	CHECK(pthread_create(&tid, NULL, reader_main, &r) == 0);
	while (!atomic_load(&r.ready))
		;
	if (r.ret == 0)
		sent = flip_protection(set, page, ipi, rs, &received);
	atomic_store(&r.stop, true);
	pthread_join(tid, NULL);
	sched_setaffinity(0, sizeof(saved), &saved);
	munmap(page, pg);
	CHECK(r.ret == 0);
	printf("shootdown: remote_ipi_send %llu on CPU 0, remote_shootdown %llu on CPU 1\n",
	       (unsigned long long)sent, (unsigned long long)r.flushes);
	CHECK(sent > 0 || r.flushes > 0);
	CHECK(received < sent / 2 + 1);
}

static int max_online_cpu(void)
{
	char buf[256], *p = buf, *end;
	FILE *f = fopen("/sys/devices/system/cpu/online", "re");
	int max = -1;

	if (!f)
		return -1;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	for (;;) {		/* "0-3,5,7-8" */
		long v = strtol(p, &end, 10);

		if (end == p)
			break;
		max = (int)v;
		p = end + (*end == '-' || *end == ',');
	}
	return max;
}

/* (6) the TLB row: all online CPUs, monotonic. */
static void test_interrupts(void)
{
	static uint64_t a[IRQ_MAX_CPUS], b[IRQ_MAX_CPUS];
	unsigned int na = 0, nb = 0, down = 0;
	int ret = irq_read_row("TLB", a, &na);

	if (ret == -ENOENT) {
		printf("skip interrupts: no TLB row in /proc/interrupts\n");
		return;
	}
	CHECK(ret == 0);
	CHECK((int)na > max_online_cpu());
	for (int k = 0; k < 1000; k++)
		sched_yield();
	CHECK(irq_read_row("TLB", b, &nb) == 0);
	CHECK(nb == na);
	for (unsigned int c = 0; c < na && c < nb; c++)
		down += b[c] < a[c];
	CHECK(down == 0);
	printf("interrupts: TLB row for %u CPUs, CPU0 %llu -> %llu\n", na,
	       (unsigned long long)a[0], (unsigned long long)b[0]);
}

/* (7) the hardware path (group under one leader, mmap page, rdpmc refused
 * because cap_user_rdpmc is 0, group read, scaling) with software clocks
 * standing in for hardware events, so it runs on machines without a PMU. */
static void test_group_standin(void)
{
	static const uint64_t clocks[] = { 0 /* cpu-clock */, 1 /* task-clock */ };
	struct counter_raw before[PMU_MAX_EVENTS], after[PMU_MAX_EVENTS];
	struct pmu_set s = { .n = 2, .any_hardware = true };
	struct pmu_thread *pt;

	for (unsigned int i = 0; i < s.n; i++) {
		snprintf(s.ev[i].key, sizeof(s.ev[i].key), "standin%u", i);
		s.ev[i].source = PMU_SRC_HARDWARE;
		s.ev[i].available = true;
		s.ev[i].type = 1;	/* PERF_TYPE_SOFTWARE */
		s.ev[i].config = clocks[i];
	}
	if (pmu_thread_open(&s, &pt) != 0) {
		CHECK(!"pmu_thread_open (stand-in group)");
		return;
	}
	CHECK(pmu_thread_read(pt, before, NULL) == 0);
	for (volatile unsigned int spin = 0; spin < 1000000; spin++)
		;
	CHECK(pmu_thread_read(pt, after, before) == 0);
	CHECK(delta(before, after, 0) > 0 && delta(before, after, 1) > 0);
	CHECK(!pmu_thread_uses_rdpmc(pt));
	CHECK(before[0].how == COUNTER_READ && after[1].how == COUNTER_READ);
	{
		double ratio;

		counter_delta(&before[0], &after[0], &ratio);
		CHECK_NEAR(ratio, 1.0, 1e-9);
	}
	printf("stand-in group: cpu-clock %.0f ns, task-clock %.0f ns\n",
	       delta(before, after, 0), delta(before, after, 1));
	pmu_thread_close(pt);
}

int main(void)
{
	struct pmu_set set;
	char err[256];
	int ret = pmu_setup(&set, NULL, err, sizeof(err));

	CHECK(ret == 0);
	if (ret != 0) {
		fprintf(stderr, "pmu_setup: %s\n", err);
		return check_done("test_pmu");
	}
	if (test_defaults(&set) == 0) {
		printf("SKIP test_pmu: no counter can be opened here (%s)\n", set.ev[0].reason);
		pmu_cleanup(&set);
		return 77;
	}
	test_keys(&set);
	test_page_faults(&set);
	test_cycles(&set);
	test_modifiers();
	test_errors();
	test_shootdown(&set);
	test_interrupts();
	test_group_standin();
	pmu_cleanup(&set);
	CHECK(!set.mounted_tracefs);
	return check_done("test_pmu");
}
