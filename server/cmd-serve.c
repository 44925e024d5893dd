/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dcos-artifactd serve: a store over HTTP(S) with libmicrohttpd.
 *
 * Mode: one epoll event loop per thread of a thread pool
 * (MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL, MHD_OPTION_THREAD_POOL_SIZE),
 * MHD_USE_TURBO.  Downloads are long, mostly idle sendfile(2) streams and
 * the connection count is high (thousands of hosts), so a
 * thread-per-connection model would cost a stack per host while
 * select/poll cost O(connections) per wake-up; epoll in a small pool uses
 * every core with O(1) work per event.  Large files go out through
 * file-descriptor responses (sendfile, no copy through user space); small
 * blobs are read once at start and answered with prepared responses that
 * every connection shares, so a hit costs no open, fstat or header
 * building (dcos-artifactd(8), serve).
 *
 * This file wires libmicrohttpd: connection tracking, the request
 * handler, the daemons and the signal loop; see serve.h for the others.
 */
#include <config.h>

#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#ifdef HAVE_LIBSYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include "artifactd.h"
#include "atomicio.h"
#include "error.h"
#include "log.h"
#include "metrics.h"
#include "serve.h"
#include "store.h"
#include "storecheck.h"
#include "subcmd.h"
#include "url.h"

#define TLS_FILE_MAX		(1024 * 1024)
/* The largest GET or HEAD body read before its 400 (body_check). */
#define BODY_DRAIN_MAX		65536

long long
now_ms(void)
{
	return now_us() / 1000;
}

long long
now_us(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Connections and requests. */

static void
notify_connection(void *cls, struct MHD_Connection *c, void **socket_context,
    enum MHD_ConnectionNotificationCode toe)
{
	struct server			*s = cls;
	struct conn			*cn;
	const union MHD_ConnectionInfo	*ci;

	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		metrics_conn_open(&s->metrics);
		if ((cn = calloc(1, sizeof(*cn))) == NULL)
			return;	/* served, only never cut when slow */
		ci = MHD_get_connection_info(c,
		    MHD_CONNECTION_INFO_CONNECTION_FD);
		cn->fd = ci != NULL ? ci->connect_fd : -1;
		atomic_init(&cn->waiting_since, now_ms());
		pthread_mutex_lock(&s->conn_lock);
		cn->next = s->conns;
		if (s->conns != NULL)
			s->conns->prev = cn;
		s->conns = cn;
		pthread_mutex_unlock(&s->conn_lock);
		*socket_context = cn;
		return;
	}
	/*
	 * MHD calls this before it closes the socket, so the reaper, which
	 * holds conn_lock, never shuts down a descriptor reused by another
	 * connection.
	 */
	if ((cn = *socket_context) != NULL) {
		pthread_mutex_lock(&s->conn_lock);
		if (cn->prev != NULL)
			cn->prev->next = cn->next;
		else
			s->conns = cn->next;
		if (cn->next != NULL)
			cn->next->prev = cn->prev;
		pthread_mutex_unlock(&s->conn_lock);
		free(cn);
		*socket_context = NULL;
	}
	metrics_conn_close(&s->metrics);
}

/* A request line was read: the request's state, until notify_completed. */
static struct req *
req_new(struct MHD_Connection *c, const char *target)
{
	const union MHD_ConnectionInfo	*ci;
	struct req			*r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	if (target != NULL && (r->target = strdup(target)) == NULL) {
		free(r);
		return NULL;
	}
	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	r->cn = ci != NULL ? ci->socket_context : NULL;
	r->start_us = now_us();
	r->route = ROUTE_OTHER;
	return r;
}

static void *
uri_logged(void *cls, const char *uri, struct MHD_Connection *c)
{
	/* NULL (out of memory): the handler tries again. */
	return req_new(c, uri);
}

/*
 * Every request MHD knew the request line of ends here, answered by us or
 * by libmicrohttpd itself (431, a malformed header): it is counted and
 * logged with the status that was queued, and none when none was.
 */
