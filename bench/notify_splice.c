// SPDX-License-Identifier: GPL-2.0-only
/*
 * notify_splice.c - vmsplice() into a pipe, then splice() from the pipe to
 * a TCP socket (notify/vmsplice-tcp): the case the 2006 argument was
 * about, where Linux gives no notification at all.
 *
 * splice() to TCP moves the pipe's page references into the socket's
 * skbs (MSG_SPLICE_PAGES), and returns; TCP keeps them until the bytes
 * are acknowledged. A receiver on this host (loopback, a veth into
 * another namespace) gets those very skbs, pages and all: it reads from
 * the program's pages whenever it reads, after its kernel has acked them
 * (checked here: 4 KiB spliced, SIOCOUTQ 0, the receiver's SIOCINQ still
 * 4096, and every byte it then read was the overwrite). So the reuse rule
 * is two-sided:
 *   loopback: the bytes through the buffer's end are acknowledged and
 *     the receiving socket has handed them on: (bytes spliced - SIOCOUTQ
 *     of the sender, read first) - SIOCINQ of the receiver >= the
 *     buffer's end. Only a program that owns both ends can see this; the
 *     producer polls it (no event says it became true), yielding, then
 *     sleeping with a growing back-off.
 *   --peer: the sink's own count of operations consumed, which it sends
 *     when the hello asks (SINKPROTO_F_CONSUMED, sinkproto.h); the
 *     producer sleeps on the socket for it. To a sink on another machine
 *     the ACK alone (SIOCOUTQ) would do; the count keeps the rule honest
 *     for a sink on this host too.
 * Measured and excluded as for every row (vmsplice.c). The pipe is sized
 * for the operation (bench_size_pipe()), larger ones go in pieces.
 * --hazard: the buffer is overwritten as soon as splice() has returned;
 * with a local consumer, for the first piece only (so the operation
 * cannot wait for a consumer that waits for the overwrite), sent as far
 * as the socket takes it without blocking, the rest left in the pipe:
 * all of it the kernel's when overwritten.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <poll.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "notify.h"
#include "sinkproto.h"

#define SPIN_POLLS 8			/* sched_yield() between the first polls */
#define MAX_BACKOFF_NS (1000 * 1000)	/* then sleep, doubling up to this */

struct splice_mech {
	int pipe[2];
	size_t cap;		/* the pipe's capacity */
	uint64_t bytes;		/* spliced to the socket so far */
	uint64_t consumed;	/* --peer: operations the sink consumed */
};

static int splice_open(struct bench_ctl *ctl, struct notify_state *s,
		       const struct bench_cell *cell)
{
	struct splice_mech *m = calloc(1, sizeof(*m));
	int rc;

	(void)cell;
	if (!m)
		return -ENOMEM;
	m->pipe[0] = m->pipe[1] = -1;
	s->mech = m;
	if (pipe2(m->pipe, O_CLOEXEC))
		return -errno;
	m->cap = bench_size_pipe(m->pipe[1], s->size);
	rc = s->peer ? bench_peer_connect(ctl, s->peer, &s->wfd) :
	     bench_tcp_pair(&s->wfd, &s->rfd);
	if (rc)
		return rc;
	bench_note(ctl, s->peer ? "reuse rule: the sink's count of operations consumed "
		   "(SINKPROTO_F_CONSUMED)" : "reuse rule: acknowledged (SIOCOUTQ) and "
		   "read by the receiving socket (SIOCINQ)");
	return notify_ring_alloc(ctl, s, NOTIFY_SOCK_INFLIGHT / s->size + 1);
}

/* Move *left bytes from the pipe to the socket; *left: what is still in
 * the pipe. With nonblock the socket is O_NONBLOCK for the call (splice
 * follows the socket's flag) and it stops where the socket is full. */
static int pipe_to_socket(struct bench_ctl *ctl, struct notify_state *s,
			  struct splice_mech *m, size_t *left, bool nonblock)
{
	int fl = fcntl(s->wfd, F_GETFL), rc = 0;

	if (nonblock)
		fcntl(s->wfd, F_SETFL, fl | O_NONBLOCK);
	while (*left && !rc) {
		ssize_t n = splice(m->pipe[0], NULL, s->wfd, NULL, *left, SPLICE_F_MOVE);

		if (n > 0) {
			*left -= (size_t)n;
			m->bytes += (uint64_t)n;
		} else if (n == 0) {
			rc = -EPIPE;
		} else if (errno == EAGAIN && nonblock) {
			break;
		} else if (errno != EINTR || bench_stopping(ctl)) {
			rc = -errno;
		}
	}
	if (nonblock)
		fcntl(s->wfd, F_SETFL, fl);
	return rc;
}

static int splice_handoff(struct bench_ctl *ctl, struct notify_state *s,
			  struct notify_slot *sl, uint64_t op, bool last)
{
	struct splice_mech *m = s->mech;
	bool gate = s->tampering && s->rfd >= 0;
	int rc = 0;

	(void)last;
	for (size_t off = 0; off < s->size && !rc;) {
		size_t piece = s->size - off < m->cap ? s->size - off : m->cap, left = piece;

		rc = notify_vmsplice_all(ctl, m->pipe[1], sl->buf + off, piece, 0);
		if (!rc && gate && !off) {
			rc = pipe_to_socket(ctl, s, m, &left, true);
			if (!rc)
				notify_tamper(ctl, s, sl, op, piece);
		}
		if (!rc)
			rc = pipe_to_socket(ctl, s, m, &left, false);
		off += piece;
	}
	sl->end = m->bytes;
	if (!rc && s->tampering && !gate)
		notify_tamper(ctl, s, sl, op, s->size);
	return rc;
}

