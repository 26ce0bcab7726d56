/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * bench.h - the one interface between a benchmark and the harness.
 *
 * A benchmark family (bench/<family>.c) exports one `const struct bench`:
 * a table of variants. A variant does the work of one strategy and nothing
 * else: no clock, no counter, no printing, no option parsing, no pinning.
 * The harness builds the cells (variant x size x CPUs x placement), runs
 * each repetition of a cell in a process of its own, starts the pinned
 * worker threads there, calls the hooks below in them, and measures.
 *
 * Life of a cell, every hook called in a pinned worker thread:
 *   setup()      producer thread, untimed; allocate, open, prefault.
 *   run()        once per sample in the producer and (if the variant has
 *                one) the consumer thread, concurrently: do `nops`
 *                operations in that role. The producer's call is the
 *                measured one; the consumer's is measured as its own role.
 *   bystand()    once per sample in every bystander thread, concurrently
 *                with run(); must return soon after bench_stopping().
 *                NULL: the harness's default bystander (touches a small
 *                working set of its own until the sample ends).
 *   run(HELPER)  with .helper: once per sample in a helper thread, a
 *                server for the producer (a fault handler, the thread
 *                that forks) until bench_stopping(); measured as a role
 *                of its own and counted in the operation's CPU time.
 *   teardown()   producer thread, untimed.
 * Before the timed samples the harness runs one untimed verification sample
 * with bench_verifying() true: run() then fills a pattern that changes every
 * operation and checks what arrives, returning bench_fail(...) on mismatch.
 * A cell that fails verification is reported as failed, never as a number.
 *
 * A variant row also declares what its numbers mean, so that nothing in
 * the harness, the scripts or the tests needs to know it by name: its
 * phases, the counts it reports and what they are (a share of another, a
 * count that must stay zero), the counters that tell its story, and the
 * work each operation must show (faults per page, flushes per operation),
 * which the analysis checks in every repetition.
 *
 * Return values: 0, or -errno. setup() returns bench_skip(...) when the
 * machine lacks the facility (the cell is recorded "unsupported: reason").
 * A blocking call interrupted by EINTR must check bench_stopping() and
 * return -EINTR when it is true: that is how the harness stops a sample on
 * SIGINT or on a failure of the other role.
 */
#ifndef COWBENCH_BENCH_H
#define COWBENCH_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum bench_class {
	BENCH_CLASS_COPY,	/* the kernel copies the bytes */
	BENCH_CLASS_COW,	/* write-protect / copy-on-write VM games */
	BENCH_CLASS_NOTIFY,	/* zero copy with explicit notification */
	BENCH_CLASS_PRIMITIVE,	/* one mechanism in isolation (flush, fault) */
};

enum bench_role {
	BENCH_ROLE_PRODUCER,
	BENCH_ROLE_CONSUMER,
	BENCH_ROLE_BYSTANDER,
	BENCH_ROLE_HELPER,
};

/* Where a consumer or a helper runs. */
enum bench_place {
	BENCH_PLACE_OWN_CPU,		/* consumer: the cell's second CPU (the
					   producer's at one CPU); helper: the
					   consumer's CPU, else the producer's */
	BENCH_PLACE_PRODUCER_CPU,	/* always on the producer's CPU: it stands
					   for the kernel working for the sender;
					   the cell's other CPUs are bystanders */
};

/* The threads a recorded metric covers (results/README.md, "role"). */
enum bench_scope {
	BENCH_SCOPE_OP,		/* producer + consumer: the hand-off */
	BENCH_SCOPE_PRODUCER,
	BENCH_SCOPE_CONSUMER,
	BENCH_SCOPE_BYSTANDERS,	/* summed over the bystander threads */
	BENCH_SCOPE_HELPER,
};

