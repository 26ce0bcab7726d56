// SPDX-License-Identifier: GPL-2.0-only
/*
 * cow_send.c - a zero-copy send by write protection, modelled in user
 * space: cow/mprotect-*, cow/uffd-wp.
 *
 * An operation sends a buffer: protect it and hand it to the consumer
 * (protect), which stands for the kernel using the pages; write the next
 * data (fault); wait until the consumer is done with the sent pages
 * (wait); make the rest writable (unprotect). The consumer runs on the
 * producer's CPU, asleep until handed a buffer, and reads one word per page
 * (like a NIC's DMA); the cell's other CPUs run busy bystanders, which take
 * the shootdowns of every protection change.
 * The refill is a store per page. With the buffer reused (ring 1), each
 * store faults: with mprotect, a SIGSEGV whose handler copies the page
 * aside for the consumer and makes that one page writable (splitting the
 * VMA); with userfaultfd, the producer sleeps while the helper copies the
 * page aside and write-unprotects it. When the consumer has released the
 * pages before the refill (mprotect-done), a fault copies nothing: the
 * cost of a COW that finds the page free. With a fresh buffer (ring 2) the
 * refill writes the other buffer and nothing faults.
 * The order is fixed, so that every row does what its name says in every
 * operation: the consumer reads after the refill, or releases before it.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "config.h"
#include "cow.h"

/* The cell the SIGSEGV handler serves. A handler is process-global: it is
 * installed in setup, which sets this, and restored in teardown, which
 * clears it; a cell's process runs one cell. */
static struct cow_state *cow_segv_state;

/* Before page p of the sent buffer is written: unless the consumer has let
 * go of it, copy it aside (still read-only, so it holds the sent data) for
 * the consumer to read. Returns the pages copied (0 or 1). Also called from
 * the SIGSEGV handler: memcpy and atomics are async-signal-safe in practice. */
static unsigned int preserve(struct cow_state *s, size_t p)
{
	if (atomic_load(&s->pst[p]) & PG_RELEASED)
		return 0;
	if (!s->sabotage)
		memcpy(s->shadow + p * s->page, s->buf[0] + p * s->page, s->page);
	atomic_fetch_or(&s->pst[p], PG_PRESERVED);
	return 1;
}

/* The producer wrote a protected page: preserve it and make it writable
 * (mprotect is a plain syscall). A fault that is not ours puts the previous
 * action back and returns: the access faults again and that action deals
 * with it. */
static void cow_segv(int sig, siginfo_t *si, void *uc)
{
	struct cow_state *s = cow_segv_state;
	uintptr_t a = (uintptr_t)si->si_addr, b = s ? (uintptr_t)s->buf[0] : 0;
	int saved_errno = errno;

	(void)sig, (void)uc;
	if (s && si->si_code == SEGV_ACCERR && a >= b && a < b + s->len) {
		a -= (a - b) % s->page;
		bench_report(s->producer, REP_COPIED, preserve(s, (a - b) / s->page));
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

/* One message: preserve the page and unprotect it, which wakes the producer. */
static int uffd_serve(struct bench_ctl *ctl, struct cow_state *s)
{
	uintptr_t b = (uintptr_t)s->buf[0], off;
	struct uffd_msg m;

	if (read(s->fd[FD_UFFD], &m, sizeof(m)) != (ssize_t)sizeof(m))
		return errno == EAGAIN || errno == EINTR ? 0 : -EIO;
	off = m.arg.pagefault.address - b;
	if (m.event != UFFD_EVENT_PAGEFAULT || off >= s->len ||
	    !(m.arg.pagefault.flags & UFFD_PAGEFAULT_FLAG_WP))
		return -EPROTO;
	bench_report(ctl, REP_COPIED, preserve(s, off / s->page));
	return uffd_protect(s, s->buf[0] + off / s->page * s->page, s->page, false);
}

/* The helper, the fault handler: serves until the producer has done this
 * sample's operations (it says so through the eventfd) or the sample is
 * stopped. */
static int uffd_helper(struct bench_ctl *ctl, struct cow_state *s, uint64_t nops)
{
	struct pollfd pfd[2] = { { .fd = s->fd[FD_UFFD], .events = POLLIN },
				 { .fd = s->fd[FD_EVENT], .events = POLLIN } };
	uint64_t target = s->helper_ops + nops, n;
	int rc = 0;

	while (!rc && atomic_load(&s->ops_done) < target && !bench_stopping(ctl)) {
		if (poll(pfd, 2, 100) < 0) {
			rc = errno == EINTR ? 0 : -errno;
			continue;
		}
		if (pfd[1].revents && read(s->fd[FD_EVENT], &n, sizeof(n)) < 0 &&
		    errno != EAGAIN)
			rc = -errno;
		if (!rc && pfd[0].revents)
			rc = uffd_serve(ctl, s);
	}
	s->helper_ops = target;
	if (rc)
		atomic_store(&s->handler_err, -rc);
	/* an error, or stopped before the producer is done: no fault is
	 * served any more, so wake a producer that waits in one */
	if (rc || atomic_load(&s->ops_done) < target)
		ioctl(s->fd[FD_UFFD], UFFDIO_UNREGISTER,
		      &(struct uffdio_range){ (uintptr_t)s->buf[0], s->len });
	return rc;
}

/* Whether this process has CAP_SYS_PTRACE (bit 19 of CapEff). */
static bool ptrace_capable(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	unsigned long long caps = 0;
	char line[128];

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &caps) == 1)
			break;
	if (f)
		fclose(f);
	return caps & (1ull << 19);
}

