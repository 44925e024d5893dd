/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pkgpanda's package rules (lib/pkginfo.h), shared by dcos-genconf (build)
 * and dcos-bootstrap (install) so that both refuse the same packages.
 */
#include <config.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "jsonio.h"
#include "pkginfo.h"

#define UNITS_DIR	"dcos.target.wants"
/* useradd(8) refuses longer account names. */
#define ACCOUNT_MAX	32

/* pkgpanda's RESERVED_UNIT_NAMES: the installer's own units. */
static const char *const reserved_units[] = { "dcos.target",
    "dcos-download.service", "dcos-setup.service", NULL };
/* pkgpanda's reserved_env_vars: the environment file sets them. */
static const char *const reserved_env[] = { "LD_LIBRARY_PATH", "PATH", NULL };

static int
in_list(const char *const *list, const char *s)
{
	for (; *list != NULL; list++)
		if (strcmp(*list, s) == 0)
			return 1;
	return 0;
}

int
unit_check_name(const char *name, const char *who, char **errp)
{
	if (name != NULL && in_list(reserved_units, name))
		return err_set(errp, "%s: the unit %s is the installer's own "
		    "(dcos.target, dcos-download.service and "
		    "dcos-setup.service are reserved): give the package's unit "
		    "another name", who, name);
	if (!unit_name_valid(name))
		return err_set(errp, "%s: \"%s\" is not a systemd unit file "
		    "name (NAME.service, .socket, .target, .timer, .path, "
		    ".mount, ...; no '/'): rename the unit", who,
		    name != NULL ? name : "(not a string)");
	return 0;
}

