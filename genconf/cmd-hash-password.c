/* SPDX-License-Identifier: Apache-2.0 */
/* hash-password: prints the SHA-512 crypt(3) hash of a password. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "genconf.h"
#include "log.h"
#include "password.h"
#include "subcmd.h"

int
cmd_hash_password(int argc, char **argv)
{
	const struct subcmd	*c = subcmd_find(genconf_commands,
				    "hash-password");
	const char		*arg;
	char			 pw[PASSWORD_MAX], *hash = NULL, *err = NULL;
	int			 rc;

	if ((rc = password_opts_parse(c, argc, argv, NULL, &arg)) != SUBCMD_CONTINUE)
		return rc;
	rc = EXIT_FAIL;
	if (get_password(arg, pw, sizeof(pw), &err) == -1 ||
	    hash_password(pw, &hash, &err) == -1) {
		log_error("%s", err);
		goto out;
	}
	printf("%s\n", hash);
	rc = fflush(stdout) == 0 ? 0 : EXIT_FAIL;
out:
	explicit_bzero(pw, sizeof(pw));
	free(hash);
	free(err);
	return rc;
}
