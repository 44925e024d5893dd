/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Generations: /opt/mesosphere/generations/<n>, each a complete view of
 * one install (symlink farms into the shared read-only packages, units,
 * environment, generation.json).  A generation is built in ".tmp-<n>" and
 * renamed into place only when complete, so a directory named by a bare
 * number is always whole.
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
#include <time.h>
#include <unistd.h>

#include "atomicio.h"
#include "bootstrap.h"
#include "digest.h"
#include "error.h"
#include "jsonio.h"
#include "pkginfo.h"

const char *const gen_file_names[GEN_NFILES] = { "environment",
    "environment.export", SERVICE_CONFIG_NAME };
#define UNITS_DIR	"dcos.target.wants"

static int
longcmp(const void *a, const void *b)
{
	long	 x = *(const long *)a, y = *(const long *)b;

	return x < y ? -1 : x > y;
}

/* A positive decimal without sign or leading zero, or -1. */
static long
gen_number(const char *s)
{
	char	*end;
	long	 n;

	if (*s < '1' || *s > '9')
		return -1;
	errno = 0;
	n = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || n <= 0)
		return -1;
	return n;
}

int
gen_list(const struct host *h, long **nsp, size_t *countp, char **errp)
{
	DIR		*d;
	struct dirent	*de;
	long		*ns = NULL, *tmp, n;
	size_t		 count = 0, cap = 0;

	*nsp = NULL;
	*countp = 0;
	if ((d = opendir(h->gendir)) == NULL) {
		if (errno == ENOENT)
			return 0;
		return err_sys(errp, "%s", h->gendir);
	}
	while ((de = readdir(d)) != NULL) {
		if ((n = gen_number(de->d_name)) == -1)
			continue;
		if (count == cap) {
			cap = cap ? cap * 2 : 16;
			if ((tmp = reallocarray(ns, cap, sizeof(*ns))) ==
			    NULL) {
				free(ns);
				closedir(d);
				return err_set(errp, "out of memory");
			}
			ns = tmp;
		}
		ns[count++] = n;
	}
	closedir(d);
	if (count > 1)
		qsort(ns, count, sizeof(*ns), longcmp);
	*nsp = ns;
	*countp = count;
	return 0;
}

int
gen_current(const struct host *h, long *np, char **errp)
{
	char	 buf[PATH_MAX];
	ssize_t	 len;
	long	 n;

	*np = 0;
	if ((len = readlink(h->current, buf, sizeof(buf) - 1)) == -1) {
		if (errno == ENOENT)
			return 0;
		return err_sys(errp, "%s", h->current);
	}
	buf[len] = '\0';
	if (strncmp(buf, "generations/", 12) != 0 ||
	    (n = gen_number(buf + 12)) == -1)
		return err_set(errp, "%s points at %s, not at a generation; "
		    "run dcos-bootstrap activate", h->current, buf);
	*np = n;
	return 0;
}

int
host_open_installed(struct host *h, const char *root, int lock, long *curp,
    long **nsp, size_t *np, char **errp)
{
	json_t	*created = NULL;
	int	 rc = -1;

	if (host_init(h, root, errp) == -1 ||
	    (lock && host_lock_created(h, &created, errp) == -1) ||
	    gen_current(h, curp, errp) == -1 ||
	    (nsp != NULL && gen_list(h, nsp, np, errp) == -1))
		goto out;
	if (*curp == 0) {
		/*
		 * An empty host stays empty: what taking the lock made goes,
		 * so the next command still finds nothing installed.
		 */
		if (lock)
			(void)host_remove_state(h, created, 0, NULL);
		h->exit_status = EXIT_NOT_INSTALLED;
		err_set(errp, "nothing is installed on this host");
		goto out;
	}
	rc = 0;
out:
	json_decref(created);
	return rc;
}

json_t *
gen_load(const struct host *h, long n, char **errp)
{
	char	*path;
	json_t	*j;

	if (asprintf(&path, "%s/%ld/generation.json", h->gendir, n) == -1) {
		err_set(errp, "out of memory");
		return NULL;
	}
	j = jsonio_load(path, JSON_MAX, errp);
	free(path);
	return j;
}

int
gen_matches(const json_t *g, const struct digest *d, char *const *roles,
    size_t nroles)
{
	const char	*cm = json_string_value(json_object_get(g,
			    "cluster_manifest"));
	json_t		*r = json_object_get(g, "roles");
	char		 dstr[DIGEST_STRSZ];
	size_t		 i;

	digest_format(d, dstr);
	if (cm == NULL || strcmp(cm, dstr) != 0 || !json_is_array(r) ||
	    json_array_size(r) != nroles)
		return 0;
	for (i = 0; i < nroles; i++)
		if (strcmp(json_string_value(json_array_get(r, i)) ?
		    json_string_value(json_array_get(r, i)) : "",
		    roles[i]) != 0)
			return 0;
	return 1;
}

