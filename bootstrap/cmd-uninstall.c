/*
 * uninstall: removes what install created (recorded in state.json) and
 * nothing else: accounts and directories that existed before stay.
 */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "atomicio.h"
#include "bootstrap.h"
#include "error.h"
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

static void
stop_systemd(void)
{
	pid_t	 pid;
	int	 st;

	if (access("/run/systemd/system", F_OK) == -1)
		return;
	if ((pid = fork()) == 0) {
		execl(access("/bin/systemctl", X_OK) == 0 ? "/bin/systemctl" :
		    "/usr/bin/systemctl", "systemctl", "stop", "dcos.target",
		    (char *)NULL);
		_exit(127);
	}
	if (pid > 0)
		while (waitpid(pid, &st, 0) == -1 && errno == EINTR)
			;
}

int
cmd_uninstall(int argc, char **argv)
{
	static const char *roles[] = { "etc/mesosphere/roles/master",
	    "etc/mesosphere/roles/slave", "etc/mesosphere/roles/slave_public",
	    "etc/sysctl.d/90-dcos.conf",
	    "etc/systemd/system/dcos.target",
	    "etc/systemd/system/multi-user.target.wants/dcos.target", NULL };
	const struct subcmd	*cmd = subcmd_find(bootstrap_commands,
				    "uninstall");
	const char *const	*own = install_own_dirs();
	struct host		 h;
	const char		*root = NULL, *u;
	char			*err = NULL, *p = NULL, rel[4096];
	json_t			*state = NULL, *v, *created;
	size_t			 i, n;
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
		err_set(&err, "nothing is installed on this host");
		goto out;
	}
	if (host_lock(&h, &err) == -1 || (state = state_load(&h, &err)) ==
	    NULL)
		goto out;
	(void)gen_current(&h, &cur, NULL);
	if (!h.rooted)
		stop_systemd();
	json_array_foreach(json_object_get(state, "units"), i, v) {
		u = json_string_value(v);
		if (u == NULL || strchr(u, '/') != NULL || u[0] == '.')
			continue;
		snprintf(rel, sizeof(rel), "etc/systemd/system/%s", u);
		if (unlink_rel(&h, rel, &err) == -1)
			goto out;
		snprintf(rel, sizeof(rel),
		    "etc/systemd/system/dcos.target.wants/%s", u);
		if (unlink_rel(&h, rel, &err) == -1)
			goto out;
	}
	for (i = 0; roles[i] != NULL; i++)
		if (unlink_rel(&h, roles[i], &err) == -1)
			goto out;
	if (users_remove(&h, json_object_get(state, "created_users"),
	    json_object_get(state, "created_groups"), &err) == -1)
		goto out;
	json_array_foreach(json_object_get(state, "created_state_dirs"), i,
	    v) {
		u = json_string_value(v);
		if (u == NULL || strchr(u, '/') != NULL || u[0] == '.')
			continue;
		free(p);
		if ((p = path_join(h.statedirs, u)) == NULL ||
		    rm_tree(p, &err) == -1)
			goto out;
	}
	if (rm_tree(h.opt, &err) == -1)
		goto out;
	if ((created = json_incref(json_object_get(state,
	    "created_dirs"))) == NULL)
		created = json_array();
	host_unlock(&h);
	if (rm_tree(h.state, &err) == -1) {
		json_decref(created);
		goto out;
	}
	/* Parents we made, deepest first; only when empty. */
	for (n = 0; own[n] != NULL; n++)
		;
	while (n-- > 0) {
		int mine = 0;
		json_array_foreach(created, i, v)
			if (json_is_string(v) && strcmp(json_string_value(v),
			    own[n]) == 0)
				mine = 1;
		if (!mine)
			continue;
		free(p);
		if ((p = host_path(&h, own[n])) == NULL)
			break;
		(void)rmdir(p);
	}
	json_decref(created);
	if (cur > 0)
		printf("uninstalled: generation %ld and everything the "
		    "install created are gone\n", cur);
	else
		printf("uninstalled (no generation was active)\n");
	rc = EXIT_OK;
out:
	if (rc != EXIT_OK)
		log_error("%s", err != NULL ? err : "out of memory");
	free(err);
	free(p);
	json_decref(state);
	host_free(&h);
	return rc;
}
