/*
 * Activation: record the target, switch "current" with one rename(2),
 * then bring the host in line with the generation (roles, accounts,
 * state dirs, sysctl, systemd units).  Every step is idempotent, so
 * after a crash running it again finishes the job.
 */
#include <config.h>

#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomicio.h"
#include "bootstrap.h"
#include "digest.h"
#include "error.h"
#include "jsonio.h"
#include "log.h"

const char *const top_links[] = { "active", "bin", "lib", "etc", "include",
    "environment", "environment.export", NULL };
static const char *all_roles[] = { "master", "slave", "slave_public", NULL };

#define DCOS_TARGET \
	"[Unit]\n" \
	"Description=DC/OS: all the services of this host\n" \
	"\n" \
	"[Install]\n" \
	"WantedBy=multi-user.target\n"

json_t *
state_load(const struct host *h, char **errp)
{
	char	*path;
	json_t	*j;

	if ((path = path_join(h->state, "state.json")) == NULL) {
		err_set(errp, "out of memory");
		return NULL;
	}
	if (access(path, F_OK) == -1 && errno == ENOENT) {
		free(path);
		return json_pack("{s:i}", "format", 1);
	}
	j = jsonio_load(path, JSON_MAX, errp);
	if (j != NULL && !json_is_object(j)) {
		json_decref(j);
		j = NULL;
		err_set(errp, "%s: not a JSON object", path);
	}
	free(path);
	return j;
}

int
state_save(const struct host *h, json_t *s, char **errp)
{
	char	*path;
	int	 rc;

	if (mkdir_p(h->state, 0755, errp) == -1)
		return -1;
	if ((path = path_join(h->state, "state.json")) == NULL)
		return err_set(errp, "out of memory");
	rc = jsonio_write(path, s, 0644, errp);
	free(path);
	return rc;
}

static json_t *
state_arr(json_t *s, const char *key)
{
	json_t	*a = json_object_get(s, key);

	if (!json_is_array(a)) {
		a = json_array();
		json_object_set_new(s, key, a);
	}
	return a;
}

static int
sync_users(const struct host *h, const json_t *g, json_t *state, char **errp)
{
	const json_t	*users = json_object_get(g, "users");
	json_t		*u, *cu, *cg, *sd;
	char		*manual, *dir;
	const char	*user, *group, *pkg;
	uid_t		 uid = 0;
	gid_t		 gid = 0;
	size_t		 i;
	int		 manual_users, have;

	if ((manual = path_join(h->etcdir, "manual_host_users")) == NULL)
		return err_set(errp, "out of memory");
	manual_users = access(manual, F_OK) == 0;
	free(manual);
	cu = state_arr(state, "created_users");
	cg = state_arr(state, "created_groups");
	sd = state_arr(state, "created_state_dirs");
	json_array_foreach(users, i, u) {
		user = json_string_value(json_object_get(u, "user"));
		group = json_string_value(json_object_get(u, "group"));
		pkg = json_string_value(json_object_get(u, "package"));
		have = 0;
		if (user != NULL && !manual_users) {
			if (users_ensure(h, user, group, cu, cg, &uid, &gid,
			    errp) == -1)
				return -1;
			have = 1;
		} else if (user != NULL) {
			/* The operator manages accounts: they must exist. */
			int r = users_lookup(h, user, &uid, &gid, errp);
			if (r == -1)
				return -1;
			if (r == 0)
				return err_set(errp, "user %s does not exist "
				    "and %s/manual_host_users says accounts "
				    "are managed by hand: create it first",
				    user, h->etcdir);
			have = 1;
		}
		if (pkg == NULL || !json_is_true(json_object_get(u,
		    "state_directory")))
			continue;
		if ((dir = path_join(h->statedirs, pkg)) == NULL)
			return err_set(errp, "out of memory");
		if (access(dir, F_OK) == -1) {
			if (mkdir_p(dir, 0755, errp) == -1) {
				free(dir);
				return -1;
			}
			if (!jsonio_in_array(sd, pkg))
				json_array_append_new(sd, json_string(pkg));
		}
		if (have && geteuid() == 0 && lchown(dir, uid, gid) == -1) {
			err_sys(errp, "chown %s", dir);
			free(dir);
			return -1;
		}
		free(dir);
	}
	return 0;
}

