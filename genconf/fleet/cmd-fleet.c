/* SPDX-License-Identifier: Apache-2.0 */
/*
 * preflight, deploy, status and uninstall: the site's config (compiled as
 * generate compiles it) names the hosts and how to reach them; the store
 * in genconf/serve/ names what they should run.  Each command is a plan
 * of steps for fleet_run.
 */
#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomicio.h"
#include "digest.h"
#include "error.h"
#include "fleet.h"
#include "genconf.h"
#include "jsonio.h"
#include "log.h"
#include "siteconf.h"
#include "subcmd.h"

enum {
	OPT_HOSTS = 1000,
	OPT_ROLE,
	OPT_HOST,
	OPT_JSON,
	OPT_ACCEPT_NEW,
	OPT_SSH_CONFIG,
	OPT_TTY,
	OPT_BATCH,
	OPT_MAX_FAILURES,
	OPT_TIMEOUT,
	OPT_ROLLBACK
};

/* What a command is: its steps, pulling or pushing, and its options. */
#define FC_ROLLING	0x1	/* upgrade: waves, --batch, --max-failures */
#define FC_GATE		0x2	/* --timeout of the health checks */
struct fleet_cmd {
	const char		*name;
	const struct fleet_step	*pull;		/* hosts fetch bootstrap_url */
	size_t			 npull;
	const struct fleet_step	*push;		/* file://: we copy */
	size_t			 npush;
	const char		*mode;		/* dcos_install.sh option */
	int			 flags;
};

struct fleet_opts {
	const char	 *hosts;
	char		**roles;
	size_t		  nroles;
	char		**addrs;
	size_t		  naddrs;
	int		  json;
	int		  accept_new;
	int		  tty;
	const char	 *ssh_config;
	long		  batch;	/* agents per wave; 0: 10% */
	int		  batch_pct;	/* batch is a percentage */
	long		  max_failures;	/* -1 unless given */
	long		  timeout;	/* --timeout; -1 unless given */
	int		  rollback;	/* --rollback-on-failure */
	int		  rolling_opt;	/* an upgrade-only option given */
	int		  gate_opt;	/* --timeout given */
	int		  bad;		/* an option's argument was refused */
};

/* What the steps need: the store's script and its digest. */
struct fleet_ctx {
	const char	*url;		/* bootstrap_url */
	const char	*script_hex;	/* dcos_install.sh's sha256 */
	const char	*mode;		/* "--preflight-only " or "" */
	const char	*push;		/* file:// mode: the hosts' DIR */
	const char	*genconf;	/* the store is genconf/serve */
	const json_t	*cm;		/* the store's cluster manifest */
	const char	*mhex;		/* its sha256 */
	long		 gate;		/* --timeout of the checks */
	int		 rollback;	/* --rollback-on-failure */
	char		*site_key;	/* genconf/site.key */
};

/* After the usage line and the summary, for -h. */
static const char options_help[] =
"\n"
"Hosts and roles come from genconf/config.yaml (master_list, agent_list,\n"
"public_agent_list, and the Windows agents' windows_agent_list and\n"
"windows_public_agent_list, run with windows_powershell, default\n"
"powershell, windows_ssh_user); ssh_user, ssh_port, ssh_key_path, ssh_parallelism\n"
"(hosts at once, 1-100) and process_timeout (seconds a step may take\n"
"before it is killed) from the same file.  Exit status 0 only when every\n"
"host succeeded.  Each run writes genconf/state/RUN.json and a log per\n"
"host in genconf/logs/RUN/.\n"
"\n"
"  --hosts FILE             the hosts from FILE instead: lines 'ADDRESS ROLE'\n"
"                           (ROLE master, agent, public_agent, windows_agent\n"
"                           or windows_public_agent; # comments)\n"
"  --role ROLE              only the hosts of ROLE (repeatable; agent and\n"
"                           public_agent take the Windows agents too,\n"
"                           windows_agent and windows_public_agent only them)\n"
"  --host ADDR              only host ADDR (repeatable)\n"
"  --accept-new-host-keys   trust and remember the key of a host that is not\n"
"                           in known_hosts yet (a changed key is still\n"
"                           refused); without it an unknown key fails the host\n"
"  --ssh-config FILE        ssh -F FILE instead of ~/.ssh/config\n"
"  --tty                    ssh -tt, for hosts whose sudo has requiretty\n"
"  --json                   print the results as JSON\n"
"  --batch N | N%           upgrade: agents per wave (default 10%), after\n"
"                           the masters one at a time\n"
"  --max-failures N         upgrade: halt before the next wave once more\n"
"                           than N hosts failed (default 0)\n"
"  --timeout SEC            postflight, upgrade: how long a host's health\n"
"                           checks may take to pass, retried (default 900)\n"
"  --rollback-on-failure    upgrade: a host whose checks do not pass after\n"
"                           the switch goes back to its previous generation\n"
"\n"
"bootstrap_url: file:///DIR pushes: each host gets dcos_install.sh and the\n"
"blobs it lacks copied into DIR over ssh and installs with --offline DIR.\n"
"  --release, --trusted-key, --genconf   as for generate\n";

static int
push(char ***vp, size_t *np, const char *s)
{
	char	**v;

	if ((v = reallocarray(*vp, *np + 1, sizeof(*v))) == NULL)
		return -1;
	*vp = v;
	v[(*np)++] = (char *)s;
	return 0;
}

/* A whole number from lo to hi, with an optional suffix; -1 if not. */
static long
number(const char *arg, long lo, long hi, const char *suffix)
{
	char	*end;
	long	 v;

	if (*arg < '0' || *arg > '9')
		return -1;
	v = strtol(arg, &end, 10);
	if (strcmp(end, suffix) != 0 || v < lo || v > hi)
		return -1;
	return v;
}

static int
fleet_opt(int opt, const char *arg, void *ctx)
{
	struct fleet_opts	*fo = ctx;
	const char		*role;

	switch (opt) {
	case OPT_BATCH:
		fo->rolling_opt = 1;
		fo->batch_pct = strchr(arg, '%') != NULL;
		if ((fo->batch = number(arg, 1, fo->batch_pct ? 100 : 100000,
		    fo->batch_pct ? "%" : "")) == -1) {
			log_error("--batch %s: want a number of hosts (1 or "
			    "more) or a percentage (1%% to 100%%)", arg);
			fo->bad = 1;
		}
		return 0;
	case OPT_MAX_FAILURES:
		fo->rolling_opt = 1;
		if ((fo->max_failures = number(arg, 0, 100000, "")) == -1) {
			log_error("--max-failures %s: want a number, 0 or "
			    "more", arg);
			fo->bad = 1;
		}
		return 0;
	case OPT_TIMEOUT:
		fo->gate_opt = 1;
		if ((fo->timeout = number(arg, 1, 86400, "")) == -1) {
			log_error("--timeout %s: want seconds, 1 to 86400",
			    arg);
			fo->bad = 1;
		}
		return 0;
	case OPT_ROLLBACK:
		fo->rolling_opt = 1;
		fo->rollback = 1;
		return 0;
	case OPT_HOSTS:
		fo->hosts = arg;
		return 0;
	case OPT_ROLE:
		if ((role = fleet_role(arg)) == NULL) {
			log_error("--role %s: want master, agent, "
			    "public_agent, windows_agent or "
			    "windows_public_agent", arg);
			fo->bad = 1;
			return 0;
		}
		return push(&fo->roles, &fo->nroles, role);
	case OPT_HOST:
		return push(&fo->addrs, &fo->naddrs, arg);
	case OPT_JSON:
		fo->json = 1;
		return 0;
	case OPT_ACCEPT_NEW:
		fo->accept_new = 1;
		return 0;
	case OPT_SSH_CONFIG:
		fo->ssh_config = arg;
		return 0;
	case OPT_TTY:
		fo->tty = 1;
		return 0;
	}
	return -1;
}

