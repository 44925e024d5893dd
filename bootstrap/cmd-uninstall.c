/* SPDX-License-Identifier: Apache-2.0 */
/*
 * uninstall: removes what install created (recorded in state.json) and
 * nothing else: accounts and directories that existed before stay.
 */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomicio.h"
#include "bootstrap.h"
#include "error.h"
#include "jsonio.h"
#include "log.h"
#include "subcmd.h"

static int
unlink_rel(const struct host *h, const char *rel, char **errp)
{
	char	*p;
	int	 rc = 0;

	if ((p = host_path(h, rel)) == NULL)
		return err_set(errp, "out of memory");
	if (unlink(p) == -1 && errno != ENOENT)
		rc = err_sys(errp, "%s", p);
	free(p);
	return rc;
}

/*
 * Stops the services (stopping dcos.target does not stop what it
 * wants) before their files go; a failure is a warning: the files go
 * either way.
 */
static void
stop_services(const struct host *h, const struct state *state)
{
	const char	*sc = svc_manager(h);
	char		*err = NULL;

	if (sc != NULL && svc_call(sc, "stop", state->units, "dcos.target",
	    &err) == -1) {
		log_warn("%s", err);
		free(err);
	}
}

/* Removes the unit files, role markers and links the install wrote. */
static int
remove_host_files(const struct host *h, struct state *state,
    char **errp)
{
	static const char *files[] = { "etc/mesosphere/roles/master",
	    "etc/mesosphere/roles/slave", "etc/mesosphere/roles/slave_public",
	    "etc/sysctl.d/90-dcos.conf", "etc/profile.d/dcos.sh", NULL };
	const json_t	*created = created_units(state);
	char		 rel[4096];
	json_t		*v;
	size_t		 i;

	/*
	 * Only the unit files we created (dcos.target among them, and then
	 * its enable link too); state_load checked the names.
	 */
	if (jsonio_in_array(created, "dcos.target") && unlink_rel(h,
	    "etc/systemd/system/multi-user.target.wants/dcos.target",
	    errp) == -1)
		return -1;
	json_array_foreach(created, i, v) {
		snprintf(rel, sizeof(rel), "etc/systemd/system/%s",
		    json_string_value(v));
		if (unlink_rel(h, rel, errp) == -1)
			return -1;
	}
	json_array_foreach(state->units, i, v) {
		snprintf(rel, sizeof(rel),
		    "etc/systemd/system/dcos.target.wants/%s",
		    json_string_value(v));
		if (unlink_rel(h, rel, errp) == -1)
			return -1;
	}
	for (i = 0; files[i] != NULL; i++)
		if (unlink_rel(h, files[i], errp) == -1)
			return -1;
	return 0;
}

/* Removes the state directories the install made for services. */
static int
remove_state_dirs(const struct host *h, const struct state *state,
    char **errp)
{
	char		*p;
	json_t		*v;
	size_t		 i;
	int		 rc;

	json_array_foreach(state->created_state_dirs, i, v) {
		if ((p = path_join(h->statedirs, json_string_value(v))) ==
		    NULL)
			return err_set(errp, "out of memory");
		rc = rm_tree(p, errp);
		free(p);
		if (rc == -1)
			return -1;
	}
	return 0;
}

/* Removes the bootstrap state, then the parents the install made. */
static int
remove_state(struct host *h, const struct state *state, char **errp)
{
	json_t	*created;
	int	 rc;

	if ((created = json_incref(state->created_dirs)) == NULL)
		created = json_array();
	rc = host_remove_state(h, created, 1, errp);
	json_decref(created);
	return rc;
}

int
cmd_uninstall(int argc, char **argv)
{
	const struct subcmd	*cmd = subcmd_find(bootstrap_commands,
				    "uninstall");
	struct host		 h;
	const char		*root = NULL;
	char			*err = NULL;
	struct state		*state = NULL;
	long			 cur = 0;
	int			 rc;

	memset(&h, 0, sizeof(h));
	h.lockfd = -1;
	if ((rc = cmd_root_args(cmd, argc, argv, &root)) != SUBCMD_CONTINUE)
		return rc;
	rc = EXIT_FAIL;
	if (host_init(&h, root, &err) == -1)
		goto out;
	if (access(h.state, F_OK) == -1 && access(h.opt, F_OK) == -1) {
		h.exit_status = EXIT_NOT_INSTALLED;
		err_set(&err, "nothing is installed on this host");
		goto out;
	}
	if (host_lock(&h, &err) == -1 || state_load(&h, &state, &err) == -1)
		goto out;
	(void)gen_current(&h, &cur, NULL);
	stop_services(&h, state);
	if (remove_host_files(&h, state, &err) == -1 ||
	    users_remove(&h, state->created_users, state->created_groups,
	    &err) == -1 ||
	    remove_state_dirs(&h, state, &err) == -1 ||
	    rm_tree(h.opt, &err) == -1 || remove_state(&h, state, &err) == -1)
		goto out;
	if (cur > 0)
		printf("uninstalled: generation %ld and everything the "
		    "install created are gone\n", cur);
	else
		printf("uninstalled (no generation was active)\n");
	rc = EXIT_OK;
out:
	rc = host_exit(&h, rc);
	if (rc != EXIT_OK)
		log_error("%s", err != NULL ? err : "out of memory");
	free(err);
	state_free(state);
	host_free(&h);
	return rc;
}
