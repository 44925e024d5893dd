/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dcos-artifactd serve: giving up root once the sockets are bound.
 *
 * A store server needs root for one thing, binding a port below 1024.
 * Once the sockets are bound (and the TLS key read), serve becomes --user
 * for good: supplementary groups, gid and uid (real, effective and saved),
 * an empty capability bounding set, no capabilities at all, and
 * PR_SET_NO_NEW_PRIVS so that no exec can bring any back.  Started without
 * root (systemd's DynamicUser= with CAP_NET_BIND_SERVICE as an ambient
 * capability) it drops the capabilities it was given the same way.
 *
 * This runs before libmicrohttpd starts its threads: capabilities, the
 * bounding set and no_new_privs belong to a thread, and the threads
 * created later inherit what this one has.
 */
#include <config.h>

#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/types.h>

#include <linux/capability.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomicio.h"
#include "error.h"
#include "serve.h"
#include "store.h"

/* Every capability set of this thread.  Returns 0, or -1 with errno. */
static int
caps_get(struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3])
{
	struct __user_cap_header_struct	 h;

	memset(&h, 0, sizeof(h));
	h.version = _LINUX_CAPABILITY_VERSION_3;
	return (int)syscall(SYS_capget, &h, d);
}

/*
 * Empties the effective, permitted and inheritable sets (the ambient set
 * follows the permitted one).  Returns 0, or -1 with *errp.
 */
static int
caps_clear(char **errp)
{
	struct __user_cap_header_struct	 h;
	struct __user_cap_data_struct	 d[_LINUX_CAPABILITY_U32S_3];
	size_t				 i;

	memset(&h, 0, sizeof(h));
	memset(d, 0, sizeof(d));
	h.version = _LINUX_CAPABILITY_VERSION_3;
	if (syscall(SYS_capset, &h, d) == -1)
		return err_sys(errp, "cannot drop capabilities (capset)");
	if (caps_get(d) == -1)
		return err_sys(errp, "cannot read capabilities (capget)");
	for (i = 0; i < _LINUX_CAPABILITY_U32S_3; i++)
		if (d[i].effective != 0 || d[i].permitted != 0 ||
		    d[i].inheritable != 0)
			return err_set(errp, "capabilities are left after "
			    "dropping them all; not serving");
	return 0;
}

/*
 * Empties the bounding set, which takes CAP_SETPCAP: call it while still
 * root.  Returns 0, or -1 with *errp.
 */
static int
bounding_clear(char **errp)
{
	int	 cap;

	/* PR_CAPBSET_READ fails (EINVAL) past the kernel's last one. */
	for (cap = 0; prctl(PR_CAPBSET_READ, cap, 0, 0, 0) >= 0; cap++)
		if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) == 1 &&
		    prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == -1)
			return err_sys(errp, "cannot drop capability %d from "
			    "the bounding set (does this container withhold "
			    "CAP_SETPCAP?)", cap);
	return 0;
}

/* Becomes pw for good.  Returns 0, or -1 with *errp. */
static int
become(const char *user, const struct passwd *pw, char **errp)
{
	uid_t	 r, e, s;
	gid_t	 rg, eg, sg;

	if (initgroups(pw->pw_name, pw->pw_gid) == -1)
		return err_sys(errp, "--user %s: initgroups", user);
	if (setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) == -1)
		return err_sys(errp, "--user %s: setresgid", user);
	/* No PR_SET_KEEPCAPS: the kernel clears every capability here. */
	if (setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) == -1)
		return err_sys(errp, "--user %s: setresuid", user);
	if (getresuid(&r, &e, &s) == -1 || getresgid(&rg, &eg, &sg) == -1 ||
	    r != pw->pw_uid || e != pw->pw_uid || s != pw->pw_uid ||
	    rg != pw->pw_gid || eg != pw->pw_gid || sg != pw->pw_gid)
		return err_set(errp, "--user %s: the ids did not change as "
		    "asked; not serving", user);
	if (setuid(0) != -1 || setgid(0) != -1)
		return err_set(errp, "--user %s: root could be regained after "
		    "dropping it; not serving", user);
	return 0;
}

int
privdrop(const char *user, char **errp)
{
	struct passwd	*pw;

	/* --allow-root (serve_parse_args refused root without it). */
	if (geteuid() == 0 && user == NULL)
		return 0;
	if (user != NULL) {
		errno = 0;
		if ((pw = getpwnam(user)) == NULL)
			return err_set(errp, "--user %s: no such user (create "
			    "one, e.g. 'useradd --system --no-create-home "
			    "dcos-artifactd', or name another)", user);
		if (pw->pw_uid == 0 || pw->pw_gid == 0)
			return err_set(errp, "--user %s: its %s is root's (0); "
			    "name an unprivileged user such as nobody", user,
			    pw->pw_uid == 0 ? "uid" : "group");
		if (geteuid() == 0) {
			if (bounding_clear(errp) == -1 ||
			    become(user, pw, errp) == -1)
				return -1;
		} else if (geteuid() != pw->pw_uid)
			return err_set(errp, "--user %s: only root can switch "
			    "users; start serve as root or leave --user out",
			    user);
	}
	if (caps_clear(errp) == -1)
		return -1;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		return err_sys(errp, "prctl(PR_SET_NO_NEW_PRIVS)");
	return 0;
}

int
privdrop_unreadable(const char *root, const char *rel, char **errp)
{
	struct passwd	*pw = getpwuid(geteuid());

	return err_set(errp, "%s%s%s: not readable by %s (uid %ld), the user "
	    "serve runs as: make the store readable by it, e.g. 'chmod -R "
	    "a+rX %s' (or, for a store with secrets bundles, which are 0640, "
	    "'chgrp -R GROUP %s' with the user in GROUP), with search (x) "
	    "rights on every directory above it", root, rel != NULL ? "/" : "",
	    rel != NULL ? rel : "", pw != NULL ? pw->pw_name : "this user",
	    (long)geteuid(), root, root);
}

int
privdrop_check_store(const char *root, char **errp)
{
	static const char	*const need[] = { NULL, STORE_INDEX,
	    STORE_BLOB_DIR };
	char			*p;
	size_t			 i;
	int			 ok;

	if (geteuid() == 0)
		return 0;
	for (i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
		p = need[i] == NULL ? strdup(root) : path_join(root, need[i]);
		if (p == NULL)
			return err_set(errp, "out of memory");
		/* Directories are listed and searched, files read. */
		ok = access(p, need[i] == NULL || i == 2 ? R_OK | X_OK :
		    R_OK) == 0 || errno != EACCES;
		free(p);
		if (!ok)
			return privdrop_unreadable(root, need[i], errp);
	}
	return 0;
}