/* s made printable (control characters as '?') in buf, for messages. */
static const char *
vis(const char *s, char *buf, size_t size)
{
	size_t	 i;

	for (i = 0; i + 1 < size && s[i] != '\0'; i++)
		buf[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' :
		    s[i];
	buf[i] = '\0';
	return buf;
}

static int
lower_digit_us(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

/* pkgpanda's username_regex, ^dcos_[a-z0-9_]+$, and useradd's length. */
int
pkginfo_username_check(const char *s, char **errp)
{
	char		 b[64];
	const char	*p;

	if (strncmp(s, "dcos_", 5) != 0 || s[5] == '\0' ||
	    strlen(s) > ACCOUNT_MAX)
		goto bad;
	for (p = s + 5; *p != '\0'; p++)
		if (!lower_digit_us((unsigned char)*p))
			goto bad;
	return 0;
bad:
	return err_set(errp, "username '%s' must be 'dcos_' followed by "
	    "a-z, 0-9 and '_' (at most %d characters), e.g. dcos_mesos",
	    vis(s, b, sizeof(b)), ACCOUNT_MAX);
}

/* pkgpanda's linux_group_regex, ^[a-z_][a-z0-9_-]*$ (shadow's chkname). */
static int
group_check(const char *s, char **errp)
{
	char		 b[64];
	const char	*p;

	if (*s == '\0' || *s == '-' || (*s >= '0' && *s <= '9') ||
	    strlen(s) > ACCOUNT_MAX)
		goto bad;
	for (p = s; *p != '\0'; p++)
		if (!lower_digit_us((unsigned char)*p) && *p != '-')
			goto bad;
	return 0;
bad:
	return err_set(errp, "group '%s' must be a-z or '_' followed by a-z, "
	    "0-9, '_' and '-' (at most %d characters)", vis(s, b, sizeof(b)),
	    ACCOUNT_MAX);
}

/* A package name as pkgpanda's name_regex (pkg_id_valid's rule). */
static int
name_valid(const char *name)
{
	char	*id;
	int	 ok;

	if (strstr(name, "--") != NULL || asprintf(&id, "%s--0", name) == -1)
		return 0;
	ok = pkg_id_valid(id);
	free(id);
	return ok;
}

/* One entry of requires: "name" or {"name": N, "variant": V|null}. */
static int
require_check(json_t *r, size_t i, char **errp)
{
	const char	*k, *name;
	json_t		*v, *var;
	char		 b[128];

	if (json_is_object(r)) {
		json_object_foreach(r, k, v)
			if (strcmp(k, "name") != 0 && strcmp(k, "variant") != 0)
				return err_set(errp, "requires[%zu]: unknown key "
				    "'%s' (a dependency is {\"name\": ..., "
				    "\"variant\": ...})", i, vis(k, b, sizeof(b)));
		var = json_object_get(r, "variant");
		if (json_object_get(r, "name") == NULL || var == NULL)
			return err_set(errp, "requires[%zu]: a dependency given "
			    "as an object needs both \"name\" and \"variant\" "
			    "(null for the default variant)", i);
		/* A variant names a build file: a package name's rule. */
		if (!json_is_null(var) && (!json_is_string(var) ||
		    !name_valid(json_string_value(var))))
			return err_set(errp, "requires[%zu]: variant must be "
			    "null or a variant name (letters, digits, "
			    "'@._+-')", i);
		r = json_object_get(r, "name");
	}
	if ((name = json_string_value(r)) == NULL)
		return err_set(errp, "requires[%zu] must be a package name or "
		    "{\"name\": ..., \"variant\": ...}", i);
	if (strstr(name, "--") != NULL)
		return err_set(errp, "requires[%zu]: '%s' is a package id: "
		    "depend on a package name (and variant), not on one "
		    "version", i, vis(name, b, sizeof(b)));
	if (!name_valid(name))
		return err_set(errp, "requires[%zu]: '%s' is not a package "
		    "name (letters, digits and '@._+-', not starting with "
		    "'.' or '-')", i, vis(name, b, sizeof(b)));
	return 0;
}

/* The name of requires entry r (checked by require_check). */
static const char *
require_name(const json_t *r)
{
	if (json_is_object(r))
		r = json_object_get(r, "name");
	return json_string_value(r);
}

static int
requires_check(json_t *v, char **errp)
{
	json_t	*r;
	size_t	 i;

	if (!json_is_array(v))
		return err_set(errp, "requires must be a list of package "
		    "names");
	json_array_foreach(v, i, r)
		if (require_check(r, i, errp) == -1)
			return -1;
	return 0;
}

static int
env_name_ok(const char *s)
{
	if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
	    *s == '_'))
		return 0;
	for (s++; *s != '\0'; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		    (*s >= '0' && *s <= '9') || *s == '_'))
			return 0;
	return 1;
}

static int
environment_check(json_t *obj, char **errp)
{
	const char	*k, *s;
	json_t		*v;
	char		 b[128];

	if (!json_is_object(obj))
		return err_set(errp, "environment must be an object of "
		    "strings");
	json_object_foreach(obj, k, v) {
		if (!env_name_ok(k))
			return err_set(errp, "environment: '%s' is not a valid "
			    "environment variable name", vis(k, b, sizeof(b)));
		if (in_list(reserved_env, k))
			return err_set(errp, "environment: %s is set by the "
			    "installer (LD_LIBRARY_PATH and PATH are "
			    "reserved); use another name", k);
		if ((s = json_string_value(v)) == NULL)
			return err_set(errp, "environment: '%s' must be a "
			    "string", k);
		if (strchr(s, '\n') != NULL || strchr(s, '\r') != NULL)
			return err_set(errp, "environment: '%s' must be one "
			    "line", k);
	}
	return 0;
}

/* {service: {name: value}}, each setting by lib/manifest's rule. */
static int
sysctl_map_check(json_t *v, char **errp)
{
	const char	*svc;
	json_t		*m;
	char		 b[128];

	if (!json_is_object(v))
		return err_set(errp, "sysctl must map service names to "
		    "objects of sysctl settings");
	json_object_foreach(v, svc, m)
		if (!json_is_object(m))
			return err_set(errp, "sysctl: service '%s' must map to "
			    "an object of sysctl settings", vis(svc, b,
			    sizeof(b)));
	return pkginfo_sysctl_foreach(v, NULL, NULL, errp);
}

