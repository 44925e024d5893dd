/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Subcommand tables: each program is a table of {name, function, usage}
 * dispatched by name, with the common options -h, -V, -v and -q handled
 * before the subcommand name.
 */
#ifndef DCOS_SUBCMD_H
#define DCOS_SUBCMD_H

#include <stdio.h>

struct subcmd {
	const char	*name;
	/* argv[0] is the subcommand name; returns the exit status. */
	int		(*fn)(int argc, char **argv);
	const char	*usage;		/* arguments, after the name */
	const char	*summary;	/* one line */
};

/*
 * What one option of a command does, for "COMMAND -h": cmd NULL is every
 * command of the program (a cmd entry wins over it); arg is the word after
 * the option ("DIR"), or NULL.  A table ends with a zeroed entry.
 */
struct subcmd_help {
	const char	*cmd;
	const char	*opt;		/* "--root", "-s" */
	const char	*arg;
	const char	*text;
};

/* Exit statuses shared by all programs. */
#define EXIT_OK		0
#define EXIT_FAIL	1	/* the check failed / bad input */
#define EXIT_USAGE	2	/* wrong command line */

/*
 * Runs the program: parses the common options, picks the subcommand named
 * by the first operand (or def when there is none; with def NULL the usage
 * is printed) and returns its exit status.
 */
int	 subcmd_main(const struct subcmd *table, const char *def,
	    const char *about, int argc, char **argv);
/*
 * The option texts of the program (kept, not copied), read by -h: each
 * option the usage of a command names gets a line.  Call before
 * subcmd_main.
 */
void	 subcmd_set_help(const struct subcmd_help *);
/* Prints "usage: PROG NAME USAGE" for one subcommand. */
void	 subcmd_usage(FILE *, const struct subcmd *);
#define SUBCMD_NOT_COMMON	(-1)	/* not one of -h -v -q */
#define SUBCMD_CONTINUE		(-2)	/* handled; keep parsing */
/*
 * For a subcommand's own getopt loop: handles -h (prints the usage, the
 * summary and each option's text to stdout and returns EXIT_OK: the
 * caller returns it), -v and -q
 * (SUBCMD_CONTINUE).  Returns SUBCMD_NOT_COMMON for any other option.
 */
int	 subcmd_common_opt(int opt, const struct subcmd *);
/*
 * The default: branch of a command's getopt loop: as subcmd_common_opt,
 * but any other option prints the usage to stderr and gives EXIT_USAGE.
 * Returns SUBCMD_CONTINUE to keep parsing, else the exit status.
 */
int	 subcmd_opt(int opt, const struct subcmd *);
/*
 * Prints the usage to stderr and returns EXIT_USAGE, in the header so a
 * static analyzer sees that the option loops it ends stop there (as
 * err_set in error.h).
 */
void	 subcmd_usage_error_(const struct subcmd *);
static inline int
subcmd_usage_error(const struct subcmd *c)
{
	subcmd_usage_error_(c);
	return EXIT_USAGE;
}
/* Looks a subcommand up by name; NULL when unknown. */
const struct subcmd *subcmd_find(const struct subcmd *table,
	    const char *name);
/* Prints "PROG (dcos-installer) VERSION". */
void	 subcmd_version(void);

#endif
