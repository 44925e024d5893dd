/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The host's services around a switch.  The units of the generation
 * switched to are compared with those of the generation before: units
 * it drops are stopped before the switch, units whose unit file or
 * package changed are restarted after it, new units start with
 * dcos.target, and unchanged units keep running (pkgpanda restarts them
 * all).  The plan is kept in state.json ("services") until it is done,
 * so a killed run, or --no-start, leaves it for "activate".
 */
#include <config.h>

#include <sys/wait.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomicio.h"
#include "bootstrap.h"
#include "error.h"
#include "jsonio.h"

/* At most this many units in one systemctl call (argv). */
#define SVC_ARGS_MAX	1024
#define UNIT_FILE_MAX	(1024 * 1024)
/* systemctl's exit status for a unit it has not loaded (LSB: 5). */
#define SYSTEMCTL_NOT_LOADED	5

const char *
svc_manager(const struct host *h)
{
	const char	*sc = getenv("DCOS_BOOTSTRAP_SYSTEMCTL");

	if (sc != NULL && *sc != '\0')
		return sc;
	if (h->rooted || access("/run/systemd/system", F_OK) == -1)
		return NULL;
	return access("/bin/systemctl", X_OK) == 0 ? "/bin/systemctl" :
	    "/usr/bin/systemctl";
}

int
svc_call(const char *sc, const char *verb, const json_t *units,
    const char *also, char **errp)
{
	const char	*argv[SVC_ARGS_MAX + 4], *u;
	size_t		 n = 0, i;
	json_t		*v;
	pid_t		 pid;
	int		 st;

	argv[n++] = sc;
	argv[n++] = verb;
	json_array_foreach(units, i, v) {
		/* Never an option or a path: the plan came from state.json. */
		if ((u = json_string_value(v)) == NULL || !unit_name_valid(u))
			return err_set(errp, "state.json: \"%s\" is not a unit "
			    "name", u != NULL ? u : "(not a string)");
		if (n == SVC_ARGS_MAX)
			return err_set(errp, "more than %d units", SVC_ARGS_MAX);
		argv[n++] = u;
	}
	if (also != NULL)
		argv[n++] = also;
	argv[n] = NULL;
	/* Nothing to act on (daemon-reload has no units). */
	if (n == 2 && strcmp(verb, "daemon-reload") != 0)
		return 0;
	if ((pid = fork()) == -1)
		return err_sys(errp, "fork");
	if (pid == 0) {
		execv(sc, (char *const *)argv);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) == -1)
		if (errno != EINTR)
			return err_sys(errp, "wait");
	/* Stopping a unit systemd does not know: it is not running. */
	if (WIFEXITED(st) && WEXITSTATUS(st) == SYSTEMCTL_NOT_LOADED &&
	    strcmp(verb, "stop") == 0)
		return 0;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return err_set(errp, "systemctl %s%s%s failed (%s %d); see "
		    "journalctl -u %s", verb, n > 2 ? " " : "", n > 2 ?
		    argv[2] : "", WIFEXITED(st) ? "status" : "signal",
		    WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st),
		    n > 2 ? argv[2] : "dcos.target");
	return 0;
}

/* Appends name to a when missing. */
static void
add_once(json_t *a, const char *name)
{
	if (name != NULL && !jsonio_in_array(a, name))
		json_array_append_new(a, json_string(name));
}

/*
 * Did unit u change from generation from (gold) to n (gnew)?  Its file
 * or the package that installs it; what cannot be told counts as
 * changed: a restart too many is safe, a stale process is not.
 */
static int
unit_changed(const struct host *h, long from, const json_t *gold, long n,
    const json_t *gnew, const char *u)
{
	const char	*po, *pn;
	char		*a = NULL, *b = NULL, *ba = NULL, *bb = NULL;
	size_t		 la = 0, lb = 0;
	int		 changed = 1;

	po = json_string_value(json_object_get(json_object_get(gold,
	    "unit_packages"), u));
	pn = json_string_value(json_object_get(json_object_get(gnew,
	    "unit_packages"), u));
	if (po == NULL || pn == NULL || strcmp(po, pn) != 0)
		return 1;
	if (asprintf(&a, "%s/%ld/dcos.target.wants/%s", h->gendir, from,
	    u) == -1) {
		a = NULL;
		goto out;
	}
	if (asprintf(&b, "%s/%ld/dcos.target.wants/%s", h->gendir, n, u) ==
	    -1) {
		b = NULL;
		goto out;
	}
	if (read_file(a, UNIT_FILE_MAX, &ba, &la, NULL) == 0 &&
	    read_file(b, UNIT_FILE_MAX, &bb, &lb, NULL) == 0)
		changed = la != lb || memcmp(ba, bb, la) != 0;
out:
	free(a);
	free(b);
	free(ba);
	free(bb);
	return changed;
}