/*
 * The host's view of the push directory: DIR under DCOS_ROOT when the
 * session sets it (an image root), as for dcos_install.sh.
 */
#define PUSH_DIR "r=${DCOS_ROOT-}; d=$r%s; "
/* What scp put in the staging directory $s, moved into DIR. */
#define MOVE_STAGED \
	"for f in \"$s\"/*; do [ -e \"$f\" ] || continue; " \
	"case ${f##*/} in dcos_install.sh) t=$d;; " \
	"*) t=$d/blobs/sha256;; esac; mv -f \"$f\" \"$t/\" || exit 1; done; "

/*
 * What the probe step said: the staging directory on the host (line 1)
 * and its architecture (line 2), both malloc'd.  0, or -1 with
 * h->detail set.
 */
static int
probe_read(const struct fleet_plan *p, struct fleet_host *h,
    char **stagep, char **archp)
{
	char	*path, *err = NULL, *nl;
	char	 buf[1024];
	FILE	*f;
	size_t	 n = 0;
	int	 rc = -1;

	*stagep = *archp = NULL;
	if ((path = fleet_capture(p, h, "probe")) == NULL)
		return -1;
	if ((f = fopen(path, "re")) != NULL) {
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
	if ((nl = strchr(buf, '\n')) != NULL && buf[0] == '/') {
		*nl = '\0';
		*stagep = strdup(buf);
		*archp = strndup(nl + 1, strcspn(nl + 1, "\r\n"));
		if (*stagep != NULL && *archp != NULL)
			rc = 0;
	} else if (asprintf(&err, "%s: the probe printed no staging "
	    "directory (see %s)", h->addr, path) != -1)
		h->detail = err;
	if (rc == -1) {
		free(*stagep);
		free(*archp);
		*stagep = *archp = NULL;
	}
	free(path);
	return rc;
}

/* The pinned dcos-bootstrap of arch, "sha256:<hex>", or NULL. */
static const char *
bootstrap_pin(const struct fleet_ctx *c, const char *arch)
{
	const char	*d = json_string_value(json_object_get(json_object_get(
	    json_object_get(c->cm, "bootstrap"), arch), "digest"));

	return d != NULL && strncmp(d, "sha256:", 7) == 0 ? d : NULL;
}

/*
 * The script's run: fetched by the host from bootstrap_url and checked,
 * or (push) the copy in DIR checked, then run --offline DIR.
 */
static char *
script_command(const struct fleet_plan *p, const struct fleet_host *h)
{
	const struct fleet_ctx	*c = p->ctx;
	char			*u, *r, *stage = NULL, *arch = NULL, *qs;

	if (c->push != NULL) {
		if (probe_read(p, (struct fleet_host *)h, &stage, &arch) ==
		    -1 || (qs = fleet_shquote(stage)) == NULL) {
			free(stage);
			free(arch);
			return NULL;
		}
		/* The staged files in place, the staging gone. */
		r = str_fmt(PUSH_DIR "s=%s; " MOVE_STAGED "rm -rf \"$s\"; "
		    "echo \"%s  $d/dcos_install.sh\" | sha256sum -c - "
		    ">/dev/null 2>&1 || { echo \"$d/dcos_install.sh is not "
		    "the store's (sha256:%s)\" >&2; exit 1; }; "
		    "sh \"$d/dcos_install.sh\" --offline \"$d\" %s%s",
		    c->push, qs, c->script_hex, c->script_hex, c->mode,
		    h->role);
		free(qs);
		free(stage);
		free(arch);
		return r;
	}
	if ((u = fleet_shquote(c->url)) == NULL)
		return NULL;
	r = str_fmt("d=$(mktemp -d) || exit 1; trap 'rm -rf \"$d\"' EXIT; "
	    "u=%s/dcos_install.sh; "
	    "if command -v curl >/dev/null 2>&1; "
	    "then curl -fsS -o \"$d/s\" \"$u\"; "
	    "else wget -qO \"$d/s\" \"$u\"; fi || exit 1; "
	    "echo \"%s  $d/s\" | sha256sum -c - >/dev/null 2>&1 || "
	    "{ echo \"$u is not the store's dcos_install.sh (sha256:%s): "
	    "is the mirror current?\" >&2; exit 1; }; "
	    "sh \"$d/s\" %s%s",
	    u, c->script_hex, c->script_hex, c->mode, h->role);
	free(u);
	return r;
}

/*
 * Push, first step: DIR made (root's only: the config package may hold
 * secrets), a staging directory ssh_user may write (scp runs as that
 * user, not under sudo), and the architecture.
 */
static char *
probe_command(const struct fleet_plan *p, const struct fleet_host *h)
{
	const struct fleet_ctx	*c = p->ctx;

	(void)h;
	return str_fmt(PUSH_DIR "umask 077; mkdir -p \"$d/blobs/sha256\" || "
	    "exit 1; s=$(mktemp -d /tmp/dcos-push.XXXXXX) || exit 1; "
	    "if [ -n \"${SUDO_UID-}\" ]; then chown \"$SUDO_UID\" \"$s\" "
	    "|| exit 1; fi; echo \"$s\"; uname -m", c->push);
}

/* Push: the script, the host's dcos-bootstrap and the manifest. */
static char **
push_bootstrap_argv(const struct fleet_plan *p, struct fleet_host *h)
{
	const struct fleet_ctx	*c = p->ctx;
	const char		*pin;
	char			*stage = NULL, *arch = NULL, *f[3] = { NULL };
	char			**argv = NULL;

	if (probe_read(p, h, &stage, &arch) == -1)
		return NULL;
	if ((pin = bootstrap_pin(c, arch)) == NULL) {
		if (asprintf(&h->detail, "%s: the release has no "
		    "dcos-bootstrap for this host's architecture (%s)",
		    h->addr, arch) == -1)
			h->detail = NULL;
		goto out;
	}
	if (asprintf(&f[0], "%s/serve/dcos_install.sh", c->genconf) == -1 ||
	    asprintf(&f[1], "%s/serve/blobs/sha256/%s", c->genconf,
	    pin + 7) == -1 || asprintf(&f[2], "%s/serve/blobs/sha256/%s",
	    c->genconf, c->mhex) == -1)
		goto out;
	argv = fleet_scp(&p->ssh, h->addr, f, 3, stage);
out:
	free(f[0]);
	free(f[1]);
	free(f[2]);
	free(stage);
	free(arch);
	return argv;
}

/*
 * Push: the staged files moved into DIR, then what the host still
 * lacks, as its own dcos-bootstrap (checked first) says: the signed
 * release and the config package (list-release), then the packages it
 * has not installed yet (list-packages).
 */
static char *
list_command(const struct fleet_plan *p, const struct fleet_host *h,
    const char *how)
{
	const struct fleet_ctx	*c = p->ctx;
	const char		*pin;
	char			*stage = NULL, *arch = NULL, *qs = NULL, *r = NULL;

	if (probe_read(p, (struct fleet_host *)h, &stage, &arch) == -1 ||
	    (pin = bootstrap_pin(c, arch)) == NULL ||
	    (qs = fleet_shquote(stage)) == NULL)
		goto out;
	r = str_fmt(PUSH_DIR "s=%s; " MOVE_STAGED
	    "cp \"$d/blobs/sha256/%s\" \"$s/.bs\" && chmod 0700 \"$s/.bs\" "
	    "|| exit 1; echo \"%s  $s/.bs\" | sha256sum -c - >/dev/null "
	    "2>&1 || { echo \"$d/blobs/sha256/%s is damaged\" >&2; "
	    "exit 1; }; "
	    "\"$s/.bs\" -q missing \"$d/blobs/sha256/%s\" --cache \"$d\" %s; "
	    "e=$?; rm -f \"$s/.bs\"; exit $e",
	    c->push, qs, pin + 7, pin + 7, pin + 7, c->mhex, how);
out:
	free(qs);
	free(stage);
	free(arch);
	return r;
}

static char *
list_release_command(const struct fleet_plan *p, const struct fleet_host *h)
{
	return list_command(p, h, "--preflight");
}

static char *
list_packages_command(const struct fleet_plan *p, const struct fleet_host *h)
{
	return list_command(p, h, "--root \"${r:-/}\"");
}

/*
 * Push: exactly the blobs the step before listed ("sha256:<hex> SIZE
 * PATH" lines), from the store; nothing to copy is a step that does
 * nothing.
 */
static char **
push_listed_argv(const struct fleet_plan *p, struct fleet_host *h)
{
	const struct fleet_ctx	*c = p->ctx;
	char			*path = NULL, *stage = NULL, *arch = NULL;
	char			*line = NULL, **files = NULL, **argv = NULL, **v;
	size_t			 n = 0, i, cap = 0;
	FILE			*f = NULL;
	ssize_t			 len;

	if (probe_read(p, h, &stage, &arch) == -1 ||
	    (path = fleet_capture(p, h, h->todo[h->step - 2].name)) == NULL)
		goto out;
	if ((f = fopen(path, "re")) == NULL) {
		if (asprintf(&h->detail, "%s: %s: %s", h->addr, path,
		    strerror(errno)) == -1)
			h->detail = NULL;
		goto out;
	}
	while ((len = getline(&line, &cap, f)) != -1) {
		size_t	hexlen = strspn(line + (len > 7 ? 7 : 0),
		    "0123456789abcdef");

		if (len < 7 + 64 || strncmp(line, "sha256:", 7) != 0 ||
		    hexlen != 64 || line[71] != ' ') {
			if (asprintf(&h->detail, "%s: dcos-bootstrap missing "
			    "printed an unexpected line (see %s)", h->addr,
			    path) == -1)
				h->detail = NULL;
			goto out;
		}
		if ((v = reallocarray(files, n + 1, sizeof(*v))) == NULL)
			goto out;
		files = v;
		if (asprintf(&files[n], "%s/serve/blobs/sha256/%.64s",
		    c->genconf, line + 7) == -1)
			goto out;
		n++;
		if (access(files[n - 1], R_OK) == -1) {
			if (asprintf(&h->detail, "%s: the host needs %.71s, "
			    "which %s/serve lacks: run dcos-genconf generate "
			    "again", h->addr, line, c->genconf) == -1)
				h->detail = NULL;
			goto out;
		}
	}
	if (n == 0) {
		if ((argv = calloc(2, sizeof(*argv))) != NULL &&
		    (argv[0] = strdup("true")) == NULL) {
			free(argv);
			argv = NULL;
		}
	} else
		argv = fleet_scp(&p->ssh, h->addr, files, n, stage);
out:
	if (f != NULL)
		fclose(f);
	for (i = 0; i < n; i++)
		free(files[i]);
	free(files);
	free(line);
	free(path);
	free(stage);
	free(arch);
	return argv;
}

/*
 * dcos-bootstrap as the host kept it; DCOS_ROOT, when the session sets
 * it (an image root), is where the host lives, as for dcos_install.sh.
 */
#define KEPT_BOOTSTRAP \
	"r=${DCOS_ROOT-}; b=$r/var/lib/dcos/bootstrap/dcos-bootstrap; "

static char *
status_command(const struct fleet_plan *p, const struct fleet_host *h)
{
	(void)p;
	(void)h;
	return strdup(KEPT_BOOTSTRAP
	    "if [ ! -x \"$b\" ]; then echo '{\"installed\": false}'; "
	    "exit 0; fi; "
	    "\"$b\" status --json ${r:+--root \"$r\"}; e=$?; "
	    /* 1: a broken journal, 4: not installed; the report says. */
	    "case $e in 1|4) exit 0;; esac; exit \"$e\"");
}

/* verify's exit status, then its last line: status_table reads both. */
static char *
verify_command(const struct fleet_plan *p, const struct fleet_host *h)
{
	(void)p;
	(void)h;
	return strdup(KEPT_BOOTSTRAP
	    "if [ ! -x \"$b\" ]; then echo 'exit 0'; exit 0; fi; "
	    "v=$(\"$b\" verify ${r:+--root \"$r\"} 2>&1); echo \"exit $?\"; "
	    "printf '%s\\n' \"$v\" | tail -n 1");
}

/*
 * The health checks, again every few seconds while one is critical,
 * until they pass or the gate's time is up; their last JSON report on
 * stdout.  Exit 0: passed; 1: failed; 2: not deployed; with
 * --rollback-on-failure 3: failed and rolled back, 4: the rollback
 * failed too.
 */
static char *
check_command(const struct fleet_plan *p, const struct fleet_host *h)
{
	const struct fleet_ctx	*c = p->ctx;

	(void)h;
	return str_fmt(KEPT_BOOTSTRAP
	    "[ -x \"$b\" ] || { echo \"$b is missing: deploy this host "
	    "first\" >&2; exit 2; }; "
	    "end=$(($(date +%%s) + %ld)); "
	    "while :; do o=$(\"$b\" check --json ${r:+--root \"$r\"}); "
	    "e=$?; [ \"$e\" -eq 1 ] && [ \"$(date +%%s)\" -lt \"$end\" ] "
	    "|| break; sleep 3; done; printf '%%s\\n' \"$o\"; "
	    /* 4: nothing installed (dcos-bootstrap said so): deploy it. */
	    "[ \"$e\" -eq 4 ] && exit 2; %s"
	    "exit \"$e\"", c->gate, c->rollback ?
	    "if [ \"$e\" -eq 1 ]; then \"$b\" rollback ${r:+--root \"$r\"} "
	    ">&2 && exit 3; exit 4; fi; " : "");
}

/* The first line of s, without control characters, in buf. */
static void
first_line(const char *s, char *buf, size_t len)
{
	size_t	i;

	for (i = 0; s != NULL && s[i] != '\0' && s[i] != '\n' &&
	    i + 1 < len; i++)
		buf[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' :
		    s[i];
	buf[i] = '\0';
}

/* A failed check step: each critical check's name and what it said. */
static char *
check_explain(const struct fleet_plan *p, const struct fleet_host *h)
{
	const struct fleet_ctx	*c = p->ctx;
	json_t			*doc, *arr, *v;
	json_error_t		 je;
	char			*path, *r = NULL, *n, what[160];
	const char		*tail;
	size_t			 i;

	if (h->status != 1 && h->status != 3 && h->status != 4)
		return NULL;
	if ((path = fleet_capture(p, h, "check")) == NULL)
		return NULL;
	/* The report comes first; a tty (ssh -tt) may add more after it. */
	doc = json_load_file(path, JSON_DISABLE_EOF_CHECK, &je);
	free(path);
	/* check --json's document; an older dcos-bootstrap printed the list. */
	arr = json_is_object(doc) ? json_object_get(doc, "results") : doc;
	json_array_foreach(arr, i, v) {
		if (strcmp(json_string_value(json_object_get(v, "status")) !=
		    NULL ? json_string_value(json_object_get(v, "status")) :
		    "", "FAIL") != 0)
			continue;
		first_line(json_string_value(json_object_get(v, "output")),
		    what, sizeof(what));
		if (asprintf(&n, "%s%s%s/%s (%s)", r != NULL ? r : "",
		    r != NULL ? "; " : "",
		    json_string_value(json_object_get(v, "package")),
		    json_string_value(json_object_get(v, "check")),
		    what[0] != '\0' ? what : "no output") == -1) {
			n = NULL;
			break;
		}
		free(r);
		r = n;
	}
	json_decref(doc);
	tail = h->status == 3 ? "; rolled back to the previous generation" :
	    h->status == 4 ? "; the rollback failed too (see the log)" : "";
	if (asprintf(&n, "%s: health checks failed for %ld s: %s%s", h->addr,
	    c->gate, r != NULL ? r : "(no report)", tail) == -1)
		n = NULL;
	free(r);
	return n;
}

static char *
uninstall_command(const struct fleet_plan *p, const struct fleet_host *h)
{
	const struct fleet_ctx	*c = p->ctx;

	(void)h;
	/* Push mode: what the pushes put in DIR goes too. */
	return str_fmt(KEPT_BOOTSTRAP
	    "if [ ! -x \"$b\" ]; then echo 'not installed: nothing to "
	    "remove'; else \"$b\" uninstall ${r:+--root \"$r\"} || exit; "
	    "fi%s%s%s", c->push != NULL ? "; d=$r" : "",
	    c->push != NULL ? c->push : "", c->push != NULL ?
	    "; rm -rf \"$d/blobs\" \"$d/dcos_install.sh\" && "
	    "{ rmdir \"$d\" 2>/dev/null || :; }" : "");
}

static const char *cfg_str(const json_t *, const char *, const char *);

/* Whether the cluster manifest has a secrets bundle for role. */
static int
role_has_secrets(const json_t *cm, const char *role)
{
	const json_t	*b;
	size_t		 i;

	json_array_foreach(json_object_get(cm, "blobs"), i, b)
		if (strcmp(cfg_str(b, "kind", ""), "secrets") == 0 &&
		    strcmp(cfg_str(b, "role", ""), role) == 0)
			return 1;
	return 0;
}

/*
 * The site key, to a host whose role has a secrets bundle: read from
 * the step's standard input (genconf/site.key, over the host's ssh
 * connection, never bootstrap_url), put in place atomically, 0600.
 */
static char *
site_key_command(const struct fleet_plan *p, const struct fleet_host *h)
{
	const struct fleet_ctx	*c = p->ctx;

	if (!role_has_secrets(c->cm, h->role))
		return strdup(":");
	/* A pty would echo the key and never pass its end on. */
	if (h->tty)
		return strdup("r=${DCOS_ROOT-}; [ -s \"$r/etc/mesosphere/"
		    "site.key\" ] || { echo \"--tty: the site key cannot "
		    "cross a pty: copy genconf/site.key to "
		    "$r/etc/mesosphere/site.key (0600) on this host first\" "
		    ">&2; exit 1; }");
	if (access(c->site_key, R_OK) == -1)
		return str_fmt("echo 'role %s has a sealed secrets bundle and "
		    "this bootstrap node has no readable %s to give the "
		    "host: put the site key there' >&2; exit 1", h->role,
		    c->site_key);
	return strdup("r=${DCOS_ROOT-}; d=$r/etc/mesosphere; umask 077; "
	    "mkdir -p \"$d\" && cat > \"$d/.site.key.$$\" && "
	    "[ -s \"$d/.site.key.$$\" ] && chmod 0600 \"$d/.site.key.$$\" "
	    "&& mv -f \"$d/.site.key.$$\" \"$d/site.key\" || "
	    "{ rm -f \"$d/.site.key.$$\"; echo \"cannot write $d/site.key\" "
	    ">&2; exit 1; }");
}

static const char *
site_key_input(const struct fleet_plan *p, const struct fleet_host *h)
{
	const struct fleet_ctx	*c = p->ctx;

	return !h->tty && role_has_secrets(c->cm, h->role) &&
	    access(c->site_key, R_OK) == 0 ? c->site_key : "/dev/null";
}

static const struct fleet_step site_key_step = {
	.name = "site-key", .command = site_key_command,
	.input = site_key_input
};

/*
 * A store with secrets bundles: the commands that run dcos_install.sh
 * give each host the site key first (*stepsp, malloc'd, replaces the
 * plan's steps).  Without bundles nothing changes.  0, or -1 out of
 * memory.
 */
static int
with_site_key(struct fleet_ctx *c, const char *cmd, struct fleet_plan *p,
    struct fleet_step **stepsp)
{
	const json_t	*b;
	size_t		 i;
	int		 any = 0;

	*stepsp = NULL;
	json_array_foreach(json_object_get(c->cm, "blobs"), i, b)
		any |= strcmp(cfg_str(b, "kind", ""), "secrets") == 0;
	if (!any || (strcmp(cmd, "preflight") != 0 &&
	    strcmp(cmd, "deploy") != 0 && strcmp(cmd, "upgrade") != 0))
		return 0;
	if ((c->site_key = path_join(c->genconf, "site.key")) == NULL ||
	    (*stepsp = calloc(p->nsteps + 1, sizeof(**stepsp))) == NULL)
		return -1;
	(*stepsp)[0] = site_key_step;
	memcpy(*stepsp + 1, p->steps, p->nsteps * sizeof(**stepsp));
	p->steps = *stepsp;
	p->nsteps++;
	return 0;
}

#define STEP_RUN(n) { .name = (n), .command = script_command }
#define STEP_CHECK { .name = "check", .command = check_command, \
	.explain = check_explain, .capture = 1, .gate = 1 }
/* Push, up to the blobs preflight reads. */
#define STEPS_PUSH_RELEASE \
	{ .name = "probe", .command = probe_command, .capture = 1 }, \
	{ .name = "push-bootstrap", .argv = push_bootstrap_argv }, \
	{ .name = "list-release", .command = list_release_command, \
	    .capture = 1 }, \
	{ .name = "push-release", .argv = push_listed_argv }
#define STEPS_PUSH_PACKAGES \
	{ .name = "list-packages", .command = list_packages_command, \
	    .capture = 1 }, \
	{ .name = "push-packages", .argv = push_listed_argv }

static const struct fleet_step preflight_steps[] = { STEP_RUN("preflight") };
static const struct fleet_step preflight_push[] = {
	STEPS_PUSH_RELEASE, STEP_RUN("preflight")
};
static const struct fleet_step deploy_steps[] = { STEP_RUN("install") };
static const struct fleet_step deploy_push[] = {
	STEPS_PUSH_RELEASE, STEPS_PUSH_PACKAGES, STEP_RUN("install")
};
static const struct fleet_step postflight_steps[] = { STEP_CHECK };
static const struct fleet_step status_steps[] = {
	{ .name = "status", .command = status_command, .capture = 1 },
	{ .name = "verify", .command = verify_command, .capture = 1 },
};
static const struct fleet_step upgrade_steps[] = {
	STEP_RUN("upgrade"), STEP_CHECK
};
static const struct fleet_step upgrade_push[] = {
	STEPS_PUSH_RELEASE, STEPS_PUSH_PACKAGES, STEP_RUN("upgrade"),
	STEP_CHECK
};
static const struct fleet_step uninstall_steps[] = {
	{ .name = "uninstall", .command = uninstall_command },
};

#define NSTEPS(a)	(sizeof(a) / sizeof((a)[0]))
static const struct fleet_cmd fleet_cmds[] = {
	{ "preflight", preflight_steps, NSTEPS(preflight_steps),
	  preflight_push, NSTEPS(preflight_push), "--preflight-only ", 0 },
	{ "deploy", deploy_steps, NSTEPS(deploy_steps), deploy_push,
	  NSTEPS(deploy_push), "", 0 },
	{ "postflight", postflight_steps, NSTEPS(postflight_steps),
	  postflight_steps, NSTEPS(postflight_steps), "", FC_GATE },
	{ "status", status_steps, NSTEPS(status_steps), status_steps,
	  NSTEPS(status_steps), "", 0 },
	{ "upgrade", upgrade_steps, NSTEPS(upgrade_steps), upgrade_push,
	  NSTEPS(upgrade_push), "", FC_ROLLING | FC_GATE },
	{ "uninstall", uninstall_steps, NSTEPS(uninstall_steps),
	  uninstall_steps, NSTEPS(uninstall_steps), "", 0 },
};

/* A config value: a string, or def when unset. */
static const char *
cfg_str(const json_t *eff, const char *key, const char *def)
{
	const char	*s = json_string_value(json_object_get(eff, key));

	return s != NULL ? s : def;
}

static long
cfg_int(const json_t *eff, const char *key, long def)
{
	json_t	*v = json_object_get(eff, key);

	return json_is_integer(v) ? (long)json_integer_value(v) : def;
}

int
fleet_load_store(const char *genconf, json_t **indexp, json_t **cmp,
    char **errp)
{
	char		*path = NULL;
	const char	*cur;
	int		 rc = -1;

	*indexp = *cmp = NULL;
	if (asprintf(&path, "%s/serve/index.json", genconf) == -1) {
		path = NULL;
		err_set(errp, "out of memory");
		goto out;
	}
	if ((*indexp = jsonio_load(path, 1 << 24, errp)) == NULL) {
		err_wrap(errp, "no store to deploy (run dcos-genconf generate "
		    "first)");
		goto out;
	}
	cur = json_string_value(json_object_get(*indexp, "current"));
	if (cur == NULL || strncmp(cur, "sha256:", 7) != 0) {
		err_set(errp, "%s: no current cluster manifest", path);
		goto out;
	}
	free(path);
	if (asprintf(&path, "%s/serve/blobs/sha256/%s", genconf, cur + 7) ==
	    -1) {
		path = NULL;
		err_set(errp, "out of memory");
		goto out;
	}
	if ((*cmp = jsonio_load(path, 1 << 24, errp)) == NULL)
		goto out;
	rc = 0;
out:
	free(path);
	return rc;
}

/*
 * Why a host on another cluster manifest than the store's current one
 * drifts: its release, else its config, else the manifest itself.
 */
static void
drift_of(const json_t *g, const json_t *st, const json_t *cm,
    const char *cur, char *buf, size_t len)
{
	const json_t	*rel = json_object_get(cm, "release");
	const char	*hv, *sv, *hc, *sc;

	hv = json_string_value(json_object_get(g, "version"));
	sv = json_string_value(json_object_get(rel, "version"));
	hc = json_string_value(json_object_get(g, "config_id"));
	sc = json_string_value(json_object_get(cm, "config_id"));
	if (hv != NULL && sv != NULL && strcmp(hv, sv) != 0)
		snprintf(buf, len, "release %s, store has %s", hv, sv);
	else if (hc != NULL && sc != NULL && strcmp(hc, sc) != 0)
		snprintf(buf, len, "config %.12s, store has %.12s", hc, sc);
	else
		snprintf(buf, len, "cluster manifest %.19s, store has %.19s",
		    json_string_value(json_object_get(st,
		    "cluster_manifest")), cur);
}

/* Appends "; what" (or what) to the drift in buf. */
static void
drift_add(char *buf, size_t len, const char *what)
{
	size_t	n = strlen(buf);

	snprintf(buf + n, len - n, "%s%s", n > 0 ? "; " : "", what);
}

/*
 * What verify said on h (verify_command): its exit status and last
 * line; the drift it reports added to buf.  Returns {exit, summary} or
 * NULL when the host has nothing installed to verify.
 */
static json_t *
verify_read(const struct fleet_plan *p, const struct fleet_host *h,
    char *buf, size_t len)
{
	char	*path, line[256] = "", what[300], *d;
	FILE	*f = NULL;
	int	 ex = -1;

	if ((path = fleet_capture(p, h, "verify")) != NULL)
		f = fopen(path, "re");
	free(path);
	if (f == NULL || fscanf(f, "exit %d\n", &ex) != 1) {
		if (f != NULL)
			fclose(f);
		drift_add(buf, len, "verify printed nothing (see the log)");
		return NULL;
	}
	if (fgets(what, sizeof(what), f) != NULL)
		first_line(what, line, sizeof(line));
	fclose(f);
	jsonio_scrub(line, sizeof(line) - 1, 0);
	if (ex == 0 && line[0] == '\0')
		return NULL;
	if (ex != 0) {
		if ((d = strstr(line, "drift: ")) != NULL)
			snprintf(what, sizeof(what), "verify: %s", d + 7);
		else
			snprintf(what, sizeof(what), "verify failed: %s",
			    line);
		drift_add(buf, len, what);
	}
	return json_pack("{s:i, s:s}", "exit", ex, "summary", line);
}

/* A Windows host's services that do not run, added to the drift. */
static void
services_drift(const json_t *st, char *buf, size_t len)
{
	const char	*name;
	json_t		*v;
	char		 one[300];

	json_object_foreach((json_t *)json_object_get(st, "services"), name,
	    v) {
		if (strcmp(json_string_value(v) != NULL ?
		    json_string_value(v) : "", "running") == 0)
			continue;
		snprintf(one, sizeof(one), "service %s %s", name,
		    json_string_value(v) != NULL ? json_string_value(v) : "?");
		drift_add(buf, len, one);
	}
}

/*
 * Reads each host's status and verify and prints the table; a host
 * drifts when it is not on the store's current cluster manifest (or
 * lacks its role), verify finds drift or its journal is broken.
 * Returns how many hosts are current.
 */
static size_t
status_table(struct fleet_plan *p, const json_t *index, const json_t *cm,
    json_t *doc)
{
	const char	*cur = json_string_value(json_object_get(index,
	    "current"));
	json_t		*arr = json_object_get(doc, "hosts"), *st, *g, *row;
	json_t		*ver, *jr;
	char		*err = NULL, *path, drift[1024], rel[96], one[512];
	char		 cid[13];
	size_t		 i, clean = 0;

	if (doc == NULL)
		printf("%-24s %-13s %4s %-22s %-12s %s\n", "HOST", "ROLE",
		    "GEN", "RELEASE", "CONFIG", "DRIFT");
	for (i = 0; i < p->nhosts; i++) {
		struct fleet_host *h = &p->hosts[i];

		st = g = ver = NULL;
		drift[0] = '\0';
		path = h->result == FLEET_OK ? fleet_capture(p, h, "status") :
		    NULL;
		if (h->result == FLEET_OK && (path == NULL || (st = h->windows ?
		    fleet_win_status(path, &err) : jsonio_load(path, 1 << 20,
		    &err)) == NULL)) {
			snprintf(drift, sizeof(drift), "unreadable status: %s",
			    err != NULL ? err : "out of memory");
			free(err);
			err = NULL;
		} else if (h->result != FLEET_OK)
			snprintf(drift, sizeof(drift), "%s",
			    h->detail != NULL ? h->detail : "failed");
		else if (!json_is_true(json_object_get(st, "installed")))
			snprintf(drift, sizeof(drift), "not installed");
		else {
			g = json_object_get(st, "current");
			if (cur != NULL && !json_equal(json_object_get(st,
			    "cluster_manifest"), json_object_get(index,
			    "current"))) {
				drift_of(g, st, cm, cur, one, sizeof(one));
				drift_add(drift, sizeof(drift), one);
			} else if (!jsonio_in_array(json_object_get(g,
			    "roles"), h->role)) {
				snprintf(one, sizeof(one), "not a %s",
				    h->role);
				drift_add(drift, sizeof(drift), one);
			}
			if (h->windows)
				services_drift(st, drift, sizeof(drift));
			else
				ver = verify_read(p, h, drift, sizeof(drift));
			jr = json_object_get(st, "journal");
			if (jr != NULL && !json_is_true(json_object_get(jr,
			    "intact"))) {
				snprintf(one, sizeof(one), "journal broken: %s",
				    json_string_value(json_object_get(jr,
				    "problem")) != NULL ? json_string_value(
				    json_object_get(jr, "problem")) : "?");
				first_line(one, one, sizeof(one));
				drift_add(drift, sizeof(drift), one);
			}
			if (drift[0] == '\0')
				clean++;
		}
		free(path);
		/* Host words, cut anywhere by snprintf: UTF-8, no escapes. */
		jsonio_scrub(drift, sizeof(drift) - 1, 0);
		snprintf(rel, sizeof(rel), "%s %s",
		    g != NULL ? json_string_value(json_object_get(g,
		    "release")) : "-",
		    g != NULL ? json_string_value(json_object_get(g,
		    "version")) : "");
		jsonio_scrub(rel, sizeof(rel) - 1, 0);
		snprintf(cid, sizeof(cid), "%s", g != NULL &&
		    json_string_value(json_object_get(g, "config_id")) !=
		    NULL ? json_string_value(json_object_get(g, "config_id")) :
		    "-");
		jsonio_scrub(cid, sizeof(cid) - 1, 0);
		if (doc != NULL) {
			row = json_array_get(arr, i);
			json_object_set(row, "status", st != NULL ? st :
			    json_null());
			json_object_set(row, "verify", ver != NULL ? ver :
			    json_null());
			json_object_set_new(row, "drift", drift[0] != '\0' ?
			    json_string(drift) : json_null());
		} else
			printf("%-24s %-13s %4lld %-22s %-12.12s %s\n",
			    h->addr, h->role, g != NULL ?
			    (long long)json_integer_value(json_object_get(g,
			    "generation")) : 0LL, rel, cid,
			    drift[0] != '\0' ? drift : "-");
		json_decref(ver);
		json_decref(st);
	}
	return clean;
}

/*
 * A rolling plan: masters first, one per wave, so at most one master is
 * ever switching; then the agents (private and public) in waves of
 * fo->batch hosts (or fo->batch percent of them, at least one).
 */
static int
plan_waves(struct fleet_plan *p, const struct fleet_opts *fo, char **errp)
{
	struct fleet_host	*v;
	size_t			 i, k = 0, nagents, batch, nm = 0;

	if ((v = calloc(p->nhosts, sizeof(*v))) == NULL)
		return err_set(errp, "out of memory");
	for (i = 0; i < p->nhosts; i++)
		if (strcmp(p->hosts[i].role, "master") == 0) {
			v[k] = p->hosts[i];
			v[k].wave = (int)k;
			k++;
		}
	nm = k;
	nagents = p->nhosts - nm;
	if (fo->batch == 0)
		batch = (nagents + 9) / 10;
	else if (fo->batch_pct)
		batch = (nagents * fo->batch + 99) / 100;
	else
		batch = (size_t)fo->batch;
	if (batch == 0)
		batch = 1;
	for (i = 0; i < p->nhosts; i++)
		if (strcmp(p->hosts[i].role, "master") != 0) {
			v[k] = p->hosts[i];
			v[k].wave = (int)(nm + (k - nm) / batch);
			k++;
		}
	free(p->hosts);
	p->hosts = v;
	return 0;
}

/* bootstrap_url's file:// DIR, or NULL (pulls); -1 when malformed. */
static int
push_dir(const char *url, const char **dirp)
{
	const char	*d;

	*dirp = NULL;
	if (strncmp(url, "file://", 7) != 0)
		return 0;
	d = url + 7;
	/* Shell-quoted where it is used; still no surprises in a path. */
	if (d[0] != '/' || d[1] == '\0' || strstr(d, "/../") != NULL ||
	    strstr(d, "/./") != NULL || strcmp(d + strlen(d) - 3, "/..") == 0 ||
	    strcspn(d, "\"$`\\\n\t ") != strlen(d))
		return -1;
	*dirp = d;
	return 0;
}

/*
 * The Windows hosts of the plan get their own steps, which run the
 * store's dcos_install.ps1 (pinned in index.json); a store without one,
 * or push mode, which only dcos_install.sh knows, is refused.  0, or -1
 * with *errp.
 */
static int
windows_hosts(struct fleet_plan *p, struct fleet_win *w,
    const struct fleet_ctx *c, const json_t *index, const json_t *eff,
    char **errp)
{
	const char	*dig;
	struct digest	 d;
	size_t		 i, n;

	for (i = 0; i < p->nhosts && !p->hosts[i].windows; i++)
		;
	if (i == p->nhosts)
		return 0;
	if (c->push != NULL)
		return err_set(errp, "%s: a Windows host, and bootstrap_url %s "
		    "pushes: dcos_install.ps1 fetches over http(s) only; serve "
		    "the store (dcos-artifactd) and set bootstrap_url to it",
		    p->hosts[i].addr, c->url);
	dig = json_string_value(json_object_get(json_object_get(index,
	    "install_script_windows"), "digest"));
	if (dig == NULL || digest_parse(dig, &d) == -1)
		return err_set(errp, "%s/serve/index.json: no "
		    "install_script_windows digest (sha256: and 64 lowercase "
		    "hex digits) for the Windows hosts: run dcos-genconf "
		    "generate again", c->genconf);
	w->powershell = cfg_str(eff, "windows_powershell", "powershell");
	if (fleet_win_program_check(w->powershell) == -1)
		return err_set(errp, "windows_powershell: '%s' is not a plain "
		    "program name or path (letters, digits and ._-:\\/~, no "
		    "spaces or quotes): name powershell, pwsh or a path "
		    "without spaces", w->powershell);
	/* Never the Linux steps (the site key first) for a Windows host. */
	if (fleet_win_steps(p->command, &n) == NULL)
		return err_set(errp, "%s: a Windows host, and %s has no "
		    "Windows steps: leave the Windows hosts out (--role, "
		    "--host)", p->hosts[i].addr, p->command);
	if (asprintf(&w->script, "%s/serve/dcos_install.ps1", c->genconf) ==
	    -1) {
		w->script = NULL;
		return err_set(errp, "out of memory");
	}
	w->hex = dig + 7;
	w->gate = c->gate;
	w->rollback = c->rollback;
	p->win = w;
	for (i = 0; i < p->nhosts; i++)
		if (p->hosts[i].windows)
			p->hosts[i].todo = fleet_win_steps(p->command,
			    &p->hosts[i].ntodo);
	return 0;
}

static int
fleet_main(const struct fleet_cmd *fc, int argc, char **argv,
    const struct fleet_hooks *hooks)
{
	static const struct option longopts[] = {
		{ "hosts", required_argument, NULL, OPT_HOSTS },
		{ "role", required_argument, NULL, OPT_ROLE },
		{ "host", required_argument, NULL, OPT_HOST },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "accept-new-host-keys", no_argument, NULL, OPT_ACCEPT_NEW },
		{ "ssh-config", required_argument, NULL, OPT_SSH_CONFIG },
		{ "tty", no_argument, NULL, OPT_TTY },
		{ "batch", required_argument, NULL, OPT_BATCH },
		{ "max-failures", required_argument, NULL, OPT_MAX_FAILURES },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "rollback-on-failure", no_argument, NULL, OPT_ROLLBACK },
		{ NULL, 0, NULL, 0 }
	};
	const char		*name = fc->name;
	const struct subcmd	*c = subcmd_find(genconf_commands, name);
	struct fleet_opts	 fo;
	struct config_extra	 x = { NULL, longopts, fleet_opt, &fo };
	struct config_opts	 o;
	struct config_output	 out;
	struct release		*rel = NULL;
	struct fleet_plan	 p;
	struct fleet_ctx	 ctx;
	struct fleet_win	 win;
	struct fleet_step	*keysteps = NULL;
	json_t			*index = NULL, *cm = NULL, *doc = NULL;
	const char		*key, *dig;
	struct digest		 sd;
	char			*err = NULL, *s;
	size_t			 ok;
	int			 r, rc = EXIT_FAIL;

	memset(&fo, 0, sizeof(fo));
	memset(&ctx, 0, sizeof(ctx));
	memset(&win, 0, sizeof(win));
	fo.max_failures = -1;
	fo.timeout = -1;
	memset(&out, 0, sizeof(out));
	memset(&p, 0, sizeof(p));
	if ((r = config_opts_parse(c, argc, argv, &x, &o)) == 0 &&
	    fo.rolling_opt && !(fc->flags & FC_ROLLING)) {
		log_error("--batch, --max-failures and --rollback-on-failure "
		    "are for upgrade");
		fo.bad = 1;
	}
	if (r == 0 && fo.gate_opt && !(fc->flags & FC_GATE)) {
		log_error("--timeout is for postflight and upgrade");
		fo.bad = 1;
	}
	if (r != 0 || fo.bad) {
		free(fo.roles);
		free(fo.addrs);
		if (r == 0)
			config_opts_free(&o);
		if (r == 1)
			fputs(options_help, stdout);
		return r == 1 ? EXIT_OK : EXIT_USAGE;
	}
	if (config_load_release(&o, &rel, &err) == -1) {
		log_error("%s", err);
		goto out;
	}
	if (config_compile_report(rel, o.genconf, &out) == -1)
		goto out;
	if (fleet_load_store(o.genconf, &index, &cm, &err) == -1) {
		log_error("%s", err);
		goto out;
	}
	dig = json_string_value(json_object_get(json_object_get(index,
	    "install_script"), "digest"));
	if (dig == NULL || digest_parse(dig, &sd) == -1) {
		log_error("%s/serve/index.json: no install_script digest "
		    "(sha256: and 64 lowercase hex digits): run dcos-genconf "
		    "generate again", o.genconf);
		goto out;
	}
	ctx.url = cfg_str(out.effective, "bootstrap_url", "");
	ctx.script_hex = dig + 7;
	ctx.mode = fc->mode;
	ctx.genconf = o.genconf;
	ctx.cm = cm;
	ctx.mhex = json_string_value(json_object_get(index, "current")) + 7;
	ctx.gate = fo.timeout >= 0 ? fo.timeout : 900;
	ctx.rollback = fo.rollback;
	if (push_dir(ctx.url, &ctx.push) == -1) {
		log_error("%s/config.yaml: bootstrap_url %s: push mode wants "
		    "file:///DIR, DIR an absolute directory (not /) without "
		    "., .., spaces or shell quotes", o.genconf, ctx.url);
		goto out;
	}

	p.command = name;
	if (hooks != NULL) {
		p.notify = hooks->notify;
		p.notify_arg = hooks->arg;
	}
	p.steps = ctx.push != NULL ? fc->push : fc->pull;
	p.nsteps = ctx.push != NULL ? fc->npush : fc->npull;
	if (with_site_key(&ctx, name, &p, &keysteps) == -1) {
		log_error("out of memory");
		goto out;
	}
	p.ctx = &ctx;
	p.gate = ctx.gate;
	if ((fo.hosts != NULL ? fleet_hosts_from_file(fo.hosts, &p.hosts,
	    &p.nhosts, &err) : fleet_hosts_from_config(out.effective,
	    &p.hosts, &p.nhosts, &err)) == -1 ||
	    fleet_hosts_filter(&p.hosts, &p.nhosts, fo.roles, fo.nroles,
	    fo.addrs, fo.naddrs, &err) == -1) {
		log_error("%s", err);
		goto out;
	}
	if (p.nhosts == 0) {
		log_error("no hosts to %s: list them in master_list, agent_list, "
		    "public_agent_list, windows_agent_list and "
		    "windows_public_agent_list of %s/config.yaml (or give "
		    "--hosts FILE), or loosen --role/--host", name, o.genconf);
		goto out;
	}
	if (windows_hosts(&p, &win, &ctx, index, out.effective, &err) == -1) {
		log_error("%s", err);
		goto out;
	}
	p.max_failures = -1;
	if (fc->flags & FC_ROLLING) {
		p.max_failures = fo.max_failures >= 0 ? fo.max_failures : 0;
		if (plan_waves(&p, &fo, &err) == -1) {
			log_error("%s", err);
			goto out;
		}
	}
	p.parallelism = cfg_int(out.effective, "ssh_parallelism", 20);
	if (p.parallelism < 1 || p.parallelism > FLEET_MAX_PARALLELISM) {
		log_error("config.yaml: ssh_parallelism %ld: want 1 to %d",
		    p.parallelism, FLEET_MAX_PARALLELISM);
		goto out;
	}
	p.timeout = cfg_int(out.effective, "process_timeout", 120);
	if (p.timeout < 1) {
		log_error("config.yaml: process_timeout %ld: want at least 1 "
		    "second", p.timeout);
		goto out;
	}
	p.ssh.user = cfg_str(out.effective, "ssh_user", "root");
	p.ssh.win_user = cfg_str(out.effective, "windows_ssh_user", "");
	if (p.ssh.win_user[0] == '\0')
		p.ssh.win_user = p.ssh.user;
	p.ssh.port = cfg_int(out.effective, "ssh_port", 22);
	key = cfg_str(out.effective, "ssh_key_path", NULL);
	/* DC/OS's default key, when there is one; else ssh's own choice. */
	if (key != NULL && access(key, R_OK) == 0)
		p.ssh.key = key;
	p.ssh.config = fo.ssh_config;
	p.ssh.accept_new = fo.accept_new;
	p.ssh.tty = fo.tty;
	if (fleet_prepare(&p, o.genconf, &err) == -1) {
		log_error("%s", err);
		goto out;
	}
	fleet_run(&p);
	ok = fleet_ok(&p);
	if (fc->pull == status_steps) {
		if ((fo.json || (hooks != NULL && hooks->statusp != NULL)) &&
		    (doc = json_object()) != NULL)
			json_object_set_new(doc, "hosts", json_array());
		if (doc != NULL) {
			size_t	 i;

			for (i = 0; i < p.nhosts; i++)
				json_array_append_new(json_object_get(doc,
				    "hosts"), json_pack("{s:s, s:s}", "host",
				    p.hosts[i].addr, "role", p.hosts[i].role));
		}
		ok = status_table(&p, index, cm, doc);
		if (doc != NULL) {
			json_object_set(doc, "cluster_manifest",
			    json_object_get(index, "current"));
			json_object_set_new(doc, "hosts_current",
			    json_integer(ok));
			json_object_set_new(doc, "hosts_total",
			    json_integer(p.nhosts));
			if (hooks != NULL && hooks->statusp != NULL) {
				*hooks->statusp = doc;
				doc = NULL;
			} else if ((s = json_dumps(doc, JSON_INDENT(2))) !=
			    NULL) {
				printf("%s\n", s);
				free(s);
			}
		} else
			printf("status: %zu of %zu hosts current (state %s, "
			    "logs %s/)\n", ok, p.nhosts, p.state, p.logdir);
	} else
		fleet_report(&p, fo.json);
	rc = ok == p.nhosts ? EXIT_OK : EXIT_FAIL;
