/* SPDX-License-Identifier: Apache-2.0 */
#include <config.h>

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "atomicio.h"
#include "blob.h"
#include "digest.h"
#include "error.h"
#include "jsonio.h"
#include "manifest.h"
#include "store.h"
#include "storerefs.h"

int
refs_add(struct refs *r, const struct digest *d, int64_t size,
    const char *fmt, ...)
{
	struct ref	*nv;
	va_list		 ap;
	char		*what;
	int		 n;

	va_start(ap, fmt);
	n = vasprintf(&what, fmt, ap);
	va_end(ap);
	if (n == -1)
		return -1;
	if (r->n == r->cap) {
		if ((nv = reallocarray(r->v, r->cap ? r->cap * 2 : 64,
		    sizeof(*nv))) == NULL) {
			free(what);
			return -1;
		}
		r->v = nv;
		r->cap = r->cap ? r->cap * 2 : 64;
	}
	r->v[r->n].d = *d;
	r->v[r->n].size = size;
	r->v[r->n].what = what;
	r->v[r->n].mode = 0;
	r->n++;
	return 0;
}

static int
ref_cmp(const void *a, const void *b)
{
	const struct ref	*x = a, *y = b;
	int			 c;

	if ((c = memcmp(x->d.b, y->d.b, DIGEST_LEN)) != 0)
		return c;
	/* Those with a size first, so the kept one has it. */
	return (x->size < 0) - (y->size < 0);
}

void
refs_unique(struct refs *r)
{
	size_t	 i, o;

	if (r->n == 0)
		return;
	qsort(r->v, r->n, sizeof(*r->v), ref_cmp);
	for (i = 1, o = 1; i < r->n; i++) {
		if (digest_equal(&r->v[i].d, &r->v[o - 1].d)) {
			free(r->v[i].what);
			continue;
		}
		r->v[o++] = r->v[i];
	}
	r->n = o;
}

void
refs_clear(struct refs *r)
{
	size_t	 i;

	for (i = 0; i < r->n; i++)
		free(r->v[i].what);
	free(r->v);
	r->v = NULL;
	r->n = r->cap = 0;
}

int
cluster_release_agree(const struct cluster_manifest *c,
    const struct release_manifest *rel, char **errp)
{
	const struct release_pkg	*p;
	char				 d[DIGEST_STRSZ];
	size_t				 i, npkgs = 0;

	if (strcmp(c->release_name, rel->name) != 0 ||
	    strcmp(c->release_version, rel->version) != 0 ||
	    c->release_seq != rel->seq)
		return err_set(errp, "names release %s-%s seq %" PRId64
		    " but its release.json is %s-%s seq %" PRId64,
		    c->release_name, c->release_version, c->release_seq,
		    rel->name, rel->version, rel->seq);
	for (i = 0; i < c->nblobs; i++) {
		if (c->blobs[i].kind != BLOB_PACKAGE)
			continue;
		npkgs++;
		p = release_manifest_package(rel, c->blobs[i].id);
		if (p == NULL)
			return err_set(errp, "lists package %s, which its "
			    "release does not have", c->blobs[i].id);
		if (p->platform != c->blobs[i].platform)
			return err_set(errp, "lists package %s for %s, its "
			    "signed release.json for %s", c->blobs[i].id,
			    platform_name(c->blobs[i].platform),
			    platform_name(p->platform));
		if (!digest_equal(&p->blob.digest, &c->blobs[i].blob.digest)) {
			digest_format(&c->blobs[i].blob.digest, d);
			return err_set(errp, "lists package %s as %s, not as "
			    "its signed release.json does", c->blobs[i].id, d);
		}
	}
	if (npkgs != rel->npackages)
		return err_set(errp, "lists %zu packages where its release "
		    "has %zu", npkgs, rel->npackages);
	return 0;
}

