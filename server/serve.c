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
 * building (DESIGN 9).
 */
#include <config.h>

#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <netdb.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "artifactd.h"
#include "atomicio.h"
#include "digest.h"
#include "error.h"
#include "http-range.h"
#include "log.h"
#include "metrics.h"
#include "serve.h"
#include "store.h"
#include "storecheck.h"
#include "subcmd.h"
#include "url.h"

#define DEFAULT_ROOT		"genconf/serve"
#define DEFAULT_PORT		"8080"
#define CC_IMMUTABLE		"public, max-age=31536000, immutable"
#define CC_NOCACHE		"no-cache"
#define CT_OCTET		"application/octet-stream"
#define MUTABLE_MAX		(16 * 1024 * 1024)
#define TLS_FILE_MAX		(1024 * 1024)

static long long
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Blob table. */

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
static struct blob *
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

static void
tab_free(struct blobtab *t)
{
	size_t	 i;

	for (i = 0; i < t->cap; i++)
		blob_free(t->slots[i]);
	free(t->slots);
	t->slots = NULL;
	t->cap = t->n = 0;
}

static int
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
static int
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
 * Looks at one blobs/sha256/<name> at start: verifies it (--verify-on-start)
 * and caches it when small.  Returns 0 (also for names that are not blobs)
 * or -1 with *errp for a fatal error.
 */
static int
load_blob(struct server *s, int dfd, const char *name, size_t *cached,
    unsigned int *nbad, char **errp)
{
	struct digest	 d, got;
	struct stat	 st;
	struct blob	*b = NULL;
	char		*err = NULL;
	int		 fd = -1, rc = -1;

	if (strlen(name) != DIGEST_HEXLEN || digest_parse_hex(name, &d) == -1)
		return 0;	/* not a blob name: never served */
	fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd == -1 || fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		rc = 0;		/* refused again at request time */
		goto out;
	}
	if ((b = blob_new(&d)) == NULL)
		goto oom;
	b->size = (uint64_t)st.st_size;
	if (b->size <= s->cache_item_max &&
	    *cached + b->size <= s->cache_max) {
		if (read_fd(fd, (size_t)b->size, &b->mem) == -1) {
			err_sys(errp, "%s/%s", STORE_BLOB_DIR, name);
			goto out;
		}
		if (s->verify) {
			digest_buf(b->mem, (size_t)b->size, &got);
			b->bad = !digest_equal(&got, &d);
		}
	} else if (s->verify) {
		if (storecheck_blob_fd(fd, &d, NULL, &err) == -1)
			b->bad = 1;
	} else {
		/* Nothing to remember: served from the file. */
		rc = 0;
		goto out;
	}
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
	free(err);
	if (fd != -1)
		close(fd);
	return rc;
}

