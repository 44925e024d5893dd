/* keygen, sign and verify: thin commands over lib/minisign. */
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
#include "subcmd.h"


static int
write_new(const char *path, const char *text, mode_t mode, int force)
{
	char	*err = NULL;

	if (!force && access(path, F_OK) == 0) {
		log_error("%s already exists (use -f to overwrite)", path);
		return -1;
	}
	if (atomic_write_file(path, text, strlen(text), mode, &err) == -1) {
		log_error("%s", err);
		free(err);
		return -1;
	}
	return 0;
}

int
cmd_keygen(int argc, char **argv)
{
	const struct subcmd	*c = subcmd_find(genconf_commands, "keygen");
	struct minisign_pubkey	 pk;
	struct minisign_seckey	 sk;
	const char		*pubpath = DEFAULT_PUB, *secpath = DEFAULT_SEC;
	char			*pubtext = NULL, *sectext = NULL, *err = NULL;
	char			 id[MINISIGN_KEYID_STRSZ];
	int			 opt, force = 0, rc = EXIT_FAIL;

	while ((opt = getopt(argc, argv, "fhp:qs:v")) != -1) {
		switch (opt) {
		case 'f': force = 1; break;
		case 'p': pubpath = optarg; break;
		case 's': secpath = optarg; break;
		default:
			if ((rc = subcmd_opt(opt, c)) != SUBCMD_CONTINUE)
				return rc;
			break;
		}
	}
	if (optind != argc)
		return subcmd_usage_error(c);
	rc = EXIT_FAIL;
	if (minisign_keygen(&pk, &sk, &err) == -1) {
		log_error("%s", err);
		goto out;
	}
	pubtext = minisign_pubkey_format(&pk);
	sectext = minisign_seckey_format(&sk);
	if (pubtext == NULL || sectext == NULL) {
		log_error("out of memory");
		goto out;
	}
	if (write_new(secpath, sectext, 0600, force) == -1 ||
	    write_new(pubpath, pubtext, 0644, force) == -1)
		goto out;
	minisign_keyid(pk.keynum, id);
	log_info("key %s: public key %s, secret key %s (keep it secret)",
	    id, pubpath, secpath);
	rc = EXIT_OK;
out:
	OPENSSL_cleanse(&sk, sizeof(sk));
	if (sectext != NULL)
		OPENSSL_cleanse(sectext, strlen(sectext));
	free(sectext);
	free(pubtext);
	free(err);
	return rc;
}

static char *
sig_path(const char *file, const char *given)
{
	char	*p;

	if (given != NULL)
		return strdup(given);
	if (asprintf(&p, "%s.minisig", file) == -1)
		return NULL;
	return p;
}

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
	    (out = sig_path(file, sigfile)) == NULL ||
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
	if ((sigpath = sig_path(argv[optind], sigfile)) == NULL) {
		log_error("out of memory");
		return EXIT_FAIL;
	}
	rc = verify_one(&pk, argv[optind], sigpath) == 0 ? EXIT_OK : EXIT_FAIL;
	free(sigpath);
	return rc;
}