/* " master slave" of a JSON array of strings (malloc'd), or NULL. */
static char *
role_list(const json_t *a)
{
	char	*list, *nl;
	json_t	*v;
	size_t	 i;

	if ((list = strdup("")) == NULL)
		return NULL;
	json_array_foreach(a, i, v) {
		if (asprintf(&nl, "%s %s", list, json_string_value(v) != NULL ?
		    json_string_value(v) : "?") == -1)
			nl = NULL;
		free(list);
		if ((list = nl) == NULL)
			return NULL;
	}
	return list;
}

int
gen_roles_compare(const struct host *h, const char *const *roles,
    size_t nroles, char **fromp, char **errp)
{
	json_t	*g = NULL, *r, *want = NULL;
	char	*to = NULL;
	long	 cur;
	size_t	 i;
	int	 rc = -1, same;

	*fromp = NULL;
	if (gen_current(h, &cur, errp) == -1)
		return -1;
	if (cur == 0)
		return (*fromp = strdup("")) == NULL ? err_set(errp,
		    "out of memory") : 0;
	if ((g = gen_load(h, cur, errp)) == NULL)
		goto out;
	r = json_object_get(g, "roles");
	if ((want = json_array()) == NULL)
		goto oom;
	for (i = 0; i < nroles; i++)
		if (json_array_append_new(want, json_string(roles[i])) == -1)
			goto oom;
	/* Sets: the order roles were given in does not matter. */
	same = json_is_array(r) && json_array_size(r) == nroles;
	for (i = 0; same && i < nroles; i++)
		same = jsonio_in_array(r, roles[i]);
	if ((*fromp = role_list(r)) == NULL || (to = role_list(want)) == NULL)
		goto oom;
	if (same)
		rc = 0;
	else {
		err_set(errp, "this host runs generation %ld with roles:%s; "
		    "refusing roles:%s: to change roles, run dcos-bootstrap "
		    "uninstall first, or install with --change-roles (stops "
		    "dcos.target, switches, starts it)", cur, *fromp, to);
		rc = 1;
	}
	goto out;
oom:
	err_set(errp, "out of memory");
out:
	if (rc == -1) {
		free(*fromp);
		*fromp = NULL;
	}
	free(to);
	json_decref(want);
	json_decref(g);
	return rc;
}

/* ---- building ---- */

struct build {
	const struct host	*h;
	char *const		*roles;
	size_t			 nroles;
	int			 genfd;
	json_t			*env;		/* KEY -> value */
	json_t			*svcconf;	/* SERVICE_CONFIG_NAME's */
	json_t			*infos;		/* id -> pkginfo.json */
	json_t			*users;		/* [{user, group, ...}] */
	json_t			*units;		/* [name] */
	json_t			*unitfrom;	/* name -> package id */
	json_t			*pkgs;		/* [{id, manifest}] */
};

char *
gen_farm_target(const char *dest, const char *id, const char *path)
{
	size_t	 up = 2, k, len;
	char	*t, *p;

	/* From generations/<n>/<dest> up to the opt dir. */
	for (k = 0; dest[k] != '\0'; k++)
		if (dest[k] == '/')
			up++;
	len = up * 3 + strlen("packages/") + strlen(id) + 1 + strlen(path);
	if ((t = malloc(len + 1)) == NULL)
		return NULL;
	for (p = t, k = 0; k < up; k++, p += 3)
		memcpy(p, "../", 3);
	snprintf(p, len + 1 - up * 3, "packages/%s/%s", id, path);
	return t;
}

/* Which package owns the farm entry dest (from its link), for messages. */
static void
owner_of(int genfd, const char *dest, char *out, size_t outsz)
{
	char	 buf[PATH_MAX], *p, *e;
	ssize_t	 n;

	snprintf(out, outsz, "another package");
	if ((n = readlinkat(genfd, dest, buf, sizeof(buf) - 1)) == -1)
		return;
	buf[n] = '\0';
	if ((p = strstr(buf, "packages/")) == NULL)
		return;
	p += 9;
	if ((e = strchr(p, '/')) != NULL)
		*e = '\0';
	snprintf(out, outsz, "%s", p);
}

