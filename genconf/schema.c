/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The schema language (dcos-config.yaml(5)): a YAML mapping with "format",
 * "parameters" (name -> attributes) and "rules" (cross-key conditions).
 * The schema comes with the signed release, but it is still checked
 * strictly: a typo in an attribute would otherwise silently drop a rule.
 */
#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "schema.h"
#include "ytree.h"

int
diags_add(struct diags *d, const char *file, int line, int col,
    const char *key, const char *fmt, ...)
{
	struct diag	*v;
	va_list		 ap;
	char		*msg = NULL, *text = NULL;
	int		 r;

	va_start(ap, fmt);
	r = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (r == -1)
		return -1;
	if (file == NULL) {
		text = msg;
		msg = NULL;
	} else if (key != NULL)
		r = asprintf(&text, "%s:%d:%d: %s: %s", file, line, col, key,
		    msg);
	else
		r = asprintf(&text, "%s:%d:%d: %s", file, line, col, msg);
	free(msg);
	if (r == -1)
		return -1;
	if (d->n == d->cap) {
		if ((v = reallocarray(d->v, d->cap == 0 ? 16 : d->cap * 2,
		    sizeof(*v))) == NULL) {
			free(text);
			return -1;
		}
		d->v = v;
		d->cap = d->cap == 0 ? 16 : d->cap * 2;
	}
	d->v[d->n].line = line;
	d->v[d->n].col = col;
	d->v[d->n].text = text;
	d->n++;
	return 0;
}

static int
diag_cmp(const void *a, const void *b)
{
	const struct diag	*x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if (x->col != y->col)
		return x->col < y->col ? -1 : 1;
	return strcmp(x->text, y->text);
}

char *
diags_join(struct diags *d)
{
	char	*buf, *p;
	size_t	 i, len = 1;

	if (d->n == 0)
		return NULL;
	qsort(d->v, d->n, sizeof(*d->v), diag_cmp);
	for (i = 0; i < d->n; i++)
		len += strlen(d->v[i].text) + 1;
	if ((buf = malloc(len)) == NULL)
		return NULL;
	p = buf;
	for (i = 0; i < d->n; i++) {
		/* Two checks may say the same of one key: say it once. */
		if (i > 0 && strcmp(d->v[i].text, d->v[i - 1].text) == 0)
			continue;
		if (p != buf)
			*p++ = '\n';
		len = strlen(d->v[i].text);
		memcpy(p, d->v[i].text, len);
		p += len;
	}
	*p = '\0';
	return buf;
}

void
diags_clear(struct diags *d)
{
	size_t	 i;

	for (i = 0; i < d->n; i++)
		free(d->v[i].text);
	free(d->v);
	d->v = NULL;
	d->n = d->cap = 0;
}

char *
json_text(const json_t *j)
{
	char	*s = NULL;

	switch (json_typeof(j)) {
	case JSON_STRING:
		return strdup(json_string_value(j));
	case JSON_TRUE:
		return strdup("true");
	case JSON_FALSE:
		return strdup("false");
	case JSON_INTEGER:
		if (asprintf(&s, "%" JSON_INTEGER_FORMAT,
		    json_integer_value(j)) == -1)
			return NULL;
		return s;
	case JSON_NULL:
		return strdup("");
	default:
		return NULL;
	}
}

size_t
edit_distance(const char *a, const char *b)
{
	size_t	 la = strlen(a), lb = strlen(b), i, j, prev, tmp, best;
	size_t	*row;

	if ((row = calloc(lb + 1, sizeof(*row))) == NULL)
		return (size_t)-1;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			tmp = row[j];
			best = prev + (a[i - 1] != b[j - 1]);
			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			prev = tmp;
		}
	}
	best = row[lb];
	free(row);
	return best;
}

