// SPDX-License-Identifier: GPL-2.0-only
/*
 * notify_uring.c - io_uring sends on TCP (notify/io-uring-*): SEND_ZC,
 * freed by its notification, from plain or registered buffers; and the
 * copying SEND on the same ring, freed by its completion, as their twin.
 *
 * The ring is set up as its users set it up: IORING_SETUP_SINGLE_ISSUER |
 * IORING_SETUP_DEFER_TASKRUN (6.1: completion work runs when the task
 * waits for it, not as task work that interrupts it), else
 * IORING_SETUP_COOP_TASKRUN (5.19), else none; each is tried at run time
 * and bench_note() records the one used (run.json "notes"). Test only:
 * the environment variable COWBENCH_URING_SETUP=coop or =none starts that
 * list further down, so that the fallbacks can be tested on a kernel that
 * has it all (tests/it_notify_uring_setup.py).
 *
 * Sends in flight: the row's `inflight` buffers, handed to the kernel as
 * one batch per io_uring_enter() and linked (IOSQE_IO_LINK): io_uring
 * does not keep overlapping sends on one stream socket in order (a send
 * that has to wait for room is retried later, and a later one may pass
 * it). A batch is done when every send has its CQE; a short send breaks
 * the link (MSG_WAITALL), and it and the sends cancelled after it are sent
 * again, in order, before the next batch. SEND_ZC's CQE carries
 * IORING_CQE_F_MORE when a notification CQE (IORING_CQE_F_NOTIF) follows;
 * with IORING_SEND_ZC_REPORT_USAGE (6.2) the notification's res has
 * IORING_NOTIF_USAGE_ZC_COPIED when the kernel copied: per send, exact,
 * unlike MSG_ZEROCOPY's merged ranges. A buffer is reused after its
 * notification (SEND_ZC) or its CQE (SEND). user_data: the slot.
 * Measured and excluded as for every row (vmsplice.c); ring set-up, the
 * SEND_ZC probe and the buffers' registration are setup.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <liburing.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config.h"
#include "notify.h"

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

#define RING_ENTRIES (2 * NOTIFY_MAX_DEPTH)

static const struct {
	unsigned int flags;
	const char *name, *env;
} setups[] = {
	{ IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN,
	  "SINGLE_ISSUER|DEFER_TASKRUN", "defer" },
	{ IORING_SETUP_COOP_TASKRUN, "COOP_TASKRUN", "coop" },
	{ 0, "none", "none" },
};
#define NSETUPS (sizeof(setups) / sizeof(setups[0]))

struct uring_mech {
	struct io_uring ring;
	bool ring_ok;
	unsigned int zc_flags;
	unsigned int due;		/* send CQEs still due */
	unsigned int nbatch;		/* slots queued for the next batch */
	struct notify_slot *batch[NOTIFY_MAX_DEPTH];
};

static int setup_index(struct bench_ctl *ctl, const char *force, unsigned int *i)
{
	for (*i = 0; force && *i < NSETUPS; (*i)++)
		if (!strcmp(force, setups[*i].env))
			return 0;
	if (!force) {
		*i = 0;
		return 0;
	}
	return bench_fail(ctl, "COWBENCH_URING_SETUP=%s (test only): not defer, coop "
			  "or none", force);
}

/* The first setup of the list the kernel takes; EINVAL: a flag it lacks. */
static int ring_init(struct bench_ctl *ctl, struct uring_mech *m)
{
	const char *force = getenv("COWBENCH_URING_SETUP");
	char refused[96] = "", why[64] = "";
	unsigned int i;
	int rc;

	rc = setup_index(ctl, force, &i);
	if (rc)
		return rc;
	for (rc = -EINVAL; rc == -EINVAL && i < NSETUPS; i++) {
		struct io_uring_params p = { .flags = setups[i].flags };

		rc = io_uring_queue_init_params(RING_ENTRIES, &m->ring, &p);
		if (rc == -EINVAL)
			snprintf(refused + strlen(refused), sizeof(refused) - strlen(refused),
				 "%s%s", refused[0] ? ", " : "", setups[i].name);
	}
	if (rc) {
		bench_sysctl("kernel/io_uring_disabled", why, sizeof(why));
		/* 0 allows everyone: a refusal then comes from elsewhere */
		return bench_skip(ctl, "io_uring unavailable: io_uring_setup: %s "
				  "(kernel.io_uring_disabled = %s%s)", strerror(-rc),
				  why, rc == -EPERM && !strcmp(why, "0") ?
				  ", which allows it: denied by seccomp or an LSM" : "");
	}
	m->ring_ok = true;
	bench_note(ctl, "io_uring setup: %s%s%s%s%s", setups[i - 1].name,
		   refused[0] ? " (refused: " : "", refused, refused[0] ? ")" : "",
		   force ? " (forced by COWBENCH_URING_SETUP, test only)" : "");
	return 0;
}

