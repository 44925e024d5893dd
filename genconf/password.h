/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reading and hashing a password for hash-password and
 * set-superuser-password (password.c).
 */
#ifndef DCOS_GENCONF_PASSWORD_H
#define DCOS_GENCONF_PASSWORD_H

#include <stddef.h>

#define PASSWORD_MAX	1024

struct subcmd;

/*
 * The commands' options: -g DIR (when genconfp is not NULL) and an
 * optional PASSWORD (*pwp, or NULL).  Returns SUBCMD_CONTINUE, or the exit
 * status after -h or a usage error.
 */
int	 password_opts_parse(const struct subcmd *, int argc, char **argv,
	    const char **genconfp, const char **pwp);
/*
 * The password: arg when not NULL, else one line read without echo from
 * the terminal, or from stdin when that is not one.  0 with buf filled
 * (the caller wipes it), or -1 with *errp.
 */
int	 get_password(const char *arg, char *buf, size_t size, char **errp);
/* A new "$6$..." hash of pw: 0 with *hashp (malloc'd) or -1 with *errp. */
int	 hash_password(const char *pw, char **hashp, char **errp);

#endif
