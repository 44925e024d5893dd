/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The config compiler's internals: the parameter schema (schema.c), the
 * validator that turns config.yaml into the effective config (validate.c),
 * the template engine (template.c) and the error list they share.  The
 * schema language is documented in dcos-config.yaml(5).
 */
#ifndef DCOS_GENCONF_SCHEMA_H
#define DCOS_GENCONF_SCHEMA_H

#include <sys/types.h>
#include <regex.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "ytree.h"

/* Errors collected with their position, printed sorted by position. */
struct diag {
	int	 line;
	int	 col;
	char	*text;		/* "FILE:LINE:COL: key: message" */
};

struct diags {
	struct diag	*v;
	size_t		 n;
	size_t		 cap;	/* of v: it doubles, a file may hold 100,000 */
};

/*
 * Adds "file:line:col: key: message" (key may be NULL; with file NULL the
 * message alone, line and col only sort it).  -1 when out of memory.
 */
int	 diags_add(struct diags *, const char *file, int line, int col,
	    const char *key, const char *fmt, ...)
	    __attribute__((format(printf, 6, 7)));
/* Every message sorted by position, one per line (malloc'd), or NULL. */
char	*diags_join(struct diags *);
void	 diags_clear(struct diags *);

enum ptype {
	PT_STRING,
	PT_BOOL,
	PT_INT,
	PT_URL,
	PT_IPV4,
	PT_IPV4_PORT,
	PT_PATH,
	PT_ENUM,
	PT_LIST,
	PT_IPV6,
	PT_IP,		/* IPv4 or IPv6 */
	PT_CIDR4,
	PT_CIDR6,
	PT_DURATION,	/* Mesos's "5mins", "1.5hrs" */
	PT_PORT,
	PT_HOSTNAME,
	PT_EMAIL,
	PT_MAP,
	PT_JSON		/* any YAML value, or JSON text in a string */
};

/*
 * "key (not) in values", or "key is (not) set": all conditions of a set
 * must hold.
 */
struct cond {
	char	 *key;
	int	  negate;
	int	  set;		/* -1: compare; 1: must be set, 0: unset */
	char	**values;	/* compared with the value's text form */
	size_t	  nvalues;
};

struct condset {
	struct cond	*v;
	size_t		 n;
};

enum check_kind {
	CK_UNIQUE,
	CK_ONE_OF,
	CK_MUST_NOT_END_WITH,
	CK_MUST_NOT_START_WITH,
	CK_REGEX,
	CK_RANGE,
	CK_FILE_EXISTS,
	CK_NOT_IN,		/* values: reserved (an address without port) */
	CK_DISJOINT,		/* values: lists sharing no item with this */
	CK_MAX_LENGTH,		/* max */
	CK_MAX_WORDS,		/* max, space-separated */
	CK_MUST_NOT_CONTAIN,	/* arg */
	CK_VALIDATOR		/* fn, with */
};

struct validator;

struct check {
	enum check_kind	  kind;
	char		 *arg;		/* suffix, prefix or regex */
	char		**values;	/* one_of, not_in, disjoint_from */
	size_t		  nvalues;
	long long	  min, max;	/* range, max_length, max_words */
	regex_t		  re;
	int		  have_re;
	const struct validator *fn;	/* CK_VALIDATOR */
	char		**with;		/* the parameters fn reads */
	size_t		  nwith;
	struct condset	  when;		/* empty: always checked */
	char		 *message;	/* NULL: the built-in message */
};

/*
 * A named validator (validators.c): DC/OS's rules for a JSON-valued
 * parameter whose shape and messages no simpler check expresses.  It
 * reads the value and the nwith parameters its check names in "with",
 * and reports through vctx_error().
 */
