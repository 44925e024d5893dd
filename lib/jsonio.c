/* SPDX-License-Identifier: Apache-2.0 */
#include <config.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomicio.h"
#include "error.h"
#include "jsonio.h"

json_t *
jsonio_parse(const char *buf, size_t len, const char *name, char **errp)
{
	json_error_t	 je;
	json_t		*j;

	j = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
	if (j == NULL)
		err_set(errp, "%s:%d:%d: %s", name, je.line, je.column,
		    je.text);
	return j;
}

json_t *
jsonio_load(const char *path, size_t max, char **errp)
{
	char	*buf;
	size_t	 len;
	json_t	*j;

	if (read_file(path, max, &buf, &len, errp) == -1)
		return NULL;
	j = jsonio_parse(buf, len, path, errp);
	free(buf);
	return j;
}

char *
jsonio_canonical(const json_t *j)
{
	return json_dumps(j, JSONIO_CANON);
}

int
jsonio_write(const char *path, const json_t *j, mode_t mode, char **errp)
{
	char	*text;
	size_t	 len;
	int	 rc;

	if ((text = json_dumps(j, JSONIO_PRETTY)) == NULL)
		return err_set(errp, "%s: cannot encode JSON", path);
	len = strlen(text);
	/* json_dumps leaves room for nothing; append the newline ourselves. */
	char *withnl = realloc(text, len + 2);
	if (withnl == NULL) {
		free(text);
		return err_set(errp, "out of memory");
	}
	withnl[len] = '\n';
	withnl[len + 1] = '\0';
	rc = atomic_write_file(path, withnl, len + 1, mode, errp);
	free(withnl);
	return rc;
}

/* Length of the valid UTF-8 sequence at s (as jansson takes it), or 0. */
static size_t
utf8_len(const unsigned char *s)
{
	uint32_t	 c;
	size_t		 n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	c = s[0] & (0x7f >> n);
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && c < 0x10000) ||
	    c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	return n;
}

char *
jsonio_utf8_escape(const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	char			*out, *o;
	size_t			 n;

	if ((out = malloc(strlen(s) * 4 + 1)) == NULL)
		return NULL;
	for (o = out; *p != '\0'; p += n) {
		if ((n = utf8_len(p)) == 0) {
			o += sprintf(o, "\\x%02x", *p);
			n = 1;
		} else {
			memcpy(o, p, n);
			o += n;
		}
	}
	*o = '\0';
	return out;
}

char *
jsonio_scrub(char *s, size_t max, int keep_nl)
{
	unsigned char	*p = (unsigned char *)s, *o = p;
	size_t		 n, k;

	for (; *p != '\0'; p += k) {
		n = utf8_len(p);
		k = n != 0 ? n : 1;
		if (p[0] == '\r')
			continue;	/* CR LF ends a line too */
		if (n == 0 || (p[0] < 0x20 && !(keep_nl && p[0] == '\n')) ||
		    p[0] == 0x7f || (p[0] == 0xc2 && p[1] < 0xa0)) {
			if ((size_t)(o - (unsigned char *)s) + 1 > max)
				break;
			*o++ = '?';
		} else {
			if ((size_t)(o - (unsigned char *)s) + n > max)
				break;
			memmove(o, p, n);
			o += n;
		}
	}
	*o = '\0';
	return s;
}

json_t *
jsonio_string_escaped(const char *s)
{
	char	*e;
	json_t	*j;

	if (s == NULL || (e = jsonio_utf8_escape(s)) == NULL)
		return NULL;
	j = json_string(e);
	free(e);
	return j;
}

int
jsonio_print(FILE *f, const json_t *j, char **errp)
{
	/* JSON_ENSURE_ASCII: a terminal or a log never gets raw bytes. */
	if (j == NULL || json_dumpf(j, f, JSONIO_PRETTY |
	    JSON_ENSURE_ASCII) == -1 || fputc('\n', f) == EOF ||
	    fflush(f) == EOF || ferror(f))
		return err_set(errp, "cannot write the JSON report: %s",
		    j == NULL ? "out of memory" : strerror(errno));
	return 0;
}

static json_t *
member(const json_t *obj, const char *key, int type, const char *tname,
    char **errp)
{
	json_t	*v;

	if (!json_is_object(obj)) {
		err_set(errp, "%s: parent is not an object", key);
		return NULL;
	}
	if ((v = json_object_get(obj, key)) == NULL) {
		err_set(errp, "missing key \"%s\"", key);
		return NULL;
	}
	if ((int)json_typeof(v) != type) {
		err_set(errp, "\"%s\" must be %s", key, tname);
		return NULL;
	}
	return v;
}

const char *
jsonio_str(const json_t *obj, const char *key, char **errp)
{
	json_t	*v = member(obj, key, JSON_STRING, "a string", errp);

	return v != NULL ? json_string_value(v) : NULL;
}

int
jsonio_int(const json_t *obj, const char *key, json_int_t *out, char **errp)
{
	json_t	*v = member(obj, key, JSON_INTEGER, "an integer", errp);

	*out = 0;

	if (v == NULL)
		return -1;
	*out = json_integer_value(v);
	return 0;
}

json_t *
jsonio_obj(const json_t *obj, const char *key, char **errp)
{
	return member(obj, key, JSON_OBJECT, "an object", errp);
}

json_t *
jsonio_arr(const json_t *obj, const char *key, char **errp)
{
	return member(obj, key, JSON_ARRAY, "an array", errp);
}

int
jsonio_in_array(const json_t *a, const char *s)
{
	size_t	 i;
	json_t	*v;

	json_array_foreach(a, i, v)
		if (json_is_string(v) && strcmp(json_string_value(v), s) == 0)
			return 1;
	return 0;
}
