/* SPDX-License-Identifier: Apache-2.0 */
/*
 * --root confinement.  The installer names host files as "<root>/<path>"
 * strings, and the kernel resolves an absolute symlink in such a string
 * against the real "/": an image tree's "etc -> /etc" would send our
 * writes to the machine we run on.  So before anything is written, and
 * again under the lock, every path the installer works below is resolved
 * twice: the way our strings are, and with openat2(RESOLVE_IN_ROOT), the
 * way the root itself (a booted image, a chroot) sees it.  When the two
 * differ for any component, the run is refused before it writes.
 *
 * Below the checked directories nothing is followed: files are replaced
 * with rename(2), which replaces a symlink rather than writing through
 * it; files are created with O_EXCL or O_NOFOLLOW; mkdir(2) and unlink(2)
 * never follow the last component.
 */
#include <config.h>

#include <sys/stat.h>
#include <sys/syscall.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/openat2.h>

#include "atomicio.h"
#include "bootstrap.h"
#include "error.h"

/*
 * Every path an install, activate, rollback, gc or uninstall reads or
 * writes below, leaves only: each of their parents is checked too.
 * Package state dirs (var/lib/dcos/<name>), unit files and the links in
 * opt/mesosphere are replaced or lchown'ed, never followed.
 */
static const char *const confined[] = {
	"etc/passwd",
	"etc/group",
	"etc/mesosphere/roles",
	"etc/mesosphere/manual_host_users",
	"etc/systemd/system/dcos.target.wants",
	"etc/systemd/system/multi-user.target.wants",
	"etc/sysctl.d/90-dcos.conf",
	"opt/mesosphere/packages",
	"opt/mesosphere/generations",
	"var/lib/dcos/bootstrap/cache/blobs/sha256",
	"var/lib/dcos/bootstrap/state.json",
	"var/lib/dcos/bootstrap/journal",
	"var/lib/dcos/bootstrap/lock",
	"var/lib/dcos/bootstrap/dcos-bootstrap",
	NULL
};

/* How one path resolved: 0 with st, or the errno. */
struct lookup {
	int		 err;
	struct stat	 st;
};

/* rel below rootfd, symlinks (absolute ones too) kept inside the root. */
static void
lookup_in_root(int rootfd, const char *rel, struct lookup *l)
{
	struct open_how	 how;
	long		 fd;
	int		 tries = 0;

	memset(l, 0, sizeof(*l));
	memset(&how, 0, sizeof(how));
	how.flags = O_PATH | O_CLOEXEC;
	how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
	/* EAGAIN: a rename raced the lookup; the kernel asks to retry. */
	do
		fd = syscall(SYS_openat2, rootfd, rel, &how, sizeof(how));
	while (fd == -1 && errno == EAGAIN && ++tries < 16);
	l->err = 0;
	if (fd == -1 || fstat((int)fd, &l->st) == -1)
		l->err = errno;
	if (fd != -1)
		close((int)fd);
}

/* rel the way "<root>/<rel>" resolves: absolute symlinks from "/". */
static void
lookup_plain(const char *path, struct lookup *l)
{
	memset(l, 0, sizeof(*l));
	l->err = stat(path, &l->st) == -1 ? errno : 0;
}

/* Is realpath(path) root itself or below it (the fallback's test)? */
static int
contained(const char *rootreal, const char *real)
{
	size_t	 n = strlen(rootreal);

	if (strcmp(rootreal, "/") == 0)
		return 1;
	return strncmp(real, rootreal, n) == 0 &&
	    (real[n] == '\0' || real[n] == '/');
}

/*
 * The refusal: names the component, its link text and, when it leads
 * out of the root, where to.  Returns -1.
 */
static int
refuse(const struct host *h, const char *rootreal, const char *path,
    char **errp)
{
	char	 target[PATH_MAX], *real, *to = NULL;
	ssize_t	 n;

	if ((n = readlink(path, target, sizeof(target) - 1)) == -1)
		return err_set(errp, "--root %s: %s means something else from "
		    "outside the root than inside it: make it a plain "
		    "directory, then run this again", h->root, path);
	target[n] = '\0';
	real = realpath(path, NULL);
	if (real != NULL && !contained(rootreal, real)) {
		/* Where it leads, when the link text does not say so. */
		if (strcmp(target, real) != 0 &&
		    asprintf(&to, " (to %s)", real) == -1)
			to = NULL;
		err_set(errp, "--root %s: %s is a symlink to %s, which leads "
		    "out of the root%s: make it relative or a directory "
		    "inside the root, then run this again", h->root, path,
		    target, to != NULL ? to : "");
	} else
		err_set(errp, "--root %s: %s is a symlink to %s, which means "
		    "something else from outside the root than inside it: "
		    "make it relative or a directory inside the root, then "
		    "run this again", h->root, path, target);
	free(to);
	free(real);
	return -1;
}