int
refs_add_cluster(struct refs *r, const char *cname,
    const struct cluster_manifest *c, const struct release_manifest *rel)
{
	size_t	 i;

	for (i = 0; i < c->nblobs; i++) {
		if (c->blobs[i].kind == BLOB_RELEASE ||
		    c->blobs[i].kind == BLOB_SIGNATURE)
			continue;
		if (refs_add(r, &c->blobs[i].blob.digest,
		    (int64_t)c->blobs[i].blob.size, "%s %s of cluster "
		    "manifest %s", blob_kind_name(c->blobs[i].kind),
		    c->blobs[i].id != NULL ? c->blobs[i].id : "", cname) == -1)
			return -1;
		/* Sealed, yet for the store's owner and group only. */
		if (c->blobs[i].kind == BLOB_SECRETS)
			r->v[r->n - 1].mode = 0640;
	}
	if (refs_add(r, &c->config_package.digest,
	    (int64_t)c->config_package.size, "config package %s of cluster "
	    "manifest %s", c->config_id_pkg, cname) == -1)
		return -1;
	for (i = 0; i < c->nbootstrap; i++)
		if (refs_add(r, &c->bootstrap[i].blob.digest,
		    (int64_t)c->bootstrap[i].blob.size, "%s dcos-bootstrap of "
		    "cluster manifest %s", c->bootstrap[i].arch, cname) == -1)
			return -1;
	for (i = 0; i < rel->npackages; i++)
		if (refs_add(r, &rel->packages[i].blob.digest,
		    (int64_t)rel->packages[i].blob.size, "package %s of "
		    "release %s-%s", rel->packages[i].id, rel->name,
		    rel->version) == -1)
			return -1;
	for (i = 0; i < rel->nbootstrap; i++)
		if (refs_add(r, &rel->bootstrap[i].blob.digest,
		    (int64_t)rel->bootstrap[i].blob.size, "%s dcos-bootstrap "
		    "of release %s-%s", rel->bootstrap[i].arch, rel->name,
		    rel->version) == -1)
			return -1;
	return 0;
}

int64_t
cluster_blob_size(const struct cluster_manifest *c, const struct digest *d)
{
	size_t	 i;

	for (i = 0; i < c->nblobs; i++)
		if (digest_equal(&c->blobs[i].blob.digest, d))
			return (int64_t)c->blobs[i].blob.size;
	return -1;
}

