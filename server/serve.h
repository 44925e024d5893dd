/*
 * dcos-artifactd serve: private state of the HTTP server (serve.c).
 */
#ifndef DCOS_SERVE_H
#define DCOS_SERVE_H

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
	uint64_t		 body;		/* body bytes of the response */
};

struct listener {
	const char		*spec;
	int			 fd;
	int			 v6only;
	char			 name[80];	/* bound address, for logs */
	struct MHD_Daemon	*daemon;
};

struct server {
	const char		*root;
	int			 rootfd;
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
	FILE			*access_log;
	pthread_mutex_t		 log_lock;

	struct blobtab		 tab;		/* filled at start, then fixed */
	struct blobtab		 late;		/* --verify-on-start verdicts on
						   blobs that came later */
	struct mutable_file	 index, script, script_sig;
	struct metrics		 metrics;

	pthread_mutex_t		 conn_lock;
	struct conn		*conns;

	struct MHD_Response	*r400, *r404, *r405, *r414, *r500, *r503;
};

#endif
