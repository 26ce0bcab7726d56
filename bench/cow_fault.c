// SPDX-License-Identifier: GPL-2.0-only
/*
 * cow_fault.c - the COW / write-protect strategy ("VM games"): the buffer's
 * pages are shared and write-protected instead of copied; a write takes a
 * fault, and the fault copies the page while someone still needs the old
 * contents. The family's table, its state, and cow/private; cow/fork is in
 * cow_fork.c, the zero-copy sends in cow_send.c.
 *
 * Measured per operation of `size` bytes, in phases (bench_phase):
 *   fork      fork() copies the page tables and write-protects every page
 *             (protect); the parent stores into each page, a kernel COW
 *             fault and page copy each (fault); the child is released and
 *             reaped, its exit frees the old pages (reap).
 *   private   a MAP_PRIVATE memfd mapping whose PTEs map the shared pages
 *             read-only: a store per page COW-faults to a private copy
 *             (fault); MADV_DONTNEED + MADV_POPULATE_READ share them (rearm).
 *   sends     a zero-copy send modelled in user space (cow_send.c).
 * A refill is one 8-byte store per page, the store that faults: the rest of
 * a refill costs the same under every strategy. Verification writes and
 * checks every byte. Excluded: allocation and prefaulting; installing the
 * SIGSEGV handler or registering the userfaultfd.
 * Every buffer comes from bench_alloc(): with the cell's THP advice, as the
 * copying twin's; the state from bench_alloc_private(): no fork shares it,
 * so the parent's only COW faults are on its buffer.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "cow.h"

void cow_post(struct cow_flag *f, uint32_t v)
{
	atomic_store_explicit(&f->v, v, memory_order_release);
	syscall(SYS_futex, &f->v, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

int cow_wait(struct bench_ctl *ctl, struct cow_flag *f, uint32_t want)
{
	static const struct timespec ts = { 0, 100 * 1000 * 1000 };
	uint32_t v;

	while ((v = atomic_load_explicit(&f->v, memory_order_acquire)) != want) {
		if (bench_stopping(ctl))
			return -EINTR;
		syscall(SYS_futex, &f->v, FUTEX_WAIT_PRIVATE, v, &ts, NULL, 0);
	}
	return 0;
}

void cow_refill(struct cow_state *s, unsigned char *b, uint32_t seq)
{
	if (s->verify)
		bench_pattern_fill(b, s->size, seq, 0);
	for (size_t off = 0; !s->verify && off < s->size; off += s->page)
		*(volatile uint64_t *)(b + off) = seq;
}

/* --- cow/private --------------------------------------------------------- */

/* Drop the private copies and map the shared pages read-only again
 * (populating is not counted as page faults). */
static int rearm(struct cow_state *s)
{
	if (madvise(s->buf[0], s->len, MADV_DONTNEED) ||
	    madvise(s->buf[0], s->len, MADV_POPULATE_READ))
		return -errno;
	return 0;
}

/* buf[0] maps the memfd private, shadow shared (to fill and check it). */
static int private_setup(struct bench_ctl *ctl, struct cow_state *s)
{
	int rc;

	s->fd[FD_MEM] = memfd_create("cowbench-private", MFD_CLOEXEC);
	if (s->fd[FD_MEM] < 0)
		return bench_skip(ctl, "memfd_create: %s", strerror(errno));
	if (ftruncate(s->fd[FD_MEM], (off_t)s->len))
		return -errno;
	for (int i = 0; i < 2; i++) {
		void *m = mmap(NULL, s->len, PROT_READ | PROT_WRITE,
			       i ? MAP_SHARED : MAP_PRIVATE, s->fd[FD_MEM], 0);

		if (m == MAP_FAILED)
			return -errno;
		*(i ? &s->shadow : &s->buf[0]) = m;
		madvise(m, s->len, MADV_NOHUGEPAGE);
	}
	bench_pattern_fill(s->shadow, s->len, COW_ORIG_SEQ, 0);
	rc = rearm(s);
	return rc == -EINVAL ? bench_skip(ctl, "MADV_POPULATE_READ unsupported "
					  "(Linux < 5.14)") : rc;
}