/* Why userfaultfd() failed with err, as far as can be known. The sysctl
 * gates only faults taken in the kernel: user-mode-only handlers
 * (UFFD_USER_MODE_ONLY, Linux 5.11) are always allowed, and so is any
 * handler with the sysctl at 1 or with CAP_SYS_PTRACE. Past that, an
 * EPERM is a seccomp filter or an LSM. /dev/userfaultfd (Linux 6.1) gives
 * one by its file permissions, without the system call or the sysctl. */
static int uffd_refused(struct bench_ctl *ctl, int err, bool user_only)
{
	const char *dev = access("/dev/userfaultfd", F_OK) ? "" :
			  "; /dev/userfaultfd exists: it needs neither the system "
			  "call nor the sysctl";
	char v[16];

	bench_sysctl("vm/unprivileged_userfaultfd", v, sizeof(v));
	if (err == ENOSYS)
		return bench_skip(ctl, "userfaultfd unavailable: userfaultfd: %s (a seccomp "
				  "filter, or a kernel without CONFIG_USERFAULTFD)%s",
				  strerror(err), dev);
	if (err != EPERM)
		return bench_skip(ctl, "userfaultfd unavailable: userfaultfd: %s",
				  strerror(err));
	if (user_only || !strcmp(v, "1") || ptrace_capable())
		return bench_skip(ctl, "userfaultfd unavailable: userfaultfd: %s, denied by "
				  "seccomp or an LSM (not by vm.unprivileged_userfaultfd=%s%s)%s",
				  strerror(err), v,
				  user_only ? ", which allows user-mode-only handlers" :
				  !strcmp(v, "1") ? ", which allows any" :
				  ": the process has CAP_SYS_PTRACE", dev);
	return bench_skip(ctl, "userfaultfd unavailable: userfaultfd: %s "
			  "(vm.unprivileged_userfaultfd=%s and no CAP_SYS_PTRACE, or "
			  "seccomp or an LSM)%s", strerror(err), v, dev);
}

static int uffd_setup(struct bench_ctl *ctl, struct cow_state *s)
{
	struct uffdio_api api = { .api = UFFD_API,
				  .features = UFFD_FEATURE_PAGEFAULT_FLAG_WP };
	struct uffdio_register reg = { .range = { (uintptr_t)s->buf[0], s->len },
				       .mode = UFFDIO_REGISTER_MODE_WP };
	bool user_only = true;
	int fd;

	/* user-mode faults only: allowed even with vm.unprivileged_userfaultfd=0 */
	fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK | UFFD_USER_MODE_ONLY);
	if (fd < 0 && errno == EINVAL) {	/* Linux < 5.11 has no such flag */
		user_only = false;
		fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	}
	if (fd < 0)
		return uffd_refused(ctl, errno, user_only);
	s->fd[FD_UFFD] = fd;
	if (ioctl(fd, UFFDIO_API, &api) ||
	    !(api.features & UFFD_FEATURE_PAGEFAULT_FLAG_WP))
		return bench_skip(ctl, "userfaultfd unavailable: no write-protect "
				  "faults (UFFD_FEATURE_PAGEFAULT_FLAG_WP)");
	if (ioctl(fd, UFFDIO_REGISTER, &reg))
		return bench_skip(ctl, "userfaultfd unavailable: "
				  "UFFDIO_REGISTER_MODE_WP: %s", strerror(errno));
	s->fd[FD_EVENT] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	return s->fd[FD_EVENT] < 0 ? -errno : 0;
}
#else
static int uffd_protect(struct cow_state *s, void *b, size_t len, bool on)
{
	return (void)s, (void)b, (void)len, (void)on, -EOPNOTSUPP;
}

