/* SPDX-License-Identifier: Apache-2.0 */
#include <config.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

static int
err_vset(char **errp, const char *suffix, const char *fmt, va_list ap)
{
	char	*msg = NULL, *full = NULL;

	if (errp == NULL)
		return -1;
	if (vasprintf(&msg, fmt, ap) == -1)
		msg = NULL;
	if (msg != NULL && suffix != NULL &&
	    asprintf(&full, "%s: %s", msg, suffix) != -1) {
		free(msg);
		msg = full;
	}
	free(*errp);
	*errp = msg != NULL ? msg : strdup("out of memory");
	return -1;
}

int
err_set_(char **errp, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	err_vset(errp, NULL, fmt, ap);
	va_end(ap);
	return -1;
}

int
err_sys_(char **errp, const char *fmt, ...)
{
	va_list	 ap;
	int	 saved = errno;

	va_start(ap, fmt);
	err_vset(errp, strerror(saved), fmt, ap);
	va_end(ap);
	errno = saved;
	return -1;
}

int
err_wrap_(char **errp, const char *fmt, ...)
{
	va_list	 ap;
	char	*old;

	if (errp == NULL)
		return -1;
	old = *errp;
	*errp = NULL;
	va_start(ap, fmt);
	err_vset(errp, old != NULL ? old : "unknown error", fmt, ap);
	va_end(ap);
	free(old);
	return -1;
}

char *
str_fmt(const char *fmt, ...)
{
	va_list	 ap;
	char	*s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) == -1)
		s = NULL;
	va_end(ap);
	return s;
}
