#include <config.h>

#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "base64.h"
#include "minisign.h"

/* Made by stock minisign 0.11: "minisign -G -W", then signing "hello\n". */
static const char STOCK_PUB[] =
    "untrusted comment: minisign public key 5355369861337534\n"
    "RWQ0dTNhmDZVU1HPFQm+FaQ/gfbm099wc9cy4RAvRzID1RjlayggSvrp\n";
static const char STOCK_SEC[] =
    "untrusted comment: minisign encrypted secret key\n"
    "RWQAAEIyAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    "NHUzYZg2VVO6XP3q7yHG04LOA7P2I9dNzNqZCh1DdytKN+YArUUBtVHPFQm+FaQ/gfbm099"
    "wc9cy4RAvRzID1RjlayggSvrpAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n";
static const char STOCK_SIG[] =
    "untrusted comment: signature from minisign secret key\n"
    "RUQ0dTNhmDZVU/LBu1hps+VwC9IX5+heqqJyZqL4zP1i0Dpb018Q7/tlDT0Vfsw12Mtr"
    "WH6b25YPKC/GNfV844nWX2Sz/3V3Fw0=\n"
    "trusted comment: trusted here\n"
    "49jeB1M279KL9uWDz8T4qe4m+x1CtyPQ5+UA9IZ0k/ksFsgcdg5zb3QKAkwX85F35sgO"
    "OdN2GIaJTbUcdnckCQ==\n";
static const char STOCK_LEGACY_SIG[] =
    "untrusted comment: signature from minisign secret key\n"
    "RWQ0dTNhmDZVU9iQFTlw9455I6Lxe8WXpNi3cLYQ1qifkfNFXHrOYcI5wjyNOjmDOVoN"
    "W6uwaNqyiZ/pIyNxhQ3hRrpwFZrZOgw=\n"
    "trusted comment: timestamp:1795247640\tfile:f\n"
    "aifVORD1NYbjDTjbbV4ocYSUlsxfSkY6ASHFWF3y2ubZ5/PCCUkM2o9qCbDgx/GPVUr+"
    "4lZpsTND+kqYALcwCA==\n";

/* A temporary file holding content; returns an open fd at offset 0. */
static int
temp_with(const char *content)
{
	char	 path[] = "/tmp/test-minisign.XXXXXX";
	int	 fd = mkstemp(path);

	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(write(fd, content, strlen(content)),
	    (ssize_t)strlen(content));
	lseek(fd, 0, SEEK_SET);
	return fd;
}

static int
verify_text(const struct minisign_pubkey *pk, const char *sigtext,
    const char *content, char **errp)
{
	struct minisign_sig	*sig = NULL;
	int			 fd, rc;

	if (minisign_sig_parse(sigtext, strlen(sigtext), &sig, errp) == -1)
		return -1;
	fd = temp_with(content);
	rc = minisign_verify_fd(pk, sig, fd, errp);
	close(fd);
	minisign_sig_free(sig);
	return rc;
}

static void
stock_signatures_verify(void **state)
{
	struct minisign_pubkey	 pk;
	char			*err = NULL;

	assert_int_equal(minisign_pubkey_parse(STOCK_PUB, &pk, &err), 0);
	assert_int_equal(verify_text(&pk, STOCK_SIG, "hello\n", &err), 0);
	assert_int_equal(verify_text(&pk, STOCK_LEGACY_SIG, "hello\n", &err),
	    0);
	assert_int_equal(verify_text(&pk, STOCK_SIG, "hellO\n", &err), -1);
	assert_non_null(strstr(err, "does not match the file"));
	assert_int_equal(verify_text(&pk, STOCK_LEGACY_SIG, "hellO\n", &err),
	    -1);
	free(err);
}

static void
buffers_verify_like_files(void **state)
{
	struct minisign_pubkey	 pk;
	struct minisign_sig	*sig = NULL, *legacy = NULL;
	char			*err = NULL;

	assert_int_equal(minisign_pubkey_parse(STOCK_PUB, &pk, &err), 0);
	assert_int_equal(minisign_sig_parse(STOCK_SIG, strlen(STOCK_SIG), &sig,
	    &err), 0);
	assert_int_equal(minisign_sig_parse(STOCK_LEGACY_SIG,
	    strlen(STOCK_LEGACY_SIG), &legacy, &err), 0);
	assert_int_equal(minisign_verify_buf(&pk, sig, "hello\n", 6, &err), 0);
	assert_int_equal(minisign_verify_buf(&pk, legacy, "hello\n", 6, &err),
	    0);
	assert_int_equal(minisign_verify_buf(&pk, sig, "hellO\n", 6, &err),
	    -1);
	assert_non_null(strstr(err, "does not match the file"));
	assert_int_equal(minisign_verify_buf(&pk, legacy, "hellO\n", 6,
	    &err), -1);
	minisign_sig_free(sig);
	minisign_sig_free(legacy);
	free(err);
}

