/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dcos-artifactd mirror URL... DIR: copy a store, verifying everything.
 *
 * The walk goes in rounds because each round's manifests name the next
 * round's blobs: index.json, then the cluster manifests, then their
 * release.json and signatures (and the release tars' signatures), then
 * everything else in parallel.  Nothing reaches a final name before its
 * digest (and, for signed files, its signature) checks out.  The install
 * script pins a cluster manifest, so it waits in .partial with index.json
 * until every round succeeded; then both are placed, index.json last, so
 * DIR is at every moment a valid store: the old one or the new one.
 */
#include <config.h>

#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "artifactd.h"
#include "atomicio.h"
#include "blob.h"
#include "digest.h"
#include "error.h"
#include "log.h"
#include "manifest.h"
#include "mirror.h"
#include "recipe.h"
#include "store.h"
#include "store-recipe.h"
#include "subcmd.h"

#define JOBS_DEFAULT	4
#define JOBS_MAX	64
#define RETRIES_DEFAULT	4
#define RETRIES_MAX	20
/* The install scripts: [0] dcos_install.sh, [1] dcos_install.ps1. */
#define NSCRIPTS	2
static const char *const script_names[NSCRIPTS] = { STORE_INSTALL_SCRIPT,
    STORE_INSTALL_SCRIPT_WINDOWS };
/* Below 1 KiB/s for 30 s, or an hour on one transfer: try the next URL. */
#define SPEED_LIMIT_DEFAULT	1024
#define SPEED_TIME_DEFAULT	30
#define MAX_TIME_DEFAULT	3600
#define SECONDS_MAX		(7 * 86400)

/* A release tar being fetched: what its signature must say. */
struct relfetch {
	const struct keyring	*kr;
	char			*sig;
	size_t			 siglen;
	int64_t			 seq;
	int			 fetch;
	int			 defer;		/* placed with index.json */
	int			 ready;		/* deferred, verified */
};

struct mirror {
	const char		*dir;
	struct fetch_opts	 fo;
	struct fetch_stats	 st;
	struct keyring		 kr;
	struct store_index	*index;
	char			*index_buf;
	size_t			 index_len;
	struct cluster_manifest	**clusters;
	struct release_manifest	**rels;
	struct keyring		*ckr;		/* per cluster manifest */
	struct relfetch		*relf;		/* per index release */
	struct refs		 refs;
	struct fetch_item	**items;	/* the round being fetched */
	size_t			 nitems;
	size_t			 capitems;
	uint64_t		 present;	/* files already in DIR */
	int			 script_new[NSCRIPTS];	/* waits in .partial */
	int			 sig_new[NSCRIPTS];	/* its signature too */
	int			 verify_existing;
	int			 allow_downgrade;
	int			 prune;		/* --prune */
	const char		*keypath;	/* --trusted-key */
	char			*made[4];	/* skeleton made, parents first */
	size_t			 nmade;
};

static volatile sig_atomic_t stop_signal;

static void
on_stop(int sig)
{
	stop_signal = sig;
}

/* SIGINT and SIGTERM stop the transfers cleanly, keeping partial data. */
static void
catch_stop(void)
{
	struct sigaction	 sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static char *
dir_path(const struct mirror *m, const char *rel)
{
	return path_join(m->dir, rel);
}

/* Adds a download to the current round.  0 or -1 (out of memory). */
static struct fetch_item *
item_add(struct mirror *m, const char *rel, char *dest, char *partial)
{
	struct fetch_item	*it, **nv;

	if (m->nitems == m->capitems) {
		if ((nv = reallocarray(m->items, m->capitems ?
		    m->capitems * 2 : 16, sizeof(*nv))) == NULL)
			goto fail;
		m->items = nv;
		m->capitems = m->capitems ? m->capitems * 2 : 16;
	}
	if (dest == NULL || partial == NULL ||
	    (it = calloc(1, sizeof(*it))) == NULL)
		goto fail;
	if ((it->rel = strdup(rel)) == NULL) {
		free(it);
		goto fail;
	}
	it->dest = dest;
	it->partial = partial;
	it->size = -1;
	m->items[m->nitems++] = it;
	return it;
fail:
	free(dest);
	free(partial);
	return NULL;
}

static char *
partial_path(const struct mirror *m, const char *name)
{
	char	*p;

	if (asprintf(&p, "%s/%s/%s", m->dir, MIRROR_PARTIAL_DIR, name) == -1)
		return NULL;
	return p;
}

static int
blob_item(struct mirror *m, const struct digest *d, int64_t size,
    uint64_t max, int dedupe)
{
	struct fetch_item	*it;
	char			 rel[STORE_BLOB_RELSZ], hex[DIGEST_HEXLEN + 1];
	size_t			 i;

	store_blob_relpath(d, rel);
	digest_hex(d, hex);
	/* Manifests may share blobs (two clusters of one release): one
	 * download each, or two would write the same partial file. */
	for (i = 0; dedupe && i < m->nitems; i++)
		if (strcmp(m->items[i]->rel, rel) == 0)
			return 0;
	if ((it = item_add(m, rel, dir_path(m, rel), partial_path(m, hex))) ==
	    NULL)
		return -1;
	it->want = *d;
	it->has_digest = 1;
	/* A manifest listed larger than we would parse: stop at the cap. */
	it->size = size >= 0 && (uint64_t)size > max ? -1 : size;
	it->max = max;
	it->resume = 1;
	return 0;
}

static void
items_clear(struct mirror *m)
{
	size_t	 i;

	for (i = 0; i < m->nitems; i++) {
		fetch_item_clear(m->items[i]);
		free(m->items[i]);
	}
	m->nitems = 0;
}

/*
 * Fetches the round.  Each failed download gets its own line as it is
 * reported (a round can fail several); *errp sums them up.  0, or -1 with
 * *errp (none when a signal stopped the round: cmd_mirror says so).
 */
static int
run_round(struct mirror *m, char **errp)
{
	size_t	 i, failed = 0;
	char	 hs[HUMAN_SIZE_LEN];
	int	 rc;

	if (m->nitems == 0)
		return 0;
	rc = fetch_all(&m->fo, m->items, m->nitems, &m->st);
	if (stop_signal)
		return -1;
	for (i = 0; i < m->nitems; i++)
		if (m->items[i]->done)
			log_verbose("%s: %s%s", m->items[i]->rel,
			    human_size(m->items[i]->got_size, hs),
			    m->items[i]->resumed ?
			    " (resumed)" : "");
		else if (m->items[i]->absent)
			log_verbose("%s: not in the store", m->items[i]->rel);
		else {
			log_error("%s: %s", m->items[i]->rel,
			    m->items[i]->err != NULL ? m->items[i]->err :
			    "not fetched");
			failed++;
		}
	if (rc == -1)
		return err_set(errp, "%zu of %zu downloads failed", failed,
		    m->nitems);
	return 0;
}

/*
 * 1 when path is a regular file (or a link to one) with digest d: the
 * checked reader, so a FIFO put there cannot hang the mirror.
 */
static int
file_matches(const char *path, const struct digest *d)
{
	return blob_open(path, d, BLOB_ANY_SIZE, 0, NULL, NULL, NULL) ==
	    BLOB_OK;
}

/* 1 when DIR holds the blob (with the expected size, when known). */
static int
blob_present(const struct mirror *m, const struct digest *d, int64_t size)
{
	struct stat	 st;
	char		*p;
	int		 ok;

	if ((p = store_blob_path(m->dir, d)) == NULL)
		return 0;
	ok = stat(p, &st) == 0 && S_ISREG(st.st_mode) &&
	    (size < 0 || st.st_size == size);
	/* Written verified; --verify-existing rechecks what may have rotted
	 * or was copied in by other means. */
	if (ok && m->verify_existing)
		ok = file_matches(p, d);
	free(p);
	return ok;
}

/*
 * Reads a small blob of DIR and checks the digest of the bytes read (they
 * are about to be trusted as a manifest).  0, or -1 with *errp.
 */
static int
store_blob_read(const struct mirror *m, const struct digest *d, size_t max,
    char **bufp, size_t *lenp, char **errp)
{
	char	*p;
	int	 r;

	if ((p = store_blob_path(m->dir, d)) == NULL)
		return err_set(errp, "out of memory");
	r = blob_read(p, d, BLOB_ANY_SIZE, max, 0, bufp, lenp, errp);
	if (r == BLOB_MISSING)
		err_set(errp, "%s: missing", p);
	free(p);
	return r == BLOB_OK ? 0 : -1;
}

/* A small blob must be there and intact; otherwise fetch it. */
static int
want_small_blob(struct mirror *m, const struct digest *d, int64_t size,
    uint64_t max)
{
	char	*buf = NULL, *err = NULL;
	size_t	 len;

	if (blob_present(m, d, size) &&
	    store_blob_read(m, d, max, &buf, &len, &err) == 0) {
		free(buf);
		m->present++;
		return 0;
	}
	free(err);
	return blob_item(m, d, size, max, 1);
}

static int
fetch_index(struct mirror *m, char **errp)
{
	struct fetch_item	*it;
	char			*dest;
	int			 rc = -1;

	if ((it = item_add(m, STORE_INDEX, partial_path(m, "index.json.new"),
	    partial_path(m, "index.json.part"))) == NULL)
		return err_set(errp, "out of memory");
	it->max = MIRROR_JSON_MAX;
	if (run_round(m, errp) == -1)
		goto out;
	/* index.json is fetched every time: only blobs count as work. */
	m->st.files = 0;
	dest = it->dest;
	if (read_file(dest, MIRROR_JSON_MAX, &m->index_buf, &m->index_len,
	    errp) == -1 || store_index_parse(m->index_buf, m->index_len,
	    "index.json", &m->index, errp) == -1 ||
	    index_paths_check(m->index, errp) == -1) {
		err_set(errp, "%s (is this URL a store?)", *errp);
		goto out;
	}
	rc = 0;
out:
	items_clear(m);
	return rc;
}

static int
fetch_clusters(struct mirror *m, char **errp)
{
	struct store_index	*x = m->index;
	char			*buf = NULL;
	char			 name[DIGEST_STRSZ];
	size_t			 i, len;

	if ((m->clusters = calloc(x->nmanifests, sizeof(*m->clusters))) ==
	    NULL || (m->rels = calloc(x->nmanifests, sizeof(*m->rels))) ==
	    NULL || (m->ckr = calloc(x->nmanifests, sizeof(*m->ckr))) ==
	    NULL)
		return err_set(errp, "out of memory");
	for (i = 0; i < x->nmanifests; i++)
		if (want_small_blob(m, &x->manifests[i], -1,
		    MIRROR_JSON_MAX) == -1)
			return err_set(errp, "out of memory");
	if (run_round(m, errp) == -1)
		return -1;
	items_clear(m);
	for (i = 0; i < x->nmanifests; i++) {
		digest_format(&x->manifests[i], name);
		if (store_blob_read(m, &x->manifests[i], MIRROR_JSON_MAX, &buf, &len,
		    errp) == -1 || cluster_manifest_parse(buf, len, name,
		    &m->clusters[i], errp) == -1 ||
		    keyring_add(&m->ckr[i], m->clusters[i]->keys,
		    m->clusters[i]->nkeys, errp) == -1) {
			free(buf);
			return err_wrap(errp, "cluster manifest %s", name);
		}
		free(buf);
		buf = NULL;
		if (keyring_add(&m->kr, m->clusters[i]->keys,
		    m->clusters[i]->nkeys, errp) == -1)
			return -1;
	}
	return 0;
}

/*
 * An upstream serving an older store (validly signed, but superseded) must
 * not roll the mirror back unnoticed: the current release's seq may only
 * grow, as on the hosts.  0, or -1 with *errp when refused.
 */
static int
check_downgrade(struct mirror *m, int allow, char **errp)
{
	struct store_index	*old = NULL;
	struct cluster_manifest	*oc = NULL;
	const struct cluster_manifest *nc = m->clusters[0];
	char			*p, *buf = NULL;
	size_t			 len;
	int			 rc = 0;

	if ((p = dir_path(m, STORE_INDEX)) == NULL)
		return 0;
	/* No readable local store: nothing to roll back. */
	if (store_index_load(p, &old, NULL) == -1 ||
	    store_blob_read(m, &old->current, MIRROR_JSON_MAX, &buf, &len, NULL) ==
	    -1 || cluster_manifest_parse(buf, len, "cluster.json", &oc,
	    NULL) == -1)
		goto out;
	if (nc->release_seq >= oc->release_seq)
		goto out;
	if (allow)
		log_warn("%s: going back from release %s-%s (seq %" PRId64
		    ") to %s-%s (seq %" PRId64 ") as --allow-downgrade says",
		    m->dir, oc->release_name, oc->release_version,
		    oc->release_seq, nc->release_name, nc->release_version,
		    nc->release_seq);
	else {
		err_set(errp, "%s holds release %s-%s (seq %" PRId64 ") but %s "
		    "offers the older %s-%s (seq %" PRId64 "): refused (pass "
		    "--allow-downgrade to mirror it anyway)", m->dir,
		    oc->release_name, oc->release_version, oc->release_seq,
		    m->fo.urls[0], nc->release_name, nc->release_version,
		    nc->release_seq);
		rc = -1;
	}
out:
	cluster_manifest_free(oc);
	store_index_free(old);
	free(buf);
	free(p);
	return rc;
}

/*
 * A release held once is here when its signature is (the recipe blob is
 * fetched with the signatures); with --verify-existing it is rebuilt and
 * checked.
 */
static int
recipe_release_ok(const struct mirror *m, const struct store_release *r,
    const char *sp)
{
	char	*sig = NULL;
	size_t	 siglen;
	int	 ok;

	if (sp == NULL || read_file(sp, MINISIGN_FILE_MAX, &sig, &siglen,
	    NULL) == -1)
		return 0;
	ok = !m->verify_existing || store_recipe_verify(m->dir, r, &m->kr,
	    sig, siglen, NULL) == 0;
	free(sig);
	return ok;
}

/* Reads the first bytes of a local signature's trusted comment. */
static int
local_release_ok(const struct mirror *m, const struct store_release *r)
{
	struct minisign_sig	*sig = NULL;
	struct stat		 st;
	char			*tar, *sp;
	int			 ok = 0;

	tar = dir_path(m, r->path);
	sp = dir_path(m, r->signature);
	if (r->has_recipe) {
		ok = recipe_release_ok(m, r, sp);
		goto out;
	}
	if (tar == NULL || sp == NULL || stat(tar, &st) == -1 ||
	    !S_ISREG(st.st_mode) || minisign_sig_load(sp, &sig, NULL) == -1)
		goto out;
	ok = minisign_tc_check(sig, NULL, &r->digest, NULL, 0, NULL) == 0 &&
	    (!m->verify_existing || file_matches(tar, &r->digest));
out:
	minisign_sig_free(sig);
	free(tar);
	free(sp);
	return ok;
}

/*
 * Moves the release signatures of the round just fetched into m->relf,
 * where release_check finds them.  Returns 0, or -1 with *errp.
 */
static int
take_release_sigs(struct mirror *m, char **errp)
{
	struct store_index	*x = m->index;
	size_t			 i, k;

	for (i = 0; i < m->nitems; i++) {
		for (k = 0; k < x->nreleases; k++)
			if (m->relf[k].fetch && m->relf[k].sig == NULL &&
			    strcmp(m->items[i]->rel,
			    x->releases[k].signature) == 0)
				break;
		if (k == x->nreleases)
			continue;
		if (read_file(m->items[i]->dest, MINISIGN_FILE_MAX,
		    &m->relf[k].sig, &m->relf[k].siglen, errp) == -1)
			return -1;
		m->relf[k].kr = &m->kr;
		m->relf[k].seq = x->releases[k].seq;
		/* Kept in memory until its tar is in place. */
		unlink(m->items[i]->dest);
	}
	return 0;
}

static int
fetch_releases_and_sigs(struct mirror *m, char **errp)
{
	struct store_index		*x = m->index;
	const struct cluster_manifest	*c;
	struct fetch_item		*it;
	char				 name[48], part[48];
	size_t				 i;

	if ((m->relf = calloc(x->nreleases ? x->nreleases : 1,
	    sizeof(*m->relf))) == NULL)
		goto oom;
	for (i = 0; i < x->nmanifests; i++) {
		c = m->clusters[i];
		if (want_small_blob(m, &c->release_manifest,
		    cluster_blob_size(c, &c->release_manifest),
		    MIRROR_JSON_MAX) == -1 ||
		    want_small_blob(m, &c->release_signature,
		    cluster_blob_size(c, &c->release_signature),
		    MINISIGN_FILE_MAX) == -1)
			goto oom;
	}
	for (i = 0; i < x->nreleases; i++) {
		/* The recipe, not the tar: a store holds a release once. */
		if (x->releases[i].has_recipe && want_small_blob(m,
		    &x->releases[i].recipe, BLOB_ANY_SIZE, RECIPE_FILE_MAX) ==
		    -1)
			goto oom;
		if (local_release_ok(m, &x->releases[i])) {
			m->present += 2;
			continue;
		}
		m->relf[i].fetch = 1;
		snprintf(name, sizeof(name), "release-%zu.minisig", i);
		snprintf(part, sizeof(part), "release-%zu.minisig.part", i);
		if ((it = item_add(m, x->releases[i].signature,
		    partial_path(m, name), partial_path(m, part))) == NULL)
			goto oom;
		it->max = MINISIGN_FILE_MAX;
	}
	if (run_round(m, errp) == -1 || take_release_sigs(m, errp) == -1)
		return -1;
	items_clear(m);
	return 0;
oom:
	return err_set(errp, "out of memory");
}

/*
 * Verifies each release.json against its signature and its cluster.
 * 0, or -1 with *errp.
 */
static int
check_releases(struct mirror *m, char **errp)
{
	const struct cluster_manifest	*c;
	const struct keyring		*kr;
	char				 name[DIGEST_STRSZ];
	char				*buf = NULL, *sig = NULL, *err = NULL;
	size_t				 i, len, siglen;
	int				 rc = -1;

	for (i = 0; i < m->index->nmanifests; i++) {
		c = m->clusters[i];
		digest_format(&m->index->manifests[i], name);
		kr = m->kr.pinned ? &m->kr : &m->ckr[i];
		if (store_blob_read(m, &c->release_manifest, MIRROR_JSON_MAX, &buf,
		    &len, &err) == -1 ||
		    store_blob_read(m, &c->release_signature, MINISIGN_FILE_MAX,
		    &sig, &siglen, &err) == -1 ||
		    sig_check_buf(kr, sig, siglen, buf, len,
		    &c->release_manifest, c->release_seq, &err) == -1) {
			err_wrap(&err, "release.json of cluster manifest %s",
			    name);
			goto out;
		}
		if (release_manifest_parse(buf, len, "release.json",
		    &m->rels[i], &err) == -1 ||
		    cluster_release_agree(c, m->rels[i], &err) == -1 ||
		    refs_add_cluster(&m->refs, name, c, m->rels[i]) == -1) {
			err_wrap(&err, "cluster manifest %s", name);
			goto out;
		}
		free(buf);
		free(sig);
		buf = sig = NULL;
	}
	rc = 0;
out:
	if (rc == -1)
		err_set(errp, "%s (refused)", err != NULL ? err :
		    "out of memory");
	free(buf);
	free(sig);
	free(err);
	return rc;
}

static int
release_check(struct fetch_item *it, void *arg, char **errp)
{
	struct relfetch	*rf = arg;

	return sig_check(rf->kr, rf->sig, rf->siglen, it->partial, &it->got,
	    it->blake, rf->seq, errp);
}

/*
 * The site's signature of dcos_install.sh is made with a key the mirror
 * does not know (hosts check it); what can be checked here is that it
 * names the script it sits next to.
 */
static int
script_sig_check(struct fetch_item *it, void *arg, char **errp)
{
	const struct digest	*want = arg;
	struct minisign_sig	*sig = NULL;
	char			*text = NULL;
	size_t			 len;
	int			 rc = -1;

	if (read_file(it->partial, MINISIGN_FILE_MAX, &text, &len, errp) ==
	    -1 || minisign_sig_parse(text, len, &sig, errp) == -1)
		goto out;
	if (minisign_tc_check(sig, NULL, want, NULL, 0, errp) == -1) {
		err_wrap(errp, "the signature does not name the install "
		    "script index.json lists");
		goto out;
	}
	rc = 0;
out:
	free(text);
	minisign_sig_free(sig);
	return rc;
}

/* Script k's digest in index.json, or NULL: the store has none. */
static const struct digest *
script_digest(const struct mirror *m, int k)
{
	if (k == 0)
		return &m->index->install_script_digest;
	return m->index->install_script_windows != NULL ?
	    &m->index->install_script_windows_digest : NULL;
}

static int
script_present(const struct mirror *m, int k)
{
	char	*p;
	int	 ok;

	if ((p = dir_path(m, script_names[k])) == NULL)
		return 0;
	ok = file_matches(p, script_digest(m, k));
	free(p);
	return ok;
}

/* Every blob the manifests name that DIR lacks. */
static int
add_blob_items(struct mirror *m)
{
	struct ref	*r;
	size_t		 i;

	refs_unique(&m->refs);
	for (i = 0; i < m->refs.n; i++) {
		r = &m->refs.v[i];
		if (blob_present(m, &r->d, r->size)) {
			m->present++;
			continue;
		}
		/* refs are unique already. */
		if (blob_item(m, &r->d, r->size, r->size < 0 ?
		    MIRROR_RELEASE_MAX : (uint64_t)r->size, 0) == -1)
			return -1;
		m->items[m->nitems - 1]->mode = r->mode;
	}
	return 0;
}

/*
 * The release tars check_releases marked for fetching.  One that replaces
 * a file of the same name (which the current index.json may list) waits
 * in .partial for place_pinned; one left there by a failed run is checked
 * again as partial data, so it need not be downloaded twice.
 */
static int
add_release_items(struct mirror *m)
{
	struct store_index	*x = m->index;
	struct fetch_item	*it;
	char			 name[64];
	char			*dest, *part, *new;
	size_t			 i;

	for (i = 0; i < x->nreleases; i++) {
		if (!m->relf[i].fetch || x->releases[i].has_recipe)
			continue;
		snprintf(name, sizeof(name), "release-%zu.tar.part", i);
		part = partial_path(m, name);
		snprintf(name, sizeof(name), "release-%zu.tar.new", i);
		new = partial_path(m, name);
		dest = dir_path(m, x->releases[i].path);
		if (part == NULL || new == NULL || dest == NULL) {
			free(part);
			free(new);
			free(dest);
			return -1;
		}
		(void)rename(new, part);
		if (access(dest, F_OK) == 0) {
			m->relf[i].defer = 1;
			free(dest);
			dest = new;
		} else
			free(new);
		if ((it = item_add(m, x->releases[i].path, dest, part)) ==
		    NULL)
			return -1;
		it->want = x->releases[i].digest;
		it->has_digest = 1;
		it->max = MIRROR_RELEASE_MAX;
		it->resume = 1;
		it->prehash = 1;
		it->check = release_check;
		it->check_arg = &m->relf[i];
	}
	return 0;
}

/*
 * Install script k (*itp) and its optional signature (*sigitp), unless
 * present or the store has none.  They land in .partial: place_pinned
 * puts them in DIR.
 */
static int
add_script_items(struct mirror *m, int k, struct fetch_item **itp,
    struct fetch_item **sigitp)
{
	const struct digest	*want = script_digest(m, k);
	struct fetch_item	*it, *sigit;
	char			 name[128], part[128], sig[64];

	if (want == NULL)
		return 0;
	if (script_present(m, k)) {
		m->present++;
		return 0;
	}
	snprintf(name, sizeof(name), "%s.new", script_names[k]);
	snprintf(part, sizeof(part), "%s.part", script_names[k]);
	if ((it = item_add(m, script_names[k], partial_path(m, name),
	    partial_path(m, part))) == NULL)
		return -1;
	it->want = *want;
	it->has_digest = 1;
	it->max = MIRROR_JSON_MAX;
	/* As dcos-genconf generate writes it. */
	it->mode = k == 0 ? 0755 : 0644;
	/* The site's signature comes with the script it signs. */
	snprintf(sig, sizeof(sig), "%s.minisig", script_names[k]);
	snprintf(name, sizeof(name), "%s.new", sig);
	snprintf(part, sizeof(part), "%s.part", sig);
	if ((sigit = item_add(m, sig, partial_path(m, name),
	    partial_path(m, part))) == NULL)
		return -1;
	sigit->max = MINISIGN_FILE_MAX;
	sigit->optional = 1;
	sigit->check = script_sig_check;
	sigit->check_arg = (void *)want;
	*itp = it;
	*sigitp = sigit;
	return 0;
}

/*
 * A verified tar gets its signature next to it, even when other downloads
 * failed: the next run need not fetch it again.  Returns 0, or -1 with
 * *errp when a signature could not be written or memory ran out.
 */
static int
place_release_sigs(struct mirror *m, char **errp)
{
	struct store_index	*x = m->index;
	char			*sp;
	char			 name[64];
	size_t			 i;
	int			 rc = 0;

	for (i = 0; i < x->nreleases; i++) {
		if (!m->relf[i].fetch || x->releases[i].has_recipe)
			continue;
		if (m->relf[i].defer) {
			snprintf(name, sizeof(name), "release-%zu.tar.new", i);
			if ((sp = partial_path(m, name)) == NULL)
				goto oom;
			m->relf[i].ready = access(sp, F_OK) == 0;
			free(sp);
			continue;
		}
		if ((sp = dir_path(m, x->releases[i].path)) == NULL)
			goto oom;
		if (access(sp, F_OK) == 0) {
			free(sp);
			if ((sp = dir_path(m, x->releases[i].signature)) ==
			    NULL)
				goto oom;
			/* The others are still worth placing. */
			if (atomic_write_file(sp, m->relf[i].sig,
			    m->relf[i].siglen, 0644, errp) == -1)
				rc = -1;
		}
		free(sp);
	}
	return rc;
oom:
	return err_set(errp, "out of memory");
}

/*
 * The blobs of the recipes fetched with the signatures: what the releases
 * held once are made of (a cluster manifest lists them too, but a recipe
 * is what rebuilds the tar).  0 or -1 with *errp.
 */
static int
add_recipe_refs(struct mirror *m, char **errp)
{
	const struct store_release	*r;
	struct recipe			*rc;
	size_t				 i, k;

	for (i = 0; i < m->index->nreleases; i++) {
		r = &m->index->releases[i];
		if (!r->has_recipe)
			continue;
		if (store_recipe_load(m->dir, r, &rc, errp) == -1)
			return err_wrap(errp, "refused");
		for (k = 0; k < rc->nparts; k++)
			if (rc->parts[k].blob && refs_add(&m->refs,
			    &rc->parts[k].d, (int64_t)rc->parts[k].size,
			    "%s", r->path) == -1) {
				recipe_free(rc);
				return err_set(errp, "out of memory");
			}
		recipe_free(rc);
	}
	return 0;
}

/*
 * Once every blob is in, a release held once is rebuilt from its recipe
 * and checked against the signature fetched with it, which then goes in
 * place.  0 or -1 with *errp.
 */
static int
place_recipe_sigs(struct mirror *m, char **errp)
{
	const struct store_release	*r;
	char				*sp;
	size_t				 i;
	int				 rc;

	for (i = 0; i < m->index->nreleases; i++) {
		r = &m->index->releases[i];
		if (!m->relf[i].fetch || !r->has_recipe)
			continue;
		if (store_recipe_verify(m->dir, r, &m->kr, m->relf[i].sig,
		    m->relf[i].siglen, errp) == -1)
			return err_wrap(errp, "refused");
		if ((sp = dir_path(m, r->signature)) == NULL)
			return err_set(errp, "out of memory");
		rc = atomic_write_file(sp, m->relf[i].sig, m->relf[i].siglen,
		    0644, errp);
		free(sp);
		if (rc == -1)
			return -1;
	}
	return 0;
}

/* The last round: blobs, release tars and the install script. */
static int
fetch_rest(struct mirror *m, char **errp)
{
	struct fetch_item	*it[NSCRIPTS] = { NULL }, *sigit[NSCRIPTS] = { NULL };
	int			 k, rc;

	if (add_blob_items(m) == -1 || add_release_items(m) == -1)
		return err_set(errp, "out of memory");
	for (k = 0; k < NSCRIPTS; k++)
		if (add_script_items(m, k, &it[k], &sigit[k]) == -1)
			return err_set(errp, "out of memory");
	rc = run_round(m, errp);
	for (k = 0; k < NSCRIPTS; k++) {
		m->script_new[k] = it[k] != NULL && it[k]->done;
		m->sig_new[k] = sigit[k] != NULL && sigit[k]->done;
	}
	/* After a failed round too, so what was verified stays; a write
	 * error then replaces the round's summary (its lines are out). */
	if (place_release_sigs(m, errp) == -1)
		rc = -1;
	if (rc == 0 && place_recipe_sigs(m, errp) == -1)
		rc = -1;
	items_clear(m);
	return rc;
}

/*
 * Release tars that replace a file of the same name, with their
 * signatures.  0 or -1 with *errp.
 */
static int
place_deferred_releases(struct mirror *m, char **errp)
{
	struct store_index	*x = m->index;
	char			 name[64];
	char			*from = NULL, *to = NULL;
	size_t			 i;
	int			 rc = -1;

	for (i = 0; i < x->nreleases; i++) {
		if (!m->relf[i].ready)
			continue;
		snprintf(name, sizeof(name), "release-%zu.tar.new", i);
		if ((from = partial_path(m, name)) == NULL ||
		    (to = dir_path(m, x->releases[i].path)) == NULL) {
			err_set(errp, "out of memory");
			goto out;
		}
		if (rename(from, to) == -1) {
			err_sys(errp, "rename %s to %s", from, to);
			goto out;
		}
		free(to);
		if ((to = dir_path(m, x->releases[i].signature)) == NULL) {
			err_set(errp, "out of memory");
			goto out;
		}
		if (atomic_write_file(to, m->relf[i].sig, m->relf[i].siglen,
		    0644, errp) == -1 || fsync_parent(to, errp) == -1)
			goto out;
		free(from);
		free(to);
		from = to = NULL;
	}
	rc = 0;
out:
	free(from);
	free(to);
	return rc;
}

/*
 * Install script k and its signature: the new ones (or no signature: an
 * old one would be stale), or with a store that has no such script none
 * (dcos_install.ps1 of an older store would pin another cluster).
 */
static int
place_script(struct mirror *m, int k, char **errp)
{
	char	*from = NULL, *to = NULL, sig[64], name[128];
	int	 gone = script_digest(m, k) == NULL, rc = -1;

	if (!m->script_new[k] && !gone)
		return 0;
	snprintf(sig, sizeof(sig), "%s.minisig", script_names[k]);
	snprintf(name, sizeof(name), "%s.new", sig);
	if ((from = partial_path(m, name)) == NULL ||
	    (to = dir_path(m, sig)) == NULL) {
		err_set(errp, "out of memory");
		goto out;
	}
	if (m->sig_new[k] ? rename(from, to) == -1 :
	    unlink(to) == -1 && errno != ENOENT) {
		err_sys(errp, "%s", to);
		goto out;
	}
	free(from);
	free(to);
	to = NULL;
	snprintf(name, sizeof(name), "%s.new", script_names[k]);
	if ((from = partial_path(m, name)) == NULL ||
	    (to = dir_path(m, script_names[k])) == NULL) {
		err_set(errp, "out of memory");
		goto out;
	}
	if (gone ? unlink(to) == -1 && errno != ENOENT :
	    rename(from, to) == -1) {
		err_sys(errp, "%s", to);
		goto out;
	}
	rc = 0;
out:
	free(from);
	free(to);
	return rc;
}

/*
 * What the new index.json names under names an old one used: release tars
 * replaced in place, then the install scripts (and their signatures).
 * They go in once every file they pin is in DIR, just before index.json.
 * 0 or -1 with *errp.
 */
static int
place_pinned(struct mirror *m, char **errp)
{
	int	 k;

	if (place_deferred_releases(m, errp) == -1)
		return -1;
	for (k = 0; k < NSCRIPTS; k++)
		if (place_script(m, k, errp) == -1)
			return -1;
	return fsync_dir(m->dir, errp);
}

/*
 * index.json last: only now does DIR claim to hold the new store.  0, or
 * -1 with *errp.
 */
static int
write_index(struct mirror *m, int *changedp, char **errp)
{
	char	*p = NULL, *old = NULL, *tmp = NULL;
	size_t	 oldlen;
	int	 rc = -1;

	*changedp = 0;
	if ((p = dir_path(m, STORE_INDEX)) == NULL ||
	    (tmp = partial_path(m, "index.json.new")) == NULL) {
		err_set(errp, "out of memory");
		goto out;
	}
	if (place_pinned(m, errp) == -1)
		goto out;
	*changedp = !(read_file(p, MIRROR_JSON_MAX, &old, &oldlen, NULL) ==
	    0 && oldlen == m->index_len &&
	    memcmp(old, m->index_buf, oldlen) == 0);
	if (*changedp && atomic_write_file(p, m->index_buf, m->index_len,
	    0644, errp) == -1)
		goto out;
	unlink(tmp);
	rc = 0;
out:
	free(p);
	free(tmp);
	free(old);
	return rc;
}

/*
 * DIR/.partial holds the partial downloads; locking it keeps two mirrors
 * from writing the same partial files.  0, or -1 with *errp.
 */
static int
prepare_dir(struct mirror *m, int *lockfdp, char **errp)
{
	const char	*sub[] = { MIRROR_PARTIAL_DIR, STORE_BLOB_DIR,
			    STORE_RELEASE_DIR };
	const char	*skel[] = { NULL, "blobs", STORE_BLOB_DIR,
			    STORE_RELEASE_DIR };
	char		*p;
	size_t		 i;

	/* What a failed first run removes again (see finish_dir). */
	for (i = 0; i < sizeof(skel) / sizeof(skel[0]); i++) {
		if ((p = skel[i] != NULL ? dir_path(m, skel[i]) :
		    strdup(m->dir)) == NULL)
			return err_set(errp, "out of memory");
		if (access(p, F_OK) == 0)
			free(p);
		else
			m->made[m->nmade++] = p;
	}
	for (i = 0; i < sizeof(sub) / sizeof(sub[0]); i++) {
		if ((p = dir_path(m, sub[i])) == NULL)
			return err_set(errp, "out of memory");
		if (mkdir_p(p, 0755, errp) == -1) {
			free(p);
			return -1;
		}
		if (i == 0) {
			*lockfdp = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (*lockfdp == -1 || flock(*lockfdp, LOCK_EX |
			    LOCK_NB) == -1) {
				err_set(errp, "%s: %s", p, errno ==
				    EWOULDBLOCK ? "another mirror is writing "
				    "to this directory; wait for it to finish" :
				    strerror(errno));
				free(p);
				return -1;
			}
		}
		free(p);
	}
	return 0;
}

/*
 * Drops .partial once it holds nothing worth resuming: after a complete
 * run whatever is left there belongs to no file the store lists.
 */
static void
tidy_partial(struct mirror *m, int complete)
{
	struct dirent	*de;
	struct stat	 st;
	DIR		*dp;
	char		*p, *f;

	if ((p = dir_path(m, MIRROR_PARTIAL_DIR)) == NULL)
		return;
	/* An empty partial file (a server that never answered) is no data. */
	if ((dp = opendir(p)) != NULL) {
		while ((de = readdir(dp)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			if ((f = path_join(p, de->d_name)) != NULL &&
			    (complete || (lstat(f, &st) == 0 &&
			    S_ISREG(st.st_mode) && st.st_size == 0)))
				(void)unlink(f);
			free(f);
		}
		closedir(dp);
	}
	(void)rmdir(p);
	free(p);
}

static int
parse_count(const char *s, long lo, long hi, long *out)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0 || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static void
mirror_free(struct mirror *m)
{
	size_t	 i, n = m->index != NULL ? m->index->nmanifests : 0;

	items_clear(m);
	free(m->items);
	for (i = 0; i < m->nmade; i++)
		free(m->made[i]);
	for (i = 0; i < n; i++) {
		if (m->clusters != NULL)
			cluster_manifest_free(m->clusters[i]);
		if (m->rels != NULL)
			release_manifest_free(m->rels[i]);
		if (m->ckr != NULL)
			keyring_clear(&m->ckr[i]);
	}
	if (m->relf != NULL && m->index != NULL)
		for (i = 0; i < m->index->nreleases; i++)
			free(m->relf[i].sig);
	free(m->relf);
	free(m->clusters);
	free(m->rels);
	free(m->ckr);
	refs_clear(&m->refs);
	keyring_clear(&m->kr);
	store_index_free(m->index);
	free(m->index_buf);
	for (i = 0; i < m->fo.nurls; i++)
		free(m->fo.urls[i]);
	free((void *)m->fo.urls);
}

/* Base URLs: http(s) only, without the trailing '/'.  0 or -1, *errp. */
static int
take_urls(struct mirror *m, char **argv, int n, char **errp)
{
	const char	 *auth;
	char		**u;
	size_t		  len;
	int		  i;

	if ((u = calloc((size_t)n, sizeof(*u))) == NULL)
		return err_set(errp, "out of memory");
	m->fo.urls = u;
	for (i = 0; i < n; i++) {
		if (strncmp(argv[i], "http://", 7) != 0 &&
		    strncmp(argv[i], "https://", 8) != 0)
			return err_set(errp, "%s: not an http:// or https:// "
			    "URL (the last operand is the directory)", argv[i]);
		/* Credentials would end up in every log line naming the URL. */
		auth = argv[i] + strcspn(argv[i], ":") + 3;
		if (memchr(auth, '@', strcspn(auth, "/?#")) != NULL)
			return err_set(errp, "mirror URL %d holds a user name "
			    "or password: put credentials in ~/.netrc instead",
			    i + 1);
		if ((u[i] = strdup(argv[i])) == NULL)
			return err_set(errp, "out of memory");
		m->fo.nurls++;
		len = strlen(u[i]);
		while (len > 0 && u[i][len - 1] == '/')
			u[i][--len] = '\0';
	}
	return 0;
}

static const struct option longopts[] = {
	{ "jobs", required_argument, NULL, 'j' },
	{ "trusted-key", required_argument, NULL, 'k' },
	{ "retries", required_argument, NULL, 'r' },
	{ "cacert", required_argument, NULL, 'C' },
	{ "verify-existing", no_argument, NULL, 'E' },
	{ "allow-downgrade", no_argument, NULL, 'D' },
	{ "prune", no_argument, NULL, 'P' },
	{ "speed-limit", required_argument, NULL, 'S' },
	{ "speed-time", required_argument, NULL, 'T' },
	{ "max-time", required_argument, NULL, 'M' },
	{ "help", no_argument, NULL, 'h' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ NULL, 0, NULL, 0 }
};

/* --NAME v, a number from lo to hi: SUBCMD_CONTINUE, or EXIT_USAGE. */
static int
count_option(const char *name, const char *v, long lo, long hi, long *out)
{
	if (parse_count(v, lo, hi, out) == -1) {
		log_error("--%s %s: give a number from %ld to %ld", name, v,
		    lo, hi);
		return EXIT_USAGE;
	}
	return SUBCMD_CONTINUE;
}

/* One option of the getopt loop: SUBCMD_CONTINUE, or the exit status. */
static int
set_option(struct mirror *m, const struct subcmd *c, int opt)
{
	long	 n = 0;
	int	 rc;

	switch (opt) {
	case 'j':
		rc = count_option("jobs", optarg, 1, JOBS_MAX, &n);
		m->fo.jobs = (int)n;
		return rc;
	case 'k':
		m->keypath = optarg;
		return SUBCMD_CONTINUE;
	case 'C':
		m->fo.cacert = optarg;
		return SUBCMD_CONTINUE;
	case 'E':
		m->verify_existing = 1;
		return SUBCMD_CONTINUE;
	case 'D':
		m->allow_downgrade = 1;
		return SUBCMD_CONTINUE;
	case 'P':
		m->prune = 1;
		return SUBCMD_CONTINUE;
	case 'r':
		rc = count_option("retries", optarg, 0, RETRIES_MAX, &n);
		m->fo.retries = (int)n;
		return rc;
	case 'S':
		return count_option("speed-limit", optarg, 1, 1L << 30,
		    &m->fo.speed_limit);
	case 'T':
		return count_option("speed-time", optarg, 1, SECONDS_MAX,
		    &m->fo.speed_time);
	case 'M':
		return count_option("max-time", optarg, 0, SECONDS_MAX,
		    &m->fo.max_time);
	default:
		return subcmd_opt(opt, c);
	}
}

/* The options; SUBCMD_CONTINUE with optind at the operands, or the exit. */
static int
parse_args(struct mirror *m, int argc, char **argv)
{
	const struct subcmd	*c = subcmd_find(artifactd_commands, "mirror");
	int			 opt, rc;

	m->fo.jobs = JOBS_DEFAULT;
	m->fo.retries = RETRIES_DEFAULT;
	m->fo.speed_limit = SPEED_LIMIT_DEFAULT;
	m->fo.speed_time = SPEED_TIME_DEFAULT;
	m->fo.max_time = MAX_TIME_DEFAULT;
	while ((opt = getopt_long(argc, argv, "hj:k:qr:v", longopts,
	    NULL)) != -1)
		if ((rc = set_option(m, c, opt)) != SUBCMD_CONTINUE)
			return rc;
	if (argc - optind < 2)
		return subcmd_usage_error(c);
	return SUBCMD_CONTINUE;
}

/*
 * Checks the operands and the trust settings, then locks DIR (*lockfdp)
 * and readies the transfers.  0, or -1 with *errp.
 */
static int
setup(struct mirror *m, char **operands, int n, int *lockfdp, char **errp)
{
	m->dir = operands[n - 1];
	if (take_urls(m, operands, n - 1, errp) == -1)
		return -1;
	m->fo.progress = isatty(STDERR_FILENO) && log_get_level() >= LOG_NORMAL;
	if (m->fo.cacert != NULL && access(m->fo.cacert, R_OK) == -1)
		return err_sys(errp, "--cacert %s", m->fo.cacert);
	if (m->keypath != NULL && keyring_pin(&m->kr, m->keypath,
	    errp) == -1)
		return -1;
	if (m->keypath == NULL)
		log_warn("no --trusted-key: signatures are checked against the "
		    "keys the store's own cluster manifests list");
	if (prepare_dir(m, lockfdp, errp) == -1 ||
	    fetch_global_init(errp) == -1)
		return -1;
	m->fo.stop = &stop_signal;
	catch_stop();
	return 0;
}

/*
 * The rounds, in order; index.json is written only when all went well.
 * 0, or -1 with *errp (none when a signal stopped them).
 */
static int
mirror_rounds(struct mirror *m, char **errp)
{
	if (fetch_index(m, errp) == -1 || fetch_clusters(m, errp) == -1 ||
	    check_downgrade(m, m->allow_downgrade, errp) == -1 ||
	    fetch_releases_and_sigs(m, errp) == -1 ||
	    check_releases(m, errp) == -1 || add_recipe_refs(m, errp) == -1 ||
	    fetch_rest(m, errp) == -1)
		return -1;
	return 0;
}

/* What a failed run says: what became of DIR, and why. */
static void
say_incomplete(const struct mirror *m, const char *err)
{
	if (stop_signal)
		log_error("%s: interrupted by signal %d; partial downloads "
		    "kept, index.json not updated (run the same command again "
		    "to resume)", m->dir, (int)stop_signal);
	else
		log_error("%s: mirror incomplete; index.json not updated (run "
		    "again to resume): %s", m->dir, err != NULL ? err :
		    "out of memory");
}

static void
report(const struct mirror *m, int changed, double secs)
{
	const struct cluster_manifest *cur = m->clusters[0];
	char			 hs[HUMAN_SIZE_LEN];

	if (m->st.files == 0)
		log_info("%s is up to date: nothing to fetch (%" PRIu64
		    " files checked%s); current: cluster %s, release %s-%s "
		    "seq %" PRId64, m->dir, m->present, changed ?
		    ", index.json updated" : "", cur->cluster_name,
		    cur->release_name, cur->release_version, cur->release_seq);
	else
		log_info("mirrored %" PRIu64 " files (%s, %" PRIu64
		    " resumed, %" PRIu64 " retries) from %s%s into %s in %.1f "
		    "s; %" PRIu64 " were already there; current: cluster %s, "
		    "release %s-%s seq %" PRId64, m->st.files,
		    human_size(m->st.bytes, hs), m->st.resumed, m->st.retries,
		    m->fo.urls[0], m->fo.nurls > 1 ? " and its fallbacks" : "",
		    m->dir, secs, m->present, cur->cluster_name,
		    cur->release_name, cur->release_version, cur->release_seq);
}

/*
 * --prune: once DIR holds the new index, what none of its cluster
 * manifests reaches goes (the rule of dcos-genconf prune, keeping every
 * manifest the primary still lists).  0, or -1 with *errp.
 */
static int
prune_dir(const struct mirror *m, char **errp)
{
	struct prune_plan	 p;
	size_t			 i;
	char			 rel[STORE_BLOB_RELSZ];

	if (store_prune_plan(m->dir, 0, &p, errp) == -1)
		return -1;
	if (store_prune_apply(m->dir, &p, errp) == -1) {
		store_prune_free(&p);
		return -1;
	}
	for (i = 0; i < p.nfiles; i++)
		log_verbose("pruned %s", p.files[i]);
	for (i = 0; i < p.nblobs; i++) {
		store_blob_relpath(&p.blobs[i].d, rel);
		log_verbose("pruned %s", rel);
	}
	log_info("pruned %zu blob%s and %zu release file%s (%.1f MiB) that "
	    "the primary no longer lists from %s", p.nblobs, p.nblobs == 1 ?
	    "" : "s", p.nfiles, p.nfiles == 1 ? "" : "s",
	    (double)p.bytes / 1048576.0, m->dir);
	store_prune_free(&p);
	return 0;
}

/*
 * Scratch that is never resumed goes; .partial goes when nothing in it is
 * worth resuming.  Then DIR is unlocked.
 */
static void
finish_dir(struct mirror *m, int lockfd, int ok)
{
	char	*tmp;
	size_t	 i;

	if ((tmp = partial_path(m, "index.json.new")) != NULL)
		unlink(tmp);
	free(tmp);
	tidy_partial(m, ok);
	/* A run that got nothing leaves no empty skeleton behind. */
	for (i = m->nmade; !ok && i-- > 0;)
		(void)rmdir(m->made[i]);
	close(lockfd);
}

int
cmd_mirror(int argc, char **argv)
{
	struct mirror		 m;
	struct timespec		 t0, t1;
	char			*err = NULL;
	int			 rc, lockfd = -1, changed = 0;

	memset(&m, 0, sizeof(m));
	if ((rc = parse_args(&m, argc, argv)) != SUBCMD_CONTINUE)
		return rc;
	rc = EXIT_FAIL;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (setup(&m, argv + optind, argc - optind, &lockfd, &err) == -1) {
		log_error("%s", err != NULL ? err : "out of memory");
		goto out;
	}
	if (mirror_rounds(&m, &err) == -1) {
		say_incomplete(&m, err);
		goto out;
	}
	if (write_index(&m, &changed, &err) == -1) {
		log_error("%s", err != NULL ? err : "out of memory");
		goto out;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	report(&m, changed, (t1.tv_sec - t0.tv_sec) +
	    (t1.tv_nsec - t0.tv_nsec) / 1e9);
	if (m.prune && prune_dir(&m, &err) == -1) {
		log_error("%s: mirror complete, pruning failed: %s", m.dir,
		    err != NULL ? err : "out of memory");
		goto out;
	}
	rc = EXIT_OK;
out:
	if (lockfd != -1)
		finish_dir(&m, lockfd, rc == EXIT_OK);
	mirror_free(&m);
	free(err);
	return rc;
}
