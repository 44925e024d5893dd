/* SPDX-License-Identifier: Apache-2.0 */
/*
 * System accounts for packages, read and written as plain files: a static
 * binary must not call getpwnam(3) (NSS would load shared modules), and
 * with --root the accounts live in the scratch root's /etc anyway.
 */
#include <config.h>

#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomicio.h"
#include "bootstrap.h"
#include "error.h"

#define ACCOUNTS_MAX	(64 * 1024 * 1024)
/* System ids, allocated downwards like useradd --system. */
#define SYS_ID_MIN	100
#define SYS_ID_MAX	999

/* The file's text ("" when missing); *existed says whether it was there. */
static int
load(const struct host *h, const char *rel, char **textp, int *existed,
    mode_t *modep, char **errp)
{
	char		*path;
	struct stat	 st;
	size_t		 len;
	int		 rc = 0;

	if ((path = host_path(h, rel)) == NULL)
		return err_set(errp, "out of memory");
	*existed = 1;
	*modep = 0644;
	if (stat(path, &st) == 0)
		*modep = st.st_mode & 07777;
	if (read_file(path, ACCOUNTS_MAX, textp, &len, errp) == -1) {
		if (errno == ENOENT) {
			free(*errp);
			*errp = NULL;
			*existed = 0;
			if ((*textp = strdup("")) == NULL)
				rc = err_set(errp, "out of memory");
		} else
			rc = -1;
	}
	free(path);
	return rc;
}

/*
 * The number in the field at f (ending at ':' or end), or -1 when it is
 * empty, not all digits, or no id (above 4294967294, (uid_t)-1 being
 * "no change" to chown).
 */
static long
field_id(const char *f, const char *end)
{
	unsigned long long	 v = 0;
	const char		*p;

	for (p = f; p < end && *p != ':'; p++) {
		if (*p < '0' || *p > '9' || (v = v * 10 + (unsigned)(*p -
		    '0')) > 4294967294ULL)
			return -1;
	}
	return p == f ? -1 : (long)v;
}

/*
 * Finds the line of name in a colon file; returns it (not NUL-terminated)
 * and fills the third field (and the fourth) as a number when idp (id4p)
 * is not NULL: -1 when the line has no such valid field.  Fields are
 * looked for inside the line only.
 */
static const char *
find_line(const char *text, const char *name, long *idp, long *id4p)
{
	const char	*p = text, *nl, *end, *f, *g;
	size_t		 nlen = strlen(name);

	for (; *p != '\0'; p = nl + 1) {
		nl = strchr(p, '\n');
		end = nl != NULL ? nl : p + strlen(p);
		if (strncmp(p, name, nlen) == 0 && p + nlen < end &&
		    p[nlen] == ':') {
			f = memchr(p + nlen + 1, ':', (size_t)(end - p -
			    (long)nlen - 1));
			g = f != NULL ? memchr(f + 1, ':', (size_t)(end - f -
			    1)) : NULL;
			if (idp != NULL)
				*idp = f != NULL ? field_id(f + 1, end) : -1;
			if (id4p != NULL)
				*id4p = g != NULL ? field_id(g + 1, end) : -1;
			return p;
		}
		if (nl == NULL)
			break;
	}
	return NULL;
}

/* The error for name's line in rel without valid id fields.  -1. */
static int
bad_line(const struct host *h, const char *rel, const char *name,
    char **errp)
{
	char	*path;

	if ((path = host_path(h, rel)) == NULL)
		return err_set(errp, "out of memory");
	err_set(errp, "%s: the line of %s has no valid numeric id field%s "
	    "(%s): fix that line, nothing was changed", path, name,
	    strcmp(rel, "etc/group") == 0 ? "" : "s",
	    strcmp(rel, "etc/group") == 0 ? "name:password:gid:members" :
	    "name:password:uid:gid:...");
	free(path);
	return -1;
}

static int
id_used(const char *text, long id)
{
	const char	*p = text, *nl, *f;

	for (; *p != '\0'; p = nl + 1) {
		nl = strchr(p, '\n');
		if ((f = strchr(p, ':')) != NULL &&
		    (f = strchr(f + 1, ':')) != NULL &&
		    (nl == NULL || f < nl) && strtol(f + 1, NULL, 10) == id)
			return 1;
		if (nl == NULL)
			break;
	}
	return 0;
}

