/*
 * Reading a master artifact (release tar, docs/formats.md): owned by the
 * release builder.  Used by generate, validate and show.
 */
#ifndef DCOS_GENCONF_RELEASE_H
#define DCOS_GENCONF_RELEASE_H

#include <stddef.h>

#include <jansson.h>

#include "digest.h"
#include "minisign.h"

struct release_text {
	char	*path;		/* member name, e.g. "genconf/templates/x.yaml" */
	char	*text;		/* NUL-terminated content */
	size_t	 len;
};

struct release {
	char			*tar_path;	/* the artifact on disk */
	json_t			*manifest;	/* parsed release.json */
	struct digest		 manifest_digest;	/* of release.json */
	struct release_text	 schema;	/* genconf/schema.yaml */
	struct release_text	*templates;	/* sorted by path */
	size_t			 ntemplates;
};

/*
 * Opens a release tar, checks the tar's .minisig (next to it) and the
 * release.json signature against the trusted keys, and that every member's
 * digest matches release.json.  Returns 0 with *relp (free with
 * release_free) or -1 with *errp; nothing is written either way.
 */
int	 release_load(const char *tar_path, const struct minisign_pubkey *keys,
	    size_t nkeys, struct release **relp, char **errp);
void	 release_free(struct release *);

#endif
