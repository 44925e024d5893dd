/* SPDX-License-Identifier: Apache-2.0 */
/* JSON files through jansson: bounded loads, atomic canonical writes. */
#ifndef DCOS_JSONIO_H
#define DCOS_JSONIO_H

#include <sys/types.h>
#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

/* Flags for every JSON file we write: sorted keys, two-space indent. */
#define JSONIO_PRETTY	(JSON_INDENT(2) | JSON_SORT_KEYS)
/* Canonical form (for digests): compact, sorted keys. */
#define JSONIO_CANON	(JSON_COMPACT | JSON_SORT_KEYS)

/*
 * Parses a JSON file of at most max bytes.  Returns a new reference or NULL
 * with *errp ("FILE:LINE:COL: problem").
 */
json_t	*jsonio_load(const char *path, size_t max, char **errp);
/* Parses a buffer; as jsonio_load, with name used in messages. */
json_t	*jsonio_parse(const char *buf, size_t len, const char *name,
	    char **errp);
/* The canonical text (malloc'd, caller frees) or NULL. */
char	*jsonio_canonical(const json_t *);
/* Writes JSONIO_PRETTY text plus a newline atomically.  0 or -1 with *errp. */
int	 jsonio_write(const char *path, const json_t *, mode_t mode,
	    char **errp);

/*
 * s with every byte that is not part of valid UTF-8 written as \xNN, so a
 * message quoting hostile input (a non-UTF-8 file name) can be put in
 * JSON, whose strings must be UTF-8.  malloc'd, or NULL.
 */
char	*jsonio_utf8_escape(const char *s);
/*
 * Makes s, in place, fit for JSON and a terminal: each byte that is not
 * part of valid UTF-8 and each control character (C0 but '\n' when
 * keep_nl, DEL, C1) becomes '?', a '\r' goes, and s is cut to at most
 * max bytes on a character boundary.  For what a remote host printed.
 * Returns s.
 */
char	*jsonio_scrub(char *s, size_t max, int keep_nl);
/* A JSON string of jsonio_utf8_escape(s): a new reference, or NULL. */
json_t	*jsonio_string_escaped(const char *s);
/*
 * Prints j (NULL: out of memory) to f as one JSONIO_PRETTY document,
 * ASCII only, plus a newline, and flushes: the --json reports of every
 * program.  0 or -1 with *errp.
 */
int	 jsonio_print(FILE *f, const json_t *j, char **errp);

/*
 * Typed member access for checked input.  Each returns the value, or
 * NULL/-1 with *errp naming the key when it is missing or of another type.
 */
const char *jsonio_str(const json_t *obj, const char *key, char **errp);
int	 jsonio_int(const json_t *obj, const char *key, json_int_t *out,
	    char **errp);
json_t	*jsonio_obj(const json_t *obj, const char *key, char **errp);
json_t	*jsonio_arr(const json_t *obj, const char *key, char **errp);
/* 1 when the JSON array a holds the string s. */
int	 jsonio_in_array(const json_t *a, const char *s);

#endif
