/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dcos-artifactd serve: releases/<n>-<v>.tar of a store that holds the
 * release once, rebuilt from its recipe (lib/recipe.h) as it is sent, with
 * the range, ETag and conditional rules of any other file (responses.c).
 */
#include <config.h>

#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomicio.h"
#include "error.h"
#include "log.h"
#include "manifest.h"
#include "recipe.h"
#include "serve.h"
#include "store.h"
#include "store-recipe.h"
#include "storecheck.h"

/* As serve-files.c's bound on the mutable files. */
#define INDEX_MAX	(16 * 1024 * 1024)
/* Bytes MHD asks the reader for at once. */
#define RECIPE_BLOCK	(256 * 1024)

/* One response's reader: its own recipe, read from base on. */
struct recipe_body {
	struct recipe		*rc;
	struct recipe_reader	*rd;
	uint64_t		 base;
};

/* A blob below the store root, never outside it (storecheck_openat). */
static int
root_blob_open(void *arg, const struct digest *d, uint64_t size, char **errp)
{
	struct server	*s = arg;
	struct stat	 st;
	char		 rel[STORE_BLOB_RELSZ];
	int		 fd;

	store_blob_relpath(d, rel);
	if ((fd = store_open(s, rel, &st)) == -1)
		return err_sys(errp, "%s", rel);
	if ((uint64_t)st.st_size != size) {
		close(fd);
		return err_set(errp, "%s: not the %llu bytes its recipe says",
		    rel, (unsigned long long)size);
	}
	return fd;
}

static ssize_t
body_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct recipe_body	*b = cls;
	char			*err = NULL;
	ssize_t			 n;

	n = recipe_read(b->rd, b->base + pos, buf, max, &err);
	if (n <= 0) {
		/* The client gets a short body: its digest check fails. */
		log_warn("releases/%s-%s.tar: %s", b->rc->name, b->rc->version,
		    err != NULL ? err : "ends early");
		free(err);
		return MHD_CONTENT_READER_END_WITH_ERROR;
	}
	return n;
}

static void
body_free(void *cls)
{
	struct recipe_body	*b = cls;

	recipe_reader_free(b->rd);
	recipe_free(b->rc);
	free(b);
}

struct made {
	struct server	*s;
	struct recipe	*rc;	/* NULL once a response took it */
};

static struct MHD_Response *
make_body(void *arg, uint64_t off, uint64_t len)
{
	struct made			*m = arg;
	struct recipe_body		*b;
	struct recipe_resolver		 res = { root_blob_open, m->s };
	struct MHD_Response		*r;

	if ((b = calloc(1, sizeof(*b))) == NULL)
		return NULL;
	if ((b->rd = recipe_reader_new(m->rc, &res)) == NULL) {
		free(b);
		return NULL;
	}
	b->rc = m->rc;
	b->base = off;
	if ((r = MHD_create_response_from_callback(len, RECIPE_BLOCK,
	    body_read, b, body_free)) == NULL) {
		recipe_reader_free(b->rd);
		free(b);
		return NULL;
	}
	m->rc = NULL;
	return r;
}

/* The recipe of the release at rel that index.json lists, or NULL. */
static struct recipe *
find_recipe(struct server *s, const char *rel)
{
	struct store_index	*x = NULL;
	struct recipe		*rc = NULL;
	struct stat		 st;
	char			*buf = NULL, *err = NULL, brel[STORE_BLOB_RELSZ];
	size_t			 len, i;
	int			 fd;

	if ((fd = store_open(s, STORE_INDEX, &st)) == -1)
		return NULL;
	i = read_fd_all(fd, STORE_INDEX, INDEX_MAX, &buf, &len, &err) == -1;
	close(fd);
	if (i || store_index_parse(buf, len, STORE_INDEX, &x, &err) == -1)
		goto out;
	for (i = 0; i < x->nreleases; i++)
		if (x->releases[i].has_recipe &&
		    strcmp(x->releases[i].path, rel) == 0)
			break;
	if (i == x->nreleases)
		goto out;
	store_blob_relpath(&x->releases[i].recipe, brel);
	if ((fd = store_open(s, brel, &st)) == -1) {
		err_sys(&err, "%s: recipe %s", rel, brel);
		goto out;
	}
	(void)store_recipe_load_fd(fd, &x->releases[i], &rc, &err);
out:
	if (err != NULL)
		log_warn("%s", err);
	free(err);
	free(buf);
	store_index_free(x);
	return rc;
}

enum MHD_Result
serve_recipe_release(struct server *s, struct reply *rq, const char *rel)
{
	struct body	 body;
	struct made	 m;
	char		 etag[SERVE_ETAG_SZ], d[DIGEST_STRSZ];
	enum MHD_Result	 ret;

	if ((m.rc = find_recipe(s, rel)) == NULL)
		return queue_error(s, rq, MHD_HTTP_NOT_FOUND);
	m.s = s;
	/* The tar's digest: the same bytes whenever it is rebuilt. */
	digest_format(&m.rc->digest, d);
	snprintf(etag, sizeof(etag), "\"%s\"", d);
	memset(&body, 0, sizeof(body));
	body.etag = etag;
	body.cc = CC_NOCACHE;
	body.ctype = CT_OCTET;
	body.fd = -1;
	body.size = m.rc->size;
	body.make = make_body;
	body.make_arg = &m;
	ret = respond_body(s, rq, &body);
	recipe_free(m.rc);
	return ret;
}
