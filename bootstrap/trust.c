/*
 * The trust chain on the host (DESIGN 5, docs/formats.md): the install
 * script pins cluster.json; cluster.json pins release.json, its signature
 * and the trusted keys; the signature (by a trusted key, with a trusted
 * comment naming release.json's digest and seq) vouches for release.json;
 * release.json pins every package blob.  Nothing here writes anything.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomicio.h"
#include "bootstrap.h"
#include "digest.h"
#include "error.h"
#include "jsonio.h"
#include "minisign.h"
#include "store.h"

static int
name_ok(const char *s, size_t n)
{
	static const char *extra = "@._+-";
	size_t	 i;

	if (n == 0 || s[0] == '.' || s[0] == '-')
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr(extra, c) != NULL))
			return 0;
	}
	return 1;
}

static int
version_ok(const char *s)
{
	static const char *extra = "@_+:.";

	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++) {
		char c = *s;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr(extra, c) != NULL))
			return 0;
	}
	return 1;
}

int
pkgid_valid(const char *id)
{
	const char	*sep = strstr(id, "--");

	if (sep == NULL || strstr(sep + 2, "--") != NULL)
		return 0;
	return name_ok(id, (size_t)(sep - id)) && version_ok(sep + 2);
}

static int
get_digest(const json_t *o, const char *key, struct digest *d, char **errp)
{
	const char	*s;

	if ((s = jsonio_str(o, key, errp)) == NULL)
		return -1;
	if (digest_parse(s, d) == -1)
		return err_set(errp, "\"%s\" is not a sha256:<64 hex> digest",
		    key);
	return 0;
}

static int
get_size(const json_t *o, const char *key, uint64_t *sz, char **errp)
{
	json_int_t	 v;

	if (jsonio_int(o, key, &v, errp) == -1)
		return -1;
	if (v < 0)
		return err_set(errp, "\"%s\" is negative", key);
	*sz = (uint64_t)v;
	return 0;
}

void
cluster_free(struct cluster *c)
{
	size_t	 i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nblobs; i++) {
		free(c->blobs[i].kind);
		free(c->blobs[i].id);
	}
	for (i = 0; i < c->npkgs; i++) {
		free(c->pkgs[i].id);
		free(c->pkgs[i].name);
	}
	free(c->blobs);
	free(c->pkgs);
	free(c->keys);
	json_decref(c->json);
	json_decref(c->release);
	free(c);
}

static int
pkgcmp(const void *a, const void *b)
{
	return strcmp(((const struct pkgref *)a)->id,
	    ((const struct pkgref *)b)->id);
}

static int
add_pkg(struct cluster *c, const char *id, const struct digest *d,
    uint64_t size, char **errp)
{
	struct pkgref	*p;
	const char	*sep;

	if (!pkgid_valid(id))
		return err_set(errp, "\"%s\" is not a valid package id "
		    "(name--version)", id);
	p = &c->pkgs[c->npkgs];
	memset(p, 0, sizeof(*p));
	sep = strstr(id, "--");
	if ((p->id = strdup(id)) == NULL ||
	    (p->name = strndup(id, (size_t)(sep - id))) == NULL) {
		free(p->id);
		return err_set(errp, "out of memory");
	}
	p->digest = *d;
	p->size = size;
	c->npkgs++;
	return 0;
}

static int
parse_cluster(struct cluster *c, char **errp)
{
	json_t		*rel, *keys, *blobs, *cfg, *v;
	json_int_t	 fmt;
	size_t		 i;

	if (!json_is_object(c->json))
		return err_set(errp, "not a JSON object");
	if (jsonio_int(c->json, "format", &fmt, errp) == -1)
		return -1;
	if (fmt != 1)
		return err_set(errp, "format %lld is not supported (this "
		    "dcos-bootstrap reads format 1)", (long long)fmt);
	if ((c->cluster_name = jsonio_str(c->json, "cluster_name", errp)) ==
	    NULL || (c->config_id = jsonio_str(c->json, "config_id", errp)) ==
	    NULL || (rel = jsonio_obj(c->json, "release", errp)) == NULL ||
	    (keys = jsonio_arr(c->json, "trusted_keys", errp)) == NULL ||
	    (blobs = jsonio_arr(c->json, "blobs", errp)) == NULL ||
	    (cfg = jsonio_obj(c->json, "config_package", errp)) == NULL)
		return -1;
	if ((c->release_name = jsonio_str(rel, "name", errp)) == NULL ||
	    (c->release_version = jsonio_str(rel, "version", errp)) == NULL ||
	    jsonio_int(rel, "seq", &c->seq, errp) == -1 ||
	    get_digest(rel, "manifest", &c->release_manifest, errp) == -1 ||
	    get_digest(rel, "signature", &c->release_signature, errp) == -1)
		return err_wrap(errp, "release");
	if (c->seq < 1)
		return err_set(errp, "release: seq must be a positive integer");
	if (json_array_size(keys) == 0)
		return err_set(errp, "trusted_keys is empty: nothing could "
		    "vouch for the release");
	if ((c->keys = calloc(json_array_size(keys), sizeof(*c->keys))) ==
	    NULL)
		return err_set(errp, "out of memory");
	json_array_foreach(keys, i, v) {
		if (!json_is_string(v) || minisign_pubkey_parse(
		    json_string_value(v), &c->keys[i], errp) == -1)
			return err_wrap(errp, "trusted_keys[%zu]", i);
		c->nkeys++;
	}
	if ((c->blobs = calloc(json_array_size(blobs) + 1,
	    sizeof(*c->blobs))) == NULL ||
	    (c->pkgs = calloc(json_array_size(blobs) + 1,
	    sizeof(*c->pkgs))) == NULL)
		return err_set(errp, "out of memory");
	json_array_foreach(blobs, i, v) {
		struct blobref	*b = &c->blobs[i];
		const char	*kind, *id = NULL;

		if ((kind = jsonio_str(v, "kind", errp)) == NULL ||
		    get_digest(v, "digest", &b->digest, errp) == -1 ||
		    get_size(v, "size", &b->size, errp) == -1)
			return err_wrap(errp, "blobs[%zu]", i);
		if (strcmp(kind, "package") == 0 ||
		    strcmp(kind, "config") == 0) {
			if ((id = jsonio_str(v, "id", errp)) == NULL ||
			    add_pkg(c, id, &b->digest, b->size, errp) == -1)
				return err_wrap(errp, "blobs[%zu]", i);
		} else if (strcmp(kind, "release") != 0 &&
		    strcmp(kind, "signature") != 0)
			return err_set(errp, "blobs[%zu]: unknown kind \"%s\"",
			    i, kind);
		if ((b->kind = strdup(kind)) == NULL ||
		    (id != NULL && (b->id = strdup(id)) == NULL))
			return err_set(errp, "out of memory");
		c->nblobs++;
	}
	qsort(c->pkgs, c->npkgs, sizeof(*c->pkgs), pkgcmp);
	for (i = 1; i < c->npkgs; i++)
		if (strcmp(c->pkgs[i - 1].id, c->pkgs[i].id) == 0)
			return err_set(errp, "blobs: package %s is listed twice",
			    c->pkgs[i].id);
	/* The config package must be one of the blobs, as pinned. */
	{
		const char		*id;
		struct digest		 d;
		uint64_t		 sz = 0;
		const struct pkgref	*p;

		if ((id = jsonio_str(cfg, "id", errp)) == NULL ||
		    get_digest(cfg, "digest", &d, errp) == -1 ||
		    get_size(cfg, "size", &sz, errp) == -1)
			return err_wrap(errp, "config_package");
		if ((p = cluster_pkg(c, id)) == NULL ||
		    !digest_equal(&p->digest, &d) || p->size != sz)
			return err_set(errp, "config_package %s is not among "
			    "the blobs with the same digest and size", id);
	}
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
	if ((c->json = jsonio_parse(buf, len, path, errp)) == NULL)
		goto out;
	if (parse_cluster(c, errp) == -1) {
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
	struct stat	 st;
	struct digest	 got;
	uint64_t	 n;
	char		 w[DIGEST_STRSZ], g[DIGEST_STRSZ];
	int		 fd, rc = -1;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			return 0;
		return err_sys(errp, "%s", path);
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		err_set(errp, "%s: not a regular file", path);
		goto out;
	}
	if ((uint64_t)st.st_size != size) {
		err_set(errp, "%s: %lld bytes where the manifest says %llu "
		    "(truncated or wrong blob; delete it and download it "
		    "again)", path, (long long)st.st_size,
		    (unsigned long long)size);
		goto out;
	}
	if (digest_fd(fd, &got, &n, errp) == -1)
		goto out;
	if (n != size || !digest_equal(&got, want)) {
		digest_format(want, w);
		digest_format(&got, g);
		err_set(errp, "%s: digest %s where the manifest pins %s "
		    "(corrupt or tampered blob; delete it and download it "
		    "again)", path, g, w);
		goto out;
	}
	rc = 1;