int
pkginfo_platform(const json_t *pkginfo, const json_t *v,
    enum pkg_platform *outp, char **errp)
{
	if (v == NULL)
		v = json_object_get(pkginfo, "platform");
	*outp = PLATFORM_LINUX;
	if (v == NULL || platform_parse(json_string_value(v), outp) == 0)
		return 0;
	return err_set(errp, "platform must be \"linux\" (the default) or "
	    "\"windows\"");
}

/* One key of pkginfo.json and its value. */
static int
key_check(const char *k, json_t *v, char **errp)
{
	enum pkg_platform	 pl;
	char			 b[64];

	if (strcmp(k, "requires") == 0)
		return requires_check(v, errp);
	if (strcmp(k, "environment") == 0)
		return environment_check(v, errp);
	if (strcmp(k, "sysctl") == 0)
		return sysctl_map_check(v, errp);
	if (strcmp(k, "state_directory") == 0)
		return json_is_boolean(v) ? 0 : err_set(errp,
		    "state_directory must be true or false");
	if (strcmp(k, "username") == 0)
		return json_is_string(v) ? pkginfo_username_check(
		    json_string_value(v), errp) : err_set(errp,
		    "username must be a string");
	if (strcmp(k, "group") == 0)
		return json_is_string(v) ? group_check(json_string_value(v),
		    errp) : err_set(errp, "group must be a string");
	if (strcmp(k, "platform") == 0)
		return pkginfo_platform(NULL, v, &pl, errp);
	return err_set(errp, "unknown key '%s' (known: requires, environment, "
	    "sysctl, state_directory, username, group, platform)",
	    vis(k, b, sizeof(b)));
}

/* Linux host settings have no meaning in a Windows package. */
static int
windows_keys_check(const json_t *root, char **errp)
{
	static const char *const linux_only[] = { "sysctl", "username",
	    "group", "state_directory", NULL };
	enum pkg_platform	 pl;
	size_t			 i;

	if (pkginfo_platform(root, NULL, &pl, errp) == -1 ||
	    pl != PLATFORM_WINDOWS)
		return 0;
	for (i = 0; linux_only[i] != NULL; i++)
		if (json_object_get(root, linux_only[i]) != NULL)
			return err_set(errp, "%s is a Linux host setting; a "
			    "Windows package (platform \"windows\") cannot "
			    "have it: remove it", linux_only[i]);
	return 0;
}

json_t *
pkginfo_check(const char *text, size_t len, const char *where, char **errp)
{
	json_t		*root, *v;
	const char	*k;
	char		*e = NULL;

	if ((root = jsonio_parse(text, len, where, errp)) == NULL)
		return NULL;
	if (!json_is_object(root)) {
		err_set(&e, "must be a JSON object");
		goto bad;
	}
	json_object_foreach(root, k, v)
		if (key_check(k, v, &e) == -1)
			goto bad;
	if (json_object_get(root, "group") != NULL &&
	    json_object_get(root, "username") == NULL) {
		err_set(&e, "group needs username");
		goto bad;
	}
	if (windows_keys_check(root, &e) == -1)
		goto bad;
	return root;
bad:
	err_set(errp, "%s: %s", where, e != NULL ? e : "out of memory");
	free(e);
	json_decref(root);
	return NULL;
}

/* The length of path's first component when it is a units dir, or 0. */
static size_t
units_dir_len(const char *path)
{
	size_t	 n = strlen(UNITS_DIR), top = strcspn(path, "/");

	if (strncmp(path, UNITS_DIR, n) != 0 ||
	    (top != n && (path[n] != '_' || top == n + 1)))
		return 0;
	return top;
}

