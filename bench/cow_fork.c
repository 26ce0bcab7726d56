// SPDX-License-Identifier: GPL-2.0-only
/*
 * cow_fork.c - cow/fork: the kernel's own COW, set up by fork().
 *
 * The helper thread forks, on request of the producer; the producer then
 * stores into every page of the buffer (a COW fault and a page copy each)
 * and asks the helper to release the child and reap it. So that the
 * producer's faults are its buffer's alone, nothing else it writes during
 * an operation is shared with the child: its stack and control block (the
 * harness's) and this family's state are not inherited by fork
 * (MADV_DONTFORK); the child runs on a copy of the helper's stack, with the
 * helper's pinning (its CPU is recorded as the cell's helper_cpu), and only
 * reads the buffer. Its exit, which frees the old pages, is timed in the
 * reap phase and its CPU time (wait4) reported as child_cpu_ns.
 * fork() is the system call itself, clone(SIGCHLD): the kernel's work whole,
 * without glibc's user-space bookkeeping around it (atfork handlers, and a
 * walk of every thread's descriptor, which lives on the stacks the child
 * does not inherit and would crash it).
 * The helper's own COW faults (its stack, libc's atfork work) are its
 * own role's, and it runs on the producer's CPU: every operation takes the
 * two context switches of the hand-offs, a fixed cost per operation.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cow.h"

/* What the child needs, copied onto the helper's stack before fork(). */
struct child_args {
	const unsigned char *buf;
	size_t size;
	uint32_t seq;
	int rfd, wfd;
	bool verify;
};

/* The child holds the shared pages until the parent has written them, then
 * (verifying) checks that they kept the sent data. A child of a threaded
 * process, started by a raw clone: system calls only; the check is plain
 * computation. */
static void __attribute__((noreturn)) fork_child(const struct child_args *a)
{
	char c;

	syscall(SYS_close, a->wfd);	/* so that read() ends if the parent dies */
	while (syscall(SYS_read, a->rfd, &c, 1) < 0 && errno == EINTR)
		;
	_exit(a->verify && bench_pattern_check(a->buf, a->size, a->seq, 0) < a->size);
}

int cow_fork_setup(struct bench_ctl *ctl, struct cow_state *s)
{
	s->buf[0] = bench_alloc(ctl, s->len);
	if (!s->buf[0])
		return -ENOMEM;
	memset(s->buf[0], 0x5a, s->len);	/* prefaulted */
	if (pipe2(&s->fd[FD_PIPE_R], O_CLOEXEC))
		return -errno;
	bench_note(ctl, "the forked child runs on the helper's CPU, which is the "
		   "producer's");
	return 0;
}

/* One operation of the helper: fork, wait for the release, reap. */
static int serve(struct bench_ctl *ctl, struct cow_state *s, uint32_t op)
{
	struct child_args a = { s->buf[0], s->size, op, s->fd[FD_PIPE_R],
				s->fd[FD_PIPE_W], s->verify };
	struct rusage ru;
	pid_t pid, w;
	ssize_t n;
	int rc;

	pid = (pid_t)syscall(SYS_clone, SIGCHLD, 0, NULL, NULL, 0);
	if (pid == 0)
		fork_child(&a);
	if (pid < 0)
		return -errno;
	cow_post(&s->forked, op + 1);
	rc = cow_wait(ctl, &s->release, op + 1);
	/* release and reap whatever happens: no child outlives its operation */
	while ((n = write(s->fd[FD_PIPE_W], "", 1)) < 0 && errno == EINTR)
		;
	if (n < 0)
		kill(pid, SIGKILL);
	while ((w = wait4(pid, &s->child_status, 0, &ru)) < 0 && errno == EINTR)
		;
	s->child_cpu_ns = (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000ull +
			  (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000ull;
	cow_post(&s->reaped, op + 1);
	return rc ? rc : w < 0 ? -errno : 0;
}

/* The helper: serve this sample's operations, or until stopped. */
static int run_helper(struct bench_ctl *ctl, struct cow_state *s, uint64_t nops)
{
	uint32_t first = (uint32_t)s->helper_ops;
	int rc = 0;

	for (uint32_t op = first; op < first + nops && !rc; op++) {
		rc = cow_wait(ctl, &s->req, op + 1);
		if (!rc)
			rc = serve(ctl, s, op);
	}
	s->helper_ops += nops;
	return rc == -EINTR && bench_stopping(ctl) ? 0 : rc;
}

static int run_producer(struct bench_ctl *ctl, struct cow_state *s, uint64_t nops)
{
	int rc = 0;

	for (uint64_t i = 0; i < nops && !rc; i++, s->seq++) {
		uint32_t op = s->seq;

		if (s->verify)
			bench_pattern_fill(s->buf[0], s->size, op, 0);
		bench_phase(ctl, PH_FORK_PROTECT);
		cow_post(&s->req, op + 1);
		rc = cow_wait(ctl, &s->forked, op + 1);
		if (rc)
			break;
		bench_phase(ctl, PH_FORK_FAULT);
		cow_refill(s, s->buf[0], op + 1);
		bench_phase(ctl, PH_FORK_REAP);
		cow_post(&s->release, op + 1);
		rc = cow_wait(ctl, &s->reaped, op + 1);
		if (rc)
			break;
		bench_report(ctl, REP_COPIED, s->npages);
		bench_report(ctl, REP_CHILD_CPU, s->child_cpu_ns);
		if (!s->verify)
			continue;
		if (!WIFEXITED(s->child_status) || WEXITSTATUS(s->child_status))
			return bench_fail(ctl, "operation %u: the child's pages changed "
					  "when the parent wrote (status %#x)", op,
					  s->child_status);
		if (bench_pattern_check(s->buf[0], s->size, op + 1, 0) < s->size)
			return bench_fail(ctl, "operation %u: the parent's writes "
					  "are lost", op);
	}
	return rc;
}

int cow_fork_run(struct bench_ctl *ctl, struct cow_state *s, enum bench_role role,
		 uint64_t nops)
{
	return role == BENCH_ROLE_HELPER ? run_helper(ctl, s, nops) :
	       run_producer(ctl, s, nops);
}
