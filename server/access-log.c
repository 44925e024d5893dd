/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dcos-artifactd serve: the access log, in nginx's "combined" format or as
 * JSON lines (--access-log-format), buffered and flushed once a second
 * (and reopened on SIGHUP) by cmd-serve.c.  Both formats escape every
 * byte a client sent so that a line is one line and a field one field.
 */
#include <config.h>

#include <sys/socket.h>
#include <sys/types.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <fcntl.h>
#include <inttypes.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "serve.h"

/*
 * Combined: as nginx escapes variables in its log (ngx_http_log_escape),
 * '"', '\' and bytes outside printable ASCII become \xHH (upper-case
 * hex); NULL is "-".
 */
static void
put_text(FILE *fp, const char *v)
{
	const unsigned char	*p;

	if (v == NULL) {
		fputc('-', fp);
		return;
	}
	for (p = (const unsigned char *)v; *p != '\0'; p++) {
		if (*p < 0x20 || *p >= 0x7f || *p == '"' || *p == '\\')
			fprintf(fp, "\\x%02X", *p);
		else
			fputc(*p, fp);
	}
}

/*
 * JSON: a string of one character per byte, so that any bytes make valid
 * JSON and come back exactly (encode the string as ISO 8859-1): '"' and
 * '\' escaped, every other byte outside printable ASCII as \u00HH.  NULL
 * is null.
 */
static void
put_json(FILE *fp, const char *v)
{
	const unsigned char	*p;

	if (v == NULL) {
		fputs("null", fp);
		return;
	}
	fputc('"', fp);
	for (p = (const unsigned char *)v; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(fp, "\\%c", *p);
		else if (*p < 0x20 || *p >= 0x7f)
			fprintf(fp, "\\u%04x", *p);
		else
			fputc(*p, fp);
	}
	fputc('"', fp);
}

/* The client's numeric address, or "-" when it is not known. */
static void
client_addr(struct MHD_Connection *c, char *host, size_t size)
{
	const union MHD_ConnectionInfo	*ci;
	socklen_t			 len;

	snprintf(host, size, "-");
	ci = c == NULL ? NULL : MHD_get_connection_info(c,
	    MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci == NULL || ci->client_addr == NULL)
		return;
	len = ci->client_addr->sa_family == AF_INET6 ?
	    sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
	if (getnameinfo(ci->client_addr, len, host, size, NULL, 0,
	    NI_NUMERICHOST) != 0)
		snprintf(host, size, "-");
}

static const char *
header(struct MHD_Connection *c, const char *name)
{
	return c == NULL ? NULL :
	    MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
}

/* One line of the combined format; fp's lock is held. */
static void
log_combined(FILE *fp, const char *host, const struct tm *tm,
    struct MHD_Connection *c, const char *method, const char *target,
    const char *version, unsigned int status, uint64_t bytes)
{
	char	 when[64];

	/* nginx's $time_local; strftime's %b is English in the C locale. */
	strftime(when, sizeof(when), "%d/%b/%Y:%H:%M:%S %z", tm);
	fprintf(fp, "%s - - [%s] \"", host, when);
	put_text(fp, method);
	fputc(' ', fp);
	put_text(fp, target);
	fputc(' ', fp);
	put_text(fp, version);
	fprintf(fp, "\" %u %" PRIu64 " \"", status, bytes);
	put_text(fp, header(c, MHD_HTTP_HEADER_REFERER));
	fputs("\" \"", fp);
	put_text(fp, header(c, MHD_HTTP_HEADER_USER_AGENT));
	fputs("\"\n", fp);
}

/* One JSON object; fp's lock is held.  usec < 0: not known. */
static void
log_json(FILE *fp, const char *host, const struct tm *tm,
    struct MHD_Connection *c, const char *method, const char *target,
    const char *version, unsigned int status, uint64_t bytes,
    long long usec)
{
	char	 when[64];
	size_t	 n;

	/* nginx's $time_iso8601: the offset with a colon, +00:00. */
	n = strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S%z", tm);
	if (n >= 5 && n + 2 <= sizeof(when)) {
		memmove(when + n - 1, when + n - 2, 3);
		when[n - 2] = ':';
	}
	fprintf(fp, "{\"time\":\"%s\",\"remote_addr\":", when);
	put_json(fp, strcmp(host, "-") == 0 ? NULL : host);
	fputs(",\"method\":", fp);
	put_json(fp, method);
	fputs(",\"uri\":", fp);
	put_json(fp, target);
	fputs(",\"protocol\":", fp);
	put_json(fp, version);
	fprintf(fp, ",\"status\":%u,\"body_bytes_sent\":%" PRIu64
	    ",\"request_time\":", status, bytes);
	if (usec < 0)
		fputs("null", fp);
	else
		fprintf(fp, "%lld.%03lld", usec / 1000000,
		    usec / 1000 % 1000);
	fputs(",\"http_referer\":", fp);
	put_json(fp, header(c, MHD_HTTP_HEADER_REFERER));
	fputs(",\"http_user_agent\":", fp);
	put_json(fp, header(c, MHD_HTTP_HEADER_USER_AGENT));
	fputs("}\n", fp);
}

void
access_log(struct server *s, struct MHD_Connection *c, const struct req *r,
    unsigned int status, long long usec)
{
	char		 host[INET6_ADDRSTRLEN + 1];
	const char	*method = NULL, *target = NULL, *version = NULL;
	struct tm	 tm;
	time_t		 t = time(NULL);
	uint64_t	 bytes = 0;

	if (s->access_log == NULL)
		return;
	client_addr(c, host, sizeof(host));
	if (r != NULL) {
		method = r->method[0] != '\0' ? r->method : NULL;
		target = r->target;
		version = r->version[0] != '\0' ? r->version : NULL;
		bytes = r->body;
	}
	localtime_r(&t, &tm);
	pthread_mutex_lock(&s->log_lock);
	if (s->access_log != NULL) {
		if (s->access_log_json)
			log_json(s->access_log, host, &tm, c, method, target,
			    version, status, bytes, usec);
		else
			log_combined(s->access_log, host, &tm, c, method,
			    target, version, status, bytes);
	}
	pthread_mutex_unlock(&s->log_lock);
}

int
access_log_open(struct server *s, char **errp)
{
	FILE	*fp;
	int	 fd;

	/* localtime_r() need not read TZ itself. */
	tzset();
	/* Appending is the one write that cannot be a rename. */
	fd = open(s->access_log_path, O_WRONLY | O_APPEND | O_CREAT |
	    O_CLOEXEC | O_NOCTTY, 0640);
	if (fd == -1)
		return err_sys(errp, "%s: cannot open the access log",
		    s->access_log_path);
	if ((fp = fdopen(fd, "a")) == NULL) {
		close(fd);
		return err_sys(errp, "%s", s->access_log_path);
	}
	setvbuf(fp, NULL, _IOFBF, 64 * 1024);
	pthread_mutex_lock(&s->log_lock);
	if (s->access_log != NULL)
		fclose(s->access_log);
	s->access_log = fp;
	pthread_mutex_unlock(&s->log_lock);
	return 0;
}

void
access_log_flush(struct server *s)
{
	pthread_mutex_lock(&s->log_lock);
	if (s->access_log != NULL)
		fflush(s->access_log);
	pthread_mutex_unlock(&s->log_lock);
}