/*
 * Keeps a copy of this (checked) dcos-bootstrap in the state directory,
 * so status, verify, rollback and activate work on the host later, also
 * at the first boot of a baked image.  Best effort: a warning on failure.
 */
static void
keep_self(const struct host *h)
{
	struct atomic_file	 af;
	struct digest		 mine, kept;
	char			*dst, *err = NULL;
	int			 fd;

	if ((dst = path_join(h->state, "dcos-bootstrap")) == NULL)
		return;
	if ((fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC)) == -1 &&
	    errno == ENOENT) {
		log_verbose("no /proc: no copy of dcos-bootstrap kept in %s",
		    h->state);
		goto out;
	}
	if (fd == -1 || digest_fd(fd, &mine, NULL, &err) == -1 ||
	    lseek(fd, 0, SEEK_SET) == -1) {
		log_warn("cannot keep a copy of dcos-bootstrap in %s: %s",
		    h->state, err != NULL ? err : strerror(errno));
		goto out;
	}
	if (digest_file(dst, &kept, NULL, NULL) == 0 &&
	    digest_equal(&mine, &kept))
		goto out;
	if (atomic_open(&af, dst, 0755, &err) == -1)
		goto warn;
	if (copy_fd(fd, af.fd, &err) == -1) {
		atomic_abort(&af);
		goto warn;
	}
	if (atomic_commit(&af, &err) == 0)
		goto out;
warn:
	log_warn("cannot keep a copy of dcos-bootstrap: %s", err);
out:
	if (fd != -1)
		close(fd);
	free(err);
	free(dst);
}

static int
run(const char *const argv[], char **errp)
{
	pid_t	 pid;
	int	 st;

	if ((pid = fork()) == -1)
		return err_sys(errp, "fork");
	if (pid == 0) {
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) == -1)
		if (errno != EINTR)
			return err_sys(errp, "wait");
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return err_set(errp, "%s %s %s failed (status %d); see "
		    "journalctl -u dcos.target", argv[0], argv[1],
		    argv[2] != NULL ? argv[2] : "", WIFEXITED(st) ?
		    WEXITSTATUS(st) : -1);
	return 0;
}

static int
start_systemd(char **errp)
{
	const char	*sc = access("/bin/systemctl", X_OK) == 0 ?
			    "/bin/systemctl" : "/usr/bin/systemctl";
	const char	*reload[] = { sc, "daemon-reload", NULL };
	const char	*start[] = { sc, "start", "dcos.target", NULL };

	if (run(reload, errp) == -1 || run(start, errp) == -1)
		return -1;
	return 0;
}

