/*
 * One dcos-bootstrap run at a time per host: flock(2) on <state>/lock.
 * The kernel drops the lock when the process dies, so a crash never
 * leaves a stale lock behind.
 */
#include <config.h>

#include <sys/file.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomicio.h"
#include "bootstrap.h"
#include "error.h"

int
host_lock(struct host *h, char **errp)
{
	char	*path = NULL;
	int	 fd = -1, rc = -1;

	if (mkdir_p(h->state, 0755, errp) == -1)
		return -1;
	if ((path = path_join(h->state, "lock")) == NULL)
		return err_set(errp, "out of memory");
	if ((fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
	    0600)) == -1) {
		err_sys(errp, "%s", path);
		goto out;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		if (errno == EWOULDBLOCK)
			err_set(errp, "another dcos-bootstrap is running on "
			    "this host (it holds %s); wait for it to finish, "
			    "then run this again", path);
		else
			err_sys(errp, "lock %s", path);
		goto out;
	}
	/* Checked again now that no other run can change the tree. */
	if (host_confined(h, errp) == -1)
		goto out;
	h->lockfd = fd;
	fd = -1;	/* transferred */
	rc = 0;
out:
	if (fd != -1)
		close(fd);
	free(path);
	return rc;
}

void
host_unlock(struct host *h)
{
	if (h->lockfd != -1)
		close(h->lockfd);
	h->lockfd = -1;
}
