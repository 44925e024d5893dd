/* SPDX-License-Identifier: Apache-2.0 */
#include <config.h>

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomicio.h"
#include "error.h"
#include "jsonio.h"
#include "manifest.h"
#include "pkginfo.h"
#include "store.h"

/* Parser state: the file name and the JSON path for messages. */
struct jp {
	const char	*name;
	char		**errp;
	char		 where[128];
};

static int
jp_fail_(struct jp *p, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Returns -1 where an analyzer sees it, as err_set (lib/error.h). */
#define jp_fail(...)	err_fail_(jp_fail_(__VA_ARGS__))

static int
jp_fail_(struct jp *p, const char *key, const char *fmt, ...)
{
	va_list	 ap;
	char	*msg = NULL;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) == -1)
		msg = NULL;
	va_end(ap);
	err_set(p->errp, "%s: %s%s%s: %s", p->name, p->where,
	    p->where[0] != '\0' && key[0] != '\0' ? "." : "", key,
	    msg != NULL ? msg : "out of memory");
	free(msg);
	return -1;
}

static void
jp_at(struct jp *p, const char *list, size_t i)
{
	snprintf(p->where, sizeof(p->where), "%s[%zu]", list, i);
}

static json_t *
jp_get(struct jp *p, const json_t *o, const char *key, json_type type,
    const char *tname)
{
	json_t	*v;

	if ((v = json_object_get(o, key)) == NULL) {
		jp_fail(p, key, "missing");
		return NULL;
	}
	if (json_typeof(v) != type) {
		jp_fail(p, key, "must be %s", tname);
		return NULL;
	}
	return v;
}

static const char *
jp_str(struct jp *p, const json_t *o, const char *key)
{
	json_t	*v = jp_get(p, o, key, JSON_STRING, "a string");

	if (v == NULL)
		return NULL;
	if (strlen(json_string_value(v)) != json_string_length(v)) {
		jp_fail(p, key, "must not contain NUL");
		return NULL;
	}
	return json_string_value(v);
}

static int
jp_dup(struct jp *p, const json_t *o, const char *key, char **out)
{
	const char	*s = jp_str(p, o, key);

	*out = NULL;

	if (s == NULL)
		return -1;
	if ((*out = strdup(s)) == NULL)
		return jp_fail(p, key, "out of memory");
	return 0;
}

static int
jp_u64(struct jp *p, const json_t *o, const char *key, uint64_t *out)
{
	json_t	*v = jp_get(p, o, key, JSON_INTEGER, "an integer");

	*out = 0;

	if (v == NULL)
		return -1;
	if (json_integer_value(v) < 0)
		return jp_fail(p, key, "must not be negative");
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

static int
jp_digest(struct jp *p, const json_t *o, const char *key, struct digest *d)
{
	const char	*s = jp_str(p, o, key);

	if (s == NULL)
		return -1;
	if (digest_parse(s, d) == -1)
		return jp_fail(p, key, "not a digest (want sha256:<64 "
		    "lowercase hex>)");
	return 0;
}

static int
jp_pin(struct jp *p, const json_t *o, struct blob_pin *pin)
{
	if (jp_digest(p, o, "digest", &pin->digest) == -1)
		return -1;
	return jp_u64(p, o, "size", &pin->size);
}

static json_t *
jp_root(struct jp *p, const char *buf, size_t len)
{
	json_t		*root;
	json_int_t	 format;

	if ((root = jsonio_parse(buf, len, p->name, p->errp)) == NULL)
		return NULL;
	if (!json_is_object(root)) {
		err_set(p->errp, "%s: not a JSON object", p->name);
		goto bad;
	}
	if (jsonio_int(root, "format", &format, p->errp) == -1) {
		err_wrap(p->errp, "%s", p->name);
		goto bad;
	}
	if (format != MANIFEST_FORMAT) {
		err_set(p->errp, "%s: format %lld is not supported (this "
		    "program reads format %d)", p->name, (long long)format,
		    MANIFEST_FORMAT);
		goto bad;
	}
	return root;
bad:
	json_decref(root);
	return NULL;
}

/* Allocates n zeroed elements for a JSON array's items. */
static void *
jp_alloc(struct jp *p, const char *key, size_t n, size_t size)
{
	void	*v = calloc(n > 0 ? n : 1, size);

	if (v == NULL)
		jp_fail(p, key, "out of memory");
	return v;
}

static int
name_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '@' || c == '_' || c == '+';
}

/* 1 when every byte of s is a name_char or in extra. */
static int
name_chars(const char *s, const char *extra)
{
	for (; *s != '\0'; s++)
		if (!name_char((unsigned char)*s) && strchr(extra, *s) == NULL)
			return 0;
	return 1;
}

int
pkg_name_check(const char *name, char **errp)
{
	if (*name == '\0')
		return err_set(errp, "package name is empty");
	if (!name_char((unsigned char)*name))
		return err_set(errp, "package name '%s' must start with a "
		    "letter, digit, '@', '_' or '+'", name);
	if (!name_chars(name, ".-"))
		return err_set(errp, "package name '%s' may only hold "
		    "letters, digits and '@._+-'", name);
	if (strstr(name, "--") != NULL)
		return err_set(errp, "package name '%s' must not contain "
		    "'--'", name);
	return 0;
}

int
pkg_version_check(const char *version, char **errp)
{
	if (*version == '\0')
		return err_set(errp, "package version is empty");
	if (!name_chars(version, ":."))
		return err_set(errp, "package version '%s' may only hold "
		    "letters, digits and '@_+:.'", version);
	return 0;
}

int
pkg_id_check(const char *id, char **errp)
{
	const char	*sep;
	char		*name;
	int		 rc;

	if (strlen(id) > PKG_ID_MAX)
		return err_set(errp, "package id '%.32s...' is longer than %d "
		    "bytes", id, PKG_ID_MAX);
	if ((sep = strstr(id, "--")) == NULL)
		return err_set(errp, "package id '%s' must be name--version",
		    id);
	if (strstr(sep + 2, "--") != NULL)
		return err_set(errp, "package id '%s' must contain exactly "
		    "one '--'", id);
	if ((name = strndup(id, (size_t)(sep - id))) == NULL)
		return err_set(errp, "out of memory");
	rc = pkg_name_check(name, errp);
	free(name);
	if (rc == 0)
		rc = pkg_version_check(sep + 2, errp);
	if (rc == -1)
		err_wrap(errp, "package id '%s'", id);
	return rc;
}

int
pkg_id_valid(const char *id)
{
	return id != NULL && pkg_id_check(id, NULL) == 0;
}

/* 1 when s is not empty and every byte is a lowercase letter or in extra. */
static int
lower_name(const char *s, const char *extra)
{
	if (*s == '\0' || strlen(s) > NAME_MAX_BYTES)
		return 0;
	for (; *s != '\0'; s++)
		if (!(*s >= 'a' && *s <= 'z') && strchr(extra, *s) == NULL)
			return 0;
	return 1;
}

int
arch_name_valid(const char *arch)
{
	return lower_name(arch, "0123456789_");
}

int
role_name_valid(const char *role)
{
	return lower_name(role, "_");
}

int
release_file_valid(const char *base)
{
	const char	*dash;
	char		*stem;
	size_t		 n = strlen(base);
	int		 ok;

	if (n > 12 && strcmp(base + n - 8, ".minisig") == 0)
		n -= 8;
	if (n < 4 || strncmp(base + n - 4, ".tar", 4) != 0 ||
	    (stem = strndup(base, n - 4)) == NULL)
		return 0;
	/* A version holds no '-': the last one separates the two. */
	ok = (dash = strrchr(stem, '-')) != NULL;
	if (ok) {
		stem[dash - stem] = '\0';
		ok = pkg_name_check(stem, NULL) == 0 &&
		    pkg_version_check(dash + 1, NULL) == 0;
	}
	free(stem);
	return ok;
}

int
unit_name_valid(const char *name)
{
	static const char *types[] = { "service", "socket", "target", "path",
	    "timer", "mount", "automount", "swap", "slice", NULL };
	const char	*dot, *at = NULL, *p;
	size_t		 i;

	if (name == NULL || strlen(name) > 255 || name[0] == '.' ||
	    name[0] == '-' || (dot = strrchr(name, '.')) == NULL ||
	    dot == name)
		return 0;
	for (p = name; p < dot; p++) {
		if (*p == '@') {
			if (at != NULL || p == name)
				return 0;
			at = p;
		} else if (!isascii((unsigned char)*p) ||
		    (!isalnum((unsigned char)*p) &&
		    strchr(":-_.\\", *p) == NULL))
			return 0;
	}
	for (i = 0; types[i] != NULL; i++)
		if (strcmp(dot + 1, types[i]) == 0)
			return 1;
	return 0;
}

