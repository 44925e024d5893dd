/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The JSON API of dcos-genconf web (dcos-genconf(1), WEB INSTALLER): the
 * schema, config.yaml read, validated and written, generate, the fleet
 * operations and the cluster's status.  Every check is the compiler's
 * own (validate_config, config_compile); no secret value ever leaves.
 */
#include <config.h>

#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomicio.h"
#include "error.h"
#include "fleet/fleet.h"
#include "jsonio.h"
#include "log.h"
#include "web.h"

#define OUTPUT_MAX	(256 * 1024)	/* of generate's output kept */

extern char **environ;

/* Examples for genconf/ip-detect, as DC/OS's documentation gives them. */
static const struct {
	const char	*name;
	const char	*content;
} ip_examples[] = {
	{ "route to a master (any cloud or bare metal)",
	  "#!/bin/sh\n"
	  "# The source address of the route to the first master.\n"
	  "set -o nounset -o errexit\n"
	  "MASTER_IP=${MASTER_IP:-10.0.0.1}\n"
	  "ip route get \"$MASTER_IP\" | sed -n 's/.* src \\([0-9.]*\\).*/\\1/p'"
	  " | head -n 1\n" },
	{ "first address of an interface (eth0)",
	  "#!/bin/sh\n"
	  "set -o nounset -o errexit\n"
	  "ip -4 -o addr show dev eth0 | "
	  "sed -n 's/.* inet \\([0-9.]*\\).*/\\1/p' | head -n 1\n" },
	{ "AWS instance metadata",
	  "#!/bin/sh\n"
	  "set -o nounset -o errexit\n"
	  "curl -fsSL http://169.254.169.254/latest/meta-data/local-ipv4\n" },
	{ "GCE instance metadata",
	  "#!/bin/sh\n"
	  "set -o nounset -o errexit\n"
	  "curl -fsSL -H 'Metadata-Flavor: Google' http://169.254.169.254/"
	  "computeMetadata/v1/instance/network-interfaces/0/ip\n" }
};

static const char *const type_names[] = {
	[PT_STRING] = "string", [PT_BOOL] = "bool", [PT_INT] = "int",
	[PT_URL] = "url", [PT_IPV4] = "ipv4", [PT_IPV4_PORT] =
	"ipv4-with-port", [PT_PATH] = "path", [PT_ENUM] = "enum",
	[PT_LIST] = "list-of", [PT_IPV6] = "ipv6", [PT_IP] = "ip",
	[PT_CIDR4] = "cidr4", [PT_CIDR6] = "cidr6", [PT_DURATION] =
	"duration", [PT_PORT] = "port", [PT_HOSTNAME] = "hostname",
	[PT_EMAIL] = "email", [PT_MAP] = "map", [PT_JSON] = "json"
};

static const char *
type_name(enum ptype t)
{
	return (size_t)t < sizeof(type_names) / sizeof(type_names[0]) &&
	    type_names[t] != NULL ? type_names[t] : "string";
}

static void
get_schema(struct web *w, struct web_reply *r)
{
	const struct param	*p;
	json_t			*opts, *o, *ex, *ch;
	char			*when;
	size_t			 i, k;

	opts = json_array();
	ex = json_array();
	for (i = 0; i < w->schema->nparams; i++) {
		p = &w->schema->params[i];
		o = json_pack("{s:s, s:s, s:O, s:b, s:s, s:b}", "name", p->name,
		    "type", type_name(p->type), "default", p->def != NULL ?
		    p->def : json_null(), "required", p->required,
		    "description", p->description != NULL ? p->description :
		    "", "secret", p->secret);
		if (p->type == PT_LIST)
			json_object_set_new(o, "items", json_string(
			    type_name(p->item_type)));
		if (p->nvalues > 0) {
			ch = json_array();
			for (k = 0; k < p->nvalues; k++)
				json_array_append_new(ch,
				    json_string(p->values[k]));
			json_object_set_new(o, "choices", ch);
		}
		if (p->required_when.n > 0 &&
		    (when = conds_text(&p->required_when)) != NULL) {
			json_object_set_new(o, "required_when",
			    json_string(when));
			free(when);
		}
		if (p->derive != DV_NONE)
			json_object_set_new(o, "calculated", json_true());
		json_array_append_new(opts, o);
	}
	for (i = 0; i < sizeof(ip_examples) / sizeof(ip_examples[0]); i++)
		json_array_append_new(ex, json_pack("{s:s, s:s}", "name",
		    ip_examples[i].name, "content", ip_examples[i].content));
	reply_json(r, 200, json_pack("{s:o, s:o, s:{s:s, s:s, s:I}}",
	    "options", opts, "ip_detect_examples", ex, "release", "name",
	    w->rel->rm->name, "version", w->rel->rm->version, "seq",
	    (json_int_t)w->rel->rm->seq));
}

