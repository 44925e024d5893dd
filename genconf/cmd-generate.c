/* SPDX-License-Identifier: Apache-2.0 */
/*
 * generate: the signed release + genconf/config.yaml -> genconf/serve/.
 *
 * Everything is checked and built first, in a staging directory next to
 * the store; only then are blobs renamed into place, the release copied,
 * dcos_install.sh and finally index.json written.  A failure before that
 * point removes the staging directory and leaves the store as it was.
 * The release tar is read once: the members hosts need are staged while
 * they are verified, and blobs already in the store intact (size and
 * digest checked) are not copied again.
 */
#include <config.h>

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "atomicio.h"
#include "blob.h"
#include "error.h"
#include "farm.h"
#include "genconf.h"
#include "jsonio.h"
#include "log.h"
#include "manifest.h"
#include "pkgblob.h"
#include "recipe.h"
#include "release.h"
#include "schema.h"
#include "secrets.h"
#include "siteconf.h"
#include "store.h"
#include "subcmd.h"

/* scripts/dcos_install.sh.in, embedded at build time. */
extern const unsigned char	install_template[];
extern const unsigned long	install_template_len;
extern const unsigned char	install_template_ps1[];
extern const unsigned long	install_template_ps1_len;

/* A site trusts a few vendor keys: more -k than this is a mistake. */
#define MAX_KEYS	16
#define INDEX_MAX	(16 * 1024 * 1024)
#define SAFE_CHARS	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" \
			"0123456789._:/@%+=,-"

struct staged {
	struct digest	 digest;
	uint64_t	 size;
	char		*tmp;		/* in the staging directory */
};

struct gen {
	const char	*genconf;
	char		*serve;
	char		*blobdir;
	char		*stage;
	struct staged	*v;
	size_t		 n;
	unsigned int	 seq;		/* names staged files */
	/* The member being staged. */
	int		 fd;
	char		*tmp;
	struct digest	 digest;
	uint64_t	 size;
	char		*script_sig;	/* dcos_install.sh.minisig, or NULL */
	char		*script_sig_ps1;	/* dcos_install.ps1.minisig */
};

/*
 * Sizes are known up front: one allocation instead of one per write is
 * measurably cheaper for a 1 GB release.  Only an optimisation: a file
 * system without fallocate is fine.
 */
static void
preallocate(int fd, uint64_t size)
{
	if (size > 0)
		(void)posix_fallocate(fd, 0, (off_t)size);
}

static int
staged_find(struct gen *g, const struct digest *d)
{
	size_t	 i;

	for (i = 0; i < g->n; i++)
		if (digest_equal(&g->v[i].digest, d))
			return 1;
	return 0;
}

static int
stage_open(struct gen *g, char **tmpp, int *fdp, char **errp)
{
	char	 name[32];

	snprintf(name, sizeof(name), "blob.%u", g->seq++);
	if ((*tmpp = path_join(g->stage, name)) == NULL)
		return err_set(errp, "out of memory");
	if ((*fdp = open(*tmpp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC,
	    0644)) == -1) {
		err_sys(errp, "%s", *tmpp);
		free(*tmpp);
		*tmpp = NULL;
		return -1;
	}
	/* Whatever the umask: any web server must be able to read a blob. */
	if (fchmod(*fdp, 0644) == -1) {
		err_sys(errp, "chmod %s", *tmpp);
		close(*fdp);
		unlink(*tmpp);
		free(*tmpp);
		*tmpp = NULL;
		return -1;
	}
	return 0;
}

static int
stage_add(struct gen *g, const struct digest *d, uint64_t size, char *tmp,
    char **errp)
{
	struct staged	*nv;

	if ((nv = reallocarray(g->v, g->n + 1, sizeof(*nv))) == NULL)
		return err_set(errp, "out of memory");
	g->v = nv;
	nv[g->n].digest = *d;
	nv[g->n].size = size;
	nv[g->n].tmp = tmp;
	g->n++;
	return 0;
}

/*
 * Is this blob needed?  Not when the stage has it, nor when the store has
 * it intact (lib/blob.h's check: size and digest); a copy damaged in place
 * is written again.
 */
static int
blob_needed(struct gen *g, const struct digest *d, uint64_t size,
    char **errp)
{
	char	*p;
	int	 have;

	if (staged_find(g, d))
		return 0;
	if ((p = store_blob_path(g->serve, d)) == NULL)
		return err_set(errp, "out of memory");
	have = blob_open(p, d, (int64_t)size, 0, NULL, NULL, NULL) == BLOB_OK;
	free(p);
	return !have;
}

static int
sink_begin(void *arg, const struct release_blob *b, char **errp)
{
	struct gen	*g = arg;
	int		 need;

	if ((need = blob_needed(g, &b->digest, b->size, errp)) <= 0)
		return need;
	if (stage_open(g, &g->tmp, &g->fd, errp) == -1)
		return -1;
	preallocate(g->fd, b->size);
	g->digest = b->digest;
	g->size = b->size;
	return 1;
}

static int
sink_data(void *arg, const void *buf, size_t len, char **errp)
{
	struct gen	*g = arg;

	if (write_all(g->fd, buf, len) == -1)
		return err_sys(errp, "%s", g->tmp);
	return 0;
}

static int
sink_end(void *arg, int ok, char **errp)
{
	struct gen	*g = arg;
	int		 rc = 0;

	if (close(g->fd) == -1 && ok)
		rc = err_sys(errp, "%s", g->tmp);
	g->fd = -1;
	if (ok && rc == 0 && stage_add(g, &g->digest, g->size, g->tmp, errp)
	    == 0) {
		g->tmp = NULL;
		return 0;
	}
	unlink(g->tmp);
	free(g->tmp);
	g->tmp = NULL;
	return ok ? -1 : 0;
}

/* Stages an in-memory blob unless the store has it; *dp gets its digest. */
static int
stage_buf(struct gen *g, const void *buf, size_t len, struct digest *dp,
    char **errp)
{
	char	*tmp = NULL;
	int	 fd, need;

	digest_buf(buf, len, dp);
	if ((need = blob_needed(g, dp, len, errp)) <= 0)
		return need;
	if (stage_open(g, &tmp, &fd, errp) == -1)
		return -1;
	if (write_all(fd, buf, len) == -1) {
		err_sys(errp, "%s", tmp);
		close(fd);
		goto fail;
	}
	if (close(fd) == -1) {
		err_sys(errp, "%s", tmp);
		goto fail;
	}
	if (stage_add(g, dp, len, tmp, errp) == -1)
		goto fail;
	return 0;
fail:
	unlink(tmp);
	free(tmp);
	return -1;
}

static void
gen_cleanup(struct gen *g)
{
	size_t	 i;

	for (i = 0; i < g->n; i++) {
		if (g->v[i].tmp != NULL)
			unlink(g->v[i].tmp);
		free(g->v[i].tmp);
	}
	free(g->v);
	if (g->fd != -1)
		close(g->fd);
	if (g->tmp != NULL)
		unlink(g->tmp);
	free(g->tmp);
	if (g->stage != NULL)
		rmdir(g->stage);
	free(g->stage);
	free(g->script_sig);
	free(g->script_sig_ps1);
	free(g->serve);
	free(g->blobdir);
}

