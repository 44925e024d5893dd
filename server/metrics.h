/*
 * Counters for GET /metrics (Prometheus text format 0.0.4).  Updated
 * lock-free from every server thread.
 */
#ifndef DCOS_METRICS_H
#define DCOS_METRICS_H

#include <stdatomic.h>
#include <stddef.h>

/* The status codes we count one by one; anything else counts as "other". */
#define METRICS_CODES	{ 200, 206, 304, 400, 404, 405, 414, 416, 500, 503 }
#define METRICS_NCODES	10

struct metrics {
	atomic_ullong	 requests[METRICS_NCODES];
	atomic_ullong	 requests_other;
	atomic_ullong	 sent_bytes;	/* bodies of completed responses */
	atomic_llong	 open_connections;
	atomic_llong	 open_connections_max;	/* since the start */
	atomic_llong	 inflight;	/* requests being answered */
	atomic_ullong	 cut_slow;	/* connections cut for slow requests */
};

void	 metrics_init(struct metrics *);
void	 metrics_count(struct metrics *, unsigned int status);
/* Counts a new connection (and the highest count seen). */
void	 metrics_conn_open(struct metrics *);
void	 metrics_conn_close(struct metrics *);
/*
 * The exposition text (malloc'd, caller frees; *lenp gets its length),
 * or NULL when out of memory.
 */
char	*metrics_render(struct metrics *, size_t *lenp);

#endif