/* GENCONF/name (malloc'd), or NULL. */
static char *
site_path(struct web *w, const char *name)
{
	return path_join(w->o.genconf, name);
}

/*
 * Reads config.yaml: its text (*textp, "" when there is none) and, when
 * cfgp is not NULL, its values as JSON.  0, or -1 with *errp.
 */
static int
read_config(struct web *w, char **textp, json_t **cfgp, char **errp)
{
	struct ynode	*root = NULL;
	char		*path, *buf = NULL;
	size_t		 len = 0;
	int		 rc = -1;

	*textp = NULL;
	if (cfgp != NULL)
		*cfgp = NULL;
	if ((path = site_path(w, "config.yaml")) == NULL)
		return err_set(errp, "out of memory");
	if (read_file(path, WEB_BODY_MAX, &buf, &len, errp) == -1) {
		if (errno != ENOENT)
			goto out;
		free(*errp);
		*errp = NULL;
		if ((buf = strdup("")) == NULL) {
			err_set(errp, "out of memory");
			goto out;
		}
	}
	if (cfgp != NULL) {
		if (yaml_load(buf, strlen(buf), "config.yaml", &root,
		    errp) == -1)
			goto out;
		if (root != NULL && root->type != YNODE_MAP) {
			err_set(errp, "config.yaml: not a mapping of "
			    "parameters");
			goto out;
		}
		if ((*cfgp = root != NULL ? ynode_json(root) : json_object()) ==
		    NULL) {
			err_set(errp, "out of memory");
			goto out;
		}
	}
	*textp = buf;
	buf = NULL;
	rc = 0;
out:
	if (buf != NULL)
		explicit_bzero(buf, len);
	free(buf);
	free(path);
	ynode_free(root);
	return rc;
}

/* A copy of cfg with every set secret as WEB_MASK. */
static json_t *
masked(struct web *w, const json_t *cfg)
{
	const struct param	*p;
	json_t			*m;
	size_t			 i;

	if ((m = json_deep_copy(cfg)) == NULL)
		return NULL;
	for (i = 0; i < w->schema->nparams; i++) {
		p = &w->schema->params[i];
		if (p->secret && json_object_get(m, p->name) != NULL)
			json_object_set_new(m, p->name, json_string(WEB_MASK));
	}
	return m;
}

static void
get_config(struct web *w, struct web_reply *r)
{
	json_t	*cfg = NULL;
	char	*text = NULL, *err = NULL, *path, *ip = NULL;
	size_t	 len;

	if (read_config(w, &text, &cfg, &err) == -1) {
		reply_error(r, 500, "%s", err);
		goto out;
	}
	if ((path = site_path(w, "ip-detect")) != NULL &&
	    read_file(path, WEB_BODY_MAX, &ip, &len, &err) == -1) {
		free(err);
		err = NULL;
	}
	free(path);
	reply_json(r, 200, json_pack("{s:o, s:{s:s}}", "config",
	    masked(w, cfg), "ip_detect", "content", ip != NULL ? ip : ""));
out:
	free(ip);
	free(err);
	if (text != NULL)
		explicit_bzero(text, strlen(text));
	free(text);
	json_decref(cfg);
}

/*
 * The parameter a line of a config.yaml text belongs to: the last
 * top-level key at or above it ("" for none).
 */
static const char *
field_at(const struct ynode *root, int line)
{
	const char	*f = "";
	size_t		 i;

	if (root == NULL || root->type != YNODE_MAP)
		return "";
	for (i = 0; i < ymap_len(root); i++)
		if (ymap_key(root, i)->line <= line)
			f = ymap_key(root, i)->str;
	return f;
}

/*
 * The compiler's errors (lines "config.yaml:LINE:COL: key: message",
 * or a message alone) as [{"field", "message"}], each at the parameter
 * its key names, else at the one its line is under.
 */