/* How a consumer drains data (--sink). */
enum bench_sink {
	BENCH_SINK_DEVNULL,	/* splice() to /dev/null where possible */
	BENCH_SINK_READ,	/* read()/recv() into a user buffer */
	BENCH_SINK_DISCARD,	/* recv(MSG_TRUNC): sockets only, the kernel drops
				   the bytes (pipes: as devnull) */
};

#define BENCH_MAX_PHASES 4
#define BENCH_MAX_REPORTS 4
#define BENCH_MAX_EXPECT 8
#define BENCH_MAX_COUNTERS 6
#define BENCH_MAX_CONSTANTS 2
#define BENCH_MAX_TERMS 6

/* A phase of an operation, marked with bench_phase(ctl, index). */
struct bench_phase_decl {
	const char *name;		/* "fault"; NULL ends the list */
	const char *desc;		/* what it contains, one line */
};

/* What a count given to bench_report() means. */
enum bench_report_kind {
	BENCH_REPORT_COUNT,		/* a count per operation */
	BENCH_REPORT_SHARE,		/* a part of the report named by .of:
					   shown as its share */
	BENCH_REPORT_MUST_BE_ZERO,	/* a broken protocol when not zero */
	BENCH_REPORT_HAZARD,		/* what --hazard makes happen on purpose */
	BENCH_REPORT_PROGRESS,		/* work the bystanders got done: their
					   rate against that of the row named
					   by .of (the same bystanders, never
					   disturbed) is what the operations
					   cost them (the responder's side) */
};

struct bench_report_decl {
	const char *name;		/* metric name, [a-z0-9_]; NULL ends */
	enum bench_report_kind kind;
	const char *of;			/* SHARE: the whole; PROGRESS: the
					   baseline row ("tlb/noop-busy") */
	const char *desc;
	const char *unit;		/* "ns/op" for a time; NULL: "count/op" */
	const char *when_all;		/* SHARE: what it means when it is the
					   whole (shown instead of a speed-up:
					   the variant did not do what its name
					   says), e.g. "copied by the kernel" */
	const char *per_event;		/* PROGRESS: the counter keys, first
					   measured wins, of the events the
					   bystanders' lost time is divided by
					   ("tlb_flush.remote_shootdown,tlb_ipi") */
};

/* Units an expectation is counted in. */
enum bench_per {
	BENCH_PER_OP,			/* per operation */
	BENCH_PER_PAGE,			/* per 4 KiB page of the operation's buffer */
	BENCH_PER_REMOTE_CPU,		/* per operation and CPU beyond the first */
	BENCH_PER_HUGE_PAGE,		/* per 2 MiB page of the buffer */
};

/* Which cells of a row an expectation is about: THP is a cell dimension. */
enum bench_thp_when {
	BENCH_THP_ANY,
	BENCH_THP_OFF,			/* cells without THP */
	BENCH_THP_ON,			/* cells with THP (MADV_HUGEPAGE) */
};

/*
 * Work an operation must show, checked in every repetition of every cell
 * the expectation applies to: the median per operation (or, with
 * every_sample, each sample) of `metric` in `scope` must lie in
 * [value x units - slack, value x units + slack + extra]. A metric that
 * was not measured makes the check "unmeasured" (with the counter's
 * reason), never "passed".
 */
struct bench_expect {
	const char *metric;		/* counter key or report name; may be a
					   glob ("tlb_flush.remote_*"); NULL ends */
	enum bench_scope scope;
	enum bench_per per;
	double value;
	double slack;			/* allowed difference per operation */
	double extra;			/* and allowed excess above that */
	unsigned int min_cpus, max_cpus; /* applies to cpus in this range (0:
					   unbounded) */
	size_t max_size;		/* and to sizes up to this (0: all) */
	enum bench_thp_when thp;
	bool every_sample;
	const char *why;		/* one line: the mechanism behind it */
};

/* Two expectations every row can declare: at one CPU the process runs on
 * one CPU only (the harness keeps its own threads there), so nothing may
 * send a TLB flush to another CPU or receive one from it, in any sample. */
