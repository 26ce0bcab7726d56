// SPDX-License-Identifier: GPL-2.0-only
/*
 * tlb_shootdown.c - the TLB shootdown primitive: what it costs a thread to
 * change the page tables of a multi-threaded process, as a function of how
 * many CPUs run the process (the cell's CPU count) and where (placement).
 *
 * Thread 0 (the producer role) is the initiator; the other N-1 threads are
 * bystanders of the same process, one per CPU, in one of two modes, which
 * the variant's name says (noop-busy is the busy bystanders' baseline: its
 * initiator calls mprotect with the protection the pages have, which
 * changes nothing and flushes nothing):
 *   busy  they spin in user space over the target's pages, so their CPUs
 *         have the process's address space loaded and their TLBs hold the
 *         target's translations: the kernel must IPI every one of them and
 *         wait for all (a KVM guest skips a preempted vCPU and has the
 *         host flush it at its next entry);
 *   idle  they sleep in the kernel (bench_sleep_until_stop()); their CPUs
 *         run the idle task in lazy-TLB mode and x86 skips the IPI.
 *
 * Measured: the initiator's operation on `size` bytes rounded up to whole
 * pages (the size sweep is the number of pages per flush: x86 invalidates
 * page by page up to tlb_single_page_flush_ceiling pages, 33 by default,
 * and flushes the whole TLB above it). Excluded: mapping and populating
 * the target (setup). Phase marks split each operation into its system
 * calls and its touch, so the flushing call can be read apart from the
 * page faults that the touch takes. The responder's side: busy bystanders
 * report the pages they got through (progress); against noop-busy's, their
 * rate says how much of their time the flushes they received took (the
 * interrupt, the flush, and the TLB misses after it).
 * With THP (a cell dimension) the target is 2 MiB-aligned and advised
 * MADV_HUGEPAGE: a touch faults once per huge page.
 *
 * Busy bystanders read with a software prefetch, never a load: a prefetch
 * translates the address like a load (filling the TLB on the x86 cores
 * that the prefetch side channels of Gruss et al., CCS 2016, exploit; with
 * a PMU the bystanders' dTLB misses show it) but is defined to ignore page
 * faults. So a bystander racing the munmap variant never
 * takes SIGSEGV on the hole between munmap and mmap, and one racing the
 * madvise variant never maps the zero page into a released page, which
 * would make the initiator's next touch a copy-on-write and cost a flush
 * per page. One mechanism for the three variants: the bystanders do the
 * same thing in all of them, only the initiator's operation differs.
 *
 * The target is a mapping of its own between two PROT_NONE guard pages: the
 * munmap variant maps it again at the same address (MAP_FIXED_NOREPLACE,
 * so the busy bystanders keep reading the right pages and nothing else of
 * the process is ever replaced), and the guards' VMAs keep munmap (and
 * MADV_DONTNEED, with CONFIG_PT_RECLAIM) from freeing page-table pages
 * unless the target covers a whole aligned 2 MiB: a flush that frees page
 * tables IPIs lazy CPUs too (seen from 4 MiB up). Above ~10,000 pages the
 * kernel flushes its gathered pages in batches (2 flushes per munmap or
 * madvise at 64 MiB); run.json records the flushes each operation took.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "bench.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000	/* Linux >= 4.17; older ones: a hint */
#endif

#define HUGE_ALIGN (2u << 20)	/* where a THP target starts */

enum tlb_op { TLB_MPROTECT, TLB_MADVISE, TLB_MUNMAP, TLB_NOOP };
/* Phases, by operation. */
enum { PH_MPROTECT_PROTECT, PH_MPROTECT_UNPROTECT };
enum { PH_MADVISE_RELEASE, PH_MADVISE_TOUCH };
enum { PH_MUNMAP_UNMAP, PH_MUNMAP_MAP, PH_MUNMAP_TOUCH };
enum { PH_NOOP_MPROTECT };
enum { REP_PROGRESS };	/* busy rows' report */

struct tlb_param {
	enum tlb_op op;
	bool busy;		/* bystanders read the target; else they sleep */
};

struct tlb_state {
	const struct tlb_param *p;
	unsigned char *arena;	/* guard page, target, guard page (PROT_NONE
				   around, to align a THP target) */
	unsigned char *buf;	/* the target */
	size_t len, page, npages, arena_len;
	bool mapped;		/* the target is mapped (munmap variant) */
	bool thp;
	unsigned char *vec;	/* mincore() result, for verification */
	unsigned int nbystanders;
	_Atomic unsigned int inside;	/* bystanders inside tlb_bystand() */
};

