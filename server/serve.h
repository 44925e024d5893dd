/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dcos-artifactd serve: private state of the HTTP server, shared by its
 * files: cmd-serve.c (libmicrohttpd wiring), serve-opts.c (command line),
 * listen.c (sockets), blob-cache.c (blobs known at start), responses.c
 * (queueing replies), serve-files.c (store files) and access-log.c.
 */
#ifndef DCOS_SERVE_H
#define DCOS_SERVE_H

#include <sys/stat.h>
#include <sys/types.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

#include <microhttpd.h>

#include "digest.h"
#include "metrics.h"

#define SERVE_MAX_LISTEN	16
#define SERVE_ETAG_SZ		(DIGEST_STRSZ + 2)	/* with the quotes */
#define CC_IMMUTABLE		"public, max-age=31536000, immutable"
#define CC_NOCACHE		"no-cache"
#define CT_OCTET		"application/octet-stream"

struct url_target;

/* A blob the server knows before it opens the file. */
struct blob {
	struct digest		 digest;
	int			 bad;		/* failed --verify-on-start */
	uint64_t		 size;
	char			*mem;		/* whole content, or NULL */
	struct MHD_Response	*full;		/* prepared 200 over mem */
	char			 etag[SERVE_ETAG_SZ];
};

/* Blobs by digest, open addressing. */
struct blobtab {
	pthread_rwlock_t	 lock;		/* for the late table only */
	struct blob		**slots;	/* open addressing */
	size_t			 cap;		/* a power of two */
	size_t			 n;
};

/*
 * A mutable file (index.json, dcos_install.sh): its content and strong
 * ETag stay cached until the file is replaced (another inode or mtime).
 */
struct mutable_file {
	pthread_mutex_t		 lock;
	const char		*rel;
	const char		*ctype;
	int			 valid;
	dev_t			 dev;
	ino_t			 ino;
	off_t			 size;
	struct timespec		 mtime;
	char			*mem;
	struct MHD_Response	*full;
	char			 etag[SERVE_ETAG_SZ];
};

/* One client connection (MHD socket context). */
struct conn {
	struct conn		*prev, *next;
	int			 fd;
	/* Monotonic ms since it waits for a request; 0 while serving one. */
	atomic_llong		 waiting_since;
};

/*
 * One request, from its request line (MHD's URI log callback) to its
 * completion, where it is counted and logged with the status that was
 * actually queued: ours, or the one libmicrohttpd answered with itself.
 */
struct req {
	struct conn		*cn;		/* or NULL (untracked) */
	char			*target;	/* as received, or NULL */
	char			 method[16];
	char			 version[16];	/* "HTTP/1.1", or "" */
	long long		 start_us;	/* monotonic, at the request line */
	enum metrics_route	 route;		/* for the duration histogram */
	unsigned int		 status;	/* we queued; 0: we did not */
	uint64_t		 body;		/* body bytes of the response */
	int			 begun;		/* the handler has seen it */
	int			 draining;	/* a GET/HEAD body: 400 after it */
	uint64_t		 drained;	/* its bytes so far */
};

struct listener {
	const char		*spec;
	int			 fd;
	int			 v6only;
	char			 name[80];	/* bound address, for logs */
	struct MHD_Daemon	*daemon;
};

struct server {
	/* The command line (serve-opts.c). */
	const char		*specs[SERVE_MAX_LISTEN];	/* --listen */
	int			 nspecs;
	int			 default_specs;	/* no --listen given */
	const char		*tls_cert_path;
	const char		*tls_key_path;

	const char		*root;
	int			 rootfd;
	const char		*user;		/* --user, or NULL */
	int			 allow_root;	/* --allow-root */
	int			 verify;
	unsigned int		 threads;
	unsigned int		 timeout;	/* seconds */
	unsigned int		 grace;		/* seconds */
	unsigned int		 max_conns;
	unsigned int		 per_ip;
	size_t			 header_max;
	size_t			 cache_max;	/* bytes of small blobs */
	size_t			 cache_item_max;
	char			*tls_cert;	/* PEM text */
	char			*tls_key;

	struct listener		 listen[SERVE_MAX_LISTEN];
	int			 nlisten;

	const char		*access_log_path;
	int			 access_log_json;	/* else combined */
	FILE			*access_log;
	pthread_mutex_t		 log_lock;

	struct blobtab		 tab;		/* filled at start, then fixed */
	struct blobtab		 late;		/* --verify-on-start verdicts on
						   blobs that came later */
	struct mutable_file	 index, script, script_sig;
	struct mutable_file	 script_ps1, script_ps1_sig;
	struct metrics		 metrics;

	pthread_mutex_t		 conn_lock;
	struct conn		*conns;

	struct MHD_Response	*r400, *r404, *r405, *r414, *r500, *r503;
};

/* One request being answered. */
struct reply {
	struct MHD_Connection	*c;
	struct req		*req;
	const char		*method;
	const char		*url;
	int			 head;
};

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
	/* A body made on demand (serve-recipe.c) when not NULL. */
	struct MHD_Response	*(*make)(void *arg, uint64_t off, uint64_t len);
	void			*make_arg;
};

