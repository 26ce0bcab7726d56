/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * cow.h - what the COW family's files share (cow_fault.c: the table, the
 * state, cow/private; cow_fork.c: cow/fork; cow_send.c: the zero-copy sends
 * modelled with mprotect or userfaultfd write-protect).
 */
#ifndef COWBENCH_COW_H
#define COWBENCH_COW_H

#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "bench.h"

#define COW_ORIG_SEQ (1ull << 40)	/* the memfd's pattern; ops use 32-bit seqs */
#define PG_PRESERVED 1u		/* the old contents are in the shadow copy */
#define PG_RELEASED 2u		/* the consumer is done: a write needs no copy */

enum cow_kind { COW_FORK, COW_PRIVATE, COW_MPROTECT, COW_UFFD };

/* When the consumer (the kernel, for a send) lets go of the pages. */
enum cow_release {
	RELEASE_AFTER_REFILL,	/* the program writes while the kernel still
				   holds them: every written page is copied */
	RELEASE_BEFORE_REFILL,	/* it writes after the kernel let go: each
				   written page still faults, nothing is copied */
};

struct cow_param {
	enum cow_kind kind;
	unsigned int ring;	/* buffers sent in turn: 1 reuse, 2 fresh */
	enum cow_release release;
};

/* Reports of every COW row (bench_report() indices). */
enum { REP_COPIED, REP_CHILD_CPU };
/* Phases, by row: fork, private, and the sends (mprotect-*, uffd-wp). */
enum { PH_FORK_PROTECT, PH_FORK_FAULT, PH_FORK_REAP };
enum { PH_PRIV_FAULT, PH_PRIV_REARM };
enum { PH_SEND_PROTECT, PH_SEND_FAULT, PH_SEND_WAIT, PH_SEND_UNPROTECT };

/* A counter another thread sleeps on until it reaches a value. */
struct cow_flag {
	_Atomic uint32_t v;
};

/* The state of a cell, in memory that fork() does not inherit
 * (bench_alloc_private): the producer writes it during an operation. */
struct cow_state {
	const struct cow_param *p;
	struct bench_ctl *producer;	/* for reports from a signal handler */
	size_t size, len, page, npages;
	bool verify, sabotage, segv;
	unsigned char *buf[2], *shadow;	/* shadow: preserved pages, or the
					   memfd's shared pages (private) */
	_Atomic uint32_t *pst;		/* per page of buf[0]: PG_* */
	uint32_t seq, cseq;		/* next operation: producer, consumer */
	struct cow_flag sent, released;	/* producer <-> consumer */
	struct cow_flag req, forked, release, reaped;	/* producer <-> helper */
	_Atomic uint64_t ops_done;	/* the producer's operations so far */
	uint64_t helper_ops;		/* those the helper has served to */
	int fd[4];			/* memfd or uffd, eventfd, pipe */
	int child_status;
	uint64_t child_cpu_ns;
	struct sigaction prev;		/* SIGSEGV action before setup */
	_Atomic int handler_err;
};
enum { FD_MEM, FD_UFFD = FD_MEM, FD_EVENT, FD_PIPE_R, FD_PIPE_W };	/* fd[] */

/* post: set the flag and wake its sleeper; wait: sleep until it reaches
 * want (rechecking bench_stopping() every 100 ms), -EINTR when stopped. */
void cow_post(struct cow_flag *f, uint32_t v);
int cow_wait(struct bench_ctl *ctl, struct cow_flag *f, uint32_t want);

/* The producer's writes: one store per page, or (verifying) the pattern. */
void cow_refill(struct cow_state *s, unsigned char *b, uint32_t seq);

/* cow_fork.c */
int cow_fork_setup(struct bench_ctl *ctl, struct cow_state *s);
int cow_fork_run(struct bench_ctl *ctl, struct cow_state *s, enum bench_role role,
		 uint64_t nops);

/* cow_send.c */
int cow_send_setup(struct bench_ctl *ctl, struct cow_state *s);
void cow_send_teardown(struct cow_state *s);
int cow_send_run(struct bench_ctl *ctl, struct cow_state *s, enum bench_role role,
		 uint64_t nops);

#endif
