/* SPDX-License-Identifier: Apache-2.0 */
/*
 * verify: audits every installed file of the current generation against
 * its package manifest (whose digest generation.json recorded from the
 * signed release), then what services actually run: the generation's
 * link farm, units and environment files against what gen_build makes
 * of those packages, the links of /opt/mesosphere into current, and the
 * systemd units against the generation.
 *
 * Every walk opens one directory at a time, relative to a package or
 * generation descriptor, so a tree as deep as manifest paths allow needs
 * neither stack nor descriptors per level.
 */
#include <config.h>

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomicio.h"
#include "bootstrap.h"
#include "digest.h"
#include "error.h"
#include "jsonio.h"
#include "log.h"
#include "manifest.h"
#include "seal.h"
#include "subcmd.h"

#define UNIT_MAX	(1024 * 1024)

struct audit {
	size_t		 changed, missing, extra, checked;
	const struct host *h;
	long		 gen;
	char		*gendir;	/* "/opt/mesosphere/generations/<n>" */
	int		 genfd;		/* <gendir>/<n> */
	char		**roles;
	size_t		 nroles;
	json_t		*farm;		/* dest -> link target, "" a dir */
	json_t		*units;		/* "dcos.target.wants/<unit>" ->
					   "<id>/<path>" */
	json_t		*secrets;	/* dest -> {sha256, mode, owner},
					   gen_secrets_load */
	int		 no_record;	/* secrets pinned, no record */
	int		 all_known;	/* every package manifest loaded */
	int		 skip_files;	/* packages' files not checked:
					   repair audited them */
	json_t		*findings;	/* --json: the findings, not printed */
};

/* One line per finding; the path quoted so no name can forge a line. */
static void
report(struct audit *a, const char *kind, const char *dir, const char *path,
    const char *why)
{
	char	*full = NULL, *q = NULL;

	if (strcmp(kind, "changed") == 0)
		a->changed++;
	else if (strcmp(kind, "missing") == 0)
		a->missing++;
	else
		a->extra++;
	if (asprintf(&full, "%s%s%s", dir, path != NULL ? "/" : "",
	    path != NULL ? path : "") == -1)
		full = NULL;
	if (a->findings != NULL) {
		if (full == NULL || json_array_append_new(a->findings,
		    json_pack("{s:s, s:o, s:o?}", "kind", kind, "path",
		    jsonio_string_escaped(full), "why",
		    why != NULL ? jsonio_string_escaped(why) : NULL)) == -1)
			log_error("out of memory");
		free(full);
		return;
	}
	if (full != NULL)
		q = log_quote(full);
	printf("%s: %s%s%s%s\n", kind, q != NULL ? q : "(out of memory)",
	    why != NULL ? " (" : "", why != NULL ? why : "",
	    why != NULL ? ")" : "");
	free(full);
	free(q);
}

/* As readlinkat, into a malloc'd string: 0, or -1 with errno. */
static int
readlink_alloc(int dfd, const char *path, char **outp)
{
	char	 buf[PATH_MAX];
	ssize_t	 n;

	if ((n = readlinkat(dfd, path, buf, sizeof(buf) - 1)) == -1)
		return -1;
	buf[n] = '\0';
	if ((*outp = strdup(buf)) == NULL)
		return -1;
	return 0;
}

/* Is dfd/path the symlink with exactly target?  1, or 0 with *whyp. */
static int
link_is(int dfd, const char *path, const char *target, const char **whyp)
{
	char	*have = NULL;
	int	 ok;

	if (readlink_alloc(dfd, path, &have) == -1) {
		*whyp = "not a symlink";
		return 0;
	}
	ok = strcmp(have, target) == 0;
	free(have);
	*whyp = "symlink target";
	return ok;
}

