/* SPDX-License-Identifier: Apache-2.0 */
/*
 * state.json, the host's durable bookkeeping (docs/formats.md, "Host
 * state"): one struct, one checked loader and one atomic writer, so no
 * command reads a key by name or trusts what it finds.  The file lives
 * on the host and survives every run: a key of the wrong type, a name
 * that is no unit, account or directory we could have made, or a key we
 * do not know is refused with one line before anything acts on it.
 */
#include <config.h>

#include <errno.h>
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
#include "manifest.h"

#define STATE_FORMAT	1
#define STATE_NAME	"state.json"
/* What a damaged state.json's message tells the operator to do. */
#define STATE_FIX	"fix or restore it (dcos-bootstrap(8), FILES)"

/* What the strings of a list must be. */
enum state_list {
	LIST_UNIT,	/* a systemd unit file name */
	LIST_ACCOUNT,	/* a system user or group name */
	LIST_NAME,	/* one path component (a state directory) */
	LIST_OWN_DIR	/* a directory an install makes, or the lock */
};

/* The keys of state.json and, for lists, where they live. */
static const struct state_key {
	const char	*name;
	enum state_list	 list;
	size_t		 off;	/* of the json_t * of a list */
} state_lists[] = {
	{ "units", LIST_UNIT, offsetof(struct state, units) },
	{ "created_units", LIST_UNIT, offsetof(struct state, created_units) },
	{ "created_users", LIST_ACCOUNT, offsetof(struct state,
	    created_users) },
	{ "created_groups", LIST_ACCOUNT, offsetof(struct state,
	    created_groups) },
	{ "created_state_dirs", LIST_NAME, offsetof(struct state,
	    created_state_dirs) },
	{ "created_dirs", LIST_OWN_DIR, offsetof(struct state,
	    created_dirs) },
};
#define NLISTS	(sizeof(state_lists) / sizeof(state_lists[0]))

/* The keys that are no list. */
static const char *const state_fields[] = { "format", "highest_seq",
    "target", "active", "pending", "start_pending", "journal", "check",
    "services", "activated", NULL };

static json_t **
list_slot(struct state *s, size_t i)
{
	return (json_t **)(void *)((char *)s + state_lists[i].off);
}

static json_t *
list_get(const struct state *s, size_t i)
{
	return *(json_t *const *)(const void *)((const char *)s +
	    state_lists[i].off);
}

void
state_clear_pending(struct state *s)
{
	if (s->pending == NULL)
		return;
	free(s->pending->op);
	free(s->pending->what);
	free(s->pending);
	s->pending = NULL;
}

void
state_free(struct state *s)
{
	size_t	 i;

	if (s == NULL)
		return;
	state_clear_pending(s);
	for (i = 0; i < NLISTS; i++)
		json_decref(*list_slot(s, i));
	json_decref(s->services);
	json_decref(s->activated);
	free(s->check.time);
	free(s);
}

int
state_set_pending(struct state *s, const char *op, long generation,
    long from, json_int_t intent, const char *what, char **errp)
{
	struct state_pending	*p;

	if ((p = calloc(1, sizeof(*p))) == NULL ||
	    (p->op = strdup(op)) == NULL ||
	    (p->what = strdup(what != NULL ? what : "")) == NULL) {
		if (p != NULL)
			free(p->op);
		free(p);
		return err_set(errp, "out of memory");
	}
	p->generation = generation;
	p->from = from;
	p->intent = intent;
	state_clear_pending(s);
	s->pending = p;
	return 0;
}

/* A state with no key set but format: what a host without one has. */
static struct state *
state_new(void)
{
	struct state	*s;
	size_t		 i;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	for (i = 0; i < NLISTS; i++) {
		if (state_lists[i].list == LIST_OWN_DIR)
			continue;	/* NULL: not recorded yet */
		if ((*list_slot(s, i) = json_array()) == NULL) {
			state_free(s);
			return NULL;
		}
	}
	return s;
}

/* 1 when a JSON integer i fits 0 <= i <= max. */
static int
in_range(const json_t *v, json_int_t max)
{
	return json_is_integer(v) && json_integer_value(v) >= 0 &&
	    json_integer_value(v) <= max;
}

