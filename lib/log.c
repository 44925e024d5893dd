/* SPDX-License-Identifier: Apache-2.0 */
#include <config.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

static const char	*progname = "dcos";
static int		 level = LOG_NORMAL;

void
log_init(const char *name)
{
	const char	*slash;

	if (name == NULL)
		return;
	slash = strrchr(name, '/');
	progname = slash != NULL ? slash + 1 : name;
}

void
log_set_level(int l)
{
	level = l < LOG_QUIET ? LOG_QUIET : l > LOG_DEBUG ? LOG_DEBUG : l;
}

int
log_get_level(void)
{
	return level;
}

const char *
log_progname(void)
{
	return progname;
}

static void
log_v(int min, const char *tag, const char *fmt, va_list ap)
{
	if (level < min)
		return;
	fprintf(stderr, "%s: %s", progname, tag);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

#define LOG_FN(name, min, tag)				\
void							\
name(const char *fmt, ...)				\
{							\
	va_list	 ap;					\
	va_start(ap, fmt);				\
	log_v(min, tag, fmt, ap);			\
	va_end(ap);					\
}

LOG_FN(log_error, LOG_QUIET, "error: ")
LOG_FN(log_warn, LOG_NORMAL, "warning: ")
LOG_FN(log_info, LOG_NORMAL, "")
LOG_FN(log_verbose, LOG_VERBOSE, "")
LOG_FN(log_debug, LOG_DEBUG, "debug: ")

char *
log_quote(const char *s)
{
	const unsigned char	*p;
	char			*out, *o;

	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p <= ' ' || *p == 0x7f || *p == '"' || *p == '\\')
			break;
	if (*p == '\0')
		return strdup(s);
	/* Worst case: every byte becomes \ooo, plus the quotes. */
	if ((out = malloc(strlen(s) * 4 + 3)) == NULL)
		return NULL;
	o = out;
	*o++ = '"';
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		switch (*p) {
		case '\n': *o++ = '\\'; *o++ = 'n'; break;
		case '\t': *o++ = '\\'; *o++ = 't'; break;
		case '\r': *o++ = '\\'; *o++ = 'r'; break;
		case '"': *o++ = '\\'; *o++ = '"'; break;
		case '\\': *o++ = '\\'; *o++ = '\\'; break;
		default:
			if (*p < ' ' || *p == 0x7f)
				o += sprintf(o, "\\%03o", *p);
			else
				*o++ = (char)*p;
			break;
		}
	}
	*o++ = '"';
	*o = '\0';
	return out;
}

char *
human_size(unsigned long long n, char *buf)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB",
	    "PiB", "EiB" };
	double	 v = (double)n;
	size_t	 u = 0;

	if (n < 1024) {
		snprintf(buf, HUMAN_SIZE_LEN, "%llu B", n);
		return buf;
	}
	for (v /= 1024; v >= 1023.95 && u + 1 < sizeof(units) /
	    sizeof(units[0]); u++)
		v /= 1024;
	snprintf(buf, HUMAN_SIZE_LEN, "%.1f %s", v, units[u]);
	return buf;
}