int
relpath_valid(const char *path)
{
	const char	*p = path, *slash;
	size_t		 n;

	if (path == NULL || *path == '\0' || *path == '/' ||
	    strlen(path) > MANIFEST_PATH_MAX)
		return 0;
	for (;;) {
		slash = strchr(p, '/');
		n = slash != NULL ? (size_t)(slash - p) : strlen(p);
		if (n == 0 || (n == 1 && p[0] == '.') ||
		    (n == 2 && p[0] == '.' && p[1] == '.'))
			return 0;
		if (slash == NULL)
			return 1;
		p = slash + 1;
	}
}

const char *const pkg_farm_dirs[] = { "bin", "lib", "etc", "include", NULL };

int
pkg_farm_link_fits(const char *id, const char *path)
{
	size_t		 top = strcspn(path, "/"), n, up = 2, i;
	const char	*p;

	for (i = 0; pkg_farm_dirs[i] != NULL; i++) {
		n = strlen(pkg_farm_dirs[i]);
		if (top >= n && strncmp(path, pkg_farm_dirs[i], n) == 0 &&
		    (top == n || path[n] == '_'))
			break;
	}
	if (pkg_farm_dirs[i] == NULL || path[top] == '\0')
		return 1;
	for (p = path; *p != '\0'; p++)
		up += *p == '/';
	return 3 * up + strlen("packages/") + strlen(id) + 1 + strlen(path) <=
	    MANIFEST_PATH_MAX;
}

int
symlink_target_inside(const char *path, const char *target)
{
	const char	*p, *slash;
	long		 depth = 0;
	int		 descended = 0;
	size_t		 n;

	if (target == NULL || *target == '\0' || *target == '/' ||
	    strlen(target) > MANIFEST_PATH_MAX)
		return 0;
	/* The link lives in dirname(path): start at that depth. */
	for (p = path; (p = strchr(p, '/')) != NULL; p++)
		depth++;
	/*
	 * ".." only as leading components: after a name, ".." could climb
	 * back through a symlink that the lexical count takes for a
	 * directory (bin/x -> sub/d/../.. with bin/sub/d -> ..).
	 */
	for (p = target;;) {
		slash = strchr(p, '/');
		n = slash != NULL ? (size_t)(slash - p) : strlen(p);
		if (n == 0)
			return 0;
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			if (descended || --depth < 0)
				return 0;
		} else if (!(n == 1 && p[0] == '.'))
			descended = 1;
		if (slash == NULL)
			return 1;
		p = slash + 1;
	}
}

/*
 * s for a message of one line: control characters (and, when high, bytes
 * beyond ASCII) as \xNN, cut at outsz.
 */
static const char *
name_vis(const char *s, int high, char *out, size_t outsz)
{
	const unsigned char	*p;
	size_t			 n = 0;

	for (p = (const unsigned char *)s; *p != '\0' && n + 5 < outsz; p++)
		if (*p < 0x20 || *p == 0x7f || (high && *p >= 0x80))
			n += (size_t)snprintf(out + n, outsz - n, "\\x%02x",
			    *p);
		else
			out[n++] = (char)*p;
	out[n] = '\0';
	return out;
}

static int
ctrl_char(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

int
pkg_path_check(const char *path, char **errp)
{
	char	 vis[256];
	json_t	*utf8;

	/* jansson checks UTF-8 as every JSON reader of the manifest will. */
	if ((utf8 = json_string(path)) == NULL)
		return err_set(errp, "%s: the name is not valid UTF-8 (package "
		    "file names are UTF-8: rename it)",
		    name_vis(path, 1, vis, sizeof(vis)));
	json_decref(utf8);
	if (ctrl_char(path))
		return err_set(errp, "%s: the name holds a control character "
		    "(a newline, tab or escape: rename it)",
		    name_vis(path, 0, vis, sizeof(vis)));
	if (!relpath_valid(path))
		return err_set(errp, "%s: not a relative path inside the "
		    "package (no leading '/', no empty, '.' or '..' "
		    "component, at most %d bytes)",
		    name_vis(path, 0, vis, sizeof(vis)), MANIFEST_PATH_MAX);
	return 0;
}

int
pkg_symlink_check(const char *path, const char *target, char **errp)
{
	char	 vis[256], tvis[256];
	json_t	*utf8;

	name_vis(path, 1, vis, sizeof(vis));
	if ((utf8 = json_string(target)) == NULL)
		return err_set(errp, "symlink '%s': the target is not valid "
		    "UTF-8 (package names are UTF-8: point it elsewhere)", vis);
	json_decref(utf8);
	name_vis(target, 0, tvis, sizeof(tvis));
	if (ctrl_char(target))
		return err_set(errp, "symlink '%s' -> '%s': the target holds a "
		    "control character (point it elsewhere)", vis, tvis);
	if (!symlink_target_inside(path, target))
		return err_set(errp, "symlink '%s' -> '%s' leaves the package; "
		    "use a relative target inside it (no '//' or trailing "
		    "'/', '..' only at the start, at most %d bytes)", vis,
		    tvis, MANIFEST_PATH_MAX);
	return 0;
}

int
pkg_mode_check(unsigned long long mode, char **errp)
{
	if ((mode & ~0777ULL) != 0)
		return err_set(errp, "mode %04llo has setuid, setgid or "
		    "sticky bits, which packages may not have", mode);
	if ((mode & 022) != 0)
		return err_set(errp, "mode %04llo is writable by group or "
		    "others; package files and directories may be writable "
		    "by their owner only", mode);
	return 0;
}

/* Windows's reserved device names: a component that is one, or one and an extension. */
static const char *const win_devices[] = { "CON", "PRN", "AUX", "NUL",
    "CONIN$", "CONOUT$", NULL };

static int
win_device(const char *comp, size_t n)
{
	size_t	 base = 0, i;
	char	 up[8];

	while (base < n && comp[base] != '.')
		base++;
	/* "AUX .txt" opens AUX too: spaces before the dot do not count. */
	while (base > 0 && comp[base - 1] == ' ')
		base--;
	if (base == 0 || base >= sizeof(up))
		return 0;
	for (i = 0; i < base; i++)
		up[i] = (char)toupper((unsigned char)comp[i]);
	up[base] = '\0';
	for (i = 0; win_devices[i] != NULL; i++)
		if (strcmp(up, win_devices[i]) == 0)
			return 1;
	return base == 4 && (strncmp(up, "COM", 3) == 0 ||
	    strncmp(up, "LPT", 3) == 0) && up[3] >= '0' && up[3] <= '9';
}

int
pkg_winpath_check(const char *path, char **errp)
{
	const char	*p, *c, *slash;
	char		 vis[256];
	size_t		 n;

	if (pkg_path_check(path, errp) == -1)
		return -1;
	name_vis(path, 1, vis, sizeof(vis));
	for (p = path; *p != '\0'; p++) {
		if ((unsigned char)*p >= 0x80)
			return err_set(errp, "%s: a Windows package's names "
			    "are printable ASCII (Windows folds the case of "
			    "other letters by its own table): rename it", vis);
		if (strchr("<>:\"\\|?*", *p) != NULL)
			return err_set(errp, "%s: '%c' cannot be in a Windows "
			    "file name (none of < > : \" \\ | ? *): rename it",
			    vis, *p);
	}
	for (c = path;; c = slash + 1) {
		slash = strchr(c, '/');
		n = slash != NULL ? (size_t)(slash - c) : strlen(c);
		if (c[n - 1] == '.' || c[n - 1] == ' ')
			return err_set(errp, "%s: Windows drops a trailing "
			    "'%c' from a file name: rename '%.*s'", vis,
			    c[n - 1], (int)n, c);
		if (n > WIN_NAME_MAX)
			return err_set(errp, "%s: a Windows file name has at "
			    "most %d characters", vis, WIN_NAME_MAX);
		if (win_device(c, n))
			return err_set(errp, "%s: '%.*s' is a Windows device "
			    "name (CON, PRN, AUX, NUL, CONIN$, CONOUT$, "
			    "COM0-9, LPT0-9, with any extension): rename it",
			    vis, (int)n, c);
		if (slash == NULL)
			return 0;
	}
}

int
win_name_equal(const char *a, const char *b)
{
	for (; *a != '\0' && *b != '\0'; a++, b++)
		if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
			return 0;
	return *a == *b;
}

int
release_has_windows(const struct release_manifest *rm)
{
	size_t	 i;

	for (i = 0; i < rm->npackages; i++)
		if (rm->packages[i].platform == PLATFORM_WINDOWS)
			return 1;
	return 0;
}

const char *
platform_name(enum pkg_platform p)
{
	return p == PLATFORM_WINDOWS ? "windows" : "linux";
}

const char *
pkg_blob_suffix(enum pkg_platform p)
{
	return p == PLATFORM_WINDOWS ? ".zip" : ".tar.zst";
}

int
platform_parse(const char *s, enum pkg_platform *outp)
{
	if (s != NULL && strcmp(s, "linux") == 0)
		*outp = PLATFORM_LINUX;
	else if (s != NULL && strcmp(s, "windows") == 0)
		*outp = PLATFORM_WINDOWS;
	else
		return -1;
	return 0;
}

static int
sysctl_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '-';
}