struct vctx {
	const char		 *name;		/* the parameter's */
	const json_t		 *val;
	const json_t *const	 *with;		/* NULL where unset */
	const char *const	 *with_names;
	const struct check	 *c;
	/* Reports msg at the node of val that at is (NULL: the value). */
	void			(*report)(struct vctx *, const json_t *at,
				    int with_keys_too, const char *msg);
	void			 *arg;
	int			  oom;
};

struct validator {
	const char	*name;
	size_t		 nwith;		/* the parameters "with" must name */
	int		 quotes;	/* messages may quote the value */
	void		(*fn)(struct vctx *);
};

/* The validator called name, or NULL. */
const struct validator *validator_find(const char *name);
/* "a, b, c" of the validators' names, for messages. */
extern const char validator_names[];

/*
 * Helpers the validators share with the types (validate.c).
 * cidr_parse: "ADDRESS/PREFIX" of family af into addr (16 bytes) and
 * *bitsp; 0, -1 when malformed, -2 when host bits are set.
 */
int	 cidr_parse(const char *s, int af, unsigned char *addr, int *bitsp);
/* check_cidr: cidr_parse with DC/OS's message naming name: 0 or -1. */
int	 check_cidr(const char *name, const char *s, int af, char **msgp);
/* The port of "ADDRESS:PORT", DC/OS's messages: 0 or -1 with *msgp. */
int	 check_port_text(const char *port, char **msgp);
int	 valid_ipv4(const char *);
/*
 * A text built item by item, ", " between items, without copying it
 * again for each one (a list can name thousands of bad addresses).
 * Start from all zeros.
 */
