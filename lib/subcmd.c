/* SPDX-License-Identifier: Apache-2.0 */
#include <config.h>

#include <ctype.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "subcmd.h"

/* Options -h remembers to list once; a longer usage may repeat some. */
#define HELP_SEEN_MAX	64
/* Where the texts of -h start, and the line width they wrap at. */
#define HELP_COL	24
#define HELP_WIDTH	79

static const struct subcmd_help	*help_table;

void
subcmd_set_help(const struct subcmd_help *t)
{
	help_table = t;
}

/* The text of option opt (len bytes) of command cmd, or NULL. */
static const struct subcmd_help *
help_find(const char *cmd, const char *opt, size_t len)
{
	const struct subcmd_help	*h, *any = NULL;

	for (h = help_table; h != NULL && h->opt != NULL; h++) {
		if (strlen(h->opt) != len || strncmp(h->opt, opt, len) != 0)
			continue;
		if (h->cmd != NULL && strcmp(h->cmd, cmd) == 0)
			return h;
		if (h->cmd == NULL && any == NULL)
			any = h;
	}
	return any;
}

/* text's words from column col, wrapped at HELP_WIDTH to HELP_COL. */
static void
help_wrap(FILE *fp, int col, const char *text)
{
	const char	*p = text;
	int		 n;

	while (*p != '\0') {
		n = (int)strcspn(p, " ");
		if (col > HELP_COL && col + 1 + n > HELP_WIDTH) {
			fprintf(fp, "\n%*s", HELP_COL, "");
			col = HELP_COL;
		} else if (col > HELP_COL) {
			fputc(' ', fp);
			col++;
		}
		fprintf(fp, "%.*s", n, p);
		col += n;
		p += n;
		while (*p == ' ')
			p++;
	}
	fputc('\n', fp);
}

/* One option's line: the option, its argument, what it does. */
static void
help_option(FILE *fp, const struct subcmd *c, const char *opt, size_t len,
    const struct subcmd_help **seen, size_t *nseen)
{
	const struct subcmd_help	*h = help_find(c->name, opt, len);
	size_t				 i;
	int				 col;

	for (i = 0; h != NULL && i < *nseen; i++)
		if (seen[i] == h)
			return;
	if (h != NULL && *nseen < HELP_SEEN_MAX)
		seen[(*nseen)++] = h;
	col = fprintf(fp, "  %.*s%s%s", (int)len, opt, h != NULL &&
	    h->arg != NULL ? " " : "", h != NULL && h->arg != NULL ? h->arg :
	    "");
	if (col < HELP_COL - 1)
		col += fprintf(fp, "%*s", HELP_COL - col, "");
	else {
		fprintf(fp, "\n%*s", HELP_COL, "");
		col = HELP_COL;
	}
	help_wrap(fp, col, h != NULL ? h->text : "(see the manual page)");
}

/*
 * Each option the usage names, in its order and once ("-qv" is -q and
 * -v; -h, -q and -v, common to every command, come last).
 */
static void
help_options(FILE *fp, const struct subcmd *c)
{
	const struct subcmd_help	*seen[HELP_SEEN_MAX];
	const char			*p = c->usage, *o, *l;
	size_t				 nseen = 0, len;
	char				 one[3] = "-?";

	fprintf(fp, "\noptions:\n");
	for (; (p = strchr(p, '-')) != NULL; p += len) {
		len = 1;
		/* Only a word's start: "[-x", " --y", "|-z"; not "a-b". */
		if (p != c->usage && strchr(" [|", p[-1]) == NULL)
			continue;
		o = p;
		len = 1 + strspn(p + 1, "-abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789");
		if (o[1] == '-') {
			help_option(fp, c, o, len, seen, &nseen);
			continue;
		}
		/* Short options: each letter of "-qv" on its own. */
		for (l = o + 1; l < o + len; l++) {
			if (strchr("hqv", *l) != NULL ||
			    !isalnum((unsigned char)*l))
				continue;
			one[1] = *l;
			help_option(fp, c, one, 2, seen, &nseen);
		}
	}
	fprintf(fp, "  %-*s", HELP_COL - 2, "-q, -v, -h");
	help_wrap(fp, HELP_COL, "print errors only; more detail; this help");
	fprintf(fp, "See %s(%s).\n", log_progname(),
	    strcmp(log_progname(), "dcos-genconf") == 0 ? "1" : "8");
}

const struct subcmd *
subcmd_find(const struct subcmd *t, const char *name)
{
	for (; t->name != NULL; t++)
		if (strcmp(t->name, name) == 0)
			return t;
	return NULL;
}

void
subcmd_usage(FILE *fp, const struct subcmd *c)
{
	fprintf(fp, "usage: %s %s %s\n", log_progname(), c->name, c->usage);
}

void
subcmd_version(void)
{
	printf("%s (%s) %s\n", log_progname(), PACKAGE_NAME, PACKAGE_VERSION);
}

static void
main_usage(FILE *fp, const struct subcmd *t, const char *about)
{
	fprintf(fp, "usage: %s [-hqvV] [command] [options]\n%s\n\n"
	    "commands:\n", log_progname(), about);
	for (; t->name != NULL; t++)
		fprintf(fp, "  %-12s %s\n", t->name, t->summary);
	fprintf(fp, "\n'%s COMMAND -h' shows the options of a command; "
	    "'man %s' tells more.\n", log_progname(), log_progname());
}

int
subcmd_common_opt(int opt, const struct subcmd *c)
{
	switch (opt) {
	case 'h':
		subcmd_usage(stdout, c);
		printf("%s\n", c->summary);
		help_options(stdout, c);
		return EXIT_OK;
	case 'v':
		log_set_level(log_get_level() + 1);
		return SUBCMD_CONTINUE;
	case 'q':
		log_set_level(LOG_QUIET);
		return SUBCMD_CONTINUE;
	}
	return SUBCMD_NOT_COMMON;
}

void
subcmd_usage_error_(const struct subcmd *c)
{
	subcmd_usage(stderr, c);
}

int
subcmd_opt(int opt, const struct subcmd *c)
{
	int	 rc = subcmd_common_opt(opt, c);

	return rc == SUBCMD_NOT_COMMON ? subcmd_usage_error(c) : rc;
}

int
subcmd_main(const struct subcmd *table, const char *def, const char *about,
    int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 }
	};
	const struct subcmd	*c;
	const char		*name;
	int			 opt;

	log_init(argv[0]);
	/* '+' stops at the first operand: the rest belongs to the command. */
	while ((opt = getopt_long(argc, argv, "+hqvV", longopts, NULL)) != -1) {
		switch (opt) {
		case 'h':
			main_usage(stdout, table, about);
			return EXIT_OK;
		case 'V':
			subcmd_version();
			return EXIT_OK;
		case 'v':
			log_set_level(log_get_level() + 1);
			break;
		case 'q':
			log_set_level(LOG_QUIET);
			break;
		default:
			main_usage(stderr, table, about);
			return EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0 && def == NULL) {
		main_usage(stderr, table, about);
		return EXIT_USAGE;
	}
	name = argc > 0 ? argv[0] : def;
	if ((c = subcmd_find(table, name)) == NULL) {
		log_error("unknown command '%s' (see '%s --help')", name,
		    log_progname());
		return EXIT_USAGE;
	}
	if (argc == 0) {
		static char *defargv[2];
		defargv[0] = (char *)def;
		argv = defargv;
		argc = 1;
	}
	optind = 0;	/* reset getopt for the command's own parsing */
	return c->fn(argc, argv);
}
