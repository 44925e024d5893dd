/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of server/mirror-walk.c: index path checks, reference sets,
 * key rings and signature checks shared by mirror and fsck. */
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

#include "atomicio.h"
#include "digest.h"
#include "manifest.h"
#include "minisign.h"
#include "mirror.h"

/* The release paths are store_index_parse's (test-pathrules). */
static void
test_index_paths(void **state)
{
	struct store_index	 x;
	char			*err = NULL;

	memset(&x, 0, sizeof(x));
	x.install_script = (char *)"dcos_install.sh";
	assert_int_equal(index_paths_check(&x, &err), 0);
	x.install_script = (char *)"index.json";
	assert_int_equal(index_paths_check(&x, &err), -1);
	assert_non_null(strstr(err, "install_script.path"));
	free(err);
}

static void
test_refs_unique(void **state)
{
	struct refs	 r = { NULL, 0, 0 };
	struct digest	 a, b;
	size_t		 i;

	digest_buf("a", 1, &a);
	digest_buf("b", 1, &b);
	/* Enough to make the array grow. */
	for (i = 0; i < 100; i++)
		assert_int_equal(refs_add(&r, i % 2 ? &a : &b,
		    i == 51 ? 1 : -1, "ref %zu", i), 0);
	refs_unique(&r);
	assert_int_equal(r.n, 2);
	for (i = 0; i < r.n; i++)
		if (digest_equal(&r.v[i].d, &a)) {
			/* The one with a size is kept. */
			assert_int_equal(r.v[i].size, 1);
			assert_string_equal(r.v[i].what, "ref 51");
		} else
			assert_int_equal(r.v[i].size, -1);
	refs_clear(&r);
	refs_clear(&r);
}

static void
test_keyring(void **state)
{
	struct minisign_pubkey	 k[2];
	struct minisign_seckey	 sk;
	struct keyring		 kr = { NULL, 0, 0 };
	char			*err = NULL;

	assert_int_equal(minisign_keygen(&k[0], &sk, &err), 0);
	assert_int_equal(minisign_keygen(&k[1], &sk, &err), 0);
	assert_int_equal(keyring_add(&kr, k, 2, &err), 0);
	assert_int_equal(keyring_add(&kr, k, 2, &err), 0);
	assert_int_equal(kr.n, 2);
	keyring_clear(&kr);
	/* A pinned ring takes no more keys. */
	kr.pinned = 1;
	assert_int_equal(keyring_add(&kr, k, 2, &err), 0);
	assert_int_equal(kr.n, 0);
	keyring_clear(&kr);
	assert_int_equal(keyring_pin(&kr, "/nonexistent/key.pub", &err), -1);
	assert_non_null(strstr(err, "/nonexistent/key.pub"));
	free(err);
}

/* Signs buf with a trusted comment and checks it through sig_check. */
static int
sign_check(const struct minisign_seckey *sk, const struct keyring *kr,
    const char *path, const char *buf, const char *tc, int64_t seq,
    char **errp)
{
	uint8_t		 hash[MINISIGN_HASH_LEN];
	struct digest	 d;
	char		*sig = NULL;
	int		 rc;

	digest_buf(buf, strlen(buf), &d);
	assert_int_equal(atomic_write_file(path, buf, strlen(buf), 0644,
	    NULL), 0);
	{
		int	 fd = open(path, O_RDONLY);

		assert_true(fd != -1);
		assert_int_equal(minisign_prehash_fd(fd, hash, NULL, NULL), 0);
		close(fd);
	}
	assert_int_equal(minisign_sign_prehashed(sk, hash, "u", tc, &sig,
	    NULL), 0);
	rc = sig_check(kr, sig, strlen(sig), path, &d, NULL, seq, errp);
	if (rc == 0) {
		/* The same with the hash given, as mirror does. */
		assert_int_equal(sig_check(kr, sig, strlen(sig), path, &d,
		    hash, seq, errp), 0);
	}
	free(sig);
	return rc;
}

static void
test_sig_check(void **state)
{
	struct minisign_seckey	 sk, other;
	struct minisign_pubkey	 pk, opk;
	struct keyring		 kr = { NULL, 0, 0 };
	char			 path[] = "/tmp/test-mirror-walk.XXXXXX";
	char			 tc[256], hex[DIGEST_HEXLEN + 1];
	struct digest		 d;
	char			*err = NULL;
	int			 fd;
	static const char	 body[] = "{\"format\": 1}\n";

	assert_true((fd = mkstemp(path)) != -1);
	close(fd);
	assert_int_equal(minisign_keygen(&pk, &sk, NULL), 0);
	assert_int_equal(minisign_keygen(&opk, &other, NULL), 0);
	assert_int_equal(keyring_add(&kr, &pk, 1, NULL), 0);
	digest_buf(body, strlen(body), &d);
	digest_hex(&d, hex);

	snprintf(tc, sizeof(tc), "file:release.json\tsha256:%s\tseq:7", hex);
	assert_int_equal(sign_check(&sk, &kr, path, body, tc, 7, &err), 0);
	/* seq 0: not checked. */
	assert_int_equal(sign_check(&sk, &kr, path, body, tc, 0, &err), 0);

	assert_int_equal(sign_check(&sk, &kr, path, body, tc, 8, &err), -1);
	assert_non_null(strstr(err, "says seq:7, not seq:8"));

	snprintf(tc, sizeof(tc), "file:release.json\tseq:7");
	assert_int_equal(sign_check(&sk, &kr, path, body, tc, 7, &err), -1);
	assert_non_null(strstr(err, "no sha256: field"));

	snprintf(tc, sizeof(tc), "sha256:%064d\tseq:7", 0);
	assert_int_equal(sign_check(&sk, &kr, path, body, tc, 7, &err), -1);
	assert_non_null(strstr(err, "(the digest of this content)"));

	snprintf(tc, sizeof(tc), "sha256:%s", hex);
	assert_int_equal(sign_check(&sk, &kr, path, body, tc, 7, &err), -1);
	assert_non_null(strstr(err, "no seq: field"));

	snprintf(tc, sizeof(tc), "sha256:%s\tseq:7", hex);
	assert_int_equal(sign_check(&other, &kr, path, body, tc, 7, &err), -1);
	assert_non_null(strstr(err, "which is not among the cluster"));
	kr.pinned = 1;
	assert_int_equal(sign_check(&other, &kr, path, body, tc, 7, &err), -1);
	assert_non_null(strstr(err, "which is not the --trusted-key"));

	free(err);
	keyring_clear(&kr);
	unlink(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_index_paths),
		cmocka_unit_test(test_refs_unique),
		cmocka_unit_test(test_keyring),
		cmocka_unit_test(test_sig_check),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
