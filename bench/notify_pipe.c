// SPDX-License-Identifier: GPL-2.0-only
/*
 * notify_pipe.c - vmsplice() into a pipe, freed by the consumer's counter
 * (notify/vmsplice, notify/gift): the idealised case.
 *
 * The pipe holds references to the program's pages. The consumer's sinks,
 * splice() to /dev/null and read(), are done with the pages when they
 * return; only then does it post its futex counter (vmsplice.c,
 * run_consumer), and the producer reuses a buffer once the counter has
 * passed it. That is valid only because those sinks release the pages
 * synchronously: a consumer that passes them on (splice() to a socket,
 * notify_splice.c) has no such moment to post.
 * SPLICE_F_GIFT (notify/gift) only marks the pipe buffers as gifts; on
 * this path nothing takes a gift, so the pages stay shared as without it.
 * Excluded, as for every row: the pipe's set-up and sizing.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/uio.h>
#include <unistd.h>

#include "notify.h"

struct pipe_mech {
	size_t cap;		/* the pipe's capacity */
};

static int pipe_open(struct bench_ctl *ctl, struct notify_state *s,
		     const struct bench_cell *cell)
{
	struct pipe_mech *m = calloc(1, sizeof(*m));
	int fds[2];

	(void)cell;
	if (!m)
		return -ENOMEM;
	s->mech = m;
	if (pipe2(fds, O_CLOEXEC))
		return -errno;
	s->rfd = fds[0];
	s->wfd = fds[1];
	m->cap = bench_size_pipe(s->wfd, s->size);
	return notify_ring_alloc(ctl, s, m->cap / s->size + 1);
}

/* vmsplice() all of p; blocks while the pipe is full. */
int notify_vmsplice_all(struct bench_ctl *ctl, int fd, unsigned char *p, size_t len,
			unsigned int flags)
{
	while (len) {
		struct iovec iov = { p, len };
		ssize_t n = vmsplice(fd, &iov, 1, flags);

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

/* In pipe-sized pieces (the call blocks until the pipe has room). Under
 * --hazard the pipe is empty (the consumer has read the last operation),
 * so the first piece fits without the consumer; it is overwritten while
 * the pipe holds it, and only then may the consumer read. */
static int pipe_handoff(struct bench_ctl *ctl, struct notify_state *s,
			struct notify_slot *sl, uint64_t op, bool last)
{
	const struct pipe_mech *m = s->mech;
	size_t first = s->tampering && s->size > m->cap ? m->cap : s->size;
	int rc;

	(void)last;
	sl->end = s->sent;	/* freed once the consumer has read this many */
	rc = notify_vmsplice_all(ctl, s->wfd, sl->buf, first, s->p->flags);
	if (!rc && s->tampering)
		notify_tamper(ctl, s, sl, op, first);
	return rc ? rc : notify_vmsplice_all(ctl, s->wfd, sl->buf + first, s->size - first,
				      s->p->flags);
}

static int pipe_wait(struct bench_ctl *ctl, struct notify_state *s,
		     struct notify_slot *sl)
{
	return notify_counter_reach(ctl, &s->consumed, (uint32_t)sl->end, &s->waits);
}

static void pipe_close(struct bench_ctl *ctl, struct notify_state *s)
{
	(void)ctl;
	free(s->mech);	/* the consumer's end closed: nothing is outstanding */
}

const struct notify_mech notify_mech_pipe = {
	.pipe = true,
	.spliced = true,
	.open = pipe_open,
	.handoff = pipe_handoff,
	.wait = pipe_wait,
	.close = pipe_close,
};
