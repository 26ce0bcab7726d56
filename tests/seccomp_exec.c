// SPDX-License-Identifier: GPL-2.0-only
/*
 * seccomp_exec.c - run a program under a seccomp filter that refuses some
 * system calls with an errno, as a container runtime's profile does:
 *
 *   seccomp_exec EPERM|ENOSYS|N syscall[,syscall...] -- PROG [ARGS...]
 *
 * For the restricted-machine tests (tests/it_restricted.py). The filter
 * is inherited by every process PROG starts, as in a container. No
 * libseccomp: the BPF program is written out here. It checks the
 * architecture first (a system call number means another call on another
 * ABI) and lets calls of any other architecture through: this is a test
 * tool, not a sandbox. Exit: 2 on bad arguments, 1 when the filter cannot
 * be installed or PROG cannot be run, else PROG's.
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__x86_64__)
#define NATIVE_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define NATIVE_ARCH AUDIT_ARCH_AARCH64
#elif defined(__i386__)
#define NATIVE_ARCH AUDIT_ARCH_I386
#elif defined(__riscv) && __riscv_xlen == 64
#define NATIVE_ARCH AUDIT_ARCH_RISCV64
#endif

#define MAX_CALLS 16

static const struct { const char *name; long nr; } calls[] = {
	{ "perf_event_open", __NR_perf_event_open },
	{ "userfaultfd", __NR_userfaultfd },
#ifdef __NR_io_uring_setup
	{ "io_uring_setup", __NR_io_uring_setup },
	{ "io_uring_enter", __NR_io_uring_enter },
	{ "io_uring_register", __NR_io_uring_register },
#endif
};

static int usage(const char *why)
{
	fprintf(stderr, "seccomp_exec: %s (usage: seccomp_exec EPERM|ENOSYS|ERRNO "
		"syscall[,syscall...] -- PROG [ARGS...])\n", why);
	return 2;
}

static int parse_errno(const char *s)
{
	char *end;
	long v;

	if (!strcmp(s, "EPERM"))
		return EPERM;
	if (!strcmp(s, "ENOSYS"))
		return ENOSYS;
	v = strtol(s, &end, 10);
	return end != s && !*end && v > 0 && v <= SECCOMP_RET_DATA ? (int)v : -1;
}

/* The numbers of the comma-separated names in list; -1 on an unknown one. */
static int parse_calls(char *list, long *nr)
{
	int n = 0;

	for (char *tok = strtok(list, ","); tok; tok = strtok(NULL, ",")) {
		size_t i;

		for (i = 0; i < sizeof(calls) / sizeof(calls[0]); i++)
			if (!strcmp(tok, calls[i].name))
				break;
		if (i == sizeof(calls) / sizeof(calls[0]) || n == MAX_CALLS)
			return -1;
		nr[n++] = calls[i].nr;
	}
	return n ? n : -1;
}

#ifdef NATIVE_ARCH
/* arch != native: allow; nr == one of them: ERRNO; else allow. */
static int install(int err, const long *nr, int n)
{
	struct sock_filter f[MAX_CALLS + 5];
	struct sock_fprog prog = { .filter = f };
	unsigned short k = 0;

	f[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
					     offsetof(struct seccomp_data, arch));
	f[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NATIVE_ARCH, 0,
					     (unsigned char)(n + 1));
	f[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
					     offsetof(struct seccomp_data, nr));
	for (int i = 0; i < n; i++)	/* a match jumps to the ERRNO return */
		f[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
						     (unsigned int)nr[i],
						     (unsigned char)(n - i), 0);
	f[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	f[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
					     SECCOMP_RET_ERRNO | (unsigned int)err);
	prog.len = k;
	/* without CAP_SYS_ADMIN a filter needs no_new_privs; harmless as root */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog))
		return -errno;
	return 0;
}
#else
static int install(int err, const long *nr, int n)
{
	(void)err, (void)nr, (void)n;
	return -EOPNOTSUPP;	/* an architecture this file does not know */
}
#endif

int main(int argc, char **argv)
{
	long nr[MAX_CALLS];
	int err, n, rc;

	if (argc < 5 || strcmp(argv[3], "--"))
		return usage("expected ERRNO SYSCALLS -- PROG");
	err = parse_errno(argv[1]);
	if (err < 0)
		return usage("the errno is not EPERM, ENOSYS or a number");
	n = parse_calls(argv[2], nr);
	if (n < 0)
		return usage("a system call this tool does not know");
	rc = install(err, nr, n);
	if (rc) {
		fprintf(stderr, "seccomp_exec: cannot install the filter: %s\n",
			strerror(-rc));
		return 1;
	}
	execvp(argv[4], argv + 4);
	fprintf(stderr, "seccomp_exec: %s: %s\n", argv[4], strerror(errno));
	return 1;
}