int
refs_has(const struct refs *r, const struct digest *d)
{
	size_t	 lo = 0, hi = r->n, mid;
	int	 c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if ((c = memcmp(r->v[mid].d.b, d->b, DIGEST_LEN)) == 0)
			return 1;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/* Reads and parses the blob d of the store at root as what parse reads. */
static int
read_manifest_blob(const char *root, const struct digest *d, int64_t size,
    const char *what, char **bufp, size_t *lenp, char **errp)
{
	char	*path, dstr[DIGEST_STRSZ];
	int	 r;

	if ((path = store_blob_path(root, d)) == NULL)
		return err_set(errp, "out of memory");
	r = blob_read(path, d, size, MANIFEST_MAX_BYTES, BLOB_NOFOLLOW, bufp,
	    lenp, errp);
	if (r == BLOB_MISSING) {
		digest_format(d, dstr);
		err_set(errp, "%s: %s %s is missing", path, what, dstr);
	}
	if (r != BLOB_OK)
		err_wrap(errp, "cannot tell what the store still needs (run "
		    "dcos-artifactd fsck on it)");
	free(path);
	return r == BLOB_OK ? 0 : -1;
}

/* Adds manifest d, and everything it reaches, to p->keep. */
static int
keep_cluster(const char *root, const struct digest *d, struct prune_plan *p,
    struct cluster_manifest **cp, char **errp)
{
	struct release_manifest	*rel = NULL;
	char			*buf = NULL, dstr[DIGEST_STRSZ];
	size_t			 len;
	int			 rc = -1;

	*cp = NULL;
	digest_format(d, dstr);
	if (refs_add(&p->keep, d, -1, "cluster manifest %s", dstr) == -1) {
		err_set(errp, "out of memory");
		goto out;
	}
	if (read_manifest_blob(root, d, -1, "cluster manifest", &buf, &len,
	    errp) == -1 || cluster_manifest_parse(buf, len, dstr, cp,
	    errp) == -1)
		goto out;
	free(buf);
	buf = NULL;
	if (refs_add(&p->keep, &(*cp)->release_manifest,
	    cluster_blob_size(*cp, &(*cp)->release_manifest), "release.json "
	    "of %s", dstr) == -1 || refs_add(&p->keep,
	    &(*cp)->release_signature, cluster_blob_size(*cp,
	    &(*cp)->release_signature), "release.json.minisig of %s",
	    dstr) == -1) {
		err_set(errp, "out of memory");
		goto out;
	}
	if (read_manifest_blob(root, &(*cp)->release_manifest,
	    cluster_blob_size(*cp, &(*cp)->release_manifest), "release.json",
	    &buf, &len, errp) == -1 || release_manifest_parse(buf, len,
	    "release.json", &rel, errp) == -1)
		goto out;
	if (cluster_release_agree(*cp, rel, errp) == -1) {
		err_wrap(errp, "cluster manifest %s", dstr);
		goto out;
	}
	if (refs_add_cluster(&p->keep, dstr, *cp, rel) == -1) {
		err_set(errp, "out of memory");
		goto out;
	}
	rc = 0;
out:
	release_manifest_free(rel);
	free(buf);
	return rc;
}

static int
add_file(struct prune_plan *p, const char *rel, uint64_t size)
{
	char	**nv;

	if ((nv = reallocarray(p->files, p->nfiles + 1, sizeof(*nv))) == NULL)
		return -1;
	p->files = nv;
	if ((p->files[p->nfiles] = strdup(rel)) == NULL)
		return -1;
	p->nfiles++;
	p->bytes += size;
	return 0;
}

/* Whether release_file base is named by a kept entry of the new index. */
static int
release_file_kept(const json_t *rels, const char *rel)
{
	const json_t	*o;
	const char	*path, *sig;
	size_t		 i;

	json_array_foreach(rels, i, o) {
		path = json_string_value(json_object_get(o, "path"));
		sig = json_string_value(json_object_get(o, "signature"));
		/* With a recipe, a tar in releases/ is a leftover copy. */
		if (json_object_get(o, "recipe") != NULL)
			path = NULL;
		if ((path != NULL && strcmp(path, rel) == 0) ||
		    (sig != NULL && strcmp(sig, rel) == 0))
			return 1;
	}
	return 0;
}

/*
 * The files of releases/ that the new index does not name: only names
 * of the shape the store gives releases (N-V.tar and its .minisig), so
 * an operator's own file there is never touched.
 */
static int
plan_release_files(const char *root, const json_t *rels,
    struct prune_plan *p, char **errp)
{
	DIR		*d;
	struct dirent	*de;
	struct stat	 st;
	char		*dir, *rel = NULL, base[NAME_MAX + 1];
	size_t		 len;
	int		 rc = -1;

	if ((dir = path_join(root, STORE_RELEASE_DIR)) == NULL)
		return err_set(errp, "out of memory");
	if ((d = opendir(dir)) == NULL) {
		free(dir);
		if (errno == ENOENT)
			return 0;
		return err_sys(errp, "%s/%s", root, STORE_RELEASE_DIR);
	}
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		snprintf(base, sizeof(base), "%s", de->d_name);
		if (len > 8 && strcmp(base + len - 8, ".minisig") == 0)
			base[len - 8] = '\0';
		if (!release_file_valid(base))
			continue;
		free(rel);
		if (asprintf(&rel, "%s/%s", STORE_RELEASE_DIR, de->d_name) ==
		    -1) {
			rel = NULL;
			err_set(errp, "out of memory");
			goto out;
		}
		if (release_file_kept(rels, rel) ||
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) ==
		    -1 || (!S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode)))
			continue;
		if (add_file(p, rel, (uint64_t)st.st_size) == -1) {
			err_set(errp, "out of memory");
			goto out;
		}
	}
	rc = 0;
