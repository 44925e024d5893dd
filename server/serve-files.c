/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dcos-artifactd serve: answering for the files of the store: blobs
 * (immutable), release files and the mutable index.json and install
 * script (cached until replaced).
 */
#include <config.h>

#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "digest.h"
#include "log.h"
#include "serve.h"
#include "storecheck.h"
#include "url.h"

#define MUTABLE_MAX		(16 * 1024 * 1024)

int
store_open(struct server *s, const char *rel, struct stat *st)
{
	int	 fd;

	if ((fd = storecheck_openat(s->rootfd, rel)) == -1)
		return -1;
	if (fstat(fd, st) == -1 || !S_ISREG(st->st_mode)) {
		close(fd);
		errno = ENOENT;
		return -1;
	}
	return fd;
}

/* Answers with the bytes of the open store file fd (taken). */
static enum MHD_Result
respond_file(struct server *s, struct reply *rq, int fd,
    const struct stat *st, const char *etag, const char *cc)
{
	struct body	 body;

	memset(&body, 0, sizeof(body));
	body.etag = etag;
	body.cc = cc;
	body.ctype = CT_OCTET;
	body.fd = fd;
	body.size = (uint64_t)st->st_size;
	return respond_body(s, rq, &body);
}

/* Answers from a blob cached at start. */
static enum MHD_Result
respond_cached(struct server *s, struct reply *rq, const struct blob *b)
{
	struct body	 body;

	/* Cached blobs are never freed while the server runs. */
	memset(&body, 0, sizeof(body));
	body.etag = b->etag;
	body.cc = CC_IMMUTABLE;
	body.ctype = CT_OCTET;
	body.fd = -1;
	body.size = b->size;
	body.mem = b->mem;
	body.mem_shared = 1;
	body.full = b->full;
	return respond_body(s, rq, &body);
}

/* What the server knows of a blob before opening it, or NULL. */
static struct blob *
known_blob(struct server *s, const struct digest *d)
{
	struct blob	*b;

	/* The table of the start never changes: no lock. */
	b = tab_find(&s->tab, d);
	if (b == NULL && s->verify) {
		pthread_rwlock_rdlock(&s->late.lock);
		b = tab_find(&s->late, d);
		pthread_rwlock_unlock(&s->late.lock);
	}
	return b;
}

enum MHD_Result
serve_blob(struct server *s, struct reply *rq, const struct url_target *t)
{
	struct blob	*b;
	struct stat	 st;
	char		 etag[SERVE_ETAG_SZ], d[DIGEST_STRSZ];
	int		 fd;

	b = known_blob(s, &t->digest);
	if (b != NULL && b->bad)
		return queue_error(s, rq, MHD_HTTP_NOT_FOUND);
	if (b != NULL && b->full != NULL)
		return respond_cached(s, rq, b);
	if ((fd = store_open(s, t->rel, &st)) == -1)
		return respond_open_error(s, rq, t->rel);
	if (s->verify && b == NULL && !verify_late(s, t, fd)) {
		close(fd);
		return queue_error(s, rq, MHD_HTTP_NOT_FOUND);
	}
	/* From the name: a blob's name is its digest. */
	digest_format(&t->digest, d);
	snprintf(etag, sizeof(etag), "\"%s\"", d);
	return respond_file(s, rq, fd, &st, etag, CC_IMMUTABLE);
}

enum MHD_Result
serve_release(struct server *s, struct reply *rq, const struct url_target *t)
{
	struct stat	 st;
	char		 etag[96];
	int		 fd;

	if ((fd = store_open(s, t->rel, &st)) == -1) {
		/* A store holds a release once: no tar, a recipe. */
		if (errno == ENOENT)
			return serve_recipe_release(s, rq, t->rel);
		return respond_open_error(s, rq, t->rel);
	}
	/*
	 * A release file is replaced only by rename, which gives a new
	 * inode: inode, size and mtime make a strong validator.
	 */
	snprintf(etag, sizeof(etag), "\"%jx-%jx-%jx.%lx\"",
	    (uintmax_t)st.st_ino, (uintmax_t)st.st_size,
	    (uintmax_t)st.st_mtim.tv_sec, (unsigned long)st.st_mtim.tv_nsec);
	return respond_file(s, rq, fd, &st, etag, CC_NOCACHE);
}

/* Reloads m from fd when the file was replaced.  Call with m->lock. */
static int
mutable_refresh(struct mutable_file *m, int fd, const struct stat *st)
{
	struct MHD_Response	*r;
	struct digest		 d;
	char			*mem, ds[DIGEST_STRSZ];

	if (m->valid && m->dev == st->st_dev && m->ino == st->st_ino &&
	    m->size == st->st_size &&
	    m->mtime.tv_sec == st->st_mtim.tv_sec &&
	    m->mtime.tv_nsec == st->st_mtim.tv_nsec)
		return 0;
	if (st->st_size > MUTABLE_MAX) {
		errno = EFBIG;
		return -1;
	}
	if (read_fd(fd, (size_t)st->st_size, &mem) == -1)
		return -1;
	digest_buf(mem, (size_t)st->st_size, &d);
	digest_format(&d, ds);
	r = MHD_create_response_from_buffer((size_t)st->st_size, mem,
	    MHD_RESPMEM_MUST_COPY);
	if (r == NULL) {
		free(mem);
		errno = ENOMEM;
		return -1;
	}
	snprintf(m->etag, sizeof(m->etag), "\"%s\"", ds);
	if (add_common_headers(r, m->etag, CC_NOCACHE, m->ctype) == -1) {
		MHD_destroy_response(r);
		free(mem);
		m->valid = 0;
		errno = ENOMEM;
		return -1;
	}
	/* Connections still sending the old response hold their own ref. */
	if (m->full != NULL)
		MHD_destroy_response(m->full);
	free(m->mem);
	m->full = r;
	m->mem = mem;
	m->dev = st->st_dev;
	m->ino = st->st_ino;
	m->size = st->st_size;
	m->mtime = st->st_mtim;
	m->valid = 1;
	return 0;
}

enum MHD_Result
serve_mutable(struct server *s, struct reply *rq, struct mutable_file *m)
{
	struct body	 body;
	struct stat	 st;
	enum MHD_Result	 ret;
	int		 fd;

	if ((fd = store_open(s, m->rel, &st)) == -1)
		return respond_open_error(s, rq, m->rel);
	pthread_mutex_lock(&m->lock);
	if (mutable_refresh(m, fd, &st) == -1) {
		pthread_mutex_unlock(&m->lock);
		log_warn("%s: %s", m->rel, strerror(errno));
		close(fd);
		return queue_error(s, rq, MHD_HTTP_INTERNAL_SERVER_ERROR);
	}
	close(fd);
	memset(&body, 0, sizeof(body));
	body.etag = m->etag;
	body.cc = CC_NOCACHE;
	body.ctype = m->ctype;
	body.fd = -1;
	body.size = (uint64_t)m->size;
	body.mem = m->mem;
	body.mem_shared = 0;	/* copied: m->mem may be replaced */
	body.full = m->full;
	ret = respond_body(s, rq, &body);
	pthread_mutex_unlock(&m->lock);
	return ret;
}

void
mutable_init(struct mutable_file *m, const char *rel, const char *ctype)
{
	memset(m, 0, sizeof(*m));
	pthread_mutex_init(&m->lock, NULL);
	m->rel = rel;
	m->ctype = ctype;
}

void
mutable_free(struct mutable_file *m)
{
	if (m->full != NULL)
		MHD_destroy_response(m->full);
	free(m->mem);
	pthread_mutex_destroy(&m->lock);
}
