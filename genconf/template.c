/* SPDX-License-Identifier: Apache-2.0 */
/*
 * DC/OS-style package templates: a YAML mapping whose "package" is a list
 * of {path, content, permissions}.  Content may use {{ var }},
 * {% switch var %}{% case "x": %}...{% endswitch %} and
 * {% for x in list %}...{% endfor %}.  A block tag's own newline is
 * dropped (Jinja's trim_blocks), so tags can sit on lines of their own.
 * The YAML is parsed before rendering, so values never need YAML escaping.
 */
#include <config.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "manifest.h"
#include "schema.h"
#include "secrets.h"
#include "ytree.h"

#define MAX_LOOP_DEPTH	8
/* A rendered file larger than this is a template bug. */
#define RENDER_MAX	(16 * 1024 * 1024)
/* Bounds the work of nested loops even when they print nothing. */
#define RENDER_STEPS	(10 * 1000 * 1000)

enum tok_kind {
	T_TEXT,
	T_VAR,
	T_SWITCH,
	T_CASE,
	T_ENDSWITCH,
	T_FOR,
	T_ENDFOR
};

struct tok {
	enum tok_kind	 kind;
	const char	*text;		/* T_TEXT */
	size_t		 len;
	char		*a;		/* var, case value, loop var */
	char		*b;		/* for: the list */
	size_t		 off;		/* in the content */
};

struct loopvar {
	const char	*name;
	const json_t	*value;
};

struct render {
	const char		*name;		/* template file */
	const char		*path;		/* the file rendered */
	const struct ynode	*content;
	const char		*src;
	const struct schema	*s;
	const json_t		*eff;
	struct tok		*t;
	size_t			 nt;
	struct loopvar		 loops[MAX_LOOP_DEPTH];
	size_t			 nloops;
	FILE			*out;
	size_t			 outlen;
	size_t			 steps;
	int			 secret;	/* a secret was rendered */
	int			 site_secret;	/* one the site set */
	int			 failed;
	int			 oom;
	struct diags		*d;
};

static void
rerr(struct render *r, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Reports at the line and column of off inside the content scalar. */
static void
rerr(struct render *r, size_t off, const char *fmt, ...)
{
	va_list	 ap;
	char	*msg = NULL;
	size_t	 i;
	int	 line = r->content->line + (r->content->block ? 1 : 0);
	int	 col = r->content->block ? 1 : r->content->col;

	for (i = 0; i < off && r->src[i] != '\0'; i++) {
		if (r->src[i] == '\n') {
			line++;
			col = 1;
		} else
			col++;
	}
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) == -1)
		msg = NULL;
	va_end(ap);
	if (msg == NULL || diags_add(r->d, r->name, line, col, r->path, "%s",
	    msg) == -1)
		r->oom = 1;
	free(msg);
	r->failed = 1;
}

static int
is_ident(const char *s, size_t n)
{
	size_t	 i;

	if (n == 0 || !((s[0] >= 'a' && s[0] <= 'z') ||
	    (s[0] >= 'A' && s[0] <= 'Z') || s[0] == '_'))
		return 0;
	for (i = 1; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' &&
		    s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '_'))
			return 0;
	return 1;
}

/* Splits a tag's inside into words; quoted words keep their text. */
static size_t
split_words(char *s, char **w, size_t max)
{
	size_t	 n = 0;
	char	 q;

	while (*s != '\0' && n < max) {
		while (*s == ' ' || *s == '\t')
			*s++ = '\0';
		if (*s == '\0')
			break;
		if (*s == '"' || *s == '\'') {
			q = *s++;
			w[n++] = s;
			while (*s != '\0' && *s != q)
				s++;
			if (*s == q) {
				*s++ = '\0';
				/* "x": -- the colon belongs to the case */
				if (*s == ':')
					*s++ = '\0';
			}
			continue;
		}
		w[n++] = s;
		while (*s != '\0' && *s != ' ' && *s != '\t')
			s++;
	}
	return n;
}

