/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Package trees -> reproducible package blobs.  Reproducible means: the
 * same tree gives the same bytes on any machine, so nothing of the build
 * host (owners, times, xattrs, readdir order) may reach the tar.
 */
#include <config.h>

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "atomicio.h"
#include "error.h"
#include "jsonio.h"
#include "pkgblob.h"

#define IO_CHUNK	(256 * 1024)
/* Deep enough for any real package, shallow enough to stop loops of bind mounts. */
#define MAX_DEPTH	64

struct pkg_tree *
pkg_tree_new(const char *id, char **errp)
{
	struct pkg_tree	*t;

	if (pkg_id_check(id, errp) == -1)
		return NULL;
	if ((t = calloc(1, sizeof(*t))) == NULL ||
	    (t->id = strdup(id)) == NULL) {
		free(t);
		err_set(errp, "out of memory");
		return NULL;
	}
	return t;
}

void
pkg_tree_free(struct pkg_tree *t)
{
	size_t	 i;

	if (t == NULL)
		return;
	for (i = 0; i < t->n; i++) {
		free(t->v[i].path);
		free(t->v[i].target);
		free(t->v[i].src);
		free(t->v[i].data);
	}
	free(t->v);
	free(t->id);
	free(t);
}

static struct pkg_entry *
tree_push(struct pkg_tree *t, const char *path, char **errp)
{
	struct pkg_entry	*nv, *e;
	size_t			 ncap;

	if (t->n == t->cap) {
		ncap = t->cap == 0 ? 64 : t->cap * 2;
		if ((nv = reallocarray(t->v, ncap, sizeof(*nv))) == NULL) {
			err_set(errp, "out of memory");
			return NULL;
		}
		t->v = nv;
		t->cap = ncap;
	}
	e = &t->v[t->n];
	memset(e, 0, sizeof(*e));
	if ((e->path = strdup(path)) == NULL) {
		err_set(errp, "out of memory");
		return NULL;
	}
	t->n++;
	return e;
}

