/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Safe file I/O: every file is written to a temporary name in the same
 * directory, fsynced, renamed over the target, and the directory fsynced,
 * so a crash leaves either the old or the new content, never a mix.
 */
#ifndef DCOS_ATOMICIO_H
#define DCOS_ATOMICIO_H

#include <sys/types.h>
#include <stddef.h>
#include <stdint.h>

struct atomic_file {
	int	 fd;		/* write here; -1 when closed */
	char	*path;		/* final name */
	char	*tmp;		/* temporary name in the same directory */
};

/*
 * Creates a temporary file next to path with the given mode.  Returns 0 and
 * fills af, or -1 with *errp.  Finish with atomic_commit() or atomic_abort().
 */
int	 atomic_open(struct atomic_file *af, const char *path, mode_t mode,
	    char **errp);
/*
 * fsyncs and closes the temporary file, renames it to the final name and
 * fsyncs the directory.  On failure the temporary file is removed.  Either
 * way af is released.  Returns 0 or -1 with *errp.
 */
int	 atomic_commit(struct atomic_file *af, char **errp);
/* Removes the temporary file and releases af.  Safe to call twice. */
void	 atomic_abort(struct atomic_file *af);

/* Writes buf to path atomically (atomic_open + write + commit). */
int	 atomic_write_file(const char *path, const void *buf, size_t len,
	    mode_t mode, char **errp);

/* Writes all of buf, retrying on EINTR and short writes.  0 or -1/errno. */
int	 write_all(int fd, const void *buf, size_t len);
int	 pwrite_all(int fd, const void *buf, size_t len, off_t off);
/* fsyncs a directory.  0 or -1 with *errp. */
int	 fsync_dir(const char *dir, char **errp);
/* fsyncs the directory that holds path. */
int	 fsync_parent(const char *path, char **errp);
/* mkdir -p with mode for created directories.  0 or -1 with *errp. */
int	 mkdir_p(const char *path, mode_t mode, char **errp);
/*
 * Opens path read-only when it is (or a symbolic link names) a regular
 * file, and refuses anything else at once: a FIFO would block the open or
 * the reads forever.  Returns a blocking, close-on-exec descriptor, or -1
 * with *errp saying what path is; errno is ENOENT when path does not
 * exist.
 */
int	 open_regular(const char *path, char **errp);
/*
 * Reads a whole regular file of at most max bytes (to EOF, so /proc files
 * that report size 0 work) into a NUL-terminated malloc'd buffer owned by
 * the caller.  0 or -1 with *errp.
 */
int	 read_file(const char *path, size_t max, char **bufp, size_t *lenp,
	    char **errp);
/*
 * As read_file, from fd (its current offset) to its end; path names it in
 * messages.
 */
int	 read_fd_all(int fd, const char *path, size_t max, char **bufp,
	    size_t *lenp, char **errp);
/*
 * Reads fd to its end in large chunks, passing each to fn(arg, buf, len).
 * *totalp, when not NULL, gets the byte count.  0 or -1 with *errp.
 */
int	 fd_stream(int fd, void (*fn)(void *, const void *, size_t), void *arg,
	    uint64_t *totalp, char **errp);
/* Copies everything readable from in to out.  0 or -1 with *errp. */
int	 copy_fd(int in, int out, char **errp);
/* Returns a malloc'd "a/b" (or NULL when out of memory). */
char	*path_join(const char *a, const char *b);

#endif
