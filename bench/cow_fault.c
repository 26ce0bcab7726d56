// SPDX-License-Identifier: GPL-2.0-only
/*
 * cow_fault.c - the COW / write-protect strategy ("VM games"): the buffer's
 * pages are shared and write-protected instead of copied; a write before
 * the reader is done takes a fault, and the fault copies the page.
 *
 * Measured per operation of `size` bytes, in phases (bench_phase):
 *   fork      fork() write-protects every page (protect); the parent stores
 *             into each page, a kernel COW fault each (fault); the child is
 *             released and reaped, its exit frees the old pages (reap).
 *   private   a MAP_PRIVATE memfd mapping whose PTEs map the shared pages
 *             read-only: a store per page COW-faults to a private copy
 *             (fault); MADV_DONTNEED + MADV_POPULATE_READ share them (rearm).
 *   mprotect-*, uffd-wp  a zero-copy send modelled in user space: protect
 *             the buffer, hand it to the consumer (protect); write the next
 *             data (fault: with reuse each page traps and the handler copies
 *             the old page aside for the consumer, then unprotects it); wait
 *             for the consumer (wait); unprotect what is left (unprotect).
 * A refill is one 8-byte store per page, the store that faults: the rest of
 * a refill costs the same under every strategy. The consumer reads one word
 * per page, like a NIC's DMA. Verification writes and checks every byte;
 * COWBENCH_COW_BREAK=1 makes the handlers skip the copy, which it must catch.
 * Excluded: allocation and prefaulting, with THP off on every buffer so one
 * fault is one base page; installing the SIGSEGV handler or uffd thread.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "config.h"

#define ORIG_SEQ (1ull << 40)	/* the memfd's pattern; ops use 32-bit seqs */
#define PG_PRESERVED 1u		/* the old contents are in the shadow copy */
#define PG_PIN 2u		/* the consumer is reading the original page */
#define PG_WAITER 4u		/* a handler sleeps until the pin is dropped */

enum cow_kind { COW_FORK, COW_PRIVATE, COW_MPROTECT, COW_UFFD };
/* Phases, by row: fork, private, and the sends (mprotect-*, uffd-wp). */
enum { PH_FORK_PROTECT, PH_FORK_FAULT, PH_FORK_REAP };
enum { PH_PRIV_FAULT, PH_PRIV_REARM };
enum { PH_SEND_PROTECT, PH_SEND_FAULT, PH_SEND_WAIT, PH_SEND_UNPROTECT };

struct cow_param {
	enum cow_kind kind;
	unsigned int ring;	/* buffers sent in turn: 1 reuse, 2 fresh */
};

struct cow_state {
	const struct cow_param *p;
	size_t size, len, page, npages;
	bool colocated, broken, segv, thread;
	unsigned char *buf[2], *shadow;	/* shadow: preserved pages, or the
					   memfd's shared pages (private) */
	_Atomic uint32_t *pst;		/* per page of buf[0]: PG_* */
	uint32_t seq, cseq;		/* next operation: producer, consumer */
	_Atomic uint32_t sent, refilled, done, finished;	/* ops that got there */
	int fd[4];			/* memfd or uffd, eventfd, pipe */
	pid_t child;
	struct sigaction prev;		/* SIGSEGV action before setup */
	pthread_t handler;
	_Atomic int handler_err;
};
enum { FD_MEM, FD_UFFD = FD_MEM, FD_EVENT, FD_PIPE_R, FD_PIPE_W };	/* fd[] */

/* The cell the SIGSEGV handler serves. A handler is process-global: it is
 * installed in setup, which sets this, and restored in teardown, which
 * clears it; the harness runs one cell at a time. */
static struct cow_state *cow_segv_state;

#if defined(__x86_64__) || defined(__i386__)
static inline void cpu_relax(void) { __builtin_ia32_pause(); }
#else
static inline void cpu_relax(void) { __asm__ volatile("" ::: "memory"); }
#endif

/* FUTEX_WAIT with a timeout (re-check bench_stopping), or FUTEX_WAKE. */
static void futex(_Atomic uint32_t *w, int op, uint32_t val)
{
	struct timespec ts = { 0, 100 * 1000 * 1000 };

	syscall(SYS_futex, w, op, val, op == FUTEX_WAIT_PRIVATE ? &ts : NULL, NULL, 0);
}

