/* SPDX-License-Identifier: Apache-2.0 */
/* The checked blob reader (blob.h). */
#include <config.h>

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomicio.h"
#include "blob.h"
#include "digest.h"
#include "error.h"

int
blob_digest_error(const char *name, const struct digest *got,
    const struct digest *want, char **errp)
{
	char	 g[DIGEST_STRSZ], w[DIGEST_STRSZ];

	digest_format(got, g);
	digest_format(want, w);
	return err_set(errp, "%s: digest %s where %s is pinned (corrupt or "
	    "tampered blob; delete it and fetch it again)", name, g, w);
}

int
blob_size_error(const char *name, uint64_t got, uint64_t want, char **errp)
{
	return err_set(errp, "%s: %llu bytes where %llu are pinned "
	    "(truncated or wrong blob; delete it and fetch it again)", name,
	    (unsigned long long)got, (unsigned long long)want);
}

static int
size_error(const char *name, uint64_t got, int64_t want, char **errp)
{
	blob_size_error(name, got, (uint64_t)want, errp);
	return BLOB_WRONG;
}

int
blob_check_fd(int fd, const char *name, const struct digest *want,
    int64_t size, uint64_t *sizep, char **errp)
{
	struct stat	 st;
	struct digest	 got;
	uint64_t	 n = 0;

	if (sizep != NULL)
		*sizep = 0;
	if (fstat(fd, &st) == -1)
		return err_sys(errp, "%s", name);
	if (!S_ISREG(st.st_mode)) {
		err_set(errp, "%s is not a regular file; remove it, then run "
		    "this again", name);
		return BLOB_WRONG;
	}
	/* The size first: a wrong one costs no read. */
	if (size != BLOB_ANY_SIZE && st.st_size != size)
		return size_error(name, (uint64_t)st.st_size, size, errp);
	if (digest_fd(fd, &got, &n, errp) == -1)
		return err_wrap(errp, "%s", name);
	if (size != BLOB_ANY_SIZE && n != (uint64_t)size)
		return size_error(name, n, size, errp);
	if (sizep != NULL)
		*sizep = n;
	if (!digest_equal(&got, want)) {
		blob_digest_error(name, &got, want, errp);
		return BLOB_WRONG;
	}
	if (lseek(fd, 0, SEEK_SET) == -1)
		return err_sys(errp, "%s", name);
	return BLOB_OK;
}

int
blob_open_file(const char *path, int flags, int *fdp, char **errp)
{
	struct stat	 st;
	int		 fd, fl;

	*fdp = -1;
	fl = O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY;
	if (flags & BLOB_NOFOLLOW)
		fl |= O_NOFOLLOW;
	if ((fd = open(path, fl)) == -1) {
		if (errno == ENOENT)
			return BLOB_MISSING;
		if (errno == ELOOP && (flags & BLOB_NOFOLLOW)) {
			err_set(errp, "%s is a symbolic link, not a blob; "
			    "remove it, then run this again", path);
			return BLOB_WRONG;
		}
		return err_sys(errp, "%s", path);
	}
	if (fstat(fd, &st) == -1) {
		err_sys(errp, "%s", path);
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		err_set(errp, "%s is %s, not a regular file; remove it, then "
		    "run this again", path, S_ISFIFO(st.st_mode) ? "a FIFO" :
		    S_ISDIR(st.st_mode) ? "a directory" : "a special file");
		close(fd);
		return BLOB_WRONG;
	}
	*fdp = fd;
	return BLOB_OK;
}

int
blob_open(const char *path, const struct digest *want, int64_t size,
    int flags, int *fdp, uint64_t *sizep, char **errp)
{
	int	 fd, r;

	if (fdp != NULL)
		*fdp = -1;
	if ((r = blob_open_file(path, flags, &fd, errp)) != BLOB_OK)
		return r;
	if ((r = blob_check_fd(fd, path, want, size, sizep, errp)) ==
	    BLOB_OK && fdp != NULL) {
		*fdp = fd;
		fd = -1;	/* transferred */
	}
	if (fd != -1)
		close(fd);
	return r;
}

int
blob_read(const char *path, const struct digest *want, int64_t size,
    size_t max, int flags, char **bufp, size_t *lenp, char **errp)
{
	struct digest	 got;
	char		*buf = NULL;
	size_t		 len = 0;
	int		 fd, r;

	*bufp = NULL;
	*lenp = 0;
	if ((r = blob_open_file(path, flags, &fd, errp)) != BLOB_OK)
		return r;
	r = -1;
	if (read_fd_all(fd, path, max, &buf, &len, errp) == -1)
		goto out;
	r = BLOB_WRONG;
	if (size != BLOB_ANY_SIZE && len != (uint64_t)size) {
		blob_size_error(path, len, (uint64_t)size, errp);
		goto out;
	}
	/* The bytes in hand are hashed: they are what the caller parses. */
	digest_buf(buf, len, &got);
	if (!digest_equal(&got, want)) {
		blob_digest_error(path, &got, want, errp);
		goto out;
	}
	*bufp = buf;
	*lenp = len;
	buf = NULL;	/* transferred */
	r = BLOB_OK;
out:
	free(buf);
	close(fd);
	return r;
}