out:
	close(fd);
	return rc;
}

/* Loads a blob that must be present and intact. */
static int
need_blob(const char *cache, const struct digest *d, uint64_t size,
    const char *what, char **pathp, char **errp)
{
	char	*path, dstr[DIGEST_STRSZ];
	int	 r;

	if ((path = cache_blob_path(cache, d)) == NULL)
		return err_set(errp, "out of memory");
	if ((r = blob_check(path, d, size, errp)) != 1) {
		if (r == 0) {
			digest_format(d, dstr);
			err_set(errp, "%s (%s) is not in the cache %s: "
			    "download it first (dcos-bootstrap missing lists "
			    "what is needed)", what, dstr, cache);
		}
		free(path);
		return -1;
	}
	*pathp = path;
	return 0;
}

static const struct blobref *
find_blob(const struct cluster *c, const struct digest *d, const char *kind)
{
	size_t	 i;

	for (i = 0; i < c->nblobs; i++)
		if (strcmp(c->blobs[i].kind, kind) == 0 &&
		    digest_equal(&c->blobs[i].digest, d))
			return &c->blobs[i];
	return NULL;
}

/* release.json.minisig by one of the trusted keys, comment consistent. */
static int
check_signature(const struct cluster *c, const char *relpath,
    const char *sigpath, char **errp)
{
	struct minisign_sig	*sig = NULL;
	struct digest		 want;
	char			*field = NULL, *e = NULL, *end;
	char			 id[MINISIGN_KEYID_STRSZ];
	size_t			 i;
	int			 rc = -1;
	long long		 seq;

	if (minisign_sig_load(sigpath, &sig, errp) == -1) {
		err_wrap(errp, "release signature");
		goto out;
	}
	for (i = 0; i < c->nkeys; i++) {
		if (memcmp(c->keys[i].keynum, sig->keynum,
		    MINISIGN_KEYNUM_LEN) != 0)
			continue;
		if (minisign_verify_file(&c->keys[i], sig, relpath, &e) == 0)
			break;
		err_set(errp, "release.json: bad signature: %s (the release "
		    "was altered after signing; get a genuine release)", e);
		free(e);
		goto out;
	}
	if (i == c->nkeys) {
		minisign_keyid(sig->keynum, id);
		err_set(errp, "release.json is signed with key %s, which is "
		    "not among the cluster manifest's trusted_keys", id);
		goto out;
	}
	if ((field = minisign_tc_field(sig->trusted_comment, "sha256")) ==
	    NULL || digest_parse_hex(field, &want) == -1 ||
	    !digest_equal(&want, &c->release_manifest)) {
		err_set(errp, "release signature: trusted comment does not "
		    "name the sha256 of this release.json");
		goto out;
	}
	free(field);
	if ((field = minisign_tc_field(sig->trusted_comment, "seq")) == NULL) {
		err_set(errp, "release signature: trusted comment has no seq");
		goto out;
	}
	errno = 0;
	seq = strtoll(field, &end, 10);
	if (errno != 0 || *end != '\0' || end == field || seq != c->seq) {
		err_set(errp, "release signature: trusted comment seq %s does "
		    "not match the cluster manifest's seq %lld", field,
		    (long long)c->seq);
		goto out;
	}
	rc = 0;
out:
	free(field);
	minisign_sig_free(sig);
	return rc;
}

