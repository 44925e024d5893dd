/*
 * preflight, deploy, status and uninstall: the site's config (compiled as
 * generate compiles it) names the hosts and how to reach them; the store
 * in genconf/serve/ names what they should run.  Each command is a plan
 * of steps for fleet_run.
 */
#include <config.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomicio.h"
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
	OPT_MAX_FAILURES
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
	int		  rolling_opt;	/* --batch or --max-failures given */
	int		  bad;		/* an option's argument was refused */
};

/* What the steps need: the store's script and its digest. */
struct fleet_ctx {
	const char	*url;		/* bootstrap_url */
	const char	*script_hex;	/* dcos_install.sh's sha256 */
	const char	*mode;		/* "--preflight-only " or "" */
};

/* After the usage line and the summary, for -h. */
static const char options_help[] =
"\n"
"Hosts and roles come from genconf/config.yaml (master_list, agent_list,\n"
"public_agent_list); ssh_user, ssh_port, ssh_key_path, ssh_parallelism\n"
"(hosts at once, 1-100) and process_timeout (seconds a step may take\n"
"before it is killed) from the same file.  Exit status 0 only when every\n"
"host succeeded.  Each run writes genconf/state/RUN.json and a log per\n"
"host in genconf/logs/RUN/.\n"
"\n"
"  --hosts FILE             the hosts from FILE instead: lines 'ADDRESS ROLE'\n"
"                           (ROLE master, agent or public_agent; # comments)\n"
"  --role ROLE              only the hosts of ROLE (repeatable)\n"
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
	case OPT_HOSTS:
		fo->hosts = arg;
		return 0;
	case OPT_ROLE:
		if ((role = fleet_role(arg)) == NULL) {
			log_error("--role %s: want master, agent or "
			    "public_agent", arg);
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

/* The fetch of the store's script by the host, checked, then its run. */
static char *
script_command(const struct fleet_host *h, void *arg)
{
	const struct fleet_ctx	*c = arg;
	char			*u, *r;

	if ((u = fleet_shquote(c->url)) == NULL)
		return NULL;
	if (asprintf(&r,
	    "d=$(mktemp -d) || exit 1; trap 'rm -rf \"$d\"' EXIT; "
	    "u=%s/dcos_install.sh; "
	    "if command -v curl >/dev/null 2>&1; "
	    "then curl -fsS -o \"$d/s\" \"$u\"; "
	    "else wget -qO \"$d/s\" \"$u\"; fi || exit 1; "
	    "echo \"%s  $d/s\" | sha256sum -c - >/dev/null 2>&1 || "
	    "{ echo \"$u is not the store's dcos_install.sh (sha256:%s): "
	    "is the mirror current?\" >&2; exit 1; }; "
	    "sh \"$d/s\" %s%s",
	    u, c->script_hex, c->script_hex, c->mode, h->role) == -1)
		r = NULL;
	free(u);
	return r;
}

/*
 * dcos-bootstrap as the host kept it; DCOS_ROOT, when the session sets
 * it (an image root), is where the host lives, as for dcos_install.sh.
 */
#define KEPT_BOOTSTRAP \
	"r=${DCOS_ROOT-}; b=$r/var/lib/dcos/bootstrap/dcos-bootstrap; "

static char *
status_command(const struct fleet_host *h, void *arg)
{
	(void)h;
	(void)arg;
	return strdup(KEPT_BOOTSTRAP
	    "if [ ! -x \"$b\" ]; then echo '{\"installed\": false}'; "
	    "exit 0; fi; "
	    "exec \"$b\" status --json ${r:+--root \"$r\"}");
}

static char *
uninstall_command(const struct fleet_host *h, void *arg)
{
	(void)h;
	(void)arg;
	return strdup(KEPT_BOOTSTRAP
	    "if [ ! -x \"$b\" ]; then echo 'not installed: nothing to "
	    "remove'; exit 0; fi; "
	    "exec \"$b\" uninstall ${r:+--root \"$r\"}");
}

static const struct fleet_step preflight_steps[] = {
	{ "preflight", script_command, 0 },
};
static const struct fleet_step deploy_steps[] = {
	{ "install", script_command, 0 },
};
static const struct fleet_step status_steps[] = {
	{ "status", status_command, 1 },
};
static const struct fleet_step upgrade_steps[] = {
	{ "upgrade", script_command, 0 },
};
static const struct fleet_step uninstall_steps[] = {
	{ "uninstall", uninstall_command, 0 },
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

/* The store's index.json and its current cluster manifest. */
static int
load_store(const char *genconf, json_t **indexp, json_t **cmp, char **errp)
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

/*
 * Reads each host's status and prints the table; a host that is not on
 * the store's current cluster manifest (or lacks its role) drifts.
 * Returns how many hosts are current.
 */
static size_t
status_table(struct fleet_plan *p, const json_t *index, const json_t *cm,
    json_t *doc)
{
	const char	*cur = json_string_value(json_object_get(index,
	    "current"));
	json_t		*arr = json_object_get(doc, "hosts"), *st, *g, *row;
	char		*err = NULL, drift[512], rel[96];
	size_t		 i, clean = 0;

	if (doc == NULL)
		printf("%-24s %-13s %4s %-22s %-12s %s\n", "HOST", "ROLE",
		    "GEN", "RELEASE", "CONFIG", "DRIFT");
	for (i = 0; i < p->nhosts; i++) {
		struct fleet_host *h = &p->hosts[i];

		st = NULL;
		g = NULL;
		if (h->result == FLEET_OK &&
		    (st = jsonio_load(h->out, 1 << 20, &err)) == NULL) {
			snprintf(drift, sizeof(drift), "unreadable status: %s",
			    err);
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
			    "current")))
				drift_of(g, st, cm, cur, drift, sizeof(drift));
			else if (!jsonio_in_array(json_object_get(g, "roles"),
			    h->role))
				snprintf(drift, sizeof(drift), "not a %s",
				    h->role);
			else {
				drift[0] = '\0';
				clean++;
			}
		}
		snprintf(rel, sizeof(rel), "%s %s",
		    g != NULL ? json_string_value(json_object_get(g,
		    "release")) : "-",
		    g != NULL ? json_string_value(json_object_get(g,
		    "version")) : "");
		if (doc != NULL) {
			row = json_array_get(arr, i);
			json_object_set(row, "status", st != NULL ? st :
			    json_null());
			json_object_set_new(row, "drift", drift[0] != '\0' ?
			    json_string(drift) : json_null());
		} else
			printf("%-24s %-13s %4lld %-22s %-12.12s %s\n",
			    h->addr, h->role, g != NULL ?
			    (long long)json_integer_value(json_object_get(g,
			    "generation")) : 0LL, rel, g != NULL &&
			    json_string_value(json_object_get(g,
			    "config_id")) != NULL ?
			    json_string_value(json_object_get(g,
			    "config_id")) : "-", drift[0] != '\0' ? drift :
			    "-");
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

static int
fleet_main(const char *name, const struct fleet_step *steps, size_t nsteps,
    const char *mode, int argc, char **argv)
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
		{ NULL, 0, NULL, 0 }
	};
	const struct subcmd	*c = subcmd_find(genconf_commands, name);
	struct fleet_opts	 fo;
	struct config_extra	 x = { NULL, longopts, fleet_opt, &fo };
	struct config_opts	 o;
	struct config_output	 out;
	struct release		*rel = NULL;
	struct fleet_plan	 p;
	struct fleet_ctx	 ctx;
	json_t			*index = NULL, *cm = NULL, *doc = NULL;
	const char		*key, *dig;
	char			*err = NULL, *s;
	size_t			 ok;
	int			 r, rc = EXIT_FAIL;

	memset(&fo, 0, sizeof(fo));
	fo.max_failures = -1;
	memset(&out, 0, sizeof(out));
	memset(&p, 0, sizeof(p));
	if ((r = config_opts_parse(c, argc, argv, &x, &o)) == 0 &&
	    fo.rolling_opt && steps != upgrade_steps) {
		log_error("--batch and --max-failures are for upgrade");
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
	if (load_store(o.genconf, &index, &cm, &err) == -1) {
		log_error("%s", err);
		goto out;
	}
	dig = json_string_value(json_object_get(json_object_get(index,
	    "install_script"), "digest"));
	if (dig == NULL || strncmp(dig, "sha256:", 7) != 0) {
		log_error("%s/serve/index.json: no install_script digest: run "
		    "dcos-genconf generate again", o.genconf);
		goto out;
	}
	ctx.url = cfg_str(out.effective, "bootstrap_url", "");
	ctx.script_hex = dig + 7;
	ctx.mode = mode;

	p.command = name;
	p.steps = steps;
	p.nsteps = nsteps;
	p.ctx = &ctx;
	if ((fo.hosts != NULL ? fleet_hosts_from_file(fo.hosts, &p.hosts,
	    &p.nhosts, &err) : fleet_hosts_from_config(out.effective,
	    &p.hosts, &p.nhosts, &err)) == -1 ||
	    fleet_hosts_filter(&p.hosts, &p.nhosts, fo.roles, fo.nroles,
	    fo.addrs, fo.naddrs, &err) == -1) {
		log_error("%s", err);
		goto out;
	}
	if (p.nhosts == 0) {
		log_error("no hosts to %s: list them in master_list, agent_list "
		    "and public_agent_list of %s/config.yaml (or give --hosts "
		    "FILE), or loosen --role/--host", name, o.genconf);
		goto out;
	}
	p.max_failures = -1;
	if (steps == upgrade_steps) {
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
	if (steps == status_steps) {
		if (fo.json && (doc = json_object()) != NULL)
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
			if ((s = json_dumps(doc, JSON_INDENT(2))) != NULL)
				printf("%s\n", s);
			free(s);
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
	return fleet_main("preflight", preflight_steps, 1, "--preflight-only ",
	    argc, argv);
}

int
cmd_deploy(int argc, char **argv)
{
	return fleet_main("deploy", deploy_steps, 1, "", argc, argv);
}

int
cmd_status(int argc, char **argv)
{
	return fleet_main("status", status_steps, 1, "", argc, argv);
}

int
cmd_upgrade(int argc, char **argv)
{
	return fleet_main("upgrade", upgrade_steps, 1, "", argc, argv);
}

int
cmd_uninstall(int argc, char **argv)
{
	return fleet_main("uninstall", uninstall_steps, 1, "", argc, argv);
}
