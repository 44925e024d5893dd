/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The fleet engine: drives every host of a plan through "connect" and the
 * plan's steps, at most parallelism hosts at a time.  Each step is one
 * ssh child (no shell here) in its own process group, killed at the
 * plan's timeout; its output goes to the host's log.  After every step the
 * run's state file is rewritten atomically, so a crash or a Ctrl-C never
 * loses what ran where.
 */
#include <config.h>

#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "atomicio.h"
#include "error.h"
#include "fleet.h"
#include "jsonio.h"
#include "log.h"

extern char **environ;

#define TAIL_BYTES	2048

static size_t	 failed(const struct fleet_plan *);

static double
now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

const char *
fleet_step_name(const struct fleet_host *h, size_t step)
{
	return step == 0 ? "connect" : h->todo[step - 1].name;
}

/* Tells the plan's watcher (dcos-genconf web) that h changed. */
static void
notify(const struct fleet_plan *p, const struct fleet_host *h)
{
	if (p->notify != NULL)
		p->notify(p, h, p->notify_arg);
}

const char *
fleet_result_name(enum fleet_result r)
{
	switch (r) {
	case FLEET_PENDING:
		return "pending";
	case FLEET_RUNNING:
		return "running";
	case FLEET_OK:
		return "ok";
	case FLEET_FAILED:
		return "failed";
	default:
		return "not started";
	}
}

/* The last TAIL_BYTES of a file (malloc'd), or NULL. */
static char *
tail(const char *path)
{
	char	*buf;
	off_t	 end;
	ssize_t	 n;
	int	 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return NULL;
	if ((end = lseek(fd, 0, SEEK_END)) == -1 ||
	    lseek(fd, end > TAIL_BYTES ? end - TAIL_BYTES : 0, SEEK_SET) ==
	    -1 || (buf = malloc(TAIL_BYTES + 1)) == NULL) {
		close(fd);
		return NULL;
	}
	if ((n = read(fd, buf, TAIL_BYTES)) < 0)
		n = 0;
	buf[n] = '\0';
	close(fd);
	return buf;
}

/*
 * The last non-empty line of text that is not ssh's own "Connection to
 * X closed." (ssh -tt says it after the command's last words), in place
 * (text is changed).
 */
static const char *
last_line(char *text)
{
	char	*p, *l;

	if (text == NULL)
		return "";
	for (;;) {
		for (p = text + strlen(text); p > text &&
		    strchr("\r\n \t", p[-1]) != NULL; p--)
			p[-1] = '\0';
		l = (p = strrchr(text, '\n')) != NULL ? p + 1 : text;
		if (l == text || (strncmp(l, "Shared connection to ", 21) != 0 &&
		    strncmp(l, "Connection to ", 14) != 0) ||
		    strcmp(l + strlen(l) - 8, " closed.") != 0)
			return l;
		*l = '\0';
	}
}

/*
 * A finished step of h, on stderr: a plain line, which on a terminal
 * goes above the live lines (cleared at this point, see fleet_run).
 */
static void
progress(const struct fleet_plan *p, const struct fleet_host *h,
    const char *what)
{
	if (log_get_level() < LOG_NORMAL)
		return;
	fprintf(stderr, "%s %s: %s %s (%.1f s)\n", h->addr, h->role,
	    fleet_step_name(h, h->step), what, now() - h->started);
}

/*
 * On a terminal, a line per running host (its step and how long it has
 * run) under everything else, at most a screenful, redrawn in place.
 */
static void
live_draw(struct fleet_plan *p)
{
	struct winsize	 ws;
	size_t		 i, max = 20, more = 0, cols = 80;
	double		 t = now();
	char		 line[256];

	if (!p->live)
		return;
	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 4) {
		max = ws.ws_row - 3;
		cols = ws.ws_col > 1 ? ws.ws_col - 1 : 1;
	}
	for (i = 0; i < p->nhosts; i++) {
		const struct fleet_host	*h = &p->hosts[i];

		if (h->result != FLEET_RUNNING)
			continue;
		if (p->drawn == max) {
			more++;
			continue;
		}
		snprintf(line, sizeof(line), "  %-24s %-13s %-10s %7.1fs",
		    h->addr, h->role, fleet_step_name(h, h->step),
		    t - h->started);
		/* A wrapped line would break the count of lines to redraw. */
		fprintf(stderr, "%.*s\033[K\n", (int)cols, line);
		p->drawn++;
	}
	if (more > 0) {
		fprintf(stderr, "  ... and %zu more running\033[K\n", more);
		p->drawn++;
	}
	fflush(stderr);
}

