/* SPDX-License-Identifier: Apache-2.0 */
/*
 * minisign signature files (.minisig) as hosts and genconf read them:
 * parse, pick the trusted comment's fields, verify against a fixed key.
 */
#include <config.h>

#include "fuzz.h"
#include "digest.h"
#include "minisign.h"

static struct minisign_pubkey	 pk;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct minisign_seckey	 sk;

	if (minisign_keygen(&pk, &sk, NULL) == -1)
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct minisign_sig	*sig = NULL;
	struct digest		 d;
	int64_t			 seq = 1;
	char			*err = NULL;
	size_t			 i;

	if (minisign_sig_parse((const char *)data, size, &sig, &err) == 0) {
		if (sig == NULL || sig->trusted_comment == NULL)
			fuzz_fail("parsed without a trusted comment");
		/* Any answer, but one with a message when it refuses. */
		memset(&d, 0, sizeof(d));
		for (i = 0; i < 8; i++) {
			if (minisign_tc_check(sig, (i & 1) ? "f" : NULL,
			    (i & 2) ? &d : NULL, (i & 4) ? &seq : NULL, 0,
			    &err) == -1 && err == NULL)
				fuzz_fail("tc refused without a message");
			free(err);
			err = NULL;
		}
		if (minisign_tc_sha256(sig, &d, &err) == -1 && err == NULL)
			fuzz_fail("tc sha256 refused without a message");
		free(err);
		err = NULL;
		/* A random key never verifies a fuzzed signature. */
		if (minisign_verify_buf(&pk, sig, data, size, &err) == 0)
			fuzz_fail("a fuzzed signature verified");
	} else if (err == NULL)
		fuzz_fail("refused without a message");
	minisign_sig_free(sig);
	free(err);
	return 0;
}
