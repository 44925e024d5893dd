/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The trust chain on the host (DESIGN 5, docs/formats.md): the install
 * script pins cluster.json; cluster.json pins release.json, its signature
 * and the trusted keys; the signature (by a trusted key, with a trusted
 * comment naming release.json's digest and seq) vouches for release.json;
 * release.json pins every package blob.  Nothing here writes anything.
 */
#include <config.h>

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomicio.h"
#include "blob.h"
#include "bootstrap.h"
#include "digest.h"
#include "error.h"
#include "jsonio.h"
#include "minisign.h"
#include "store.h"

void
cluster_free(struct cluster *c)
{
	size_t	 i;

	if (c == NULL)
		return;
	for (i = 0; i < c->npkgs; i++) {
		free(c->pkgs[i].id);
		free(c->pkgs[i].name);
	}
	free(c->pkgs);
	cluster_secrets_free(c);
	cluster_manifest_free(c->cm);
	release_manifest_free(c->rm);
	free(c);
}

static int
pkgcmp(const void *a, const void *b)
{
	return strcmp(((const struct pkgref *)a)->id,
	    ((const struct pkgref *)b)->id);
}

/*
 * The package and config blobs, sorted by id, each id once.  lib/manifest
 * has checked that the one config blob is config_package.
 */
static int
collect_pkgs(struct cluster *c, char **errp)
{
	const struct cluster_manifest	*cm = c->cm;
	struct pkgref			*p;
	size_t				 i;

	if ((c->pkgs = calloc(cm->nblobs + 1, sizeof(*c->pkgs))) == NULL)
		return err_set(errp, "out of memory");
	for (i = 0; i < cm->nblobs; i++) {
		const struct blob_ref *b = &cm->blobs[i];
		const char *sep;

		if (b->kind != BLOB_PACKAGE && b->kind != BLOB_CONFIG)
			continue;
		p = &c->pkgs[c->npkgs];
		sep = strstr(b->id, "--");
		if ((p->id = strdup(b->id)) == NULL || (p->name =
		    strndup(b->id, (size_t)(sep - b->id))) == NULL)
			return err_set(errp, "out of memory");
		p->digest = b->blob.digest;
		p->size = b->blob.size;
		p->config = b->kind == BLOB_CONFIG;
		c->npkgs++;
	}
	qsort(c->pkgs, c->npkgs, sizeof(*c->pkgs), pkgcmp);
	for (i = 1; i < c->npkgs; i++)
		if (strcmp(c->pkgs[i - 1].id, c->pkgs[i].id) == 0)
			return err_set(errp, "blobs: package %s is listed twice",
			    c->pkgs[i].id);
	return 0;
}

int
cluster_load(const char *path, struct cluster **cp, char **errp)
{
	struct cluster	*c;
	char		*buf = NULL;
	size_t		 len;
	int		 rc = -1;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return err_set(errp, "out of memory");
	if (read_file(path, JSON_MAX, &buf, &len, errp) == -1)
		goto out;
	digest_buf(buf, len, &c->digest);
	if (cluster_manifest_parse(buf, len, path, &c->cm, errp) == -1) {
		err_wrap(errp, "not a valid cluster manifest");
		goto out;
	}
	/* A Linux host: Windows blobs are dcos_install.ps1's. */
	cluster_manifest_keep_platform(c->cm, PLATFORM_LINUX);
	c->cluster_name = c->cm->cluster_name;
	c->config_id = c->cm->config_id;
	c->release_name = c->cm->release_name;
	c->release_version = c->cm->release_version;
	c->seq = c->cm->release_seq;
	if (collect_pkgs(c, errp) == -1) {
		err_wrap(errp, "%s: not a valid cluster manifest", path);
		goto out;
	}
	*cp = c;
	c = NULL;	/* transferred */
	rc = 0;
out:
	free(buf);
	cluster_free(c);
	return rc;
}

const struct pkgref *
cluster_pkg(const struct cluster *c, const char *id)
{
	struct pkgref	 key;

	key.id = (char *)id;
	return bsearch(&key, c->pkgs, c->npkgs, sizeof(*c->pkgs), pkgcmp);
}

char *
cache_blob_path(const char *cache, const struct digest *d)
{
	return store_blob_path(cache, d);
}

int
blob_check(const char *path, const struct digest *want, uint64_t size,
    char **errp)
{
	int	 r;

	r = blob_open(path, want, (int64_t)size, 0, NULL, NULL, errp);
	return r == BLOB_WRONG ? -1 : r;
}

/*
 * Reads a small blob that must be present and intact: the bytes whose
 * digest was checked are the ones the caller gets.
 */
static int
need_blob(const char *cache, const struct digest *d, uint64_t size,
    size_t max, const char *what, char **bufp, size_t *lenp, char **errp)
{
	char	*path, dstr[DIGEST_STRSZ];
	int	 r;

	if ((path = cache_blob_path(cache, d)) == NULL)
		return err_set(errp, "out of memory");
	if ((r = blob_read(path, d, (int64_t)size, max, 0, bufp, lenp,
	    errp)) == BLOB_MISSING) {
		digest_format(d, dstr);
		err_set(errp, "%s (%s) is not in the cache %s: download it "
		    "first (dcos-bootstrap missing lists what is needed)",
		    what, dstr, cache);
	}
	free(path);
	return r == BLOB_OK ? 0 : -1;
}

/* A blob that must be present with its pinned size (digest later). */
static int
need_size(const char *cache, const struct digest *d, uint64_t size,
    const char *what, char **errp)
{
	struct stat	 st;
	char		*path, dstr[DIGEST_STRSZ];
	int		 rc = -1;

	if ((path = cache_blob_path(cache, d)) == NULL)
		return err_set(errp, "out of memory");
	digest_format(d, dstr);
	if (stat(path, &st) == -1) {
		if (errno == ENOENT)
			err_set(errp, "%s (%s) is not in the cache %s: "
			    "download it first (dcos-bootstrap missing lists "
			    "what is needed)", what, dstr, cache);
		else
			err_sys(errp, "%s", path);
	} else if (!S_ISREG(st.st_mode))
		err_set(errp, "%s: not a regular file", path);
	else if ((uint64_t)st.st_size != size)
		err_set(errp, "%s: %lld bytes where the manifest says %llu "
		    "(truncated or wrong blob; delete it and download it "
		    "again)", path, (long long)st.st_size,
		    (unsigned long long)size);
	else
		rc = 0;
	free(path);
	return rc;
}

static const struct blob_ref *
find_blob(const struct cluster *c, const struct digest *d, enum blob_kind k)
{
	size_t	 i;

	for (i = 0; i < c->cm->nblobs; i++)
		if (c->cm->blobs[i].kind == k &&
		    digest_equal(&c->cm->blobs[i].blob.digest, d))
			return &c->cm->blobs[i];
	return NULL;
}

/* release.json.minisig by one of the trusted keys, comment consistent. */
static int
check_signature(const struct cluster *c, const char *rel, size_t rellen,
    const char *sigtext, size_t siglen, char **errp)
{
	struct minisign_sig	*sig = NULL;
	char			*e = NULL;
	char			 id[MINISIGN_KEYID_STRSZ];
	size_t			 i;
	int			 rc = -1;

	if (minisign_sig_parse(sigtext, siglen, &sig, errp) == -1) {
		err_wrap(errp, "release signature");
		goto out;
	}
	for (i = 0; i < c->cm->nkeys; i++) {
		if (memcmp(c->cm->keys[i].keynum, sig->keynum,
		    MINISIGN_KEYNUM_LEN) != 0)
			continue;
		if (minisign_verify_buf(&c->cm->keys[i], sig, rel, rellen,
		    &e) == 0)
			break;
		err_set(errp, "release.json: bad signature: %s (the release "
		    "was altered after signing; get a genuine release)", e);
		free(e);
		goto out;
	}
	if (i == c->cm->nkeys) {
		minisign_keyid(sig->keynum, id);
		err_set(errp, "release.json is signed with key %s, which is "
		    "not among the cluster manifest's trusted_keys", id);
		goto out;
	}
	/* seq: the cluster manifest's, which pins this release.json. */
	if (minisign_tc_check(sig, NULL, &c->cm->release_manifest, &c->seq, 0,
	    errp) == -1) {
		err_wrap(errp, "release signature");
		goto out;
	}
	rc = 0;
out:
	minisign_sig_free(sig);
	return rc;
}

/*
 * Signed release.json must agree with cluster.json's package blobs, of
 * this host's platform: Linux (both views keep only those, so a package
 * the two give different platforms is in one and not the other).
 */
static int
check_release(struct cluster *c, char **errp)
{
	const struct release_manifest	*rm = c->rm;
	struct pkgref			*p;
	size_t				 i;

	release_manifest_keep_platform(c->rm, PLATFORM_LINUX);
	if (rm->seq != c->seq || strcmp(rm->name, c->release_name) != 0 ||
	    strcmp(rm->version, c->release_version) != 0)
		return err_set(errp, "it is %s %s seq %lld, the cluster "
		    "manifest says %s %s seq %lld", rm->name, rm->version,
		    (long long)rm->seq, c->release_name, c->release_version,
		    (long long)c->seq);
	for (i = 0; i < rm->npackages; i++) {
		const struct release_pkg *r = &rm->packages[i];

		if ((p = (struct pkgref *)cluster_pkg(c, r->id)) == NULL)
			return err_set(errp, "package %s is in the signed "
			    "release but not among the cluster manifest's "
			    "blobs", r->id);
		if (!digest_equal(&p->digest, &r->blob.digest) ||
		    p->size != r->blob.size)
			return err_set(errp, "package %s: the cluster manifest "
			    "pins another blob than the signed release", r->id);
		p->has_manifest = 1;
		p->manifest = r->manifest;
		p->installed_bytes = r->installed_bytes;
	}
	/*
	 * Everything else must be the one config package (lib/manifest
	 * allows one config blob: config_package, named after config_id):
	 * nothing the vendor did not sign gets installed but the site's
	 * config.
	 */
	for (i = 0; i < c->npkgs; i++) {
		p = &c->pkgs[i];
		if (!p->has_manifest && !p->config)
			return err_set(errp, "package %s is among the cluster "
			    "manifest's blobs but not in the signed release "
			    "(only the vendor's packages and the one config "
			    "package are installed)", p->id);
	}
	return 0;
}

int
cluster_verify_release(struct cluster *c, const char *cache, char **errp)
{
	const struct blob_ref	*rb, *sb;
	char			*rel = NULL, *sig = NULL;
	size_t			 rellen = 0, siglen = 0;
	int			 rc = -1;

	if ((rb = find_blob(c, &c->cm->release_manifest, BLOB_RELEASE)) ==
	    NULL || (sb = find_blob(c, &c->cm->release_signature,
	    BLOB_SIGNATURE)) == NULL) {
		err_set(errp, "the cluster manifest does not list release.json "
		    "and its signature among its blobs");
		goto out;
	}
	/*
	 * One read each: the bytes whose digest and signature are checked
	 * are the bytes parsed, even if the cache file changes meanwhile.
	 */
	if (need_blob(cache, &c->cm->release_manifest, rb->blob.size,
	    MANIFEST_MAX_BYTES, "release.json", &rel, &rellen, errp) == -1 ||
	    need_blob(cache, &c->cm->release_signature, sb->blob.size,
	    MINISIGN_FILE_MAX, "the release signature", &sig, &siglen,
	    errp) == -1)
		goto out;
	if (check_signature(c, rel, rellen, sig, siglen, errp) == -1)
		goto out;
	release_manifest_free(c->rm);
	c->rm = NULL;
	if (release_manifest_parse(rel, rellen, "release.json", &c->rm,
	    errp) == -1 || check_release(c, errp) == -1) {
		err_wrap(errp, "signed release.json");
		goto out;
	}
	rc = 0;
out:
	free(rel);
	free(sig);
	return rc;
}

int
pkg_installed(const char *pkgdir, const struct pkgref *p, char **whyp,
    char **errp)
{
	struct stat	 st;
	struct digest	 d;
	uint64_t	 n;
	char		*dir = NULL, *path = NULL;
	int		 fd = -1, rc = -1;

	*whyp = NULL;
	if (asprintf(&dir, "%s/%s", pkgdir, p->id) == -1) {
		dir = NULL;
		return err_set(errp, "out of memory");
	}
	if (lstat(dir, &st) == -1) {
		if (errno == ENOENT || errno == ENOTDIR)
			rc = PKG_ABSENT;
		else
			err_sys(errp, "%s", dir);
		goto out;
	}
	/* Generations link into packages/<id>: it must be the real tree. */
	rc = PKG_DIFFERENT;
	if (!S_ISDIR(st.st_mode)) {
		if (asprintf(whyp, "%s is not a directory", dir) == -1)
			*whyp = NULL;
		goto out;
	}
	if ((path = path_join(dir, PKG_MANIFEST_NAME)) == NULL) {
		rc = err_set(errp, "out of memory");
		goto out;
	}
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC)) == -1) {
		if (errno != ENOENT && errno != ELOOP) {
			rc = err_sys(errp, "%s", path);
			goto out;
		}
		if (asprintf(whyp, "%s is missing or a symbolic link",
		    path) == -1)
			*whyp = NULL;
		goto out;
	}
	if (fstat(fd, &st) == -1) {
		rc = err_sys(errp, "%s", path);
		goto out;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > MANIFEST_MAX_BYTES) {
		if (asprintf(whyp, "%s is not a regular file of at most %d "
		    "bytes", path, MANIFEST_MAX_BYTES) == -1)
			*whyp = NULL;
		goto out;
	}
	if (digest_fd(fd, &d, &n, errp) == -1) {
		rc = -1;
		goto out;
	}
	if (!digest_equal(&d, &p->manifest)) {
		if (asprintf(whyp, "%s is not the manifest %s for %s", path,
		    p->config ? "the pinned config package holds" :
		    "the signed release lists", p->id) == -1)
			*whyp = NULL;
		goto out;
	}
	rc = PKG_INSTALLED;
