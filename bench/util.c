// SPDX-License-Identifier: GPL-2.0-only
/*
 * util.c - workload helpers shared by the families: the verification
 * pattern, reading and writing a whole buffer, pipes and TCP connections
 * set up alike for every variant, the consumer's sink, and the producer's
 * end of the remote sink's protocol (sinkproto.h). No timing and no
 * counters here: this is work the benchmarks do (the clock only bounds how
 * long a peer may take to connect and to answer the hello).
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "sinkproto.h"

#define SINK_BUF (1u << 20)	/* read() chunk of the "read" sink */
#define SPLICE_CHUNK (1u << 20)

/* splitmix64: a good 64-bit mix, so neighbouring words and neighbouring
 * operations differ in every byte. */
static inline uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static inline unsigned char pattern_byte(uint64_t seq, size_t off)
{
	return (unsigned char)(mix(seq * 0x100000001b3ull + off / 8) >> (8 * (off % 8)));
}

void bench_pattern_fill(void *buf, size_t len, uint64_t seq, size_t off)
{
	unsigned char *p = buf;
	size_t i = 0;

	for (; i < len && (off + i) % 8; i++)
		p[i] = pattern_byte(seq, off + i);
	for (; i + 8 <= len; i += 8) {
		uint64_t w = mix(seq * 0x100000001b3ull + (off + i) / 8);

		memcpy(p + i, &w, 8);	/* little-endian order = pattern_byte */
	}
	for (; i < len; i++)
		p[i] = pattern_byte(seq, off + i);
}

size_t bench_pattern_check(const void *buf, size_t len, uint64_t seq, size_t off)
{
	const unsigned char *p = buf;

	for (size_t i = 0; i < len; i++)
		if (p[i] != pattern_byte(seq, off + i))
			return i;
	return len;
}

int bench_write_all(struct bench_ctl *ctl, int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

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

int bench_read_full(struct bench_ctl *ctl, int fd, void *buf, size_t len)
{
	unsigned char *p = buf;

	while (len) {
		ssize_t n = read(fd, p, len);

		if (n == 0)
			return -EPIPE;
		if (n < 0) {
			if (errno == EINTR && ctl && !bench_stopping(ctl))
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The size rounded up to a page but never below the kernel's default
 * (64 KiB, so small operations pipeline as they would in a real program),
 * within what the kernel grants (fs.pipe-max-size); larger buffers are
 * written in chunks. */
const char *bench_sysctl(const char *name, char *buf, size_t len)
{
	char path[128];
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/sys/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	n = fd >= 0 ? read(fd, buf, len - 1) : -1;
	if (fd >= 0)
		close(fd);
	buf[n > 0 ? (size_t)n : 0] = 0;
	buf[strcspn(buf, "\n")] = 0;
	if (!buf[0])
		snprintf(buf, len, "?");
	return buf;
}

size_t bench_size_pipe(int fd, size_t size)
{
	long want = (long)((size + 4095) & ~(size_t)4095);

	if (want < 65536)
		want = 65536;
	if (want > (1L << 30))
		want = 1L << 30;
	while (want >= 4096 && fcntl(fd, F_SETPIPE_SZ, want) < 0)
		want /= 2;
	want = fcntl(fd, F_GETPIPE_SZ);
	return want > 0 ? (size_t)want : 65536;
}

int bench_tcp_pair(int *wfd, int *rfd)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int one = 1, l, rc = 0;

	*wfd = *rfd = -1;
	l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l < 0)
		return -errno;
	if (bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, 1) ||
	    getsockname(l, (struct sockaddr *)&a, &len))
		goto out_errno;
	*wfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (*wfd < 0 || connect(*wfd, (struct sockaddr *)&a, sizeof(a)))
		goto out_errno;
	*rfd = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	if (*rfd < 0)
		goto out_errno;
	setsockopt(*wfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	goto out_close;
out_errno:
	rc = -errno;
out_close:
	close(l);
	return rc;
}

/* Seconds a peer has to take the connection, and then to acknowledge the
 * hello: an answer over any real network comes in well under a second; a
 * blackholed SYN would otherwise be retried by the kernel for minutes. */
#define PEER_CONNECT_S 5
#define PEER_HELLO_S 5

static struct timespec deadline_in(int s)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	t.tv_sec += s;
	return t;
}

/* Wait for events on fd until the deadline: 0, -ETIMEDOUT, -EINTR when
 * stopped, or -errno. */
static int wait_fd(struct bench_ctl *ctl, int fd, short events,
		   const struct timespec *deadline)
{
	for (;;) {
		struct pollfd p = { .fd = fd, .events = events };
		struct timespec t;
		long ms;
		int n;

		clock_gettime(CLOCK_MONOTONIC, &t);
		ms = (deadline->tv_sec - t.tv_sec) * 1000 +
		     (deadline->tv_nsec - t.tv_nsec) / 1000000;
		if (ms <= 0)
			return -ETIMEDOUT;
		n = poll(&p, 1, ms > 100 ? 100 : (int)ms);	/* to see a stop */
		if (bench_stopping(ctl))
			return -EINTR;
		if (n < 0 && errno != EINTR)
			return -errno;
		if (n > 0)
			return 0;
	}
}

/* connect() by the deadline; the socket is non-blocking until then. */
static int connect_by(struct bench_ctl *ctl, int fd, const struct addrinfo *a,
		      const struct timespec *deadline)
{
	int fl = fcntl(fd, F_GETFL), err = 0, rc;
	socklen_t len = sizeof(err);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK))
		return -errno;
	if (connect(fd, a->ai_addr, a->ai_addrlen)) {
		if (errno != EINPROGRESS)
			return -errno;
		rc = wait_fd(ctl, fd, POLLOUT, deadline);
		if (rc)
			return rc;
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len))
			return -errno;
		if (err)
			return -err;
	}
	return fcntl(fd, F_SETFL, fl) ? -errno : 0;
}

