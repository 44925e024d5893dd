/*
 * What mirror and fsck both need to know about a store: which blobs its
 * manifests reach, which keys it must be signed with, and which of its
 * paths are safe to use.
 */
#include <config.h>

#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomicio.h"
#include "digest.h"
#include "error.h"
#include "manifest.h"
#include "minisign.h"
#include "mirror.h"
#include "store.h"

int
keyring_pin(struct keyring *kr, const char *path, char **errp)
{
	keyring_clear(kr);
	if ((kr->keys = calloc(1, sizeof(*kr->keys))) == NULL)
		return err_set(errp, "out of memory");
	if (minisign_pubkey_load(path, &kr->keys[0], errp) == -1) {
		keyring_clear(kr);
		return -1;
	}
	kr->n = 1;
	kr->pinned = 1;
	return 0;
}

int
keyring_add(struct keyring *kr, const struct minisign_pubkey *k, size_t n,
    char **errp)
{
	struct minisign_pubkey	*nk;
	size_t			 i, j;

	if (kr->pinned)
		return 0;
	for (i = 0; i < n; i++) {
		for (j = 0; j < kr->n; j++)
			if (memcmp(&kr->keys[j], &k[i], sizeof(*k)) == 0)
				break;
		if (j < kr->n)
			continue;
		if ((nk = reallocarray(kr->keys, kr->n + 1,
		    sizeof(*nk))) == NULL)
			return err_set(errp, "out of memory");
		kr->keys = nk;
		kr->keys[kr->n++] = k[i];
	}
	return 0;
}

void
keyring_clear(struct keyring *kr)
{
	free(kr->keys);
	kr->keys = NULL;
	kr->n = 0;
	kr->pinned = 0;
}

/* Parses sigtext and finds its key in kr.  0 with *sigp and *pkp, or -1. */
static int
sig_key(const struct keyring *kr, const char *sigtext, size_t siglen,
    struct minisign_sig **sigp, const struct minisign_pubkey **pkp,
    char **errp)
{
	char	 id[MINISIGN_KEYID_STRSZ];
	size_t	 i;

	if (minisign_sig_parse(sigtext, siglen, sigp, errp) == -1)
		return -1;
	for (i = 0; i < kr->n; i++)
		if (memcmp(kr->keys[i].keynum, (*sigp)->keynum,
		    MINISIGN_KEYNUM_LEN) == 0) {
			*pkp = &kr->keys[i];
			return 0;
		}
	minisign_keyid((*sigp)->keynum, id);
	err_set(errp, "signed with key %s, which is not %s", id,
	    kr->pinned ? "the --trusted-key" : "among the cluster "
	    "manifest's trusted keys");
	minisign_sig_free(*sigp);
	*sigp = NULL;
	return -1;
}

int
sig_check(const struct keyring *kr, const char *sigtext, size_t siglen,
    const char *path, const struct digest *d, const uint8_t *hash,
    int64_t seq, char **errp)
{
	struct minisign_sig		*sig = NULL;
	const struct minisign_pubkey	*pk;
	uint8_t				 h[MINISIGN_HASH_LEN];
	int				 fd, rc = -1;

	if (sig_key(kr, sigtext, siglen, &sig, &pk, errp) == -1)
		return -1;
	if (!sig->prehashed) {
		/* Legacy "Ed" signs the whole file: it takes a read. */
		if (minisign_verify_file(pk, sig, path, errp) == -1)
			goto out;
	} else {
		if (hash == NULL) {
			/* Not a bare open(): a FIFO would block it. */
			if ((fd = open_regular(path, errp)) == -1)
				goto out;
			rc = minisign_prehash_fd(fd, h, NULL, errp);
			close(fd);
			if (rc == -1)
				goto out;
			rc = -1;
			hash = h;
		}
		if (minisign_verify_prehashed(pk, sig, hash, errp) == -1)
			goto out;
	}
	rc = minisign_tc_check(sig, NULL, d, seq > 0 ? &seq : NULL, 0, errp);
out:
	minisign_sig_free(sig);
	return rc;
}

int
sig_check_buf(const struct keyring *kr, const char *sigtext, size_t siglen,
    const void *buf, size_t len, const struct digest *d, int64_t seq,
    char **errp)
{
	struct minisign_sig		*sig = NULL;
	const struct minisign_pubkey	*pk;
	int				 rc = -1;

	if (sig_key(kr, sigtext, siglen, &sig, &pk, errp) == -1)
		return -1;
	if (minisign_verify_buf(pk, sig, buf, len, errp) == 0)
		rc = minisign_tc_check(sig, NULL, d, seq > 0 ? &seq : NULL, 0,
		    errp);
	minisign_sig_free(sig);
	return rc;
}

int
refs_add(struct refs *r, const struct digest *d, int64_t size,
    const char *fmt, ...)
{
	struct ref	*nv;
	va_list		 ap;
	char		*what;
	int		 n;

	va_start(ap, fmt);
	n = vasprintf(&what, fmt, ap);
	va_end(ap);
	if (n == -1)
		return -1;
	if (r->n == r->cap) {
		if ((nv = reallocarray(r->v, r->cap ? r->cap * 2 : 64,
		    sizeof(*nv))) == NULL) {
			free(what);
			return -1;
		}
		r->v = nv;
		r->cap = r->cap ? r->cap * 2 : 64;
	}
	r->v[r->n].d = *d;
	r->v[r->n].size = size;
	r->v[r->n].what = what;
	r->n++;
	return 0;
}

