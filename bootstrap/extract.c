/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Package extraction under DESIGN 5.  libarchive only reads (tar with the
 * zstd/xz/gzip filters); every write is ours, relative to directory fds
 * inside the staging directory, with O_NOFOLLOW and O_EXCL, so no member
 * can reach outside it whatever the archive says.  The package's own
 * manifest (its first member, digest pinned by the signed release) is the
 * allow-list: a member it does not describe exactly is refused.
 */
#include <config.h>

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "atomicio.h"
#include "blob.h"
#include "bootstrap.h"
#include "digest.h"
#include "error.h"
#include "jsonio.h"
#include "pkginfo.h"

/*
 * Reads of a package blob: large, so a blob takes few system calls (and
 * libarchive's zstd filter gets whole frames).
 */
#define PKGBLOB_BLOCK	(1024 * 1024)
/*
 * Files from DIRECT_MIN bytes on are written with O_DIRECT where the file
 * system takes it: the disk reads them from our buffer, so no CPU copies
 * them into the page cache (on a virtual machine, a new page-cache page
 * can cost more than hashing it) and the cores are left to zstd and
 * SHA-256.  They must reach the disk before the switch anyway (the syncfs
 * in install).  Smaller files go through the page cache: a direct write
 * waits for the disk, a price a few blocks do not repay.  DIRECT_ALIGN
 * covers every logical block size Linux disks have; the tail below one
 * block goes through the page cache.  Files written through the page
 * cache from WRITEBACK_MIN on have their writeback started when written.
 */
#define DIRECT_MIN	(64 * 1024)
#define DIRECT_BUF	(1024 * 1024)
#define DIRECT_ALIGN	4096
#define WRITEBACK_MIN	(64 * 1024)

/* ---- the package manifest ---- */

void
pkgmanifest_free(struct pkgmanifest *m)
{
	if (m == NULL)
		return;
	pkg_manifest_free(m->pm);
	free(m);
}

const struct pkg_file *
pkgmanifest_find(const struct pkgmanifest *m, const char *path)
{
	return pkg_manifest_find(m->pm, path);
}

/*
 * Every parent is a listed directory, so the leading ".." of a symlink
 * (the only place lib/manifest allows them) climb through real
 * directories.  lib/manifest has checked symlinks and hardlinks.
 */
static int
check_structure(const struct pkg_manifest *m, char **errp)
{
	size_t			 i;
	const struct pkg_file	*e, *t;
	const char		*slash;
	char			 parent[PATH_MAX];

	for (i = 0; i < m->nfiles; i++) {
		e = &m->files[i];
		if (strcmp(e->path, PKG_MANIFEST_NAME) == 0)
			return err_set(errp, "it lists itself");
		if ((slash = strrchr(e->path, '/')) != NULL) {
			snprintf(parent, sizeof(parent), "%.*s",
			    (int)(slash - e->path), e->path);
			t = pkg_manifest_find(m, parent);
			if (t == NULL || t->type != PKG_DIR)
				return err_set(errp, "%s: its parent %s is not "
				    "a directory of the package", e->path,
				    parent);
		}
	}
	return 0;
}

int
pkgmanifest_parse(const char *buf, size_t len, const char *want_id,
    struct pkgmanifest **mp, char **errp)
{
	struct pkgmanifest	*m;
	int			 rc = -1;

	if ((m = calloc(1, sizeof(*m))) == NULL)
		return err_set(errp, "out of memory");
	digest_buf(buf, len, &m->digest);
	if (pkg_manifest_parse(buf, len, PKG_MANIFEST_NAME, &m->pm, errp) ==
	    -1)
		goto out;
	m->id = m->pm->id;
	if (want_id != NULL && strcmp(m->id, want_id) != 0) {
		err_set(errp, "it describes package %s, not %s", m->id,
		    want_id);
		goto out;
	}
	if (check_structure(m->pm, errp) == -1)
		goto out;
	*mp = m;
	m = NULL;	/* transferred */
	rc = 0;
out:
	pkgmanifest_free(m);
	return rc;
}

int
pkgmanifest_load(const char *pkgroot, const char *want_id,
    struct pkgmanifest **mp, char **errp)
{
	char	*path, *buf = NULL;
	size_t	 len;
	int	 rc = -1;

