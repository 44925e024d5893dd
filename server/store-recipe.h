/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A store's release recipes (lib/recipe.h): the tar of a release that
 * index.json lists with a "recipe" is rebuilt from the store's blobs.
 */
#ifndef DCOS_STORE_RECIPE_H
#define DCOS_STORE_RECIPE_H

#include "manifest.h"
#include "recipe.h"

/*
 * Reads the recipe blob the index entry rel names below root, checked
 * against its digest, and parses it; it must describe rel (name, version,
 * tar digest).  0 with *outp or -1 with *errp.  Its blobs are not read.
 */
int	 store_recipe_load(const char *root, const struct store_release *rel,
	    struct recipe **outp, char **errp);
/* As store_recipe_load from fd, open on the recipe blob (taken). */
int	 store_recipe_load_fd(int fd, const struct store_release *rel,
	    struct recipe **outp, char **errp);

struct keyring;
/*
 * The check fsck and mirror make of a release the store holds once: its
 * recipe rebuilds the tar from the blobs below root (one read: SHA-256
 * and BLAKE2b), and the signature text sig must verify over it with a key
 * of kr, naming its digest and seq.  0 or -1 with *errp (a missing blob
 * named).
 */
int	 store_recipe_verify(const char *root, const struct store_release *rel,
	    const struct keyring *kr, const char *sig, size_t siglen,
	    char **errp);

#endif