static void
notify_completed(void *cls, struct MHD_Connection *c, void **req_cls,
    enum MHD_RequestTerminationCode toe)
{
	const union MHD_ConnectionInfo	*ci;
	struct server			*s = cls;
	struct req			*r = *req_cls;
	unsigned int			 status;
	long long			 usec;

	if (r == NULL)
		return;
	status = r->status;
	if (status == 0 && (ci = MHD_get_connection_info(c,
	    MHD_CONNECTION_INFO_HTTP_STATUS)) != NULL)
		status = ci->http_status;
	if (status != 0) {
		usec = now_us() - r->start_us;
		metrics_count(&s->metrics, status);
		metrics_observe(&s->metrics, r->route, usec);
		access_log(s, c, r, status, usec);
		if (toe == MHD_REQUEST_TERMINATED_COMPLETED_OK)
			metrics_sent(&s->metrics, r->body);
	}
	if (r->begun) {
		metrics_inflight(&s->metrics, -1);
		if (r->cn != NULL)
			atomic_store(&r->cn->waiting_since, now_ms());
	}
	free(r->target);
	free(r);
	*req_cls = NULL;
}

/*
 * Closes connections that waited longer than the timeout for a complete
 * request (slow or idle clients): MHD's own timeout only measures
 * inactivity, so a client trickling one byte at a time would hold a
 * connection forever.  shutdown(2) makes MHD see the end of the stream
 * and clean up in its own thread.
 */
static void
reap_slow(struct server *s)
{
	struct conn	*cn;
	long long	 now = now_ms(), since;
	long long	 limit = (long long)s->timeout * 1000;

	pthread_mutex_lock(&s->conn_lock);
	for (cn = s->conns; cn != NULL; cn = cn->next) {
		since = atomic_load(&cn->waiting_since);
		if (since == 0 || now - since < limit || cn->fd == -1)
			continue;
		shutdown(cn->fd, SHUT_RDWR);
		atomic_store(&cn->waiting_since, 0);
		atomic_fetch_add(&s->metrics.cut_slow, 1);
	}
	pthread_mutex_unlock(&s->conn_lock);
}

static enum MHD_Result
serve_healthz(struct server *s, struct reply *rq)
{
	struct stat	 st;
	int		 fd, ok = 0;

	/* Healthy means index.json and the blobs open as requests open them. */
	if ((fd = store_open(s, STORE_INDEX, &st)) != -1) {
		close(fd);
		if ((fd = storecheck_opendir(s->rootfd, STORE_BLOB_DIR)) !=
		    -1) {
			close(fd);
			ok = 1;
		}
	}
	return serve_text(s, rq, ok ? MHD_HTTP_OK :
	    MHD_HTTP_SERVICE_UNAVAILABLE,
	    strdup(ok ? "ok\n" : "store root not readable\n"),
	    ok ? 3 : 24, "text/plain; charset=utf-8");
}

static enum MHD_Result
serve_metrics(struct server *s, struct reply *rq)
{
	char	*text;
	size_t	 len = 0;

	if ((text = metrics_render(&s->metrics, &len)) == NULL)
		return queue_error(s, rq, MHD_HTTP_SERVICE_UNAVAILABLE);
	return serve_text(s, rq, MHD_HTTP_OK, text, len,
	    "text/plain; version=0.0.4; charset=utf-8");
}

static enum MHD_Result
count_host(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	int	*n = cls;

	if (strcasecmp(key, MHD_HTTP_HEADER_HOST) == 0)
		(*n)++;
	return MHD_YES;
}

/* RFC 9112 3.2: HTTP/1.1 needs exactly one Host; no request may have two. */
static int
host_ok(struct MHD_Connection *c, const char *version)
{
	int	 hosts = 0;

	MHD_get_connection_values(c, MHD_HEADER_KIND, count_host, &hosts);
	return hosts == 1 || (hosts == 0 &&
	    strcmp(version, MHD_HTTP_VERSION_1_0) == 0);
}

