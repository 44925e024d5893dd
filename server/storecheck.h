/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Store checks shared by serve and fsck: "is this directory a store" and
 * opening a file below the store root without ever leaving it.  Whether a
 * blob matches its name is lib/blob.h's check.
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

#endif
