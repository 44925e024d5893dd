#include <config.h>

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
