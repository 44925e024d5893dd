/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reading a master artifact (release tar, docs/formats.md): owned by the
 * release builder.  Used by generate, validate and show.
 */
#ifndef DCOS_GENCONF_RELEASE_H
#define DCOS_GENCONF_RELEASE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "digest.h"
#include "manifest.h"
#include "minisign.h"
#include "recipe.h"

#define RELEASE_JSON		"release.json"
#define RELEASE_SIG		"release.json.minisig"
/* Bounds on the members held in memory. */
#define RELEASE_JSON_MAX	(16 * 1024 * 1024)
#define RELEASE_TEXT_MAX	(4 * 1024 * 1024)

struct release_text {
	char	*path;		/* member name, e.g. "genconf/templates/x.yaml" */
	char	*text;		/* NUL-terminated content */
	size_t	 len;
};

/* A package or bootstrap member, as release.json pins it. */
/* Where a member that is a blob of the store lies in the tar. */
struct release_span {
	uint64_t		 off;	/* of its data */
	uint64_t		 size;
	const struct digest	*d;	/* set once the member is checked */
};

struct release_blob {
	char		*path;		/* member, e.g. "packages/<id>.tar.zst" */
	const char	*id;		/* package id, or the architecture (rm's) */
	struct digest	 digest;
	uint64_t	 size;
};

/*
 * A verified release tar: release.json as lib/manifest parses it for
 * every program (rm), and the members it pins.
 */
struct release {
	char			*tar_path;	/* the artifact on disk */
	struct release_manifest	*rm;		/* parsed release.json */
	struct digest		 manifest_digest;	/* of release.json */
	struct release_text	 schema;	/* genconf/schema.yaml */
	struct release_text	*templates;	/* sorted by path */
	size_t			 ntemplates;

	struct release_text	 manifest_text;	/* release.json bytes */
	struct release_text	 sig_text;	/* release.json.minisig bytes */
	struct digest		 sig_digest;
	struct release_text	 tar_sig_text;	/* <tar>.minisig bytes */
	struct digest		 tar_digest;	/* of the whole tar */
	uint64_t		 tar_size;
	struct release_blob	*packages;	/* sorted by id */
	size_t			 npackages;
	struct release_blob	*bootstrap;	/* sorted by arch */
	size_t			 nbootstrap;
	struct release_span	*spans;		/* in tar order */
	size_t			 nspans;
	/*
	 * With a sink's want_recipe: the tar as release.json, its signature,
	 * the packages and bootstrap binaries (blobs of the store) and the
	 * bytes between them (lib/recipe.h), read from the descriptor that
	 * was hashed.
	 */
	struct recipe		*recipe;
};

/*
 * Receives the verified bytes while the tar is read once.  begin() is
 * called for each package and bootstrap member and returns 1 to get its
 * data, 0 to skip it, -1 to fail; end() follows with ok = 0 when the
 * member did not match its digest.  A skipped member is not hashed: the
 * signature of the whole tar, checked over the same bytes, covers it (so
 * a caller that needs no member data can make release_load cost one
 * BLAKE2b pass).  With want_recipe the release's recipe is made too (see
 * struct release).
 * Nothing a sink writes is valid until release_load_sink returns 0: a
 * later check may still fail.
 */
struct release_sink {
	int	(*begin)(void *arg, const struct release_blob *, char **errp);
	int	(*data)(void *arg, const void *buf, size_t len, char **errp);
	int	(*end)(void *arg, int ok, char **errp);
	void	*arg;
	int	 want_recipe;
};

/*
 * Opens a release tar, checks the tar's .minisig (next to it) and the
 * release.json signature against the trusted keys, and that every member's
 * digest matches release.json.  Returns 0 with *relp (free with
 * release_free) or -1 with *errp; nothing is written either way.
 */
int	 release_load(const char *tar_path, const struct minisign_pubkey *keys,
	    size_t nkeys, struct release **relp, char **errp);
/* As release_load, handing the verified members to sink (may be NULL). */
int	 release_load_sink(const char *tar_path,
	    const struct minisign_pubkey *keys, size_t nkeys,
	    const struct release_sink *sink, struct release **relp,
	    char **errp);
void	 release_free(struct release *);

/*
 * The text of a JSON blob (release.json, cluster.json): JSONIO_PRETTY plus
 * a newline, as every JSON file we write.  Returns it (malloc'd) with
 * *lenp, or NULL when out of memory.
 */
char	*json_blob_text(const json_t *, size_t *lenp);

/* "<file>.minisig" (malloc'd), or NULL when out of memory. */
char	*minisig_path(const char *file);

/*
 * Signs a file of ours from its BLAKE2b-512 prehash.  The trusted comment
 * is "file:FILE<TAB>sha256:HEX" (HEX of d), then "<TAB>seq:SEQ" when seq
 * > 0; the untrusted one "signature from dcos-genconf SIGNER".  Returns 0
 * with *outp (the .minisig text, malloc'd) or -1 with *errp.
 */
int	 genconf_sign(const struct minisign_seckey *,
	    const uint8_t prehash[MINISIGN_HASH_LEN], const char *signer,
	    const char *file, const struct digest *d, json_int_t seq,
	    char **outp, char **errp);

#endif