static void
strv_free(char **v, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void
condset_free(struct condset *cs)
{
	size_t	 i;

	for (i = 0; i < cs->n; i++) {
		free(cs->v[i].key);
		strv_free(cs->v[i].values, cs->v[i].nvalues);
	}
	free(cs->v);
	cs->v = NULL;
	cs->n = 0;
}

static int
cond_holds(const json_t *eff, const struct cond *c)
{
	const json_t	*v = json_object_get(eff, c->key);
	char		*t;
	size_t		 i;
	int		 in = 0;

	if (c->set != -1)
		return (v != NULL) == c->set;
	/* An unset (or invalid) key satisfies no comparison either way. */
	if (v == NULL || (t = json_text(v)) == NULL)
		return 0;
	for (i = 0; i < c->nvalues; i++)
		if (strcmp(t, c->values[i]) == 0)
			in = 1;
	free(t);
	return c->negate ? !in : in;
}

int
conds_hold(const json_t *eff, const struct condset *cs)
{
	size_t	 i;

	for (i = 0; i < cs->n; i++)
		if (!cond_holds(eff, &cs->v[i]))
			return 0;
	return 1;
}

char *
conds_text(const struct condset *cs)
{
	const struct cond	*c;
	char			*s = NULL, *tmp;
	size_t			 i;
	int			 r;

	for (i = 0; i < cs->n; i++) {
		c = &cs->v[i];
		if (c->set != -1)
			r = asprintf(&tmp, "%s%s%s is %sset", s != NULL ?
			    s : "", i > 0 ? " and " : "", c->key,
			    c->set ? "" : "not ");
		else
			r = asprintf(&tmp, "%s%s%s %s %s%s", s != NULL ? s : "",
			    i > 0 ? " and " : "", c->key,
			    c->negate ? "is not" : "is",
			    c->nvalues > 1 ? "one of " : "", c->values[0]);
		free(s);
		if (r == -1)
			return NULL;
		s = tmp;
	}
	return s;
}

static void
param_free(struct param *p)
{
	size_t	 i;

	free(p->name);
	strv_free(p->values, p->nvalues);
	json_decref(p->def);
	condset_free(&p->required_when);
	condset_free(&p->derive_when);
	free(p->from);
	free(p->fallback);
	free(p->format);
	free(p->separator);
	for (i = 0; i < p->nchecks; i++) {
		free(p->checks[i].arg);
		strv_free(p->checks[i].values, p->checks[i].nvalues);
		if (p->checks[i].have_re)
			regfree(&p->checks[i].re);
		condset_free(&p->checks[i].when);
		strv_free(p->checks[i].with, p->checks[i].nwith);
		free(p->checks[i].message);
	}
	free(p->checks);
	free(p->description);
	free(p->invalid);
	if (p->item != NULL) {
		param_free(p->item);
		free(p->item);
	}
}

void
schema_free(struct schema *s)
{
	size_t	 i;

	if (s == NULL)
		return;
	for (i = 0; i < s->nparams; i++)
		param_free(&s->params[i]);
	free(s->params);
	for (i = 0; i < s->nrules; i++) {
		condset_free(&s->rules[i].when);
		condset_free(&s->rules[i].require);
		free(s->rules[i].message);
	}
	free(s->rules);
	free(s);
}

const struct param *
schema_find(const struct schema *s, const char *name)
{
	size_t	 i;

	for (i = 0; i < s->nparams; i++)
		if (strcmp(s->params[i].name, name) == 0)
			return &s->params[i];
	return NULL;
}

/*
 * A value calculated from a secret (from, fallback, at any depth) is a
 * secret too: masked in messages and show, 0600 in rendered files.
 */
static void
secret_closure(struct schema *s)
{
	const struct param	*src;
	struct param		*p;
	size_t			 i;
	int			 changed = 1;

	while (changed) {
		changed = 0;
		for (i = 0; i < s->nparams; i++) {
			p = &s->params[i];
			if (p->secret)
				continue;
			if ((p->from != NULL && (src = schema_find(s,
			    p->from)) != NULL && src->secret) ||
			    (p->fallback != NULL && (src = schema_find(s,
			    p->fallback)) != NULL && src->secret)) {
				p->secret = 1;
				changed = 1;
			}
		}
	}
}

/* Parsing state: the file name for messages. */
struct sp {
	const char	*name;
	char		**errp;
};

static int
bad_(struct sp *sp, const struct ynode *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Returns -1 where an analyzer sees it, as err_set (lib/error.h). */
#define bad(...)	err_fail_(bad_(__VA_ARGS__))

static int
bad_(struct sp *sp, const struct ynode *n, const char *fmt, ...)
{
	va_list	 ap;
	char	*msg = NULL;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) == -1)
		msg = NULL;
	va_end(ap);
	err_set(sp->errp, "%s:%d:%d: %s", sp->name, n != NULL ? n->line : 1,
	    n != NULL ? n->col : 1, msg != NULL ? msg : "out of memory");
	free(msg);
	return -1;
}

static int
get_str(struct sp *sp, const struct ynode *n, const char *what, char **out)
{
	if (n->type != YNODE_SCALAR || n->kind == YSCALAR_NULL)
		return bad(sp, n, "%s must be a string, not %s", what,
		    ynode_describe(n));
	if ((*out = strdup(n->str)) == NULL)
		return bad(sp, n, "out of memory");
	return 0;
}

static int
get_bool(struct sp *sp, const struct ynode *n, const char *what, int *out)
{
	if (n->type != YNODE_SCALAR || n->kind != YSCALAR_BOOL)
		return bad(sp, n, "%s must be true or false", what);
	*out = n->bval;
	return 0;
}

/* A scalar or a list of scalars, as text. */
static int
get_strv(struct sp *sp, const struct ynode *n, const char *what,
    char ***vp, size_t *np)
{
	const struct ynode	*const *items;
	size_t			 i, count = 1;

	items = (const struct ynode *const *)&n;
	if (n->type == YNODE_SEQ) {
		items = (const struct ynode *const *)n->items;
		count = n->n;
	}
	if (count == 0)
		return bad(sp, n, "%s must not be an empty list", what);
	if ((*vp = calloc(count, sizeof(**vp))) == NULL)
		return bad(sp, n, "out of memory");
	*np = count;
	for (i = 0; i < count; i++)
		if (get_str(sp, items[i], what, &(*vp)[i]) == -1)
			return -1;
	return 0;
}

