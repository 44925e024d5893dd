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
int	 err_set(char **errp, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/* Like err_set() with ": strerror(errno)" appended. */
int	 err_sys(char **errp, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/*
 * Prefixes *errp with the formatted text and ": " (adds context while an
 * error travels up).  Returns -1.
 */
int	 err_wrap(char **errp, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

#endif
