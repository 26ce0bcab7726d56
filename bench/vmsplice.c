// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmsplice.c - the notify family: zero copy with explicit notification.
 * The kernel uses the program's pages as they are, the program promises
 * not to touch them, and it learns when it may write them again. This
 * file is the family's table and what every row shares: the ring of
 * buffers, the producer's and the consumer's loops, verification and
 * --hazard. The mechanisms are beside it (notify.h): notify_pipe.c
 * (vmsplice into a pipe), notify_splice.c (vmsplice, then splice to TCP),
 * notify_zc.c (MSG_ZEROCOPY), notify_uring.c (io_uring).
 *
 * Measured: the producer handing off `size` bytes per operation from a
 * ring of buffers, including the wait for whatever frees a buffer before
 * it is handed off again; and the consumer draining exactly as its
 * copying twin in copy.c does. Every sample ends with every buffer
 * released (bench_set_depth()), so no release is carried into the next.
 * Excluded: allocation, prefaulting, connection and ring set-up; rewriting
 * the data (as in copy.c, timed samples hand off the same bytes, but keep
 * the ring protocol in full).
 * Verification: the ring is 2 deep so 4 operations reuse each buffer; each
 * operation carries its own pattern and the consumer (or the remote sink)
 * checks every byte. With --hazard the ring is 1 deep and the producer
 * overwrites each buffer right after handing it off, before its release;
 * the consumer counts the operations that arrive modified, judging only
 * the bytes that were the kernel's when they were overwritten (a piece
 * handed off after the overwrite carries the new bytes, whatever the
 * kernel does). A consumer fed by vmsplice() reads an operation only once
 * it has been overwritten, so what it sees does not depend on who ran
 * first.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "notify.h"

#define HAZARD_SEQ (1ull << 40)		/* pattern no operation is sent with */

