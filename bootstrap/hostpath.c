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

int
rm_tree_at(int pfd, const char *name, char **errp)
{
	DIR		*d;
	struct dirent	*de;
	int		 fd, rc = 0;

	if (unlinkat(pfd, name, 0) == 0 || errno == ENOENT)
		return 0;
	if (errno != EISDIR && errno != EPERM)
		return err_sys(errp, "remove %s", name);
	fd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (fd == -1)
		return err_sys(errp, "open %s", name);
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return err_sys(errp, "open %s", name);
	}
	while (rc == 0 && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		rc = rm_tree_at(dirfd(d), de->d_name, errp);
	}
	closedir(d);
	if (rc == 0 && unlinkat(pfd, name, AT_REMOVEDIR) == -1 &&
	    errno != ENOENT)
		rc = err_sys(errp, "remove %s", name);
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