static int
add_tok(struct render *r, struct tok *t)
{
	struct tok	*v;

	if ((v = reallocarray(r->t, r->nt + 1, sizeof(*v))) == NULL) {
		free(t->a);
		free(t->b);
		r->oom = 1;
		return -1;
	}
	r->t = v;
	r->t[r->nt++] = *t;
	return 0;
}

/* The start of the next "{{" or "{%" at or after p, or the end of p. */
static const char *
next_tag(const char *p)
{
	const char	*open;

	open = strstr(p, "{");
	while (open != NULL && open[1] != '{' && open[1] != '%')
		open = strchr(open + 1, '{');
	return open != NULL ? open : p + strlen(p);
}

/* The kind of a {% %} tag from its words, or -1 for none we know. */
static int
block_kind(char **w, size_t nw)
{
	if (nw == 2 && strcmp(w[0], "switch") == 0 &&
	    is_ident(w[1], strlen(w[1])))
		return T_SWITCH;
	if (nw == 2 && strcmp(w[0], "case") == 0)
		return T_CASE;
	if (nw == 1 && strcmp(w[0], "endswitch") == 0)
		return T_ENDSWITCH;
	if (nw == 4 && strcmp(w[0], "for") == 0 && strcmp(w[2], "in") == 0 &&
	    is_ident(w[1], strlen(w[1])) && is_ident(w[3], strlen(w[3])))
		return T_FOR;
	if (nw == 1 && strcmp(w[0], "endfor") == 0)
		return T_ENDFOR;
	return -1;
}

/*
 * Fills t from the tag between open ("{{" or "{%") and close: 0, or -1
 * after an error (r->failed or r->oom set).  t->a and t->b are the
 * caller's on success.
 */
static int
parse_tag(struct render *r, const char *open, const char *close,
    struct tok *t)
{
	char		*inner, *w[5];
	size_t		 nw;
	int		 kind;

	if ((inner = strndup(open + 2, (size_t)(close - open - 2))) == NULL) {
		r->oom = 1;
		return -1;
	}
	nw = split_words(inner, w, 5);
	if (open[1] == '{') {
		if (nw != 1 || !is_ident(w[0], strlen(w[0]))) {
			rerr(r, t->off, "write {{ name }} with one "
			    "parameter name");
			free(inner);
			return -1;
		}
		kind = T_VAR;
	} else if ((kind = block_kind(w, nw)) == -1) {
		rerr(r, t->off, "unknown tag: use {%% switch VAR %%}, "
		    "{%% case \"VALUE\": %%}, {%% endswitch %%}, "
		    "{%% for X in LIST %%} or {%% endfor %%}");
		free(inner);
		return -1;
	}
	t->kind = (enum tok_kind)kind;
	/* The name a tag carries: its only word, or the second. */
	if (kind == T_VAR)
		t->a = strdup(w[0]);
	else if (kind == T_SWITCH || kind == T_CASE || kind == T_FOR)
		t->a = strdup(w[1]);
	if (kind == T_FOR)
		t->b = strdup(w[3]);
	free(inner);
	/* Only the end tags carry no name. */
	if ((t->a == NULL && kind != T_ENDSWITCH && kind != T_ENDFOR) ||
	    (kind == T_FOR && t->b == NULL)) {
		free(t->a);
		free(t->b);
		r->oom = 1;
		return -1;
	}
	return 0;
}

static int
tokenize(struct render *r)
{
	const char	*s = r->src, *p = s, *open, *close;
	struct tok	 t;

	while (*p != '\0') {
		open = next_tag(p);
		if (open > p) {
			memset(&t, 0, sizeof(t));
			t.kind = T_TEXT;
			t.text = p;
			t.len = (size_t)(open - p);
			t.off = (size_t)(p - s);
			if (add_tok(r, &t) == -1)
				return -1;
		}
		if (*open == '\0')
			break;
		close = strstr(open + 2, open[1] == '{' ? "}}" : "%}");
		if (close == NULL) {
			rerr(r, (size_t)(open - s), "'%s' is never closed",
			    open[1] == '{' ? "{{" : "{%");
			return -1;
		}
		memset(&t, 0, sizeof(t));
		t.off = (size_t)(open - s);
		if (parse_tag(r, open, close, &t) == -1 ||
		    add_tok(r, &t) == -1)
			return -1;
		p = close + 2;
		if (open[1] == '%' && *p == '\n')
			p++;
	}
	return 0;
}