static int uffd_helper(struct bench_ctl *ctl, struct cow_state *s, uint64_t nops)
{
	return (void)ctl, (void)s, (void)nops, -EOPNOTSUPP;
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

/* Buffers from bench_alloc (the cell's THP advice), prefaulted; a shadow
 * to preserve pages into when the buffer is reused. */
int cow_send_setup(struct bench_ctl *ctl, struct cow_state *s)
{
	unsigned int ring = s->p->ring;

	for (unsigned int i = 0; i < ring + (ring == 1); i++) {
		unsigned char *b = bench_alloc(ctl, s->len);

		if (!b)
			return -ENOMEM;
		memset(b, 0x5a, s->len);
		*(i < ring ? &s->buf[i] : &s->shadow) = b;
	}
	s->pst = bench_alloc_private(s->npages * sizeof(*s->pst));
	if (!s->pst)
		return -ENOMEM;
	return s->p->kind == COW_UFFD ? uffd_setup(ctl, s) : segv_install(ctl, s);
}

void cow_send_teardown(struct cow_state *s)
{
	if (s->segv)
		sigaction(SIGSEGV, &s->prev, NULL);
	if (cow_segv_state == s)
		cow_segv_state = NULL;
}

/* The producer: operation seq sends buf[seq % ring], then writes the data
 * of seq + 1 into the next buffer (the same one when ring is 1). */
static int run_producer(struct bench_ctl *ctl, struct cow_state *s, uint64_t nops)
{
	unsigned int ring = s->p->ring;
	bool before = s->p->release == RELEASE_BEFORE_REFILL;
	uint64_t i;
	int rc = 0;

	if (s->verify)	/* all buffers are writable between operations */
		bench_pattern_fill(s->buf[s->seq % ring], s->size, s->seq, 0);
	for (i = 0; i < nops && !rc; i++, s->seq++) {
		unsigned char *cur = s->buf[s->seq % ring];
		unsigned char *next = s->buf[(s->seq + 1) % ring];
		size_t bad;

		bench_phase(ctl, PH_SEND_PROTECT);
		memset((void *)s->pst, 0, s->npages * sizeof(*s->pst));
		if ((rc = protect(s, cur, true)))
			break;
		if (before) {	/* the consumer releases first */
			bench_phase(ctl, PH_SEND_WAIT);
			cow_post(&s->sent, s->seq + 1);
			if ((rc = cow_wait(ctl, &s->released, s->seq + 1)))
				break;
		}
		bench_phase(ctl, PH_SEND_FAULT);
		cow_refill(s, next, s->seq + 1);
		if ((rc = -atomic_load(&s->handler_err)))
			break;
		if (!before) {	/* it held the pages all along: one hand-off */
			bench_phase(ctl, PH_SEND_WAIT);	/* the wake-up may run it */
			cow_post(&s->sent, s->seq + 1);
			if ((rc = cow_wait(ctl, &s->released, s->seq + 1)))
				break;
		}
		bench_phase(ctl, PH_SEND_UNPROTECT);
		if ((rc = protect(s, cur, false)))
			break;
		if (s->verify && (bad = bench_pattern_check(next, s->size, s->seq + 1, 0)) <
		    s->size)
			rc = bench_fail(ctl, "operation %u: the producer's new data is "
					"wrong at byte %zu", s->seq, bad);
	}
	if (s->p->kind == COW_UFFD) {	/* the helper's sample ends with ours */
		atomic_fetch_add(&s->ops_done, nops);
		if (write(s->fd[FD_EVENT], &(uint64_t){ 1 }, sizeof(uint64_t)) < 0 && !rc)
			rc = -errno;
	}
	return rc;
}

/* The consumer reads each sent page: the copy where the producer preserved
 * it, else the original; verifying, it must hold the data of the send. It
 * is handed the buffer after the refill (it held the pages throughout:
 * waking it earlier would only add context switches), or before it when
 * it releases them first. */
static int run_consumer(struct bench_ctl *ctl, struct cow_state *s, uint64_t nops)
{
	bool before = s->p->release == RELEASE_BEFORE_REFILL;
	uint64_t sum = 0;

	for (uint64_t i = 0; i < nops; i++, s->cseq++) {
		const unsigned char *b = s->buf[s->cseq % s->p->ring];
		size_t bad = SIZE_MAX;
		int rc = cow_wait(ctl, &s->sent, s->cseq + 1);

		if (rc)
			return rc;
		for (size_t p = 0, off = 0, k; p < s->npages; p++, off += s->page) {
			size_t n = s->size - off < s->page ? s->size - off : s->page;
			uint32_t v = atomic_fetch_or(&s->pst[p], before ? PG_RELEASED : 0);
			const unsigned char *src = (v & PG_PRESERVED ? s->shadow : b) + off;

			if (!s->verify)
				sum += *(const volatile uint64_t *)src;
			else if ((k = bench_pattern_check(src, n, s->cseq, off)) < n &&
				 bad == SIZE_MAX)
				bad = off + k;
		}
		if (bad != SIZE_MAX)
			return bench_fail(ctl, "operation %u: the consumer saw byte %zu "
					  "changed after the send", s->cseq, bad);
		cow_post(&s->released, s->cseq + 1);
	}
	__asm__ volatile("" : : "r"(sum));
	return 0;
}

int cow_send_run(struct bench_ctl *ctl, struct cow_state *s, enum bench_role role,
		 uint64_t nops)
{
	if (role == BENCH_ROLE_HELPER)
		return uffd_helper(ctl, s, nops);
	return role == BENCH_ROLE_CONSUMER ? run_consumer(ctl, s, nops) :
	       run_producer(ctl, s, nops);
}