static int
copy_unit(struct build *b, const char *pkgid, const char *src,
    const char *name, char **errp)
{
	char		*buf = NULL, dest[PATH_MAX];
	const char	*owner;
	size_t		 len;
	int		 fd = -1, rc = -1;

	if (unit_check_name(name, pkgid, errp) == -1)
		return -1;
	if ((owner = json_string_value(json_object_get(b->unitfrom, name))) !=
	    NULL)
		return err_set(errp, "collision: both %s and %s install the "
		    "unit %s; remove it from one of them", owner, pkgid, name);
	if (json_object_set_new(b->unitfrom, name, json_string(pkgid)) == -1)
		return err_set(errp, "out of memory");
	if (read_file(src, 1024 * 1024, &buf, &len, errp) == -1)
		return -1;
	snprintf(dest, sizeof(dest), UNITS_DIR "/%s", name);
	if ((fd = openat(b->genfd, dest, O_WRONLY | O_CREAT | O_EXCL |
	    O_NOFOLLOW | O_CLOEXEC, 0644)) == -1 ||
	    write_all(fd, buf, len) == -1) {
		err_sys(errp, "%s", dest);
		goto out;
	}
	if (json_array_append_new(b->units, json_string(name)) == -1) {
		err_set(errp, "out of memory");
		goto out;
	}
	rc = 0;
out:
	if (fd != -1)
		close(fd);
	free(buf);
	return rc;
}

/*
 * Links one package's bin/lib/etc/include (and role variants) and units;
 * pkgroot is where the package is now (its stage before it is published).
 */
static int
farm_package(struct build *b, const struct pkgmanifest *m, const char *id,
    const char *pkgroot, char **errp)
{
	const struct pkg_file	*e;
	char			 owner[256], *src = NULL, *dest = NULL;
	char			*target = NULL;
	struct stat		 st;
	size_t			 i;
	int			 place, n, rc = -1;

	for (i = 0; i < m->pm->nfiles; i++) {
		e = &m->pm->files[i];
		free(dest);
		free(target);
		target = NULL;
		if ((place = gen_place(b->roles, b->nroles, e->path, &dest)) ==
		    -1)
			goto out;
		if (place == GEN_SKIP)
			continue;
		if (place == GEN_UNIT) {
			if (strchr(dest, '/') != NULL || e->type == PKG_DIR) {
				err_set(errp, "package %s: %s: units must be "
				    "files directly in %s", id, e->path,
				    UNITS_DIR);
				goto out;
			}
			if (asprintf(&src, "%s/%s", pkgroot, e->path) == -1) {
				err_set(errp, "out of memory");
				goto out;
			}
			n = copy_unit(b, id, src, dest, errp);
			free(src);
			if (n == -1)
				goto out;
			continue;
		}
		if (e->type == PKG_DIR) {
			if (mkdirat(b->genfd, dest, 0755) == 0)
				continue;
			if (errno == EEXIST && fstatat(b->genfd, dest, &st,
			    AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode))
				continue;
			owner_of(b->genfd, dest, owner, sizeof(owner));
			err_set(errp, "collision: %s is a directory in %s and "
			    "a file in %s", dest, id, owner);
			goto out;
		}
		if ((target = gen_farm_target(dest, id, e->path)) == NULL)
			goto out;
		if (symlinkat(target, b->genfd, dest) == -1) {
			if (errno != EEXIST) {
				err_sys(errp, "%s", dest);
				goto out;
			}
			owner_of(b->genfd, dest, owner, sizeof(owner));
			err_set(errp, "collision: both %s and %s install %s; "
			    "remove it from one of them", owner, id, dest);
			goto out;
		}
	}
	rc = 0;
out:
	free(dest);
	free(target);
	return rc;
}

/*
 * pkginfo.json by lib/pkginfo's rules, as dcos-genconf checked it, with
 * the units of the package (services, NULL: not checked again); what it
 * sets is added to b.
 */
static int
read_pkginfo(struct build *b, const struct pkgref *p, const char *pkgroot,
    const json_t *services, char **errp)
{
	char		*path, *buf = NULL;
	json_t		*j = NULL, *u, *env;
	const char	*user, *group;
	size_t		 len;
	int		 rc = -1;

	if ((path = path_join(pkgroot, "pkginfo.json")) == NULL)
		return err_set(errp, "out of memory");
	if (access(path, F_OK) == -1 && errno == ENOENT)
		j = json_object();
	else if (read_file(path, JSON_MAX, &buf, &len, errp) == -1 ||
	    (j = pkginfo_check(buf, len, path, errp)) == NULL)
		goto out;
	if (j == NULL || (services != NULL && pkginfo_services_check(p->id, j,
	    services, errp) == -1))
		goto out;
	/* A variable of two packages: pkg_set_check refuses it. */
	if ((env = json_object_get(j, "environment")) != NULL &&
	    json_object_update(b->env, env) == -1)
		goto out;
	if (service_config_add(b->svcconf, j) == -1 ||
	    json_object_set(b->infos, p->id, j) == -1)
		goto out;
	user = json_string_value(json_object_get(j, "username"));
	group = json_string_value(json_object_get(j, "group"));
	if (user != NULL || json_is_true(json_object_get(j,
	    "state_directory"))) {
		if ((u = json_pack("{s:s, s:b}", "package", p->name,
		    "state_directory", json_is_true(json_object_get(j,
		    "state_directory")))) == NULL ||
		    json_array_append_new(b->users, u) == -1)
			goto out;
		if (user != NULL)
			json_object_set_new(u, "user", json_string(user));
		if (group != NULL)
			json_object_set_new(u, "group", json_string(group));
	}
	rc = 0;
out:
	json_decref(j);
	free(buf);
	free(path);
	return rc;
}