static long
free_id(const char *a, const char *b, long prefer)
{
	long	 id;

	if (prefer >= SYS_ID_MIN && prefer <= SYS_ID_MAX && !id_used(a, prefer)
	    && (b == NULL || !id_used(b, prefer)))
		return prefer;
	for (id = SYS_ID_MAX; id >= SYS_ID_MIN; id--)
		if (!id_used(a, id) && (b == NULL || !id_used(b, id)))
			return id;
	return -1;
}

int
users_name_ok(const char *n)
{
	size_t	 i;

	if (n[0] == '\0' || n[0] == '-' || strlen(n) > 32)
		return 0;
	for (i = 0; n[i] != '\0'; i++)
		if (!((n[i] >= 'a' && n[i] <= 'z') || (n[i] >= '0' &&
		    n[i] <= '9') || n[i] == '_' || n[i] == '-'))
			return 0;
	return 1;
}

/*
 * Adds line to the accounts file.  A file without a final newline keeps
 * having none (the line goes after a newline instead), so drop() can
 * give back the very bytes it found.
 */
static int
append(const struct host *h, const char *rel, const char *text,
    const char *line, mode_t mode, char **errp)
{
	char	*path = NULL, *all = NULL;
	size_t	 len = strlen(text);
	int	 rc, bare = len > 0 && text[len - 1] != '\n';

	if ((path = host_path(h, rel)) == NULL || asprintf(&all, "%s%s%s%s",
	    text, bare ? "\n" : "", line, bare ? "" : "\n") == -1) {
		free(path);
		return err_set(errp, "out of memory");
	}
	{
		char *dir = host_path(h, "etc");
		rc = dir != NULL ? mkdir_p(dir, 0755, errp) :
		    err_set(errp, "out of memory");
		free(dir);
	}
	if (rc == 0)
		rc = atomic_write_file(path, all, strlen(all), mode, errp);
	free(path);
	free(all);
	return rc;
}

int
users_lookup(const struct host *h, const char *user, uid_t *uidp,
    gid_t *gidp, char **errp)
{
	char	*pw = NULL;
	int	 ex;
	mode_t	 m;
	long	 uid = -1, gid = -1;
	int	 found;

	if (load(h, "etc/passwd", &pw, &ex, &m, errp) == -1)
		return -1;
	found = find_line(pw, user, &uid, &gid) != NULL;
	free(pw);
	/* Never chown to a guess: (uid_t)-1 changes nothing, 0 is root. */
	if (found && (uid == -1 || gid == -1))
		return bad_line(h, "etc/passwd", user, errp);
	if (found) {
		*uidp = (uid_t)uid;
		*gidp = (gid_t)gid;
	}
	return found;
}

int
users_group_check(const struct host *h, const char *user, const char *group,
    char **errp)
{
	char	*gr = NULL;
	int	 ex, found;
	mode_t	 m;

	if (user == NULL || group == NULL || strcmp(user, group) == 0)
		return 0;
	if (load(h, "etc/group", &gr, &ex, &m, errp) == -1)
		return -1;
	found = find_line(gr, group, NULL, NULL) != NULL;
	free(gr);
	if (!found)
		return err_set(errp, "group %s (of user %s) does not exist on "
		    "this host: create it first (only a group named like its "
		    "user is made with the user)", group, user);
	return 0;
}