/* Hand-off counters. With a CPU each, producer and consumer spin: their CPUs
 * stay in the address space (a sleeping CPU is lazy and skips shootdowns,
 * hiding the cost measured). Colocated, they sleep on a futex. */
static void post(struct cow_state *s, _Atomic uint32_t *w, uint32_t v)
{
	atomic_store_explicit(w, v, memory_order_release);
	if (s->colocated)
		futex(w, FUTEX_WAKE_PRIVATE, 1);
}

static int wait_for(struct bench_ctl *ctl, struct cow_state *s,
		    _Atomic uint32_t *w, uint32_t want)
{
	uint32_t v;

	while ((v = atomic_load_explicit(w, memory_order_acquire)) != want) {
		if (bench_stopping(ctl))
			return -EINTR;
		if (s->colocated)
			futex(w, FUTEX_WAIT_PRIVATE, v);
		else
			cpu_relax();
	}
	return 0;
}

/* Before the producer may write page p of the sent buffer: copy it aside
 * (still read-only, so it holds the sent data), mark it preserved, and wait
 * while the consumer reads the original. Also called from the SIGSEGV
 * handler: memcpy, atomics and futex are async-signal-safe in practice. */
static void preserve(struct cow_state *s, size_t p)
{
	_Atomic uint32_t *st = &s->pst[p];
	uint32_t v;

	if (!s->broken)
		memcpy(s->shadow + p * s->page, s->buf[0] + p * s->page, s->page);
	v = atomic_fetch_or(st, PG_PRESERVED);
	while (v & PG_PIN) {
		if (atomic_compare_exchange_weak(st, &v, v | PG_WAITER))
			futex(st, FUTEX_WAIT_PRIVATE, v | PG_WAITER);
		v = atomic_load(st);
	}
}

/* The producer wrote a protected page: preserve it and make it writable
 * (mprotect is a plain syscall, async-signal-safe in practice). A fault
 * that is not ours puts the previous action back and returns: the access
 * faults again and that action deals with it. */
static void cow_segv(int sig, siginfo_t *si, void *uc)
{
	struct cow_state *s = cow_segv_state;
	uintptr_t a = (uintptr_t)si->si_addr, b = s ? (uintptr_t)s->buf[0] : 0;
	int saved_errno = errno;

	(void)sig, (void)uc;
	if (s && si->si_code == SEGV_ACCERR && a >= b && a < b + s->len) {
		a -= (a - b) % s->page;
		preserve(s, (a - b) / s->page);
		if (!mprotect((void *)a, s->page, PROT_READ | PROT_WRITE))
			goto out;
	}
	sigaction(SIGSEGV, s ? &s->prev : &(struct sigaction){ .sa_handler = SIG_DFL },
		  NULL);
out:
	errno = saved_errno;
}

static int segv_install(struct bench_ctl *ctl, struct cow_state *s)
{
	struct sigaction sa = { .sa_sigaction = cow_segv, .sa_flags = SA_SIGINFO }, cur;

	sigemptyset(&sa.sa_mask);
	cow_segv_state = s;
	if (sigaction(SIGSEGV, &sa, &s->prev))
		return -errno;
	s->segv = true;
	/* ASan replaces SIGSEGV handlers too, unless allow_user_segv_handler=0
	 * makes it ignore ours: a run-time check, not an #ifdef */
	if (sigaction(SIGSEGV, NULL, &cur) || cur.sa_sigaction != cow_segv)
		return bench_skip(ctl, "SIGSEGV handler refused: a sanitizer keeps "
				  "SIGSEGV (ASAN_OPTIONS=allow_user_segv_handler=0)");
	return 0;
}

#if HAVE_UFFD_WP
static int uffd_protect(struct cow_state *s, void *b, size_t len, bool on)
{
	struct uffdio_writeprotect wp = { .range = { (uintptr_t)b, len },
					  .mode = on ? UFFDIO_WRITEPROTECT_MODE_WP : 0 };

	return ioctl(s->fd[FD_UFFD], UFFDIO_WRITEPROTECT, &wp) ? -errno : 0;
}