int
sysctl_check(const char *key, const char *value, char **errp)
{
	const char	*p;
	char		 vis[256];
	size_t		 seg = 0;

	/*
	 * A separator only between names: no leading '-' (sysctl.d's
	 * "ignore errors" prefix), no '/' first or "..", nothing that
	 * could name another file under /proc/sys or another line.
	 */
	if (strlen(key) > 255 || *key == '-')
		seg = (size_t)-1;
	for (p = key; seg != (size_t)-1 && *p != '\0'; p++) {
		if (sysctl_char((unsigned char)*p))
			seg++;
		else if ((*p == '.' || *p == '/') && seg > 0)
			seg = 0;
		else
			seg = (size_t)-1;
	}
	if (seg == 0 || seg == (size_t)-1)
		return err_set(errp, "'%s' is not a sysctl name (names of "
		    "letters, digits, '_' and '-' joined by '.' or '/', e.g. "
		    "vm.swappiness)", name_vis(key, 1, vis, sizeof(vis)));
	if (value == NULL)
		return err_set(errp, "'%s': the value must be a string", key);
	if (*value == '\0' || ctrl_char(value))
		return err_set(errp, "'%s': the value must be one non-empty "
		    "line of text", key);
	return 0;
}

static int
sysctl_one(const char *k, json_t *v,
    int (*fn)(void *, const char *, json_t *, char **), void *arg,
    char **errp)
{
	if (sysctl_check(k, json_string_value(v), errp) == -1)
		return err_wrap(errp, "sysctl");
	return fn != NULL ? fn(arg, k, v, errp) : 0;
}

int
pkginfo_sysctl_foreach(const json_t *sysctl,
    int (*fn)(void *, const char *, json_t *, char **), void *arg,
    char **errp)
{
	const char	*k, *k2;
	json_t		*v, *w;

	if (!json_is_object(sysctl))
		return err_set(errp, "sysctl must be an object");
	json_object_foreach((json_t *)sysctl, k, v) {
		/* pkgpanda's form only: {service: {name: value}}. */
		if (!json_is_object(v)) {
			char	vis[128];

			return err_set(errp, "sysctl: service '%s' must map to "
			    "an object of sysctl settings", name_vis(k, 0, vis,
			    sizeof(vis)));
		}
		json_object_foreach(v, k2, w)
			if (sysctl_one(k2, w, fn, arg, errp) == -1)
				return -1;
	}
	return 0;
}

const char *
pkg_ftype_name(enum pkg_ftype t)
{
	static const char *names[] = { "file", "dir", "symlink", "hardlink" };

	return names[t];
}

static int
ftype_parse(const char *s, enum pkg_ftype *t)
{
	enum pkg_ftype	 i;

	for (i = PKG_FILE; i <= PKG_HARDLINK; i++)
		if (strcmp(s, pkg_ftype_name(i)) == 0) {
			*t = i;
			return 0;
		}
	return -1;
}

static int
pkg_file_parse(struct jp *p, const json_t *o, struct pkg_file *f)
{
	const char	*type;
	char		*e = NULL;
	uint64_t	 mode;

	if (!json_is_object(o))
		return jp_fail(p, "", "must be an object");
	if (jp_dup(p, o, "path", &f->path) == -1 ||
	    (type = jp_str(p, o, "type")) == NULL)
		return -1;
	if (pkg_path_check(f->path, &e) == -1) {
		jp_fail(p, "path", "%s", e);
		free(e);
		return -1;
	}
	if (ftype_parse(type, &f->type) == -1)
		return jp_fail(p, "type", "unknown type '%s'", type);
	if (f->type == PKG_FILE || f->type == PKG_DIR) {
		if (jp_u64(p, o, "mode", &mode) == -1)
			return -1;
		if (pkg_mode_check(mode, &e) == -1) {
			jp_fail(p, "mode", "'%s': %s", f->path, e);
			free(e);
			return -1;
		}
		f->mode = (mode_t)mode;
	}
	if (f->type == PKG_FILE)
		return jp_u64(p, o, "size", &f->size) == -1 ? -1 :
		    jp_digest(p, o, "sha256", &f->sha256);
	if (f->type == PKG_SYMLINK || f->type == PKG_HARDLINK) {
		if (jp_dup(p, o, "target", &f->target) == -1)
			return -1;
		if (f->type == PKG_SYMLINK &&
		    pkg_symlink_check(f->path, f->target, &e) == -1) {
			jp_fail(p, "target", "%s", e);
			free(e);
			return -1;
		}
	}
	return 0;
}

static int
path_cmp(const void *a, const void *b)
{
	return strcmp(((const struct pkg_file *)a)->path,
	    ((const struct pkg_file *)b)->path);
}

const struct pkg_file *
pkg_manifest_find(const struct pkg_manifest *m, const char *path)
{
	struct pkg_file	 key = { .path = (char *)path };

	return bsearch(&key, m->files, m->nfiles, sizeof(key), path_cmp);
}

/* Sorted, unique, and hardlinks point at an earlier regular file. */
static int
pkg_files_check(struct jp *p, struct pkg_manifest *m)
{
	const struct pkg_file	*t;
	size_t			 i;

	for (i = 0; i < m->nfiles; i++) {
		jp_at(p, "files", i);
		/* pkg_file_parse set every path; the analyzer loses that
		 * across loop iterations. */
		/* NOLINTNEXTLINE(clang-analyzer-core.NonNullParamChecker) */
		if (i > 0 && strcmp(m->files[i - 1].path, m->files[i].path) >= 0)
			return jp_fail(p, "path", "'%s' is out of order or "
			    "repeated (files must be sorted and unique)",
			    m->files[i].path);
		if (m->files[i].type == PKG_FILE)
			m->total_size += m->files[i].size;
	}
	for (i = 0; i < m->nfiles; i++) {
		if (m->files[i].type != PKG_HARDLINK)
			continue;
		jp_at(p, "files", i);
		t = pkg_manifest_find(m, m->files[i].target);
		/* Earlier in path order, so tar has written it already. */
		if (t == NULL || t->type != PKG_FILE ||
		    strcmp(t->path, m->files[i].path) >= 0)
			return jp_fail(p, "target", "hardlink '%s' must point "
			    "at a regular file earlier in the package",
			    m->files[i].path);
	}
	return 0;
}

static int
fold_cmp(const void *a, const void *b)
{
	const char	*x = *(char *const *)a, *y = *(char *const *)b;
	int		 cx, cy;

	for (;; x++, y++) {
		cx = tolower((unsigned char)*x);
		cy = tolower((unsigned char)*y);
		if (cx != cy || cx == '\0')
			return cx - cy;
	}
}