static int
parse_type(struct sp *sp, const struct ynode *n, enum ptype *t)
{
	static const struct {
		const char	*name;
		enum ptype	 t;
	} types[] = {
		{ "string", PT_STRING }, { "bool", PT_BOOL }, { "int", PT_INT },
		{ "url", PT_URL }, { "ipv4", PT_IPV4 },
		{ "ipv4-with-port", PT_IPV4_PORT }, { "path", PT_PATH },
		{ "enum", PT_ENUM }, { "list-of", PT_LIST },
		{ "ipv6", PT_IPV6 }, { "ip", PT_IP }, { "cidr4", PT_CIDR4 },
		{ "cidr6", PT_CIDR6 }, { "duration", PT_DURATION },
		{ "port", PT_PORT }, { "hostname", PT_HOSTNAME },
		{ "email", PT_EMAIL }, { "map", PT_MAP }, { "json", PT_JSON }
	};
	size_t	 i;

	if (n->type == YNODE_SCALAR)
		for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
			if (strcmp(n->str, types[i].name) == 0) {
				*t = types[i].t;
				return 0;
			}
	return bad(sp, n, "unknown type: use string, bool, int, port, url, "
	    "path, ipv4, ipv4-with-port, ipv6, ip, cidr4, cidr6, hostname, "
	    "email, duration, enum, list-of, map or json");
}

/* {key: value | [values] | {not: value | [values]} | {set: bool}, ...} */
static int
parse_conds(struct sp *sp, const struct ynode *n, struct condset *cs)
{
	const struct ynode	*v;
	size_t			 i;
	int			 b = 0;

	if (n->type != YNODE_MAP || ymap_len(n) == 0)
		return bad(sp, n, "a condition must be a mapping of keys to "
		    "values, e.g. {master_discovery: static}");
	if ((cs->v = calloc(ymap_len(n), sizeof(*cs->v))) == NULL)
		return bad(sp, n, "out of memory");
	for (i = 0; i < ymap_len(n); i++) {
		cs->n++;
		cs->v[i].set = -1;
		if ((cs->v[i].key = strdup(ymap_key(n, i)->str)) == NULL)
			return bad(sp, n, "out of memory");
		v = ymap_value(n, i);
		if (v->type == YNODE_MAP && ymap_len(v) == 1 &&
		    ymap_get(v, "set") != NULL) {
			if (get_bool(sp, ymap_get(v, "set"), "set", &b) == -1)
				return -1;
			cs->v[i].set = b;
			continue;
		}
		if (v->type == YNODE_MAP) {
			if (ymap_len(v) != 1 || ymap_get(v, "not") == NULL)
				return bad(sp, v, "a condition is VALUE, "
				    "[VALUES], {not: VALUE}, {not: [VALUES]} "
				    "or {set: true|false}");
			cs->v[i].negate = 1;
			v = ymap_get(v, "not");
		}
		if (get_strv(sp, v, "a condition value", &cs->v[i].values,
		    &cs->v[i].nvalues) == -1)
			return -1;
	}
	return 0;
}

int
condset_parse(const struct ynode *n, const char *name, struct condset *cs,
    char **errp)
{
	struct sp	 sp = { name, errp };

	memset(cs, 0, sizeof(*cs));
	return parse_conds(&sp, n, cs);
}

static int
parse_int(struct sp *sp, const struct ynode *n, long long *out)
{
	if (n->type != YNODE_SCALAR || n->kind != YSCALAR_INT)
		return bad(sp, n, "must be an integer");
	*out = n->ival;
	return 0;
}

/*
 * Limits on a regex check.  glibc's regcomp copies the operand of every
 * '+' and '{m,n}', so "a" followed by 22 '+' (or 20 nested "(...)+")
 * took seconds to minutes to compile; back-references make regexec
 * exponential.  REGEX_MAX_PIECES bounds the pattern as regcomp expands it
 * (a few milliseconds to compile); dcos-config.yaml(5) documents it.
 */
#define REGEX_MAX_LEN		512
#define REGEX_MAX_PIECES	4096
#define REGEX_MAX_DEPTH		32

/* Skips a bracket expression starting at re[i] == '['; returns the index
 * just past it, or strlen(re) when it is unterminated (regcomp says so). */
static size_t
regex_skip_bracket(const char *re, size_t i)
{
	i++;
	if (re[i] == '^')
		i++;
	if (re[i] == ']')
		i++;
	for (; re[i] != '\0' && re[i] != ']'; i++)
		if (re[i] == '[' && (re[i + 1] == ':' || re[i + 1] == '.' ||
		    re[i + 1] == '=')) {
			const char *e = strchr(re + i + 2, re[i + 1]);

			while (e != NULL && e[1] != ']')
				e = strchr(e + 1, re[i + 1]);
			if (e == NULL)
				return strlen(re);
			i = (size_t)(e + 1 - re);
		}
	return re[i] == ']' ? i + 1 : i;
}

/* Reads a bound "{m}", "{m,}" or "{m,n}" at re[i] == '{'; returns the index
 * past it and sets *times to the copies regcomp makes, or returns 0 when it
 * is not a bound (regcomp then decides). */
static size_t
regex_bound(const char *re, size_t i, size_t *times)
{
	unsigned long	 m = 0, n;
	int		 digits = 0, comma = 0;

	for (i++; re[i] >= '0' && re[i] <= '9'; i++, digits++)
		m = m < 100000 ? m * 10 + (unsigned long)(re[i] - '0') : m;
	n = m;
	if (re[i] == ',') {
		comma = 1;
		n = 0;
		for (i++; re[i] >= '0' && re[i] <= '9'; i++, digits++)
			n = n < 100000 ? n * 10 + (unsigned long)(re[i] - '0') :
			    n;
	}
	if (re[i] != '}' || digits == 0)
		return 0;
	if (comma && n == 0)
		n = m + 1;	/* {m,}: m copies and a star */
	*times = n > m ? n : m;
	if (*times == 0)
		*times = 1;
	return i + 1;
}