/* The fault handler thread: a write-protect fault per message, the
 * producer asleep in the kernel until the page is unprotected (which wakes
 * it). On an error it unregisters the buffer, which also wakes it. */
static void *uffd_main(void *arg)
{
	struct cow_state *s = arg;
	struct pollfd pfd[2] = { { .fd = s->fd[FD_UFFD], .events = POLLIN },
				 { .fd = s->fd[FD_EVENT], .events = POLLIN } };
	uintptr_t b = (uintptr_t)s->buf[0], off;
	struct uffd_msg m;
	int err = 0;

	while (!err) {
		if (poll(pfd, 2, -1) < 0 || pfd[1].revents) {
			err = pfd[1].revents ? -1 : errno == EINTR ? 0 : errno;
			continue;
		}
		if (read(s->fd[FD_UFFD], &m, sizeof(m)) != (ssize_t)sizeof(m)) {
			err = errno == EAGAIN || errno == EINTR ? 0 : EIO;
			continue;
		}
		off = m.arg.pagefault.address - b;
		if (m.event != UFFD_EVENT_PAGEFAULT || off >= s->len ||
		    !(m.arg.pagefault.flags & UFFD_PAGEFAULT_FLAG_WP))
			err = EPROTO;
		else
			preserve(s, off / s->page);
		err = err ? err : -uffd_protect(s, s->buf[0] + off / s->page * s->page,
						s->page, false);
	}
	if (err > 0) {
		atomic_store(&s->handler_err, err);
		ioctl(s->fd[FD_UFFD], UFFDIO_UNREGISTER,
		      &(struct uffdio_range){ b, s->len });
	}
	return NULL;
}

/* The handler thread is created by the producer and so inherits its CPU
 * (the harness pins its workers only). */
static int uffd_setup(struct bench_ctl *ctl, struct cow_state *s)
{
	struct uffdio_api api = { .api = UFFD_API,
				  .features = UFFD_FEATURE_PAGEFAULT_FLAG_WP };
	struct uffdio_register reg = { .range = { (uintptr_t)s->buf[0], s->len },
				       .mode = UFFDIO_REGISTER_MODE_WP };
	int fd, rc;

	/* user-mode faults only: allowed even with vm.unprivileged_userfaultfd=0 */
	fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK | UFFD_USER_MODE_ONLY);
	if (fd < 0 && errno == EINVAL)	/* Linux < 5.11 has no such flag */
		fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (fd < 0 && (rc = errno))
		return bench_skip(ctl, "userfaultfd unavailable: %s%s", strerror(rc),
				  rc == EPERM ? " (vm.unprivileged_userfaultfd=0)" : "");
	s->fd[FD_UFFD] = fd;
	if (ioctl(fd, UFFDIO_API, &api) ||
	    !(api.features & UFFD_FEATURE_PAGEFAULT_FLAG_WP))
		return bench_skip(ctl, "userfaultfd unavailable: no write-protect "
				  "faults (UFFD_FEATURE_PAGEFAULT_FLAG_WP)");
	if (ioctl(fd, UFFDIO_REGISTER, &reg))
		return bench_skip(ctl, "userfaultfd unavailable: "
				  "UFFDIO_REGISTER_MODE_WP: %s", strerror(errno));
	s->fd[FD_EVENT] = eventfd(0, EFD_CLOEXEC);
	if (s->fd[FD_EVENT] < 0)
		return -errno;
	rc = -pthread_create(&s->handler, NULL, uffd_main, s);
	s->thread = !rc;
	return rc;
}
#else
static int uffd_protect(struct cow_state *s, void *b, size_t len, bool on)
{
	return (void)s, (void)b, (void)len, (void)on, -EOPNOTSUPP;
}

static int uffd_setup(struct bench_ctl *ctl, struct cow_state *s)
{
	return (void)s, bench_skip(ctl, "userfaultfd unavailable: no UFFDIO_WRITEPROTECT "
				   "in this build's kernel headers");
}
#endif

