/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dcos-artifactd serve: queueing replies, counted and logged, from the
 * prepared error pages or for a file's body (304, 206, 416 or 200).
 */
#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "http-range.h"
#include "log.h"
#include "serve.h"

int
add_common_headers(struct MHD_Response *r, const char *etag, const char *cc,
    const char *ctype)
{
	if (MHD_add_response_header(r, MHD_HTTP_HEADER_ACCEPT_RANGES,
	    "bytes") == MHD_NO ||
	    MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, etag) == MHD_NO ||
	    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL,
	    cc) == MHD_NO ||
	    (ctype != NULL && MHD_add_response_header(r,
	    MHD_HTTP_HEADER_CONTENT_TYPE, ctype) == MHD_NO))
		return -1;
	return 0;
}

static const char *
error_text(unsigned int status)
{
	switch (status) {
	case MHD_HTTP_BAD_REQUEST:
		return "bad request\n";
	case MHD_HTTP_NOT_FOUND:
		return "not found\n";
	case MHD_HTTP_METHOD_NOT_ALLOWED:
		return "method not allowed: use GET or HEAD\n";
	case MHD_HTTP_URI_TOO_LONG:
		return "request path too long\n";
	case MHD_HTTP_SERVICE_UNAVAILABLE:
		return "server busy: try again\n";
	default:
		return "internal error: see the server log\n";
	}
}

static struct MHD_Response *
error_page(struct server *s, unsigned int status)
{
	switch (status) {
	case MHD_HTTP_BAD_REQUEST:
		return s->r400;
	case MHD_HTTP_NOT_FOUND:
		return s->r404;
	case MHD_HTTP_METHOD_NOT_ALLOWED:
		return s->r405;
	case MHD_HTTP_URI_TOO_LONG:
		return s->r414;
	case MHD_HTTP_SERVICE_UNAVAILABLE:
		return s->r503;
	default:
		return s->r500;
	}
}

/*
 * Queues r (a shared response keeps its other references); the request is
 * counted and logged when it completes (serve.c), so only what was queued
 * counts.  A NULL r (out of memory) becomes a 500.
 */
enum MHD_Result
queue(struct server *s, struct reply *rq, unsigned int status,
    struct MHD_Response *r, uint64_t body)
{
	enum MHD_Result	 ret;

	if (r == NULL) {
		status = MHD_HTTP_INTERNAL_SERVER_ERROR;
		r = error_page(s, status);
		body = strlen(error_text(status));
	}
	if (rq->head)
		body = 0;
	ret = MHD_queue_response(rq->c, status, r);
	if (ret == MHD_YES) {
		rq->req->status = status;
		rq->req->body = body;
	}
	return ret;
}

/* Queues one of the prepared error pages. */
enum MHD_Result
queue_error(struct server *s, struct reply *rq, unsigned int status)
{
	return queue(s, rq, status, error_page(s, status),
	    strlen(error_text(status)));
}

/* Queues a response made for this request and drops our reference. */
enum MHD_Result
queue_own(struct server *s, struct reply *rq, unsigned int status,
    struct MHD_Response *r, uint64_t body)
{
	enum MHD_Result	 ret;

	ret = queue(s, rq, status, r, body);
	if (r != NULL)
		MHD_destroy_response(r);
	return ret;
}

static struct MHD_Response *
body_response(struct body *b, uint64_t off, uint64_t len)
{
	struct MHD_Response	*r;

	if (b->make != NULL)
		return b->make(b->make_arg, off, len);
	if (b->fd != -1) {
		r = MHD_create_response_from_fd_at_offset64(len, b->fd,
		    (int64_t)off);
		if (r != NULL)
			b->fd = -1;	/* transferred: MHD closes it */
		return r;
	}
	return MHD_create_response_from_buffer((size_t)len,
	    (void *)(uintptr_t)(b->mem + off),
	    b->mem_shared ? MHD_RESPMEM_PERSISTENT : MHD_RESPMEM_MUST_COPY);
}

/* 304 for a client whose copy is current. */
static enum MHD_Result
respond_not_modified(struct server *s, struct reply *rq, struct body *b)
{
	struct MHD_Response	*r;

	r = MHD_create_response_from_buffer(0, (void *)"",
	    MHD_RESPMEM_PERSISTENT);
	if (r != NULL && add_common_headers(r, b->etag, b->cc, NULL) == -1) {
		MHD_destroy_response(r);
		r = NULL;
	}
	return queue_own(s, rq, MHD_HTTP_NOT_MODIFIED, r, 0);
}

/*
 * The Range asked for, honoured only when If-Range, if any, names our
 * strong ETag.
 */
static enum range_result
wanted_range(struct reply *rq, const struct body *b, uint64_t *offp,
    uint64_t *lenp)
{
	const char	*range, *ifrange;

	range = MHD_lookup_connection_value(rq->c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_RANGE);
	if (range == NULL)
		return RANGE_NONE;
	ifrange = MHD_lookup_connection_value(rq->c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_IF_RANGE);
	if (ifrange != NULL && !http_if_range_match(ifrange, b->etag))
		return RANGE_NONE;
	return http_range_parse(range, b->size, offp, lenp);
}