/* Appends the formatted text to *errp ("what failed; what it means"). */
static void
err_suffix(char **errp, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
err_suffix(char **errp, const char *fmt, ...)
{
	va_list	 ap;
	char	*more = NULL, *old = *errp;

	va_start(ap, fmt);
	if (vasprintf(&more, fmt, ap) == -1)
		more = NULL;
	va_end(ap);
	*errp = NULL;
	err_set(errp, "%s%s", old != NULL ? old : "out of memory",
	    more != NULL ? more : "");
	free(old);
	free(more);
}

/*
 * The unit files in /etc/systemd/system that we created (and so may
 * replace or remove).  A state from before the list was kept counts
 * the active generation's units: that installer wrote them all.
 */
static json_t *
created_units(json_t *state)
{
	json_t	*c = json_object_get(state, "created_units");
	json_t	*u = json_object_get(state, "units");

	if (json_is_array(c))
		return c;
	c = json_is_array(u) ? json_deep_copy(u) : json_array();
	json_object_set_new(state, "created_units", c);
	return json_object_get(state, "created_units");
}

/*
 * Refuses, before anything changes, a generation whose units could not
 * be installed or would replace a file the installer did not create.
 */
static int
check_units(const struct host *h, long n, const json_t *g,
    const json_t *created, char **errp)
{
	const json_t	*units = json_object_get(g, "units");
	struct stat	 st;
	const char	*u;
	char		 who[64], *path;
	json_t		*v;
	size_t		 i;
	int		 taken;

	if (!json_is_array(units) || !json_is_array(created))
		return err_set(errp, "generation %ld: its units are not a "
		    "list: rebuild it (dcos-bootstrap install)", n);
	snprintf(who, sizeof(who), "generation %ld", n);
	json_array_foreach(units, i, v) {
		u = json_string_value(v);
		if (unit_check_name(u, who, errp) == -1)
			return -1;
		if ((path = path_join(h->unitdir, u)) == NULL)
			return err_set(errp, "out of memory");
		taken = lstat(path, &st) == 0 && !jsonio_in_array(created, u);
		if (taken) {
			err_set(errp, "%s exists and was not installed by "
			    "dcos-bootstrap: generation %ld has a unit of the "
			    "same name; move the host's unit away or rename "
			    "the package's, then try again", path, n);
			free(path);
			return -1;
		}
		free(path);
	}
	return 0;
}

/* Appends the strings of b missing from a. */
static void
union_into(json_t *a, const json_t *b)
{
	size_t	 i;
	json_t	*v;

	json_array_foreach(b, i, v)
		if (json_is_string(v) && !jsonio_in_array(a, json_string_value(v)))
			json_array_append(a, v);
}

/* Removes the strings of b from a. */
static void
remove_from(json_t *a, const json_t *b)
{
	size_t	 i;

	for (i = json_array_size(a); i-- > 0;)
		if (jsonio_in_array(b, json_string_value(json_array_get(a, i))))
			json_array_remove(a, i);
}

/* The directories plan_host stages in. */
struct hostdirs {
	char	*wants;		/* <unitdir>/dcos.target.wants */
	char	*mwants;	/* <unitdir>/multi-user.target.wants */
	char	*roles;		/* <etc>/mesosphere/roles */
	char	*sysctl;	/* <root>/etc/sysctl.d */
};

static void
hostdirs_free(struct hostdirs *d)
{
	free(d->wants);
	free(d->mwants);
	free(d->roles);
	free(d->sysctl);
}

static int
hostdirs_init(const struct host *h, struct hostdirs *d, char **errp)
{
	memset(d, 0, sizeof(*d));
	if ((d->wants = path_join(h->unitdir, "dcos.target.wants")) == NULL ||
	    (d->mwants = path_join(h->unitdir, "multi-user.target.wants")) ==
	    NULL || (d->roles = path_join(h->etcdir, "roles")) == NULL ||
	    (d->sysctl = host_path(h, "etc/sysctl.d")) == NULL) {
		hostdirs_free(d);
		return err_set(errp, "out of memory");
	}
	return 0;
}

/* Removes what a killed activation left staged. */
static void
sweep_host(const struct host *h, const struct hostdirs *d)
{
	hostfiles_sweep(h->unitdir);
	hostfiles_sweep(d->wants);
	hostfiles_sweep(d->mwants);
	hostfiles_sweep(d->roles);
	hostfiles_sweep(d->sysctl);
	hostfiles_sweep(h->opt);
}

/* Stages dir/name as a file with content, a link to target, or absent. */
static int
stage_at(struct hostfiles *hf, const char *dir, const char *name,
    const char *content, size_t len, const char *target, int keep,
    char **errp)
{
	char	*p;
	int	 rc;

	if ((p = path_join(dir, name)) == NULL)
		return err_set(errp, "out of memory");
	if (!keep)
		rc = hostfiles_remove(hf, p, errp);
	else if (target != NULL)
		rc = hostfiles_symlink(hf, p, target, errp);
	else
		rc = hostfiles_write(hf, p, content, len, errp);
	free(p);
	return rc;
}

/* Stages generation n's units, and the removal of those in drop it lacks. */
static int
plan_units(const struct host *h, const struct hostdirs *d, long n,
    const json_t *units, const json_t *drop, const json_t *created,
    json_t *removed, struct hostfiles *hf, char **errp)
{
	char		*src = NULL, *buf = NULL, lt[PATH_MAX];
	const char	*u;
	size_t		 i, len;
	json_t		*v;
	int		 rc = -1;

	json_array_foreach(units, i, v) {
		u = json_string_value(v);
		free(src);
		free(buf);
		buf = NULL;
		if (asprintf(&src, "%s/%ld/dcos.target.wants/%s", h->gendir, n,
		    u) == -1) {
			src = NULL;
			err_set(errp, "out of memory");
			goto out;
		}
		snprintf(lt, sizeof(lt), "../%s", u);
		if (read_file(src, 1024 * 1024, &buf, &len, errp) == -1 ||
		    stage_at(hf, h->unitdir, u, buf, len, NULL, 1, errp) ==
		    -1 || stage_at(hf, d->wants, u, NULL, 0, lt, 1, errp) == -1)
			goto out;
	}
	json_array_foreach(drop, i, v) {
		u = json_string_value(v);
		/* Never a name that could be a directory or a path. */
		if (!unit_name_valid(u) || jsonio_in_array(units, u))
			continue;
		if (stage_at(hf, d->wants, u, NULL, 0, NULL, 0, errp) == -1)
			goto out;
		if (!jsonio_in_array(created, u) || jsonio_in_array(removed, u))
			continue;
		if (stage_at(hf, h->unitdir, u, NULL, 0, NULL, 0, errp) == -1)
			goto out;
		json_array_append(removed, v);
	}
	rc = 0;
out:
	free(src);
	free(buf);
	return rc;
}

/*
 * Stages what generation n (g; NULL for none, when a first install rolls
 * back) needs on the host: its units, dcos.target and its enable link,
 * role files and the top links (and the removal of the sysctl file of
 * earlier versions); and the removal of the units in drop that g lacks
 * (their files only when created lists them: we made them).  Unit files it removes are appended to removed.
 */
static int
plan_host(const struct host *h, long n, const json_t *g, const json_t *drop,
    const json_t *created, json_t *removed, struct hostfiles *hf,
    char **errp)
{
	const json_t	*roles = json_object_get(g, "roles");
	struct hostdirs	 d;
	char		 lt[64];
	size_t		 i;
	int		 keep = g != NULL, rc = -1;

	if (hostdirs_init(h, &d, errp) == -1)
		return -1;
	sweep_host(h, &d);
	if (keep && (mkdir_p(h->opt, 0755, errp) == -1 ||
	    mkdir_p(d.wants, 0755, errp) == -1 ||
	    mkdir_p(d.mwants, 0755, errp) == -1 ||
	    mkdir_p(d.roles, 0755, errp) == -1))
		goto out;
	if (plan_units(h, &d, n, json_object_get(g, "units"), drop, created,
	    removed, hf, errp) == -1)
		goto out;
	/* What "systemctl enable dcos.target" does, without systemd. */
	if (stage_at(hf, h->unitdir, "dcos.target", DCOS_TARGET,
	    strlen(DCOS_TARGET), NULL, keep, errp) == -1 ||
	    stage_at(hf, d.mwants, "dcos.target", NULL, 0, "../dcos.target",
	    keep, errp) == -1)
		goto out;
	for (i = 0; all_roles[i] != NULL; i++)
		if (stage_at(hf, d.roles, all_roles[i], "", 0, NULL,
		    jsonio_in_array(roles, all_roles[i]), errp) == -1)
			goto out;
	/*
	 * Sysctl settings apply per service (dcos-bootstrap sysctl, from
	 * the generation's dcos-service-configuration.json), no longer
	 * host-wide: the file earlier versions wrote goes.
	 */
	if (stage_at(hf, d.sysctl, "90-dcos.conf", NULL, 0, NULL, 0,
	    errp) == -1)
		goto out;
	for (i = 0; top_links[i] != NULL; i++) {
		snprintf(lt, sizeof(lt), "current/%s", top_links[i]);
		if (stage_at(hf, h->opt, top_links[i], NULL, 0, lt, keep,
		    errp) == -1)
			goto out;
	}
	rc = 0;
out:
	hostdirs_free(&d);
	return rc;
}

/* What one activation works with. */
struct act {
	struct host		*h;
	struct activation	*a;
	long			 n;	/* the generation to activate */
	long			 from;	/* active before (0: none) */
	json_t			*g;	/* generation n */
	json_t			*state;
	json_t			*before; /* state before the switch */
	json_t			*removed; /* unit files it removes */
	const char		*op;	/* of the journal's outcome */
	const char		*what;	/* its message */
	json_int_t		 intent; /* journal seq, 0: none */
	int			 finishing; /* an interrupted run's job */
	int			 recorded; /* its outcome is journaled */
};

/* details of the journal entries of this activation. */
static json_t *
act_details(const struct act *x)
{
	return json_pack("{s:I, s:s, s:I, s:I}", "intent", x->intent, "op",
	    x->op, "generation", (json_int_t)x->n, "from",
	    (json_int_t)x->from);
}

/* Journals event for this activation; marks its failure as recorded. */
static void
act_journal(struct act *x, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
act_journal(struct act *x, const char *event, const char *fmt, ...)
{
	va_list	 ap;
	json_t	*d = act_details(x);
	char	*msg;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) == -1)
		msg = NULL;
	va_end(ap);
	(void)journal_append(x->h, event, d, "%s", msg != NULL ? msg :
	    "out of memory");
	x->a->journaled = 1;
	free(msg);
	json_decref(d);
}

