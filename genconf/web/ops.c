/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fleet operations of dcos-genconf web: each runs fleet_command (what
 * "dcos-genconf deploy" etc. run) in a worker thread, one at a time, and
 * keeps every host's step, time and result from the engine's notify
 * hook for GET /api/ops/ID and its event stream.
 */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "atomicio.h"
#include "error.h"
#include "fleet/fleet.h"
#include "web.h"

#define TAIL_LINES	20
#define LOG_MAX		(16 << 20)	/* of one host's log in a download */
#define STATUS_FRESH	5		/* seconds a cluster status is kept */

struct op_host {
	char		*host;
	char		*role;
	char		*step;
	const char	*result;	/* pending, running, ok, failed */
	double		 seconds;	/* of the steps that ended */
	struct timespec	 since;		/* the running step's start */
	int		 running;
	json_t		*output;	/* the log's last lines */
	unsigned	 version;	/* bumped on every change */
};

struct web_op {
	struct web_op	*next;
	struct web	*w;
	char		 id[32];
	char		 op[16];
	const char	*state;		/* running, done, failed */
	time_t		 started;
	char		*logdir;
	char		*error;		/* why it did not run, or NULL */
	struct op_host	*hosts;
	size_t		 nhosts;
	json_t		*only;		/* the hosts asked for, or NULL */
	pthread_t	 thread;
	int		 joined;
	unsigned	 version;
};

struct op_stream {
	struct web	*w;
	struct web_op	*op;
	unsigned	*seen;		/* the version sent of each host */
	size_t		 nseen;
	char		*pend;		/* an event not yet all sent */
	size_t		 plen, poff;
	int		 done;
};

static double
elapsed(const struct op_host *h)
{
	struct timespec	 now;

	if (!h->running)
		return h->seconds;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return h->seconds + (now.tv_sec - h->since.tv_sec) +
	    (now.tv_nsec - h->since.tv_nsec) / 1e9;
}

static json_t *
host_json(const struct op_host *h)
{
	return json_pack("{s:s, s:s, s:s, s:f, s:s, s:O}", "host", h->host,
	    "role", h->role, "step", h->step != NULL ? h->step : "",
	    "elapsed", (double)(long)(elapsed(h) * 10) / 10, "result",
	    h->result, "output", h->output);
}

json_t *
op_json(const struct web_op *op)
{
	json_t		*a = json_array(), *j;
	char		 t[32];
	struct tm	 tm;
	size_t		 i;

	for (i = 0; i < op->nhosts; i++)
		json_array_append_new(a, host_json(&op->hosts[i]));
	gmtime_r(&op->started, &tm);
	strftime(t, sizeof(t), "%Y-%m-%dT%H:%M:%SZ", &tm);
	j = json_pack("{s:s, s:s, s:s, s:s, s:o}", "id", op->id, "op", op->op,
	    "state", op->state, "started", t, "hosts", a);
	if (j != NULL && op->error != NULL)
		json_object_set_new(j, "error", json_string(op->error));
	return j;
}

const char *
op_id(const struct web_op *op)
{
	return op->id;
}

/* The last TAIL_LINES lines of a log as a JSON list of strings. */
static json_t *
tail_lines(const char *path)
{
	json_t		*a = json_array();
	char		*buf = NULL, *err = NULL, *p, *e;
	size_t		 len = 0, n = 0, skip;

	if (path == NULL || read_file(path, LOG_MAX, &buf, &len, &err) == -1) {
		free(err);
		return a;
	}
	for (p = buf; *p != '\0'; p++)
		n += *p == '\n';
	skip = n > TAIL_LINES ? n - TAIL_LINES : 0;
	for (p = buf; *p != '\0' && skip > 0; p++)
		skip -= *p == '\n';
	for (; *p != '\0'; p = *e != '\0' ? e + 1 : e) {
		e = p + strcspn(p, "\n");
		json_array_append_new(a, json_stringn_nocheck(p,
		    (size_t)(e - p)));
	}
	free(buf);
	return a;
}