#define BENCH_EXPECT_NO_REMOTE_FLUSH					\
	{ .metric = "tlb_flush.remote_ipi_send", .scope = BENCH_SCOPE_OP,	\
	  .per = BENCH_PER_OP, .max_cpus = 1, .every_sample = true,	\
	  .why = "one CPU: no flush is sent to another CPU" },		\
	{ .metric = "tlb_flush.remote_shootdown", .scope = BENCH_SCOPE_OP,	\
	  .per = BENCH_PER_OP, .max_cpus = 1, .every_sample = true,	\
	  .why = "one CPU: no flush of this process arrives from another CPU" }

/*
 * The cost model (results/README.md, "The model"). A row may measure
 * constants of it: a metric of its own, fitted over the sizes at each
 * (cpus, placement, THP) as intercept + slope x pages, per repetition. A
 * row may state its model: its operation time as a sum of constants'
 * lines, which the analysis then predicts and holds against what was
 * measured. A row without a model is fitted on its own line.
 */
enum bench_model_role {			/* what a constant is in the 2006
					   inequality, if anything */
	BENCH_MODEL_TERM,		/* a term like any other */
	BENCH_MODEL_PAGE_COPY,		/* copying a page */
	BENCH_MODEL_COW_FAULT,		/* the kernel's COW fault, its page copy
					   included */
	BENCH_MODEL_PT_UPDATE,		/* a page-table update with the flush
					   (and shootdowns) it takes */
};

/* Where a constant's line is fitted in two parts, below and above. */
enum bench_knee {
	BENCH_KNEE_NONE,
	BENCH_KNEE_FLUSH_CEILING,	/* x86's tlb_single_page_flush_ceiling
					   pages: a flush becomes a full one */
	BENCH_KNEE_CACHE,		/* the buffer and its copy (twice the
					   size) outgrow the last-level cache */
};

struct bench_constant {
	const char *name;		/* "copy_page", [a-z_]; unique in the table */
	enum bench_scope scope;		/* whose metric: op or producer */
	const char *metric;		/* "wall_ns", "phase.fault.wall_ns" */
	enum bench_model_role role;
	enum bench_knee knee;		/* where the line bends (model.h) */
	const char *desc;		/* a phrase: "a COW fault (with its copy)" */
};

struct bench_term {
	const char *constant;		/* a constant's name; NULL ends */
	double factor;			/* times its line; 0 means 1 */
};

/* What the harness tells a variant about the cell it sets up. */
struct bench_cell {
	size_t size;			/* bytes handed off per operation */
	unsigned int ncpus;		/* CPUs (worker threads) of the cell */
	unsigned int nbystanders;	/* threads with BENCH_ROLE_BYSTANDER */
	bool colocated;			/* consumer shares the producer's CPU */
	enum bench_sink sink;
	size_t page_size;
	const void *param;		/* the variant row's own parameters */
	const char *peer;		/* "HOST:PORT" of a remote `cowbench sink`
					   (--peer), for variants with .peer; then
					   there is no local consumer thread */
	bool hazard;			/* --hazard: the verification sample breaks
					   the variant's reuse protocol on purpose */
	bool sabotage;			/* --sabotage: skip the step the variant's
					   correctness rests on (.sabotage says
					   which), so its verification must fail */
	bool thp;			/* buffers from bench_alloc() get THP
					   (MADV_HUGEPAGE); else MADV_NOHUGEPAGE */
	int helper_cpu, child_cpu;	/* OS CPUs, -1 unknown: where the helper
					   runs; a process it forks stays there */
};

/* Per-thread handle owned by the harness; opaque to benchmarks. */
struct bench_ctl;

