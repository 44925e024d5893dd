/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The host side of the secrets bundles (docs/formats.md "Secrets
 * bundle"): the site key comes out of band to <root>/etc/mesosphere/
 * site.key; the bundles of the host's roles, pinned by the cluster
 * manifest, are checked and opened in memory before anything is built,
 * and their files written into the new generation (0600, root's) with a
 * root-only record of their digests, modes and owners that verify
 * audits.  Activation gives each file to its owner once the accounts
 * exist; repair puts a drifted one back from its bundle.
 */
#include <config.h>

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include <openssl/crypto.h>

#include "atomicio.h"
#include "digest.h"
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

/* A secret file written: where, and the role whose bundle gave it. */
struct written {
	const char		*dest;		/* its record's "path" */
	const char		*role;
	const struct secret_file *f;
};

/*
 * Why two files of the bundles (w, and f of role) cannot both be dest:
 * one line (*errp) naming dest, both bundles and what differs.  -1.
 */
static int
secret_clash(const struct written *w, const char *role,
    const struct secret_file *f, const char *dest, char **errp)
{
	const char	*o1 = secrets_owner(w->f->owner);
	const char	*o2 = secrets_owner(f->owner);
	char		 what[160] = "";
	size_t		 n;

	/* What differs, never the contents themselves: they are secret. */
	if (w->f->len != f->len ||
	    CRYPTO_memcmp(w->f->content, f->content, f->len) != 0)
		snprintf(what, sizeof(what), ", different contents");
	if ((w->f->mode & 0700) != (f->mode & 0700)) {
		n = strlen(what);
		snprintf(what + n, sizeof(what) - n, ", modes %04o and %04o",
		    (unsigned)(w->f->mode & 0700), (unsigned)(f->mode & 0700));
	}
	if (strcmp(o1, o2) != 0) {
		n = strlen(what);
		snprintf(what + n, sizeof(what) - n, ", owners %s and %s", o1,
		    o2);
	}
	return err_set(errp, "%s: the secrets bundle of role %s gives it as "
	    "%s and the one of role %s as %s, with %s: a host has one %s, "
	    "so make the templates give both the same contents, mode and "
	    "owner, or different paths", dest, w->role, w->f->path, role,
	    f->path, what + 2, dest);
}

/*
 * Writes one secret file of role's bundle as dest (0600), recorded in
 * list and in w[*nw] (*nw counts them); the same file from a second
 * bundle is skipped, a different one refused.
 */
static int
write_secret(int genfd, const char *role, const struct secret_file *f,
    const char *dest, json_t *list, struct written *w, size_t *nw,
    char **errp)
{
	struct digest	 d;
	char		 dstr[DIGEST_STRSZ];
	json_t		*rec;
	size_t		 i;
	int		 fd;

	for (i = 0; i < *nw; i++)
		if (strcmp(w[i].dest, dest) == 0) {
			/* One file, one record: the same bytes, mode, owner. */
			if (w[i].f->len == f->len && CRYPTO_memcmp(
			    w[i].f->content, f->content, f->len) == 0 &&
			    (w[i].f->mode & 0700) == (f->mode & 0700) &&
			    strcmp(secrets_owner(w[i].f->owner),
			    secrets_owner(f->owner)) == 0)
				return 0;
			return secret_clash(&w[i], role, f, dest, errp);
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
	/* The owner is given at activation, when its user exists. */
	digest_buf(f->content, f->len, &d);
	digest_format(&d, dstr);
	if ((rec = json_pack("{s:s, s:s, s:i, s:s}", "path", dest, "sha256",
	    dstr, "mode", (int)(f->mode & 0700), "owner",
	    secrets_owner(f->owner))) == NULL ||
	    json_array_append_new(list, rec) == -1)
		return err_set(errp, "out of memory");
	/* The record's own copy of dest: list keeps it. */
	w[*nw].dest = json_string_value(json_object_get(rec, "path"));
	w[*nw].role = role;
	w[(*nw)++].f = f;
	return 0;
}

int
gen_write_secrets(int genfd, const struct cluster *c, char *const *roles,
    size_t nroles, char **errp)
{
	const struct secrets_bundle	*sb;
	struct written			*w = NULL;
	json_t				*list = NULL, *doc = NULL;
	char				*dest = NULL, *text = NULL;
	size_t				 i, j, n = 0, nw = 0;
	int				 fd = -1, place, rc = -1;

	if (c->nbundles == 0)
		return 0;
	for (i = 0; i < c->nbundles; i++)
		n += c->bundles[i]->nfiles;
	if ((list = json_array()) == NULL ||
	    (w = calloc(n + 1, sizeof(*w))) == NULL) {
		json_decref(list);
		return err_set(errp, "out of memory");
	}
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
			if (write_secret(genfd, sb->role, &sb->files[j], dest,
			    list, w, &nw, errp) == -1)
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
	free(w);
	json_decref(doc);
	json_decref(list);
	return rc;
}

/* Opens generation n's directory.  The descriptor, or -1 with *errp. */
static int
gen_open(const struct host *h, long n, char **errp)
{
	char	*dir;
	int	 fd;

	if (asprintf(&dir, "%s/%ld", h->gendir, n) == -1)
		return err_set(errp, "out of memory");
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1)
		err_sys(errp, "%s", dir);
	free(dir);
	return fd;
}

int
gen_secrets_load(const struct host *h, long n, json_t **outp, char **errp)
{
	struct stat	 st;
	json_t		*doc = NULL, *list, *v, *o = NULL, *ov;
	const char	*dest, *sha;
	char		*buf = NULL, *dir = NULL;
	size_t		 len, i = 0;
	int		 genfd = -1, fd = -1, rc = -1;

	*outp = NULL;
	if ((o = json_object()) == NULL)
		return err_set(errp, "out of memory");
	/* Relative to the generation, never through a symlink. */
	if ((genfd = gen_open(h, n, errp)) == -1)
		goto out;
	if ((fd = openat(genfd, GEN_SECRETS_NAME, O_RDONLY | O_NOFOLLOW |
	    O_NONBLOCK | O_CLOEXEC)) == -1 && errno == ENOENT) {
		*outp = o;
		o = NULL;	/* transferred */
		rc = 0;
		goto out;
	}
	if (fd == -1 || fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    read_fd_all(fd, GEN_SECRETS_NAME, JSON_MAX, &buf, &len, NULL) ==
	    -1) {
		err_set(errp, "generation %ld: cannot read %s (not a regular "
		    "file?): reinstall", n, GEN_SECRETS_NAME);
		goto out;
	}
	doc = json_loadb(buf, len, JSON_REJECT_DUPLICATES, NULL);
	list = json_object_get(doc, "files");
	json_array_foreach(list, i, v) {
		dest = json_string_value(json_object_get(v, "path"));
		sha = json_string_value(json_object_get(v, "sha256"));
		ov = json_object_get(v, "owner");
		free(dir);
		dir = NULL;
		/* Generations from before owners name none: root's. */
		if (dest == NULL || sha == NULL || !json_is_integer(
		    json_object_get(v, "mode")) || !relpath_valid(dest) ||
		    gen_place(NULL, 0, dest, &dir) != GEN_FARM ||
		    (ov != NULL && (!json_is_string(ov) ||
		    secrets_owner_check(json_string_value(ov), NULL) == -1)) ||
		    json_object_set(o, dest, v) == -1)
			break;
	}
	if (i < json_array_size(list) || json_integer_value(json_object_get(
	    doc, "format")) != 1) {
		err_set(errp, "generation %ld: %s is not a list of secret "
		    "files: reinstall", n, GEN_SECRETS_NAME);
		goto out;
	}
	*outp = o;
	o = NULL;	/* transferred */
	rc = 0;
out:
	if (fd != -1)
		close(fd);
	if (genfd != -1)
		close(genfd);
	free(dir);
	free(buf);
	json_decref(doc);
	json_decref(o);
	return rc;
}

int
secret_owner_ids(const struct host *h, const char *dest, const char *owner,
    uid_t *uidp, gid_t *gidp, char **errp)
{
	char	*pw;
	int	 r;

	*uidp = 0;
	*gidp = 0;
	if (owner == NULL || strcmp(owner, "root") == 0)
		return 0;
	/* The host's accounts, read as activation made them (users.c). */
	if ((r = users_lookup(h, owner, uidp, gidp, errp)) != 0)
		return r == 1 ? 0 : -1;
	if ((pw = host_path(h, "etc/passwd")) == NULL)
		return err_set(errp, "out of memory");
	err_set(errp, "secret file %s belongs to %s, which %s does not "
	    "have: with manual_host_users create the user, else the package "
	    "that declares it is missing from the release", dest, owner, pw);
	free(pw);
	return -1;
}

/*
 * Opens secret file dest below genfd for reading: no symlink on the
 * way, not even in the middle, and no FIFO to hang on.  The descriptor,
 * or -1 with errno (ENOENT: missing, also when a parent is not a real
 * directory).
 */
static int
secret_open(int genfd, const char *dest)
{
	const char	*base;
	int		 pfd, fd, e;

	if ((pfd = open_parent(genfd, dest, 0, &base, NULL)) == -1) {
		errno = ENOENT;
		return -1;
	}
	fd = openat(pfd, base, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC);
	e = errno;
	close(pfd);
	errno = e;
	return fd;
}

int
secret_audit(const struct host *h, int genfd, const char *dest,
    const json_t *rec, char *why, size_t whysz)
{
	struct stat	 st;
	struct digest	 d;
	const char	*owner = json_string_value(json_object_get(rec,
			    "owner"));
	char		*buf = NULL, dstr[DIGEST_STRSZ], *err = NULL;
	unsigned	 mode = (unsigned)json_integer_value(json_object_get(rec,
			    "mode"));
	size_t		 len = 0;
	uid_t		 uid;
	gid_t		 gid;
	int		 fd, r = SECRET_CHANGED;

	/* One descriptor: what is checked is what is read. */
	if ((fd = secret_open(genfd, dest)) == -1) {
		if (errno == ENOENT)
			return SECRET_MISSING;
		snprintf(why, whysz, "not a regular file");
		return SECRET_CHANGED;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		snprintf(why, whysz, "not a regular file");
		goto out;
	}
	if ((st.st_mode & 07777) != mode) {
		snprintf(why, whysz, "mode %04o, not %04o",
		    (unsigned)(st.st_mode & 07777), mode);
		goto out;
	}
	/* Only root gives files away: a run as another user owns them. */
	if (geteuid() == 0) {
		if (secret_owner_ids(h, dest, owner, &uid, &gid, &err) == -1) {
			snprintf(why, whysz, "%s", err);
			free(err);
			goto out;
		}
		if (st.st_uid != uid || st.st_gid != gid) {
			snprintf(why, whysz, "owner %u:%u, not %s (%u:%u)",
			    (unsigned)st.st_uid, (unsigned)st.st_gid,
			    secrets_owner(owner), (unsigned)uid, (unsigned)gid);
			goto out;
		}
	}
	if (read_fd_all(fd, dest, SEAL_MAX, &buf, &len, NULL) == -1) {
		buf = NULL;
		snprintf(why, whysz, "unreadable");
		goto out;
	}
	digest_buf(buf, len, &d);
	digest_format(&d, dstr);
	if (strcmp(dstr, json_string_value(json_object_get(rec, "sha256"))) !=
	    0) {
		snprintf(why, whysz, "differs from its secrets bundle");
		goto out;
	}
	r = SECRET_CLEAN;
out:
	if (buf != NULL) {
		explicit_bzero(buf, len);
		free(buf);
	}
	close(fd);
	return r;
}

int
gen_own_secrets(const struct host *h, long n, char **errp)
{
	struct stat	 st;
	json_t		*rec = NULL, *v;
	const char	*dest;
	uid_t		 uid;
	gid_t		 gid;
	int		 genfd = -1, fd, rc = -1;

	/* Only root gives files away (and only root reads the record). */
	if (geteuid() != 0)
		return 0;
	if (gen_secrets_load(h, n, &rec, errp) == -1)
		return -1;
	if (json_object_size(rec) == 0) {
		rc = 0;
		goto out;
	}
	if ((genfd = gen_open(h, n, errp)) == -1)
		goto out;
	json_object_foreach(rec, dest, v) {
		if (secret_owner_ids(h, dest, json_string_value(
		    json_object_get(v, "owner")), &uid, &gid, errp) == -1)
			goto out;
		/*
		 * Changed through the descriptor it was checked by; a
		 * drifted file is verify's and repair's to report and fix.
		 */
		if ((fd = secret_open(genfd, dest)) == -1)
			continue;
		if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
		    (st.st_uid != uid || st.st_gid != gid) &&
		    fchown(fd, uid, gid) == -1) {
			err_sys(errp, "chown %s", dest);
			close(fd);
			goto out;
		}
		close(fd);
	}
	/* Owners are metadata: one syncfs makes them survive a crash. */
	if (syncfs(genfd) == -1) {
		err_sys(errp, "sync generation %ld", n);
		goto out;
	}
	rc = 0;
out:
	if (genfd != -1)
		close(genfd);
	json_decref(rec);
	return rc;
}

/*
 * The content for dest in the opened bundles, checked against the
 * generation's record (digest, mode, owner): what repair writes is what
 * was installed.  The file, or NULL with *errp.
 */
static const struct secret_file *
bundle_file(const struct cluster *c, char *const *roles, size_t nroles,
    const char *dest, const json_t *rec, char **errp)
{
	const struct secret_file	*f;
	struct digest			 d;
	char				*p, dstr[DIGEST_STRSZ];
	size_t				 i, j;
	int				 place, same;

	for (i = 0; i < c->nbundles; i++)
		for (j = 0; j < c->bundles[i]->nfiles; j++) {
			f = &c->bundles[i]->files[j];
			if ((place = gen_place(roles, nroles, f->path, &p)) ==
			    -1) {
				err_set(errp, "out of memory");
				return NULL;
			}
			if (place != GEN_FARM || strcmp(p, dest) != 0) {
				free(p);
				continue;
			}
			free(p);
			digest_buf(f->content, f->len, &d);
			digest_format(&d, dstr);
			same = strcmp(dstr, json_string_value(json_object_get(
			    rec, "sha256"))) == 0 && (json_int_t)(f->mode &
			    0700) == json_integer_value(json_object_get(rec,
			    "mode")) && strcmp(secrets_owner(f->owner),
			    secrets_owner(json_string_value(json_object_get(
			    rec, "owner")))) == 0;
			if (!same) {
				err_set(errp, "the secrets bundle's %s is not "
				    "the file the generation recorded: "
				    "reinstall", dest);
				return NULL;
			}
			return f;
		}
	err_set(errp, "no secrets bundle of the host's roles holds %s: "
	    "reinstall", dest);
	return NULL;
}

/*
 * Writes f as dest below genfd: atomically (a temporary file renamed in
 * the parent), with mode and owner set through its descriptor, never
 * through a symlink anywhere on the path.
 */
static int
put_back(int genfd, const char *dest, const struct secret_file *f, uid_t uid,
    gid_t gid, char **errp)
{
	struct stat	 st;
	const char	*base;
	char		*tmp = NULL;
	int		 pfd, fd = -1, rc = -1;

	if ((pfd = open_parent(genfd, dest, 1, &base, errp)) == -1)
		return -1;
	if (asprintf(&tmp, ".%s.repair", base) == -1) {
		tmp = NULL;
		err_set(errp, "out of memory");
		goto out;
	}
	/* rename(2) replaces a file or a link, not a directory. */
	if (fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISDIR(st.st_mode) && rm_tree_at(pfd, base, errp) == -1)
		goto out;
	/* A killed run's temporary file; ours alone (mode 0600, root). */
	if ((unlinkat(pfd, tmp, 0) == -1 && errno != ENOENT) ||
	    (fd = openat(pfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600)) == -1 || write_all(fd, f->content, f->len) ==
	    -1 || fchmod(fd, f->mode & 0700) == -1 || (geteuid() == 0 &&
	    fchown(fd, uid, gid) == -1) || fsync(fd) == -1 ||
	    renameat(pfd, tmp, pfd, base) == -1 || fsync(pfd) == -1) {
		err_sys(errp, "%s", dest);
		if (fd != -1)
			(void)unlinkat(pfd, tmp, 0);
		goto out;
	}
	rc = 0;
out:
	if (fd != -1)
		close(fd);
	close(pfd);
	free(tmp);
	return rc;
}

/*
 * For each drifted file todo[i]: its content in the opened bundles
 * (files[i]) and its owner's ids.  0 or -1 with *errp.
 */
static int
plan_put_back(const struct host *h, const struct cluster *c,
    char *const *roles, size_t nroles, const json_t *rec,
    const char *const *todo, size_t ntodo, const struct secret_file **files,
    uid_t *uids, gid_t *gids, char **errp)
{
	const json_t	*r;
	size_t		 i;

	for (i = 0; i < ntodo; i++) {
		r = json_object_get(rec, todo[i]);
		if ((files[i] = bundle_file(c, roles, nroles, todo[i], r,
		    errp)) == NULL || secret_owner_ids(h, todo[i],
		    json_string_value(json_object_get(r, "owner")), &uids[i],
		    &gids[i], errp) == -1)
			return -1;
	}
	return 0;
}

/* 1 when a secret file of generation n drifted, 0 none, -1 with *errp. */
static int
secrets_drifted(const struct host *h, long n, char **errp)
{
	json_t		*rec = NULL, *v;
	const char	*dest;
	char		 why[128];
	int		 genfd, r = 0;

	if (gen_secrets_load(h, n, &rec, errp) == -1)
		return -1;
	if (json_object_size(rec) > 0) {
		if ((genfd = gen_open(h, n, errp)) == -1)
			r = -1;
		else {
			json_object_foreach(rec, dest, v)
				r |= secret_audit(h, genfd, dest, v, why,
				    sizeof(why)) != SECRET_CLEAN;
			close(genfd);
		}
	}
	json_decref(rec);
	return r;
}

int
secrets_repair_missing(const struct host *h, long n, const json_t *g,
    const struct cluster *c, const char *cache, size_t *missingp,
    char **errp)
{
	const struct blob_ref	*b;
	const json_t		*v;
	char			*path, hex[DIGEST_STRSZ];
	size_t			 i;
	int			 r;

	if ((r = secrets_drifted(h, n, errp)) != 1)
		return r;
	json_array_foreach(json_object_get(g, "roles"), i, v) {
		if (!json_is_string(v) || (b = cluster_secrets(c,
		    json_string_value(v))) == NULL)
			continue;
		if ((path = store_blob_path(cache, &b->blob.digest)) == NULL)
			return err_set(errp, "out of memory");
		r = blob_check(path, &b->blob.digest, b->blob.size, errp);
		free(path);
		if (r == -1)
			return -1;
		if (r == 1)
			continue;
		/* The line dcos_install.sh --repair fetches from. */
		digest_format(&b->blob.digest, hex);
		printf("repair: the secrets bundle of role %s needs blob %s "
		    "(%llu bytes), not in %s: fetch it into %s/blobs/sha256/ "
		    "and run repair again\n", b->role, hex,
		    (unsigned long long)b->blob.size, cache, cache);
		(*missingp)++;
	}
	return 0;
}

int
secrets_record_check(const struct host *h, long n, const json_t *g,
    const struct cluster *c, char **errp)
{
	const json_t	*v;
	size_t		 i;
	int		 genfd, r;

	json_array_foreach(json_object_get(g, "roles"), i, v)
		if (json_is_string(v) && cluster_secrets(c,
		    json_string_value(v)) != NULL)
			break;
	if (i == json_array_size(json_object_get(g, "roles")))
		return 0;
	/* Install writes the record whenever a bundle is pinned. */
	if ((genfd = gen_open(h, n, errp)) == -1)
		return -1;
	r = faccessat(genfd, GEN_SECRETS_NAME, F_OK, AT_SYMLINK_NOFOLLOW);
	close(genfd);
	if (r == -1 && errno == ENOENT)
		return err_set(errp, "generation %ld: its record of secret "
		    "files (%s) is missing, so which secret files it holds is "
		    "unknown: nothing repaired; reinstall (dcos-bootstrap "
		    "uninstall, then install)", n, GEN_SECRETS_NAME);
	return 0;
}

int
secrets_repair(const struct host *h, long n, const json_t *g,
    struct cluster *c, const char *cache, int apply, size_t *nfixedp,
    char **errp)
{
	const struct secret_file	**files = NULL;
	const json_t			*groles = json_object_get(g, "roles");
	json_t				*rec = NULL, *v;
	const char			*dest, **todo = NULL;
	char				**roles = NULL, *gdir = NULL;
	char				 why[128];
	uid_t				*uids = NULL;
	gid_t				*gids = NULL;
	size_t				 i, ntodo = 0, nroles = 0;
	int				 genfd = -1, rc = -1;

	*nfixedp = 0;
	if (gen_secrets_load(h, n, &rec, errp) == -1)
		return -1;
	if (json_object_size(rec) == 0) {
		json_decref(rec);
		return 0;
	}
	if ((genfd = gen_open(h, n, errp)) == -1)
		goto out;
	if ((todo = calloc(json_object_size(rec), sizeof(*todo))) == NULL ||
	    (files = calloc(json_object_size(rec), sizeof(*files))) == NULL ||
	    (uids = calloc(json_object_size(rec), sizeof(*uids))) == NULL ||
	    (gids = calloc(json_object_size(rec), sizeof(*gids))) == NULL ||
	    (roles = calloc(json_array_size(groles) + 1, sizeof(*roles))) ==
	    NULL || asprintf(&gdir, "%s/%ld", h->gendir, n) == -1) {
		gdir = NULL;
		err_set(errp, "out of memory");
		goto out;
	}
	json_object_foreach(rec, dest, v)
		if (secret_audit(h, genfd, dest, v, why, sizeof(why)) !=
		    SECRET_CLEAN)
			todo[ntodo++] = dest;
	if (ntodo == 0) {
		rc = 0;
		goto out;
	}
	json_array_foreach(groles, i, v) {
		if (!json_is_string(v) || !role_valid(json_string_value(v))) {
			err_set(errp, "generation %ld: bad role list", n);
			goto out;
		}
		roles[nroles++] = (char *)json_string_value(v);
	}
	/*
	 * Everything is found, opened and checked before anything is
	 * written: without the key or the bundle, nothing changes.
	 */
	if (cluster_open_secrets(c, h, roles, nroles, cache, errp) == -1 ||
	    plan_put_back(h, c, roles, nroles, rec, todo, ntodo, files, uids,
	    gids, errp) == -1) {
		err_wrap(errp, "%zu secret file(s) of generation %ld drifted "
		    "and cannot be put back, nothing changed", ntodo, n);
		goto out;
	}
	for (i = 0; apply && i < ntodo; i++) {
		if (put_back(genfd, todo[i], files[i], uids[i], gids[i],
		    errp) == -1)
			goto out;
		(void)journal_append(h, "repair", NULL, "restored secret file "
		    "%s/%s from its secrets bundle: it had drifted", gdir,
		    todo[i]);
		printf("repair: %s put back from its secrets bundle\n",
		    todo[i]);
		(*nfixedp)++;
	}
	rc = 0;
out:
	cluster_secrets_free(c);
	if (genfd != -1)
		close(genfd);
	free(todo);
	free(files);
	free(uids);
	free(gids);
	free(roles);
	free(gdir);
	json_decref(rec);
	return rc;
}
