/*
 * verify: audits every installed file of the current generation against
 * its package manifest (whose digest generation.json recorded from the
 * signed release), plus the systemd units against the generation.
 */
#include <config.h>

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomicio.h"
#include "bootstrap.h"
#include "digest.h"
#include "error.h"
#include "log.h"
#include "subcmd.h"

struct audit {
	size_t	 changed, missing, extra, checked;
};

static void
report(struct audit *a, const char *kind, const char *id, const char *path,
    const char *why)
{
	if (strcmp(kind, "changed") == 0)
		a->changed++;
	else if (strcmp(kind, "missing") == 0)
		a->missing++;
	else
		a->extra++;
	printf("%s: /opt/mesosphere/packages/%s%s%s%s%s%s\n", kind, id,
	    path != NULL ? "/" : "", path != NULL ? path : "",
	    why != NULL ? " (" : "", why != NULL ? why : "",
	    why != NULL ? ")" : "");
}

static void
check_entry(struct audit *a, int pfd, const struct pkgmanifest *m,
    const struct pkg_file *e)
{
	struct stat	 st, tst;
	struct digest	 d;
	uint64_t	 size;
	char		 buf[PATH_MAX];
	ssize_t		 n;
	int		 fd;

	a->checked++;
	if (fstatat(pfd, e->path, &st, AT_SYMLINK_NOFOLLOW) == -1) {
		report(a, "missing", m->id, e->path, NULL);
		return;
	}
	switch (e->type) {
	case PKG_DIR:
		if (!S_ISDIR(st.st_mode))
			report(a, "changed", m->id, e->path, "not a directory");
		else if ((st.st_mode & 07777) != e->mode)
			report(a, "changed", m->id, e->path, "mode");
		return;
	case PKG_SYMLINK:
		if (!S_ISLNK(st.st_mode) || (n = readlinkat(pfd, e->path, buf,
		    sizeof(buf) - 1)) == -1) {
			report(a, "changed", m->id, e->path, "not a symlink");
			return;
		}
		buf[n] = '\0';
		if (strcmp(buf, e->target) != 0)
			report(a, "changed", m->id, e->path, "symlink target");
		return;
	case PKG_HARDLINK:
		if (!S_ISREG(st.st_mode) || fstatat(pfd, e->target, &tst,
		    AT_SYMLINK_NOFOLLOW) == -1 || tst.st_ino != st.st_ino ||
		    tst.st_dev != st.st_dev)
			report(a, "changed", m->id, e->path,
			    "no longer a hardlink of its target");
		return;
	case PKG_FILE:
		if (!S_ISREG(st.st_mode)) {
			report(a, "changed", m->id, e->path, "not a file");
			return;
		}
		if ((st.st_mode & 07777) != e->mode) {
			report(a, "changed", m->id, e->path, "mode");
			return;
		}
		if ((uint64_t)st.st_size != e->size) {
			report(a, "changed", m->id, e->path, "size");
			return;
		}
		if ((fd = openat(pfd, e->path, O_RDONLY | O_NOFOLLOW |
		    O_CLOEXEC)) == -1 || digest_fd(fd, &d, &size, NULL) == -1 ||
		    !digest_equal(&d, &e->sha256))
			report(a, "changed", m->id, e->path, "content");
		if (fd != -1)
			close(fd);
		return;
	}
}

/* Lists what is on disk but not in the manifest. */
static void
find_extra(struct audit *a, int dfd, const char *rel,
    const struct pkgmanifest *m)
{
	DIR		*d;
	struct dirent	*de;
	char		 path[PATH_MAX];
	const struct pkg_file *e;
	int		 fd;

	if ((fd = dup(dfd)) == -1 || (d = fdopendir(fd)) == NULL) {
		if (fd != -1)
			close(fd);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (*rel == '\0' && strcmp(de->d_name, PKG_MANIFEST_NAME) == 0)
			continue;
		snprintf(path, sizeof(path), "%s%s%s", rel, *rel ? "/" : "",
		    de->d_name);
		if ((e = pkgmanifest_find(m, path)) == NULL) {
			report(a, "extra", m->id, path, NULL);
			continue;
		}
		if (e->type != PKG_DIR)
			continue;
		int sub = openat(dfd, de->d_name, O_RDONLY | O_DIRECTORY |
		    O_NOFOLLOW | O_CLOEXEC);
		if (sub == -1)
			continue;	/* reported by check_entry */
		find_extra(a, sub, path, m);
		close(sub);
	}
	closedir(d);
}