static const json_t *
lookup(struct render *r, const char *name, size_t off)
{
	const struct param	*p;
	const json_t		*v;
	size_t			 i;

	for (i = r->nloops; i > 0; i--)
		if (strcmp(r->loops[i - 1].name, name) == 0)
			return r->loops[i - 1].value;
	if ((v = json_object_get(r->eff, name)) == NULL) {
		if (schema_find(r->s, name) == NULL)
			rerr(r, off, "unknown parameter '%s'", name);
		else
			rerr(r, off, "parameter '%s' has no value in this "
			    "configuration", name);
		return NULL;
	}
	if ((p = schema_find(r->s, name)) != NULL && p->secret) {
		r->secret = 1;
		/* A default is the release's, not a secret of the site. */
		if (p->def == NULL || !json_equal(v, p->def))
			r->site_secret = 1;
	}
	return v;
}

static void
emit(struct render *r, const char *s, size_t n)
{
	r->outlen += n;
	if (r->outlen > RENDER_MAX) {
		if (!r->failed)
			rerr(r, 0, "renders more than %d bytes", RENDER_MAX);
		return;
	}
	fwrite(s, 1, n, r->out);
}

static int	render(struct render *, size_t *, int, int, int);

/* {{ var }}: a list or mapping renders as compact JSON. */
static void
render_var(struct render *r, const struct tok *t, int on)
{
	const json_t	*v;
	char		*text;

	if (!on || (v = lookup(r, t->a, t->off)) == NULL)
		return;
	if (json_is_array(v) || json_is_object(v))
		text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	else
		text = json_text(v);
	if (text == NULL) {
		r->oom = r->failed = 1;
		return;
	}
	emit(r, text, strlen(text));
	free(text);
}

/*
 * The case blocks of a switch on text (NULL when off), *ip at the first
 * token after the switch tag; returns whether a case matched.
 */
static int
render_cases(struct render *r, size_t *ip, int on, const char *text)
{
	int	 k, matched = 0;

	/* Only blank text may come before the first case. */
	while (*ip < r->nt && r->t[*ip].kind == T_TEXT &&
	    strspn(r->t[*ip].text, " \t\n") >= r->t[*ip].len)
		(*ip)++;
	while (*ip < r->nt && r->t[*ip].kind == T_CASE) {
		k = on && !matched && strcmp(text, r->t[*ip].a) == 0;
		matched |= k;
		(*ip)++;
		if (render(r, ip, k, T_CASE, T_ENDSWITCH) == -1)
			break;
	}
	return matched;
}

/* {% switch %} at *ip to past its {% endswitch %}: 0, or -1 on error. */
static int
render_switch(struct render *r, size_t *ip, int on)
{
	const struct tok	*t = &r->t[*ip];
	const json_t		*v;
	char			*text;
	int			 matched;

	(*ip)++;
	v = on ? lookup(r, t->a, t->off) : NULL;
	if (on && v == NULL)
		return -1;
	text = v != NULL ? json_text(v) : NULL;
	if (on && text == NULL) {
		rerr(r, t->off, "cannot switch on list '%s'", t->a);
		return -1;
	}
	matched = render_cases(r, ip, on, text);
	if (!r->failed && (*ip >= r->nt || r->t[*ip].kind != T_ENDSWITCH))
		rerr(r, t->off, "{%% switch %s %%} needs {%% case \"VALUE\": "
		    "%%} blocks and {%% endswitch %%}", t->a);
	else if (!r->failed && on && !matched)
		rerr(r, t->off, "no {%% case \"%s\": %%} for %s", text, t->a);
	free(text);
	if (r->failed)
		return -1;
	(*ip)++;
	return 0;
}

