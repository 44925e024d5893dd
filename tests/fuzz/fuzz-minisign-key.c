/* SPDX-License-Identifier: Apache-2.0 */
/*
 * minisign public and secret key files: what parses formats back to a
 * key that parses to the same bytes.
 */
#include <config.h>

#include "fuzz.h"
#include "minisign.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct minisign_pubkey	 pk, pk2;
	struct minisign_seckey	 sk, sk2;
	char			*text = fuzz_str(data, size), *err = NULL;
	char			*out;

	if (minisign_pubkey_parse(text, &pk, &err) == 0) {
		if ((out = minisign_pubkey_format(&pk)) == NULL)
			abort();
		if (minisign_pubkey_parse(out, &pk2, NULL) == -1 ||
		    memcmp(&pk, &pk2, sizeof(pk)) != 0)
			fuzz_fail("a public key did not survive a round trip");
		free(out);
	} else if (err == NULL)
		fuzz_fail("public key refused without a message");
	free(err);
	err = NULL;
	if (minisign_seckey_parse(text, &sk, &err) == 0) {
		if ((out = minisign_seckey_format(&sk)) == NULL)
			abort();
		if (minisign_seckey_parse(out, &sk2, NULL) == -1 ||
		    memcmp(&sk, &sk2, sizeof(sk)) != 0)
			fuzz_fail("a secret key did not survive a round trip");
		free(out);
	} else if (err == NULL)
		fuzz_fail("secret key refused without a message");
	free(err);
	free(text);
	return 0;
}
