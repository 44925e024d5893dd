/* SPDX-License-Identifier: Apache-2.0 */
/* Host paths under --root, the crash test hook and small tree helpers. */
#include <config.h>

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomicio.h"
#include "bootstrap.h"
#include "error.h"

char *
host_path(const struct host *h, const char *rel)
{
	while (*rel == '/')
		rel++;
	return path_join(h->root, rel);
}

int
host_init(struct host *h, const char *root, char **errp)
{
	struct stat	 st;

	memset(h, 0, sizeof(*h));
	h->lockfd = -1;
	if (root != NULL) {
		if (root[0] == '\0')
			return err_set(errp, "--root needs a directory");
		if (stat(root, &st) == -1)
			return err_sys(errp, "--root %s", root);
		if (!S_ISDIR(st.st_mode))
			return err_set(errp, "--root %s: not a directory",
			    root);
		h->rooted = 1;
	}
	if ((h->root = strdup(root != NULL ? root : "/")) == NULL ||
	    (h->opt = host_path(h, "opt/mesosphere")) == NULL ||
	    (h->pkgdir = host_path(h, "opt/mesosphere/packages")) == NULL ||
	    (h->gendir = host_path(h, "opt/mesosphere/generations")) == NULL ||
	    (h->current = host_path(h, "opt/mesosphere/current")) == NULL ||
	    (h->etcdir = host_path(h, "etc/mesosphere")) == NULL ||
	    (h->unitdir = host_path(h, "etc/systemd/system")) == NULL ||
	    (h->statedirs = host_path(h, "var/lib/dcos")) == NULL ||
	    (h->state = host_path(h, "var/lib/dcos/bootstrap")) == NULL) {
		host_free(h);
		return err_set(errp, "out of memory");
	}
	if (host_confined(h, errp) == -1) {
		host_free(h);
		return -1;
	}
	return 0;
}

int
host_exit(const struct host *h, int rc)
{
	return rc == EXIT_FAIL && h->exit_status != 0 ? h->exit_status : rc;
}

void
host_free(struct host *h)
{
	if (h == NULL)
		return;
	host_unlock(h);
	free(h->root);
	free(h->opt);
	free(h->pkgdir);
	free(h->gendir);
	free(h->current);
	free(h->etcdir);
	free(h->unitdir);
	free(h->statedirs);
	free(h->state);
	memset(h, 0, sizeof(*h));
	h->lockfd = -1;
}

int
role_valid(const char *r)
{
	return strcmp(r, "master") == 0 || strcmp(r, "slave") == 0 ||
	    strcmp(r, "slave_public") == 0;
}

void
crash_point(const char *step)
{
	const char	*want = getenv("DCOS_BOOTSTRAP_CRASH_AT");

	if (want != NULL && strcmp(want, step) == 0)
		kill(getpid(), SIGKILL);
}

/* One directory rm_tree_at went down into, to come back up. */
struct rm_level {
	char	*name;		/* its name in the parent */
	dev_t	 pdev;		/* the parent's identity */
	ino_t	 pino;
};

/*
 * Empties the directory *dp: unlinks what is not a directory and, at the
 * first subdirectory, replaces *dp by it and returns 1 with *namep (its
 * name, malloc'd).  0 once the directory is empty, -1 with *errp.
 */
static int
rm_step_down(DIR **dp, char **namep, char **errp)
{
	DIR		*d = *dp;
	struct dirent	*de;
	int		 fd, found;

	do {
		found = 0;
		rewinddir(d);
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 ||
			    strcmp(de->d_name, "..") == 0)
				continue;
			found = 1;
			if (unlinkat(dirfd(d), de->d_name, 0) == 0 ||
			    errno == ENOENT)
				continue;
			if (errno != EISDIR && errno != EPERM)
				return err_sys(errp, "remove %s", de->d_name);
			if ((*namep = strdup(de->d_name)) == NULL)
				return err_set(errp, "out of memory");
			fd = openat(dirfd(d), de->d_name, O_RDONLY |
			    O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (fd == -1 || (*dp = fdopendir(fd)) == NULL) {
				err_sys(errp, "open %s", *namep);
				if (fd != -1)
					close(fd);
				free(*namep);
				*namep = NULL;
				*dp = d;
				return -1;
			}
			closedir(d);
			return 1;
		}
		/* Entries unlinked during readdir may hide others: again. */
	} while (found);
	return 0;
}