static int
hash_file(const char *src, struct digest *d, uint64_t *sizep, char **errp)
{
	int	 fd, rc;

	if ((fd = open(src, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1)
		return err_sys(errp, "%s", src);
	rc = digest_fd(fd, d, sizep, errp);
	close(fd);
	return rc;
}

static int scan_dir(struct pkg_tree *, const char *, const char *, int,
    char **);

/* A name every reader of the manifest can take (lib/manifest's rule). */
static int
name_check(const char *root, const char *sub, const char *abs, char **errp)
{
	/* Not abs: the message shows sub made printable. */
	if (pkg_path_check(sub, errp) == -1)
		return err_wrap(errp, "%s", root);
	if (strcmp(sub, PKG_MANIFEST) == 0)
		return err_set(errp, "%s: the name " PKG_MANIFEST " is "
		    "reserved for the manifest; remove the file", abs);
	return 0;
}

/* A regular file: hashed now, copied from *absp (taken) when written. */
static int
add_file(struct pkg_tree *t, const char *sub, char **absp,
    const struct stat *st, char **errp)
{
	struct pkg_entry	*e;

	if ((e = tree_push(t, sub, errp)) == NULL)
		return -1;
	e->type = PKG_FILE;
	e->mode = st->st_mode & 0777;
	e->dev = st->st_dev;
	e->ino = st->st_nlink > 1 ? st->st_ino : 0;
	e->src = *absp;
	*absp = NULL;	/* transferred */
	return hash_file(e->src, &e->digest, &e->size, errp);
}

static int
add_symlink(struct pkg_tree *t, const char *root, const char *sub,
    const char *abs, char **errp)
{
	struct pkg_entry	*e;
	/* One byte more than a target may have: a longer one is refused. */
	char			 target[MANIFEST_PATH_MAX + 2];
	ssize_t			 n;

	if ((n = readlink(abs, target, sizeof(target) - 1)) == -1)
		return err_sys(errp, "%s", abs);
	target[n] = '\0';
	/* The rule dcos-bootstrap applies to the manifest (lib/manifest). */
	if (pkg_symlink_check(sub, target, errp) == -1)
		return err_wrap(errp, "%s", root);
	if ((e = tree_push(t, sub, errp)) == NULL)
		return -1;
	e->type = PKG_SYMLINK;
	e->mode = 0777;
	if ((e->target = strdup(target)) == NULL)
		return err_set(errp, "out of memory");
	return 0;
}

/* One directory entry, ROOT/SUB; *absp is that path (may be taken). */
static int
scan_entry(struct pkg_tree *t, const char *root, const char *sub,
    char **absp, int depth, char **errp)
{
	struct pkg_entry	*e;
	struct stat		 st;
	const char		*abs = *absp;
	char			*why = NULL;

	if (name_check(root, sub, abs, errp) == -1)
		return -1;
	if (lstat(abs, &st) == -1)
		return err_sys(errp, "%s", abs);
	/* Refused, not normalised: the blob says what the tree says. */
	if ((S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) &&
	    pkg_mode_check(st.st_mode & 07777, &why) == -1) {
		err_set(errp, "%s: %s (chmod %s)", abs, why,
		    st.st_mode & 07000 ? "ug-s,-t" : "go-w");
		free(why);
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		if ((e = tree_push(t, sub, errp)) == NULL)
			return -1;
		e->type = PKG_DIR;
		e->mode = st.st_mode & 0777;
		return scan_dir(t, root, sub, depth + 1, errp);
	}
	if (S_ISREG(st.st_mode))
		return add_file(t, sub, absp, &st, errp);
	if (S_ISLNK(st.st_mode))
		return add_symlink(t, root, sub, abs, errp);
	return err_set(errp, "%s: %s are not allowed in packages (only files, "
	    "directories and symlinks)", abs, S_ISFIFO(st.st_mode) ? "FIFOs" :
	    S_ISSOCK(st.st_mode) ? "sockets" : "device nodes");
}

static int
scan_dir(struct pkg_tree *t, const char *root, const char *rel, int depth,
    char **errp)
{
	DIR		*dir = NULL;
	struct dirent	*de;
	char		*full = NULL, *sub = NULL, *abs = NULL;
	int		 rc = -1;

	if (depth > MAX_DEPTH)
		return err_set(errp, "%s/%s: directories nested deeper than "
		    "%d", root, rel, MAX_DEPTH);
	if ((full = *rel == '\0' ? strdup(root) : path_join(root, rel)) ==
	    NULL)
		return err_set(errp, "out of memory");
	if ((dir = opendir(full)) == NULL) {
		err_sys(errp, "%s", full);
		goto out;
	}
	for (;;) {
		errno = 0;
		if ((de = readdir(dir)) == NULL) {
			if (errno != 0) {
				err_sys(errp, "%s", full);
				goto out;
			}
			break;
		}
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		free(sub);
		free(abs);
		abs = NULL;
		sub = *rel == '\0' ? strdup(de->d_name) :
		    path_join(rel, de->d_name);
		if (sub == NULL || (abs = path_join(root, sub)) == NULL) {
			err_set(errp, "out of memory");
			goto out;
		}
		if (scan_entry(t, root, sub, &abs, depth, errp) == -1)
			goto out;
	}
	rc = 0;
out:
	if (dir != NULL)
		closedir(dir);
	free(full);
	free(sub);
	free(abs);
	return rc;
}

int
pkg_tree_scan(struct pkg_tree *t, const char *dir, char **errp)
{
	struct stat	 st;

	if (stat(dir, &st) == -1)
		return err_sys(errp, "%s", dir);
	if (!S_ISDIR(st.st_mode))
		return err_set(errp, "%s: not a directory", dir);
	return scan_dir(t, dir, "", 0, errp);
}

static struct pkg_entry *
tree_find(struct pkg_tree *t, const char *path)
{
	size_t	 i;

	for (i = 0; i < t->n; i++)
		if (strcmp(t->v[i].path, path) == 0)
			return &t->v[i];
	return NULL;
}

int
pkg_tree_add_data(struct pkg_tree *t, const char *path, const void *data,
    size_t len, mode_t mode, char **errp)
{
	struct pkg_entry	*e;
	char			*parent, *slash;

	if (pkg_path_check(path, errp) == -1)
		return -1;
	if (pkg_mode_check(mode, errp) == -1)
		return err_wrap(errp, "'%s'", path);
	if (strcmp(path, PKG_MANIFEST) == 0)
		return err_set(errp, "'%s' is reserved for the manifest", path);
	if (tree_find(t, path) != NULL)
		return err_set(errp, "'%s' is given twice", path);
	if ((parent = strdup(path)) == NULL)
		return err_set(errp, "out of memory");
	/* Parents first, so that each one exists as a directory. */
	for (slash = strchr(parent, '/'); slash != NULL;
	    slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		if ((e = tree_find(t, parent)) == NULL) {
			if ((e = tree_push(t, parent, errp)) == NULL) {
				free(parent);
				return -1;
			}
			e->type = PKG_DIR;
			e->mode = 0755;
		} else if (e->type != PKG_DIR) {
			err_set(errp, "'%s': '%s' is not a directory", path,
			    parent);
			free(parent);
			return -1;
		}
		*slash = '/';
	}
	free(parent);
	if ((e = tree_push(t, path, errp)) == NULL)
		return -1;
	e->type = PKG_FILE;
	e->mode = mode & 0777;
	e->size = len;
	if ((e->data = malloc(len > 0 ? len : 1)) == NULL)
		return err_set(errp, "out of memory");
	memcpy(e->data, data, len);
	digest_buf(data, len, &e->digest);
	return 0;
}

/* The entries by pkginfo's rules: units, reserved names, sysctl. */
static int
entries_check(struct pkg_tree *t, const json_t *pkginfo, char **errp)
{
	json_t	*services;
	size_t	 i;
	int	 rc = -1;

	if ((services = json_array()) == NULL)
		return err_set(errp, "out of memory");
	for (i = 0; i < t->n; i++)
		if (pkg_entry_check(t->id, t->v[i].path, t->v[i].type ==
		    PKG_DIR, services, errp) == -1)
			goto out;
	rc = pkginfo_services_check(t->id, pkginfo, services, errp);
out:
	json_decref(services);
	return rc;
}

json_t *
pkg_tree_pkginfo(struct pkg_tree *t, char **errp)
{
	struct pkg_entry	*e;
	json_t			*j;
	char			*buf = NULL, *where;
	size_t			 len;

	if ((e = tree_find(t, PKG_PKGINFO)) == NULL || e->type != PKG_FILE) {
		err_set(errp, "package %s has no " PKG_PKGINFO " file (write "
		    "{} for a package without requirements)", t->id);
		return NULL;
	}
	if (e->data != NULL)
		j = pkginfo_check(e->data, e->size, PKG_PKGINFO, errp);
	else if (read_file(e->src, PKG_PKGINFO_MAX, &buf, &len, errp) == -1)
		return NULL;
	else {
		where = e->src;
		j = pkginfo_check(buf, len, where, errp);
		free(buf);
	}
	if (j != NULL && entries_check(t, j, errp) == -1) {
		json_decref(j);
		j = NULL;
	}
	return j;
}

static int
entry_cmp(const void *a, const void *b)
{
	const struct pkg_entry	*x = a, *y = b;

	return strcmp(x->path, y->path);
}

/* Later paths of one inode become hardlinks to the first (sorted) path. */
static void
link_hardlinks(struct pkg_tree *t)
{
	size_t	 i, j;

	for (i = 0; i < t->n; i++) {
		if (t->v[i].type != PKG_FILE || t->v[i].ino == 0)
			continue;
		for (j = i + 1; j < t->n; j++) {
			if (t->v[j].type != PKG_FILE ||
			    t->v[j].ino != t->v[i].ino ||
			    t->v[j].dev != t->v[i].dev)
				continue;
			t->v[j].type = PKG_HARDLINK;
			t->v[j].ino = 0;
			free(t->v[j].target);
			t->v[j].target = strdup(t->v[i].path);
		}
	}
}

static json_t *
manifest_json(struct pkg_tree *t, char **errp)
{
	json_t		*root, *files, *f;
	const char	*type;
	char		 dstr[DIGEST_STRSZ];
	size_t		 i;

	if ((root = json_object()) == NULL || (files = json_array()) == NULL ||
	    json_object_set_new(root, "files", files) == -1)
		goto oom;
	if (json_object_set_new(root, "format", json_integer(1)) == -1 ||
	    json_object_set_new(root, "id", json_string(t->id)) == -1)
		goto oom;
	for (i = 0; i < t->n; i++) {
		struct pkg_entry *e = &t->v[i];

		if ((f = json_object()) == NULL ||
		    json_array_append_new(files, f) == -1 ||
		    json_object_set_new(f, "path", json_string(e->path)) == -1)
			goto oom;
		switch (e->type) {
		case PKG_DIR: type = "dir"; break;
		case PKG_FILE: type = "file"; break;
		case PKG_SYMLINK: type = "symlink"; break;
		default: type = "hardlink"; break;
		}
		if (json_object_set_new(f, "type", json_string(type)) == -1)
			goto oom;
		if ((e->type == PKG_DIR || e->type == PKG_FILE) &&
		    json_object_set_new(f, "mode", json_integer(e->mode)) == -1)
			goto oom;
		if (e->type == PKG_FILE) {
			digest_format(&e->digest, dstr);
			if (json_object_set_new(f, "size",
			    json_integer((json_int_t)e->size)) == -1 ||
			    json_object_set_new(f, "sha256",
			    json_string(dstr)) == -1)
				goto oom;
		}
		if ((e->type == PKG_SYMLINK || e->type == PKG_HARDLINK) &&
		    (e->target == NULL || json_object_set_new(f, "target",
		    json_string(e->target)) == -1))
			goto oom;
	}
	return root;
oom:
	json_decref(root);
	err_set(errp, "out of memory");
	return NULL;
}

struct sink {
	int		 fd;
	struct sha256	*h;
	uint64_t	 size;
	int		 err;
};

static la_ssize_t
sink_write(struct archive *a, void *arg, const void *buf, size_t len)
{
	struct sink	*s = arg;

	if (write_all(s->fd, buf, len) == -1) {
		s->err = errno;
		archive_set_error(a, errno, "write: %s", strerror(errno));
		return -1;
	}
	sha256_update(s->h, buf, len);
	s->size += len;
	return (la_ssize_t)len;
}

void
pkg_fixed_entry(struct archive_entry *ae, const char *path, mode_t type,
    mode_t perm)
{
	archive_entry_clear(ae);
	archive_entry_set_pathname(ae, path);
	archive_entry_set_filetype(ae, type);
	archive_entry_set_perm(ae, perm);
	archive_entry_set_uid(ae, 0);
	archive_entry_set_gid(ae, 0);
	archive_entry_set_mtime(ae, 0, 0);
}

/* Copies a scanned file into the archive, checking it did not change. */
static int
copy_file(struct archive *a, struct pkg_entry *e, char **errp)
{
	struct sha256	*h = NULL;
	struct digest	 d;
	uint64_t	 total = 0;
	char		*buf = NULL;
	ssize_t		 n;
	int		 fd = -1, rc = -1;

	if ((buf = malloc(IO_CHUNK)) == NULL || (h = sha256_new()) == NULL) {
		err_set(errp, "out of memory");
		goto out;
	}
	if ((fd = open(e->src, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		err_sys(errp, "%s", e->src);
		goto out;
	}
	while (total < e->size) {
		n = read(fd, buf, e->size - total < IO_CHUNK ?
		    (size_t)(e->size - total) : IO_CHUNK);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			err_sys(errp, "%s", e->src);
			goto out;
		}
		if (n == 0)
			break;
		sha256_update(h, buf, (size_t)n);
		if (archive_write_data(a, buf, (size_t)n) != n) {
			err_set(errp, "%s", archive_error_string(a));
			goto out;
		}
		total += (uint64_t)n;
	}
	sha256_final(h, &d);
	if (total != e->size || !digest_equal(&d, &e->digest) ||
	    read(fd, buf, 1) != 0) {
		err_set(errp, "%s: changed while it was being packaged; "
		    "run again", e->src);
		goto out;
	}
	rc = 0;
out:
	if (fd != -1)
		close(fd);
	sha256_free(h);
	free(buf);
	return rc;
}

/* is_file for winservice_check: a regular file of the tree. */
static int
tree_is_file(void *arg, const char *path)
{
	struct pkg_entry	*e = tree_find(arg, path);

	return e != NULL && e->type == PKG_FILE;
}

/* The largest services json we read. */
#define WINSERVICE_MAX	(64 * 1024)

/*
 * A Windows package's entries (lib/pkginfo's rules: no units, roles
 * slave and slave_public, services json) and what a zip without zip64
 * holds.
 */
static int
windows_entries_check(struct pkg_tree *t, char **errp)
{
	struct pkg_entry	*e;
	json_t			*seen;
	char			*buf = NULL;
	size_t			 i, len;
	int			 r, rc = -1;

	if (t->n >= 65535)
		return err_set(errp, "package %s: %zu entries; a Windows "
		    "package (a zip without zip64) holds fewer than 65,535",
		    t->id, t->n);
	if ((seen = json_object()) == NULL)
		return err_set(errp, "out of memory");
	for (i = 0; i < t->n; i++) {
		e = &t->v[i];
		if (e->type == PKG_FILE && e->size >= UINT32_MAX) {
			err_set(errp, "package %s: %s: a file of a Windows "
			    "package (a zip without zip64) is under 4 GiB",
			    t->id, e->path);
			goto out;
		}
		if ((r = pkg_windows_entry_check(t->id, e->path, e->type ==
		    PKG_FILE, errp)) == -1)
			goto out;
		if (r == 0)
			continue;
		free(buf);
		buf = NULL;
		if (e->data == NULL && read_file(e->src, WINSERVICE_MAX, &buf,
		    &len, errp) == -1)
			goto out;
		if (winservice_check(t->id, e->path, e->data != NULL ?
		    e->data : buf, e->data != NULL ? e->size : len,
		    tree_is_file, t, seen, errp) == -1)
			goto out;
	}
	rc = 0;
out:
	free(buf);
	json_decref(seen);
	return rc;
}

/*
 * The manifest's text, checked with the parser every reader uses (and
 * for a Windows package by the Windows rule), and what info says of it
 * and of the files.
 */
static int
manifest_text(struct pkg_tree *t, struct pkg_info *info, char **textp,
    size_t *lenp, char **errp)
{
	struct pkg_manifest	*check = NULL;
	json_t			*man;
	size_t			 i;

	if ((man = manifest_json(t, errp)) == NULL)
		return -1;
	*textp = json_dumps(man, JSONIO_PRETTY);
	json_decref(man);
	if (*textp == NULL)
		return err_set(errp, "out of memory");
	*lenp = strlen(*textp);
	/* What we write must be what every reader accepts. */
	if (pkg_manifest_parse(*textp, *lenp, PKG_MANIFEST, &check, errp) ==
	    -1)
		return err_wrap(errp, "package %s", t->id);
	if (info->platform == PLATFORM_WINDOWS &&
	    pkg_manifest_windows_check(check, errp) == -1) {
		pkg_manifest_free(check);
		return -1;
	}
	pkg_manifest_free(check);
	digest_buf(*textp, *lenp, &info->manifest);
	info->files = t->n;
	for (i = 0; i < t->n; i++)
		if (t->v[i].type == PKG_FILE)
			info->installed_bytes += t->v[i].size;
	return 0;
}

static int
archive_fail(struct archive *a, const char *id, char **errp)
{
	return err_set(errp, "writing package %s: %s", id,
	    archive_error_string(a) != NULL ? archive_error_string(a) :
	    "archive error");
}

static char *
dir_name(const char *path)
{
	char	*s;

	return asprintf(&s, "%s/", path) == -1 ? NULL : s;
}

/* One entry: its fixed header, then a file's bytes. */
static int
write_entry(struct archive *a, struct archive_entry *ae, struct pkg_entry *e,
    const char *id, int zip, char **errp)
{
	char	*dirname = NULL;

	switch (e->type) {
	case PKG_DIR:
		pkg_fixed_entry(ae, e->path, AE_IFDIR, e->mode);
		/* A zip names a directory "name/"; tar adds the '/' itself. */
		if (zip && (dirname = dir_name(e->path)) == NULL)
			return err_set(errp, "out of memory");
		if (dirname != NULL)
			archive_entry_set_pathname(ae, dirname);
		free(dirname);
		break;
	case PKG_FILE:
		pkg_fixed_entry(ae, e->path, AE_IFREG, e->mode);
		archive_entry_set_size(ae, (la_int64_t)e->size);
		break;
	case PKG_SYMLINK:
		pkg_fixed_entry(ae, e->path, AE_IFLNK, 0777);
		archive_entry_set_symlink(ae, e->target);
		break;
	case PKG_HARDLINK:
		pkg_fixed_entry(ae, e->path, AE_IFREG, 0644);
		archive_entry_set_hardlink(ae, e->target);
		archive_entry_set_size(ae, 0);
		break;
	}
	if (archive_write_header(a, ae) != ARCHIVE_OK)
		return archive_fail(a, id, errp);
	if (e->type != PKG_FILE)
		return 0;
	if (e->data == NULL)
		return copy_file(a, e, errp);
	if (e->size > 0 && archive_write_data(a, e->data, e->size) !=
	    (la_ssize_t)e->size)
		return archive_fail(a, id, errp);
	return 0;
}

/* The manifest first, then every entry in path order. */
static int
write_entries(struct archive *a, struct pkg_tree *t, const char *mtext,
    size_t mlen, int zip, char **errp)
{
	struct archive_entry	*ae;
	size_t			 i;
	int			 rc = -1;

	if ((ae = archive_entry_new()) == NULL)
		return err_set(errp, "out of memory");
	pkg_fixed_entry(ae, PKG_MANIFEST, AE_IFREG, 0644);
	archive_entry_set_size(ae, (la_int64_t)mlen);
	if (archive_write_header(a, ae) != ARCHIVE_OK ||
	    archive_write_data(a, mtext, mlen) != (la_ssize_t)mlen) {
		archive_fail(a, t->id, errp);
		goto out;
	}
	for (i = 0; i < t->n; i++)
		if (write_entry(a, ae, &t->v[i], t->id, zip, errp) == -1)
			goto out;
	rc = 0;
out:
	archive_entry_free(ae);
	return rc;
}

/*
 * libarchive converts names from the LC_CTYPE charset to the UTF-8 of pax
 * headers.  The names are UTF-8 already (pkg_path_check), so the blob is
 * written under a UTF-8 LC_CTYPE, where that conversion is the identity
 * whatever the caller's locale: in the C locale it would refuse any
 * non-ASCII name, in a Latin-1 one change it (and the blob's bytes).
 * *locp is the locale to restore, or (locale_t)0 when none was set, which
 * is fine for a tree of ASCII names only.
 */
static int
utf8_ctype_enter(const struct pkg_tree *t, locale_t *utf8p, locale_t *locp,
    char **errp)
{
	const unsigned char	*p;
	size_t			 i;

	*locp = *utf8p = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
	if (*utf8p != (locale_t)0) {
		*locp = uselocale(*utf8p);
		return 0;
	}
	for (i = 0; i < t->n; i++)
		for (p = (const unsigned char *)t->v[i].path; *p != '\0'; p++)
			if (*p >= 0x80)
				return err_set(errp, "package %s: writing the "
				    "non-ASCII name '%s' needs the C.UTF-8 "
				    "locale, which this system lacks (install "
				    "it, or rename the file)", t->id,
				    t->v[i].path);
	return 0;
}

static void
utf8_ctype_leave(locale_t utf8, locale_t loc)
{
	if (utf8 == (locale_t)0)
		return;
	uselocale(loc);
	freelocale(utf8);
}

/* Restricted pax: plain ustar headers unless a name needs more. */
static int
tar_format(struct archive *a)
{
	if (archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
	    archive_write_add_filter_zstd(a) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK)
		return -1;
	return 0;
}

/*
 * Deflate, no zip64 (windows_entries_check keeps within its limits), so
 * zip_strip_extra meets only the records it knows.  libarchive dates every
 * member 1980-01-01 00:00:00, DOS's floor for mtime 0 in any time zone;
 * its UT and ux extra fields go in zip_strip_extra (docs/formats.md).
 */
static int
zip_format(struct archive *a)
{
	if (archive_write_set_format_zip(a) != ARCHIVE_OK ||
	    archive_write_set_options(a, "zip:compression=deflate,"
	    "zip:!zip64") != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK)
		return -1;
	return 0;
}

/*
 * libarchive 3.6 gives every zip member two extra fields (UT and ux) that
 * no option turns off, and a Windows package is to carry none (#13).  So
 * the zip libarchive wrote is rewritten in place without them: extra
 * fields only ever shrink it, so each record can be moved down over bytes
 * already read.  Everything is checked against the file before it is
 * used: should a libarchive upgrade change its layout (zip64, a comment, a
 * gap between records), the build fails instead of writing a broken zip.
 */
#define ZIP_LOCAL_SIG		0x04034b50
#define ZIP_CENTRAL_SIG		0x02014b50
#define ZIP_END_SIG		0x06054b50
#define ZIP_DESC_SIG		0x08074b50
#define ZIP_LOCAL_LEN		30
#define ZIP_CENTRAL_LEN		46
#define ZIP_END_LEN		22
#define ZIP_DESC_LEN		16
#define ZIP_FLAG_DESC		0x0008

struct zip_rw {
	int		 fd;		/* read with pread, written in order */
	struct sha256	*h;		/* of every byte written */
	unsigned char	*buf;		/* IO_CHUNK bytes */
	uint64_t	 rd;		/* where the next member is */
	uint64_t	 wr;		/* where it goes */
	uint64_t	 cdoff;		/* the central directory's offset */
};

static uint32_t
le16(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t
le32(const unsigned char *p)
{
	return le16(p) | le16(p + 2) << 16;
}

static void
put_le16(unsigned char *p, uint32_t v)
{
	p[0] = v & 0xff;
	p[1] = (v >> 8) & 0xff;
}

static void
put_le32(unsigned char *p, uint32_t v)
{
	put_le16(p, v & 0xffff);
	put_le16(p + 2, v >> 16);
}

static int
zip_bad(const char *what, uint64_t off, char **errp)
{
	return err_set(errp, "libarchive's zip has an unexpected %s at byte "
	    "%llu; cannot remove its extra fields", what,
	    (unsigned long long)off);
}

/* Reads exactly len bytes at off. */
static int
zip_read(struct zip_rw *z, void *buf, size_t len, uint64_t off, char **errp)
{
	unsigned char	*p = buf;
	ssize_t		 n;

	while (len > 0) {
		if ((n = pread(z->fd, p, len, (off_t)off)) == -1) {
			if (errno == EINTR)
				continue;
			return err_sys(errp, "reading the zip back");
		}
		if (n == 0)
			return zip_bad("end", off, errp);
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

static int
zip_write(struct zip_rw *z, const void *buf, size_t len, char **errp)
{
	if (write_all(z->fd, buf, len) == -1)
		return err_sys(errp, "rewriting the zip");
	sha256_update(z->h, buf, len);
	z->wr += len;
	return 0;
}

/* Copies len bytes at off to the write position. */
static int
zip_copy(struct zip_rw *z, uint64_t off, uint64_t len, char **errp)
{
	size_t	 n;

	while (len > 0) {
		n = len < IO_CHUNK ? (size_t)len : IO_CHUNK;
		if (zip_read(z, z->buf, n, off, errp) == -1 ||
		    zip_write(z, z->buf, n, errp) == -1)
			return -1;
		off += n;
		len -= n;
	}
	return 0;
}

/*
 * One member, at z->rd, whose central directory entry is e: its local
 * header and name without the extra field, then its data and data
 * descriptor as they are.  e gets the header's new offset.
 */
static int
zip_member(struct zip_rw *z, unsigned char *e, char **errp)
{
	unsigned char	*h = z->buf, d[ZIP_DESC_LEN];
	uint64_t	 at, csize = le32(e + 20);
	uint32_t	 nlen = le16(e + 28), xlen;
	int		 desc = (le16(e + 8) & ZIP_FLAG_DESC) != 0;

	if (le32(e + 42) != z->rd || z->cdoff - z->rd < ZIP_LOCAL_LEN + nlen)
		return zip_bad("central directory entry", z->rd, errp);
	if (zip_read(z, h, ZIP_LOCAL_LEN + nlen, z->rd, errp) == -1)
		return -1;
	/* Version, flags, method, time, date and name as the entry says. */
	if (le32(h) != ZIP_LOCAL_SIG || memcmp(h + 4, e + 6, 10) != 0 ||
	    le16(h + 26) != nlen || memcmp(h + ZIP_LOCAL_LEN,
	    e + ZIP_CENTRAL_LEN, nlen) != 0)
		return zip_bad("local header", z->rd, errp);
	xlen = le16(h + 28);
	if (z->cdoff - z->rd - ZIP_LOCAL_LEN - nlen < xlen + csize +
	    (desc ? ZIP_DESC_LEN : 0))
		return zip_bad("member size", z->rd, errp);
	at = z->rd + ZIP_LOCAL_LEN + nlen + xlen;
	put_le32(e + 42, (uint32_t)z->wr);
	put_le16(h + 28, 0);
	if (zip_write(z, h, ZIP_LOCAL_LEN + nlen, errp) == -1 ||
	    zip_copy(z, at, csize, errp) == -1)
		return -1;
	at += csize;
	if (desc) {
		if (zip_read(z, d, sizeof(d), at, errp) == -1)
			return -1;
		/* CRC and sizes as the entry says. */
		if (le32(d) != ZIP_DESC_SIG || memcmp(d + 4, e + 16, 12) != 0)
			return zip_bad("data descriptor", at, errp);
		if (zip_write(z, d, sizeof(d), errp) == -1)
			return -1;
		at += sizeof(d);
	}
	z->rd = at;
	return 0;
}

/*
 * Rewrites the zip of *sizep bytes that fills fd (open for reading and
 * writing) without extra fields: every local header and central directory
 * entry gets extra length 0, the central directory the headers' new
 * offsets, the end record the directory's new offset and size; fd is cut
 * to the new length, its offset left at the end.  h is reset and fed the
 * new bytes, *sizep gets their count.  0 or -1 with *errp.
 */
static int
zip_strip_extra(int fd, struct sha256 *h, uint64_t *sizep, char **errp)
{
	struct zip_rw	 z = { fd, h, NULL, 0, 0, 0 };
	struct stat	 st;
	unsigned char	 end[ZIP_END_LEN], *cd = NULL, *e;
	uint64_t	 size, cdlen;
	uint32_t	 i, nent, nlen, xlen, clen;
	size_t		 p = 0, q = 0;
	int		 rc = -1;

	if (fstat(fd, &st) == -1) {
		err_sys(errp, "reading the zip back");
		goto out;
	}
	size = (uint64_t)st.st_size;
	/* Offsets count from the start of the file: nothing may precede. */
	if (size != *sizep || size < ZIP_END_LEN) {
		zip_bad("size", size, errp);
		goto out;
	}
	if (zip_read(&z, end, sizeof(end), size - ZIP_END_LEN, errp) == -1)
		goto out;
	/* One disk, no comment: the record ends the file. */
	nent = le16(end + 10);
	cdlen = le32(end + 12);
	z.cdoff = le32(end + 16);
	if (le32(end) != ZIP_END_SIG || le32(end + 4) != 0 ||
	    le16(end + 8) != nent || le16(end + 20) != 0 ||
	    z.cdoff > size - ZIP_END_LEN ||
	    cdlen != size - ZIP_END_LEN - z.cdoff) {
		zip_bad("end record", size - ZIP_END_LEN, errp);
		goto out;
	}
	if ((cd = malloc(cdlen + 1)) == NULL ||
	    (z.buf = malloc(IO_CHUNK)) == NULL) {
		err_set(errp, "out of memory");
		goto out;
	}
	if (zip_read(&z, cd, cdlen, z.cdoff, errp) == -1)
		goto out;
	if (lseek(fd, 0, SEEK_SET) == -1) {
		err_sys(errp, "rewriting the zip");
		goto out;
	}
	sha256_reset(h);
	for (i = 0; i < nent; i++) {
		e = cd + p;
		if (cdlen - p < ZIP_CENTRAL_LEN || le32(e) != ZIP_CENTRAL_SIG) {
			zip_bad("central directory entry", z.cdoff + p, errp);
			goto out;
		}
		nlen = le16(e + 28);
		xlen = le16(e + 30);
		clen = le16(e + 32);
		if (cdlen - p - ZIP_CENTRAL_LEN < nlen + xlen + clen) {
			zip_bad("central directory entry", z.cdoff + p, errp);
			goto out;
		}
		if (zip_member(&z, e, errp) == -1)
			goto out;
		/* The entry moves down to q, its extra field dropped. */
		put_le16(e + 30, 0);
		memmove(cd + q, e, ZIP_CENTRAL_LEN + nlen);
		memmove(cd + q + ZIP_CENTRAL_LEN + nlen,
		    e + ZIP_CENTRAL_LEN + nlen + xlen, clen);
		p += ZIP_CENTRAL_LEN + nlen + xlen + clen;
		q += ZIP_CENTRAL_LEN + nlen + clen;
	}
	if (p != cdlen || z.rd != z.cdoff) {
		zip_bad("central directory", z.cdoff + p, errp);
		goto out;
	}
	put_le32(end + 12, (uint32_t)q);
	put_le32(end + 16, (uint32_t)z.wr);
	if (zip_write(&z, cd, q, errp) == -1 ||
	    zip_write(&z, end, sizeof(end), errp) == -1)
		goto out;
	if (ftruncate(fd, (off_t)z.wr) == -1) {
		err_sys(errp, "rewriting the zip");
		goto out;
	}
	*sizep = z.wr;
	rc = 0;
out:
	free(z.buf);
	free(cd);
	return rc;
}

int
pkg_tree_write(struct pkg_tree *t, int fd, struct pkg_info *info,
    char **errp)
{
	struct archive		*a = NULL;
	struct sink		 s = { fd, NULL, 0, 0 };
	json_t			*pi = NULL;
	char			*mtext = NULL;
	size_t			 i, mlen = 0;
	locale_t		 utf8 = (locale_t)0, loc = (locale_t)0;
	int			 rc = -1;

	memset(info, 0, sizeof(*info));
	qsort(t->v, t->n, sizeof(*t->v), entry_cmp);
	for (i = 1; i < t->n; i++)
		if (strcmp(t->v[i - 1].path, t->v[i].path) == 0)
			return err_set(errp, "'%s' is given twice",
			    t->v[i].path);
	if ((pi = pkg_tree_pkginfo(t, errp)) == NULL ||
	    pkginfo_platform(pi, NULL, &info->platform, errp) == -1 ||
	    (info->platform == PLATFORM_WINDOWS &&
	    windows_entries_check(t, errp) == -1))
		goto out;
	link_hardlinks(t);
	if (manifest_text(t, info, &mtext, &mlen, errp) == -1 ||
	    utf8_ctype_enter(t, &utf8, &loc, errp) == -1)
		goto out;
	if ((s.h = sha256_new()) == NULL || (a = archive_write_new()) == NULL) {
		err_set(errp, "out of memory");
		goto out;
	}
	if ((info->platform == PLATFORM_WINDOWS ? zip_format(a) :
	    tar_format(a)) == -1 ||
	    archive_write_open2(a, &s, NULL, sink_write, NULL, NULL) !=
	    ARCHIVE_OK) {
		err_set(errp, "cannot start the package archive: %s",
		    archive_error_string(a));
		goto out;
	}
	if (write_entries(a, t, mtext, mlen, info->platform ==
	    PLATFORM_WINDOWS, errp) == -1)
		goto out;
	if (archive_write_close(a) != ARCHIVE_OK) {
		archive_fail(a, t->id, errp);
		goto out;
	}
	/* The digest and size are of the zip as rewritten. */
	if (info->platform == PLATFORM_WINDOWS &&
	    zip_strip_extra(fd, s.h, &s.size, errp) == -1) {
		err_wrap(errp, "writing package %s", t->id);
		goto out;
	}
	sha256_final(s.h, &info->digest);
	info->size = s.size;
	rc = 0;
out:
	if (a != NULL)
		archive_write_free(a);
	utf8_ctype_leave(utf8, loc);
	sha256_free(s.h);
	json_decref(pi);
	free(mtext);
	return rc;
}

int
pkg_tree_write_file(struct pkg_tree *t, const char *path,
    struct pkg_info *info, char **errp)
{
	struct atomic_file	 af;

	if (atomic_open(&af, path, 0644, errp) == -1)
		return -1;
	if (pkg_tree_write(t, af.fd, info, errp) == -1) {
		atomic_abort(&af);
		return -1;
	}
	return atomic_commit(&af, errp);
}
