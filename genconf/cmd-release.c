/* SPDX-License-Identifier: Apache-2.0 */
/*
 * release: package trees + bootstrap binaries + genconf schema/templates
 * -> the signed master artifact N-V.tar and N-V.tar.minisig.  Every input
 * is reduced to fixed metadata (owner 0, mtime 0, sorted order), so the
 * same inputs give the same bytes and the same signatures (Ed25519 is
 * deterministic).
 */
#include <config.h>

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "atomicio.h"
#include "error.h"
#include "genconf.h"
#include "jsonio.h"
#include "log.h"
#include "pkgblob.h"
#include "release.h"
#include "schema.h"
#include "subcmd.h"

#define IO_CHUNK	(1024 * 1024)
#define SEQ_MAX		9007199254740991LL	/* exact in any JSON reader */

struct input {
	char		*member;	/* name in the tar */
	char		*src;		/* file on disk, or NULL */
	int		 fd;		/* open temporary blob, or -1 */
	mode_t		 mode;
	struct digest	 digest;
	uint64_t	 size;
};

struct pkg {
	char		*dir;
	char		*id;
	char		*name;
	json_t		*pkginfo;
	struct pkg_info	 info;
	int		 fd;
};

struct build {
	const char	*name;
	const char	*version;
	json_int_t	 seq;
	const char	*outdir;
	struct pkg	*pkgs;
	size_t		 npkgs;
	struct input	*boot;		/* bootstrap binaries */
	size_t		 nboot;
	struct input	*gen;		/* schema first, then templates */
	size_t		 ngen;
	json_t		*roles;
};

struct tar_sink {
	int		 fd;
	struct sha256	*h;
	EVP_MD_CTX	*b2;
	uint64_t	 size;
};

static int
input_add(struct input **v, size_t *n, const char *member, const char *src,
    mode_t mode, char **errp)
{
	struct input	*nv;

	if ((nv = reallocarray(*v, *n + 1, sizeof(*nv))) == NULL)
		return err_set(errp, "out of memory");
	*v = nv;
	memset(&nv[*n], 0, sizeof(*nv));
	nv[*n].fd = -1;
	nv[*n].mode = mode;
	(*n)++;
	if ((nv[*n - 1].member = strdup(member)) == NULL ||
	    (nv[*n - 1].src = strdup(src)) == NULL)
		return err_set(errp, "out of memory");
	return 0;
}

static int
input_hash(struct input *in, char **errp)
{
	struct stat	 st;

	if (stat(in->src, &st) == -1)
		return err_sys(errp, "%s", in->src);
	if (!S_ISREG(st.st_mode))
		return err_set(errp, "%s: not a regular file", in->src);
	return digest_file(in->src, &in->digest, &in->size, errp);
}

static int
input_cmp(const void *a, const void *b)
{
	return strcmp(((const struct input *)a)->member,
	    ((const struct input *)b)->member);
}

static int
pkg_cmp(const void *a, const void *b)
{
	return strcmp(((const struct pkg *)a)->id, ((const struct pkg *)b)->id);
}

/* --bootstrap ARCH=FILE */
static int
add_bootstrap(struct build *b, const char *arg, char **errp)
{
	char		*arch = NULL, *member = NULL;
	const char	*eq;
	size_t		 i;
	int		 rc = -1;

	if ((eq = strchr(arg, '=')) == NULL || eq == arg || eq[1] == '\0')
		return err_set(errp, "--bootstrap '%s': give ARCH=FILE, e.g. "
		    "x86_64=./dcos-bootstrap", arg);
	if ((arch = strndup(arg, (size_t)(eq - arg))) == NULL)
		return err_set(errp, "out of memory");
	if (!arch_name_valid(arch)) {
		err_set(errp, "--bootstrap: '%s' is not an architecture name "
		    "(as uname -m prints it: x86_64, aarch64)", arch);
		goto out;
	}
	if (asprintf(&member, "bootstrap/%s/dcos-bootstrap", arch) == -1) {
		member = NULL;
		err_set(errp, "out of memory");
		goto out;
	}
	for (i = 0; i < b->nboot; i++)
		if (strcmp(b->boot[i].member, member) == 0) {
			err_set(errp, "--bootstrap %s is given twice", arch);
			goto out;
		}
	if (input_add(&b->boot, &b->nboot, member, eq + 1, 0755, errp) == -1 ||
	    input_hash(&b->boot[b->nboot - 1], errp) == -1)
		goto out;
	rc = 0;
out:
	free(arch);
	free(member);
	return rc;
}