int bench_peer_connect(struct bench_ctl *ctl, const char *peer, int *fd)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai, *a;
	struct timespec deadline;
	char host[256], *port, *h = host;
	int one = 1, rc;

	*fd = -1;
	snprintf(host, sizeof(host), "%s", peer);
	port = strrchr(host, ':');
	if (!port)
		return bench_peer_down(ctl, "--peer %s: no port", peer);
	*port++ = 0;
	if (h[0] == '[' && port - h > 2 && port[-2] == ']') {
		h++;
		port[-2] = 0;
	}
	rc = getaddrinfo(h, port, &hints, &ai);
	if (rc)
		return bench_peer_down(ctl, "--peer %s: %s", peer, gai_strerror(rc));
	deadline = deadline_in(PEER_CONNECT_S);		/* for all addresses */
	for (a = ai, rc = -EHOSTUNREACH; a; a = a->ai_next) {
		*fd = socket(a->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (*fd < 0) {
			rc = -errno;
			continue;
		}
		rc = connect_by(ctl, *fd, a, &deadline);
		if (!rc)
			break;
		close(*fd);
		*fd = -1;
		if (rc == -ETIMEDOUT || rc == -EINTR)
			break;
	}
	freeaddrinfo(ai);
	if (rc == -EINTR)
		return rc;
	if (rc == -ETIMEDOUT)
		return bench_peer_down(ctl, "connect to %s timed out after %d s", peer,
				       PEER_CONNECT_S);
	if (rc)
		return bench_peer_down(ctl, "cannot connect to the sink at %s: %s", peer,
				       strerror(-rc));
	setsockopt(*fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return 0;
}

/* Read len bytes by the deadline (-ETIMEDOUT, -EPIPE at EOF). */
static int read_by(struct bench_ctl *ctl, int fd, unsigned char *buf, size_t len,
		   const struct timespec *deadline)
{
	while (len) {
		int rc = wait_fd(ctl, fd, POLLIN, deadline);
		ssize_t n;

		if (rc)
			return rc;
		n = recv(fd, buf, len, MSG_DONTWAIT);
		if (n == 0)
			return -EPIPE;
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return -errno;
		if (n > 0) {
			buf += n;
			len -= (size_t)n;
		}
	}
	return 0;
}

int bench_peer_hello(struct bench_ctl *ctl, int fd, const char *peer, uint32_t flags,
		     size_t size, uint64_t verify_ops)
{
	struct sinkproto_hello h = { .flags = flags | SINKPROTO_F_ACK, .size = size,
				     .verify_ops = verify_ops };
	unsigned char buf[SINKPROTO_HELLO_LEN];
	struct sinkproto_result r;
	struct timespec deadline = deadline_in(PEER_HELLO_S);
	int rc;

	sinkproto_hello_encode(buf, &h);
	rc = bench_write_all(ctl, fd, buf, sizeof(buf));	/* fits the socket buffer */
	if (!rc)
		rc = read_by(ctl, fd, buf, SINKPROTO_RESULT_LEN, &deadline);
	if (rc == -EINTR || (!rc && sinkproto_ack_decode(buf)))
		return rc;
	if (rc == -ETIMEDOUT)
		return bench_peer_down(ctl, "the peer %s accepted but did not answer the "
				       "hello in %d s (not a cowbench sink, or one busy "
				       "with another run)", peer, PEER_HELLO_S);
	if (rc == -EPIPE)
		return bench_peer_down(ctl, "the peer %s closed the connection before "
				       "answering the hello", peer);
	if (rc)
		return bench_peer_down(ctl, "the peer %s, waiting for its answer to the "
				       "hello: %s", peer, strerror(-rc));
	if (sinkproto_result_decode(buf, &r))
		return bench_peer_down(ctl, "the sink at %s refused the hello (status %u: "
				       "a cowbench sink of another version?)", peer, r.status);
	return bench_peer_down(ctl, "the peer %s answered the hello with something "
			       "else than a cowbench sink's answer", peer);
}

int bench_peer_result(struct bench_ctl *ctl, int fd, const char *peer,
		      uint64_t nops, uint32_t *ndiffer)
{
	unsigned char buf[SINKPROTO_RESULT_LEN];
	struct sinkproto_result r;
	uint64_t ops;
	int rc;

	do	/* a sink asked for SINKPROTO_F_CONSUMED may report first */
		rc = bench_read_full(ctl, fd, buf, sizeof(buf));
	while (!rc && sinkproto_consumed_decode(buf, &ops));
	if (rc)
		return rc;
	if (!sinkproto_result_decode(buf, &r) || r.status > SINKPROTO_DIFFER)
		return bench_fail(ctl, "the sink at %s refused the hello (status %u)",
				  peer, r.status);
	if (r.ndiffer && !ndiffer)
		return bench_fail(ctl, "the sink at %s: %u of %llu operations differ from "
				  "what was sent, the first is %u", peer, r.ndiffer,
				  (unsigned long long)nops, r.first);
	if (ndiffer)
		*ndiffer = r.ndiffer;
	return 0;
}

int bench_sink_open(struct bench_sink_state *s, enum bench_sink sink,
		    bool is_socket)
{
	memset(s, 0, sizeof(*s));
	s->sink = sink;
	s->is_socket = is_socket;
	s->devnull = s->pipe[0] = s->pipe[1] = -1;
	s->buflen = SINK_BUF;
	s->buf = malloc(s->buflen);	/* first touched by the consumer */
	if (!s->buf)
		return -ENOMEM;
	s->devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (s->devnull < 0)
		return -errno;
	if (is_socket && pipe2(s->pipe, O_CLOEXEC))
		return -errno;
	return 0;
}

void bench_sink_close(struct bench_sink_state *s)
{
	if (s->devnull >= 0)
		close(s->devnull);
	if (s->pipe[0] >= 0)
		close(s->pipe[0]);
	if (s->pipe[1] >= 0)
		close(s->pipe[1]);
	free(s->buf);
	s->buf = NULL;
}

/* Let the kernel drop up to len bytes of the socket fd: with MSG_TRUNC,
 * TCP's recv() discards what it would have copied (as the receiver of
 * the kernel's msg_zerocopy selftest does). */
static ssize_t discard(int fd, size_t len)
{
	return recv(fd, NULL, len, MSG_TRUNC);
}

/* Move up to len bytes from fd to /dev/null without touching them. */
static ssize_t splice_out(struct bench_sink_state *s, int fd, size_t len)
{
	ssize_t n, m, moved;

	if (!s->is_socket)
		return splice(fd, NULL, s->devnull, NULL, len, SPLICE_F_MOVE);
	n = splice(fd, NULL, s->pipe[1], NULL, len, SPLICE_F_MOVE);
	for (moved = 0; n > 0 && moved < n; moved += m) {
		m = splice(s->pipe[0], NULL, s->devnull, NULL, (size_t)(n - moved),
			   SPLICE_F_MOVE);
		if (m <= 0)
			return -1;	/* /dev/null never refuses: a real error */
	}
	return n;
}

/* Read and, while verifying, check one chunk at offset off of op seq. */
static ssize_t read_chunk(struct bench_ctl *ctl, struct bench_sink_state *s, int fd,
			  size_t len, uint64_t seq, size_t off)
{
	ssize_t n = read(fd, s->buf, len < s->buflen ? len : s->buflen);
	size_t bad;

	if (n <= 0 || !bench_verifying(ctl))
		return n;
	bad = bench_pattern_check(s->buf, (size_t)n, seq, off);
	if (bad < (size_t)n) {
		errno = EBADMSG;
		bench_fail(ctl, "operation %llu: byte %zu differs from what was sent",
			   (unsigned long long)seq, off + bad);
		return -1;
	}
	return n;
}

int bench_sink_drain(struct bench_ctl *ctl, struct bench_sink_state *s, int fd,
		     size_t size, uint64_t nops)
{
	bool verify = bench_verifying(ctl);

	for (uint64_t op = 0; op < nops; op++) {
		size_t off = 0;

		while (off < size) {
			size_t want = size - off < SPLICE_CHUNK ? size - off : SPLICE_CHUNK;
			ssize_t n;

			/* verifying: read and check every byte, whatever --sink
			 * says; a pipe has no MSG_TRUNC: discard is devnull */
			if (verify || s->sink == BENCH_SINK_READ)
				n = read_chunk(ctl, s, fd, want, op, off);
			else if (s->sink == BENCH_SINK_DISCARD && s->is_socket)
				n = discard(fd, want);
			else
				n = splice_out(s, fd, want);
			if (n == 0)
				return -EPIPE;
			if (n < 0) {
				if (errno == EINTR && !bench_stopping(ctl))
					continue;
				return -errno;
			}
			off += (size_t)n;
		}
	}
	return 0;
}
