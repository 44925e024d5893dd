/* SPDX-License-Identifier: Apache-2.0 */
#include <config.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomicio.h"
#include "blob.h"
#include "digest.h"
#include "error.h"
#include "manifest.h"
#include "minisign.h"
#include "mirror.h"
#include "recipe.h"
#include "store.h"
#include "store-recipe.h"

/* Parses the checked bytes of rel's recipe blob; it must describe rel. */
static int
recipe_check(const char *buf, size_t len, const struct store_release *rel,
    struct recipe **outp, char **errp)
{
	struct recipe	*rc;
	char		 ds[DIGEST_STRSZ];

	digest_format(&rel->recipe, ds);
	if (recipe_parse(buf, len, ds, &rc, errp) == -1)
		return err_wrap(errp, "%s", rel->path);
	if (strcmp(rc->name, rel->name) != 0 ||
	    strcmp(rc->version, rel->version) != 0 ||
	    !digest_equal(&rc->digest, &rel->digest)) {
		recipe_free(rc);
		return err_set(errp, "%s: its recipe %s describes another "
		    "release than index.json lists", rel->path, ds);
	}
	*outp = rc;
	return 0;
}

int
store_recipe_load(const char *root, const struct store_release *rel,
    struct recipe **outp, char **errp)
{
	char	*path, *buf = NULL, ds[DIGEST_STRSZ];
	size_t	 len;
	int	 ret;

	*outp = NULL;
	digest_format(&rel->recipe, ds);
	if ((path = store_blob_path(root, &rel->recipe)) == NULL)
		return err_set(errp, "out of memory");
	ret = blob_read(path, &rel->recipe, BLOB_ANY_SIZE, RECIPE_FILE_MAX, 0,
	    &buf, &len, errp);
	free(path);
	if (ret == BLOB_MISSING)
		return err_set(errp, "%s: its recipe blob %s is missing",
		    rel->path, ds);
	if (ret != BLOB_OK)
		return err_wrap(errp, "%s: recipe", rel->path);
	ret = recipe_check(buf, len, rel, outp, errp);
	free(buf);
	return ret;
}

int
store_recipe_load_fd(int fd, const struct store_release *rel,
    struct recipe **outp, char **errp)
{
	struct digest	 got;
	char		*buf = NULL, ds[DIGEST_STRSZ];
	size_t		 len;
	int		 ret = -1;

	*outp = NULL;
	digest_format(&rel->recipe, ds);
	if (read_fd_all(fd, ds, RECIPE_FILE_MAX, &buf, &len, errp) == -1)
		goto out;
	digest_buf(buf, len, &got);
	if (!digest_equal(&got, &rel->recipe))
		blob_digest_error(ds, &got, &rel->recipe, errp);
	else
		ret = recipe_check(buf, len, rel, outp, errp);
out:
	free(buf);
	close(fd);
	return ret;
}

int
store_recipe_verify(const char *root, const struct store_release *rel,
    const struct keyring *kr, const char *sig, size_t siglen, char **errp)
{
	struct recipe		*rc;
	struct recipe_resolver	 res = { recipe_store_open, (void *)root };
	uint8_t			 hash[MINISIGN_HASH_LEN];
	int			 ret = -1;

	if (store_recipe_load(root, rel, &rc, errp) == -1)
		return -1;
	if (recipe_digest(rc, &res, hash, errp) == -1)
		err_wrap(errp, "%s", rel->path);
	else if (sig_check(kr, sig, siglen, rel->path, &rel->digest, hash,
	    rel->seq, errp) == -1)
		err_wrap(errp, "%s", rel->signature);
	else
		ret = 0;
	recipe_free(rc);
	return ret;
}
