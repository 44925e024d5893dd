/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One dcos-bootstrap run at a time per host: flock(2) on <state>/lock.
 * The kernel drops the lock when the process dies, so a crash never
 * leaves a stale lock behind.
 *
 * The lock file lives in the state directory, which a first install
 * creates and a failed first install or an uninstall removes.  Creating
 * (directories and lock file) and removing them happen under a short
 * flock(2) on the root directory, the one directory that always exists,
 * so no run ever holds a lock on a file another run is about to unlink,
 * and no run creates the state directory while another removes it.
 */
#include <config.h>

#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "atomicio.h"
#include "bootstrap.h"
#include "error.h"

/* Directories an install may create, parents first (uninstall's list). */
static const char *own_dirs[] = {
	"etc", "etc/mesosphere", "etc/mesosphere/roles", "etc/systemd",
	"etc/systemd/system", "etc/systemd/system/dcos.target.wants",
	"etc/systemd/system/multi-user.target.wants",
	"etc/sysctl.d", "etc/profile.d", "opt", "opt/mesosphere", "var", "var/lib",
	"var/lib/dcos", "var/lib/dcos/bootstrap", NULL
};

int
install_own_dir(const char *rel)
{
	size_t	 i;

	for (i = 0; own_dirs[i] != NULL; i++)
		if (strcmp(rel, own_dirs[i]) == 0)
			return 1;
	return 0;
}

/* Which of own_dirs do not exist (before this run makes them). */
json_t *
install_missing_dirs(const struct host *h)
{
	json_t	*a = json_array();
	char	*p;
	size_t	 i;

	for (i = 0; a != NULL && own_dirs[i] != NULL; i++) {
		if ((p = host_path(h, own_dirs[i])) == NULL)
			break;
		if (access(p, F_OK) == -1)
			json_array_append_new(a, json_string(own_dirs[i]));
		free(p);
	}
	return a;
}

void
install_rmdir_created(const struct host *h, const json_t *created)
{
	const char	*s;
	json_t		*v;
	size_t		 n, i;
	char		*p;

	for (n = 0; own_dirs[n] != NULL; n++)
		;
	/* Deepest first: own_dirs lists parents first. */
	while (n-- > 0)
		json_array_foreach(created, i, v)
			if ((s = json_string_value(v)) != NULL &&
			    strcmp(s, own_dirs[n]) == 0 &&
			    (p = host_path(h, own_dirs[n])) != NULL) {
				(void)rmdir(p);
				free(p);
			}
}

/* How long a run waits for the root guard (held for a few syscalls). */
#define GUARD_TRIES	500
#define GUARD_WAIT_NS	(10 * 1000 * 1000)

/*
 * Takes the guard on the root directory.  Returns its descriptor, -2
 * when the file system cannot lock directories (then there is no guard,
 * as before), or -1 with *errp.
 */
static int
root_guard(struct host *h, char **errp)
{
	struct timespec	 ts = { 0, GUARD_WAIT_NS };
	int		 fd, i;

	if ((fd = open(h->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return err_sys(errp, "%s", h->root);
	for (i = 0; flock(fd, LOCK_EX | LOCK_NB) == -1; i++) {
		if (errno != EWOULDBLOCK) {
			close(fd);
			return -2;
		}
		if (i == GUARD_TRIES) {
			close(fd);
			h->exit_status = EXIT_LOCKED;
			return err_set(errp, "%s stays locked by another "
			    "process (flock); find it with lsof or fuser and "
			    "stop it, then run this again", h->root);
		}
		nanosleep(&ts, NULL);
	}
	return fd;
}

static void
root_unguard(int fd)
{
	if (fd >= 0)
		close(fd);
}

#define LOCK_REL	"var/lib/dcos/bootstrap/lock"

/* Opens and locks <state>/lock (*madep: made it); the guard is held. */
static int
lock_file(struct host *h, int *madep, char **errp)
{
	struct stat	 fst, pst;
	char		*path = NULL;
	int		 fd = -1, rc = -1, tries;

	if ((path = path_join(h->state, "lock")) == NULL)
		return err_set(errp, "out of memory");
	/*
	 * A lock taken on a file that was unlinked meanwhile guards
	 * nothing: take it again on the file the path names.
	 */
	for (tries = 0; tries < 100; tries++) {
		if (mkdir_p(h->state, 0755, errp) == -1)
			goto out;
		*madep = 1;
		if ((fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, 0600)) == -1 && errno == EEXIST) {
			*madep = 0;
			fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
		}
		if (fd == -1) {
			err_sys(errp, "%s", path);
			goto out;
		}
		if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
			if (errno == EWOULDBLOCK) {
				h->exit_status = EXIT_LOCKED;
				err_set(errp, "another dcos-bootstrap is "
				    "running on this host (it holds %s); wait "
				    "for it to finish, then run this again",
				    path);
			} else
				err_sys(errp, "lock %s", path);
			goto out;
		}
		if (fstat(fd, &fst) == 0 && lstat(path, &pst) == 0 &&
		    fst.st_dev == pst.st_dev && fst.st_ino == pst.st_ino) {
			/* Checked again now no other run can change the tree. */
			if (host_confined(h, errp) == -1)
				goto out;
			h->lockfd = fd;
			fd = -1;	/* transferred */
			rc = 0;
			goto out;
		}
		close(fd);
		fd = -1;
	}
	err_set(errp, "%s keeps being replaced while this run locks it; "
	    "stop the other program, then run this again", path);
out:
	if (fd != -1)
		close(fd);
	free(path);
	return rc;
}

int
host_lock_created(struct host *h, json_t **createdp, char **errp)
{
	int	 guard, made = 0, rc = -1;

	if ((guard = root_guard(h, errp)) == -1)
		return -1;
	/* Under the guard: what is missing now is what this run makes. */
	if (createdp != NULL && (*createdp = install_missing_dirs(h)) ==
	    NULL)
		err_set(errp, "out of memory");
	else if ((rc = lock_file(h, &made, errp)) == 0 && made &&
	    createdp != NULL &&
	    json_array_append_new(*createdp, json_string(LOCK_REL)) == -1)
		rc = err_set(errp, "out of memory");
	root_unguard(guard);
	return rc;
}

int
host_lock(struct host *h, char **errp)
{
	return host_lock_created(h, NULL, errp);
}

void
host_unlock(struct host *h)
{
	if (h->lockfd != -1)
		close(h->lockfd);
	h->lockfd = -1;
}

int
host_remove_state(struct host *h, const json_t *created, int all,
    char **errp)
{
	const char	*s;
	json_t		*v;
	size_t		 i;
	char		*lock;
	int		 guard, rc = -1;

	if (h->lockfd == -1)
		return err_set(errp, "internal error: %s removed without the "
		    "lock", h->state);
	if ((guard = root_guard(h, errp)) == -1)
		return -1;
	/* Unlinked while held: a run that opened it finds it replaced. */
	if (all)
		rc = rm_tree(h->state, errp);
	else {
		rc = 0;
		json_array_foreach(created, i, v)
			if ((s = json_string_value(v)) != NULL &&
			    strcmp(s, LOCK_REL) == 0) {
				if ((lock = host_path(h, LOCK_REL)) == NULL)
					rc = err_set(errp, "out of memory");
				else if (unlink(lock) == -1 &&
				    errno != ENOENT)
					rc = err_sys(errp, "%s", lock);
				free(lock);
			}
	}
	host_unlock(h);
	if (rc == 0 && created != NULL)
		install_rmdir_created(h, created);
	root_unguard(guard);
	return rc;
}