static int
yaml_name(const char *n)
{
	size_t	 len = strlen(n);

	return n[0] != '.' && len > 5 && strcmp(n + len - 5, ".yaml") == 0;
}

/* --genconf DIR: schema.yaml and the *.yaml files of templates/. */
/* One template, as member genconf/templates/NAME. */
static int
add_template(struct build *b, const char *tdir, const char *name,
    char **errp)
{
	char	*p = NULL, *member = NULL;
	int	 rc = -1;

	if ((p = path_join(tdir, name)) == NULL ||
	    asprintf(&member, "genconf/templates/%s", name) == -1) {
		member = NULL;
		err_set(errp, "out of memory");
		goto out;
	}
	if (input_add(&b->gen, &b->ngen, member, p, 0644, errp) == -1 ||
	    input_hash(&b->gen[b->ngen - 1], errp) == -1)
		goto out;
	if (b->gen[b->ngen - 1].size > RELEASE_TEXT_MAX) {
		err_set(errp, "%s: larger than %d bytes", p, RELEASE_TEXT_MAX);
		goto out;
	}
	rc = 0;
out:
	free(p);
	free(member);
	return rc;
}

/* The *.yaml of tdir, after the schema, sorted by name. */
static int
add_templates(struct build *b, const char *tdir, char **errp)
{
	DIR		*d;
	struct dirent	*de;
	int		 rc = -1;

	if ((d = opendir(tdir)) == NULL)
		return err_sys(errp, "%s (--genconf needs schema.yaml and "
		    "templates/*.yaml)", tdir);
	while ((errno = 0, de = readdir(d)) != NULL)
		if (yaml_name(de->d_name) &&
		    add_template(b, tdir, de->d_name, errp) == -1)
			goto out;
	if (errno != 0) {
		err_sys(errp, "%s", tdir);
		goto out;
	}
	if (b->ngen == 1) {
		err_set(errp, "%s: no *.yaml templates", tdir);
		goto out;
	}
	qsort(b->gen + 1, b->ngen - 1, sizeof(*b->gen), input_cmp);
	rc = 0;
out:
	closedir(d);
	return rc;
}

static int
add_genconf(struct build *b, const char *dir, char **errp)
{
	char	*p = NULL, *tdir = NULL;
	int	 rc = -1;

	if ((p = path_join(dir, "schema.yaml")) == NULL ||
	    (tdir = path_join(dir, "templates")) == NULL) {
		err_set(errp, "out of memory");
		goto out;
	}
	if (input_add(&b->gen, &b->ngen, "genconf/schema.yaml", p, 0644,
	    errp) == -1 || input_hash(&b->gen[0], errp) == -1 ||
	    add_templates(b, tdir, errp) == -1)
		goto out;
	if (b->gen[0].size > RELEASE_TEXT_MAX) {
		err_set(errp, "%s: larger than %d bytes", b->gen[0].src,
		    RELEASE_TEXT_MAX);
		goto out;
	}
	rc = 0;
out:
	free(p);
	free(tdir);
	return rc;
}

/*
 * The schema and templates, through the loader every site's validate and
 * generate will run: a release this dcos-genconf cannot load (or whose
 * checks are too costly to run, dcos-config.yaml(5)) is never signed.  The bytes checked must be the bytes hashed into the release.
 */