/*
 * Returns 0 when the ERE re is cheap enough to compile and run, or -1 with
 * *why saying which limit it exceeds.  Syntax errors are left to regcomp.
 */
static int
regex_check_cost(const char *re, const char **why)
{
	size_t	 total[REGEX_MAX_DEPTH + 1], last[REGEX_MAX_DEPTH + 1];
	size_t	 depth = 0, i = 0, j, times;

	if (strlen(re) > REGEX_MAX_LEN) {
		*why = "longer than 512 characters";
		return -1;
	}
	/* Per open group: the pieces before its last item, and that item. */
	total[0] = last[0] = 0;
	for (;;) {
		if (total[depth] + last[depth] > REGEX_MAX_PIECES) {
			*why = "its repetitions expand to more than 4096 "
			    "pieces ('+' doubles what it repeats, {m,n} "
			    "copies it n times)";
			return -1;
		}
		if (re[i] == '\0')
			break;
		times = 0;
		if (re[i] == '(') {
			if (depth == REGEX_MAX_DEPTH) {
				*why = "groups nest deeper than 32";
				return -1;
			}
			total[depth] += last[depth];
			last[depth] = 0;
			depth++;
			total[depth] = last[depth] = 0;
			i++;
		} else if (re[i] == ')' && depth > 0) {
			depth--;
			last[depth] = total[depth + 1] + last[depth + 1];
			i++;
		} else if (re[i] == '|') {
			total[depth] += last[depth];
			last[depth] = 0;
			i++;
		} else if (re[i] == '*' || re[i] == '?') {
			i++;	/* a loop over the same copy */
		} else if (re[i] == '+') {
			times = 2;
			i++;
		} else if (re[i] == '{' && (j = regex_bound(re, i,
		    &times)) != 0) {
			i = j;
		} else if (re[i] == '\\' && re[i + 1] >= '1' &&
		    re[i + 1] <= '9') {
			*why = "back-references (\\1 to \\9) can take "
			    "exponential time";
			return -1;
		} else {
			/* One atom: a character, an escape or a bracket. */
			total[depth] += last[depth];
			last[depth] = 1;
			if (re[i] == '[')
				i = regex_skip_bracket(re, i);
			else if (re[i] == '\\' && re[i + 1] != '\0')
				i += 2;
			else
				i++;
		}
		if (times > 1)
			last[depth] *= times;
	}
	return 0;
}

/*
 * The checks DC/OS's validators needed beyond the first ones: 0 parsed
 * into c, 1 not one of them, -1 with the error set.
 */
static int
parse_check_more(struct sp *sp, const struct ynode *k, const struct ynode *v,
    struct check *c)
{
	if (strcmp(k->str, "not_in") == 0 ||
	    strcmp(k->str, "disjoint_from") == 0) {
		c->kind = k->str[0] == 'n' ? CK_NOT_IN : CK_DISJOINT;
		return get_strv(sp, v, k->str, &c->values, &c->nvalues);
	}
	if (strcmp(k->str, "must_not_contain") == 0) {
		c->kind = CK_MUST_NOT_CONTAIN;
		if (get_str(sp, v, k->str, &c->arg) == -1)
			return -1;
		return *c->arg == '\0' ? bad(sp, v, "must_not_contain needs "
		    "a text") : 0;
	}
	if (strcmp(k->str, "validator") == 0) {
		c->kind = CK_VALIDATOR;
		if (v->type != YNODE_SCALAR ||
		    (c->fn = validator_find(v->str)) == NULL)
			return bad(sp, v, "unknown validator: use %s",
			    validator_names);
		return 0;
	}
	if (strcmp(k->str, "max_length") == 0 ||
	    strcmp(k->str, "max_words") == 0) {
		c->kind = k->str[4] == 'l' ? CK_MAX_LENGTH : CK_MAX_WORDS;
		if (parse_int(sp, v, &c->max) == -1)
			return -1;
		return c->max < 0 ? bad(sp, v, "%s must not be negative",
		    k->str) : 0;
	}
	return 1;
}

