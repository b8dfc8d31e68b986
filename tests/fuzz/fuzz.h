/*
 * What every harness here shares: the libFuzzer entry point, and a check
 * that stops the run (and leaves the input as a crash artifact) when a
 * property does not hold.  The same harness builds as a corpus replayer
 * without libFuzzer (replay.c), so the seeds run wherever the suite does.
 */
#ifndef TFA_FUZZ_H
#define TFA_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_ASSERT(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "%s:%d: property failed: %s\n", __FILE__, \
		    __LINE__, #cond); \
		abort(); \
	} \
} while (0)

/* data as a NUL-terminated string (stops at an embedded NUL); free it. */
static inline char *
fuzz_string(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s == NULL)
		abort();
	for (size_t i = 0; i < size; i++)
		s[i] = (char)data[i];
	s[size] = '\0';
	return s;
}

#endif