/* The engine's hook: copies what changed of h, under the lock. */
static void
notify(const struct fleet_plan *p, const struct fleet_host *h, void *arg)
{
	struct web_op	*op = arg;
	struct web	*w = op->w;
	struct op_host	*oh;
	size_t		 i = (size_t)(h - p->hosts);
	json_t		*out = NULL;

	/* The output is read outside the lock. */
	if (h->result == FLEET_FAILED || h->result == FLEET_OK)
		out = tail_lines(h->log);
	pthread_mutex_lock(&w->lock);
	if (op->hosts == NULL && p->nhosts > 0 &&
	    (op->hosts = calloc(p->nhosts, sizeof(*op->hosts))) != NULL) {
		op->nhosts = p->nhosts;
		for (size_t k = 0; k < op->nhosts; k++) {
			op->hosts[k].host = strdup(p->hosts[k].addr);
			op->hosts[k].role = strdup(p->hosts[k].role);
			op->hosts[k].result = "pending";
			op->hosts[k].output = json_array();
		}
		op->logdir = p->logdir != NULL ? strdup(p->logdir) : NULL;
	}
	if (op->hosts != NULL && i < op->nhosts) {
		oh = &op->hosts[i];
		free(oh->step);
		oh->step = strdup(fleet_step_name(h, h->step > h->ntodo ?
		    h->ntodo : h->step));
		oh->running = h->result == FLEET_RUNNING;
		if (oh->running)
			clock_gettime(CLOCK_MONOTONIC, &oh->since);
		oh->seconds = h->seconds;
		oh->result = h->result == FLEET_NOT_STARTED ? "failed" :
		    fleet_result_name(h->result);
		if (out != NULL) {
			json_decref(oh->output);
			oh->output = out;
			out = NULL;
		}
		oh->version++;
		op->version++;
	}
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
	json_decref(out);
}

char **
op_argv(struct web *w, const char *cmd, const json_t *hosts, int *argcp)
{
	const json_t	*h;
	char		**v;
	size_t		 n = 0, i;
	int		 fleet = strcmp(cmd, "generate") != 0;

	if ((v = calloc(12 + 2 * w->o.nkeys + 2 * json_array_size(hosts),
	    sizeof(*v))) == NULL)
		return NULL;
	v[n++] = (char *)cmd;
	v[n++] = (char *)"--genconf";
	v[n++] = (char *)w->o.genconf;
	if (w->o.release != NULL) {
		v[n++] = (char *)"--release";
		v[n++] = w->o.release;
	}
	for (i = 0; i < w->o.nkeys; i++) {
		v[n++] = (char *)"--trusted-key";
		v[n++] = w->o.keys[i];
	}
	if (fleet && w->ssh_config != NULL) {
		v[n++] = (char *)"--ssh-config";
		v[n++] = (char *)w->ssh_config;
	}
	if (fleet && w->accept_new)
		v[n++] = (char *)"--accept-new-host-keys";
	json_array_foreach(hosts, i, h) {
		v[n++] = (char *)"--host";
		v[n++] = (char *)json_string_value(h);
	}
	v[n] = NULL;
	*argcp = (int)n;
	return v;
}

