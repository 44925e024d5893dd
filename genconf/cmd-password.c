/*
 * hash-password and set-superuser-password, as DC/OS's installer had them:
 * a SHA-512 crypt(3) hash ("$6$...") made with libxcrypt, printed or
 * written into config.yaml as superuser_password_hash.  The password is
 * read without echo from a terminal, from stdin when that is not one, and
 * from the command line only when given there.
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
#include "subcmd.h"

#define PASSWORD_MAX	1024
#define CONFIG_MAX	(16 * 1024 * 1024)
#define HASH_KEY	"superuser_password_hash"

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

/* The password: arg, else the terminal, else stdin.  Never empty. */
static int
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

/* "$6$" + a random salt; the hash in *hashp (malloc'd). */
static int
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

/* The command's options: -g DIR (set-superuser-password only), [PASSWORD]. */
static int
parse(const struct subcmd *c, int argc, char **argv, const char **genconfp,
    const char **pwp)
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

int
cmd_hash_password(int argc, char **argv)
{
	const struct subcmd	*c = subcmd_find(genconf_commands,
				    "hash-password");
	const char		*arg;
	char			 pw[PASSWORD_MAX], *hash = NULL, *err = NULL;
	int			 rc;

	if ((rc = parse(c, argc, argv, NULL, &arg)) != SUBCMD_CONTINUE)
		return rc;
	rc = EXIT_FAIL;
	if (get_password(arg, pw, sizeof(pw), &err) == -1 ||
	    hash_password(pw, &hash, &err) == -1) {
		log_error("%s", err);
		goto out;
	}
	printf("%s\n", hash);
	rc = fflush(stdout) == 0 ? 0 : EXIT_FAIL;
out:
	explicit_bzero(pw, sizeof(pw));
	free(hash);
	free(err);
	return rc;
}

/*
 * text with its top-level "superuser_password_hash:" line replaced by
 * line (or line appended): malloc'd, or NULL with *errp.  A value that
 * goes on over more lines is not ours to rewrite.
 */
static char *
replace_key(const char *text, size_t len, const char *line, char **errp)
{
	const char	*p, *end = text + len, *next, *at = NULL;
	char		*out = NULL;
	size_t		 klen = strlen(HASH_KEY);

	for (p = text; p < end; p = next) {
		next = memchr(p, '\n', (size_t)(end - p));
		next = next != NULL ? next + 1 : end;
		if (at == NULL && (size_t)(end - p) > klen &&
		    strncmp(p, HASH_KEY, klen) == 0 && p[klen] == ':') {
			at = p;
			if (next < end && (*next == ' ' || *next == '\t')) {
				err_set(errp, "%s spans more than one line in "
				    "config.yaml: put it on one line or remove "
				    "it, then run again", HASH_KEY);
				return NULL;
			}
			p = next;
			break;
		}
	}
	if (at == NULL) {
		if (asprintf(&out, "%.*s%s%s\n", (int)len, text, len > 0 &&
		    text[len - 1] != '\n' ? "\n" : "", line) == -1)
			out = NULL;
	} else if (asprintf(&out, "%.*s%s\n%.*s", (int)(at - text), text,
	    line, (int)(end - p), p) == -1)
		out = NULL;
	if (out == NULL)
		err_set(errp, "out of memory");
	return out;
}

int
cmd_set_superuser_password(int argc, char **argv)
{
	const struct subcmd	*c = subcmd_find(genconf_commands,
				    "set-superuser-password");
	const char		*arg, *dir = "genconf";
	struct stat		 st;
	char			 pw[PASSWORD_MAX];
	char			*hash = NULL, *err = NULL, *path = NULL;
	char			*text = NULL, *line = NULL, *out = NULL;
	size_t			 len;
	int			 rc;

	if ((rc = parse(c, argc, argv, &dir, &arg)) != SUBCMD_CONTINUE)
		return rc;
	rc = EXIT_FAIL;
	if ((path = path_join(dir, "config.yaml")) == NULL) {
		log_error("out of memory");
		goto out;
	}
	/* The file first: a typo in the path should not cost a password. */
	if (read_file(path, CONFIG_MAX, &text, &len, &err) == -1 ||
	    stat(path, &st) == -1) {
		log_error("%s", err != NULL ? err : strerror(errno));
		goto out;
	}
	if (get_password(arg, pw, sizeof(pw), &err) == -1 ||
	    hash_password(pw, &hash, &err) == -1) {
		log_error("%s", err);
		goto out;
	}
	if (asprintf(&line, "%s: '%s'", HASH_KEY, hash) == -1) {
		line = NULL;
		log_error("out of memory");
		goto out;
	}
	if ((out = replace_key(text, len, line, &err)) == NULL ||
	    atomic_write_file(path, out, strlen(out), st.st_mode & 07777,
	    &err) == -1) {
		log_error("%s", err);
		goto out;
	}
	log_info("%s: %s set", path, HASH_KEY);
	rc = 0;
out:
	explicit_bzero(pw, sizeof(pw));
	free(hash);
	free(err);
	free(path);
	free(text);
	free(line);
	free(out);
	return rc;
}