static int
fsync_path(const char *path, char **errp)
{
	int	 fd, rc = 0;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return err_sys(errp, "%s", path);
	if (fsync(fd) == -1)
		rc = err_sys(errp, "fsync %s", path);
	close(fd);
	return rc;
}

static char *
pubkey_line(const struct minisign_pubkey *pk)
{
	char	*text, *line, *nl;

	if ((text = minisign_pubkey_format(pk)) == NULL)
		return NULL;
	if ((line = strchr(text, '\n')) == NULL) {
		free(text);
		return NULL;
	}
	line = strdup(line + 1);
	free(text);
	if (line != NULL && (nl = strchr(line, '\n')) != NULL)
		*nl = '\0';
	return line;
}

static const char *
config_str(const json_t *eff, const char *key, char **errp)
{
	const char	*s;
	json_t		*v;
	int		 text = strcmp(key, "cluster_name") == 0;

	if ((v = json_object_get(eff, key)) == NULL || !json_is_string(v)) {
		err_set(errp, "the release's schema gives no string '%s': this "
		    "release cannot make a store", key);
		return NULL;
	}
	s = json_string_value(v);
	/*
	 * DC/OS takes any cluster name ("Prod East"): install_script()
	 * quotes it; a line break would end its comment line.
	 */
	if (text && (*s == '\0' || has_ctrl(s))) {
		err_set(errp, "cluster_name must be one line without control "
		    "characters (it goes into dcos_install.sh)");
		return NULL;
	}
	if (!text && bootstrap_url_check(s, errp) == -1)
		return NULL;
	return s;
}

int
bootstrap_url_check(const char *s, char **errp)
{
	const char	*path;

	if (*s == '\0' || strspn(s, SAFE_CHARS) != strlen(s))
		return err_set(errp, "bootstrap_url '%s' may only hold letters, "
		    "digits and '._:/@%%+=,-' (it goes into dcos_install.sh)",
		    s);
	if ((strncmp(s, "http://", 7) == 0 && s[7] != '\0' && s[7] != '/') ||
	    (strncmp(s, "https://", 8) == 0 && s[8] != '\0' && s[8] != '/'))
		return 0;
	if (strncmp(s, "file://", 7) != 0)
		return err_set(errp, "bootstrap_url '%s': dcos_install.sh "
		    "fetches over http:// or https://, or installs from a "
		    "directory on each host given as file:///DIR", s);
	/* file:///DIR: the script installs from DIR as with --offline. */
	path = s + 7;
	if (*path != '/' || path[1] == '\0')
		return err_set(errp, "bootstrap_url '%s': a file:// URL names "
		    "a directory on the hosts, file:///DIR (no host name, "
		    "not the root)", s);
	if (strchr(path, '%') != NULL || !relpath_valid(path + 1))
		return err_set(errp, "bootstrap_url '%s': write the directory "
		    "plainly (no %%-escapes, no '.', '..' or empty "
		    "components)", s);
	return 0;
}

/*
 * The code point of the UTF-8 sequence at s (*lenp its bytes), or
 * U+FFFD for a byte that starts none (*lenp 1).
 */
static unsigned long
utf8_next(const unsigned char *s, size_t *lenp)
{
	unsigned long	cp;
	size_t		n, i;

	if (s[0] < 0x80) {
		*lenp = 1;
		return s[0];
	}
	n = (s[0] & 0xe0) == 0xc0 ? 2 : (s[0] & 0xf0) == 0xe0 ? 3 :
	    (s[0] & 0xf8) == 0xf0 ? 4 : 0;
	cp = n == 2 ? s[0] & 0x1f : n == 3 ? s[0] & 0x0f : s[0] & 0x07;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			break;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	*lenp = n == 0 || i < n ? 1 : n;
	if (n == 0 || i < n || cp > 0x10ffff || (cp >= 0xd800 &&
	    cp <= 0xdfff) || cp < (n == 2 ? 0x80UL : n == 3 ? 0x800UL :
	    0x10000UL))
		return 0xfffd;
	return cp;
}

/*
 * s for inside '...' of sh (ps1 0: each ' becomes '\'') or of PowerShell
 * (ps1 1: each ' is doubled, and every non-ASCII character leaves the
 * quotes as ' + [char]0xXXXX + ', one per UTF-16 unit).  The .ps1 is so
 * ASCII whatever the name: Windows PowerShell 5.1 reads a file given to
 * -File without a BOM as the ANSI code page, and "iwr ... | iex" feeds a
 * leading BOM to the parser as a command name; ASCII reads the same in
 * every code page and needs no BOM.  malloc'd, or NULL.
 */
char *
script_single_quoted(const char *s, int ps1)
{
	FILE		*fp;
	char		*out = NULL;
	size_t		 len = 0, n;
	unsigned long	 cp;

	if ((fp = open_memstream(&out, &len)) == NULL)
		return NULL;
	for (; *s != '\0'; s += n) {
		cp = utf8_next((const unsigned char *)s, &n);
		if (*s == '\'')
			fputs(ps1 ? "''" : "'\\''", fp);
		else if (!ps1 || cp < 0x80)
			fwrite(s, 1, n, fp);
		else if (cp < 0x10000)
			fprintf(fp, "' + [char]0x%04lx + '", cp);
		else
			fprintf(fp, "' + [char]0x%04lx + [char]0x%04lx + '",
			    0xd800 + ((cp - 0x10000) >> 10),
			    0xdc00 + ((cp - 0x10000) & 0x3ff));
	}
	if (fclose(fp) != 0) {
		free(out);
		return NULL;
	}
	return out;
}

static int
set_pin(json_t *o, const struct digest *d, uint64_t size)
{
	char	 s[DIGEST_STRSZ];

	digest_format(d, s);
	return json_object_set_new(o, "digest", json_string(s)) |
	    json_object_set_new(o, "size", json_integer((json_int_t)size));
}