static void
stock_secret_key_loads_and_signs(void **state)
{
	struct minisign_seckey	 sk;
	struct minisign_pubkey	 pk, derived;
	char			*err = NULL, *text = NULL;
	int			 fd;

	assert_int_equal(minisign_seckey_parse(STOCK_SEC, &sk, &err), 0);
	assert_int_equal(minisign_pubkey_parse(STOCK_PUB, &pk, &err), 0);
	minisign_seckey_pubkey(&sk, &derived);
	assert_memory_equal(&pk, &derived, sizeof(pk));
	fd = temp_with("hello\n");
	assert_int_equal(minisign_sign_fd(&sk, fd, "u", "trusted here", &text,
	    &err), 0);
	close(fd);
	/* Ed25519 is deterministic: we must write minisign's exact bytes. */
	assert_non_null(strstr(STOCK_SIG, strchr(text, '\n') + 1));
	free(text);
}

static void
generated_keys_round_trip(void **state)
{
	struct minisign_pubkey	 pk, pk2;
	struct minisign_seckey	 sk, sk2;
	char			*pubtext, *sectext, *sig = NULL, *err = NULL;
	int			 fd;

	assert_int_equal(minisign_keygen(&pk, &sk, &err), 0);
	pubtext = minisign_pubkey_format(&pk);
	sectext = minisign_seckey_format(&sk);
	assert_int_equal(minisign_pubkey_parse(pubtext, &pk2, &err), 0);
	assert_int_equal(minisign_seckey_parse(sectext, &sk2, &err), 0);
	assert_memory_equal(&pk, &pk2, sizeof(pk));
	assert_memory_equal(&sk, &sk2, sizeof(sk));
	fd = temp_with("");
	assert_int_equal(minisign_sign_fd(&sk, fd, "u", "file:x", &sig, &err),
	    0);
	close(fd);
	assert_int_equal(verify_text(&pk, sig, "", &err), 0);
	free(pubtext);
	free(sectext);
	free(sig);
}

static void
changed_trusted_comment_is_rejected(void **state)
{
	struct minisign_pubkey	 pk;
	char			*err = NULL, *bad = strdup(STOCK_SIG);

	memcpy(strstr(bad, "trusted here"), "trusted HERE", 12);
	assert_int_equal(minisign_pubkey_parse(STOCK_PUB, &pk, &err), 0);
	assert_int_equal(verify_text(&pk, bad, "hello\n", &err), -1);
	assert_non_null(strstr(err, "trusted comment"));
	free(bad);
	free(err);
}

static void
other_key_is_rejected_by_id(void **state)
{
	struct minisign_pubkey	 other;
	struct minisign_seckey	 sk;
	char			*err = NULL;

	assert_int_equal(minisign_keygen(&other, &sk, &err), 0);
	assert_int_equal(verify_text(&other, STOCK_SIG, "hello\n", &err), -1);
	assert_non_null(strstr(err, "signed with key 5355369861337534"));
	free(err);
}

static void
malformed_signatures_are_errors(void **state)
{
	static const char *bad[] = {
		"",
		"untrusted comment: x\n",
		"untrusted comment: x\nRUQ0\ntrusted comment: y\nAAAA\n",
		"untrusted: x\nRUQ0dTNhmDZVU/LBu1hps+VwC9IX5+heqqJyZqL4zP1i0Dpb018Q7/tlDT0Vfsw12MtrWH6b25YPKC/GNfV844nWX2Sz/3V3Fw0=\ntrusted comment: y\n49jeB1M279KL9uWDz8T4qe4m+x1CtyPQ5+UA9IZ0k/ksFsgcdg5zb3QKAkwX85F35sgOOdN2GIaJTbUcdnckCQ==\n",
		/* "XX" algorithm */
		"untrusted comment: x\nWFg0dTNhmDZVU/LBu1hps+VwC9IX5+heqqJyZqL4zP1i0Dpb018Q7/tlDT0Vfsw12MtrWH6b25YPKC/GNfV844nWX2Sz/3V3Fw0=\ntrusted comment: y\n49jeB1M279KL9uWDz8T4qe4m+x1CtyPQ5+UA9IZ0k/ksFsgcdg5zb3QKAkwX85F35sgOOdN2GIaJTbUcdnckCQ==\n",
		"untrusted comment: x\nRUQ0dTNhmDZVU/LBu1hps+VwC9IX5+heqqJyZqL4zP1i0Dpb018Q7/tlDT0Vfsw12MtrWH6b25YPKC/GNfV844nWX2Sz/3V3Fw0=\nnot trusted: y\n49jeB1M279KL9uWDz8T4qe4m+x1CtyPQ5+UA9IZ0k/ksFsgcdg5zb3QKAkwX85F35sgOOdN2GIaJTbUcdnckCQ==\n",
		"untrusted comment: x\nRUQ0dTNhmDZVU/LBu1hps+VwC9IX5+heqqJyZqL4zP1i0Dpb018Q7/tlDT0Vfsw12MtrWH6b25YPKC/GNfV844nWX2Sz/3V3Fw0=\ntrusted comment: y\n49jeB1M279KL9uWDz8T4qe4m+x1CtyPQ5+UA9IZ0k/ksFsgcdg5zb3QKAkwX85F35sgOOdN2GIaJTbUcdnckCQ\n",
		"untrusted comment: x\nRUQ0dTNhmDZVU/LBu1hps+VwC9IX5+heqqJyZqL4zP1i0Dpb018Q7/tlDT0Vfsw12MtrWH6b25YPKC/GNfV844nWX2Sz/3V3Fw0=\ntrusted comment: y\n49jeB1M279KL9uWDz8T4qe4m+x1CtyPQ5+UA9IZ0k/ksFsgcdg5zb3QKAkwX85F35sgOOdN2GIaJTbUcdnckCQ==\nextra line\n",
	};
	struct minisign_sig	*sig = NULL;
	char			*err = NULL, *huge;
	size_t			 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(minisign_sig_parse(bad[i], strlen(bad[i]),
		    &sig, &err), -1);
		assert_non_null(err);
	}
	/* An oversized trusted comment. */
	huge = calloc(1, 4096);
	strcpy(huge, "untrusted comment: x\nRUQ0dTNhmDZVU/LBu1hps+VwC9IX5+heqqJyZqL4zP1i0Dpb018Q7/tlDT0Vfsw12MtrWH6b25YPKC/GNfV844nWX2Sz/3V3Fw0=\ntrusted comment: ");
	memset(huge + strlen(huge), 'a', 2000);
	strcat(huge, "\n49jeB1M279KL9uWDz8T4qe4m+x1CtyPQ5+UA9IZ0k/ksFsgcdg5zb3QKAkwX85F35sgOOdN2GIaJTbUcdnckCQ==\n");
	assert_int_equal(minisign_sig_parse(huge, strlen(huge), &sig, &err),
	    -1);
	assert_non_null(strstr(err, "longer than"));
	/* Binary data. */
	assert_int_equal(minisign_sig_parse("a\0b", 3, &sig, &err), -1);
	free(huge);
	free(err);
}