static json_t *
errors_json(struct web *w, const char *errs, const struct ynode *root)
{
	json_t		*a = json_array();
	const char	*l, *nl, *msg, *key;
	char		*line, *c, field[128];
	size_t		 k;
	int		 ln, col, off;

	for (l = errs; l != NULL && *l != '\0'; l = nl != NULL ? nl + 1 :
	    NULL) {
		nl = strchr(l, '\n');
		if ((line = strndup(l, nl != NULL ? (size_t)(nl - l) :
		    strlen(l))) == NULL)
			break;
		field[0] = '\0';
		msg = line;
		off = 0;
		if (strncmp(line, "config.yaml:", 12) == 0 &&
		    sscanf(line + 12, "%d:%d: %n", &ln, &col, &off) == 2 &&
		    off > 0) {
			msg = line + 12 + off;
			snprintf(field, sizeof(field), "%s",
			    field_at(root, ln));
			/* The key the message names wins over the line. */
			if ((c = strstr(msg, ": ")) != NULL) {
				k = strspn(msg, "abcdefghijklmnopqrstuvwxyz"
				    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");
				key = msg;
				if (k > 0 && k < sizeof(field) &&
				    (size_t)(c - msg) >= k) {
					char	 name[128];

					snprintf(name, sizeof(name), "%.*s",
					    (int)k, key);
					if (schema_find(w->schema, name) !=
					    NULL)
						snprintf(field, sizeof(field),
						    "%s", name);
				}
				if (field[0] != '\0' && strncmp(msg, field,
				    strlen(field)) == 0 && msg[strlen(field)] ==
				    ':')
					msg += strlen(field) + 2;
			}
		}
		json_array_append_new(a, json_pack("{s:s, s:s}", "field",
		    field, "message", msg));
		free(line);
	}
	return a;
}

/*
 * Validates the form's config with validate_config (what validate
 * runs) on the config.yaml text it would be written as.  Returns the
 * errors (a new reference, [] when valid) or NULL when out of memory;
 * *warnp gets the warnings.
 */
static json_t *
check_config(struct web *w, const char *text, json_t **warnp)
{
	struct ynode		*root = NULL;
	struct validation	 v;
	json_t			*e = NULL;
	char			*err = NULL, *joined;

	memset(&v, 0, sizeof(v));
	*warnp = json_array();
	if (yaml_load(text, strlen(text), "config.yaml", &root, &err) == -1) {
		e = errors_json(w, err, NULL);
		goto out;
	}
	if (validate_config(w->schema, root, "config.yaml", w->o.genconf,
	    &v) == -1)
		goto out;
	joined = v.errors.n > 0 ? diags_join(&v.errors) : NULL;
	e = errors_json(w, joined, root);
	free(joined);
	if (v.warnings.n > 0 && (joined = diags_join(&v.warnings)) != NULL) {
		json_decref(*warnp);
		*warnp = errors_json(w, joined, root);
		free(joined);
	}
out:
	free(err);
	validation_clear(&v);
	ynode_free(root);
	return e;
}

/*
 * The body's "config" with the stored value of every secret it sends
 * back as WEB_MASK (a new reference), or NULL with the 400 in r.
 */
static json_t *
body_config(struct web *w, const json_t *body, const json_t *stored,
    struct web_reply *r)
{
	const struct param	*p;
	const json_t		*v, *old;
	json_t			*cfg;
	size_t			 i;

	v = json_object_get(body, "config");
	if (!json_is_object(v)) {
		reply_error(r, 400, "want {\"config\": {PARAMETER: VALUE, "
		    "...}}");
		return NULL;
	}
	if ((cfg = json_deep_copy(v)) == NULL) {
		reply_error(r, 500, "out of memory");
		return NULL;
	}
	for (i = 0; i < w->schema->nparams; i++) {
		p = &w->schema->params[i];
		v = json_object_get(cfg, p->name);
		if (!p->secret || !json_is_string(v) ||
		    strcmp(json_string_value(v), WEB_MASK) != 0)
			continue;
		/* "********" is what we showed: keep what is stored. */
		if ((old = json_object_get(stored, p->name)) != NULL)
			json_object_set(cfg, p->name, (json_t *)old);
		else
			json_object_del(cfg, p->name);
	}
	return cfg;
}

/*
 * The secrets whose value cfg changes from stored's, as an object of
 * their names (the diff says they changed without saying to what).
 */
static json_t *
changed_secrets(struct web *w, const json_t *stored, const json_t *cfg)
{
	const struct param	*p;
	json_t			*ch = json_object();
	size_t			 i;

	for (i = 0; ch != NULL && i < w->schema->nparams; i++) {
		p = &w->schema->params[i];
		if (p->secret && !json_equal(json_object_get(stored, p->name),
		    json_object_get(cfg, p->name)))
			json_object_set_new(ch, p->name, json_true());
	}
	return ch;
}

/* The comment lines at the top of text (malloc'd), kept on a rewrite. */
static char *
head_comments(const char *text)
{
	const char	*p = text;

	while (*p == '#') {
		if ((p = strchr(p, '\n')) == NULL)
			return strdup(text);
		p++;
	}
	return strndup(text, (size_t)(p - text));
}

/* A form checked: what config.yaml holds and what the body would make. */
struct form {
	char	*old;		/* config.yaml's text ("" when none) */
	json_t	*stored;	/* its values */
	json_t	*cfg;		/* the body's, secrets sent back restored */
	char	*text;		/* the config.yaml cfg makes */
	json_t	*errs;		/* the compiler's, [] when none */
	json_t	*warn;
};

static void
form_free(struct form *f)
{
	if (f->text != NULL)
		explicit_bzero(f->text, strlen(f->text));
	if (f->old != NULL)
		explicit_bzero(f->old, strlen(f->old));
	free(f->text);
	free(f->old);
	json_decref(f->stored);
	json_decref(f->cfg);
	json_decref(f->errs);
	json_decref(f->warn);
}

/*
 * Reads config.yaml and checks the body's config as the file it would
 * be (keeping the old file's top comments when head).  0, or -1 with
 * the reply set.
 */
static int
form_check(struct web *w, const json_t *body, int head, struct form *f,
    struct web_reply *r)
{
	char	*err = NULL, *top = NULL;
	int	 rc = -1;

	memset(f, 0, sizeof(*f));
	if (read_config(w, &f->old, &f->stored, &err) == -1) {
		/* A file the compiler cannot read is replaced whole. */
		free(err);
		if (f->old == NULL)
			f->old = strdup("");
		f->stored = json_object();
	}
	if ((f->cfg = body_config(w, body, f->stored, r)) == NULL)
		return -1;
	if (f->old == NULL || f->stored == NULL || (head &&
	    (top = head_comments(f->old)) == NULL) ||
	    (f->text = config_yaml_text(w->schema, f->cfg, top,
	    f->stored)) == NULL ||
	    (f->errs = check_config(w, f->text, &f->warn)) == NULL)
		reply_error(r, 500, "out of memory");
	else
		rc = 0;
	free(top);
	return rc;
}

static void
post_config(struct web *w, const json_t *body, int write,
    struct web_reply *r)
{
	struct form	 f;
	json_t		*changed = NULL;
	const json_t	*ipd;
	char		*err = NULL, *mo = NULL, *mn = NULL, *diff = NULL;
	char		*path = NULL;
	int		 ok;

	memset(&f, 0, sizeof(f));
	ipd = json_object_get(json_object_get(body, "ip_detect"), "content");
	if (json_object_get(body, "ip_detect") != NULL && !json_is_string(ipd)) {
		reply_error(r, 400, "want \"ip_detect\": {\"content\": TEXT}");
		goto out;
	}
	if (form_check(w, body, 1, &f, r) == -1)
		goto out;
	if ((changed = changed_secrets(w, f.stored, f.cfg)) == NULL ||
	    (mo = mask_secret_lines(w->schema, f.old, NULL)) == NULL ||
	    (mn = mask_secret_lines(w->schema, f.text, changed)) == NULL ||
	    (diff = text_diff("genconf/config.yaml", mo, mn)) == NULL) {
		reply_error(r, 500, "out of memory");
		goto out;
	}
	ok = json_array_size(f.errs) == 0;
	if (ok && write) {
		if ((path = site_path(w, "config.yaml")) == NULL ||
		    atomic_write_file(path, f.text, strlen(f.text), 0600,
		    &err) == -1) {
			reply_error(r, 500, "%s", err != NULL ? err :
			    "out of memory");
			goto out;
		}
		free(path);
		path = NULL;
		if (ipd != NULL && ((path = site_path(w, "ip-detect")) ==
		    NULL || atomic_write_file(path, json_string_value(ipd),
		    json_string_length(ipd), 0755, &err) == -1)) {
			reply_error(r, 500, "%s", err != NULL ? err :
			    "out of memory");
			goto out;
		}
	}
	reply_json(r, 200, json_pack("{s:b, s:O, s:O, s:s, s:b}", "ok", ok,
	    "errors", f.errs, "warnings", f.warn, "diff", diff, "written",
	    ok && write));
out:
	form_free(&f);
	free(mo);
	free(mn);
	free(diff);
	free(path);
	free(err);
	json_decref(changed);
}

static void
post_validate(struct web *w, const json_t *body, struct web_reply *r)
{
	struct form	 f;

	if (form_check(w, body, 0, &f, r) == 0)
		reply_json(r, 200, json_pack("{s:b, s:O, s:O}", "ok",
		    json_array_size(f.errs) == 0, "errors", f.errs,
		    "warnings", f.warn));
	form_free(&f);
}

/*
 * What differs between two cluster manifests, as lines for people:
 * the release, the config id, packages added and removed.
 */
static json_t *
manifest_changes(const json_t *a, const json_t *b)
{
	json_t		*ch = json_array(), *x, *y;
	const char	*id, *kind;
	size_t		 i, j;
	int		 found;

	if (a == NULL) {
		json_array_append_new(ch, json_string("the first store"));
		return ch;
	}
	x = json_object_get(a, "release");
	y = json_object_get(b, "release");
	if (!json_equal(x, y))
		json_array_append_new(ch, json_sprintf("release %s-%s "
		    "(seq %lld) -> %s-%s (seq %lld)",
		    json_string_value(json_object_get(x, "name")),
		    json_string_value(json_object_get(x, "version")),
		    (long long)json_integer_value(json_object_get(x, "seq")),
		    json_string_value(json_object_get(y, "name")),
		    json_string_value(json_object_get(y, "version")),
		    (long long)json_integer_value(json_object_get(y, "seq"))));
	if (!json_equal(json_object_get(a, "config_id"),
	    json_object_get(b, "config_id")))
		json_array_append_new(ch, json_sprintf("config id %.12s -> "
		    "%.12s", json_string_value(json_object_get(a,
		    "config_id")), json_string_value(json_object_get(b,
		    "config_id"))));
	for (int dir = 0; dir < 2; dir++) {
		const json_t	*from = dir == 0 ? a : b, *to = dir == 0 ? b : a;

		json_array_foreach(json_object_get(to, "blobs"), i, x) {
			kind = json_string_value(json_object_get(x, "kind"));
			if ((id = json_string_value(json_object_get(x,
			    "id"))) == NULL || kind == NULL ||
			    strcmp(kind, "package") != 0)
				continue;
			found = 0;
			json_array_foreach(json_object_get(from, "blobs"), j,
			    y)
				found |= json_equal(json_object_get(y, "digest"),
				    json_object_get(x, "digest"));
			if (!found)
				json_array_append_new(ch, json_sprintf(
				    "package %s %s", id, dir == 0 ? "added" :
				    "removed"));
		}
	}
	if (!json_equal(json_object_get(a, "trusted_keys"),
	    json_object_get(b, "trusted_keys")))
		json_array_append_new(ch, json_string("trusted keys"));
	if (!json_equal(json_object_get(a, "bootstrap"),
	    json_object_get(b, "bootstrap")))
		json_array_append_new(ch, json_string("bootstrap binaries"));
	return ch;
}

/*
 * Runs argv (this program) with its stdout and stderr into *outp (at
 * most OUTPUT_MAX bytes kept).  Returns the exit status or -1.
 */
static int
run_self(char **argv, char **outp)
{
	posix_spawn_file_actions_t	 fa;
	posix_spawnattr_t		 sa;
	sigset_t			 none;
	char				 buf[4096], *out = NULL, *n;
	size_t				 len = 0;
	ssize_t				 k;
	pid_t				 pid;
	int				 fds[2], ws, rc = -1;

	*outp = NULL;
	if (pipe2(fds, O_CLOEXEC) == -1)
		return -1;
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&sa);
	sigemptyset(&none);
	posix_spawnattr_setsigmask(&sa, &none);
	posix_spawnattr_setflags(&sa, POSIX_SPAWN_SETSIGMASK);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
	posix_spawn_file_actions_adddup2(&fa, fds[1], 2);
	errno = posix_spawn(&pid, "/proc/self/exe", &fa, &sa, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&sa);
	close(fds[1]);
	if (errno != 0) {
		close(fds[0]);
		return -1;
	}
	while ((k = read(fds[0], buf, sizeof(buf))) != 0) {
		if (k == -1 && errno == EINTR)
			continue;
		if (k == -1)
			break;
		if (len + (size_t)k > OUTPUT_MAX)
			continue;
		if ((n = realloc(out, len + (size_t)k + 1)) == NULL)
			continue;
		out = n;
		memcpy(out + len, buf, (size_t)k);
		len += (size_t)k;
		out[len] = '\0';
	}
	close(fds[0]);
	while (waitpid(pid, &ws, 0) == -1)
		if (errno != EINTR)
			goto out;
	rc = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
out:
	*outp = out != NULL ? out : strdup("");
	return rc;
}

