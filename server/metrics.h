/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Counters for GET /metrics (Prometheus text format 0.0.4).  Updated
 * lock-free from every server thread; the per-request counters are
 * sharded per thread so that threads do not fight over one cache line.
 * The process_* metrics are read from /proc at each scrape.
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

/*
 * The request duration histogram's route label: what the path named, a
 * fixed set so that no client can make series up.  "other" is every
 * request refused before it was routed or not found.
 */
enum metrics_route {
	ROUTE_OTHER, ROUTE_BLOB, ROUTE_RELEASE, ROUTE_INDEX, ROUTE_SCRIPT,
	ROUTE_HEALTHZ, ROUTE_METRICS, METRICS_NROUTES
};
/* Upper bounds of the buckets, in microseconds (+Inf comes after). */
#define METRICS_BUCKETS_US	{ 100, 500, 1000, 5000, 10000, 50000, \
	100000, 500000, 1000000, 5000000, 10000000, 30000000, 60000000, \
	300000000 }
#define METRICS_NBUCKETS	14

struct metrics_shard {
	atomic_ullong	 requests[METRICS_NCODES + 1];	/* last: other */
	atomic_ullong	 sent_bytes;	/* bodies of completed responses */
	atomic_llong	 inflight;	/* requests being answered */
	/* Durations per route: one count per bucket (last: +Inf), not
	   cumulative; the sum in microseconds. */
	atomic_ullong	 dur[METRICS_NROUTES][METRICS_NBUCKETS + 1];
	atomic_ullong	 dur_sum_us[METRICS_NROUTES];
} __attribute__((aligned(64)));

/* What /proc says about this process (metrics_process). */
struct metrics_proc {
	int		 stat_ok;	/* the next four were read */
	double		 cpu_seconds;	/* user + system */
	double		 start_time;	/* seconds since the Epoch */
	uint64_t	 rss_bytes;
	uint64_t	 vsize_bytes;
	long long	 open_fds;	/* -1: unknown */
	long long	 max_fds;	/* -1: unknown */
};

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
/* One request of this route took usec microseconds (line to last byte). */
void	 metrics_observe(struct metrics *, enum metrics_route, long long usec);
/*
 * Parses /proc/self/stat's text (stat) and the boot time from /proc/stat
 * (btime, seconds since the Epoch) with clock ticks of hz per second and
 * pages of pagesize bytes into p's cpu_seconds, start_time, rss_bytes and
 * vsize_bytes.  Returns 0, or -1 when stat is not in that format.
 */
int	 metrics_parse_stat(const char *stat, long long btime, long hz,
	    long pagesize, struct metrics_proc *p);
/*
 * Fills p from /proc/self (stat, fd/), /proc/stat and the descriptor
 * limit.  Returns 0, or -1 when some of it cannot be read (then
 * p->stat_ok is 0 or a count is -1; what was read is set).
 */
int	 metrics_process(struct metrics_proc *p);
/*
 * The exposition text (malloc'd, caller frees; *lenp gets its length),
 * or NULL when out of memory.
 */
char	*metrics_render(struct metrics *, size_t *lenp);

#endif
