/* SPDX-License-Identifier: Apache-2.0 */
/*
 * activate: finishes an interrupted switch, or brings the host in line
 * with the active generation again (and starts its services).
 */
#include <config.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bootstrap.h"
#include "error.h"
#include "log.h"
#include "subcmd.h"

int
cmd_activate(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "root", required_argument, NULL, 'R' },
		{ "no-start", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const struct subcmd	*cmd = subcmd_find(bootstrap_commands,
				    "activate");
	struct host		 h;
	struct state		*state = NULL;
	struct activation	 act = { "activate", NULL, 1, 0, 0 };
	const char		*root = NULL;
	char			*err = NULL;
	json_t			*created = NULL;
	long			 n = 0, cur;
	int			 opt, rc;

	memset(&h, 0, sizeof(h));
	h.lockfd = -1;
	while ((opt = getopt_long(argc, argv, "hqv", longopts, NULL)) != -1) {
		switch (opt) {
		case 'R': root = optarg; break;
		case 'n': act.start = 0; break;
		default:
			if ((rc = subcmd_opt(opt, cmd)) == SUBCMD_CONTINUE)
				break;
			return rc;
		}
	}
	if (optind != argc)
		return subcmd_usage_error(cmd);
	rc = EXIT_FAIL;
	if (host_init(&h, root, &err) == -1 ||
	    host_lock_created(&h, &created, &err) == -1 ||
	    state_load(&h, &state, &err) == -1 ||
	    clean_partial(&h, &err) == -1)
		goto out;
	n = state->target;
	if (n <= 0 && gen_current(&h, &cur, &err) == 0)
		n = cur;
	if (n <= 0) {
		/*
		 * An empty host stays empty: what taking the lock made goes,
		 * so uninstall and status still find nothing installed.
		 */
		(void)host_remove_state(&h, created, 0, NULL);
		h.exit_status = EXIT_NOT_INSTALLED;
		err_set(&err, "nothing to activate: no generation is "
		    "installed (run dcos-bootstrap install)");
		goto out;
	}
	if (activate_generation(&h, n, &act, &err) == -1) {
		if (act.result == ACT_PARTIAL)
			rc = EXIT_PARTIAL;
		goto out;
	}
	printf("generation %ld active\n", n);
	rc = EXIT_OK;
out:
	rc = host_exit(&h, rc);
	if (rc != EXIT_OK)
		log_error("%s", err != NULL ? err : "out of memory");
	free(err);
	json_decref(created);
	state_free(state);
	host_free(&h);
	return rc;
}
