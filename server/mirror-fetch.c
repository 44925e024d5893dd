/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The mirror's downloader: libcurl multi, at most --jobs transfers at once.
 * Every byte is hashed as it is written to DIR/.partial/, so a download is
 * verified when its last byte arrives and is renamed into place only then;
 * a final name never holds unverified data.  Partial data is kept across
 * runs and continued with a Range request (blobs are immutable, so any
 * mirror's bytes continue any other's).
 */
#include <config.h>

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/evp.h>

#include "atomicio.h"
#include "digest.h"
#include "error.h"
#include "log.h"
#include "mirror.h"

#define BACKOFF_FIRST_MS	250
#define BACKOFF_MAX_MS		8000
#define PROGRESS_EVERY_MS	200
/* Longest wait for network activity: also how soon a stop is seen. */
#define POLL_MS			250
/* How much verified data waits for one flush(). */
#define FLUSH_FILES		1024
#define FLUSH_BYTES		((uint64_t)1 << 30)
/* Files this big get their own fsync; batches this small too. */
#define SYNC_ALONE_BYTES	((uint64_t)4 << 20)
#define SYNCFS_MIN_FILES	16

enum job_state { JOB_WAIT, JOB_ACTIVE, JOB_DONE, JOB_FAILED };

struct job {
	struct fetch_item	*it;
	struct fetch_stats	*st;
	enum job_state		 state;
	size_t			 url;		/* index of the URL in use */
	size_t			 tried;		/* attempts in this round */
	int			 attempts;
	int			 round;
	size_t			 missing;	/* 404 answers */
	int			 verified;	/* complete, not yet renamed */
	int			 synced;	/* and already fsynced */
	unsigned char		*dead;		/* per URL: ruled out */
	uint64_t		 not_before;	/* ms, monotonic */
	/* The transfer in flight. */
	CURL			*curl;
	char			*url_str;
	int			 fd;
	struct sha256		*sha;
	EVP_MD_CTX		*blake;
	uint64_t		 offset;	/* bytes in the partial file */
	uint64_t		 asked;		/* Range start we sent */
	int64_t			 cr_start;	/* Content-Range start or -1 */
	long			 code;		/* checked at the first byte */
	int			 body_ok;	/* writing this body */
	int			 body_seen;
	char			*abort_err;	/* set when we stopped it */
	char			 errbuf[CURL_ERROR_SIZE];
};

struct fetch {
	const struct fetch_opts	*o;
	struct fetch_stats	*st;
	struct job		*jobs;
	size_t			 njobs;
	size_t			 pref_url;	/* where new downloads start */
	uint64_t		 total;		/* known bytes to fetch */
	uint64_t		 finished;	/* bytes of finished items */
	uint64_t		 nfinished;
	size_t			 nverified;	/* waiting for flush() */
	uint64_t		 vbytes;
	size_t			 nactive;	/* transfers in flight */
	size_t			 nfinal;	/* jobs done or failed */
	size_t			 cursor;	/* first job that may wait */
	uint64_t		 last_draw;
	uint64_t		 start;
	int			 drawn;
};

static uint64_t
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int
fetch_global_init(char **errp)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return err_set(errp, "cannot initialise libcurl");
	return 0;
}

void
fetch_item_clear(struct fetch_item *it)
{
	if (it == NULL)
		return;
	free(it->rel);
	free(it->dest);
	free(it->partial);
	free(it->err);
	it->rel = it->dest = it->partial = it->err = NULL;
}

/*
 * Ends an attempt.  The hash state stays with the job, so the next attempt
 * continues from the partial file's end without reading it again.
 */
static void
xfer_close(struct job *j)
{
	if (j->curl != NULL)
		curl_easy_cleanup(j->curl);
	j->curl = NULL;
	if (j->fd != -1)
		close(j->fd);
	j->fd = -1;
	free(j->url_str);
	j->url_str = NULL;
	free(j->abort_err);
	j->abort_err = NULL;
}

/* The job is over: drops the hash state too. */
static void
xfer_release(struct job *j)
{
	xfer_close(j);
	sha256_free(j->sha);
	j->sha = NULL;
	EVP_MD_CTX_free(j->blake);
	j->blake = NULL;
}

