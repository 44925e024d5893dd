/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Logging for the command-line programs.  Messages go to stderr prefixed
 * with the program name.  Verbosity follows the -q/-v convention:
 * LOG_QUIET prints errors only, LOG_NORMAL adds warnings and progress,
 * LOG_VERBOSE adds details, LOG_DEBUG everything.
 */
#ifndef DCOS_LOG_H
#define DCOS_LOG_H

enum log_level {
	LOG_QUIET = -1,
	LOG_NORMAL = 0,
	LOG_VERBOSE = 1,
	LOG_DEBUG = 2
};

void	 log_init(const char *progname);
void	 log_set_level(int level);
int	 log_get_level(void);
const char *log_progname(void);

void	 log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	 log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	 log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	 log_verbose(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	 log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * s as one token that cannot forge a line or a field of the output: s
 * itself when it has no control character, space, '"' or '\\', else s in
 * double quotes with C escapes (\n, \t, \r, \\, \", other controls as
 * \ooo).  Bytes from 0x80 up are kept (UTF-8 names).  Returns a malloc'd
 * string, or NULL when out of memory.
 */
char	*log_quote(const char *s);

/*
 * A byte count as people read it, in IEC units with one decimal above
 * 1 KiB: "512 B", "1.0 KiB", "4.2 MiB", "1.5 GiB" (up to EiB).  Every
 * size printed for people goes through it.  Writes buf (at least
 * HUMAN_SIZE_LEN bytes) and returns it.
 */
#define HUMAN_SIZE_LEN	16
char	*human_size(unsigned long long n, char *buf);

#endif