static int
parse_check(struct sp *sp, const struct ynode *n, struct check *c)
{
	const struct ynode	*k, *v;
	size_t			 i;
	int			 b = 0, seen = 0;
	char			 ebuf[256];
	const char		*why;

	if (n->type != YNODE_MAP)
		return bad(sp, n, "a check must be a mapping such as "
		    "{unique: true} or {regex: '^/', message: '...'}");
	for (i = 0; i < ymap_len(n); i++) {
		k = ymap_key(n, i);
		v = ymap_value(n, i);
		if (strcmp(k->str, "message") == 0) {
			if (get_str(sp, v, "message", &c->message) == -1)
				return -1;
			continue;
		}
		/* Modifiers: the parameters a validator reads; conditions. */
		if (strcmp(k->str, "with") == 0) {
			if (c->with != NULL)
				return bad(sp, k, "with: twice");
			if (get_strv(sp, v, "with", &c->with,
			    &c->nwith) == -1)
				return -1;
			continue;
		}
		if (strcmp(k->str, "when") == 0) {
			if (parse_conds(sp, v, &c->when) == -1)
				return -1;
			continue;
		}
		if (seen++)
			return bad(sp, k, "one check per list item: '%s' "
			    "needs its own '-' item", k->str);
		if (strcmp(k->str, "unique") == 0) {
			if (get_bool(sp, v, "unique", &b) == -1)
				return -1;
			if (!b)
				return bad(sp, v, "unique: false is the "
				    "default: leave the check out");
			c->kind = CK_UNIQUE;
		} else if (strcmp(k->str, "file_exists") == 0) {
			if (get_bool(sp, v, "file_exists", &b) == -1)
				return -1;
			if (!b)
				return bad(sp, v, "file_exists: false is the "
				    "default: leave the check out");
			c->kind = CK_FILE_EXISTS;
		} else if (strcmp(k->str, "one_of") == 0) {
			c->kind = CK_ONE_OF;
			if (get_strv(sp, v, "one_of", &c->values,
			    &c->nvalues) == -1)
				return -1;
		} else if (strcmp(k->str, "must_not_end_with") == 0) {
			c->kind = CK_MUST_NOT_END_WITH;
			if (get_str(sp, v, k->str, &c->arg) == -1)
				return -1;
		} else if (strcmp(k->str, "must_not_start_with") == 0) {
			c->kind = CK_MUST_NOT_START_WITH;
			if (get_str(sp, v, k->str, &c->arg) == -1)
				return -1;
		} else if (strcmp(k->str, "regex") == 0) {
			c->kind = CK_REGEX;
			if (get_str(sp, v, k->str, &c->arg) == -1)
				return -1;
			if (regex_check_cost(c->arg, &why) == -1)
				return bad(sp, v, "regex too costly: %s; "
				    "simplify it", why);
			if ((b = regcomp(&c->re, c->arg, REG_EXTENDED |
			    REG_NOSUB)) != 0) {
				regerror(b, &c->re, ebuf, sizeof(ebuf));
				return bad(sp, v, "bad regex: %s", ebuf);
			}
			c->have_re = 1;
		} else if (strcmp(k->str, "range") == 0) {
			c->kind = CK_RANGE;
			if (v->type != YNODE_SEQ || v->n != 2)
				return bad(sp, v, "range is [MIN, MAX]");
			if (parse_int(sp, v->items[0], &c->min) == -1 ||
			    parse_int(sp, v->items[1], &c->max) == -1)
				return -1;
			if (c->min > c->max)
				return bad(sp, v, "range: MIN is above MAX");
		} else if ((b = parse_check_more(sp, k, v, c)) != 1) {
			if (b == -1)
				return -1;
		} else
			return bad(sp, k, "unknown check '%s': use unique, "
			    "one_of, not_in, disjoint_from, must_not_end_with, "
			    "must_not_start_with, must_not_contain, regex, range, "
			    "max_length, max_words, file_exists or validator",
			    k->str);
	}
	if (!seen)
		return bad(sp, n, "a check needs a kind besides its message");
	if (c->kind != CK_VALIDATOR && c->with != NULL)
		return bad(sp, n, "with: is for validators");
	if (c->kind == CK_VALIDATOR && c->nwith != c->fn->nwith)
		return bad(sp, n, "validator %s needs with: naming %zu "
		    "parameter%s", c->fn->name, c->fn->nwith,
		    c->fn->nwith == 1 ? "" : "s");
	return 0;
}

static int
parse_derive(struct sp *sp, const struct ynode *n, struct param *p)
{
	static const struct {
		const char		*name;
		enum derive_kind	 kind;
	} kinds[] = {
		{ "length_of", DV_LENGTH }, { "quorum_of", DV_QUORUM },
		{ "join", DV_JOIN }, { "sorted", DV_SORTED },
		{ "contents_of", DV_CONTENTS }
	};
	const struct ynode	*k, *v;
	size_t			 i, j;

	if (n->type != YNODE_MAP)
		return bad(sp, n, "derive must be a mapping such as "
		    "{length_of: master_list}");
	for (i = 0; i < ymap_len(n); i++) {
		k = ymap_key(n, i);
		v = ymap_value(n, i);
		if (strcmp(k->str, "format") == 0) {
			if (get_str(sp, v, "format", &p->format) == -1)
				return -1;
			continue;
		}
		if (strcmp(k->str, "separator") == 0) {
			if (get_str(sp, v, "separator", &p->separator) == -1)
				return -1;
			continue;
		}
		if (strcmp(k->str, "fallback") == 0) {
			if (get_str(sp, v, "fallback", &p->fallback) == -1)
				return -1;
			continue;
		}
		for (j = 0; j < sizeof(kinds) / sizeof(kinds[0]); j++)
			if (strcmp(k->str, kinds[j].name) == 0)
				break;
		if (j == sizeof(kinds) / sizeof(kinds[0]))
			return bad(sp, k, "unknown derivation '%s': use "
			    "length_of, quorum_of, join, sorted or "
			    "contents_of", k->str);
		if (p->derive != DV_NONE)
			return bad(sp, k, "one derivation per parameter");
		p->derive = kinds[j].kind;
		if (get_str(sp, v, k->str, &p->from) == -1)
			return -1;
	}
	if (p->derive == DV_NONE)
		return bad(sp, n, "derive needs length_of, quorum_of, join, "
		    "sorted or contents_of");
	if (p->derive == DV_JOIN && p->separator == NULL &&
	    (p->separator = strdup(",")) == NULL)
		return bad(sp, n, "out of memory");
	if (p->derive == DV_JOIN && p->format == NULL &&
	    (p->format = strdup("{item}")) == NULL)
		return bad(sp, n, "out of memory");
	return 0;
}