/*
 * Closes an intent a killed run left open that this run does not finish
 * (killed before it recorded its target, or superseded by this one).
 */
static void
close_open_intent(struct act *x)
{
	json_t		*open, *d, *od;
	json_int_t	 seq;

	open = journal_open_intent(x->h);
	seq = json_integer_value(json_object_get(open, "seq"));
	od = json_object_get(open, "details");
	/* Killed after its outcome was journaled: never twice. */
	if (x->finishing && x->intent > 0 && seq != x->intent)
		x->recorded = 1;
	if (open != NULL && (!x->finishing || seq != x->intent)) {
		d = json_pack("{s:I}", "intent", seq);
		(void)journal_append(x->h, "abandon", d, "the %s of generation "
		    "%lld (journal entry %lld) was interrupted and is not "
		    "finished: generation %ld was active, now the %s of "
		    "generation %ld replaces it",
		    json_string_value(json_object_get(od, "op")) != NULL ?
		    json_string_value(json_object_get(od, "op")) : "activation",
		    (long long)json_integer_value(json_object_get(od,
		    "generation")), (long long)seq, x->from, x->a->op, x->n);
		json_decref(d);
	}
	json_decref(open);
}

/* "generation N", or "no generation" for 0, in buf. */
static void
gen_name(long n, char *buf, size_t size)
{
	if (n > 0)
		snprintf(buf, size, "generation %ld", n);
	else
		snprintf(buf, size, "no generation");
}

