#include <config.h>

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "subcmd.h"

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
