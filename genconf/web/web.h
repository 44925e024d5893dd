/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dcos-genconf web: a JSON API and a single-page UI over the same config
 * compiler and fleet engine the command line runs (dcos-genconf(1), WEB
 * INSTALLER).  server.c speaks HTTP (libmicrohttpd), api.c answers the
 * config and cluster calls, ops.c runs fleet operations in a worker
 * thread, yamlcfg.c turns the form's JSON into config.yaml and back.
 */
#ifndef DCOS_GENCONF_WEB_H
#define DCOS_GENCONF_WEB_H

#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <time.h>

#include <jansson.h>

#include "error.h"
#include "schema.h"
#include "siteconf.h"

#define WEB_MASK	"********"
#define WEB_BODY_MAX	(1024 * 1024)	/* a request body: 413 beyond */

struct web_op;

struct web {
	struct config_opts	 o;		/* release, keys, genconf */
	struct release		*rel;
	struct schema		*schema;
	const char		*ssh_config;	/* --ssh-config, or NULL */
	int			 accept_new;	/* --accept-new-host-keys */
	char			*token;		/* NULL: no token asked */
	size_t			 toklen;

	pthread_mutex_t		 lock;		/* all below */
	pthread_cond_t		 cond;		/* an op changed */
	int			 busy;		/* an op, generate or status */
	struct web_op		*ops;		/* newest first */
	unsigned		 nextop;
	json_t			*cluster;	/* the last status, or NULL */
	time_t			 cluster_at;
	volatile sig_atomic_t	 stopping;
};

/* A response: status, body and its type; body malloc'd. */
struct web_reply {
	int		 status;
	char		*body;
	size_t		 len;
	const char	*type;		/* NULL: application/json */
	const char	*disposition;	/* Content-Disposition, or NULL */
	const char	*allow;		/* with a 405: the methods */
	/* Server-sent events: the op to stream (body unused). */
	struct web_op	*events;
};

/* reply_json: json (stolen) as the body; reply_error: {"error": msg}. */
void	 reply_json(struct web_reply *, int status, json_t *);
void	 reply_error_msg(struct web_reply *, int status, const char *msg);
#define reply_error(r, status, ...) do {				\
	char	*reply_msg_ = NULL;					\
									\
	(void)err_set(&reply_msg_, __VA_ARGS__);			\
	reply_error_msg((r), (status), reply_msg_);			\
	free(reply_msg_);						\
} while (0)

/*
 * Answers one /api/ call: method, the path after /api, the body (NULL
 * when none).  Fills r.
 */
void	 api_handle(struct web *, const char *method, const char *path,
	    const char *body, size_t len, struct web_reply *r);

/* yamlcfg.c: the form's JSON as config.yaml (read: ynode_json). */
/*
 * The config.yaml text for cfg: its keys in the order of order's (the
 * file it replaces; may be NULL), then in schema order, then the rest;
 * head (may be NULL) first.  NULL when out of memory.
 */
char	*config_yaml_text(const struct schema *, const json_t *cfg,
	    const char *head, const json_t *order);
/*
 * The text with the value of every secret key hidden (the line and the
 * indented lines under it), those of changed's keys (may be NULL) marked
 * "# changed", malloc'd, or NULL.
 */
char	*mask_secret_lines(const struct schema *, const char *text,
	    const json_t *changed);
/* A unified diff of a against b named path (malloc'd), or NULL. */
char	*text_diff(const char *path, const char *a, const char *b);

/* ops.c */
/*
 * Starts op ("preflight" ...) on hosts (NULL: all) in a worker thread.
 * 0 with *opp, or -1 with *errp and *statusp (409 when one runs).
 */
int	 op_start(struct web *, const char *op, const json_t *hosts,
	    struct web_op **opp, int *statusp, char **errp);
struct web_op *op_find(struct web *, const char *id);
/* The op as the API shows it (lock held by the caller). */
json_t	*op_json(const struct web_op *);
const char *op_id(const struct web_op *);
/* The whole log of op: each host's log under a header (malloc'd). */
char	*op_log(struct web *, struct web_op *, size_t *lenp);
/*
 * The event-stream reader: fills buf (max bytes) with the next events of
 * op for a reader whose state is *st (from op_stream_new).  Blocks until
 * there is something; returns the bytes, 0 never, -1 at the end.
 */
struct op_stream;
struct op_stream *op_stream_new(struct web *, struct web_op *);
ssize_t	 op_stream_read(struct op_stream *, char *buf, size_t max);
void	 op_stream_free(void *);
/* Stops a running op and frees every op (at exit). */
void	 ops_shutdown(struct web *);
/*
 * Runs fleet status under the busy flag (a cached result when busy or
 * fresh).  A new reference, or NULL with *errp.
 */
json_t	*op_status(struct web *, char **errp);
/* The argv of a fleet command with the server's options (malloc'd). */
char	**op_argv(struct web *, const char *cmd, const json_t *hosts,
	    int *argcp);

/* server.c: starts serving on the listening socket fd (TLS with cert). */
struct MHD_Daemon;
struct MHD_Daemon *web_start(struct web *, int fd, const char *cert,
	    const char *key);

/* The UI files compiled in (ui-files.c, from genconf/web/ui/). */
struct web_file {
	const char		*path;		/* "/index.html" */
	const char		*type;
	const unsigned char	*data;
	unsigned long		 len;
};
extern const struct web_file web_files[];

#endif
