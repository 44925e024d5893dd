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

#endif