/*
 * A GET or HEAD has no use for a body (RFC 9110 9.3.1): it gets 400.  A
 * small one is read first, so that the answer is not lost to the reset a
 * close with unread data causes; a larger one is answered at once.
 * Returns 0 (no body), 1 (drain it, then 400) or -1 (400 now).
 */
static int
body_check(struct MHD_Connection *c)
{
	const char	*cl;
	char		*end;
	unsigned long long n;

	cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_TRANSFER_ENCODING) != NULL)
		return 1;
	if (cl == NULL)
		return 0;
	n = strtoull(cl, &end, 10);
	if (n == 0 && *end == '\0' && end != cl)
		return 0;
	return n <= BODY_DRAIN_MAX ? 1 : -1;
}

/*
 * The first call for a request.  Answering a good GET or HEAD here would
 * make MHD close the connection (no keep-alive; see dcos-artifactd(8)): only mark it.
 * Other methods and bad requests are refused at once (MHD then closes),
 * so a client never gets "100 Continue" for a body we would throw away.
 */
static enum MHD_Result
begin_request(struct server *s, struct reply *rq, const char *version)
{
	rq->req->begun = 1;
	if (rq->req->cn != NULL)
		atomic_store(&rq->req->cn->waiting_since, 0);
	metrics_inflight(&s->metrics, 1);
	if (strcmp(rq->method, MHD_HTTP_METHOD_GET) != 0 &&
	    strcmp(rq->method, MHD_HTTP_METHOD_HEAD) != 0)
		return queue_error(s, rq, MHD_HTTP_METHOD_NOT_ALLOWED);
	if (!host_ok(rq->c, version))
		return queue_error(s, rq, MHD_HTTP_BAD_REQUEST);
	switch (body_check(rq->c)) {
	case 1:
		rq->req->draining = 1;
		return MHD_YES;
	case -1:
		return queue_error(s, rq, MHD_HTTP_BAD_REQUEST);
	}
	return MHD_YES;
}

/* Answers a GET or HEAD by what the sanitised path names. */
static enum MHD_Result
route(struct server *s, struct reply *rq)
{
	struct url_target	 t;

	switch (url_sanitise(rq->url, &t)) {
	case URL_BLOB:
		rq->req->route = ROUTE_BLOB;
		return serve_blob(s, rq, &t);
	case URL_INDEX:
		rq->req->route = ROUTE_INDEX;
		return serve_mutable(s, rq, &s->index);
	case URL_SCRIPT:
		rq->req->route = ROUTE_SCRIPT;
		return serve_mutable(s, rq, &s->script);
	case URL_SCRIPT_SIG:
		rq->req->route = ROUTE_SCRIPT;
		return serve_mutable(s, rq, &s->script_sig);
	case URL_SCRIPT_PS1:
		return serve_mutable(s, rq, &s->script_ps1);
	case URL_SCRIPT_PS1_SIG:
		return serve_mutable(s, rq, &s->script_ps1_sig);
	case URL_RELEASE:
		rq->req->route = ROUTE_RELEASE;
		return serve_release(s, rq, &t);
	case URL_HEALTHZ:
		rq->req->route = ROUTE_HEALTHZ;
		return serve_healthz(s, rq);
	case URL_METRICS:
		rq->req->route = ROUTE_METRICS;
		return serve_metrics(s, rq);
	case URL_BAD:
		return queue_error(s, rq, MHD_HTTP_BAD_REQUEST);
	case URL_NOTFOUND:
	default:
		return queue_error(s, rq, MHD_HTTP_NOT_FOUND);
	}
}