/* Removes the live lines, so that what is printed next stays. */
static void
live_clear(struct fleet_plan *p)
{
	if (p->drawn > 0)
		fprintf(stderr, "\033[%zuA\033[J", p->drawn);
	p->drawn = 0;
}

static json_t *
state_doc(const struct fleet_plan *p)
{
	json_t	*doc, *hosts, *h;
	size_t	 i;

	if ((doc = json_object()) == NULL || (hosts = json_array()) == NULL) {
		json_decref(doc);
		return NULL;
	}
	json_object_set_new(doc, "format", json_integer(1));
	json_object_set_new(doc, "command", json_string(p->command));
	json_object_set_new(doc, "run", json_string(p->run));
	json_object_set_new(doc, "interrupted",
	    json_boolean(p->interrupted));
	json_object_set_new(doc, "halted", json_boolean(p->halted));
	json_object_set_new(doc, "hosts_ok", json_integer(fleet_ok(p)));
	json_object_set_new(doc, "hosts_total", json_integer(p->nhosts));
	for (i = 0; i < p->nhosts; i++) {
		const struct fleet_host	*x = &p->hosts[i];

		h = json_pack("{s:s, s:s, s:s, s:s?, s:f, s:s, s:O}",
		    "host", x->addr, "role", x->role,
		    "result", fleet_result_name(x->result), "detail", x->detail,
		    "seconds", x->seconds, "log", x->log,
		    "steps", x->steps);
		if (h == NULL || json_array_append_new(hosts, h) == -1) {
			json_decref(hosts);
			json_decref(doc);
			return NULL;
		}
	}
	json_object_set_new(doc, "hosts", hosts);
	return doc;
}

static void
write_state(const struct fleet_plan *p)
{
	json_t	*doc;
	char	*err = NULL;

	if ((doc = state_doc(p)) == NULL) {
		log_error("%s: out of memory", p->state);
		return;
	}
	if (jsonio_write(p->state, doc, 0600, &err) == -1) {
		log_error("%s", err);
		free(err);
	}
	json_decref(doc);
}

char *
fleet_capture(const struct fleet_plan *p, const struct fleet_host *h,
    const char *name)
{
	char	*r;

	if (asprintf(&r, "%s/%s.%s.out", p->logdir, h->addr, name) == -1)
		return NULL;
	return r;
}

static char **
step_argv(const struct fleet_plan *p, struct fleet_host *h)
{
	const struct fleet_step	*st;
	char			**argv, *cmd, *root;

	if (h->step == 0)
		return fleet_ssh_connect(&p->ssh, h->addr, h->windows);
	st = &h->todo[h->step - 1];
	if (st->argv != NULL)
		return st->argv(p, h);
	if ((cmd = st->command(p, h)) == NULL)
		return NULL;
	/*
	 * A Windows host has no sudo: ssh_user is an administrator there,
	 * and its shell (PowerShell) runs the command as it is.
	 */
	root = h->windows ? cmd : fleet_as_root(&p->ssh, cmd);
	if (root != cmd)
		free(cmd);
	if (root == NULL)
		return NULL;
	/*
	 * Never a pty for a Windows host: its step reads the script from
	 * stdin, and through ConPTY the bytes become keystrokes with no end.
	 */
	argv = fleet_ssh_run(&p->ssh, h->addr, h->windows, root,
	    !h->windows && (p->ssh.tty || h->tty));
	free(root);
	return argv;
}

/* When h's running step is killed: its start and its time limit. */
static double
deadline(const struct fleet_plan *p, const struct fleet_host *h)
{
	return h->started + p->timeout + (h->step > 0 &&
	    h->todo[h->step - 1].gate ? p->gate : 0);
}