/* Map the target anonymous, private, read-write, with the cell's THP
 * advice: a flag of the mapping, so a fresh mapping needs it again (EINVAL:
 * a kernel without THP, nothing to refuse). */
static int map_target(struct tlb_state *s, int fixed)
{
	void *p = mmap(s->buf, s->len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | fixed, -1, 0);

	if (p == MAP_FAILED)
		return -errno;
	if (p != s->buf) {	/* a kernel that took NOREPLACE as a hint */
		munmap(p, s->len);
		return -EEXIST;
	}
	s->mapped = true;
	if (madvise(s->buf, s->len, s->thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE) &&
	    errno != EINVAL)
		return -errno;
	return 0;
}

/* Write one word per page: populates a released page (one fault each). */
static void touch(struct tlb_state *s, uint64_t seq)
{
	for (size_t i = 0; i < s->npages; i++)
		*(volatile uint64_t *)(s->buf + i * s->page) = seq + 1;
}

static void tlb_teardown(struct bench_ctl *ctl, void *state)
{
	struct tlb_state *s = state;

	(void)ctl;
	if (s->arena)
		munmap(s->arena, s->arena_len);	/* the target with it */
	free(s->vec);
	free(s);
}

static int tlb_setup(struct bench_ctl *ctl, const struct bench_cell *cell,
		     void **state)
{
	struct tlb_state *s = calloc(1, sizeof(*s));
	void *a;
	int rc;

	if (!s)
		return -ENOMEM;
	s->p = cell->param;
	s->nbystanders = cell->nbystanders;
	s->page = cell->page_size;
	s->npages = cell->size ? (cell->size + s->page - 1) / s->page : 1;
	s->len = s->npages * s->page;
	s->vec = malloc(s->npages);
	if (!s->vec) {
		rc = -ENOMEM;
		goto out_free;
	}
	s->thp = cell->thp;
	s->arena_len = s->len + 2 * s->page + (s->thp ? HUGE_ALIGN : 0);
	a = mmap(NULL, s->arena_len, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (a == MAP_FAILED) {
		rc = -errno;
		goto out_free;
	}
	s->arena = a;
	s->buf = s->arena + s->page;
	if (s->thp)
		s->buf = (unsigned char *)(((uintptr_t)s->buf + HUGE_ALIGN - 1) &
					   ~(uintptr_t)(HUGE_ALIGN - 1));
	/* over our own reservation: MAP_FIXED replaces only the guard space */
	rc = map_target(s, MAP_FIXED);
	if (rc)
		goto out_free;
	touch(s, 0);	/* populated: every operation starts from here */
	*state = s;
	return 0;
out_free:
	tlb_teardown(ctl, s);
	return rc;
}

/* --- verification (untimed): what each operation must have done --------- */

/* Are all pages resident (want) or none (!want)? */
static bool all_resident(struct tlb_state *s, bool want)
{
	if (mincore(s->buf, s->len, s->vec))
		return false;
	for (size_t i = 0; i < s->npages; i++)
		if ((s->vec[i] & 1) != want)
			return false;
	return true;
}

/* After a release and a touch: every page holds the touch's word and zeros,
 * i.e. a fresh zero-filled page, not the pattern written before the release. */
static int check_fresh(struct bench_ctl *ctl, struct tlb_state *s, uint64_t seq)
{
	for (size_t i = 0; i < s->npages; i++) {
		const unsigned char *pg = s->buf + i * s->page;
		uint64_t w;

		memcpy(&w, pg, sizeof(w));
		if (w != seq + 1)
			return bench_fail(ctl, "operation %llu: page %zu lost the touch",
					  (unsigned long long)seq, i);
		for (size_t b = sizeof(w); b < s->page; b++)
			if (pg[b])
				return bench_fail(ctl, "operation %llu: page %zu byte %zu "
						  "not zero: the page was not released",
						  (unsigned long long)seq, i, b);
	}
	if (!all_resident(s, true))
		return bench_fail(ctl, "operation %llu: touched pages not resident",
				  (unsigned long long)seq);
	/* dirty every byte, so a page that is not released next time shows */
	bench_pattern_fill(s->buf, s->len, seq, 0);
	return 0;
}

static int verify_mprotect(struct bench_ctl *ctl, struct tlb_state *s,
			   uint64_t seq)
{
	size_t bad = bench_pattern_check(s->buf, s->len, seq, 0);

	if (bad < s->len)
		return bench_fail(ctl, "operation %llu: byte %zu changed across "
				  "mprotect", (unsigned long long)seq, bad);
	if (!all_resident(s, true))
		return bench_fail(ctl, "operation %llu: pages not resident after "
				  "mprotect", (unsigned long long)seq);
	return 0;
}

/* --- the operations ------------------------------------------------------ */

/* Write-protect and re-enable: two flushes; the pages stay present. */
static int op_mprotect(struct bench_ctl *ctl, struct tlb_state *s, uint64_t seq,
		       bool verify)
{
	if (verify)
		bench_pattern_fill(s->buf, s->len, seq, 0);
	if (mprotect(s->buf, s->len, PROT_READ))
		return -errno;
	bench_phase(ctl, PH_MPROTECT_UNPROTECT);
	if (mprotect(s->buf, s->len, PROT_READ | PROT_WRITE))
		return -errno;
	bench_phase(ctl, PH_MPROTECT_PROTECT);
	return verify ? verify_mprotect(ctl, s, seq) : 0;
}

/* Release (one flush), then touch again (a fault per page). */
static int op_madvise(struct bench_ctl *ctl, struct tlb_state *s, uint64_t seq,
		      bool verify)
{
	if (madvise(s->buf, s->len, MADV_DONTNEED))
		return -errno;
	bench_phase(ctl, PH_MADVISE_TOUCH);
	if (verify && !all_resident(s, false))
		return bench_fail(ctl, "operation %llu: pages resident after "
				  "MADV_DONTNEED", (unsigned long long)seq);
	touch(s, seq);
	bench_phase(ctl, PH_MADVISE_RELEASE);
	return verify ? check_fresh(ctl, s, seq) : 0;
}

/* The same protection again: mprotect finds nothing to change. */
static int op_noop(struct bench_ctl *ctl, struct tlb_state *s, uint64_t seq, bool verify)
{
	if (verify)
		bench_pattern_fill(s->buf, s->len, seq, 0);
	if (mprotect(s->buf, s->len, PROT_READ | PROT_WRITE))
		return -errno;
	return verify ? verify_mprotect(ctl, s, seq) : 0;
}

/* Unmap (one flush), map again at the same address, touch (a fault a page). */
static int op_munmap(struct bench_ctl *ctl, struct tlb_state *s, uint64_t seq,
		     bool verify)
{
	int rc;

	if (munmap(s->buf, s->len))
		return -errno;
	s->mapped = false;
	bench_phase(ctl, PH_MUNMAP_MAP);
	if (verify && (mincore(s->buf, s->len, s->vec) == 0 || errno != ENOMEM))
		return bench_fail(ctl, "operation %llu: still mapped after munmap",
				  (unsigned long long)seq);
	rc = map_target(s, MAP_FIXED_NOREPLACE);
	if (rc == -EEXIST)
		return bench_fail(ctl, "operation %llu: the target's address was "
				  "taken between munmap and mmap",
				  (unsigned long long)seq);
	if (rc)
		return rc;
	bench_phase(ctl, PH_MUNMAP_TOUCH);
	touch(s, seq);
	bench_phase(ctl, PH_MUNMAP_UNMAP);
	return verify ? check_fresh(ctl, s, seq) : 0;
}

static int tlb_run(struct bench_ctl *ctl, void *state, enum bench_role role,
		   uint64_t nops)
{
	struct tlb_state *s = state;
	bool verify = bench_verifying(ctl);
	int rc = 0;

	(void)role;	/* no consumer: only the initiator runs operations */
	/* Flush only once every bystander is in its loop: each thread starts
	 * its counters after the harness's start line, so the first flushes
	 * could otherwise reach a bystander before its counters start, or
	 * find it still switched out, unseen by its context-switch count.
	 * A few us per sample at most on an idle machine. */
	while (atomic_load(&s->inside) < s->nbystanders)
		if (bench_stopping(ctl))
			return -EINTR;
	for (uint64_t i = 0; i < nops && !rc; i++) {
		if (bench_stopping(ctl))
			return -EINTR;
		switch (s->p->op) {
		case TLB_MPROTECT:
			rc = op_mprotect(ctl, s, i, verify);
			break;
		case TLB_MADVISE:
			rc = op_madvise(ctl, s, i, verify);
			break;
		case TLB_MUNMAP:
			rc = op_munmap(ctl, s, i, verify);
			break;
		case TLB_NOOP:
			rc = op_noop(ctl, s, i, verify);
			break;
		}
	}
	return rc;
}

/* Busy: prefetch one line of every target page, over and over (see the
 * top of the file for why a prefetch), and report the pages done. Idle:
 * sleep in the kernel. */
static int tlb_bystand(struct bench_ctl *ctl, void *state)
{
	struct tlb_state *s = state;
	uint64_t done = 0;

	atomic_fetch_add(&s->inside, 1);
	if (!s->p->busy)
		bench_sleep_until_stop(ctl);
	while (!bench_stopping(ctl)) {
		size_t i;

		for (i = 0; i < s->npages; i++) {
			__builtin_prefetch(s->buf + i * s->page, 0, 3);
			if (i % 64 == 63 && bench_stopping(ctl))
				break;
		}
		done += i;
	}
	if (s->p->busy)
		bench_report(ctl, REP_PROGRESS, done);
	atomic_fetch_sub(&s->inside, 1);
	return 0;
}

#define TLB_ROW .class = BENCH_CLASS_PRIMITIVE, .thp = true,		\
	.counters = { "tlb_flush.local_mm_shootdown", "tlb_flush.remote_ipi_send",\
		      "tlb_flush.remote_shootdown", "tlb_ipi", "dtlb_load_misses" },\
	.setup = tlb_setup, .run = tlb_run, .bystand = tlb_bystand,	\
	.teardown = tlb_teardown
/* Busy bystanders: their progress against noop-busy's is the responder's
 * cost of the flushes they receive. */
#define BUSY .reports = { [REP_PROGRESS] = { "progress", BENCH_REPORT_PROGRESS,	\
	.of = "tlb/noop-busy", .per_event = "tlb_flush.remote_shootdown,tlb_ipi",	\
	.desc = "target pages the busy bystanders prefetched" } }
