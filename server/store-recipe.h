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

#endif