int
pkg_manifest_windows_check(const struct pkg_manifest *m, char **errp)
{
	const char	**v;
	size_t		 i;
	int		 rc = -1;

	for (i = 0; i < m->nfiles; i++) {
		if (m->files[i].type != PKG_FILE && m->files[i].type != PKG_DIR)
			return err_set(errp, "package %s: %s is a %s; a Windows "
			    "package holds only files and directories (copy "
			    "the file instead)", m->id, m->files[i].path,
			    pkg_ftype_name(m->files[i].type));
		if (pkg_winpath_check(m->files[i].path, errp) == -1)
			return err_wrap(errp, "package %s", m->id);
	}
	/* Sorted with case folded, colliding names are neighbours. */
	if ((v = calloc(m->nfiles + 1, sizeof(*v))) == NULL)
		return err_set(errp, "out of memory");
	for (i = 0; i < m->nfiles; i++)
		v[i] = m->files[i].path;
	v[m->nfiles] = PKG_MANIFEST_NAME;
	qsort(v, m->nfiles + 1, sizeof(*v), fold_cmp);
	for (i = 1; i <= m->nfiles; i++)
		if (win_name_equal(v[i - 1], v[i])) {
			err_set(errp, "package %s: '%s' and '%s' are one file "
			    "on Windows (names differ only in case): rename "
			    "one", m->id, v[i - 1], v[i]);
			goto out;
		}
	rc = 0;
out:
	free(v);
	return rc;
}

void
pkg_manifest_free(struct pkg_manifest *m)
{
	size_t	 i;

	if (m == NULL)
		return;
	for (i = 0; i < m->nfiles; i++) {
		free(m->files[i].path);
		free(m->files[i].target);
	}
	free(m->files);
	free(m->id);
	json_decref(m->json);
	free(m);
}

int
pkg_manifest_parse(const char *buf, size_t len, const char *name,
    struct pkg_manifest **outp, char **errp)
{
	struct jp		 p = { name, errp, "" };
	struct pkg_manifest	*m;
	json_t			*files, *v;
	size_t			 i;

	*outp = NULL;
	if (len > PKG_MANIFEST_MAX_BYTES)
		return err_set(errp, "%s: %zu bytes, more than the %d bytes a "
		    "package manifest may have; split the package", name, len,
		    PKG_MANIFEST_MAX_BYTES);
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return err_set(errp, "out of memory");
	if ((m->json = jp_root(&p, buf, len)) == NULL ||
	    jp_dup(&p, m->json, "id", &m->id) == -1)
		goto bad;
	if (!pkg_id_valid(m->id)) {
		jp_fail(&p, "id", "'%s' is not a package id (name--version)",
		    m->id);
		goto bad;
	}
	if ((files = jp_get(&p, m->json, "files", JSON_ARRAY, "an array")) ==
	    NULL || (m->files = jp_alloc(&p, "files", json_array_size(files),
	    sizeof(*m->files))) == NULL)
		goto bad;
	json_array_foreach(files, i, v) {
		jp_at(&p, "files", i);
		m->nfiles = i + 1;
		if (pkg_file_parse(&p, v, &m->files[i]) == -1)
			goto bad;
		if (!pkg_farm_link_fits(m->id, m->files[i].path)) {
			jp_fail(&p, "path", "too deep or long for a generation "
			    "to link (its link target would pass %d bytes); "
			    "shorten it", MANIFEST_PATH_MAX);
			goto bad;
		}
	}
	if (pkg_files_check(&p, m) == -1)
		goto bad;
	*outp = m;
	return 0;
bad:
	pkg_manifest_free(m);
	return -1;
}

/*
 * name, version and seq of a release, wherever one is named (release.json,
 * a cluster manifest's release, an index's releases): the rules of
 * pkg_name_check and pkg_version_check, seq a positive integer.
 */
static int
release_id_parse(struct jp *p, const json_t *o, char **namep,
    char **versionp, int64_t *seqp)
{
	uint64_t	 seq;
	char		*e = NULL;

	if (jp_dup(p, o, "name", namep) == -1 ||
	    jp_dup(p, o, "version", versionp) == -1 ||
	    jp_u64(p, o, "seq", &seq) == -1)
		return -1;
	if (pkg_name_check(*namep, &e) == -1 ||
	    pkg_version_check(*versionp, &e) == -1) {
		jp_fail(p, pkg_name_check(*namep, NULL) == -1 ? "name" :
		    "version", "%s", e);
		free(e);
		return -1;
	}
	if (seq == 0 || seq > INT64_MAX)
		return jp_fail(p, "seq", "must be a positive integer");
	*seqp = (int64_t)seq;
	return 0;
}

static int
arch_pins_parse(struct jp *p, const json_t *o, const char *key,
    struct arch_pin **outp, size_t *np)
{
	json_t		*obj, *v;
	const char	*arch;
	size_t		 i = 0;

	*outp = NULL;
	*np = 0;

	if ((obj = jp_get(p, o, key, JSON_OBJECT, "an object")) == NULL ||
	    (*outp = jp_alloc(p, key, json_object_size(obj),
	    sizeof(**outp))) == NULL)
		return -1;
	json_object_foreach(obj, arch, v) {
		snprintf(p->where, sizeof(p->where), "%s.%s", key, arch);
		*np = i + 1;
		if (((*outp)[i].arch = strdup(arch)) == NULL)
			return jp_fail(p, "", "out of memory");
		if (!arch_name_valid(arch))
			return jp_fail(p, "", "not an architecture name (as "
			    "uname -m prints it: x86_64, aarch64)");
		if (!json_is_object(v) || jp_pin(p, v, &(*outp)[i].blob) == -1)
			return json_is_object(v) ? -1 :
			    jp_fail(p, "", "must be an object");
		i++;
	}
	p->where[0] = '\0';
	return 0;
}

static void
arch_pins_free(struct arch_pin *a, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		free(a[i].arch);
	free(a);
}

/* "platform": absent (linux), "linux" or "windows". */
static int
jp_platform(struct jp *p, const json_t *o, enum pkg_platform *out)
{
	json_t	*v;

	*out = PLATFORM_LINUX;
	if ((v = json_object_get(o, "platform")) == NULL)
		return 0;
	if (platform_parse(json_string_value(v), out) == -1)
		return jp_fail(p, "platform", "must be \"linux\" or "
		    "\"windows\"");
	return 0;
}

static int
release_pkg_parse(struct jp *p, const json_t *o, struct release_pkg *r)
{
	if (!json_is_object(o))
		return jp_fail(p, "", "must be an object");
	if (jp_dup(p, o, "id", &r->id) == -1 || jp_pin(p, o, &r->blob) == -1 ||
	    jp_digest(p, o, "manifest", &r->manifest) == -1 ||
	    jp_u64(p, o, "files", &r->files) == -1 ||
	    jp_u64(p, o, "installed_bytes", &r->installed_bytes) == -1)
		return -1;
	if (!pkg_id_valid(r->id))
		return jp_fail(p, "id", "'%s' is not a package id", r->id);
	/* Optional: releases from before it name no user. */
	if (json_object_get(o, "username") != NULL) {
		if (jp_dup(p, o, "username", &r->username) == -1)
			return -1;
		if (pkginfo_username_check(r->username, NULL) == -1)
			return jp_fail(p, "username", "not a username "
			    "(dcos_[a-z0-9_]+)");
	}
	return jp_platform(p, o, &r->platform);
}

static int	 release_requires_parse(struct jp *, const json_t *,
		    struct release_requires **);

static int
release_role_parse(struct jp *p, const char *prefix, const char *name,
    const json_t *o, struct release_role *r)
{
	json_t	*ports, *v;
	size_t	 i, j;

	snprintf(p->where, sizeof(p->where), "%s%s", prefix, name);
	if ((r->name = strdup(name)) == NULL)
		return jp_fail(p, "", "out of memory");
	if (!role_name_valid(name))
		return jp_fail(p, "", "not a role name ([a-z_])");
	if (!json_is_object(o))
		return jp_fail(p, "", "must be an object");
	if ((ports = jp_get(p, o, "ports", JSON_ARRAY, "an array")) == NULL ||
	    (r->ports = jp_alloc(p, "ports", json_array_size(ports),
	    sizeof(*r->ports))) == NULL)
		return -1;
	json_array_foreach(ports, i, v) {
		if (!json_is_integer(v) || json_integer_value(v) < 1 ||
		    json_integer_value(v) > 65535)
			return jp_fail(p, "ports", "item %zu is not a port "
			    "number (1-65535)", i);
		r->ports[i] = (uint16_t)json_integer_value(v);
		r->nports = i + 1;
		for (j = 0; j < i; j++)
			if (r->ports[j] == r->ports[i])
				return jp_fail(p, "ports", "port %u is listed "
				    "twice", (unsigned)r->ports[i]);
	}
	return release_requires_parse(p, o, &r->req);
}

int
version_valid(const char *v)
{
	const char	*s = v;

	for (;;) {
		if (*s < '0' || *s > '9' || s - v > 64)
			return 0;
		while (*s >= '0' && *s <= '9')
			s++;
		if (*s == '\0')
			return 1;
		if (*s++ != '.')
			return 0;
	}
}