/*
 * Iterative, so a tree as deep as paths allow needs neither stack nor
 * descriptors per level: it goes down one directory at a time and back up
 * through "..", checked against the parent it came from, holding at most
 * two descriptors.
 */
int
rm_tree_at(int pfd, const char *name, char **errp)
{
	struct rm_level	*stack = NULL, *tmp;
	struct stat	 st;
	size_t		 depth = 0, cap = 0;
	DIR		*d = NULL, *up;
	char		*sub = NULL;
	int		 fd, r, rc = -1;

	if (unlinkat(pfd, name, 0) == 0 || errno == ENOENT)
		return 0;
	if (errno != EISDIR && errno != EPERM)
		return err_sys(errp, "remove %s", name);
	fd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (fd == -1 || (d = fdopendir(fd)) == NULL) {
		err_sys(errp, "open %s", name);
		if (fd != -1)
			close(fd);
		return -1;
	}
	for (;;) {
		if (depth == cap) {
			cap = cap ? cap * 2 : 16;
			if ((tmp = reallocarray(stack, cap, sizeof(*stack))) ==
			    NULL) {
				err_set(errp, "out of memory");
				goto out;
			}
			stack = tmp;
		}
		if (fstat(dirfd(d), &st) == -1) {
			err_sys(errp, "stat %s", name);
			goto out;
		}
		if ((r = rm_step_down(&d, &sub, errp)) == -1)
			goto out;
		if (r == 1) {
			stack[depth].name = sub;
			stack[depth].pdev = st.st_dev;
			stack[depth].pino = st.st_ino;
			depth++;
			continue;
		}
		if (depth == 0)
			break;
		depth--;
		fd = openat(dirfd(d), "..", O_RDONLY | O_DIRECTORY |
		    O_CLOEXEC);
		if (fd == -1 || fstat(fd, &st) == -1 ||
		    st.st_dev != stack[depth].pdev ||
		    st.st_ino != stack[depth].pino ||
		    (up = fdopendir(fd)) == NULL) {
			err_set(errp, "remove %s: a directory moved while it "
			    "was being removed; run the command again", name);
			if (fd != -1)
				close(fd);
			free(stack[depth].name);
			goto out;
		}
		closedir(d);
		d = up;
		r = unlinkat(dirfd(d), stack[depth].name, AT_REMOVEDIR);
		if (r == -1 && errno != ENOENT) {
			err_sys(errp, "remove %s", stack[depth].name);
			free(stack[depth].name);
			goto out;
		}
		free(stack[depth].name);
	}
	closedir(d);
	d = NULL;
	if (unlinkat(pfd, name, AT_REMOVEDIR) == -1 && errno != ENOENT) {
		err_sys(errp, "remove %s", name);
		goto out;
	}
	rc = 0;
out:
	if (d != NULL)
		closedir(d);
	while (depth > 0)
		free(stack[--depth].name);
	free(stack);
	return rc;
}

int
rm_tree(const char *path, char **errp)
{
	return rm_tree_at(AT_FDCWD, path, errp);
}

int
symlink_replace(const char *target, const char *path, char **errp)
{
	char	*tmp = NULL;
	int	 rc = -1;

	/* A fixed name: we hold the lock, and a crash leaves no litter. */
	if (asprintf(&tmp, "%s.new", path) == -1)
		return err_set(errp, "out of memory");
	(void)unlink(tmp);
	if (symlink(target, tmp) == -1) {
		err_sys(errp, "symlink %s", tmp);
		goto out;
	}
	if (rename(tmp, path) == -1) {
		err_sys(errp, "rename %s", path);
		(void)unlink(tmp);
		goto out;
	}
	rc = fsync_parent(path, errp);
out:
	free(tmp);
	return rc;
}