json_t *
svc_plan(const struct host *h, long from, const json_t *gold,
    const json_t *old_units, long n, const json_t *gnew, const json_t *todo)
{
	const json_t	*units = json_object_get(gnew, "units");
	const char	*u;
	json_t		*p, *stop, *restart, *start, *v;
	size_t		 i;

	if ((p = json_pack("{s:I, s:I, s:[], s:[], s:[]}", "generation",
	    (json_int_t)n, "from", (json_int_t)from, "stop", "restart",
	    "start")) == NULL)
		return NULL;
	stop = json_object_get(p, "stop");
	restart = json_object_get(p, "restart");
	start = json_object_get(p, "start");
	if (gold != NULL)
		old_units = json_object_get(gold, "units");
	json_array_foreach(old_units, i, v)
		if (!jsonio_in_array(units, json_string_value(v)))
			add_once(stop, json_string_value(v));
	json_array_foreach(units, i, v) {
		u = json_string_value(v);
		if (!jsonio_in_array(old_units, u))
			add_once(start, u);
		else if (unit_changed(h, from, gold, n, gnew, u))
			add_once(restart, u);
	}
	/*
	 * A plan not carried out yet (--no-start, or killed) still holds:
	 * what it would have stopped or restarted and n keeps runs a
	 * process older than the generation before.
	 */
	json_array_foreach(json_object_get(todo, "stop"), i, v) {
		u = json_string_value(v);
		if (!jsonio_in_array(units, u))
			add_once(stop, u);
		else if (!jsonio_in_array(start, u))
			add_once(restart, u);
	}
	json_array_foreach(json_object_get(todo, "restart"), i, v) {
		u = json_string_value(v);
		if (jsonio_in_array(units, u) && !jsonio_in_array(start, u))
			add_once(restart, u);
		else if (!jsonio_in_array(units, u))
			add_once(stop, u);
	}
	return p;
}

json_t *
svc_reverse(const json_t *plan, const json_t *todo, long from)
{
	json_t	*p, *restart, *v;
	size_t	 i;

	if ((p = json_pack("{s:I, s:I, s:[], s:O, s:O}", "generation",
	    (json_int_t)from, "from", json_object_get(plan, "generation"),
	    "stop", "restart", json_object_get(plan, "restart"), "start",
	    json_object_get(plan, "stop"))) == NULL)
		return NULL;
	/* Copies: the arrays of plan stay plan's. */
	json_object_set_new(p, "restart", json_deep_copy(json_object_get(p,
	    "restart")));
	json_object_set_new(p, "start", json_deep_copy(json_object_get(p,
	    "start")));
	restart = json_object_get(p, "restart");
	if (json_integer_value(json_object_get(todo, "generation")) == from)
		json_array_foreach(json_object_get(todo, "restart"), i, v)
			add_once(restart, json_string_value(v));
	return p;
}

int
svc_stop(const char *sc, const json_t *plan, char **errp)
{
	return svc_call(sc, "stop", json_object_get(plan, "stop"), NULL,
	    errp);
}

int
svc_start(const char *sc, const json_t *plan, char **errp)
{
	if (svc_call(sc, "daemon-reload", NULL, NULL, errp) == -1)
		return -1;
	crash_point("reloaded");
	if (svc_call(sc, "restart", json_object_get(plan, "restart"), NULL,
	    errp) == -1)
		return -1;
	crash_point("restarted");
	return svc_call(sc, "start", NULL, "dcos.target", errp);
}

/* Appends "; VERB a, b" for a non-empty list to *s. */
static int
describe_list(char **s, const char *verb, const json_t *a)
{
	char	*t;
	json_t	*v;
	size_t	 i;

	if (json_array_size(a) == 0)
		return 0;
	json_array_foreach(a, i, v) {
		if (asprintf(&t, "%s%s%s %s", *s, i == 0 ? (**s != '\0' ?
		    "; " : "") : ",", i == 0 ? verb : "",
		    json_string_value(v)) == -1)
			return -1;
		free(*s);
		*s = t;
	}
	return 0;
}

char *
svc_describe(const json_t *plan)
{
	char	*s;

	if ((s = strdup("")) == NULL)
		return NULL;
	if (describe_list(&s, "stop", json_object_get(plan, "stop")) == -1 ||
	    describe_list(&s, "restart", json_object_get(plan, "restart")) ==
	    -1 || describe_list(&s, "start", json_object_get(plan,
	    "start")) == -1) {
		free(s);
		return NULL;
	}
	if (*s == '\0') {
		free(s);
		s = strdup("no unit changed");
	}
	return s;
}