static enum MHD_Result
handle(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **req_cls)
{
	struct server	*s = cls;
	struct reply	 rq;

	if (*req_cls == NULL && (*req_cls = req_new(c, url)) == NULL)
		return MHD_NO;	/* out of memory: MHD closes */
	rq.c = c;
	rq.req = *req_cls;
	rq.method = method;
	rq.url = url;
	rq.head = strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;
	if (!rq.req->begun) {
		snprintf(rq.req->method, sizeof(rq.req->method), "%s",
		    method);
		snprintf(rq.req->version, sizeof(rq.req->version), "%s",
		    version);
		return begin_request(s, &rq, version);
	}
	if (rq.req->draining) {
		if (*upload_size == 0)
			return queue_error(s, &rq, MHD_HTTP_BAD_REQUEST);
		rq.req->drained += *upload_size;
		*upload_size = 0;
		/* A chunked body that goes on: close without an answer. */
		return rq.req->drained > BODY_DRAIN_MAX ? MHD_NO : MHD_YES;
	}
	*upload_size = 0;
	if (!rq.head && strcmp(method, MHD_HTTP_METHOD_GET) != 0)
		return queue_error(s, &rq, MHD_HTTP_METHOD_NOT_ALLOWED);
	if (strlen(url) > URL_MAX)
		return queue_error(s, &rq, MHD_HTTP_URI_TOO_LONG);
	return route(s, &rq);
}

/* The sanitiser decodes escapes itself: MHD must hand over the raw path. */
static size_t
unescape_none(void *cls, struct MHD_Connection *c, char *s)
{
	return strlen(s);
}

/*
 * libmicrohttpd answers some requests itself.  Those it refuses while
 * reading the request line (414 for a line over the header limit, 505)
 * reach no callback but this log line, whose first argument is the
 * status: count and log them here.  The others (431, a malformed header)
 * end in notify_completed.
 */
#define MHD_ERROR_FMT	"Error processing request (HTTP response code is %u"

static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	struct server	*s = cls;
	va_list		 aq;
	char		*msg = NULL;
	unsigned int	 status;
	size_t		 n;

	if (strncmp(fmt, MHD_ERROR_FMT, sizeof(MHD_ERROR_FMT) - 1) == 0) {
		va_copy(aq, ap);
		status = va_arg(aq, unsigned int);
		va_end(aq);
		if (status == MHD_HTTP_URI_TOO_LONG ||
		    status == MHD_HTTP_HTTP_VERSION_NOT_SUPPORTED) {
			metrics_count(&s->metrics, status);
			access_log(s, NULL, NULL, status, -1);
		}
	}
	if (log_get_level() < LOG_VERBOSE || vasprintf(&msg, fmt, ap) == -1)
		return;
	n = strlen(msg);
	while (n > 0 && msg[n - 1] == '\n')
		msg[--n] = '\0';
	log_verbose("libmicrohttpd: %s", msg);
	free(msg);
}

/* Set-up. */
static int
start_daemon(struct server *s, struct listener *l, char **errp)
{
	struct MHD_OptionItem	 opts[16];
	unsigned int		 flags, n = 0;

	flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
	    MHD_USE_TURBO | MHD_USE_ITC;
	if (s->tls_cert != NULL)
		flags |= MHD_USE_TLS;
#define OPT(o, v, p)	opts[n++] = (struct MHD_OptionItem){ (o), (v), (p) }
	OPT(MHD_OPTION_LISTEN_SOCKET, l->fd, NULL);
	if (s->threads > 1)
		OPT(MHD_OPTION_THREAD_POOL_SIZE, s->threads, NULL);
	OPT(MHD_OPTION_CONNECTION_LIMIT, s->max_conns, NULL);
	OPT(MHD_OPTION_PER_IP_CONNECTION_LIMIT, s->per_ip, NULL);
	OPT(MHD_OPTION_CONNECTION_TIMEOUT, s->timeout, NULL);
	OPT(MHD_OPTION_CONNECTION_MEMORY_LIMIT, (intptr_t)s->header_max, NULL);
	OPT(MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)notify_completed, s);
	OPT(MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)uri_logged, s);
	OPT(MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)notify_connection, s);
	OPT(MHD_OPTION_UNESCAPE_CALLBACK, (intptr_t)unescape_none, s);
	OPT(MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)mhd_log, s);
	if (s->tls_cert != NULL) {
		OPT(MHD_OPTION_HTTPS_MEM_CERT, 0, s->tls_cert);
		OPT(MHD_OPTION_HTTPS_MEM_KEY, 0, s->tls_key);
	}
	OPT(MHD_OPTION_END, 0, NULL);