/* Starts h's next step.  On failure h has failed; returns 0 or -1. */
static int
start(struct fleet_plan *p, struct fleet_host *h)
{
	posix_spawn_file_actions_t	 fa;
	posix_spawnattr_t		 sa;
	sigset_t			 none, dfl;
	char				**argv = NULL, *out = NULL;
	int				 capture, rc = -1;

	capture = h->step > 0 && h->todo[h->step - 1].capture;
	if ((argv = step_argv(p, h)) == NULL || (capture &&
	    (out = fleet_capture(p, h, fleet_step_name(h, h->step))) == NULL)) {
		fleet_argv_free(argv);
		if (h->detail == NULL && asprintf(&h->detail, "%s: %s: out "
		    "of memory", h->addr, fleet_step_name(h, h->step)) == -1)
			h->detail = NULL;
		h->result = FLEET_FAILED;
		log_error("%s", h->detail != NULL ? h->detail : h->addr);
		notify(p, h);
		return -1;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&sa);
	sigemptyset(&none);
	sigemptyset(&dfl);
	sigaddset(&dfl, SIGINT);
	sigaddset(&dfl, SIGTERM);
	sigaddset(&dfl, SIGCHLD);
	sigaddset(&dfl, SIGPIPE);
	posix_spawnattr_setsigmask(&sa, &none);
	posix_spawnattr_setsigdefault(&sa, &dfl);
	/* Its own group: the terminal's Ctrl-C is ours to pass on. */
	posix_spawnattr_setpgroup(&sa, 0);
	posix_spawnattr_setflags(&sa, POSIX_SPAWN_SETSIGMASK |
	    POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);
	posix_spawn_file_actions_addopen(&fa, 0, h->step > 0 &&
	    h->todo[h->step - 1].input != NULL ? h->todo[h->step -
	    1].input(p, h) : "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, capture ? out : h->log,
	    O_WRONLY | O_CREAT | (capture ? O_TRUNC : O_APPEND), 0600);
	posix_spawn_file_actions_addopen(&fa, 2, h->log,
	    O_WRONLY | O_CREAT | O_APPEND, 0600);
	h->started = now();
	if ((errno = posix_spawnp(&h->pid, argv[0], &fa, &sa, argv,
	    environ)) != 0) {
		if (asprintf(&h->detail, "%s: cannot run ssh: %s", h->addr,
		    strerror(errno)) == -1)
			h->detail = NULL;
		h->result = FLEET_FAILED;
		h->pid = 0;
		goto out;
	}
	h->result = FLEET_RUNNING;
	log_verbose("%s: %s", h->addr, fleet_step_name(h, h->step));
	rc = 0;
out:
	notify(p, h);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&sa);
	fleet_argv_free(argv);
	free(out);
	return rc;
}

/*
 * The host's failed checks ("Checking X: FAIL (why)" lines of
 * dcos_install.sh), joined with "; ", or NULL when there are none.
 */
static char *
failed_checks(const char *text)
{
	const char	*p, *nl;
	char		*r = NULL, *n;
	int		 len;

	for (p = text; p != NULL && *p != '\0'; p = nl != NULL ? nl + 1 :
	    NULL) {
		nl = strchr(p, '\n');
		len = nl != NULL ? (int)(nl - p) : (int)strlen(p);
		if (strncmp(p, "Checking ", 9) != 0 ||
		    memmem(p, len, ": FAIL", 6) == NULL)
			continue;
		if (asprintf(&n, "%s%s%.*s", r != NULL ? r : "",
		    r != NULL ? "; " : "", len - 9, p + 9) == -1) {
			free(r);
			return NULL;
		}
		free(r);
		r = n;
	}
	return r;
}

