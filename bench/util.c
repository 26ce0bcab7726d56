/*
 * util.c - workload helpers shared by the families: the verification
 * pattern, writing a whole buffer, and the consumer's sink. No timing and
 * no counters here: this is work the benchmarks do.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench.h"

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

			if (s->sink == BENCH_SINK_DEVNULL && !verify)
				n = splice_out(s, fd, want);
			else
				n = read_chunk(ctl, s, fd, want, op, off);
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
