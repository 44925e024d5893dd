/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config.yaml for the web installer: the file read as JSON for the form,
 * the form's JSON written back as a config.yaml the compiler reads the
 * same way (each value as JSON, which is YAML), secrets hidden in what is
 * shown, and the unified diff shown before the file is replaced.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web.h"

/* Whether s reads back from "k: s" as the same string, unquoted. */
static int
plain_ok(const char *s)
{
	struct ynode		*root = NULL;
	const struct ynode	*v;
	char			*buf, *err = NULL;
	int			 ok = 0;

	if (*s == '\0' || strchr(s, '\n') != NULL ||
	    asprintf(&buf, "k: %s\n", s) == -1)
		return 0;
	if (yaml_load(buf, strlen(buf), "value", &root, &err) == 0 &&
	    root != NULL && root->type == YNODE_MAP && ymap_len(root) == 1 &&
	    (v = ymap_value(root, 0))->type == YNODE_SCALAR &&
	    v->kind == YSCALAR_STR && !v->block && v->len == strlen(s) &&
	    memcmp(v->str, s, v->len) == 0)
		ok = 1;
	ynode_free(root);
	free(err);
	explicit_bzero(buf, strlen(buf));
	free(buf);
	return ok;
}

/* A scalar as YAML: plain when that reads back the same, else JSON. */
static int
put_scalar(FILE *fp, const json_t *v)
{
	char	*val;

	if (json_is_string(v) && plain_ok(json_string_value(v))) {
		fputs(json_string_value(v), fp);
		return 0;
	}
	if ((val = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY)) == NULL)
		return -1;
	fputs(val, fp);
	explicit_bzero(val, strlen(val));
	free(val);
	return 0;
}

/*
 * Writes one key as config.yaml has it by hand: scalars plain where
 * they can be, a list of scalars as "- item" lines, anything else as
 * JSON (which YAML reads the same).
 */