static int
check_genconf(struct build *b, char **errp)
{
	struct schema	*s = NULL;
	struct diags	 d = { NULL, 0, 0 };
	struct digest	 dg;
	char		*text = NULL, *msg = NULL;
	size_t		 i, len;
	int		 rc = -1;

	for (i = 0; i < b->ngen; i++) {
		free(text);
		text = NULL;
		if (read_file(b->gen[i].src, RELEASE_TEXT_MAX, &text, &len,
		    errp) == -1)
			goto out;
		digest_buf(text, len, &dg);
		if (!digest_equal(&dg, &b->gen[i].digest)) {
			err_set(errp, "%s: changed while the release was "
			    "built: run again", b->gen[i].src);
			goto out;
		}
		if (i == 0 && schema_parse(text, len, b->gen[i].src, &s,
		    errp) == -1) {
			err_wrap(errp, "refusing to sign a schema this "
			    "dcos-genconf cannot load");
			goto out;
		}
		if (i > 0 && template_check(text, len, b->gen[i].src, s,
		    &d) == -1) {
			err_set(errp, "out of memory");
			goto out;
		}
	}
	if (d.n > 0) {
		msg = diags_join(&d);
		err_set(errp, "refusing to sign templates this dcos-genconf "
		    "cannot render:\n%s", msg != NULL ? msg : "out of memory");
		goto out;
	}
	rc = 0;
out:
	free(msg);
	free(text);
	diags_clear(&d);
	schema_free(s);
	return rc;
}

/*
 * --roles FILE: {"master": {"ports": [53, ...], "requires": {...}}, ...},
 * by the rules every reader of release.json applies (lib/manifest), and
 * nothing it would drop: at least one role, no key but "ports" and
 * "requires".
 */
static json_t *
load_roles(const char *path, char **errp)
{
	struct release_role	*roles = NULL;
	json_t			*j, *v, *p;
	const char		*role, *k;
	size_t			 n;

	if ((j = jsonio_load(path, 1024 * 1024, errp)) == NULL)
		return NULL;
	if (!json_is_object(j) || json_object_size(j) == 0) {
		err_set(errp, "%s: must be an object of roles, e.g. "
		    "{\"master\": {\"ports\": [53]}}", path);
		goto bad;
	}
	if (release_roles_parse(j, path, &roles, &n, errp) == -1)
		goto bad;
	release_roles_free(roles, n);
	json_object_foreach(j, role, v)
		json_object_foreach(v, k, p)
			if (strcmp(k, "ports") != 0 &&
			    strcmp(k, "requires") != 0) {
				err_set(errp, "%s: %s: unknown key '%s'", path,
				    role, k);
				goto bad;
			}
	return j;
bad:
	json_decref(j);
	return NULL;
}

static int
tmp_blob(const char *outdir, char **errp)
{
	char	*tmpl;
	int	 fd;

	if ((tmpl = path_join(outdir, ".dcos-release.XXXXXX")) == NULL)
		return err_set(errp, "out of memory");
	if ((fd = mkostemp(tmpl, O_CLOEXEC)) == -1) {
		err_sys(errp, "%s", tmpl);
		free(tmpl);
		return -1;
	}
	/* Unnamed from now on: nothing is left behind whatever happens. */
	unlink(tmpl);
	free(tmpl);
	return fd;
}

static int
build_package(struct build *b, struct pkg *p, char **errp)
{
	struct pkg_tree	*t = NULL;
	char		*copy = NULL, *sep, hs[HUMAN_SIZE_LEN];
	size_t		 n;
	int		 rc = -1;

	if ((copy = strdup(p->dir)) == NULL)
		return err_set(errp, "out of memory");
	n = strlen(copy);
	while (n > 1 && copy[n - 1] == '/')
		copy[--n] = '\0';
	if ((p->id = strdup(basename(copy))) == NULL) {
		err_set(errp, "out of memory");
		goto out;
	}
	if ((t = pkg_tree_new(p->id, errp)) == NULL) {
		err_wrap(errp, "%s", p->dir);
		goto out;
	}
	sep = strstr(p->id, "--");
	if ((p->name = strndup(p->id, (size_t)(sep - p->id))) == NULL) {
		err_set(errp, "out of memory");
		goto out;
	}
	if (pkg_tree_scan(t, p->dir, errp) == -1 ||
	    (p->pkginfo = pkg_tree_pkginfo(t, errp)) == NULL ||
	    (p->fd = tmp_blob(b->outdir, errp)) == -1 ||
	    pkg_tree_write(t, p->fd, &p->info, errp) == -1)
		goto out;
	log_verbose("package %s: %zu entries, %s", p->id, p->info.files,
	    human_size(p->info.size, hs));
	rc = 0;
out:
	pkg_tree_free(t);
	free(copy);
	return rc;
}

