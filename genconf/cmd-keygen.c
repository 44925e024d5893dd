/* keygen: a new minisign key pair (lib/minisign). */
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