static void
post_generate(struct web *w, struct web_reply *r)
{
	struct config_output	 co;
	struct ynode		*root = NULL;
	json_t			*idx0 = NULL, *cm0 = NULL, *idx = NULL;
	json_t			*cm = NULL, *errs = NULL;
	char			*errt = NULL, *err = NULL, *text = NULL;
	char			*out = NULL, **argv = NULL, **argv2 = NULL;
	const char		*cid;
	int			 argc, st;

	memset(&co, 0, sizeof(co));
	pthread_mutex_lock(&w->lock);
	if (w->busy) {
		pthread_mutex_unlock(&w->lock);
		reply_error(r, 409, "an operation is running: generate once "
		    "it ended");
		return;
	}
	w->busy = 1;
	pthread_mutex_unlock(&w->lock);
	/* The compiler's errors at their fields first, as validate. */
	if (config_compile(w->rel, w->o.genconf, &co, &errt) == -1) {
		if (read_config(w, &text, NULL, &err) == 0)
			yaml_load(text, strlen(text), "config.yaml", &root,
			    &err);
		errs = errors_json(w, errt, root);
		reply_json(r, 200, json_pack("{s:b, s:o, s:s}", "ok", 0,
		    "errors", errs, "output", errt));
		goto out;
	}
	if (fleet_load_store(w->o.genconf, &idx0, &cm0, &err) == -1) {
		free(err);
		err = NULL;
	}
	if ((argv = op_argv(w, "generate", NULL, &argc)) == NULL ||
	    (argv2 = calloc((size_t)argc + 2, sizeof(*argv2))) == NULL) {
		reply_error(r, 500, "out of memory");
		goto out;
	}
	/* The command line's own generate, in a process of its own. */
	argv2[0] = (char *)log_progname();
	memcpy(argv2 + 1, argv, ((size_t)argc + 1) * sizeof(*argv));
	st = run_self(argv2, &out);
	if (st != 0 || fleet_load_store(w->o.genconf, &idx, &cm, &err) ==
	    -1) {
		reply_json(r, 200, json_pack("{s:b, s:[{s:s, s:s}], s:s}",
		    "ok", 0, "errors", "field", "", "message", st == -1 ?
		    "cannot run dcos-genconf generate" : err != NULL ? err :
		    "generate failed (see its output)", "output",
		    out != NULL ? out : ""));
		goto out;
	}
	cid = json_string_value(json_object_get(cm, "config_id"));
	reply_json(r, 200, json_pack("{s:b, s:s, s:O, s:o, s:[], s:s}", "ok",
	    1, "config_id", cid != NULL ? cid : "", "cluster_manifest",
	    json_object_get(idx, "current"), "changed",
	    json_equal(idx0 != NULL ? json_object_get(idx0, "current") : NULL,
	    json_object_get(idx, "current")) ? json_array() :
	    manifest_changes(cm0, cm), "errors", "output", out));
out:
	pthread_mutex_lock(&w->lock);
	w->busy = 0;
	pthread_mutex_unlock(&w->lock);
	if (text != NULL)
		explicit_bzero(text, strlen(text));
	free(text);
	free(errt);
	free(err);
	free(out);
	free(argv);
	free(argv2);
	ynode_free(root);
	config_output_free(&co);
	json_decref(idx0);
	json_decref(cm0);
	json_decref(idx);
	json_decref(cm);
}