/* The packages together, by lib/pkginfo's rules (pkg_set_check). */
static int
check_packages(struct build *b, char **errp)
{
	struct pkg_ref		*refs;
	enum pkg_platform	 pl;
	size_t			 i, n;
	int			 rc;

	qsort(b->pkgs, b->npkgs, sizeof(*b->pkgs), pkg_cmp);
	if ((refs = calloc(b->npkgs + 1, sizeof(*refs))) == NULL)
		return err_set(errp, "out of memory");
	/* Each platform's packages are one set: its hosts install them. */
	rc = 0;
	for (pl = PLATFORM_LINUX; rc == 0 && pl <= PLATFORM_WINDOWS; pl++) {
		for (i = n = 0; i < b->npkgs; i++) {
			if (b->pkgs[i].info.platform != pl)
				continue;
			refs[n].id = b->pkgs[i].id;
			refs[n++].pkginfo = b->pkgs[i].pkginfo;
		}
		if ((rc = pkg_set_check(refs, n, errp)) == -1 &&
		    pl == PLATFORM_WINDOWS)
			err_wrap(errp, "the Windows packages");
	}
	free(refs);
	return rc;
}

static int
set_digest(json_t *o, const char *key, const struct digest *d)
{
	char	 s[DIGEST_STRSZ];

	digest_format(d, s);
	return json_object_set_new(o, key, json_string(s));
}

static json_t *
release_json(struct build *b)
{
	json_t	*root, *pk, *bs, *gc, *tl, *o;
	size_t	 i;
	int	 bad = 0;

	if ((root = json_object()) == NULL)
		return NULL;
	bad |= json_object_set_new(root, "format", json_integer(1));
	bad |= json_object_set_new(root, "name", json_string(b->name));
	bad |= json_object_set_new(root, "version", json_string(b->version));
	bad |= json_object_set_new(root, "seq", json_integer(b->seq));
	bad |= json_object_set(root, "roles", b->roles);
	bad |= json_object_set_new(root, "packages", pk = json_array());
	bad |= json_object_set_new(root, "bootstrap", bs = json_object());
	for (i = 0; !bad && i < b->npkgs; i++) {
		struct pkg *p = &b->pkgs[i];

		bad |= json_array_append_new(pk, o = json_object());
		bad |= json_object_set_new(o, "id", json_string(p->id));
		bad |= json_object_set_new(o, "platform",
		    json_string(platform_name(p->info.platform)));
		bad |= set_digest(o, "digest", &p->info.digest);
		bad |= json_object_set_new(o, "size",
		    json_integer((json_int_t)p->info.size));
		bad |= set_digest(o, "manifest", &p->info.manifest);
		bad |= json_object_set_new(o, "files",
		    json_integer((json_int_t)p->info.files));
		bad |= json_object_set_new(o, "installed_bytes",
		    json_integer((json_int_t)p->info.installed_bytes));
		/* For generate: the owners a secret file may have. */
		if (json_is_string(json_object_get(p->pkginfo, "username")))
			bad |= json_object_set(o, "username",
			    json_object_get(p->pkginfo, "username"));
	}
	for (i = 0; !bad && i < b->nboot; i++) {
		char *arch = b->boot[i].member + strlen("bootstrap/");

		*strchr(arch, '/') = '\0';
		bad |= json_object_set_new(bs, arch, o = json_object());
		arch[strlen(arch)] = '/';
		bad |= set_digest(o, "digest", &b->boot[i].digest);
		bad |= json_object_set_new(o, "size",
		    json_integer((json_int_t)b->boot[i].size));
	}
	if (!bad && b->ngen > 0) {
		bad |= json_object_set_new(root, "genconf", gc = json_object());
		bad |= json_object_set_new(gc, "schema", o = json_object());
		bad |= json_object_set_new(o, "path",
		    json_string(b->gen[0].member));
		bad |= set_digest(o, "digest", &b->gen[0].digest);
		bad |= json_object_set_new(gc, "templates", tl = json_array());
		for (i = 1; !bad && i < b->ngen; i++) {
			bad |= json_array_append_new(tl, o = json_object());
			bad |= json_object_set_new(o, "path",
			    json_string(b->gen[i].member));
			bad |= set_digest(o, "digest", &b->gen[i].digest);
		}
	}
	if (bad) {
		json_decref(root);
		return NULL;
	}
	return root;
}