static int
hash_reset(struct job *j, char **errp)
{
	sha256_reset(j->sha);
	if (j->blake != NULL &&
	    EVP_DigestInit_ex(j->blake, EVP_blake2b512(), NULL) != 1)
		return err_set(errp, "BLAKE2b initialisation failed");
	return 0;
}

static void
hash_feed(struct job *j, const void *buf, size_t len)
{
	sha256_update(j->sha, buf, len);
	if (j->blake != NULL)
		EVP_DigestUpdate(j->blake, buf, len);
}

/* Empties the partial file and the hashes: the next attempt starts over. */
static int
partial_restart(struct job *j, char **errp)
{
	if (ftruncate(j->fd, 0) == -1 || lseek(j->fd, 0, SEEK_SET) == -1)
		return err_sys(errp, "%s", j->it->partial);
	j->offset = 0;
	j->it->resumed = 0;
	return hash_reset(j, errp);
}

/*
 * Opens the partial file and hashes what an earlier run left in it, so the
 * download continues where it stopped and the digest still covers every
 * byte.
 */
static int
partial_open(struct job *j, char **errp)
{
	struct fetch_item	*it = j->it;
	struct stat		 st;
	unsigned char		 buf[65536];
	ssize_t			 r;

	j->fd = open(it->partial, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
	    0644);
	if (j->fd == -1 || fstat(j->fd, &st) == -1)
		return err_sys(errp, "%s", it->partial);
	/* A retry: the hashes already cover the file's bytes. */
	if (j->sha != NULL && it->resume && (uint64_t)st.st_size == j->offset &&
	    lseek(j->fd, 0, SEEK_END) != -1)
		return 0;
	if ((j->sha == NULL && (j->sha = sha256_new()) == NULL) ||
	    (it->prehash && j->blake == NULL &&
	    (j->blake = EVP_MD_CTX_new()) == NULL))
		return err_set(errp, "out of memory");
	if (hash_reset(j, errp) == -1)
		return -1;
	j->offset = 0;
	if (!it->resume || (it->size >= 0 && st.st_size > it->size) ||
	    (it->size < 0 && (uint64_t)st.st_size > it->max))
		return partial_restart(j, errp);
	while ((r = read(j->fd, buf, sizeof(buf))) != 0) {
		if (r == -1) {
			if (errno == EINTR)
				continue;
			return err_sys(errp, "%s", it->partial);
		}
		hash_feed(j, buf, (size_t)r);
		j->offset += (uint64_t)r;
	}
	it->resumed = j->offset > 0;
	return 0;
}

static size_t
on_header(char *buf, size_t size, size_t n, void *arg)
{
	struct job	*j = arg;
	size_t		 len = size * n;
	char		 line[256];
	unsigned long long a;

	if (len >= sizeof(line))
		return len;
	memcpy(line, buf, len);
	line[len] = '\0';
	/* A new status line (after a redirect or 100) starts a new response. */
	if (strncmp(line, "HTTP/", 5) == 0)
		j->cr_start = -1;
	else if (strncasecmp(line, "content-range:", 14) == 0 &&
	    sscanf(line + 14, " bytes %llu-", &a) == 1)
		j->cr_start = (int64_t)a;
	return len;
}