/* The initiator's own flushes per operation: every call that changes the
 * page tables flushes once (above ~10,000 pages madvise and munmap flush
 * their gathered pages in batches, hence the size bound). */
#define LOCAL_FLUSHES(n, upto, text)					\
	{ .metric = "tlb_flush.local_mm_shootdown", .scope = BENCH_SCOPE_PRODUCER,\
	  .per = BENCH_PER_OP, .value = (n), .max_size = (upto), .why = text }
#define FAULTS(per_page, text)						\
	{ .metric = "page_faults", .scope = BENCH_SCOPE_PRODUCER,	\
	  .per = BENCH_PER_PAGE, .value = (per_page), .slack = 0.5,	\
	  .thp = BENCH_THP_OFF, .why = text }
#define HUGE_FAULTS(text)						\
	{ .metric = "page_faults", .scope = BENCH_SCOPE_PRODUCER,	\
	  .per = BENCH_PER_HUGE_PAGE, .value = 1, .slack = 0.5,		\
	  .thp = BENCH_THP_ON, .why = text }
#define MPROTECT_ROW .phases = {						\
		[PH_MPROTECT_PROTECT] = { "protect", "mprotect(PROT_READ)" },	\
		[PH_MPROTECT_UNPROTECT] = { "unprotect", "mprotect(PROT_READ|PROT_WRITE)" } },\
	.expect = { LOCAL_FLUSHES(2, 0, "two mprotect calls, a flush each"),	\
		    { .metric = "page_faults", .scope = BENCH_SCOPE_PRODUCER,	\
		      .per = BENCH_PER_OP, .value = 0, .slack = 0.5,		\
		      .why = "the pages stay present and writable" },	\
		    BENCH_EXPECT_NO_REMOTE_FLUSH }