static int
write_at(int dfd, const char *name, const char *text, char **errp)
{
	int	 fd;

	if ((fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0644)) == -1)
		return err_sys(errp, "%s", name);
	if (write_all(fd, text, strlen(text)) == -1) {
		close(fd);
		return err_sys(errp, "write %s", name);
	}
	close(fd);
	return 0;
}

/* qsort's comparison of two (const char *) elements. */
static int
strpcmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The texts of gen_file_names from what the packages set.  0 or -1. */
static int
env_texts(struct build *b, char *texts[GEN_NFILES])
{
	char		*env = NULL, *exp = NULL, *svc = NULL, *tmp;
	const char	*k, **keys = NULL;
	json_t		*v;
	size_t		 nk, i = 0;
	int		 rc = -1, n;
	const char	*base = "LD_LIBRARY_PATH=/opt/mesosphere/lib\n"
			    "PATH=/opt/mesosphere/bin:/usr/bin:/bin:/sbin:"
			    "/usr/sbin\n";

	if ((env = strdup(base)) == NULL || asprintf(&exp,
	    "export LD_LIBRARY_PATH=/opt/mesosphere/lib\n"
	    "export PATH=/opt/mesosphere/bin:/usr/bin:/bin:/sbin:/usr/sbin\n")
	    == -1)
		goto out;
	/* json_object_foreach visits keys in insertion order: sort. */
	nk = json_object_size(b->env);
	if ((keys = calloc(nk + 1, sizeof(*keys))) == NULL)
		goto out;
	json_object_foreach(b->env, k, v)
		keys[i++] = k;
	qsort(keys, nk, sizeof(*keys), strpcmp);
	for (i = 0; i < nk; i++) {
		const char *val = json_string_value(json_object_get(b->env,
		    keys[i]));
		if (asprintf(&tmp, "%s%s=%s\n", env, keys[i], val) == -1)
			goto out;
		free(env);
		env = tmp;
		/* Single quotes make the export file safe to source. */
		char *q = NULL, *qp;
		const char *s;
		if ((q = malloc(strlen(val) * 4 + 1)) == NULL)
			goto out;
		for (qp = q, s = val; *s != '\0'; s++) {
			if (*s == '\'') {
				memcpy(qp, "'\\''", 4);
				qp += 4;
			} else
				*qp++ = *s;
		}
		*qp = '\0';
		if (asprintf(&tmp, "%sexport %s='%s'\n", exp, keys[i], q) ==
		    -1) {
			free(q);
			goto out;
		}
		free(q);
		free(exp);
		exp = tmp;
	}
	free(keys);
	keys = NULL;
	/* pkgpanda's format: {"sysctl": {service: {name: value}}}. */
	if ((tmp = json_dumps(b->svcconf, JSONIO_PRETTY)) == NULL)
		goto out;
	n = asprintf(&svc, "%s\n", tmp);
	free(tmp);
	if (n == -1) {
		svc = NULL;
		goto out;
	}
	texts[0] = env;
	texts[1] = exp;
	texts[2] = svc;
	env = exp = svc = NULL;	/* transferred */
	rc = 0;
out:
	free(keys);
	free(env);
	free(exp);
	free(svc);
	return rc;
}

static int
write_env(struct build *b, char **errp)
{
	char	*texts[GEN_NFILES] = { NULL, NULL, NULL };
	size_t	 i;
	int	 rc = -1;

	if (env_texts(b, texts) == -1)
		goto out;
	for (i = 0; i < GEN_NFILES; i++)
		if (write_at(b->genfd, gen_file_names[i], texts[i], errp) ==
		    -1)
			goto out;
	/* Where pkgpanda's readers look: /opt/mesosphere/etc/. */
	if (symlinkat(SERVICE_CONFIG_LINK, b->genfd, "etc/"
	    SERVICE_CONFIG_NAME) == -1) {
		err_sys(errp, "etc/" SERVICE_CONFIG_NAME);
		goto out;
	}
	rc = 0;
out:
	for (i = 0; i < GEN_NFILES; i++)
		free(texts[i]);
	return rc;
}

