// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmsplice.c - the explicit-notification strategy: the kernel uses the
 * program's pages as they are, the program promises not to touch them,
 * and it learns explicitly when it may reuse them.
 *
 * Measured: the producer handing off `size` bytes per operation from a
 * ring of buffers, including the wait for the notification that frees a
 * buffer before it is handed off again (vmsplice: the consumer's
 * futex-backed counter; MSG_ZEROCOPY: completions on the socket's error
 * queue; io_uring: the notification CQE); and the consumer draining exactly
 * as its copying twin in copy.c does: an operation is done when its data
 * has arrived, and notifications still due then are waited for when the
 * ring comes round to their buffer (in the next sample, if need be).
 * Excluded: allocation, prefaulting, connection and ring set-up; rewriting
 * the data (as in copy.c, timed samples hand off the same bytes, but keep
 * the ring protocol in full).
 * Verification: the ring is 2 deep so 4 operations reuse each buffer; each
 * operation carries its own pattern and the consumer (or the remote sink)
 * checks every byte. With --hazard the ring is 1 deep and the producer
 * overwrites each buffer right after handing it off, before its
 * notification; the consumer counts the operations that arrive modified.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/errqueue.h>
#include <linux/futex.h>
#include <liburing.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "bench.h"
#include "config.h"

#if !HAVE_IO_URING_SEND_ZC	/* liburing < 2.3: the SEND_ZC rows skip at setup */
#define IORING_CQE_F_NOTIF (1U << 3)
#define io_uring_prep_send_zc(sqe, fd, buf, len, fl, zc) \
	io_uring_prep_send(sqe, fd, buf, len, fl)
#define io_uring_prep_send_zc_fixed(sqe, fd, buf, len, fl, zc, i) \
	io_uring_prep_send(sqe, fd, buf, len, fl)
#endif
#ifndef IORING_SEND_ZC_REPORT_USAGE	/* kernel ABI (6.2), newer than liburing 2.3 */
#define IORING_SEND_ZC_REPORT_USAGE (1U << 3)
#define IORING_NOTIF_USAGE_ZC_COPIED (1U << 31)
#endif

#define MAX_DEPTH 64
#define SOCK_INFLIGHT (1u << 20)	/* default ring: about this much in flight */
#define HAZARD_SEQ (1ull << 40)		/* pattern no operation is sent with */
#define WAIT_NS (100 * 1000 * 1000)	/* re-check bench_stopping() this often */

enum notify_kind { NK_VMSPLICE, NK_MSG_ZC, NK_URING };
/* bench_report() counts, per operation: DONE, operations whose buffer was
 * notified free; AUX, of those the kernel flagged as copied (zc rows) or
 * the producer's sleeps for a notification (the others); VIOLATIONS,
 * buffers handed off or written while in flight; HAZARD, operations that
 * arrived modified. */
enum { REP_DONE, REP_AUX, REP_VIOLATIONS, REP_HAZARD };

struct notify_param {
	enum notify_kind kind;
	bool zc;		/* completions say whether the kernel copied */
	bool fixed;		/* io_uring: registered buffers */
	unsigned int depth;	/* ring buffers; 0: enough to fill the pipe/socket */
};

struct slot {
	unsigned char *buf;
	_Atomic bool inflight;		/* handed off, not yet notified */
	unsigned int pending;		/* sockets: notifications still due */
	uint32_t done_at;		/* vmsplice: consumed count that frees it */
	uint32_t first_id, nids;	/* MSG_ZEROCOPY ids of its send() calls */
	size_t off;			/* io_uring: bytes sent so far */
	bool copied;			/* a completion said the kernel copied */
};

/* A futex-backed counter: the explicit notification of vmsplice. */
struct counter {
	_Atomic uint32_t v;
	_Atomic uint32_t waiting;
};

struct notify_state {
	const struct notify_param *p;
	size_t size, stride, pipe_cap;
	unsigned int depth;		/* of timed samples */
	struct slot slot[MAX_DEPTH];
	unsigned char *ring;
	size_t ringlen;
	int wfd, rfd;			/* pipe ends or TCP sockets; rfd -1 with a peer */
	const char *peer;
	bool hazard, hello_sent, sink_open, uring_ok;
	bool sending;			/* io_uring: a send's CQE is due */
	struct bench_sink_state sink;
	uint64_t sent, got;		/* vmsplice: operations handed off / consumed */
	struct counter consumed, ready;	/* vmsplice: consumer -> producer, hazard gate */
	uint32_t zc_next;		/* MSG_ZEROCOPY: id of the next send() */
	struct io_uring uring;
	unsigned int zc_flags;
};

