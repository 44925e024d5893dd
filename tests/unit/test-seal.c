/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lib/seal: sealed boxes open only with the right key and context, and
 * any change to a box (every byte flipped, any truncation) is refused.
 */
#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "seal.h"
#include "secrets.h"

static const char	 msg[] = "AWS_SECRET_ACCESS_KEY=Very-Secret-42\n";
#define CTX	"demo\0config\0master"

static void
seal_msg(const struct seal_key *k, const char *ctx, uint8_t **boxp,
    size_t *lenp)
{
	char	*err = NULL;

	assert_int_equal(seal_box(k, ctx, (const uint8_t *)msg,
	    sizeof(msg) - 1, boxp, lenp, &err), 0);
	assert_null(err);
	assert_int_equal(*lenp, sizeof(msg) - 1 + SEAL_OVERHEAD);
}

static void
round_trip_and_deterministic(void **state)
{
	struct seal_key	 k, pub;
	uint8_t		*box, *box2, *pt;
	size_t		 len, len2, ptlen;
	char		*err = NULL, *text;

	(void)state;
	assert_int_equal(seal_keygen(&k, &err), 0);
	/* Sealing needs only the public key, read back from its PEM. */
	assert_non_null(text = seal_pubkey_format(&k));
	assert_int_equal(seal_key_parse(text, strlen(text), "pub", &pub,
	    &err), 0);
	free(text);
	assert_false(pub.has_sec);
	assert_memory_equal(pub.pub, k.pub, SEAL_KEYLEN);
	seal_msg(&pub, "ctx", &box, &len);
	assert_null(memmem(box, len, "Very-Secret", 11));
	seal_msg(&pub, "ctx", &box2, &len2);
	assert_memory_equal(box, box2, len);
	free(box2);
	seal_msg(&pub, "ctx2", &box2, &len2);
	assert_memory_not_equal(box, box2, len);
	free(box2);
	/* The private key's PEM gives the same key back. */
	assert_non_null(text = seal_seckey_format(&k));
	seal_key_clear(&k);
	assert_int_equal(seal_key_parse(text, strlen(text), "sec", &k, &err),
	    0);
	free(text);
	assert_true(k.has_sec);
	assert_memory_equal(pub.pub, k.pub, SEAL_KEYLEN);
	assert_int_equal(seal_open(&k, "ctx", box, len, &pt, &ptlen, &err), 0);
	assert_int_equal(ptlen, sizeof(msg) - 1);
	assert_memory_equal(pt, msg, ptlen);
	free(pt);
	/* The public key alone cannot open. */
	assert_int_equal(seal_open(&pub, "ctx", box, len, &pt, &ptlen, &err),
	    -1);
	assert_non_null(strstr(err, "private"));
	free(err);
	free(box);
}

static void
wrong_key_and_context_refused(void **state)
{
	struct seal_key	 k, other;
	uint8_t		*box, *pt = NULL;
	size_t		 len, ptlen;
	char		*err = NULL;

	(void)state;
	assert_int_equal(seal_keygen(&k, &err), 0);
	assert_int_equal(seal_keygen(&other, &err), 0);
	seal_msg(&k, CTX, &box, &len);
	assert_int_equal(seal_open(&other, CTX, box, len, &pt, &ptlen, &err),
	    -1);
	assert_null(pt);
	assert_non_null(strstr(err, "sealed to site key"));
	free(err);
	err = NULL;
	/* Another key with the same id (forged header) still fails. */
	memcpy(other.pub, k.pub, SEAL_KEYLEN);
	assert_int_equal(seal_open(&other, CTX, box, len, &pt, &ptlen, &err),
	    -1);
	free(err);
	err = NULL;
	assert_int_equal(seal_open(&k, "another role", box, len, &pt, &ptlen,
	    &err), -1);
	assert_non_null(strstr(err, "does not authenticate"));
	free(err);
	free(box);
}

static void
every_flipped_byte_refused(void **state)
{
	struct seal_key	 k;
	uint8_t		*box, *pt = NULL;
	size_t		 len, ptlen, i;
	unsigned	 bit;
	char		*err = NULL;

	(void)state;
	assert_int_equal(seal_keygen(&k, &err), 0);
	seal_msg(&k, CTX, &box, &len);
	for (i = 0; i < len; i++)
		for (bit = 0; bit < 8; bit += 7) {
			box[i] ^= (uint8_t)(1u << bit);
			assert_int_equal(seal_open(&k, CTX, box, len, &pt,
			    &ptlen, &err), -1);
			assert_null(pt);
			assert_non_null(err);
			free(err);
			err = NULL;
			box[i] ^= (uint8_t)(1u << bit);
		}
	assert_int_equal(seal_open(&k, CTX, box, len, &pt, &ptlen, &err), 0);
	free(pt);
	free(box);
}

static void
truncated_and_extended_refused(void **state)
{
	struct seal_key	 k;
	uint8_t		*box, *big, *pt = NULL;
	size_t		 len, ptlen, i;
	char		*err = NULL;

	(void)state;
	assert_int_equal(seal_keygen(&k, &err), 0);
	seal_msg(&k, CTX, &box, &len);
	for (i = 0; i < len; i++) {
		assert_int_equal(seal_open(&k, CTX, box, i, &pt, &ptlen,
		    &err), -1);
		assert_null(pt);
		free(err);
		err = NULL;
	}
	assert_non_null(big = calloc(1, len + 1));
	memcpy(big, box, len);
	assert_int_equal(seal_open(&k, CTX, big, len + 1, &pt, &ptlen, &err),
	    -1);
	free(err);
	free(big);
	free(box);
}