/* "generation N" etc. of a status row as the contract names them. */
static json_t *
cluster_host(const json_t *row)
{
	const json_t	*st = json_object_get(row, "status");
	const json_t	*g = json_object_get(st, "current");
	const json_t	*jr = json_object_get(st, "journal");
	const char	*d = json_string_value(json_object_get(row, "drift"));
	const char	*p, *e;
	json_t		*h, *drift = json_array();

	for (p = d; p != NULL && *p != '\0'; p = e != NULL ? e + 2 : NULL) {
		e = strstr(p, "; ");
		json_array_append_new(drift, json_stringn(p, e != NULL ?
		    (size_t)(e - p) : strlen(p)));
	}
	h = json_pack("{s:O, s:O, s:I, s:s, s:s, s:o, s:s, s:b}",
	    "host", json_object_get(row, "host"),
	    "role", json_object_get(row, "role"),
	    "generation", json_integer_value(json_object_get(g, "generation")),
	    "release", g != NULL ? json_string_value(json_object_get(g,
	    "release")) != NULL ? json_string_value(json_object_get(g,
	    "release")) : "" : "",
	    "config_id", json_string_value(json_object_get(g, "config_id")) !=
	    NULL ? json_string_value(json_object_get(g, "config_id")) : "",
	    "drift", drift,
	    "journal", jr == NULL || json_is_true(json_object_get(jr,
	    "intact")) ? "ok" : json_string_value(json_object_get(jr,
	    "problem")) != NULL ? json_string_value(json_object_get(jr,
	    "problem")) : "broken",
	    "reachable", st != NULL && !json_is_null(st));
	if (h != NULL && g != NULL && json_string_value(json_object_get(g,
	    "version")) != NULL)
		json_object_set_new(h, "release", json_sprintf("%s %s",
		    json_string_value(json_object_get(g, "release")),
		    json_string_value(json_object_get(g, "version"))));
	if (h != NULL && (st == NULL || json_is_null(st)) && d != NULL)
		json_object_set_new(h, "error", json_string(d));
	return h;
}