int
pkg_entry_check(const char *id, const char *path, int isdir,
    json_t *services, char **errp)
{
	const char	*name, *dot;
	char		 b[256];
	size_t		 top = units_dir_len(path), n;
	json_t		*s;

	if ((strncmp(path, "etc/", 4) == 0 || (strncmp(path, "etc_", 4) == 0 &&
	    strchr(path, '/') != NULL)) &&
	    strcmp(strchr(path, '/') + 1, SERVICE_CONFIG_NAME) == 0)
		return err_set(errp, "package %s: %s: the installer writes "
		    "/opt/mesosphere/etc/" SERVICE_CONFIG_NAME " from the "
		    "packages' sysctl settings; remove the file", id, path);
	if (top == 0 || path[top] == '\0')
		return 0;
	name = path + top + 1;
	if (strchr(name, '/') != NULL || isdir)
		return err_set(errp, "package %s: %s: units must be files "
		    "directly in " UNITS_DIR, id, vis(path, b, sizeof(b)));
	snprintf(b, sizeof(b), "package %s", id);
	if (unit_check_name(name, b, errp) == -1)
		return -1;
	dot = strrchr(name, '.');
	if (services == NULL || strcmp(dot, ".service") != 0)
		return 0;
	n = (size_t)(dot - name);
	if ((s = json_stringn(name, n)) == NULL)
		return err_set(errp, "out of memory");
	if (!jsonio_in_array(services, json_string_value(s)) &&
	    json_array_append(services, s) == -1) {
		json_decref(s);
		return err_set(errp, "out of memory");
	}
	json_decref(s);
	return 0;
}

int
pkginfo_services_check(const char *id, const json_t *pkginfo,
    const json_t *services, char **errp)
{
	const char	*svc;
	json_t		*v;
	char		 b[128];

	json_object_foreach(json_object_get(pkginfo, "sysctl"), svc, v)
		if (!jsonio_in_array(services, svc))
			return err_set(errp, "package %s: sysctl: the package "
			    "has no unit %s.service (in " UNITS_DIR "[_ROLE]/) "
			    "for these settings, which apply when that service "
			    "starts: name one of its services", id,
			    vis(svc, b, sizeof(b)));
	return 0;
}

/* Is a package of pkgs[0..n) named name? */
static int
has_name(const struct pkg_ref *pkgs, size_t n, const char *name)
{
	size_t	 i, len = strlen(name);

	for (i = 0; i < n; i++)
		if (strncmp(pkgs[i].id, name, len) == 0 &&
		    strncmp(pkgs[i].id + len, "--", 2) == 0)
			return 1;
	return 0;
}

/* Ids are name--version: compare up to the "--". */
int
pkg_names_check(const struct pkg_ref *pkgs, size_t n, char **errp)
{
	const char	*a, *b;
	size_t		 i, j, la;

	for (i = 0; i < n; i++) {
		a = pkgs[i].id;
		la = (size_t)(strstr(a, "--") - a);
		for (j = i + 1; j < n; j++) {
			b = pkgs[j].id;
			if (strncmp(a, b, la) == 0 &&
			    strncmp(b + la, "--", 2) == 0)
				return err_set(errp, "packages %s and %s: a "
				    "release holds one version of each "
				    "package", a, b);
		}
	}
	return 0;
}

/* Every requires of every package met by a name of the set. */
static int
requires_met(const struct pkg_ref *pkgs, size_t n, char **errp)
{
	const char	*name;
	json_t		*r;
	size_t		 i, k;

	for (i = 0; i < n; i++)
		json_array_foreach(json_object_get(pkgs[i].pkginfo,
		    "requires"), k, r) {
			name = require_name(r);
			if (name != NULL && !has_name(pkgs, n, name))
				return err_set(errp, "package %s requires "
				    "'%s', which is not in the release (add "
				    "its package)", pkgs[i].id, name);
		}
	return 0;
}

/*
 * No environment variable in two packages, no sysctl with two values
 * (whichever services set it: the kernel has one value).
 */