static int protect(struct cow_state *s, void *b, bool on)
{
	if (s->p->kind == COW_UFFD)
		return uffd_protect(s, b, s->len, on);
	return mprotect(b, s->len, on ? PROT_READ : PROT_READ | PROT_WRITE) ? -errno : 0;
}

/* THP off (one fault = one base page), then prefaulted. */
static unsigned char *alloc_buf(struct bench_ctl *ctl, struct cow_state *s)
{
	unsigned char *b = bench_alloc(ctl, s->len);

	if (b) {
		madvise(b, s->len, MADV_NOHUGEPAGE);
		memset(b, 0x5a, s->len);
	}
	return b;
}

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
	bench_pattern_fill(s->shadow, s->len, ORIG_SEQ, 0);
	rc = rearm(s);
	return rc == -EINVAL ? bench_skip(ctl, "MADV_POPULATE_READ unsupported "
					  "(Linux < 5.14)") : rc;
}

static void cow_teardown(struct bench_ctl *ctl, void *state)
{
	struct cow_state *s = state;

	if (s->segv)
		sigaction(SIGSEGV, &s->prev, NULL);
	cow_segv_state = NULL;
	if (s->thread && eventfd_write(s->fd[FD_EVENT], 1) == 0)
		pthread_join(s->handler, NULL);
	if (s->child > 0 && !kill(s->child, SIGKILL))
		waitpid(s->child, NULL, 0);
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
	free(s->pst);
	free(s);
}

static int cow_setup(struct bench_ctl *ctl, const struct bench_cell *cell, void **state)
{
	struct cow_state *s = calloc(1, sizeof(*s));
	const char *brk = getenv("COWBENCH_COW_BREAK");
	int rc = 0;

	if (!s)
		return -ENOMEM;
	*s = (struct cow_state){ .p = cell->param, .size = cell->size,
		.page = cell->page_size, .colocated = cell->colocated,
		.broken = brk && !strcmp(brk, "1"), .fd = { -1, -1, -1, -1 } };
	s->npages = (s->size + s->page - 1) / s->page;
	s->len = s->npages * s->page;
	if (s->p->kind == COW_PRIVATE)
		rc = private_setup(ctl, s);
	for (unsigned int i = 0; s->p->kind != COW_PRIVATE && i < s->p->ring && !rc; i++)
		rc = (s->buf[i] = alloc_buf(ctl, s)) ? 0 : -ENOMEM;
	if (!rc && s->p->kind == COW_FORK && pipe2(&s->fd[FD_PIPE_R], O_CLOEXEC))
		rc = -errno;
	if (!rc && s->p->kind >= COW_MPROTECT &&
	    !(s->pst = calloc(s->npages, sizeof(*s->pst))))
		rc = -ENOMEM;
	if (!rc && s->p->kind >= COW_MPROTECT && s->p->ring == 1)	/* preserves */
		rc = !(s->shadow = alloc_buf(ctl, s)) ? -ENOMEM :
		     s->p->kind == COW_UFFD ? uffd_setup(ctl, s) : segv_install(ctl, s);
	if (rc) {
		cow_teardown(ctl, s);
		return rc;
	}
	*state = s;
	return 0;
}

/* The producer's writes: one store per page, or (verifying) the pattern. */
static void refill(struct cow_state *s, unsigned char *b, uint32_t seq, bool verify)
{
	if (verify)
		bench_pattern_fill(b, s->size, seq, 0);
	for (size_t off = 0; !verify && off < s->size; off += s->page)
		*(volatile uint64_t *)(b + off) = seq;
}

/* The child holds the shared pages until the parent has written them, then
 * (verifying) checks that they kept the sent data. A child of a threaded
 * process: async-signal-safe calls only; the check is plain computation. */
static void __attribute__((noreturn)) fork_child(const struct cow_state *s, bool verify)
{
	char c;

	close(s->fd[FD_PIPE_W]);	/* so that read() ends if the parent dies */
	while (read(s->fd[FD_PIPE_R], &c, 1) < 0 && errno == EINTR)
		;
	_exit(verify && bench_pattern_check(s->buf[0], s->size, s->seq, 0) < s->size);
}

/* Release the child and wait for it: its exit, which frees the old pages,
 * is part of the operation (phase reap). Retried on EINTR even when
 * stopping: no child outlives its operation. */
