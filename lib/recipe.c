/* SPDX-License-Identifier: Apache-2.0 */
#include <config.h>

#include <sys/stat.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "atomicio.h"
#include "base64.h"
#include "blob.h"
#include "digest.h"
#include "error.h"
#include "jsonio.h"
#include "recipe.h"
#include "store.h"

/* Characters lib/base64 decodes at once (its bound, a multiple of 4). */
#define RECIPE_B64_BLOCK	4096
/* Read size of recipe_digest. */
#define RECIPE_BUFSZ	(1024 * 1024)

struct recipe_reader {
	const struct recipe		*r;
	struct recipe_resolver		 res;
	size_t				 part;	/* of fd */
	int				 fd;
};

struct recipe *
recipe_new(const char *name, const char *version)
{
	struct recipe	*r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	if ((r->name = strdup(name)) == NULL ||
	    (r->version = strdup(version)) == NULL) {
		recipe_free(r);
		return NULL;
	}
	return r;
}

void
recipe_free(struct recipe *r)
{
	size_t	 i;

	if (r == NULL)
		return;
	for (i = 0; i < r->nparts; i++)
		free(r->parts[i].data);
	free(r->parts);
	free(r->name);
	free(r->version);
	free(r);
}

/* A new part at the end, covering size bytes from the current end. */
static struct recipe_part *
part_append(struct recipe *r, uint64_t size, char **errp)
{
	struct recipe_part	*nv, *p;
	size_t			 ncap;

	if (r->nparts == RECIPE_PARTS_MAX) {
		err_set(errp, "more than %d parts", RECIPE_PARTS_MAX);
		return NULL;
	}
	if (size > INT64_MAX - r->size) {
		err_set(errp, "sizes add up to more than %" PRId64 " bytes",
		    INT64_MAX);
		return NULL;
	}
	if (r->nparts == r->cap) {
		ncap = r->cap ? r->cap * 2 : 64;
		if ((nv = reallocarray(r->parts, ncap, sizeof(*nv))) == NULL) {
			err_sys(errp, "recipe");
			return NULL;
		}
		r->parts = nv;
		r->cap = ncap;
	}
	p = &r->parts[r->nparts++];
	memset(p, 0, sizeof(*p));
	p->off = r->size;
	p->size = size;
	r->size += size;
	return p;
}

int
recipe_add_data(struct recipe *r, const void *buf, size_t len, char **errp)
{
	struct recipe_part	*p;
	uint8_t			*nd;

	if (len == 0)
		return 0;
	if (len > RECIPE_DATA_MAX - r->datalen)
		return err_set(errp, "more than %zu inline bytes",
		    RECIPE_DATA_MAX);
	p = r->nparts > 0 ? &r->parts[r->nparts - 1] : NULL;
	if (p != NULL && !p->blob) {
		/* Consecutive inline bytes are one part. */
		if ((nd = realloc(p->data, p->size + len)) == NULL)
			return err_sys(errp, "recipe");
		memcpy(nd + p->size, buf, len);
		p->data = nd;
		p->size += len;
		r->size += len;
	} else {
		if ((nd = malloc(len)) == NULL)
			return err_sys(errp, "recipe");
		if ((p = part_append(r, len, errp)) == NULL) {
			free(nd);
			return -1;
		}
		memcpy(nd, buf, len);
		p->data = nd;
	}
	r->datalen += len;
	return 0;
}

int
recipe_add_blob(struct recipe *r, const struct digest *d, uint64_t size,
    char **errp)
{
	struct recipe_part	*p;

	if (size == 0)
		return 0;
	if ((p = part_append(r, size, errp)) == NULL)
		return -1;
	p->blob = 1;
	p->d = *d;
	return 0;
}

