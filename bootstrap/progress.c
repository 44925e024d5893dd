/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What a long step shows people while it runs, on stderr: on a terminal
 * one line redrawn with \r at most four times a second (the total, the
 * rate, the time left and the item last written to, with its own
 * count), elsewhere (a log) one line per item finished once the step has
 * run REPORT_AFTER seconds (a quick step adds nothing to a log, where a
 * failure stays one line); nothing with -q.
 * The extraction threads call it for every block they write.
 */
#include <config.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bootstrap.h"
#include "log.h"

#define REDRAW_EVERY	0.25		/* seconds between two drawings */
#define REPORT_AFTER	2.0		/* seconds before a log gets lines;
					   DCOS_BOOTSTRAP_PROGRESS_AFTER
					   sets it (tests) */

struct progress {
	pthread_mutex_t	 mu;
	const char	*verb;		/* "extracting" */
	const char	*past;		/* "extracted" */
	const char	*noun;		/* "packages" */
	size_t		 n;
	const char	**names;	/* borrowed */
	uint64_t	*sizes;		/* expected (grown when passed) */
	uint64_t	*done;
	size_t		 ndone;		/* items finished */
	size_t		 last;		/* the item written to last */
	uint64_t	 total, sum;
	double		 start, drawn, after;
	int		 tty;
	int		 shown;		/* a line is on the terminal */
};

static double
mono(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct progress *
progress_new(const char *verb, const char *past, const char *noun,
    size_t n)
{
	struct progress	*p;
	const char	*env;

	if (log_get_level() <= LOG_QUIET || (p = calloc(1, sizeof(*p))) ==
	    NULL)
		return NULL;
	if ((p->names = calloc(n + 1, sizeof(*p->names))) == NULL ||
	    (p->sizes = calloc(n + 1, sizeof(*p->sizes))) == NULL ||
	    (p->done = calloc(n + 1, sizeof(*p->done))) == NULL) {
		free(p->names);
		free(p->sizes);
		free(p->done);
		free(p);
		return NULL;
	}
	pthread_mutex_init(&p->mu, NULL);
	p->verb = verb;
	p->past = past;
	p->noun = noun;
	p->n = n;
	p->tty = isatty(STDERR_FILENO);
	p->start = mono();
	p->after = REPORT_AFTER;
	if ((env = getenv("DCOS_BOOTSTRAP_PROGRESS_AFTER")) != NULL &&
	    env[0] != '\0')
		p->after = strtod(env, NULL);
	return p;
}

void
progress_item(struct progress *p, size_t i, const char *name,
    uint64_t size)
{
	if (p == NULL || i >= p->n)
		return;
	p->names[i] = name;
	p->sizes[i] = size;
	p->total += size;
}

/* "1m05s", "7s" or "?" into buf (at least 16 bytes). */
static const char *
eta(uint64_t left, double rate, char *buf)
{
	double	 s;

	if (rate <= 0)
		return "?";
	s = (double)left / rate;
	if (s >= 360000)
		return "?";
	if (s >= 60)
		snprintf(buf, 16, "%dm%02ds", (int)s / 60, (int)s % 60);
	else
		snprintf(buf, 16, "%ds", (int)(s + 0.5));
	return buf;
}

/* The terminal line; under p->mu. */
static void
draw(struct progress *p, double t)
{
	char	 sum[HUMAN_SIZE_LEN], total[HUMAN_SIZE_LEN];
	char	 rate[HUMAN_SIZE_LEN], one[HUMAN_SIZE_LEN];
	char	 all[HUMAN_SIZE_LEN], left[16];
	double	 r = t > p->start ? (double)p->sum / (t - p->start) : 0;
	size_t	 i = p->last;

	p->drawn = t;
	p->shown = 1;
	fprintf(stderr, "\r%s: %s %zu/%zu %s, %s of %s (%d%%), %s/s, ETA %s; "
	    "%s %s of %s\033[K", log_progname(), p->verb, p->ndone, p->n,
	    p->noun, human_size(p->sum, sum), human_size(p->total, total),
	    p->total > 0 ? (int)(p->sum * 100 / p->total) : 100,
	    human_size((uint64_t)r, rate), eta(p->total - p->sum, r, left),
	    p->names[i] != NULL ? p->names[i] : "?",
	    human_size(p->done[i], one), human_size(p->sizes[i], all));
	fflush(stderr);
}

void
progress_add(struct progress *p, size_t i, uint64_t bytes)
{
	double	 t;

	if (p == NULL || i >= p->n)
		return;
	pthread_mutex_lock(&p->mu);
	p->done[i] += bytes;
	p->sum += bytes;
	p->last = i;
	/* An item bigger than announced (the config package) grows it. */
	if (p->done[i] > p->sizes[i]) {
		p->total += p->done[i] - p->sizes[i];
		p->sizes[i] = p->done[i];
	}
	if (p->tty && ((t = mono()) - p->drawn >= REDRAW_EVERY || !p->shown))
		draw(p, t);
	pthread_mutex_unlock(&p->mu);
}

void
progress_done(struct progress *p, size_t i)
{
	char	 one[HUMAN_SIZE_LEN], sum[HUMAN_SIZE_LEN];
	char	 total[HUMAN_SIZE_LEN], rate[HUMAN_SIZE_LEN];
	double	 t;

	if (p == NULL || i >= p->n)
		return;
	pthread_mutex_lock(&p->mu);
	p->ndone++;
	t = mono();
	if (p->tty)
		draw(p, t);
	else if (t - p->start >= p->after)
		log_info("%s %s (%s): %zu/%zu %s, %s of %s, %s/s",
		    p->past, p->names[i] != NULL ? p->names[i] : "?",
		    human_size(p->done[i], one), p->ndone, p->n, p->noun,
		    human_size(p->sum, sum), human_size(p->total, total),
		    human_size(t > p->start ? (uint64_t)((double)p->sum /
		    (t - p->start)) : 0, rate));
	pthread_mutex_unlock(&p->mu);
}

void
progress_free(struct progress *p)
{
	if (p == NULL)
		return;
	/* The last drawing stays, ended like any other line. */
	if (p->shown) {
		draw(p, mono());
		fputc('\n', stderr);
	}
	pthread_mutex_destroy(&p->mu);
	free(p->names);
	free(p->sizes);
	free(p->done);
	free(p);
}
