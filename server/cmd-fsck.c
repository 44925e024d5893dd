/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dcos-artifactd fsck DIR: verify a store in place.  Every blob is hashed
 * once; then every reference from index.json down is resolved against what
 * was found, every signature is checked, and each problem is printed on its
 * own line (stdout), so an operator sees the whole damage in one run.
 */
#include <config.h>

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "artifactd.h"
#include "atomicio.h"
#include "blob.h"
#include "digest.h"
#include "error.h"
#include "jsonio.h"
#include "log.h"
#include "manifest.h"
#include "mirror.h"
#include "store.h"
#include "store-recipe.h"
#include "storecheck.h"
#include "subcmd.h"

struct blob {
	struct digest	 d;
	uint64_t	 size;
	int		 ok;		/* content matches the name */
};

struct fsck {
	const char	*dir;
	struct keyring	 kr;		/* pinned, or every cluster's keys */
	struct blob	*blobs;		/* sorted by digest */
	size_t		 nblobs;
	size_t		 capblobs;
	uint64_t	 bytes;
	uint64_t	 problems;
	json_t		*list;		/* --json: the problems, not printed */
};

static void problem(struct fsck *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static void
problem(struct fsck *f, const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;

	f->problems++;
	va_start(ap, fmt);
	if (f->list != NULL) {
		if (vasprintf(&msg, fmt, ap) == -1 ||
		    json_array_append_new(f->list,
		    jsonio_string_escaped(msg)) == -1)
			log_error("out of memory");
		else
			free(msg);
		va_end(ap);
		return;
	}
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	/* Keeps problems and the summary on stderr in order in one log. */
	fflush(stdout);
}

static int
blob_cmp(const void *a, const void *b)
{
	return memcmp(((const struct blob *)a)->d.b,
	    ((const struct blob *)b)->d.b, DIGEST_LEN);
}

static const struct blob *
blob_find(const struct fsck *f, const struct digest *d)
{
	struct blob	 key;

	if (f->nblobs == 0)
		return NULL;
	key.d = *d;
	return bsearch(&key, f->blobs, f->nblobs, sizeof(*f->blobs),
	    blob_cmp);
}

/* Room for one more blob record; NULL when out of memory. */
static struct blob *
blob_append(struct fsck *f)
{
	struct blob	*nb;
	size_t		 cap;

	if (f->nblobs == f->capblobs) {
		cap = f->capblobs ? f->capblobs * 2 : 256;
		if ((nb = reallocarray(f->blobs, cap, sizeof(*nb))) == NULL)
			return NULL;
		f->blobs = nb;
		f->capblobs = cap;
	}
	nb = &f->blobs[f->nblobs++];
	nb->ok = 0;
	nb->size = 0;
	return nb;
}

/*
 * Checks one entry of blobs/sha256 against its name: recorded in f, or a
 * problem.  Returns -1 with *errp only when out of memory.
 */
static int
scan_blob(struct fsck *f, const char *dir, const char *ent, char **errp)
{
	struct digest	 name;
	struct blob	*nb;
	char		*p, *err = NULL, rel[STORE_BLOB_RELSZ];
	int		 fd = -1, r, rc = 0;

	if ((p = path_join(dir, ent)) == NULL)
		return err_set(errp, "out of memory");
	if (digest_parse_hex(ent, &name) == -1) {
		problem(f, "%s/%s: not a blob name (a blob is named by the "
		    "SHA-256 of its content)", STORE_BLOB_DIR, ent);
		goto out;
	}
	/* Without blocking: a FIFO here must not hang the check. */
	if ((r = blob_open_file(p, BLOB_NOFOLLOW, &fd, &err)) != BLOB_OK) {
		problem(f, "%s/%s: %s", STORE_BLOB_DIR, ent, r ==
		    BLOB_WRONG ? "not a regular file" : err != NULL ? err :
		    strerror(ENOENT));
		goto out;
	}
	if ((nb = blob_append(f)) == NULL) {
		rc = err_set(errp, "out of memory");
		goto out;
	}
	nb->d = name;
	store_blob_relpath(&name, rel);
	if (blob_check_fd(fd, rel, &name, BLOB_ANY_SIZE, &nb->size, &err) !=
	    BLOB_OK)
		/* mirror refetches only what it rechecks. */
		problem(f, "%s; 'dcos-artifactd mirror --verify-existing URL "
		    "DIR' rechecks the blobs DIR has and fetches this one "
		    "again", err != NULL ? err : "out of memory");
	else {
		nb->ok = 1;
		f->bytes += nb->size;
	}
out:
	if (fd != -1)
		close(fd);
	free(err);
	free(p);
	return rc;
}

/* Hashes every file under blobs/sha256 and checks it against its name. */
static int
scan_blobs(struct fsck *f, char **errp)
{
	struct dirent	*de;
	DIR		*dp = NULL;
	char		*dir = NULL;
	int		 rc = -1;

	if ((dir = path_join(f->dir, STORE_BLOB_DIR)) == NULL)
		return err_set(errp, "out of memory");
	if ((dp = opendir(dir)) == NULL) {
		err_sys(errp, "%s", dir);
		goto out;
	}
	while ((errno = 0, de = readdir(dp)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (scan_blob(f, dir, de->d_name, errp) == -1)
			goto out;
	}
	if (errno != 0) {
		err_sys(errp, "%s", dir);
		goto out;
	}
	/* qsort's base must not be NULL, even for no elements. */
	if (f->nblobs > 1)
		qsort(f->blobs, f->nblobs, sizeof(*f->blobs), blob_cmp);
	rc = 0;
out:
	if (dp != NULL)
		closedir(dp);
	free(dir);
	return rc;
}

/*
 * Reports a missing, corrupt or wrongly sized blob; 1 when it is usable.
 * Corrupt blobs were reported by the scan already.
 */
static int
blob_usable(struct fsck *f, const struct digest *d, int64_t size,
    const char *what)
{
	const struct blob	*b = blob_find(f, d);
	char			 hex[DIGEST_HEXLEN + 1];

	digest_hex(d, hex);
	if (b == NULL) {
		problem(f, "%s/%s: missing (%s)", STORE_BLOB_DIR, hex, what);
		return 0;
	}
	if (!b->ok)
		return 0;
	if (size >= 0 && b->size != (uint64_t)size) {
		problem(f, "%s/%s: %" PRIu64 " bytes where %s lists %" PRId64,
		    STORE_BLOB_DIR, hex, b->size, what, size);
		return 0;
	}
	return 1;
}

/* A small blob, read once: the bytes whose digest matched. */
static int
read_blob(struct fsck *f, const struct digest *d, size_t max, char **bufp,
    size_t *lenp, char **errp)
{
	char	*p;
	int	 r;

	if ((p = store_blob_path(f->dir, d)) == NULL)
		return err_set(errp, "out of memory");
	r = blob_read(p, d, BLOB_ANY_SIZE, max, BLOB_NOFOLLOW, bufp, lenp,
	    errp);
	if (r == BLOB_MISSING)
		err_set(errp, "%s: missing", p);
	free(p);
	return r == BLOB_OK ? 0 : -1;
}

/*
 * The release.json cluster manifest c (named name) pins, checked against
 * its signature with kr.  Returns it, or NULL when a problem was counted.
 */
static struct release_manifest *
load_pinned_release(struct fsck *f, struct cluster_manifest *c,
    const struct keyring *kr, const char *name)
{
	struct release_manifest	*rel = NULL;
	char			*buf = NULL, *sig = NULL, *err = NULL;
	size_t			 len, siglen;
	int			 relok, sigok;

	relok = blob_usable(f, &c->release_manifest,
	    cluster_blob_size(c, &c->release_manifest), "release.json of a "
	    "cluster manifest");
	sigok = blob_usable(f, &c->release_signature,
	    cluster_blob_size(c, &c->release_signature), "release.json "
	    "signature of a cluster manifest");
	if (!relok || !sigok)
		goto out;
	if (read_blob(f, &c->release_signature, MINISIGN_FILE_MAX, &sig,
	    &siglen, &err) == -1 ||
	    read_blob(f, &c->release_manifest, MIRROR_JSON_MAX, &buf, &len,
	    &err) == -1 ||
	    sig_check_buf(kr, sig, siglen, buf, len, &c->release_manifest,
	    c->release_seq, &err) == -1) {
		problem(f, "cluster manifest %s: release.json: %s", name,
		    err != NULL ? err : "out of memory");
		goto out;
	}
	if (release_manifest_parse(buf, len, "release.json", &rel, &err) ==
	    -1 || cluster_release_agree(c, rel, &err) == -1) {
		problem(f, "cluster manifest %s: %s", name, err);
		release_manifest_free(rel);
		rel = NULL;
	}
out:
	free(buf);
	free(sig);
	free(err);
	return rel;
}

/* One cluster manifest and the release it pins; adds its blobs to refs. */
static void
check_cluster(struct fsck *f, const struct digest *cd, struct refs *refs,
    uint64_t *nclusters)
{
	struct cluster_manifest	*c = NULL;
	struct release_manifest	*rel = NULL;
	struct keyring		 ckr;
	char			 name[DIGEST_STRSZ];
	char			*buf = NULL, *err = NULL;
	size_t			 len;

	memset(&ckr, 0, sizeof(ckr));
	digest_format(cd, name);
	if (!blob_usable(f, cd, -1, "cluster manifest in index.json"))
		return;
	if (read_blob(f, cd, MIRROR_JSON_MAX, &buf, &len, &err) == -1 ||
	    cluster_manifest_parse(buf, len, name, &c, &err) == -1) {
		problem(f, "cluster manifest %s: %s", name, err);
		goto out;
	}
	(*nclusters)++;
	if (keyring_add(&ckr, c->keys, c->nkeys, &err) == -1 ||
	    keyring_add(&f->kr, c->keys, c->nkeys, &err) == -1) {
		problem(f, "%s", err);
		goto out;
	}
	rel = load_pinned_release(f, c, f->kr.pinned ? &f->kr : &ckr, name);
	if (rel != NULL && refs_add_cluster(refs, name, c, rel) == -1)
		problem(f, "out of memory");
out:
	keyring_clear(&ckr);
	cluster_manifest_free(c);
	release_manifest_free(rel);
	free(buf);
	free(err);
}

/* A release the store holds once: rebuilt from its recipe and checked. */
static void
check_recipe_release(struct fsck *f, const struct store_release *r)
{
	char	*sp, *sig = NULL, *err = NULL;
	size_t	 siglen;

	if ((sp = path_join(f->dir, r->signature)) == NULL) {
		problem(f, "out of memory");
		return;
	}
	if (read_file(sp, MINISIGN_FILE_MAX, &sig, &siglen, &err) == -1)
		problem(f, "%s: %s", r->signature, err);
	else if (store_recipe_verify(f->dir, r, &f->kr, sig, siglen, &err) ==
	    -1)
		problem(f, "%s", err);
	free(sp);
	free(sig);
	free(err);
}

/* A release tar: one read gives its SHA-256 and its BLAKE2b prehash. */
static void
check_release(struct fsck *f, const struct store_release *r)
{
	struct sha256	*h = NULL;
	struct digest	 got;
	uint8_t		 hash[MINISIGN_HASH_LEN];
	char		*tar = NULL, *sp = NULL, *sig = NULL, *err = NULL;
	char		 gotstr[DIGEST_STRSZ];
	size_t		 siglen;
	int		 fd = -1;

	if (r->has_recipe) {
		check_recipe_release(f, r);
		return;
	}
	if ((tar = path_join(f->dir, r->path)) == NULL ||
	    (sp = path_join(f->dir, r->signature)) == NULL ||
	    (h = sha256_new()) == NULL) {
		problem(f, "out of memory");
		goto out;
	}
	/* Without blocking: a FIFO here must not hang the check. */
	if (blob_open_file(tar, BLOB_NOFOLLOW, &fd, &err) == BLOB_MISSING) {
		problem(f, "%s: %s (listed in index.json)", r->path,
		    strerror(ENOENT));
		goto out;
	} else if (fd == -1) {
		problem(f, "%s: %s (listed in index.json)", r->path,
		    err != NULL ? err : "out of memory");
		goto out;
	}
	if (minisign_prehash_fd(fd, hash, h, &err) == -1) {
		problem(f, "%s: %s", r->path, err);
		goto out;
	}
	sha256_final(h, &got);
	if (!digest_equal(&got, &r->digest)) {
		digest_format(&got, gotstr);
		problem(f, "%s: content is %s, not what index.json lists "
		    "(corrupt release)", r->path, gotstr);
		goto out;
	}
	if (read_file(sp, MINISIGN_FILE_MAX, &sig, &siglen, &err) == -1 ||
	    sig_check(&f->kr, sig, siglen, tar, &got, hash, r->seq,
	    &err) == -1)
		problem(f, "%s: %s", r->signature, err);
out:
	if (fd != -1)
		close(fd);
	sha256_free(h);
	free(tar);
	free(sp);
	free(sig);
	free(err);
}

/* An install script index.json lists (name) and its optional signature. */
static void
check_script(struct fsck *f, const char *name, const struct digest *want)
{
	struct minisign_sig	*sig = NULL;
	struct digest		 got;
	char			*p, *err = NULL;

	if ((p = path_join(f->dir, name)) == NULL) {
		problem(f, "out of memory");
		return;
	}
	if (digest_file(p, &got, NULL, &err) == -1)
		problem(f, "%s (listed in index.json)", err);
	else if (!digest_equal(&got, &*want))
		problem(f, "%s: content does not match the digest index.json "
		    "lists", name);
	free(err);
	err = NULL;
	free(p);
	/* The site's optional signature must name this script. */
	if (asprintf(&p, "%s/%s.minisig", f->dir, name) == -1) {
		problem(f, "out of memory");
		return;
	}
	if (access(p, F_OK) == 0) {
		if (minisign_sig_load(p, &sig, &err) == -1)
			problem(f, "%s.minisig: %s", name, err);
		else if (minisign_tc_check(sig, NULL,
		    &*want, NULL, 0, &err) == -1)
			problem(f, "%s.minisig: does not name the install "
			    "script index.json lists (%s; a stale signature: "
			    "sign the script again)", name, err);
	}
	minisign_sig_free(sig);
	free(err);
	free(p);
}

/* Also export-release's: the same key option. */
const struct option key_longopts[] = {
	{ "trusted-key", required_argument, NULL, 'k' },
	{ "json", no_argument, NULL, 'j' },
	{ "help", no_argument, NULL, 'h' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ NULL, 0, NULL, 0 }
};

/* The options; SUBCMD_CONTINUE with f->dir set, or the exit status. */
static int
parse_args(struct fsck *f, int argc, char **argv)
{
	const struct subcmd	*c = subcmd_find(artifactd_commands, "fsck");
	char			*err = NULL;
	int			 opt, rc;

	while ((opt = getopt_long(argc, argv, "hk:qv", key_longopts, NULL)) !=
	    -1) {
		if (opt == 'j') {
			if (f->list == NULL && (f->list = json_array()) ==
			    NULL) {
				log_error("out of memory");
				return EXIT_FAIL;
			}
		} else if (opt == 'k') {
			if (keyring_pin(&f->kr, optarg, &err) == -1) {
				log_error("%s", err);
				free(err);
				return EXIT_FAIL;
			}
		} else if ((rc = subcmd_opt(opt, c)) != SUBCMD_CONTINUE) {
			keyring_clear(&f->kr);
			json_decref(f->list);
			return rc;
		}
	}
	if (argc - optind != 1) {
		keyring_clear(&f->kr);
		json_decref(f->list);
		return subcmd_usage_error(c);
	}
	f->dir = argv[optind];
	return SUBCMD_CONTINUE;
}

/* Everything index.json names, each problem counted in f. */
static void
check_index(struct fsck *f, const struct store_index *x,
    uint64_t *nclusters)
{
	struct refs	 refs;
	char		*err = NULL;
	size_t		 i;

	memset(&refs, 0, sizeof(refs));
	if (index_paths_check(x, &err) == -1)
		problem(f, "%s", err);
	free(err);
	for (i = 0; i < x->nmanifests; i++)
		check_cluster(f, &x->manifests[i], &refs, nclusters);
	refs_unique(&refs);
	for (i = 0; i < refs.n; i++)
		blob_usable(f, &refs.v[i].d, refs.v[i].size, refs.v[i].what);
	for (i = 0; i < x->nreleases; i++)
		check_release(f, &x->releases[i]);
	check_script(f, x->install_script, &x->install_script_digest);
	if (x->install_script_windows != NULL)
		check_script(f, x->install_script_windows,
		    &x->install_script_windows_digest);
	refs_clear(&refs);
}

/* fsck --json's document (docs/formats.md "JSON output").  0 or -1. */
static int
fsck_json(const struct fsck *f, const struct store_index *x,
    uint64_t nclusters)
{
	json_t	*doc;
	char	*err = NULL;
	int	 rc;

	doc = json_pack("{s:i, s:o, s:b, s:O, s:I, s:I, s:I, s:I}",
	    "format", 1, "dir", jsonio_string_escaped(f->dir),
	    "clean", f->problems == 0, "problems", f->list,
	    "blobs", (json_int_t)f->nblobs, "bytes", (json_int_t)f->bytes,
	    "cluster_manifests", (json_int_t)nclusters,
	    "releases", (json_int_t)(x != NULL ? x->nreleases : 0));
	if ((rc = jsonio_print(stdout, doc, &err)) == -1)
		log_error("%s", err);
	json_decref(doc);
	free(err);
	return rc;
}

int
cmd_fsck(int argc, char **argv)
{
	struct fsck		 f;
	struct store_index	*x = NULL;
	struct stat		 st;
	char			*err = NULL, *ip = NULL, hs[HUMAN_SIZE_LEN];
	uint64_t		 nclusters = 0;
	int			 rc;

	memset(&f, 0, sizeof(f));
	if ((rc = parse_args(&f, argc, argv)) != SUBCMD_CONTINUE)
		return rc;
	rc = EXIT_FAIL;
	if ((ip = path_join(f.dir, STORE_INDEX)) == NULL) {
		log_error("out of memory");
		goto out;
	}
	if (stat(ip, &st) == -1) {
		log_error("%s is not a store: %s: %s (give the directory "
		    "that holds index.json)", f.dir, STORE_INDEX,
		    strerror(errno));
		goto out;
	}
	if (!f.kr.pinned)
		log_warn("no --trusted-key: signatures are checked against the "
		    "keys the store's own cluster manifests list");
	if (scan_blobs(&f, &err) == -1) {
		log_error("%s", err);
		goto out;
	}
	if (store_index_load(ip, &x, &err) == -1)
		problem(&f, "%s", err);
	else
		check_index(&f, x, &nclusters);
	if (f.list != NULL && fsck_json(&f, x, nclusters) == -1)
		goto out;
	if (f.problems > 0) {
		log_error("%s: %" PRIu64 " problem%s found", f.dir, f.problems,
		    f.problems == 1 ? "" : "s");
		goto out;
	}
	log_info("%s: clean: %zu blobs (%s), %" PRIu64 " cluster "
	    "manifests, %zu releases verified", f.dir, f.nblobs,
	    human_size(f.bytes, hs), nclusters, x->nreleases);
	rc = EXIT_OK;
out:
	fflush(stdout);
	free(err);
	free(ip);
	free(f.blobs);
	keyring_clear(&f.kr);
	json_decref(f.list);
	store_index_free(x);
	return rc;
}
