/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Package trees and reproducible package blobs (docs/formats.md): a pax tar
 * compressed with zstd, entries sorted bytewise, uid/gid 0, mtime 0, first
 * member .dcos-manifest.json.  Used by package, release and generate (the
 * config package).
 */
#ifndef DCOS_GENCONF_PKGBLOB_H
#define DCOS_GENCONF_PKGBLOB_H

#include <sys/types.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "digest.h"
#include "manifest.h"
#include "pkginfo.h"

#define PKG_MANIFEST		PKG_MANIFEST_NAME
#define PKG_PKGINFO		"pkginfo.json"
/* The largest pkginfo.json we read. */
#define PKG_PKGINFO_MAX		(1024 * 1024)

struct pkg_entry {
	char		*path;		/* relative, no "./", no trailing "/" */
	enum pkg_ftype	 type;
	mode_t		 mode;		/* permission bits only */
	uint64_t	 size;		/* PKG_FILE */
	struct digest	 digest;	/* PKG_FILE */
	char		*target;	/* PKG_SYMLINK, PKG_HARDLINK */
	char		*src;		/* PKG_FILE read from disk, or NULL */
	void		*data;		/* PKG_FILE held in memory */
	dev_t		 dev;
	ino_t		 ino;
};

struct pkg_tree {
	char		*id;
	struct pkg_entry *v;
	size_t		 n;
	size_t		 cap;
};

/* What a written blob is, as release.json lists it. */
struct pkg_info {
	struct digest	 digest;	/* of the blob */
	uint64_t	 size;		/* of the blob */
	struct digest	 manifest;	/* of .dcos-manifest.json */
	size_t		 files;		/* entries in the manifest */
	uint64_t	 installed_bytes;	/* sum of file sizes */
	enum pkg_platform platform;	/* pkginfo's: tar.zst or zip */
};


/* A new empty tree for package id (checked), or NULL with *errp. */
struct pkg_tree *pkg_tree_new(const char *id, char **errp);
void	 pkg_tree_free(struct pkg_tree *);
/*
 * Adds every entry under dir (not following symlinks), hashing regular
 * files.  Refuses device nodes, FIFOs, sockets, setuid/setgid/sticky bits,
 * absolute or escaping symlinks, names that are not UTF-8 and the reserved
 * .dcos-manifest.json.  0 or -1 with *errp.
 */
int	 pkg_tree_scan(struct pkg_tree *, const char *dir, char **errp);
/*
 * Adds a file held in memory (copied) at a relative path, with any missing
 * parent directories (mode 0755).  0 or -1 with *errp.
 */
int	 pkg_tree_add_data(struct pkg_tree *, const char *path,
	    const void *data, size_t len, mode_t mode, char **errp);
/*
 * The pkginfo.json of the tree, checked with the tree's entries by
 * lib/pkginfo's rules (caller owns it), or NULL with *errp.
 */
json_t	*pkg_tree_pkginfo(struct pkg_tree *, char **errp);
/*
 * Sorts the tree, checks its pkginfo.json and writes the blob to fd,
 * filling *info: a tar.zst, or for pkginfo's "platform": "windows" a zip
 * (after the Windows rules: paths, files and directories only, services
 * json).  A file that changed since it was scanned is an error.
 * fd must be an empty regular file open for reading and writing: a zip is
 * rewritten in place after libarchive writes it (to drop its extra
 * fields), and info's digest and size are of the final bytes.
 * 0 or -1 with *errp.
 */
int	 pkg_tree_write(struct pkg_tree *, int fd, struct pkg_info *info,
	    char **errp);
/* As pkg_tree_write, into path atomically (mode 0644). */
int	 pkg_tree_write_file(struct pkg_tree *, const char *path,
	    struct pkg_info *info, char **errp);

struct archive_entry;
/*
 * Clears ae for a member of a reproducible tar: path, file type and
 * permissions as given; owner 0:0, mtime 0.  Also for the release tar.
 */
void	 pkg_fixed_entry(struct archive_entry *ae, const char *path,
	    mode_t type, mode_t perm);

#endif