/* Verifying: the mapping reads `seq`'s pattern, the shared pages the original. */
static int check_private(struct bench_ctl *ctl, struct cow_state *s, uint64_t seq)
{
	size_t bad = bench_pattern_check(s->buf[0], s->size, seq, 0);

	if (bad < s->size)
		return bench_fail(ctl, "operation %u: the mapping reads wrong at byte "
				  "%zu %s", s->seq, bad, seq == COW_ORIG_SEQ ? "after rearm" :
				  "of the private copy");
	bad = bench_pattern_check(s->shadow, s->len, COW_ORIG_SEQ, 0);
	if (bad < s->len)
		return bench_fail(ctl, "operation %u: a write reached the shared page "
				  "at byte %zu", s->seq, bad);
	return 0;
}

static int run_private(struct bench_ctl *ctl, struct cow_state *s, uint64_t nops)
{
	int rc = 0;

	for (uint64_t i = 0; i < nops && !rc; i++, s->seq++) {
		bench_phase(ctl, PH_PRIV_FAULT);
		cow_refill(s, s->buf[0], s->seq);
		bench_report(ctl, REP_COPIED, s->npages);	/* the kernel's COW copies */
		if (s->verify && (rc = check_private(ctl, s, s->seq)))
			break;
		bench_phase(ctl, PH_PRIV_REARM);
		rc = rearm(s);
		if (!rc && s->verify)
			rc = check_private(ctl, s, COW_ORIG_SEQ);
	}
	return rc;
}

/* --- the family ---------------------------------------------------------- */

static void cow_teardown(struct bench_ctl *ctl, void *state)
{
	struct cow_state *s = state;

	cow_send_teardown(s);
	for (int i = 0; i < 4; i++)
		if (s->fd[i] >= 0)
			close(s->fd[i]);
	for (int i = 0; i < 3; i++) {
		unsigned char *b = i < 2 ? s->buf[i] : s->shadow;

		if (s->p->kind != COW_PRIVATE)
			bench_free(ctl, b, s->len);
		else if (b)
			munmap(b, s->len);
	}
	bench_free_private(s->pst, s->npages * sizeof(*s->pst));
	bench_free_private(s, sizeof(*s));
}

static int cow_setup(struct bench_ctl *ctl, const struct bench_cell *cell, void **state)
{
	struct cow_state *s = bench_alloc_private(sizeof(*s));
	int rc;

	if (!s)
		return -ENOMEM;
	s->p = cell->param;
	s->producer = ctl;
	s->size = cell->size;
	s->page = cell->page_size;
	s->sabotage = cell->sabotage;
	s->fd[0] = s->fd[1] = s->fd[2] = s->fd[3] = -1;
	s->npages = (s->size + s->page - 1) / s->page;
	s->len = s->npages * s->page;
	rc = s->p->kind == COW_PRIVATE ? private_setup(ctl, s) :
	     s->p->kind == COW_FORK ? cow_fork_setup(ctl, s) : cow_send_setup(ctl, s);
	if (rc) {
		cow_teardown(ctl, s);
		return rc;
	}
	*state = s;
	return 0;
}

static int cow_run(struct bench_ctl *ctl, void *state, enum bench_role role,
		   uint64_t nops)
{
	struct cow_state *s = state;

	s->verify = bench_verifying(ctl);
	if (s->p->kind == COW_FORK)
		return cow_fork_run(ctl, s, role, nops);
	if (s->p->kind == COW_PRIVATE)
		return run_private(ctl, s, nops);
	return cow_send_run(ctl, s, role, nops);
}

static const struct cow_param p_fork = { COW_FORK, 1, RELEASE_AFTER_REFILL };
static const struct cow_param p_private = { COW_PRIVATE, 1, RELEASE_AFTER_REFILL };
static const struct cow_param p_reuse = { COW_MPROTECT, 1, RELEASE_AFTER_REFILL };
static const struct cow_param p_done = { COW_MPROTECT, 1, RELEASE_BEFORE_REFILL };
static const struct cow_param p_fresh = { COW_MPROTECT, 2, RELEASE_AFTER_REFILL };
static const struct cow_param p_uffd = { COW_UFFD, 1, RELEASE_AFTER_REFILL };

#define COW .class = BENCH_CLASS_COW, .twin = "copy/memcpy",			\
	.counters = { "page_faults", "tlb_flush.remote_shootdown", "tlb_ipi",	\
		      "context_switches", "dtlb_load_misses" },		\
	.setup = cow_setup, .run = cow_run, .teardown = cow_teardown