static void abort_with(struct job *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

/* Remembers why we stopped a transfer from inside a callback. */
static void
abort_with(struct job *j, const char *fmt, ...)
{
	va_list	 ap;

	free(j->abort_err);
	va_start(ap, fmt);
	if (vasprintf(&j->abort_err, fmt, ap) == -1)
		j->abort_err = NULL;
	va_end(ap);
}

/* The first body byte: decide whether this body continues, restarts or
 * is an error page to drop. */
static int
body_start(struct job *j)
{
	char	*err = NULL;

	j->body_seen = 1;
	curl_easy_getinfo(j->curl, CURLINFO_RESPONSE_CODE, &j->code);
	if (j->code == 206) {
		if (j->asked == 0 || j->cr_start != (int64_t)j->asked) {
			abort_with(j, "%s: the server answered a range that "
			    "was not asked for", j->url_str);
			return -1;
		}
		j->body_ok = 1;
	} else if (j->code == 200) {
		/* The server ignored our Range: take the whole body. */
		if (j->offset > 0 && partial_restart(j, &err) == -1) {
			abort_with(j, "%s", err);
			free(err);
			return -1;
		}
		j->body_ok = 1;
	} else
		j->body_ok = 0;
	return 0;
}

static size_t
on_body(char *buf, size_t size, size_t n, void *arg)
{
	struct job		*j = arg;
	struct fetch_item	*it = j->it;
	size_t			 len = size * n;

	if (!j->body_seen && body_start(j) == -1)
		return 0;
	if (!j->body_ok)
		return len;
	if ((it->size >= 0 && j->offset + len > (uint64_t)it->size) ||
	    (it->size < 0 && j->offset + len > it->max)) {
		abort_with(j, "%s: the server sends more bytes than the store "
		    "lists for it (refused)", j->url_str);
		return 0;
	}
	if (write_all(j->fd, buf, len) == -1) {
		char	*e = NULL;

		err_sys(&e, "%s", it->partial);
		abort_with(j, "%s", e);
		free(e);
		return 0;
	}
	hash_feed(j, buf, len);
	j->offset += len;
	j->st->bytes += len;
	return len;
}

static void
url_join(const char *base, const char *rel, char **out)
{
	if (asprintf(out, "%s/%s", base, rel) == -1)
		*out = NULL;
}

static int
xfer_start(struct fetch *f, CURLM *multi, struct job *j, char **errp)
{
	struct fetch_item	*it = j->it;
	char			 range[32];

	if (partial_open(j, errp) == -1)
		return -1;
	url_join(f->o->urls[j->url], it->rel, &j->url_str);
	if (j->url_str == NULL || (j->curl = curl_easy_init()) == NULL)
		return err_set(errp, "out of memory");
	j->cr_start = -1;
	j->code = 0;
	j->body_ok = j->body_seen = 0;
	j->errbuf[0] = '\0';
	j->asked = j->offset;
	curl_easy_setopt(j->curl, CURLOPT_URL, j->url_str);
	curl_easy_setopt(j->curl, CURLOPT_PRIVATE, (char *)j);
	curl_easy_setopt(j->curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(j->curl, CURLOPT_WRITEDATA, j);
	curl_easy_setopt(j->curl, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(j->curl, CURLOPT_HEADERDATA, j);
	curl_easy_setopt(j->curl, CURLOPT_ERRORBUFFER, j->errbuf);
	curl_easy_setopt(j->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(j->curl, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(j->curl, CURLOPT_MAXREDIRS, 5L);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(j->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(j->curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(j->curl, CURLOPT_PROTOCOLS,
	    (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
	curl_easy_setopt(j->curl, CURLOPT_REDIR_PROTOCOLS,
	    (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	if (f->o->cacert != NULL)
		curl_easy_setopt(j->curl, CURLOPT_CAINFO, f->o->cacert);
	/* Credentials come from ~/.netrc, never from the URL (logged). */
	curl_easy_setopt(j->curl, CURLOPT_NETRC, (long)CURL_NETRC_OPTIONAL);
	/* Fewer, larger writes and hash updates for big blobs. */
	curl_easy_setopt(j->curl, CURLOPT_BUFFERSIZE, 262144L);
	curl_easy_setopt(j->curl, CURLOPT_CONNECTTIMEOUT, 10L);
	/*
	 * A stalled or trickling server, or one that keeps a transfer going
	 * past its deadline, is given up on: the attempt fails over to the
	 * next URL, which continues the partial data.
	 */
	curl_easy_setopt(j->curl, CURLOPT_LOW_SPEED_LIMIT, f->o->speed_limit);
	curl_easy_setopt(j->curl, CURLOPT_LOW_SPEED_TIME, f->o->speed_time);
	curl_easy_setopt(j->curl, CURLOPT_TIMEOUT, f->o->max_time);
	curl_easy_setopt(j->curl, CURLOPT_USERAGENT,
	    "dcos-artifactd-mirror/" PACKAGE_VERSION);
	if (j->offset > 0) {
		snprintf(range, sizeof(range), "%" PRIu64 "-", j->offset);
		curl_easy_setopt(j->curl, CURLOPT_RANGE, range);
	}
	if (curl_multi_add_handle(multi, j->curl) != CURLM_OK)
		return err_set(errp, "cannot start a transfer");
	j->state = JOB_ACTIVE;
	return 0;
}

/*
 * The partial file is complete: compare size and digest and run the
 * caller's check.  Returns 0 when it is verified (flush() makes it durable
 * and renames it into place), -1 with *errp (bad data: *badp set) or with
 * a local error.
 */
static int
finish(struct job *j, int *badp, char **errp)
{
	struct fetch_item	*it = j->it;
	char			 got[DIGEST_STRSZ], want[DIGEST_STRSZ];
	const char		*from = j->url_str != NULL ? j->url_str :
				    it->partial;

	*badp = 1;
	if (it->size >= 0 && j->offset != (uint64_t)it->size)
		return err_set(errp, "%s: got %" PRIu64 " bytes where the "
		    "store lists %" PRId64 " (refused)", from, j->offset,
		    it->size);
	sha256_final(j->sha, &it->got);
	if (j->blake != NULL &&
	    EVP_DigestFinal_ex(j->blake, it->blake, NULL) != 1)
		return err_set(errp, "BLAKE2b failed");
	it->got_size = j->offset;
	if (it->has_digest && !digest_equal(&it->got, &it->want)) {
		digest_format(&it->got, got);
		digest_format(&it->want, want);
		return err_set(errp, "%s: content is %s, not %s as the store "
		    "lists it (refused)", from, got, want);
	}
	if (it->check != NULL && it->check(it, it->check_arg, errp) == -1)
		return err_wrap(errp, "%s", from);
	*badp = 0;
	if (it->mode != 0 && fchmod(j->fd, it->mode) == -1)
		return err_sys(errp, "chmod %s", it->partial);
	/* A big file is flushed on its own: syncfs would flush the whole
	 * file system for it. */
	if (it->got_size >= SYNC_ALONE_BYTES) {
		if (fsync(j->fd) == -1)
			return err_sys(errp, "fsync %s", it->partial);
		j->synced = 1;
	}
	j->verified = 1;
	return 0;
}

/*
 * Makes the verified files durable and renames them into place.  One
 * syncfs() for a batch instead of an fsync() per file: with thousands of
 * small blobs the per-file flushes are most of the run.  A file is renamed
 * only after the flush, so a final name never holds data that a crash could
 * lose; an interrupted batch stays complete in .partial and is verified
 * and renamed by the next run without a download.
 */
static void
flush(struct fetch *f)
{
	struct job	*j;
	char		*copy = NULL;
	size_t		 i, unsynced = 0;
	int		 dfd = -1, synced = 0, fd;

	if (f->nverified == 0)
		return;
	for (i = 0; i < f->njobs; i++)
		if (f->jobs[i].verified && !f->jobs[i].synced) {
			unsynced++;
			if (copy == NULL)
				copy = strdup(f->jobs[i].it->partial);
		}
	/* A few files are cheaper to fsync one by one. */
	if (copy != NULL && unsynced > SYNCFS_MIN_FILES &&
	    (dfd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) !=
	    -1 && syncfs(dfd) == 0)
		synced = 1;
	if (dfd != -1)
		close(dfd);
	free(copy);
	for (i = 0; i < f->njobs; i++) {
		j = &f->jobs[i];
		if (!j->verified)
			continue;
		j->verified = 0;
		if (!synced && !j->synced) {
			/* No syncfs: the file's own fsync will do. */
			if ((fd = open(j->it->partial, O_RDONLY | O_CLOEXEC)) ==
			    -1 || fsync(fd) == -1) {
				err_sys(&j->it->err, "fsync %s", j->it->partial);
				if (fd != -1)
					close(fd);
				continue;
			}
			close(fd);
		}
		if (rename(j->it->partial, j->it->dest) == -1) {
			err_sys(&j->it->err, "rename %s to %s",
			    j->it->partial, j->it->dest);
			continue;
		}
		/* The directories are fsynced at the end (sync_dirs). */
		j->it->done = 1;
	}
	f->nverified = 0;
	f->vbytes = 0;
}

static uint64_t
backoff_ms(int round)
{
	uint64_t	 ms = BACKOFF_FIRST_MS;

	while (--round > 0 && ms < BACKOFF_MAX_MS)
		ms *= 2;
	return ms < BACKOFF_MAX_MS ? ms : BACKOFF_MAX_MS;
}

/*
 * One attempt failed with message err (consumed).  perm rules the URL out
 * for this item.  Picks the next URL, or gives up.
 */
static void
attempt_failed(struct fetch *f, struct job *j, char *err, int perm)
{
	size_t	 n = f->o->nurls, i, next;
	int	 alive = 0;

	free(j->it->err);
	j->it->err = err;
	if (perm)
		j->dead[j->url] = 1;
	for (i = 0; i < n; i++)
		alive += !j->dead[i];
	j->attempts++;
	if (j->it->optional && j->missing > 0) {
		/*
		 * Every URL serves the same store: one that answers "not
		 * found" for an optional file is an answer, not a failure.
		 */
		free(j->it->err);
		j->it->err = NULL;
		j->it->absent = 1;
		j->state = JOB_DONE;
		return;
	}
	if (alive == 0 || j->attempts >= (f->o->retries + 1) * (int)n) {
		if (j->attempts > 1)
			err_wrap(&j->it->err, "gave up after %d attempts, the "
			    "last", j->attempts);
		j->state = JOB_FAILED;
		return;
	}
	/* -v shows each failed attempt; only the last one is an error. */
	log_verbose("%s: %s; trying again", j->it->rel, j->it->err != NULL ?
	    j->it->err : "failed");
	f->st->retries++;
	next = j->url;
	do
		next = (next + 1) % n;
	while (j->dead[next]);
	if (!perm && next != j->url)
		f->pref_url = next;
	if (++j->tried >= (size_t)alive) {
		j->tried = 0;
		j->round++;
		j->not_before = now_ms() + backoff_ms(j->round);
	} else
		j->not_before = 0;
	j->url = next;
	j->state = JOB_WAIT;
}

static void
item_done(struct fetch *f, struct job *j, int fetched)
{
	j->state = JOB_DONE;
	f->nfinished++;
	f->finished += j->it->got_size;
	if (fetched) {
		f->st->files++;
		if (j->it->resumed)
			f->st->resumed++;
	}
	f->nverified++;
	f->vbytes += j->it->got_size;
	if (f->nverified >= FLUSH_FILES || f->vbytes >= FLUSH_BYTES)
		flush(f);
}

/* A transfer ended: classify the outcome. */
static void
xfer_done(struct fetch *f, struct job *j, CURLcode res)
{
	char	*err = NULL;
	long	 code = 0;
	int	 bad, perm = 0, resumed = j->it->resumed;

	curl_easy_getinfo(j->curl, CURLINFO_RESPONSE_CODE, &code);
	if (j->abort_err != NULL) {
		err = j->abort_err;
		j->abort_err = NULL;
		perm = 1;
		if (j->fd != -1)
			partial_restart(j, NULL);
	} else if (res != CURLE_OK) {
		if (asprintf(&err, "%s: %s", j->url_str, j->errbuf[0] != '\0' ?
		    j->errbuf : curl_easy_strerror(res)) == -1)
			err = NULL;
	} else if (code == 200 || code == 206 ||
	    (code == 416 && j->asked > 0)) {
		/* 416 on a resume: the partial data may be all there is. */
		if (finish(j, &bad, &err) == 0) {
			item_done(f, j, 1);
			xfer_release(j);
			return;
		}
		if (!bad) {
			/* The hashes were finished: recompute next time. */
			xfer_release(j);
		} else {
			partial_restart(j, NULL);
			/* Old partial data may be what was bad: one more
			 * try from scratch before blaming the server. */
			perm = !resumed && code != 416;
		}
	} else {
		if (asprintf(&err, "%s: HTTP %ld", j->url_str, code) == -1)
			err = NULL;
		perm = code >= 400 && code < 500 && code != 408 && code != 429;
		if (code == 404 || code == 410)
			j->missing++;
	}
	xfer_close(j);
	attempt_failed(f, j, err != NULL ? err : strdup("out of memory"),
	    perm);
	if (j->state == JOB_FAILED)
		xfer_release(j);
}

static void
draw(struct fetch *f, int last)
{
	uint64_t	 t = now_ms(), bytes = f->finished, el;
	size_t		 i;
	char		 have[HUMAN_SIZE_LEN], all[HUMAN_SIZE_LEN];
	char		 rate[HUMAN_SIZE_LEN];

	if (!f->o->progress || (!last && t - f->last_draw < PROGRESS_EVERY_MS))
		return;
	f->last_draw = t;
	for (i = 0; i < f->njobs; i++)
		if (f->jobs[i].state == JOB_ACTIVE)
			bytes += f->jobs[i].offset;
	el = t - f->start;
	fprintf(stderr, "\rmirror: %" PRIu64 "/%zu files, %s of %s, %s/s"
	    "\033[K", f->nfinished, f->njobs, human_size(bytes, have),
	    human_size(f->total > bytes ? f->total : bytes, all),
	    human_size(el > 0 ? bytes * 1000 / el : 0, rate));
	if (last)
		fputc('\n', stderr);
	f->drawn = 1;
}

/* Items already complete in .partial need no network at all. */
static int
try_local(struct fetch *f, struct job *j)
{
	struct fetch_item	*it = j->it;
	struct stat		 st;
	char			*err = NULL;
	int			 bad;

	if (it->size < 0 || stat(it->partial, &st) == -1 ||
	    st.st_size != it->size)
		return 0;
	if (partial_open(j, &err) == -1) {
		it->err = err;
		j->state = JOB_FAILED;
		xfer_release(j);
		return 1;
	}
	if (it->size >= 0 && j->offset == (uint64_t)it->size) {
		if (finish(j, &bad, &err) == 0) {
			item_done(f, j, 1);
			xfer_release(j);
			return 1;
		}
		free(err);
		partial_restart(j, NULL);
	}
	xfer_close(j);
	return 0;
}

/* Interrupted: every unfinished job fails; partial files stay. */
static void
stop_all(struct fetch *f, CURLM *multi)
{
	struct job	*j;
	size_t		 i;

	for (i = 0; i < f->njobs; i++) {
		j = &f->jobs[i];
		if (j->state == JOB_DONE || j->state == JOB_FAILED)
			continue;
		if (j->curl != NULL)
			curl_multi_remove_handle(multi, j->curl);
		xfer_release(j);
		free(j->it->err);
		j->it->err = strdup("interrupted");
		j->state = JOB_FAILED;
	}
}

/*
 * Makes the renames of a round durable: one fsync per directory instead
 * of one per file, which on thousands of small blobs is most of the time.
 * The caller writes index.json only after this, so a crash before it loses
 * nothing that index.json points to.
 */
static int
sync_dirs(struct fetch_item **items, size_t n)
{
	char	*done[8] = { NULL }, *copy, *dir;
	size_t	 i, k, ndone = 0;
	int	 rc = 0;

	for (i = 0; i < n; i++) {
		if (!items[i]->done)
			continue;
		if ((copy = strdup(items[i]->dest)) == NULL) {
			rc = -1;
			break;
		}
		dir = dirname(copy);
		for (k = 0; k < ndone; k++)
			if (strcmp(done[k], dir) == 0)
				break;
		if (k < ndone) {
			free(copy);
			continue;
		}
		if (fsync_dir(dir, &items[i]->err) == -1) {
			items[i]->done = 0;
			rc = -1;
		}
		if (ndone < sizeof(done) / sizeof(done[0]))
			done[ndone++] = copy;
		else
			free(copy);
	}
	for (k = 0; k < ndone; k++)
		free(done[k]);
	return rc;
}

/* Sets up one job per item; resumable items may finish right here. */
static int
jobs_init(struct fetch *f, struct fetch_item **items, size_t n)
{
	struct job	*j;
	size_t		 i;

	if ((f->jobs = calloc(n ? n : 1, sizeof(*f->jobs))) == NULL)
		return -1;
	/* All closed first: a failure below leaves jobs to clean up. */
	for (i = 0; i < n; i++)
		f->jobs[i].fd = -1;
	for (i = 0; i < n; i++) {
		j = &f->jobs[i];
		j->it = items[i];
		j->st = f->st;
		if ((j->dead = calloc(f->o->nurls, 1)) == NULL)
			return -1;
		if (items[i]->size > 0)
			f->total += (uint64_t)items[i]->size;
		if (items[i]->resume)
			try_local(f, j);
		if (j->state != JOB_WAIT)
			f->nfinal++;
	}
	return 0;
}

/*
 * Starts waiting jobs that are due, up to --jobs transfers.  Returns when
 * the next one not yet due is (UINT64_MAX: none).
 */
static uint64_t
start_due(struct fetch *f, CURLM *multi)
{
	struct job	*j;
	size_t		 i;
	uint64_t	 t = now_ms(), wake = UINT64_MAX;
	char		*err;

	while (f->cursor < f->njobs && f->jobs[f->cursor].state != JOB_WAIT)
		f->cursor++;
	/* Jobs before the cursor are all started or finished. */
	for (i = f->cursor; i < f->njobs && f->nactive < (size_t)f->o->jobs;
	    i++) {
		j = &f->jobs[i];
		if (j->state != JOB_WAIT)
			continue;
		if (j->not_before > t) {
			if (j->not_before < wake)
				wake = j->not_before;
			continue;
		}
		if (j->attempts == 0)
			j->url = f->pref_url;
		while (j->dead[j->url])
			j->url = (j->url + 1) % f->o->nurls;
		err = NULL;
		if (xfer_start(f, multi, j, &err) == -1) {
			xfer_release(j);
			free(j->it->err);
			j->it->err = err;
			j->state = JOB_FAILED;
			f->nfinal++;
			continue;
		}
		f->nactive++;
	}
	return wake;
}

/* Ends the transfers curl has finished.  Returns 1 when any ended. */
static int
reap_done(struct fetch *f, CURLM *multi)
{
	CURLMsg		*msg;
	struct job	*j;
	int		 left, ended = 0;

	while ((msg = curl_multi_info_read(multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		j = NULL;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE,
		    (char **)&j);
		if (j == NULL)
			continue;
		curl_multi_remove_handle(multi, msg->easy_handle);
		f->nactive--;
		xfer_done(f, j, msg->data.result);
		if (j->state == JOB_WAIT) {
			if ((size_t)(j - f->jobs) < f->cursor)
				f->cursor = (size_t)(j - f->jobs);
		} else
			f->nfinal++;
		ended = 1;
	}
	return ended;
}

/* Runs the transfers until every job is done or failed, or a stop. */
static void
run_jobs(struct fetch *f, CURLM *multi)
{
	uint64_t	 t, wake;
	int		 running, ended;

	for (;;) {
		if (f->o->stop != NULL && *f->o->stop) {
			stop_all(f, multi);
			break;
		}
		wake = start_due(f, multi);
		if (f->nfinal == f->njobs)
			break;
		curl_multi_perform(multi, &running);
		ended = reap_done(f, multi);
		draw(f, 0);
		/* Start the next transfers (or finish) without waiting. */
		if (ended)
			continue;
		t = now_ms();
		curl_multi_poll(multi, NULL, 0, wake == UINT64_MAX ? POLL_MS :
		    (int)(wake > t ? (wake - t < POLL_MS ? wake - t : POLL_MS) :
		    0), NULL);
	}
}

int
fetch_all(const struct fetch_opts *o, struct fetch_item **items, size_t n,
    struct fetch_stats *st)
{
	struct fetch	 f;
	CURLM		*multi = NULL;
	size_t		 i;
	int		 rc = -1;

	memset(&f, 0, sizeof(f));
	f.o = o;
	f.st = st;
	f.njobs = n;
	f.start = now_ms();
	if ((multi = curl_multi_init()) == NULL || jobs_init(&f, items,
	    n) == -1) {
		for (i = 0; i < n; i++)
			if (items[i]->err == NULL)
				items[i]->err = strdup("out of memory");
		goto out;
	}
	curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, (long)o->jobs * 2);
	run_jobs(&f, multi);
	if (f.drawn)
		draw(&f, 1);
	flush(&f);
	rc = sync_dirs(items, n);
	for (i = 0; i < n; i++) {
		if (!items[i]->done && !items[i]->absent)
			rc = -1;
	}
out:
	if (f.jobs != NULL) {
		for (i = 0; i < n; i++) {
			if (f.jobs[i].curl != NULL)
				curl_multi_remove_handle(multi,
				    f.jobs[i].curl);
			xfer_release(&f.jobs[i]);
			free(f.jobs[i].dead);
		}
	}
	free(f.jobs);
	if (multi != NULL)
		curl_multi_cleanup(multi);
	return rc;
}
