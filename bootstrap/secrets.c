/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The host side of the secrets bundles (docs/formats.md "Secrets
 * bundle"): the site key comes out of band to <root>/etc/mesosphere/
 * site.key; the bundles of the host's roles, pinned by the cluster
 * manifest, are checked and opened in memory before anything is built,
 * and their files written into the new generation (0600) with a
 * root-only record of their digests that verify audits.
 */
#include <config.h>

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "atomicio.h"
#include "blob.h"
#include "bootstrap.h"
#include "error.h"
#include "jsonio.h"
#include "secrets.h"
#include "store.h"

const struct blob_ref *
cluster_secrets(const struct cluster *c, const char *role)
{
	size_t	 i;

	for (i = 0; i < c->cm->nblobs; i++)
		if (c->cm->blobs[i].kind == BLOB_SECRETS &&
		    strcmp(c->cm->blobs[i].role, role) == 0)
			return &c->cm->blobs[i];
	return NULL;
}

int
cluster_needs_key(const struct cluster *c, char *const *roles, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (cluster_secrets(c, roles[i]) != NULL)
			return 1;
	return 0;
}

char *
site_key_path(const struct host *h)
{
	return path_join(h->etcdir, SITE_KEY_NAME);
}

int
site_key_missing(const struct host *h, const char *role, char **errp)
{
	char	*p;

	if ((p = site_key_path(h)) == NULL)
		return err_set(errp, "out of memory");
	err_set(errp, "role %s has a sealed secrets bundle and %s does not "
	    "exist: copy the bootstrap node's genconf/site.key there (mode "
	    "0600; dcos-genconf deploy does it over ssh), or give "
	    "dcos_install.sh --site-key FILE", role, p);
	free(p);
	return -1;
}

int
site_key_load(const struct host *h, const char *role, struct seal_key *k,
    char **errp)
{
	struct stat	 st;
	char		*p;
	int		 rc = -1;

	if ((p = site_key_path(h)) == NULL)
		return err_set(errp, "out of memory");
	if (lstat(p, &st) == -1) {
		if (errno == ENOENT)
			rc = site_key_missing(h, role, errp);
		else
			err_sys(errp, "%s", p);
		goto out;
	}
	if (!S_ISREG(st.st_mode) || (st.st_mode & 077) != 0 ||
	    st.st_uid != geteuid()) {
		err_set(errp, "%s must be a regular file of this user with "
		    "mode 0600 (it is %04o): anyone who reads it reads the "
		    "cluster's secrets", p, (unsigned)(st.st_mode & 07777));
		goto out;
	}
	if (seal_key_load(p, k, errp) == -1)
		goto out;
	if (!k->has_sec) {
		seal_key_clear(k);
		err_set(errp, "%s is the public site key: the host needs the "
		    "private one (genconf/site.key)", p);
		goto out;
	}
	rc = 0;
out:
	free(p);
	return rc;
}

void
cluster_secrets_free(struct cluster *c)
{
	size_t	 i;

	for (i = 0; i < c->nbundles; i++)
		secrets_bundle_free(c->bundles[i]);
	free(c->bundles);
	c->bundles = NULL;
	c->nbundles = 0;
}

/* One role's bundle: its pinned blob from the cache, opened with k. */
static int
open_bundle(struct cluster *c, const struct blob_ref *b, const char *cache,
    const struct seal_key *k, char **errp)
{
	struct secrets_bundle	*sb = NULL;
	char			*path, *buf = NULL;
	size_t			 len = 0;
	int			 r;

	if ((path = store_blob_path(cache, &b->blob.digest)) == NULL)
		return err_set(errp, "out of memory");
	/* Size and digest first: what is opened is what was pinned. */
	r = blob_check(path, &b->blob.digest, b->blob.size, errp);
	if (r == 0)
		err_set(errp, "the secrets bundle of role %s is not in %s: "
		    "fetch it first (dcos-bootstrap missing --role %s)",
		    b->role, cache, b->role);
	if (r != 1 || read_file(path, b->blob.size, &buf, &len, errp) == -1)
		goto fail;
	r = secrets_open(k, c->config_id, b->role, (uint8_t *)buf, len, &sb,
	    errp);
	free(buf);
	if (r == -1) {
		err_wrap(errp, "the secrets bundle of role %s (%s)", b->role,
		    path);
		goto fail;
	}
	free(path);
	c->bundles[c->nbundles++] = sb;
	return 0;
fail:
	free(path);
	return -1;
}

int
cluster_open_secrets(struct cluster *c, const struct host *h,
    char *const *roles, size_t nroles, const char *cache, char **errp)
{
	const struct blob_ref	*b;
	struct seal_key		 k;
	size_t			 i;
	int			 have = 0, rc = -1;

	memset(&k, 0, sizeof(k));
	if (!cluster_needs_key(c, roles, nroles))
		return 0;
	if ((c->bundles = calloc(nroles + 1, sizeof(*c->bundles))) == NULL)
		return err_set(errp, "out of memory");
	for (i = 0; i < nroles; i++) {
		if ((b = cluster_secrets(c, roles[i])) == NULL)
			continue;
		if (!have && site_key_load(h, roles[i], &k, errp) == -1)
			goto out;
		have = 1;
		if (open_bundle(c, b, cache, &k, errp) == -1)
			goto out;
	}
	rc = 0;
out:
	seal_key_clear(&k);
	if (rc == -1)
		cluster_secrets_free(c);
	return rc;
}

/* Makes the directories of dest below the generation (0755). */
static int
mkparents_at(int dfd, const char *dest, char **errp)
{
	char	 buf[PATH_MAX], *s;

	if (snprintf(buf, sizeof(buf), "%s", dest) >= (int)sizeof(buf))
		return err_set(errp, "%s: path too long", dest);
	for (s = strchr(buf, '/'); s != NULL; s = strchr(s + 1, '/')) {
		*s = '\0';
		if (mkdirat(dfd, buf, 0755) == -1 && errno != EEXIST)
			return err_sys(errp, "%s", buf);
		*s = '/';
	}
	return 0;
}

/* Writes one secret file as dest (0600); a second role's copy is skipped. */
static int
write_secret(int genfd, const struct secret_file *f, const char *dest,
    json_t *list, char **errp)
{
	struct digest	 d;
	char		 dstr[DIGEST_STRSZ];
	json_t		*v;
	size_t		 i;
	int		 fd;

	digest_buf(f->content, f->len, &d);
	digest_format(&d, dstr);
	json_array_foreach(list, i, v)
		if (strcmp(json_string_value(json_object_get(v, "path")),
		    dest) == 0) {
			if (strcmp(json_string_value(json_object_get(v,
			    "sha256")), dstr) == 0)
				return 0;
			return err_set(errp, "two secrets bundles give %s "
			    "different contents", dest);
		}
	if (mkparents_at(genfd, dest, errp) == -1)
		return -1;
	if ((fd = openat(genfd, dest, O_WRONLY | O_CREAT | O_EXCL |
	    O_NOFOLLOW | O_CLOEXEC, 0600)) == -1) {
		if (errno == EEXIST)
			return err_set(errp, "collision: a package and the "
			    "secrets bundle both install %s", dest);
		return err_sys(errp, "%s", dest);
	}
	/* Whatever the umask, and never more than the template's mode. */
	if (fchmod(fd, f->mode & 0700) == -1 ||
	    write_all(fd, f->content, f->len) == -1) {
		close(fd);
		return err_sys(errp, "%s", dest);
	}
	if (close(fd) == -1)
		return err_sys(errp, "%s", dest);
	if (json_array_append_new(list, json_pack("{s:s, s:s, s:i}", "path",
	    dest, "sha256", dstr, "mode", (int)(f->mode & 0700))) == -1)
		return err_set(errp, "out of memory");
	return 0;
}

int
gen_write_secrets(int genfd, const struct cluster *c, char *const *roles,
    size_t nroles, char **errp)
{
	const struct secrets_bundle	*sb;
	json_t				*list = NULL, *doc = NULL;
	char				*dest = NULL, *text = NULL;
	size_t				 i, j;
	int				 fd = -1, place, rc = -1;

	if (c->nbundles == 0)
		return 0;
	if ((list = json_array()) == NULL)
		return err_set(errp, "out of memory");
	for (i = 0; i < c->nbundles; i++) {
		sb = c->bundles[i];
		for (j = 0; j < sb->nfiles; j++) {
			free(dest);
			if ((place = gen_place(roles, nroles,
			    sb->files[j].path, &dest)) == -1) {
				err_set(errp, "out of memory");
				goto out;
			}
			if (place != GEN_FARM) {
				err_set(errp, "the secrets bundle of role %s "
				    "holds %s, which a host of roles it has "
				    "does not get", sb->role,
				    sb->files[j].path);
				goto out;
			}
			if (write_secret(genfd, &sb->files[j], dest, list,
			    errp) == -1)
				goto out;
		}
	}
	/* The digests of secrets are secret too: root reads them only. */
	if ((doc = json_pack("{s:i, s:O}", "format", 1, "files", list)) ==
	    NULL || (text = json_dumps(doc, JSONIO_PRETTY)) == NULL) {
		err_set(errp, "out of memory");
		goto out;
	}
	if ((fd = openat(genfd, GEN_SECRETS_NAME, O_WRONLY | O_CREAT | O_EXCL |
	    O_NOFOLLOW | O_CLOEXEC, 0600)) == -1 || fchmod(fd, 0600) == -1 ||
	    write_all(fd, text, strlen(text)) == -1) {
		err_sys(errp, "%s", GEN_SECRETS_NAME);
		goto out;
	}
	rc = 0;
out:
	if (fd != -1 && close(fd) == -1 && rc == 0)
		rc = err_sys(errp, "%s", GEN_SECRETS_NAME);
	free(dest);
	free(text);
	json_decref(doc);
	json_decref(list);
	return rc;
}