/* Records the end of h's step (wait status ws) and moves h on. */
static void
finish(struct fleet_plan *p, struct fleet_host *h, int ws)
{
	char		*t, *checks;
	double		 secs = now() - h->started;
	const char	*line;

	h->pid = 0;
	h->seconds += secs;
	h->status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
	/* What the host printed: not always UTF-8, maybe escapes. */
	if ((t = tail(h->log)) != NULL)
		jsonio_scrub(t, SIZE_MAX, 1);
	/* Times from the run's start: they show what ran at once. */
	json_array_append_new(h->steps, json_pack(
	    "{s:s, s:i, s:f, s:f, s:f, s:b, s:s}",
	    "step", fleet_step_name(h, h->step), "exit", h->status,
	    "started", h->started - p->t0, "ended", h->started + secs - p->t0,
	    "seconds", secs, "timed_out", h->timed_out,
	    "tail", t != NULL ? t : ""));
	if (h->step == 0 && h->status == 0)
		h->connected = 1;
	line = last_line(t);
	if (h->status == 0 && !h->timed_out) {
		progress(p, h, "ok");
		if (++h->step > h->ntodo)
			h->result = FLEET_OK;
		else
			h->result = FLEET_PENDING;
	} else if (h->step > 0 && !h->windows && !h->tty && !p->ssh.tty &&
	    p->interrupted == 0 && strstr(line, "sudo") != NULL &&
	    strstr(line, "must have a tty") != NULL) {
		/*
		 * requiretty: sudo refused before it ran anything, so the
		 * step runs again, under ssh -tt on this host only.
		 */
		h->tty = 1;
		h->result = FLEET_PENDING;
		progress(p, h, "needs a tty for sudo: again with ssh -tt");
	} else {
		h->result = FLEET_FAILED;
		if (p->interrupted > 1) {
			if (asprintf(&h->detail, "%s: %s stopped by the "
			    "interrupt: run it again on this host", h->addr,
			    fleet_step_name(h, h->step)) == -1)
				h->detail = NULL;
		} else if (h->timed_out) {
			if (asprintf(&h->detail, "%s: %s killed after %.0f s "
			    "(process_timeout%s): check the host, or raise "
			    "process_timeout in config.yaml", h->addr,
			    fleet_step_name(h, h->step), deadline(p, h) - h->started,
			    h->todo[h->step > 0 ? h->step - 1 : 0].gate &&
			    h->step > 0 ? " and --timeout" : "") == -1)
				h->detail = NULL;
		} else if (h->step > 0 && h->todo[h->step - 1].explain !=
		    NULL && (h->detail = h->todo[h->step - 1].explain(p,
		    h)) != NULL) {
			/* The step's own words. */
		} else if ((checks = failed_checks(t)) != NULL) {
			if (asprintf(&h->detail, "%s: preflight failed: %s",
			    h->addr, checks) == -1)
				h->detail = NULL;
			free(checks);
		} else
			h->detail = fleet_ssh_explain(h->addr, h->status, line);
		if (h->detail != NULL)
			jsonio_scrub(h->detail, 2048, 0);
		log_error("%s", h->detail != NULL ? h->detail : h->addr);
	}
	free(t);
	write_state(p);
	notify(p, h);
}

int
fleet_prepare(struct fleet_plan *p, const char *genconf, char **errp)
{
	char		 stamp[32], *dir, *tmpl;
	const char	*tmp;
	struct tm	 tm;
	time_t		 t = time(NULL);
	size_t		 i;

	gmtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	if (asprintf(&p->run, "%s-%s-%ld", p->command, stamp,
	    (long)getpid()) == -1) {
		p->run = NULL;
		return err_set(errp, "out of memory");
	}
	if ((dir = path_join(genconf, "state")) == NULL)
		return err_set(errp, "out of memory");
	if (mkdir_p(dir, 0700, errp) == -1) {
		free(dir);
		return -1;
	}
	if (asprintf(&p->state, "%s/%s.json", dir, p->run) == -1) {
		free(dir);
		p->state = NULL;
		return err_set(errp, "out of memory");
	}
	free(dir);
	if (asprintf(&p->logdir, "%s/logs/%s", genconf, p->run) == -1) {
		p->logdir = NULL;
		return err_set(errp, "out of memory");
	}
	if (mkdir_p(p->logdir, 0700, errp) == -1)
		return -1;
	for (i = 0; i < p->nhosts; i++) {
		struct fleet_host *h = &p->hosts[i];

		if (asprintf(&h->log, "%s/%s.log", p->logdir, h->addr) == -1 ||
		    (h->steps = json_array()) == NULL)
			return err_set(errp, "out of memory");
	}
	/* ControlPaths: a directory only we can enter. */
	if ((tmp = getenv("TMPDIR")) == NULL || *tmp == '\0')
		tmp = "/tmp";
	if (asprintf(&tmpl, "%s/dcos-fleet.XXXXXX", tmp) == -1)
		return err_set(errp, "out of memory");
	if (mkdtemp(tmpl) == NULL) {
		err_sys(errp, "cannot create %s", tmpl);
		free(tmpl);
		return -1;
	}
	p->ssh.ctldir = tmpl;
	return 0;
}