int
version_cmp(const char *a, const char *b)
{
	unsigned long long	 x, y;
	char			*e;

	for (;;) {
		x = *a >= '0' && *a <= '9' ? strtoull(a, &e, 10) : 0;
		if (*a >= '0' && *a <= '9')
			a = e;
		y = *b >= '0' && *b <= '9' ? strtoull(b, &e, 10) : 0;
		if (*b >= '0' && *b <= '9')
			b = e;
		if (x != y)
			return x < y ? -1 : 1;
		/* Past the dotted numbers of both: equal. */
		if ((*a != '.' || a[1] < '0' || a[1] > '9') &&
		    (*b != '.' || b[1] < '0' || b[1] > '9'))
			return 0;
		if (*a == '.')
			a++;
		if (*b == '.')
			b++;
	}
}

/* The largest count or MiB a requirement may give (a zettabyte). */
#define REQ_MAX		(1ULL << 40)

/* A command or kernel module name: [A-Za-z0-9._+-], no leading '-'. */
static int
req_name_valid(const char *s)
{
	size_t	 i;

	if (s[0] == '\0' || s[0] == '-' || s[0] == '.' || strlen(s) > 64)
		return 0;
	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') ||
		    strchr("._+-", s[i]) != NULL))
			return 0;
	return 1;
}

/* An absolute path without empty, "." or ".." components. */
static int
req_path_valid(const char *s)
{
	return s[0] == '/' && (s[1] == '\0' || relpath_valid(s + 1));
}

/*
 * requires.<key>: an array of unique strings that valid() accepts (what:
 * its description in messages), copied into *outp and *np.
 */
static int
req_strings(struct jp *p, const json_t *o, const char *key,
    int (*valid)(const char *), const char *what, char ***outp, size_t *np)
{
	json_t	*a, *v;
	size_t	 i, j;

	if (json_object_get(o, key) == NULL)
		return 0;
	if ((a = jp_get(p, o, key, JSON_ARRAY, "an array")) == NULL ||
	    (*outp = jp_alloc(p, key, json_array_size(a), sizeof(**outp))) ==
	    NULL)
		return -1;
	json_array_foreach(a, i, v) {
		if (!json_is_string(v) || !valid(json_string_value(v)))
			return jp_fail(p, key, "item %zu is not %s", i, what);
		if (((*outp)[i] = strdup(json_string_value(v))) == NULL)
			return jp_fail(p, key, "out of memory");
		*np = i + 1;
		for (j = 0; j < i; j++)
			if (strcmp((*outp)[j], (*outp)[i]) == 0)
				return jp_fail(p, key, "'%s' is listed twice",
				    (*outp)[i]);
	}
	return 0;
}

/* requires.<key>, a boolean when present: *out 1 for true. */
static int
req_bool(struct jp *p, const json_t *o, const char *key, int *out)
{
	json_t	*v;

	if ((v = json_object_get(o, key)) == NULL)
		return 0;
	if (!json_is_boolean(v))
		return jp_fail(p, key, "must be true or false");
	*out = json_is_true(v);
	return 0;
}

/* requires.<key>, a positive integer when present. */
static int
req_count(struct jp *p, const json_t *o, const char *key, uint64_t *out)
{
	if (json_object_get(o, key) == NULL)
		return 0;
	if (jp_u64(p, o, key, out) == -1)
		return -1;
	if (*out == 0 || *out > REQ_MAX)
		return jp_fail(p, key, "must be a positive integer (at most "
		    "%llu)", (unsigned long long)REQ_MAX);
	return 0;
}

static int
req_disk(struct jp *p, const json_t *o, struct release_requires *r)
{
	const char	*path;
	json_t		*d, *v;
	size_t		 i = 0;

	if (json_object_get(o, "min_disk_mib") == NULL)
		return 0;
	if ((d = jp_get(p, o, "min_disk_mib", JSON_OBJECT, "an object of "
	    "path: MiB")) == NULL || (r->min_disk = jp_alloc(p,
	    "min_disk_mib", json_object_size(d), sizeof(*r->min_disk))) ==
	    NULL)
		return -1;
	json_object_foreach(d, path, v) {
		if (!req_path_valid(path))
			return jp_fail(p, "min_disk_mib", "'%s' is not an "
			    "absolute path", path);
		if (!json_is_integer(v) || json_integer_value(v) < 1 ||
		    (uint64_t)json_integer_value(v) > REQ_MAX)
			return jp_fail(p, "min_disk_mib", "%s: must be a "
			    "positive number of MiB (at most %llu)", path,
			    (unsigned long long)REQ_MAX);
		if ((r->min_disk[i].path = strdup(path)) == NULL)
			return jp_fail(p, "min_disk_mib", "out of memory");
		r->min_disk[i].mib = (uint64_t)json_integer_value(v);
		r->nmin_disk = ++i;
	}
	return 0;
}

static void
req_strings_free(char **v, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void
release_requires_free(struct release_requires *r)
{
	size_t	 i;

	if (r == NULL)
		return;
	req_strings_free(r->tools, r->ntools);
	req_strings_free(r->xfs_ftype, r->nxfs_ftype);
	req_strings_free(r->kernel_modules, r->nkernel_modules);
	for (i = 0; i < r->nmin_disk; i++)
		free(r->min_disk[i].path);
	free(r->min_disk);
	free(r->docker_min);
	free(r);
}

/*
 * roles.<role>.requires: every key known (a requirement this parser
 * skipped would go unchecked), each by its rule.
 */
static int
release_requires_parse(struct jp *p, const json_t *o,
    struct release_requires **outp)
{
	static const char *const known[] = { "tools", "docker",
	    "selinux_targeted", "xfs_ftype", "devicemapper_loop",
	    "kernel_modules", "min_cores", "min_memory_mib", "min_disk_mib",
	    NULL };
	struct release_requires	*r;
	const char		*k, *v;
	json_t			*req, *x, *dk;
	size_t			 i;
	int			 dm = 1;

	if ((req = json_object_get(o, "requires")) == NULL)
		return 0;
	if (!json_is_object(req))
		return jp_fail(p, "requires", "must be an object");
	if ((*outp = r = jp_alloc(p, "requires", 1, sizeof(*r))) == NULL)
		return -1;
	json_object_foreach(req, k, x) {
		for (i = 0; known[i] != NULL && strcmp(known[i], k) != 0; i++)
			;
		if (known[i] == NULL)
			return jp_fail(p, "requires", "unknown requirement "
			    "'%s' (known: tools, docker, selinux_targeted, "
			    "xfs_ftype, devicemapper_loop, kernel_modules, "
			    "min_cores, min_memory_mib, min_disk_mib)", k);
	}
	snprintf(p->where + strlen(p->where), sizeof(p->where) -
	    strlen(p->where), ".requires");
	if (req_strings(p, req, "tools", req_name_valid, "a command name",
	    &r->tools, &r->ntools) == -1 ||
	    req_strings(p, req, "xfs_ftype", req_path_valid, "an absolute "
	    "path", &r->xfs_ftype, &r->nxfs_ftype) == -1 ||
	    req_strings(p, req, "kernel_modules", req_name_valid, "a module "
	    "name", &r->kernel_modules, &r->nkernel_modules) == -1 ||
	    req_bool(p, req, "selinux_targeted", &r->selinux_targeted) ==
	    -1 || req_bool(p, req, "devicemapper_loop", &dm) == -1 ||
	    req_count(p, req, "min_cores", &r->min_cores) == -1 ||
	    req_count(p, req, "min_memory_mib", &r->min_memory_mib) == -1 ||
	    req_disk(p, req, r) == -1)
		return -1;
	r->no_dm_loop = !dm;
	if ((dk = json_object_get(req, "docker")) != NULL) {
		if (!json_is_object(dk) || json_object_size(dk) != 1 ||
		    !json_is_string(json_object_get(dk, "min_version")) ||
		    !version_valid(v = json_string_value(json_object_get(dk,
		    "min_version"))))
			return jp_fail(p, "docker", "must be {\"min_version\": "
			    "\"<dotted numbers>\"}, e.g. {\"min_version\": "
			    "\"1.13\"}");
		if ((r->docker_min = strdup(v)) == NULL)
			return jp_fail(p, "docker", "out of memory");
	}
	return 0;
}

/* A genconf file: {path, digest}, its path under genconf/. */
static int
release_file_parse(struct jp *p, const json_t *o, struct release_file *f)
{
	if (!json_is_object(o))
		return jp_fail(p, "", "must be an object");
	if (jp_dup(p, o, "path", &f->path) == -1 ||
	    jp_digest(p, o, "digest", &f->digest) == -1)
		return -1;
	if (!relpath_valid(f->path) || strncmp(f->path, "genconf/", 8) != 0)
		return jp_fail(p, "path", "'%s' is not a path under genconf/",
		    f->path);
	return 0;
}

/* "genconf": absent, or the schema and the templates. */
static int
release_genconf_parse(struct jp *p, struct release_manifest *m)
{
	json_t	*gc, *sc, *tl, *v;
	size_t	 i, j;

	if ((gc = json_object_get(m->json, "genconf")) == NULL)
		return 0;
	if (!json_is_object(gc))
		return jp_fail(p, "genconf", "must be an object");
	snprintf(p->where, sizeof(p->where), "genconf");
	if ((sc = jp_get(p, gc, "schema", JSON_OBJECT, "an object")) == NULL ||
	    (tl = jp_get(p, gc, "templates", JSON_ARRAY, "an array")) == NULL ||
	    (m->schema = jp_alloc(p, "schema", 1, sizeof(*m->schema))) ==
	    NULL || (m->templates = jp_alloc(p, "templates",
	    json_array_size(tl), sizeof(*m->templates))) == NULL)
		return -1;
	snprintf(p->where, sizeof(p->where), "genconf.schema");
	if (release_file_parse(p, sc, m->schema) == -1)
		return -1;
	json_array_foreach(tl, i, v) {
		snprintf(p->where, sizeof(p->where), "genconf.templates[%zu]",
		    i);
		m->ntemplates = i + 1;
		if (release_file_parse(p, v, &m->templates[i]) == -1)
			return -1;
		/* Each a member of its own: none listed twice. */
		for (j = 0; j <= i; j++)
			if (strcmp(j < i ? m->templates[j].path :
			    m->schema->path, m->templates[i].path) == 0)
				return jp_fail(p, "path", "'%s' is listed "
				    "twice", m->templates[i].path);
	}
	p->where[0] = '\0';
	return 0;
}

void
release_roles_free(struct release_role *r, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		free(r[i].name);
		free(r[i].ports);
		release_requires_free(r[i].req);
	}
	free(r);
}