static void
check_entry(struct audit *a, int pfd, const char *dir,
    const struct pkg_file *e)
{
	struct stat	 st, tst;
	struct digest	 d;
	uint64_t	 size;
	const char	*why;
	int		 fd;

	a->checked++;
	if (fstatat(pfd, e->path, &st, AT_SYMLINK_NOFOLLOW) == -1) {
		report(a, "missing", dir, e->path, NULL);
		return;
	}
	switch (e->type) {
	case PKG_DIR:
		if (!S_ISDIR(st.st_mode))
			report(a, "changed", dir, e->path, "not a directory");
		else if ((st.st_mode & 07777) != e->mode)
			report(a, "changed", dir, e->path, "mode");
		return;
	case PKG_SYMLINK:
		if (!link_is(pfd, e->path, e->target, &why))
			report(a, "changed", dir, e->path, why);
		return;
	case PKG_HARDLINK:
		if (!S_ISREG(st.st_mode) || fstatat(pfd, e->target, &tst,
		    AT_SYMLINK_NOFOLLOW) == -1 || tst.st_ino != st.st_ino ||
		    tst.st_dev != st.st_dev)
			report(a, "changed", dir, e->path,
			    "no longer a hardlink of its target");
		return;
	case PKG_FILE:
		if (!S_ISREG(st.st_mode)) {
			report(a, "changed", dir, e->path, "not a file");
			return;
		}
		if ((st.st_mode & 07777) != e->mode) {
			report(a, "changed", dir, e->path, "mode");
			return;
		}
		if ((uint64_t)st.st_size != e->size) {
			report(a, "changed", dir, e->path, "size");
			return;
		}
		if ((fd = openat(pfd, e->path, O_RDONLY | O_NOFOLLOW |
		    O_CLOEXEC)) == -1 || digest_fd(fd, &d, &size, NULL) == -1 ||
		    !digest_equal(&d, &e->sha256))
			report(a, "changed", dir, e->path, "content");
		if (fd != -1)
			close(fd);
		return;
	}
}

/* Is path expected below a tree?  Says whether the walk goes on. */
typedef int (*known_fn)(const void *arg, const char *path);

/*
 * Reports as extra what the directory rel (relative to dfd, "" for dfd
 * itself) holds that known() does not know.  One descriptor; the caller
 * visits each known directory in turn instead of recursing.
 */
static void
find_extra(struct audit *a, int dfd, const char *rel, const char *shown,
    known_fn known, const void *arg)
{
	DIR		*d;
	struct dirent	*de;
	char		*path;
	size_t		 rl = strlen(rel);
	int		 fd;

	fd = rl == 0 ? dup(dfd) : openat(dfd, rel, O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1)
		return;		/* reported by the entry checks */
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return;
	}
	if ((path = malloc(rl + 1 + sizeof(de->d_name) + 1)) == NULL) {
		closedir(d);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, rl + 1 + sizeof(de->d_name) + 1, "%s%s%s", rel,
		    rl ? "/" : "", de->d_name);
		if (!known(arg, path))
			report(a, "extra", shown, path, NULL);
	}
	free(path);
	closedir(d);
}

static int
in_manifest(const void *arg, const char *path)
{
	return strcmp(path, PKG_MANIFEST_NAME) == 0 ||
	    pkgmanifest_find(arg, path) != NULL;
}

static int
in_object(const void *arg, const char *path)
{
	return json_object_get(arg, path) != NULL;
}

/* What gen_build makes of package m in the generation: a->farm, units. */
static int
expect_farm(struct audit *a, const struct pkgmanifest *m, char **errp)
{
	const struct pkg_file	*e;
	char			*dest = NULL, *t = NULL;
	size_t			 i;
	int			 place, rc = -1;

	for (i = 0; i < m->pm->nfiles; i++) {
		e = &m->pm->files[i];
		free(dest);
		if ((place = gen_place(a->roles, a->nroles, e->path, &dest)) ==
		    -1)
			goto out;
		if (place == GEN_UNIT) {
			if (asprintf(&t, "%s/%s", m->id, e->path) == -1)
				goto out;
			free(dest);
			if (asprintf(&dest, "dcos.target.wants/%s", e->path +
			    strcspn(e->path, "/") + 1) == -1) {
				dest = NULL;
				goto out;
			}
			json_object_set_new(a->units, dest, json_string(t));
		} else if (place == GEN_FARM) {
			if (e->type == PKG_DIR)
				t = strdup("");
			else
				t = gen_farm_target(dest, m->id, e->path);
			if (t == NULL)
				goto out;
			json_object_set_new(a->farm, dest, json_string(t));
		}
		free(t);
		t = NULL;
	}
	rc = 0;
out:
	if (rc == -1)
		err_set(errp, "out of memory");
	free(dest);
	free(t);
	return rc;
}

