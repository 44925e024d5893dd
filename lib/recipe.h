/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Release recipes (docs/formats.md "Release recipe", dcos-store(5)): a
 * small blob that rebuilds a signed release tar byte for byte from the
 * blobs of a store, so the store holds each release once.  The one
 * parser, writer and reader every program uses.
 */
#ifndef DCOS_RECIPE_H
#define DCOS_RECIPE_H

#include <sys/types.h>
#include <stddef.h>
#include <stdint.h>

#include "digest.h"

#define RECIPE_KIND		"release-recipe"
/* Bounds on what a recipe may say (and make a reader hold). */
#define RECIPE_PARTS_MAX	1000000
#define RECIPE_DATA_MAX		((size_t)64 * 1024 * 1024)	/* inline bytes */
#define RECIPE_FILE_MAX		((size_t)128 * 1024 * 1024)	/* recipe text */

struct recipe_part {
	uint64_t	 off;		/* where the part starts in the tar */
	uint64_t	 size;
	int		 blob;		/* 1: bytes of blob d; 0: data */
	struct digest	 d;
	uint8_t		*data;		/* inline bytes (blob == 0) */
};

struct recipe {
	char			*name;
	char			*version;
	uint64_t		 size;		/* of the tar */
	struct digest		 digest;	/* of the tar */
	struct recipe_part	*parts;
	size_t			 nparts;
	size_t			 cap;
	size_t			 datalen;	/* inline bytes in all */
};

/* A new, empty recipe (for a writer), or NULL when out of memory. */
struct recipe	*recipe_new(const char *name, const char *version);
void		 recipe_free(struct recipe *);
/* Appends inline bytes (merged with inline bytes before) or a blob part.
 * 0 or -1 with *errp. */
int	 recipe_add_data(struct recipe *, const void *, size_t, char **errp);
int	 recipe_add_blob(struct recipe *, const struct digest *, uint64_t size,
	    char **errp);
/*
 * The canonical JSON text of a recipe whose size and digest are set
 * (malloc'd, with a newline) and *lenp, or NULL with *errp.
 */
char	*recipe_text(const struct recipe *, size_t *lenp, char **errp);
/*
 * Parses a recipe's text strictly: every part valid, sizes adding up,
 * bounded.  0 with *outp or -1 with *errp ("NAME: what is wrong").
 */
int	 recipe_parse(const char *buf, size_t len, const char *name,
	    struct recipe **outp, char **errp);

/*
 * Where a reader gets blob bytes: open() returns a descriptor on the blob
 * d (a regular file of size bytes), or -1 with *errp (naming the blob).
 */
struct recipe_resolver {
	int	(*open)(void *arg, const struct digest *d, uint64_t size,
		    char **errp);
	void	*arg;
};
/* The resolver for a store or mirror directory (arg: its root). */
int	 recipe_store_open(void *root, const struct digest *, uint64_t,
	    char **errp);

/* A reader keeps the last blob it opened until it reads elsewhere. */
struct recipe_reader;
struct recipe_reader *recipe_reader_new(const struct recipe *,
	    const struct recipe_resolver *);
void	 recipe_reader_free(struct recipe_reader *);
/*
 * Copies up to len bytes of the tar from off into buf: the count (0 at
 * the end) or -1 with *errp.  A blob that has shrunk is an error.
 */
ssize_t	 recipe_read(struct recipe_reader *, uint64_t off, void *buf,
	    size_t len, char **errp);

/*
 * The check everyone uses: reads the whole reconstruction, and returns 0
 * when it has the recipe's size and digest (then, when prehash is not
 * NULL, its BLAKE2b-512 for the minisign check), or -1 with *errp.
 */
int	 recipe_digest(const struct recipe *, const struct recipe_resolver *,
	    uint8_t *prehash, char **errp);
/* As recipe_digest, also writing the tar to out (when not -1). */
int	 recipe_digest_copy(const struct recipe *,
	    const struct recipe_resolver *, uint8_t *prehash, int out,
	    char **errp);

#endif