struct bench_variant {
	const char *name;		/* "write-pipe"; shown as family/name */
	enum bench_class class;
	const char *desc;		/* one line: what it isolates */
	bool consumer;			/* needs a consumer thread */
	enum bench_place consumer_cpu;
	bool helper;			/* needs a helper thread (run(HELPER)) */
	const char *sabotage;		/* what --sabotage skips, NULL: cannot */
	bool thp;			/* its buffers are anonymous memory that
					   THP applies to: measured with THP too */
	const char *twin;		/* "copy/send-tcp": its copying twin */
	struct bench_phase_decl phases[BENCH_MAX_PHASES];
	struct bench_report_decl reports[BENCH_MAX_REPORTS];
	const char *counters[BENCH_MAX_COUNTERS];	/* the counter keys that
					   tell this variant's story (summary) */
	struct bench_expect expect[BENCH_MAX_EXPECT];
	const char *no_expect;		/* why a row declares no expectation */
	struct bench_constant constants[BENCH_MAX_CONSTANTS];
	struct bench_term model[BENCH_MAX_TERMS];	/* its op time, predicted */
	bool peer;			/* can send to a remote sink (--peer) */
	const void *param;		/* handed to setup() as cell->param */

	int (*setup)(struct bench_ctl *ctl, const struct bench_cell *cell,
		     void **state);
	int (*run)(struct bench_ctl *ctl, void *state, enum bench_role role,
		   uint64_t nops);
	int (*bystand)(struct bench_ctl *ctl, void *state);
	void (*teardown)(struct bench_ctl *ctl, void *state);
};

struct bench {
	const char *name;		/* the benchmark, as --bench selects it:
					   its file name, e.g. "cow_fault" */
	const char *family;		/* the variants' prefix, e.g. "cow" */
	const char *desc;
	const struct bench_variant *variants;
	size_t nvariants;
};

/*
 * Harness services a benchmark may call from its hooks.
 */

/* Phase `phase` (an index into variant->phases) of the operation starts
 * now; the time since the previous mark is charged to the previous phase.
 * Each run() starts in phase 0. Cheap: one clock read; its overhead is
 * measured and recorded by the harness. */
void bench_phase(struct bench_ctl *ctl, unsigned int phase);

/* Add n to the variant's report `idx` (an index into variant->reports) for
 * this thread's current sample: what only the workload can see, such as
 * completions the kernel flagged as copied. Recorded per operation like a
 * counter, and for the verification sample in the cell's verify_reports. */
void bench_report(struct bench_ctl *ctl, unsigned int idx, uint64_t n);

/* From setup(): the operations in flight at once (a ring of buffers). The
 * harness then makes every sample a multiple of it and long enough that
 * filling and draining the pipeline is a small part of the sample; run()
 * must end each sample with nothing in flight. */
void bench_set_depth(struct bench_ctl *ctl, unsigned int depth);

/* A fact about this repetition worth recording (run.json "notes"): how
 * the kernel was set up, which fallback was taken. From setup() or run(). */