/* {% for %} at *ip to past its {% endfor %}: 0, or -1 on error. */
static int
render_for(struct render *r, size_t *ip, int on)
{
	const struct tok	*t = &r->t[*ip];
	const json_t		*v;
	size_t			 i, body;

	(*ip)++;
	v = on ? lookup(r, t->b, t->off) : NULL;
	if (on && v == NULL)
		return -1;
	if (on && !json_is_array(v)) {
		rerr(r, t->off, "'%s' is not a list", t->b);
		return -1;
	}
	if (r->nloops == MAX_LOOP_DEPTH) {
		rerr(r, t->off, "loops nested too deep");
		return -1;
	}
	body = *ip;
	r->loops[r->nloops].name = t->a;
	r->nloops++;
	/* Walk the body once even for an empty list. */
	for (i = 0; i == 0 || (on && i < json_array_size(v)); i++) {
		*ip = body;
		r->loops[r->nloops - 1].value = on ? json_array_get(v, i) :
		    NULL;
		if (render(r, ip, on && i < json_array_size(v), T_ENDFOR,
		    T_ENDFOR) == -1)
			break;
	}
	r->nloops--;
	if (r->failed)
		return -1;
	if (*ip >= r->nt || r->t[*ip].kind != T_ENDFOR) {
		rerr(r, t->off, "{%% for %%} without {%% endfor %%}");
		return -1;
	}
	(*ip)++;
	return 0;
}

/*
 * Renders tokens from *ip until one of the stop kinds (returned, with *ip
 * at it) or the end (-1).  With on == 0 only the structure is walked:
 * a branch not taken may name keys this configuration does not have.
 */
static int
render(struct render *r, size_t *ip, int on, int stop1, int stop2)
{
	struct tok	*t;

	while (*ip < r->nt && !r->failed) {
		if (++r->steps > RENDER_STEPS) {
			rerr(r, r->t[*ip].off, "more than %d steps: are loops "
			    "nested too deep?", RENDER_STEPS);
			return -1;
		}
		t = &r->t[*ip];
		if ((int)t->kind == stop1 || (int)t->kind == stop2)
			return (int)t->kind;
		switch (t->kind) {
		case T_TEXT:
			if (on)
				emit(r, t->text, t->len);
			(*ip)++;
			break;
		case T_VAR:
			(*ip)++;
			render_var(r, t, on);
			break;
		case T_SWITCH:
			if (render_switch(r, ip, on) == -1)
				return -1;
			break;
		case T_FOR:
			if (render_for(r, ip, on) == -1)
				return -1;
			break;
		default:
			rerr(r, t->off, "{%% %s %%} without its opening tag",
			    t->kind == T_CASE ? "case" : t->kind == T_ENDFOR ?
			    "endfor" : "endswitch");
			return -1;
		}
	}
	return -1;
}

/* A path the config package can hold: lib/manifest's rule, not the manifest. */
static int
safe_path(const char *p)
{
	return pkg_path_check(p, NULL) == 0 &&
	    strcmp(p, PKG_MANIFEST_NAME) != 0;
}

static int
parse_mode(const struct ynode *n, mode_t *mode)
{
	const char	*s = n->str;
	char		*end;
	unsigned long	 v;

	if (n->type != YNODE_SCALAR || s == NULL || *s == '\0' ||
	    strspn(s, "01234567") != strlen(s))
		return -1;
	v = strtoul(s, &end, 8);
	/* What generate's package writer takes (lib/manifest). */
	if (pkg_mode_check(v, NULL) == -1)
		return -1;
	*mode = (mode_t)v;
	return 0;
}

/* The attributes of one package entry. */
struct entry {
	const struct ynode	*path;
	const struct ynode	*content;
	const struct ynode	*perm;
	const struct ynode	*when;
	const struct ynode	*secret;
	const struct ynode	*platform;
	const struct ynode	*owner;
};

/*
 * The owner of a secret file: root or a package's user (lib/secrets'
 * rule, which dcos-bootstrap applies to the bundle too).  The config
 * package's files belong to root: a tar served to every host, whose
 * users are made only at activation.  0, or 1 after a diagnostic.
 */