#define MADVISE_ROW .phases = {						\
		[PH_MADVISE_RELEASE] = { "madvise", "MADV_DONTNEED of every page" },\
		[PH_MADVISE_TOUCH] = { "touch", "a store per page: a fault per page "\
				       "(per huge page with THP)" } },		\
	.expect = { LOCAL_FLUSHES(1, 16u << 20, "one MADV_DONTNEED, one flush"),\
		    FAULTS(1, "every released page is touched again"),	\
		    HUGE_FAULTS("a released huge page faults back whole"),	\
		    BENCH_EXPECT_NO_REMOTE_FLUSH }
#define MUNMAP_ROW .phases = {						\
		[PH_MUNMAP_UNMAP] = { "munmap", "munmap of the target" },	\
		[PH_MUNMAP_MAP] = { "mmap", "mmap at the same address" },	\
		[PH_MUNMAP_TOUCH] = { "touch", "a store per page: a fault per page "\
				      "(per huge page with THP)" } },		\
	.expect = { LOCAL_FLUSHES(1, 16u << 20, "one munmap, one flush"),	\
		    FAULTS(1, "every page of the new mapping is touched"),	\
		    HUGE_FAULTS("a huge page of the new mapping faults in whole"),\
		    BENCH_EXPECT_NO_REMOTE_FLUSH }

