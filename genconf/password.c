/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What hash-password and set-superuser-password share, as DC/OS's
 * installer had them: a SHA-512 crypt(3) hash ("$6$...") made with
 * libxcrypt of a password read without echo from a terminal, from stdin
 * when that is not one, and from the command line only when given there.
 */
#include <config.h>

#include <sys/stat.h>

#include <crypt.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "atomicio.h"
#include "error.h"
#include "genconf.h"
#include "log.h"
#include "password.h"
#include "subcmd.h"


/* One line of fd 0 into buf (without its newline): 0, or -1 with *errp. */
static int
read_line(char *buf, size_t size, char **errp)
{
	size_t	 len;

	if (fgets(buf, (int)size, stdin) == NULL)
		return err_set(errp, "no password on stdin");
	len = strcspn(buf, "\n");
	if (buf[len] != '\n' && !feof(stdin))
		return err_set(errp, "password longer than %d bytes",
		    PASSWORD_MAX - 2);
	buf[len] = '\0';
	return 0;
}

/* From the terminal on fd 0, echo off while typing. */
static int
read_tty(char *buf, size_t size, char **errp)
{
	struct termios	 old, quiet;
	int		 rc;

	if (tcgetattr(STDIN_FILENO, &old) == -1)
		return err_sys(errp, "terminal");
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
	quiet.c_lflag |= ICANON;
	/* Echo off before the prompt: TCSAFLUSH drops what was typed. */
	if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == -1)
		return err_sys(errp, "terminal");
	fputs("Password: ", stderr);
	fflush(stderr);
	rc = read_line(buf, size, errp);
	(void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
	fputc('\n', stderr);
	return rc;
}

/* Never empty. */
int
get_password(const char *arg, char *buf, size_t size, char **errp)
{
	if (arg != NULL) {
		if (strlen(arg) >= size)
			return err_set(errp, "password longer than %zu bytes",
			    size - 1);
		memcpy(buf, arg, strlen(arg) + 1);
	} else if (isatty(STDIN_FILENO)) {
		if (read_tty(buf, size, errp) == -1)
			return -1;
	} else if (read_line(buf, size, errp) == -1)
		return -1;
	if (*buf == '\0')
		return err_set(errp, "empty password: give one");
	return 0;
}

/* "$6$" + a random salt. */
int
hash_password(const char *pw, char **hashp, char **errp)
{
	struct crypt_data	*cd;
	const char		*salt, *h;
	int			 rc = -1;

	if ((cd = calloc(1, sizeof(*cd))) == NULL)
		return err_set(errp, "out of memory");
	errno = 0;
	if ((salt = crypt_gensalt_rn("$6$", 0, NULL, 0, cd->setting,
	    sizeof(cd->setting))) == NULL) {
		err_sys(errp, "crypt_gensalt");
		goto out;
	}
	if ((h = crypt_r(pw, salt, cd)) == NULL || h[0] != '$') {
		err_sys(errp, "crypt");
		goto out;
	}
	if ((*hashp = strdup(h)) == NULL) {
		err_set(errp, "out of memory");
		goto out;
	}
	rc = 0;
out:
	explicit_bzero(cd, sizeof(*cd));
	free(cd);
	return rc;
}

int
password_opts_parse(const struct subcmd *c, int argc, char **argv,
    const char **genconfp, const char **pwp)
{
	static const struct option longopts[] = {
		{ "genconf", required_argument, NULL, 'g' },
		{ "help", no_argument, NULL, 'h' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 }
	};
	int	 opt, rc;

	while ((opt = getopt_long(argc, argv, genconfp != NULL ? "g:hqv" :
	    "hqv", longopts, NULL)) != -1) {
		if (opt == 'g' && genconfp != NULL)
			*genconfp = optarg;
		else if ((rc = subcmd_opt(opt == 'g' ? '?' : opt, c)) !=
		    SUBCMD_CONTINUE)
			return rc;
	}
	if (argc - optind > 1)
		return subcmd_usage_error(c);
	*pwp = optind < argc ? argv[optind] : NULL;
	return SUBCMD_CONTINUE;
}