/* cmd-serve.c */
/* Monotonic milliseconds. */
long long	 now_ms(void);
/* Monotonic microseconds. */
long long	 now_us(void);

/* serve-opts.c */
/* Sets the defaults; server_free() undoes it. */
void		 server_init(struct server *);
/*
 * Parses the command line into s (printing what is wrong).  Returns
 * SUBCMD_CONTINUE to go on, else the exit status.
 */
int		 serve_parse_args(struct server *s, int argc, char **argv);

/* listen.c */
/*
 * Binds l->spec (listen(2) comes later, once the server can answer); sets
 * l->fd and l->name.  Returns 0, or -1 with *errp.
 */
int		 listen_bind(struct listener *l, char **errp);

/* privdrop.c */
/*
 * After the sockets are bound: as root, becomes user for good (groups,
 * ids, no capabilities, no_new_privs), or stays root when user is NULL
 * (--allow-root).  Not root: drops the capabilities it was started with.
 * Call before any thread starts.  Returns 0, or -1 with *errp.
 */
int		 privdrop(const char *user, char **errp);
/*
 * Checks that the store root, its index and blob directory are readable
 * by the user serve runs as (nothing to check for root).  Returns 0, or
 * -1 with *errp saying what to change.
 */
int		 privdrop_check_store(const char *root, char **errp);
/* Sets *errp to "root/rel is not readable by this user ...".  Returns -1. */
int		 privdrop_unreadable(const char *root, const char *rel,
		    char **errp);

/* blob-cache.c */
/* Looks d up; NULL when unknown.  Call with t's lock held (late table). */
struct blob	*tab_find(struct blobtab *t, const struct digest *d);
/* Frees every blob of t and empties it. */
void		 tab_free(struct blobtab *t);
/* Reads size bytes of fd into a malloc'd *memp.  Returns 0, or -1 with errno. */
int		 read_fd(int fd, size_t size, char **memp);
/* Fills s->tab from the store at start.  Returns 0, or -1 with *errp. */
int		 load_blobs(struct server *s, char **errp);
/* Hashes a blob that came after the start; returns 1 when it may be served. */
int		 verify_late(struct server *s, const struct url_target *t, int fd);

/* responses.c */
/* Adds the headers every file response has.  Returns 0 or -1. */
int		 add_common_headers(struct MHD_Response *r, const char *etag,
		    const char *cc, const char *ctype);
enum MHD_Result	 queue(struct server *s, struct reply *rq, unsigned int status,
		    struct MHD_Response *r, uint64_t body);
enum MHD_Result	 queue_error(struct server *s, struct reply *rq,
		    unsigned int status);
enum MHD_Result	 queue_own(struct server *s, struct reply *rq,
		    unsigned int status, struct MHD_Response *r, uint64_t body);
enum MHD_Result	 respond_body(struct server *s, struct reply *rq,
		    struct body *b);
enum MHD_Result	 respond_open_error(struct server *s, struct reply *rq,
		    const char *rel);
/* Answers text (malloc'd; the response frees it) with no-store. */
enum MHD_Result	 serve_text(struct server *s, struct reply *rq,
		    unsigned int status, char *text, size_t len,
		    const char *ctype);
/* Prepares the shared error pages.  Returns 0, or -1 with *errp. */
int		 make_error_responses(struct server *s, char **errp);
/* Frees them (NULL ones too). */
void		 free_error_responses(struct server *s);

/* serve-files.c */
/*
 * Opens the store file rel below the root, never leaving it (the one open
 * the start-up cache, requests and /healthz share); only regular files
 * count.  Returns the descriptor with *st, or -1 with errno.
 */
int		 store_open(struct server *s, const char *rel,
		    struct stat *st);
enum MHD_Result	 serve_blob(struct server *s, struct reply *rq,
		    const struct url_target *t);
/* serve-recipe.c: a release the store holds once, rebuilt (404 if none). */
enum MHD_Result	 serve_recipe_release(struct server *s, struct reply *rq,
	    const char *rel);
enum MHD_Result	 serve_release(struct server *s, struct reply *rq,
		    const struct url_target *t);
enum MHD_Result	 serve_mutable(struct server *s, struct reply *rq,
		    struct mutable_file *m);
void		 mutable_init(struct mutable_file *m, const char *rel,
		    const char *ctype);
void		 mutable_free(struct mutable_file *m);

/* access-log.c */
/*
 * Logs one request answered with status, when there is an access log: its
 * request line and body bytes from r, and usec microseconds (< 0: not
 * known).  c and r are NULL for a request libmicrohttpd refused before it
 * had a connection context.
 */
void		 access_log(struct server *s, struct MHD_Connection *c,
		    const struct req *r, unsigned int status, long long usec);
/* (Re)opens s->access_log_path.  Returns 0, or -1 with *errp. */
int		 access_log_open(struct server *s, char **errp);
void		 access_log_flush(struct server *s);

#endif