/*
 * Checks rel and each of its parents.  rootfd is the root for openat2,
 * or -1 (no openat2 on this kernel): then each existing component must
 * at least resolve below rootreal, the root's realpath.  0 or -1 with
 * *errp.
 */
static int
check_path(const struct host *h, int rootfd, const char *rootreal,
    const char *rel, char **errp)
{
	struct lookup	 in, out;
	char		*prefix = NULL, *path = NULL, *real, *p;
	int		 rc = -1, tries;

	if ((prefix = strdup(rel)) == NULL)
		return err_set(errp, "out of memory");
	for (p = prefix;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char saved = *p;
		*p = '\0';
		free(path);
		if ((path = path_join(h->root, prefix)) == NULL) {
			err_set(errp, "out of memory");
			goto out;
		}
		lookup_plain(path, &out);
		if (rootfd != -1) {
			lookup_in_root(rootfd, prefix, &in);
			/*
			 * Another run may make the directory between the two
			 * lookups (installs racing for the lock): look again
			 * while exactly one of them found nothing.
			 */
			for (tries = 0; tries < 8 && (out.err == ENOENT) !=
			    (in.err == ENOENT); tries++) {
				lookup_plain(path, &out);
				lookup_in_root(rootfd, prefix, &in);
			}
			/*
			 * Missing (or unreadable) both ways: nothing there
			 * to follow, and what we make there we make with
			 * mkdir(2) or rename(2), which follow no last link.
			 */
			if (out.err != 0 && out.err == in.err)
				break;
			if (out.err != 0 || in.err != 0 ||
			    out.st.st_dev != in.st.st_dev ||
			    out.st.st_ino != in.st.st_ino) {
				refuse(h, rootreal, path, errp);
				goto out;
			}
		} else {
			if (out.err != 0)
				break;
			if ((real = realpath(path, NULL)) == NULL) {
				err_sys(errp, "%s", path);
				goto out;
			}
			if (!contained(rootreal, real)) {
				free(real);
				refuse(h, rootreal, path, errp);
				goto out;
			}
			free(real);
		}
		*p = saved;
		if (saved == '\0')
			break;
	}
	rc = 0;
out:
	free(prefix);
	free(path);
	return rc;
}

int
host_confined(const struct host *h, char **errp)
{
	struct lookup	 probe;
	char		*rootreal = NULL;
	size_t		 i;
	int		 rootfd, rc = -1;

	if (!h->rooted)
		return 0;
	if ((rootfd = open(h->root, O_PATH | O_DIRECTORY | O_CLOEXEC)) == -1 ||
	    (rootreal = realpath(h->root, NULL)) == NULL) {
		err_sys(errp, "--root %s", h->root);
		goto out;
	}
	lookup_in_root(rootfd, ".", &probe);
	/*
	 * A kernel before 5.6 has no openat2 (ENOSYS), and a seccomp
	 * filter may refuse it (EPERM): then the weaker test, that every
	 * component stays below the root.  DCOS_BOOTSTRAP_NO_OPENAT2
	 * forces it, so the tests cover it.
	 */
	if (probe.err != 0 || getenv("DCOS_BOOTSTRAP_NO_OPENAT2") != NULL) {
		close(rootfd);
		rootfd = -1;
	}
	rc = 0;
	for (i = 0; rc == 0 && confined[i] != NULL; i++)
		rc = check_path(h, rootfd, rootreal, confined[i], errp);
out:
	if (rootfd != -1)
		close(rootfd);
	free(rootreal);
	return rc;
}

int
open_parent(int dfd, const char *rel, int mk, const char **basep,
    char **errp)
{
	char	*copy, *part, *slash;
	int	 fd, nfd;

	if ((copy = strdup(rel)) == NULL)
		return err_set(errp, "out of memory");
	if ((fd = dup(dfd)) == -1) {
		free(copy);
		return err_sys(errp, "dup");
	}
	for (part = copy; (slash = strchr(part, '/')) != NULL;
	    part = slash + 1) {
		*slash = '\0';
		if (mk && mkdirat(fd, part, 0755) == -1 && errno != EEXIST)
			nfd = -1;
		else
			nfd = openat(fd, part, O_RDONLY | O_DIRECTORY |
			    O_NOFOLLOW | O_CLOEXEC);
		close(fd);
		if ((fd = nfd) == -1) {
			err_sys(errp, "%s", rel);
			free(copy);
			return -1;
		}
	}
	free(copy);
	*basep = rel + (strrchr(rel, '/') != NULL ? strrchr(rel, '/') - rel +
	    1 : 0);
	return fd;
}
