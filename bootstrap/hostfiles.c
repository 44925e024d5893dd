/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The host files an activation changes outside /opt/mesosphere/generations
 * (units and their links, role files, the sysctl file, the top links),
 * staged before the switch: new content goes to a temporary name in the
 * file's own directory, so a read-only directory, a full disk or a
 * directory in the way fails while the host is still as it was.  After
 * the switch one rename(2) or unlink(2) per file puts it in place.
 */
#include <config.h>

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomicio.h"
#include "bootstrap.h"
#include "error.h"

/* Staged names; hostfiles_sweep() removes what a crash left. */
#define STAGE_PREFIX	".dcos-new-"

/* Unique staged names within this process (we hold the host lock). */
static unsigned long	 stage_count;

void
hostfiles_init(struct hostfiles *hf)
{
	memset(hf, 0, sizeof(*hf));
}

void
hostfiles_free(struct hostfiles *hf)
{
	size_t	 i;

	for (i = 0; i < hf->n; i++) {
		if (hf->f[i].tmp != NULL)
			(void)unlink(hf->f[i].tmp);
		free(hf->f[i].tmp);
		free(hf->f[i].path);
	}
	free(hf->f);
	memset(hf, 0, sizeof(*hf));
}

/*
 * Adds path (a change is staged: a temporary name for it in *tmpp, or
 * NULL to remove it).  Refuses a directory in the way: no rename(2) or
 * unlink(2) would replace it after the switch.
 */
static int
add(struct hostfiles *hf, const char *path, int stage, char **tmpp,
    char **errp)
{
	struct hostfile	*nf;
	struct stat	 st;
	char		*copy, *tmp = NULL;
	int		 n;

	*tmpp = NULL;
	if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return err_set(errp, "%s is a directory where a file belongs: "
		    "move it away", path);
	if (hf->n == hf->cap) {
		if ((nf = reallocarray(hf->f, hf->cap ? hf->cap * 2 : 16,
		    sizeof(*nf))) == NULL)
			return err_set(errp, "out of memory");
		hf->f = nf;
		hf->cap = hf->cap ? hf->cap * 2 : 16;
	}
	if (stage) {
		if ((copy = strdup(path)) == NULL)
			return err_set(errp, "out of memory");
		n = asprintf(&tmp, "%s/" STAGE_PREFIX "%lu", dirname(copy),
		    ++stage_count);
		free(copy);
		if (n == -1)
			return err_set(errp, "out of memory");
		(void)unlink(tmp);
	}
	if ((hf->f[hf->n].path = strdup(path)) == NULL) {
		free(tmp);
		return err_set(errp, "out of memory");
	}
	hf->f[hf->n++].tmp = tmp;
	*tmpp = tmp;
	return 0;
}

int
hostfiles_write(struct hostfiles *hf, const char *path, const char *buf,
    size_t len, char **errp)
{
	char	*old = NULL, *tmp;
	size_t	 olen;
	int	 fd, same;

	if (read_file(path, len + 1, &old, &olen, NULL) == 0) {
		same = olen == len && memcmp(old, buf, len) == 0;
		free(old);
		if (same)
			return 0;
	}
	if (add(hf, path, 1, &tmp, errp) == -1)
		return -1;
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0644)) == -1)
		return err_sys(errp, "cannot stage %s", path);
	if (fchmod(fd, 0644) == -1 || write_all(fd, buf, len) == -1 ||
	    fsync(fd) == -1) {
		err_sys(errp, "cannot stage %s", path);
		close(fd);
		return -1;
	}
	if (close(fd) == -1)
		return err_sys(errp, "cannot stage %s", path);
	return 0;
}

int
hostfiles_symlink(struct hostfiles *hf, const char *path,
    const char *target, char **errp)
{
	char	 buf[PATH_MAX], *tmp;
	ssize_t	 n;

	if ((n = readlink(path, buf, sizeof(buf) - 1)) != -1) {
		buf[n] = '\0';
		if (strcmp(buf, target) == 0)
			return 0;
	}
	if (add(hf, path, 1, &tmp, errp) == -1)
		return -1;
	if (symlink(target, tmp) == -1)
		return err_sys(errp, "cannot stage %s", path);
	return 0;
}

int
hostfiles_remove(struct hostfiles *hf, const char *path, char **errp)
{
	struct stat	 st;
	char		*tmp;

	if (lstat(path, &st) == -1) {
		if (errno == ENOENT)
			return 0;
		return err_sys(errp, "%s", path);
	}
	return add(hf, path, 0, &tmp, errp);
}

int
hostfiles_commit(struct hostfiles *hf, char **errp)
{
	struct hostfile	*f;
	size_t		 i;

	for (i = 0; i < hf->n; i++) {
		f = &hf->f[i];
		if (f->tmp != NULL) {
			if (rename(f->tmp, f->path) == -1)
				return err_sys(errp, "cannot put %s in place",
				    f->path);
			free(f->tmp);
			f->tmp = NULL;
		} else if (unlink(f->path) == -1 && errno != ENOENT)
			return err_sys(errp, "cannot remove %s", f->path);
		if (fsync_parent(f->path, errp) == -1)
			return -1;
		crash_point("units");
	}
	return 0;
}

void
hostfiles_sweep(const char *dir)
{
	DIR		*d;
	struct dirent	*de;

	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL)
		if (strncmp(de->d_name, STAGE_PREFIX,
		    strlen(STAGE_PREFIX)) == 0)
			(void)unlinkat(dirfd(d), de->d_name, 0);
	closedir(d);
}