static int
audit_package(struct audit *a, const char *id, const char *want,
    char **errp)
{
	const struct host	*h = a->h;
	struct pkgmanifest	*m = NULL;
	struct digest		 d;
	char			*root = NULL, *e = NULL, *shown = NULL;
	size_t			 i;
	int			 pfd = -1, rc = -1;

	if (asprintf(&root, "%s/%s", h->pkgdir, id) == -1 ||
	    asprintf(&shown, "/opt/mesosphere/packages/%s", id) == -1) {
		err_set(errp, "out of memory");
		goto out;
	}
	rc = 0;
	a->all_known = 0;
	if ((pfd = open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1) {
		report(a, "missing", shown, NULL, "the whole package");
		goto out;
	}
	if (pkgmanifest_load(root, id, &m, &e) == -1) {
		report(a, "changed", shown, PKG_MANIFEST_NAME, e);
		goto out;
	}
	if (want != NULL && (digest_parse(want, &d) == -1 ||
	    !digest_equal(&d, &m->digest))) {
		report(a, "changed", shown, PKG_MANIFEST_NAME,
		    "not the manifest the release signed");
		goto out;
	}
	a->all_known = 1;
	for (i = 0; !a->skip_files && i < m->pm->nfiles; i++)
		check_entry(a, pfd, shown, &m->pm->files[i]);
	if (!a->skip_files)
		find_extra(a, pfd, "", shown, in_manifest, m);
	for (i = 0; !a->skip_files && i < m->pm->nfiles; i++)
		if (m->pm->files[i].type == PKG_DIR)
			find_extra(a, pfd, m->pm->files[i].path, shown,
			    in_manifest, m);
	rc = expect_farm(a, m, errp);
out:
	if (pfd != -1)
		close(pfd);
	free(root);
	free(shown);
	free(e);
	pkgmanifest_free(m);
	return rc;
}

static char	*read_gen_file(const struct audit *, const char *, size_t,
		    size_t *);

/* A farm entry: a link, a directory, or a file of a secrets bundle. */
static int
in_farm(const void *arg, const char *path)
{
	const struct audit	*a = arg;

	return json_object_get(a->farm, path) != NULL ||
	    json_object_get(a->secrets, path) != NULL;
}

/*
 * The files of the secrets bundles against what was recorded when they
 * were written; their contents are never printed.
 */
static void
audit_secrets(struct audit *a)
{
	const char	*dest;
	char		 why[128];
	json_t		*v;

	if (a->no_record)
		report(a, "missing", a->gendir, GEN_SECRETS_NAME, NULL);
	json_object_foreach(a->secrets, dest, v) {
		a->checked++;
		switch (secret_audit(a->h, a->genfd, dest, v, why,
		    sizeof(why))) {
		case SECRET_CLEAN:
			break;
		case SECRET_MISSING:
			report(a, "missing", a->gendir, dest, NULL);
			break;
		default:
			report(a, "changed", a->gendir, dest, why);
		}
	}
}

/* The generation's bin/ lib/ etc/ include/ links against a->farm. */
static void
audit_farm(struct audit *a, int known)
{
	struct stat	 st;
	const char	*dest, *want, *why;
	json_t		*v;
	size_t		 i;

	json_object_foreach(a->farm, dest, v) {
		want = json_string_value(v);
		a->checked++;
		if (fstatat(a->genfd, dest, &st, AT_SYMLINK_NOFOLLOW) == -1)
			report(a, "missing", a->gendir, dest, NULL);
		else if (*want == '\0' && !S_ISDIR(st.st_mode))
			report(a, "changed", a->gendir, dest,
			    "not a directory");
		else if (*want != '\0' && !link_is(a->genfd, dest, want, &why))
			report(a, "changed", a->gendir, dest, why);
	}
	if (!known)
		return;	/* a package's manifest is bad: said already */
	for (i = 0; pkg_farm_dirs[i] != NULL; i++)
		find_extra(a, a->genfd, pkg_farm_dirs[i], a->gendir, in_farm,
		    a);
	json_object_foreach(a->farm, dest, v)
		if (*json_string_value(v) == '\0')
			find_extra(a, a->genfd, dest, a->gendir, in_farm, a);
}

/* Reads gendir/<n>/rel whole: malloc'd, or NULL. */
static char *
read_gen_file(const struct audit *a, const char *rel, size_t max,
    size_t *lenp)
{
	char	*path = NULL, *buf = NULL;

	if (asprintf(&path, "%s/%ld/%s", a->h->gendir, a->gen, rel) == -1)
		return NULL;
	if (read_file(path, max, &buf, lenp, NULL) == -1)
		buf = NULL;
	free(path);
	return buf;
}

/* The generation's units against the packages they come from. */
static void
audit_gen_units(struct audit *a, int known)
{
	const char	*rel;
	char		*src = NULL, *have = NULL, *want = NULL;
	size_t		 hl, wl;
	json_t		*v;

	json_object_foreach(a->units, rel, v) {
		a->checked++;
		if (asprintf(&src, "%s/%s", a->h->pkgdir,
		    json_string_value(v)) == -1)
			break;
		if ((have = read_gen_file(a, rel, UNIT_MAX, &hl)) == NULL)
			report(a, "missing", a->gendir, rel, NULL);
		else if (read_file(src, UNIT_MAX, &want, &wl, NULL) == -1 ||
		    wl != hl || memcmp(want, have, wl) != 0)
			report(a, "changed", a->gendir, rel,
			    "differs from its package");
		free(src);
		free(have);
		free(want);
		src = have = want = NULL;
	}
	if (known)
		find_extra(a, a->genfd, "dcos.target.wants", a->gendir,
		    in_object, a->units);
}

/* generations/<n>/active/<name> -> the package, for every package. */
static void
audit_active(struct audit *a, const json_t *g, char **errp)
{
	json_t		*names, *v;
	const char	*id, *why;
	char		*name = NULL, *rel = NULL, *want = NULL;
	size_t		 i;

	if ((names = json_object()) == NULL) {
		err_set(errp, "out of memory");
		return;
	}
	json_array_foreach(json_object_get(g, "packages"), i, v) {
		id = json_string_value(json_object_get(v, "id"));
		a->checked++;
		/* cmd_verify checked id (pkg_id_valid): it has a "--". */
		if ((name = strndup(id, (size_t)(strstr(id, "--") - id))) ==
		    NULL || asprintf(&rel, "active/%s", name) == -1 ||
		    asprintf(&want, "../../../packages/%s", id) == -1) {
			err_set(errp, "out of memory");
			break;
		}
		json_object_set_new(names, rel, json_true());
		if (!link_is(a->genfd, rel, want, &why))
			report(a, "changed", a->gendir, rel, why);
		free(name);
		free(rel);
		free(want);
		name = rel = want = NULL;
	}
	free(name);
	free(rel);
	free(want);
	find_extra(a, a->genfd, "active", a->gendir, in_object, names);
	json_decref(names);
}
/* The environment files against what the packages' pkginfo.json set. */
static void
audit_env(struct audit *a, const json_t *g)
{
	char	*want[GEN_NFILES], *have, *err = NULL;
	size_t	 i, len;

	if (gen_expected_files(a->h, g, want, &err) == -1) {
		/* A pkginfo.json gone bad: its package says which. */
		report(a, "changed", a->gendir, gen_file_names[0], err);
		free(err);
		return;
	}
	for (i = 0; i < GEN_NFILES; i++) {
		a->checked++;
		if ((have = read_gen_file(a, gen_file_names[i], JSON_MAX,
		    &len)) == NULL)
			report(a, "missing", a->gendir, gen_file_names[i],
			    NULL);
		else if (len != strlen(want[i]) ||
		    memcmp(have, want[i], len) != 0)
			report(a, "changed", a->gendir, gen_file_names[i],
			    "differs from what the packages set");
		free(have);
		free(want[i]);
	}
}

/* /opt/mesosphere/NAME -> current/NAME: what services find. */
static void
audit_top_links(struct audit *a, char **errp)
{
	struct stat	 st;
	char		*want = NULL, *path = NULL;
	const char	*why;
	size_t		 i;

	for (i = 0; top_links[i] != NULL; i++) {
		a->checked++;
		if (asprintf(&want, "current/%s", top_links[i]) == -1 ||
		    (path = path_join(a->h->opt, top_links[i])) == NULL) {
			err_set(errp, "out of memory");
			break;
		}
		if (lstat(path, &st) == -1)
			report(a, "missing", "/opt/mesosphere", top_links[i],
			    NULL);
		else if (!link_is(AT_FDCWD, path, want, &why))
			report(a, "changed", "/opt/mesosphere", top_links[i],
			    why);
		free(want);
		free(path);
		want = path = NULL;
	}
	free(want);
}

/* The units systemd runs against the generation's. */
static void
audit_units(struct audit *a, const json_t *g)
{
	const json_t	*units = json_object_get(g, "units");
	char		*rel = NULL, *have = NULL, *hb = NULL, *wb = NULL;
	size_t		 i, wl, hl;
	json_t		*v;

	json_array_foreach(units, i, v) {
		const char *u = json_string_value(v);
		if (u == NULL || strchr(u, '/') != NULL)
			continue;
		a->checked++;
		if (asprintf(&rel, "dcos.target.wants/%s", u) == -1 ||
		    (have = path_join(a->h->unitdir, u)) == NULL)
			break;
		if (read_file(have, UNIT_MAX, &hb, &hl, NULL) == -1)
			report(a, "missing", "/etc/systemd/system", u, NULL);
		else if ((wb = read_gen_file(a, rel, UNIT_MAX, &wl)) == NULL ||
		    wl != hl || memcmp(wb, hb, wl) != 0)
			report(a, "changed", "/etc/systemd/system", u,
			    "differs from the generation");
		free(rel);
		free(have);
		free(wb);
		free(hb);
		rel = have = wb = hb = NULL;
	}
	free(rel);
	free(have);
}

/*
 * 1 when generation n has no record of its secret files though its
 * cluster manifest pins a secrets bundle for its roles; known only when
 * the manifest is in the host's cache (repair's default), else 0.
 */
static int
record_missing(const struct host *h, long n, const json_t *g)
{
	struct cluster	*c = NULL;
	struct digest	 d;
	const char	*ds = json_string_value(json_object_get(g,
			    "cluster_manifest"));
	char		*cache = NULL, *path = NULL;
	int		 r = 0;

	if (ds == NULL || digest_parse(ds, &d) == -1 ||
	    (cache = path_join(h->state, "cache")) == NULL ||
	    (path = cache_blob_path(cache, &d)) == NULL ||
	    access(path, F_OK) == -1 || cluster_load(path, &c, NULL) == -1)
		goto out;
	r = digest_equal(&c->digest, &d) && secrets_record_check(h, n, g, c,
	    NULL) == -1;
out:
	cluster_free(c);
	free(path);
	free(cache);
	return r;
}

/* Sets up a for generation json g of a->gen.  0 or -1 with *errp. */
static int
audit_init(struct audit *a, const json_t *g, char **errp)
{
	const json_t	*roles = json_object_get(g, "roles");
	char		*dir = NULL;
	json_t		*v;
	size_t		 i;
	int		 rc = -1;

	if (asprintf(&a->gendir, "/opt/mesosphere/generations/%ld",
	    a->gen) == -1 || asprintf(&dir, "%s/%ld", a->h->gendir,
	    a->gen) == -1 || (a->farm = json_object()) == NULL ||
	    (a->units = json_object()) == NULL ||
	    (a->roles = calloc(json_array_size(roles) + 1,
	    sizeof(*a->roles))) == NULL) {
		err_set(errp, "out of memory");
		goto out;
	}
	json_array_foreach(roles, i, v) {
		if (!json_is_string(v) || !role_valid(json_string_value(v))) {
			err_set(errp, "generation %ld: bad role list", a->gen);
			goto out;
		}
		/* Borrowed from g, which outlives a. */
		a->roles[a->nroles++] = (char *)json_string_value(v);
	}
	/* gen_build's one link of its own in the farm. */
	if (json_object_set_new(a->farm, "etc/" SERVICE_CONFIG_NAME,
	    json_string(SERVICE_CONFIG_LINK)) == -1) {
		err_set(errp, "out of memory");
		goto out;
	}
	if ((a->genfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1) {
		err_sys(errp, "%s", dir);
		goto out;
	}
	/* Its record of its secret files (root-only), when it has one. */
	if (gen_secrets_load(a->h, a->gen, &a->secrets, errp) == -1)
		goto out;
	if (json_object_size(a->secrets) == 0)
		a->no_record = record_missing(a->h, a->gen, g);
	rc = 0;
out:
	free(dir);
	return rc;
}

static void
audit_free(struct audit *a)
{
	if (a->genfd != -1)
		close(a->genfd);
	free(a->gendir);
	free(a->roles);
	json_decref(a->farm);
	json_decref(a->units);
	json_decref(a->secrets);
	json_decref(a->findings);
}

/* The findings so far. */
static size_t
found(const struct audit *a)
{
	return a->changed + a->missing + a->extra;
}

/*
 * Every audit of generation g (a set up by audit_init), with what each
 * part of the host holds of the findings in *d.  0 or -1 with *errp.
 */
static int
audit_run(struct audit *a, const json_t *g, struct drift *d, char **errp)
{
	const char	*id;
	json_t		*v;
	size_t		 i, mark;

	memset(d, 0, sizeof(*d));
	d->known = 1;
	json_array_foreach(json_object_get(g, "packages"), i, v) {
		id = json_string_value(json_object_get(v, "id"));
		if (id == NULL || !pkg_id_valid(id))
			return err_set(errp, "generation %ld: bad package "
			    "list", a->gen);
		if (audit_package(a, id, json_string_value(
		    json_object_get(v, "manifest")), errp) == -1)
			return -1;
		d->known = d->known && a->all_known;
	}
	d->packages = mark = found(a);
	audit_farm(a, d->known);
	d->generation = found(a) - mark;
	mark = found(a);
	audit_secrets(a);
	d->secrets = found(a) - mark;
	mark = found(a);
	audit_gen_units(a, d->known);
	audit_active(a, g, errp);
	audit_env(a, g);
	d->generation += found(a) - mark;
	mark = found(a);
	audit_top_links(a, errp);
	d->top = found(a) - mark;
	mark = found(a);
	audit_units(a, g);
	d->units = found(a) - mark;
	return *errp != NULL ? -1 : 0;
}

static int
verify_opt(void *arg, int opt, const char *optarg)
{
	(void)opt;
	(void)optarg;
	*(int *)arg = 1;		/* --json, the only one */
	return SUBCMD_CONTINUE;
}

/* verify --json's document (docs/formats.md "JSON output"). */
static int
verify_json(const struct audit *a, const json_t *g, int intact,
    size_t entries, const char *jerr, char **errp)
{
	json_t	*doc;
	int	 rc;

	doc = json_pack("{s:i, s:I, s:I, s:I, s:b, s:I, s:I, s:I, s:O, "
	    "s:{s:b, s:I, s:o?}}", "format", 1,
	    "generation", (json_int_t)a->gen,
	    "packages", (json_int_t)json_array_size(json_object_get(g,
	    "packages")),
	    "checked", (json_int_t)a->checked,
	    "clean", a->changed + a->missing + a->extra == 0,
	    "changed", (json_int_t)a->changed,
	    "missing", (json_int_t)a->missing,
	    "extra", (json_int_t)a->extra,
	    "findings", a->findings,
	    "journal", "intact", intact, "entries", (json_int_t)entries,
	    "problem", intact ? NULL : jsonio_string_escaped(jerr != NULL ?
	    jerr : "out of memory"));
	rc = jsonio_print(stdout, doc, errp);
	json_decref(doc);
	return rc;
}

int
cmd_verify(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "root", required_argument, NULL, 'R' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const struct subcmd	*cmd = subcmd_find(bootstrap_commands,
				    "verify");
	struct host		 h;
	struct audit		 a;
	struct drift		 d;
	const char		*root = NULL;
	char			*err = NULL, *jerr = NULL;
	json_t			*g = NULL;
	size_t			 entries = 0;
	int			 rc, jbad, asjson = 0;

	memset(&h, 0, sizeof(h));
	memset(&a, 0, sizeof(a));
	h.lockfd = -1;
	a.genfd = -1;
	a.h = &h;
	if ((rc = cmd_args(cmd, argc, argv, longopts, verify_opt, &asjson,
	    &root)) != SUBCMD_CONTINUE)
		return rc;
	rc = EXIT_FAIL;
	if (host_open_installed(&h, root, 0, &a.gen, NULL, NULL, &err) == -1)
		goto out;
	if (asjson && (a.findings = json_array()) == NULL) {
		err_set(&err, "out of memory");
		goto out;
	}
	if ((g = gen_load(&h, a.gen, &err)) == NULL ||
	    audit_init(&a, g, &err) == -1 || audit_run(&a, g, &d, &err) == -1)
		goto out;
	/* The record of what was done is audited with what was done. */
	jbad = journal_check(&h, &entries, &jerr) == -1;
	if (asjson) {
		if (verify_json(&a, g, !jbad, entries, jerr, &err) == 0 &&
		    a.changed + a.missing + a.extra == 0 && !jbad)
			rc = EXIT_OK;
		goto out;
	}
	if (jbad)
		printf("journal: %s\n", jerr != NULL ? jerr : "out of memory");
	if (a.changed + a.missing + a.extra == 0 && jbad)
		printf("verify: generation %ld: files clean, the journal is "
		    "damaged\n", a.gen);
	else if (a.changed + a.missing + a.extra == 0) {
		printf("verify: generation %ld, %zu packages, %zu entries: "
		    "clean\n", a.gen, json_array_size(json_object_get(g,
		    "packages")), a.checked);
		rc = EXIT_OK;
	} else
		printf("verify: generation %ld: drift: %zu changed, %zu "
		    "missing, %zu extra\n", a.gen, a.changed, a.missing,
		    a.extra);
out:
	rc = host_exit(&h, rc);
	if (err != NULL)
		log_error("%s", err);
	free(err);
	free(jerr);
	audit_free(&a);
	json_decref(g);
	host_free(&h);
	return rc;
}

int
pkg_audit(const struct host *h, const char *id, const char *want,
    size_t *findingsp, char **errp)
{
	struct audit	 a;
	int		 rc = -1;

	memset(&a, 0, sizeof(a));
	a.h = h;
	a.genfd = -1;
	/* Only the package's own files: no roles, farm or units compared. */
	if ((a.farm = json_object()) == NULL ||
	    (a.units = json_object()) == NULL) {
		err_set(errp, "out of memory");
		goto out;
	}
	if ((rc = audit_package(&a, id, want, errp)) == 0)
		*findingsp = a.changed + a.missing + a.extra;
out:
	audit_free(&a);
	return rc;
}

int
gen_audit(const struct host *h, long n, const json_t *g, int quiet,
    struct drift *d, char **errp)
{
	struct audit	 a;
	int		 rc;

	memset(&a, 0, sizeof(a));
	a.h = h;
	a.gen = n;
	a.genfd = -1;
	a.skip_files = 1;
	/* Collected (and dropped) instead of printed. */
	if (quiet && (a.findings = json_array()) == NULL)
		return err_set(errp, "out of memory");
	rc = audit_init(&a, g, errp) == -1 ? -1 : audit_run(&a, g, d, errp);
	audit_free(&a);
	return rc;
}