/*
 * What a host on cluster manifest have would fetch to go to want: the
 * blobs of want's manifest that have's does not list (both from the
 * store).
 */
static json_t *
upgrade_fetch(struct web *w, const char *have, const json_t *want)
{
	json_t		*hm = NULL, *fetch = json_array(), *b, *x;
	char		*path = NULL, *err = NULL;
	json_int_t	 bytes = 0;
	size_t		 i, j;
	int		 found;

	if (have != NULL && strncmp(have, "sha256:", 7) == 0 &&
	    strspn(have + 7, "0123456789abcdef") == 64 && have[71] == '\0' &&
	    asprintf(&path, "%s/serve/blobs/sha256/%s", w->o.genconf,
	    have + 7) != -1)
		hm = jsonio_load(path, 1 << 24, &err);
	json_array_foreach(json_object_get(want, "blobs"), i, b) {
		found = 0;
		json_array_foreach(json_object_get(hm, "blobs"), j, x)
			found |= json_equal(json_object_get(x, "digest"),
			    json_object_get(b, "digest"));
		if (found)
			continue;
		json_array_append_new(fetch, json_pack("{s:O, s:O}", "digest",
		    json_object_get(b, "digest"), "size", json_object_get(b,
		    "size")));
		bytes += json_integer_value(json_object_get(b, "size"));
	}
	free(path);
	free(err);
	json_decref(hm);
	return json_pack("{s:o, s:I}", "fetch", fetch, "bytes", bytes);
}

