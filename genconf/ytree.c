/* YAML with positions: libyaml events folded into a tree of ynodes. */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "error.h"
#include "ytree.h"

/* Deeper than any config, schema or template needs; bounds the recursion. */
#define YAML_MAX_DEPTH	64

void
ynode_free(struct ynode *n)
{
	size_t	 i;

	if (n == NULL)
		return;
	for (i = 0; i < n->n; i++)
		ynode_free(n->items[i]);
	free(n->items);
	free(n->str);
	free(n);
}

static int
streq_any(const char *s, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strcmp(s, *list) == 0)
			return 1;
	return 0;
}

/* PyYAML's YAML 1.1 resolution of plain scalars, minus floats and octal. */
static void
resolve_plain(struct ynode *n)
{
	static const char *const nulls[] = { "", "~", "null", "Null", "NULL",
	    NULL };
	static const char *const trues[] = { "true", "True", "TRUE", "yes",
	    "Yes", "YES", "on", "On", "ON", NULL };
	static const char *const falses[] = { "false", "False", "FALSE", "no",
	    "No", "NO", "off", "Off", "OFF", NULL };
	const char	*p = n->str;
	char		*end;
	long long	 v;

	n->kind = YSCALAR_STR;
	if (streq_any(n->str, nulls)) {
		n->kind = YSCALAR_NULL;
		return;
	}
	if (streq_any(n->str, trues) || streq_any(n->str, falses)) {
		n->kind = YSCALAR_BOOL;
		n->bval = streq_any(n->str, trues);
		return;
	}
	if (*p == '-' || *p == '+')
		p++;
	/* Leading zeros mean octal in YAML 1.1: leave those as text. */
	if (*p < '0' || *p > '9' || (p[0] == '0' && p[1] != '\0'))
		return;
	for (; *p != '\0'; p++)
		if (*p < '0' || *p > '9')
			return;
	errno = 0;
	v = strtoll(n->str, &end, 10);
	if (errno != 0 || *end != '\0')
		return;
	n->kind = YSCALAR_INT;
	n->ival = v;
}

static struct ynode *
node_new(enum ynode_type type, const yaml_mark_t *m)
{
	struct ynode	*n;

	if ((n = calloc(1, sizeof(*n))) == NULL)
		return NULL;
	n->type = type;
	n->line = (int)m->line + 1;
	n->col = (int)m->column + 1;
	return n;
}

static int
node_append(struct ynode *parent, struct ynode *child)
{
	struct ynode	**items;

	if ((items = reallocarray(parent->items, parent->n + 1,
	    sizeof(*items))) == NULL)
		return -1;
	parent->items = items;
	parent->items[parent->n++] = child;
	return 0;
}

const char *
ynode_describe(const struct ynode *n)
{
	if (n == NULL)
		return "nothing";
	switch (n->type) {
	case YNODE_SEQ:
		return "a list";
	case YNODE_MAP:
		return "a mapping";
	default:
		break;
	}
	switch (n->kind) {
	case YSCALAR_NULL:
		return "an empty value";
	case YSCALAR_BOOL:
		return "a boolean";
	case YSCALAR_INT:
		return "an integer";
	default:
		return "a string";
	}
}

/* Checks the key just added to a mapping against the earlier keys. */
static int
check_key(const struct ynode *map, const char *name, char **errp)
{
	const struct ynode	*key = map->items[map->n - 1], *k;
	size_t			 i;

	if (key->type != YNODE_SCALAR)
		return err_set(errp, "%s:%d:%d: mapping keys must be plain "
		    "words, not %s", name, key->line, key->col,
		    ynode_describe(key));
	for (i = 0; i + 1 < map->n; i += 2) {
		k = map->items[i];
		if (strcmp(k->str, key->str) == 0)
			return err_set(errp, "%s:%d:%d: duplicate key '%s' "
			    "(first at line %d column %d): keep one of them",
			    name, key->line, key->col, key->str, k->line,
			    k->col);
	}
	return 0;
}

/* The 1-based line and column of a byte offset. */
static void
offset_pos(const char *buf, size_t len, size_t off, int *line, int *col)
{
	size_t	 i;

	*line = *col = 1;
	for (i = 0; i < off && i < len; i++) {
		if (buf[i] == '\n') {
			(*line)++;
			*col = 1;
		} else if (((unsigned char)buf[i] & 0xc0) != 0x80)
			(*col)++;
	}
}

int
yaml_load(const char *buf, size_t len, const char *name,
    struct ynode **rootp, char **errp)
{
	yaml_parser_t	 parser;
	yaml_event_t	 ev;
	struct ynode	*stack[YAML_MAX_DEPTH + 1], *n = NULL, *root = NULL;
	size_t		 depth = 0, i;
	int		 done = 0, ndocs = 0, rc = -1, have_event = 0;
	int		 line, col;

