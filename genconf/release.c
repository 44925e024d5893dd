/* SPDX-License-Identifier: Apache-2.0 */
/*
 * release_load: verifies a master artifact while reading it once.  A
 * second thread hashes the whole file for its minisign signature (BLAKE2b
 * is the slowest hash here) while this one walks the members, hashing each
 * with SHA-256 against the signed release.json, so a 1 GB release costs
 * about one pass of the slower hash.  Members a sink already has are not
 * hashed again: the tar signature covers the same bytes.
 */
#include <config.h>

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <openssl/evp.h>

#include "atomicio.h"
#include "error.h"
#include "jsonio.h"
#include "manifest.h"
#include "pkgblob.h"
#include "release.h"

#define IO_CHUNK	(1024 * 1024)

enum member_kind {
	M_PACKAGE,
	M_BOOTSTRAP,
	M_SCHEMA,
	M_TEMPLATE
};

struct member {
	const char	*path;
	enum member_kind kind;
	size_t		 index;
	struct digest	 digest;
	int		 seen;
};

/*
 * The tar is read once, in chunks that go both to libarchive (members,
 * their SHA-256) and to a second thread (BLAKE2b of the whole file for its
 * signature), so what is signed and what is parsed are the same bytes.  A ring of NBUF chunks
 * lets the two run side by side: a chunk is refilled only once hashed, and
 * libarchive is done with it by then (it holds only its latest chunk).
 */
#define NBUF	4

struct feeder {
	int		 fd;
	int		 want_sha;
	char		*buf[NBUF];
	size_t		 len[NBUF];
	uint64_t	 produced;	/* chunks read */
	uint64_t	 hashed;	/* chunks hashed */
	int		 eof;
	int		 stop;
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	uint8_t		 hash[MINISIGN_HASH_LEN];
	struct digest	 sha;
	uint64_t	 size;
	char		*err;		/* the hashing thread's failure */
	int		 rc;
};

char *
json_blob_text(const json_t *j, size_t *lenp)
{
	char	*t, *n;
	size_t	 len;

	if ((t = json_dumps(j, JSONIO_PRETTY)) == NULL)
		return NULL;
	len = strlen(t);
	if ((n = realloc(t, len + 2)) == NULL) {
		free(t);
		return NULL;
	}
	n[len++] = '\n';
	n[len] = '\0';
	*lenp = len;
	return n;
}

char *
minisig_path(const char *file)
{
	char	*p;

	if (asprintf(&p, "%s.minisig", file) == -1)
		return NULL;
	return p;
}

int
genconf_sign(const struct minisign_seckey *sk,
    const uint8_t prehash[MINISIGN_HASH_LEN], const char *signer,
    const char *file, const struct digest *d, json_int_t seq, char **outp,
    char **errp)
{
	char	 hex[DIGEST_HEXLEN + 1], *tc = NULL, *uc = NULL;
	int	 rc, n;

	digest_hex(d, hex);
	if (seq > 0)
		n = asprintf(&tc, "file:%s\tsha256:%s\tseq:%lld", file, hex,
		    (long long)seq);
	else
		n = asprintf(&tc, "file:%s\tsha256:%s", file, hex);
	if (n == -1)
		return err_set(errp, "out of memory");
	if (asprintf(&uc, "signature from dcos-genconf %s", signer) == -1) {
		free(tc);
		return err_set(errp, "out of memory");
	}
	rc = minisign_sign_prehashed(sk, prehash, uc, tc, outp, errp);
	free(tc);
	free(uc);
	return rc;
}

static void
feeder_stop(struct feeder *f)
{
	pthread_mutex_lock(&f->mu);
	f->stop = 1;
	pthread_cond_broadcast(&f->cv);
	pthread_mutex_unlock(&f->mu);
}