/* Attributes checked once all of a parameter's attributes are read. */
struct pnodes {
	const struct ynode	*type;
	const struct ynode	*def;
};

static int
attr_type(struct sp *sp, const struct ynode *v, struct param *p,
    struct pnodes *pn)
{
	pn->type = v;
	return parse_type(sp, v, &p->type);
}

static int	parse_param_named(struct sp *, const char *, const struct ynode *,
		    struct param *);

static int
is_simple(enum ptype t)
{
	return t != PT_LIST && t != PT_ENUM && t != PT_MAP && t != PT_JSON;
}

/* A type name, or a parameter's attributes for nested items. */
static int
attr_items(struct sp *sp, const struct ynode *v, struct param *p,
    struct pnodes *pn)
{
	(void)pn;
	if (v->type == YNODE_MAP) {
		if ((p->item = calloc(1, sizeof(*p->item))) == NULL)
			return bad(sp, v, "out of memory");
		if (parse_param_named(sp, p->name, v, p->item) == -1)
			return -1;
		if (p->item->def != NULL || p->item->required ||
		    p->item->required_when.n > 0 || p->item->derive !=
		    DV_NONE || p->item->nchecks > 0 || p->item->secret)
			return bad(sp, v, "parameter %s: items have a type "
			    "only (type, items, keys, values)", p->name);
		p->item_type = p->item->type;
		return 0;
	}
	if (parse_type(sp, v, &p->item_type) == -1)
		return -1;
	if (!is_simple(p->item_type))
		return bad(sp, v, "list items must be of a simple type "
		    "(write {type: ..., ...} for nested ones)");
	return 0;
}

static int
attr_keys(struct sp *sp, const struct ynode *v, struct param *p,
    struct pnodes *pn)
{
	(void)pn;
	if (parse_type(sp, v, &p->key_type) == -1)
		return -1;
	if (!is_simple(p->key_type) || p->key_type == PT_BOOL)
		return bad(sp, v, "map keys must be of a simple type other "
		    "than bool");
	return 0;
}

static int
attr_values(struct sp *sp, const struct ynode *v, struct param *p,
    struct pnodes *pn)
{
	(void)pn;
	return get_strv(sp, v, "values", &p->values, &p->nvalues);
}

static int
attr_default(struct sp *sp, const struct ynode *v, struct param *p,
    struct pnodes *pn)
{
	(void)sp;
	(void)p;
	pn->def = v;
	return 0;
}

static int
attr_derive(struct sp *sp, const struct ynode *v, struct param *p,
    struct pnodes *pn)
{
	(void)pn;
	return parse_derive(sp, v, p);
}

static int
attr_checks(struct sp *sp, const struct ynode *v, struct param *p,
    struct pnodes *pn)
{
	(void)pn;
	if (v->type != YNODE_SEQ)
		return bad(sp, v, "checks must be a list");
	if ((p->checks = calloc(v->n + 1, sizeof(*p->checks))) == NULL)
		return bad(sp, v, "out of memory");
	for (p->nchecks = 0; p->nchecks < v->n; p->nchecks++)
		if (parse_check(sp, v->items[p->nchecks],
		    &p->checks[p->nchecks]) == -1) {
			p->nchecks++;
			return -1;
		}
	return 0;
}

/*
 * The attributes of a parameter, one row each (see dcos-config.yaml(5)).
 * Plain values go through the generic readers to the field at off; the
 * others have a handler.
 */
enum akind {
	AK_BOOL,	/* int, true or false */
	AK_STR,		/* char *, a string */
	AK_CONDS,	/* struct condset */
	AK_FUNC		/* fn */
};

static const struct pattr {
	const char	*name;
	enum akind	 kind;
	size_t		 off;
	int		(*fn)(struct sp *, const struct ynode *, struct param *,
			    struct pnodes *);
} pattrs[] = {
	{ "type", AK_FUNC, 0, attr_type },
	{ "items", AK_FUNC, 0, attr_items },
	{ "keys", AK_FUNC, 0, attr_keys },
	{ "values", AK_FUNC, 0, attr_values },
	{ "default", AK_FUNC, 0, attr_default },
	{ "required", AK_BOOL, offsetof(struct param, required), NULL },
	{ "required_when", AK_CONDS, offsetof(struct param, required_when),
	    NULL },
	{ "derive", AK_FUNC, 0, attr_derive },
	{ "derive_when", AK_CONDS, offsetof(struct param, derive_when), NULL },
	{ "checks", AK_FUNC, 0, attr_checks },
	{ "secret", AK_BOOL, offsetof(struct param, secret), NULL },
	{ "description", AK_STR, offsetof(struct param, description), NULL },
	{ "invalid_message", AK_STR, offsetof(struct param, invalid), NULL },
};