#undef OPT
	l->daemon = MHD_start_daemon(flags | MHD_USE_ERROR_LOG, 0, NULL, NULL,
	    handle, s, MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
	if (l->daemon == NULL)
		return err_set(errp, "%s: libmicrohttpd could not start (run "
		    "with -v for its reason%s)", l->name, s->tls_cert != NULL ?
		    "; check the TLS certificate and key" : "");
	return 0;
}

static void
raise_nofile(void)
{
	struct rlimit	 rl;

	/* Thousands of hosts: one descriptor per connection, plus files. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static void
server_free(struct server *s)
{
	int	 i;

	for (i = 0; i < s->nlisten; i++) {
		if (s->listen[i].daemon != NULL)
			MHD_stop_daemon(s->listen[i].daemon);
		if (s->listen[i].fd != -1)
			close(s->listen[i].fd);
	}
	tab_free(&s->tab);
	tab_free(&s->late);
	pthread_rwlock_destroy(&s->late.lock);
	mutable_free(&s->index);
	mutable_free(&s->script);
	mutable_free(&s->script_sig);
	mutable_free(&s->script_ps1);
	mutable_free(&s->script_ps1_sig);
	free_error_responses(s);
	if (s->access_log != NULL)
		fclose(s->access_log);
	pthread_mutex_destroy(&s->log_lock);
	pthread_mutex_destroy(&s->conn_lock);
	if (s->rootfd != -1)
		close(s->rootfd);
	free(s->tls_cert);
	free(s->tls_key);
}

/*
 * Stops taking connections, lets requests in flight finish for up to the
 * grace period, then stops (cutting what is left).
 */
static void
shutdown_server(struct server *s)
{
	long long	 deadline;
	long long	 left;
	int		 i, fd;

	for (i = 0; i < s->nlisten; i++)
		if (s->listen[i].daemon != NULL &&
		    (fd = MHD_quiesce_daemon(s->listen[i].daemon)) != -1)
			close(fd);
	deadline = now_ms() + (long long)s->grace * 1000;
	while ((left = metrics_inflight_total(&s->metrics)) > 0 &&
	    now_ms() < deadline) {
		struct timespec	 ts = { 0, 20 * 1000 * 1000 };

		nanosleep(&ts, NULL);
	}
	if (left > 0)
		log_warn("grace period over: cutting %lld download(s)", left);
}

/* Waits for signals: SIGHUP reopens the log, SIGINT/SIGTERM stop. */
static void
run(struct server *s, const sigset_t *sigs)
{
	struct timespec	 tick = { 1, 0 };
	char		*err = NULL;
	int		 sig;

	for (;;) {
		sig = sigtimedwait(sigs, NULL, &tick);
		if (sig == SIGINT || sig == SIGTERM) {
			log_info("%s: shutting down", strsignal(sig));
			return;
		}
		if (sig == SIGHUP && s->access_log_path != NULL) {
			access_log_flush(s);
			if (access_log_open(s, &err) == -1) {
				log_warn("%s (still writing the old one)", err);
				free(err);
				err = NULL;
			} else
				log_verbose("reopened %s", s->access_log_path);
		}
		access_log_flush(s);
		reap_slow(s);
	}
}

/*
 * Reads the TLS certificate and key while still root (the key may be
 * readable by root alone).  Returns 0, or -1 with *errp.
 */
static int
read_tls(struct server *s, char **errp)
{
	if (s->tls_cert_path == NULL)
		return 0;
	if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES)
		return err_set(errp, "this libmicrohttpd has no TLS: put a TLS "
		    "proxy in front or install a TLS-enabled build");
	if (read_file(s->tls_cert_path, TLS_FILE_MAX, &s->tls_cert, NULL,
	    errp) == -1 || read_file(s->tls_key_path, TLS_FILE_MAX,
	    &s->tls_key, NULL, errp) == -1)
		return -1;
	return 0;
}

/*
 * Opens the store and reads what is known before the first request, as
 * the user serve runs as.
 */