static int reap(struct cow_state *s, int *status)
{
	ssize_t n;
	pid_t w;
	int rc = 0;

	while ((n = write(s->fd[FD_PIPE_W], "", 1)) < 0 && errno == EINTR)
		;
	if (n < 0 && (rc = -errno))
		kill(s->child, SIGKILL);
	while ((w = waitpid(s->child, status, 0)) < 0 && errno == EINTR)
		;
	s->child = 0;
	return rc ? rc : w < 0 ? -errno : 0;
}

static int run_fork(struct bench_ctl *ctl, struct cow_state *s, uint64_t nops)
{
	bool verify = bench_verifying(ctl);
	int st, rc = 0;

	for (uint64_t i = 0; i < nops && !rc; i++, s->seq++) {
		if (verify)
			bench_pattern_fill(s->buf[0], s->size, s->seq, 0);
		bench_phase(ctl, PH_FORK_PROTECT);
		s->child = fork();
		if (s->child == 0)
			fork_child(s, verify);
		if (s->child < 0)
			return -errno;
		bench_phase(ctl, PH_FORK_FAULT);
		refill(s, s->buf[0], s->seq + 1, verify);
		bench_phase(ctl, PH_FORK_REAP);
		rc = reap(s, &st);
		if (rc || !verify)
			continue;
		if (!WIFEXITED(st) || WEXITSTATUS(st))
			return bench_fail(ctl, "operation %u: the child's pages changed "
					  "when the parent wrote", s->seq);
		if (bench_pattern_check(s->buf[0], s->size, s->seq + 1, 0) < s->size)
			return bench_fail(ctl, "operation %u: the parent's writes "
					  "are lost", s->seq);
	}
	return rc;
}

/* Verifying: the mapping reads `seq`'s pattern, the shared pages the original. */
static int check_private(struct bench_ctl *ctl, struct cow_state *s, uint64_t seq)
{
	size_t bad = bench_pattern_check(s->buf[0], s->size, seq, 0);

	if (bad < s->size)
		return bench_fail(ctl, "operation %u: the mapping reads wrong at byte "
				  "%zu %s", s->seq, bad, seq == ORIG_SEQ ? "after rearm" :
				  "of the private copy");
	bad = bench_pattern_check(s->shadow, s->len, ORIG_SEQ, 0);
	if (bad < s->len)
		return bench_fail(ctl, "operation %u: a write reached the shared page "
				  "at byte %zu", s->seq, bad);
	return 0;
}

static int run_private(struct bench_ctl *ctl, struct cow_state *s, uint64_t nops)
{
	bool verify = bench_verifying(ctl);
	int rc = 0;

	for (uint64_t i = 0; i < nops && !rc; i++, s->seq++) {
		bench_phase(ctl, PH_PRIV_FAULT);
		refill(s, s->buf[0], s->seq, verify);
		if (verify && (rc = check_private(ctl, s, s->seq)))
			break;
		bench_phase(ctl, PH_PRIV_REARM);
		rc = rearm(s);
		if (!rc && verify)
			rc = check_private(ctl, s, ORIG_SEQ);
	}
	return rc;
}

/* The producer of a send: operation seq sends buf[seq % ring], then writes
 * the data of seq + 1 into the next buffer (the same one when ring is 1). */
