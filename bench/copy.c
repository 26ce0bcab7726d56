// SPDX-License-Identifier: GPL-2.0-only
/*
 * copy.c - the copy strategy: the kernel (or the CPU) copies the bytes and
 * the buffer is free again as soon as the call returns.
 *
 * Measured: the producer's hand-off of `size` bytes per operation and, for
 * the transfers, the consumer draining them; the operation ends when the
 * data has arrived. Excluded: buffer allocation and prefaulting (setup),
 * connection set-up. The buffer is not rewritten between operations (the
 * hand-off alone is measured), except during verification, when every
 * operation sends its own pattern and the receiver checks it.
 * send-tcp with --peer sends to a remote `cowbench sink` instead of the
 * loopback consumer, as the TCP rows of vmsplice.c do: the sink checks the
 * verification sample and answers with its verdict.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench.h"

enum copy_kind { COPY_MEMCPY, COPY_PIPE, COPY_TCP };

struct copy_param {
	enum copy_kind kind;
};

struct copy_state {
	const struct copy_param *p;
	size_t size, len;		/* len: size in whole pages */
	unsigned char *src, *dst;	/* dst: memcpy only */
	int wfd, rfd;			/* pipe ends or TCP sockets; rfd -1 with a peer */
	const char *peer;
	struct bench_sink_state sink;
	bool sink_open, hello_sent;
};

static void copy_teardown(struct bench_ctl *ctl, void *state)
{
	struct copy_state *s = state;

	if (s->peer && s->wfd >= 0)
		shutdown(s->wfd, SHUT_WR);	/* the sink drains to EOF */
	if (s->sink_open)
		bench_sink_close(&s->sink);
	if (s->wfd >= 0)
		close(s->wfd);
	if (s->rfd >= 0)
		close(s->rfd);
	bench_free(ctl, s->src, s->len);
	bench_free(ctl, s->dst, s->len);
	free(s);
}

static int copy_setup(struct bench_ctl *ctl, const struct bench_cell *cell,
		      void **state)
{
	struct copy_state *s = calloc(1, sizeof(*s));
	int rc = 0, fds[2];

	if (!s)
		return -ENOMEM;
	s->p = cell->param;
	s->size = cell->size;
	s->len = (cell->size + cell->page_size - 1) & ~(cell->page_size - 1);
	s->wfd = s->rfd = -1;
	s->peer = cell->peer;
	/* as every strategy's buffers (NUMA node, THP advice), prefaulted by
	 * the memset: no fault in a timed sample */
	s->src = bench_alloc(ctl, s->len);
	if (!s->src)
		goto out_nomem;
	memset(s->src, 0x5a, cell->size);
	if (s->p->kind == COPY_MEMCPY) {
		s->dst = bench_alloc(ctl, s->len);
		if (!s->dst)
			goto out_nomem;
		memset(s->dst, 0, cell->size);
	} else if (s->p->kind == COPY_PIPE) {
		if (pipe2(fds, O_CLOEXEC))
			goto out_errno;
		s->rfd = fds[0];
		s->wfd = fds[1];
		bench_size_pipe(s->wfd, cell->size);
	} else {
		rc = s->peer ? bench_peer_connect(ctl, s->peer, &s->wfd) :
		     bench_tcp_pair(&s->wfd, &s->rfd);
	}
	if (!rc && s->rfd >= 0) {
		rc = bench_sink_open(&s->sink, cell->sink, s->p->kind == COPY_TCP);
		s->sink_open = true;
	}
	if (rc)
		goto out_free;
	*state = s;
	return 0;
out_errno:
	rc = -errno;
	goto out_free;
out_nomem:
	rc = -ENOMEM;
out_free:
	copy_teardown(ctl, s);
	return rc;
}

