// SPDX-License-Identifier: GPL-2.0-only
/*
 * peer.c - `cowbench sink`: the remote consumer of `cowbench run --peer`.
 *
 * It accepts TCP connections one after another until SIGINT or SIGTERM.
 * Per connection: read the producer's hello (a client silent for
 * HELLO_WAIT_S is dropped, so that it cannot hold the sink), acknowledge
 * it when asked (SINKPROTO_F_ACK), check the pattern of the
 * operations it announces, answer with the verdict, then drain whatever
 * follows until EOF (splice to /dev/null, read(), or recv(MSG_TRUNC) that
 * lets the kernel drop the bytes, per --sink), and print one line to
 * stderr. When the hello asks (SINKPROTO_F_CONSUMED), it also reports
 * the operations it has consumed, as they are. Exit: 0 on a signal, 2 on
 * bad arguments, 1 when it cannot listen.
 *
 * The wire protocol is bench/sinkproto.h; bench/util.c is the other end.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench.h"
#include "clock.h"
#include "fmt.h"
#include "parse.h"
#include "peer.h"
#include "run.h"
#include "sinkproto.h"

#define CHUNK (1u << 20)
#define MAX_VERIFY_BYTES (1ull << 40)
#define HELLO_WAIT_S 30		/* a client silent this long is dropped: the
				   sink serves one at a time */

#define STR(x) #x
#define XSTR(x) STR(x)

static volatile sig_atomic_t sink_stop;

struct conn {
	int fd;
	char name[96];
	uint64_t size, verify_ops, bytes;
	uint64_t reported;		/* operations reported consumed */
	uint32_t flags, bad, first_bad;
	const char *verdict;
};

static void on_stop(int sig)
{
	(void)sig;
	sink_stop = 1;
}