static int run_send(struct bench_ctl *ctl, struct cow_state *s, uint64_t nops)
{
	unsigned int ring = s->p->ring;
	bool verify = bench_verifying(ctl);
	int rc = 0;

	if (verify)	/* all buffers are writable between operations */
		bench_pattern_fill(s->buf[s->seq % ring], s->size, s->seq, 0);
	for (uint64_t i = 0; i < nops && !rc; i++, s->seq++) {
		unsigned char *cur = s->buf[s->seq % ring];
		unsigned char *next = s->buf[(s->seq + 1) % ring];
		size_t bad = s->size;

		bench_phase(ctl, PH_SEND_PROTECT);
		if (s->shadow)
			memset((void *)s->pst, 0, s->npages * sizeof(*s->pst));
		rc = protect(s, cur, true);
		if (rc)
			return rc;
		post(s, &s->sent, s->seq + 1);
		bench_phase(ctl, PH_SEND_FAULT);
		refill(s, next, s->seq + 1, verify);
		if (verify)
			post(s, &s->refilled, s->seq + 1);
		if (atomic_load(&s->handler_err))
			return -atomic_load(&s->handler_err);
		if (verify)
			bad = bench_pattern_check(next, s->size, s->seq + 1, 0);
		if (bad < s->size)
			return bench_fail(ctl, "operation %u: the producer's new data is "
					  "wrong at byte %zu", s->seq, bad);
		bench_phase(ctl, PH_SEND_WAIT);
		rc = wait_for(ctl, s, &s->done, s->seq + 1);
		bench_phase(ctl, PH_SEND_UNPROTECT);
		rc = rc ? rc : protect(s, cur, false);
	}
	if (!rc && !s->colocated)	/* see run_receive() */
		post(s, &s->finished, s->seq);
	return rc;
}

/* The consumer reads each page of what was sent: the original while the
 * producer has not written it (pinned, so that a handler waits), else the
 * preserved copy; it must see the data as it was at the send. Verifying,
 * every other operation is read only after the refill, so that the copies
 * are checked whatever the scheduling. On a CPU of its own, it returns when
 * the producer is done with its last operation: its CPU stays in the
 * address space (and takes the shootdowns) however many operations a
 * sample has. */
static int run_receive(struct bench_ctl *ctl, struct cow_state *s, uint64_t nops)
{
	bool verify = bench_verifying(ctl);
	uint64_t sum = 0;

	for (uint64_t i = 0; i < nops; i++, s->cseq++) {
		const unsigned char *b = s->buf[s->cseq % s->p->ring];
		size_t bad = SIZE_MAX;
		int rc = wait_for(ctl, s, &s->sent, s->cseq + 1);

		if (!rc && verify && !(s->cseq & 1))
			rc = wait_for(ctl, s, &s->refilled, s->cseq + 1);
		if (rc)
			return rc;
		for (size_t p = 0, off = 0, k; p < s->npages; p++, off += s->page) {
			size_t n = s->size - off < s->page ? s->size - off : s->page;
			uint32_t v = atomic_fetch_or(&s->pst[p], PG_PIN);
			const unsigned char *src = (v & PG_PRESERVED ? s->shadow : b) + off;

			if (!verify)
				sum += *(const volatile uint64_t *)src;
			else if ((k = bench_pattern_check(src, n, s->cseq, off)) < n &&
				 bad > off)
				bad = off + k;
			v = atomic_fetch_and(&s->pst[p], ~(PG_PIN | PG_WAITER));
			if (v & PG_WAITER)
				futex(&s->pst[p], FUTEX_WAKE_PRIVATE, 1);
		}
		if (bad != SIZE_MAX)
			return bench_fail(ctl, "operation %u: the consumer saw byte %zu "
					  "changed after the send", s->cseq, bad);
		post(s, &s->done, s->cseq + 1);
	}
	__asm__ volatile("" : : "r"(sum));
	return s->colocated ? 0 : wait_for(ctl, s, &s->finished, s->cseq);
}

static int cow_run(struct bench_ctl *ctl, void *state, enum bench_role role,
		   uint64_t nops)
{
	struct cow_state *s = state;

	if (s->p->kind == COW_FORK)
		return run_fork(ctl, s, nops);
	if (s->p->kind == COW_PRIVATE)
		return run_private(ctl, s, nops);
	return role == BENCH_ROLE_CONSUMER ? run_receive(ctl, s, nops) :
	       run_send(ctl, s, nops);
}

static const struct cow_param p_fork = { COW_FORK, 1 }, p_private = { COW_PRIVATE, 1 },
	p_reuse = { COW_MPROTECT, 1 }, p_fresh = { COW_MPROTECT, 2 }, p_uffd = { COW_UFFD, 1 };

#define COW .class = BENCH_CLASS_COW, .twin = "copy/memcpy",		\
	.counters = { "page_faults", "tlb_flush.remote_shootdown", "tlb_ipi",	\
		      "context_switches", "dtlb_load_misses" },		\
	.setup = cow_setup, .run = cow_run, .teardown = cow_teardown