/* A blob of the manifest; a package or config blob (id) has a platform. */
static json_t *
blob_ref(const struct digest *d, uint64_t size, const char *kind,
    const char *id, enum pkg_platform pl)
{
	json_t	*o;

	if ((o = json_object()) == NULL)
		return NULL;
	if (set_pin(o, d, size) != 0 ||
	    json_object_set_new(o, "kind", json_string(kind)) != 0 ||
	    (id != NULL && json_object_set_new(o, "id", json_string(id)) != 0) ||
	    (id != NULL && json_object_set_new(o, "platform",
	    json_string(platform_name(pl))) != 0)) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* A role's sealed secrets bundle, staged. */
struct sealed {
	const char	*role;
	struct digest	 digest;
	uint64_t	 size;
};

struct cluster_in {
	const struct release		*rel;
	struct sealed			*secrets;
	size_t				 nsecrets;
	const json_t			*eff;
	const char			*config_id;
	const char			*config_pkg_id;
	struct pkg_info			 config_pkg;
	/* With a Windows package in the release: its config package. */
	const char			*config_pkg_id_win;
	struct pkg_info			 config_pkg_win;
	const struct minisign_pubkey	*keys;
	size_t				 nkeys;
};

/* The trusted keys, each as the key line of its .pub file. */
static int
cluster_keys(json_t *keys, const struct cluster_in *c)
{
	char	*line;
	size_t	 i;
	int	 bad = 0;

	for (i = 0; !bad && i < c->nkeys; i++) {
		if ((line = pubkey_line(&c->keys[i])) == NULL)
			return -1;
		bad |= json_array_append_new(keys, json_string(line));
		free(line);
	}
	return bad;
}

static int
cluster_release(json_t *o, const struct release *rel)
{
	char	 dstr[DIGEST_STRSZ];
	int	 bad = 0;

	bad |= json_object_set_new(o, "name", json_string(rel->rm->name));
	bad |= json_object_set_new(o, "version",
	    json_string(rel->rm->version));
	bad |= json_object_set_new(o, "seq", json_integer(rel->rm->seq));
	digest_format(&rel->manifest_digest, dstr);
	bad |= json_object_set_new(o, "manifest", json_string(dstr));
	digest_format(&rel->sig_digest, dstr);
	bad |= json_object_set_new(o, "signature", json_string(dstr));
	return bad;
}

static int
cluster_bootstrap(json_t *bs, const struct release *rel)
{
	json_t	*o;
	size_t	 i;
	int	 bad = 0;

	for (i = 0; !bad && i < rel->nbootstrap; i++) {
		bad |= json_object_set_new(bs, rel->bootstrap[i].id,
		    o = json_object());
		bad |= bad ? 0 : set_pin(o, &rel->bootstrap[i].digest,
		    rel->bootstrap[i].size);
	}
	return bad;
}

/*
 * Every blob a host fetches: release.json, its signature, packages,
 * config, and the secrets bundle of each role that has one.
 */
static int
cluster_blobs(json_t *blobs, const struct cluster_in *c)
{
	const struct release	*rel = c->rel;
	json_t			*o;
	size_t			 i;
	int			 bad = 0;

	bad |= json_array_append_new(blobs, blob_ref(&rel->manifest_digest,
	    rel->manifest_text.len, "release", NULL, PLATFORM_LINUX));
	bad |= json_array_append_new(blobs, blob_ref(&rel->sig_digest,
	    rel->sig_text.len, "signature", NULL, PLATFORM_LINUX));
	for (i = 0; !bad && i < rel->npackages; i++)
		bad |= json_array_append_new(blobs,
		    blob_ref(&rel->packages[i].digest, rel->packages[i].size,
		    "package", rel->packages[i].id,
		    rel->rm->packages[i].platform));
	bad |= json_array_append_new(blobs, blob_ref(&c->config_pkg.digest,
	    c->config_pkg.size, "config", c->config_pkg_id, PLATFORM_LINUX));
	if (c->config_pkg_id_win != NULL)
		bad |= json_array_append_new(blobs,
		    blob_ref(&c->config_pkg_win.digest, c->config_pkg_win.size,
		    "config", c->config_pkg_id_win, PLATFORM_WINDOWS));
	for (i = 0; !bad && i < c->nsecrets; i++) {
		bad |= json_array_append_new(blobs, o = blob_ref(
		    &c->secrets[i].digest, c->secrets[i].size, "secrets",
		    NULL, PLATFORM_LINUX));
		bad |= bad ? 0 : json_object_set_new(o, "role",
		    json_string(c->secrets[i].role));
	}
	return bad;
}

static json_t *
cluster_json(const struct cluster_in *c, char **errp)
{
	json_t		*root = NULL, *o, *keys, *rel, *bs, *blobs;
	const char	*name, *url;
	int		 bad = 0;

	if ((name = config_str(c->eff, "cluster_name", errp)) == NULL ||
	    (url = config_str(c->eff, "bootstrap_url", errp)) == NULL)
		return NULL;
	if ((root = json_object()) == NULL)
		goto oom;
	bad |= json_object_set_new(root, "format", json_integer(1));
	bad |= json_object_set_new(root, "cluster_name", json_string(name));
	bad |= json_object_set_new(root, "config_id",
	    json_string(c->config_id));
	bad |= json_object_set_new(root, "bootstrap_url", json_string(url));
	bad |= json_object_set_new(root, "trusted_keys", keys = json_array());
	bad |= json_object_set_new(root, "release", rel = json_object());
	bad |= json_object_set_new(root, "config_package", o = json_object());
	bad |= json_object_set_new(root, "bootstrap", bs = json_object());
	bad |= json_object_set_new(root, "blobs", blobs = json_array());
	if (bad)
		goto oom;
	bad |= cluster_keys(keys, c);
	bad |= cluster_release(rel, c->rel);
	bad |= json_object_set_new(o, "id", json_string(c->config_pkg_id));
	bad |= set_pin(o, &c->config_pkg.digest, c->config_pkg.size);
	if (!bad && c->config_pkg_id_win != NULL) {
		bad |= json_object_set_new(root, "config_package_windows",
		    o = json_object());
		bad |= bad ? 0 : json_object_set_new(o, "id",
		    json_string(c->config_pkg_id_win));
		bad |= bad ? 0 : set_pin(o, &c->config_pkg_win.digest,
		    c->config_pkg_win.size);
	}
	bad |= cluster_bootstrap(bs, c->rel);
	bad |= cluster_blobs(blobs, c);
	if (bad)
		goto oom;
	return root;
oom:
	json_decref(root);
	err_set(errp, "out of memory");
	return NULL;
}

/* Hosts read cluster.json with lib/manifest's parser: agree with it. */
static int
check_cluster_json(const char *text, size_t len, char **errp)
{
	struct cluster_manifest	*check = NULL;

	if (cluster_manifest_parse(text, len, "cluster.json", &check, errp) ==
	    -1)
		return -1;
	cluster_manifest_free(check);
	return 0;
}

/* "ARCH=sha256:HEX:SIZE ...", one pin per bootstrap binary. */
static char *
bootstrap_pins(const struct release *rel)
{
	FILE	*fp;
	char	 dstr[DIGEST_STRSZ], *pins = NULL;
	size_t	 i, len = 0;

	if ((fp = open_memstream(&pins, &len)) == NULL)
		return NULL;
	for (i = 0; i < rel->nbootstrap; i++) {
		digest_format(&rel->bootstrap[i].digest, dstr);
		fprintf(fp, "%s%s=%s:%llu", i > 0 ? " " : "",
		    rel->bootstrap[i].id, dstr,
		    (unsigned long long)rel->bootstrap[i].size);
	}
	if (fclose(fp) != 0) {
		free(pins);
		return NULL;
	}
	return pins;
}

/* The template with each of the n keys replaced by its value. */
static char *
fill_template(const char *tmpl, const char *const *keys,
    const char *const *vals, size_t n)
{
	const char	*p;
	FILE		*fp;
	char		*out = NULL;
	size_t		 k, len = 0;

	if ((fp = open_memstream(&out, &len)) == NULL)
		return NULL;
	for (p = tmpl; *p != '\0'; ) {
		for (k = 0; k < n; k++)
			if (strncmp(p, keys[k], strlen(keys[k])) == 0)
				break;
		if (k < n) {
			fputs(vals[k], fp);
			p += strlen(keys[k]);
		} else
			fputc(*p++, fp);
	}
	if (fclose(fp) != 0) {
		free(out);
		return NULL;
	}
	return out;
}

/*
 * An install script: dcos_install.sh (ps1 0) or dcos_install.ps1 (ps1 1),
 * its template with the same @DCOS_...@ values put in, quoted for its
 * shell.
 */
static char *
install_script(const struct release *rel, const json_t *eff,
    const struct digest *cm, size_t cmsize, int ps1, char **errp)
{
	static const char *const keys[] = {
		"@DCOS_CLUSTER_MANIFEST_SIZE@", "@DCOS_CLUSTER_MANIFEST@",
		"@DCOS_BOOTSTRAP_URL@", "@DCOS_BOOTSTRAP_PINS@",
		"@DCOS_CLUSTER_NAME@", "@DCOS_RELEASE@"
	};
	const char	*vals[6], *name;
	char		 dstr[DIGEST_STRSZ], size[32];
	char		*pins = NULL, *rname = NULL, *out = NULL, *qname = NULL;

	if ((name = config_str(eff, "cluster_name", errp)) == NULL ||
	    (vals[2] = config_str(eff, "bootstrap_url", errp)) == NULL)
		return NULL;
	if ((vals[4] = qname = script_single_quoted(name, ps1)) == NULL ||
	    (pins = bootstrap_pins(rel)) == NULL ||
	    asprintf(&rname, "%s-%s", rel->rm->name, rel->rm->version) == -1) {
		rname = NULL;
		goto out;
	}
	digest_format(cm, dstr);
	snprintf(size, sizeof(size), "%zu", cmsize);
	vals[0] = size;
	vals[1] = dstr;
	vals[3] = pins;
	vals[5] = rname;
	out = fill_template(ps1 ? (const char *)install_template_ps1 :
	    (const char *)install_template, keys, vals, 6);
out:
	if (out == NULL)
		err_set(errp, "out of memory");
	free(qname);
	free(pins);
	free(rname);
	return out;
}

/* Newest first; an older copy of the same manifest moves up. */
static int
index_manifests(json_t *list, const struct store_index *old,
    const struct digest *cm)
{
	char	 dstr[DIGEST_STRSZ];
	size_t	 i;
	int	 bad;

	digest_format(cm, dstr);
	bad = json_array_append_new(list, json_string(dstr));
	for (i = 0; old != NULL && i < old->nmanifests; i++) {
		if (digest_equal(&old->manifests[i], cm))
			continue;
		digest_format(&old->manifests[i], dstr);
		bad |= json_array_append_new(list, json_string(dstr));
	}
	return bad;
}

/* This release first, then the others the old index lists. */
static int
index_releases(json_t *rels, const struct store_index *old,
    const struct release *rel, const struct digest *recipe)
{
	json_t	*o, *v;
	char	 dstr[DIGEST_STRSZ], *tarname = NULL, *signame = NULL;
	size_t	 i;
	int	 bad;

	if (asprintf(&tarname, "%s/%s-%s.tar", STORE_RELEASE_DIR,
	    rel->rm->name, rel->rm->version) == -1)
		return -1;
	if (asprintf(&signame, "%s.minisig", tarname) == -1) {
		free(tarname);
		return -1;
	}
	if ((bad = json_array_append_new(rels, o = json_object())) == 0) {
		bad |= json_object_set_new(o, "name",
		    json_string(rel->rm->name));
		bad |= json_object_set_new(o, "version",
		    json_string(rel->rm->version));
		bad |= json_object_set_new(o, "seq",
		    json_integer(rel->rm->seq));
		bad |= json_object_set_new(o, "path", json_string(tarname));
		digest_format(&rel->tar_digest, dstr);
		bad |= json_object_set_new(o, "digest", json_string(dstr));
		bad |= json_object_set_new(o, "signature",
		    json_string(signame));
		digest_format(recipe, dstr);
		bad |= json_object_set_new(o, "recipe", json_string(dstr));
	}
	for (i = 0; old != NULL && i < old->nreleases; i++) {
		if (strcmp(old->releases[i].name, rel->rm->name) == 0 &&
		    strcmp(old->releases[i].version, rel->rm->version) == 0)
			continue;
		v = json_object_get(old->json, "releases");
		bad |= json_array_append(rels, json_array_get(v, i));
	}
	free(tarname);
	free(signame);
	return bad;
}

/*
 * A release older (lower seq) than the one the store last made current
 * is refused unless allowed: hosts would refuse it as a downgrade.  An
 * allowed one is journaled in the index's "downgrades", which is kept
 * from the old index.  0, or -1 with *errp.
 */
static int
index_downgrades(json_t *root, const struct store_index *old,
    const struct release *rel, const struct digest *cm, int allow,
    char **errp)
{
	const struct store_release	*cur;
	json_t				*list, *e;
	char				 dstr[DIGEST_STRSZ], when[32];
	time_t				 now = time(NULL);
	struct tm			 tm;

	list = old != NULL ? json_object_get(old->json, "downgrades") : NULL;
	list = json_is_array(list) ? json_deep_copy(list) : NULL;
	if (old == NULL || old->nreleases == 0 ||
	    old->releases[0].seq <= rel->rm->seq)
		goto keep;
	cur = &old->releases[0];
	if (!allow) {
		json_decref(list);
		return err_set(errp, "release %s-%s (seq %lld) is older than "
		    "%s-%s (seq %lld), the store's current release: hosts "
		    "refuse a downgrade; pass --allow-downgrade to make it "
		    "current anyway (and run dcos_install.sh with "
		    "--allow-downgrade)", rel->rm->name, rel->rm->version,
		    (long long)rel->rm->seq, cur->name, cur->version,
		    (long long)cur->seq);
	}
	log_warn("release %s-%s (seq %lld) replaces the newer %s-%s (seq "
	    "%lld) as current (--allow-downgrade, recorded in index.json)",
	    rel->rm->name, rel->rm->version, (long long)rel->rm->seq, cur->name,
	    cur->version, (long long)cur->seq);
	if (list == NULL && (list = json_array()) == NULL)
		return err_set(errp, "out of memory");
	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	digest_format(cm, dstr);
	if ((e = json_pack("{s:s, s:{s:s, s:s, s:I}, s:{s:s, s:s, s:I}, "
	    "s:s}", "time", when, "from", "name", cur->name, "version",
	    cur->version, "seq", (json_int_t)cur->seq, "to", "name",
	    rel->rm->name, "version", rel->rm->version, "seq", (json_int_t)rel->rm->seq,
	    "cluster_manifest", dstr)) == NULL ||
	    json_array_append_new(list, e) == -1) {
		json_decref(list);
		return err_set(errp, "out of memory");
	}
keep:
	if (list != NULL && json_object_set_new(root, "downgrades", list) ==
	    -1)
		return err_set(errp, "out of memory");
	return 0;
}

static json_t *
new_index(const char *path, const struct digest *cm, const struct digest *sd,
    const struct digest *sdwin, const struct release *rel,
    const struct digest *recipe,
    int allow_downgrade, char **errp)
{
	struct store_index	*old = NULL;
	json_t			*root = NULL, *list, *rels, *o;
	char			 dstr[DIGEST_STRSZ];
	int			 bad = 0;

	if (access(path, F_OK) == 0 &&
	    store_index_load(path, &old, errp) == -1) {
		err_wrap(errp, "the store's index is damaged; move %s away or "
		    "repair it", path);
		return NULL;
	}
	if ((root = json_object()) == NULL)
		goto oom;
	if (index_downgrades(root, old, rel, cm, allow_downgrade, errp) ==
	    -1) {
		store_index_free(old);
		json_decref(root);
		return NULL;
	}
	digest_format(cm, dstr);
	bad |= json_object_set_new(root, "format", json_integer(1));
	bad |= json_object_set_new(root, "current", json_string(dstr));
	bad |= json_object_set_new(root, "cluster_manifests",
	    list = json_array());
	bad |= json_object_set_new(root, "install_script", o = json_object());
	bad |= json_object_set_new(root, "releases", rels = json_array());
	if (bad)
		goto oom;
	bad |= json_object_set_new(o, "path",
	    json_string(STORE_INSTALL_SCRIPT));
	digest_format(sd, dstr);
	bad |= json_object_set_new(o, "digest", json_string(dstr));
	if (!bad && sdwin != NULL) {
		bad |= json_object_set_new(root, "install_script_windows",
		    o = json_object());
		bad |= bad ? 0 : json_object_set_new(o, "path",
		    json_string(STORE_INSTALL_SCRIPT_WINDOWS));
		digest_format(sdwin, dstr);
		bad |= bad ? 0 : json_object_set_new(o, "digest",
		    json_string(dstr));
	}
	bad |= index_manifests(list, old, cm);
	bad |= index_releases(rels, old, rel, recipe);
	if (bad)
		goto oom;
	store_index_free(old);
	return root;
oom:
	store_index_free(old);
	json_decref(root);
	err_set(errp, "out of memory");
	return NULL;
}

/*
 * The config package of one platform (windows 0: Linux), from the
 * template files marked for it.
 */
static int
build_config_package(struct gen *g, const struct config_output *co,
    const char *id, int windows, struct pkg_info *info, char **errp)
{
	static const char	 linux_pkginfo[] = "{}\n";
	static const char	 win_pkginfo[] = "{\"platform\": \"windows\"}\n";
	struct pkg_tree		*t;
	char			*tmp = NULL;
	size_t			 i;
	int			 fd = -1, have_pkginfo = 0, need, rc = -1;

	if ((t = pkg_tree_new(id, errp)) == NULL)
		return -1;
	for (i = 0; i < co->nfiles; i++) {
		/* Secrets: in the sealed bundles, never in a served package. */
		if (co->files[i].secret || co->files[i].windows != windows)
			continue;
		if (strcmp(co->files[i].path, PKG_PKGINFO) == 0)
			have_pkginfo = 1;
		if (pkg_tree_add_data(t, co->files[i].path,
		    co->files[i].content, co->files[i].len, co->files[i].mode,
		    errp) == -1) {
			err_wrap(errp, "config package");
			goto out;
		}
	}
	if (!have_pkginfo && pkg_tree_add_data(t, PKG_PKGINFO, windows ?
	    win_pkginfo : linux_pkginfo, windows ? sizeof(win_pkginfo) - 1 :
	    sizeof(linux_pkginfo) - 1, 0644, errp) == -1)
		goto out;
	if (stage_open(g, &tmp, &fd, errp) == -1)
		goto out;
	if (pkg_tree_write(t, fd, info, errp) == -1) {
		err_wrap(errp, "config package");
		goto out;
	}
	if ((info->platform == PLATFORM_WINDOWS) != windows) {
		err_set(errp, "config package %s: its template pkginfo.json "
		    "says platform %s", id, platform_name(info->platform));
		goto out;
	}
	if (close(fd) == -1) {
		fd = -1;
		err_sys(errp, "%s", tmp);
		goto out;
	}
	fd = -1;
	if ((need = blob_needed(g, &info->digest, info->size, errp)) == -1)
		goto out;
	if (need) {
		if (stage_add(g, &info->digest, info->size, tmp, errp) == -1)
			goto out;
		tmp = NULL;
	}
	rc = 0;
out:
	if (fd != -1)
		close(fd);
	if (tmp != NULL)
		unlink(tmp);
	free(tmp);
	pkg_tree_free(t);
	return rc;
}

/*
 * The script's signature follows the script; without --sign-key an older
 * signature is removed, as it would not match the new script.
 */
static int
write_script_sig(const char *sig, const char *script_path, char **errp)
{
	char	*p;
	int	 rc = 0;

	if (asprintf(&p, "%s.minisig", script_path) == -1)
		return err_set(errp, "out of memory");
	if (sig != NULL)
		rc = atomic_write_file(p, sig, strlen(sig), 0644, errp);
	else if (unlink(p) == 0)
		rc = fsync_parent(p, errp);
	else if (errno != ENOENT)
		rc = err_sys(errp, "%s", p);
	free(p);
	return rc;
}

/*
 * Signs an install script (file: dcos_install.sh or .ps1) with the
 * site's key (trusted comment file, sha256).
 */
static int
sign_script(const struct minisign_seckey *sk, const char *file,
    const char *script, const struct digest *d, char **outp, char **errp)
{
	uint8_t		 hash[MINISIGN_HASH_LEN];

	if (minisign_prehash_buf(script, strlen(script), hash, errp) == -1)
		return -1;
	return genconf_sign(sk, hash, "site key", file, d, 0, outp, errp);
}

/*
 * dcos_install.ps1 and its signature, or with script NULL (a release
 * without Windows packages) neither: an older one would pin another
 * cluster manifest.
 */
static int
write_ps1(struct gen *g, const char *script, char **errp)
{
	char	*p;
	int	 rc;

	if ((p = path_join(g->serve, STORE_INSTALL_SCRIPT_WINDOWS)) == NULL)
		return err_set(errp, "out of memory");
	if (script != NULL)
		rc = atomic_write_file(p, script, strlen(script), 0644, errp);
	else if (unlink(p) == 0)
		rc = fsync_parent(p, errp);
	else
		rc = errno == ENOENT ? 0 : err_sys(errp, "%s", p);
	if (rc == 0)
		rc = write_script_sig(script != NULL ? g->script_sig_ps1 :
		    NULL, p, errp);
	free(p);
	return rc;
}

/* The staged blobs, renamed into blobs/ and made durable there. */
static int
commit_blobs(struct gen *g, char **errp)
{
	char	*p;
	size_t	 i;

	for (i = 0; i < g->n; i++) {
		if ((p = store_blob_path(g->serve, &g->v[i].digest)) == NULL)
			return err_set(errp, "out of memory");
		if (fsync_path(g->v[i].tmp, errp) == -1) {
			free(p);
			return -1;
		}
		if (rename(g->v[i].tmp, p) == -1) {
			err_sys(errp, "rename %s", p);
			free(p);
			return -1;
		}
		free(p);
		free(g->v[i].tmp);
		g->v[i].tmp = NULL;
	}
	return fsync_dir(g->blobdir, errp);
}

/*
 * From here on the store changes: blobs (the recipe's among them), the
 * tar's signature, script, index.  A tar an older generate put in
 * releases/ goes once the index names the recipe instead.
 */
static int
commit(struct gen *g, const struct release *rel, const char *script,
    const char *ps1, const json_t *index, char **errp)
{
	char	*p = NULL, *rdir = NULL, *tar = NULL, *sig = NULL, *idx = NULL;
	int	 rc = -1;

	if ((rdir = path_join(g->serve, STORE_RELEASE_DIR)) == NULL ||
	    asprintf(&tar, "%s/%s-%s.tar", rdir, rel->rm->name,
	    rel->rm->version) == -1 || asprintf(&sig, "%s.minisig", tar) == -1 ||
	    (idx = path_join(g->serve, STORE_INDEX)) == NULL ||
	    (p = path_join(g->serve, STORE_INSTALL_SCRIPT)) == NULL) {
		err_set(errp, "out of memory");
		goto out;
	}
	if (mkdir_p(g->blobdir, 0755, errp) == -1 ||
	    mkdir_p(rdir, 0755, errp) == -1 ||
	    commit_blobs(g, errp) == -1 ||
	    atomic_write_file(sig, rel->tar_sig_text.text,
	    rel->tar_sig_text.len, 0644, errp) == -1 ||
	    atomic_write_file(p, script, strlen(script), 0755, errp) == -1 ||
	    write_script_sig(g->script_sig, p, errp) == -1 ||
	    write_ps1(g, ps1, errp) == -1 ||
	    jsonio_write(idx, index, 0644, errp) == -1)
		goto out;
	if (unlink(tar) == 0)
		rc = fsync_parent(tar, errp);
	else if (errno != ENOENT)
		rc = err_sys(errp, "%s", tar);
	else
		rc = 0;
out:
	free(p);
	free(rdir);
	free(tar);
	free(sig);
	free(idx);
	return rc;
}

/* Removes one staging directory left by a run that was killed. */
static void
remove_stale(const char *dir, const char *name)
{
	DIR		*d;
	struct dirent	*de;
	char		*p, *q;

	if ((p = path_join(dir, name)) == NULL)
		return;
	if ((d = opendir(p)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (strncmp(de->d_name, "blob.", 5) != 0 ||
			    (q = path_join(p, de->d_name)) == NULL)
				continue;
			unlink(q);
			free(q);
		}
		closedir(d);
	}
	if (rmdir(p) == 0)
		log_verbose("removed %s, left by an interrupted run", p);
	free(p);
}

/* Under the lock, staging directories of earlier runs are debris. */
static void
remove_stale_stages(struct gen *g)
{
	const char	*dirs[2] = { g->serve, g->genconf };
	const char	*prefix[2] = { ".staging.", ".serve-staging." };
	DIR		*d;
	struct dirent	*de;
	int		 i;

	for (i = 0; i < 2; i++) {
		if ((d = opendir(dirs[i])) == NULL)
			continue;
		while ((de = readdir(d)) != NULL)
			if (strncmp(de->d_name, prefix[i],
			    strlen(prefix[i])) == 0)
				remove_stale(dirs[i], de->d_name);
		closedir(d);
	}
}

static int
make_stage(struct gen *g, char **errp)
{
	struct stat	 st;
	char		*tmpl;

	/* Inside the store when it exists, so renames stay on its file system. */
	if (stat(g->serve, &st) == 0 && S_ISDIR(st.st_mode))
		tmpl = path_join(g->serve, ".staging.XXXXXX");
	else
		tmpl = path_join(g->genconf, ".serve-staging.XXXXXX");
	if (tmpl == NULL)
		return err_set(errp, "out of memory");
	if (mkdtemp(tmpl) == NULL) {
		err_sys(errp, "cannot create a staging directory %s", tmpl);
		free(tmpl);
		return -1;
	}
	g->stage = tmpl;
	return 0;
}

/* What one generate run holds; run_free releases it. */
struct run {
	struct config_opts	 o;
	const char		*signpath;	/* --sign-key, or NULL */
	int			 allow_downgrade;
	struct minisign_pubkey	*keys;
	size_t			 nkeys;
	struct minisign_seckey	 sk;
	int			 have_sk;
	char			*relpath;
	int			 lockfd;
	struct gen		 g;
	struct release		*rel;
	struct config_output	 co;
	char			 cid[DIGEST_HEXLEN + 1];
	char			*pkgid;		/* config package */
	char			*pkgid_win;	/* or NULL: no Windows package */
	struct digest		 cm;		/* of cluster.json */
	size_t			 cmlen;
	struct sealed		*secrets;	/* one per role with secrets */
	size_t			 nsecrets;
};

static void
run_init(struct run *r)
{
	memset(r, 0, sizeof(*r));
	r->lockfd = -1;
	r->g.fd = -1;
}

static void
run_free(struct run *r)
{
	OPENSSL_cleanse(&r->sk, sizeof(r->sk));
	gen_cleanup(&r->g);
	/* The lock goes last: the staging directory is gone by now. */
	if (r->lockfd != -1)
		close(r->lockfd);
	config_output_free(&r->co);
	release_free(r->rel);
	free(r->keys);
	free(r->relpath);
	free(r->pkgid);
	free(r->secrets);
	free(r->pkgid_win);
	config_opts_free(&r->o);
}

static int
generate_opt(int opt, const char *arg, void *ctx)
{
	struct run	*r = ctx;

	switch (opt) {
	case 's':
		r->signpath = arg;
		return 0;
	case 'D':
		r->allow_downgrade = 1;
		return 0;
	}
	return -1;
}

/* The trusted keys, the site's signing key and the release's path. */
static int
load_inputs(struct run *r, char **errp)
{
	if (config_load_keys(&r->o, &r->keys, &r->nkeys, errp) == -1)
		return -1;
	if (r->signpath != NULL) {
		if (minisign_seckey_load(r->signpath, &r->sk, errp) == -1)
			return -1;
		r->have_sk = 1;
	}
	return config_release_path(&r->o, &r->relpath, errp);
}

/* Locks the site, then makes the staging directory. */
static int
open_site(struct run *r, char **errp)
{
	struct gen	*g = &r->g;

	g->genconf = r->o.genconf;
	if ((g->serve = path_join(g->genconf, "serve")) == NULL ||
	    (g->blobdir = path_join(g->serve, STORE_BLOB_DIR)) == NULL)
		return err_set(errp, "out of memory");
	if (access(g->genconf, F_OK) != 0)
		return err_set(errp, "%s: no such directory: run dcos-genconf "
		    "where genconf/config.yaml is, or give --genconf DIR",
		    g->genconf);
	if ((r->lockfd = site_lock(g->genconf, errp)) == -1)
		return -1;
	remove_stale_stages(g);
	return make_stage(g, errp);
}

/* Reads the release tar once: verified, and what hosts need staged. */
static int
verify_release(struct run *r, char **errp)
{
	struct release_sink	 sink;

	sink.begin = sink_begin;
	sink.data = sink_data;
	sink.end = sink_end;
	sink.arg = &r->g;
	sink.want_recipe = 1;
	if (release_load_sink(r->relpath, r->keys, r->nkeys, &sink, &r->rel,
	    errp) == -1)
		return -1;
	log_verbose("release %s-%s (seq %lld) verified", r->rel->rm->name,
	    r->rel->rm->version, (long long)r->rel->rm->seq);
	return 0;
}

/* The roles of the release (DC/OS's three when it names none). */
static size_t
release_role_names(const struct release *rel, const char **names,
    size_t max)
{
	static const char *const dflt[] = { "master", "slave",
	    "slave_public" };
	size_t	 i, n;

	n = rel->rm->nroles > 0 ? rel->rm->nroles : 3;
	n = n < max ? n : max;
	for (i = 0; i < n; i++)
		names[i] = rel->rm->nroles > 0 ? rel->rm->roles[i].name :
		    dflt[i];
	return n;
}

/*
 * The site's public key, which seals the bundles: genconf/site.pub (or,
 * when only the pair's private half is there, site.key).
 */
static int
site_pubkey(const char *genconf, const char *first, struct seal_key *k,
    char **errp)
{
	char	*pub = NULL, *sec = NULL;
	int	 rc = -1;

	if ((pub = path_join(genconf, SITE_PUB)) == NULL ||
	    (sec = path_join(genconf, SITE_KEY)) == NULL) {
		err_set(errp, "out of memory");
		goto out;
	}
	if (access(pub, F_OK) == -1 && access(sec, F_OK) == -1) {
		err_set(errp, "%s holds a secret: it goes into bundles sealed "
		    "to the site key, and there is no %s: run 'dcos-genconf "
		    "keygen --site' (then give each host %s out of band)",
		    first, pub, SITE_KEY);
		goto out;
	}
	rc = seal_key_load(access(pub, F_OK) == 0 ? pub : sec, k, errp);
	k->has_sec = 0;
	OPENSSL_cleanse(k->sec, sizeof(k->sec));
out:
	free(pub);
	free(sec);
	return rc;
}

/*
 * The owner of a secret file is root or a user a Linux package of the
 * release declares (pkginfo.json username): every Linux package goes to
 * every host, and activation makes its user before it gives the file to
 * it.  0 or -1 with *errp.
 */
static int
owner_declared(const struct release_manifest *rm, const struct config_file *f,
    char **errp)
{
	size_t	 i;

	if (f->owner == NULL || strcmp(f->owner, "root") == 0)
		return 0;
	for (i = 0; i < rm->npackages; i++)
		if (rm->packages[i].platform == PLATFORM_LINUX &&
		    rm->packages[i].username != NULL &&
		    strcmp(rm->packages[i].username, f->owner) == 0)
			return 0;
	return err_set(errp, "config package file %s: owner %s is a user no "
	    "package of the release declares (pkginfo.json username), so no "
	    "host would have it: give the template the user of the package "
	    "that reads the file, or root", f->path, f->owner);
}

/* Seals and stages the bundle of one role (nothing when it has none). */
static int
stage_role_secrets(struct run *r, const struct seal_key *k,
    const char *role, struct secret_file *v, char **errp)
{
	const struct config_output	*co = &r->co;
	struct stat			 st;
	char				*dest = NULL;
	char *const			*roles = (char *const *)&role;
	uint8_t				*box = NULL;
	size_t				 i, n = 0, len;
	int				 place, rc = -1;

	for (i = 0; i < co->nfiles; i++) {
		if (!co->files[i].secret)
			continue;
		if ((place = gen_place(roles, 1, co->files[i].path, &dest)) ==
		    -1)
			return err_set(errp, "out of memory");
		free(dest);
		if (place != GEN_FARM)
			continue;
		v[n].path = co->files[i].path;
		v[n].mode = co->files[i].mode;
		v[n].owner = co->files[i].owner;
		v[n].content = (uint8_t *)co->files[i].content;
		v[n++].len = co->files[i].len;
	}
	if (n == 0)
		return 0;
	if (secrets_seal(k, r->cid, role, v, n, &box, &len, errp) == -1 ||
	    stage_buf(&r->g, box, len, &r->secrets[r->nsecrets].digest,
	    errp) == -1)
		goto out;
	/*
	 * Sealed, yet only for the store's owner and group (README): the
	 * group of the store's directory, so a server run as a member of it
	 * (dcos-artifactd serve --user) reads them.
	 */
	if (stat(access(r->g.serve, F_OK) == 0 ? r->g.serve : r->g.genconf,
	    &st) == -1) {
		err_sys(errp, "%s", r->g.serve);
		goto out;
	}
	for (i = 0; i < r->g.n; i++)
		if (digest_equal(&r->g.v[i].digest,
		    &r->secrets[r->nsecrets].digest) && r->g.v[i].tmp != NULL &&
		    (chown(r->g.v[i].tmp, (uid_t)-1, st.st_gid) == -1 ||
		    chmod(r->g.v[i].tmp, 0640) == -1)) {
			err_sys(errp, "chown or chmod %s", r->g.v[i].tmp);
			goto out;
		}
	r->secrets[r->nsecrets].role = role;
	r->secrets[r->nsecrets++].size = len;
	rc = 0;
out:
	free(box);
	return rc;
}

/*
 * The files that hold secrets go to a sealed bundle for each role that
 * receives them (gen_place, the hosts' own rule); a site without any
 * needs no key and gets no bundle.
 */
static int
stage_secrets(struct run *r, char **errp)
{
	const struct config_output	*co = &r->co;
	const char			*roles[16], *first = NULL;
	struct secret_file		*v = NULL;
	struct seal_key			 k;
	char				*dest;
	size_t				 i, j, nroles;
	int				 place, any, rc = -1;

	memset(&k, 0, sizeof(k));
	nroles = release_role_names(r->rel, roles, 16);
	for (i = 0; i < co->nfiles; i++) {
		if (!co->files[i].secret)
			continue;
		if (co->files[i].windows)
			return err_set(errp, "config package file %s holds a "
			    "secret and is for Windows hosts, which take no "
			    "secrets bundle yet: leave the secret out of its "
			    "template", co->files[i].path);
		if (first == NULL)
			first = co->files[i].path;
		for (any = 0, j = 0; j < nroles; j++) {
			if ((place = gen_place((char *const *)&roles[j], 1,
			    co->files[i].path, &dest)) == -1)
				return err_set(errp, "out of memory");
			free(dest);
			any |= place == GEN_FARM;
		}
		if (!any)
			return err_set(errp, "config package file %s holds a "
			    "secret but is not under bin, lib, etc, include "
			    "or a role variant of one: no host would get it",
			    co->files[i].path);
		if (owner_declared(r->rel->rm, &co->files[i], errp) == -1)
			return -1;
	}
	if (first == NULL)
		return 0;
	if (site_pubkey(r->g.genconf, first, &k, errp) == -1)
		return -1;
	if ((v = calloc(co->nfiles + 1, sizeof(*v))) == NULL ||
	    (r->secrets = calloc(nroles + 1, sizeof(*r->secrets))) == NULL) {
		err_set(errp, "out of memory");
		goto out;
	}
	for (j = 0; j < nroles; j++)
		if (stage_role_secrets(r, &k, roles[j], v, errp) == -1)
			goto out;
	rc = 0;
out:
	free(v);
	return rc;
}

/*
 * Stages the config packages, the secrets bundles, release.json, its
 * signature, cluster.json.
 */
static int
stage_cluster(struct run *r, char **errp)
{
	struct cluster_in	 ci;
	struct digest		 dummy;
	json_t			*cj = NULL;
	char			*text = NULL;
	int			 rc = -1;

	if (config_id(r->co.effective, &r->rel->manifest_digest, r->cid) ==
	    -1 || asprintf(&r->pkgid, "dcos-config--setup_%s", r->cid) == -1) {
		r->pkgid = NULL;
		return err_set(errp, "out of memory");
	}
	memset(&ci, 0, sizeof(ci));
	ci.rel = r->rel;
	ci.eff = r->co.effective;
	ci.config_id = r->cid;
	ci.config_pkg_id = r->pkgid;
	ci.keys = r->keys;
	ci.nkeys = r->nkeys;
	if (stage_secrets(r, errp) == -1)
		goto out;
	ci.secrets = r->secrets;
	ci.nsecrets = r->nsecrets;
	if (release_has_windows(r->rel->rm)) {
		if (asprintf(&r->pkgid_win, "dcos-config-windows--setup_%s",
		    r->cid) == -1) {
			r->pkgid_win = NULL;
			return err_set(errp, "out of memory");
		}
		ci.config_pkg_id_win = r->pkgid_win;
		if (build_config_package(&r->g, &r->co, r->pkgid_win, 1,
		    &ci.config_pkg_win, errp) == -1)
			return -1;
	}
	if (build_config_package(&r->g, &r->co, r->pkgid, 0, &ci.config_pkg,
	    errp) == -1 ||
	    stage_buf(&r->g, r->rel->manifest_text.text,
	    r->rel->manifest_text.len, &dummy, errp) == -1 ||
	    stage_buf(&r->g, r->rel->sig_text.text, r->rel->sig_text.len,
	    &dummy, errp) == -1 || (cj = cluster_json(&ci, errp)) == NULL)
		goto out;
	if ((text = json_blob_text(cj, &r->cmlen)) == NULL) {
		err_set(errp, "out of memory");
		goto out;
	}
	if (check_cluster_json(text, r->cmlen, errp) == -1 ||
	    stage_buf(&r->g, text, r->cmlen, &r->cm, errp) == -1)
		goto out;
	rc = 0;
out:
	json_decref(cj);
	free(text);
	return rc;
}

/*
 * A recipe blob reader's view of the store being made: staged blobs,
 * then the store's own.
 */
static int
gen_blob_open(void *arg, const struct digest *d, uint64_t size, char **errp)
{
	struct gen	*g = arg;
	struct stat	 st;
	size_t		 i;
	int		 fd;

	for (i = 0; i < g->n; i++) {
		if (!digest_equal(&g->v[i].digest, d))
			continue;
		if ((fd = open(g->v[i].tmp, O_RDONLY | O_CLOEXEC)) == -1)
			return err_sys(errp, "%s", g->v[i].tmp);
		if (fstat(fd, &st) == -1 || (uint64_t)st.st_size != size) {
			close(fd);
			return err_set(errp, "%s: not %llu bytes", g->v[i].tmp,
			    (unsigned long long)size);
		}
		return fd;
	}
	return recipe_store_open(g->serve, d, size, errp);
}

/*
 * The release's recipe, staged once the tar it rebuilds from the staged
 * and stored blobs is the signed one: the store then holds the release
 * once.  A recipe the store has intact was checked when it was written,
 * and this run checked every blob it names: the same bytes, no second
 * pass over the release.  *dp gets the recipe blob's digest.
 */
static int
stage_recipe(struct gen *g, const struct recipe *rc, struct digest *dp,
    char **errp)
{
	struct recipe_resolver	 res = { gen_blob_open, g };
	char			*text;
	size_t			 len;
	int			 ret = -1;

	if ((text = recipe_text(rc, &len, errp)) == NULL)
		return -1;
	digest_buf(text, len, dp);
	if ((ret = blob_needed(g, dp, len, errp)) == 1 &&
	    recipe_digest(rc, &res, NULL, errp) == -1)
		ret = err_wrap(errp, "the store cannot rebuild the release "
		    "tar (nothing was changed)");
	else if (ret == 1)
		ret = stage_buf(g, text, len, dp, errp);
	free(text);
	return ret;
}

/*
 * dcos_install.sh and, with a Windows package, dcos_install.ps1 (signed
 * with --sign-key), the release's recipe and index.json, committed.
 */
static int
write_store(struct run *r, char **errp)
{
	struct digest	 sd, sdwin, rd;
	json_t		*index = NULL;
	char		*script = NULL, *ps1 = NULL, *idxpath = NULL;
	int		 rc = -1;

	if ((script = install_script(r->rel, r->co.effective, &r->cm,
	    r->cmlen, 0, errp)) == NULL)
		goto out;
	digest_buf(script, strlen(script), &sd);
	if (r->have_sk && sign_script(&r->sk, STORE_INSTALL_SCRIPT, script,
	    &sd, &r->g.script_sig, errp) == -1)
		goto out;
	if (r->pkgid_win != NULL) {
		if ((ps1 = install_script(r->rel, r->co.effective, &r->cm,
		    r->cmlen, 1, errp)) == NULL)
			goto out;
		digest_buf(ps1, strlen(ps1), &sdwin);
		if (r->have_sk && sign_script(&r->sk,
		    STORE_INSTALL_SCRIPT_WINDOWS, ps1, &sdwin,
		    &r->g.script_sig_ps1, errp) == -1)
			goto out;
	}
	if ((idxpath = path_join(r->g.serve, STORE_INDEX)) == NULL) {
		err_set(errp, "out of memory");
		goto out;
	}
	if (stage_recipe(&r->g, r->rel->recipe, &rd, errp) == -1 ||
	    (index = new_index(idxpath, &r->cm, &sd, ps1 != NULL ? &sdwin :
	    NULL, r->rel, &rd, r->allow_downgrade, errp)) == NULL ||
	    commit(&r->g, r->rel, script, ps1, index, errp) == -1)
		goto out;
	rc = 0;
out:
	json_decref(index);
	free(script);
	free(ps1);
	free(idxpath);
	return rc;
}

int
cmd_generate(int argc, char **argv)
{
	static const struct option extra[] = {
		{ "sign-key", required_argument, NULL, 's' },
		{ "allow-downgrade", no_argument, NULL, 'D' },
		{ NULL, 0, NULL, 0 }
	};
	const struct subcmd	*c = subcmd_find(genconf_commands, "generate");
	struct config_extra	 x = { "s:", extra, generate_opt, NULL };
	struct run		 r;
	char			*err = NULL, dstr[DIGEST_STRSZ];
	int			 rc;

	run_init(&r);
	x.ctx = &r;
	if ((rc = config_opts_parse(c, argc, argv, &x, &r.o)) != 0)
		return rc == 1 ? EXIT_OK : EXIT_USAGE;
	if (r.o.nkeys > MAX_KEYS) {
		log_error("at most %d --trusted-key", MAX_KEYS);
		rc = EXIT_USAGE;
		goto out;
	}
	rc = EXIT_FAIL;
	if (load_inputs(&r, &err) == -1 || open_site(&r, &err) == -1 ||
	    verify_release(&r, &err) == -1) {
		log_error("%s", err);
		goto out;
	}
	/* As validate: warnings, every problem on its line, a count. */
	if (config_compile_report(r.rel, r.g.genconf, &r.co) == -1)
		goto out;
	if (stage_cluster(&r, &err) == -1 || write_store(&r, &err) == -1) {
		log_error("%s", err);
		goto out;
	}
	digest_format(&r.cm, dstr);
	printf("%s %s\n", dstr, r.pkgid);
	log_info("%s: the store of release %s-%s (seq %lld)", r.g.serve,
	    r.rel->rm->name, r.rel->rm->version, (long long)r.rel->rm->seq);
	rc = EXIT_OK;
out:
	run_free(&r);
	free(err);
	return rc;
}
