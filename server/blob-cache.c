/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dcos-artifactd serve: the blobs known at start.  Small ones are read
 * once and answered with prepared responses every connection shares;
 * with --verify-on-start, each gets a verdict (dcos-artifactd(8), serve,
 * --verify-on-start).
 */
#include <config.h>

#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "blob.h"
#include "digest.h"
#include "error.h"
#include "log.h"
#include "serve.h"
#include "store.h"
#include "storecheck.h"
#include "url.h"

static size_t
blob_hash(const struct digest *d)
{
	size_t	 h;

	/* The digest is already uniformly distributed. */
	memcpy(&h, d->b, sizeof(h));
	return h;
}

/* The slot for d: the blob, or the empty slot to put it in. */
static struct blob **
tab_slot(struct blob **slots, size_t cap, const struct digest *d)
{
	size_t	 i;

	for (i = blob_hash(d) & (cap - 1); slots[i] != NULL;
	    i = (i + 1) & (cap - 1))
		if (digest_equal(&slots[i]->digest, d))
			break;
	return &slots[i];
}

/* Call with the write lock held (or before any thread runs). */
static int
tab_insert(struct blobtab *t, struct blob *b)
{
	struct blob	**ns, **s;
	size_t		 ncap, i;

	if ((t->n + 1) * 2 > t->cap) {
		ncap = t->cap == 0 ? 256 : t->cap * 2;
		if ((ns = calloc(ncap, sizeof(*ns))) == NULL)
			return -1;
		for (i = 0; i < t->cap; i++)
			if (t->slots[i] != NULL)
				*tab_slot(ns, ncap, &t->slots[i]->digest) =
				    t->slots[i];
		free(t->slots);
		t->slots = ns;
		t->cap = ncap;
	}
	s = tab_slot(t->slots, t->cap, &b->digest);
	if (*s != NULL)
		return 0;
	*s = b;
	t->n++;
	return 0;
}

/* Call with a lock held. */
struct blob *
tab_find(struct blobtab *t, const struct digest *d)
{
	if (t->cap == 0)
		return NULL;
	return *tab_slot(t->slots, t->cap, d);
}

static void
blob_free(struct blob *b)
{
	if (b == NULL)
		return;
	if (b->full != NULL)
		MHD_destroy_response(b->full);
	free(b->mem);
	free(b);
}

void
tab_free(struct blobtab *t)
{
	size_t	 i;

	for (i = 0; i < t->cap; i++)
		blob_free(t->slots[i]);
	free(t->slots);
	t->slots = NULL;
	t->cap = t->n = 0;
}

static struct blob *
blob_new(const struct digest *d)
{
	struct blob	*b;
	char		 s[DIGEST_STRSZ];

	if ((b = calloc(1, sizeof(*b))) == NULL)
		return NULL;
	b->digest = *d;
	digest_format(d, s);
	snprintf(b->etag, sizeof(b->etag), "\"%s\"", s);
	return b;
}

/* Reads a whole regular file of size bytes from fd. */
int
read_fd(int fd, size_t size, char **memp)
{
	char	*m;
	size_t	 got = 0;
	ssize_t	 n;

	if ((m = malloc(size > 0 ? size : 1)) == NULL)
		return -1;
	while (got < size) {
		n = read(fd, m + got, size - got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			free(m);
			if (n == 0)
				errno = EIO;	/* shrank under us */
			return -1;
		}
		got += (size_t)n;
	}
	*memp = m;
	return 0;
}

/*
 * Reads b into memory when it fits the cache and, with --verify-on-start,
 * checks its content.  Returns 1 when b is worth remembering, 0 when it
 * is served from its file alone, -1 with *errp.
 */
static int
examine_blob(struct server *s, struct blob *b, int fd, const char *name,
    size_t cached, char **errp)
{
	struct digest	 got;
	char		*err = NULL;

	if (b->size <= s->cache_item_max && cached + b->size <= s->cache_max) {
		if (read_fd(fd, (size_t)b->size, &b->mem) == -1)
			return err_sys(errp, "%s/%s", STORE_BLOB_DIR, name);
		if (s->verify) {
			digest_buf(b->mem, (size_t)b->size, &got);
			b->bad = !digest_equal(&got, &b->digest);
		}
		return 1;
	}
	if (!s->verify)
		return 0;	/* nothing to remember: served from the file */
	if (blob_check_fd(fd, name, &b->digest, BLOB_ANY_SIZE, NULL, &err) !=
	    BLOB_OK)
		b->bad = 1;
	free(err);
	return 1;
}

/*
 * Looks at one blobs/sha256/<name> at start: verifies it (--verify-on-start)
 * and caches it when small.  Returns 0 (also for names that are not blobs)
 * or -1 with *errp for a fatal error.
 */