void bench_note(struct bench_ctl *ctl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* True when the sample (or the whole run) is being stopped. */
bool bench_stopping(const struct bench_ctl *ctl);

/* True during the untimed verification sample. */
bool bench_verifying(const struct bench_ctl *ctl);

/* Sleep in the kernel until the sample ends (an idle bystander). */
void bench_sleep_until_stop(struct bench_ctl *ctl);

/* Record why the cell failed verification; returns -EBADMSG. */
int bench_fail(struct bench_ctl *ctl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Record why the cell cannot run here; returns -EOPNOTSUPP. */
int bench_skip(struct bench_ctl *ctl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Record why the --peer cannot serve the cell (no connection, no answer
 * to the hello in a few seconds, refused): the cell fails with that
 * reason, and the run does not try the peer again. Returns -EHOSTDOWN. */
int bench_peer_down(struct bench_ctl *ctl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Page-aligned memory on the producer's NUMA node (first-touch fallback),
 * with the cell's THP advice, as every variant's buffers get it; NULL on
 * failure. Free with bench_free(). */
void *bench_alloc(struct bench_ctl *ctl, size_t len);
void bench_free(struct bench_ctl *ctl, void *p, size_t len);

/* Zeroed memory for a variant's own state that is not inherited by
 * fork() (MADV_DONTFORK), so that writing it after a fork takes no COW
 * fault; as the harness's own memory and its worker stacks, bar the
 * helper's. NULL on failure; free with bench_free_private(). */
void *bench_alloc_private(size_t len);
void bench_free_private(void *p, size_t len);

/*
 * Workload helpers (bench/util.c), shared by the families.
 *
 * A byte pattern that depends on the operation's sequence number and the
 * offset in the operation's buffer, to prove that the bytes that arrive are
 * the bytes that were sent for that operation (a stale or reordered page
 * does not match).
 */
void bench_pattern_fill(void *buf, size_t len, uint64_t seq, size_t off);
/* Offset (relative to buf) of the first wrong byte, or len when all match. */
size_t bench_pattern_check(const void *buf, size_t len, uint64_t seq, size_t off);

/* A consumer's way of draining a pipe or socket per --sink: splice() to
 * /dev/null (through a pipe for sockets), or read() into a buffer. While
 * verifying it always reads and checks the pattern of every operation. */
struct bench_sink_state {
	enum bench_sink sink;
	bool is_socket;
	int devnull;
	int pipe[2];		/* socket -> pipe -> /dev/null */
	unsigned char *buf;
	size_t buflen;
};

int bench_sink_open(struct bench_sink_state *s, enum bench_sink sink,
		    bool is_socket);
void bench_sink_close(struct bench_sink_state *s);
/* Consume nops operations of size bytes from fd. Returns 0 or -errno
 * (-EINTR when stopped, -EPIPE on a premature end of data). */
int bench_sink_drain(struct bench_ctl *ctl, struct bench_sink_state *s, int fd,
		     size_t size, uint64_t nops);

/* Write all of buf to fd (a pipe or a stream socket), retrying partial
 * writes; -EINTR when stopped. */
int bench_write_all(struct bench_ctl *ctl, int fd, const void *buf, size_t len);
/* Read all len bytes; -EPIPE at EOF, -EINTR when stopped (ctl NULL: on EINTR). */
int bench_read_full(struct bench_ctl *ctl, int fd, void *buf, size_t len);
/* Size a pipe alike for all: size to pages, >= 64 KiB; returns the capacity. */
size_t bench_size_pipe(int fd, size_t size);
/* A sysctl's value as text, its first line ("/proc/sys/" + name, e.g.
 * "vm/unprivileged_userfaultfd"); "?" when it cannot be read. */
const char *bench_sysctl(const char *name, char *buf, size_t len);
/* A loopback TCP connection; wfd, the sender's end, has TCP_NODELAY. */
int bench_tcp_pair(int *wfd, int *rfd);
/* Connect to the remote `cowbench sink` at --peer "HOST:PORT" within a few
 * seconds; else bench_peer_down(). */
int bench_peer_connect(struct bench_ctl *ctl, const char *peer, int *fd);
/* Send the sink's hello (sinkproto.h): the flags the sink must honour, op
 * size, how many ops it checks; then wait a few seconds at most for the
 * sink to acknowledge it, else bench_peer_down(). */
int bench_peer_hello(struct bench_ctl *ctl, int fd, const char *peer, uint32_t flags,
		     size_t size, uint64_t verify_ops);
/* Read its verdict: a mismatch fails, unless ndiffer takes the count. */
int bench_peer_result(struct bench_ctl *ctl, int fd, const char *peer,
		      uint64_t nops, uint32_t *ndiffer);

/* The families, one line each in bench/families.h. */
#define BENCH_FAMILY(sym) extern const struct bench sym;
#include "families.h"
#undef BENCH_FAMILY

#endif
