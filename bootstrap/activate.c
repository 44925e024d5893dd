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

static const char *top_links[] = { "active", "bin", "lib", "etc", "include",
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

/* Writes path only when its content differs (keeps re-runs cheap). */
static int
write_if_changed(const char *path, const char *buf, size_t len, mode_t mode,
    char **errp)
{
	char	*old = NULL;
	size_t	 olen;
	int	 same;

	if (read_file(path, len + 1, &old, &olen, NULL) == 0) {
		same = olen == len && memcmp(old, buf, len) == 0;
		free(old);
		if (same)
			return 0;
	}
	return atomic_write_file(path, buf, len, mode, errp);
}

static int
link_if_changed(const char *target, const char *path, char **errp)
{
	char	 buf[PATH_MAX];
	ssize_t	 n;

	if ((n = readlink(path, buf, sizeof(buf) - 1)) != -1) {
		buf[n] = '\0';
		if (strcmp(buf, target) == 0)
			return 0;
	}
	return symlink_replace(target, path, errp);
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
sync_roles(const struct host *h, const json_t *g, char **errp)
{
	char		*dir, *path;
	const json_t	*roles = json_object_get(g, "roles");
	size_t		 i;
	int		 rc = 0;

	if ((dir = path_join(h->etcdir, "roles")) == NULL)
		return err_set(errp, "out of memory");
	if (mkdir_p(dir, 0755, errp) == -1) {
		free(dir);
		return -1;
	}
	for (i = 0; rc == 0 && all_roles[i] != NULL; i++) {
		if ((path = path_join(dir, all_roles[i])) == NULL) {
			rc = err_set(errp, "out of memory");
			break;
		}
		if (jsonio_in_array(roles, all_roles[i])) {
			if (access(path, F_OK) == -1)
				rc = atomic_write_file(path, "", 0, 0644,
				    errp);
		} else if (unlink(path) == -1 && errno != ENOENT)
			rc = err_sys(errp, "%s", path);
		free(path);
	}
	free(dir);
	return rc;
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

static int
sync_sysctl(const struct host *h, long n, char **errp)
{
	char	*src = NULL, *dst = NULL, *dir = NULL, *buf = NULL;
	size_t	 len;
	int	 rc = -1;

	if (asprintf(&src, "%s/%ld/sysctl.conf", h->gendir, n) == -1 ||
	    (dst = host_path(h, "etc/sysctl.d/90-dcos.conf")) == NULL ||
	    (dir = host_path(h, "etc/sysctl.d")) == NULL) {
		err_set(errp, "out of memory");
		goto out;
	}
	if (read_file(src, 1024 * 1024, &buf, &len, errp) == -1)
		goto out;
	if (len == 0) {
		if (unlink(dst) == -1 && errno != ENOENT) {
			err_sys(errp, "%s", dst);
			goto out;
		}
	} else if (mkdir_p(dir, 0755, errp) == -1 ||
	    write_if_changed(dst, buf, len, 0644, errp) == -1)
		goto out;
	rc = 0;
out:
	free(src);
	free(dst);
	free(dir);
	free(buf);
	return rc;
}

/*
 * What "systemctl enable dcos.target" does, without systemd: the host
 * starts DC/OS at every boot, not only after an install.
 */
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
enable_target(const struct host *h, char **errp)
{
	char	*wants, *lnk = NULL;
	int	 rc = -1;

	if ((wants = path_join(h->unitdir, "multi-user.target.wants")) ==
	    NULL || (lnk = path_join(wants, "dcos.target")) == NULL)
		err_set(errp, "out of memory");
	else if (mkdir_p(wants, 0755, errp) == 0)
		rc = link_if_changed("../dcos.target", lnk, errp);
	free(wants);
	free(lnk);
	return rc;
}

static int
sync_units(const struct host *h, long n, const json_t *g, json_t *state,
    char **errp)
{
	const json_t	*units = json_object_get(g, "units");
	json_t		*old = json_object_get(state, "units");
	char		*wants = NULL, *src = NULL, *dst = NULL, *lnk = NULL;
	char		*buf = NULL, ltarget[PATH_MAX];
	const char	*u;
	size_t		 i, len;
	json_t		*v;
	int		 rc = -1;

	if ((wants = path_join(h->unitdir, "dcos.target.wants")) == NULL) {
		err_set(errp, "out of memory");
		goto out;
	}
	if (mkdir_p(wants, 0755, errp) == -1)
		goto out;
	if ((dst = path_join(h->unitdir, "dcos.target")) == NULL) {
		err_set(errp, "out of memory");
		goto out;
	}
	if (write_if_changed(dst, DCOS_TARGET, strlen(DCOS_TARGET), 0644,
	    errp) == -1 || enable_target(h, errp) == -1)
		goto out;
	json_array_foreach(units, i, v) {
		u = json_string_value(v);
		free(src);
		free(dst);
		free(lnk);
		free(buf);
		src = dst = lnk = buf = NULL;
		if (u == NULL || strchr(u, '/') != NULL || u[0] == '.') {
			err_set(errp, "generation %ld: bad unit name", n);
			goto out;
		}
		if (asprintf(&src, "%s/%ld/dcos.target.wants/%s", h->gendir,
		    n, u) == -1 || (dst = path_join(h->unitdir, u)) == NULL ||
		    (lnk = path_join(wants, u)) == NULL) {
			err_set(errp, "out of memory");
			goto out;
		}
		if (read_file(src, 1024 * 1024, &buf, &len, errp) == -1 ||
		    write_if_changed(dst, buf, len, 0644, errp) == -1)
			goto out;
		snprintf(ltarget, sizeof(ltarget), "../%s", u);
		if (link_if_changed(ltarget, lnk, errp) == -1)
			goto out;
		crash_point("units");
	}
	/* Units of the previous generation that this one does not have. */
	json_array_foreach(old, i, v) {
		u = json_string_value(v);
		if (u == NULL || strchr(u, '/') != NULL || u[0] == '.' ||
		    jsonio_in_array(units, u))
			continue;
		free(dst);
		free(lnk);
		dst = lnk = NULL;
		if ((dst = path_join(h->unitdir, u)) == NULL ||
		    (lnk = path_join(wants, u)) == NULL) {
			err_set(errp, "out of memory");
			goto out;
		}
		if ((unlink(lnk) == -1 && errno != ENOENT) ||
		    (unlink(dst) == -1 && errno != ENOENT)) {
			err_sys(errp, "remove unit %s", u);
			goto out;
		}
	}
	json_object_set(state, "units", (json_t *)units);
	rc = 0;
out:
	free(wants);
	free(src);
	free(dst);
	free(lnk);
	free(buf);
	return rc;
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

int
activate_generation(struct host *h, long n, int start, char **errp)
{
	json_t		*state = NULL, *g = NULL;
	json_int_t	 seq = 0, highest = 0;
	json_t		*rel;
	char		 target[64], *path = NULL, *lt = NULL;
	long		 cur, was;
	size_t		 i;
	int		 rc = -1;

	if ((g = gen_load(h, n, errp)) == NULL) {
		err_wrap(errp, "generation %ld is not complete", n);
		goto out;
	}
	if ((state = state_load(h, errp)) == NULL)
		goto out;
	was = (long)json_integer_value(json_object_get(state, "active"));
	/*
	 * Accounts first: a missing account (manual_host_users) must stop
	 * us before the switch, not after it.
	 */
	if (sync_users(h, g, state, errp) == -1)
		goto out;
	json_object_set_new(state, "target", json_integer(n));
	if (state_save(h, state, errp) == -1)
		goto out;
	crash_point("target");
	if (gen_current(h, &cur, errp) == -1) {
		/* A foreign "current": replace it, that is what we own. */
		free(*errp);
		*errp = NULL;
		cur = 0;
	}
	if (cur != n) {
		snprintf(target, sizeof(target), "generations/%ld", n);
		if (symlink_replace(target, h->current, errp) == -1)
			goto out;
		crash_point("switched");
	}
	for (i = 0; top_links[i] != NULL; i++) {
		free(path);
		free(lt);
		lt = NULL;
		if ((path = path_join(h->opt, top_links[i])) == NULL ||
		    asprintf(&lt, "current/%s", top_links[i]) == -1) {
			err_set(errp, "out of memory");
			goto out;
		}
		if (link_if_changed(lt, path, errp) == -1)
			goto out;
	}
	if (sync_roles(h, g, errp) == -1 ||
	    sync_sysctl(h, n, errp) == -1 ||
	    sync_units(h, n, g, state, errp) == -1)
		goto out;
	rel = json_object_get(g, "release");
	seq = json_integer_value(json_object_get(rel, "seq"));
	highest = json_integer_value(json_object_get(state, "highest_seq"));
	if (seq > highest)
		json_object_set_new(state, "highest_seq", json_integer(seq));
	json_object_set_new(state, "active", json_integer(n));
	if (state_save(h, state, errp) == -1)
		goto out;
	if (was != n)
		(void)journal_append(h, "switch", NULL, "generation %ld is "
		    "active (was %ld): %s %s seq %lld", n, was,
		    json_string_value(json_object_get(rel, "name")),
		    json_string_value(json_object_get(rel, "version")),
		    (long long)seq);
	crash_point("activated");
	keep_self(h);
	if (!h->rooted && start && access("/run/systemd/system", F_OK) == 0 &&
	    start_systemd(errp) == -1)
		goto out;
	rc = 0;
out:
	json_decref(state);
	json_decref(g);
	free(path);
	free(lt);
	return rc;
}