static la_ssize_t
tar_write(struct archive *a, void *arg, const void *buf, size_t len)
{
	struct tar_sink	*s = arg;

	if (write_all(s->fd, buf, len) == -1) {
		archive_set_error(a, errno, "%s", strerror(errno));
		return -1;
	}
	sha256_update(s->h, buf, len);
	EVP_DigestUpdate(s->b2, buf, len);
	s->size += len;
	return (la_ssize_t)len;
}

static int
member_header(struct archive *a, struct archive_entry *ae, const char *name,
    uint64_t size, mode_t mode, char **errp)
{
	pkg_fixed_entry(ae, name, AE_IFREG, mode);
	archive_entry_set_size(ae, (la_int64_t)size);
	if (archive_write_header(a, ae) != ARCHIVE_OK)
		return err_set(errp, "%s: %s", name, archive_error_string(a));
	return 0;
}

static int
member_buf(struct archive *a, struct archive_entry *ae, const char *name,
    const void *buf, size_t len, char **errp)
{
	if (member_header(a, ae, name, len, 0644, errp) == -1)
		return -1;
	if (len > 0 && archive_write_data(a, buf, len) != (la_ssize_t)len)
		return err_set(errp, "%s: %s", name, archive_error_string(a));
	return 0;
}

/* Copies an input (file or temporary blob), checking it did not change. */
static int
member_input(struct archive *a, struct archive_entry *ae, struct input *in,
    char *buf, char **errp)
{
	struct sha256	*h = NULL;
	struct digest	 d;
	uint64_t	 total = 0;
	ssize_t		 n;
	int		 fd = in->fd, rc = -1;

	if (fd == -1 && (fd = open(in->src, O_RDONLY | O_CLOEXEC)) == -1)
		return err_sys(errp, "%s", in->src);
	if (in->fd != -1 && lseek(fd, 0, SEEK_SET) == -1) {
		err_sys(errp, "%s", in->member);
		goto out;
	}
	if ((h = sha256_new()) == NULL) {
		err_set(errp, "out of memory");
		goto out;
	}
	if (member_header(a, ae, in->member, in->size, in->mode, errp) == -1)
		goto out;
	while (total < in->size) {
		n = read(fd, buf, in->size - total < IO_CHUNK ?
		    (size_t)(in->size - total) : IO_CHUNK);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		sha256_update(h, buf, (size_t)n);
		if (archive_write_data(a, buf, (size_t)n) != n) {
			err_set(errp, "%s: %s", in->member,
			    archive_error_string(a));
			goto out;
		}
		total += (uint64_t)n;
	}
	sha256_final(h, &d);
	if (total != in->size || !digest_equal(&d, &in->digest)) {
		err_set(errp, "%s: changed while the release was being built; "
		    "run again", in->src != NULL ? in->src : in->member);
		goto out;
	}
	rc = 0;
out:
	if (in->fd == -1)
		close(fd);
	sha256_free(h);
	return rc;
}