struct strjoin {
	FILE	*fp;
	char	*buf;
	size_t	 len;
	size_t	 n;		/* items added */
	int	 oom;
};
void	 strjoin_add(struct strjoin *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	 strjoin_vadd(struct strjoin *, const char *fmt, va_list)
	    __attribute__((format(printf, 2, 0)));
/*
 * The text (malloc'd), or NULL when nothing was added or out of memory
 * (then *oomp is set to 1).  The strjoin may be reused.
 */
char	*strjoin_end(struct strjoin *, int *oomp);
/* msg with {value} and {other} filled in (malloc'd), or NULL. */
char	*fill_message(const char *msg, const char *value, const char *other);

enum derive_kind {
	DV_NONE,
	DV_LENGTH,	/* length of a list */
	DV_QUORUM,	/* n / 2 + 1 of an integer */
	DV_JOIN,	/* list items through a format, joined */
	DV_SORTED,	/* a list sorted bytewise */
	DV_CONTENTS	/* the contents of the file a path names */
};

struct param {
	char		*name;
	enum ptype	 type;
	enum ptype	 item_type;	/* PT_LIST items, PT_MAP values */
	enum ptype	 key_type;	/* PT_MAP */
	struct param	*item;		/* nested items/values, or NULL */
	char		**values;	/* PT_ENUM */
	size_t		 nvalues;
	json_t		*def;		/* default, or NULL */
	int		 required;
	struct condset	 required_when;
	enum derive_kind derive;
	char		*from;		/* the source key */
	char		*fallback;	/* copied when from is unset */
	char		*format;	/* DV_JOIN: "{item}", "{index}" */
	char		*separator;	/* DV_JOIN */
	struct condset	 derive_when;	/* empty: always derived */
	struct check	*checks;
	size_t		 nchecks;
	int		 secret;
	char		*description;
	char		*invalid;	/* replaces the type's message */
};

struct rule {
	struct condset	 when;
	struct condset	 require;
	char		*message;
};

struct schema {
	struct param	*params;	/* in schema order */
	size_t		 nparams;
	struct rule	*rules;
	size_t		 nrules;
};

/*
 * Parses a schema.yaml text (name is used in messages).  Returns 0 with
 * *schemap (free with schema_free) or -1 with *errp.
 */
int	 schema_parse(const char *text, size_t len, const char *name,
	    struct schema **schemap, char **errp);
void	 schema_free(struct schema *);
const struct param *schema_find(const struct schema *, const char *name);

/*
 * Parses a condition mapping ({key: value | [values] | {not: ...} |
 * {set: true|false}}) from a schema or template named name.  0 or -1 with
 * *errp; free cs with condset_free either way.
 */
int	 condset_parse(const struct ynode *, const char *name,
	    struct condset *cs, char **errp);
void	 condset_free(struct condset *);
/* Whether every condition holds for the effective config. */
int	 conds_hold(const json_t *effective, const struct condset *);
/* "master_discovery is static and ..." for messages (malloc'd) or NULL. */
char	*conds_text(const struct condset *);

/*
 * The text form of a scalar JSON value ("true", "3", the string itself);
 * malloc'd, NULL for lists and objects or when out of memory.
 */
char	*json_text(const json_t *);

/*
 * Converts a YAML value to a parameter's type (json_t kept in the effective
 * config).  Returns 0 with *outp (a new reference), or -1 with *msgp, the
 * DC/OS-style message (NULL when out of memory).  *legacyp, when not NULL,
 * is set to 1 when a list came in the old string-encoded JSON form.
 */
int	 value_convert(const struct param *, const struct ynode *,
	    json_t **outp, char **msgp, int *legacyp);

/*
 * value_convert() reporting every problem at the node it concerns (a map
 * entry, a nested value) to d as "file:LINE:COL: name: message"; a secret
 * parameter's values are never quoted.  Returns 0 with *outp, 1 after
 * adding errors, -1 when out of memory.
 */
int	 value_convert_diags(const struct param *, const struct ynode *,
	    json_t **outp, const char *file, struct diags *d, int *legacyp);

struct validation {
	json_t		*effective;	/* defaults, derived values */
	json_t		*user;		/* what config.yaml set */
	struct diags	 errors;
	struct diags	 warnings;
};

/*
 * Validates a config.yaml tree (root may be NULL for an empty file)
 * against the schema.  Relative paths of file checks and derivations are
 * resolved as DC/OS did from the directory holding genconf/: "genconf/x"
 * is genconf_dir/x, any other relative path is relative to genconf_dir's
 * parent.  Fills v; the caller
 * checks v->errors.n and frees with validation_clear.  -1 only when out of
 * memory.
 */
int	 validate_config(const struct schema *, const struct ynode *root,
	    const char *file, const char *genconf_dir, struct validation *v);
void	 validation_clear(struct validation *);

/*
 * A YAML tree as JSON, scalars with their YAML 1.1 types (as PyYAML
 * reads them); NULL when out of memory.
 */
json_t	*ynode_json(const struct ynode *);

/* Whether s holds a control character (a line break included). */
int	 has_ctrl(const char *s);

/* Levenshtein distance, for did-you-mean. */
size_t	 edit_distance(const char *, const char *);

struct tmpl_file {
	char	*path;
	char	*content;
	size_t	 len;
	mode_t	 mode;
	int	 secret;	/* the entry says secret: true, or it
				   rendered a secret the site set */
	int	 windows;	/* "platform: windows": the Windows config package's */
	char	*owner;		/* "owner" of a secret file; NULL: root */
};

/*
 * Renders one template file (DC/OS package template: a mapping with
 * "package", a list of {path, content, permissions}) against the effective
 * config.  Appends the files to *files (count in *nfiles).  Errors go
 * to d with the template's name and positions.  -1 only when out of memory.
 */
int	 template_render(const char *text, size_t len, const char *name,
	    const struct schema *, const json_t *effective,
	    struct tmpl_file **files, size_t *nfiles, struct diags *d);

/*
 * Checks a template without a configuration: its YAML, its entries, its
 * tags and that every name it uses is a parameter of the schema (what
 * 'dcos-genconf release' runs before signing).  Problems go to d; -1 only
 * when out of memory.
 */
int	 template_check(const char *text, size_t len, const char *name,
	    const struct schema *, struct diags *d);

#endif