static int
load_blobs(struct server *s, char **errp)
{
	DIR		*dir = NULL;
	struct dirent	*de;
	size_t		 cached = 0;
	unsigned int	 nbad = 0;
	int		 dfd, rc = -1;

	dfd = openat(s->rootfd, STORE_BLOB_DIR, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC | O_NOFOLLOW);
	if (dfd == -1 || (dir = fdopendir(dfd)) == NULL) {
		err_sys(errp, "%s/%s", s->root, STORE_BLOB_DIR);
		if (dfd != -1)
			close(dfd);
		return -1;
	}
	while ((errno = 0, de = readdir(dir)) != NULL)
		if (load_blob(s, dfd, de->d_name, &cached, &nbad, errp) == -1)
			goto out;
	if (errno != 0) {
		err_sys(errp, "%s/%s", s->root, STORE_BLOB_DIR);
		goto out;
	}
	if (s->verify)
		log_info("verified %s: %u bad blob(s) will not be served",
		    s->root, nbad);
	log_verbose("%zu bytes of small blobs cached in memory", cached);
	rc = 0;
out:
	closedir(dir);
	return rc;
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

/* Marker for requests on a connection we could not track. */
static struct conn	 untracked;

static void
notify_completed(void *cls, struct MHD_Connection *c, void **req_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct server	*s = cls;
	struct conn	*cn = *req_cls;

	if (cn == NULL)
		return;		/* the handler never ran (MHD answered) */
	if (toe == MHD_REQUEST_TERMINATED_COMPLETED_OK)
		metrics_sent(&s->metrics, cn->body);
	metrics_inflight(&s->metrics, -1);
	if (cn != &untracked)
		atomic_store(&cn->waiting_since, now_ms());
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

/* Access log: combined-like lines, buffered, flushed once a second. */

static void
log_escape(FILE *fp, const char *v)
{
	const unsigned char	*p;

	if (v == NULL) {
		fputc('-', fp);
		return;
	}
	for (p = (const unsigned char *)v; *p != '\0'; p++) {
		if (*p < 0x20 || *p >= 0x7f || *p == '"' || *p == '\\')
			fprintf(fp, "\\x%02x", *p);
		else
			fputc(*p, fp);
	}
}

static void
access_log(struct server *s, struct MHD_Connection *c, const char *method,
    const char *url, unsigned int status, uint64_t bytes)
{
	const union MHD_ConnectionInfo	*ci;
	char				 host[INET6_ADDRSTRLEN + 1] = "-";
	char				 when[64];
	struct tm			 tm;
	time_t				 t = time(NULL);
	socklen_t			 len;

	if (s->access_log == NULL)
		return;
	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci != NULL && ci->client_addr != NULL) {
		len = ci->client_addr->sa_family == AF_INET6 ?
		    sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
		if (getnameinfo(ci->client_addr, len, host, sizeof(host),
		    NULL, 0, NI_NUMERICHOST) != 0)
			snprintf(host, sizeof(host), "-");
	}
	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%d/%b/%Y:%H:%M:%S +0000", &tm);
	pthread_mutex_lock(&s->log_lock);
	if (s->access_log != NULL) {
		fprintf(s->access_log, "%s - - [%s] \"", host, when);
		log_escape(s->access_log, method);
		fputc(' ', s->access_log);
		log_escape(s->access_log, url);
		fprintf(s->access_log, "\" %u %" PRIu64 " \"", status, bytes);
		log_escape(s->access_log, MHD_lookup_connection_value(c,
		    MHD_HEADER_KIND, MHD_HTTP_HEADER_USER_AGENT));
		fputs("\"\n", s->access_log);
	}
	pthread_mutex_unlock(&s->log_lock);
}

static int
access_log_open(struct server *s, char **errp)
{
	FILE	*fp;
	int	 fd;

	/* Appending is the one write that cannot be a rename. */
	fd = open(s->access_log_path, O_WRONLY | O_APPEND | O_CREAT |
	    O_CLOEXEC | O_NOCTTY, 0640);
	if (fd == -1)
		return err_sys(errp, "%s: cannot open the access log",
		    s->access_log_path);
	if ((fp = fdopen(fd, "a")) == NULL) {
		close(fd);
		return err_sys(errp, "%s", s->access_log_path);
	}
	setvbuf(fp, NULL, _IOFBF, 64 * 1024);
	pthread_mutex_lock(&s->log_lock);
	if (s->access_log != NULL)
		fclose(s->access_log);
	s->access_log = fp;
	pthread_mutex_unlock(&s->log_lock);
	return 0;
}

static void
access_log_flush(struct server *s)
{
	pthread_mutex_lock(&s->log_lock);
	if (s->access_log != NULL)
		fflush(s->access_log);
	pthread_mutex_unlock(&s->log_lock);
}

/* Responses. */

struct reply {
	struct MHD_Connection	*c;
	struct conn		*cn;
	const char		*method;
	const char		*url;
	int			 head;
};

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
 * Queues r (a shared response keeps its other references) and counts and
 * logs the request.  A NULL r (out of memory) becomes a 500.
 */
static enum MHD_Result
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
	rq->cn->body = body;
	ret = MHD_queue_response(rq->c, status, r);
	metrics_count(&s->metrics, status);
	access_log(s, rq->c, rq->method, rq->url, status, body);
	return ret;
}

