/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mirror and fsck: the parallel downloader (mirror-fetch.c), the walk of a
 * store's references shared by both commands (mirror-walk.c).
 */
#ifndef DCOS_SERVER_MIRROR_H
#define DCOS_SERVER_MIRROR_H

#include <sys/types.h>

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "digest.h"
#include "minisign.h"
#include "storerefs.h"

/* Largest JSON document (index, cluster or release manifest) we accept. */
#define MIRROR_JSON_MAX		(16 * 1024 * 1024)
/* Largest release tar when the store gives no size for it. */
#define MIRROR_RELEASE_MAX	((uint64_t)64 << 30)
/* Where partial downloads live inside DIR, never under a final name. */
#define MIRROR_PARTIAL_DIR	".partial"

/* ---- mirror-fetch.c: parallel, resumable, verified downloads ---- */

struct fetch_item;
/*
 * Called after a download's size and digest checked out and before it is
 * renamed into place; 0 keeps it, -1 with *errp refuses it (the partial
 * data is removed).
 */
typedef int (*fetch_check_fn)(struct fetch_item *, void *arg, char **errp);

struct fetch_item {
	/* Filled by the caller. */
	char		*rel;		/* URL path under each base URL */
	char		*dest;		/* final file name */
	char		*partial;	/* where the bytes go until verified */
	struct digest	 want;
	int		 has_digest;	/* want is set */
	int64_t		 size;		/* expected size or -1 */
	uint64_t	 max;		/* cap when size is -1 */
	int		 resume;	/* 0: mutable file, never resume */
	int		 prehash;	/* also compute BLAKE2b-512 */
	mode_t		 mode;		/* of the final file; 0: 0644 */
	fetch_check_fn	 check;
	void		*check_arg;
	/* Results. */
	struct digest	 got;
	uint8_t		 blake[MINISIGN_HASH_LEN];
	uint64_t	 got_size;
	int		 done;		/* in place */
	int		 resumed;	/* continued earlier partial data */
	int		 optional;	/* a 404 is no failure */
	int		 absent;	/* optional, and a URL said 404 */
	char		*err;		/* why it failed, when it did */
};

struct fetch_opts {
	char * const	*urls;		/* base URLs, no trailing '/' */
	size_t		 nurls;
	int		 jobs;		/* concurrent transfers */
	int		 retries;	/* extra rounds over all URLs */
	int		 progress;	/* draw a progress line on stderr */
	const char	*cacert;	/* CA bundle for https, or NULL */
	long		 speed_limit;	/* bytes/s below which ... */
	long		 speed_time;	/* ... for this many seconds fails */
	long		 max_time;	/* seconds per transfer; 0: none */
	/* Set (by a signal handler) to stop: transfers are cut, partial
	 * data is kept for the next run. */
	volatile sig_atomic_t *stop;
};

struct fetch_stats {
	uint64_t	 files;		/* downloaded and put in place */
	uint64_t	 bytes;		/* received over the network */
	uint64_t	 resumed;	/* downloads that continued partial data */
	uint64_t	 retries;	/* failed attempts that were retried */
};

/* Initialises libcurl once per process.  0 or -1 with *errp. */
int	 fetch_global_init(char **errp);
/*
 * Downloads every item, at most opts->jobs at a time, each verified while
 * it streams (size, SHA-256, optional BLAKE2b) and renamed into place only
 * when it checks out.  Failed attempts go to the next URL; after a round
 * over all URLs the next waits with exponential backoff.  A 4xx answer or
 * a wrong digest rules a URL out for that item.  Returns 0 when every item
 * is done (or, if optional, answered with 404), -1 when any failed (each failed item has ->err); stats are
 * added to *st.
 */
int	 fetch_all(const struct fetch_opts *, struct fetch_item **items,
	    size_t n, struct fetch_stats *st);
/* Frees an item's strings (not the item); accepts NULL. */
void	 fetch_item_clear(struct fetch_item *);

/* ---- mirror-walk.c: what a store references, and whom it trusts ---- */

struct cluster_manifest;
struct release_manifest;

/*
 * The keys signatures must verify against: the one --trusted-key names
 * (pinned), or else the keys the store's cluster manifests list.
 */
struct keyring {
	struct minisign_pubkey	*keys;
	size_t			 n;
	int			 pinned;
};

/* Loads the --trusted-key file as the only key.  0 or -1 with *errp. */
int	 keyring_pin(struct keyring *, const char *path, char **errp);
/* Adds keys unless the ring is pinned (duplicates skipped).  0 or -1. */
int	 keyring_add(struct keyring *, const struct minisign_pubkey *,
	    size_t n, char **errp);
void	 keyring_clear(struct keyring *);

/*
 * Verifies signature text sigtext over the file at path whose SHA-256 is
 * d (and, for an "ED" signature, whose BLAKE2b-512 is hash, or NULL to
 * compute it from the file): the key must be in the ring, the signature
 * must verify and the trusted comment must carry sha256:<d> and, when
 * seq > 0, seq:<seq>.  0 or -1 with *errp.
 */
int	 sig_check(const struct keyring *, const char *sigtext, size_t siglen,
	    const char *path, const struct digest *d,
	    const uint8_t *hash, int64_t seq, char **errp);
/*
 * As sig_check over the len bytes at buf (already read, their digest d
 * checked): what was verified is what the caller then parses.
 */
int	 sig_check_buf(const struct keyring *, const char *sigtext,
	    size_t siglen, const void *buf, size_t len, const struct digest *d,
	    int64_t seq, char **errp);

/*
 * Checks a path from index.json before it is used in DIR: the install
 * script must be STORE_INSTALL_SCRIPT (store_index_parse has held each
 * release to releases/<name>-<version>.tar and its .minisig).  0 or -1
 * with *errp.
 */
struct store_index;
int	 index_paths_check(const struct store_index *, char **errp);

#endif
