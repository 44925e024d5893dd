/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared by the libFuzzer harnesses (tests/fuzz/fuzz-*.c): libFuzzer calls
 * LLVMFuzzerTestOneInput once per input; a harness returns 0 and reports
 * a broken property with fuzz_fail(), which aborts so libFuzzer saves the
 * input as a crash.  ASan and UBSan catch the rest.
 */
#ifndef DCOS_FUZZ_H
#define DCOS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);
int	 LLVMFuzzerInitialize(int *, char ***);

/* A NUL-terminated copy of the input (the parsers that take C strings). */
static inline char *
fuzz_str(const uint8_t *data, size_t size)
{
	char	*s;

	if ((s = malloc(size + 1)) == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

#define fuzz_fail(...) do {						\
	fprintf(stderr, "fuzz property broken: " __VA_ARGS__);		\
	fputc('\n', stderr);						\
	abort();							\
} while (0)

/* Where the sample lives (the config harnesses read its schema). */
#ifndef FUZZ_SRCDIR
#define FUZZ_SRCDIR "."
#endif

#endif