out:
	free(rel);
	closedir(d);
	free(dir);
	return rc;
}

static int
blob_cmp(const void *a, const void *b)
{
	return memcmp(((const struct prune_blob *)a)->d.b,
	    ((const struct prune_blob *)b)->d.b, DIGEST_LEN);
}

/* The blobs of blobs/sha256 that p->keep does not hold, sorted. */
static int
plan_blobs(const char *root, struct prune_plan *p, char **errp)
{
	DIR			*d;
	struct dirent		*de;
	struct stat		 st;
	struct digest		 dg;
	struct prune_blob	*nv;
	char			*dir;
	int			 rc = -1;

	if ((dir = path_join(root, STORE_BLOB_DIR)) == NULL)
		return err_set(errp, "out of memory");
	if ((d = opendir(dir)) == NULL) {
		err_sys(errp, "%s", dir);
		free(dir);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (strlen(de->d_name) != DIGEST_HEXLEN ||
		    digest_parse_hex(de->d_name, &dg) == -1 ||
		    refs_has(&p->keep, &dg) ||
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) ==
		    -1 || S_ISDIR(st.st_mode))
			continue;
		if ((nv = reallocarray(p->blobs, p->nblobs + 1,
		    sizeof(*nv))) == NULL) {
			err_set(errp, "out of memory");
			goto out;
		}
		p->blobs = nv;
		p->blobs[p->nblobs].d = dg;
		p->blobs[p->nblobs++].size = (uint64_t)st.st_size;
		p->bytes += (uint64_t)st.st_size;
	}
	if (p->nblobs > 1)
		qsort(p->blobs, p->nblobs, sizeof(*p->blobs), blob_cmp);
	rc = 0;
out:
	closedir(d);
	free(dir);
	return rc;
}

/* The recipe blobs of the releases the new index keeps. */
static int
keep_recipes(const json_t *rels, struct prune_plan *p, char **errp)
{
	const json_t	*o;
	const char	*s;
	struct digest	 d;
	size_t		 i;

	json_array_foreach(rels, i, o) {
		if ((s = json_string_value(json_object_get(o, "recipe"))) ==
		    NULL || digest_parse(s, &d) == -1)
			continue;
		if (refs_add(&p->keep, &d, BLOB_ANY_SIZE, "recipe of %s-%s",
		    json_string_value(json_object_get(o, "name")),
		    json_string_value(json_object_get(o, "version"))) == -1)
			return err_set(errp, "out of memory");
	}
	refs_unique(&p->keep);
	return 0;
}

/*
 * The new index: the kept manifests, and the releases they name (all
 * listed releases when every manifest is kept).  NULL in *outp when
 * nothing changes.
 */
static int
plan_index(const struct store_index *x, size_t keep,
    struct cluster_manifest **kept, struct prune_plan *p, json_t **relsp,
    char **errp)
{
	json_t		*idx, *list, *rels, *o;
	const char	*name, *version;
	size_t		 i, j;

	*relsp = json_object_get(x->json, "releases");
	if (keep == x->nmanifests)
		return 0;
	if ((idx = json_deep_copy(x->json)) == NULL ||
	    (list = json_array()) == NULL || (rels = json_array()) == NULL)
		goto oom;
	for (i = 0; i < keep; i++) {
		char	 dstr[DIGEST_STRSZ];

		digest_format(&x->manifests[i], dstr);
		if (json_array_append_new(list, json_string(dstr)) == -1)
			goto oom;
	}
	json_array_foreach(json_object_get(x->json, "releases"), i, o) {
		name = json_string_value(json_object_get(o, "name"));
		version = json_string_value(json_object_get(o, "version"));
		for (j = 0; j < keep; j++)
			if (strcmp(kept[j]->release_name, name) == 0 &&
			    strcmp(kept[j]->release_version, version) == 0)
				break;
		if (j == keep) {
			p->releases_dropped++;
			continue;
		}
		if (json_array_append(rels, o) == -1)
			goto oom;
	}
	if (json_object_set_new(idx, "cluster_manifests", list) == -1 ||
	    json_object_set_new(idx, "releases", rels) == -1)
		goto oom;
	p->manifests_dropped = x->nmanifests - keep;
	p->index = idx;
	*relsp = rels;
	return 0;
oom:
	return err_set(errp, "out of memory");
}

