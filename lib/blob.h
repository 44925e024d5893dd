/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The checked blob reader: "this blob has this size and this digest",
 * written once for every program.  A blob is opened without blocking (a
 * FIFO put where a blob belongs must not hang a check), must be a regular
 * file, is hashed, and the descriptor that was hashed is handed out
 * rewound, so what a caller reads next is what was checked, not whatever
 * the name points at by then.  Small blobs are read into memory and the
 * bytes in hand are hashed: those are what the caller parses.
 */
#ifndef DCOS_BLOB_H
#define DCOS_BLOB_H

#include <stddef.h>
#include <stdint.h>

#include "digest.h"

/* Results of the functions below (-1 is an error reading the blob). */
#define BLOB_MISSING	0	/* no such file; *errp untouched */
#define BLOB_OK		1
#define BLOB_WRONG	2	/* *errp says what: type, size or digest */

/* size argument: any size (the digest alone is checked). */
#define BLOB_ANY_SIZE	(-1)

/* flags */
#define BLOB_NOFOLLOW	0x1	/* a symbolic link is BLOB_WRONG */

/*
 * Checks that fd (open on a regular file, read from offset 0) has size
 * bytes (unless BLOB_ANY_SIZE) and the SHA-256 want, and rewinds it.
 * name is the file's name for messages.  *sizep, when not NULL, gets the
 * byte count.  BLOB_OK, BLOB_WRONG or -1, the last two with *errp.
 */
int	 blob_check_fd(int fd, const char *name, const struct digest *want,
	    int64_t size, uint64_t *sizep, char **errp);

/*
 * Opens path for reading (O_NONBLOCK, close-on-exec; with BLOB_NOFOLLOW
 * also O_NOFOLLOW) and checks only that it is a regular file: BLOB_OK
 * with *fdp, BLOB_MISSING, BLOB_WRONG or -1 with *errp.  For a reader
 * that hashes while it streams and checks the digest at the end.
 */
int	 blob_open_file(const char *path, int flags, int *fdp, char **errp);

/*
 * Opens the blob at path (O_NONBLOCK, close-on-exec; with BLOB_NOFOLLOW
 * also O_NOFOLLOW), refuses anything but a regular file, and checks it
 * with blob_check_fd().  On BLOB_OK *fdp, when fdp is not NULL, is the
 * checked descriptor at offset 0 (the caller closes it); with fdp NULL
 * the file is closed.  BLOB_MISSING when path does not exist.
 */
int	 blob_open(const char *path, const struct digest *want, int64_t size,
	    int flags, int *fdp, uint64_t *sizep, char **errp);

/*
 * As blob_open(), but reads the whole blob (at most max bytes, else
 * BLOB_WRONG) into a malloc'd, NUL-terminated buffer the caller frees,
 * and checks the digest of those bytes.  On BLOB_OK, *bufp and *lenp.
 */
int	 blob_read(const char *path, const struct digest *want, int64_t size,
	    size_t max, int flags, char **bufp, size_t *lenp, char **errp);

/*
 * The messages for a blob whose content has digest got, or size got,
 * where want is pinned (also for readers that hash while they stream).
 * Both return -1.
 */
int	 blob_digest_error(const char *name, const struct digest *got,
	    const struct digest *want, char **errp);
int	 blob_size_error(const char *name, uint64_t got, uint64_t want,
	    char **errp);

#endif
