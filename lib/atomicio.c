/* SPDX-License-Identifier: Apache-2.0 */
#include <config.h>

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomicio.h"
#include "error.h"

/* Writes all of buf at off, or at the file offset when off is -1. */
static int
write_at(int fd, const void *buf, size_t len, off_t off)
{
	const char	*p = buf;
	ssize_t		 n;

	while (len > 0) {
		n = off == -1 ? write(fd, p, len) : pwrite(fd, p, len, off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		p += n;
		len -= (size_t)n;
		if (off != -1)
			off += n;
	}
	return 0;
}

int
write_all(int fd, const void *buf, size_t len)
{
	return write_at(fd, buf, len, -1);
}

/*
 * write_all at offset off: a failed call leaves the file offset alone, so
 * the caller can write the same bytes again at the same place.
 */
int
pwrite_all(int fd, const void *buf, size_t len, off_t off)
{
	return write_at(fd, buf, len, off);
}

#define STREAM_CHUNK	(256 * 1024)

int
fd_stream(int fd, void (*fn)(void *, const void *, size_t), void *arg,
    uint64_t *totalp, char **errp)
{
	uint8_t		*buf;
	uint64_t	 total = 0;
	ssize_t		 n;
	int		 rc = -1;

	if ((buf = malloc(STREAM_CHUNK)) == NULL)
		return err_set(errp, "out of memory");
	for (;;) {
		n = read(fd, buf, STREAM_CHUNK);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			err_sys(errp, "read");
			goto out;
		}
		if (n == 0)
			break;
		fn(arg, buf, (size_t)n);
		total += (uint64_t)n;
	}
	if (totalp != NULL)
		*totalp = total;
	rc = 0;
out:
	free(buf);
	return rc;
}

struct copy {
	int	 fd;
	int	 err;	/* first write errno */
};

static void
copy_feed(void *arg, const void *buf, size_t len)
{
	struct copy	*c = arg;

	if (c->err == 0 && write_all(c->fd, buf, len) == -1)
		c->err = errno;
}

int
copy_fd(int in, int out, char **errp)
{
	struct copy	 c = { out, 0 };

	if (fd_stream(in, copy_feed, &c, NULL, errp) == -1)
		return -1;
	if (c.err != 0) {
		errno = c.err;
		return err_sys(errp, "write");
	}
	return 0;
}

int
fsync_dir(const char *dir, char **errp)
{
	int	 fd, rc = 0;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return err_sys(errp, "%s", dir);
	if (fsync(fd) == -1 && errno != EINVAL)
		rc = err_sys(errp, "fsync %s", dir);
	close(fd);
	return rc;
}

int
fsync_parent(const char *path, char **errp)
{
	char	*copy;
	int	 rc;

	if ((copy = strdup(path)) == NULL)
		return err_set(errp, "out of memory");
	rc = fsync_dir(dirname(copy), errp);
	free(copy);
	return rc;
}

char *
path_join(const char *a, const char *b)
{
	char	*p;
	size_t	 la = strlen(a);

	if (asprintf(&p, "%s%s%s", a, la > 0 && a[la - 1] == '/' ? "" : "/",
	    b) == -1)
		return NULL;
	return p;
}

int
atomic_open(struct atomic_file *af, const char *path, mode_t mode,
    char **errp)
{
	char	*dir = NULL, *base = NULL, *copy1 = NULL, *copy2 = NULL;
	int	 rc = -1;

	af->fd = -1;
	af->tmp = NULL;
	if ((af->path = strdup(path)) == NULL ||
	    (copy1 = strdup(path)) == NULL || (copy2 = strdup(path)) == NULL) {
		err_set(errp, "out of memory");
		goto out;
	}
	dir = dirname(copy1);
	base = basename(copy2);
	if (asprintf(&af->tmp, "%s/.%s.tmp.XXXXXX", dir, base) == -1) {
		af->tmp = NULL;
		err_set(errp, "out of memory");
		goto out;
	}
	if ((af->fd = mkostemp(af->tmp, O_CLOEXEC)) == -1) {
		err_sys(errp, "cannot create a temporary file for %s", path);
		free(af->tmp);
		af->tmp = NULL;
		goto out;
	}
	if (fchmod(af->fd, mode) == -1) {
		err_sys(errp, "chmod %s", af->tmp);
		goto out;
	}
	rc = 0;
out:
	free(copy1);
	free(copy2);
	if (rc == -1)
		atomic_abort(af);
	return rc;
}

void
atomic_abort(struct atomic_file *af)
{
	if (af->fd != -1)
		close(af->fd);
	af->fd = -1;
	if (af->tmp != NULL)
		unlink(af->tmp);
	free(af->tmp);
	free(af->path);
	af->tmp = af->path = NULL;
}

