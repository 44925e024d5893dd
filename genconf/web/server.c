/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The HTTP side of dcos-genconf web: libmicrohttpd, one thread per
 * connection (an event stream blocks its own thread only), request
 * bodies capped, the token checked on every /api/ call, the UI served
 * from the files compiled in with headers that keep it to itself.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "web.h"

/* What a connection accumulates of its request body. */
struct req {
	char	*buf;
	size_t	 len;
	int	 too_big;
};

void
reply_json(struct web_reply *r, int status, json_t *j)
{
	r->status = status;
	r->type = NULL;
	free(r->body);
	r->body = j != NULL ? json_dumps(j, JSON_COMPACT |
	    JSON_REAL_PRECISION(10)) : NULL;
	json_decref(j);
	if (r->body == NULL) {
		r->status = 500;
		r->body = strdup("{\"error\":\"out of memory\"}");
	}
	r->len = r->body != NULL ? strlen(r->body) : 0;
}

void
reply_error_msg(struct web_reply *r, int status, const char *msg)
{
	reply_json(r, status, json_pack("{s:s}", "error",
	    msg != NULL ? msg : "out of memory"));
}

/* Whether a and b are equal, in a time that does not depend on where. */
static int
token_equal(const char *a, size_t alen, const char *b, size_t blen)
{
	unsigned char	 d = alen != blen;
	size_t		 i;

	for (i = 0; i < blen; i++)
		d |= (unsigned char)(b[i] ^ (i < alen ? a[i] : 0));
	return d == 0;
}

static int
authorized(struct web *w, struct MHD_Connection *c)
{
	const char	*h;

	if (w->token == NULL)
		return 1;
	h = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_AUTHORIZATION);
	if (h == NULL || strncmp(h, "Bearer ", 7) != 0)
		return 0;
	return token_equal(h + 7, strlen(h + 7), w->token, w->toklen);
}

static void
common_headers(struct MHD_Response *resp)
{
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	/* The UI's own files only: no inline script, nothing fetched. */
	MHD_add_response_header(resp, "Content-Security-Policy",
	    "default-src 'self'; img-src 'self' data:; "
	    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'");
}

static ssize_t
events_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
	ssize_t	 n;

	(void)pos;
	n = op_stream_read(cls, buf, max);
	return n < 0 ? MHD_CONTENT_READER_END_OF_STREAM : n;
}

static enum MHD_Result
send_reply(struct web *w, struct MHD_Connection *c, struct web_reply *r)
{
	struct MHD_Response	*resp;
	struct op_stream	*st;
	enum MHD_Result		 ret;

	if (r->events != NULL) {
		if ((st = op_stream_new(w, r->events)) == NULL)
			reply_error(r, 500, "out of memory");
		else {
			resp = MHD_create_response_from_callback(
			    MHD_SIZE_UNKNOWN, 4096, events_reader, st,
			    op_stream_free);
			if (resp == NULL) {
				op_stream_free(st);
				return MHD_NO;
			}
			common_headers(resp);
			MHD_add_response_header(resp, "Content-Type",
			    "text/event-stream");
			ret = MHD_queue_response(c, 200, resp);
			MHD_destroy_response(resp);
			return ret;
		}
	}
	resp = MHD_create_response_from_buffer(r->len, r->body,
	    MHD_RESPMEM_MUST_FREE);
	if (resp == NULL) {
		free(r->body);
		return MHD_NO;
	}
	r->body = NULL;
	common_headers(resp);
	MHD_add_response_header(resp, "Content-Type", r->type != NULL ?
	    r->type : "application/json");
	if (r->disposition != NULL)
		MHD_add_response_header(resp, "Content-Disposition",
		    r->disposition);
	if (r->status == 405)
		MHD_add_response_header(resp, "Allow", r->allow != NULL ?
		    r->allow : "GET");
	ret = MHD_queue_response(c, (unsigned)r->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* A file of the UI: "/" is index.html. */
static void
serve_ui(const char *method, const char *url, struct web_reply *r)
{
	const struct web_file	*f;

	if (strcmp(url, "/") == 0)
		url = "/index.html";
	for (f = web_files; f->path != NULL; f++)
		if (strcmp(f->path, url) == 0)
			break;
	if (f->path == NULL) {
		reply_error(r, 404, "%s: no such page", url);
		return;
	}
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
		reply_error(r, 405, "%s: only GET", url);
		return;
	}
	r->status = 200;
	r->type = f->type;
	if ((r->body = malloc(f->len + 1)) == NULL) {
		reply_error(r, 500, "out of memory");
		return;
	}
	memcpy(r->body, f->data, f->len);
	r->len = f->len;
}

static enum MHD_Result
handler(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **con_cls)
{
	struct web	*w = cls;
	struct req	*q = *con_cls;
	struct web_reply r;
	char		*nb;

	(void)version;
	if (q == NULL) {
		if ((q = calloc(1, sizeof(*q))) == NULL)
			return MHD_NO;
		*con_cls = q;
		return MHD_YES;
	}
	if (*upload_size > 0) {
		/* Past the cap the rest is read and dropped: a 413 follows. */
		if (!q->too_big && q->len + *upload_size > WEB_BODY_MAX) {
			q->too_big = 1;
			free(q->buf);
			q->buf = NULL;
			q->len = 0;
		}
		if (!q->too_big) {
			if ((nb = realloc(q->buf, q->len + *upload_size + 1)) ==
			    NULL)
				return MHD_NO;
			memcpy(nb + q->len, upload, *upload_size);
			q->buf = nb;
			q->len += *upload_size;
			q->buf[q->len] = '\0';
		}
		*upload_size = 0;
		return MHD_YES;
	}
	memset(&r, 0, sizeof(r));
	if (strncmp(url, "/api/", 5) != 0 && strcmp(url, "/api") != 0)
		serve_ui(method, url, &r);
	else if (!authorized(w, c))
		reply_error(&r, 401, "this server wants its token: open the "
		    "URL it printed at start (#token=...), or send "
		    "Authorization: Bearer TOKEN");
	else if (q->too_big)
		reply_error(&r, 413, "the request body is over %d bytes",
		    WEB_BODY_MAX);
	else
		api_handle(w, method, url + 4, q->buf, q->len, &r);
	return send_reply(w, c, &r);
}

static void
completed(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct req	*q = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (q == NULL)
		return;
	if (q->buf != NULL)
		explicit_bzero(q->buf, q->len);
	free(q->buf);
	free(q);
	*con_cls = NULL;
}

struct MHD_Daemon *
web_start(struct web *w, int fd, const char *cert, const char *key)
{
	unsigned	 flags = MHD_USE_INTERNAL_POLLING_THREAD |
	    MHD_USE_THREAD_PER_CONNECTION | MHD_USE_ERROR_LOG | MHD_USE_ITC;

	if (cert != NULL) {
		flags |= MHD_USE_TLS;
		return MHD_start_daemon(flags, 0, NULL, NULL, handler, w,
		    MHD_OPTION_LISTEN_SOCKET, fd,
		    MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
		    MHD_OPTION_HTTPS_MEM_CERT, cert,
		    MHD_OPTION_HTTPS_MEM_KEY, key,
		    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60,
		    MHD_OPTION_END);
	}
	return MHD_start_daemon(flags, 0, NULL, NULL, handler, w,
	    MHD_OPTION_LISTEN_SOCKET, fd,
	    MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60,
	    MHD_OPTION_END);
}