static void *
feeder_hash(void *arg)
{
	struct feeder	*f = arg;
	EVP_MD_CTX	*ctx = NULL;
	struct sha256	*h = NULL;
	unsigned int	 n = MINISIGN_HASH_LEN;
	size_t		 slot, len;

	f->rc = -1;
	if ((ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(ctx, EVP_blake2b512(), NULL) != 1 ||
	    (f->want_sha && (h = sha256_new()) == NULL)) {
		err_set(&f->err, "out of memory");
		goto out;
	}
	for (;;) {
		pthread_mutex_lock(&f->mu);
		while (f->hashed == f->produced && !f->eof && !f->stop)
			pthread_cond_wait(&f->cv, &f->mu);
		if (f->stop || f->hashed == f->produced) {
			pthread_mutex_unlock(&f->mu);
			break;
		}
		slot = f->hashed % NBUF;
		len = f->len[slot];
		pthread_mutex_unlock(&f->mu);
		EVP_DigestUpdate(ctx, f->buf[slot], len);
		if (h != NULL)
			sha256_update(h, f->buf[slot], len);
		f->size += len;
		pthread_mutex_lock(&f->mu);
		f->hashed++;
		pthread_cond_broadcast(&f->cv);
		pthread_mutex_unlock(&f->mu);
	}
	if (f->stop)
		goto out;
	if (EVP_DigestFinal_ex(ctx, f->hash, &n) != 1) {
		err_set(&f->err, "BLAKE2b-512 failed");
		goto out;
	}
	if (h != NULL)
		sha256_final(h, &f->sha);
	f->rc = 0;
out:
	if (f->rc == -1)
		feeder_stop(f);
	EVP_MD_CTX_free(ctx);
	sha256_free(h);
	return NULL;
}

/* libarchive's read callback: the next chunk, also queued for hashing. */
static la_ssize_t
feeder_read(struct archive *a, void *arg, const void **bufp)
{
	struct feeder	*f = arg;
	size_t		 slot;
	ssize_t		 n;

	pthread_mutex_lock(&f->mu);
	while (f->produced - f->hashed >= NBUF && !f->stop)
		pthread_cond_wait(&f->cv, &f->mu);
	if (f->stop || f->eof) {
		pthread_mutex_unlock(&f->mu);
		if (f->stop && a != NULL)
			archive_set_error(a, ECANCELED, "reading stopped");
		return f->stop ? -1 : 0;
	}
	slot = f->produced % NBUF;
	pthread_mutex_unlock(&f->mu);
	do
		n = read(f->fd, f->buf[slot], IO_CHUNK);
	while (n == -1 && errno == EINTR);
	if (n == -1) {
		if (a != NULL)
			archive_set_error(a, errno, "read: %s",
			    strerror(errno));
		return -1;
	}
	pthread_mutex_lock(&f->mu);
	if (n == 0)
		f->eof = 1;
	else {
		f->len[slot] = (size_t)n;
		f->produced++;
	}
	pthread_cond_broadcast(&f->cv);
	pthread_mutex_unlock(&f->mu);
	*bufp = f->buf[slot];
	return n;
}

/* The bytes after the end-of-archive marker are signed too. */
static int
feeder_drain(struct feeder *f, char **errp)
{
	const void	*b;
	la_ssize_t	 n;

	while ((n = feeder_read(NULL, f, &b)) > 0)
		;
	if (n == -1 && !f->stop)
		return err_sys(errp, "read");
	return 0;
}

void
release_free(struct release *r)
{
	size_t	 i;

	if (r == NULL)
		return;
	free(r->tar_path);
	release_manifest_free(r->rm);
	free(r->schema.path);
	free(r->schema.text);
	for (i = 0; i < r->ntemplates; i++) {
		free(r->templates[i].path);
		free(r->templates[i].text);
	}
	free(r->templates);
	free(r->manifest_text.text);
	free(r->sig_text.text);
	free(r->tar_sig_text.text);
	for (i = 0; i < r->npackages; i++)
		free(r->packages[i].path);
	free(r->packages);
	for (i = 0; i < r->nbootstrap; i++)
		free(r->bootstrap[i].path);
	free(r->bootstrap);
	free(r->spans);
	recipe_free(r->recipe);
	free(r);
}

static const struct minisign_pubkey *
find_key(const struct minisign_pubkey *keys, size_t nkeys,
    const struct minisign_sig *sig, const char *what, char **errp)
{
	char	 id[MINISIGN_KEYID_STRSZ];
	size_t	 i;

	for (i = 0; i < nkeys; i++)
		if (memcmp(keys[i].keynum, sig->keynum, MINISIGN_KEYNUM_LEN)
		    == 0)
			return &keys[i];
	minisign_keyid(sig->keynum, id);
	err_set(errp, "%s: signed with key %s, which is not a trusted key "
	    "(give the vendor's public key with --trusted-key)", what, id);
	return NULL;
}

/* lib/manifest has made every path release.json pins unique. */
static int
add_member(struct member **mv, size_t *n, const char *path,
    enum member_kind kind, size_t index, const struct digest *d,
    char **errp)
{
	struct member	*nv;

	if ((nv = reallocarray(*mv, *n + 1, sizeof(*nv))) == NULL)
		return err_set(errp, "out of memory");
	*mv = nv;
	nv[*n].path = path;
	nv[*n].kind = kind;
	nv[*n].index = index;
	nv[*n].digest = *d;
	nv[*n].seen = 0;
	(*n)++;
	return 0;
}

static int
text_cmp(const void *a, const void *b)
{
	return strcmp(((const struct release_text *)a)->path,
	    ((const struct release_text *)b)->path);
}

/*
 * A package or bootstrap blob that release.json pins, as the member
 * DIR/ID+SUFFIX (id a package id or an architecture).
 */
static int
add_blob(struct release_blob *b, const char *dir, const char *id,
    const char *suffix, const struct blob_pin *pin, enum member_kind kind,
    size_t index, struct member **mv, size_t *nm, char **errp)
{
	b->id = id;
	b->digest = pin->digest;
	b->size = pin->size;
	if (asprintf(&b->path, "%s/%s%s", dir, id, suffix) == -1) {
		b->path = NULL;
		return err_set(errp, "out of memory");
	}
	return add_member(mv, nm, b->path, kind, index, &b->digest, errp);
}

/* The members the parsed release.json pins, and where their bytes go. */
static int
list_members(struct release *r, struct member **mv, size_t *nm,
    char **errp)
{
	const struct release_manifest	*m = r->rm;
	size_t				 i;

	if ((r->packages = calloc(m->npackages + 1,
	    sizeof(*r->packages))) == NULL ||
	    (r->bootstrap = calloc(m->nbootstrap + 1,
	    sizeof(*r->bootstrap))) == NULL ||
	    (r->templates = calloc(m->ntemplates + 1,
	    sizeof(*r->templates))) == NULL)
		return err_set(errp, "out of memory");
	for (i = 0; i < m->npackages; i++)
		if (add_blob(&r->packages[r->npackages++], "packages",
		    m->packages[i].id, pkg_blob_suffix(m->packages[i].platform),
		    &m->packages[i].blob,
		    M_PACKAGE, i, mv, nm, errp) == -1)
			return -1;
	for (i = 0; i < m->nbootstrap; i++)
		if (add_blob(&r->bootstrap[r->nbootstrap++], "bootstrap",
		    m->bootstrap[i].arch, "/dcos-bootstrap",
		    &m->bootstrap[i].blob, M_BOOTSTRAP, i, mv, nm, errp) == -1)
			return -1;
	if (m->schema != NULL) {
		if ((r->schema.path = strdup(m->schema->path)) == NULL)
			return err_set(errp, "out of memory");
		if (add_member(mv, nm, r->schema.path, M_SCHEMA, 0,
		    &m->schema->digest, errp) == -1)
			return -1;
	}
	for (i = 0; i < m->ntemplates; i++) {
		if ((r->templates[r->ntemplates++].path =
		    strdup(m->templates[i].path)) == NULL)
			return err_set(errp, "out of memory");
		if (add_member(mv, nm, r->templates[i].path, M_TEMPLATE, i,
		    &m->templates[i].digest, errp) == -1)
			return -1;
	}
	return 0;
}

static int
read_member(struct archive *a, const char *name, int64_t size, size_t max,
    struct release_text *t, char **errp)
{
	la_ssize_t	 n;

	if (size < 0 || (uint64_t)size > max)
		return err_set(errp, "member %s is larger than %zu bytes", name,
		    max);
	if ((t->text = malloc((size_t)size + 1)) == NULL)
		return err_set(errp, "out of memory");
	t->len = 0;
	while (t->len < (size_t)size) {
		n = archive_read_data(a, t->text + t->len, (size_t)size -
		    t->len);
		if (n < 0)
			return err_set(errp, "member %s: %s", name,
			    archive_error_string(a));
		if (n == 0)
			break;
		t->len += (size_t)n;
	}
	if (t->len != (size_t)size)
		return err_set(errp, "member %s is truncated", name);
	t->text[t->len] = '\0';
	return 0;
}

static int
seq_check(const struct release *r, const struct minisign_sig *sig,
    int required, const char *what, char **errp)
{
	int64_t	 seq = r->rm->seq;

	if (minisign_tc_check(sig, NULL, NULL, &seq, required ? 0 :
	    MINISIGN_TC_SEQ, errp) == -1)
		return err_wrap(errp, "%s", what);
	return 0;
}

/* Verifies release.json against its signature, then reads it. */
static int
check_manifest(struct release *r, const struct minisign_pubkey *keys,
    size_t nkeys, struct member **mvp, size_t *nmp, char **errp)
{
	const struct minisign_pubkey	*pk;
	struct minisign_sig		*sig = NULL;
	uint8_t				 hash[MINISIGN_HASH_LEN];
	int				 rc = -1;

	if (minisign_sig_parse(r->sig_text.text, r->sig_text.len, &sig, errp)
	    == -1)
		goto fail;
	if (!sig->prehashed) {
		err_set(errp, RELEASE_SIG " is a legacy signature; the release "
		    "must be signed with a current minisign or dcos-genconf");
		goto fail;
	}
	if ((pk = find_key(keys, nkeys, sig, RELEASE_SIG, errp)) == NULL ||
	    minisign_prehash_buf(r->manifest_text.text, r->manifest_text.len,
	    hash, errp) == -1)
		goto fail;
	if (minisign_verify_prehashed(pk, sig, hash, errp) == -1) {
		err_wrap(errp, RELEASE_JSON);
		goto fail;
	}
	if (minisign_tc_check(sig, RELEASE_JSON, &r->manifest_digest, NULL,
	    MINISIGN_TC_FILE, errp) == -1) {
		err_wrap(errp, RELEASE_SIG);
		goto fail;
	}
	/* One parser for release.json: the hosts', the mirror's, ours. */
	if (release_manifest_parse(r->manifest_text.text, r->manifest_text.len,
	    RELEASE_JSON, &r->rm, errp) == -1)
		goto fail;
	if (list_members(r, mvp, nmp, errp) == -1)
		goto out;
	if (seq_check(r, sig, 1, RELEASE_SIG, errp) == -1)
		goto fail;
	rc = 0;
	goto out;
fail:
	err_wrap(errp, "%s", r->tar_path);
out:
	minisign_sig_free(sig);
	return rc;
}

/* Streams a pinned member through SHA-256 and the sink. */
/* A member's bytes: hashed, and given to sink when it is not NULL. */
static int
read_blob(struct archive *a, const struct release *r,
    const struct member *mb, struct sha256 *h,
    const struct release_sink *sink, uint64_t *totalp, char **errp)
{
	const void	*buf;
	size_t		 len;
	la_int64_t	 off;
	int		 ret;

	for (;;) {
		ret = archive_read_data_block(a, &buf, &len, &off);
		if (ret == ARCHIVE_EOF)
			return 0;
		if (ret != ARCHIVE_OK)
			return err_set(errp, "%s: member %s: %s", r->tar_path,
			    mb->path, archive_error_string(a));
		if ((uint64_t)off != *totalp)
			return err_set(errp, "%s: member %s is sparse",
			    r->tar_path, mb->path);
		sha256_update(h, buf, len);
		*totalp += len;
		if (sink != NULL && sink->data(sink->arg, buf, len, errp) == -1)
			return -1;
	}
}

static int
stream_member(struct archive *a, struct release *r, struct member *mb,
    int64_t size, const struct release_sink *sink, char **errp)
{
	const struct release_blob	*b;
	struct sha256			*h = NULL;
	struct digest			 d;
	uint64_t			 total = 0;
	int				 want = 0, rc = -1;

	b = mb->kind == M_PACKAGE ? &r->packages[mb->index] :
	    &r->bootstrap[mb->index];
	if (size < 0 || (uint64_t)size != b->size)
		return err_set(errp, "%s: member %s has %lld bytes, "
		    RELEASE_JSON " says %llu (the release was modified; get it "
		    "again from the vendor)", r->tar_path, mb->path,
		    (long long)size, (unsigned long long)b->size);
	if ((h = sha256_new()) == NULL)
		return err_set(errp, "out of memory");
	if (sink != NULL && sink->begin != NULL &&
	    (want = sink->begin(sink->arg, b, errp)) == -1)
		goto out;
	if (sink != NULL && sink->begin != NULL && !want) {
		/*
		 * The caller has this blob already: the tar signature,
		 * checked over these very bytes, covers it.
		 */
		rc = 0;
		goto out;
	}
	if (read_blob(a, r, mb, h, want ? sink : NULL, &total, errp) == -1)
		goto fail;
	sha256_final(h, &d);
	if (total != b->size || !digest_equal(&d, &mb->digest)) {
		err_set(errp, "%s: member %s does not match its digest in "
		    RELEASE_JSON " (the release was modified; get it again "
		    "from the vendor)", r->tar_path, mb->path);
		goto fail;
	}
	if (want && sink->end(sink->arg, 1, errp) == -1)
		goto out;
	rc = 0;
	goto out;
fail:
	if (want)
		sink->end(sink->arg, 0, NULL);
out:
	sha256_free(h);
	return rc;
}

static int
text_member(struct archive *a, struct release *r, struct member *mb,
    int64_t size, char **errp)
{
	struct release_text	*t;
	struct digest		 d;

	t = mb->kind == M_SCHEMA ? &r->schema : &r->templates[mb->index];
	if (read_member(a, mb->path, size, RELEASE_TEXT_MAX, t, errp) == -1)
		return err_wrap(errp, "%s", r->tar_path);
	digest_buf(t->text, t->len, &d);
	if (!digest_equal(&d, &mb->digest))
		return err_set(errp, "%s: member %s does not match its digest "
		    "in " RELEASE_JSON " (the release was modified; get it "
		    "again from the vendor)", r->tar_path, mb->path);
	return 0;
}

/* Member idx (0 or 1): release.json, then its signature, checked. */
static int
head_member(struct archive *a, struct release *r, size_t idx,
    const char *name, int64_t size, const struct minisign_pubkey *keys,
    size_t nkeys, struct member **mvp, size_t *nmp, char **errp)
{
	const char	*want = idx == 0 ? RELEASE_JSON : RELEASE_SIG;

	if (strcmp(name, want) != 0)
		return err_set(errp, "%s: member %zu is %s, not %s: not a "
		    "release", r->tar_path, idx + 1, name, want);
	if (read_member(a, name, size, idx == 0 ? RELEASE_JSON_MAX :
	    MINISIGN_FILE_MAX, idx == 0 ? &r->manifest_text : &r->sig_text,
	    errp) == -1)
		return err_wrap(errp, "%s", r->tar_path);
	if (idx == 0) {
		digest_buf(r->manifest_text.text, r->manifest_text.len,
		    &r->manifest_digest);
		return 0;
	}
	digest_buf(r->sig_text.text, r->sig_text.len, &r->sig_digest);
	return check_manifest(r, keys, nkeys, mvp, nmp, errp);
}

/* A member that is a blob of the store, for the recipe. */
static int
add_span(struct release *r, uint64_t off, int64_t size,
    const struct digest *d, char **errp)
{
	struct release_span	*nv;

	if ((nv = reallocarray(r->spans, r->nspans + 1, sizeof(*nv))) == NULL)
		return err_set(errp, "out of memory");
	r->spans = nv;
	nv[r->nspans].off = off;
	nv[r->nspans].size = (uint64_t)size;
	nv[r->nspans].d = d;
	r->nspans++;
	return 0;
}

/* A later member (its data at off): one release.json lists, seen once. */
static int
body_member(struct archive *a, struct release *r, const char *name,
    uint64_t off, int64_t size, const struct release_sink *sink,
    struct member *mv, size_t nm, char **errp)
{
	const struct digest	*d;
	size_t			 i;

	for (i = 0; i < nm; i++)
		if (strcmp(mv[i].path, name) == 0)
			break;
	if (i == nm)
		return err_set(errp, "%s: member %s is not listed in "
		    RELEASE_JSON, r->tar_path, name);
	if (mv[i].seen)
		return err_set(errp, "%s: member %s appears twice",
		    r->tar_path, name);
	mv[i].seen = 1;
	if (mv[i].kind == M_PACKAGE || mv[i].kind == M_BOOTSTRAP) {
		d = mv[i].kind == M_PACKAGE ? &r->packages[mv[i].index].digest :
		    &r->bootstrap[mv[i].index].digest;
		if (add_span(r, off, size, d, errp) == -1)
			return -1;
		return stream_member(a, r, &mv[i], size, sink, errp);
	}
	return text_member(a, r, &mv[i], size, errp);
}

static int
walk_members(struct archive *a, struct release *r,
    const struct minisign_pubkey *keys, size_t nkeys,
    const struct release_sink *sink, struct member **mvp, size_t *nmp,
    char **errp)
{
	struct archive_entry	*ae;
	const char		*name;
	uint64_t		 off;
	size_t			 idx, i;
	int			 ret;

	for (idx = 0;; idx++) {
		ret = archive_read_next_header(a, &ae);
		if (ret == ARCHIVE_EOF)
			break;
		if (ret != ARCHIVE_OK)
			return err_set(errp, "%s: not a readable release tar: "
			    "%s", r->tar_path, archive_error_string(a));
		name = archive_entry_pathname(ae);
		/* Tools like GNU tar add directories: harmless, skipped. */
		if (idx >= 2 && name != NULL &&
		    archive_entry_filetype(ae) == AE_IFDIR)
			continue;
		if (name == NULL || archive_entry_filetype(ae) != AE_IFREG ||
		    !archive_entry_size_is_set(ae))
			return err_set(errp, "%s: member %s is not a regular "
			    "file", r->tar_path, name != NULL ? name : "?");
		/*
		 * In an uncompressed tar the bytes read so far end with the
		 * member's headers: its data starts here.
		 */
		off = (uint64_t)archive_filter_bytes(a, 0);
		if (idx < 2)
			ret = head_member(a, r, idx, name,
			    archive_entry_size(ae), keys, nkeys, mvp, nmp,
			    errp) == -1 || add_span(r, off,
			    archive_entry_size(ae), idx == 0 ?
			    &r->manifest_digest : &r->sig_digest, errp) == -1 ?
			    -1 : 0;
		else
			ret = body_member(a, r, name, off,
			    archive_entry_size(ae), sink, *mvp, *nmp, errp);
		if (ret == -1)
			return -1;
	}
	if (idx < 2)
		return err_set(errp, "%s: no %s member: not a release",
		    r->tar_path, idx == 0 ? RELEASE_JSON : RELEASE_SIG);
	for (i = 0; i < *nmp; i++)
		if (!(*mvp)[i].seen)
			return err_set(errp, "%s: member %s is missing",
			    r->tar_path, (*mvp)[i].path);
	return 0;
}

/* One release_load_sink: what it holds until it returns. */
struct load {
	struct release			*r;
	char				*sigpath;
	struct minisign_sig		*tsig;	/* of the tar */
	const struct minisign_pubkey	*pk;	/* its signer */
	int				 fd;
	struct feeder			 f;
	pthread_t			 tid;
	int				 started;
	struct archive			*a;
	struct member			*mv;
	size_t				 nm;
};

static void
load_init(struct load *l)
{
	memset(l, 0, sizeof(*l));
	l->fd = -1;
	pthread_mutex_init(&l->f.mu, NULL);
	pthread_cond_init(&l->f.cv, NULL);
}

static void
load_free(struct load *l)
{
	size_t	 i;

	if (l->started) {
		feeder_stop(&l->f);
		pthread_join(l->tid, NULL);
	}
	if (l->a != NULL)
		archive_read_free(l->a);
	if (l->fd != -1)
		close(l->fd);
	for (i = 0; i < NBUF; i++)
		free(l->f.buf[i]);
	pthread_mutex_destroy(&l->f.mu);
	pthread_cond_destroy(&l->f.cv);
	minisign_sig_free(l->tsig);
	release_free(l->r);
	free(l->f.err);
	free(l->mv);
	free(l->sigpath);
}

/* The signature's key first: an untrusted release costs nothing. */
static int
load_tar_sig(struct load *l, const char *tar_path,
    const struct minisign_pubkey *keys, size_t nkeys, char **errp)
{
	struct release	*r;

	if ((r = l->r = calloc(1, sizeof(*r))) == NULL ||
	    (r->tar_path = strdup(tar_path)) == NULL ||
	    asprintf(&l->sigpath, "%s.minisig", tar_path) == -1) {
		l->sigpath = NULL;
		return err_set(errp, "out of memory");
	}
	if (read_file(l->sigpath, MINISIGN_FILE_MAX, &r->tar_sig_text.text,
	    &r->tar_sig_text.len, errp) == -1 ||
	    minisign_sig_parse(r->tar_sig_text.text, r->tar_sig_text.len,
	    &l->tsig, errp) == -1 ||
	    (l->pk = find_key(keys, nkeys, l->tsig, l->sigpath, errp)) == NULL)
		return -1;
	if (!l->tsig->prehashed)
		return err_set(errp, "%s: legacy signature; sign releases "
		    "with a current minisign or dcos-genconf", l->sigpath);
	return 0;
}

/* Opens the tar and starts the thread that reads and hashes it. */
static int
start_feeder(struct load *l, const char *tar_path,
    const struct release_sink *sink, char **errp)
{
	struct stat	 st;
	size_t		 i;

	if ((l->fd = open(tar_path, O_RDONLY | O_CLOEXEC)) == -1)
		return err_sys(errp, "%s", tar_path);
	if (fstat(l->fd, &st) == -1 || !S_ISREG(st.st_mode))
		return err_set(errp, "%s: not a regular file", tar_path);
	for (i = 0; i < NBUF; i++)
		if ((l->f.buf[i] = malloc(IO_CHUNK)) == NULL)
			return err_set(errp, "out of memory");
	/* The signed comment names the tar's SHA-256: no need to compute it. */
	l->f.fd = l->fd;
	l->f.want_sha = minisign_tc_sha256(l->tsig, &l->r->tar_digest, NULL) !=
	    1;
	if (pthread_create(&l->tid, NULL, feeder_hash, &l->f) != 0)
		return err_set(errp, "cannot start a thread");
	l->started = 1;
	return 0;
}

/* A failure of the hashing thread explains a stopped read best. */
static int
stop_feeder(struct load *l, char **errp)
{
	feeder_stop(&l->f);
	pthread_join(l->tid, NULL);
	l->started = 0;
	if (l->f.err != NULL)
		err_set(errp, "%s: %s", l->r->tar_path, l->f.err);
	return -1;
}

/* Walks the members while the thread hashes, then waits for it. */
static int
read_members(struct load *l, const struct minisign_pubkey *keys,
    size_t nkeys, const struct release_sink *sink, char **errp)
{
	const char	*tar_path = l->r->tar_path;

	if ((l->a = archive_read_new()) == NULL)
		return err_set(errp, "out of memory");
	archive_read_support_format_tar(l->a);
	if (archive_read_open(l->a, &l->f, NULL, feeder_read, NULL) !=
	    ARCHIVE_OK) {
		err_set(errp, "%s: not a readable release tar: %s", tar_path,
		    archive_error_string(l->a));
		return stop_feeder(l, errp);
	}
	if (walk_members(l->a, l->r, keys, nkeys, sink, &l->mv, &l->nm,
	    errp) == -1 || feeder_drain(&l->f, errp) == -1)
		return stop_feeder(l, errp);
	pthread_join(l->tid, NULL);
	l->started = 0;
	if (l->f.rc == -1)
		return err_set(errp, "%s: %s", tar_path, l->f.err);
	return 0;
}

/* The whole tar against its signature, and what the release records. */
static int
verify_tar(struct load *l, char **errp)
{
	struct release	*r = l->r;

	if (minisign_verify_prehashed(l->pk, l->tsig, l->f.hash, errp) == -1)
		return err_wrap(errp, "%s", r->tar_path);
	if (seq_check(r, l->tsig, 0, l->sigpath, errp) == -1)
		return -1;
	if (l->f.want_sha)
		r->tar_digest = l->f.sha;
	r->tar_size = l->f.size;
	if (r->ntemplates > 0)
		qsort(r->templates, r->ntemplates, sizeof(*r->templates),
		    text_cmp);
	return 0;
}

/* The inline bytes [from, to) of the tar, read from the hashed descriptor. */
static int
recipe_inline(struct load *l, uint64_t from, uint64_t to, char **errp)
{
	char	*buf = l->f.buf[0];
	size_t	 n;
	ssize_t	 got;

	while (from < to) {
		n = to - from < IO_CHUNK ? (size_t)(to - from) : IO_CHUNK;
		if ((got = pread(l->fd, buf, n, (off_t)from)) == -1) {
			if (errno == EINTR)
				continue;
			return err_sys(errp, "%s", l->r->tar_path);
		}
		if (got == 0)
			return err_set(errp, "%s: shrank while read",
			    l->r->tar_path);
		if (recipe_add_data(l->r->recipe, buf, (size_t)got, errp) ==
		    -1)
			return err_wrap(errp, "%s", l->r->tar_path);
		from += (uint64_t)got;
	}
	return 0;
}

/*
 * The recipe: spans are blobs, the rest (headers, padding, genconf/
 * files, the end) inline.  Its digest is the signed one; whoever writes
 * it checks the rebuilt bytes against it (recipe_digest).
 */
static int
make_recipe(struct load *l, char **errp)
{
	struct release		*r = l->r;
	const struct release_span *sp;
	uint64_t		 cur = 0;
	size_t			 i;

	if ((r->recipe = recipe_new(r->rm->name, r->rm->version)) == NULL)
		return err_set(errp, "out of memory");
	for (i = 0; i < r->nspans; i++) {
		sp = &r->spans[i];
		if (sp->off < cur || sp->off > r->tar_size ||
		    sp->size > r->tar_size - sp->off)
			return err_set(errp, "%s: members overlap: not a "
			    "release tar", r->tar_path);
		if (recipe_inline(l, cur, sp->off, errp) == -1 ||
		    recipe_add_blob(r->recipe, sp->d, sp->size, errp) == -1)
			return -1;
		cur = sp->off + sp->size;
	}
	if (recipe_inline(l, cur, r->tar_size, errp) == -1)
		return -1;
	r->recipe->digest = r->tar_digest;
	return 0;
}

int
release_load_sink(const char *tar_path, const struct minisign_pubkey *keys,
    size_t nkeys, const struct release_sink *sink, struct release **relp,
    char **errp)
{
	struct load	 l;
	int		 rc = -1;

	load_init(&l);
	*relp = NULL;
	if (nkeys == 0) {
		err_set(errp, "no trusted key: give the vendor's public key "
		    "with --trusted-key");
		goto out;
	}
	if (load_tar_sig(&l, tar_path, keys, nkeys, errp) == -1 ||
	    start_feeder(&l, tar_path, sink, errp) == -1 ||
	    read_members(&l, keys, nkeys, sink, errp) == -1 ||
	    verify_tar(&l, errp) == -1 ||
	    (sink != NULL && sink->want_recipe && make_recipe(&l, errp) == -1))
		goto out;
	*relp = l.r;
	l.r = NULL;	/* transferred */
	rc = 0;
out:
	load_free(&l);
	return rc;
}

int
release_load(const char *tar_path, const struct minisign_pubkey *keys,
    size_t nkeys, struct release **relp, char **errp)
{
	return release_load_sink(tar_path, keys, nkeys, NULL, relp, errp);
}