/* Closes every master this run opened, then their directory. */
static void
disconnect(struct fleet_plan *p)
{
	posix_spawn_file_actions_t	 fa;
	char	**argv;
	pid_t	 pid;
	size_t	 i;
	int	 ws;

	for (i = 0; i < p->nhosts; i++) {
		if (!p->hosts[i].connected ||
		    (argv = fleet_ssh_exit(&p->ssh, p->hosts[i].addr,
		    p->hosts[i].windows)) == NULL)
			continue;
		/* Quiet: ssh says "Exit request sent." */
		posix_spawn_file_actions_init(&fa);
		posix_spawn_file_actions_addopen(&fa, 1, "/dev/null",
		    O_WRONLY, 0);
		posix_spawn_file_actions_addopen(&fa, 2, "/dev/null",
		    O_WRONLY, 0);
		if (posix_spawnp(&pid, argv[0], &fa, NULL, argv,
		    environ) == 0)
			while (waitpid(pid, &ws, 0) == -1 && errno == EINTR)
				;
		posix_spawn_file_actions_destroy(&fa);
		fleet_argv_free(argv);
	}
	if (p->ssh.ctldir != NULL)
		rmdir(p->ssh.ctldir);
}

void
fleet_run(struct fleet_plan *p)
{
	struct fleet_host	*h;
	struct timespec		 ts;
	sigset_t		 set, old;
	siginfo_t		 si;
	double			 t, wait;
	const char		*term;
	size_t			 i, running, next = 0;
	pid_t			 pid;
	int			 sig, ws, wave;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, &old);
	p->t0 = now();
	p->live = isatty(STDERR_FILENO) && log_get_level() >= LOG_NORMAL &&
	    (term = getenv("TERM")) != NULL && strcmp(term, "dumb") != 0;
	wave = p->nhosts > 0 ? p->hosts[0].wave : 0;
	for (i = 0; i < p->nhosts; i++) {
		h = &p->hosts[i];
		if (h->todo == NULL && h->windows) {
			/* Never the Linux steps (the site key) on Windows. */
			h->result = FLEET_FAILED;
			if (asprintf(&h->detail, "%s: a Windows host, and %s "
			    "has no Windows steps: leave the Windows hosts out "
			    "(--role, --host)", h->addr, p->command) == -1)
				h->detail = NULL;
		} else if (h->todo == NULL) {
			h->todo = p->steps;
			h->ntodo = p->nsteps;
		}
		notify(p, h);
	}
	for (;;) {
		/* A host that has begun keeps its slot for its next step. */
		for (i = 0; i < p->nhosts && !p->interrupted; i++) {
			h = &p->hosts[i];
			if (h->result == FLEET_PENDING && h->step > 0)
				start(p, h);
		}
		for (running = 0, i = 0; i < p->nhosts; i++)
			running += p->hosts[i].result == FLEET_RUNNING;
		for (; next < p->nhosts && !p->interrupted && !p->halted &&
		    running < (size_t)p->parallelism; next++) {
			if (p->hosts[next].wave != wave) {
				/* A wave starts once the one before ended. */
				if (running > 0)
					break;
				if (p->max_failures >= 0 && failed(p) >
				    (size_t)p->max_failures) {
					p->halted = 1;
					log_error("%s: halted after %zu failed "
					    "hosts (--max-failures %ld)",
					    p->command, failed(p),
					    p->max_failures);
					break;
				}
				wave = p->hosts[next].wave;
			}
			if (p->hosts[next].result == FLEET_PENDING &&
			    start(p, &p->hosts[next]) == 0)
				running++;
		}
		for (running = 0, i = 0; i < p->nhosts; i++)
			running += p->hosts[i].result == FLEET_RUNNING;
		if (running == 0)
			break;
		/* Sleep until a child ends, a signal, or the next deadline. */
		t = now();
		wait = p->timeout;
		for (i = 0; i < p->nhosts; i++) {
			h = &p->hosts[i];
			if (h->result == FLEET_RUNNING &&
			    deadline(p, h) - t < wait)
				wait = deadline(p, h) - t;
		}
		/* The live lines tick twice a second. */
		if (p->live && wait > 0.5)
			wait = 0.5;
		if (wait < 0.001)
			wait = 0.001;
		ts.tv_sec = (time_t)wait;
		ts.tv_nsec = (long)((wait - ts.tv_sec) * 1e9);
		live_draw(p);
		sig = sigtimedwait(&set, &si, &ts);
		live_clear(p);
		if (sig == SIGINT || sig == SIGTERM) {
			if (p->interrupted++ == 0)
				log_error("interrupted: waiting for %zu running "
				    "hosts to finish their step (again to stop "
				    "them)", running);
			else
				for (i = 0; i < p->nhosts; i++)
					if (p->hosts[i].pid > 0)
						kill(-p->hosts[i].pid, SIGTERM);
		}
		while ((pid = waitpid(-1, &ws, WNOHANG)) > 0)
			for (i = 0; i < p->nhosts; i++)
				if (p->hosts[i].pid == pid)
					finish(p, &p->hosts[i], ws);
		t = now();
		for (i = 0; i < p->nhosts; i++) {
			h = &p->hosts[i];
			if (h->result == FLEET_RUNNING && !h->timed_out &&
			    t >= deadline(p, h)) {
				h->timed_out = 1;
				kill(-h->pid, SIGKILL);
			}
		}
	}
	for (i = 0; i < p->nhosts; i++) {
		h = &p->hosts[i];
		if (h->result == FLEET_PENDING && h->step == 0)
			h->result = FLEET_NOT_STARTED;
		else if (h->result == FLEET_PENDING) {
			h->result = FLEET_FAILED;
			if (asprintf(&h->detail, "%s: interrupted before %s",
			    h->addr, fleet_step_name(h, h->step)) == -1)
				h->detail = NULL;
		} else
			continue;
		notify(p, h);
	}
	write_state(p);
	disconnect(p);
	sigprocmask(SIG_SETMASK, &old, NULL);
}

