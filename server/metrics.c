/* Prometheus counters (see metrics.h). */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

static const unsigned int codes[METRICS_NCODES] = METRICS_CODES;

void
metrics_init(struct metrics *m)
{
	size_t	 i, j;

	for (i = 0; i < METRICS_SHARDS; i++) {
		for (j = 0; j <= METRICS_NCODES; j++)
			atomic_init(&m->shard[i].requests[j], 0);
		atomic_init(&m->shard[i].sent_bytes, 0);
		atomic_init(&m->shard[i].inflight, 0);
	}
	atomic_init(&m->open_connections, 0);
	atomic_init(&m->open_connections_max, 0);
	atomic_init(&m->cut_slow, 0);
	atomic_init(&m->next_shard, 0);
}

/* The calling thread's shard, picked on its first use. */
static struct metrics_shard *
my_shard(struct metrics *m)
{
	static _Thread_local int	 idx = -1;

	if (idx == -1)
		idx = (int)(atomic_fetch_add(&m->next_shard, 1) %
		    METRICS_SHARDS);
	return &m->shard[idx];
}

void
metrics_count(struct metrics *m, unsigned int status)
{
	struct metrics_shard	*sh = my_shard(m);
	size_t			 i;

	for (i = 0; i < METRICS_NCODES; i++)
		if (codes[i] == status)
			break;
	atomic_fetch_add_explicit(&sh->requests[i], 1, memory_order_relaxed);
}

void
metrics_sent(struct metrics *m, uint64_t bytes)
{
	atomic_fetch_add_explicit(&my_shard(m)->sent_bytes, bytes,
	    memory_order_relaxed);
}

void
metrics_inflight(struct metrics *m, int delta)
{
	atomic_fetch_add_explicit(&my_shard(m)->inflight, delta,
	    memory_order_relaxed);
}

long long
metrics_inflight_total(struct metrics *m)
{
	long long	 n = 0;
	size_t		 i;

	for (i = 0; i < METRICS_SHARDS; i++)
		n += atomic_load(&m->shard[i].inflight);
	return n;
}

void
metrics_conn_open(struct metrics *m)
{
	long long	 n, max;

	n = atomic_fetch_add(&m->open_connections, 1) + 1;
	max = atomic_load(&m->open_connections_max);
	while (n > max &&
	    !atomic_compare_exchange_weak(&m->open_connections_max, &max, n))
		;
}

void
metrics_conn_close(struct metrics *m)
{
	atomic_fetch_sub(&m->open_connections, 1);
}

static unsigned long long
sum(struct metrics *m, size_t code)
{
	unsigned long long	 n = 0;
	size_t			 i;

	for (i = 0; i < METRICS_SHARDS; i++)
		n += code <= METRICS_NCODES ?
		    atomic_load(&m->shard[i].requests[code]) :
		    atomic_load(&m->shard[i].sent_bytes);
	return n;
}

char *
metrics_render(struct metrics *m, size_t *lenp)
{
	char	*buf = NULL;
	size_t	 len = 0, i;
	FILE	*fp;

	if ((fp = open_memstream(&buf, &len)) == NULL)
		return NULL;
	fputs("# HELP dcos_artifactd_requests_total HTTP requests answered, "
	    "by status code.\n"
	    "# TYPE dcos_artifactd_requests_total counter\n", fp);
	for (i = 0; i < METRICS_NCODES; i++)
		fprintf(fp, "dcos_artifactd_requests_total{code=\"%u\"} %llu\n",
		    codes[i], sum(m, i));
	fprintf(fp, "dcos_artifactd_requests_total{code=\"other\"} %llu\n",
	    sum(m, METRICS_NCODES));
	fprintf(fp, "# HELP dcos_artifactd_sent_bytes_total Bytes of response "
	    "bodies sent to the end.\n"
	    "# TYPE dcos_artifactd_sent_bytes_total counter\n"
	    "dcos_artifactd_sent_bytes_total %llu\n",
	    sum(m, METRICS_NCODES + 1));
	fprintf(fp, "# HELP dcos_artifactd_open_connections Client "
	    "connections open now.\n"
	    "# TYPE dcos_artifactd_open_connections gauge\n"
	    "dcos_artifactd_open_connections %lld\n",
	    atomic_load(&m->open_connections));
	fprintf(fp, "# HELP dcos_artifactd_open_connections_max Most client "
	    "connections open at once since the start.\n"
	    "# TYPE dcos_artifactd_open_connections_max gauge\n"
	    "dcos_artifactd_open_connections_max %lld\n",
	    atomic_load(&m->open_connections_max));
	fprintf(fp, "# HELP dcos_artifactd_slow_clients_cut_total Connections "
	    "closed because a request did not arrive in time.\n"
	    "# TYPE dcos_artifactd_slow_clients_cut_total counter\n"
	    "dcos_artifactd_slow_clients_cut_total %llu\n",
	    atomic_load(&m->cut_slow));
	if (fclose(fp) != 0) {
		free(buf);
		return NULL;
	}
	*lenp = len;
	return buf;
}