void notify_counter_post(struct notify_counter *c)
{
	atomic_fetch_add(&c->v, 1);
	if (atomic_exchange(&c->waiting, 0))
		syscall(SYS_futex, &c->v, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}

/* Sleep until the counter reaches target (wrapping compare). */
int notify_counter_reach(struct bench_ctl *ctl, struct notify_counter *c,
			 uint32_t target, uint64_t *waits)
{
	struct timespec ts = { 0, NOTIFY_WAIT_NS };

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

int notify_sock_error(int fd)
{
	int err = 0;
	socklen_t len = sizeof(err);

	getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
	return err ? -err : -EPIPE;
}

/* depth buffers for timed samples (at least 2: verification's ring),
 * prefaulted so that no timed sample faults on them. */
int notify_ring_alloc(struct bench_ctl *ctl, struct notify_state *s, size_t depth)
{
	s->depth = depth < 1 ? 1 : depth > NOTIFY_MAX_DEPTH ? NOTIFY_MAX_DEPTH :
		   (unsigned int)depth;
	s->nbuf = s->depth < 2 ? 2 : s->depth;
	s->ringlen = s->nbuf * s->stride;
	s->ring = bench_alloc(ctl, s->ringlen);
	if (!s->ring)
		return -ENOMEM;
	memset(s->ring, 0x5a, s->ringlen);
	for (unsigned int b = 0; b < s->nbuf; b++)
		s->slot[b].buf = s->ring + b * s->stride;
	return 0;
}

void notify_slot_done(struct bench_ctl *ctl, struct notify_state *s,
		      struct notify_slot *sl)
{
	atomic_store(&sl->inflight, false);
	bench_report(ctl, NOTIFY_REP_DONE, 1);
	if (s->p->zc && sl->copied)
		bench_report(ctl, NOTIFY_REP_AUX, 1);
}

void notify_tamper(struct bench_ctl *ctl, struct notify_state *s,
		   struct notify_slot *sl, uint64_t op, size_t checked)
{
	bench_pattern_fill(sl->buf, s->size, op + HAZARD_SEQ, 0);
	bench_report(ctl, NOTIFY_REP_VIOLATIONS, 1);
	atomic_store(&s->checked, checked);
	if (s->p->mech->spliced && s->rfd >= 0)
		notify_counter_post(&s->ready);
}

static unsigned int ring_depth(const struct notify_state *s, bool verify)
{
	return verify && s->hazard ? 1 : verify ? 2 : s->depth;
}

static int run_producer(struct bench_ctl *ctl, struct notify_state *s, uint64_t nops)
{
	const struct notify_mech *m = s->p->mech;
	bool verify = bench_verifying(ctl);
	int rc = 0;

	s->now_depth = ring_depth(s, verify);
	s->tampering = verify && s->hazard;
	s->waits = 0;
	if (s->peer && !s->hello_sent) {
		rc = bench_peer_hello(ctl, s->wfd, s->peer, s->p->mech->hello_flags, s->size,
				      verify ? nops : 0);
		s->hello_sent = true;
	}
	for (uint64_t i = 0; i < nops && !rc; i++) {
		struct notify_slot *sl = &s->slot[s->sent % s->now_depth];

		rc = m->wait(ctl, s, sl);
		if (rc)
			break;
		if (atomic_load(&sl->inflight))
			bench_report(ctl, NOTIFY_REP_VIOLATIONS, 1);
		if (verify)
			bench_pattern_fill(sl->buf, s->size, i, 0);
		atomic_store(&sl->inflight, true);
		sl->copied = false;
		s->sent++;
		rc = m->handoff(ctl, s, sl, i, i + 1 == nops);
	}
	/* every buffer released before the sample ends (bench_set_depth()) */
	for (unsigned int b = 0; b < s->now_depth && !rc; b++)
		rc = m->wait(ctl, s, &s->slot[b]);
	if (!rc && verify && s->peer) {
		uint32_t modified = 0;

		rc = bench_peer_result(ctl, s->wfd, s->peer, nops,
				       s->hazard ? &modified : NULL);
		if (!rc)
			bench_report(ctl, NOTIFY_REP_HAZARD, modified);
	}
	if (!s->p->zc)
		bench_report(ctl, NOTIFY_REP_AUX, s->waits);
	return rc;
}

/* Read one operation and check its first `checked` bytes; under --hazard
 * count it when modified instead of failing. */
static int consume_checked(struct bench_ctl *ctl, struct notify_state *s, uint64_t op,
			   size_t checked, uint64_t *modified)
{
	size_t first = SIZE_MAX;

	for (size_t off = 0; off < s->size;) {
		size_t n = s->size - off < s->sink.buflen ? s->size - off : s->sink.buflen;
		size_t m = off >= checked ? 0 : checked - off < n ? checked - off : n;
		size_t bad;
		int rc = bench_read_full(ctl, s->rfd, s->sink.buf, n);

		if (rc)
			return rc;
		bad = bench_pattern_check(s->sink.buf, m, op, off);
		if (bad < m && first == SIZE_MAX)
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
	const struct notify_mech *m = s->p->mech;
	bool verify = bench_verifying(ctl), gate = m->spliced && verify && s->hazard;
	unsigned int depth = ring_depth(s, verify);
	uint64_t modified = 0, waits = 0;
	int rc = 0;

	if (!m->pipe && !verify)	/* exactly as copy/send-tcp */
		return bench_sink_drain(ctl, &s->sink, s->rfd, s->size, nops);
	for (uint64_t i = 0; i < nops && !rc; i++) {
		if (gate)
			rc = notify_counter_reach(ctl, &s->ready, (uint32_t)(s->got + 1), &waits);
		if (!rc)
			rc = verify ? consume_checked(ctl, s, i, gate ?
						      atomic_load(&s->checked) : s->size,
						      &modified) :
			     bench_sink_drain(ctl, &s->sink, s->rfd, s->size, 1);
		if (rc)
			break;
		s->got++;
		if (!m->pipe)
			continue;
		/* the idealised notification: the sink is done with the pages */
		atomic_store(&s->slot[(s->got - 1) % depth].inflight, false);
		notify_counter_post(&s->consumed);
		bench_report(ctl, NOTIFY_REP_DONE, 1);
	}
	bench_report(ctl, NOTIFY_REP_HAZARD, modified);
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

	/* Buffers still in flight (an interrupted sample's): close the
	 * consumer's end (the kernel frees what was queued for it, and
	 * notifies), or let the remote sink drain to EOF; the mechanism then
	 * collects what is outstanding, for a bounded time. */
	if (s->rfd >= 0)
		close(s->rfd);
	else if (s->wfd >= 0)
		shutdown(s->wfd, SHUT_WR);
	s->rfd = -1;
	s->p->mech->close(ctl, s);
	if (s->wfd >= 0)
		close(s->wfd);
	if (s->sink_open)
		bench_sink_close(&s->sink);
	bench_free(ctl, s->ring, s->ringlen);
	free(s);
}

static int notify_setup(struct bench_ctl *ctl, const struct bench_cell *cell,
			void **state)
{
	struct notify_state *s = calloc(1, sizeof(*s));
	int rc;

	if (!s)
		return -ENOMEM;
	s->p = cell->param;
	s->size = cell->size;
	s->stride = (cell->size + cell->page_size - 1) & ~(cell->page_size - 1);
	s->wfd = s->rfd = -1;
	s->peer = cell->peer;
	s->hazard = cell->hazard;
	rc = s->p->mech->open(ctl, s, cell);
	if (!rc)
		bench_set_depth(ctl, s->depth);
	if (!rc && s->rfd >= 0) {
		rc = bench_sink_open(&s->sink, cell->sink, !s->p->mech->pipe);
		s->sink_open = true;
	}
	if (rc) {
		notify_teardown(ctl, s);
		return rc;
	}
	*state = s;
	return 0;
}

static const struct notify_param p_vmsplice = { .mech = &notify_mech_pipe };
static const struct notify_param p_gift = { .mech = &notify_mech_pipe,
					    .flags = SPLICE_F_GIFT };
static const struct notify_param p_splice = { .mech = &notify_mech_splice };
static const struct notify_param p_msg_zc = { .mech = &notify_mech_zc, .zc = true };
static const struct notify_param p_uring_zc = { .mech = &notify_mech_uring, .zc = true,
						.inflight = 1 };
static const struct notify_param p_uring_reg = { .mech = &notify_mech_uring, .zc = true,
						 .fixed = true, .inflight = 1 };
static const struct notify_param p_uring_cp = { .mech = &notify_mech_uring,
						.inflight = 1 };
static const struct notify_param p_uring_zc8 = { .mech = &notify_mech_uring, .zc = true,
						 .inflight = 8 };
static const struct notify_param p_uring_cp8 = { .mech = &notify_mech_uring,
						 .inflight = 8 };

#define REPORTS(done, aux_kind, aux, aux_desc, all)			\
	{ [NOTIFY_REP_DONE] = { done, BENCH_REPORT_COUNT, .desc = "operations "	\
				"whose buffer was released" },		\
	  [NOTIFY_REP_AUX] = { aux, aux_kind, .of = (aux_kind) == BENCH_REPORT_SHARE ? \
			       done : NULL, .desc = aux_desc, .when_all = all },	\
	  [NOTIFY_REP_VIOLATIONS] = { "reuse_violations", BENCH_REPORT_MUST_BE_ZERO, \
				      .desc = "buffers reused while in flight" }, \
	  [NOTIFY_REP_HAZARD] = { "hazard_modified_ops", BENCH_REPORT_HAZARD,	\
				  .desc = "--hazard: operations that arrived "	\
				  "modified (of the bytes the kernel held)" } }
#define LOOPBACK_COPIES "copied by the kernel (loopback)"	/* <= 32: the twins table */
#define MSG_ZC_REPORTS REPORTS("zc_completions", BENCH_REPORT_SHARE, "zc_copied", \
	"completions flagged SO_EE_CODE_ZEROCOPY_COPIED; approximate: the kernel "	\
	"merges adjacent ranges without comparing their codes "		\
	"(skb_zerocopy_notify_extend), a merged range has its first part's",	\
	LOOPBACK_COPIES)
#define URING_ZC_REPORTS REPORTS("zc_completions", BENCH_REPORT_SHARE, "zc_copied", \
	"notifications flagged IORING_NOTIF_USAGE_ZC_COPIED (one per send)",	\
	LOOPBACK_COPIES)
#define WAIT_REPORTS REPORTS("completions", BENCH_REPORT_COUNT, "notify_waits", \
			     "sleeps of the producer for a notification", NULL)