/* A non-negative integer member (0 when absent).  0 or -1 with *errp. */
static int
get_count(const json_t *o, const char *key, const char *where,
    json_int_t max, json_int_t *out, char **errp)
{
	const json_t	*v = json_object_get(o, key);

	*out = 0;
	if (v == NULL)
		return 0;
	if (!in_range(v, max))
		return err_set(errp, "%s%s: not a whole number from 0 to %lld",
		    where, key, (long long)max);
	*out = json_integer_value(v);
	return 0;
}

/* A generation number member (0 when absent). */
static int
get_gen(const json_t *o, const char *key, const char *where, long *out,
    char **errp)
{
	json_int_t	 v;

	if (get_count(o, key, where, LONG_MAX, &v, errp) == -1)
		return -1;
	*out = (long)v;
	return 0;
}

/* A string member of at most max bytes of printable text. */
static int
get_text(const json_t *o, const char *key, const char *where, size_t max,
    char **out, char **errp)
{
	const char	*v = json_string_value(json_object_get(o, key));
	size_t		 i;

	*out = NULL;
	if (v == NULL || strlen(v) > max)
		return err_set(errp, "%s%s: not a string of at most %zu "
		    "bytes", where, key, max);
	for (i = 0; v[i] != '\0'; i++)
		if ((unsigned char)v[i] < ' ' || v[i] == 0x7f)
			return err_set(errp, "%s%s: holds a control "
			    "character", where, key);
	if ((*out = strdup(v)) == NULL)
		return err_set(errp, "out of memory");
	return 0;
}

/* 1 when an op is a word: what the journal and messages print. */
static int
op_ok(const char *op)
{
	size_t	 i;

	if (op[0] == '\0' || strlen(op) > 32)
		return 0;
	for (i = 0; op[i] != '\0'; i++)
		if (!(op[i] >= 'a' && op[i] <= 'z') && op[i] != '-')
			return 0;
	return 1;
}

/* Only the keys listed in keys (NULL-terminated) may be in o. */
static int
known_keys(const json_t *o, const char *const *keys, const char *where,
    char **errp)
{
	const char	*k;
	json_t		*v;
	size_t		 i;

	json_object_foreach((json_t *)o, k, v) {
		for (i = 0; keys[i] != NULL; i++)
			if (strcmp(k, keys[i]) == 0)
				break;
		if (keys[i] == NULL)
			return err_set(errp, "%sunknown key \"%.64s\" (written "
			    "by a newer dcos-bootstrap?)", where, k);
	}
	return 0;
}

static int
parse_pending(struct state *s, const json_t *o, char **errp)
{
	static const char *const keys[] = { "op", "generation", "from",
	    "intent", "what", NULL };
	struct state_pending	*p;
	json_int_t		 intent;
	int			 rc = -1;

	if (!json_is_object(o))
		return err_set(errp, "pending: not an object");
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return err_set(errp, "out of memory");
	if (known_keys(o, keys, "pending.", errp) == -1 ||
	    get_text(o, "op", "pending.", 32, &p->op, errp) == -1 ||
	    get_text(o, "what", "pending.", 4096, &p->what, errp) == -1 ||
	    get_gen(o, "generation", "pending.", &p->generation, errp) ==
	    -1 || get_gen(o, "from", "pending.", &p->from, errp) == -1 ||
	    get_count(o, "intent", "pending.", INT_MAX, &intent, errp) == -1)
		goto out;
	p->intent = intent;
	if (!op_ok(p->op)) {
		err_set(errp, "pending.op: \"%s\" is not an operation", p->op);
		goto out;
	}
	if (p->generation == 0) {
		err_set(errp, "pending.generation: missing or 0");
		goto out;
	}
	s->pending = p;
	p = NULL;
	rc = 0;
out:
	if (p != NULL) {
		free(p->op);
		free(p->what);
		free(p);
	}
	return rc;
}

static int
parse_journal(struct state *s, const json_t *o, char **errp)
{
	static const char *const keys[] = { "entries", "head", NULL };
	struct digest	 d;
	const char	*head = json_string_value(json_object_get(o, "head"));

	if (!json_is_object(o))
		return err_set(errp, "journal: not an object");
	if (known_keys(o, keys, "journal.", errp) == -1 ||
	    get_count(o, "entries", "journal.", INT_MAX, &s->journal_entries,
	    errp) == -1)
		return -1;
	if (head == NULL || digest_parse(head, &d) == -1 ||
	    s->journal_entries == 0)
		return err_set(errp, "journal: needs entries (more than 0) "
		    "and head (\"sha256:\" and 64 hex digits)");
	snprintf(s->journal_head, sizeof(s->journal_head), "%s", head);
	return 0;
}