/* Points current at generation n, or removes it for 0. */
static int
switch_to(const struct host *h, long n, char **errp)
{
	char	 target[64];

	if (n == 0) {
		if (unlink(h->current) == -1 && errno != ENOENT)
			return err_sys(errp, "remove %s", h->current);
		return 0;
	}
	snprintf(target, sizeof(target), "generations/%ld", n);
	return symlink_replace(target, h->current, errp);
}

/*
 * After a failure past the switch: the previous generation's files and
 * current back, and the state as before (with the accounts since made).
 * 0 or -1 with *errp.
 */
static int
roll_back(struct act *x, char **errp)
{
	struct hostfiles	 hf;
	json_t			*g = NULL, *drop = NULL, *removed = NULL;
	json_t			*st = NULL, *created;
	const char		*keys[] = { "created_users", "created_groups",
				    "created_state_dirs", NULL };
	size_t			 i;
	int			 rc = -1;

	hostfiles_init(&hf);
	if (x->from > 0 && (g = gen_load(x->h, x->from, errp)) == NULL)
		goto out;
	created = created_units(x->state);
	if ((drop = json_deep_copy(created)) == NULL ||
	    (removed = json_array()) == NULL ||
	    (st = json_deep_copy(x->before)) == NULL) {
		err_set(errp, "out of memory");
		goto out;
	}
	union_into(drop, json_object_get(x->g, "units"));
	if (plan_host(x->h, x->from, g, drop, created, removed, &hf,
	    errp) == -1 || hostfiles_commit(&hf, errp) == -1 ||
	    switch_to(x->h, x->from, errp) == -1)
		goto out;
	for (i = 0; keys[i] != NULL; i++)
		json_object_set(st, keys[i], json_object_get(x->state,
		    keys[i]));
	remove_from(created, removed);
	json_object_set(st, "created_units", created);
	json_object_del(st, "pending");
	if (x->from > 0) {
		json_object_set_new(st, "target", json_integer(x->from));
		json_object_set_new(st, "active", json_integer(x->from));
		json_object_set(st, "units", json_object_get(g, "units"));
	} else {
		json_object_del(st, "target");
		json_object_del(st, "active");
		json_object_set_new(st, "units", json_array());
	}
	if (state_save(x->h, st, errp) == -1)
		goto out;
	rc = 0;
out:
	hostfiles_free(&hf);
	json_decref(g);
	json_decref(drop);
	json_decref(removed);
	json_decref(st);
	return rc;
}

