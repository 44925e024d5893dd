/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The system's OpenSSH client as operators configure it: the user's
 * ssh_config (or --ssh-config) applies, so ProxyJump, agents and
 * known_hosts work unchanged.  We add only what a fleet run needs: one
 * ControlMaster per host in a private directory, BatchMode (never a
 * prompt), and strict host key checking unless new keys were accepted.
 */
#include <config.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fleet.h"

void
fleet_argv_free(char **argv)
{
	size_t	i;

	for (i = 0; argv != NULL && argv[i] != NULL; i++)
		free(argv[i]);
	free(argv);
}

struct argv {
	char	**v;
	size_t	  n;
	int	  oom;
};

static void
add(struct argv *a, const char *fmt, ...)
{
	va_list	  ap;
	char	**v, *s;

	if (a->oom)
		return;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) == -1)
		s = NULL;
	va_end(ap);
	if (s == NULL ||
	    (v = reallocarray(a->v, a->n + 2, sizeof(*v))) == NULL) {
		free(s);
		a->oom = 1;
		return;
	}
	a->v = v;
	v[a->n++] = s;
	v[a->n] = NULL;
}

static char **
done(struct argv *a)
{
	if (a->oom) {
		fleet_argv_free(a->v);
		return NULL;
	}
	return a->v;
}

/* prog ("ssh" or "scp") and the options every run of this host shares. */
static void
common(struct argv *a, const struct fleet_ssh *s, const char *prog,
    int windows)
{
	add(a, "%s", prog);
	if (s->config != NULL) {
		add(a, "-F");
		add(a, "%s", s->config);
	}
	add(a, "-oBatchMode=yes");
	add(a, "-oStrictHostKeyChecking=%s",
	    s->accept_new ? "accept-new" : "yes");
	add(a, "-oControlPath=%s/%%C", s->ctldir);
	add(a, "-oConnectTimeout=30");
	add(a, "-oServerAliveInterval=15");
	if (s->key != NULL) {
		add(a, "-i");
		add(a, "%s", s->key);
	}
	/* -o, not -p/-l: scp spells those differently. */
	add(a, "-oPort=%ld", s->port);
	add(a, "-oUser=%s", windows && s->win_user != NULL ? s->win_user :
	    s->user);
}

/*
 * The master: authenticates, then forks to the background and serves
 * every later step of this host (ControlPersist bounds a master a crashed
 * run leaves behind).
 */
char **
fleet_ssh_connect(const struct fleet_ssh *s, const char *addr,
    int windows)
{
	struct argv	a = { NULL, 0, 0 };

	common(&a, s, "ssh", windows);
	add(&a, "-oControlMaster=yes");
	add(&a, "-oControlPersist=300");
	add(&a, "-fN");
	add(&a, "--");
	add(&a, "%s", addr);
	return done(&a);
}

char **
fleet_ssh_run(const struct fleet_ssh *s, const char *addr, int windows,
    const char *command, int tty)
{
	struct argv	a = { NULL, 0, 0 };

	common(&a, s, "ssh", windows);
	add(&a, "-oControlMaster=no");
	if (tty)
		add(&a, "-tt");
	add(&a, "--");
	add(&a, "%s", addr);
	add(&a, "%s", command);
	return done(&a);
}

char **
fleet_scp(const struct fleet_ssh *s, const char *addr, char *const *files,
    size_t n, const char *dir)
{
	struct argv	a = { NULL, 0, 0 };
	size_t		i;

	/* Linux hosts only: push mode is refused for Windows hosts. */
	common(&a, s, "scp", 0);
	add(&a, "-q");
	add(&a, "-oControlMaster=no");
	add(&a, "--");
	for (i = 0; i < n; i++)
		add(&a, "%s", files[i]);
	/* An IPv6 address in brackets, or its colons end the host. */
	add(&a, strchr(addr, ':') != NULL ? "[%s]:%s/" : "%s:%s/", addr, dir);
	return done(&a);
}

char **
fleet_ssh_exit(const struct fleet_ssh *s, const char *addr, int windows)
{
	struct argv	a = { NULL, 0, 0 };

	/* The user is part of the ControlPath (%C). */
	common(&a, s, "ssh", windows);
	add(&a, "-Oexit");
	add(&a, "--");
	add(&a, "%s", addr);
	return done(&a);
}

char *
fleet_shquote(const char *s)
{
	char	*q, *p;
	size_t	 n = 3;
	const char *c;

	for (c = s; *c != '\0'; c++)
		n += *c == '\'' ? 4 : 1;
	if ((q = p = malloc(n)) == NULL)
		return NULL;
	*p++ = '\'';
	for (c = s; *c != '\0'; c++) {
		if (*c == '\'') {
			memcpy(p, "'\\''", 4);
			p += 4;
		} else
			*p++ = *c;
	}
	*p++ = '\'';
	*p = '\0';
	return q;
}

char *
fleet_as_root(const struct fleet_ssh *s, const char *command)
{
	char	*r, *q;

	if (strcmp(s->user, "root") == 0)
		return strdup(command);
	/*
	 * sudo -n fails at once where it would ask for a password.  Its
	 * env_reset would drop DCOS_ROOT, the root the session says the
	 * host lives in: the command would then work on /, so it is
	 * passed on by name.
	 */
	if ((q = fleet_shquote(command)) == NULL)
		return NULL;
	if (asprintf(&r, "if [ -n \"${DCOS_ROOT+x}\" ]; then "
	    "exec sudo -n env \"DCOS_ROOT=$DCOS_ROOT\" sh -c %s; "
	    "else exec sudo -n sh -c %s; fi", q, q) == -1)
		r = NULL;
	free(q);
	return r;
}

char *
fleet_ssh_explain(const char *addr, int status, const char *last)
{
	const char	*what = NULL;
	char		*r;

	if (last == NULL)
		last = "";
	if (status == 255) {
		if (strstr(last, "Host key verification failed") != NULL ||
		    strstr(last, "host key") != NULL)
			what = "host key unknown or changed: check it and add "
			    "it to known_hosts (or, for a new host, run again "
			    "with --accept-new-host-keys)";
		else if (strstr(last, "Connection refused") != NULL ||
		    strstr(last, "timed out") != NULL ||
		    strstr(last, "No route to host") != NULL ||
		    strstr(last, "Could not resolve") != NULL)
			what = "host unreachable: check that it is up and its "
			    "sshd listens on ssh_port";
		else if (strstr(last, "Permission denied") != NULL)
			what = "login refused: check ssh_user and ssh_key_path";
	} else if (strstr(last, "a password is required") != NULL ||
	    strstr(last, "a terminal is required") != NULL)
		what = "sudo asks ssh_user for a password, which a fleet run "
		    "never types: allow ssh_user NOPASSWD sudo on this host";
	else if (strstr(last, "must have a tty") != NULL)
		what = "sudo requires a tty even with ssh -tt: check the "
		    "host's sudoers";
	if ((what != NULL ? asprintf(&r, "%s: %s (%s)", addr, what, last) :
	    asprintf(&r, "%s: exit %d: %s", addr, status,
	    *last != '\0' ? last : "(no output)")) == -1)
		return NULL;
	return r;
}