/* SEND_ZC with copy reports (Linux 6.2): flags are checked at prep, so a
 * send on an unconnected socket tells (-EINVAL). */
static int probe_send_zc(struct bench_ctl *ctl, struct notify_state *s,
			 struct uring_mech *m)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&m->ring);
	struct io_uring_cqe *cqe;
	int rc, fd;

	m->zc_flags = IORING_SEND_ZC_REPORT_USAGE;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	io_uring_prep_send_zc(sqe, fd, s->ring, 1, MSG_NOSIGNAL, m->zc_flags);
	rc = io_uring_submit_and_wait(&m->ring, 1);
	for (bool more = rc >= 0; more && !io_uring_wait_cqe(&m->ring, &cqe);) {
		more = (cqe->flags & (IORING_CQE_F_MORE | IORING_CQE_F_NOTIF)) ==
		       IORING_CQE_F_MORE;	/* a notification follows */
		rc = cqe->flags & IORING_CQE_F_NOTIF ? rc : cqe->res;
		io_uring_cqe_seen(&m->ring, cqe);
	}
	close(fd);
	if (rc == -EINVAL || rc == -EOPNOTSUPP)
		return bench_skip(ctl, "io_uring SEND_ZC with copy reports unsupported "
				  "here (needs Linux 6.2)");
	return 0;
}

/* The most a TCP socket may queue to send (net.ipv4.tcp_wmem's third
 * field; SO_SNDBUF autotunes up to it), 0 when unknown. */
static size_t tcp_wmem_max(void)
{
	char v[64];
	unsigned long lo, def, max;

	bench_sysctl("net/ipv4/tcp_wmem", v, sizeof(v));
	return sscanf(v, "%lu %lu %lu", &lo, &def, &max) == 3 ? max : 0;
}

/* Sends in flight overlap only while they fit the send buffer together:
 * beyond it each waits for the one before to drain, and the row would
 * measure one send at a time with `inflight` times the memory. */
static int check_overlap(struct bench_ctl *ctl, const struct notify_state *s)
{
	size_t wmem = tcp_wmem_max();

	if (s->p->inflight < 2 || !wmem || s->size <= wmem / s->p->inflight)
		return 0;
	return bench_skip(ctl, "io_uring: %u sends of %zu KiB in flight exceed what "
			  "a TCP socket queues (net.ipv4.tcp_wmem max %zu KiB): they "
			  "would wait one behind another, not overlap", s->p->inflight,
			  s->size >> 10, wmem >> 10);
}

static int uring_open(struct bench_ctl *ctl, struct notify_state *s,
		      const struct bench_cell *cell)
{
	struct iovec iov[NOTIFY_MAX_DEPTH];
	struct uring_mech *m = calloc(1, sizeof(*m));
	int rc;

	(void)cell;
	if (!m)
		return -ENOMEM;
	s->mech = m;
	if (s->p->zc && !HAVE_IO_URING_SEND_ZC)
		return bench_skip(ctl, "io_uring SEND_ZC: built with liburing < 2.3");
	if (s->size > INT_MAX)
		return bench_skip(ctl, "io_uring sends at most 2 GiB per request");
	/* the ring first: where io_uring is refused, that is the reason */
	rc = ring_init(ctl, m);
	if (!rc)
		rc = check_overlap(ctl, s);
	if (rc)
		return rc;
	rc = s->peer ? bench_peer_connect(ctl, s->peer, &s->wfd) :
	     bench_tcp_pair(&s->wfd, &s->rfd);
	if (!rc)
		rc = notify_ring_alloc(ctl, s, s->p->inflight);
	if (!rc && s->p->zc)
		rc = probe_send_zc(ctl, s, m);
	if (rc || !s->p->fixed)
		return rc;
	for (unsigned int b = 0; b < s->nbuf; b++)
		iov[b] = (struct iovec){ s->slot[b].buf, s->stride };
	rc = io_uring_register_buffers(&m->ring, iov, s->nbuf);
	if (rc)
		return bench_skip(ctl, "io_uring_register_buffers (%zu KiB): %s",
				  s->ringlen >> 10, strerror(-rc));
	return 0;
}

/* Collect the CQEs there are, after sleeping for one (at most
 * NOTIFY_WAIT_NS). Waiting enters the kernel, which runs the deferred
 * completion work of DEFER_TASKRUN. */