int
atomic_commit(struct atomic_file *af, char **errp)
{
	int	 rc = -1;

	if (fsync(af->fd) == -1) {
		err_sys(errp, "fsync %s", af->path);
		goto out;
	}
	if (close(af->fd) == -1) {
		af->fd = -1;
		err_sys(errp, "close %s", af->path);
		goto out;
	}
	af->fd = -1;
	if (rename(af->tmp, af->path) == -1) {
		err_sys(errp, "rename %s", af->path);
		goto out;
	}
	free(af->tmp);
	af->tmp = NULL;
	rc = fsync_parent(af->path, errp);
out:
	atomic_abort(af);
	return rc;
}

int
atomic_write_file(const char *path, const void *buf, size_t len, mode_t mode,
    char **errp)
{
	struct atomic_file	 af;

	if (atomic_open(&af, path, mode, errp) == -1)
		return -1;
	if (write_all(af.fd, buf, len) == -1) {
		err_sys(errp, "write %s", path);
		atomic_abort(&af);
		return -1;
	}
	return atomic_commit(&af, errp);
}

int
mkdir_p(const char *path, mode_t mode, char **errp)
{
	char	*copy, *p;
	int	 rc = 0;

	if ((copy = strdup(path)) == NULL)
		return err_set(errp, "out of memory");
	for (p = copy + 1; rc == 0; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char saved = *p;
		*p = '\0';
		if (mkdir(copy, mode) == -1 && errno != EEXIST)
			rc = err_sys(errp, "mkdir %s", copy);
		*p = saved;
		if (saved == '\0')
			break;
	}
	free(copy);
	return rc;
}

/* Grows *bufp to hold at least want bytes and a NUL, up to max. */
static int
grow(char **bufp, size_t *capp, size_t max, const char *path, char **errp)
{
	size_t	 cap;
	char	*nb;

	if (*capp >= max)
		return err_set(errp, "%s: larger than %zu bytes", path, max);
	cap = *capp == 0 ? 4096 : *capp * 2;
	if (cap > max)
		cap = max;
	if ((nb = realloc(*bufp, cap + 1)) == NULL)
		return err_set(errp, "out of memory");
	*bufp = nb;
	*capp = cap;
	return 0;
}

/* What a file of mode m is, for messages. */
static const char *
file_kind(mode_t m)
{
	if (S_ISDIR(m))
		return "a directory";
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISSOCK(m))
		return "a socket";
	if (S_ISCHR(m) || S_ISBLK(m))
		return "a device";
	return "not a regular file";
}

int
open_regular(const char *path, char **errp)
{
	struct stat	 st;
	int		 fd, flags, e;

	/* O_NONBLOCK: opening a FIFO with no writer returns at once. */
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) == -1) {
		e = errno;
		err_sys(errp, "%s", path);
		errno = e;
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		err_sys(errp, "%s", path);
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		err_set(errp, "%s is %s, not a regular file; remove it, then "
		    "run this again", path, file_kind(st.st_mode));
		goto fail;
	}
	if ((flags = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) == -1) {
		err_sys(errp, "%s", path);
		goto fail;
	}
	return fd;
fail:
	close(fd);
	errno = EINVAL;
	return -1;
}

int
read_fd_all(int fd, const char *path, size_t max, char **bufp, size_t *lenp,
    char **errp)
{
	struct stat	 st;
	char		*buf = NULL;
	size_t		 len = 0, cap = 0;
	ssize_t		 n;
	int		 rc = -1;

	*bufp = NULL;
	if (lenp != NULL)
		*lenp = 0;
	if (fstat(fd, &st) == -1)
		return err_sys(errp, "%s", path);
	if ((uint64_t)st.st_size > max)
		return err_set(errp, "%s: larger than %zu bytes", path, max);
	/* Read to EOF: /proc files say 0 bytes, others may grow. */
	cap = (size_t)st.st_size + 1;
	if ((buf = malloc(cap + 1)) == NULL)
		return err_set(errp, "out of memory");
	for (;;) {
		if (len == cap && grow(&buf, &cap, max, path, errp) == -1)
			goto out;
		n = read(fd, buf + len, cap - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			err_sys(errp, "read %s", path);
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	*bufp = buf;
	buf = NULL;	/* transferred */
	if (lenp != NULL)
		*lenp = len;
	rc = 0;
out:
	free(buf);
	return rc;
}

int
read_file(const char *path, size_t max, char **bufp, size_t *lenp,
    char **errp)
{
	int	 fd, rc;

	*bufp = NULL;
	if (lenp != NULL)
		*lenp = 0;
	if ((fd = open_regular(path, errp)) == -1)
		return -1;
	rc = read_fd_all(fd, path, max, bufp, lenp, errp);
	close(fd);
	return rc;
}
