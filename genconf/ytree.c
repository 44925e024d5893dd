/* SPDX-License-Identifier: Apache-2.0 */
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
	/*
	 * The words start with one of these letters (or are empty); most
	 * values, addresses above all, are compared with none of them.
	 */
	if (*p == '\0' || strchr("~nNtTyYoOfF", *p) != NULL) {
		if (streq_any(n->str, nulls)) {
			n->kind = YSCALAR_NULL;
			return;
		}
		if (streq_any(n->str, trues)) {
			n->kind = YSCALAR_BOOL;
			n->bval = 1;
			return;
		}
		if (streq_any(n->str, falses)) {
			n->kind = YSCALAR_BOOL;
			n->bval = 0;
			return;
		}
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

/* Doubles the room of a collection: a 10,000-host list is one node. */
static int
node_append(struct ynode *parent, struct ynode *child)
{
	struct ynode	**items;
	size_t		  cap;

	if (parent->n == parent->cap) {
		cap = parent->cap == 0 ? 4 : parent->cap * 2;
		if ((items = reallocarray(parent->items, cap,
		    sizeof(*items))) == NULL)
			return -1;
		parent->items = items;
		parent->cap = cap;
	}
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

/* Checks that the key just added to a mapping is a scalar. */
static int
check_key(const struct ynode *map, const char *name, char **errp)
{
	const struct ynode	*key = map->items[map->n - 1];

	if (key->type != YNODE_SCALAR)
		return err_set(errp, "%s:%d:%d: mapping keys must be plain "
		    "words, not %s", name, key->line, key->col,
		    ynode_describe(key));
	return 0;
}

static int
key_cmp(const void *a, const void *b)
{
	const struct ynode	*x = *(struct ynode *const *)a;
	const struct ynode	*y = *(struct ynode *const *)b;
	int			 c = strcmp(x->str, y->str);

	if (c != 0)
		return c;
	/* Equal keys in the order they were written. */
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->col < y->col ? -1 : x->col > y->col;
}

/*
 * A finished mapping's keys are unique: sorted, not compared pairwise,
 * as a config can hold thousands.  The repeat written first is reported,
 * with the first place of its key.
 */
static int
check_unique_keys(const struct ynode *map, const char *name, char **errp)
{
	const struct ynode	**keys, *dup = NULL, *first = NULL;
	size_t			 i, n = map->n / 2;

	if (n < 2)
		return 0;
	if ((keys = calloc(n, sizeof(*keys))) == NULL)
		return err_set(errp, "%s: out of memory", name);
	for (i = 0; i < n; i++)
		keys[i] = map->items[2 * i];
	qsort(keys, n, sizeof(*keys), key_cmp);
	for (i = 1; i < n; i++)
		if (strcmp(keys[i]->str, keys[i - 1]->str) == 0 &&
		    (dup == NULL || keys[i]->line < dup->line ||
		    (keys[i]->line == dup->line && keys[i]->col < dup->col)))
			dup = keys[i];
	if (dup != NULL) {
		for (i = 0; i < n; i++)
			if (strcmp(map->items[2 * i]->str, dup->str) == 0) {
				first = map->items[2 * i];
				break;
			}
		err_set(errp, "%s:%d:%d: duplicate key '%s' (first at line %d "
		    "column %d): keep one of them", name, dup->line, dup->col,
		    dup->str, first->line, first->col);
	}
	free(keys);
	return dup != NULL ? -1 : 0;
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

/* The state of one yaml_load(). */
struct yload {
	const char	*name;
	/* Open collections, not yet linked to their parents. */
	struct ynode	*stack[YAML_MAX_DEPTH + 1];
	size_t		 depth;
	struct ynode	*root;
	int		 ndocs;
};

/* Sets *errp from the parser's error; returns -1. */
static int
parse_error(const yaml_parser_t *parser, int failed, const char *buf,
    size_t len, const char *name, char **errp)
{
	int	 line, col;

	if (failed && parser->error == YAML_READER_ERROR) {
		/* Encoding errors carry a byte offset, not a mark. */
		offset_pos(buf, len, parser->problem_offset, &line, &col);
		return err_set(errp, "%s:%d:%d: invalid YAML: %s: the file "
		    "must be UTF-8 text", name, line, col,
		    parser->problem != NULL ? parser->problem : "error");
	}
	return err_set(errp, "%s:%zu:%zu: invalid YAML: %s%s%s", name,
	    parser->problem_mark.line + 1, parser->problem_mark.column + 1,
	    parser->problem != NULL ? parser->problem : "error",
	    parser->context != NULL ? " " : "",
	    parser->context != NULL ? parser->context : "");
}

/* A scalar event's node in *np: 0, or -1 with *errp set. */
static int
scalar_node(const char *name, yaml_event_t *ev, struct ynode **np,
    char **errp)
{
	struct ynode	*n;
	size_t		 len = ev->data.scalar.length;

	if ((n = node_new(YNODE_SCALAR, &ev->start_mark)) == NULL) {
		ynode_free(n);
		return err_set(errp, "%s: out of memory", name);
	}
	/*
	 * libyaml's copy of the text, NUL-terminated, is taken over rather
	 * than copied (yaml_event_delete then frees NULL): one allocation
	 * less per value.  libyaml allocates with malloc (yaml_malloc).
	 */
	n->str = (char *)ev->data.scalar.value;
	ev->data.scalar.value = NULL;
	n->len = len;
	if (strlen(n->str) != n->len) {
		err_set(errp, "%s:%d:%d: NUL byte in a value", name, n->line,
		    n->col);
		ynode_free(n);
		return -1;
	}
	n->block = (ev->data.scalar.style == YAML_LITERAL_SCALAR_STYLE ||
	    ev->data.scalar.style == YAML_FOLDED_SCALAR_STYLE);
	if (ev->data.scalar.plain_implicit &&
	    ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
		resolve_plain(n);
	*np = n;
	return 0;
}

/*
 * The node an event opens (a scalar, list or mapping) or closes (the
 * collection popped off the stack) in *np, else NULL: 0, or -1 with
 * *errp set.
 */
static int
event_node(struct yload *y, yaml_event_t *ev, struct ynode **np,
    char **errp)
{
	*np = NULL;
	switch (ev->type) {
	case YAML_DOCUMENT_START_EVENT:
		if (++y->ndocs > 1)
			return err_set(errp, "%s:%zu:%zu: a second YAML "
			    "document: the file must hold exactly one",
			    y->name, ev->start_mark.line + 1,
			    ev->start_mark.column + 1);
		return 0;
	case YAML_ALIAS_EVENT:
		return err_set(errp, "%s:%zu:%zu: YAML aliases (*%s) are not "
		    "supported: write the value out", y->name,
		    ev->start_mark.line + 1, ev->start_mark.column + 1,
		    (const char *)ev->data.alias.anchor);
	case YAML_SCALAR_EVENT:
		return scalar_node(y->name, ev, np, errp);
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT:
		if (y->depth == YAML_MAX_DEPTH)
			return err_set(errp, "%s:%zu:%zu: nested more than %d "
			    "levels deep", y->name, ev->start_mark.line + 1,
			    ev->start_mark.column + 1, YAML_MAX_DEPTH);
		if ((*np = node_new(ev->type == YAML_SEQUENCE_START_EVENT ?
		    YNODE_SEQ : YNODE_MAP, &ev->start_mark)) == NULL)
			return err_set(errp, "%s: out of memory", y->name);
		return 0;
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		/* libyaml pairs them; an unpaired end must not underflow. */
		if (y->depth == 0)
			return err_set(errp, "%s: unbalanced YAML events",
			    y->name);
		*np = y->stack[--y->depth];
		if ((*np)->type == YNODE_MAP &&
		    check_unique_keys(*np, y->name, errp) == -1) {
			ynode_free(*np);
			*np = NULL;
			return -1;
		}
		return 0;
	default:
		return 0;
	}
}

/*
 * Puts the node of an event where it belongs: 0, or -1 with *errp set
 * (n then freed unless linked into the tree).  A collection is linked to
 * its parent when it ends, so the stack and the finished tree never share
 * nodes (the error path frees both).
 */
static int
place_node(struct yload *y, yaml_event_type_t type, struct ynode *n,
    char **errp)
{
	struct ynode	*parent;

	if (type == YAML_SEQUENCE_START_EVENT ||
	    type == YAML_MAPPING_START_EVENT) {
		y->stack[y->depth++] = n;
		return 0;
	}
	if (y->depth == 0) {
		/* libyaml gives one per document (and we allow one). */
		if (y->root != NULL) {
			ynode_free(n);
			return err_set(errp, "%s: more than one top-level "
			    "node", y->name);
		}
		y->root = n;
		return 0;
	}
	parent = y->stack[y->depth - 1];
	if (node_append(parent, n) == -1) {
		ynode_free(n);
		return err_set(errp, "%s: out of memory", y->name);
	}
	if (parent->type == YNODE_MAP && parent->n % 2 == 1)
		return check_key(parent, y->name, errp);
	return 0;
}

int
yaml_load(const char *buf, size_t len, const char *name,
    struct ynode **rootp, char **errp)
{
	yaml_parser_t	 parser;
	yaml_event_t	 ev;
	struct yload	 y;
	struct ynode	*n;
	size_t		 i;
	int		 done = 0, failed, rc = -1, have_event = 0;

	*rootp = NULL;
	memset(&y, 0, sizeof(y));
	y.name = name;
	if (!yaml_parser_initialize(&parser))
		return err_set(errp, "%s: out of memory", name);
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	while (!done) {
		failed = !yaml_parser_parse(&parser, &ev);
		if (parser.error != YAML_NO_ERROR) {
			parse_error(&parser, failed, buf, len, name, errp);
			goto out;
		}
		have_event = 1;
		if (ev.type == YAML_STREAM_END_EVENT)
			done = 1;
		if (event_node(&y, &ev, &n, errp) == -1 ||
		    (n != NULL && place_node(&y, ev.type, n, errp) == -1))
			goto out;
		yaml_event_delete(&ev);
		have_event = 0;
	}
	*rootp = y.root;
	y.root = NULL;
	rc = 0;
out:
	if (have_event)
		yaml_event_delete(&ev);
	for (i = 0; i < y.depth; i++)
		ynode_free(y.stack[i]);
	ynode_free(y.root);
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