static const struct tlb_param p_mprotect_busy = { TLB_MPROTECT, true };
static const struct tlb_param p_mprotect_idle = { TLB_MPROTECT, false };
static const struct tlb_param p_madvise_busy = { TLB_MADVISE, true };
static const struct tlb_param p_madvise_idle = { TLB_MADVISE, false };
static const struct tlb_param p_munmap_busy = { TLB_MUNMAP, true };
static const struct tlb_param p_munmap_idle = { TLB_MUNMAP, false };
static const struct tlb_param p_noop_busy = { TLB_NOOP, true };

static const struct bench_variant tlb_variants[] = {
	/* COW's write-protect: two flushes per op, every busy CPU is IPI'd */
	{ .name = "mprotect-busy", .param = &p_mprotect_busy, TLB_ROW, MPROTECT_ROW, BUSY,
	  .constants = { { "protect", BENCH_SCOPE_PRODUCER, "phase.protect.wall_ns",
			   BENCH_MODEL_PT_UPDATE, .knee = BENCH_KNEE_FLUSH_CEILING,
			   .desc = "write-protecting, with the flush and shootdowns" },
			 { "unprotect", BENCH_SCOPE_PRODUCER, "phase.unprotect.wall_ns",
			   .knee = BENCH_KNEE_FLUSH_CEILING, .desc = "making it writable again, with "
						 "its flush" } },
	  .desc = "mprotect RO then RW (2 flushes), bystanders read the pages" },
	/* the same with sleeping bystanders: lazy TLB may spare the IPIs */
	{ .name = "mprotect-idle", .param = &p_mprotect_idle, TLB_ROW, MPROTECT_ROW,
	  .desc = "mprotect RO then RW (2 flushes), bystanders sleep" },
	/* a zero-copy send's release: one flush per op, plus the re-touch */
	{ .name = "madvise-busy", .param = &p_madvise_busy, TLB_ROW, MADVISE_ROW, BUSY,
	  .desc = "MADV_DONTNEED (1 flush) + touch, bystanders read the pages" },
	{ .name = "madvise-idle", .param = &p_madvise_idle, TLB_ROW, MADVISE_ROW,
	  .desc = "MADV_DONTNEED (1 flush) + touch, bystanders sleep" },
	/* unmap and map again: one flush plus the VMA work and the faults */
	{ .name = "munmap-busy", .param = &p_munmap_busy, TLB_ROW, MUNMAP_ROW, BUSY,
	  .desc = "munmap + mmap + touch (1 flush), bystanders read the pages" },
	{ .name = "munmap-idle", .param = &p_munmap_idle, TLB_ROW, MUNMAP_ROW,
	  .desc = "munmap + mmap + touch (1 flush), bystanders sleep" },
	/* the busy bystanders undisturbed: the responders' baseline */
	{ .name = "noop-busy", .param = &p_noop_busy, TLB_ROW,
	  .phases = { [PH_NOOP_MPROTECT] = { "mprotect", "mprotect(PROT_READ|PROT_WRITE) "
					     "of writable pages: no change" } },
	  .reports = { [REP_PROGRESS] = { "progress", BENCH_REPORT_COUNT,
					  .desc = "target pages the busy bystanders "
						  "prefetched, undisturbed" } },
	  .expect = { LOCAL_FLUSHES(0, 0, "nothing changes, nothing is flushed"),
		      { .metric = "tlb_flush.remote_shootdown",
			.scope = BENCH_SCOPE_BYSTANDERS, .per = BENCH_PER_OP,
			.value = 0, .slack = 0.5, .min_cpus = 2,
			.why = "the bystanders receive no flush" },
		      BENCH_EXPECT_NO_REMOTE_FLUSH },
	  .desc = "mprotect to the same protection (no flush): the responders' baseline" },
};

const struct bench bench_tlb_shootdown = {
	.name = "tlb_shootdown",
	.family = "tlb",
	.desc = "TLB shootdown cost vs CPUs and placement (mprotect, madvise, munmap)",
	.variants = tlb_variants,
	.nvariants = sizeof(tlb_variants) / sizeof(tlb_variants[0]),
};