/* A failure past the switch: roll back, or leave the target; say which. */
static void
failed_after_switch(struct act *x, char **errp)
{
	char	*why = *errp, *err2 = NULL, from[64];

	*errp = NULL;
	if (why == NULL && (why = strdup("out of memory")) == NULL)
		return;
	gen_name(x->from, from, sizeof(from));
	if (roll_back(x, &err2) == 0) {
		x->a->result = ACT_UNCHANGED;
		act_journal(x, "revert", "the %s of generation %ld failed "
		    "after the switch (%s); rolled back to %s", x->op, x->n,
		    why, from);
		err_set(errp, "%s; rolled back: %s is active again", why, from);
	} else {
		x->a->result = ACT_PARTIAL;
		act_journal(x, "unfinished", "the %s of generation %ld failed "
		    "after the switch (%s) and rolling back failed too (%s); "
		    "generation %ld stays the target", x->op, x->n, why,
		    err2 != NULL ? err2 : "out of memory", x->n);
		err_set(errp, "%s; rolling back failed too (%s): the host is "
		    "between %s and generation %ld, which stays the target: "
		    "fix the problem, then run dcos-bootstrap activate to "
		    "finish", why, err2 != NULL ? err2 : "out of memory", from,
		    x->n);
	}
	free(why);
	free(err2);
}

/*
 * Records the intent and the target (with what a later "activate" needs
 * to finish and journal it).  0 or -1 with *errp.
 */
static int
record_intent(struct act *x, const json_t *units, char **errp)
{
	json_t		*created = created_units(x->state);
	json_t		*pending, *d, *v;
	struct stat	 st;
	char		*p, from[64];
	size_t		 i;
	int		 seq;

	if (!x->finishing) {
		d = act_details(x);
		json_object_del(d, "intent");
		gen_name(x->from, from, sizeof(from));
		seq = journal_append(x->h, "intent", d, "%s of generation %ld "
		    "begins (%s is active)", x->op, x->n, from);
		json_decref(d);
		x->intent = seq > 0 ? seq : 0;
		crash_point("intent");
		pending = json_pack("{s:s, s:I, s:I, s:I, s:s}", "op", x->op,
		    "generation", (json_int_t)x->n, "from", (json_int_t)x->from,
		    "intent", x->intent, "what", x->what);
		if (pending == NULL)
			return err_set(errp, "out of memory");
		json_object_set_new(x->state, "pending", pending);
	}
	/* Units we are about to create are ours from now on. */
	json_array_foreach(units, i, v) {
		if ((p = path_join(x->h->unitdir, json_string_value(v))) ==
		    NULL)
			return err_set(errp, "out of memory");
		if (lstat(p, &st) == -1 && !jsonio_in_array(created,
		    json_string_value(v)))
			json_array_append(created, v);
		free(p);
	}
	json_object_set_new(x->state, "target", json_integer(x->n));
	return state_save(x->h, x->state, errp);
}

/* Puts generation n in place: switch, staged files, state, outcome. */
static int
switch_and_commit(struct act *x, struct hostfiles *hf, long cur,
    char **errp)
{
	json_int_t	 seq, highest;
	json_t		*created;
	char		*err = NULL;

	if (cur != x->n && switch_to(x->h, x->n, errp) == -1)
		return -1;
	crash_point("switched");
	if (hostfiles_commit(hf, errp) == -1)
		return -1;
	seq = json_integer_value(json_object_get(json_object_get(x->g,
	    "release"), "seq"));
	highest = json_integer_value(json_object_get(x->state,
	    "highest_seq"));
	if (seq > highest)
		json_object_set_new(x->state, "highest_seq",
		    json_integer(seq));
	created = created_units(x->state);
	remove_from(created, x->removed);
	json_object_set_new(x->state, "active", json_integer(x->n));
	json_object_set(x->state, "units", json_object_get(x->g, "units"));
	if (state_save(x->h, x->state, errp) == -1)
		return -1;
	if (json_object_get(x->state, "pending") != NULL) {
		if (!x->recorded)
			act_journal(x, x->op, "%s%s", x->what, x->finishing ?
			    " (finished after an interruption)" : "");
		x->a->journaled = 0;
		json_object_del(x->state, "pending");
		/* The job is done and journaled: "activate" clears it. */
		if (state_save(x->h, x->state, &err) == -1)
			log_warn("%s", err);
		free(err);
	}
	crash_point("activated");
	return 0;
}

