// SPDX-License-Identifier: GPL-2.0-only
/*
 * notify_zc.c - send(MSG_ZEROCOPY) on TCP, freed by the completions on the
 * socket's error queue (notify/msg-zerocopy).
 *
 * Each successful send() gets an id (from 0, per socket); the error queue
 * reports ranges [ee_info, ee_data] of ids, with ee_code
 * SO_EE_CODE_ZEROCOPY_COPIED when the kernel copied after all (over
 * loopback it always does: the skb's pages are copied when it is
 * delivered to the local receiver). The kernel merges a new range into the
 * queued one it continues (skb_zerocopy_notify_extend) without comparing
 * their codes, so a merged range says what its first part was: the copied
 * share is approximate. Completions are charged to optmem (ENOBUFS when
 * too many are outstanding: then reap and retry).
 * Measured and excluded as for every row (vmsplice.c): the ring is about
 * NOTIFY_SOCK_INFLIGHT bytes of buffers; completions still due when the
 * ring comes round to a buffer are waited for then.
 */
#include <errno.h>
#include <time.h>		/* before errqueue.h: struct timespec */
#include <linux/errqueue.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "notify.h"

struct zc_mech {
	uint32_t next_id;	/* of the next successful send() */
};

static int zc_open(struct bench_ctl *ctl, struct notify_state *s,
		   const struct bench_cell *cell)
{
	int one = 1, rc;

	(void)cell;
	s->mech = calloc(1, sizeof(struct zc_mech));
	if (!s->mech)
		return -ENOMEM;
	rc = s->peer ? bench_peer_connect(ctl, s->peer, &s->wfd) :
	     bench_tcp_pair(&s->wfd, &s->rfd);
	if (rc)
		return rc;
	if (setsockopt(s->wfd, SOL_SOCKET, SO_ZEROCOPY, &one, sizeof(one)))
		return bench_skip(ctl, "SO_ZEROCOPY: %s", strerror(errno));
	return notify_ring_alloc(ctl, s, NOTIFY_SOCK_INFLIGHT / s->size + 1);
}

static void zc_complete(struct bench_ctl *ctl, struct notify_state *s, uint32_t lo,
			uint32_t hi, bool copied)
{
	for (unsigned int b = 0; b < s->nbuf; b++) {
		struct notify_slot *sl = &s->slot[b];
		unsigned int n = 0;

		for (uint32_t k = 0; sl->pending && k < sl->nids; k++)
			n += (uint32_t)(sl->first_id + k - lo) <= (uint32_t)(hi - lo);
		if (!n)
			continue;
		sl->pending -= n < sl->pending ? n : sl->pending;
		sl->copied |= copied;
		if (!sl->pending)
			notify_slot_done(ctl, s, sl);
	}
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
				return notify_sock_error(s->wfd);	/* not ours */
			polled = poll(&pfd, 1, NOTIFY_WAIT_NS / 1000000) > 0;
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
	for (unsigned int b = 0; b < s->nbuf; b++)
		if (s->slot[b].pending)
			return true;
	return false;
}

static int zc_handoff(struct bench_ctl *ctl, struct notify_state *s,
		      struct notify_slot *sl, uint64_t op, bool last)
{
	struct zc_mech *m = s->mech;
	const unsigned char *p = sl->buf;
	size_t len = s->size;
	int rc;

	(void)last;
	sl->first_id = m->next_id;
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
		m->next_id++;
		sl->nids++;
		sl->pending++;
		p += n;
		len -= (size_t)n;
	}
	if (s->tampering)	/* the kernel holds every byte */
		notify_tamper(ctl, s, sl, op, s->size);
	return 0;
}

static int zc_wait(struct bench_ctl *ctl, struct notify_state *s,
		   struct notify_slot *sl)
{
	int rc = 0;

	for (; !rc && sl->pending; s->waits++)
		rc = zc_reap(ctl, s);
	return rc;
}

/* The consumer's end is closed (its queued skbs freed, which completes
 * them) or the sink drains to EOF: collect, for about 2 s at most. */
static void zc_close(struct bench_ctl *ctl, struct notify_state *s)
{
	for (int t = 0; t < 20 && s->mech && s->wfd >= 0 && any_pending(s); t++)
		zc_reap(ctl, s);
	free(s->mech);
}

const struct notify_mech notify_mech_zc = {
	.open = zc_open,
	.handoff = zc_handoff,
	.wait = zc_wait,
	.close = zc_close,
};