#define SEND_PHASES {							\
	[PH_SEND_PROTECT] = { "protect", "write-protect the sent buffer" },	\
	[PH_SEND_FAULT] = { "fault", "the refill's stores: a fault, a copy "	\
			    "and an unprotect per page with reuse" },	\
	[PH_SEND_WAIT] = { "wait", "until the consumer is done" },	\
	[PH_SEND_UNPROTECT] = { "unprotect", "make the rest writable" } }
#define SEND .consumer = true, .phases = SEND_PHASES
/* faults per op: one per page written, and at most `more` others */
#define FAULTS_PER_PAGE(more, text)					\
	{ .metric = "page_faults", .scope = BENCH_SCOPE_PRODUCER,	\
	  .per = BENCH_PER_PAGE, .value = 1, .slack = 0.5, .extra = (more),	\
	  .why = text }

static const struct bench_variant cow_variants[] = {
	/* fork() write-protects every page; each write by the parent COW-faults */
	{ .name = "fork", .param = &p_fork, COW,
	  .phases = { [PH_FORK_PROTECT] = { "protect", "fork(): copy the page "
					    "tables, write-protect every page" },
		      [PH_FORK_FAULT] = { "fault", "a kernel COW fault and page copy "
					  "per page written" },
		      [PH_FORK_REAP] = { "reap", "release the child, its exit "
					 "frees the old pages" } },
	  .expect = { FAULTS_PER_PAGE(10, "a COW fault per page, and the "
				      "parent's own stack and heap pages"),
		      BENCH_EXPECT_NO_REMOTE_FLUSH },
	  .desc = "fork(), the parent writes every page: a kernel COW fault each" },
	/* a COW fault from a shared (page cache) page to a private copy */
	{ .name = "private", .param = &p_private, COW,
	  .phases = { [PH_PRIV_FAULT] = { "fault", "a kernel COW fault and page "
					  "copy per page written" },
		      [PH_PRIV_REARM] = { "rearm", "MADV_DONTNEED + "
					  "MADV_POPULATE_READ: share again" } },
	  .expect = { FAULTS_PER_PAGE(2, "a COW fault per page; the re-arm "
				      "populates without faulting"),
		      BENCH_EXPECT_NO_REMOTE_FLUSH },
	  .desc = "MAP_PRIVATE memfd: write faults to private copies, DONTNEED re-arms" },
	/* zero-copy send, static buffer: SIGSEGV, a copy and mprotect per page */
	{ .name = "mprotect-reuse", .param = &p_reuse, COW, SEND,
	  .expect = { FAULTS_PER_PAGE(2, "a write-protect fault per page "
				      "refilled; the shadow copy is prefaulted"),
		      BENCH_EXPECT_NO_REMOTE_FLUSH },
	  .desc = "mprotect send, refill the same buffer: SIGSEGV and a copy per page" },
	/* zero-copy send, fresh buffer each time: protect/unprotect, no fault */
	{ .name = "mprotect-fresh", .param = &p_fresh, COW, SEND,
	  .expect = { { .metric = "page_faults", .scope = BENCH_SCOPE_PRODUCER,
			.per = BENCH_PER_OP, .value = 0, .slack = 0.5,
			.why = "the refill goes to the other, writable buffer" },
		      BENCH_EXPECT_NO_REMOTE_FLUSH },
	  .desc = "mprotect send, refill a fresh ring buffer: no fault, only protect" },
	/* zero-copy send, static buffer: userfaultfd-WP faults, a handler thread */
	{ .name = "uffd-wp", .param = &p_uffd, COW, SEND,
	  .expect = { FAULTS_PER_PAGE(2, "a write-protect fault per page "
				      "refilled, resolved by the handler"),
		      BENCH_EXPECT_NO_REMOTE_FLUSH },
	  .desc = "userfaultfd-WP send, refill the same buffer: a handler copies" },
};

const struct bench bench_cow_fault = {
	.name = "cow_fault",
	.family = "cow",
	.desc = "share and write-protect; a write before the reader is done faults",
	.variants = cow_variants,
	.nvariants = sizeof(cow_variants) / sizeof(cow_variants[0]),
};
