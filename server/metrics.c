/* SPDX-License-Identifier: Apache-2.0 */
/* Prometheus counters (see metrics.h). */
#include <config.h>

#include <sys/resource.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "metrics.h"

static const unsigned int codes[METRICS_NCODES] = METRICS_CODES;
static const long long buckets_us[METRICS_NBUCKETS] = METRICS_BUCKETS_US;
/* The same bounds as Prometheus writes them (le="..."), in seconds. */
static const char *const bucket_le[METRICS_NBUCKETS] = {
	"0.0001", "0.0005", "0.001", "0.005", "0.01", "0.05", "0.1", "0.5",
	"1", "5", "10", "30", "60", "300"
};
static const char *const route_names[METRICS_NROUTES] = {
	[ROUTE_OTHER] = "other",
	[ROUTE_BLOB] = "blob",
	[ROUTE_RELEASE] = "release",
	[ROUTE_INDEX] = "index",
	[ROUTE_SCRIPT] = "install_script",
	[ROUTE_HEALTHZ] = "healthz",
	[ROUTE_METRICS] = "metrics",
};

void
metrics_init(struct metrics *m)
{
	size_t	 i, j, r;

	for (i = 0; i < METRICS_SHARDS; i++) {
		for (j = 0; j <= METRICS_NCODES; j++)
			atomic_init(&m->shard[i].requests[j], 0);
		atomic_init(&m->shard[i].sent_bytes, 0);
		atomic_init(&m->shard[i].inflight, 0);
		for (r = 0; r < METRICS_NROUTES; r++) {
			for (j = 0; j <= METRICS_NBUCKETS; j++)
				atomic_init(&m->shard[i].dur[r][j], 0);
			atomic_init(&m->shard[i].dur_sum_us[r], 0);
		}
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

void
metrics_observe(struct metrics *m, enum metrics_route route, long long usec)
{
	struct metrics_shard	*sh = my_shard(m);
	size_t			 b;

	if ((unsigned int)route >= METRICS_NROUTES)
		route = ROUTE_OTHER;
	if (usec < 0)
		usec = 0;
	for (b = 0; b < METRICS_NBUCKETS; b++)
		if (usec <= buckets_us[b])
			break;
	atomic_fetch_add_explicit(&sh->dur[route][b], 1,
	    memory_order_relaxed);
	atomic_fetch_add_explicit(&sh->dur_sum_us[route],
	    (unsigned long long)usec, memory_order_relaxed);
}

int
metrics_parse_stat(const char *stat, long long btime, long hz,
    long pagesize, struct metrics_proc *p)
{
	/* Fields 14, 15, 22, 23 and 24 of proc(5), counted from 1. */
	enum { UTIME = 14, STIME = 15, START = 22, VSIZE = 23, RSS = 24 };
	unsigned long long	 v[RSS + 1] = { 0 };
	const char		*q;
	char			*end;
	int			 field;

	/* The command name (field 2) is in parentheses and may hold any. */
	if (hz <= 0 || pagesize <= 0 || (q = strrchr(stat, ')')) == NULL ||
	    q[1] != ' ')
		return -1;
	q += 2;
	/* Field 3 is the state, a letter. */
	if (!isalpha((unsigned char)*q) || q[1] != ' ')
		return -1;
	q += 2;
	for (field = 4; field <= RSS; field++) {
		/* Some fields are signed (ppid -1, priorities): kept as text. */
		if (*q == '-')
			q++;
		if (!isdigit((unsigned char)*q))
			return -1;
		errno = 0;
		v[field] = strtoull(q, &end, 10);
		if (errno != 0 || (*end != ' ' && *end != '\n' && *end != '\0'))
			return -1;
		q = *end == ' ' ? end + 1 : end;
	}
	p->cpu_seconds = (double)(v[UTIME] + v[STIME]) / (double)hz;
	p->start_time = (double)btime + (double)v[START] / (double)hz;
	p->vsize_bytes = v[VSIZE];
	p->rss_bytes = v[RSS] * (unsigned long long)pagesize;
	return 0;
}

/* Reads a small /proc file whole into buf (NUL-terminated). */
static int
read_proc(const char *path, char *buf, size_t size)
{
	ssize_t	 n;
	size_t	 len = 0;
	int	 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	while (len < size - 1 &&
	    (n = read(fd, buf + len, size - 1 - len)) != 0) {
		if (n == -1) {
			if (errno == EINTR)
				continue;
			close(fd);
			return -1;
		}
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	return 0;
}

/* /proc/stat's "btime" (boot time, seconds since the Epoch), or -1. */
static long long
boot_time(void)
{
	FILE		*fp;
	char		*line = NULL;
	size_t		 size = 0;
	long long	 t = -1;

	/* Line by line: the "intr" line before it can be long. */
	if ((fp = fopen("/proc/stat", "re")) == NULL)
		return -1;
	while (getline(&line, &size, fp) != -1)
		if (strncmp(line, "btime ", 6) == 0) {
			t = strtoll(line + 6, NULL, 10);
			break;
		}
	free(line);
	fclose(fp);
	return t;
}

/* Descriptors open, not counting the one that reads the directory. */
static long long
open_fds(void)
{
	struct dirent	*de;
	DIR		*d;
	long long	 n = 0;

	if ((d = opendir("/proc/self/fd")) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;
}

int
metrics_process(struct metrics_proc *p)
{
	struct rlimit	 rl;
	char		 stat[1024];
	long long	 btime;

	memset(p, 0, sizeof(*p));
	p->open_fds = open_fds();
	p->max_fds = getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    rl.rlim_cur != RLIM_INFINITY ? (long long)rl.rlim_cur : -1;
	p->stat_ok = (btime = boot_time()) != -1 &&
	    read_proc("/proc/self/stat", stat, sizeof(stat)) == 0 &&
	    metrics_parse_stat(stat, btime, sysconf(_SC_CLK_TCK),
	    sysconf(_SC_PAGESIZE), p) == 0;
	return p->stat_ok && p->open_fds != -1 ? 0 : -1;
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

/* The request duration histogram, cumulative as Prometheus wants it. */
static void
render_durations(struct metrics *m, FILE *fp)
{
	unsigned long long	 n, sum_us;
	size_t			 r, b, i;

	fputs("# HELP dcos_artifactd_request_duration_seconds Time from a "
	    "request line to the last byte of its answer, by route.\n"
	    "# TYPE dcos_artifactd_request_duration_seconds histogram\n", fp);
	for (r = 0; r < METRICS_NROUTES; r++) {
		n = 0;
		for (b = 0; b <= METRICS_NBUCKETS; b++) {
			for (i = 0; i < METRICS_SHARDS; i++)
				n += atomic_load(&m->shard[i].dur[r][b]);
			fprintf(fp, "dcos_artifactd_request_duration_seconds_"
			    "bucket{route=\"%s\",le=\"%s\"} %llu\n",
			    route_names[r], b < METRICS_NBUCKETS ?
			    bucket_le[b] : "+Inf", n);
		}
		sum_us = 0;
		for (i = 0; i < METRICS_SHARDS; i++)
			sum_us += atomic_load(&m->shard[i].dur_sum_us[r]);
		fprintf(fp, "dcos_artifactd_request_duration_seconds_sum"
		    "{route=\"%s\"} %llu.%06llu\n"
		    "dcos_artifactd_request_duration_seconds_count"
		    "{route=\"%s\"} %llu\n", route_names[r],
		    sum_us / 1000000, sum_us % 1000000, route_names[r], n);
	}
}

/* The process_* metrics every Prometheus client library exports. */
static void
render_process(FILE *fp)
{
	struct metrics_proc	 p;

	/* What could not be read is left out; the rest is still shown. */
	(void)metrics_process(&p);
	if (p.stat_ok)
		fprintf(fp, "# HELP process_cpu_seconds_total User and system "
		    "CPU time spent, in seconds.\n"
		    "# TYPE process_cpu_seconds_total counter\n"
		    "process_cpu_seconds_total %.2f\n"
		    "# HELP process_start_time_seconds Start time of the "
		    "process since the Epoch, in seconds.\n"
		    "# TYPE process_start_time_seconds gauge\n"
		    "process_start_time_seconds %.2f\n"
		    "# HELP process_resident_memory_bytes Resident memory "
		    "size in bytes.\n"
		    "# TYPE process_resident_memory_bytes gauge\n"
		    "process_resident_memory_bytes %llu\n"
		    "# HELP process_virtual_memory_bytes Virtual memory size "
		    "in bytes.\n"
		    "# TYPE process_virtual_memory_bytes gauge\n"
		    "process_virtual_memory_bytes %llu\n",
		    p.cpu_seconds, p.start_time,
		    (unsigned long long)p.rss_bytes,
		    (unsigned long long)p.vsize_bytes);
	if (p.open_fds >= 0)
		fprintf(fp, "# HELP process_open_fds Number of open file "
		    "descriptors.\n"
		    "# TYPE process_open_fds gauge\n"
		    "process_open_fds %lld\n", p.open_fds);
	if (p.max_fds >= 0)
		fprintf(fp, "# HELP process_max_fds Maximum number of open "
		    "file descriptors.\n"
		    "# TYPE process_max_fds gauge\n"
		    "process_max_fds %lld\n", p.max_fds);
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
	render_durations(m, fp);
	fputs("# HELP dcos_artifactd_build_info The version running: always 1."
	    "\n# TYPE dcos_artifactd_build_info gauge\n"
	    "dcos_artifactd_build_info{version=\"" PACKAGE_VERSION "\"} 1\n",
	    fp);
	render_process(fp);
	if (fclose(fp) != 0) {
		free(buf);
		return NULL;
	}
	*lenp = len;
	return buf;
}