static void counter_post(struct counter *c)
{
	atomic_fetch_add(&c->v, 1);
	if (atomic_exchange(&c->waiting, 0))
		syscall(SYS_futex, &c->v, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}

/* Sleep until the counter reaches target (wrapping compare). */
static int counter_reach(struct bench_ctl *ctl, struct counter *c, uint32_t target,
			 uint64_t *waits)
{
	struct timespec ts = { 0, WAIT_NS };

	while ((int32_t)(atomic_load(&c->v) - target) < 0) {
		uint32_t v;

		atomic_store(&c->waiting, 1);	/* before the re-check: no lost wake */
		v = atomic_load(&c->v);
		if ((int32_t)(v - target) >= 0)
			break;
		syscall(SYS_futex, &c->v, FUTEX_WAIT_PRIVATE, v, &ts, NULL, 0);
		(*waits)++;
		if (bench_stopping(ctl))
			return -EINTR;
	}
	return 0;
}

static void slot_done(struct bench_ctl *ctl, struct notify_state *s, struct slot *sl)
{
	atomic_store(&sl->inflight, false);
	bench_report(ctl, REP_DONE, 1);
	if (s->p->zc && sl->copied)
		bench_report(ctl, REP_AUX, 1);
}

/* MSG_ZEROCOPY completions: each successful send() gets an id (from 0, per
 * socket); the error queue reports ranges [ee_info, ee_data] of ids, with
 * ee_code SO_EE_CODE_ZEROCOPY_COPIED when the kernel copied after all. */
static void zc_complete(struct bench_ctl *ctl, struct notify_state *s, uint32_t lo,
			uint32_t hi, bool copied)
{
	for (unsigned int b = 0; b < s->depth; b++) {
		struct slot *sl = &s->slot[b];
		unsigned int n = 0;

		for (uint32_t k = 0; sl->pending && k < sl->nids; k++)
			n += (uint32_t)(sl->first_id + k - lo) <= (uint32_t)(hi - lo);
		if (!n)
			continue;
		sl->pending -= n < sl->pending ? n : sl->pending;
		sl->copied |= copied;
		if (!sl->pending)
			slot_done(ctl, s, sl);
	}
}

static int sock_error(int fd)
{
	int err = 0;
	socklen_t len = sizeof(err);

	getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
	return err ? -err : -EPIPE;
}

/* Collect what is on the error queue, sleeping (poll POLLERR) until there
 * is something: every recvmsg() takes one range, the kernel merges them. */
static int zc_reap(struct bench_ctl *ctl, struct notify_state *s)
{
	union { char buf[CMSG_SPACE(sizeof(struct sock_extended_err) + 64)];
		struct cmsghdr align; } ctrl;
	struct msghdr msg = { .msg_control = ctrl.buf };
	struct pollfd pfd = { .fd = s->wfd };
	bool got = false, polled = false;

	for (;;) {
		struct sock_extended_err *ee;
		struct cmsghdr *cm;

		msg.msg_controllen = sizeof(ctrl.buf);
		if (recvmsg(s->wfd, &msg, MSG_ERRQUEUE | MSG_DONTWAIT) < 0) {
			if (errno == EINTR && !bench_stopping(ctl))
				continue;
			if (errno != EAGAIN || got)
				return errno == EAGAIN ? 0 : -errno;
			if (polled && (pfd.revents & (POLLERR | POLLHUP)))
				return sock_error(s->wfd);	/* a socket error, not ours */
			polled = poll(&pfd, 1, WAIT_NS / 1000000) > 0;
			if (bench_stopping(ctl))
				return -EINTR;
			continue;
		}
		cm = CMSG_FIRSTHDR(&msg);
		if (!cm)
			return -EIO;
		ee = (struct sock_extended_err *)CMSG_DATA(cm);
		if (ee->ee_origin != SO_EE_ORIGIN_ZEROCOPY || ee->ee_errno)
			return ee->ee_errno ? -(int)ee->ee_errno : -EIO;
		zc_complete(ctl, s, ee->ee_info, ee->ee_data,
			    ee->ee_code & SO_EE_CODE_ZEROCOPY_COPIED);
		got = true;
	}
}

static bool any_pending(const struct notify_state *s)
{
	for (unsigned int b = 0; b < s->depth; b++)
		if (s->slot[b].pending)
			return true;
	return false;
}

static int zc_handoff(struct bench_ctl *ctl, struct notify_state *s, struct slot *sl)
{
	const unsigned char *p = sl->buf;
	size_t len = s->size;
	int rc;

	sl->first_id = s->zc_next;
	sl->nids = 0;
	while (len) {
		ssize_t n = send(s->wfd, p, len, MSG_ZEROCOPY | MSG_NOSIGNAL);

		if (n < 0) {
			/* optmem_max: too many notifications outstanding */
			if (errno == ENOBUFS && any_pending(s)) {
				rc = zc_reap(ctl, s);
				if (rc)
					return rc;
				continue;
			}
			if (errno == EINTR && !bench_stopping(ctl))
				continue;
			return -errno;
		}
		s->zc_next++;
		sl->nids++;
		sl->pending++;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* io_uring: a send CQE (IORING_CQE_F_MORE when a notification follows),
 * then for SEND_ZC the notification CQE (IORING_CQE_F_NOTIF; its res has
 * IORING_NOTIF_USAGE_ZC_COPIED when the kernel copied). user_data: slot.
 * Collects what is there; with `wait`, first sleeps until something is. */
static int uring_reap(struct bench_ctl *ctl, struct notify_state *s, bool wait)
{
	struct __kernel_timespec ts = { 0, WAIT_NS };
	struct io_uring_cqe *cqe;
	int rc = wait ? io_uring_wait_cqe_timeout(&s->uring, &cqe, &ts) : 0;

	if (rc == -EINTR || rc == -ETIME)
		return bench_stopping(ctl) ? -EINTR : 0;
	while (!rc && !io_uring_peek_cqe(&s->uring, &cqe)) {
		struct slot *sl = &s->slot[io_uring_cqe_get_data64(cqe) % MAX_DEPTH];

		if (cqe->flags & IORING_CQE_F_NOTIF) {
			sl->copied |= (uint32_t)cqe->res & IORING_NOTIF_USAGE_ZC_COPIED;
			sl->pending--;
		} else {
			rc = cqe->res > 0 ? 0 : cqe->res ? cqe->res : -EPIPE;
			sl->off += cqe->res > 0 ? (size_t)cqe->res : 0;
			sl->pending -= cqe->flags & IORING_CQE_F_MORE || !s->p->zc ? 1 : 2;
			s->sending = false;
		}
		io_uring_cqe_seen(&s->uring, cqe);
		if (!sl->pending && sl->off >= s->size)
			slot_done(ctl, s, sl);
	}
	return rc;
}

/* One send in flight on the socket at a time: the stream stays in order
 * even when the kernel completes a send short (it does, MSG_WAITALL or
 * not), and the rest is sent next. Notifications may stay outstanding. */
static int uring_handoff(struct bench_ctl *ctl, struct notify_state *s, struct slot *sl)
{
	int flags = MSG_WAITALL | MSG_NOSIGNAL, rc = 0;

	for (sl->off = 0; !rc && sl->off < s->size;) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&s->uring);
		unsigned char *p = sl->buf + sl->off;
		size_t len = s->size - sl->off;

		if (!sqe)
			return -EBUSY;
		if (!s->p->zc)
			io_uring_prep_send(sqe, s->wfd, p, len, flags);
		else if (s->p->fixed)
			io_uring_prep_send_zc_fixed(sqe, s->wfd, p, len, flags, s->zc_flags,
						    (unsigned int)(sl - s->slot));
		else
			io_uring_prep_send_zc(sqe, s->wfd, p, len, flags, s->zc_flags);
		io_uring_sqe_set_data64(sqe, (uint64_t)(sl - s->slot));
		sl->pending += s->p->zc ? 2 : 1;
		s->sending = true;
		rc = io_uring_submit_and_wait(&s->uring, 1);
		rc = rc == -EINTR && !bench_stopping(ctl) ? 0 : rc < 0 ? rc : 0;
		for (bool wait = false; !rc && s->sending; wait = true)
			rc = uring_reap(ctl, s, wait);
	}
	return rc;
}

static int reap(struct bench_ctl *ctl, struct notify_state *s)
{
	return s->p->kind == NK_MSG_ZC ? zc_reap(ctl, s) : uring_reap(ctl, s, true);
}

/* The buggy program of --hazard: reuse the buffer while it is in flight. */
static void tamper(struct bench_ctl *ctl, struct notify_state *s, struct slot *sl,
		   uint64_t op)
{
	bench_pattern_fill(sl->buf, s->size, op + HAZARD_SEQ, 0);
	bench_report(ctl, REP_VIOLATIONS, 1);
}

static int splice_in(struct bench_ctl *ctl, int fd, unsigned char *p, size_t len)
{
	while (len) {
		struct iovec iov = { p, len };
		ssize_t n = vmsplice(fd, &iov, 1, 0);

		if (n < 0) {
			if (errno == EINTR && !bench_stopping(ctl))
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* vmsplice in pipe-sized pieces (the call blocks until the pipe has room).
 * Under --hazard the first piece fits the empty pipe; the buffer is then
 * overwritten and only then may the consumer read. */
static int vmsplice_handoff(struct bench_ctl *ctl, struct notify_state *s,
			    struct slot *sl, bool hazard, uint64_t op)
{
	size_t first = hazard && s->size > s->pipe_cap ? s->pipe_cap : s->size;
	int rc;

	sl->done_at = (uint32_t)s->sent;
	rc = splice_in(ctl, s->wfd, sl->buf, first);
	if (!rc && hazard) {
		tamper(ctl, s, sl, op);
		counter_post(&s->ready);
	}
	return rc ? rc : splice_in(ctl, s->wfd, sl->buf + first, s->size - first);
}

/* Sleep until the slot's notification has come. */
static int slot_wait(struct bench_ctl *ctl, struct notify_state *s, struct slot *sl,
		     uint64_t *waits)
{
	int rc = 0;

	if (s->p->kind == NK_VMSPLICE)
		return counter_reach(ctl, &s->consumed, sl->done_at, waits);
	for (; !rc && sl->pending; (*waits)++)
		rc = reap(ctl, s);
	return rc;
}

static unsigned int ring_depth(const struct notify_state *s, bool verify)
{
	return verify && s->hazard ? 1 : verify ? 2 : s->depth;
}

static int run_producer(struct bench_ctl *ctl, struct notify_state *s, uint64_t nops)
{
	bool verify = bench_verifying(ctl), hazard = verify && s->hazard;
	unsigned int depth = ring_depth(s, verify);
	uint64_t waits = 0;
	int rc = 0;

	if (s->peer && !s->hello_sent) {
		rc = bench_peer_hello(ctl, s->wfd, s->size, verify ? nops : 0);
		s->hello_sent = true;
	}
	for (uint64_t i = 0; i < nops && !rc; i++) {
		struct slot *sl = &s->slot[s->sent++ % depth];

		rc = slot_wait(ctl, s, sl, &waits);
		if (rc)
			break;
		if (atomic_load(&sl->inflight))
			bench_report(ctl, REP_VIOLATIONS, 1);
		if (verify)
			bench_pattern_fill(sl->buf, s->size, i, 0);
		atomic_store(&sl->inflight, true);
		sl->copied = false;
		if (s->p->kind == NK_VMSPLICE) {
			rc = vmsplice_handoff(ctl, s, sl, hazard, i);
			continue;
		}
		rc = s->p->kind == NK_MSG_ZC ? zc_handoff(ctl, s, sl) :
		     uring_handoff(ctl, s, sl);
		if (!rc && hazard)
			tamper(ctl, s, sl, i);
	}
	/* Every sample ends with every buffer notified (bench_set_depth()), so
	 * that no notification frees the next sample's work for free. */
	for (unsigned int b = 0; b < depth && !rc; b++)
		rc = slot_wait(ctl, s, &s->slot[b], &waits);
	if (!rc && verify && s->peer) {
		uint32_t modified = 0;

		rc = bench_peer_result(ctl, s->wfd, s->peer, nops,
				       s->hazard ? &modified : NULL);
		if (!rc)
			bench_report(ctl, REP_HAZARD, modified);
	}
	if (!s->p->zc)
		bench_report(ctl, REP_AUX, waits);
	return rc;
}

/* Read one operation and check its pattern; under --hazard count it when
 * modified instead of failing. */
static int consume_checked(struct bench_ctl *ctl, struct notify_state *s, uint64_t op,
			   uint64_t *modified)
{
	size_t first = SIZE_MAX;

	for (size_t off = 0; off < s->size;) {
		size_t n = s->size - off < s->sink.buflen ? s->size - off : s->sink.buflen;
		size_t bad;
		int rc = bench_read_full(ctl, s->rfd, s->sink.buf, n);

		if (rc)
			return rc;
		bad = bench_pattern_check(s->sink.buf, n, op, off);
		if (bad < n && first == SIZE_MAX)
			first = off + bad;
		off += n;
	}
	if (first != SIZE_MAX && !s->hazard)
		return bench_fail(ctl, "operation %llu: byte %zu differs from what was sent",
				  (unsigned long long)op, first);
	*modified += first != SIZE_MAX;
	return 0;
}

static int run_consumer(struct bench_ctl *ctl, struct notify_state *s, uint64_t nops)
{
	bool verify = bench_verifying(ctl), pipe = s->p->kind == NK_VMSPLICE;
	unsigned int depth = ring_depth(s, verify);
	uint64_t modified = 0, waits = 0;
	int rc = 0;

	if (!pipe && !verify)	/* exactly as copy/send-tcp */
		return bench_sink_drain(ctl, &s->sink, s->rfd, s->size, nops);
	for (uint64_t i = 0; i < nops && !rc; i++) {
		if (pipe && verify && s->hazard)
			rc = counter_reach(ctl, &s->ready, (uint32_t)(s->got + 1), &waits);
		if (!rc)
			rc = verify ? consume_checked(ctl, s, i, &modified) :
			     bench_sink_drain(ctl, &s->sink, s->rfd, s->size, 1);
		if (rc || !pipe)
			continue;
		atomic_store(&s->slot[s->got++ % depth].inflight, false);
		counter_post(&s->consumed);	/* the notification */
		bench_report(ctl, REP_DONE, 1);
	}
	bench_report(ctl, REP_HAZARD, modified);
	return rc;
}

static int notify_run(struct bench_ctl *ctl, void *state, enum bench_role role,
		      uint64_t nops)
{
	if (role == BENCH_ROLE_CONSUMER)
		return run_consumer(ctl, state, nops);
	return run_producer(ctl, state, nops);
}

static void notify_teardown(struct bench_ctl *ctl, void *state)
{
	struct notify_state *s = state;

	/* Buffers still in flight: the last timed sample's, or an interrupted
	 * sample's. Close the consumer's end (the kernel frees what was
	 * queued for it, and notifies), or let the remote sink drain to EOF;
	 * then collect the notifications, for at most about 2 s. */
	if (s->rfd >= 0)
		close(s->rfd);
	else if (s->wfd >= 0)
		shutdown(s->wfd, SHUT_WR);
	for (int t = 0; t < 20 && any_pending(s); t++)
		reap(ctl, s);
	if (s->uring_ok)
		io_uring_queue_exit(&s->uring);
	if (s->wfd >= 0)
		close(s->wfd);
	if (s->sink_open)
		bench_sink_close(&s->sink);
	bench_free(ctl, s->ring, s->ringlen);
	free(s);
}

static int uring_open(struct bench_ctl *ctl, struct notify_state *s)
{
	struct iovec iov[MAX_DEPTH];
	struct io_uring_cqe *cqe;
	char why[64] = "";
	int rc, fd, n;

	if (s->p->zc && !HAVE_IO_URING_SEND_ZC)
		return bench_skip(ctl, "io_uring SEND_ZC: built with liburing < 2.3");
	if (s->size > INT_MAX)
		return bench_skip(ctl, "io_uring sends at most 2 GiB per request");
	rc = io_uring_queue_init(2 * MAX_DEPTH, &s->uring, 0);
	if (rc) {
		fd = open("/proc/sys/kernel/io_uring_disabled", O_RDONLY | O_CLOEXEC);
		n = fd >= 0 ? (int)read(fd, why, sizeof(why) - 1) : 0;
		if (fd >= 0)
			close(fd);
		why[n > 0 ? strcspn(why, "\n") : 0] = 0;
		return bench_skip(ctl, "io_uring unavailable: io_uring_setup: %s "
				  "(kernel.io_uring_disabled = %s)", strerror(-rc),
				  why[0] ? why : "?");
	}
	s->uring_ok = true;
	if (s->p->zc) {
		/* SEND_ZC with copy reports (Linux 6.2): flags are checked at
		 * prep, so a send on an unconnected socket tells (-EINVAL) */
		struct io_uring_sqe *sqe = io_uring_get_sqe(&s->uring);

		s->zc_flags = IORING_SEND_ZC_REPORT_USAGE;
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		io_uring_prep_send_zc(sqe, fd, s->ring, 1, MSG_NOSIGNAL, s->zc_flags);
		rc = io_uring_submit_and_wait(&s->uring, 1);
		for (bool more = rc >= 0; more && !io_uring_wait_cqe(&s->uring, &cqe);) {
			more = (cqe->flags & (IORING_CQE_F_MORE | IORING_CQE_F_NOTIF)) ==
			       IORING_CQE_F_MORE;	/* a notification follows */
			rc = cqe->flags & IORING_CQE_F_NOTIF ? rc : cqe->res;
			io_uring_cqe_seen(&s->uring, cqe);
		}
		close(fd);
		if (rc == -EINVAL || rc == -EOPNOTSUPP)
			return bench_skip(ctl, "io_uring SEND_ZC with copy reports "
					  "unsupported here (needs Linux 6.2)");
	}
	for (unsigned int b = 0; s->p->fixed && b < s->depth; b++)
		iov[b] = (struct iovec){ s->slot[b].buf, s->stride };
	rc = s->p->fixed ? io_uring_register_buffers(&s->uring, iov, s->depth) : 0;
	if (rc)
		return bench_skip(ctl, "io_uring_register_buffers (%zu KiB): %s",
				  s->ringlen >> 10, strerror(-rc));
	return 0;
}

static int notify_setup(struct bench_ctl *ctl, const struct bench_cell *cell,
			void **state)
{
	struct notify_state *s = calloc(1, sizeof(*s));
	int one = 1, rc = 0, fds[2];
	size_t depth;

	if (!s)
		return -ENOMEM;
	s->p = cell->param;
	s->size = cell->size;
	s->stride = (cell->size + cell->page_size - 1) & ~(cell->page_size - 1);
	s->wfd = s->rfd = -1;
	s->peer = cell->peer;
	s->hazard = cell->hazard;
	if (s->p->kind == NK_VMSPLICE) {
		if (pipe2(fds, O_CLOEXEC))
			goto out_errno;
		s->rfd = fds[0];
		s->wfd = fds[1];
		s->pipe_cap = bench_size_pipe(s->wfd, s->size);
		depth = s->pipe_cap / s->size + 1;
	} else {
		rc = s->peer ? bench_peer_connect(ctl, s->peer, &s->wfd) :
		     bench_tcp_pair(&s->wfd, &s->rfd);
		if (rc)
			goto out_free;
		depth = SOCK_INFLIGHT / s->size + 1;
	}
	depth = s->p->depth ? s->p->depth : depth;
	s->depth = depth < 2 ? 2 : depth > MAX_DEPTH ? MAX_DEPTH : (unsigned int)depth;
	s->ringlen = s->depth * s->stride;
	s->ring = bench_alloc(ctl, s->ringlen);
	if (!s->ring) {
		rc = -ENOMEM;
		goto out_free;
	}
	memset(s->ring, 0x5a, s->ringlen);	/* prefault: no fault in a timed sample */
	for (unsigned int b = 0; b < s->depth; b++)
		s->slot[b].buf = s->ring + b * s->stride;
	bench_set_depth(ctl, s->depth);
	if (s->p->kind == NK_MSG_ZC &&
	    setsockopt(s->wfd, SOL_SOCKET, SO_ZEROCOPY, &one, sizeof(one))) {
		rc = bench_skip(ctl, "SO_ZEROCOPY: %s", strerror(errno));
		goto out_free;
	}
	rc = s->p->kind == NK_URING ? uring_open(ctl, s) : 0;
	if (!rc && s->rfd >= 0) {
		rc = bench_sink_open(&s->sink, cell->sink, s->p->kind != NK_VMSPLICE);
		s->sink_open = true;
	}
	if (rc)
		goto out_free;
	*state = s;
	return 0;
out_errno:
	rc = -errno;
out_free:
	notify_teardown(ctl, s);
	return rc;
}

static const struct notify_param p_vmsplice = { .kind = NK_VMSPLICE };
static const struct notify_param p_msg_zc = { .kind = NK_MSG_ZC, .zc = true };
static const struct notify_param p_uring_zc = { .kind = NK_URING, .zc = true };
static const struct notify_param p_uring_fixed = { .kind = NK_URING, .zc = true,
						   .fixed = true };
static const struct notify_param p_uring_send = { .kind = NK_URING };

#define REPORTS(done, aux_kind, aux, aux_desc)				\
	{ [REP_DONE] = { done, BENCH_REPORT_COUNT, .desc = "operations whose "	\
			 "buffer was notified free" },				\
	  [REP_AUX] = { aux, aux_kind, .of = (aux_kind) == BENCH_REPORT_SHARE ?	\
			done : NULL, .desc = aux_desc },			\
	  [REP_VIOLATIONS] = { "reuse_violations", BENCH_REPORT_MUST_BE_ZERO,	\
			       .desc = "buffers reused while in flight" },	\
	  [REP_HAZARD] = { "hazard_modified_ops", BENCH_REPORT_HAZARD,	\
			   .desc = "--hazard: operations that arrived modified" } }
#define ZC_REPORTS REPORTS("zc_completions", BENCH_REPORT_SHARE, "zc_copied",	\
			   "completions the kernel flagged as copied")
#define WAIT_REPORTS REPORTS("completions", BENCH_REPORT_COUNT, "notify_waits", \
			     "sleeps of the producer for a notification")
/* Each operation's buffer is notified free once within its sample. */
#define NOTIFIED(done)							\
	{ { .metric = done, .scope = BENCH_SCOPE_OP, .per = BENCH_PER_OP,	\
	    .value = 1, .why = "every buffer handed off is notified free "	\
	    "before the sample ends" },					\
	  { .metric = "page_faults", .scope = BENCH_SCOPE_PRODUCER,	\
	    .per = BENCH_PER_OP, .value = 0, .slack = 0.5,		\
	    .why = "the ring is prefaulted" },				\
	  BENCH_EXPECT_NO_REMOTE_FLUSH }
#define HOOKS .consumer = true, .setup = notify_setup, .run = notify_run, \
	      .teardown = notify_teardown,					\
	      .counters = { "cycles", "context_switches", "page_faults",	\
			    "llc_load_misses" }

static const struct bench_variant notify_variants[] = {
	/* pages go into the pipe by reference; the consumer's counter frees them */
	{ .name = "vmsplice", .class = BENCH_CLASS_NOTIFY, .param = &p_vmsplice,
	  .twin = "copy/write-pipe", .reports = WAIT_REPORTS,
	  .expect = NOTIFIED("completions"), HOOKS,
	  .desc = "vmsplice() into a pipe; a buffer is reused on the consumer's notice" },
	/* skbs point at the pages; the error queue says when they are free */
	{ .name = "msg-zerocopy", .class = BENCH_CLASS_NOTIFY, .param = &p_msg_zc,
	  .twin = "copy/send-tcp", .reports = ZC_REPORTS,
	  .expect = NOTIFIED("zc_completions"),
	  .peer = true, HOOKS,
	  .desc = "send(MSG_ZEROCOPY) on TCP; reuse on the error-queue completion" },
	/* the same through io_uring; the notification CQE frees the buffer */
	{ .name = "io-uring-zc", .class = BENCH_CLASS_NOTIFY, .param = &p_uring_zc,
	  .twin = "copy/send-tcp", .reports = ZC_REPORTS,
	  .expect = NOTIFIED("zc_completions"),
	  .peer = true, HOOKS,
	  .desc = "io_uring SEND_ZC on TCP; reuse on the notification CQE" },
	/* and from registered buffers: no page pinning per send */
	{ .name = "io-uring-reg", .class = BENCH_CLASS_NOTIFY, .param = &p_uring_fixed,
	  .twin = "copy/send-tcp", .reports = ZC_REPORTS,
	  .expect = NOTIFIED("zc_completions"),
	  .peer = true, HOOKS,
	  .desc = "io_uring SEND_ZC from registered buffers on TCP" },
	/* io_uring's own cost without zero copy: the kernel copies */
	{ .name = "io-uring-cp", .class = BENCH_CLASS_COPY, .param = &p_uring_send,
	  .twin = "copy/send-tcp", .reports = WAIT_REPORTS,
	  .expect = NOTIFIED("completions"),
	  .peer = true, HOOKS,
	  .desc = "io_uring SEND (copying) on TCP: io_uring's cost without zero copy" },
};

const struct bench bench_vmsplice = {
	.name = "vmsplice",
	.family = "notify",
	.desc = "zero copy with explicit notification of buffer reuse",
	.variants = notify_variants,
	.nvariants = sizeof(notify_variants) / sizeof(notify_variants[0]),
};
