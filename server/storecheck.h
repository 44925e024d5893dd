/*
 * Store checks shared by serve and fsck: "is this directory a store",
 * "does this blob match its name", and opening a file below the store root
 * without ever leaving it.
 */
#ifndef DCOS_STORECHECK_H
#define DCOS_STORECHECK_H

#include <stdint.h>

#include "digest.h"

/*
 * Checks that root is a store: a directory with a blobs/sha256/ directory
 * and an index.json that lib/manifest accepts.  Returns 0, or
 * -1 with *errp saying what is missing and what to do.
 */
int	 storecheck_root(const char *root, char **errp);

/*
 * Opens rel (a relative path) below the directory rootfd for reading.
 * Symlinks are followed only while they stay below rootfd (openat2
 * RESOLVE_BENEATH; on kernels without openat2 no symlink is followed at
 * all).  FIFOs and devices are opened without blocking, so callers must
 * fstat the result and refuse anything but a regular file.  Returns the
 * descriptor, or -1 with errno set (ENOENT, EXDEV or ELOOP for a path
 * that leaves the root).
 */
int	 storecheck_openat(int rootfd, const char *rel);
/* The same for a directory (ENOTDIR when rel is something else). */
int	 storecheck_opendir(int rootfd, const char *rel);

/*
 * Hashes everything readable from fd and compares the digest with the
 * blob's name.  *sizep (when not NULL) gets the byte count.  Returns 0
 * when they match, -1 with *errp (naming the digest found) otherwise.
 */
/*
 * Checks that the blob open on fd has the digest of its name (read from
 * the current offset); *sizep gets its size.  Returns 0 or -1 with *errp.
 */
int	 storecheck_blob_fd(int fd, const struct digest *name,
	    uint64_t *sizep, char **errp);

#endif
