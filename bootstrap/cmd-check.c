/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check: runs the active generation's health checks, every executable
 * in each package's check/ directory, with DC/OS's exit convention (0
 * ok, 1 warning, 2 critical; anything else, a signal or the time limit
 * is critical).  No shell: the file itself is executed, in its own
 * process group so the limit kills whatever it started, with a clean
 * environment (PATH plus the generation's environment file) and the
 * package directory as its working directory.  With --root the check
 * gets DCOS_ROOT=<root> instead of a chroot: checks must never need
 * privileges a test host does not have.
 */
#include <config.h>

#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "atomicio.h"
#include "bootstrap.h"
#include "error.h"
#include "jsonio.h"
#include "log.h"
#include "subcmd.h"

#define CHECK_TIMEOUT_MAX	86400.0
/* What a check may say: kept, the rest read and dropped. */
#define CHECK_OUTPUT_MAX	(64 * 1024)
#define ENV_MAX			(1024 * 1024)

#define ST_PASS		0
#define ST_WARN		1
#define ST_FAIL		2
static const char *const st_names[] = { "PASS", "WARN", "FAIL" };

struct result {
	int	 status;	/* ST_* */
	int	 exit;		/* -1: none (signal, timeout, not run) */
	char	*how;		/* "exit 0", "timed out after 2s", ... */
	double	 seconds;
	char	*out;		/* what it printed (capped) */
	size_t	 outlen;
};

static double
mono(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * The checks' environment: PATH, then the generation's environment file
 * (KEY=VALUE lines, as gen_build writes them; a PATH there is ignored,
 * ours is the one a check gets), then DCOS_ROOT with --root.  A
 * NULL-terminated malloc'd array, or NULL with *errp.
 */
static char **
check_env(const struct host *h, long gen, const char *root, char **errp)
{
	char	*path = NULL, *buf = NULL, *line, *nl, **env = NULL;
	size_t	 len, n = 0, cap = 4, i;

	if (asprintf(&path, "%s/%ld/environment", h->gendir, gen) == -1) {
		path = NULL;
		goto oom;
	}
	if (read_file(path, ENV_MAX, &buf, &len, NULL) == -1) {
		if (errno != ENOENT) {
			err_sys(errp, "%s", path);
			goto fail;
		}
		buf = NULL;
		len = 0;
	}
	for (i = 0; i < len; i++)
		if (buf[i] == '\n')
			cap++;
	if ((env = calloc(cap, sizeof(*env))) == NULL ||
	    (env[n++] = strdup("PATH=/usr/bin:/bin")) == NULL)
		goto oom;
	for (line = buf; line != NULL && line < buf + len; line = nl) {
		if ((nl = memchr(line, '\n', (size_t)(buf + len - line))) !=
		    NULL)
			*nl++ = '\0';
		if (strchr(line, '=') == NULL || line[0] == '=' ||
		    strncmp(line, "PATH=", 5) == 0 ||
		    strncmp(line, "DCOS_ROOT=", 10) == 0)
			continue;
		if ((env[n++] = strdup(line)) == NULL)
			goto oom;
	}
	if (h->rooted && asprintf(&env[n++], "DCOS_ROOT=%s", root) == -1) {
		env[--n] = NULL;
		goto oom;
	}
	free(path);
	free(buf);
	return env;
oom:
	err_set(errp, "out of memory");
fail:
	for (i = 0; env != NULL && i < n; i++)
		free(env[i]);
	free(env);
	free(path);
	free(buf);
	return NULL;
}

/* Reads what is there from fd into r (capped); 0 at EOF, 1 more. */
static int
drain(int fd, struct result *r)
{
	char	 buf[4096];
	ssize_t	 n;
	size_t	 take;

	if ((n = read(fd, buf, sizeof(buf))) == -1)
		return errno == EINTR || errno == EAGAIN ? 1 : 0;
	if (n == 0)
		return 0;
	take = (size_t)n;
	if (take > CHECK_OUTPUT_MAX - r->outlen)
		take = CHECK_OUTPUT_MAX - r->outlen;
	memcpy(r->out + r->outlen, buf, take);
	r->outlen += take;
	return 1;
}

/*
 * Runs file (relative to dfd, the check/ directory, whose path is dir)
 * with cwd pkgroot.  Fills r.  0, or -1 with *errp when it cannot start
 * at all (our failure, not the check's).
 */
static int
run_check(const char *dir, const char *name, const char *pkgroot,
    char **env, double timeout, struct result *r, char **errp)
{
	struct pollfd	 pfd;
	char		*file = NULL;
	char		*argv[2];
	double		 start, left;
	pid_t		 pid;
	int		 p[2] = { -1, -1 }, status = 0, open_ = 1, timed = 0;
	int		 devnull, ms, rc = -1;

	if ((file = path_join(dir, name)) == NULL ||
	    (r->out = malloc(CHECK_OUTPUT_MAX + 1)) == NULL) {
		err_set(errp, "out of memory");
		goto out;
	}
	if (pipe2(p, O_CLOEXEC) == -1) {
		err_sys(errp, "pipe");
		goto out;
	}
	start = mono();
	if ((pid = fork()) == -1) {
		err_sys(errp, "fork");
		goto out;
	}
	if (pid == 0) {
		/* The child: only async-signal-safe calls from here. */
		(void)setpgid(0, 0);
		if ((devnull = open("/dev/null", O_RDONLY)) == -1 ||
		    dup2(devnull, 0) == -1 || dup2(p[1], 1) == -1 ||
		    dup2(p[1], 2) == -1 || chdir(pkgroot) == -1)
			_exit(127);
		argv[0] = file;
		argv[1] = NULL;
		execve(file, argv, env);
		_exit(127);
	}
	(void)setpgid(pid, pid);	/* no race with the kill below */
	close(p[1]);
	p[1] = -1;
	for (;;) {
		left = start + timeout - mono();
		if (left <= 0) {
			timed = 1;
			(void)kill(-pid, SIGKILL);
			while (waitpid(pid, &status, 0) == -1 &&
			    errno == EINTR)
				;
			break;
		}
		if (waitpid(pid, &status, WNOHANG) == pid) {
			/* Gone: take what its pipe still holds. */
			pfd.fd = p[0];
			pfd.events = POLLIN;
			while (open_ && poll(&pfd, 1, 0) == 1 &&
			    (open_ = drain(p[0], r)))
				;
			break;
		}
		pfd.fd = p[0];
		pfd.events = POLLIN;
		/*
		 * Waits for output at most 100 ms, then looks for the exit
		 * again: a process the check left behind may hold the pipe
		 * open long after the check itself exited.  After EOF the
		 * exit follows within moments, so short naps do.
		 */
		ms = open_ ? 100 : 2;
		if (left * 1000 < ms)
			ms = (int)(left * 1000) + 1;
		if (poll(open_ ? &pfd : NULL, open_ ? 1 : 0, ms) == 1)
			open_ = drain(p[0], r);
	}
	r->seconds = mono() - start;
	r->out[r->outlen] = '\0';
	r->exit = -1;
	if (timed) {
		r->status = ST_FAIL;
		if (asprintf(&r->how, "timed out after %gs", timeout) == -1)
			r->how = NULL;
	} else if (WIFSIGNALED(status)) {
		r->status = ST_FAIL;
		if (asprintf(&r->how, "signal %d", WTERMSIG(status)) == -1)
			r->how = NULL;
	} else {
		r->exit = WEXITSTATUS(status);
		r->status = r->exit == 0 ? ST_PASS : r->exit == 1 ? ST_WARN :
		    ST_FAIL;
		if (asprintf(&r->how, "exit %d", r->exit) == -1)
			r->how = NULL;
	}
	rc = 0;
out:
	if (p[0] != -1)
		close(p[0]);
	if (p[1] != -1)
		close(p[1]);
	free(file);
	return rc;
}

/*
 * The first line of what a check printed, for a terminal: control bytes
 * and DEL shown as \xNN so no check can forge a line or move the
 * cursor.  malloc'd, or NULL.
 */
static char *
first_line(const struct result *r)
{
	const unsigned char	*s = (const unsigned char *)(r->out != NULL ?
				    r->out : "");
	size_t			 n = strcspn((const char *)s, "\n"), i, o = 0;
	char			*q;

	if ((q = malloc(n * 4 + 1)) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		if (s[i] < 0x20 || s[i] == 0x7f)
			o += (size_t)sprintf(q + o, "\\x%02x", s[i]);
		else
			q[o++] = (char)s[i];
	}
	q[o] = '\0';
	return q;
}

/* One result: a line on stdout, or an element of arr. */
static int
report_check(json_t *arr, const char *pkg, const char *name,
    const struct result *r)
{
	json_t	*o, *out;
	char	*line, *qp, *qn;
	int	 rc = -1;

	if (arr != NULL) {
		/* JSON strings are UTF-8: anything else is shown quoted. */
		if ((out = json_stringn(r->out != NULL ? r->out : "",
		    r->outlen)) == NULL) {
			if ((line = log_quote(r->out)) == NULL)
				return -1;
			out = json_string(line);
			free(line);
		}
		o = json_pack("{s:s, s:s, s:s, s:o, s:f, s:o}",
		    "package", pkg, "check", name,
		    "status", st_names[r->status],
		    "exit", r->exit >= 0 ? json_integer(r->exit) : json_null(),
		    "seconds", (double)(long long)(r->seconds * 1000 + 0.5) / 1000, "output", out);
		return o == NULL ? -1 : json_array_append_new(arr, o);
	}
	qp = log_quote(pkg);
	qn = log_quote(name);
	if ((line = first_line(r)) != NULL && qp != NULL && qn != NULL) {
		printf("%s %s/%s (%s, %.2fs)%s%s\n", st_names[r->status], qp,
		    qn, r->how != NULL ? r->how : "?", r->seconds,
		    *line != '\0' ? ": " : "", line);
		rc = 0;
	}
	free(line);
	free(qp);
	free(qn);
	return rc;
}

static int
skip_dot(const struct dirent *de)
{
	return de->d_name[0] != '.';
}

/*
 * Runs the checks of package id (name: its name).  Adds to *critical.
 * 0, or -1 with *errp.
 */
static int
check_package(const struct host *h, const char *id, const char *name,
    char **env, double timeout, json_t *arr, size_t *ran,
    size_t *critical, char **errp)
{
	struct dirent	**des = NULL;
	struct result	 r;
	struct stat	 st;
	char		*pkgroot = NULL, *dir = NULL;
	int		 n = 0, i, dfd = -1, rc = -1;

	if ((pkgroot = path_join(h->pkgdir, id)) == NULL ||
	    (dir = path_join(pkgroot, "check")) == NULL) {
		err_set(errp, "out of memory");
		goto out;
	}
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1) {
		if (errno == ENOENT) {
			rc = 0;		/* a package without checks */
			goto out;
		}
		err_sys(errp, "%s", dir);
		goto out;
	}
	if ((n = scandir(dir, &des, skip_dot, alphasort)) == -1) {
		n = 0;
		err_sys(errp, "%s", dir);
		goto out;
	}
	for (i = 0; i < n; i++) {
		memset(&r, 0, sizeof(r));
		if (fstatat(dfd, des[i]->d_name, &st, AT_SYMLINK_NOFOLLOW) ==
		    -1 || !S_ISREG(st.st_mode) || (st.st_mode & 0111) == 0) {
			/* A check that cannot run has not passed. */
			r.status = ST_FAIL;
			r.exit = -1;
			r.how = strdup("not an executable file");
		} else if (run_check(dir, des[i]->d_name, pkgroot, env,
		    timeout, &r, errp) == -1) {
			free(r.out);
			goto out;
		}
		(*ran)++;
		if (r.status == ST_FAIL)
			(*critical)++;
		if (report_check(arr, name, des[i]->d_name, &r) == -1) {
			free(r.out);
			free(r.how);
			err_set(errp, "out of memory");
			goto out;
		}
		free(r.out);
		free(r.how);
	}
	rc = 0;
out:
	for (i = 0; i < n; i++)
		free(des[i]);
	free(des);
	if (dfd != -1)
		close(dfd);
	free(pkgroot);
	free(dir);
	return rc;
}

/*
 * Records the result in state.json for status (under the lock, which a
 * check does not hold while it runs: a check may take minutes).  A
 * warning when it cannot.
 */
static void
record_result(struct host *h, long gen, size_t ran, size_t critical)
{
	struct state	*s = NULL;
	struct tm	 tm;
	time_t		 now = time(NULL);
	char		 when[32], *err = NULL;

	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (host_lock(h, &err) == -1 || state_load(h, &s, &err) == -1)
		goto out;
	free(s->check.time);
	if ((s->check.time = strdup(when)) == NULL) {
		err_set(&err, "out of memory");
		goto out;
	}
	s->check.generation = gen;
	s->check.checks = (json_int_t)ran;
	s->check.critical = (json_int_t)critical;
	(void)state_save(h, s, &err);
out:
	if (err != NULL)
		log_warn("the result is not recorded for status: %s", err);
	/* The checks ran: a held lock here is not the command's failure. */
	h->exit_status = 0;
	free(err);
	state_free(s);
	host_unlock(h);
}

struct check_opts {
	double	 timeout;
	int	 json;
};

int
checks_timeout(const char *arg, double *secp)
{
	char	*end;

	errno = 0;
	*secp = strtod(arg, &end);
	if (errno != 0 || end == arg || *end != '\0' || !(*secp > 0) ||
	    *secp > CHECK_TIMEOUT_MAX) {
		log_error("--timeout %s: need seconds, more than 0 and at "
		    "most %g", arg, CHECK_TIMEOUT_MAX);
		return -1;
	}
	return 0;
}

static int
check_opt(void *arg, int opt, const char *optarg)
{
	struct check_opts	*o = arg;

	if (opt == 'j') {
		o->json = 1;
		return SUBCMD_CONTINUE;
	}
	return checks_timeout(optarg, &o->timeout) == -1 ? EXIT_USAGE :
	    SUBCMD_CONTINUE;
}

int
checks_run(const struct host *h, long gen, double timeout, json_t *arr,
    size_t *ran, size_t *critical, char **errp)
{
	const char	*id;
	char		*name = NULL, **env = NULL;
	json_t		*g = NULL, *v;
	size_t		 i;
	int		 rc = -1;

	*ran = *critical = 0;
	if ((g = gen_load(h, gen, errp)) == NULL ||
	    (env = check_env(h, gen, h->root, errp)) == NULL)
		goto out;
	json_array_foreach(json_object_get(g, "packages"), i, v) {
		id = json_string_value(json_object_get(v, "id"));
		if (id == NULL || !pkg_id_valid(id)) {
			err_set(errp, "generation %ld: bad package list", gen);
			goto out;
		}
		free(name);
		if ((name = strndup(id, (size_t)(strstr(id, "--") - id))) ==
		    NULL) {
			err_set(errp, "out of memory");
			goto out;
		}
		if (check_package(h, id, name, env, timeout, arr, ran,
		    critical, errp) == -1)
			goto out;
	}
	rc = 0;
out:
	free(name);
	for (i = 0; env != NULL && env[i] != NULL; i++)
		free(env[i]);
	free(env);
	json_decref(g);
	return rc;
}

int
cmd_check(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "root", required_argument, NULL, 'R' },
		{ "timeout", required_argument, NULL, 't' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct check_opts	 o = { CHECK_TIMEOUT_DEFAULT, 0 };
	const struct subcmd	*cmd = subcmd_find(bootstrap_commands,
				    "check");
	struct host		 h;
	const char		*root = NULL;
	char			*err = NULL;
	json_t			*arr = NULL, *doc;
	size_t			 ran = 0, critical = 0;
	long			 cur;
	int			 rc, r;

	memset(&h, 0, sizeof(h));
	h.lockfd = -1;
	if ((rc = cmd_args(cmd, argc, argv, longopts, check_opt, &o,
	    &root)) != SUBCMD_CONTINUE)
		return rc;
	rc = EXIT_FAIL;
	if (host_open_installed(&h, root, 0, &cur, NULL, NULL, &err) == -1)
		goto out;
	if (o.json && (arr = json_array()) == NULL) {
		err_set(&err, "out of memory");
		goto out;
	}
	if (checks_run(&h, cur, o.timeout, arr, &ran, &critical, &err) == -1)
		goto out;
	if (o.json) {
		doc = json_pack("{s:i, s:I, s:I, s:I, s:O}", "format", 1,
		    "generation", (json_int_t)cur, "checks", (json_int_t)ran,
		    "critical", (json_int_t)critical, "results", arr);
		r = jsonio_print(stdout, doc, &err);
		json_decref(doc);
		if (r == -1)
			goto out;
	} else
		printf("check: generation %ld: %zu check(s), %zu critical\n",
		    cur, ran, critical);
	record_result(&h, cur, ran, critical);
	rc = critical == 0 ? EXIT_OK : EXIT_FAIL;
out:
	rc = host_exit(&h, rc);
	if (err != NULL)
		log_error("%s", err);
	free(err);
	json_decref(arr);
	host_free(&h);
	return rc;
}