int
activate_generation(struct host *h, long n, struct activation *a,
    char **errp)
{
	struct hostfiles	 hf;
	struct act		 x;
	json_t			*pending, *drop = NULL;
	char			 dflt[96], *err = NULL;
	long			 cur, active;
	int			 rc = -1;

	memset(&x, 0, sizeof(x));
	hostfiles_init(&hf);
	x.h = h;
	x.a = a;
	x.n = n;
	x.op = a->op;
	a->result = ACT_UNCHANGED;
	a->journaled = 0;
	if ((x.g = gen_load(h, n, errp)) == NULL) {
		err_wrap(errp, "generation %ld is not complete", n);
		goto out;
	}
	if ((x.state = state_load(h, errp)) == NULL)
		goto out;
	if (gen_current(h, &cur, NULL) == -1)
		cur = 0;	/* a foreign "current": replaced */
	active = (long)json_integer_value(json_object_get(x.state, "active"));
	pending = json_object_get(x.state, "pending");
	x.finishing = json_is_object(pending) && json_integer_value(
	    json_object_get(pending, "generation")) == n;
	/* What a failure rolls back to: what ran before this job began. */
	x.from = x.finishing ? (long)json_integer_value(json_object_get(
	    pending, "from")) : cur != n ? cur : active;
	snprintf(dflt, sizeof(dflt), "generation %ld is active (was %ld)", n,
	    x.from);
	x.what = a->what != NULL ? a->what : dflt;
	if (x.finishing) {
		x.op = json_string_value(json_object_get(pending, "op"));
		x.what = json_string_value(json_object_get(pending, "what"));
		x.intent = json_integer_value(json_object_get(pending,
		    "intent"));
		if (x.op == NULL || x.what == NULL) {
			x.op = a->op;
			x.what = dflt;
		}
	}
	if (check_units(h, n, x.g, created_units(x.state), errp) == -1)
		goto out;
	/*
	 * Accounts first: a missing account (manual_host_users) must stop
	 * us before the switch, not after it.
	 */
	if (sync_users(h, x.g, x.state, errp) == -1) {
		(void)state_save(h, x.state, NULL);
		goto out;
	}
	if ((x.before = json_deep_copy(x.state)) == NULL ||
	    (drop = json_deep_copy(created_units(x.state))) == NULL ||
	    (x.removed = json_array()) == NULL) {
		err_set(errp, "out of memory");
		goto out;
	}
	union_into(drop, json_object_get(x.state, "units"));
	if (plan_host(h, n, x.g, drop, created_units(x.state), x.removed, &hf,
	    errp) == -1) {
		(void)state_save(h, x.state, NULL);
		gen_name(cur, dflt, sizeof(dflt));
		err_suffix(errp, "; nothing changed: %s stays active", dflt);
		goto out;
	}
	close_open_intent(&x);
	if (!x.finishing && cur == n && active == n) {
		/* Already active: only bring the files in line. */
		if (hostfiles_commit(&hf, errp) == -1) {
			err_suffix(errp, "; generation %ld stays active", n);
			goto out;
		}
		remove_from(created_units(x.state), x.removed);
		json_object_del(x.state, "pending");	/* superseded */
		if (state_save(h, x.state, errp) == -1)
			goto out;
	} else {
		if (record_intent(&x, json_object_get(x.g, "units"),
		    errp) == -1) {
			act_journal(&x, "refuse", "the %s of generation %ld "
			    "was refused before the switch: %s", x.op, n,
			    *errp != NULL ? *errp : "out of memory");
			goto out;
		}
		crash_point("target");
		if (switch_and_commit(&x, &hf, cur, errp) == -1) {
			hostfiles_free(&hf);
			failed_after_switch(&x, errp);
			goto out;
		}
	}
	a->result = ACT_DONE;
	keep_self(h);
	if (!h->rooted && a->start &&
	    access("/run/systemd/system", F_OK) == 0 &&
	    start_systemd(&err) == -1) {
		a->result = ACT_PARTIAL;
		err_set(errp, "generation %ld is active, but %s: fix it, then "
		    "run dcos-bootstrap activate to start it", n, err);
		free(err);
		goto out;
	}
	rc = 0;
out:
	hostfiles_free(&hf);
	json_decref(drop);
	json_decref(x.g);
	json_decref(x.state);
	json_decref(x.before);
	json_decref(x.removed);
	return rc;
}
