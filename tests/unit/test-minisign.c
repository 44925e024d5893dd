/* SPDX-License-Identifier: Apache-2.0 */
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
#include "digest.h"
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

/*
 * The one trusted-comment binding rule, against every way a comment can be
 * wrong.  Checked: file "a.tar", sha256 HA, seq 3, none optional, unless
 * the row says otherwise.
 */
#define HA	"abababababababababababababababababababababababababababababababab"
#define HB	"cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd"
static void
trusted_comment_binding(void **state)
{
	static const struct {
		const char	*tc;
		int		 optional;
		int		 ok;
		const char	*msg;		/* a part of the error */
	} t[] = {
		{ "file:a.tar\tsha256:" HA "\tseq:3", 0, 1, NULL },
		{ "seq:3\tsha256:" HA "\tfile:a.tar", 0, 1, NULL },
		{ "x:1\tfile:a.tar\tsha256:" HA "\tnote:hi there\tseq:3\ty:", 0,
		  1, NULL },
		/* missing */
		{ "sha256:" HA "\tseq:3", 0, 0, "has no file: field" },
		{ "file:a.tar\tseq:3", 0, 0, "has no sha256: field" },
		{ "file:a.tar\tsha256:" HA, 0, 0, "has no seq: field" },
		{ "", 0, 0, "has no file: field" },
		/* missing but optional */
		{ "sha256:" HA "\tseq:3", MINISIGN_TC_FILE, 1, NULL },
		{ "file:a.tar\tseq:3", MINISIGN_TC_SHA256, 1, NULL },
		{ "file:a.tar\tsha256:" HA, MINISIGN_TC_SEQ, 1, NULL },
		/* wrong, also when optional */
		{ "file:b.tar\tsha256:" HA "\tseq:3", MINISIGN_TC_FILE, 0,
		  "says file:b.tar, not file:a.tar" },
		{ "file:a.tar\tsha256:" HB "\tseq:3", MINISIGN_TC_SHA256, 0,
		  "says sha256:" HB ", not sha256:" HA },
		{ "file:a.tar\tsha256:" HA "\tseq:4", MINISIGN_TC_SEQ, 0,
		  "says seq:4, not seq:3" },
		{ "file:a.tar\tsha256:AB\tseq:3", 0, 0, "says sha256:AB," },
		{ "file:a.tar\tsha256:" HA "0\tseq:3", 0, 0, "says sha256:" },
		{ "file:a.tar\tsha256:" HA "\tseq:+3", 0, 0, "says seq:+3" },
		{ "file:a.tar\tsha256:" HA "\tseq:03x", 0, 0, "says seq:03x" },
		{ "file:a.tar\tsha256:" HA "\tseq: 3", 0, 0, "says seq: 3" },
		{ "file:a.tar \tsha256:" HA "\tseq:3", 0, 0, "says file:a.tar " },
		{ "file:A.TAR\tsha256:" HA "\tseq:3", 0, 0, "says file:A.TAR" },
		/* duplicated, even with the same value */
		{ "file:a.tar\tfile:a.tar\tsha256:" HA "\tseq:3", 0, 0,
		  "more than one file: field" },
		{ "file:a.tar\tsha256:" HA "\tsha256:" HB "\tseq:3", 0, 0,
		  "more than one sha256: field" },
		{ "file:a.tar\tsha256:" HA "\tseq:3\tseq:3", MINISIGN_TC_SEQ, 0,
		  "more than one seq: field" },
		/* empty */
		{ "file:\tsha256:" HA "\tseq:3", MINISIGN_TC_FILE, 0,
		  "file: field is empty" },
		{ "file:a.tar\tsha256:\tseq:3", 0, 0, "sha256: field is empty" },
		{ "file:a.tar\tsha256:" HA "\tseq:", 0, 0, "seq: field is empty" },
		/* wrong separators: the fields run into each other */
		{ "file:a.tar sha256:" HA " seq:3", 0, 0,
		  "says file:a.tar sha256:" },
		{ "sha256:" HA " seq:3", MINISIGN_TC_FILE, 0,
		  "says sha256:" HA " seq:3, not" },
		{ "file:a.tar;sha256:" HA ";seq:3", 0, 0, "says file:a.tar;sha256:" },
		{ "file:a.tar\tsha256:" HA ";seq:3", 0, 0, "says sha256:" HA ";" },
		{ "file:a.tar\t\tsha256:" HA "\tseq:3", 0, 1, NULL },
		{ "file=a.tar\tsha256=" HA "\tseq=3", 0, 0, "has no file: field" },
		{ "FILE:a.tar\tsha256:" HA "\tseq:3", 0, 0, "has no file: field" },
		{ "sha256 :" HA, MINISIGN_TC_FILE | MINISIGN_TC_SEQ, 0,
		  "has no sha256: field" },
		{ "file:a.tar\tsha256:" HA "\nseq:3", MINISIGN_TC_SEQ, 0,
		  "says sha256:" },
	};
	struct minisign_sig	 sig;
	struct digest		 want;
	int64_t			 seq = 3;
	char			*err;
	size_t			 i;
	int			 r;

	assert_int_equal(digest_parse_hex(HA, &want), 0);
	memset(&sig, 0, sizeof(sig));
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		sig.trusted_comment = (char *)t[i].tc;
		err = NULL;
		r = minisign_tc_check(&sig, "a.tar", &want, &seq,
		    t[i].optional, &err);
		if (r != (t[i].ok ? 0 : -1) || (!t[i].ok && (err == NULL ||
		    strstr(err, t[i].msg) == NULL)))
			fail_msg("row %zu \"%s\": %d, %s", i, t[i].tc, r,
			    err != NULL ? err : "(no message)");
		free(err);
	}
}

static void
trusted_comment_sha256(void **state)
{
	struct minisign_sig	 sig;
	struct digest		 d, want;
	char			 tc[160], *err = NULL;

	memset(&sig, 0, sizeof(sig));
	assert_int_equal(digest_parse_hex(HA, &want), 0);
	snprintf(tc, sizeof(tc), "file:x\tsha256:%s", HA);
	sig.trusted_comment = tc;
	assert_int_equal(minisign_tc_sha256(&sig, &d, &err), 1);
	assert_true(digest_equal(&d, &want));
	sig.trusted_comment = (char *)"file:x\tsha:1";
	assert_int_equal(minisign_tc_sha256(&sig, &d, &err), 0);
	sig.trusted_comment = (char *)"sha256:12";
	assert_int_equal(minisign_tc_sha256(&sig, &d, &err), -1);
	assert_non_null(strstr(err, "not 64 hex digits"));
	free(err);
	err = NULL;
	snprintf(tc, sizeof(tc), "sha256:%s\tsha256:%s", HA, HA);
	sig.trusted_comment = tc;
	assert_int_equal(minisign_tc_sha256(&sig, &d, &err), -1);
	assert_non_null(strstr(err, "more than one sha256:"));
	free(err);
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
		cmocka_unit_test(trusted_comment_binding),
		cmocka_unit_test(trusted_comment_sha256),
		cmocka_unit_test(key_id_is_printed_like_minisign),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