/* Attribute a (key node) with value v into p. */
static int
parse_attr(struct sp *sp, const struct ynode *a, const struct ynode *v,
    struct param *p, struct pnodes *pn)
{
	const struct pattr	*t;
	char			*field;
	size_t			 i;

	for (i = 0; i < sizeof(pattrs) / sizeof(pattrs[0]); i++)
		if (strcmp(a->str, pattrs[i].name) == 0)
			break;
	if (i == sizeof(pattrs) / sizeof(pattrs[0]))
		return bad(sp, a, "parameter %s: unknown attribute '%s'",
		    p->name, a->str);
	t = &pattrs[i];
	field = (char *)p + t->off;
	switch (t->kind) {
	case AK_BOOL:
		return get_bool(sp, v, t->name, (int *)(void *)field);
	case AK_STR:
		return get_str(sp, v, t->name, (char **)(void *)field);
	case AK_CONDS:
		return parse_conds(sp, v, (struct condset *)(void *)field);
	default:
		return t->fn(sp, v, p, pn);
	}
}

/* What the attributes say together; n is the parameter's mapping. */
static int
param_check(struct sp *sp, const struct ynode *n, struct param *p,
    const struct pnodes *pn)
{
	char	*msg = NULL;

	if (p->type == PT_ENUM && p->nvalues == 0)
		return bad(sp, pn->type, "parameter %s: an enum needs values",
		    p->name);
	if (p->type == PT_LIST && p->item_type == PT_LIST && p->item == NULL)
		return bad(sp, pn->type, "parameter %s: a list-of needs items",
		    p->name);
	if (p->type != PT_LIST && p->type != PT_MAP &&
	    (p->item_type != PT_STRING || p->item != NULL))
		return bad(sp, n, "parameter %s: items is only for list-of "
		    "and map", p->name);
	if (p->type != PT_MAP && p->key_type != PT_STRING)
		return bad(sp, n, "parameter %s: keys is only for map",
		    p->name);
	if (p->derive_when.n > 0 && p->derive == DV_NONE)
		return bad(sp, n, "parameter %s: derive_when without derive",
		    p->name);
	if (p->derive != DV_NONE && p->derive_when.n == 0 &&
	    (p->required || p->required_when.n > 0 || pn->def != NULL))
		return bad(sp, n, "parameter %s: always derived, so it cannot "
		    "be required or have a default", p->name);
	if (pn->def == NULL)
		return 0;
	if (value_convert(p, pn->def, &p->def, &msg, NULL) == -1) {
		bad(sp, pn->def, "parameter %s: bad default: %s", p->name,
		    msg != NULL ? msg : "out of memory");
		free(msg);
		return -1;
	}
	if (p->required)
		return bad(sp, pn->def, "parameter %s: required and a default "
		    "contradict each other", p->name);
	return 0;
}

static int
parse_param_named(struct sp *sp, const char *name, const struct ynode *n,
    struct param *p)
{
	struct pnodes	 pn = { NULL, NULL };
	size_t		 i;

	if ((p->name = strdup(name)) == NULL)
		return bad(sp, n, "out of memory");
	if (n->type != YNODE_MAP)
		return bad(sp, n, "parameter %s: its attributes must be a "
		    "mapping", name);
	p->type = PT_STRING;
	for (i = 0; i < ymap_len(n); i++)
		if (parse_attr(sp, ymap_key(n, i), ymap_value(n, i), p,
		    &pn) == -1)
			return -1;
	return param_check(sp, n, p, &pn);
}

static int
parse_param(struct sp *sp, const struct ynode *k, const struct ynode *n,
    struct param *p)
{
	return parse_param_named(sp, k->str, n, p);
}

/* Every key a condition or derivation names must be a parameter. */
static int
check_refs(struct sp *sp, const struct ynode *at, const struct schema *s,
    const struct condset *cs)
{
	size_t	 i;

	for (i = 0; i < cs->n; i++)
		if (schema_find(s, cs->v[i].key) == NULL)
			return bad(sp, at, "condition on unknown parameter "
			    "'%s'", cs->v[i].key);
	return 0;
}

/* disjoint_from names lists of the schema. */
static int
check_list_refs(struct sp *sp, const struct ynode *at,
    const struct schema *s, const struct param *p)
{
	const struct param	*o;
	size_t			 i, j;

	for (i = 0; i < p->nchecks; i++) {
		if (p->checks[i].kind != CK_DISJOINT)
			continue;
		if (p->type != PT_LIST)
			return bad(sp, at, "parameter %s: disjoint_from is for "
			    "lists", p->name);
		for (j = 0; j < p->checks[i].nvalues; j++)
			if ((o = schema_find(s, p->checks[i].values[j])) ==
			    NULL || o->type != PT_LIST)
				return bad(sp, at, "parameter %s: disjoint_from "
				    "'%s' is not a list parameter", p->name,
				    p->checks[i].values[j]);
	}
	return 0;
}

/* A check's when: and with: name parameters of the schema. */
static int
check_check_refs(struct sp *sp, const struct ynode *at,
    const struct schema *s, const struct param *p)
{
	const struct check	*c;
	size_t			 i, j;

	for (i = 0; i < p->nchecks; i++) {
		c = &p->checks[i];
		if (check_refs(sp, at, s, &c->when) == -1)
			return -1;
		for (j = 0; j < c->nwith; j++)
			if (schema_find(s, c->with[j]) == NULL)
				return bad(sp, at, "parameter %s: validator %s "
				    "with unknown parameter '%s'", p->name,
				    c->fn->name, c->with[j]);
	}
	return 0;
}