char *
recipe_text(const struct recipe *r, size_t *lenp, char **errp)
{
	json_t	*root = NULL, *parts, *o;
	char	 ds[DIGEST_STRSZ], *b64 = NULL, *canon = NULL, *out = NULL;
	size_t	 i, n;
	int	 bad = 0;

	if ((root = json_object()) == NULL)
		goto nomem;
	digest_format(&r->digest, ds);
	bad |= json_object_set_new(root, "format", json_integer(1));
	bad |= json_object_set_new(root, "kind", json_string(RECIPE_KIND));
	bad |= json_object_set_new(root, "name", json_string(r->name));
	bad |= json_object_set_new(root, "version", json_string(r->version));
	bad |= json_object_set_new(root, "size",
	    json_integer((json_int_t)r->size));
	bad |= json_object_set_new(root, "digest", json_string(ds));
	bad |= json_object_set_new(root, "parts", parts = json_array());
	if (bad)
		goto nomem;
	for (i = 0; i < r->nparts; i++) {
		const struct recipe_part *p = &r->parts[i];

		if ((o = json_object()) == NULL ||
		    json_array_append_new(parts, o) == -1)
			goto nomem;
		if (p->blob) {
			digest_format(&p->d, ds);
			bad |= json_object_set_new(o, "blob", json_string(ds));
			bad |= json_object_set_new(o, "size",
			    json_integer((json_int_t)p->size));
		} else {
			if ((b64 = malloc(BASE64_LEN(p->size) + 1)) == NULL)
				goto nomem;
			base64_encode(p->data, p->size, b64);
			bad |= json_object_set_new(o, "data", json_string(b64));
			free(b64);
			b64 = NULL;
		}
		if (bad)
			goto nomem;
	}
	if ((canon = jsonio_canonical(root)) == NULL)
		goto nomem;
	n = strlen(canon);
	if ((out = malloc(n + 2)) == NULL)
		goto nomem;
	memcpy(out, canon, n);
	out[n] = '\n';
	out[n + 1] = '\0';
	*lenp = n + 1;
	goto out;
nomem:
	err_set(errp, "recipe: out of memory");
out:
	free(canon);
	json_decref(root);
	return out;
}

/*
 * Decodes canonical base64 of any length into out (slen / 4 * 3 bytes):
 * lib/base64 decodes a bounded block at a time, and only the last block
 * may carry padding.  The length, or -1.
 */
static long
decode_long(const char *s, size_t slen, uint8_t *out)
{
	size_t	 off, n;
	long	 got, total = 0;

	if (slen == 0 || slen % 4 != 0)
		return -1;
	for (off = 0; off < slen; off += n) {
		n = slen - off < RECIPE_B64_BLOCK ? slen - off :
		    RECIPE_B64_BLOCK;
		if (off + n < slen && s[off + n - 1] == '=')
			return -1;
		if ((got = base64_decode(s + off, n, out + total, n / 4 * 3)) ==
		    -1)
			return -1;
		total += got;
	}
	return total;
}

static int
parse_part(struct recipe *r, const json_t *o, size_t i, char **errp)
{
	const char	*s, *k;
	json_t		*v;
	json_int_t	 size;
	struct digest	 d;
	uint8_t		*buf;
	size_t		 slen;
	long		 n;

	if (!json_is_object(o))
		return err_set(errp, "parts[%zu] is not an object", i);
	json_object_foreach((json_t *)o, k, v) {
		if (strcmp(k, "data") != 0 && strcmp(k, "blob") != 0 &&
		    strcmp(k, "size") != 0)
			return err_set(errp, "parts[%zu]: unknown key \"%s\"",
			    i, k);
	}
	if (json_object_get(o, "data") != NULL) {
		if (json_object_size(o) != 1)
			return err_set(errp, "parts[%zu]: a data part has only "
			    "\"data\"", i);
		if ((s = jsonio_str(o, "data", errp)) == NULL)
			return err_wrap(errp, "parts[%zu]", i);
		slen = strlen(s);
		if (slen == 0)
			return err_set(errp, "parts[%zu]: empty data", i);
		if (slen / 4 * 3 > RECIPE_DATA_MAX - r->datalen)
			return err_set(errp, "parts[%zu]: more than %zu inline "
			    "bytes in all", i, RECIPE_DATA_MAX);
		if (r->nparts > 0 && !r->parts[r->nparts - 1].blob)
			return err_set(errp, "parts[%zu]: two data parts in a "
			    "row (a writer merges them)", i);
		if ((buf = malloc(slen / 4 * 3 + 1)) == NULL)
			return err_sys(errp, "recipe");
		if ((n = decode_long(s, slen, buf)) <= 0) {
			free(buf);
			return err_set(errp, "parts[%zu]: data is not "
			    "canonical base64", i);
		}
		/* recipe_add_data copies: the bounds live in one place. */
		if (recipe_add_data(r, buf, (size_t)n, errp) == -1) {
			free(buf);
			return err_wrap(errp, "parts[%zu]", i);
		}
		free(buf);
		return 0;
	}
	if ((s = jsonio_str(o, "blob", errp)) == NULL ||
	    jsonio_int(o, "size", &size, errp) == -1)
		return err_wrap(errp, "parts[%zu]", i);
	if (digest_parse(s, &d) == -1)
		return err_set(errp, "parts[%zu]: blob \"%s\" is not "
		    "sha256:<64 lowercase hex>", i, s);
	if (size <= 0)
		return err_set(errp, "parts[%zu]: size %lld is not positive",
		    i, (long long)size);
	if (recipe_add_blob(r, &d, (uint64_t)size, errp) == -1)
		return err_wrap(errp, "parts[%zu]", i);
	return 0;
}