/* Signed release.json must agree with cluster.json's package blobs. */
static int
check_release(struct cluster *c, char **errp)
{
	json_t			*pkgs, *v;
	json_int_t		 fmt, seq;
	const char		*name, *version, *id;
	size_t			 i, nrel = 0;
	struct digest		 d, m;
	uint64_t		 sz = 0;
	struct pkgref		*p;

	if (jsonio_int(c->release, "format", &fmt, errp) == -1)
		return -1;
	if (fmt != 1)
		return err_set(errp, "format %lld is not supported",
		    (long long)fmt);
	if ((name = jsonio_str(c->release, "name", errp)) == NULL ||
	    (version = jsonio_str(c->release, "version", errp)) == NULL ||
	    jsonio_int(c->release, "seq", &seq, errp) == -1 ||
	    (pkgs = jsonio_arr(c->release, "packages", errp)) == NULL)
		return -1;
	if (seq != c->seq || strcmp(name, c->release_name) != 0 ||
	    strcmp(version, c->release_version) != 0)
		return err_set(errp, "it is %s %s seq %lld, the cluster "
		    "manifest says %s %s seq %lld", name, version,
		    (long long)seq, c->release_name, c->release_version,
		    (long long)c->seq);
	json_array_foreach(pkgs, i, v) {
		if ((id = jsonio_str(v, "id", errp)) == NULL ||
		    get_digest(v, "digest", &d, errp) == -1 ||
		    get_digest(v, "manifest", &m, errp) == -1 ||
		    get_size(v, "size", &sz, errp) == -1)
			return err_wrap(errp, "packages[%zu]", i);
		if ((p = (struct pkgref *)cluster_pkg(c, id)) == NULL)
			return err_set(errp, "package %s is in the signed "
			    "release but not among the cluster manifest's "
			    "blobs", id);
		if (!digest_equal(&p->digest, &d) || p->size != sz)
			return err_set(errp, "package %s: the cluster manifest "
			    "pins another blob than the signed release", id);
		p->has_manifest = 1;
		p->manifest = m;
		(void)get_size(v, "installed_bytes", &p->installed_bytes,
		    NULL);
		nrel++;
	}
	/* Everything else must be the one config package. */
	for (i = 0; i < c->npkgs; i++) {
		p = &c->pkgs[i];
		if (p->has_manifest)
			continue;
		const struct blobref *b = find_blob(c, &p->digest, "config");
		if (b == NULL || b->id == NULL || strcmp(b->id, p->id) != 0)
			return err_set(errp, "package %s is among the cluster "
			    "manifest's blobs but not in the signed release",
			    p->id);
	}
	return 0;
}