out:
	if (fd != -1)
		close(fd);
	free(path);
	free(dir);
	return rc;
}

int
cluster_verify(struct cluster *c, const char *cache, const char *pkgdir,
    char **errp)
{
	char		 what[512], dstr[DIGEST_STRSZ], *why = NULL;
	char		*path = NULL;
	size_t		 i;
	int		 r;

	if (cluster_verify_release(c, cache, errp) == -1)
		return -1;
	for (i = 0; i < c->npkgs; i++) {
		struct pkgref *p = &c->pkgs[i];

		/*
		 * The release does not sign the config package's manifest;
		 * its pinned blob (small) does, so an installed copy is
		 * checked against that.
		 */
		if (p->config && !p->has_manifest) {
			if ((path = cache_blob_path(cache, &p->digest)) == NULL)
				return err_set(errp, "out of memory");
			r = blob_manifest(path, &p->digest, p->size, p->id,
			    &p->manifest, errp);
			free(path);
			path = NULL;
			if (r == BLOB_MISSING) {
				digest_format(&p->digest, dstr);
				err_set(errp, "the config package %s (%s) is "
				    "not in the cache %s: download it first "
				    "(dcos-bootstrap missing lists what is "
				    "needed)", p->id, dstr, cache);
			}
			if (r != BLOB_OK)
				return -1;
			p->has_manifest = 1;
		}
		/*
		 * Extracted with the manifest the signed release lists: the
		 * blob is not needed (verify audits the files themselves).
		 */
		if (pkgdir != NULL && p->has_manifest) {
			if ((r = pkg_installed(pkgdir, p, &why, errp)) == -1)
				return -1;
			free(why);
			why = NULL;
			if (r == PKG_INSTALLED)
				continue;
		}
		snprintf(what, sizeof(what), "package %s", p->id);
		if (need_size(cache, &p->digest, p->size, what, errp) == -1)
			return -1;
	}
	return 0;
}