static int
owner_parse(const char *name, const struct entry *en, struct diags *d)
{
	const struct ynode	*o = en->owner;
	char			*err = NULL;
	int			 rc = 0;

	if (o->type != YNODE_SCALAR || o->str == NULL ||
	    secrets_owner_check(o->str, &err) == -1)
		rc = diags_add(d, name, o->line, o->col, en->path->str, "%s",
		    err != NULL ? err : "owner must be a user name") == -1 ?
		    -1 : 1;
	else if (en->platform != NULL && strcmp(en->platform->str,
	    "windows") == 0)
		rc = diags_add(d, name, o->line, o->col, en->path->str,
		    "owner: Windows files take no owner") == -1 ? -1 : 1;
	free(err);
	return rc;
}

/*
 * Checks the shape of package entry e into en and *mode: 0, 1 after a
 * diagnostic in d, -1 out of memory.
 */
static int
entry_parse(const char *name, const struct ynode *e, struct entry *en,
    mode_t *mode, struct diags *d)
{
	const struct ynode	*k;
	size_t			 i;
	int			 rc;

	memset(en, 0, sizeof(*en));
	if (e->type != YNODE_MAP)
		return diags_add(d, name, e->line, e->col, NULL, "a package "
		    "entry is {path, content, permissions}") == -1 ? -1 : 1;
	for (i = 0; i < ymap_len(e); i++) {
		k = ymap_key(e, i);
		if (strcmp(k->str, "path") == 0)
			en->path = ymap_value(e, i);
		else if (strcmp(k->str, "content") == 0)
			en->content = ymap_value(e, i);
		else if (strcmp(k->str, "permissions") == 0)
			en->perm = ymap_value(e, i);
		else if (strcmp(k->str, "when") == 0)
			en->when = ymap_value(e, i);
		else if (strcmp(k->str, "secret") == 0)
			en->secret = ymap_value(e, i);
		else if (strcmp(k->str, "platform") == 0)
			en->platform = ymap_value(e, i);
		else if (strcmp(k->str, "owner") == 0)
			en->owner = ymap_value(e, i);
		else
			return diags_add(d, name, k->line, k->col, NULL,
			    "unknown attribute '%s': use path, content, "
			    "permissions, when, secret, owner and platform",
			    k->str) == -1 ?
			    -1 : 1;
	}
	if (en->platform != NULL && (en->platform->type != YNODE_SCALAR ||
	    (strcmp(en->platform->str, "linux") != 0 &&
	    strcmp(en->platform->str, "windows") != 0)))
		return diags_add(d, name, en->platform->line,
		    en->platform->col, NULL, "platform must be linux (the "
		    "default) or windows") == -1 ? -1 : 1;
	if (en->path == NULL || en->path->type != YNODE_SCALAR ||
	    !safe_path(en->path->str))
		return diags_add(d, name, (en->path != NULL ? en->path :
		    e)->line, (en->path != NULL ? en->path : e)->col, NULL,
		    "path must be a relative path inside the package (e.g. "
		    "etc/mesos-master)") == -1 ? -1 : 1;
	if (en->content == NULL || en->content->type != YNODE_SCALAR)
		return diags_add(d, name, (en->content != NULL ? en->content :
		    e)->line, (en->content != NULL ? en->content : e)->col,
		    en->path->str, "content must be text") == -1 ? -1 : 1;
	if (en->secret != NULL && (en->secret->type != YNODE_SCALAR ||
	    (strcmp(en->secret->str, "true") != 0 &&
	    strcmp(en->secret->str, "false") != 0)))
		return diags_add(d, name, en->secret->line, en->secret->col,
		    en->path->str, "secret must be true or false") == -1 ?
		    -1 : 1;
	if (en->owner != NULL && (rc = owner_parse(name, en, d)) != 0)
		return rc;
	*mode = 0644;
	if (en->perm != NULL && parse_mode(en->perm, mode) == -1)
		return diags_add(d, name, en->perm->line, en->perm->col,
		    en->path->str, "permissions must be octal, at most 0777, "
		    "not writable by group or others, e.g. \"0644\"") == -1 ? -1 : 1;
	return 0;
}