#define REPORTS(copied_desc)							\
	{ [REP_COPIED] = { "copied_pages", BENCH_REPORT_COUNT, .desc = copied_desc } }
/* Not measured with THP: the rows whose faults make one page writable at a
 * time (mprotect-reuse, -done, uffd-wp). Their first fault splits the huge
 * page and every later operation runs on base pages: a THP cell would
 * measure the same thing under a THP label. mprotect-fresh changes the
 * whole buffer at once, which a huge page makes cheaper: it is measured. */
/* The consumer stands for the kernel using the pages: on the producer's
 * CPU, asleep until handed a buffer; the cell's other CPUs run busy
 * bystanders, the other threads of a server, which take the shootdowns. */
#define SEND_PHASES(fault_desc) {						\
	[PH_SEND_PROTECT] = { "protect", "write-protect the sent buffer" },	\
	[PH_SEND_FAULT] = { "fault", fault_desc },				\
	[PH_SEND_WAIT] = { "wait", "the consumer's turn: hand it the buffer, "\
			   "it reads the pages and lets go" },			\
	[PH_SEND_UNPROTECT] = { "unprotect", "make the rest writable" } }
#define SEND(fault_desc) .consumer = true,					\
	.consumer_cpu = BENCH_PLACE_PRODUCER_CPU, .phases = SEND_PHASES(fault_desc)
/* a fault per 4 KiB page written and nothing else: the state is not shared
 * with any fork, the buffer is the only memory written */
#define FAULTS_PER_PAGE(text)							\
	{ .metric = "page_faults", .scope = BENCH_SCOPE_PRODUCER,		\
	  .per = BENCH_PER_PAGE, .value = 1, .slack = 0.5, .why = text }
#define COPIES(v, per_, scope_, text)						\
	{ .metric = "copied_pages", .scope = scope_, .per = per_, .value = v,	\
	  .why = text }
#define NO_FAULT { .metric = "page_faults", .scope = BENCH_SCOPE_PRODUCER,	\
		   .per = BENCH_PER_OP, .value = 0, .slack = 0.5,		\
		   .why = "the refill goes to the other, writable buffer" }