static int
ref_cmp(const void *a, const void *b)
{
	const struct ref	*x = a, *y = b;
	int			 c;

	if ((c = memcmp(x->d.b, y->d.b, DIGEST_LEN)) != 0)
		return c;
	/* Those with a size first, so the kept one has it. */
	return (x->size < 0) - (y->size < 0);
}

void
refs_unique(struct refs *r)
{
	size_t	 i, o;

	if (r->n == 0)
		return;
	qsort(r->v, r->n, sizeof(*r->v), ref_cmp);
	for (i = 1, o = 1; i < r->n; i++) {
		if (digest_equal(&r->v[i].d, &r->v[o - 1].d)) {
			free(r->v[i].what);
			continue;
		}
		r->v[o++] = r->v[i];
	}
	r->n = o;
}

void
refs_clear(struct refs *r)
{
	size_t	 i;

	for (i = 0; i < r->n; i++)
		free(r->v[i].what);
	free(r->v);
	r->v = NULL;
	r->n = r->cap = 0;
}

int
cluster_release_agree(const struct cluster_manifest *c,
    const struct release_manifest *rel, char **errp)
{
	const struct release_pkg	*p;
	char				 d[DIGEST_STRSZ];
	size_t				 i, npkgs = 0;

	if (strcmp(c->release_name, rel->name) != 0 ||
	    strcmp(c->release_version, rel->version) != 0 ||
	    c->release_seq != rel->seq)
		return err_set(errp, "names release %s-%s seq %" PRId64
		    " but its release.json is %s-%s seq %" PRId64,
		    c->release_name, c->release_version, c->release_seq,
		    rel->name, rel->version, rel->seq);
	for (i = 0; i < c->nblobs; i++) {
		if (c->blobs[i].kind != BLOB_PACKAGE)
			continue;
		npkgs++;
		p = release_manifest_package(rel, c->blobs[i].id);
		if (p == NULL)
			return err_set(errp, "lists package %s, which its "
			    "release does not have", c->blobs[i].id);
		if (p->platform != c->blobs[i].platform)
			return err_set(errp, "lists package %s for %s, its "
			    "signed release.json for %s", c->blobs[i].id,
			    platform_name(c->blobs[i].platform),
			    platform_name(p->platform));
		if (!digest_equal(&p->blob.digest, &c->blobs[i].blob.digest)) {
			digest_format(&c->blobs[i].blob.digest, d);
			return err_set(errp, "lists package %s as %s, not as "
			    "its signed release.json does", c->blobs[i].id, d);
		}
	}
	if (npkgs != rel->npackages)
		return err_set(errp, "lists %zu packages where its release "
		    "has %zu", npkgs, rel->npackages);
	return 0;
}

int
refs_add_cluster(struct refs *r, const char *cname,
    const struct cluster_manifest *c, const struct release_manifest *rel)
{
	size_t	 i;

	for (i = 0; i < c->nblobs; i++) {
		if (c->blobs[i].kind == BLOB_RELEASE ||
		    c->blobs[i].kind == BLOB_SIGNATURE)
			continue;
		if (refs_add(r, &c->blobs[i].blob.digest,
		    (int64_t)c->blobs[i].blob.size, "%s %s of cluster "
		    "manifest %s", blob_kind_name(c->blobs[i].kind),
		    c->blobs[i].id != NULL ? c->blobs[i].id : "", cname) == -1)
			return -1;
	}
	if (refs_add(r, &c->config_package.digest,
	    (int64_t)c->config_package.size, "config package %s of cluster "
	    "manifest %s", c->config_id_pkg, cname) == -1)
		return -1;
	for (i = 0; i < c->nbootstrap; i++)
		if (refs_add(r, &c->bootstrap[i].blob.digest,
		    (int64_t)c->bootstrap[i].blob.size, "%s dcos-bootstrap of "
		    "cluster manifest %s", c->bootstrap[i].arch, cname) == -1)
			return -1;
	for (i = 0; i < rel->npackages; i++)
		if (refs_add(r, &rel->packages[i].blob.digest,
		    (int64_t)rel->packages[i].blob.size, "package %s of "
		    "release %s-%s", rel->packages[i].id, rel->name,
		    rel->version) == -1)
			return -1;
	for (i = 0; i < rel->nbootstrap; i++)
		if (refs_add(r, &rel->bootstrap[i].blob.digest,
		    (int64_t)rel->bootstrap[i].blob.size, "%s dcos-bootstrap "
		    "of release %s-%s", rel->bootstrap[i].arch, rel->name,
		    rel->version) == -1)
			return -1;
	return 0;
}

int64_t
cluster_blob_size(const struct cluster_manifest *c, const struct digest *d)
{
	size_t	 i;

	for (i = 0; i < c->nblobs; i++)
		if (digest_equal(&c->blobs[i].blob.digest, d))
			return (int64_t)c->blobs[i].blob.size;
	return -1;
}

int
index_paths_check(const struct store_index *x, char **errp)
{
	/* Release paths: store_index_parse holds them to one rule. */
	if (strcmp(x->install_script, STORE_INSTALL_SCRIPT) != 0)
		return err_set(errp, "index.json: install_script.path is '%s', "
		    "not '%s'", x->install_script, STORE_INSTALL_SCRIPT);
	return 0;
}