/*
 * Whether the entry's "when" leaves it out of this configuration: 0 no,
 * 1 yes (also after a diagnostic in d), -1 out of memory.  A file only
 * some configurations have, e.g. fault-domain-detect.
 */
static int
entry_skipped(const char *name, const struct entry *en,
    const struct schema *s, const json_t *eff, struct diags *d)
{
	struct condset	 cs;
	char		*err = NULL;
	size_t		 i;
	int		 rc, unknown = 0;

	if (en->when == NULL)
		return 0;
	if (condset_parse(en->when, name, &cs, &err) == -1) {
		condset_free(&cs);
		rc = diags_add(d, NULL, en->when->line, en->when->col, NULL,
		    "%s", err) == -1 ? -1 : 1;
		free(err);
		return rc;
	}
	for (i = 0; i < cs.n; i++) {
		if (schema_find(s, cs.v[i].key) != NULL)
			continue;
		unknown = 1;
		if (diags_add(d, name, en->when->line, en->when->col,
		    en->path->str, "when: unknown parameter '%s'",
		    cs.v[i].key) == -1) {
			condset_free(&cs);
			return -1;
		}
	}
	rc = unknown || (eff != NULL && !conds_hold(eff, &cs));
	condset_free(&cs);
	return rc;
}

/*
 * Renders r's content into *bufp (*lenp bytes, the caller's to free
 * even on error): 0, or -1 out of memory.  Template errors set
 * r->failed and leave diagnostics.
 */
/*
 * Without a config (template_check()): every name a tag uses must be a
 * parameter or a loop variable of this content.
 */
static void
check_names(struct render *r)
{
	const char	*name;
	size_t		 i, j;

	for (i = 0; i < r->nt; i++) {
		name = r->t[i].kind == T_FOR ? r->t[i].b : r->t[i].a;
		if (r->t[i].kind == T_TEXT || r->t[i].kind == T_CASE ||
		    name == NULL || schema_find(r->s, name) != NULL)
			continue;
		for (j = 0; j < r->nt; j++)
			if (r->t[j].kind == T_FOR &&
			    strcmp(r->t[j].a, name) == 0)
				break;
		if (j == r->nt)
			rerr(r, r->t[i].off, "unknown parameter '%s'", name);
	}
}

static int
render_content(struct render *r, char **bufp, size_t *lenp)
{
	size_t	 ip = 0;
	int	 on = r->eff != NULL;

	if ((r->out = open_memstream(bufp, lenp)) == NULL)
		return -1;
	if (tokenize(r) == 0 && !r->failed) {
		if (!on)
			check_names(r);
		if (!r->failed && render(r, &ip, on, -1, -1) != -1 &&
		    !r->failed && ip < r->nt)
			rerr(r, r->t[ip].off, "unexpected tag");
	}
	if (fclose(r->out) != 0) {
		r->out = NULL;
		r->oom = 1;
		return -1;
	}
	r->out = NULL;
	return r->oom ? -1 : 0;
}

