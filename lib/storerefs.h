/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Which blobs and release files a store needs: the blobs its cluster
 * manifests reach (mirror and fsck check them) and, for pruning, what is
 * left over once only the newest cluster manifests are kept.  One rule for
 * `dcos-genconf prune` and `dcos-artifactd mirror --prune`.
 */
#ifndef DCOS_STOREREFS_H
#define DCOS_STOREREFS_H

#include <stddef.h>
#include <stdint.h>

#include "digest.h"

struct cluster_manifest;
struct release_manifest;
struct store_index;

/* A blob the store must hold, with why (for messages). */
struct ref {
	struct digest	 d;
	int64_t		 size;		/* -1 when no manifest gives it */
	char		*what;
	unsigned	 mode;		/* a copy's mode; 0: 0644 (a secrets
					   bundle's is 0640) */
};

struct refs {
	struct ref	*v;
	size_t		 n;
	size_t		 cap;
};

int	 refs_add(struct refs *, const struct digest *, int64_t size,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Sorts by digest and drops repeats (keeping one that has a size). */
void	 refs_unique(struct refs *);
void	 refs_clear(struct refs *);

/*
 * Checks that a cluster manifest and the release.json it pins agree (name,
 * version, seq, the same packages with the same digests).  0 or -1 with
 * *errp.
 */
int	 cluster_release_agree(const struct cluster_manifest *,
	    const struct release_manifest *, char **errp);
/*
 * Adds every blob a cluster manifest reaches besides itself, release.json
 * and its signature: packages (its list and the release's), the config
 * package and the bootstrap binaries.  cname names the manifest in
 * messages.  0 or -1 when out of memory.
 */
int	 refs_add_cluster(struct refs *, const char *cname,
	    const struct cluster_manifest *, const struct release_manifest *);
/* The blob size a cluster manifest lists for digest d, or -1. */
int64_t	 cluster_blob_size(const struct cluster_manifest *,
	    const struct digest *);
/* Whether d is in r (r sorted by refs_unique). */
int	 refs_has(const struct refs *, const struct digest *);

/* A blob pruning removes. */
struct prune_blob {
	struct digest	 d;
	uint64_t	 size;
};

/* What pruning a store removes (store_prune_plan fills it). */
struct prune_plan {
	struct refs		 keep;	/* every blob a kept manifest reaches */
	struct prune_blob	*blobs;	/* to remove, sorted by digest */
	size_t			 nblobs;
	char		**files;	/* releases/ files to remove (relative) */
	size_t		 nfiles;
	uint64_t	 bytes;		/* what removing all of them frees */
	size_t		 manifests_dropped;
	size_t		 releases_dropped;
	void		*index;		/* json_t: the new index.json, or NULL
					   when it stays as it is */
};

/*
 * Plans pruning the store at root down to its keep newest cluster
 * manifests (keep 0: all that index.json lists).  Every kept manifest and
 * the release.json it pins must be present and intact (else -1: nothing
 * can be pruned safely).  Release files stay when a kept manifest names
 * their release; with keep 0 every release index.json lists stays too.
 * Blobs are files of blobs/sha256 named by 64 hex digits that no kept
 * manifest reaches; other names are left alone.  0 or -1 with *errp.
 */
int	 store_prune_plan(const char *root, size_t keep, struct prune_plan *,
	    char **errp);
/*
 * Carries a plan out: index.json first (atomically, when it changes),
 * then the release files, then the blobs, so a host reading the store
 * meanwhile never finds a kept blob missing.  Returns 0, or -1 with
 * *errp (what was already removed stays removed; running prune again
 * finishes the job).
 */
int	 store_prune_apply(const char *root, const struct prune_plan *,
	    char **errp);
void	 store_prune_free(struct prune_plan *);

#endif