int
recipe_parse(const char *buf, size_t len, const char *name,
    struct recipe **outp, char **errp)
{
	static const char *keys[] = { "format", "kind", "name", "version",
	    "size", "digest", "parts" };
	struct recipe	*r = NULL;
	json_t		*root, *parts, *v;
	const char	*s, *n, *ver, *k;
	json_int_t	 fmt, size;
	struct digest	 d;
	size_t		 i, j;
	int		 rc = -1;

	*outp = NULL;
	if (len > RECIPE_FILE_MAX)
		return err_set(errp, "%s: more than %zu bytes", name,
		    RECIPE_FILE_MAX);
	if ((root = jsonio_parse(buf, len, name, errp)) == NULL)
		return -1;
	if (!json_is_object(root)) {
		err_set(errp, "%s: not a JSON object", name);
		goto out;
	}
	json_object_foreach(root, k, v) {
		for (j = 0; j < sizeof(keys) / sizeof(keys[0]); j++)
			if (strcmp(k, keys[j]) == 0)
				break;
		if (j == sizeof(keys) / sizeof(keys[0])) {
			err_set(errp, "%s: unknown key \"%s\"", name, k);
			goto out;
		}
	}
	if (jsonio_int(root, "format", &fmt, errp) == -1 ||
	    (s = jsonio_str(root, "kind", errp)) == NULL ||
	    (n = jsonio_str(root, "name", errp)) == NULL ||
	    (ver = jsonio_str(root, "version", errp)) == NULL ||
	    jsonio_int(root, "size", &size, errp) == -1 ||
	    (k = jsonio_str(root, "digest", errp)) == NULL ||
	    (parts = jsonio_arr(root, "parts", errp)) == NULL) {
		err_wrap(errp, "%s", name);
		goto out;
	}
	if (fmt != 1 || strcmp(s, RECIPE_KIND) != 0) {
		err_set(errp, "%s: not a release recipe of format 1 (kind "
		    "\"%s\", format %lld)", name, s, (long long)fmt);
		goto out;
	}
	if (digest_parse(k, &d) == -1) {
		err_set(errp, "%s: digest \"%s\" is not sha256:<64 lowercase "
		    "hex>", name, k);
		goto out;
	}
	if (json_array_size(parts) > RECIPE_PARTS_MAX) {
		err_set(errp, "%s: more than %d parts", name,
		    RECIPE_PARTS_MAX);
		goto out;
	}
	if ((r = recipe_new(n, ver)) == NULL) {
		err_sys(errp, "%s", name);
		goto out;
	}
	json_array_foreach(parts, i, v) {
		if (parse_part(r, v, i, errp) == -1) {
			err_wrap(errp, "%s", name);
			goto out;
		}
	}
	if (size < 0 || r->size != (uint64_t)size) {
		err_set(errp, "%s: the parts add up to %" PRIu64 " bytes, "
		    "not the size %lld", name, r->size, (long long)size);
		goto out;
	}
	r->digest = d;
	*outp = r;
	r = NULL;
	rc = 0;
out:
	recipe_free(r);
	json_decref(root);
	return rc;
}

int
recipe_store_open(void *root, const struct digest *d, uint64_t size,
    char **errp)
{
	struct stat	 st;
	char		*path, ds[DIGEST_STRSZ];
	int		 fd = -1, rc;

	digest_format(d, ds);
	if ((path = store_blob_path(root, d)) == NULL)
		return err_sys(errp, "%s", ds);
	rc = blob_open_file(path, 0, &fd, errp);
	if (rc == BLOB_MISSING)
		err_set(errp, "blob %s of the release is missing (%s)", ds,
		    path);
	else if (rc == BLOB_OK && fstat(fd, &st) == -1)
		err_sys(errp, "%s", path);
	else if (rc == BLOB_OK && (uint64_t)st.st_size != size)
		err_set(errp, "blob %s has %lld bytes, the recipe says %"
		    PRIu64, ds, (long long)st.st_size, size);
	else if (rc == BLOB_OK) {
		free(path);
		return fd;
	}
	if (fd != -1)
		close(fd);
	free(path);
	return -1;
}