static int
render_entry(const char *name, const struct ynode *e, const struct schema *s,
    const json_t *eff, struct tmpl_file *f, struct diags *d)
{
	struct entry	 en;
	struct render	 r;
	char		*buf = NULL;
	size_t		 i, len = 0;
	int		 rc;

	memset(f, 0, sizeof(*f));
	if ((rc = entry_parse(name, e, &en, &f->mode, d)) != 0 ||
	    (rc = entry_skipped(name, &en, s, eff, d)) != 0)
		return rc;

	rc = -1;
	memset(&r, 0, sizeof(r));
	r.name = name;
	r.path = en.path->str;
	r.content = en.content;
	r.src = en.content->kind == YSCALAR_NULL ? "" : en.content->str;
	r.s = s;
	r.eff = eff;
	r.d = d;
	if (render_content(&r, &buf, &len) == -1)
		goto out;
	if (en.secret != NULL && strcmp(en.secret->str, "true") == 0)
		r.secret = r.site_secret = 1;
	if (!r.failed && r.secret && (f->mode & 077) != 0) {
		if (diags_add(d, name, en.path->line, en.path->col,
		    en.path->str, "renders a secret parameter into a file "
		    "readable by others (mode %04o): give it permissions "
		    "\"0600\"", (unsigned)f->mode) == -1)
			goto out;
		r.failed = 1;
	}
	/* Rendered for a site: only a file that is sealed has an owner. */
	if (!r.failed && eff != NULL && en.owner != NULL && !r.site_secret) {
		if (diags_add(d, name, en.owner->line, en.owner->col,
		    en.path->str, "owner %s: only a file that holds a secret "
		    "(secret: true, or a secret the site set) has an owner; "
		    "the config package's files belong to root: mark it "
		    "secret: true or drop owner", en.owner->str) == -1)
			goto out;
		r.failed = 1;
	}
	if (r.failed) {
		rc = 1;
		goto out;
	}
	if (en.owner != NULL && strcmp(en.owner->str, "root") != 0 &&
	    (f->owner = strdup(en.owner->str)) == NULL)
		goto out;
	if ((f->path = strdup(en.path->str)) == NULL) {
		free(f->owner);
		f->owner = NULL;
		goto out;
	}
	f->content = buf;
	f->len = len;
	f->secret = r.site_secret;
	f->windows = en.platform != NULL &&
	    strcmp(en.platform->str, "windows") == 0;
	buf = NULL;
	rc = 0;
out:
	for (i = 0; i < r.nt; i++) {
		free(r.t[i].a);
		free(r.t[i].b);
	}
	free(r.t);
	if (buf != NULL)
		explicit_bzero(buf, len);
	free(buf);
	return rc;
}

int
template_render(const char *text, size_t len, const char *name,
    const struct schema *s, const json_t *eff, struct tmpl_file **files,
    size_t *nfiles, struct diags *d)
{
	struct ynode		*root = NULL;
	const struct ynode	*pkg, *k;
	struct tmpl_file	 f, *v;
	char			*err = NULL;
	size_t			 i;
	int			 r, rc = -1;

	if (yaml_load(text, len, name, &root, &err) == -1) {
		/* err already names the file and position. */
		r = diags_add(d, NULL, 1, 1, NULL, "%s", err);
		free(err);
		return r;
	}
	if (root == NULL || root->type != YNODE_MAP ||
	    (pkg = ymap_get(root, "package")) == NULL ||
	    pkg->type != YNODE_SEQ) {
		rc = diags_add(d, name, root != NULL ? root->line : 1,
		    root != NULL ? root->col : 1, NULL, "a template is a "
		    "mapping with 'package', a list of {path, content, "
		    "permissions}");
		goto out;
	}
	for (i = 0; i < ymap_len(root); i++) {
		k = ymap_key(root, i);
		if (strcmp(k->str, "package") != 0) {
			rc = diags_add(d, name, k->line, k->col, NULL,
			    "unknown top-level key '%s'", k->str);
			goto out;
		}
	}
	for (i = 0; i < pkg->n; i++) {
		if ((r = render_entry(name, pkg->items[i], s, eff, &f, d)) ==
		    -1)
			goto out;
		if (r == 1)
			continue;
		if ((v = reallocarray(*files, *nfiles + 1, sizeof(*v))) ==
		    NULL) {
			free(f.path);
			free(f.owner);
			explicit_bzero(f.content, f.len);
			free(f.content);
			goto out;
		}
		*files = v;
		(*files)[(*nfiles)++] = f;
	}
	rc = 0;
out:
	ynode_free(root);
	return rc;
}

int
template_check(const char *text, size_t len, const char *name,
    const struct schema *s, struct diags *d)
{
	struct tmpl_file	*files = NULL;
	size_t			 i, n = 0;
	int			 rc;

	rc = template_render(text, len, name, s, NULL, &files, &n, d);
	for (i = 0; i < n; i++) {
		free(files[i].path);
		free(files[i].owner);
		free(files[i].content);
	}
	free(files);
	return rc;
}