static int
put_key(FILE *fp, const char *key, const json_t *v)
{
	const json_t	*x;
	char		*qk = NULL;
	size_t		 i;
	int		 rc = 0, flat = json_is_array(v) && json_array_size(v) > 0;

	/* A key that is not a plain word is quoted as JSON. */
	if (key[0] == '\0' || strspn(key, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") != strlen(key))
		qk = json_dumps(json_string(key), JSON_ENCODE_ANY);
	fprintf(fp, "%s:", qk != NULL ? qk : key);
	free(qk);
	json_array_foreach(v, i, x)
		flat &= !json_is_array(x) && !json_is_object(x);
	if (flat)
		json_array_foreach(v, i, x) {
			fputs("\n  - ", fp);
			rc |= put_scalar(fp, x);
		}
	else if (json_is_array(v) || json_is_object(v)) {
		if ((qk = json_dumps(v, JSON_COMPACT)) == NULL)
			return -1;
		fprintf(fp, " %s", qk);
		explicit_bzero(qk, strlen(qk));
		free(qk);
	} else {
		fputc(' ', fp);
		rc = put_scalar(fp, v);
	}
	fputc('\n', fp);
	return rc;
}

char *
config_yaml_text(const struct schema *s, const json_t *cfg, const char *head,
    const json_t *order)
{
	const char	*key;
	const json_t	*v;
	FILE		*fp;
	char		*buf = NULL;
	size_t		 len = 0, i;
	int		 bad = 0;

	if ((fp = open_memstream(&buf, &len)) == NULL)
		return NULL;
	if (head != NULL)
		fputs(head, fp);
	/* The file's order, then new keys in the schema's, then the rest. */
	json_object_foreach((json_t *)order, key, v)
		if ((v = json_object_get(cfg, key)) != NULL)
			bad |= put_key(fp, key, v);
	for (i = 0; i < s->nparams; i++)
		if ((v = json_object_get(cfg, s->params[i].name)) != NULL &&
		    json_object_get(order, s->params[i].name) == NULL)
			bad |= put_key(fp, s->params[i].name, v);
	json_object_foreach((json_t *)cfg, key, v)
		if (schema_find(s, key) == NULL &&
		    json_object_get(order, key) == NULL)
			bad |= put_key(fp, key, v);
	if (fclose(fp) != 0 || bad) {
		if (buf != NULL)
			explicit_bzero(buf, len);
		free(buf);
		return NULL;
	}
	return buf;
}

/* Whether line starts a top-level key that is a secret parameter. */
static int
secret_key_line(const struct schema *s, const char *line, size_t len)
{
	const struct param	*p;
	size_t			 k, i;

	for (i = 0; i < s->nparams; i++) {
		p = &s->params[i];
		if (!p->secret)
			continue;
		k = strlen(p->name);
		if (len > k && strncmp(line, p->name, k) == 0 &&
		    (line[k] == ':' || line[k] == ' '))
			return 1;
		if (len > k + 2 && line[0] == '"' && strncmp(line + 1,
		    p->name, k) == 0 && line[k + 1] == '"')
			return 1;
	}
	return 0;
}

/* Whether the key of line l (up to colon) is one of changed's. */
static int
secret_changed(const json_t *changed, const char *l, const char *colon)
{
	const char	*key;
	json_t		*v;
	size_t		 k;

	json_object_foreach((json_t *)changed, key, v) {
		k = strlen(key);
		if ((size_t)(colon - l) >= k && strncmp(l + (l[0] == '"'),
		    key, k) == 0 && (l[k + (l[0] == '"')] == ':' ||
		    l[k + (l[0] == '"')] == '"' || l[k] == ' '))
			return 1;
	}
	return 0;
}

char *
mask_secret_lines(const struct schema *s, const char *text,
    const json_t *changed)
{
	const char	*l, *nl, *colon;
	FILE		*fp;
	char		*buf = NULL;
	size_t		 len = 0, ll;
	int		 in_secret = 0;

	if ((fp = open_memstream(&buf, &len)) == NULL)
		return NULL;
	for (l = text; *l != '\0'; l = nl != NULL ? nl + 1 : l + ll) {
		nl = strchr(l, '\n');
		ll = nl != NULL ? (size_t)(nl - l) : strlen(l);
		if (ll > 0 && l[0] != ' ' && l[0] != '\t' && l[0] != '#')
			in_secret = secret_key_line(s, l, ll);
		else if (ll > 0 && l[0] == '#')
			in_secret = 0;
		if (!in_secret)
			fprintf(fp, "%.*s", (int)ll, l);
		else if (l[0] != ' ' && l[0] != '\t' &&
		    (colon = memchr(l, ':', ll)) != NULL)
			fprintf(fp, "%.*s \"%s\"%s", (int)(colon - l + 1), l,
			    WEB_MASK, secret_changed(changed, l, colon) ?
			    "  # changed" : "");
		else
			fprintf(fp, "  # %s", WEB_MASK);
		if (nl != NULL)
			fputc('\n', fp);
		else
			break;
	}
	if (fclose(fp) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* The lines of text: pointers into it and their lengths. */
struct lines {
	const char	**v;
	size_t		 *len;
	size_t		  n;
};

static int
split_lines(const char *text, struct lines *l)
{
	const char	*p, *nl;
	size_t		 cap = 1;

	for (p = text; *p != '\0'; p++)
		cap += *p == '\n';
	l->n = 0;
	l->v = calloc(cap, sizeof(*l->v));
	l->len = calloc(cap, sizeof(*l->len));
	if (l->v == NULL || l->len == NULL)
		return -1;
	for (p = text; *p != '\0'; p = nl + 1) {
		nl = strchr(p, '\n');
		l->v[l->n] = p;
		l->len[l->n++] = nl != NULL ? (size_t)(nl - p) : strlen(p);
		if (nl == NULL)
			break;
	}
	return 0;
}

static int
line_eq(const struct lines *a, size_t i, const struct lines *b, size_t j)
{
	return a->len[i] == b->len[j] &&
	    memcmp(a->v[i], b->v[j], a->len[i]) == 0;
}

#define DIFF_CELLS	(16u << 20)	/* the LCS table: else all replaced */
#define CONTEXT		3

char *
text_diff(const char *path, const char *a, const char *b)
{
	struct lines	 la, lb;
	unsigned	*t = NULL;
	char		*ops = NULL, *buf = NULL;
	FILE		*fp = NULL;
	size_t		 i, j, k, n = 0, len = 0, h, e, ac, bc, x, y, w;

	memset(&la, 0, sizeof(la));
	memset(&lb, 0, sizeof(lb));
	if (split_lines(a, &la) == -1 || split_lines(b, &lb) == -1)
		goto out;
	w = lb.n + 1;
	/* ops: '=' same, '-' only in a, '+' only in b, in order. */
	if ((ops = malloc(la.n + lb.n + 1)) == NULL)
		goto out;
	if ((la.n + 1) * w <= DIFF_CELLS &&
	    (t = calloc((la.n + 1) * w, sizeof(*t))) != NULL) {
		for (i = la.n; i-- > 0;)
			for (j = lb.n; j-- > 0;)
				t[i * w + j] = line_eq(&la, i, &lb, j) ?
				    t[(i + 1) * w + j + 1] + 1 :
				    (t[(i + 1) * w + j] > t[i * w + j + 1] ?
				    t[(i + 1) * w + j] : t[i * w + j + 1]);
		for (i = j = 0; i < la.n || j < lb.n;) {
			if (i < la.n && j < lb.n && line_eq(&la, i, &lb, j)) {
				ops[n++] = '=';
				i++;
				j++;
			} else if (i < la.n && (j == lb.n ||
			    t[(i + 1) * w + j] >= t[i * w + j + 1])) {
				ops[n++] = '-';
				i++;
			} else {
				ops[n++] = '+';
				j++;
			}
		}
	} else {
		for (i = 0; i < la.n; i++)
			ops[n++] = '-';
		for (j = 0; j < lb.n; j++)
			ops[n++] = '+';
	}
	if ((fp = open_memstream(&buf, &len)) == NULL)
		goto out;
	for (k = 0; k < n && ops[k] == '='; k++)
		;
	if (k < n)
		fprintf(fp, "--- %s\n+++ %s (new)\n", path, path);
	while (k < n) {
		/* A hunk: changes less than 2 * CONTEXT same lines apart. */
		h = k >= CONTEXT ? k - CONTEXT : 0;
		for (e = k, x = k; x < n; x++) {
			if (ops[x] != '=') {
				e = x + 1;
				continue;
			}
			for (y = x; y < n && ops[y] == '='; y++)
				;
			if (y == n || y - x > 2 * CONTEXT)
				break;
			x = y - 1;
		}
		e = e + CONTEXT < n ? e + CONTEXT : n;
		/* The lines of a and b before op h. */
		for (i = j = 0, x = 0; x < h; x++) {
			i += ops[x] != '+';
			j += ops[x] != '-';
		}
		for (ac = bc = 0, x = h; x < e; x++) {
			ac += ops[x] != '+';
			bc += ops[x] != '-';
		}
		fprintf(fp, "@@ -%zu,%zu +%zu,%zu @@\n", ac > 0 ? i + 1 : i,
		    ac, bc > 0 ? j + 1 : j, bc);
		for (x = h; x < e; x++) {
			if (ops[x] == '=') {
				fprintf(fp, " %.*s\n", (int)la.len[i], la.v[i]);
				i++;
				j++;
			} else if (ops[x] == '-') {
				fprintf(fp, "-%.*s\n", (int)la.len[i], la.v[i]);
				i++;
			} else {
				fprintf(fp, "+%.*s\n", (int)lb.len[j], lb.v[j]);
				j++;
			}
		}
		for (k = e; k < n && ops[k] == '='; k++)
			;
	}
	if (fclose(fp) != 0) {
		fp = NULL;
		free(buf);
		buf = NULL;
		goto out;
	}
	fp = NULL;
out:
	if (fp != NULL) {
		fclose(fp);
		free(buf);
		buf = NULL;
	}
	free(t);
	free(ops);
	free(la.v);
	free(la.len);
	free(lb.v);
	free(lb.len);
	return buf;
}