static int
parse_rules(struct sp *sp, const struct ynode *n, struct schema *s)
{
	const struct ynode	*r, *k;
	size_t			 i, j;

	if (n->type != YNODE_SEQ)
		return bad(sp, n, "rules must be a list");
	if ((s->rules = calloc(n->n + 1, sizeof(*s->rules))) == NULL)
		return bad(sp, n, "out of memory");
	for (i = 0; i < n->n; i++) {
		r = n->items[i];
		s->nrules++;
		if (r->type != YNODE_MAP)
			return bad(sp, r, "a rule is {when: ..., require: "
			    "..., message: ...}");
		for (j = 0; j < ymap_len(r); j++) {
			k = ymap_key(r, j);
			if (strcmp(k->str, "when") == 0) {
				if (parse_conds(sp, ymap_value(r, j),
				    &s->rules[i].when) == -1)
					return -1;
			} else if (strcmp(k->str, "require") == 0) {
				if (parse_conds(sp, ymap_value(r, j),
				    &s->rules[i].require) == -1)
					return -1;
			} else if (strcmp(k->str, "message") == 0) {
				if (get_str(sp, ymap_value(r, j), "message",
				    &s->rules[i].message) == -1)
					return -1;
			} else
				return bad(sp, k, "unknown rule attribute "
				    "'%s'", k->str);
		}
		if (s->rules[i].when.n == 0 || s->rules[i].require.n == 0 ||
		    s->rules[i].message == NULL)
			return bad(sp, r, "a rule needs when, require and "
			    "message");
		if (check_refs(sp, r, s, &s->rules[i].when) == -1 ||
		    check_refs(sp, r, s, &s->rules[i].require) == -1)
			return -1;
	}
	return 0;
}

int
schema_parse(const char *text, size_t len, const char *name,
    struct schema **schemap, char **errp)
{
	struct sp		 sp = { name, errp };
	struct ynode		*root = NULL;
	const struct ynode	*k, *params = NULL, *rules = NULL;
	struct schema		*s = NULL;
	struct param		*p;
	size_t			 i;
	int			 rc = -1;

	*schemap = NULL;
	if (yaml_load(text, len, name, &root, errp) == -1)
		return -1;
	if (root == NULL || root->type != YNODE_MAP) {
		bad(&sp, root, "the schema must be a mapping with format, "
		    "parameters and rules");
		goto out;
	}
	for (i = 0; i < ymap_len(root); i++) {
		k = ymap_key(root, i);
		if (strcmp(k->str, "format") == 0) {
			if (ymap_value(root, i)->kind != YSCALAR_INT ||
			    ymap_value(root, i)->ival != 1) {
				bad(&sp, ymap_value(root, i), "unsupported "
				    "schema format: this dcos-genconf reads "
				    "format 1");
				goto out;
			}
		} else if (strcmp(k->str, "parameters") == 0)
			params = ymap_value(root, i);
		else if (strcmp(k->str, "rules") == 0)
			rules = ymap_value(root, i);
		else {
			bad(&sp, k, "unknown top-level key '%s'", k->str);
			goto out;
		}
	}
	if (ymap_get(root, "format") == NULL) {
		bad(&sp, root, "missing 'format: 1'");
		goto out;
	}
	if (params == NULL || params->type != YNODE_MAP) {
		bad(&sp, params != NULL ? params : root, "parameters must be "
		    "a mapping of names to attributes");
		goto out;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->params = calloc(ymap_len(params) + 1,
	    sizeof(*s->params))) == NULL) {
		err_set(errp, "out of memory");
		goto out;
	}
	for (i = 0; i < ymap_len(params); i++) {
		s->nparams++;
		if (parse_param(&sp, ymap_key(params, i),
		    ymap_value(params, i), &s->params[i]) == -1)
			goto out;
	}
	for (i = 0; i < s->nparams; i++) {
		p = &s->params[i];
		if (check_refs(&sp, ymap_value(params, i), s,
		    &p->required_when) == -1 || check_refs(&sp,
		    ymap_value(params, i), s, &p->derive_when) == -1)
			goto out;
		if (check_list_refs(&sp, ymap_value(params, i), s, p) == -1)
			goto out;
		if (check_check_refs(&sp, ymap_value(params, i), s, p) == -1)
			goto out;
		if (p->from != NULL && schema_find(s, p->from) == NULL) {
			bad(&sp, ymap_value(params, i), "parameter %s is "
			    "derived from unknown parameter '%s'", p->name,
			    p->from);
			goto out;
		}
		if (p->fallback != NULL && schema_find(s, p->fallback) ==
		    NULL) {
			bad(&sp, ymap_value(params, i), "parameter %s falls "
			    "back to unknown parameter '%s'", p->name,
			    p->fallback);
			goto out;
		}
	}
	if (rules != NULL && parse_rules(&sp, rules, s) == -1)
		goto out;
	secret_closure(s);
	*schemap = s;
	s = NULL;
	rc = 0;
out:
	schema_free(s);
	ynode_free(root);
	return rc;
}