/*
 * The steps of gen_build return -1 with no message only when out of
 * memory: gen_build says so.
 */
static int
build_init(struct build *b, const struct host *h, char *const *roles,
    size_t nroles)
{
	memset(b, 0, sizeof(*b));
	b->h = h;
	b->roles = roles;
	b->nroles = nroles;
	b->genfd = -1;
	if ((b->env = json_object()) == NULL ||
	    (b->svcconf = json_pack("{s:{}}", "sysctl")) == NULL ||
	    (b->infos = json_object()) == NULL ||
	    (b->users = json_array()) == NULL ||
	    (b->units = json_array()) == NULL ||
	    (b->unitfrom = json_object()) == NULL ||
	    (b->pkgs = json_array()) == NULL)
		return -1;
	return 0;
}

static void
build_free(struct build *b)
{
	if (b->genfd != -1)
		close(b->genfd);
	json_decref(b->env);
	json_decref(b->svcconf);
	json_decref(b->infos);
	json_decref(b->users);
	json_decref(b->units);
	json_decref(b->unitfrom);
	json_decref(b->pkgs);
}

/* Makes the empty tree of the generation in tmp and opens it. */
static int
build_mkdirs(struct build *b, const char *tmp, char **errp)
{
	const char	*activedirs[] = { "active", "bin", "lib", "etc",
			    "include", UNITS_DIR, NULL };
	size_t		 i;

	if (mkdir_p(b->h->gendir, 0755, errp) == -1 || rm_tree(tmp, errp) == -1)
		return -1;
	if (mkdir(tmp, 0755) == -1)
		return err_sys(errp, "mkdir %s", tmp);
	if ((b->genfd = open(tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1)
		return err_sys(errp, "%s", tmp);
	for (i = 0; activedirs[i] != NULL; i++)
		if (mkdirat(b->genfd, activedirs[i], 0755) == -1)
			return err_sys(errp, "mkdir %s", activedirs[i]);
	return 0;
}

/*
 * The package by lib/pkginfo's rules, as dcos-genconf checked it: every
 * entry (units of every role, reserved names), pkginfo.json, and its
 * group on this host.
 */
static int
package_rules(struct build *b, const struct pkgmanifest *m,
    const struct pkgref *p, const char *pkgroot, char **errp)
{
	const json_t	*info;
	json_t		*services;
	size_t		 i;
	int		 rc = -1;

	if ((services = json_array()) == NULL)
		return -1;
	for (i = 0; i < m->pm->nfiles; i++)
		if (pkg_entry_check(p->id, m->pm->files[i].path,
		    m->pm->files[i].type == PKG_DIR, services, errp) == -1)
			goto out;
	if (read_pkginfo(b, p, pkgroot, services, errp) == -1)
		goto out;
	info = json_object_get(b->infos, p->id);
	rc = users_group_check(b->h, json_string_value(json_object_get(info,
	    "username")), json_string_value(json_object_get(info, "group")),
	    errp);
	if (rc == -1)
		err_wrap(errp, "package %s", p->id);
out:
	json_decref(services);
	return rc;
}

/*
 * The packages of the generation together: their names only (before
 * they are read), or every rule (pkg_set_check).
 */
static int
set_rules(struct build *b, const struct cluster *c, int names, char **errp)
{
	struct pkg_ref	*refs;
	size_t		 i;
	int		 rc;

	if ((refs = calloc(c->npkgs + 1, sizeof(*refs))) == NULL)
		return -1;
	for (i = 0; i < c->npkgs; i++) {
		refs[i].id = c->pkgs[i].id;
		refs[i].pkginfo = json_object_get(b->infos, c->pkgs[i].id);
	}
	rc = names ? pkg_names_check(refs, c->npkgs, errp) :
	    pkg_set_check(refs, c->npkgs, errp);
	free(refs);
	return rc;
}

/* Links one package into the generation and reads its info. */
static int
build_package(struct build *b, const struct pkgref *p, const char *srcroot,
    char **errp)
{
	struct pkgmanifest	*m = NULL;
	char			*pkgroot = NULL, dstr[DIGEST_STRSZ];
	char			 link[PATH_MAX], lt[PATH_MAX];
	int			 rc = -1;

	snprintf(link, sizeof(link), "active/%s", p->name);
	snprintf(lt, sizeof(lt), "../../../packages/%s", p->id);
	if (symlinkat(lt, b->genfd, link) == -1) {
		if (errno == EEXIST)
			return err_set(errp, "collision: two packages are "
			    "named %s (%s is one)", p->name, p->id);
		return err_sys(errp, "%s", link);
	}
	if (srcroot != NULL)
		pkgroot = strdup(srcroot);
	else if (asprintf(&pkgroot, "%s/%s", b->h->pkgdir, p->id) == -1)
		pkgroot = NULL;
	if (pkgroot == NULL)
		return -1;
	if (pkgmanifest_load(pkgroot, p->id, &m, errp) == -1)
		goto out;
	if (p->has_manifest && !digest_equal(&m->digest, &p->manifest)) {
		err_set(errp, "%s/%s differs from the signed release; run "
		    "dcos-bootstrap verify", pkgroot, PKG_MANIFEST_NAME);
		goto out;
	}
	if (package_rules(b, m, p, pkgroot, errp) == -1 ||
	    farm_package(b, m, p->id, pkgroot, errp) == -1)
		goto out;
	crash_point("generation");
	digest_format(&m->digest, dstr);
	if (json_array_append_new(b->pkgs, json_pack("{s:s, s:s}", "id",
	    p->id, "manifest", dstr)) == -1)
		goto out;
	rc = 0;
out:
	pkgmanifest_free(m);
	free(pkgroot);
	return rc;
}

/* Writes generation.json: what the generation is made of, and when. */
static int
write_genjson(struct build *b, const struct cluster *c, long n, char **errp)
{
	char		 dstr[DIGEST_STRSZ], when[32], *text;
	json_t		*g, *r;
	size_t		 i;
	time_t		 now = time(NULL);
	struct tm	 tm;
	int		 rc;

	if ((r = json_array()) == NULL)
		return -1;
	for (i = 0; i < b->nroles; i++)
		json_array_append_new(r, json_string(b->roles[i]));
	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	digest_format(&c->digest, dstr);
	g = json_pack("{s:i, s:I, s:s, s:s, s:s, s:{s:s, s:s, s:I}, s:o, "
	    "s:O, s:O, s:O, s:O, s:s}",
	    "format", 1, "generation", (json_int_t)n,
	    "cluster_manifest", dstr, "cluster_name", c->cluster_name,
	    "config_id", c->config_id,
	    "release", "name", c->release_name, "version",
	    c->release_version, "seq", (json_int_t)c->seq,
	    "roles", r, "packages", b->pkgs, "users", b->users,
	    "units", b->units, "unit_packages", b->unitfrom, "created", when);
	if (g == NULL)
		return -1;
	text = json_dumps(g, JSONIO_PRETTY);
	json_decref(g);
	if (text == NULL)
		return -1;
	rc = write_at(b->genfd, "generation.json", text, errp);
	free(text);
	return rc;
}

/* The directory generation n is built in before gen_commit(). */
static char *
gen_tmp(const struct host *h, long n)
{
	char	*tmp;

	if (asprintf(&tmp, "%s/.tmp-%ld", h->gendir, n) == -1)
		return NULL;
	return tmp;
}

/* gen_build into the directory tmp (made anew; removed on failure). */
static int
build_in(const struct host *h, const struct cluster *c, char *const *roles,
    size_t nroles, long n, char *const *srcroots, const char *tmp,
    char **errp)
{
	struct build	 b;
	size_t		 i;
	int		 rc = -1;

	if (build_init(&b, h, roles, nroles) == -1)
		goto out;
	if (set_rules(&b, c, 1, errp) == -1 || build_mkdirs(&b, tmp, errp) == -1)
		goto out;
	for (i = 0; i < c->npkgs; i++)
		if (build_package(&b, &c->pkgs[i], srcroots != NULL ?
		    srcroots[i] : NULL, errp) == -1)
			goto out;
	if (set_rules(&b, c, 0, errp) == -1 || write_env(&b, errp) == -1 ||
	    gen_write_secrets(b.genfd, c, roles, nroles, errp) == -1 ||
	    write_genjson(&b, c, n, errp) == -1)
		goto out;
	/* One sync for the whole tree before gen_commit's rename. */
	if (syncfs(b.genfd) == -1) {
		err_sys(errp, "sync %s", tmp);
		goto out;
	}
	rc = 0;
out:
	/* Every failure above that set no message ran out of memory. */
	if (rc == -1 && *errp == NULL)
		err_set(errp, "out of memory");
	build_free(&b);
	if (rc == -1)
		(void)rm_tree(tmp, NULL);
	return rc;
}

int
gen_build(const struct host *h, const struct cluster *c, char *const *roles,
    size_t nroles, long n, char *const *srcroots, char **errp)
{
	char	*tmp;
	int	 rc;

	if ((tmp = gen_tmp(h, n)) == NULL)
		return err_set(errp, "out of memory");
	rc = build_in(h, c, roles, nroles, n, srcroots, tmp, errp);
	free(tmp);
	return rc;
}

int
gen_commit(const struct host *h, long n, char **errp)
{
	char	*tmp = NULL, *final = NULL;
	int	 rc = -1;

	if ((tmp = gen_tmp(h, n)) == NULL ||
	    asprintf(&final, "%s/%ld", h->gendir, n) == -1) {
		final = NULL;
		err_set(errp, "out of memory");
		goto out;
	}
	if (rename(tmp, final) == -1) {
		err_sys(errp, "rename %s", final);
		goto out;
	}
	rc = fsync_dir(h->gendir, errp);
out:
	free(tmp);
	free(final);
	return rc;
}

int
gen_expected_files(const struct host *h, const json_t *g,
    char *texts[GEN_NFILES], char **errp)
{
	struct build	 b;
	struct pkgref	 p;
	const char	*id, *dash;
	char		*root = NULL;
	json_t		*v;
	size_t		 i;
	int		 rc = -1;

	memset(&p, 0, sizeof(p));
	for (i = 0; i < GEN_NFILES; i++)
		texts[i] = NULL;
	if (build_init(&b, h, NULL, 0) == -1)
		goto out;
	json_array_foreach(json_object_get(g, "packages"), i, v) {
		id = json_string_value(json_object_get(v, "id"));
		if (id == NULL || !pkg_id_valid(id) ||
		    (dash = strstr(id, "--")) == NULL) {
			err_set(errp, "generation.json: bad package list");
			goto out;
		}
		free(p.name);
		if ((p.name = strndup(id, (size_t)(dash - id))) == NULL)
			goto out;
		p.id = (char *)id;
		free(root);
		if (asprintf(&root, "%s/%s", h->pkgdir, id) == -1) {
			root = NULL;
			goto out;
		}
		if (read_pkginfo(&b, &p, root, NULL, errp) == -1)
			goto out;
	}
	if (env_texts(&b, texts) == -1)
		goto out;
	rc = 0;
out:
	if (rc == -1 && *errp == NULL)
		err_set(errp, "out of memory");
	free(root);
	free(p.name);
	build_free(&b);
	return rc;
}

void
gen_abort(const struct host *h, long n)
{
	char	*tmp;

	if ((tmp = gen_tmp(h, n)) != NULL)
		(void)rm_tree(tmp, NULL);
	free(tmp);
}

int
gen_record_check(const json_t *g, long n, const struct cluster *c,
    char **errp)
{
	const json_t	*pkgs = json_object_get(g, "packages");
	const json_t	*roles = json_object_get(g, "roles");
	const char	*id;
	json_t		*v;
	size_t		 i;

	if (json_integer_value(json_object_get(g, "generation")) != n)
		return err_set(errp, "generation %ld: its generation.json "
		    "names another generation", n);
	if (!json_is_array(pkgs) || json_array_size(pkgs) != c->npkgs)
		return err_set(errp, "generation %ld: its generation.json "
		    "does not list the %zu packages of its cluster manifest",
		    n, c->npkgs);
	json_array_foreach(pkgs, i, v) {
		id = json_string_value(json_object_get(v, "id"));
		if (id == NULL || strcmp(id, c->pkgs[i].id) != 0)
			return err_set(errp, "generation %ld: its "
			    "generation.json lists %s where its cluster "
			    "manifest has %s", n, id != NULL ? id : "(none)",
			    c->pkgs[i].id);
	}
	if (!json_is_array(roles) || json_array_size(roles) == 0)
		return err_set(errp, "generation %ld: its generation.json has "
		    "no roles", n);
	json_array_foreach(roles, i, v)
		if (!json_is_string(v) || !role_valid(json_string_value(v)))
			return err_set(errp, "generation %ld: bad role list",
			    n);
	return 0;
}

/*
 * Is the generation.json build_in wrote in stage what g records (its
 * creation time aside)?  0, or -1 with *errp naming the first field that
 * differs.
 */
static int
same_record(const json_t *g, const char *stage, long n, char **errp)
{
	json_t		*built, *v;
	const char	*k, *bad = NULL;
	char		*path;

	if ((path = path_join(stage, "generation.json")) == NULL)
		return err_set(errp, "out of memory");
	built = jsonio_load(path, JSON_MAX, errp);
	free(path);
	if (built == NULL)
		return -1;
	json_object_foreach(built, k, v)
		if (bad == NULL && strcmp(k, "created") != 0 &&
		    !json_equal(v, json_object_get(g, k)))
			bad = k;
	json_object_foreach((json_t *)g, k, v)
		if (bad == NULL && json_object_get(built, k) == NULL)
			bad = k;
	if (bad != NULL)
		err_set(errp, "generation %ld: its generation.json does not "
		    "match what its packages build (\"%s\" differs): nothing "
		    "repaired there; reinstall (dcos-bootstrap uninstall, then "
		    "install)", n, bad);
	json_decref(built);
	return bad != NULL ? -1 : 0;
}

/*
 * The secret files of generation n that rec lists (gen_secrets_load's
 * record, checked: the one list of them repair uses) and the file
 * GEN_SECRETS_NAME that holds it, linked into stage as they are:
 * secrets come from the site key, not from the packages, and repair
 * leaves them alone.  0 or -1 with *errp.
 */
static int
keep_secrets(int genfd, int stagefd, long n, const json_t *rec,
    char **errp)
{
	const json_t	*v;
	const char	*dest, *base;
	int		 fd, sfd;

	json_object_foreach((json_t *)rec, dest, v) {
		/*
		 * Never through a symlink in the old tree: a parent that
		 * drifted into one (or into a file) leaves the secret
		 * missing, for secrets_repair to put back.
		 */
		if ((sfd = open_parent(genfd, dest, 0, &base, NULL)) == -1)
			continue;
		if ((fd = open_parent(stagefd, dest, 1, &base, errp)) == -1) {
			close(sfd);
			return -1;
		}
		/* A file gone stays gone: verify says so. */
		if (linkat(sfd, base, fd, base, 0) == -1 && errno != ENOENT) {
			err_sys(errp, "keep the secret file %s", dest);
			close(fd);
			close(sfd);
			return -1;
		}
		close(fd);
		close(sfd);
	}
	/* No record and no file: a generation without secrets. */
	if (linkat(genfd, GEN_SECRETS_NAME, stagefd, GEN_SECRETS_NAME, 0) ==
	    -1 && (errno != ENOENT || json_object_size(rec) > 0))
		return err_sys(errp, "generation %ld: keep %s", n,
		    GEN_SECRETS_NAME);
	return 0;
}

int
gen_rebuild(const struct host *h, const struct cluster *c, const json_t *g,
    long n, char **errp)
{
	const json_t	*jr = json_object_get(g, "roles");
	struct stat	 st;
	json_t		*secrets = NULL;
	char		**roles = NULL, *stage = NULL, *final = NULL;
	size_t		 i;
	int		 genfd = -1, stagefd = -1, built = 0, rc = -1;

	if (gen_record_check(g, n, c, errp) == -1 ||
	    gen_secrets_load(h, n, &secrets, errp) == -1)
		return -1;
	/* clean_partial removes a stage a killed run left behind. */
	if (asprintf(&stage, "%s/.staging-%ld", h->gendir, n) == -1)
		stage = NULL;
	if (asprintf(&final, "%s/%ld", h->gendir, n) == -1)
		final = NULL;
	if ((roles = calloc(json_array_size(jr) + 1, sizeof(*roles))) ==
	    NULL || stage == NULL || final == NULL) {
		err_set(errp, "out of memory");
		goto out;
	}
	/* Borrowed from g; gen_record_check checked them. */
	for (i = 0; i < json_array_size(jr); i++)
		roles[i] = (char *)json_string_value(json_array_get(jr, i));
	if (build_in(h, c, roles, json_array_size(jr), n, NULL, stage,
	    errp) == -1)
		goto out;
	built = 1;
	if (same_record(g, stage, n, errp) == -1)
		goto out;
	if ((genfd = open(final, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1 || (stagefd = open(stage, O_RDONLY |
	    O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		err_sys(errp, "%s", genfd == -1 ? final : stage);
		goto out;
	}
	/* The record as it was (the file gen_load read), its time with it. */
	if (fstatat(genfd, "generation.json", &st, AT_SYMLINK_NOFOLLOW) ==
	    -1 || !S_ISREG(st.st_mode)) {
		err_set(errp, "%s/generation.json is not a regular file: "
		    "reinstall", final);
		goto out;
	}
	if (unlinkat(stagefd, "generation.json", 0) == -1 ||
	    linkat(genfd, "generation.json", stagefd, "generation.json",
	    0) == -1) {
		err_sys(errp, "keep %s/generation.json", final);
		goto out;
	}
	if (keep_secrets(genfd, stagefd, n, secrets, errp) == -1)
		goto out;
	if (syncfs(stagefd) == -1) {
		err_sys(errp, "sync %s", stage);
		goto out;
	}
	crash_point("rebuilt");
	if (replace_package(h, stage, final, "its link farm, units or "
	    "environment files had drifted from its packages", errp) == -1)
		goto out;
	built = 0;
	rc = fsync_dir(h->gendir, errp);
out:
	if (genfd != -1)
		close(genfd);
	if (stagefd != -1)
		close(stagefd);
	if (built)
		(void)rm_tree(stage, NULL);
	json_decref(secrets);
	free(roles);
	free(stage);
	free(final);
	return rc;
}