#define POLL_REPORTS REPORTS("completions", BENCH_REPORT_COUNT, "reuse_polls", \
	"checks of the reuse rule that found the buffer still held", NULL)
/* Each operation's buffer is released once within its sample. */
#define RELEASED(done)							\
	{ { .metric = done, .scope = BENCH_SCOPE_OP, .per = BENCH_PER_OP,	\
	    .value = 1, .why = "every buffer handed off is released before "	\
	    "the sample ends" },					\
	  { .metric = "page_faults", .scope = BENCH_SCOPE_PRODUCER,	\
	    .per = BENCH_PER_OP, .value = 0, .slack = 0.5,		\
	    .why = "the ring is prefaulted" },				\
	  BENCH_EXPECT_NO_REMOTE_FLUSH }
#define HOOKS .consumer = true, .setup = notify_setup, .run = notify_run, \
	      .teardown = notify_teardown,					\
	      .counters = { "cycles", "context_switches", "page_faults",	\
			    "llc_load_misses" }

static const struct bench_variant notify_variants[] = {
	/* the idealised case: pages go into the pipe by reference and the
	 * consumer's counter frees them, valid only because its sinks
	 * (splice to /dev/null, read()) are done with the pages on return */
	{ .name = "vmsplice", .class = BENCH_CLASS_NOTIFY, .param = &p_vmsplice,
	  .twin = "copy/write-pipe", .reports = WAIT_REPORTS,
	  .expect = RELEASED("completions"), HOOKS,
	  .desc = "vmsplice() to a pipe, reuse on the consumer's notice (idealised)" },
	/* SPLICE_F_GIFT: only a FUSE device's splice(SPLICE_F_MOVE) takes
	 * gifted pages, and splice(2) calls SPLICE_F_MOVE a no-op since
	 * 2.6.21: here it must behave as vmsplice, --hazard included */
	{ .name = "gift", .class = BENCH_CLASS_NOTIFY, .param = &p_gift,
	  .twin = "copy/write-pipe", .reports = WAIT_REPORTS,
	  .expect = RELEASED("completions"), HOOKS,
	  .desc = "vmsplice(SPLICE_F_GIFT): a no-op since 2.6.21, as vmsplice" },
	/* the 2006 case: the pipe's pages go on to TCP and no notice comes;
	 * reused once TCP has them acked and the receiver has read them */
	{ .name = "vmsplice-tcp", .class = BENCH_CLASS_NOTIFY, .param = &p_splice,
	  .twin = "copy/send-tcp", .reports = POLL_REPORTS,
	  .expect = RELEASED("completions"), .peer = true, HOOKS,
	  .desc = "vmsplice()+splice() to TCP; reuse when acked and read" },
	/* skbs point at the pages; the error queue says when they are free */
	{ .name = "msg-zerocopy", .class = BENCH_CLASS_NOTIFY, .param = &p_msg_zc,
	  .twin = "copy/send-tcp", .reports = MSG_ZC_REPORTS,
	  .expect = RELEASED("zc_completions"), .peer = true, HOOKS,
	  .desc = "send(MSG_ZEROCOPY) on TCP; reuse on the error-queue completion" },
	/* the same through io_uring, one send in flight */
	{ .name = "io-uring-zc", .class = BENCH_CLASS_NOTIFY, .param = &p_uring_zc,
	  .twin = "notify/io-uring-cp", .reports = URING_ZC_REPORTS,
	  .expect = RELEASED("zc_completions"), .peer = true, HOOKS,
	  .desc = "io_uring SEND_ZC on TCP, 1 in flight; reuse on the notification" },
	/* and from registered buffers: no page pinning per send */
	{ .name = "io-uring-reg", .class = BENCH_CLASS_NOTIFY, .param = &p_uring_reg,
	  .twin = "notify/io-uring-cp", .reports = URING_ZC_REPORTS,
	  .expect = RELEASED("zc_completions"), .peer = true, HOOKS,
	  .desc = "io_uring SEND_ZC from registered buffers on TCP, 1 in flight" },
	/* the same ring copying: io_uring's own cost without zero copy */
	{ .name = "io-uring-cp", .class = BENCH_CLASS_COPY, .param = &p_uring_cp,
	  .twin = "copy/send-tcp", .reports = WAIT_REPORTS,
	  .expect = RELEASED("completions"), .peer = true, HOOKS,
	  .desc = "io_uring SEND (copying) on TCP, 1 in flight" },
	/* as zero-copy senders run: 8 sends in flight, one batch per enter */
	{ .name = "io-uring-zc8", .class = BENCH_CLASS_NOTIFY, .param = &p_uring_zc8,
	  .twin = "notify/io-uring-cp8", .reports = URING_ZC_REPORTS,
	  .expect = RELEASED("zc_completions"), .peer = true, HOOKS,
	  .desc = "io_uring SEND_ZC on TCP, 8 in flight (linked batches)" },
	/* its copying twin: the same batches of copying sends */
	{ .name = "io-uring-cp8", .class = BENCH_CLASS_COPY, .param = &p_uring_cp8,
	  .twin = "copy/send-tcp", .reports = WAIT_REPORTS,
	  .expect = RELEASED("completions"), .peer = true, HOOKS,
	  .desc = "io_uring SEND (copying) on TCP, 8 in flight (linked batches)" },
};

const struct bench bench_vmsplice = {
	.name = "vmsplice",
	.family = "notify",
	.desc = "zero copy with explicit notification of buffer reuse",
	.variants = notify_variants,
	.nvariants = sizeof(notify_variants) / sizeof(notify_variants[0]),
};