static int
settings_check(const struct pkg_ref *pkgs, size_t n, char **errp)
{
	json_t		*envfrom = NULL, *sysval = NULL, *sysfrom = NULL;
	json_t		*v, *m, *have;
	const char	*k, *svc, *other;
	size_t		 i;
	int		 rc = -1;

	if ((envfrom = json_object()) == NULL ||
	    (sysval = json_object()) == NULL ||
	    (sysfrom = json_object()) == NULL) {
		err_set(errp, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		json_object_foreach(json_object_get(pkgs[i].pkginfo,
		    "environment"), k, v) {
			if ((other = json_string_value(json_object_get(envfrom,
			    k))) != NULL) {
				err_set(errp, "collision: both %s and %s set "
				    "the environment variable %s", other,
				    pkgs[i].id, k);
				goto out;
			}
			json_object_set_new(envfrom, k,
			    json_string(pkgs[i].id));
		}
		json_object_foreach(json_object_get(pkgs[i].pkginfo,
		    "sysctl"), svc, m) {
			json_object_foreach(m, k, v) {
				have = json_object_get(sysval, k);
				if (have != NULL && !json_equal(have, v)) {
					err_set(errp, "conflicting sysctl: %s "
					    "sets %s = %s for %s, but %s "
					    "sets it to %s; the kernel has "
					    "one value: agree on it",
					    pkgs[i].id, k,
					    json_string_value(v), svc,
					    json_string_value(json_object_get(
					    sysfrom, k)),
					    json_string_value(have));
					goto out;
				}
				json_object_set(sysval, k, v);
				json_object_set_new(sysfrom, k,
				    json_string(pkgs[i].id));
			}
		}
	}
	rc = 0;
out:
	json_decref(envfrom);
	json_decref(sysval);
	json_decref(sysfrom);
	return rc;
}

int
pkg_set_check(const struct pkg_ref *pkgs, size_t n, char **errp)
{
	if (pkg_names_check(pkgs, n, errp) == -1 ||
	    requires_met(pkgs, n, errp) == -1)
		return -1;
	return settings_check(pkgs, n, errp);
}

int
service_config_add(json_t *conf, const json_t *pkginfo)
{
	json_t		*all, *m;
	const char	*svc;

	if ((all = json_object_get(conf, "sysctl")) == NULL &&
	    (json_object_set_new(conf, "sysctl", json_object()) == -1 ||
	    (all = json_object_get(conf, "sysctl")) == NULL))
		return -1;
	json_object_foreach(json_object_get(pkginfo, "sysctl"), svc, m)
		if (json_object_set_new(all, svc, json_deep_copy(m)) == -1)
			return -1;
	return 0;
}

/* The roles a Windows host takes, and the dirs that have role variants. */
static const char *const win_roles[] = { "slave", "slave_public", NULL };
static const char *const win_role_dirs[] = { "bin", "lib", "etc",
    "include", WINSERVICES_DIR, NULL };

int
pkg_windows_entry_check(const char *id, const char *path, int isfile,
    char **errp)
{
	char		 b[256], top[256];
	size_t		 n = strcspn(path, "/"), i, dl;
	const char	*rest;

	if (units_dir_len(path) != 0 || strcmp(path, UNITS_DIR) == 0)
		return err_set(errp, "package %s: %s: a Windows package has no "
		    "systemd units; declare services in " WINSERVICES_DIR
		    "/NAME.json", id, vis(path, b, sizeof(b)));
	snprintf(top, sizeof(top), "%.*s", (int)n, path);
	for (i = 0; win_role_dirs[i] != NULL; i++) {
		dl = strlen(win_role_dirs[i]);
		if (strncmp(top, win_role_dirs[i], dl) == 0 && top[dl] == '_')
			break;
	}
	if (win_role_dirs[i] != NULL && !in_list(win_roles, top + dl + 1))
		return err_set(errp, "package %s: %s: Windows hosts take the "
		    "roles slave and slave_public only (%s_slave, "
		    "%s_slave_public)", id, vis(top, b, sizeof(b)),
		    win_role_dirs[i], win_role_dirs[i]);
	/* services/ or services_<role>/ (checked above), below it. */
	if (strncmp(top, WINSERVICES_DIR, strlen(WINSERVICES_DIR)) != 0 ||
	    (top[strlen(WINSERVICES_DIR)] != '\0' &&
	    top[strlen(WINSERVICES_DIR)] != '_') || path[n] == '\0')
		return 0;
	rest = path + n + 1;
	if (!isfile || strchr(rest, '/') != NULL || strlen(rest) <= 5 ||
	    strcmp(rest + strlen(rest) - 5, ".json") != 0)
		return err_set(errp, "package %s: %s: %s/ holds only service "
		    "files NAME.json", id, vis(path, b, sizeof(b)), top);
	return 1;
}

/* A Windows service name: [A-Za-z0-9][A-Za-z0-9._-]*, at most 80, no trailing '.'. */
static int
winservice_name_ok(const char *s)
{
	size_t	 n = strlen(s), i;

	if (n == 0 || n > WINSERVICE_NAME_MAX || s[n - 1] == '.' ||
	    !isalnum((unsigned char)s[0]))
		return 0;
	for (i = 1; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && strchr("._-", s[i]) ==
		    NULL)
			return 0;
	return 1;
}

/* A string without control characters (and, when ascii, printable ASCII). */
static int
plain_string(const json_t *v, int ascii)
{
	const unsigned char	*p;

	if (!json_is_string(v) || strlen(json_string_value(v)) !=
	    json_string_length(v))
		return 0;
	for (p = (const unsigned char *)json_string_value(v); *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f || (ascii && *p >= 0x80))
			return 0;
	return 1;
}

static int
winservice_key(const char *k, json_t *v, int (*is_file)(void *,
    const char *), void *arg, char **errp)
{
	const char	*ek;
	json_t		*x;
	size_t		 i, j;
	char		*e = NULL;
	char		 b[128];

	if (strcmp(k, "name") == 0)
		return json_is_string(v) &&
		    winservice_name_ok(json_string_value(v)) ? 0 :
		    err_set(errp, "name must be letters, digits and '._-', "
		    "starting with a letter or digit, not ending in '.', at "
		    "most %d characters", WINSERVICE_NAME_MAX);
	if (strcmp(k, "display_name") == 0)
		return plain_string(v, 1) && json_string_length(v) > 0 &&
		    json_string_length(v) <= 256 ? 0 : err_set(errp,
		    "display_name must be 1-256 printable ASCII characters");
	if (strcmp(k, "executable") == 0) {
		if (!json_is_string(v) ||
		    pkg_winpath_check(json_string_value(v), &e) == -1) {
			err_set(errp, "executable must be a path relative to "
			    "the package, '/'-separated%s%s", e != NULL ?
			    ": " : "", e != NULL ? e : "");
			free(e);
			return -1;
		}
		if (is_file != NULL && !is_file(arg, json_string_value(v)))
			return err_set(errp, "executable %s is not a file of "
			    "the package", json_string_value(v));
		return 0;
	}
	if (strcmp(k, "arguments") == 0) {
		if (!json_is_array(v))
			return err_set(errp, "arguments must be a list of "
			    "strings");
		json_array_foreach(v, i, x)
			if (!plain_string(x, 0))
				return err_set(errp, "arguments[%zu] must be a "
				    "string without control characters", i);
		return 0;
	}
	if (strcmp(k, "environment") == 0) {
		if (!json_is_object(v))
			return err_set(errp, "environment must be an object "
			    "of strings");
		json_object_foreach(v, ek, x) {
			if (!env_name_ok(ek) || strcmp(ek, "PATH") == 0)
				return err_set(errp, "environment: '%s' is not "
				    "a variable name a service may set ([A-Za-z_]"
				    "[A-Za-z0-9_]*, not PATH)", vis(ek, b,
				    sizeof(b)));
			if (!plain_string(x, 0))
				return err_set(errp, "environment: '%s' must be "
				    "a string of one line without control "
				    "characters", ek);
		}
		return 0;
	}
	if (strcmp(k, "depends_on") == 0) {
		if (!json_is_array(v))
			return err_set(errp, "depends_on must be a list of "
			    "service names");
		json_array_foreach(v, i, x) {
			if (!json_is_string(x) ||
			    !winservice_name_ok(json_string_value(x)))
				return err_set(errp, "depends_on[%zu] is not a "
				    "service name", i);
			for (j = 0; j < i; j++)
				if (json_equal(json_array_get(v, j), x))
					return err_set(errp, "depends_on: %s is "
					    "listed twice", json_string_value(x));
		}
		return 0;
	}
	if (strcmp(k, "recovery") == 0) {
		x = json_object_get(v, "restart_seconds");
		if (!json_is_object(v) || json_object_size(v) != 1 ||
		    !json_is_integer(x) || json_integer_value(x) < 0 ||
		    json_integer_value(x) > 86400)
			return err_set(errp, "recovery must be "
			    "{\"restart_seconds\": N}, N 0-86400 (0: no "
			    "restart)");
		return 0;
	}
	return err_set(errp, "unknown key '%s' (known: name, display_name, "
	    "executable, arguments, environment, depends_on, recovery)",
	    vis(k, b, sizeof(b)));
}

int
winservice_check(const char *id, const char *path, const char *text,
    size_t len, int (*is_file)(void *, const char *), void *arg,
    json_t *seen, char **errp)
{
	json_t		*root, *v;
	const char	*k, *name, *base, *dir, *other;
	char		*e = NULL, *where = NULL;
	size_t		 dlen;
	int		 rc = -1;

	if (asprintf(&where, "package %s: %s", id, path) == -1)
		return err_set(errp, "out of memory");
	if ((root = jsonio_parse(text, len, where, errp)) == NULL)
		goto out;
	if (!json_is_object(root)) {
		err_set(&e, "must be a JSON object (a Windows service)");
		goto bad;
	}
	json_object_foreach(root, k, v)
		if (winservice_key(k, v, is_file, arg, &e) == -1)
			goto bad;
	if ((name = json_string_value(json_object_get(root, "name"))) ==
	    NULL || json_object_get(root, "executable") == NULL) {
		err_set(&e, "needs \"name\" and \"executable\"");
		goto bad;
	}
	base = strrchr(path, '/') + 1;
	if (strncmp(base, name, strlen(name)) != 0 ||
	    strcmp(base + strlen(name), ".json") != 0) {
		err_set(&e, "the service %s must be in the file %s.json", name,
		    name);
		goto bad;
	}
	/* services/ is every host's, services_<role>/ one role's: not both. */
	dir = path;
	dlen = strcspn(path, "/");
	if (seen != NULL && (other = json_string_value(json_object_get(seen,
	    name))) != NULL && ((strlen(other) == dlen &&
	    strncmp(other, dir, dlen) == 0) ||
	    strlen(other) == strlen(WINSERVICES_DIR) ||
	    dlen == strlen(WINSERVICES_DIR))) {
		err_set(&e, "the service %s is also declared in %s/; a service "
		    "is in " WINSERVICES_DIR "/ or in role variants, once",
		    name, other);
		goto bad;
	}
	if (seen != NULL && json_object_set_new(seen, name, json_stringn(dir,
	    dlen)) == -1) {
		err_set(&e, "out of memory");
		goto bad;
	}
	rc = 0;
	goto out;
bad:
	err_set(errp, "%s: %s", where, e != NULL ? e : "out of memory");
out:
	free(e);
	free(where);
	json_decref(root);
	return rc;
}