	if ((path = path_join(pkgroot, PKG_MANIFEST_NAME)) == NULL)
		return err_set(errp, "out of memory");
	if (read_file(path, PKG_MANIFEST_MAX_BYTES, &buf, &len, errp) == -1)
		goto out;
	if (pkgmanifest_parse(buf, len, want_id, mp, errp) == -1) {
		err_wrap(errp, "%s", path);
		goto out;
	}
	rc = 0;
out:
	free(path);
	free(buf);
	return rc;
}

/* ---- writing inside the staging directory ---- */

struct xstate {
	struct pkgblob		*b;
	struct archive		*ar;		/* b's */
	struct pkgmanifest	*m;
	int			 rootfd;	/* the staging dir */
	char			 pdir[PATH_MAX];/* cached parent path */
	int			 pfd;		/* its fd (or rootfd) */
	struct sha256		*h;
	uint8_t			*seen;		/* per manifest entry */
	struct progress		*pr;		/* may be NULL */
	size_t			 item;		/* this package in pr */
	uint8_t			*dbuf;		/* DIRECT_BUF, aligned */
	int			 nodirect;	/* the stage refused it */
};

#define SEEN(x, e)	((x)->seen[(e) - (x)->m->pm->files])

/*
 * The fd of path's parent directory, walking every component with
 * O_NOFOLLOW|O_DIRECTORY, so nothing in the tree can redirect a write.
 * Consecutive members share parents (the blob is sorted): cache the last.
 */
