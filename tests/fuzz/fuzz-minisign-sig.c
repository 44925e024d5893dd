/*
 * minisign signature files (.minisig) as hosts and genconf read them:
 * parse, pick the trusted comment's fields, verify against a fixed key.
 */
#include <config.h>

#include "fuzz.h"
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
	static const char	*fields[] = { "file", "sha256", "seq", "" };
	struct minisign_sig	*sig = NULL;
	char			*err = NULL, *v;
	size_t			 i;

	if (minisign_sig_parse((const char *)data, size, &sig, &err) == 0) {
		if (sig == NULL || sig->trusted_comment == NULL)
			fuzz_fail("parsed without a trusted comment");
		for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
			v = minisign_tc_field(sig->trusted_comment, fields[i]);
			free(v);
		}
		/* A random key never verifies a fuzzed signature. */
		if (minisign_verify_buf(&pk, sig, data, size, &err) == 0)
			fuzz_fail("a fuzzed signature verified");
	} else if (err == NULL)
		fuzz_fail("refused without a message");
	minisign_sig_free(sig);
	free(err);
	return 0;
}
