/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * notify.h - inside the notify family: what its rows share (vmsplice.c:
 * the table, the ring of buffers, the producer and consumer loops) and
 * what each mechanism implements beside it (notify_pipe.c: vmsplice into
 * a pipe; notify_splice.c: vmsplice, then splice to TCP; notify_zc.c:
 * MSG_ZEROCOPY; notify_uring.c: io_uring SEND_ZC and SEND). Not part of
 * the harness contract: only bench/vmsplice.c and bench/notify_*.c
 * include it.
 */
#ifndef COWBENCH_NOTIFY_H
#define COWBENCH_NOTIFY_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "bench.h"

#define NOTIFY_MAX_DEPTH 64
#define NOTIFY_SOCK_INFLIGHT (1u << 20)	/* socket rows: about this much in flight */
#define NOTIFY_WAIT_NS (100 * 1000 * 1000)	/* re-check bench_stopping() this often */

/* The rows' reports (bench_report() indices), per operation: DONE,
 * operations whose buffer was released (notified, or its reuse rule
 * held); AUX, of those the kernel flagged as copied (zc rows) or the
 * producer's sleeps or polls for a release (the others); VIOLATIONS,
 * buffers handed off or written while in flight; HAZARD, operations that
 * arrived modified. */
enum { NOTIFY_REP_DONE, NOTIFY_REP_AUX, NOTIFY_REP_VIOLATIONS, NOTIFY_REP_HAZARD };

struct notify_state;
struct notify_slot;

/* A mechanism: how a buffer is handed off and how the producer learns
 * that it may write it again. One per file beside vmsplice.c. */
struct notify_mech {
	bool pipe;		/* the consumer drains a pipe and its counter
				   is the notification (else: a TCP socket) */
	bool spliced;		/* fed by vmsplice(): under --hazard the local
				   consumer reads an operation only once the
				   producer has overwritten it (s->ready) */
	uint32_t hello_flags;	/* --peer: SINKPROTO_F_* the sink must honour */
	/* Set up fds and the ring (notify_ring_alloc()); bench_skip()s. */
	int (*open)(struct bench_ctl *ctl, struct notify_state *s,
		    const struct bench_cell *cell);
	/* Hand off operation op from sl; last: the sample's last. Under
	 * s->tampering it overwrites the buffer (notify_tamper()) where
	 * the hazard is, before returning. */
	int (*handoff)(struct bench_ctl *ctl, struct notify_state *s,
		       struct notify_slot *sl, uint64_t op, bool last);
	/* Sleep (or poll) until sl may be written again. */
	int (*wait)(struct bench_ctl *ctl, struct notify_state *s,
		    struct notify_slot *sl);
	/* Teardown, after the consumer's end is closed (or, with a peer,
	 * shut down for writing): collect what is outstanding, free. */
	void (*close)(struct bench_ctl *ctl, struct notify_state *s);
};

struct notify_param {
	const struct notify_mech *mech;
	bool zc;		/* completions say whether the kernel copied */
	bool fixed;		/* io_uring: registered buffers */
	unsigned int flags;	/* vmsplice(): SPLICE_F_GIFT or 0 */
	unsigned int inflight;	/* io_uring: sends in flight (the ring);
				   0: enough to fill the pipe or socket */
};

struct notify_slot {
	unsigned char *buf;
	_Atomic bool inflight;		/* handed off, not yet released */
	unsigned int pending;		/* sockets: notifications still due */
	uint64_t end;			/* pipes: the consumed count that frees it;
					   splice: stream bytes through its end */
	uint32_t first_id, nids;	/* MSG_ZEROCOPY ids of its send() calls */
	size_t off;			/* io_uring: bytes sent so far */
	bool copied;			/* a completion said the kernel copied */
};

/* A futex-backed counter: the consumer's notification (pipe rows) and
 * the --hazard gate. */
struct notify_counter {
	_Atomic uint32_t v;
	_Atomic uint32_t waiting;
};

struct notify_state {
	const struct notify_param *p;
	size_t size, stride;
	unsigned int depth;		/* ring buffers of timed samples */
	unsigned int nbuf;		/* buffers in the ring: depth, at least 2 */
	unsigned int now_depth;		/* of the sample being run */
	struct notify_slot slot[NOTIFY_MAX_DEPTH];
	unsigned char *ring;
	size_t ringlen;
	int wfd, rfd;			/* the producer's end, the consumer's (-1
					   with a peer): pipe ends or sockets */
	const char *peer;
	bool hazard, tampering;		/* --hazard; and this sample breaks it */
	bool hello_sent, sink_open;
	struct bench_sink_state sink;
	uint64_t sent, got;		/* operations handed off / consumed */
	uint64_t waits;			/* this sample's sleeps or polls */
	_Atomic size_t checked;		/* --hazard: bytes of the operation that
					   were the kernel's when overwritten */
	struct notify_counter consumed, ready;	/* pipes: consumer -> producer;
					   --hazard: producer -> consumer */
	void *mech;			/* the mechanism's own state */
};

/* vmsplice.c, for the mechanisms. */
int notify_ring_alloc(struct bench_ctl *ctl, struct notify_state *s, size_t depth);
void notify_slot_done(struct bench_ctl *ctl, struct notify_state *s,
		      struct notify_slot *sl);
/* The buggy program of --hazard: overwrite sl while the kernel holds the
 * first `checked` bytes of it (what the consumer judges), and let a
 * gated consumer read. */
void notify_tamper(struct bench_ctl *ctl, struct notify_state *s,
		   struct notify_slot *sl, uint64_t op, size_t checked);
void notify_counter_post(struct notify_counter *c);
int notify_counter_reach(struct bench_ctl *ctl, struct notify_counter *c,
			 uint32_t target, uint64_t *waits);
/* notify_pipe.c: vmsplice() all of p into the pipe fd (blocks while full). */
int notify_vmsplice_all(struct bench_ctl *ctl, int fd, unsigned char *p, size_t len,
			unsigned int flags);
/* The socket's pending error, or -EPIPE. */
int notify_sock_error(int fd);

extern const struct notify_mech notify_mech_pipe, notify_mech_splice,
	notify_mech_zc, notify_mech_uring;

#endif