static int
prepare(struct server *s, char **errp)
{
	struct stat	 st;
	int		 fd;

	if (privdrop_check_store(s->root, errp) == -1 ||
	    storecheck_root(s->root, errp) == -1)
		return -1;
	s->rootfd = open(s->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->rootfd == -1)
		return err_set(errp, "%s: %s", s->root, strerror(errno));
	/* storecheck_root followed symlinks; requests never leave the root. */
	if ((fd = store_open(s, STORE_INDEX, &st)) == -1)
		return err_set(errp, "%s/%s: %s: serve opens only files "
		    "inside --root and never follows a symlink out of it; "
		    "put the file itself there", s->root, STORE_INDEX,
		    errno == EXDEV ? "leads out of the store root" :
		    strerror(errno));
	close(fd);
	raise_nofile();
	if (load_blobs(s, errp) == -1 ||
	    (s->access_log_path != NULL && access_log_open(s, errp) == -1) ||
	    make_error_responses(s, errp) == -1)
		return -1;
	return 0;
}

/*
 * Tells systemd (Type=notify) how the server is doing; nothing without
 * NOTIFY_SOCKET or when built --without-systemd.
 */
static void
notify_systemd(const char *state)
{
#ifdef HAVE_LIBSYSTEMD
	int	 r;

	if ((r = sd_notify(0, state)) < 0)
		log_warn("sd_notify %s: %s", state, strerror(-r));
#else
	(void)state;
#endif
}

/* Threads inherit the mask: only run() sees these signals. */
static void
block_signals(sigset_t *sigs)
{
	sigemptyset(sigs);
	sigaddset(sigs, SIGINT);
	sigaddset(sigs, SIGTERM);
	sigaddset(sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, sigs, NULL);
	/* A shell starts background jobs with SIGINT ignored: undo that. */
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
}

/* Binds every --listen address. */
static int
bind_listeners(struct server *s, char **errp)
{
	struct listener	*l;
	int		 i;

	for (i = 0; i < s->nspecs; i++) {
		l = &s->listen[s->nlisten];
		l->spec = s->specs[i];
		if (listen_bind(l, errp) == -1) {
			/* No IPv6 on this host: the default [::] is optional. */
			if (s->default_specs && i == 1 && s->nlisten == 1) {
				log_verbose("%s", *errp);
				free(*errp);
				*errp = NULL;
				continue;
			}
			return -1;
		}
		s->nlisten++;
	}
	return 0;
}

/* Listens on every bound socket and starts a daemon on each. */
static int
start_listeners(struct server *s, char **errp)
{
	struct listener	*l;
	int		 i;

	for (i = 0; i < s->nlisten; i++) {
		l = &s->listen[i];
		if (listen(l->fd, 4096) == -1)
			return err_sys(errp, "--listen %s", l->spec);
		if (start_daemon(s, l, errp) == -1)
			return -1;
		/* The daemon owns the socket now. */
		l->fd = -1;
	}
	for (i = 0; i < s->nlisten; i++)
		log_info("serving %s on %s://%s", s->root,
		    s->tls_cert != NULL ? "https" : "http", s->listen[i].name);
	return 0;
}

int
cmd_serve(int argc, char **argv)
{
	struct server	 s;
	sigset_t	 sigs;
	char		*err = NULL;
	int		 rc;

	server_init(&s);
	if ((rc = serve_parse_args(&s, argc, argv)) != SUBCMD_CONTINUE)
		goto out;
	rc = EXIT_FAIL;
	/* Root's part first: the TLS key and the ports; then the user's. */
	if (read_tls(&s, &err) == -1 || bind_listeners(&s, &err) == -1 ||
	    privdrop(s.user, &err) == -1 ||
	    prepare(&s, &err) == -1) {
		log_error("%s", err);
		goto out;
	}
	block_signals(&sigs);
	if (start_listeners(&s, &err) == -1) {
		log_error("%s", err);
		goto out;
	}
	notify_systemd("READY=1");
	run(&s, &sigs);
	notify_systemd("STOPPING=1");
	shutdown_server(&s);
	rc = EXIT_OK;
out:
	server_free(&s);
	free(err);
	return rc;
}
