/* SPDX-License-Identifier: Apache-2.0 */
/*
 * set-superuser-password: writes the hash of a password into
 * GENCONF/config.yaml as superuser_password_hash, keeping the rest of the
 * file as it is.
 */
#include <config.h>

#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomicio.h"
#include "error.h"
#include "genconf.h"
#include "log.h"
#include "password.h"
#include "subcmd.h"

#define CONFIG_MAX	(16 * 1024 * 1024)
#define HASH_KEY	"superuser_password_hash"

/*
 * text with its top-level "superuser_password_hash:" line replaced by
 * line (or line appended): malloc'd, or NULL with *errp.  A value that
 * goes on over more lines is not ours to rewrite.
 */
static char *
replace_key(const char *text, size_t len, const char *line, char **errp)
{
	const char	*p, *end = text + len, *next, *at = NULL;
	char		*out = NULL;
	size_t		 klen = strlen(HASH_KEY);

	for (p = text; p < end; p = next) {
		next = memchr(p, '\n', (size_t)(end - p));
		next = next != NULL ? next + 1 : end;
		if (at == NULL && (size_t)(end - p) > klen &&
		    strncmp(p, HASH_KEY, klen) == 0 && p[klen] == ':') {
			at = p;
			if (next < end && (*next == ' ' || *next == '\t')) {
				err_set(errp, "%s spans more than one line in "
				    "config.yaml: put it on one line or remove "
				    "it, then run again", HASH_KEY);
				return NULL;
			}
			p = next;
			break;
		}
	}
	if (at == NULL) {
		if (asprintf(&out, "%.*s%s%s\n", (int)len, text, len > 0 &&
		    text[len - 1] != '\n' ? "\n" : "", line) == -1)
			out = NULL;
	} else if (asprintf(&out, "%.*s%s\n%.*s", (int)(at - text), text,
	    line, (int)(end - p), p) == -1)
		out = NULL;
	if (out == NULL)
		err_set(errp, "out of memory");
	return out;
}

int
cmd_set_superuser_password(int argc, char **argv)
{
	const struct subcmd	*c = subcmd_find(genconf_commands,
				    "set-superuser-password");
	const char		*arg, *dir = "genconf";
	struct stat		 st;
	char			 pw[PASSWORD_MAX];
	char			*hash = NULL, *err = NULL, *path = NULL;
	char			*text = NULL, *line = NULL, *out = NULL;
	size_t			 len;
	int			 rc;

	if ((rc = password_opts_parse(c, argc, argv, &dir, &arg)) != SUBCMD_CONTINUE)
		return rc;
	rc = EXIT_FAIL;
	if ((path = path_join(dir, "config.yaml")) == NULL) {
		log_error("out of memory");
		goto out;
	}
	/* The file first: a typo in the path should not cost a password. */
	if (read_file(path, CONFIG_MAX, &text, &len, &err) == -1 ||
	    stat(path, &st) == -1) {
		log_error("%s", err != NULL ? err : strerror(errno));
		goto out;
	}
	if (get_password(arg, pw, sizeof(pw), &err) == -1 ||
	    hash_password(pw, &hash, &err) == -1) {
		log_error("%s", err);
		goto out;
	}
	if (asprintf(&line, "%s: '%s'", HASH_KEY, hash) == -1) {
		line = NULL;
		log_error("out of memory");
		goto out;
	}
	if ((out = replace_key(text, len, line, &err)) == NULL ||
	    atomic_write_file(path, out, strlen(out), st.st_mode & 07777,
	    &err) == -1) {
		log_error("%s", err);
		goto out;
	}
	log_info("%s: %s set", path, HASH_KEY);
	rc = 0;
out:
	explicit_bzero(pw, sizeof(pw));
	free(hash);
	free(err);
	free(path);
	free(text);
	free(line);
	free(out);
	return rc;
}
