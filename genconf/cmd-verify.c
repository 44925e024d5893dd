/* SPDX-License-Identifier: Apache-2.0 */
/* verify: checks a file against a minisign signature (lib/minisign). */
#include <config.h>

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "atomicio.h"
#include "digest.h"
#include "error.h"
#include "genconf.h"
#include "log.h"
#include "minisign.h"
#include "release.h"
#include "subcmd.h"


static int
verify_one(const struct minisign_pubkey *pk, const char *file,
    const char *sigpath)
{
	struct minisign_sig	*sig = NULL;
	struct sha256		*h = NULL;
	struct digest		 d;
	uint8_t			 hash[MINISIGN_HASH_LEN];
	char			*err = NULL;
	int			 fd = -1, rc = -1;

	if (minisign_sig_load(sigpath, &sig, &err) == -1)
		goto out;
	if ((fd = open(file, O_RDONLY | O_CLOEXEC)) == -1) {
		err_sys(&err, "%s", file);
		goto out;
	}
	if (!sig->prehashed) {
		/* Legacy signatures sign the file itself. */
		if (minisign_verify_fd(pk, sig, fd, &err) == -1)
			goto fail;
		rc = 0;
		goto out;
	}
	if ((h = sha256_new()) == NULL ||
	    minisign_prehash_fd(fd, hash, h, &err) == -1 ||
	    minisign_verify_prehashed(pk, sig, hash, &err) == -1)
		goto fail;
	sha256_final(h, &d);
	if (minisign_tc_check(sig, NULL, &d, NULL, MINISIGN_TC_SHA256,
	    &err) == -1)
		goto fail;
	rc = 0;
	goto out;
fail:
	err_wrap(&err, "%s", file);
out:
	if (rc == 0) {
		printf("Signature and comment signature verified\n"
		    "Trusted comment: %s\n", sig->trusted_comment);
	} else
		log_error("%s", err != NULL ? err : "out of memory");
	if (fd != -1)
		close(fd);
	sha256_free(h);
	minisign_sig_free(sig);
	free(err);
	return rc;
}

int
cmd_verify(int argc, char **argv)
{
	const struct subcmd	*c = subcmd_find(genconf_commands, "verify");
	struct minisign_pubkey	 pk;
	const char		*pubpath = NULL, *sigfile = NULL;
	char			*err = NULL, *sigpath;
	int			 opt, rc;

	while ((opt = getopt(argc, argv, "hp:qvx:")) != -1) {
		switch (opt) {
		case 'p': pubpath = optarg; break;
		case 'x': sigfile = optarg; break;
		default:
			if ((rc = subcmd_opt(opt, c)) != SUBCMD_CONTINUE)
				return rc;
			break;
		}
	}
	if (pubpath == NULL || argc - optind != 1)
		return subcmd_usage_error(c);
	if (minisign_pubkey_load(pubpath, &pk, &err) == -1) {
		log_error("%s", err);
		free(err);
		return EXIT_FAIL;
	}
	if ((sigpath = sigfile != NULL ? strdup(sigfile) :
	    minisig_path(argv[optind])) == NULL) {
		log_error("out of memory");
		return EXIT_FAIL;
	}
	rc = verify_one(&pk, argv[optind], sigpath) == 0 ? EXIT_OK : EXIT_FAIL;
	free(sigpath);
	return rc;
}