static int ioctl_int(int fd, unsigned long req, int *v)
{
	return ioctl(fd, req, v) ? -errno : 0;
}

/* Loopback: what the receiver has surely handed on, in stream bytes.
 * Acked is read before the receiver's queue: the bytes acked then had
 * arrived, so those not queued later have been read. The queue may hold
 * more than was acked (a delayed ACK): then nothing is sure. */
static int loopback_consumed(struct notify_state *s, uint64_t *bytes)
{
	const struct splice_mech *m = s->mech;
	int outq, inq, rc;
	uint64_t acked;

	rc = ioctl_int(s->wfd, SIOCOUTQ, &outq);
	if (!rc)
		rc = ioctl_int(s->rfd, SIOCINQ, &inq);
	if (rc)
		return rc;
	acked = m->bytes - (uint64_t)outq;
	*bytes = acked > (uint64_t)inq ? acked - (uint64_t)inq : 0;
	return 0;
}

/* --peer: take the sink's consumed messages that have come, or with
 * wait, sleep for one. While verifying, a result message waits for
 * bench_peer_result(): it comes after the count of the last verified
 * operation, so one in the way of a wait is a broken protocol. A
 * repetition that verifies nothing (verify_ops 0) gets its result first:
 * it is taken here. */
static int peer_reports(struct bench_ctl *ctl, struct notify_state *s, bool wait)
{
	struct splice_mech *m = s->mech;
	unsigned char buf[SINKPROTO_RESULT_LEN];
	struct pollfd pfd = { .fd = s->wfd, .events = POLLIN };
	bool got = false;

	for (;;) {
		ssize_t n = recv(s->wfd, buf, sizeof(buf), MSG_PEEK | MSG_DONTWAIT);
		uint64_t ops;

		if (n == (ssize_t)sizeof(buf)) {
			if (!sinkproto_consumed_decode(buf, &ops)) {
				int rc = 0;

				if (bench_verifying(ctl) && (got || !wait))
					return 0;
				rc = bench_peer_result(ctl, s->wfd, s->peer, 0, NULL);
				if (!rc && bench_verifying(ctl))
					rc = bench_fail(ctl, "the sink at %s answered before "
							"reporting what it consumed", s->peer);
				if (rc)
					return rc;
				continue;
			}
			if (recv(s->wfd, buf, sizeof(buf), 0) != (ssize_t)sizeof(buf))
				return -EIO;
			m->consumed = ops > m->consumed ? ops : m->consumed;
			got = true;
			continue;
		}
		if (n == 0)
			return -EPIPE;
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return -errno;
		if (got || !wait)
			return 0;
		if (poll(&pfd, 1, NOTIFY_WAIT_NS / 1000000) < 0 && errno != EINTR)
			return -errno;
		if (bench_stopping(ctl))
			return -EINTR;
		if (pfd.revents & (POLLERR | POLLHUP))
			return notify_sock_error(s->wfd);
	}
}

static int splice_wait(struct bench_ctl *ctl, struct notify_state *s,
		       struct notify_slot *sl)
{
	struct splice_mech *m = s->mech;
	uint64_t backoff = 1000;
	int rc = 0;

	if (!atomic_load(&sl->inflight))
		return 0;
	for (unsigned int polls = 0;; polls++) {
		uint64_t bytes = 0;

		if (s->peer)
			rc = peer_reports(ctl, s, polls > 0);
		else
			rc = loopback_consumed(s, &bytes);
		if (rc)
			return rc;
		if (s->peer ? m->consumed * s->size >= sl->end : bytes >= sl->end)
			break;
		s->waits++;
		if (bench_stopping(ctl))
			return -EINTR;
		if (s->peer)
			continue;	/* peer_reports() sleeps */
		if (polls < SPIN_POLLS) {
			sched_yield();
		} else {
			struct timespec ts = { 0, (long)backoff };

			nanosleep(&ts, NULL);
			backoff = backoff * 2 > MAX_BACKOFF_NS ? MAX_BACKOFF_NS : backoff * 2;
		}
	}
	notify_slot_done(ctl, s, sl);
	return 0;
}

/* With a peer: the write side is shut; read what the sink still says
 * until it closes (about 2 s at most), so that closing with unread bytes
 * does not reset the connection under the sink's last reads. */
static void splice_close(struct bench_ctl *ctl, struct notify_state *s)
{
	struct splice_mech *m = s->mech;
	struct timespec t0, t;
	unsigned char buf[4096];

	(void)ctl;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (t = t0; s->peer && s->wfd >= 0 && t.tv_sec - t0.tv_sec < 2;) {
		struct pollfd pfd = { .fd = s->wfd, .events = POLLIN };

		if (poll(&pfd, 1, 100) > 0 && recv(s->wfd, buf, sizeof(buf), 0) <= 0)
			break;
		clock_gettime(CLOCK_MONOTONIC, &t);
	}
	if (!m)
		return;
	if (m->pipe[0] >= 0)
		close(m->pipe[0]);
	if (m->pipe[1] >= 0)
		close(m->pipe[1]);
	free(m);
}

const struct notify_mech notify_mech_splice = {
	.spliced = true,
	.hello_flags = SINKPROTO_F_CONSUMED,
	.open = splice_open,
	.handoff = splice_handoff,
	.wait = splice_wait,
	.close = splice_close,
};