static void
empty_plaintext_and_bad_keys(void **state)
{
	struct seal_key	 k;
	uint8_t		*box, *pt;
	size_t		 len, ptlen;
	char		*err = NULL;
	static const char notkey[] = "-----BEGIN PRIVATE KEY-----\nAAAA\n"
	    "-----END PRIVATE KEY-----\n";

	(void)state;
	assert_int_equal(seal_keygen(&k, &err), 0);
	assert_int_equal(seal_box(&k, "", (const uint8_t *)"", 0, &box, &len,
	    &err), 0);
	assert_int_equal(seal_open(&k, "", box, len, &pt, &ptlen, &err), 0);
	assert_int_equal(ptlen, 0);
	free(pt);
	free(box);
	assert_int_equal(seal_key_parse(notkey, sizeof(notkey) - 1, "k.pem",
	    &k, &err), -1);
	assert_non_null(strstr(err, "k.pem: not a site key"));
	free(err);
	err = NULL;
	assert_int_equal(seal_key_parse("junk", 4, "junk", &k, &err), -1);
	free(err);
}

/* lib/secrets: a bundle opens only as its own config's and role's. */
static void
bundles_round_trip_and_bind_config_and_role(void **state)
{
	struct seal_key		 k;
	struct secrets_bundle	*b = NULL;
	struct secret_file	 f[2] = {
		{ "etc/a", 0600, (uint8_t *)"one\n", 4 },
		{ "etc_master/exhibitor", 0400, (uint8_t *)msg,
		    sizeof(msg) - 1 },
	};
	uint8_t			*box;
	size_t			 len;
	char			*err = NULL;

	(void)state;
	assert_int_equal(seal_keygen(&k, &err), 0);
	assert_int_equal(secrets_seal(&k, "cid", "master", f, 2, &box, &len,
	    &err), 0);
	assert_null(memmem(box, len, "Very-Secret", 11));
	assert_int_equal(secrets_open(&k, "cid", "master", box, len, &b,
	    &err), 0);
	assert_int_equal(b->nfiles, 2);
	assert_string_equal(b->files[1].path, "etc_master/exhibitor");
	assert_int_equal(b->files[1].mode, 0400);
	assert_int_equal(b->files[1].len, sizeof(msg) - 1);
	assert_memory_equal(b->files[1].content, msg, sizeof(msg) - 1);
	secrets_bundle_free(b);
	b = NULL;
	assert_int_equal(secrets_open(&k, "cid", "slave", box, len, &b, &err),
	    -1);
	assert_null(b);
	free(err);
	err = NULL;
	assert_int_equal(secrets_open(&k, "other", "master", box, len, &b,
	    &err), -1);
	free(err);
	err = NULL;
	free(box);
	/* What no host may get: group bits, a path out of the package. */
	f[0].mode = 0640;
	assert_int_equal(secrets_seal(&k, "cid", "master", f, 2, &box, &len,
	    &err), -1);
	assert_non_null(strstr(err, "readable by others"));
	free(err);
	err = NULL;
	f[0].mode = 0600;
	f[0].path = "../etc/a";
	assert_int_equal(secrets_seal(&k, "cid", "master", f, 2, &box, &len,
	    &err), -1);
	free(err);
}

/*
 * The owner of a secret file: sealed only when it is root or a package's
 * user, and a bundle that names another (sealed by hand, so it
 * authenticates) is refused when opened, whatever the sender checked.
 */
static void
bundle_owners_checked_both_ways(void **state)
{
	static const char	*bad[] = { "Root", "mesos", "dcos_", "dcos_a-b",
				    "dcos_a:0:0", "../x", "", NULL };
	struct seal_key		 k;
	struct secrets_bundle	*b = NULL;
	struct secret_file	 f = { "etc/a", 0600, (uint8_t *)"one\n", 4,
				    "dcos_exhibitor" };
	uint8_t			*box;
	size_t			 len, i;
	char			*err = NULL, *pt;

	(void)state;
	assert_int_equal(seal_keygen(&k, &err), 0);
	assert_int_equal(secrets_seal(&k, "cid", "master", &f, 1, &box, &len,
	    &err), 0);
	assert_int_equal(secrets_open(&k, "cid", "master", box, len, &b,
	    &err), 0);
	assert_string_equal(b->files[0].owner, "dcos_exhibitor");
	secrets_bundle_free(b);
	b = NULL;
	free(box);
	for (i = 0; bad[i] != NULL; i++) {
		f.owner = (char *)bad[i];
		assert_int_equal(secrets_seal(&k, "cid", "master", &f, 1, &box,
		    &len, &err), -1);
		assert_non_null(strstr(err, "must be root or 'dcos_'"));
		free(err);
		err = NULL;
		assert_true(asprintf(&pt, "{\"config_id\":\"cid\",\"files\":"
		    "[{\"content\":\"b25lCg==\",\"mode\":384,\"owner\":"
		    "\"%s\",\"path\":\"etc/a\"}],\"format\":1,\"role\":"
		    "\"master\"}", bad[i]) > 0);
		assert_int_equal(seal_box(&k, "dcos-secrets v1 cid master",
		    (uint8_t *)pt, strlen(pt), &box, &len, &err), 0);
		free(pt);
		assert_int_equal(secrets_open(&k, "cid", "master", box, len,
		    &b, &err), -1);
		assert_null(b);
		assert_non_null(strstr(err, "etc/a: owner '"));
		free(err);
		err = NULL;
		free(box);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trip_and_deterministic),
		cmocka_unit_test(wrong_key_and_context_refused),
		cmocka_unit_test(every_flipped_byte_refused),
		cmocka_unit_test(truncated_and_extended_refused),
		cmocka_unit_test(empty_plaintext_and_bad_keys),
		cmocka_unit_test(bundles_round_trip_and_bind_config_and_role),
		cmocka_unit_test(bundle_owners_checked_both_ways),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
