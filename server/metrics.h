/*
 * Counters for GET /metrics (Prometheus text format 0.0.4).  Updated
 * lock-free from every server thread; the per-request counters are
 * sharded per thread so that threads do not fight over one cache line.
 */
#ifndef DCOS_METRICS_H
#define DCOS_METRICS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

/* The status codes we count one by one; anything else counts as "other". */
#define METRICS_CODES	\
	{ 200, 206, 304, 400, 404, 405, 414, 416, 431, 500, 503, 505 }
#define METRICS_NCODES	12
#define METRICS_SHARDS	16

struct metrics_shard {
	atomic_ullong	 requests[METRICS_NCODES + 1];	/* last: other */
	atomic_ullong	 sent_bytes;	/* bodies of completed responses */
	atomic_llong	 inflight;	/* requests being answered */
} __attribute__((aligned(64)));

struct metrics {
	struct metrics_shard	 shard[METRICS_SHARDS];
	atomic_llong		 open_connections;
	atomic_llong		 open_connections_max;	/* since the start */
	atomic_ullong		 cut_slow;	/* cut for slow requests */
	atomic_uint		 next_shard;
};

void	 metrics_init(struct metrics *);
void	 metrics_count(struct metrics *, unsigned int status);
void	 metrics_sent(struct metrics *, uint64_t bytes);
/* A request starts (+1) or ends (-1). */
void	 metrics_inflight(struct metrics *, int delta);
/* Requests being answered now, over all threads. */
long long metrics_inflight_total(struct metrics *);
/* Counts a new connection (and the highest count seen). */
void	 metrics_conn_open(struct metrics *);
void	 metrics_conn_close(struct metrics *);
/*
 * The exposition text (malloc'd, caller frees; *lenp gets its length),
 * or NULL when out of memory.
 */
char	*metrics_render(struct metrics *, size_t *lenp);

#endif