struct recipe_reader *
recipe_reader_new(const struct recipe *r, const struct recipe_resolver *res)
{
	struct recipe_reader	*rd;

	if ((rd = calloc(1, sizeof(*rd))) == NULL)
		return NULL;
	rd->r = r;
	rd->res = *res;
	rd->fd = -1;
	return rd;
}

void
recipe_reader_free(struct recipe_reader *rd)
{
	if (rd == NULL)
		return;
	if (rd->fd != -1)
		close(rd->fd);
	free(rd);
}

/* The part holding byte off (< size): binary search over the offsets. */
static size_t
part_at(const struct recipe *r, uint64_t off)
{
	size_t	 lo = 0, hi = r->nparts, mid;

	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		if (r->parts[mid].off <= off)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

ssize_t
recipe_read(struct recipe_reader *rd, uint64_t off, void *buf, size_t len,
    char **errp)
{
	const struct recipe	*r = rd->r;
	const struct recipe_part *p;
	char			 ds[DIGEST_STRSZ];
	uint8_t			*dst = buf;
	size_t			 done = 0, n;
	ssize_t			 got;

	if (len > SSIZE_MAX)
		len = SSIZE_MAX;
	while (done < len && off < r->size) {
		p = &r->parts[part_at(r, off)];
		n = len - done;
		if (n > p->size - (off - p->off))
			n = p->size - (off - p->off);
		if (!p->blob)
			memcpy(dst + done, p->data + (off - p->off), n);
		else {
			if (rd->fd == -1 || rd->part != (size_t)(p - r->parts)) {
				if (rd->fd != -1)
					close(rd->fd);
				rd->fd = rd->res.open(rd->res.arg, &p->d,
				    p->size, errp);
				if (rd->fd == -1)
					return -1;
				rd->part = p - r->parts;
			}
			got = pread(rd->fd, dst + done, n,
			    (off_t)(off - p->off));
			if (got == -1 && errno == EINTR)
				continue;
			digest_format(&p->d, ds);
			if (got == -1)
				return err_sys(errp, "blob %s", ds);
			if (got == 0)
				return err_set(errp, "blob %s is shorter than "
				    "the recipe says", ds);
			n = (size_t)got;
		}
		done += n;
		off += n;
	}
	return (ssize_t)done;
}

int
recipe_digest(const struct recipe *r, const struct recipe_resolver *res,
    uint8_t *prehash, char **errp)
{
	return recipe_digest_copy(r, res, prehash, -1, errp);
}

int
recipe_digest_copy(const struct recipe *r, const struct recipe_resolver *res,
    uint8_t *prehash, int out, char **errp)
{
	struct recipe_reader	*rd = NULL;
	struct sha256		*sh = NULL;
	EVP_MD_CTX		*bctx = NULL;
	struct digest		 got;
	uint8_t			*buf = NULL;
	uint64_t		 off = 0;
	ssize_t			 n;
	char			 ws[DIGEST_STRSZ], gs[DIGEST_STRSZ];
	int			 rc = -1;

	if ((rd = recipe_reader_new(r, res)) == NULL ||
	    (sh = sha256_new()) == NULL ||
	    (buf = malloc(RECIPE_BUFSZ)) == NULL ||
	    (prehash != NULL && ((bctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(bctx, EVP_blake2b512(), NULL) != 1))) {
		err_set(errp, "%s-%s: out of memory", r->name, r->version);
		goto out;
	}
	while (off < r->size) {
		if ((n = recipe_read(rd, off, buf, RECIPE_BUFSZ, errp)) <= 0) {
			if (n == 0)
				err_set(errp, "ends early");
			goto out;
		}
		sha256_update(sh, buf, (size_t)n);
		if (bctx != NULL)
			EVP_DigestUpdate(bctx, buf, (size_t)n);
		if (out != -1 && write_all(out, buf, (size_t)n) == -1) {
			err_sys(errp, "write");
			goto out;
		}
		off += (uint64_t)n;
	}
	sha256_final(sh, &got);
	if (!digest_equal(&got, &r->digest)) {
		digest_format(&r->digest, ws);
		digest_format(&got, gs);
		err_set(errp, "the rebuilt tar has digest %s, not %s: the "
		    "recipe or a blob is damaged", gs, ws);
		goto out;
	}
	if (bctx != NULL && EVP_DigestFinal_ex(bctx, prehash, NULL) != 1) {
		err_set(errp, "BLAKE2b failed");
		goto out;
	}
	rc = 0;
out:
	if (rc == -1)
		err_wrap(errp, "release %s-%s", r->name, r->version);
	EVP_MD_CTX_free(bctx);
	free(buf);
	sha256_free(sh);
	recipe_reader_free(rd);
	return rc;
}