static void
get_cluster(struct web *w, struct web_reply *r)
{
	json_t		*doc, *hosts, *rels, *up, *idx = NULL, *cm = NULL, *x;
	const char	*cur;
	char		*err = NULL;
	size_t		 i;

	if ((doc = op_status(w, &err)) == NULL) {
		reply_error(r, 409, "%s", err != NULL ? err : "out of memory");
		free(err);
		return;
	}
	hosts = json_array();
	rels = json_array();
	up = json_object();
	if (fleet_load_store(w->o.genconf, &idx, &cm, &err) == -1) {
		free(err);
		err = NULL;
	}
	cur = json_string_value(json_object_get(cm, "release") != NULL ?
	    json_object_get(json_object_get(cm, "release"), "version") : NULL);
	json_array_foreach(json_object_get(idx, "releases"), i, x)
		json_array_append_new(rels, json_pack("{s:O, s:O, s:O, s:b}",
		    "name", json_object_get(x, "name"), "version",
		    json_object_get(x, "version"), "seq", json_object_get(x,
		    "seq"), "current", cur != NULL && json_equal(
		    json_object_get(x, "version"), json_object_get(
		    json_object_get(cm, "release"), "version")) && json_equal(
		    json_object_get(x, "name"), json_object_get(
		    json_object_get(cm, "release"), "name"))));
	json_array_foreach(json_object_get(doc, "hosts"), i, x) {
		json_array_append_new(hosts, cluster_host(x));
		if (cm != NULL && !json_equal(json_object_get(json_object_get(
		    x, "status"), "cluster_manifest"), json_object_get(idx,
		    "current")))
			json_object_set_new(up, json_string_value(
			    json_object_get(x, "host")), upgrade_fetch(w,
			    json_string_value(json_object_get(json_object_get(
			    x, "status"), "cluster_manifest")), cm));
	}
	reply_json(r, 200, json_pack("{s:o, s:o, s:o, s:O, s:O}", "hosts",
	    hosts, "releases", rels, "upgrade", up, "cluster_manifest",
	    json_object_get(idx, "current") != NULL ? json_object_get(idx,
	    "current") : json_null(), "busy", json_object_get(doc, "busy") !=
	    NULL ? json_object_get(doc, "busy") : json_false()));
	json_decref(doc);
	json_decref(idx);
	json_decref(cm);
}