static int run_memcpy(struct bench_ctl *ctl, struct copy_state *s, uint64_t nops)
{
	bool verify = bench_verifying(ctl);

	for (uint64_t i = 0; i < nops; i++) {
		size_t bad;

		if (verify)
			bench_pattern_fill(s->src, s->size, i, 0);
		memcpy(s->dst, s->src, s->size);
		__asm__ volatile("" : : "r"(s->dst) : "memory");	/* keep the copy */
		if (!verify)
			continue;
		bad = bench_pattern_check(s->dst, s->size, i, 0);
		if (bad < s->size)
			return bench_fail(ctl, "operation %llu: byte %zu not copied",
					  (unsigned long long)i, bad);
	}
	return 0;
}

static int copy_run(struct bench_ctl *ctl, void *state, enum bench_role role,
		    uint64_t nops)
{
	struct copy_state *s = state;
	bool verify = bench_verifying(ctl);
	int rc = 0;

	if (s->p->kind == COPY_MEMCPY)
		return run_memcpy(ctl, s, nops);
	if (role == BENCH_ROLE_CONSUMER)
		return bench_sink_drain(ctl, &s->sink, s->rfd, s->size, nops);
	if (s->peer && !s->hello_sent) {
		rc = bench_peer_hello(ctl, s->wfd, s->peer, 0, s->size, verify ? nops : 0);
		s->hello_sent = true;
	}
	for (uint64_t i = 0; i < nops && !rc; i++) {
		if (verify)
			bench_pattern_fill(s->src, s->size, i, 0);
		rc = bench_write_all(ctl, s->wfd, s->src, s->size);
	}
	if (!rc && verify && s->peer)
		rc = bench_peer_result(ctl, s->wfd, s->peer, nops, NULL);
	return rc;
}

static const struct copy_param p_memcpy = { COPY_MEMCPY };
static const struct copy_param p_pipe = { COPY_PIPE };
static const struct copy_param p_tcp = { COPY_TCP };

/* What every copying row must show: the source is prefaulted in setup, so
 * no timed operation faults on it. */
#define COPY_EXPECT							\
	{ { .metric = "page_faults", .scope = BENCH_SCOPE_PRODUCER,	\
	    .per = BENCH_PER_OP, .value = 0, .slack = 0.5,		\
	    .why = "the buffer is prefaulted: a copy takes no fault" },	\
	  BENCH_EXPECT_NO_REMOTE_FLUSH }
#define COPY_COUNTERS { "cycles", "llc_load_misses", "page_faults",	\
			"context_switches" }

static const struct bench_variant copy_variants[] = {
	/* the lower bound of any copy: user-space memcpy into a second buffer */
	{ .name = "memcpy", .class = BENCH_CLASS_COPY, .param = &p_memcpy, .thp = true,
	  .desc = "memcpy() into a second buffer: the lower bound of any copy",
	  .constants = { { "copy_page", BENCH_SCOPE_OP, "wall_ns", BENCH_MODEL_PAGE_COPY,
			   .knee = BENCH_KNEE_CACHE, .desc = "copying a page" } },
	  .model = { { "copy_page" } },
	  .expect = COPY_EXPECT, .counters = COPY_COUNTERS,
	  .setup = copy_setup, .run = copy_run, .teardown = copy_teardown },
	/* the kernel copies into pipe pages; the consumer drains per --sink */
	{ .name = "write-pipe", .class = BENCH_CLASS_COPY, .param = &p_pipe,
	  .consumer = true, .expect = COPY_EXPECT, .counters = COPY_COUNTERS,
	  .desc = "write() into a pipe, the consumer splices to /dev/null or reads",
	  .setup = copy_setup, .run = copy_run, .teardown = copy_teardown },
	/* the kernel copies into skbs; the consumer (or --peer's sink) recv()s */
	{ .name = "send-tcp", .class = BENCH_CLASS_COPY, .param = &p_tcp,
	  .consumer = true, .peer = true, .expect = COPY_EXPECT,
	  .counters = COPY_COUNTERS,
	  .desc = "send() on TCP (loopback, or to --peer), the consumer receives",
	  .setup = copy_setup, .run = copy_run, .teardown = copy_teardown },
};

const struct bench bench_copy = {
	.name = "copy",
	.family = "copy",
	.desc = "the kernel copies the bytes; the buffer is free at once",
	.variants = copy_variants,
	.nvariants = sizeof(copy_variants) / sizeof(copy_variants[0]),
};