static int
load_blob(struct server *s, const char *name, size_t *cached,
    unsigned int *nbad, char **errp)
{
	struct digest	 d;
	struct stat	 st;
	struct blob	*b = NULL;
	char		 rel[sizeof(STORE_BLOB_DIR) + DIGEST_HEXLEN + 1];
	int		 fd = -1, rc = -1;

	if (strlen(name) != DIGEST_HEXLEN || digest_parse_hex(name, &d) == -1)
		return 0;	/* not a blob name: never served */
	/* Opened as a request opens it: what is cached is what it serves. */
	snprintf(rel, sizeof(rel), "%s/%s", STORE_BLOB_DIR, name);
	if ((fd = store_open(s, rel, &st)) == -1) {
		/* Unreadable by the --user serve runs as: every request fails. */
		if (errno == EACCES)
			privdrop_unreadable(s->root, rel, errp);
		else
			rc = 0;	/* refused again at request time */
		goto out;
	}
	if ((b = blob_new(&d)) == NULL)
		goto oom;
	b->size = (uint64_t)st.st_size;
	if ((rc = examine_blob(s, b, fd, name, *cached, errp)) != 1)
		goto out;
	rc = -1;
	if (b->bad) {
		log_warn("%s/%s: content does not match its name; it will not "
		    "be served (repair the store: dcos-artifactd fsck)",
		    STORE_BLOB_DIR, name);
		free(b->mem);
		b->mem = NULL;
		(*nbad)++;
	} else if (b->mem != NULL) {
		b->full = MHD_create_response_from_buffer((size_t)b->size,
		    b->mem, MHD_RESPMEM_PERSISTENT);
		if (b->full == NULL || add_common_headers(b->full, b->etag,
		    CC_IMMUTABLE, CT_OCTET) == -1)
			goto oom;
		*cached += b->size;
	}
	if (tab_insert(&s->tab, b) == -1)
		goto oom;
	b = NULL;	/* transferred */
	rc = 0;
	goto out;
oom:
	err_set(errp, "out of memory");
out:
	blob_free(b);
	if (fd != -1)
		close(fd);
	return rc;
}

/*
 * Why blobs/sha256 cannot be opened below the root.  Requests could not
 * reach a single blob through it, so the server does not start.
 */
static int
blob_dir_error(struct server *s, char **errp)
{
	if (errno == EXDEV)
		return err_set(errp, "%s/%s leads out of the store root (a "
		    "symlink?): serve never follows a symlink out of --root; "
		    "move the blobs into the store or give --root the "
		    "directory that holds them", s->root, STORE_BLOB_DIR);
	if (errno == ELOOP)
		return err_set(errp, "%s/%s is or passes through a symlink, "
		    "and without openat2 serve follows none: replace it with "
		    "the directory", s->root, STORE_BLOB_DIR);
	if (errno == ENOTDIR)
		return err_set(errp, "%s/%s: not a directory (a store keeps "
		    "its blobs in this directory)", s->root, STORE_BLOB_DIR);
	return err_sys(errp, "%s/%s", s->root, STORE_BLOB_DIR);
}

int
load_blobs(struct server *s, char **errp)
{
	DIR		*dir = NULL;
	struct dirent	*de;
	size_t		 cached = 0;
	unsigned int	 nbad = 0;
	char		 hs[HUMAN_SIZE_LEN];
	int		 dfd, rc = -1;

	if ((dfd = storecheck_opendir(s->rootfd, STORE_BLOB_DIR)) == -1)
		return blob_dir_error(s, errp);
	if ((dir = fdopendir(dfd)) == NULL) {
		err_sys(errp, "%s/%s", s->root, STORE_BLOB_DIR);
		close(dfd);
		return -1;
	}
	while ((errno = 0, de = readdir(dir)) != NULL)
		if (load_blob(s, de->d_name, &cached, &nbad, errp) == -1)
			goto out;
	if (errno != 0) {
		err_sys(errp, "%s/%s", s->root, STORE_BLOB_DIR);
		goto out;
	}
	if (s->verify)
		log_info("verified %s: %u bad blob(s) will not be served",
		    s->root, nbad);
	log_verbose("%s of small blobs cached in memory",
	    human_size(cached, hs));
	rc = 0;
out:
	closedir(dir);
	return rc;
}

/*
 * With --verify-on-start, a blob that appeared after the start is hashed
 * on its first request.  A good verdict is remembered; a bad one is not,
 * so a blob repaired in place is served again.  Returns 1 when the blob
 * may be served.
 */
int
verify_late(struct server *s, const struct url_target *t, int fd)
{
	struct blob	*b;
	char		*err = NULL;

	/* blob_check_fd rewinds fd for the response on success. */
	if (blob_check_fd(fd, t->rel, &t->digest, BLOB_ANY_SIZE, NULL,
	    &err) != BLOB_OK) {
		log_warn("%s; not served", err != NULL ? err : "out of memory");
		free(err);
		return 0;
	}
	if ((b = blob_new(&t->digest)) == NULL)
		return 1;	/* served; hashed again next time */
	pthread_rwlock_wrlock(&s->late.lock);
	if (tab_find(&s->late, &t->digest) != NULL ||
	    tab_insert(&s->late, b) == -1)
		blob_free(b);
	pthread_rwlock_unlock(&s->late.lock);
	return 1;
}