static int reap(struct bench_ctl *ctl, struct notify_state *s)
{
	struct uring_mech *m = s->mech;
	struct __kernel_timespec ts = { 0, NOTIFY_WAIT_NS };
	struct io_uring_cqe *cqe;
	int rc = io_uring_wait_cqe_timeout(&m->ring, &cqe, &ts), err = 0;

	if (rc == -EINTR || rc == -ETIME)
		return bench_stopping(ctl) ? -EINTR : 0;
	if (rc)
		return rc;
	while (!io_uring_peek_cqe(&m->ring, &cqe)) {
		struct notify_slot *sl = &s->slot[io_uring_cqe_get_data64(cqe) %
						  NOTIFY_MAX_DEPTH];

		if (cqe->flags & IORING_CQE_F_NOTIF) {
			sl->copied |= (uint32_t)cqe->res & IORING_NOTIF_USAGE_ZC_COPIED;
			sl->pending--;
		} else {
			m->due--;
			if (cqe->res > 0)
				sl->off += (size_t)cqe->res;
			else if (cqe->res != -ECANCELED && !err)	/* cancelled: resent */
				err = cqe->res ? cqe->res : -EPIPE;
			sl->pending -= cqe->flags & IORING_CQE_F_MORE || !s->p->zc ? 1 : 2;
		}
		io_uring_cqe_seen(&m->ring, cqe);
		if (!sl->pending && sl->off >= s->size && atomic_load(&sl->inflight))
			notify_slot_done(ctl, s, sl);
	}
	return err;
}

/* Queue what is left of sl, linked to the next. */
static int prep(struct notify_state *s, struct notify_slot *sl,
		struct io_uring_sqe **last)
{
	struct uring_mech *m = s->mech;
	struct io_uring_sqe *sqe = io_uring_get_sqe(&m->ring);
	unsigned char *p = sl->buf + sl->off;
	size_t len = s->size - sl->off;
	int flags = MSG_WAITALL | MSG_NOSIGNAL;

	if (!sqe)
		return -EBUSY;
	if (!s->p->zc)
		io_uring_prep_send(sqe, s->wfd, p, len, flags);
	else if (s->p->fixed)
		io_uring_prep_send_zc_fixed(sqe, s->wfd, p, len, flags, m->zc_flags,
					    (unsigned int)(sl - s->slot));
	else
		io_uring_prep_send_zc(sqe, s->wfd, p, len, flags, m->zc_flags);
	io_uring_sqe_set_data64(sqe, (uint64_t)(sl - s->slot));
	io_uring_sqe_set_flags(sqe, IOSQE_IO_LINK);
	sl->pending += s->p->zc ? 2 : 1;
	m->due++;
	*last = sqe;
	return 0;
}

/* Submit the queued slots as one linked batch and wait until every send
 * has its CQE; send again, in order, what a short send left. */
static int send_batch(struct bench_ctl *ctl, struct notify_state *s)
{
	struct uring_mech *m = s->mech;
	int rc = 0;

	for (;;) {
		struct io_uring_sqe *last = NULL;
		bool broken = false;

		for (unsigned int i = 0; i < m->nbatch && !rc; i++) {
			struct notify_slot *sl = m->batch[i];

			if (broken && sl->off)	/* the link should have held */
				rc = bench_fail(ctl, "io_uring sent past a short send");
			else if (sl->off < s->size)
				rc = prep(s, sl, &last);
			broken |= sl->off < s->size;
		}
		if (rc || !last)
			break;
		last->flags &= ~IOSQE_IO_LINK;	/* the batch ends here */
		do
			rc = io_uring_submit(&m->ring);
		while (rc == -EINTR && !bench_stopping(ctl));
		rc = rc < 0 ? rc : 0;
		while (!rc && m->due)
			rc = reap(ctl, s);
	}
	m->nbatch = 0;
	return rc;
}

static int uring_handoff(struct bench_ctl *ctl, struct notify_state *s,
			 struct notify_slot *sl, uint64_t op, bool last)
{
	struct uring_mech *m = s->mech;
	int rc;

	sl->off = 0;
	m->batch[m->nbatch++] = sl;
	if (m->nbatch < s->now_depth && !last)
		return 0;
	rc = send_batch(ctl, s);
	if (!rc && s->tampering)	/* sent: the kernel holds every byte */
		notify_tamper(ctl, s, sl, op, s->size);
	return rc;
}

static int uring_wait(struct bench_ctl *ctl, struct notify_state *s,
		      struct notify_slot *sl)
{
	int rc = 0;

	for (; !rc && atomic_load(&sl->inflight); s->waits++)
		rc = reap(ctl, s);
	return rc;
}

static bool any_pending(const struct notify_state *s)
{
	for (unsigned int b = 0; b < s->nbuf; b++)
		if (s->slot[b].pending)
			return true;
	return false;
}

/* In the producer's thread, as the ring's one issuer: collect what is
 * outstanding (the consumer's end is closed, or the sink drains to EOF),
 * for about 2 s at most, then close the ring. */
static void uring_close(struct bench_ctl *ctl, struct notify_state *s)
{
	struct uring_mech *m = s->mech;

	if (!m)
		return;
	for (int t = 0; m->ring_ok && t < 20 && any_pending(s); t++)
		reap(ctl, s);
	if (m->ring_ok)
		io_uring_queue_exit(&m->ring);
	free(m);
}

const struct notify_mech notify_mech_uring = {
	.open = uring_open,
	.handoff = uring_handoff,
	.wait = uring_wait,
	.close = uring_close,
};
