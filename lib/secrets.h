/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Secrets bundles (docs/formats.md "Secrets bundle"): the files of a
 * config that hold secrets, for one role, as canonical JSON sealed to
 * the site key (lib/seal).  dcos-genconf makes them, dcos-bootstrap
 * opens them; both through this file.
 */
#ifndef DCOS_SECRETS_H
#define DCOS_SECRETS_H

#include <sys/types.h>
#include <stddef.h>
#include <stdint.h>

#include "seal.h"

#define SECRETS_MAX_FILES	1024

struct secret_file {
	char	*path;		/* package path, e.g. etc_master/exhibitor */
	mode_t	 mode;		/* never group or other bits */
	uint8_t	*content;
	size_t	 len;
	char	*owner;		/* secrets_owner_check; NULL: root */
};

struct secrets_bundle {
	char			*role;
	struct secret_file	*files;		/* sorted by path */
	size_t			 nfiles;
};

/*
 * Who a secret file may belong to (the template's "owner"): root, or a
 * user by pkgpanda's username rule (pkginfo_username_check).  0 or -1
 * with *errp.
 */
int	 secrets_owner_check(const char *owner, char **errp);
/* owner, or "root" for NULL. */
const char *secrets_owner(const char *owner);

/*
 * The sealed bundle of files (sorted by path, each path checked by the
 * package path rules, mode & 077 == 0 and secrets_owner_check) for role of config_id, sealed
 * to site key k.  0 with *boxp (malloc'd) and *lenp, or -1 with *errp.
 */
int	 secrets_seal(const struct seal_key *k, const char *config_id,
	    const char *role, const struct secret_file *files, size_t n,
	    uint8_t **boxp, size_t *lenp, char **errp);
/*
 * Opens the box of role of config_id with k and checks its content by
 * the same rules.  0 with *bp (free with secrets_bundle_free, which
 * wipes the contents) or -1 with *errp.
 */
int	 secrets_open(const struct seal_key *k, const char *config_id,
	    const char *role, const uint8_t *box, size_t len,
	    struct secrets_bundle **bp, char **errp);
void	 secrets_bundle_free(struct secrets_bundle *);

#endif
