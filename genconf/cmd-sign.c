/* SPDX-License-Identifier: Apache-2.0 */
/* sign: minisign signatures that dcos-bootstrap and minisign verify. */
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


/* Signs one file: the default trusted comment names it and its digest. */
static int
sign_one(const struct minisign_seckey *sk, const char *file,
    const char *comment, const char *sigfile)
{
	struct sha256	*h = NULL;
	struct digest	 d;
	uint8_t		 hash[MINISIGN_HASH_LEN];
	char		 dstr[DIGEST_STRSZ], *tc = NULL, *text = NULL;
	char		*err = NULL, *copy = NULL, *out = NULL;
	int		 fd, rc = -1;

	if ((fd = open(file, O_RDONLY | O_CLOEXEC)) == -1) {
		log_error("%s: %s", file, strerror(errno));
		return -1;
	}
	if ((h = sha256_new()) == NULL ||
	    minisign_prehash_fd(fd, hash, h, &err) == -1) {
		log_error("%s: %s", file, err != NULL ? err : "out of memory");
		goto out;
	}
	sha256_final(h, &d);
	digest_format(&d, dstr);
	copy = strdup(file);
	if (comment == NULL && (copy == NULL || asprintf(&tc, "file:%s\t%s",
	    basename(copy), dstr) == -1)) {
		log_error("out of memory");
		goto out;
	}
	if (minisign_sign_prehashed(sk, hash, "signature from dcos-genconf "
	    "secret key", comment != NULL ? comment : tc, &text, &err) == -1 ||
	    (out = sigfile != NULL ? strdup(sigfile) :
	    minisig_path(file)) == NULL ||
	    atomic_write_file(out, text, strlen(text), 0644, &err) == -1) {
		log_error("%s: %s", file, err != NULL ? err : "out of memory");
		goto out;
	}
	log_verbose("signed %s -> %s", file, out);
	rc = 0;
out:
	close(fd);
	sha256_free(h);
	free(tc);
	free(text);
	free(err);
	free(copy);
	free(out);
	return rc;
}

int
cmd_sign(int argc, char **argv)
{
	const struct subcmd	*c = subcmd_find(genconf_commands, "sign");
	struct minisign_seckey	 sk;
	const char		*secpath = NULL, *comment = NULL;
	const char		*sigfile = NULL;
	char			*err = NULL;
	int			 opt, i, rc;

	while ((opt = getopt(argc, argv, "hqs:t:vx:")) != -1) {
		switch (opt) {
		case 's': secpath = optarg; break;
		case 't': comment = optarg; break;
		case 'x': sigfile = optarg; break;
		default:
			if ((rc = subcmd_opt(opt, c)) != SUBCMD_CONTINUE)
				return rc;
			break;
		}
	}
	if (secpath == NULL || optind == argc ||
	    (sigfile != NULL && argc - optind != 1))
		return subcmd_usage_error(c);
	if (minisign_seckey_load(secpath, &sk, &err) == -1) {
		log_error("%s", err);
		free(err);
		return EXIT_FAIL;
	}
	rc = EXIT_OK;
	for (i = optind; i < argc; i++)
		if (sign_one(&sk, argv[i], comment, sigfile) == -1)
			rc = EXIT_FAIL;
	OPENSSL_cleanse(&sk, sizeof(sk));
	return rc;
}