/* The roles object, each role's path in messages prefix + its name. */
static int
roles_parse(struct jp *p, json_t *roles, const char *prefix,
    struct release_role **outp, size_t *np)
{
	const char	*role;
	json_t		*v;
	size_t		 i = 0;

	*np = 0;
	if ((*outp = jp_alloc(p, "roles", json_object_size(roles),
	    sizeof(**outp))) == NULL)
		return -1;
	json_object_foreach(roles, role, v) {
		*np = i + 1;
		if (release_role_parse(p, prefix, role, v, &(*outp)[i++]) ==
		    -1)
			return -1;
	}
	p->where[0] = '\0';
	return 0;
}

int
release_roles_parse(json_t *roles, const char *name,
    struct release_role **outp, size_t *np, char **errp)
{
	struct jp	 p = { name, errp, "" };

	*outp = NULL;
	*np = 0;
	if (!json_is_object(roles))
		return err_set(errp, "%s: must be an object of roles", name);
	if (roles_parse(&p, roles, "", outp, np) == -1) {
		release_roles_free(*outp, *np);
		*outp = NULL;
		*np = 0;
		return -1;
	}
	return 0;
}

void
release_manifest_free(struct release_manifest *m)
{
	size_t	 i;

	if (m == NULL)
		return;
	if (m->schema != NULL)
		free(m->schema->path);
	free(m->schema);
	for (i = 0; i < m->ntemplates; i++)
		free(m->templates[i].path);
	free(m->templates);
	for (i = 0; i < m->npackages; i++) {
		free(m->packages[i].id);
		free(m->packages[i].username);
	}
	free(m->packages);
	release_roles_free(m->roles, m->nroles);
	arch_pins_free(m->bootstrap, m->nbootstrap);
	free(m->name);
	free(m->version);
	json_decref(m->json);
	free(m);
}

static int
release_lists_parse(struct jp *p, struct release_manifest *m)
{
	json_t		*pkgs, *roles, *v;
	size_t		 i;

	if ((pkgs = jp_get(p, m->json, "packages", JSON_ARRAY, "an array")) ==
	    NULL || (m->packages = jp_alloc(p, "packages",
	    json_array_size(pkgs), sizeof(*m->packages))) == NULL)
		return -1;
	json_array_foreach(pkgs, i, v) {
		jp_at(p, "packages", i);
		m->npackages = i + 1;
		if (release_pkg_parse(p, v, &m->packages[i]) == -1)
			return -1;
		/* release_pkg_parse set every id (as above). */
		/* NOLINTNEXTLINE(clang-analyzer-core.NonNullParamChecker) */
		if (i > 0 && strcmp(m->packages[i - 1].id,
		    m->packages[i].id) >= 0)
			return jp_fail(p, "id", "'%s' is out of order or "
			    "repeated (packages must be sorted by id)",
			    m->packages[i].id);
	}
	p->where[0] = '\0';
	if ((roles = jp_get(p, m->json, "roles", JSON_OBJECT, "an object")) ==
	    NULL || roles_parse(p, roles, "roles.", &m->roles, &m->nroles) ==
	    -1)
		return -1;
	if (arch_pins_parse(p, m->json, "bootstrap", &m->bootstrap,
	    &m->nbootstrap) == -1)
		return -1;
	return release_genconf_parse(p, m);
}

int
release_manifest_parse(const char *buf, size_t len, const char *name,
    struct release_manifest **outp, char **errp)
{
	struct jp		 p = { name, errp, "" };
	struct release_manifest	*m;

	*outp = NULL;

	if ((m = calloc(1, sizeof(*m))) == NULL)
		return err_set(errp, "out of memory");
	if ((m->json = jp_root(&p, buf, len)) == NULL ||
	    release_id_parse(&p, m->json, &m->name, &m->version, &m->seq) ==
	    -1 || release_lists_parse(&p, m) == -1)
		goto bad;
	*outp = m;
	return 0;
bad:
	release_manifest_free(m);
	return -1;
}

const struct release_pkg *
release_manifest_package(const struct release_manifest *m, const char *id)
{
	size_t	 i;

	for (i = 0; i < m->npackages; i++)
		if (strcmp(m->packages[i].id, id) == 0)
			return &m->packages[i];
	return NULL;
}

const struct release_role *
release_manifest_role(const struct release_manifest *m, const char *role)
{
	size_t	 i;

	for (i = 0; i < m->nroles; i++)
		if (strcmp(m->roles[i].name, role) == 0)
			return &m->roles[i];
	return NULL;
}

const char *
blob_kind_name(enum blob_kind k)
{
	static const char *names[] = { "release", "signature", "package",
	    "config", "secrets" };

	return names[k];
}

static int
blob_ref_parse(struct jp *p, const json_t *o, struct blob_ref *b)
{
	const char	*kind;
	enum blob_kind	 k;

	if (!json_is_object(o))
		return jp_fail(p, "", "must be an object");
	if (jp_pin(p, o, &b->blob) == -1 || (kind = jp_str(p, o, "kind")) ==
	    NULL)
		return -1;
	for (k = BLOB_RELEASE; k <= BLOB_SECRETS; k++)
		if (strcmp(kind, blob_kind_name(k)) == 0)
			break;
	if (k > BLOB_SECRETS)
		return jp_fail(p, "kind", "unknown kind '%s'", kind);
	b->kind = k;
	if (k == BLOB_SECRETS) {
		if (jp_dup(p, o, "role", &b->role) == -1)
			return -1;
		if (!role_name_valid(b->role))
			return jp_fail(p, "role", "'%s' is not a role name",
			    b->role);
		return 0;
	}
	if (k != BLOB_PACKAGE && k != BLOB_CONFIG)
		return 0;
	if (jp_dup(p, o, "id", &b->id) == -1)
		return -1;
	if (!pkg_id_valid(b->id))
		return jp_fail(p, "id", "'%s' is not a package id", b->id);
	return jp_platform(p, o, &b->platform);
}

