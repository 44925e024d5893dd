/* SPDX-License-Identifier: Apache-2.0 */
/*
 * keygen: a new minisign key pair (lib/minisign), or with --site the
 * site's sealing key pair (lib/seal): genconf/site.key (0600) and
 * genconf/site.pub.
 */
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
#include "seal.h"
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

/*
 * The site key pair: the private half opens the secrets bundles on the
 * hosts (it reaches them out of band), the public half seals them.
 */
static int
site_keygen(const char *dir, int force)
{
	struct seal_key	 k;
	char		*sec = NULL, *pub = NULL, *err = NULL;
	char		*secpath = NULL, *pubpath = NULL;
	char		 id[SEAL_KEYID_STRSZ];
	int		 rc = EXIT_FAIL;

	if ((secpath = path_join(dir, SITE_KEY)) == NULL ||
	    (pubpath = path_join(dir, SITE_PUB)) == NULL) {
		log_error("out of memory");
		goto out;
	}
	if (!force && (access(secpath, F_OK) == 0 ||
	    access(pubpath, F_OK) == 0)) {
		log_error("%s already exists (use --force to replace the site "
		    "key; every host then needs the new %s)",
		    access(secpath, F_OK) == 0 ? secpath : pubpath, SITE_KEY);
		goto out;
	}
	if (seal_keygen(&k, &err) == -1) {
		log_error("%s", err);
		goto out;
	}
	if ((sec = seal_seckey_format(&k)) == NULL ||
	    (pub = seal_pubkey_format(&k)) == NULL) {
		log_error("out of memory");
		goto out;
	}
	if (write_new(secpath, sec, 0600, 1) == -1 ||
	    write_new(pubpath, pub, 0644, 1) == -1)
		goto out;
	seal_keyid(&k, id);
	log_info("site key %s: %s (copy it to each host's "
	    "/etc/mesosphere/site.key, mode 0600; never serve it) and %s",
	    id, secpath, pubpath);
	rc = EXIT_OK;
out:
	seal_key_clear(&k);
	if (sec != NULL)
		OPENSSL_cleanse(sec, strlen(sec));
	free(sec);
	free(pub);
	free(secpath);
	free(pubpath);
	free(err);
	return rc;
}

int
cmd_keygen(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ "genconf", required_argument, NULL, 'G' },
		{ "site", no_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const struct subcmd	*c = subcmd_find(genconf_commands, "keygen");
	struct minisign_pubkey	 pk;
	struct minisign_seckey	 sk;
	const char		*pubpath = DEFAULT_PUB, *secpath = DEFAULT_SEC;
	const char		*dir = "genconf";
	char			*pubtext = NULL, *sectext = NULL, *err = NULL;
	char			 id[MINISIGN_KEYID_STRSZ];
	int			 opt, force = 0, site = 0, rc = EXIT_FAIL;

	while ((opt = getopt_long(argc, argv, "fhp:qs:v", longopts,
	    NULL)) != -1) {
		switch (opt) {
		case 'f': force = 1; break;
		case 'G': dir = optarg; break;
		case 'S': site = 1; break;
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
	if (site)
		return site_keygen(dir, force);
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
