/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Error messages below main(): a function that fails returns -1 (or NULL)
 * and, when errp is not NULL, stores a malloc'd message in *errp that the
 * caller owns.  Only main() prints.
 */
#ifndef DCOS_ERROR_H
#define DCOS_ERROR_H

/*
 * Replaces *errp (freeing any previous message) with the formatted message.
 * Always returns -1 so callers can write "return err_set(errp, ...);".
 */
int	 err_set_(char **errp, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/* Like err_set() with ": strerror(errno)" appended; errno is kept. */
int	 err_sys_(char **errp, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/*
 * Prefixes *errp with the formatted text and ": " (adds context while an
 * error travels up).  Returns -1.
 */
int	 err_wrap_(char **errp, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/*
 * The formatted text (vasprintf's), malloc'd: the caller's, or NULL when
 * out of memory.
 */
char	*str_fmt(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));

/*
 * The -1 in the header, where a static analyzer sees it: it does not look
 * into another file's function, nor inline a variadic one, so without
 * this it takes "return err_set(...)" for any value, and then reports
 * out-parameters as read uninitialised after a caller's "== -1" check.
 */
static inline int
err_fail_(int rc)
{
	(void)rc;
	return -1;
}

#define err_set(...)	err_fail_(err_set_(__VA_ARGS__))
#define err_sys(...)	err_fail_(err_sys_(__VA_ARGS__))
#define err_wrap(...)	err_fail_(err_wrap_(__VA_ARGS__))

#endif