static void
post_ops(struct web *w, const json_t *body, struct web_reply *r)
{
	struct web_op	*op;
	const char	*name;
	const json_t	*hosts, *h;
	char		*err = NULL;
	size_t		 i;
	int		 status;

	name = json_string_value(json_object_get(body, "op"));
	hosts = json_object_get(body, "hosts");
	if (name == NULL || (strcmp(name, "preflight") != 0 &&
	    strcmp(name, "deploy") != 0 && strcmp(name, "postflight") != 0 &&
	    strcmp(name, "upgrade") != 0)) {
		reply_error(r, 400, "want {\"op\": \"preflight\", \"deploy\", "
		    "\"postflight\" or \"upgrade\", \"hosts\": [ADDR, ...]?}");
		return;
	}
	if (hosts != NULL && !json_is_array(hosts)) {
		reply_error(r, 400, "\"hosts\": want a list of addresses");
		return;
	}
	json_array_foreach(hosts, i, h)
		if (!json_is_string(h) || json_string_length(h) == 0 ||
		    json_string_length(h) > 255) {
			reply_error(r, 400, "\"hosts\": want a list of "
			    "addresses");
			return;
		}
	if (op_start(w, name, hosts, &op, &status, &err) == -1) {
		reply_error(r, status, "%s", err);
		free(err);
		return;
	}
	reply_json(r, 202, json_pack("{s:s}", "id", op_id(op)));
}

static void
get_op(struct web *w, const char *rest, struct web_reply *r)
{
	struct web_op	*op;
	char		 id[64], *log;
	const char	*sub;
	size_t		 len;

	sub = strchr(rest, '/');
	snprintf(id, sizeof(id), "%.*s", sub != NULL ? (int)(sub - rest) :
	    (int)strlen(rest), rest);
	if ((op = op_find(w, id)) == NULL) {
		reply_error(r, 404, "no operation %s", id);
		return;
	}
	if (sub == NULL) {
		pthread_mutex_lock(&w->lock);
		reply_json(r, 200, op_json(op));
		pthread_mutex_unlock(&w->lock);
	} else if (strcmp(sub, "/events") == 0)
		r->events = op;
	else if (strcmp(sub, "/log") == 0) {
		if ((log = op_log(w, op, &len)) == NULL) {
			reply_error(r, 500, "out of memory");
			return;
		}
		r->status = 200;
		r->body = log;
		r->len = len;
		r->type = "text/plain; charset=utf-8";
		r->disposition = "attachment; filename=\"dcos-operation.log\"";
	} else
		reply_error(r, 404, "no such path");
}

void
api_handle(struct web *w, const char *method, const char *path,
    const char *body, size_t len, struct web_reply *r)
{
	static const struct {
		const char	*path;
		const char	*method;
		int		 prefix;
	} routes[] = {
		{ "/schema", "GET", 0 }, { "/config", "GET,POST", 0 },
		{ "/validate", "POST", 0 }, { "/generate", "POST", 0 },
		{ "/ops", "POST", 0 }, { "/ops/", "GET", 1 },
		{ "/cluster", "GET", 0 }
	};
	json_error_t	 je;
	json_t		*j = NULL;
	size_t		 i;
	int		 post = strcmp(method, "POST") == 0;

	for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
		if (routes[i].prefix ? strncmp(path, routes[i].path,
		    strlen(routes[i].path)) == 0 && path[strlen(
		    routes[i].path)] != '\0' : strcmp(path, routes[i].path) ==
		    0)
			break;
	if (i == sizeof(routes) / sizeof(routes[0])) {
		reply_error(r, 404, "/api%s: no such call", path);
		return;
	}
	if (strstr(routes[i].method, method) == NULL || (!post &&
	    strcmp(method, "GET") != 0)) {
		r->allow = routes[i].method;
		reply_error(r, 405, "/api%s: use %s", path, routes[i].method);
		return;
	}
	if (post) {
		if (len == 0 && strcmp(path, "/generate") != 0) {
			reply_error(r, 400, "/api%s wants a JSON body", path);
			return;
		}
		if (len > 0 && ((j = json_loadb(body, len, JSON_REJECT_DUPLICATES,
		    &je)) == NULL || !json_is_object(j))) {
			reply_error(r, 400, "the body is not a JSON object: %s",
			    j == NULL ? je.text : "want {...}");
			json_decref(j);
			return;
		}
	}
	if (strcmp(path, "/schema") == 0)
		get_schema(w, r);
	else if (strcmp(path, "/config") == 0 && !post)
		get_config(w, r);
	else if (strcmp(path, "/config") == 0)
		post_config(w, j, !json_is_true(json_object_get(j, "dry_run")),
		    r);
	else if (strcmp(path, "/validate") == 0)
		post_validate(w, j, r);
	else if (strcmp(path, "/generate") == 0)
		post_generate(w, r);
	else if (strcmp(path, "/ops") == 0)
		post_ops(w, j, r);
	else if (strcmp(path, "/cluster") == 0)
		get_cluster(w, r);
	else
		get_op(w, path + 5, r);
	json_decref(j);
}