/* 200, 206 or 416. */
static enum MHD_Result
respond_content(struct server *s, struct reply *rq, struct body *b)
{
	struct MHD_Response	*r;
	char			 cr[96];
	uint64_t		 off = 0, len = 0;
	unsigned int		 status;

	switch (wanted_range(rq, b, &off, &len)) {
	case RANGE_NONE:
		if (b->full != NULL)
			return queue(s, rq, MHD_HTTP_OK, b->full, b->size);
		len = b->size;
		status = MHD_HTTP_OK;
		r = body_response(b, 0, b->size);
		cr[0] = '\0';
		break;
	case RANGE_OK:
		status = MHD_HTTP_PARTIAL_CONTENT;
		r = body_response(b, off, len);
		snprintf(cr, sizeof(cr), "bytes %" PRIu64 "-%" PRIu64 "/%"
		    PRIu64, off, off + len - 1, b->size);
		break;
	case RANGE_UNSATISFIABLE:
	default:
		status = MHD_HTTP_RANGE_NOT_SATISFIABLE;
		len = 0;
		r = MHD_create_response_from_buffer(0, (void *)"",
		    MHD_RESPMEM_PERSISTENT);
		snprintf(cr, sizeof(cr), "bytes */%" PRIu64, b->size);
		break;
	}
	if (r != NULL && (add_common_headers(r, b->etag, b->cc,
	    b->ctype) == -1 || (cr[0] != '\0' && MHD_add_response_header(r,
	    MHD_HTTP_HEADER_CONTENT_RANGE, cr) == MHD_NO))) {
		MHD_destroy_response(r);
		r = NULL;
	}
	return queue_own(s, rq, status, r, len);
}

/*
 * Answers a GET/HEAD for a file: 304 when If-None-Match matches, 206 or
 * 416 for a Range, else 200.  Closes b->fd unless MHD took it.
 */
enum MHD_Result
respond_body(struct server *s, struct reply *rq, struct body *b)
{
	const char	*inm;
	enum MHD_Result	 ret;

	inm = MHD_lookup_connection_value(rq->c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_IF_NONE_MATCH);
	if (inm != NULL && http_etag_none_match(inm, b->etag))
		ret = respond_not_modified(s, rq, b);
	else
		ret = respond_content(s, rq, b);
	if (b->fd != -1) {
		close(b->fd);
		b->fd = -1;
	}
	return ret;
}

/* 404 for what is not there, 503 when we are out of descriptors. */
enum MHD_Result
respond_open_error(struct server *s, struct reply *rq, const char *rel)
{
	if (errno == EMFILE || errno == ENFILE || errno == ENOMEM) {
		log_warn("%s: %s", rel, strerror(errno));
		return queue_error(s, rq, MHD_HTTP_SERVICE_UNAVAILABLE);
	}
	return queue_error(s, rq, MHD_HTTP_NOT_FOUND);
}

enum MHD_Result
serve_text(struct server *s, struct reply *rq, unsigned int status,
    char *text, size_t len, const char *ctype)
{
	struct MHD_Response	*r;

	r = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		free(text);
		return queue_error(s, rq, MHD_HTTP_SERVICE_UNAVAILABLE);
	}
	if (MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
	    ctype) == MHD_NO || MHD_add_response_header(r,
	    MHD_HTTP_HEADER_CACHE_CONTROL, "no-store") == MHD_NO) {
		MHD_destroy_response(r);
		r = NULL;
	}
	return queue_own(s, rq, status, r, len);
}

static struct MHD_Response *
error_response(const char *text)
{
	struct MHD_Response	*r;

	r = MHD_create_response_from_buffer(strlen(text), (void *)text,
	    MHD_RESPMEM_PERSISTENT);
	if (r != NULL && MHD_add_response_header(r,
	    MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8") ==
	    MHD_NO) {
		MHD_destroy_response(r);
		r = NULL;
	}
	return r;
}

int
make_error_responses(struct server *s, char **errp)
{
	s->r400 = error_response(error_text(MHD_HTTP_BAD_REQUEST));
	s->r404 = error_response(error_text(MHD_HTTP_NOT_FOUND));
	s->r405 = error_response(error_text(MHD_HTTP_METHOD_NOT_ALLOWED));
	s->r414 = error_response(error_text(MHD_HTTP_URI_TOO_LONG));
	s->r500 = error_response(error_text(MHD_HTTP_INTERNAL_SERVER_ERROR));
	s->r503 = error_response(error_text(MHD_HTTP_SERVICE_UNAVAILABLE));
	if (s->r400 == NULL || s->r404 == NULL || s->r405 == NULL ||
	    s->r414 == NULL || s->r500 == NULL || s->r503 == NULL ||
	    MHD_add_response_header(s->r405, MHD_HTTP_HEADER_ALLOW,
	    "GET, HEAD") == MHD_NO)
		return err_set(errp, "out of memory");
	return 0;
}

void
free_error_responses(struct server *s)
{
	struct MHD_Response	**r[] = { &s->r400, &s->r404, &s->r405,
	    &s->r414, &s->r500, &s->r503 };
	size_t			  i;

	for (i = 0; i < sizeof(r) / sizeof(r[0]); i++) {
		if (*r[i] != NULL)
			MHD_destroy_response(*r[i]);
		*r[i] = NULL;
	}
}
