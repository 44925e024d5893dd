/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sysctl SERVICE: applies the sysctl settings the packages give SERVICE,
 * from the active generation's /opt/mesosphere/etc/dcos-service-
 * configuration.json, as DC/OS's bootstrap does before a service starts
 * (a unit's ExecStartPre).  Settings are per service, not host-wide:
 * a host without that service never gets them.  A setting the kernel
 * refuses is a warning, as in pkgpanda; a file that breaks the rules is
 * an error.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
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

/*
 * The /proc/sys path of key (sysctl.d(5)): the first separator decides;
 * with '.' first, '.' and '/' swap, so "net.ipv4.conf.eth0/100.rp_filter"
 * is net/ipv4/conf/eth0.100/rp_filter.
 */
static char *
proc_path(const struct host *h, const char *key)
{
	char	*rel, *p;
	int	 swap = key[strcspn(key, "./")] == '.';

	if (asprintf(&rel, "proc/sys/%s", key) == -1)
		return NULL;
	for (p = rel + 9; swap && *p != '\0'; p++)
		if (*p == '.')
			*p = '/';
		else if (*p == '/')
			*p = '.';
	p = host_path(h, rel);
	free(rel);
	return p;
}

/* Writes one setting; a refusal is a warning.  -1 out of memory. */
static int
apply(const struct host *h, const char *svc, const char *key,
    const char *value)
{
	char	*path;
	int	 fd;

	if ((path = proc_path(h, key)) == NULL)
		return -1;
	fd = open(path, O_WRONLY | O_TRUNC | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1 || write_all(fd, value, strlen(value)) == -1 ||
	    close(fd) == -1)
		log_warn("sysctl %s=%s not set for %s: %s", key, value, svc,
		    strerror(errno));
	else
		log_verbose("sysctl %s=%s set for %s", key, value, svc);
	free(path);
	return 0;
}

int
cmd_sysctl(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "root", required_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const struct subcmd	*cmd = subcmd_find(bootstrap_commands,
				    "sysctl");
	struct host		 h;
	const char		*root = NULL, *svc, *k;
	char			*err = NULL, *path = NULL;
	json_t			*conf = NULL, *m, *v;
	int			 opt, rc;

	memset(&h, 0, sizeof(h));
	h.lockfd = -1;
	while ((opt = getopt_long(argc, argv, "hqv", longopts, NULL)) != -1) {
		if (opt == 'R')
			root = optarg;
		else if ((rc = subcmd_opt(opt, cmd)) != SUBCMD_CONTINUE)
			return rc;
	}
	if (argc - optind != 1)
		return subcmd_usage_error(cmd);
	svc = argv[optind];
	rc = EXIT_FAIL;
	if (host_init(&h, root, &err) == -1)
		goto out;
	if ((path = path_join(h.opt, "etc/" SERVICE_CONFIG_NAME)) == NULL) {
		err_set(&err, "out of memory");
		goto out;
	}
	/* Nothing installed, or no settings: nothing to apply. */
	if (access(path, F_OK) == -1 && errno == ENOENT) {
		rc = EXIT_OK;
		goto out;
	}
	if ((conf = jsonio_load(path, JSON_MAX, &err)) == NULL)
		goto out;
	if (!json_is_object(conf) || ((v = json_object_get(conf,
	    "sysctl")) != NULL && !json_is_object(v))) {
		err_set(&err, "%s: not {\"sysctl\": {service: {name: "
		    "value}}}; run dcos-bootstrap verify", path);
		goto out;
	}
	m = json_object_get(json_object_get(conf, "sysctl"), svc);
	if (m != NULL && !json_is_object(m)) {
		err_set(&err, "%s: service %s: not an object of settings",
		    path, svc);
		goto out;
	}
	/* What was checked is what is written: every setting first. */
	json_object_foreach(m, k, v)
		if (sysctl_check(k, json_string_value(v), &err) == -1) {
			err_wrap(&err, "%s: service %s", path, svc);
			goto out;
		}
	json_object_foreach(m, k, v)
		if (apply(&h, svc, k, json_string_value(v)) == -1) {
			err_set(&err, "out of memory");
			goto out;
		}
	rc = EXIT_OK;
out:
	if (rc != EXIT_OK)
		log_error("%s", err != NULL ? err : "out of memory");
	free(err);
	free(path);
	json_decref(conf);
	host_free(&h);
	return rc;
}