static int
keys_parse(struct jp *p, struct cluster_manifest *m)
{
	json_t	*keys, *v;
	size_t	 i;

	if ((keys = jp_get(p, m->json, "trusted_keys", JSON_ARRAY,
	    "an array")) == NULL)
		return -1;
	if (json_array_size(keys) == 0)
		return jp_fail(p, "trusted_keys", "must list at least one key");
	if ((m->keys = jp_alloc(p, "trusted_keys", json_array_size(keys),
	    sizeof(*m->keys))) == NULL)
		return -1;
	json_array_foreach(keys, i, v) {
		if (!json_is_string(v) || minisign_pubkey_parse(
		    json_string_value(v), &m->keys[i], NULL) == -1)
			return jp_fail(p, "trusted_keys", "item %zu is not a "
			    "minisign public key", i);
		m->nkeys = i + 1;
	}
	return 0;
}

static int
cluster_release_parse(struct jp *p, struct cluster_manifest *m)
{
	json_t		*rel, *cfg;

	if ((rel = jp_get(p, m->json, "release", JSON_OBJECT, "an object")) ==
	    NULL)
		return -1;
	snprintf(p->where, sizeof(p->where), "release");
	if (release_id_parse(p, rel, &m->release_name, &m->release_version,
	    &m->release_seq) == -1 ||
	    jp_digest(p, rel, "manifest", &m->release_manifest) == -1 ||
	    jp_digest(p, rel, "signature", &m->release_signature) == -1)
		return -1;
	p->where[0] = '\0';
	if ((cfg = jp_get(p, m->json, "config_package", JSON_OBJECT,
	    "an object")) == NULL)
		return -1;
	snprintf(p->where, sizeof(p->where), "config_package");
	if (jp_dup(p, cfg, "id", &m->config_id_pkg) == -1 ||
	    jp_pin(p, cfg, &m->config_package) == -1)
		return -1;
	if (!pkg_id_valid(m->config_id_pkg))
		return jp_fail(p, "id", "'%s' is not a package id",
		    m->config_id_pkg);
	p->where[0] = '\0';
	if ((cfg = json_object_get(m->json, "config_package_windows")) ==
	    NULL)
		return 0;
	if (!json_is_object(cfg))
		return jp_fail(p, "config_package_windows", "must be an "
		    "object");
	snprintf(p->where, sizeof(p->where), "config_package_windows");
	if (jp_dup(p, cfg, "id", &m->config_id_pkg_windows) == -1 ||
	    jp_pin(p, cfg, &m->config_package_windows) == -1)
		return -1;
	p->where[0] = '\0';
	return 0;
}

void
cluster_manifest_free(struct cluster_manifest *m)
{
	size_t	 i;

	if (m == NULL)
		return;
	for (i = 0; i < m->nblobs; i++) {
		free(m->blobs[i].id);
		free(m->blobs[i].role);
	}
	free(m->blobs);
	arch_pins_free(m->bootstrap, m->nbootstrap);
	free(m->keys);
	free(m->cluster_name);
	free(m->config_id);
	free(m->bootstrap_url);
	free(m->release_name);
	free(m->release_version);
	free(m->config_id_pkg);
	free(m->config_id_pkg_windows);
	json_decref(m->json);
	free(m);
}

/* Whether secrets blob i has the role of an earlier one. */
static int
secrets_role_twice(const struct cluster_manifest *m, size_t i)
{
	size_t	 j;

	for (j = 0; j < i; j++)
		if (m->blobs[j].kind == BLOB_SECRETS &&
		    strcmp(m->blobs[j].role, m->blobs[i].role) == 0)
			return 1;
	return 0;
}

/*
 * A config blob: the config package of its platform (config_package, or
 * config_package_windows), named after config_id, once.
 */
static int
cluster_config_blob(struct jp *p, const struct blob_ref *b,
    const char *want, const struct blob_pin *pin, size_t *countp)
{
	const char	*what = b->platform == PLATFORM_WINDOWS ?
	    "config_package_windows" : "config_package";

	if (want == NULL)
		return jp_fail(p, "id", "'%s' is a Windows config package, "
		    "but the manifest has no config_package_windows", b->id);
	if ((*countp)++ > 0)
		return jp_fail(p, "id", "'%s' is a second %sconfig package; "
		    "a cluster manifest holds only the one %s names", b->id,
		    b->platform == PLATFORM_WINDOWS ? "Windows " : "", what);
	if (strcmp(b->id, want) != 0 || !digest_equal(&b->blob.digest,
	    &pin->digest) || b->blob.size != pin->size)
		return jp_fail(p, "id", "config package '%s' is not the %s "
		    "%s with the same digest and size", b->id, what, want);
	return 0;
}

/*
 * What a host may get besides the signed release: exactly one config
 * package per platform, the one config_package (config_package_windows)
 * names, dcos-config[-windows]--setup_<config_id>.  Release and signature
 * blobs are the two the release section names, once each.  (That every
 * package blob is in the signed release.json is checked by
 * dcos-bootstrap, which has verified it.)
 */
static int
cluster_blobs_check(struct jp *p, struct cluster_manifest *m)
{
	const struct blob_ref	*b;
	const struct digest	*want;
	char			*cfgid = NULL, *wincfg = NULL, vis[256];
	size_t			 i, nrel = 0, nsig = 0, ncfg = 0, nwin = 0;
	int			 rc = -1;

	if (asprintf(&cfgid, "dcos-config--setup_%s", m->config_id) == -1 ||
	    asprintf(&wincfg, "dcos-config-windows--setup_%s",
	    m->config_id) == -1) {
		jp_fail(p, "", "out of memory");
		goto out;
	}
	if (strcmp(m->config_id_pkg, cfgid) != 0 ||
	    (m->config_id_pkg_windows != NULL &&
	    strcmp(m->config_id_pkg_windows, wincfg) != 0)) {
		snprintf(p->where, sizeof(p->where), "config_package%s",
		    strcmp(m->config_id_pkg, cfgid) != 0 ? "" : "_windows");
		jp_fail(p, "id", "'%s' is not the config package of config_id "
		    "%s, which is dcos-config%s--setup_%s",
		    strcmp(m->config_id_pkg, cfgid) != 0 ? m->config_id_pkg :
		    m->config_id_pkg_windows, name_vis(m->config_id, 1, vis,
		    sizeof(vis)), strcmp(m->config_id_pkg, cfgid) != 0 ? "" :
		    "-windows", vis);
		goto out;
	}
	for (i = 0; i < m->nblobs; i++) {
		b = &m->blobs[i];
		jp_at(p, "blobs", i);
		if (b->kind == BLOB_CONFIG) {
			if ((b->platform == PLATFORM_WINDOWS ?
			    cluster_config_blob(p, b, m->config_id_pkg_windows,
			    &m->config_package_windows, &nwin) :
			    cluster_config_blob(p, b, cfgid, &m->config_package,
			    &ncfg)) == -1)
				goto out;
			continue;
		}
		if (b->kind == BLOB_SECRETS) {
			if (secrets_role_twice(m, i)) {
				jp_fail(p, "role", "a second secrets bundle "
				    "of role %s", b->role);
				goto out;
			}
			continue;
		}
		if (b->kind != BLOB_RELEASE && b->kind != BLOB_SIGNATURE)
			continue;
		want = b->kind == BLOB_RELEASE ? &m->release_manifest :
		    &m->release_signature;
		if (!digest_equal(&b->blob.digest, want) ||
		    (b->kind == BLOB_RELEASE ? nrel++ : nsig++) > 0) {
			jp_fail(p, "kind", "a %s blob other than the one the "
			    "release section names, or that one twice",
			    blob_kind_name(b->kind));
			goto out;
		}
	}
	p->where[0] = '\0';
	if (ncfg == 0 || nrel == 0 || nsig == 0) {
		jp_fail(p, "blobs", "must list the config package %s, "
		    "release.json and its signature as config_package and "
		    "release name them", cfgid);
		goto out;
	}
	if (m->config_id_pkg_windows != NULL && nwin == 0) {
		jp_fail(p, "blobs", "must list the Windows config package %s "
		    "as config_package_windows names it (kind config, "
		    "platform windows)", wincfg);
		goto out;
	}
	rc = 0;
out:
	free(cfgid);
	free(wincfg);
	return rc;
}

int
cluster_manifest_parse(const char *buf, size_t len, const char *name,
    struct cluster_manifest **outp, char **errp)
{
	struct jp		 p = { name, errp, "" };
	struct cluster_manifest	*m;
	json_t			*blobs, *v;
	size_t			 i;

	*outp = NULL;