static int
parent_fd(struct xstate *x, const char *path, const char **basep,
    char **errp)
{
	const char	*slash = strrchr(path, '/');
	char		 dir[PATH_MAX], *c, *e;
	int		 fd, nfd;

	if (slash == NULL) {
		*basep = path;
		return x->rootfd;
	}
	*basep = slash + 1;
	snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	if (x->pfd != -1 && strcmp(dir, x->pdir) == 0)
		return x->pfd;
	fd = x->rootfd;
	c = dir;
	/* A child of the cached dir (a deep tree): one step, not all. */
	if (x->pfd != -1 && strncmp(dir, x->pdir, strlen(x->pdir)) == 0 &&
	    dir[strlen(x->pdir)] == '/' && strchr(dir + strlen(x->pdir) + 1,
	    '/') == NULL) {
		fd = x->pfd;
		c = dir + strlen(x->pdir) + 1;
	} else if (x->pfd != -1)
		close(x->pfd);
	x->pfd = -1;
	for (; c != NULL; c = e) {
		if ((e = strchr(c, '/')) != NULL)
			*e++ = '\0';
		nfd = openat(fd, c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
		if (fd != x->rootfd)
			close(fd);
		if (nfd == -1)
			return err_sys(errp, "%s: cannot open its directory",
			    path);
		fd = nfd;
		if (e != NULL)
			e[-1] = '/';
	}
	snprintf(x->pdir, sizeof(x->pdir), "%s", dir);
	x->pfd = fd;
	return fd;
}

/* A file being extracted. */
struct outfile {
	int	 fd;
	int	 direct;	/* through x->dbuf, opened O_DIRECT */
	size_t	 fill;		/* bytes in x->dbuf */
	off_t	 off;		/* where they go */
};

/* Clears O_DIRECT: the rest of the file goes through the page cache. */
static int
direct_off(int fd)
{
	int	fl;

	if ((fl = fcntl(fd, F_GETFL)) == -1)
		return -1;
	return fcntl(fd, F_SETFL, fl & ~O_DIRECT);
}

/*
 * Writes the first len bytes of the direct buffer (a multiple of
 * DIRECT_ALIGN while O_DIRECT is on) at o->off.  A file system that took
 * O_DIRECT at open but refuses the write (EINVAL: an alignment it wants
 * bigger) gets the same bytes again, at the same offset, through the page
 * cache, and no more direct files.
 */
static int
direct_write(struct xstate *x, struct outfile *o, size_t len)
{
	if (pwrite_all(o->fd, x->dbuf, len, o->off) == -1) {
		if (errno != EINVAL || direct_off(o->fd) == -1 ||
		    pwrite_all(o->fd, x->dbuf, len, o->off) == -1)
			return -1;
		x->nodirect = 1;
	}
	o->off += (off_t)len;
	return 0;
}

/*
 * Creates the file, and turns O_DIRECT on, with the direct buffer ready,
 * for a big one.  O_DIRECT is set after the open, not in it: a file system
 * that refuses it (EINVAL: ramfs, some FUSE ones) would have created the
 * file before refusing the open.  It then gets plain files from then on
 * (O_DIRECT only saves work: a file that cannot have it is no error).
 */
static int
create_file(struct xstate *x, const struct pkg_file *e, int dfd,
    const char *base, struct outfile *o)
{
	void	*p;
	int	 fl;

	memset(o, 0, sizeof(*o));
	o->fd = openat(dfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	if (o->fd == -1)
		return -1;
	if (e->size < DIRECT_MIN || x->nodirect)
		return 0;
	if (x->dbuf == NULL) {
		if (posix_memalign(&p, DIRECT_ALIGN, DIRECT_BUF) != 0) {
			x->nodirect = 1;
			return 0;
		}
		x->dbuf = p;
	}
	if ((fl = fcntl(o->fd, F_GETFL)) == -1 ||
	    fcntl(o->fd, F_SETFL, fl | O_DIRECT) == -1) {
		x->nodirect = 1;
		return 0;
	}
	o->direct = 1;
	return 0;
}

/*
 * Writes block: straight for a plain file; for a direct one through the
 * direct buffer, written whenever it is full.
 */
static int
put_block(struct xstate *x, struct outfile *o, const uint8_t *block,
    size_t len)
{
	size_t	n;

	if (!o->direct)
		return write_all(o->fd, block, len);
	while (len > 0) {
		n = DIRECT_BUF - o->fill < len ? DIRECT_BUF - o->fill : len;
		memcpy(x->dbuf + o->fill, block, n);
		o->fill += n;
		block += n;
		len -= n;
		if (o->fill == DIRECT_BUF) {
			if (direct_write(x, o, DIRECT_BUF) == -1)
				return -1;
			o->fill = 0;
		}
	}
	return 0;
}

/*
 * The rest of a direct file: its whole blocks direct, then the tail
 * through the page cache (O_DIRECT cleared), so the file ends where its
 * manifest says, without padding to truncate.
 */
static int
put_tail(struct xstate *x, struct outfile *o)
{
	size_t	whole = o->fill - o->fill % DIRECT_ALIGN;

	if (whole > 0 && direct_write(x, o, whole) == -1)
		return -1;
	if (whole == o->fill)
		return 0;
	if (direct_off(o->fd) == -1)
		return -1;
	return pwrite_all(o->fd, x->dbuf + whole, o->fill - whole, o->off);
}

static int
write_file(struct xstate *x, const struct pkg_file *e, int dfd, const char *base,
    char **errp)
{
	const void	*block;
	size_t		 len;
	la_int64_t	 off;
	uint64_t	 total = 0;
	struct digest	 got;
	struct outfile	 o;
	int		 r, rc = -1;

	if (create_file(x, e, dfd, base, &o) == -1)
		return err_sys(errp, "%s: cannot create", e->path);
	sha256_reset(x->h);
	for (;;) {
		r = archive_read_data_block(x->ar, &block, &len, &off);
		if (r == ARCHIVE_EOF)
			break;
		if (r != ARCHIVE_OK) {
			err_set(errp, "%s: %s (blob truncated or corrupt)",
			    e->path, archive_error_string(x->ar));
			goto out;
		}
		if ((uint64_t)off != total) {
			err_set(errp, "%s: sparse members are refused",
			    e->path);
			goto out;
		}
		if (total + len > e->size) {
			err_set(errp, "%s: member is larger than the %llu "
			    "bytes its manifest declares", e->path,
			    (unsigned long long)e->size);
			goto out;
		}
		sha256_update(x->h, block, len);
		if (put_block(x, &o, block, len) == -1) {
			err_sys(errp, "%s: write", e->path);
			goto out;
		}
		progress_add(x->pr, x->item, len);
		total += len;
	}
	if (total != e->size) {
		err_set(errp, "%s: member has %llu bytes, its manifest "
		    "declares %llu", e->path, (unsigned long long)total,
		    (unsigned long long)e->size);
		goto out;
	}
	if (o.direct && put_tail(x, &o) == -1) {
		err_sys(errp, "%s: write", e->path);
		goto out;
	}
	sha256_final(x->h, &got);
	if (!digest_equal(&got, &e->sha256)) {
		err_set(errp, "%s: content does not match the sha256 of its "
		    "manifest", e->path);
		goto out;
	}
	if (fchmod(o.fd, e->mode) == -1) {
		err_sys(errp, "%s: chmod", e->path);
		goto out;
	}
	/*
	 * Starts the writeback without waiting for it, so the disk works
	 * while the next members are decompressed and hashed, and the one
	 * syncfs before the packages are renamed into place (the barrier
	 * that makes them durable, unchanged) finds little left to write.
	 * Only a hint: a file system that cannot is no error.  (A direct
	 * file's blocks are written already; its tail is small.)
	 */
	if (total >= WRITEBACK_MIN && !o.direct)
		(void)sync_file_range(o.fd, 0, 0, SYNC_FILE_RANGE_WRITE);
	rc = 0;
out:
	if (close(o.fd) == -1 && rc == 0)
		rc = err_sys(errp, "%s: close", e->path);
	return rc;
}

static const char *
type_name(mode_t t)
{
	switch (t) {
	case AE_IFCHR: return "a character device";
	case AE_IFBLK: return "a block device";
	case AE_IFIFO: return "a FIFO";
	case AE_IFSOCK: return "a socket";
	default: return "an unsupported member type";
	}
}

/*
 * Refuses a member whose path, type or mode no package may have:
 * absolute or climbing paths, devices and FIFOs, setuid bits, write bits
 * for group or others (lib/manifest's rules, as dcos-genconf applies
 * them).  The manifest has been held to the same rules; this names the
 * member when the tar disagrees with it.
 */
static int
member_refused(const char *path, mode_t ft, mode_t perm, const char *hl,
    char **errp)
{
	if (path[0] == '/')
		return err_set(errp, "member %s: absolute paths are refused",
		    path);
	if (!relpath_valid(path))
		return err_set(errp, "member %s: paths with \"..\", \".\" or "
		    "empty components are refused", path);
	if (pkg_path_check(path, errp) == -1)
		return err_wrap(errp, "member");
	if (hl == NULL && ft != AE_IFREG && ft != AE_IFDIR && ft != AE_IFLNK)
		return err_set(errp, "member %s is %s; only files, "
		    "directories and links are allowed", path, type_name(ft));
	if (hl == NULL && ft != AE_IFLNK && pkg_mode_check(perm, errp) == -1)
		return err_wrap(errp, "member %s", path);
	return 0;
}

/* Links path to hl, an earlier file of the package its manifest names. */
static int
make_hardlink(struct xstate *x, const struct pkg_file *e, const char *path,
    const char *hl, char **errp)
{
	const struct pkg_file	*te;
	const char		*tbase, *base;
	char			 tpath[PATH_MAX];
	int			 tfd, keep, dfd;

	if (e->type != PKG_HARDLINK || strcmp(hl, e->target) != 0)
		return err_set(errp, "member %s: a hardlink to %s the "
		    "manifest does not declare", path, hl);
	te = pkgmanifest_find(x->m, hl);
	if (te == NULL || !SEEN(x, te))
		return err_set(errp, "member %s: hardlink to %s, which is not "
		    "an earlier file of the package", path, hl);
	/* linkat needs the target's own parent fd: walk it. */
	snprintf(tpath, sizeof(tpath), "%s", hl);
	if ((tfd = parent_fd(x, tpath, &tbase, errp)) == -1)
		return -1;
	if ((keep = dup(tfd)) == -1)
		return err_sys(errp, "dup");
	dfd = parent_fd(x, path, &base, errp);
	if (dfd == -1 || linkat(keep, tbase, dfd, base, 0) == -1) {
		if (dfd != -1)
			err_sys(errp, "member %s: link", path);
		close(keep);
		return -1;
	}
	close(keep);
	return 0;
}

/* Makes a directory, symlink or file as its manifest entry e declares. */
static int
make_entry(struct xstate *x, struct archive_entry *ae,
    const struct pkg_file *e, const char *path, int dfd, const char *base,
    char **errp)
{
	mode_t		 perm = archive_entry_mode(ae) & 07777;
	const char	*t;

	switch (archive_entry_filetype(ae)) {
	case AE_IFDIR:
		if (e->type != PKG_DIR || perm != e->mode)
			return err_set(errp, "member %s: a directory of mode "
			    "%04o where the manifest declares otherwise",
			    path, (unsigned)perm);
		/* Owner-writable while we fill it; final mode at the end. */
		if (mkdirat(dfd, base, 0700) == -1)
			return err_sys(errp, "member %s: mkdir", path);
		return 0;
	case AE_IFLNK:
		t = archive_entry_symlink(ae);
		if (e->type != PKG_SYMLINK || t == NULL ||
		    strcmp(t, e->target) != 0)
			return err_set(errp, "member %s: symlink to %s, the "
			    "manifest declares otherwise", path,
			    t != NULL ? t : "(nothing)");
		if (symlinkat(t, dfd, base) == -1)
			return err_sys(errp, "member %s: symlink", path);
		return 0;
	default:
		if (e->type != PKG_FILE || perm != e->mode)
			return err_set(errp, "member %s: a file of mode %04o "
			    "where the manifest declares otherwise", path,
			    (unsigned)perm);
		if (archive_entry_size_is_set(ae) &&
		    (uint64_t)archive_entry_size(ae) > e->size)
			return err_set(errp, "member %s: its %lld bytes are "
			    "more than the %llu its manifest declares", path,
			    (long long)archive_entry_size(ae),
			    (unsigned long long)e->size);
		return write_file(x, e, dfd, base, errp);
	}
}

static int
one_member(struct xstate *x, struct archive_entry *ae, char **errp)
{
	const char		*path = archive_entry_pathname(ae), *base;
	char			 dirpath[PATH_MAX];
	const struct pkg_file	*e;
	mode_t			 ft = archive_entry_filetype(ae);
	mode_t			 perm = archive_entry_mode(ae) & 07777;
	const char		*hl = archive_entry_hardlink(ae);
	size_t			 len;
	int			 dfd;

	if (path == NULL)
		return err_set(errp, "a member has no name");
	/* tar writers end directory names with '/': drop exactly one. */
	if (ft == AE_IFDIR && hl == NULL) {
		len = strlen(path);
		if (len > 1 && len < sizeof(dirpath) && path[len - 1] == '/') {
			snprintf(dirpath, sizeof(dirpath), "%.*s",
			    (int)(len - 1), path);
			path = dirpath;
		}
	}
	if (member_refused(path, ft, perm, hl, errp) == -1)
		return -1;
	if ((e = pkgmanifest_find(x->m, path)) == NULL)
		return err_set(errp, "member %s is not in the package "
		    "manifest", path);
	if (SEEN(x, e))
		return err_set(errp, "member %s appears twice", path);
	SEEN(x, e) = 1;
	if ((dfd = parent_fd(x, path, &base, errp)) == -1)
		return -1;
	if (hl != NULL)
		return make_hardlink(x, e, path, hl, errp);
	return make_entry(x, ae, e, path, dfd, base, errp);
}

/* Reads the first member, which must be the manifest, and checks it. */
static int
read_manifest(struct xstate *x, const char *id, const struct digest *want,
    char **errp)
{
	char			*buf = NULL;
	size_t			 got = 0;
	int			 rc = -1;

	struct digest		 d;

	if (pkgblob_manifest(x->b, &buf, &got, errp) == -1)
		return -1;
	/*
	 * Its pinned digest before the parse: the blob's own digest is
	 * known only at its end, and no unsigned text is parsed.
	 */
	digest_buf(buf, got, &d);
	if (want != NULL && !digest_equal(want, &d)) {
		err_set(errp, "%s does not have the digest the signed release "
		    "lists", PKG_MANIFEST_NAME);
		goto out;
	}
	if (pkgmanifest_parse(buf, got, id, &x->m, errp) == -1)
		goto out;
	if ((x->seen = calloc(x->m->pm->nfiles + 1, 1)) == NULL) {
		err_set(errp, "out of memory");
		goto out;
	}
	rc = 0;
out:
	/* Kept in the package so verify can audit it later. */
	if (rc == 0) {
		int fd = openat(x->rootfd, PKG_MANIFEST_NAME, O_WRONLY |
		    O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd == -1 || write_all(fd, buf, got) == -1)
			rc = err_sys(errp, "write %s", PKG_MANIFEST_NAME);
		if (fd != -1)
			close(fd);
	}
	free(buf);
	return rc;
}

/* Applies the manifest's directory modes once their contents exist. */
static int
finish_dirs(struct xstate *x, char **errp)
{
	size_t			 i;
	const struct pkg_file	*e;

	for (i = x->m->pm->nfiles; i-- > 0;) {
		e = &x->m->pm->files[i];
		if (!SEEN(x, e))
			return err_set(errp, "member %s of the manifest is "
			    "missing from the blob", e->path);
		if (e->type == PKG_DIR && fchmodat(x->rootfd, e->path, e->mode,
		    0) == -1)
			return err_sys(errp, "%s: chmod", e->path);
	}
	return 0;
}

/*
 * pkginfo.json, held to pkgpanda's rules (lib/pkginfo, the one rule
 * dcos-genconf builds with) while the package is still in its staging
 * directory: activation would refuse it later, after the package had
 * joined the installed ones.
 */
static int
check_pkginfo(struct xstate *x, const char *stagedir, char **errp)
{
	json_t	*j = NULL;
	char	*path, *buf = NULL;
	size_t	 len;
	int	 rc = -1;

	if (pkgmanifest_find(x->m, "pkginfo.json") == NULL)
		return 0;
	if ((path = path_join(stagedir, "pkginfo.json")) == NULL)
		return err_set(errp, "out of memory");
	if (read_file(path, JSON_MAX, &buf, &len, errp) == -1 ||
	    (j = pkginfo_check(buf, len, "pkginfo.json", errp)) == NULL)
		goto out;
	rc = 0;
out:
	json_decref(j);
	free(buf);
	free(path);
	return rc;
}

/* ---- the package-blob reader ---- */

/*
 * A package blob open for reading.  Checked up front (blob_open: hashed,
 * then read again from the page cache), or hashed as it streams through
 * the archive reader and checked by pkgblob_finish(): one read of every
 * byte, for extraction into a stage that is discarded unless the digest
 * matches.
 */
struct pkgblob {
	struct archive	*ar;
	int		 fd;
	char		*name;
	struct digest	 want;
	uint64_t	 size;
	struct sha256	*h;		/* streaming, else NULL */
	uint64_t	 nread;
	int		 finished;
	uint8_t		*buf;
};

/* libarchive's read callback: every byte it gets is hashed on the way. */
static la_ssize_t
pkgblob_read(struct archive *a, void *arg, const void **bufp)
{
	struct pkgblob	*b = arg;
	ssize_t		 n;

	do
		n = read(b->fd, b->buf, PKGBLOB_BLOCK);
	while (n == -1 && errno == EINTR);
	if (n == -1) {
		archive_set_error(a, errno, "read %s: %s", b->name,
		    strerror(errno));
		return -1;
	}
	if (b->h != NULL)
		sha256_update(b->h, b->buf, (size_t)n);
	b->nread += (uint64_t)n;
	*bufp = b->buf;
	return n;
}

void
pkgblob_free(struct pkgblob *b)
{
	if (b == NULL)
		return;
	if (b->ar != NULL)
		archive_read_free(b->ar);
	if (b->fd != -1)
		close(b->fd);
	sha256_free(b->h);
	free(b->buf);
	free(b->name);
	free(b);
}

static void pkgblob_blame(struct pkgblob *, char **);

int
pkgblob_open(const char *path, const struct digest *want, uint64_t size,
    int flags, struct pkgblob **bp, char **errp)
{
	struct pkgblob	*b;
	struct stat	 st;
	int		 r;

	*bp = NULL;
	if ((b = calloc(1, sizeof(*b))) == NULL)
		return err_set(errp, "out of memory");
	b->fd = -1;
	b->want = *want;
	b->size = size;
	if ((b->name = strdup(path)) == NULL ||
	    (b->buf = malloc(PKGBLOB_BLOCK)) == NULL ||
	    ((flags & PKGBLOB_STREAM) && (b->h = sha256_new()) == NULL)) {
		r = err_set(errp, "out of memory");
		goto out;
	}
	if (flags & PKGBLOB_STREAM) {
		/* The size now (a wrong one costs no read), the digest last. */
		if ((r = blob_open_file(path, 0, &b->fd, errp)) != BLOB_OK)
			goto out;
		if (fstat(b->fd, &st) == -1) {
			r = err_sys(errp, "%s", path);
			goto out;
		}
		if ((uint64_t)st.st_size != size) {
			blob_size_error(path, (uint64_t)st.st_size, size, errp);
			r = -1;
			goto out;
		}
	} else if ((r = blob_open(path, want, (int64_t)size, 0, &b->fd, NULL,
	    errp)) != BLOB_OK)
		goto out;
	if ((b->ar = archive_read_new()) == NULL) {
		r = err_set(errp, "out of memory");
		goto out;
	}
	archive_read_support_format_tar(b->ar);
	archive_read_support_filter_zstd(b->ar);
	archive_read_support_filter_xz(b->ar);
	archive_read_support_filter_gzip(b->ar);
	/* No skip callback: libarchive reads, so hashes, every byte. */
	if (archive_read_open(b->ar, b, NULL, pkgblob_read, NULL) !=
	    ARCHIVE_OK) {
		r = err_set(errp, "%s: %s", path, archive_error_string(b->ar));
		pkgblob_blame(b, errp);
		goto out;
	}
	*bp = b;
	b = NULL;	/* transferred */
	r = BLOB_OK;
out:
	pkgblob_free(b);
	return r == BLOB_WRONG ? -1 : r;
}

/*
 * When extraction failed on a blob that is itself damaged, that is what
 * the operator must hear (and fix), not what a corrupt stream made of a
 * member: the rest of the blob is hashed and its message replaces *errp.
 */
static void
pkgblob_blame(struct pkgblob *b, char **errp)
{
	char	*berr = NULL;

	if (pkgblob_finish(b, &berr) == -1 && errp != NULL) {
		free(*errp);
		*errp = berr;
		berr = NULL;
	}
	free(berr);
}

struct archive *
pkgblob_archive(struct pkgblob *b)
{
	return b->ar;
}

int
pkgblob_finish(struct pkgblob *b, char **errp)
{
	struct digest	 got;
	ssize_t		 n;

	if (b->h == NULL || b->finished)
		return 0;
	b->finished = 1;
	/* What libarchive did not need (the tar's end, padding) counts too. */
	for (;;) {
		n = read(b->fd, b->buf, PKGBLOB_BLOCK);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return err_sys(errp, "read %s", b->name);
		if (n == 0)
			break;
		sha256_update(b->h, b->buf, (size_t)n);
		b->nread += (uint64_t)n;
	}
	if (b->nread != b->size)
		return blob_size_error(b->name, b->nread, b->size, errp);
	sha256_final(b->h, &got);
	if (!digest_equal(&got, &b->want))
		return blob_digest_error(b->name, &got, &b->want, errp);
	return 0;
}

int
pkgblob_manifest(struct pkgblob *b, char **bufp, size_t *lenp, char **errp)
{
	struct archive		*ar = b->ar;
	struct archive_entry	*ae;
	char			*buf = NULL;
	la_int64_t		 size;
	la_ssize_t		 n;
	size_t			 got = 0;
	int			 r;

	r = archive_read_next_header(ar, &ae);
	if (r != ARCHIVE_OK)
		return err_set(errp, "not a package blob: %s",
		    r == ARCHIVE_EOF ? "empty archive" :
		    archive_error_string(ar));
	if (strcmp(archive_entry_pathname(ae), PKG_MANIFEST_NAME) != 0 ||
	    archive_entry_filetype(ae) != AE_IFREG ||
	    archive_entry_hardlink(ae) != NULL)
		return err_set(errp, "the first member is %s, not %s",
		    archive_entry_pathname(ae), PKG_MANIFEST_NAME);
	size = archive_entry_size(ae);
	if (size < 0 || size > PKG_MANIFEST_MAX_BYTES)
		return err_set(errp, "%s is larger than %d bytes, what a "
		    "package manifest may have; split the package",
		    PKG_MANIFEST_NAME, PKG_MANIFEST_MAX_BYTES);
	if ((buf = malloc((size_t)size + 1)) == NULL)
		return err_set(errp, "out of memory");
	while (got < (size_t)size) {
		n = archive_read_data(ar, buf + got, (size_t)size - got);
		if (n < 0) {
			err_set(errp, "%s: %s", PKG_MANIFEST_NAME,
			    archive_error_string(ar));
			free(buf);
			return -1;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	if (got != (size_t)size) {
		free(buf);
		return err_set(errp, "%s is truncated", PKG_MANIFEST_NAME);
	}
	*bufp = buf;
	*lenp = got;
	return 0;
}

int
blob_manifest(const char *blobpath, const struct digest *blob_digest,
    uint64_t blob_size, const char *id, struct digest *out, char **errp)
{
	struct pkgblob		*b = NULL;
	struct pkgmanifest	*m = NULL;
	char			*buf = NULL;
	size_t			 len;
	int			 rc;

	if ((rc = pkgblob_open(blobpath, blob_digest, blob_size, 0, &b,
	    errp)) != BLOB_OK)
		goto out;
	rc = -1;
	if (pkgblob_manifest(b, &buf, &len, errp) == -1 ||
	    pkgmanifest_parse(buf, len, id, &m, errp) == -1)
		goto out;
	*out = m->digest;
	rc = BLOB_OK;
out:
	if (rc == -1)
		err_wrap(errp, "package %s", id);
	pkgblob_free(b);
	pkgmanifest_free(m);
	free(buf);
	return rc;
}

int
extract_package(const char *blobpath, const struct digest *blob_digest,
    uint64_t blob_size, const char *id, const struct digest *want_manifest,
    const char *stagedir, struct progress *pr, size_t item, char **errp)
{
	struct xstate		 x;
	struct archive_entry	*ae;
	int			 r, rc = -1, made = 0;

	memset(&x, 0, sizeof(x));
	x.rootfd = x.pfd = -1;
	x.pr = pr;
	x.item = item;
	/*
	 * One pass: the blob is hashed as it is decompressed, into a stage
	 * nothing uses and that is removed unless the pinned size and digest
	 * match at the end of the stream (pkgblob_finish).
	 */
	if ((r = pkgblob_open(blobpath, blob_digest, blob_size, PKGBLOB_STREAM,
	    &x.b, errp)) != BLOB_OK) {
		if (r == BLOB_MISSING)
			err_set(errp, "%s: missing", blobpath);
		goto out;
	}
	x.ar = pkgblob_archive(x.b);
	if (mkdir(stagedir, 0700) == -1) {
		err_sys(errp, "mkdir %s", stagedir);
		goto out;
	}
	made = 1;
	if ((x.rootfd = open(stagedir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1) {
		err_sys(errp, "%s", stagedir);
		goto out;
	}
	if ((x.h = sha256_new()) == NULL) {
		err_set(errp, "out of memory");
		goto out;
	}
	if (read_manifest(&x, id, want_manifest, errp) == -1) {
		pkgblob_blame(x.b, errp);
		goto out;
	}
	/*
	 * ARCHIVE_WARN: a UTF-8 name this static binary's C locale cannot
	 * show; libarchive then hands the name over unconverted, which is
	 * the UTF-8 the manifest lists.  Every member is matched against
	 * the signed manifest whatever libarchive thought of it.
	 */
	while ((r = archive_read_next_header(x.ar, &ae)) == ARCHIVE_OK ||
	    r == ARCHIVE_WARN) {
		if (one_member(&x, ae, errp) == -1) {
			pkgblob_blame(x.b, errp);
			goto out;
		}
	}
	if (r != ARCHIVE_EOF) {
		err_set(errp, "%s (blob truncated or corrupt)",
		    archive_error_string(x.ar));
		pkgblob_blame(x.b, errp);
		goto out;
	}
	/* The blob's digest before anything reads what it put in the stage. */
	if (pkgblob_finish(x.b, errp) == -1 || finish_dirs(&x, errp) == -1 ||
	    check_pkginfo(&x, stagedir, errp) == -1)
		goto out;
	if (fchmod(x.rootfd, 0755) == -1) {
		err_sys(errp, "chmod %s", stagedir);
		goto out;
	}
	rc = 0;
out:
	if (rc == -1)
		err_wrap(errp, "package %s", id);
	pkgblob_free(x.b);
	if (x.pfd != -1)
		close(x.pfd);
	if (x.rootfd != -1)
		close(x.rootfd);
	sha256_free(x.h);
	free(x.dbuf);
	free(x.seen);
	pkgmanifest_free(x.m);
	if (rc == -1 && made)
		(void)rm_tree(stagedir, NULL);
	return rc;
}