int
users_ensure(const struct host *h, const char *user, const char *group,
    json_t *created_users, json_t *created_groups, uid_t *uidp,
    gid_t *gidp, char **errp)
{
	char	*pw = NULL, *gr = NULL, *sh = NULL, *line = NULL;
	int	 pwex, grex, shex, rc = -1;
	mode_t	 pwm, grm, shm;
	long	 uid = -1, gid = -1, dummy;

	if (group == NULL)
		group = user;
	if (!users_name_ok(user) || !users_name_ok(group))
		return err_set(errp, "account name \"%s\"/\"%s\" is not a "
		    "valid system user or group name", user, group);
	if (users_group_check(h, user, group, errp) == -1)
		return -1;
	if (load(h, "etc/passwd", &pw, &pwex, &pwm, errp) == -1 ||
	    load(h, "etc/group", &gr, &grex, &grm, errp) == -1 ||
	    load(h, "etc/shadow", &sh, &shex, &shm, errp) == -1)
		goto out;
	/* A line without its ids is an error before anything is added. */
	if (find_line(gr, group, &gid, NULL) != NULL && gid == -1) {
		bad_line(h, "etc/group", group, errp);
		goto out;
	}
	if (find_line(pw, user, &uid, &dummy) != NULL && (uid == -1 ||
	    dummy == -1)) {
		bad_line(h, "etc/passwd", user, errp);
		goto out;
	}
	if (gid == -1 && find_line(gr, group, &gid, NULL) == NULL) {
		if ((gid = free_id(gr, NULL, -1)) == -1) {
			err_set(errp, "no free system group id for %s", group);
			goto out;
		}
		if (asprintf(&line, "%s:x:%ld:", group, gid) == -1 ||
		    append(h, "etc/group", gr, line, grex ? grm : 0644,
		    errp) == -1)
			goto out;
		free(line);
		line = NULL;
		json_array_append_new(created_groups, json_string(group));
	}
	if (uid == -1 && find_line(pw, user, &uid, &dummy) == NULL) {
		if ((uid = free_id(pw, NULL, gid)) == -1) {
			err_set(errp, "no free system user id for %s", user);
			goto out;
		}
		if (asprintf(&line, "%s:x:%ld:%ld:DC/OS %s:/opt/mesosphere:"
		    "/sbin/nologin", user, uid, gid, user) == -1 ||
		    append(h, "etc/passwd", pw, line, pwex ? pwm : 0644,
		    errp) == -1)
			goto out;
		free(line);
		line = NULL;
		if (shex && find_line(sh, user, NULL, NULL) == NULL) {
			if (asprintf(&line, "%s:!:::::::", user) == -1 ||
			    append(h, "etc/shadow", sh, line, shm, errp) == -1)
				goto out;
		}
		json_array_append_new(created_users, json_string(user));
	}
	*uidp = (uid_t)uid;
	*gidp = (gid_t)gid;
	rc = 0;
out:
	if (rc == -1 && errp != NULL && *errp == NULL)
		err_set(errp, "out of memory");
	free(pw);
	free(gr);
	free(sh);
	free(line);
	return rc;
}

/* Rewrites rel without the lines of the given names. */
static int
drop(const struct host *h, const char *rel, const json_t *names,
    char **errp)
{
	char		*text = NULL, *out = NULL, *path = NULL, *o;
	const char	*p, *nl;
	int		 ex, rc = -1, changed = 0;
	mode_t		 m;
	size_t		 i, len;
	json_t		*v;

	if (load(h, rel, &text, &ex, &m, errp) == -1)
		return -1;
	if (!ex) {
		free(text);
		return 0;
	}
	if ((out = malloc(strlen(text) + 1)) == NULL ||
	    (path = host_path(h, rel)) == NULL) {
		err_set(errp, "out of memory");
		goto done;
	}
	for (o = out, p = text; *p != '\0'; p = nl) {
		int skip = 0;
		nl = strchr(p, '\n');
		nl = nl != NULL ? nl + 1 : p + strlen(p);
		json_array_foreach(names, i, v) {
			const char *n = json_string_value(v);
			len = n != NULL ? strlen(n) : 0;
			if (len > 0 && strncmp(p, n, len) == 0 && p[len] == ':')
				skip = 1;
		}
		if (skip) {
			/* A last line without newline had one put before it. */
			if (*nl == '\0' && nl[-1] != '\n' && o > out &&
			    o[-1] == '\n')
				o--;
			changed = 1;
			continue;
		}
		memcpy(o, p, (size_t)(nl - p));
		o += nl - p;
	}
	*o = '\0';
	/* An accounts file holding only our lines was made by us. */
	if (changed && *out == '\0') {
		rc = unlink(path) == -1 ? err_sys(errp, "%s", path) : 0;
		goto done;
	}
	rc = changed ? atomic_write_file(path, out, strlen(out), m, errp) : 0;
done:
	free(text);
	free(out);
	free(path);
	return rc;
}

int
users_remove(const struct host *h, const json_t *users, const json_t *groups,
    char **errp)
{
	if (users != NULL && (drop(h, "etc/passwd", users, errp) == -1 ||
	    drop(h, "etc/shadow", users, errp) == -1))
		return -1;
	if (groups != NULL && drop(h, "etc/group", groups, errp) == -1)
		return -1;
	return 0;
}