static void install_stop(void)
{
	struct sigaction sa = { .sa_handler = on_stop };	/* no SA_RESTART */

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static void addr_name(const struct sockaddr *sa, socklen_t len, char *buf, size_t n)
{
	char host[64], port[16];

	if (getnameinfo(sa, len, host, sizeof(host), port, sizeof(port),
			NI_NUMERICHOST | NI_NUMERICSERV))
		snprintf(buf, n, "?");
	else
		snprintf(buf, n, strchr(host, ':') ? "[%s]:%s" : "%s:%s", host, port);
}

static void reply(struct conn *c, enum sinkproto_status status)
{
	struct sinkproto_result r = { status, c->bad, c->first_bad };
	unsigned char buf[SINKPROTO_RESULT_LEN];

	sinkproto_result_encode(buf, &r);
	if (write(c->fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
		c->verdict = "could not send the verdict";
}

/* SINKPROTO_F_ACK: tell the producer at once that it is being served. */
static int ack(struct conn *c)
{
	unsigned char buf[SINKPROTO_RESULT_LEN];

	sinkproto_ack_encode(buf);
	return write(c->fd, buf, sizeof(buf)) == (ssize_t)sizeof(buf) ? 0 : -EPIPE;
}

/* Reads pass no bench_ctl to bench_read_full(): the only signal handler,
 * on_stop(), sets sink_stop, so an EINTR always means stop. */
static int read_hello(struct conn *c)
{
	struct timeval tv = { HELLO_WAIT_S, 0 };
	unsigned char buf[SINKPROTO_HELLO_LEN];
	struct sinkproto_hello h;
	int rc;

	setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	rc = bench_read_full(NULL, c->fd, buf, sizeof(buf));
	tv.tv_sec = 0;
	setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (rc == -EAGAIN || rc == -EWOULDBLOCK)
		c->verdict = "no hello in " XSTR(HELLO_WAIT_S) " s, dropped";
	if (rc)
		return rc;
	if (!sinkproto_hello_decode(buf, &h) || !h.size || h.size > MAX_VERIFY_BYTES ||
	    h.verify_ops > MAX_VERIFY_BYTES / h.size) {
		c->verdict = "bad hello (not cowbench, or another protocol version)";
		reply(c, SINKPROTO_BAD_HELLO);
		return -EPROTO;
	}
	c->size = h.size;
	c->verify_ops = h.verify_ops;
	c->flags = h.flags;
	/* the reports are small and the producer waits for them: no Nagle */
	if (c->flags & (SINKPROTO_F_CONSUMED | SINKPROTO_F_ACK))
		setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 }, sizeof(int));
	return c->flags & SINKPROTO_F_ACK ? ack(c) : 0;
}

/* SINKPROTO_F_CONSUMED: say how many operations are consumed, when that
 * grew. A producer that stopped listening is no reason to stop draining. */
static void report_consumed(struct conn *c)
{
	unsigned char buf[SINKPROTO_RESULT_LEN];
	uint64_t ops = c->bytes / c->size;

	if (!(c->flags & SINKPROTO_F_CONSUMED) || ops <= c->reported)
		return;
	sinkproto_consumed_encode(buf, ops);
	if (write(c->fd, buf, sizeof(buf)) == (ssize_t)sizeof(buf))
		c->reported = ops;
	else
		c->flags &= ~SINKPROTO_F_CONSUMED;
}

/* Check the announced operations, counting those that differ. */
static int verify(struct conn *c, unsigned char *buf)
{
	for (uint64_t op = 0; op < c->verify_ops; op++) {
		bool bad = false;

		for (uint64_t off = 0; off < c->size;) {
			size_t n = c->size - off < CHUNK ? (size_t)(c->size - off) : CHUNK;
			int rc = bench_read_full(NULL, c->fd, buf, n);

			if (rc)
				return rc;
			bad |= bench_pattern_check(buf, n, op, (size_t)off) < n;
			off += n;
			c->bytes += n;
		}
		report_consumed(c);
		if (bad && !c->bad++)
			c->first_bad = (uint32_t)op;
	}
	return 0;
}

/* Drain until EOF: socket -> pipe -> /dev/null, read() into buf, or
 * recv(MSG_TRUNC): TCP drops the bytes without copying them. */
static int drain(struct conn *c, enum bench_sink sink, unsigned char *buf,
		 const int *pfd, int devnull)
{
	for (;;) {
		ssize_t n, m;

		if (sink == BENCH_SINK_READ)
			n = read(c->fd, buf, CHUNK);
		else if (sink == BENCH_SINK_DISCARD)
			n = recv(c->fd, NULL, CHUNK, MSG_TRUNC);
		else
			n = splice(c->fd, NULL, pfd[1], NULL, CHUNK, SPLICE_F_MOVE);
		if (n == 0)
			return 0;
		if (n < 0) {
			if (errno == EINTR && !sink_stop)
				continue;
			return -errno;
		}
		c->bytes += (uint64_t)n;
		for (ssize_t done = 0; sink == BENCH_SINK_DEVNULL && done < n; done += m) {
			m = splice(pfd[0], NULL, devnull, NULL, (size_t)(n - done),
				   SPLICE_F_MOVE);
			if (m < 0 && errno == EINTR)
				m = 0;
			else if (m <= 0)
				return -errno;
		}
		report_consumed(c);
	}
}

static void serve(struct conn *c, enum bench_sink sink, unsigned char *buf,
		  const int *pfd, int devnull)
{
	uint64_t t0 = clock_mono_ns();
	char what[96];
	double s;
	int rc;

	rc = read_hello(c);
	if (!rc)
		rc = verify(c, buf);
	if (!rc)
		reply(c, c->bad ? SINKPROTO_DIFFER : SINKPROTO_OK);
	if (!rc)
		rc = drain(c, sink, buf, pfd, devnull);
	if (c->bad)
		snprintf(what, sizeof(what), "%u of %llu verified ops differ (first %u)",
			 c->bad, (unsigned long long)c->verify_ops, c->first_bad);
	else
		snprintf(what, sizeof(what), "%llu ops verified ok",
			 (unsigned long long)c->verify_ops);
	if (!c->verdict && rc)
		c->verdict = sink_stop ? "interrupted" : rc == -EPIPE ?
			     "closed early" : strerror(-rc);
	if (!c->size)
		what[0] = 0;	/* no hello */
	s = (double)(clock_mono_ns() - t0) / 1e9;
	fprintf(stderr, "cowbench sink: %s: %llu-byte ops, %s%s%s, %.3f GB in %.2f s "
		"(%.2f Gbit/s)\n", c->name, (unsigned long long)c->size, what,
		c->verdict && what[0] ? "; " : "", c->verdict ? c->verdict : "",
		(double)c->bytes / 1e9, s, s > 0 ? (double)c->bytes * 8 / 1e9 / s : 0);
}

/* One line: what was typed is escaped (fmt_quote), a newline in it too. */
static int usage_error(const char *fmt, const char *arg)
{
	char q[FMT_QUOTE_LEN];

	fprintf(stderr, "cowbench: sink: ");
	fprintf(stderr, fmt, fmt_quote(arg, q, sizeof(q)));
	fputs(" (usage: cowbench sink --listen PORT [--bind ADDR] "
	      "[--sink devnull|read|discard])\n", stderr);
	return 2;
}

/* A listening socket on bind:port; without --bind, on "::" taking IPv4
 * too (dual stack) where IPv6 works, else on 0.0.0.0. */
static int open_listener(const char *bind_addr, const char *port, int *lfd)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_PASSIVE | AI_NUMERICSERV }, *ai, *a;
	int one = 1, zero = 0, rc;

	rc = getaddrinfo(bind_addr, port, &hints, &ai);
	if (rc)
		return usage_error("--bind: %s", gai_strerror(rc));
	errno = EADDRNOTAVAIL;
	for (int pass = bind_addr ? 1 : 0; pass < 2 && *lfd < 0; pass++) {
		for (a = ai; a && *lfd < 0; a = a->ai_next) {
			if (!pass && a->ai_family != AF_INET6)
				continue;
			*lfd = socket(a->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
			if (*lfd < 0)
				continue;
			setsockopt(*lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
			if (!bind_addr && a->ai_family == AF_INET6)
				setsockopt(*lfd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
			if (!bind(*lfd, a->ai_addr, a->ai_addrlen) && !listen(*lfd, 16))
				break;
			close(*lfd);
			*lfd = -1;
		}
	}
	freeaddrinfo(ai);
	if (*lfd < 0) {
		fprintf(stderr, "cowbench: sink: cannot listen on %s port %s: %s\n",
			bind_addr ? bind_addr : "any address", port, strerror(errno));
		return 1;
	}
	return 0;
}

int peer_sink_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "bind", required_argument, NULL, 'b' },
		{ "sink", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *port = NULL, *bind_addr = NULL;
	enum bench_sink sink = BENCH_SINK_DEVNULL;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int c, lfd = -1, devnull, pfd[2], rc;
	unsigned char *buf;
	char name[96], *end;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'l': port = optarg; break;
		case 'b': bind_addr = optarg; break;
		case 's':
			if (!strcmp(optarg, "devnull"))
				sink = BENCH_SINK_DEVNULL;
			else if (!strcmp(optarg, "read"))
				sink = BENCH_SINK_READ;
			else if (!strcmp(optarg, "discard"))
				sink = BENCH_SINK_DISCARD;
			else
				return usage_error("--sink: \"%s\" is not devnull, read or "
						   "discard", optarg);
			break;
		case 'h':
			printf("usage: cowbench sink --listen PORT [--bind ADDR] "
			       "[--sink devnull|read|discard]\n");
			return 0;
		default:
			return usage_error("unknown option or missing value: \"%s\"",
					   argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument \"%s\"", argv[optind]);
	if (!port)
		return usage_error("%s", "--listen PORT is required");
	errno = 0;
	if (strtoul(port, &end, 10) > 65535 || errno || end == port || *end || *port == '-')
		return usage_error("--listen: \"%s\" is not a port in 0..65535", port);
	rc = open_listener(bind_addr, port, &lfd);
	if (rc)
		return rc;
	install_stop();
	buf = malloc(CHUNK);
	devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (!buf || devnull < 0 || pipe2(pfd, O_CLOEXEC)) {
		fprintf(stderr, "cowbench: sink: %s\n", strerror(errno ? errno : ENOMEM));
		return 1;
	}
	fcntl(pfd[1], F_SETPIPE_SZ, CHUNK);
	getsockname(lfd, (struct sockaddr *)&ss, &len);
	addr_name((struct sockaddr *)&ss, len, name, sizeof(name));
	fprintf(stderr, "cowbench sink: listening on %s (--sink %s)\n", name,
		sink == BENCH_SINK_READ ? "read" : sink == BENCH_SINK_DISCARD ? "discard" :
		"devnull");
	while (!sink_stop) {
		struct conn cn = { .first_bad = UINT32_MAX };

		len = sizeof(ss);
		cn.fd = accept4(lfd, (struct sockaddr *)&ss, &len, SOCK_CLOEXEC);
		if (cn.fd < 0)
			continue;	/* EINTR on a signal; else try the next one */
		addr_name((struct sockaddr *)&ss, len, cn.name, sizeof(cn.name));
		serve(&cn, sink, buf, pfd, devnull);
		close(cn.fd);
	}
	close(lfd);
	close(devnull);
	close(pfd[0]);
	close(pfd[1]);
	free(buf);
	return 0;
}

/* --- the run's side: a peer found down stays down ------------------------ */

static bool peer_down;
static char peer_down_why[RESULTS_REASON_LEN];

void peer_note_down(const struct run *r, const struct cell_result *c,
		    const struct rep_result *rep)
{
	char sz[32], buf[sizeof(peer_down_why) + 512];

	if (peer_down || !rep->peer_down || !r->opt.peer)
		return;
	peer_down = true;
	snprintf(buf, sizeof(buf), "peer %s down since cell %u (%s %s cpus=%u #%u): %s",
		 r->opt.peer, c->id, c->vr->name, parse_format_size(c->size, sz, sizeof(sz)),
		 c->ncpus, rep->rep + 1, rep->reason);
	snprintf(peer_down_why, sizeof(peer_down_why), "%.*s",
		 (int)sizeof(peer_down_why) - 1, buf);
}

bool peer_is_down(const struct run *r, const struct cell_result *c,
		  struct rep_result *rep)
{
	if (!peer_down || !r->opt.peer || !c->vr->v->peer)
		return false;
	snprintf(rep->reason, sizeof(rep->reason), "not run: %.*s",
		 (int)sizeof(rep->reason) - 10, peer_down_why);
	return true;
}
