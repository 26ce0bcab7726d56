/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * sinkproto.h - the wire protocol between a producer sending with
 * `cowbench run --peer` (bench/util.c) and `cowbench sink` (harness/peer.c).
 * Both ends include this header; the layouts exist only here.
 *
 * Integers big-endian:
 *   hello   producer -> sink, 32 bytes: magic "CWBSINK1", version u32 (2;
 *           the sink also takes 1, which has no flags), flags u32
 *           (SINKPROTO_F_*), op size u64, verify_ops u64
 *   ops     verify_ops operations of op size bytes, operation i at offset
 *           off carrying bench_pattern_fill(.., i, off)
 *   result  sink -> producer, 16 bytes: "CWBR", status u32 (enum
 *           sinkproto_status), operations that differ u32, the first that
 *           differs u32 (UINT32_MAX when none does); once the verified
 *           operations are read
 *   then    anything, drained until EOF
 * With SINKPROTO_F_CONSUMED the sink also sends, in order with the result:
 *   consumed  sink -> producer, 16 bytes: "CWBC", 0 u32, the operations it
 *           has consumed u64 (read, checked while verifying, or drained),
 *           whenever that count grows; the one for the last verified
 *           operation comes before the result.
 * With SINKPROTO_F_ACK the sink answers a hello it accepts at once, before
 * reading any operation:
 *   ack     sink -> producer, 16 bytes: "CWBA", then zeros. A producer
 *           that connected learns within seconds that a sink is there and
 *           serving it, not a listener that never answers (a sink serves
 *           one producer at a time). A sink older than the flag refuses
 *           the hello: an answer too.
 * A producer that hands the sink its own pages (vmsplice() and splice(),
 * bench/notify_splice.c) needs that count: a sink on the same host reads
 * from those pages after its kernel has acknowledged them.
 */
#ifndef COWBENCH_SINKPROTO_H
#define COWBENCH_SINKPROTO_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#define SINKPROTO_MAGIC "CWBSINK1"
#define SINKPROTO_RESULT_MAGIC "CWBR"
#define SINKPROTO_CONSUMED_MAGIC "CWBC"
#define SINKPROTO_ACK_MAGIC "CWBA"
#define SINKPROTO_VERSION 2
#define SINKPROTO_HELLO_LEN 32
#define SINKPROTO_RESULT_LEN 16	/* and of a consumed message, an ack */

#define SINKPROTO_F_CONSUMED (1u << 0)	/* report the operations consumed */
#define SINKPROTO_F_ACK (1u << 1)	/* answer the hello at once */
#define SINKPROTO_F_ALL (SINKPROTO_F_CONSUMED | SINKPROTO_F_ACK)

enum sinkproto_status {
	SINKPROTO_OK,		/* every verified operation matched */
	SINKPROTO_DIFFER,	/* some operations differ */
	SINKPROTO_BAD_HELLO,	/* not cowbench, or another protocol version */
};

struct sinkproto_hello {
	uint32_t flags;		/* SINKPROTO_F_* */
	uint64_t size;		/* bytes per operation */
	uint64_t verify_ops;	/* operations the sink checks */
};

struct sinkproto_result {
	uint32_t status;	/* enum sinkproto_status */
	uint32_t ndiffer;	/* verified operations that differ */
	uint32_t first;		/* the first of them */
};

/* The low n bytes of v at p, big-endian; sinkproto_get() reads them back. */
static inline void sinkproto_put(unsigned char *p, uint64_t v, unsigned int n)
{
	while (n--) {
		p[n] = (unsigned char)v;
		v >>= 8;
	}
}

static inline uint64_t sinkproto_get(const unsigned char *p, unsigned int n)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

static inline void sinkproto_hello_encode(unsigned char *buf,
					  const struct sinkproto_hello *h)
{
	memcpy(buf, SINKPROTO_MAGIC, 8);
	sinkproto_put(buf + 8, SINKPROTO_VERSION, 4);
	sinkproto_put(buf + 12, h->flags, 4);
	sinkproto_put(buf + 16, h->size, 8);
	sinkproto_put(buf + 24, h->verify_ops, 8);
}

/* True when buf is a hello of version 1 (no flags) or 2 (known flags). */
static inline bool sinkproto_hello_decode(const unsigned char *buf,
					  struct sinkproto_hello *h)
{
	uint64_t version = sinkproto_get(buf + 8, 4);

	h->flags = (uint32_t)sinkproto_get(buf + 12, 4);
	h->size = sinkproto_get(buf + 16, 8);
	h->verify_ops = sinkproto_get(buf + 24, 8);
	return !memcmp(buf, SINKPROTO_MAGIC, 8) &&
	       (version == 1 ? !h->flags : version == SINKPROTO_VERSION &&
		!(h->flags & ~SINKPROTO_F_ALL));
}

static inline void sinkproto_result_encode(unsigned char *buf,
					   const struct sinkproto_result *r)
{
	memcpy(buf, SINKPROTO_RESULT_MAGIC, 4);
	sinkproto_put(buf + 4, r->status, 4);
	sinkproto_put(buf + 8, r->ndiffer, 4);
	sinkproto_put(buf + 12, r->first, 4);
}

/* True when buf starts with the result's magic. */
static inline bool sinkproto_result_decode(const unsigned char *buf,
					   struct sinkproto_result *r)
{
	r->status = (uint32_t)sinkproto_get(buf + 4, 4);
	r->ndiffer = (uint32_t)sinkproto_get(buf + 8, 4);
	r->first = (uint32_t)sinkproto_get(buf + 12, 4);
	return !memcmp(buf, SINKPROTO_RESULT_MAGIC, 4);
}

static inline void sinkproto_consumed_encode(unsigned char *buf, uint64_t ops)
{
	memcpy(buf, SINKPROTO_CONSUMED_MAGIC, 4);
	sinkproto_put(buf + 4, 0, 4);
	sinkproto_put(buf + 8, ops, 8);
}

/* True when buf is a consumed message; *ops its count. */
static inline bool sinkproto_consumed_decode(const unsigned char *buf, uint64_t *ops)
{
	*ops = sinkproto_get(buf + 8, 8);
	return !memcmp(buf, SINKPROTO_CONSUMED_MAGIC, 4);
}

static inline void sinkproto_ack_encode(unsigned char *buf)
{
	memset(buf, 0, SINKPROTO_RESULT_LEN);
	memcpy(buf, SINKPROTO_ACK_MAGIC, 4);
}

/* True when buf is an ack. */
static inline bool sinkproto_ack_decode(const unsigned char *buf)
{
	return !memcmp(buf, SINKPROTO_ACK_MAGIC, 4);
}

#endif