static void *
worker(void *arg)
{
	struct web_op		*op = arg;
	struct web		*w = op->w;
	struct fleet_hooks	 hooks = { notify, op, NULL };
	char			**argv;
	int			 argc, rc = -1;

	if ((argv = op_argv(w, op->op, op->only, &argc)) != NULL)
		rc = fleet_command(op->op, argc, argv, &hooks);
	free(argv);
	pthread_mutex_lock(&w->lock);
	op->state = rc == 0 ? "done" : "failed";
	if (op->nhosts == 0 && op->error == NULL)
		op->error = strdup(rc == -1 ? "out of memory" :
		    "the operation did not start: see the server's log (is "
		    "there a store? run generate first)");
	op->version++;
	w->busy = 0;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

int
op_start(struct web *w, const char *name, const json_t *hosts,
    struct web_op **opp, int *statusp, char **errp)
{
	struct web_op	*op;
	struct timespec	 ts;

	*statusp = 500;
	if ((op = calloc(1, sizeof(*op))) == NULL)
		return err_set(errp, "out of memory");
	op->w = w;
	snprintf(op->op, sizeof(op->op), "%s", name);
	op->state = "running";
	op->started = time(NULL);
	op->only = hosts != NULL && json_array_size(hosts) > 0 ?
	    json_deep_copy(hosts) : NULL;
	pthread_mutex_lock(&w->lock);
	if (w->busy) {
		pthread_mutex_unlock(&w->lock);
		json_decref(op->only);
		free(op);
		*statusp = 409;
		return err_set(errp, "another operation is running on this "
		    "cluster: wait for it to end (one at a time)");
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(op->id, sizeof(op->id), "%u-%lx", ++w->nextop,
	    (unsigned long)(ts.tv_nsec ^ ts.tv_sec));
	w->busy = 1;
	if ((errno = pthread_create(&op->thread, NULL, worker, op)) != 0) {
		w->busy = 0;
		pthread_mutex_unlock(&w->lock);
		json_decref(op->only);
		free(op);
		return err_sys(errp, "cannot start a thread");
	}
	op->next = w->ops;
	w->ops = op;
	pthread_mutex_unlock(&w->lock);
	*opp = op;
	return 0;
}

struct web_op *
op_find(struct web *w, const char *id)
{
	struct web_op	*op;

	pthread_mutex_lock(&w->lock);
	for (op = w->ops; op != NULL; op = op->next)
		if (strcmp(op->id, id) == 0)
			break;
	pthread_mutex_unlock(&w->lock);
	return op;
}

char *
op_log(struct web *w, struct web_op *op, size_t *lenp)
{
	FILE	*fp;
	char	*buf = NULL, *path, *text, *err = NULL;
	size_t	 len = 0, tl, i;

	if ((fp = open_memstream(&buf, &len)) == NULL)
		return NULL;
	pthread_mutex_lock(&w->lock);
	fprintf(fp, "# dcos-genconf %s, operation %s (%s)\n", op->op, op->id,
	    op->state);
	for (i = 0; i < op->nhosts; i++) {
		fprintf(fp, "\n==> %s (%s): %s <==\n", op->hosts[i].host,
		    op->hosts[i].role, op->hosts[i].result);
		text = NULL;
		if (op->logdir != NULL && asprintf(&path, "%s/%s.log",
		    op->logdir, op->hosts[i].host) != -1) {
			if (read_file(path, LOG_MAX, &text, &tl, &err) == -1) {
				free(err);
				err = NULL;
			}
			free(path);
		}
		if (text != NULL)
			fputs(text, fp);
		free(text);
	}
	if (op->error != NULL)
		fprintf(fp, "\n%s\n", op->error);
	pthread_mutex_unlock(&w->lock);
	if (fclose(fp) != 0) {
		free(buf);
		return NULL;
	}
	*lenp = len;
	return buf;
}

struct op_stream *
op_stream_new(struct web *w, struct web_op *op)
{
	struct op_stream	*st;

	if ((st = calloc(1, sizeof(*st))) == NULL)
		return NULL;
	st->w = w;
	st->op = op;
	return st;
}

/* The next event for st (lock held): malloc'd, or NULL when none. */
static char *
next_event(struct op_stream *st)
{
	struct web_op	*op = st->op;
	unsigned	*n;
	json_t		*j;
	char		*s, *e = NULL;
	size_t		 i;

	if (st->nseen < op->nhosts) {
		if ((n = reallocarray(st->seen, op->nhosts,
		    sizeof(*n))) == NULL)
			return NULL;
		for (i = st->nseen; i < op->nhosts; i++)
			n[i] = 0;
		st->seen = n;
		st->nseen = op->nhosts;
	}
	for (i = 0; i < op->nhosts; i++)
		if (op->hosts[i].version != st->seen[i]) {
			st->seen[i] = op->hosts[i].version;
			if ((j = host_json(&op->hosts[i])) == NULL)
				return NULL;
			s = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(6));
			json_decref(j);
			if (s != NULL && asprintf(&e, "data: %s\n\n", s) == -1)
				e = NULL;
			free(s);
			return e;
		}
	if (strcmp(op->state, "running") != 0) {
		st->done = 1;
		if (asprintf(&e, "event: done\ndata: {\"state\":\"%s\"}\n\n",
		    op->state) == -1)
			e = NULL;
	}
	return e;
}

ssize_t
op_stream_read(struct op_stream *st, char *buf, size_t max)
{
	struct web	*w = st->w;
	struct timespec	 ts;
	size_t		 n;
	int		 waited = 0;

	pthread_mutex_lock(&w->lock);
	while (st->pend == NULL) {
		if (st->done || w->stopping) {
			pthread_mutex_unlock(&w->lock);
			return -1;
		}
		if ((st->pend = next_event(st)) != NULL)
			break;
		/* A comment now and then keeps proxies from closing it. */
		if (waited >= 15) {
			st->pend = strdup(": waiting\n\n");
			break;
		}
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec++;
		pthread_cond_timedwait(&w->cond, &w->lock, &ts);
		waited++;
	}
	pthread_mutex_unlock(&w->lock);
	if (st->pend == NULL)
		return -1;
	if (st->plen == 0)
		st->plen = strlen(st->pend);
	n = st->plen - st->poff < max ? st->plen - st->poff : max;
	memcpy(buf, st->pend + st->poff, n);
	st->poff += n;
	if (st->poff == st->plen) {
		free(st->pend);
		st->pend = NULL;
		st->plen = st->poff = 0;
	}
	return (ssize_t)n;
}

void
op_stream_free(void *arg)
{
	struct op_stream	*st = arg;

	if (st == NULL)
		return;
	free(st->pend);
	free(st->seen);
	free(st);
}

json_t *
op_status(struct web *w, char **errp)
{
	struct fleet_hooks	 hooks = { NULL, NULL, NULL };
	json_t			*doc = NULL;
	char			**argv;
	int			 argc;

	pthread_mutex_lock(&w->lock);
	if (w->cluster != NULL && (w->busy || time(NULL) - w->cluster_at <
	    STATUS_FRESH)) {
		doc = json_deep_copy(w->cluster);
		if (doc != NULL)
			json_object_set_new(doc, "busy", json_boolean(w->busy));
		pthread_mutex_unlock(&w->lock);
		return doc;
	}
	if (w->busy) {
		pthread_mutex_unlock(&w->lock);
		err_set(errp, "an operation is running: the cluster's status "
		    "follows once it ended");
		return NULL;
	}
	w->busy = 1;
	pthread_mutex_unlock(&w->lock);
	hooks.statusp = &doc;
	if ((argv = op_argv(w, "status", NULL, &argc)) != NULL)
		fleet_command("status", argc, argv, &hooks);
	free(argv);
	pthread_mutex_lock(&w->lock);
	w->busy = 0;
	if (doc != NULL) {
		json_decref(w->cluster);
		w->cluster = json_incref(doc);
		w->cluster_at = time(NULL);
	}
	pthread_mutex_unlock(&w->lock);
	if (doc == NULL)
		err_set(errp, "no status: is there a store and a host list? "
		    "(see the server's log)");
	return doc;
}

void
ops_shutdown(struct web *w)
{
	struct web_op	*op, *next;
	struct timespec	 ts;
	size_t		 i;

	pthread_mutex_lock(&w->lock);
	w->stopping = 1;
	pthread_cond_broadcast(&w->cond);
	/*
	 * The engine stops its running steps at the second SIGINT; two
	 * sent at once may arrive as one, so again until the run ended.
	 */
	for (op = w->ops; op != NULL; op = op->next)
		while (strcmp(op->state, "running") == 0) {
			pthread_kill(op->thread, SIGINT);
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += 100 * 1000 * 1000;
			if (ts.tv_nsec >= 1000 * 1000 * 1000) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000 * 1000 * 1000;
			}
			pthread_cond_timedwait(&w->cond, &w->lock, &ts);
		}
	pthread_mutex_unlock(&w->lock);
	for (op = w->ops; op != NULL; op = op->next)
		pthread_join(op->thread, NULL);
	for (op = w->ops; op != NULL; op = next) {
		next = op->next;
		for (i = 0; i < op->nhosts; i++) {
			free(op->hosts[i].host);
			free(op->hosts[i].role);
			free(op->hosts[i].step);
			json_decref(op->hosts[i].output);
		}
		free(op->hosts);
		free(op->logdir);
		free(op->error);
		json_decref(op->only);
		free(op);
	}
	w->ops = NULL;
}
