/* SPDX-License-Identifier: Apache-2.0 */
/*
 * YAML documents as trees that remember where every node came from, so
 * that every message can say FILE:LINE:COL.  Loaded with libyaml's event
 * parser; aliases are refused (a config file has no use for them and they
 * are the classic way to make a small file expand without bound).
 */
#ifndef DCOS_GENCONF_YTREE_H
#define DCOS_GENCONF_YTREE_H

#include <stddef.h>

enum ynode_type {
	YNODE_SCALAR,
	YNODE_SEQ,
	YNODE_MAP
};

/* The YAML 1.1 type of a scalar, as PyYAML (and so DC/OS) resolves it. */
enum yscalar_kind {
	YSCALAR_STR,		/* quoted, or other plain text */
	YSCALAR_NULL,		/* plain "", ~, null */
	YSCALAR_BOOL,		/* plain true/false/yes/no/on/off */
	YSCALAR_INT		/* plain decimal integer */
};

struct ynode {
	enum ynode_type		 type;
	int			 line;	/* 1-based */
	int			 col;	/* 1-based */
	/* scalars */
	char			*str;	/* the text (unescaped) */
	size_t			 len;
	enum yscalar_kind	 kind;
	int			 block;	/* | or >: starts below */
	int			 bval;	/* YSCALAR_BOOL */
	long long		 ival;	/* YSCALAR_INT */
	/* sequences: items[0..n); mappings: key items[2i], value items[2i+1] */
	struct ynode		**items;
	size_t			 n;
	size_t			 cap;	/* room in items */
};

/*
 * Parses one YAML document from buf.  name is used in messages
 * ("NAME:LINE:COL: problem").  Returns 0 with *rootp (NULL for an empty
 * document; free with ynode_free) or -1 with *errp.  Mapping keys must be
 * scalars and unique.
 */
int		 yaml_load(const char *buf, size_t len, const char *name,
		    struct ynode **rootp, char **errp);
void		 ynode_free(struct ynode *);

/* Number of key/value pairs of a mapping. */
size_t		 ymap_len(const struct ynode *);
/* The key/value node of pair i of a mapping. */
const struct ynode *ymap_key(const struct ynode *, size_t i);
const struct ynode *ymap_value(const struct ynode *, size_t i);
/* The value for a key in a mapping, or NULL. */
const struct ynode *ymap_get(const struct ynode *, const char *key);

/* A short name for a node's type in messages: "a string", "a list", ... */
const char	*ynode_describe(const struct ynode *);

#endif
