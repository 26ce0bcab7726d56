/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fuzz.h - what every fuzz target shares: the input as a C string, and
 * the properties of an error message. A property that does not hold is a
 * crash (abort), so libFuzzer keeps the input that broke it.
 */
#ifndef COWBENCH_FUZZ_H
#define COWBENCH_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_ERRLEN 512

/* Abort with what broke, the input shown escaped. */
#define FUZZ_ASSERT(cond, in)                                              \
	do {                                                               \
		if (!(cond))                                               \
			fuzz_fail(__FILE__, __LINE__, #cond, (in));        \
	} while (0)

static inline void fuzz_fail(const char *file, int line, const char *what,
			     const char *in)
{
	fprintf(stderr, "%s:%d: property failed: %s\ninput: \"", file, line, what);
	for (const unsigned char *p = (const unsigned char *)(in ? in : ""); *p; p++)
		fprintf(stderr, *p < 0x20 || *p >= 0x7f || *p == '"' || *p == '\\' ?
			"\\x%02x" : "%c", *p);
	fprintf(stderr, "\"\n");
	abort();
}

/* The bytes as a NUL-terminated string (malloc'd; an embedded NUL ends
 * it, as it would end an argv string). */
static inline char *fuzz_string(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* An error message is one non-empty line, printable, and fits its buffer
 * with room to spare (a message that filled it was probably cut). */
static inline void fuzz_check_error(const char *err, const char *in)
{
	size_t n = strnlen(err, FUZZ_ERRLEN);

	FUZZ_ASSERT(n > 0, in);
	FUZZ_ASSERT(n < FUZZ_ERRLEN - 1, in);
	for (size_t i = 0; i < n; i++)
		FUZZ_ASSERT((unsigned char)err[i] >= 0x20 && err[i] != 0x7f, in);
}

#endif