out:
	free(err);
	json_decref(doc);
	json_decref(index);
	json_decref(cm);
	fleet_hosts_free(p.hosts, p.nhosts);
	free(keysteps);
	free(ctx.site_key);
	free(win.script);
	free(p.run);
	free(p.state);
	free(p.logdir);
	free(p.ssh.ctldir);
	config_output_free(&out);
	release_free(rel);
	config_opts_free(&o);
	free(fo.roles);
	free(fo.addrs);
	return rc;
}

int
cmd_preflight(int argc, char **argv)
{
	return fleet_main(&fleet_cmds[0], argc, argv, NULL);
}

int
cmd_deploy(int argc, char **argv)
{
	return fleet_main(&fleet_cmds[1], argc, argv, NULL);
}

int
cmd_postflight(int argc, char **argv)
{
	return fleet_main(&fleet_cmds[2], argc, argv, NULL);
}

int
cmd_status(int argc, char **argv)
{
	return fleet_main(&fleet_cmds[3], argc, argv, NULL);
}

int
cmd_upgrade(int argc, char **argv)
{
	return fleet_main(&fleet_cmds[4], argc, argv, NULL);
}

int
cmd_uninstall(int argc, char **argv)
{
	return fleet_main(&fleet_cmds[5], argc, argv, NULL);
}

int
fleet_command(const char *name, int argc, char **argv,
    const struct fleet_hooks *hooks)
{
	size_t	 i;

	for (i = 0; i < sizeof(fleet_cmds) / sizeof(fleet_cmds[0]); i++)
		if (strcmp(fleet_cmds[i].name, name) == 0)
			return fleet_main(&fleet_cmds[i], argc, argv, hooks);
	log_error("%s: not a fleet command", name);
	return EXIT_USAGE;
}