/* Queues one of the prepared error pages. */
static enum MHD_Result
queue_error(struct server *s, struct reply *rq, unsigned int status)
{
	return queue(s, rq, status, error_page(s, status),
	    strlen(error_text(status)));
}

/* Queues a response made for this request and drops our reference. */
static enum MHD_Result
queue_own(struct server *s, struct reply *rq, unsigned int status,
    struct MHD_Response *r, uint64_t body)
{
	enum MHD_Result	 ret;

	ret = queue(s, rq, status, r, body);
	if (r != NULL)
		MHD_destroy_response(r);
	return ret;
}

/* What to send for a file: its bytes as a descriptor or in memory. */
struct body {
	const char		*etag;
	const char		*cc;
	const char		*ctype;
	uint64_t		 size;
	int			 fd;		/* -1 when mem is used */
	const char		*mem;
	int			 mem_shared;	/* mem outlives responses */
	struct MHD_Response	*full;		/* prepared 200, or NULL */
};

static struct MHD_Response *
body_response(struct body *b, uint64_t off, uint64_t len)
{
	struct MHD_Response	*r;

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

/*
 * Answers a GET/HEAD for a file: 304 when If-None-Match matches, 206 or
 * 416 for a Range (honoured only when If-Range, if any, names our strong
 * ETag), else 200.  Closes b->fd unless MHD took it.
 */
static enum MHD_Result
respond_body(struct server *s, struct reply *rq, struct body *b)
{
	struct MHD_Response	*r = NULL;
	const char		*inm, *range, *ifrange;
	char			 cr[96];
	uint64_t		 off = 0, len = 0;
	enum range_result	 rr = RANGE_NONE;
	enum MHD_Result		 ret;
	unsigned int		 status;

	inm = MHD_lookup_connection_value(rq->c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_IF_NONE_MATCH);
	range = MHD_lookup_connection_value(rq->c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_RANGE);
	if (inm != NULL && http_etag_none_match(inm, b->etag)) {
		r = MHD_create_response_from_buffer(0, (void *)"",
		    MHD_RESPMEM_PERSISTENT);
		if (r != NULL && add_common_headers(r, b->etag, b->cc,
		    NULL) == -1) {
			MHD_destroy_response(r);
			r = NULL;
		}
		ret = queue_own(s, rq, MHD_HTTP_NOT_MODIFIED, r, 0);
		goto out;
	}
	if (range != NULL) {
		ifrange = MHD_lookup_connection_value(rq->c, MHD_HEADER_KIND,
		    MHD_HTTP_HEADER_IF_RANGE);
		if (ifrange == NULL || http_if_range_match(ifrange, b->etag))
			rr = http_range_parse(range, b->size, &off, &len);
	}
	switch (rr) {
	case RANGE_NONE:
		if (b->full != NULL) {
			ret = queue(s, rq, MHD_HTTP_OK, b->full, b->size);
			goto out;
		}
		off = 0;
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
	ret = queue_own(s, rq, status, r, len);
out:
	if (b->fd != -1) {
		close(b->fd);
		b->fd = -1;
	}
	return ret;
}

/* 404 for what is not there, 503 when we are out of descriptors. */
static enum MHD_Result
respond_open_error(struct server *s, struct reply *rq, const char *rel)
{
	if (errno == EMFILE || errno == ENFILE || errno == ENOMEM) {
		log_warn("%s: %s", rel, strerror(errno));
		return queue_error(s, rq, MHD_HTTP_SERVICE_UNAVAILABLE);
	}
	return queue_error(s, rq, MHD_HTTP_NOT_FOUND);
}

/* Opens a store file; only regular files count. */
static int
open_regular(struct server *s, const char *rel, struct stat *st)
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

/*
 * With --verify-on-start, a blob that appeared after the start is hashed
 * on its first request.  A good verdict is remembered; a bad one is not,
 * so a blob repaired in place is served again.  Returns 1 when the blob
 * may be served.
 */
static int
verify_late(struct server *s, const struct url_target *t, int fd)
{
	struct blob	*b;
	char		*err = NULL;

	if (storecheck_blob_fd(fd, &t->digest, NULL, &err) == -1) {
		log_warn("%s: %s; not served", t->rel, err);
		free(err);
		return 0;
	}
	if (lseek(fd, 0, SEEK_SET) == -1)
		return 0;
	if ((b = blob_new(&t->digest)) == NULL)
		return 1;	/* served; hashed again next time */
	pthread_rwlock_wrlock(&s->late.lock);
	if (tab_find(&s->late, &t->digest) != NULL ||
	    tab_insert(&s->late, b) == -1)
		blob_free(b);
	pthread_rwlock_unlock(&s->late.lock);
	return 1;
}

static enum MHD_Result
serve_blob(struct server *s, struct reply *rq, const struct url_target *t)
{
	struct blob	*b;
	struct body	 body;
	struct stat	 st;
	char		 etag[SERVE_ETAG_SZ], d[DIGEST_STRSZ];
	int		 fd, known;

	memset(&body, 0, sizeof(body));
	body.fd = -1;
	body.cc = CC_IMMUTABLE;
	body.ctype = CT_OCTET;
	/* The table of the start never changes: no lock. */
	b = tab_find(&s->tab, &t->digest);
	if (b == NULL && s->verify) {
		pthread_rwlock_rdlock(&s->late.lock);
		b = tab_find(&s->late, &t->digest);
		pthread_rwlock_unlock(&s->late.lock);
	}
	known = b != NULL;
	if (b != NULL && b->bad)
		return queue_error(s, rq, MHD_HTTP_NOT_FOUND);
	if (b != NULL && b->full != NULL) {
		/* Cached blobs are never freed while the server runs. */
		body.etag = b->etag;
		body.size = b->size;
		body.mem = b->mem;
		body.mem_shared = 1;
		body.full = b->full;
		return respond_body(s, rq, &body);
	}
	if ((fd = open_regular(s, t->rel, &st)) == -1)
		return respond_open_error(s, rq, t->rel);
	if (s->verify && !known && !verify_late(s, t, fd)) {
		close(fd);
		return queue_error(s, rq, MHD_HTTP_NOT_FOUND);
	}
	/* From the name: a blob's name is its digest. */
	digest_format(&t->digest, d);
	snprintf(etag, sizeof(etag), "\"%s\"", d);
	body.etag = etag;
	body.fd = fd;
	body.size = (uint64_t)st.st_size;
	return respond_body(s, rq, &body);
}

static enum MHD_Result
serve_release(struct server *s, struct reply *rq, const struct url_target *t)
{
	struct body	 body;
	struct stat	 st;
	char		 etag[96];
	int		 fd;

	if ((fd = open_regular(s, t->rel, &st)) == -1)
		return respond_open_error(s, rq, t->rel);
	/*
	 * A release file is replaced only by rename, which gives a new
	 * inode: inode, size and mtime make a strong validator.
	 */
	snprintf(etag, sizeof(etag), "\"%jx-%jx-%jx.%lx\"",
	    (uintmax_t)st.st_ino, (uintmax_t)st.st_size,
	    (uintmax_t)st.st_mtim.tv_sec, (unsigned long)st.st_mtim.tv_nsec);
	memset(&body, 0, sizeof(body));
	body.etag = etag;
	body.cc = CC_NOCACHE;
	body.ctype = CT_OCTET;
	body.fd = fd;
	body.size = (uint64_t)st.st_size;
	return respond_body(s, rq, &body);
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

static enum MHD_Result
serve_mutable(struct server *s, struct reply *rq, struct mutable_file *m)
{
	struct body	 body;
	struct stat	 st;
	enum MHD_Result	 ret;
	int		 fd;

	if ((fd = open_regular(s, m->rel, &st)) == -1)
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

static enum MHD_Result
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

static enum MHD_Result
serve_healthz(struct server *s, struct reply *rq)
{
	int	 ok;

	ok = faccessat(s->rootfd, STORE_INDEX, R_OK, 0) == 0 &&
	    faccessat(s->rootfd, STORE_BLOB_DIR, R_OK | X_OK, 0) == 0;
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
handle(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **req_cls)
{
	struct server			*s = cls;
	const union MHD_ConnectionInfo	*ci;
	struct url_target		 t;
	struct reply			 rq;
	struct conn			*cn;

	if (*req_cls == NULL) {
		/*
		 * Answering on the first call would make MHD close the
		 * connection (no keep-alive, DESIGN 9): only mark it here.
		 */
		ci = MHD_get_connection_info(c,
		    MHD_CONNECTION_INFO_SOCKET_CONTEXT);
		cn = ci != NULL && ci->socket_context != NULL ?
		    ci->socket_context : &untracked;
		if (cn != &untracked)
			atomic_store(&cn->waiting_since, 0);
		metrics_inflight(&s->metrics, 1);
		*req_cls = cn;
		/*
		 * Other methods are refused at once, so a client never gets
		 * "100 Continue" for a body we would throw away.
		 */
		if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
		    strcmp(method, MHD_HTTP_METHOD_HEAD) != 0) {
			rq.c = c;
			rq.cn = cn;
			rq.method = method;
			rq.url = url;
			rq.head = 0;
			return queue_error(s, &rq, MHD_HTTP_METHOD_NOT_ALLOWED);
		}
		return MHD_YES;
	}
	/* We take no request bodies; MHD closes after the reply. */
	*upload_size = 0;
	rq.c = c;
	rq.cn = *req_cls;
	rq.method = method;
	rq.url = url;
	rq.head = strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;
	if (!rq.head && strcmp(method, MHD_HTTP_METHOD_GET) != 0)
		return queue_error(s, &rq, MHD_HTTP_METHOD_NOT_ALLOWED);
	if (strlen(url) > URL_MAX)
		return queue_error(s, &rq, MHD_HTTP_URI_TOO_LONG);
	switch (url_sanitise(url, &t)) {
	case URL_BLOB:
		return serve_blob(s, &rq, &t);
	case URL_INDEX:
		return serve_mutable(s, &rq, &s->index);
	case URL_SCRIPT:
		return serve_mutable(s, &rq, &s->script);
	case URL_SCRIPT_SIG:
		return serve_mutable(s, &rq, &s->script_sig);
	case URL_RELEASE:
		return serve_release(s, &rq, &t);
	case URL_HEALTHZ:
		return serve_healthz(s, &rq);
	case URL_METRICS:
		return serve_metrics(s, &rq);
	case URL_BAD:
		return queue_error(s, &rq, MHD_HTTP_BAD_REQUEST);
	case URL_NOTFOUND:
	default:
		return queue_error(s, &rq, MHD_HTTP_NOT_FOUND);
	}
}

/* The sanitiser decodes escapes itself: MHD must hand over the raw path. */
static size_t
unescape_none(void *cls, struct MHD_Connection *c, char *s)
{
	return strlen(s);
}

static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	char	*msg = NULL;
	size_t	 n;

	if (log_get_level() < LOG_VERBOSE || vasprintf(&msg, fmt, ap) == -1)
		return;
	n = strlen(msg);
	while (n > 0 && msg[n - 1] == '\n')
		msg[--n] = '\0';
	log_verbose("libmicrohttpd: %s", msg);
	free(msg);
}

/* Set-up. */

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

static int
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

/*
 * Binds one --listen value: "ADDR:PORT" or "[ADDR6]:PORT", numeric only
 * (no name service lookups).  Port 0 picks a free port.
 */
static int
listen_on(struct listener *l, char **errp)
{
	struct addrinfo		 hints, *ai = NULL;
	struct sockaddr_storage	 ss;
	socklen_t		 sslen = sizeof(ss);
	char			*host = NULL, *addr, *end, *port;
	char			 host_s[INET6_ADDRSTRLEN + 1];
	char			 port_s[16];
	int			 fd = -1, one = 1, gai, rc = -1;

	if ((host = strdup(l->spec)) == NULL)
		return err_set(errp, "out of memory");
	addr = host;
	if (host[0] == '[') {
		end = strchr(host, ']');
		if (end == NULL || end[1] != ':') {
			err_set(errp, "--listen %s: use [IPV6]:PORT, e.g. "
			    "[::]:8080", l->spec);
			goto out;
		}
		*end = '\0';
		addr = host + 1;
		port = end + 2;
	} else {
		if ((port = strrchr(host, ':')) == NULL) {
			err_set(errp, "--listen %s: use ADDR:PORT, e.g. "
			    "0.0.0.0:8080 or [::]:8080", l->spec);
			goto out;
		}
		*port++ = '\0';
	}
	if (port[0] == '\0' || strspn(port, "0123456789") != strlen(port) ||
	    strlen(port) > 5 || atoi(port) > 65535) {
		err_set(errp, "--listen %s: the port must be a number from 0 "
		    "to 65535", l->spec);
		goto out;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
	if ((gai = getaddrinfo(*addr != '\0' ? addr : NULL, port, &hints,
	    &ai)) != 0) {
		err_set(errp, "--listen %s: %s (give a numeric address and "
		    "port)", l->spec, gai_strerror(gai));
		goto out;
	}
	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
	    ai->ai_protocol);
	if (fd == -1) {
		err_sys(errp, "--listen %s", l->spec);
		goto out;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* [::] and 0.0.0.0 are separate listeners: keep them apart. */
	if (ai->ai_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) == -1) {
		err_sys(errp, "--listen %s: cannot bind", l->spec);
		goto out;
	}
	if (listen(fd, 4096) == -1 ||
	    getsockname(fd, (struct sockaddr *)&ss, &sslen) == -1) {
		err_sys(errp, "--listen %s", l->spec);
		goto out;
	}
	if (getnameinfo((struct sockaddr *)&ss, sslen, host_s, sizeof(host_s),
	    port_s, sizeof(port_s), NI_NUMERICHOST | NI_NUMERICSERV) != 0)
		snprintf(l->name, sizeof(l->name), "%s", l->spec);
	else if (ss.ss_family == AF_INET6)
		snprintf(l->name, sizeof(l->name), "[%s]:%s", host_s, port_s);
	else
		snprintf(l->name, sizeof(l->name), "%s:%s", host_s, port_s);
	l->fd = fd;
	fd = -1;
	rc = 0;
out:
	if (fd != -1)
		close(fd);
	if (ai != NULL)
		freeaddrinfo(ai);
	free(host);
	return rc;
}

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

static int
parse_uint(const char *opt, const char *v, unsigned long long min,
    unsigned long long max, unsigned long long *out)
{
	char			*end;
	unsigned long long	 n;

	errno = 0;
	if (v[0] < '0' || v[0] > '9' ||
	    (n = strtoull(v, &end, 10), errno != 0) || *end != '\0' ||
	    n < min || n > max) {
		log_error("--%s %s: give a whole number from %llu to %llu", opt,
		    v, min, max);
		return -1;
	}
	*out = n;
	return 0;
}

static void
mutable_init(struct mutable_file *m, const char *rel, const char *ctype)
{
	memset(m, 0, sizeof(*m));
	pthread_mutex_init(&m->lock, NULL);
	m->rel = rel;
	m->ctype = ctype;
}

static void
mutable_free(struct mutable_file *m)
{
	if (m->full != NULL)
		MHD_destroy_response(m->full);
	free(m->mem);
	pthread_mutex_destroy(&m->lock);
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
	if (s->r400 != NULL)
		MHD_destroy_response(s->r400);
	if (s->r404 != NULL)
		MHD_destroy_response(s->r404);
	if (s->r405 != NULL)
		MHD_destroy_response(s->r405);
	if (s->r414 != NULL)
		MHD_destroy_response(s->r414);
	if (s->r500 != NULL)
		MHD_destroy_response(s->r500);
	if (s->r503 != NULL)
		MHD_destroy_response(s->r503);
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

static int
usage_error(const struct subcmd *c)
{
	subcmd_usage(stderr, c);
	return EXIT_USAGE;
}

int
cmd_serve(int argc, char **argv)
{
	enum {
		O_TLS_CERT = 256, O_TLS_KEY, O_ACCESS_LOG, O_THREADS,
		O_TIMEOUT, O_GRACE, O_MAX_CONN, O_PER_IP, O_HEADER_MAX,
		O_CACHE, O_VERIFY
	};
	static const struct option longopts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "root", required_argument, NULL, 'r' },
		{ "tls-cert", required_argument, NULL, O_TLS_CERT },
		{ "tls-key", required_argument, NULL, O_TLS_KEY },
		{ "access-log", required_argument, NULL, O_ACCESS_LOG },
		{ "threads", required_argument, NULL, O_THREADS },
		{ "timeout", required_argument, NULL, O_TIMEOUT },
		{ "grace", required_argument, NULL, O_GRACE },
		{ "max-connections", required_argument, NULL, O_MAX_CONN },
		{ "max-per-ip", required_argument, NULL, O_PER_IP },
		{ "max-header-size", required_argument, NULL, O_HEADER_MAX },
		{ "cache-size", required_argument, NULL, O_CACHE },
		{ "verify-on-start", no_argument, NULL, O_VERIFY },
		{ "help", no_argument, NULL, 'h' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 }
	};
	const struct subcmd	*c = subcmd_find(artifactd_commands, "serve");
	struct server		 s;
	const char		*tls_cert = NULL, *tls_key = NULL;
	const char		*specs[SERVE_MAX_LISTEN];
	unsigned long long	 n;
	sigset_t		 sigs;
	char			*err = NULL;
	long			 ncpu;
	int			 opt, i, nspecs = 0, defaults = 0;
	int			 longindex = 0;
	int			 rc = EXIT_FAIL;

	memset(&s, 0, sizeof(s));
	s.rootfd = -1;
	s.root = DEFAULT_ROOT;
	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	s.threads = ncpu > 0 ? (unsigned int)ncpu : 1;
	s.timeout = 30;
	s.grace = 10;
	s.max_conns = 20000;
	s.per_ip = 256;
	s.header_max = 4096;
	s.cache_max = 16 * 1024 * 1024;
	s.cache_item_max = 256 * 1024;
	pthread_mutex_init(&s.log_lock, NULL);
	pthread_mutex_init(&s.conn_lock, NULL);
	pthread_rwlock_init(&s.late.lock, NULL);
	mutable_init(&s.index, STORE_INDEX, "application/json");
	mutable_init(&s.script, STORE_INSTALL_SCRIPT,
	    "text/x-shellscript; charset=utf-8");
	mutable_init(&s.script_sig, STORE_INSTALL_SCRIPT ".minisig",
	    "text/plain; charset=utf-8");
	metrics_init(&s.metrics);
	for (i = 0; i < SERVE_MAX_LISTEN; i++)
		s.listen[i].fd = -1;

	while ((opt = getopt_long(argc, argv, "hl:qr:v", longopts,
	    &longindex)) != -1) {
		switch (opt) {
		case 'l':
			if (nspecs == SERVE_MAX_LISTEN) {
				log_error("at most %d --listen addresses",
				    SERVE_MAX_LISTEN);
				rc = EXIT_USAGE;
				goto out;
			}
			specs[nspecs++] = optarg;
			break;
		case 'r':
			s.root = optarg;
			break;
		case O_TLS_CERT:
			tls_cert = optarg;
			break;
		case O_TLS_KEY:
			tls_key = optarg;
			break;
		case O_ACCESS_LOG:
			s.access_log_path = optarg;
			break;
		case O_VERIFY:
			s.verify = 1;
			break;
		case O_THREADS:
		case O_TIMEOUT:
		case O_GRACE:
		case O_MAX_CONN:
		case O_PER_IP:
		case O_HEADER_MAX:
		case O_CACHE:
			if (parse_uint(longopts[longindex].name, optarg,
			    opt == O_GRACE || opt == O_CACHE ? 0 : 1,
			    opt == O_HEADER_MAX ? 1024 * 1024 :
			    opt == O_CACHE ? 1024 * 1024 : 1000000, &n) == -1) {
				rc = EXIT_USAGE;
				goto out;
			}
			if (opt == O_THREADS)
				s.threads = (unsigned int)n;
			else if (opt == O_TIMEOUT)
				s.timeout = (unsigned int)n;
			else if (opt == O_GRACE)
				s.grace = (unsigned int)n;
			else if (opt == O_MAX_CONN)
				s.max_conns = (unsigned int)n;
			else if (opt == O_PER_IP)
				s.per_ip = (unsigned int)n;
			else if (opt == O_HEADER_MAX)
				s.header_max = (size_t)n;
			else
				s.cache_max = (size_t)n * 1024 * 1024;
			break;
		default:
			if ((rc = subcmd_common_opt(opt, c)) == SUBCMD_CONTINUE)
				break;
			rc = rc == SUBCMD_NOT_COMMON ? usage_error(c) : rc;
			goto out;
		}
	}
	rc = EXIT_FAIL;
	if (optind != argc) {
		rc = usage_error(c);
		goto out;
	}
	if ((tls_cert == NULL) != (tls_key == NULL)) {
		log_error("--tls-cert and --tls-key go together: give both");
		rc = EXIT_USAGE;
		goto out;
	}
	if (s.header_max < 2048) {
		log_error("--max-header-size %zu: give at least 2048",
		    s.header_max);
		rc = EXIT_USAGE;
		goto out;
	}
	if (nspecs == 0) {
		specs[nspecs++] = "0.0.0.0:" DEFAULT_PORT;
		specs[nspecs++] = "[::]:" DEFAULT_PORT;
		defaults = 1;
	}
	if (storecheck_root(s.root, &err) == -1) {
		log_error("%s", err);
		goto out;
	}
	s.rootfd = open(s.root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s.rootfd == -1) {
		log_error("%s: %s", s.root, strerror(errno));
		goto out;
	}
	if (tls_cert != NULL) {
		if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
			log_error("this libmicrohttpd has no TLS: put a TLS "
			    "proxy in front or install a TLS-enabled build");
			goto out;
		}
		if (read_file(tls_cert, TLS_FILE_MAX, &s.tls_cert, NULL,
		    &err) == -1 || read_file(tls_key, TLS_FILE_MAX,
		    &s.tls_key, NULL, &err) == -1) {
			log_error("%s", err);
			goto out;
		}
	}
	raise_nofile();
	if (load_blobs(&s, &err) == -1) {
		log_error("%s", err);
		goto out;
	}
	if (s.access_log_path != NULL && access_log_open(&s, &err) == -1) {
		log_error("%s", err);
		goto out;
	}
	if (make_error_responses(&s, &err) == -1) {
		log_error("%s", err);
		goto out;
	}
	/* Threads inherit the mask: only run() sees these signals. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	/* A shell starts background jobs with SIGINT ignored: undo that. */
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < nspecs; i++) {
		s.listen[s.nlisten].spec = specs[i];
		if (listen_on(&s.listen[s.nlisten], &err) == -1) {
			/* No IPv6 on this host: the default [::] is optional. */
			if (defaults && i == 1 && s.nlisten == 1) {
				log_verbose("%s", err);
				continue;
			}
			log_error("%s", err);
			goto out;
		}
		s.nlisten++;
		if (start_daemon(&s, &s.listen[s.nlisten - 1], &err) == -1) {
			log_error("%s", err);
			goto out;
		}
		/* The daemon owns the socket now. */
		s.listen[s.nlisten - 1].fd = -1;
	}
	for (i = 0; i < s.nlisten; i++)
		log_info("serving %s on %s://%s", s.root,
		    s.tls_cert != NULL ? "https" : "http", s.listen[i].name);
	run(&s, &sigs);
	shutdown_server(&s);
	rc = EXIT_OK;
out:
	server_free(&s);
	free(err);
	return rc;
}
