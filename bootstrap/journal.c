/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The audit journal: one compact JSON object per line, each carrying the
 * digest of the previous line's "hash" ("prev") and its own "hash", the
 * SHA-256 of its canonical JSON without "hash".  Changing, removing or
 * reordering any line breaks the chain from there on.
 */
#include <config.h>

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
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
 * Follows the activations: *openp is the last "intent" entry that no
 * later entry closes (one whose details name its seq as "intent"; an
 * "unfinished" report does not close it).
 */
static void
track_intent(json_t **openp, json_t *e)
{
	const char	*ev = json_string_value(json_object_get(e, "event"));
	json_t		*d = json_object_get(e, "details");

	if (ev == NULL)
		return;
	if (strcmp(ev, "intent") == 0) {
		json_decref(*openp);
		*openp = json_incref(e);
	} else if (*openp != NULL && strcmp(ev, "unfinished") != 0 &&
	    json_is_integer(json_object_get(d, "intent")) &&
	    json_integer_value(json_object_get(d, "intent")) ==
	    json_integer_value(json_object_get(*openp, "seq"))) {
		json_decref(*openp);
		*openp = NULL;
	}
}

/*
 * Walks the journal text.  *lastp gets the last hash, *np the count.
 * With a state s that recorded the head (state_journaled), the journal
 * must still hold that line: a journal cut back or rewritten behind it
 * is a valid chain, and only the record tells.  Returns 0, or -1 with
 * *errp naming the first line that breaks the chain.
 */
static int
walk(const char *buf, size_t len, const struct state *s,
    char last[DIGEST_STRSZ], size_t *np, long *seqp, json_t **openp,
    char **errp)
{
	const char	*p = buf, *nl;
	char		 want[DIGEST_STRSZ];
	size_t		 lineno = 0;
	json_t		*e = NULL;
	json_int_t	 seq;
	int		 rc = -1;

	strcpy(last, ZERO_HASH);
	*seqp = 0;
	if (openp != NULL)
		*openp = NULL;
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
		if (s != NULL && s->journal_entries == (json_int_t)lineno &&
		    strcmp(saved, s->journal_head) != 0) {
			err_set(errp, "journal line %zu is not the one "
			    "state.json recorded (%.19s...): the journal was "
			    "rewritten; restore it from a backup", lineno,
			    s->journal_head);
			goto out;
		}
		if (openp != NULL)
			track_intent(openp, e);
		json_decref(e);
		e = NULL;
		p = nl + 1;
	}
	if (s != NULL && s->journal_entries > (json_int_t)lineno) {
		err_set(errp, "the journal has %zu entries but state.json "
		    "recorded %lld: its last %lld were cut off; restore it "
		    "from a backup", lineno, (long long)s->journal_entries,
		    (long long)s->journal_entries - (long long)lineno);
		goto out;
	}
	*np = lineno;
	*seqp = (long)lineno;
	rc = 0;
out:
	json_decref(e);
	if (rc == -1 && openp != NULL) {
		json_decref(*openp);
		*openp = NULL;
	}
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
	struct state	*s = NULL;
	char		*buf = NULL, *path = NULL, last[DIGEST_STRSZ];
	size_t		 len, i;
	long		 seq;
	int		 rc = -1;

	*entries = 0;
	if (state_load(h, &s, errp) == -1 ||
	    journal_read(h, &buf, &len, &path, errp) == -1)
		goto out;
	if (walk(buf != NULL ? buf : "", len, s, last, entries, &seq, NULL,
	    errp) == -1) {
		/* A broken chain still has its lines: say how many. */
		*entries = 0;
		for (i = 0; buf != NULL && i < len; i++)
			*entries += buf[i] == '\n';
		goto out;
	}
	rc = 0;
out:
	state_free(s);
	free(buf);
	free(path);
	return rc;
}

json_t *
journal_open_intent(const struct host *h)
{
	char	*buf = NULL, *path = NULL, last[DIGEST_STRSZ];
	size_t	 len, n;
	long	 seq;
	json_t	*open = NULL;

	if (journal_read(h, &buf, &len, &path, NULL) == 0 && buf != NULL)
		(void)walk(buf, len, NULL, last, &n, &seq, &open, NULL);
	free(buf);
	free(path);
	return open;
}

int
journal_append(const struct host *h, const char *event, json_t *details,
    const char *fmt, ...)
{
	va_list		 ap;
	struct state	*s = NULL;
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
	if (vasprintf(&buf, fmt, ap) == -1)
		buf = NULL;
	va_end(ap);
	if (buf == NULL || (msg = jsonio_utf8_escape(buf)) == NULL)
		goto out;
	free(buf);
	buf = NULL;
	if (mkdir_p(h->state, 0755, &err) == -1 ||
	    state_load(h, &s, &err) == -1 ||
	    journal_read(h, &buf, &len, &path, &err) == -1)
		goto out;
	/* Never extend a broken or cut chain: status reports it. */
	if (walk(buf != NULL ? buf : "", len, s, last, &n, &seq, NULL,
	    &err) == -1) {
		err_wrap(&err, "the journal's chain is broken");
		goto out;
	}
	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	e = json_pack("{s:I, s:s, s:s, s:s, s:s}", "seq", (json_int_t)seq + 1,
	    "time", when, "event", event, "message", msg, "prev", last);
	if (e == NULL || (details != NULL && json_object_set(e, "details",
	    details) == -1)) {
		/* Not memory: jansson takes nothing but UTF-8. */
		err_set(&err, "cannot make a JSON entry of it");
		goto out;
	}
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
	rc = (int)seq + 1;
	/*
	 * The new head, so a journal later cut back to an earlier line is
	 * caught.  A kill before this leaves one line unrecorded: the line
	 * recorded is still there, and the next append records the head.
	 */
	if (state_journaled(h, rc, hash, &err) == -1)
		log_warn("journal: the head of entry %d not recorded in "
		    "state.json: %s", rc, err);
out:
	/* Callers go on without the entry; nobody loses it silently. */
	if (rc == -1)
		log_warn("journal: \"%s\" event not recorded: %s", event,
		    err != NULL ? err : "out of memory");
	json_decref(e);
	state_free(s);
	free(err);
	free(buf);
	free(path);
	free(msg);
	free(line);
	free(all);
	return rc;
}
