/*
 * The audit journal: one compact JSON object per line, each carrying the
 * digest of the previous line's "hash" ("prev") and its own "hash", the
 * SHA-256 of its canonical JSON without "hash".  Changing, removing or
 * reordering any line breaks the chain from there on.
 */
#include <config.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>

#include "atomicio.h"
#include "bootstrap.h"
#include "digest.h"
#include "error.h"
#include "jsonio.h"
#include "log.h"

#define JOURNAL_MAX	(256 * 1024 * 1024)
#define ZERO_HASH \
	"sha256:0000000000000000000000000000000000000000000000000000000000000000"

/* The hash of one entry (object without "hash"). */
static int
entry_hash(json_t *e, char out[DIGEST_STRSZ])
{
	struct digest	 d;
	char		*text;

	if ((text = jsonio_canonical(e)) == NULL)
		return -1;
	digest_buf(text, strlen(text), &d);
	digest_format(&d, out);
	free(text);
	return 0;
}

/*
 * Walks the journal text.  *lastp gets the last hash, *np the count.
 * Returns 0, or -1 with *errp naming the first line that breaks the chain.
 */
static int
walk(const char *buf, size_t len, char last[DIGEST_STRSZ], size_t *np,
    long *seqp, char **errp)
{
	const char	*p = buf, *nl;
	char		 want[DIGEST_STRSZ];
	size_t		 lineno = 0;
	json_t		*e = NULL;
	json_int_t	 seq;
	int		 rc = -1;

	strcpy(last, ZERO_HASH);
	*seqp = 0;
	while (p < buf + len) {
		lineno++;
		if ((nl = memchr(p, '\n', (size_t)(buf + len - p))) == NULL) {
			err_set(errp, "journal line %zu is incomplete", lineno);
			goto out;
		}
		if ((e = jsonio_parse(p, (size_t)(nl - p), "journal", errp)) ==
		    NULL || !json_is_object(e)) {
			err_set(errp, "journal line %zu is not a JSON object",
			    lineno);
			goto out;
		}
		const char *hash = json_string_value(json_object_get(e,
		    "hash"));
		const char *prev = json_string_value(json_object_get(e,
		    "prev"));
		if (hash == NULL || prev == NULL || strcmp(prev, last) != 0) {
			err_set(errp, "journal line %zu does not follow line "
			    "%zu (chain broken)", lineno, lineno - 1);
			goto out;
		}
		if (jsonio_int(e, "seq", &seq, NULL) == -1 ||
		    seq != (json_int_t)lineno) {
			err_set(errp, "journal line %zu has a wrong sequence "
			    "number", lineno);
			goto out;
		}
		char saved[DIGEST_STRSZ];
		snprintf(saved, sizeof(saved), "%s", hash);
		json_object_del(e, "hash");
		if (entry_hash(e, want) == -1 || strcmp(want, saved) != 0) {
			err_set(errp, "journal line %zu was altered (its hash "
			    "does not match)", lineno);
			goto out;
		}
		strcpy(last, saved);
		json_decref(e);
		e = NULL;
		p = nl + 1;
	}
	*np = lineno;
	*seqp = (long)lineno;
	rc = 0;
out:
	json_decref(e);
	return rc;
}

static int
journal_read(const struct host *h, char **bufp, size_t *lenp, char **pathp,
    char **errp)
{
	char	*path;

	*bufp = NULL;
	*lenp = 0;
	if ((path = path_join(h->state, "journal")) == NULL)
		return err_set(errp, "out of memory");
	/* No journal yet is the one failure that is not an error. */
	if ((access(path, F_OK) == 0 || errno != ENOENT) &&
	    read_file(path, JOURNAL_MAX, bufp, lenp, errp) == -1) {
		free(path);
		return -1;
	}
	*pathp = path;
	return 0;
}

int
journal_check(const struct host *h, size_t *entries, char **errp)
{
	char	*buf = NULL, *path = NULL, last[DIGEST_STRSZ];
	size_t	 len;
	long	 seq;
	int	 rc = -1;

	*entries = 0;
	if (journal_read(h, &buf, &len, &path, errp) == -1)
		goto out;
	if (buf != NULL && walk(buf, len, last, entries, &seq, errp) == -1)
		goto out;
	rc = 0;
out:
	free(buf);
	free(path);
	return rc;
}

int
journal_append(const struct host *h, const char *event, json_t *details,
    const char *fmt, ...)
{
	va_list		 ap;
	json_t		*e = NULL;
	char		*buf = NULL, *path = NULL, *msg = NULL, *line = NULL;
	char		*all = NULL, last[DIGEST_STRSZ], hash[DIGEST_STRSZ];
	char		 when[32], *err = NULL;
	size_t		 len = 0, n;
	long		 seq = 0;
	time_t		 now = time(NULL);
	struct tm	 tm;
	int		 rc = -1;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) == -1)
		msg = NULL;
	va_end(ap);
	if (msg == NULL)
		goto out;
	if (mkdir_p(h->state, 0755, &err) == -1 ||
	    journal_read(h, &buf, &len, &path, &err) == -1)
		goto out;
	if (buf != NULL && walk(buf, len, last, &n, &seq, &err) == -1) {
		/* Never extend a broken chain: status reports it. */
		err_wrap(&err, "the journal's chain is broken");
		goto out;
	}
	if (buf == NULL)
		strcpy(last, ZERO_HASH);
	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	e = json_pack("{s:I, s:s, s:s, s:s, s:s}", "seq", (json_int_t)seq + 1,
	    "time", when, "event", event, "message", msg, "prev", last);
	if (e == NULL)
		goto out;
	if (details != NULL && json_object_set(e, "details", details) == -1)
		goto out;
	if (entry_hash(e, hash) == -1 ||
	    json_object_set_new(e, "hash", json_string(hash)) == -1 ||
	    (line = jsonio_canonical(e)) == NULL)
		goto out;
	if (asprintf(&all, "%.*s%s\n", (int)len, buf != NULL ? buf : "",
	    line) == -1) {
		all = NULL;
		goto out;
	}
	if (atomic_write_file(path, all, strlen(all), 0644, &err) == -1)
		goto out;
	rc = 0;
out:
	/* Callers go on without the entry; nobody loses it silently. */
	if (rc == -1)
		log_warn("journal: \"%s\" event not recorded: %s", event,
		    err != NULL ? err : "out of memory");
	json_decref(e);
	free(err);
	free(buf);
	free(path);
	free(msg);
	free(line);
	free(all);
	return rc;
}