/* The signed release.json: its text (with a newline) and signature. */
static int
release_text(struct build *b, const struct minisign_seckey *sk,
    char **textp, size_t *lenp, char **sigp, char **errp)
{
	struct release_manifest	*rm;
	struct digest		 d;
	json_t			*rj;
	uint8_t			 hash[MINISIGN_HASH_LEN];

	if ((rj = release_json(b)) == NULL ||
	    (*textp = json_blob_text(rj, lenp)) == NULL) {
		json_decref(rj);
		return err_set(errp, "out of memory");
	}
	json_decref(rj);
	/* Signed only when every reader (lib/manifest) takes it. */
	if (release_manifest_parse(*textp, *lenp, RELEASE_JSON, &rm, errp) ==
	    -1)
		return err_wrap(errp, "release %s-%s", b->name, b->version);
	release_manifest_free(rm);
	digest_buf(*textp, *lenp, &d);
	if (minisign_prehash_buf(*textp, *lenp, hash, errp) == -1)
		return -1;
	return genconf_sign(sk, hash, "release", RELEASE_JSON, &d, b->seq,
	    sigp, errp);
}

/* The tar being written: atomically, hashed and prehashed as it goes. */
struct tar_out {
	struct archive		*a;
	struct archive_entry	*ae;
	struct atomic_file	 af;
	struct tar_sink		 s;
	char			*buf;		/* IO_CHUNK bytes */
};

