/* SPDX-License-Identifier: Apache-2.0 */
/* Store checks shared by serve and fsck. */
#include <config.h>

#include <sys/stat.h>
#include <sys/syscall.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef SYS_openat2
#include <linux/openat2.h>
#endif

#include "atomicio.h"
#include "error.h"
#include "manifest.h"
#include "store.h"
#include "storecheck.h"

int
storecheck_root(const char *root, char **errp)
{
	struct stat		 st;
	struct store_index	*idx = NULL;
	char			*p = NULL;
	int			 rc = -1;

	if (stat(root, &st) == -1) {
		err_set(errp, "%s: %s (give --root the serve/ directory "
		    "dcos-genconf wrote)", root, strerror(errno));
		goto out;
	}
	if (!S_ISDIR(st.st_mode)) {
		err_set(errp, "%s: not a directory (give --root the serve/ "
		    "directory dcos-genconf wrote)", root);
		goto out;
	}
	if ((p = path_join(root, STORE_BLOB_DIR)) == NULL) {
		err_set(errp, "out of memory");
		goto out;
	}
	if (stat(p, &st) == -1 || !S_ISDIR(st.st_mode)) {
		err_set(errp, "%s: not a store: no %s/ directory (run "
		    "'dcos-genconf generate' or point at a store)", root,
		    STORE_BLOB_DIR);
		goto out;
	}
	free(p);
	if ((p = path_join(root, STORE_INDEX)) == NULL) {
		err_set(errp, "out of memory");
		goto out;
	}
	if (access(p, F_OK) == -1) {
		err_set(errp, "%s: not a store: no %s (run 'dcos-genconf "
		    "generate' or point at a store)", root, STORE_INDEX);
		goto out;
	}
	if (store_index_load(p, &idx, errp) == -1) {
		/* err_set formats before it frees the old message. */
		err_set(errp, "%s: not a store: %s (regenerate it with "
		    "'dcos-genconf generate' or mirror it again)", root, *errp);
		goto out;
	}
	rc = 0;
out:
	store_index_free(idx);
	free(p);
	return rc;
}

/* Opens rel (relpath_valid) one component at a time, following no symlink. */
static int
openat_nofollow(int rootfd, const char *rel, int flags)
{
	char	*copy, *comp, *next;
	int	 dfd, fd, saved;

	if ((copy = strdup(rel)) == NULL)
		return -1;
	if ((dfd = dup(rootfd)) == -1) {
		free(copy);
		return -1;
	}
	for (comp = copy; ; comp = next) {
		if ((next = strchr(comp, '/')) != NULL)
			*next++ = '\0';
		if (next == NULL) {
			fd = openat(dfd, comp, flags | O_NOFOLLOW);
			break;
		}
		fd = openat(dfd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
		if (fd == -1)
			break;
		close(dfd);
		dfd = fd;
	}
	saved = errno;
	close(dfd);
	free(copy);
	errno = saved;
	return fd;
}

/*
 * The one way below the root: a path by lib/manifest's rule (no empty,
 * "." or ".." component, whichever way it is opened), then openat2
 * RESOLVE_BENEATH, else no symlinks.
 */
static int
open_beneath(int rootfd, const char *rel, int flags)
{
#ifdef SYS_openat2
	static int	 no_openat2;
	struct open_how	 how;
	long		 fd;
#endif

	if (!relpath_valid(rel)) {
		errno = ENOENT;
		return -1;
	}
#ifdef SYS_openat2
	if (!__atomic_load_n(&no_openat2, __ATOMIC_RELAXED)) {
		memset(&how, 0, sizeof(how));
		how.flags = (uint64_t)flags;
		how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
		fd = syscall(SYS_openat2, rootfd, rel, &how, sizeof(how));
		if (fd >= 0 || (errno != ENOSYS && errno != EPERM))
			return (int)fd;
		/* A kernel or seccomp filter without openat2. */
		__atomic_store_n(&no_openat2, 1, __ATOMIC_RELAXED);
	}
#endif
	return openat_nofollow(rootfd, rel, flags);
}

int
storecheck_openat(int rootfd, const char *rel)
{
	return open_beneath(rootfd, rel, O_RDONLY | O_CLOEXEC | O_NOCTTY |
	    O_NONBLOCK);
}

int
storecheck_opendir(int rootfd, const char *rel)
{
	return open_beneath(rootfd, rel, O_RDONLY | O_CLOEXEC | O_DIRECTORY);
}