	*rootp = NULL;
	if (!yaml_parser_initialize(&parser))
		return err_set(errp, "%s: out of memory", name);
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	while (!done) {
		if (!yaml_parser_parse(&parser, &ev) &&
		    parser.error == YAML_READER_ERROR) {
			/* Encoding errors carry a byte offset, not a mark. */
			offset_pos(buf, len, parser.problem_offset, &line,
			    &col);
			err_set(errp, "%s:%d:%d: invalid YAML: %s: the file "
			    "must be UTF-8 text", name, line, col,
			    parser.problem != NULL ? parser.problem : "error");
			goto out;
		} else if (parser.error != YAML_NO_ERROR) {
			err_set(errp, "%s:%zu:%zu: invalid YAML: %s%s%s", name,
			    parser.problem_mark.line + 1,
			    parser.problem_mark.column + 1,
			    parser.problem != NULL ? parser.problem : "error",
			    parser.context != NULL ? " " : "",
			    parser.context != NULL ? parser.context : "");
			goto out;
		}
		have_event = 1;
		n = NULL;
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++ndocs > 1) {
				err_set(errp, "%s:%zu:%zu: a second YAML "
				    "document: the file must hold exactly one",
				    name, ev.start_mark.line + 1,
				    ev.start_mark.column + 1);
				goto out;
			}
			break;
		case YAML_ALIAS_EVENT:
			err_set(errp, "%s:%zu:%zu: YAML aliases (*%s) are not "
			    "supported: write the value out", name,
			    ev.start_mark.line + 1, ev.start_mark.column + 1,
			    (const char *)ev.data.alias.anchor);
			goto out;
		case YAML_SCALAR_EVENT:
			if ((n = node_new(YNODE_SCALAR, &ev.start_mark)) ==
			    NULL || (n->str = malloc(ev.data.scalar.length +
			    1)) == NULL)
				goto oom;
			memcpy(n->str, ev.data.scalar.value,
			    ev.data.scalar.length);
			n->str[ev.data.scalar.length] = '\0';
			n->len = ev.data.scalar.length;
			if (strlen(n->str) != n->len) {
				err_set(errp, "%s:%d:%d: NUL byte in a value",
				    name, n->line, n->col);
				ynode_free(n);
				goto out;
			}
			n->block = (ev.data.scalar.style ==
			    YAML_LITERAL_SCALAR_STYLE || ev.data.scalar.style ==
			    YAML_FOLDED_SCALAR_STYLE);
			if (ev.data.scalar.plain_implicit &&
			    ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
				resolve_plain(n);
			break;
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (depth == YAML_MAX_DEPTH) {
				err_set(errp, "%s:%zu:%zu: nested more than %d "
				    "levels deep", name, ev.start_mark.line + 1,
				    ev.start_mark.column + 1, YAML_MAX_DEPTH);
				goto out;
			}
			if ((n = node_new(ev.type == YAML_SEQUENCE_START_EVENT ?
			    YNODE_SEQ : YNODE_MAP, &ev.start_mark)) == NULL)
				goto oom;
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			n = stack[--depth];
			break;
		default:
			break;
		}
		if (n != NULL) {
			/*
			 * A collection is linked to its parent when it ends,
			 * so the stack and the finished tree never share
			 * nodes (the error path frees both).
			 */
			if (ev.type == YAML_SEQUENCE_START_EVENT ||
			    ev.type == YAML_MAPPING_START_EVENT)
				stack[depth++] = n;
			else if (depth == 0)
				root = n;
			else if (node_append(stack[depth - 1], n) == -1)
				goto oom;
			else if (stack[depth - 1]->type == YNODE_MAP &&
			    stack[depth - 1]->n % 2 == 1 &&
			    check_key(stack[depth - 1], name, errp) == -1) {
				n = NULL;
				goto out;
			}
			n = NULL;
		}
		yaml_event_delete(&ev);
		have_event = 0;
	}
	*rootp = root;
	root = NULL;
	rc = 0;
	goto out;
oom:
	err_set(errp, "%s: out of memory", name);
	ynode_free(n);
out:
	if (have_event)
		yaml_event_delete(&ev);
	/* Unfinished collections are not yet linked to their parents. */
	for (i = 0; i < depth; i++)
		ynode_free(stack[i]);
	ynode_free(root);
	yaml_parser_delete(&parser);
	return rc;
}

size_t
ymap_len(const struct ynode *m)
{
	return m != NULL && m->type == YNODE_MAP ? m->n / 2 : 0;
}

const struct ynode *
ymap_key(const struct ynode *m, size_t i)
{
	return m->items[2 * i];
}

const struct ynode *
ymap_value(const struct ynode *m, size_t i)
{
	return m->items[2 * i + 1];
}

const struct ynode *
ymap_get(const struct ynode *m, const char *key)
{
	size_t	 i;

	if (m == NULL || m->type != YNODE_MAP)
		return NULL;
	for (i = 0; i < m->n / 2; i++)
		if (strcmp(m->items[2 * i]->str, key) == 0)
			return m->items[2 * i + 1];
	return NULL;
}