	if ((m = calloc(1, sizeof(*m))) == NULL)
		return err_set(errp, "out of memory");
	if ((m->json = jp_root(&p, buf, len)) == NULL ||
	    jp_dup(&p, m->json, "cluster_name", &m->cluster_name) == -1 ||
	    jp_dup(&p, m->json, "config_id", &m->config_id) == -1 ||
	    jp_dup(&p, m->json, "bootstrap_url", &m->bootstrap_url) == -1 ||
	    keys_parse(&p, m) == -1 || cluster_release_parse(&p, m) == -1 ||
	    arch_pins_parse(&p, m->json, "bootstrap", &m->bootstrap,
	    &m->nbootstrap) == -1)
		goto bad;
	if ((blobs = jp_get(&p, m->json, "blobs", JSON_ARRAY, "an array")) ==
	    NULL || (m->blobs = jp_alloc(&p, "blobs", json_array_size(blobs),
	    sizeof(*m->blobs))) == NULL)
		goto bad;
	json_array_foreach(blobs, i, v) {
		jp_at(&p, "blobs", i);
		m->nblobs = i + 1;
		if (blob_ref_parse(&p, v, &m->blobs[i]) == -1)
			goto bad;
	}
	if (cluster_blobs_check(&p, m) == -1)
		goto bad;
	*outp = m;
	return 0;
bad:
	cluster_manifest_free(m);
	return -1;
}

void
cluster_manifest_keep_platform(struct cluster_manifest *m,
    enum pkg_platform pl)
{
	size_t	 i, n = 0;

	for (i = 0; i < m->nblobs; i++) {
		if ((m->blobs[i].kind == BLOB_PACKAGE ||
		    m->blobs[i].kind == BLOB_CONFIG) &&
		    m->blobs[i].platform != pl) {
			free(m->blobs[i].id);
			continue;
		}
		m->blobs[n++] = m->blobs[i];
	}
	m->nblobs = n;
}

void
release_manifest_keep_platform(struct release_manifest *m,
    enum pkg_platform pl)
{
	size_t	 i, n = 0;

	for (i = 0; i < m->npackages; i++) {
		if (m->packages[i].platform != pl) {
			free(m->packages[i].id);
			free(m->packages[i].username);
			continue;
		}
		m->packages[n++] = m->packages[i];
	}
	m->npackages = n;
}

/*
 * The tar is releases/<name>-<version>.tar (release_file_valid) and its
 * signature beside it: the only two names a mirror writes for it.
 */
static int
store_release_parse(struct jp *p, const json_t *o, struct store_release *r)
{
	char	*want = NULL;
	int	 rc = -1;

	if (!json_is_object(o))
		return jp_fail(p, "", "must be an object");
	if (release_id_parse(p, o, &r->name, &r->version, &r->seq) == -1 ||
	    jp_dup(p, o, "path", &r->path) == -1 ||
	    jp_digest(p, o, "digest", &r->digest) == -1 ||
	    jp_dup(p, o, "signature", &r->signature) == -1)
		return -1;
	/* Optional: a store from before recipes holds the tar itself. */
	if (json_object_get(o, "recipe") != NULL) {
		if (jp_digest(p, o, "recipe", &r->recipe) == -1)
			return -1;
		r->has_recipe = 1;
	}
	if (asprintf(&want, STORE_RELEASE_DIR "/%s-%s.tar", r->name,
	    r->version) == -1)
		return jp_fail(p, "", "out of memory");
	if (strcmp(r->path, want) != 0)
		jp_fail(p, "path", "'%s' is not '%s'", r->path, want);
	else if (strncmp(r->signature, want, strlen(want)) != 0 ||
	    strcmp(r->signature + strlen(want), ".minisig") != 0)
		jp_fail(p, "signature", "'%s' is not '%s.minisig'",
		    r->signature, want);
	else
		rc = 0;
	free(want);
	return rc;
}

void
store_index_free(struct store_index *x)
{
	size_t	 i;

	if (x == NULL)
		return;
	for (i = 0; i < x->nreleases; i++) {
		free(x->releases[i].name);
		free(x->releases[i].version);
		free(x->releases[i].path);
		free(x->releases[i].signature);
	}
	free(x->releases);
	free(x->manifests);
	free(x->install_script);
	free(x->install_script_windows);
	json_decref(x->json);
	free(x);
}

static int
index_lists_parse(struct jp *p, struct store_index *x)
{
	json_t	*list, *v;
	size_t	 i;

	if ((list = jp_get(p, x->json, "cluster_manifests", JSON_ARRAY,
	    "an array")) == NULL || (x->manifests = jp_alloc(p,
	    "cluster_manifests", json_array_size(list),
	    sizeof(*x->manifests))) == NULL)
		return -1;
	json_array_foreach(list, i, v) {
		if (!json_is_string(v) || digest_parse(json_string_value(v),
		    &x->manifests[i]) == -1)
			return jp_fail(p, "cluster_manifests", "item %zu is "
			    "not a digest", i);
		x->nmanifests = i + 1;
	}
	if (x->nmanifests == 0 || !digest_equal(&x->manifests[0], &x->current))
		return jp_fail(p, "cluster_manifests", "must start with the "
		    "current manifest");
	if ((list = jp_get(p, x->json, "releases", JSON_ARRAY, "an array")) ==
	    NULL || (x->releases = jp_alloc(p, "releases",
	    json_array_size(list), sizeof(*x->releases))) == NULL)
		return -1;
	json_array_foreach(list, i, v) {
		jp_at(p, "releases", i);
		x->nreleases = i + 1;
		if (store_release_parse(p, v, &x->releases[i]) == -1)
			return -1;
	}
	p->where[0] = '\0';
	return 0;
}

int
store_index_parse(const char *buf, size_t len, const char *name,
    struct store_index **outp, char **errp)
{
	struct jp		 p = { name, errp, "" };
	struct store_index	*x;
	json_t			*script;

	*outp = NULL;

	if ((x = calloc(1, sizeof(*x))) == NULL)
		return err_set(errp, "out of memory");
	if ((x->json = jp_root(&p, buf, len)) == NULL ||
	    jp_digest(&p, x->json, "current", &x->current) == -1 ||
	    (script = jp_get(&p, x->json, "install_script", JSON_OBJECT,
	    "an object")) == NULL)
		goto bad;
	snprintf(p.where, sizeof(p.where), "install_script");
	if (jp_dup(&p, script, "path", &x->install_script) == -1 ||
	    jp_digest(&p, script, "digest", &x->install_script_digest) == -1)
		goto bad;
	if (!relpath_valid(x->install_script)) {
		jp_fail(&p, "path", "unsafe path '%s'", x->install_script);
		goto bad;
	}
	if ((script = json_object_get(x->json, "install_script_windows")) !=
	    NULL) {
		snprintf(p.where, sizeof(p.where), "install_script_windows");
		if (!json_is_object(script)) {
			jp_fail(&p, "", "must be an object");
			goto bad;
		}
		if (jp_dup(&p, script, "path", &x->install_script_windows) ==
		    -1 || jp_digest(&p, script, "digest",
		    &x->install_script_windows_digest) == -1)
			goto bad;
		/* One name: a mirror writes it, artifactd serves it. */
		if (strcmp(x->install_script_windows,
		    STORE_INSTALL_SCRIPT_WINDOWS) != 0) {
			jp_fail(&p, "path", "'%s' is not '%s'",
			    x->install_script_windows,
			    STORE_INSTALL_SCRIPT_WINDOWS);
			goto bad;
		}
	}
	p.where[0] = '\0';
	if (index_lists_parse(&p, x) == -1)
		goto bad;
	*outp = x;
	return 0;
bad:
	store_index_free(x);
	return -1;
}

#define MANIFEST_LOAD_DEF(type, fn)					\
int									\
fn##_load(const char *path, struct type **outp, char **errp)		\
{									\
	char	*buf;							\
	size_t	 len;							\
	int	 rc;							\
									\
	if (read_file(path, MANIFEST_MAX_BYTES, &buf, &len, errp) == -1) \
		return -1;						\
	rc = fn##_parse(buf, len, path, outp, errp);			\
	free(buf);							\
	return rc;							\
}
MANIFEST_LOAD_DEF(pkg_manifest, pkg_manifest)
MANIFEST_LOAD_DEF(release_manifest, release_manifest)
MANIFEST_LOAD_DEF(cluster_manifest, cluster_manifest)
MANIFEST_LOAD_DEF(store_index, store_index)