static int
audit_package(const struct host *h, struct audit *a, const char *id,
    const char *want, char **errp)
{
	struct pkgmanifest	*m = NULL;
	struct digest		 d;
	char			*root = NULL, *e = NULL;
	size_t			 i;
	int			 pfd = -1;

	if (asprintf(&root, "%s/%s", h->pkgdir, id) == -1)
		return err_set(errp, "out of memory");
	if ((pfd = open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1) {
		report(a, "missing", id, NULL, "the whole package");
		goto out;
	}
	if (pkgmanifest_load(root, id, &m, &e) == -1) {
		report(a, "changed", id, PKG_MANIFEST_NAME, e);
		goto out;
	}
	if (want != NULL && (digest_parse(want, &d) == -1 ||
	    !digest_equal(&d, &m->digest))) {
		report(a, "changed", id, PKG_MANIFEST_NAME,
		    "not the manifest the release signed");
		goto out;
	}
	for (i = 0; i < m->pm->nfiles; i++)
		check_entry(a, pfd, m, &m->pm->files[i]);
	find_extra(a, pfd, "", m);
out:
	if (pfd != -1)
		close(pfd);
	free(root);
	free(e);
	pkgmanifest_free(m);
	return 0;
}

static void
audit_units(const struct host *h, struct audit *a, long n, const json_t *g)
{
	const json_t	*units = json_object_get(g, "units");
	char		*want = NULL, *have = NULL, *wb = NULL, *hb = NULL;
	size_t		 i, wl, hl;
	json_t		*v;

	json_array_foreach(units, i, v) {
		const char *u = json_string_value(v);
		if (u == NULL || strchr(u, '/') != NULL)
			continue;
		a->checked++;
		if (asprintf(&want, "%s/%ld/dcos.target.wants/%s", h->gendir,
		    n, u) == -1 || (have = path_join(h->unitdir, u)) == NULL)
			break;
		if (read_file(have, 1024 * 1024, &hb, &hl, NULL) == -1) {
			printf("missing: /etc/systemd/system/%s\n", u);
			a->missing++;
		} else if (read_file(want, 1024 * 1024, &wb, &wl, NULL) ==
		    -1 || wl != hl || memcmp(wb, hb, wl) != 0) {
			printf("changed: /etc/systemd/system/%s (differs from "
			    "generation %ld)\n", u, n);
			a->changed++;
		}
		free(want);
		free(have);
		free(wb);
		free(hb);
		want = have = wb = hb = NULL;
	}
	free(want);
	free(have);
}

int
cmd_verify(int argc, char **argv)
{
	const struct subcmd	*cmd = subcmd_find(bootstrap_commands,
				    "verify");
	struct host		 h;
	struct audit		 a;
	const char		*root = NULL;
	char			*err = NULL;
	long			 cur = 0;
	json_t			*g = NULL, *v;
	size_t			 i;
	int			 rc;

	memset(&h, 0, sizeof(h));
	memset(&a, 0, sizeof(a));
	h.lockfd = -1;
	if ((rc = cmd_root_args(cmd, argc, argv, &root)) != SUBCMD_CONTINUE)
		return rc;
	rc = EXIT_FAIL;
	if (host_open_installed(&h, root, 0, &cur, NULL, NULL, &err) == -1)
		goto out;
	if ((g = gen_load(&h, cur, &err)) == NULL)
		goto out;
	json_array_foreach(json_object_get(g, "packages"), i, v) {
		const char *id = json_string_value(json_object_get(v, "id"));
		if (id == NULL || !pkg_id_valid(id)) {
			err_set(&err, "generation %ld: bad package list", cur);
			goto out;
		}
		if (audit_package(&h, &a, id, json_string_value(
		    json_object_get(v, "manifest")), &err) == -1)
			goto out;
	}
	audit_units(&h, &a, cur, g);
	if (a.changed + a.missing + a.extra == 0) {
		printf("verify: generation %ld, %zu packages, %zu entries: "
		    "clean\n", cur, json_array_size(json_object_get(g,
		    "packages")), a.checked);
		rc = EXIT_OK;
	} else
		printf("verify: generation %ld: drift: %zu changed, %zu "
		    "missing, %zu extra\n", cur, a.changed, a.missing,
		    a.extra);
out:
	if (err != NULL)
		log_error("%s", err);
	free(err);
	json_decref(g);
	host_free(&h);
	return rc;
}