static int
tar_open(struct tar_out *t, const char *path, char **errp)
{
	if ((t->buf = malloc(IO_CHUNK)) == NULL ||
	    (t->s.h = sha256_new()) == NULL ||
	    (t->s.b2 = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(t->s.b2, EVP_blake2b512(), NULL) != 1 ||
	    (t->a = archive_write_new()) == NULL ||
	    (t->ae = archive_entry_new()) == NULL)
		return err_set(errp, "out of memory");
	if (atomic_open(&t->af, path, 0644, errp) == -1)
		return -1;
	t->s.fd = t->af.fd;
	if (archive_write_set_format_pax_restricted(t->a) != ARCHIVE_OK ||
	    archive_write_open2(t->a, &t->s, NULL, tar_write, NULL, NULL) !=
	    ARCHIVE_OK)
		return err_set(errp, "%s: %s", path,
		    archive_error_string(t->a));
	return 0;
}

static void
tar_free(struct tar_out *t)
{
	if (t->af.fd != -1)
		atomic_abort(&t->af);
	if (t->a != NULL)
		archive_write_free(t->a);
	archive_entry_free(t->ae);
	sha256_free(t->s.h);
	EVP_MD_CTX_free(t->s.b2);
	free(t->buf);
}

/* A package blob, from its open temporary file. */
static int
member_pkg(struct tar_out *t, const struct pkg *p, char **errp)
{
	struct input	 in;
	int		 rc;

	memset(&in, 0, sizeof(in));
	in.fd = p->fd;
	in.mode = 0644;
	in.digest = p->info.digest;
	in.size = p->info.size;
	if (asprintf(&in.member, "packages/%s%s", p->id,
	    pkg_blob_suffix(p->info.platform)) == -1)
		return err_set(errp, "out of memory");
	rc = member_input(t->a, t->ae, &in, t->buf, errp);
	free(in.member);
	return rc;
}

/* Every member, in the order docs/formats.md gives. */
static int
tar_members(struct tar_out *t, struct build *b, const char *text,
    size_t tlen, const char *sig, char **errp)
{
	size_t	 i;

	if (member_buf(t->a, t->ae, RELEASE_JSON, text, tlen, errp) == -1 ||
	    member_buf(t->a, t->ae, RELEASE_SIG, sig, strlen(sig), errp) == -1)
		return -1;
	for (i = 0; i < b->nboot; i++)
		if (member_input(t->a, t->ae, &b->boot[i], t->buf, errp) == -1)
			return -1;
	for (i = 0; i < b->ngen; i++)
		if (member_input(t->a, t->ae, &b->gen[i], t->buf, errp) == -1)
			return -1;
	for (i = 0; i < b->npkgs; i++)
		if (member_pkg(t, &b->pkgs[i], errp) == -1)
			return -1;
	return 0;
}

/* Ends the tar; *dp gets its SHA-256 and *sigp its signature. */
static int
tar_finish(struct tar_out *t, struct build *b,
    const struct minisign_seckey *sk, const char *base, const char *path,
    struct digest *dp, char **sigp, char **errp)
{
	uint8_t		 hash[MINISIGN_HASH_LEN];
	unsigned int	 hlen = MINISIGN_HASH_LEN;

	if (archive_write_close(t->a) != ARCHIVE_OK)
		return err_set(errp, "%s: %s", path,
		    archive_error_string(t->a));
	sha256_final(t->s.h, dp);
	if (EVP_DigestFinal_ex(t->s.b2, hash, &hlen) != 1)
		return err_set(errp, "BLAKE2b-512 failed");
	return genconf_sign(sk, hash, "release", base, dp, b->seq, sigp, errp);
}

static int
write_release(struct build *b, const struct minisign_seckey *sk,
    char **errp)
{
	struct tar_out	 t;
	struct digest	 td;
	char		*text = NULL, *sig = NULL, *tsig = NULL;
	char		*base = NULL, *tarpath = NULL, *sigpath = NULL;
	char		 dstr[DIGEST_STRSZ];
	size_t		 tlen;
	int		 rc = -1;

	memset(&t, 0, sizeof(t));
	t.af.fd = -1;
	t.s.fd = -1;
	if (asprintf(&base, "%s-%s.tar", b->name, b->version) == -1 ||
	    (tarpath = path_join(b->outdir, base)) == NULL ||
	    asprintf(&sigpath, "%s.minisig", tarpath) == -1) {
		err_set(errp, "out of memory");
		goto out;
	}
	if (release_text(b, sk, &text, &tlen, &sig, errp) == -1 ||
	    tar_open(&t, tarpath, errp) == -1 ||
	    tar_members(&t, b, text, tlen, sig, errp) == -1 ||
	    tar_finish(&t, b, sk, base, tarpath, &td, &tsig, errp) == -1 ||
	    atomic_commit(&t.af, errp) == -1 ||
	    atomic_write_file(sigpath, tsig, strlen(tsig), 0644, errp) == -1)
		goto out;
	digest_format(&td, dstr);
	printf("%s %s\n", dstr, tarpath);
	rc = 0;
out:
	tar_free(&t);
	free(text);
	free(sig);
	free(tsig);
	free(base);
	free(tarpath);
	free(sigpath);
	return rc;
}

static void
build_free(struct build *b)
{
	size_t	 i;

	for (i = 0; i < b->npkgs; i++) {
		free(b->pkgs[i].id);
		free(b->pkgs[i].name);
		json_decref(b->pkgs[i].pkginfo);
		if (b->pkgs[i].fd != -1)
			close(b->pkgs[i].fd);
	}
	free(b->pkgs);
	for (i = 0; i < b->nboot; i++) {
		free(b->boot[i].member);
		free(b->boot[i].src);
	}
	free(b->boot);
	for (i = 0; i < b->ngen; i++) {
		free(b->gen[i].member);
		free(b->gen[i].src);
	}
	free(b->gen);
	json_decref(b->roles);
}

/* The options that are not part of struct build. */
struct release_args {
	const char	*keypath;
	const char	*genconf;
	const char	*roles;
	const char	*seqarg;
};

/*
 * Returns SUBCMD_CONTINUE with b and ra filled, else the exit status
 * after printing the usage or the problem.
 */
static int
parse_args(const struct subcmd *c, int argc, char **argv, struct build *b,
    struct release_args *ra)
{
	static const struct option longopts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "version", required_argument, NULL, 'r' },
		{ "seq", required_argument, NULL, 'S' },
		{ "key", required_argument, NULL, 'k' },
		{ "bootstrap", required_argument, NULL, 'b' },
		{ "genconf", required_argument, NULL, 'g' },
		{ "roles", required_argument, NULL, 'R' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	char	*err = NULL;
	int	 opt, rc;

	while ((opt = getopt_long(argc, argv, "b:g:hk:n:o:qr:R:S:v", longopts,
	    NULL)) != -1) {
		switch (opt) {
		case 'n': b->name = optarg; break;
		case 'r': b->version = optarg; break;
		case 'S': ra->seqarg = optarg; break;
		case 'k': ra->keypath = optarg; break;
		case 'g': ra->genconf = optarg; break;
		case 'R': ra->roles = optarg; break;
		case 'o': b->outdir = optarg; break;
		case 'b':
			if (add_bootstrap(b, optarg, &err) == -1) {
				log_error("%s", err);
				free(err);
				return EXIT_FAIL;
			}
			break;
		default:
			if ((rc = subcmd_opt(opt, c)) != SUBCMD_CONTINUE)
				return rc;
		}
	}
	if (b->name == NULL || b->version == NULL || ra->seqarg == NULL ||
	    ra->keypath == NULL || ra->roles == NULL || optind == argc)
		return subcmd_usage_error(c);
	return SUBCMD_CONTINUE;
}

/* The name, version, seq, bootstraps and output directory given. */
static int
check_build(struct build *b, const char *seqarg, char **errp)
{
	struct stat	 st;
	char		*end;
	long long	 seq;

	if (pkg_name_check(b->name, errp) == -1 ||
	    pkg_version_check(b->version, errp) == -1)
		return err_wrap(errp, "release %s", b->name);
	errno = 0;
	seq = strtoll(seqarg, &end, 10);
	if (errno != 0 || *end != '\0' || end == seqarg || seq < 1 ||
	    seq > SEQ_MAX)
		return err_set(errp, "--seq '%s': give a positive integer, "
		    "higher than the previous release's", seqarg);
	b->seq = seq;
	if (b->nboot == 0)
		return err_set(errp, "no --bootstrap ARCH=FILE: a release "
		    "carries the dcos-bootstrap binary of each architecture "
		    "it supports");
	qsort(b->boot, b->nboot, sizeof(*b->boot), input_cmp);
	if (stat(b->outdir, &st) == -1 || !S_ISDIR(st.st_mode))
		return err_set(errp, "%s: no such directory (create it, or "
		    "give another -o OUTDIR)", b->outdir);
	return 0;
}

/* The roles, the genconf files and each package directory, built. */
static int
add_inputs(struct build *b, const struct release_args *ra, char **dirs,
    size_t ndirs, char **errp)
{
	struct pkg	*p;
	size_t		 i;

	if ((b->roles = load_roles(ra->roles, errp)) == NULL ||
	    (ra->genconf != NULL && (add_genconf(b, ra->genconf, errp) == -1 ||
	    check_genconf(b, errp) == -1)))
		return -1;
	if ((b->pkgs = calloc(ndirs, sizeof(*b->pkgs))) == NULL)
		return err_set(errp, "out of memory");
	for (i = 0; i < ndirs; i++) {
		p = &b->pkgs[b->npkgs++];
		p->fd = -1;
		p->dir = dirs[i];
		if (build_package(b, p, errp) == -1)
			return -1;
	}
	return check_packages(b, errp);
}

int
cmd_release(int argc, char **argv)
{
	const struct subcmd	*c = subcmd_find(genconf_commands, "release");
	struct build		 b;
	struct release_args	 ra;
	struct minisign_seckey	 sk;
	char			*err = NULL;
	int			 rc;

	memset(&b, 0, sizeof(b));
	memset(&ra, 0, sizeof(ra));
	memset(&sk, 0, sizeof(sk));
	b.outdir = ".";
	if ((rc = parse_args(c, argc, argv, &b, &ra)) != SUBCMD_CONTINUE)
		goto out;
	rc = EXIT_FAIL;
	if (check_build(&b, ra.seqarg, &err) == -1 ||
	    minisign_seckey_load(ra.keypath, &sk, &err) == -1 ||
	    add_inputs(&b, &ra, argv + optind, (size_t)(argc - optind),
	    &err) == -1 || write_release(&b, &sk, &err) == -1) {
		log_error("%s", err);
		goto out;
	}
	rc = EXIT_OK;
out:
	OPENSSL_cleanse(&sk, sizeof(sk));
	build_free(&b);
	free(err);
	return rc;
}