static size_t
failed(const struct fleet_plan *p)
{
	size_t	i, n = 0;

	for (i = 0; i < p->nhosts; i++)
		n += p->hosts[i].result == FLEET_FAILED;
	return n;
}

size_t
fleet_ok(const struct fleet_plan *p)
{
	size_t	i, n = 0;

	for (i = 0; i < p->nhosts; i++)
		n += p->hosts[i].result == FLEET_OK;
	return n;
}

void
fleet_report(const struct fleet_plan *p, int json)
{
	json_t	*doc;
	char	*s;
	size_t	 i;

	if (json) {
		if ((doc = state_doc(p)) == NULL ||
		    (s = json_dumps(doc, JSON_INDENT(2))) == NULL) {
			json_decref(doc);
			log_error("out of memory");
			return;
		}
		printf("%s\n", s);
		free(s);
		json_decref(doc);
		return;
	}
	printf("%-24s %-13s %-12s %8s  %s\n", "HOST", "ROLE", "RESULT",
	    "SECONDS", "DETAIL");
	for (i = 0; i < p->nhosts; i++) {
		const struct fleet_host	*h = &p->hosts[i];

		printf("%-24s %-13s %-12s %8.1f  %s\n", h->addr, h->role,
		    fleet_result_name(h->result), h->seconds,
		    h->detail != NULL ? h->detail : "");
	}
	printf("%s: %zu of %zu hosts succeeded (state %s, logs %s/)\n",
	    p->command, fleet_ok(p), p->nhosts, p->state, p->logdir);
}