static const struct bench_variant cow_variants[] = {
	/* fork() write-protects every page; each write by the parent COW-faults */
	{ .name = "fork", .param = &p_fork, COW, .helper = true, .thp = true,
	  .phases = { [PH_FORK_PROTECT] = { "protect", "fork() by the helper: copy "
					    "the page tables, write-protect every "
					    "page" },
		      [PH_FORK_FAULT] = { "fault", "a kernel COW fault and page copy "
					  "per page written" },
		      [PH_FORK_REAP] = { "reap", "release the child and wait for "
					 "its exit, which frees the old pages" } },
	  .reports = { [REP_COPIED] = { "copied_pages", BENCH_REPORT_COUNT,
					.desc = "pages the kernel copied (one per page "
						"written)" },
		       [REP_CHILD_CPU] = { "child_cpu_ns", BENCH_REPORT_COUNT,
					   .unit = "ns/op",
					   .desc = "CPU time of the forked child, its "
						   "exit (exit_mmap) included" } },
	  .expect = { FAULTS_PER_PAGE("a COW fault per page written, and no other"),
		      BENCH_EXPECT_NO_REMOTE_FLUSH },
	  .desc = "fork(), the parent writes every page: a kernel COW fault each" },
	/* a COW fault from a shared (page cache) page to a private copy */
	{ .name = "private", .param = &p_private, COW,
	  .phases = { [PH_PRIV_FAULT] = { "fault", "a kernel COW fault and page "
					  "copy per page written" },
		      [PH_PRIV_REARM] = { "rearm", "MADV_DONTNEED + "
					  "MADV_POPULATE_READ: share again" } },
	  .reports = REPORTS("pages the kernel copied (one per page written)"),
	  .constants = { { "cow_fault", BENCH_SCOPE_PRODUCER, "phase.fault.wall_ns",
			   BENCH_MODEL_COW_FAULT,
			   .desc = "the kernel's COW fault with its page copy" },
			 { "rearm", BENCH_SCOPE_PRODUCER, "phase.rearm.wall_ns",
			   .desc = "sharing the pages again" } },
	  .model = { { "cow_fault" }, { "rearm" } },
	  .expect = { FAULTS_PER_PAGE("a COW fault per page; the re-arm populates "
				      "without faulting"),
		      BENCH_EXPECT_NO_REMOTE_FLUSH },
	  .desc = "MAP_PRIVATE memfd: write faults to private copies, DONTNEED re-arms" },
	/* zero-copy send, the program writes while the kernel holds the pages */
	{ .name = "mprotect-reuse", .param = &p_reuse, COW,
	  SEND("user-space emulation of a COW fault per page: SIGSEGV, the "
	       "copy aside, a one-page mprotect (splits the VMA), sigreturn"),
	  .reports = REPORTS("pages the handler copied aside (the kernel still "
			     "held them)"),
	  .sabotage = "the SIGSEGV handler does not copy the page aside",
	  /* predicted from the other rows: -done's fault plus a page copy */
	  .model = { { "protect" }, { "wp_fault_user" }, { "copy_page" }, { "handoff" },
		     { "unprotect" } },
	  .expect = { FAULTS_PER_PAGE("a write-protect fault per page refilled"),
		      COPIES(1, BENCH_PER_PAGE, BENCH_SCOPE_PRODUCER,
			     "every page is written before the consumer lets go"),
		      BENCH_EXPECT_NO_REMOTE_FLUSH },
	  .desc = "mprotect send, refill before the kernel is done: fault + copy per page" },
	/* the same, written only after the kernel let go: COW that succeeds */
	{ .name = "mprotect-done", .param = &p_done, COW,
	  SEND("user-space emulation of a write fault per page, no copy: "
	       "SIGSEGV, a one-page mprotect, sigreturn"),
	  .reports = REPORTS("pages the handler copied aside (none: released)"),
	  .constants = { { "wp_fault_user", BENCH_SCOPE_PRODUCER, "phase.fault.wall_ns",
			   .desc = "a user-space write fault (signal, one-page "
				   "mprotect)" } },
	  .model = { { "protect" }, { "wp_fault_user" }, { "handoff" }, { "unprotect" } },
	  .expect = { FAULTS_PER_PAGE("a write-protect fault per page refilled"),
		      COPIES(0, BENCH_PER_OP, BENCH_SCOPE_PRODUCER,
			     "the consumer released every page before the refill"),
		      BENCH_EXPECT_NO_REMOTE_FLUSH },
	  .desc = "mprotect send, refill after the kernel is done: a fault, no copy" },
	/* zero-copy send, fresh buffer each time: protect/unprotect, no fault */
	{ .name = "mprotect-fresh", .param = &p_fresh, COW, .thp = true,
	  SEND("the refill of the other buffer: no fault"),
	  .reports = REPORTS("pages copied (none: a fresh buffer)"),
	  .constants = { { "handoff", BENCH_SCOPE_PRODUCER, "phase.wait.wall_ns",
			   .desc = "handing the buffer to the receiver and back" } },
	  .model = { { "protect" }, { "handoff" }, { "unprotect" } },
	  .expect = { NO_FAULT, BENCH_EXPECT_NO_REMOTE_FLUSH },
	  .desc = "mprotect send, refill a fresh ring buffer: no fault, only protect" },
	/* zero-copy send, static buffer: userfaultfd-WP faults, a handler thread */
	{ .name = "uffd-wp", .param = &p_uffd, COW, .helper = true,
	  SEND("a userfaultfd write-protect fault per page: the producer sleeps, "
	       "the helper copies the page aside and unprotects it"),
	  .reports = REPORTS("pages the helper copied aside"),
	  .sabotage = "the userfaultfd handler does not copy the page aside",
	  .expect = { FAULTS_PER_PAGE("a write-protect fault per page refilled"),
		      COPIES(1, BENCH_PER_PAGE, BENCH_SCOPE_HELPER,
			     "every page is written before the consumer lets go"),
		      BENCH_EXPECT_NO_REMOTE_FLUSH },
	  .desc = "userfaultfd-WP send, refill before the kernel is done: a handler copies" },
};

const struct bench bench_cow_fault = {
	.name = "cow_fault",
	.family = "cow",
	.desc = "share and write-protect; a write before the reader is done faults",
	.variants = cow_variants,
	.nvariants = sizeof(cow_variants) / sizeof(cow_variants[0]),
};
