/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Activation: record the target, switch "current" with one rename(2),
 * then bring the host in line with the generation (roles, accounts,
 * state dirs, sysctl, systemd units).  Every step is idempotent, so
 * after a crash running it again finishes the job.
 */
#include <config.h>

#include <sys/stat.h>

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

/*
 * /etc/profile.d/dcos.sh, DC/OS's dcos-link-env: login shells find the
 * cluster's commands, after the host's own.  A file, not a link into
 * /opt/mesosphere, so it reads the same in a baked image.
 */
#define PROFILE_SH \
	"# Written by dcos-bootstrap: the cluster's commands on the PATH\n" \
	"# of login shells, after the host's own.\n" \
	"case \":$PATH:\" in\n" \
	"*:/opt/mesosphere/bin:*) ;;\n" \
	"*) PATH=\"$PATH:/opt/mesosphere/bin\"; export PATH ;;\n" \
	"esac\n"

static int
sync_users(const struct host *h, const json_t *g, struct state *state,
    char **errp)
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
	cu = state->created_users;
	cg = state->created_groups;
	sd = state->created_state_dirs;
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

int
dcos_target(const struct host *h, const char *verb, char **errp)
{
	const char	*sc = svc_manager(h);

	if (sc == NULL)
		return 0;
	return svc_call(sc, verb, NULL, "dcos.target", errp);
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

json_t *
created_units(struct state *state)
{
	json_t	*c = state->created_units;

	/*
	 * A host with an active generation has our dcos.target: a foreign
	 * one refuses the first install, and installers before the record
	 * wrote it with the first generation.
	 */
	if (state->active > 0 && !jsonio_in_array(c, "dcos.target"))
		json_array_append_new(c, json_string("dcos.target"));
	return c;
}

/*
 * Refuses a unit file at unitdir/u that the installer did not create
 * (created does not list it): generation n would replace it.
 */
static int
check_taken(const struct host *h, long n, const char *u,
    const json_t *created, char **errp)
{
	struct stat	 st;
	char		*path;
	int		 taken;

	if ((path = path_join(h->unitdir, u)) == NULL)
		return err_set(errp, "out of memory");
	taken = lstat(path, &st) == 0 && !jsonio_in_array(created, u);
	if (taken && strcmp(u, "dcos.target") == 0)
		err_set(errp, "%s exists and was not installed by "
		    "dcos-bootstrap, which installs its own: move the host's "
		    "away (or uninstall the DC/OS that made it), then try "
		    "again", path);
	else if (taken)
		err_set(errp, "%s exists and was not installed by "
		    "dcos-bootstrap: generation %ld has a unit of the same "
		    "name; move the host's unit away or rename the package's, "
		    "then try again", path, n);
	free(path);
	return taken ? -1 : 0;
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
	const char	*u;
	char		 who[64];
	json_t		*v;
	size_t		 i;

	if (!json_is_array(units) || !json_is_array(created))
		return err_set(errp, "generation %ld: its units are not a "
		    "list: rebuild it (dcos-bootstrap install)", n);
	snprintf(who, sizeof(who), "generation %ld", n);
	json_array_foreach(units, i, v) {
		u = json_string_value(v);
		if (unit_check_name(u, who, errp) == -1 ||
		    check_taken(h, n, u, created, errp) == -1)
			return -1;
	}
	return check_taken(h, n, "dcos.target", created, errp);
}

/* *slot becomes a copy of the list v (an empty one for NULL). */
static void
set_list(json_t **slot, const json_t *v)
{
	json_decref(*slot);
	*slot = v != NULL ? json_deep_copy(v) : json_array();
}

/* *slot becomes a new reference to v (NULL: none). */
static void
set_obj(json_t **slot, json_t *v)
{
	json_incref(v);
	json_decref(*slot);
	*slot = v;
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
	char	*profile;	/* <root>/etc/profile.d */
};

static void
hostdirs_free(struct hostdirs *d)
{
	free(d->wants);
	free(d->mwants);
	free(d->roles);
	free(d->sysctl);
	free(d->profile);
}

static int
hostdirs_init(const struct host *h, struct hostdirs *d, char **errp)
{
	memset(d, 0, sizeof(*d));
	if ((d->wants = path_join(h->unitdir, "dcos.target.wants")) == NULL ||
	    (d->mwants = path_join(h->unitdir, "multi-user.target.wants")) ==
	    NULL || (d->roles = path_join(h->etcdir, "roles")) == NULL ||
	    (d->sysctl = host_path(h, "etc/sysctl.d")) == NULL ||
	    (d->profile = host_path(h, "etc/profile.d")) == NULL) {
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
	hostfiles_sweep(d->profile);
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
		/*
		 * Never a name that could be a directory or a path, nor
		 * dcos.target: plan_host stages that one.
		 */
		if (!unit_name_valid(u) || jsonio_in_array(units, u) ||
		    strcmp(u, "dcos.target") == 0)
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
	    mkdir_p(d.roles, 0755, errp) == -1 ||
	    mkdir_p(d.profile, 0755, errp) == -1))
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
	if (stage_at(hf, d.profile, "dcos.sh", PROFILE_SH, strlen(PROFILE_SH),
	    NULL, keep, errp) == -1)
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

/*
 * The units the host may have of earlier runs: those we created and
 * those the active generation installed.  NULL when out of memory.
 */
static json_t *
units_to_drop(struct state *state)
{
	json_t	*drop;

	if ((drop = json_deep_copy(created_units(state))) != NULL)
		union_into(drop, state->units);
	return drop;
}

int
activate_files(struct host *h, long n, const json_t *g, struct state *state,
    int reload, char **errp)
{
	struct hostfiles	 hf;
	json_t			*drop = NULL, *removed = NULL;
	const char		*sc;
	int			 rc = -1;

	hostfiles_init(&hf);
	if (check_units(h, n, g, created_units(state), errp) == -1)
		goto out;
	if ((drop = units_to_drop(state)) == NULL ||
	    (removed = json_array()) == NULL) {
		err_set(errp, "out of memory");
		goto out;
	}
	if (plan_host(h, n, g, drop, created_units(state), removed, &hf,
	    errp) == -1 || hostfiles_commit(&hf, errp) == -1)
		goto out;
	remove_from(created_units(state), removed);
	if (state_save(h, state, errp) == -1)
		goto out;
	crash_point("host-files");
	/* Only what systemd reads: the services keep running. */
	if (reload && (sc = svc_manager(h)) != NULL &&
	    svc_call(sc, "daemon-reload", NULL, NULL, errp) == -1)
		goto out;
	rc = 0;
out:
	hostfiles_free(&hf);
	json_decref(drop);
	json_decref(removed);
	return rc;
}

/* What one activation works with. */
struct act {
	struct host		*h;
	struct activation	*a;
	long			 n;	/* the generation to activate */
	long			 from;	/* active before (0: none) */
	json_t			*g;	/* generation n */
	struct state		*state;
	struct state		*before; /* state before the switch */
	json_t			*removed; /* unit files it removes */
	const char		*op;	/* of the journal's outcome */
	const char		*what;	/* its message */
	json_int_t		 intent; /* journal seq, 0: none */
	int			 finishing; /* an interrupted run's job */
	int			 recorded; /* its outcome is journaled */
	const char		*sc;	/* systemctl, NULL: no services */
	json_t			*plan;	/* services: svc_plan() */
	char			*svc_err; /* the services did not come back */
};

/* details of the journal entries of this activation. */
static json_t *
act_details(const struct act *x)
{
	json_t	*d = json_pack("{s:I, s:s, s:I, s:I}", "intent", x->intent,
		    "op", x->op, "generation", (json_int_t)x->n, "from",
		    (json_int_t)x->from);

	if (d != NULL && x->plan != NULL)
		json_object_set(d, "services", x->plan);
	return d;
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

/* Marks generation n as one that was fully active: rollback's targets. */
static void
note_activated(struct state *state, long n, long from)
{
	json_t	*a = state->activated, *v;
	size_t	 i;

	if (a == NULL) {
		if ((a = state->activated = json_array()) == NULL)
			return;
		/* A state from before the list: what ran before was active. */
		if (from > 0 && from != n)
			json_array_append_new(a, json_integer(from));
	}
	json_array_foreach(a, i, v)
		if (json_integer_value(v) == n)
			return;
	json_array_append_new(a, json_integer(n));
}

/*
 * After a failure past the intent: the services, the previous
 * generation's files and current back, and the state as before (with
 * the accounts since made).  0 or -1 with *errp; x->svc_err says when
 * the files are back but the services did not come back (state.json
 * keeps their plan for "activate").
 */
static int
roll_back(struct act *x, char **errp)
{
	struct hostfiles	 hf;
	json_t			*g = NULL, *drop = NULL, *removed = NULL;
	json_t			*rev = NULL, *created;
	json_t			*target = json_pack("[s]", "dcos.target");
	struct state		*st = NULL;
	int			 rc = -1;

	hostfiles_init(&hf);
	if (x->from > 0 && (g = gen_load(x->h, x->from, errp)) == NULL)
		goto out;
	created = x->state->created_units;
	if ((drop = json_deep_copy(created)) == NULL ||
	    (removed = json_array()) == NULL ||
	    (st = state_copy(x->before)) == NULL ||
	    (rev = svc_reverse(x->plan, x->before->services, x->from)) ==
	    NULL) {
		err_set(errp, "out of memory");
		goto out;
	}
	/* What the switch started stops first, as it stopped before it. */
	if (x->sc != NULL && svc_call(x->sc, "stop", json_object_get(x->plan,
	    "start"), NULL, errp) == -1)
		goto out;
	union_into(drop, json_object_get(x->g, "units"));
	if (plan_host(x->h, x->from, g, drop, created, removed, &hf,
	    errp) == -1 || hostfiles_commit(&hf, errp) == -1 ||
	    switch_to(x->h, x->from, errp) == -1)
		goto out;
	set_list(&st->created_users, x->state->created_users);
	set_list(&st->created_groups, x->state->created_groups);
	set_list(&st->created_state_dirs, x->state->created_state_dirs);
	remove_from(created, removed);
	set_list(&st->created_units, created);
	state_clear_pending(st);
	/* Untouched services keep the plan they had. */
	if (x->sc != NULL)
		set_obj(&st->services, rev);
	st->target = st->active = x->from;
	if (x->from > 0)
		set_list(&st->units, json_object_get(g, "units"));
	else {
		set_list(&st->units, NULL);
		/* Gone with the files of the generation. */
		remove_from(st->created_units, target);
	}
	if (state_save(x->h, st, errp) == -1)
		goto out;
	rc = 0;
	if (x->sc == NULL)
		goto out;
	if ((x->from > 0 ? svc_start(x->sc, rev, &x->svc_err) :
	    svc_call(x->sc, "daemon-reload", NULL, NULL, &x->svc_err)) == 0) {
		set_obj(&st->services, NULL);
		(void)state_save(x->h, st, NULL);
	}
out:
	hostfiles_free(&hf);
	json_decref(g);
	json_decref(drop);
	json_decref(removed);
	state_free(st);
	json_decref(rev);
	json_decref(target);
	return rc;
}

/* A failure past the intent: roll back, or leave the target; say which. */
static void
failed_after_switch(struct act *x, char **errp)
{
	char	*why = *errp, *err2 = NULL, from[64];

	*errp = NULL;
	if (why == NULL && (why = strdup("out of memory")) == NULL)
		return;
	gen_name(x->from, from, sizeof(from));
	if (roll_back(x, &err2) == 0) {
		/* The files are back; the services may not be. */
		x->a->result = x->svc_err == NULL ? ACT_UNCHANGED : ACT_PARTIAL;
		act_journal(x, "revert", "the %s of generation %ld failed "
		    "(%s); rolled back to %s%s%s%s", x->op, x->n, why, from,
		    x->svc_err != NULL ? ", but its services did not come "
		    "back (" : "", x->svc_err != NULL ? x->svc_err : "",
		    x->svc_err != NULL ? ")" : "");
		err_set(errp, "%s; rolled back: %s is active again%s%s%s", why,
		    from, x->svc_err != NULL ? ", but its services did not "
		    "come back (" : "", x->svc_err != NULL ? x->svc_err : "",
		    x->svc_err != NULL ? "): fix it, then run dcos-bootstrap "
		    "activate" : "");
	} else {
		x->a->result = ACT_PARTIAL;
		act_journal(x, "unfinished", "the %s of generation %ld failed "
		    "(%s) and rolling back failed too (%s); generation %ld "
		    "stays the target", x->op, x->n, why, err2 != NULL ?
		    err2 : "out of memory", x->n);
		err_set(errp, "%s; rolling back failed too (%s): the host is "
		    "between %s and generation %ld, which stays the target: "
		    "fix the problem, then run dcos-bootstrap activate to "
		    "finish", why, err2 != NULL ? err2 : "out of memory", from,
		    x->n);
	}
	free(why);
	free(err2);
}

/* Lists unit u in created when unitdir has no such file.  0 or -1. */
static int
own_if_absent(const struct host *h, json_t *created, const char *u)
{
	struct stat	 st;
	char		*p;

	if ((p = path_join(h->unitdir, u)) == NULL)
		return -1;
	if (lstat(p, &st) == -1 && !jsonio_in_array(created, u))
		json_array_append_new(created, json_string(u));
	free(p);
	return 0;
}

/*
 * Records the intent, the target and the plan of the services (with
 * what a later "activate" needs to finish and journal it).  0 or -1
 * with *errp.
 */
static int
record_intent(struct act *x, const json_t *units, char **errp)
{
	json_t		*created = created_units(x->state);
	json_t		*d, *v;
	char		 from[64];
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
		if (state_set_pending(x->state, x->op, x->n, x->from,
		    x->intent, x->what, errp) == -1)
			return -1;
	}
	/* Units we are about to create are ours from now on. */
	json_array_foreach(units, i, v)
		if (own_if_absent(x->h, created, json_string_value(v)) == -1)
			return err_set(errp, "out of memory");
	if (own_if_absent(x->h, created, "dcos.target") == -1)
		return err_set(errp, "out of memory");
	x->state->target = x->n;
	set_obj(&x->state->services, x->plan);
	return state_save(x->h, x->state, errp);
}

/* Puts generation n in place: switch, staged files, state. */
static int
switch_and_commit(struct act *x, struct hostfiles *hf, long cur,
    char **errp)
{
	json_int_t	 seq;
	json_t		*created;

	if (cur != x->n && switch_to(x->h, x->n, errp) == -1)
		return -1;
	crash_point("switched");
	if (hostfiles_commit(hf, errp) == -1)
		return -1;
	seq = json_integer_value(json_object_get(json_object_get(x->g,
	    "release"), "seq"));
	if (seq > x->state->highest_seq)
		x->state->highest_seq = seq;
	created = x->state->created_units;
	remove_from(created, x->removed);
	x->state->active = x->n;
	set_list(&x->state->units, json_object_get(x->g, "units"));
	return state_save(x->h, x->state, errp);
}

/*
 * The generation and its services are in place (started: the services
 * plan was carried out; else it stays for "activate"): journals the
 * outcome and clears the job.
 */
static void
act_done(struct act *x, int started)
{
	char	*err = NULL, *svc = svc_describe(x->plan);

	if (x->state->pending != NULL) {
		if (!x->recorded)
			act_journal(x, x->op, "%s%s; services: %s%s", x->what,
			    x->finishing ? " (finished after an interruption)" :
			    "", svc != NULL ? svc : "?", started ? "" :
			    " (left for dcos-bootstrap activate: not started)");
		x->a->journaled = 0;
		state_clear_pending(x->state);
	}
	if (started) {
		set_obj(&x->state->services, NULL);
		x->state->start_pending = 0;
	}
	note_activated(x->state, x->n, x->from);
	/* The job is done and journaled: "activate" clears it. */
	if (state_save(x->h, x->state, &err) == -1)
		log_warn("%s", err);
	free(err);
	free(svc);
	crash_point("activated");
}

/*
 * Says in state.json that the services of x->n are being started, so a
 * failed or killed start shows in status until one succeeds.
 */
static int
start_pending(struct act *x, char **errp)
{
	x->state->start_pending = x->n;
	return state_save(x->h, x->state, errp);
}

/* The plan of the services (x->plan) for this activation. */
static int
act_plan(struct act *x, long cur, long active, char **errp)
{
	json_t	*todo = x->state->services;
	json_t	*gold = NULL;

	if (!x->finishing && cur == x->n && active == x->n) {
		/* Already switched: only what a plan left undone. */
		x->plan = svc_plan(x->h, x->n, x->g, NULL, x->n, x->g, todo);
	} else if (x->finishing && json_integer_value(json_object_get(todo,
	    "generation")) == x->n && json_is_array(json_object_get(todo,
	    "stop")) && json_is_array(json_object_get(todo, "restart")) &&
	    json_is_array(json_object_get(todo, "start"))) {
		x->plan = json_incref(todo);
	} else {
		if (x->from > 0)
			gold = gen_load(x->h, x->from, NULL);
		x->plan = svc_plan(x->h, x->from, gold, x->state->units, x->n,
		    x->g, todo);
		json_decref(gold);
	}
	if (x->plan == NULL)
		return err_set(errp, "out of memory");
	return 0;
}

/* 1 when plan has units to stop or restart. */
static int
plan_pending(const json_t *plan)
{
	return json_array_size(json_object_get(plan, "stop")) > 0 ||
	    json_array_size(json_object_get(plan, "restart")) > 0;
}

/* Brings an active generation's files and services in line again. */
static int
act_again(struct act *x, struct hostfiles *hf, char **errp)
{
	char	*err = NULL;

	if (hostfiles_commit(hf, errp) == -1) {
		err_suffix(errp, "; generation %ld stays active", x->n);
		return -1;
	}
	remove_from(created_units(x->state), x->removed);
	state_clear_pending(x->state);	/* superseded */
	set_obj(&x->state->services, plan_pending(x->plan) ? x->plan : NULL);
	if (x->sc != NULL)
		x->state->start_pending = x->n;
	if (state_save(x->h, x->state, errp) == -1)
		return -1;
	x->a->result = ACT_DONE;
	keep_self(x->h);
	if (x->sc == NULL)
		return 0;
	crash_point("start");
	if (svc_stop(x->sc, x->plan, &err) == -1 ||
	    svc_start(x->sc, x->plan, &err) == -1) {
		x->a->result = ACT_PARTIAL;
		err_set(errp, "generation %ld is active, but %s: fix it, then "
		    "run dcos-bootstrap activate to start it", x->n, err);
		free(err);
		return -1;
	}
	set_obj(&x->state->services, NULL);
	x->state->start_pending = 0;
	note_activated(x->state, x->n, 0);
	return state_save(x->h, x->state, errp);
}

int
activate_generation(struct host *h, long n, struct activation *a,
    char **errp)
{
	struct hostfiles	 hf;
	struct act		 x;
	struct state_pending	*pending;
	json_t			*drop = NULL;
	char			 dflt[96];
	long			 cur, active;
	int			 rc = -1;

	memset(&x, 0, sizeof(x));
	hostfiles_init(&hf);
	x.h = h;
	x.a = a;
	x.n = n;
	x.op = a->op;
	x.sc = a->start ? svc_manager(h) : NULL;
	a->result = ACT_UNCHANGED;
	a->journaled = 0;
	if ((x.g = gen_load(h, n, errp)) == NULL) {
		err_wrap(errp, "generation %ld is not complete", n);
		goto out;
	}
	if (state_load(h, &x.state, errp) == -1)
		goto out;
	if (gen_current(h, &cur, NULL) == -1)
		cur = 0;	/* a foreign "current": replaced */
	active = x.state->active;
	pending = x.state->pending;
	x.finishing = pending != NULL && pending->generation == n;
	/* What a failure rolls back to: what ran before this job began. */
	x.from = x.finishing ? pending->from : cur != n ? cur : active;
	snprintf(dflt, sizeof(dflt), "generation %ld is active (was %ld)", n,
	    x.from);
	x.what = a->what != NULL ? a->what : dflt;
	if (x.finishing) {
		x.op = pending->op;
		x.what = pending->what;
		x.intent = pending->intent;
	}
	if (check_units(h, n, x.g, x.state->created_units, errp) == -1)
		goto out;
	/*
	 * Accounts first: a missing account (manual_host_users) must stop
	 * us before the switch, not after it.  Then the secret files go to
	 * their owners, whose accounts now exist.
	 */
	if (sync_users(h, x.g, x.state, errp) == -1 ||
	    gen_own_secrets(h, n, errp) == -1) {
		(void)state_save(h, x.state, NULL);
		/*
		 * As a refused intent is: the operator reads why later.  Not
		 * on a host nothing is active on yet: a failed first install
		 * leaves it as it found it (install undoes the rest).
		 */
		if (cur > 0 || active > 0)
			(void)journal_append(h, "refuse", NULL, "the %s of "
			    "generation %ld was refused before the switch: %s",
			    x.op, n, *errp != NULL ? *errp : "out of memory");
		goto out;
	}
	if ((x.before = state_copy(x.state)) == NULL ||
	    (drop = units_to_drop(x.state)) == NULL ||
	    (x.removed = json_array()) == NULL) {
		err_set(errp, "out of memory");
		goto out;
	}
	if (act_plan(&x, cur, active, errp) == -1)
		goto out;
	if (plan_host(h, n, x.g, drop, created_units(x.state), x.removed, &hf,
	    errp) == -1) {
		(void)state_save(h, x.state, NULL);
		gen_name(cur, dflt, sizeof(dflt));
		err_suffix(errp, "; nothing changed: %s stays active", dflt);
		goto out;
	}
	close_open_intent(&x);
	if (!x.finishing && cur == n && active == n) {
		if (act_again(&x, &hf, errp) == -1)
			goto out;
		rc = 0;
		goto out;
	}
	if (record_intent(&x, json_object_get(x.g, "units"), errp) == -1) {
		act_journal(&x, "refuse", "the %s of generation %ld was "
		    "refused before the switch: %s", x.op, n, *errp != NULL ?
		    *errp : "out of memory");
		goto out;
	}
	crash_point("target");
	if (x.sc != NULL && svc_stop(x.sc, x.plan, errp) == -1)
		goto failed;
	crash_point("stopped");
	if (switch_and_commit(&x, &hf, cur, errp) == -1)
		goto failed;
	if (x.sc != NULL && start_pending(&x, errp) == -1)
		goto failed;
	crash_point("start");
	if (x.sc != NULL && svc_start(x.sc, x.plan, errp) == -1)
		goto failed;
	crash_point("started");
	act_done(&x, x.sc != NULL);
	a->result = ACT_DONE;
	keep_self(h);
	rc = 0;
	goto out;
failed:
	hostfiles_free(&hf);
	failed_after_switch(&x, errp);
out:
	hostfiles_free(&hf);
	json_decref(drop);
	json_decref(x.g);
	state_free(x.state);
	state_free(x.before);
	json_decref(x.removed);
	json_decref(x.plan);
	free(x.svc_err);
	return rc;
}