static void
malformed_keys_are_errors(void **state)
{
	static const char *badpub[] = {
		"", "RWQ0\n", "comment\nRWQ0dTNhmDZVU1HPFQm+FaQ/gfbm099wc9cy4RAvRzID1RjlayggSvrp\n",
		"untrusted comment: x\nRWQ0dTNhmDZVU1HPFQm+FaQ/gfbm099wc9cy4RAvRzID1RjlayggSvr=\n",
		/* algorithm "XX" */
		"untrusted comment: x\nWFg0dTNhmDZVU1HPFQm+FaQ/gfbm099wc9cy4RAvRzID1RjlayggSvrp\n",
	};
	struct minisign_pubkey	 pk;
	struct minisign_seckey	 sk;
	char			*err = NULL, *enc, *mismatch;
	size_t			 i;

	for (i = 0; i < sizeof(badpub) / sizeof(badpub[0]); i++)
		assert_int_equal(minisign_pubkey_parse(badpub[i], &pk, &err),
		    -1);
	/* kdf "Sc" (an encrypted key) is refused with advice. */
	enc = strdup(STOCK_SEC);
	memcpy(strstr(enc, "RWQAAEIy"), "RWRTY0Iy", 8);
	assert_int_equal(minisign_seckey_parse(enc, &sk, &err), -1);
	assert_non_null(strstr(err, "encrypted"));
	/* A flipped bit in the public half no longer matches the seed. */
	mismatch = strdup(STOCK_SEC);
	*strstr(mismatch, "tVHPFQm") = 'u';
	assert_int_equal(minisign_seckey_parse(mismatch, &sk, &err), -1);
	assert_non_null(strstr(err, "does not match"));
	assert_int_equal(minisign_seckey_parse("untrusted comment: x\n", &sk,
	    &err), -1);
	free(enc);
	free(mismatch);
	free(err);
}

static void
trusted_comment_fields(void **state)
{
	char	*v;

	v = minisign_tc_field("file:a.tar\tsha256:ab\tseq:3", "sha256");
	assert_string_equal(v, "ab");
	free(v);
	v = minisign_tc_field("file:a.tar\tsha256:ab\tseq:3", "seq");
	assert_string_equal(v, "3");
	free(v);
	assert_null(minisign_tc_field("file:a\tsha:1", "sha256"));
	assert_null(minisign_tc_field("", "file"));
}

static void
key_id_is_printed_like_minisign(void **state)
{
	struct minisign_pubkey	 pk;
	char			 id[MINISIGN_KEYID_STRSZ], *err = NULL;

	assert_int_equal(minisign_pubkey_parse(STOCK_PUB, &pk, &err), 0);
	minisign_keyid(pk.keynum, id);
	assert_string_equal(id, "5355369861337534");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(stock_signatures_verify),
		cmocka_unit_test(buffers_verify_like_files),
		cmocka_unit_test(stock_secret_key_loads_and_signs),
		cmocka_unit_test(generated_keys_round_trip),
		cmocka_unit_test(changed_trusted_comment_is_rejected),
		cmocka_unit_test(other_key_is_rejected_by_id),
		cmocka_unit_test(malformed_signatures_are_errors),
		cmocka_unit_test(malformed_keys_are_errors),
		cmocka_unit_test(trusted_comment_fields),
		cmocka_unit_test(key_id_is_printed_like_minisign),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