static int
parse_check(struct state *s, const json_t *o, char **errp)
{
	static const char *const keys[] = { "generation", "time", "checks",
	    "critical", NULL };

	if (!json_is_object(o))
		return err_set(errp, "check: not an object");
	if (known_keys(o, keys, "check.", errp) == -1 ||
	    get_gen(o, "generation", "check.", &s->check.generation, errp) ==
	    -1 || get_text(o, "time", "check.", 31, &s->check.time, errp) ==
	    -1 || get_count(o, "checks", "check.", INT_MAX, &s->check.checks,
	    errp) == -1 || get_count(o, "critical", "check.", INT_MAX,
	    &s->check.critical, errp) == -1)
		return -1;
	if (s->check.generation == 0 || s->check.critical > s->check.checks)
		return err_set(errp, "check: needs a generation and no more "
		    "critical results than checks");
	return 0;
}

/* A list of unit names (key of "services."). */
static int
unit_list_ok(const json_t *a, const char *key, char **errp)
{
	json_t	*v;
	size_t	 i;

	if (!json_is_array(a))
		return err_set(errp, "services.%s: not a list", key);
	json_array_foreach(a, i, v)
		if (json_string_value(v) == NULL ||
		    !unit_name_valid(json_string_value(v)))
			return err_set(errp, "services.%s[%zu]: not a unit "
			    "name", key, i);
	return 0;
}

/* The plan of the services not yet carried out (services.c). */
static int
parse_services(struct state *s, const json_t *o, char **errp)
{
	static const char *const keys[] = { "generation", "from", "stop",
	    "restart", "start", NULL };
	long	 gen, from;
	size_t	 i;

	if (!json_is_object(o))
		return err_set(errp, "services: not an object");
	if (known_keys(o, keys, "services.", errp) == -1 ||
	    get_gen(o, "generation", "services.", &gen, errp) == -1 ||
	    get_gen(o, "from", "services.", &from, errp) == -1)
		return -1;
	for (i = 2; keys[i] != NULL; i++)
		if (unit_list_ok(json_object_get(o, keys[i]), keys[i],
		    errp) == -1)
			return -1;
	if ((s->services = json_deep_copy(o)) == NULL)
		return err_set(errp, "out of memory");
	return 0;
}

/* The generations that were fully active: numbers above 0. */
static int
parse_activated(struct state *s, const json_t *a, char **errp)
{
	json_t	*v;
	size_t	 i;

	if (!json_is_array(a))
		return err_set(errp, "activated: not a list");
	json_array_foreach(a, i, v)
		if (!in_range(v, LONG_MAX) || json_integer_value(v) == 0)
			return err_set(errp, "activated[%zu]: not a "
			    "generation number", i);
	if ((s->activated = json_deep_copy(a)) == NULL)
		return err_set(errp, "out of memory");
	return 0;
}

/* 1 when name may be in a list of kind k. */
static int
list_name_ok(enum state_list k, const char *name)
{
	switch (k) {
	case LIST_UNIT:
		return unit_name_valid(name);
	case LIST_ACCOUNT:
		return users_name_ok(name);
	case LIST_NAME:
		return name[0] != '\0' && name[0] != '.' &&
		    strchr(name, '/') == NULL && strlen(name) <= NAME_MAX;
	case LIST_OWN_DIR:
		return install_own_dir(name) ||
		    strcmp(name, "var/lib/dcos/bootstrap/lock") == 0;
	}
	return 0;
}

static int
parse_list(struct state *s, size_t i, const json_t *a, char **errp)
{
	const struct state_key	*k = &state_lists[i];
	const char		*name;
	json_t			*v;
	size_t			 j;

	if (!json_is_array(a))
		return err_set(errp, "%s: not a list", k->name);
	json_array_foreach(a, j, v) {
		if ((name = json_string_value(v)) == NULL)
			return err_set(errp, "%s[%zu]: not a string", k->name,
			    j);
		if (!list_name_ok(k->list, name))
			return err_set(errp, "%s[%zu]: \"%.64s\" is not a name "
			    "dcos-bootstrap records there", k->name, j, name);
	}
	json_decref(*list_slot(s, i));
	if ((*list_slot(s, i) = json_deep_copy(a)) == NULL)
		return err_set(errp, "out of memory");
	return 0;
}

