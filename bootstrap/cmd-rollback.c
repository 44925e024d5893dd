/* SPDX-License-Identifier: Apache-2.0 */
/* rollback: switch back to an earlier complete generation. */
#include <config.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bootstrap.h"
#include "error.h"
#include "log.h"
#include "subcmd.h"

/* 1 when state.json says generation n was fully active once. */
static int
was_active(const struct state *state, long n)
{
	const json_t	*a = state->activated;
	json_t		*v;
	size_t		 i;

	/* A state from before the record: every generation counts. */
	if (a == NULL)
		return 1;
	json_array_foreach(a, i, v)
		if (json_integer_value(v) == n)
			return 1;
	return 0;
}

/*
 * The generation to roll back to: to, or when 0 the newest one older
 * than cur that was fully active (never one whose activation was
 * refused, rolled back or never finished).  0, or -1 with *errp.
 */
static int
rollback_target(const struct state *state, const long *ns, size_t n, long cur,
    long *top, char **errp)
{
	size_t	 i;

	if (*top == 0) {
		for (i = n; i-- > 0;)
			if (ns[i] < cur && was_active(state, ns[i])) {
				*top = ns[i];
				break;
			}
		if (*top == 0)
			return err_set(errp, "no generation older than %ld was "
			    "ever fully active: there is nothing to roll back "
			    "to (rollback --to N picks one)", cur);
	}
	if (*top == cur)
		return err_set(errp, "generation %ld is already active", cur);
	return 0;
}

int
cmd_rollback(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "to", required_argument, NULL, 't' },
		{ "root", required_argument, NULL, 'R' },
		{ "no-start", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const struct subcmd	*cmd = subcmd_find(bootstrap_commands,
				    "rollback");
	struct activation	 act = { "rollback", NULL, 1, 0, 0 };
	struct host		 h;
	const char		*root = NULL;
	char			*err = NULL, *end, *what = NULL;
	long			*ns = NULL, to = 0, cur = 0;
	size_t			 n = 0;
	json_t			*g = NULL;
	struct state		*state = NULL;
	int			 opt, rc;

	memset(&h, 0, sizeof(h));
	h.lockfd = -1;
	while ((opt = getopt_long(argc, argv, "hqv", longopts, NULL)) != -1) {
		switch (opt) {
		case 't':
			to = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || to <= 0) {
				log_error("--to needs a generation number, "
				    "not \"%s\"", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'R': root = optarg; break;
		case 'n': act.start = 0; break;
		default:
			if ((rc = subcmd_opt(opt, cmd)) != SUBCMD_CONTINUE)
				return rc;
			break;
		}
	}
	if (optind != argc)
		return subcmd_usage_error(cmd);
	rc = EXIT_FAIL;
	if (host_open_installed(&h, root, 1, &cur, &ns, &n, &err) == -1)
		goto out;
	if (state_load(&h, &state, &err) == -1 ||
	    rollback_target(state, ns, n, cur, &to, &err) == -1)
		goto out;
	if ((g = gen_load(&h, to, &err)) == NULL) {
		err_wrap(&err, "cannot roll back to generation %ld (see "
		    "dcos-bootstrap status for the ones left)", to);
		goto out;
	}
	if (asprintf(&what, "rolled back from generation %ld to %ld", cur,
	    to) == -1) {
		what = NULL;
		err_set(&err, "out of memory");
		goto out;
	}
	act.what = what;
	if (activate_generation(&h, to, &act, &err) == -1) {
		if (act.result == ACT_PARTIAL)
			rc = EXIT_PARTIAL;
		goto out;
	}
	printf("rolled back: generation %ld active (was %ld)\n", to, cur);
	rc = EXIT_OK;
out:
	rc = host_exit(&h, rc);
	if (rc != EXIT_OK) {
		log_error("%s", err != NULL ? err : "out of memory");
		if (h.root != NULL && cur > 0 && !act.journaled)
			(void)journal_append(&h, "refuse", NULL, "rollback "
			    "refused: %s", err != NULL ? err : "?");
	}
	free(err);
	free(what);
	free(ns);
	json_decref(g);
	state_free(state);
	host_free(&h);
	return rc;
}