int
cluster_verify(struct cluster *c, const char *cache, char **errp)
{
	const struct blobref	*rb, *sb;
	char			*relpath = NULL, *sigpath = NULL, *path = NULL;
	char			 what[512];
	size_t			 i;
	int			 rc = -1;

	if ((rb = find_blob(c, &c->release_manifest, "release")) == NULL ||
	    (sb = find_blob(c, &c->release_signature, "signature")) == NULL) {
		err_set(errp, "the cluster manifest does not list release.json "
		    "and its signature among its blobs");
		goto out;
	}
	if (need_blob(cache, &c->release_manifest, rb->size, "release.json",
	    &relpath, errp) == -1 ||
	    need_blob(cache, &c->release_signature, sb->size,
	    "the release signature", &sigpath, errp) == -1)
		goto out;
	if (check_signature(c, relpath, sigpath, errp) == -1)
		goto out;
	json_decref(c->release);
	if ((c->release = jsonio_load(relpath, JSON_MAX, errp)) == NULL ||
	    check_release(c, errp) == -1) {
		err_wrap(errp, "signed release.json");
		goto out;
	}
	for (i = 0; i < c->npkgs; i++) {
		snprintf(what, sizeof(what), "package %s", c->pkgs[i].id);
		if (need_blob(cache, &c->pkgs[i].digest, c->pkgs[i].size,
		    what, &path, errp) == -1)
			goto out;
		free(path);
		path = NULL;
	}
	rc = 0;
out:
	free(relpath);
	free(sigpath);
	free(path);
	return rc;
}