/* The struct of a parsed state.json object.  0 or -1 with *errp. */
static int
state_from_json(const json_t *j, struct state **sp, char **errp)
{
	struct state	*s;
	json_int_t	 format;
	const json_t	*v;
	size_t		 i, n;
	const char	*keys[NLISTS + sizeof(state_fields) /
			    sizeof(*state_fields)];

	*sp = NULL;
	if (!json_is_object(j))
		return err_set(errp, "not a JSON object");
	for (n = 0; state_fields[n] != NULL; n++)
		keys[n] = state_fields[n];
	for (i = 0; i < NLISTS; i++)
		keys[n++] = state_lists[i].name;
	keys[n] = NULL;
	if (known_keys(j, keys, "", errp) == -1)
		return -1;
	if (get_count(j, "format", "", INT_MAX, &format, errp) == -1)
		return -1;
	if (format != STATE_FORMAT)
		return err_set(errp, "format: %lld, not %d (written by another "
		    "dcos-bootstrap?)", (long long)format, STATE_FORMAT);
	if ((s = state_new()) == NULL)
		return err_set(errp, "out of memory");
	if (get_count(j, "highest_seq", "", INT64_MAX, &s->highest_seq,
	    errp) == -1 || get_gen(j, "target", "", &s->target, errp) == -1 ||
	    get_gen(j, "active", "", &s->active, errp) == -1 ||
	    get_gen(j, "start_pending", "", &s->start_pending, errp) == -1)
		goto fail;
	if ((v = json_object_get(j, "pending")) != NULL &&
	    parse_pending(s, v, errp) == -1)
		goto fail;
	if ((v = json_object_get(j, "journal")) != NULL &&
	    parse_journal(s, v, errp) == -1)
		goto fail;
	if ((v = json_object_get(j, "check")) != NULL &&
	    parse_check(s, v, errp) == -1)
		goto fail;
	if ((v = json_object_get(j, "services")) != NULL &&
	    parse_services(s, v, errp) == -1)
		goto fail;
	if ((v = json_object_get(j, "activated")) != NULL &&
	    parse_activated(s, v, errp) == -1)
		goto fail;
	for (i = 0; i < NLISTS; i++)
		if ((v = json_object_get(j, state_lists[i].name)) != NULL &&
		    parse_list(s, i, v, errp) == -1)
			goto fail;
	/*
	 * A state from before created_units was kept: the installer wrote
	 * every unit of the active generation, so those are ours.
	 */
	if (json_object_get(j, "created_units") == NULL) {
		json_decref(s->created_units);
		if ((s->created_units = json_deep_copy(s->units)) == NULL) {
			err_set(errp, "out of memory");
			goto fail;
		}
	}
	*sp = s;
	return 0;
fail:
	state_free(s);
	return -1;
}

int
state_parse(const char *buf, size_t len, const char *name,
    struct state **sp, char **errp)
{
	json_t	*j;
	int	 rc;

	*sp = NULL;
	if ((j = jsonio_parse(buf, len, name, errp)) == NULL)
		return -1;
	rc = state_from_json(j, sp, errp);
	json_decref(j);
	if (rc == -1)
		err_wrap(errp, "%s", name);
	return rc;
}

json_t *
state_json(const struct state *s)
{
	const struct state_pending	*p = s->pending;
	json_t				*j, *v;
	size_t				 i;
	int				 bad = 0;

	if ((j = json_pack("{s:i, s:I}", "format", STATE_FORMAT,
	    "highest_seq", s->highest_seq)) == NULL)
		return NULL;
	if (s->target > 0)
		bad |= json_object_set_new(j, "target",
		    json_integer(s->target));
	if (s->active > 0)
		bad |= json_object_set_new(j, "active",
		    json_integer(s->active));
	if (s->start_pending > 0)
		bad |= json_object_set_new(j, "start_pending",
		    json_integer(s->start_pending));
	if (p != NULL)
		bad |= json_object_set_new(j, "pending", json_pack("{s:s, "
		    "s:I, s:I, s:I, s:s}", "op", p->op, "generation",
		    (json_int_t)p->generation, "from", (json_int_t)p->from,
		    "intent", p->intent, "what", p->what));
	if (s->journal_entries > 0)
		bad |= json_object_set_new(j, "journal", json_pack("{s:I, "
		    "s:s}", "entries", s->journal_entries, "head",
		    s->journal_head));
	if (s->check.generation > 0)
		bad |= json_object_set_new(j, "check", json_pack("{s:I, s:s, "
		    "s:I, s:I}", "generation", (json_int_t)s->check.generation,
		    "time", s->check.time != NULL ? s->check.time : "",
		    "checks", s->check.checks, "critical",
		    s->check.critical));
	if (s->services != NULL)
		bad |= json_object_set(j, "services", s->services);
	if (s->activated != NULL)
		bad |= json_object_set(j, "activated", s->activated);
	for (i = 0; i < NLISTS; i++)
		if ((v = list_get(s, i)) != NULL)
			bad |= json_object_set(j, state_lists[i].name, v);
	if (bad) {
		json_decref(j);
		return NULL;
	}
	return j;
}

