/*
 * dcos-artifactd serve: the access log, combined-like lines, buffered and
 * flushed once a second (and reopened on SIGHUP) by cmd-serve.c.
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
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "serve.h"

static void
log_escape(FILE *fp, const char *v)
{
	const unsigned char	*p;

	if (v == NULL) {
		fputc('-', fp);
		return;
	}
	for (p = (const unsigned char *)v; *p != '\0'; p++) {
		if (*p < 0x20 || *p >= 0x7f || *p == '"' || *p == '\\')
			fprintf(fp, "\\x%02x", *p);
		else
			fputc(*p, fp);
	}
}

void
access_log(struct server *s, struct MHD_Connection *c, const char *method,
    const char *url, unsigned int status, uint64_t bytes)
{
	const union MHD_ConnectionInfo	*ci;
	char				 host[INET6_ADDRSTRLEN + 1] = "-";
	char				 when[64];
	struct tm			 tm;
	time_t				 t = time(NULL);
	socklen_t			 len;

	if (s->access_log == NULL)
		return;
	ci = c == NULL ? NULL : MHD_get_connection_info(c,
	    MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci != NULL && ci->client_addr != NULL) {
		len = ci->client_addr->sa_family == AF_INET6 ?
		    sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
		if (getnameinfo(ci->client_addr, len, host, sizeof(host),
		    NULL, 0, NI_NUMERICHOST) != 0)
			snprintf(host, sizeof(host), "-");
	}
	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%d/%b/%Y:%H:%M:%S +0000", &tm);
	pthread_mutex_lock(&s->log_lock);
	if (s->access_log != NULL) {
		fprintf(s->access_log, "%s - - [%s] \"", host, when);
		log_escape(s->access_log, method);
		fputc(' ', s->access_log);
		log_escape(s->access_log, url);
		fprintf(s->access_log, "\" %u %" PRIu64 " \"", status, bytes);
		log_escape(s->access_log, c == NULL ? NULL :
		    MHD_lookup_connection_value(c, MHD_HEADER_KIND,
		    MHD_HTTP_HEADER_USER_AGENT));
		fputs("\"\n", s->access_log);
	}
	pthread_mutex_unlock(&s->log_lock);
}

int
access_log_open(struct server *s, char **errp)
{
	FILE	*fp;
	int	 fd;

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