int
store_prune_plan(const char *root, size_t keep, struct prune_plan *p,
    char **errp)
{
	struct store_index	 *x = NULL;
	struct cluster_manifest	**kept = NULL;
	json_t			 *rels;
	char			 *idx;
	size_t			  i;
	int			  rc = -1;

	memset(p, 0, sizeof(*p));
	if ((idx = path_join(root, STORE_INDEX)) == NULL)
		return err_set(errp, "out of memory");
	if (store_index_load(idx, &x, errp) == -1)
		goto out;
	if (keep == 0 || keep > x->nmanifests)
		keep = x->nmanifests;
	if ((kept = calloc(keep, sizeof(*kept))) == NULL) {
		err_set(errp, "out of memory");
		goto out;
	}
	for (i = 0; i < keep; i++)
		if (keep_cluster(root, &x->manifests[i], p, &kept[i], errp) == -1)
			goto out;
	refs_unique(&p->keep);
	if (plan_index(x, keep, kept, p, &rels, errp) == -1 ||
	    keep_recipes(rels, p, errp) == -1 ||
	    plan_release_files(root, rels, p, errp) == -1 ||
	    plan_blobs(root, p, errp) == -1)
		goto out;
	rc = 0;
out:
	for (i = 0; kept != NULL && i < keep; i++)
		cluster_manifest_free(kept[i]);
	free(kept);
	store_index_free(x);
	free(idx);
	if (rc == -1)
		store_prune_free(p);
	return rc;
}

/* Unlinks rel below root; a file already gone is fine. */
static int
remove_rel(const char *root, const char *rel, char **errp)
{
	char	*path;
	int	 rc = 0;

	if ((path = path_join(root, rel)) == NULL)
		return err_set(errp, "out of memory");
	if (unlink(path) == -1 && errno != ENOENT)
		rc = err_sys(errp, "cannot remove %s", path);
	free(path);
	return rc;
}

int
store_prune_apply(const char *root, const struct prune_plan *p, char **errp)
{
	char	 rel[STORE_BLOB_RELSZ], *path;
	size_t	 i;

	if (p->index != NULL) {
		if ((path = path_join(root, STORE_INDEX)) == NULL)
			return err_set(errp, "out of memory");
		i = jsonio_write(path, p->index, 0644, errp) == -1;
		free(path);
		if (i)
			return -1;
	}
	for (i = 0; i < p->nfiles; i++)
		if (remove_rel(root, p->files[i], errp) == -1)
			return -1;
	for (i = 0; i < p->nblobs; i++) {
		store_blob_relpath(&p->blobs[i].d, rel);
		if (remove_rel(root, rel, errp) == -1)
			return -1;
	}
	if ((path = path_join(root, STORE_BLOB_DIR)) == NULL)
		return err_set(errp, "out of memory");
	i = p->nblobs > 0 && fsync_dir(path, errp) == -1;
	free(path);
	return i ? -1 : 0;
}

void
store_prune_free(struct prune_plan *p)
{
	size_t	 i;

	refs_clear(&p->keep);
	free(p->blobs);
	for (i = 0; i < p->nfiles; i++)
		free(p->files[i]);
	free(p->files);
	json_decref(p->index);
	memset(p, 0, sizeof(*p));
}