struct state *
state_copy(const struct state *s)
{
	struct state	*c = NULL;
	json_t		*j;

	if ((j = state_json(s)) != NULL)
		(void)state_from_json(j, &c, NULL);
	json_decref(j);
	return c;
}

/* <state>/state.json, malloc'd, or NULL with *errp. */
static char *
state_path(const struct host *h, char **errp)
{
	char	*path;

	if ((path = path_join(h->state, STATE_NAME)) == NULL)
		err_set(errp, "out of memory");
	return path;
}

/* As state_load, but 0 with *sp NULL when there is no state.json. */
static int
state_read(const struct host *h, struct state **sp, char **errp)
{
	char	*path, *buf = NULL, *err = NULL;
	size_t	 len;
	int	 rc = -1;

	*sp = NULL;
	if ((path = state_path(h, errp)) == NULL)
		return -1;
	if (access(path, F_OK) == -1 && errno == ENOENT) {
		rc = 0;
		goto out;
	}
	if (read_file(path, JSON_MAX, &buf, &len, errp) == -1)
		goto out;
	if (state_parse(buf, len, path, sp, &err) == -1) {
		err_set(errp, "%s; %s", err != NULL ? err : "out of memory",
		    STATE_FIX);
		goto out;
	}
	rc = 0;
out:
	free(err);
	free(buf);
	free(path);
	return rc;
}

int
state_load(const struct host *h, struct state **sp, char **errp)
{
	if (state_read(h, sp, errp) == -1)
		return -1;
	if (*sp != NULL)
		return 0;
	if ((*sp = state_new()) == NULL)
		return err_set(errp, "out of memory");
	return 0;
}

/* Writes s as it is.  0 or -1 with *errp. */
static int
state_write(const struct host *h, const struct state *s, char **errp)
{
	struct state	*check = NULL;
	json_t		*j;
	char		*path = NULL;
	int		 rc = -1;

	if ((j = state_json(s)) == NULL) {
		err_set(errp, "out of memory");
		goto out;
	}
	/* What is written, the loader takes: no host keeps a bad state. */
	if (state_from_json(j, &check, errp) == -1) {
		err_wrap(errp, "refusing to write state.json");
		goto out;
	}
	if (mkdir_p(h->state, 0755, errp) == -1 ||
	    (path = state_path(h, errp)) == NULL)
		goto out;
	rc = jsonio_write(path, j, 0644, errp);
out:
	state_free(check);
	json_decref(j);
	free(path);
	return rc;
}

int
state_save(const struct host *h, struct state *s, char **errp)
{
	struct state	*disk = NULL;

	/*
	 * The journal's head is the journal's to move (state_journaled):
	 * a state loaded before the last append must not set it back.
	 */
	if (state_read(h, &disk, NULL) == 0 && disk != NULL) {
		s->journal_entries = disk->journal_entries;
		memcpy(s->journal_head, disk->journal_head,
		    sizeof(s->journal_head));
	}
	state_free(disk);
	return state_write(h, s, errp);
}

int
state_journaled(const struct host *h, json_int_t entries,
    const char *head, char **errp)
{
	struct state	*s;
	int		 rc;

	if (state_load(h, &s, errp) == -1)
		return -1;
	s->journal_entries = entries;
	snprintf(s->journal_head, sizeof(s->journal_head), "%s", head);
	rc = state_write(h, s, errp);
	state_free(s);
	return rc;
}
