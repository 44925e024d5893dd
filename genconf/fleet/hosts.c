/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The fleet's hosts: config.yaml's master_list, agent_list,
 * public_agent_list and the Windows agents' windows_agent_list and
 * windows_public_agent_list (as the config compiler validated them), or a
 * --hosts file, then the --role and --host filters.
 */
#include <config.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomicio.h"
#include "error.h"
#include "fleet.h"

static const struct {
	const char	*word;
	const char	*role;
	int		 windows;
} role_words[] = {
	{ "master", "master", 0 },
	{ "slave", "slave", 0 },
	{ "agent", "slave", 0 },
	{ "slave_public", "slave_public", 0 },
	{ "public_agent", "slave_public", 0 },
	{ "windows_agent", "slave", 1 },
	{ "windows_public_agent", "slave_public", 1 },
};

/* The role of word and whether it is a Windows host's, or NULL. */
static const char *
role_of(const char *word, int *windowsp)
{
	size_t	i;

	for (i = 0; i < sizeof(role_words) / sizeof(role_words[0]); i++)
		if (strcmp(word, role_words[i].word) == 0) {
			*windowsp = role_words[i].windows;
			return role_words[i].role;
		}
	return NULL;
}

const char *
fleet_role(const char *word)
{
	int	windows;
	const char *r = role_of(word, &windows);

	/*
	 * --role filters by role: agent and public_agent take the Windows
	 * agents too, windows_agent and windows_public_agent only them.
	 */
	if (r != NULL && windows)
		return strcmp(r, "slave") == 0 ? "windows_agent" :
		    "windows_public_agent";
	return r;
}

void
fleet_hosts_free(struct fleet_host *hosts, size_t n)
{
	size_t	i;

	for (i = 0; hosts != NULL && i < n; i++) {
		free(hosts[i].addr);
		free(hosts[i].detail);
		free(hosts[i].log);
		json_decref(hosts[i].steps);
	}
	free(hosts);
}

/*
 * An address ssh and a file name can both take: letters, digits and
 * ".-_:" (host names, IPv4, IPv6), not starting with "-".
 */
static int
valid_addr(const char *a)
{
	const char	*p;

	if (*a == '\0' || *a == '-' || *a == '.' || strlen(a) > 253)
		return 0;
	for (p = a; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && strchr(".-_:", *p) == NULL)
			return 0;
	return 1;
}

/* Appends (addr, role); a host in two places is refused. */
static int
add_host(struct fleet_host **hostsp, size_t *np, const char *addr,
    const char *role, int windows, const char *where, char **errp)
{
	struct fleet_host	*v;
	size_t			 i;

	if (!valid_addr(addr))
		return err_set(errp, "%s: '%s' is not a host name or address",
		    where, addr);
	for (i = 0; i < *np; i++)
		if (strcmp((*hostsp)[i].addr, addr) == 0)
			return err_set(errp, "%s: host %s is listed twice (as %s "
			    "and %s): give each host one role", where, addr,
			    (*hostsp)[i].role, role);
	if ((v = reallocarray(*hostsp, *np + 1, sizeof(*v))) == NULL)
		return err_set(errp, "out of memory");
	*hostsp = v;
	memset(&v[*np], 0, sizeof(v[*np]));
	if ((v[*np].addr = strdup(addr)) == NULL)
		return err_set(errp, "out of memory");
	v[*np].role = role;
	v[*np].windows = windows;
	(*np)++;
	return 0;
}

int
fleet_hosts_from_config(const json_t *eff, struct fleet_host **hostsp,
    size_t *np, char **errp)
{
	static const struct {
		const char	*key;
		const char	*role;
		int		 windows;
	} lists[] = {
		{ "master_list", "master", 0 },
		{ "agent_list", "slave", 0 },
		{ "public_agent_list", "slave_public", 0 },
		{ "windows_agent_list", "slave", 1 },
		{ "windows_public_agent_list", "slave_public", 1 },
	};
	struct fleet_host	*hosts = NULL;
	json_t			*v;
	size_t			 i, j, n = 0;

	for (i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		json_array_foreach(json_object_get(eff, lists[i].key), j, v) {
			if (!json_is_string(v) || add_host(&hosts, &n,
			    json_string_value(v), lists[i].role,
			    lists[i].windows, "config.yaml", errp) == -1) {
				if (!json_is_string(v))
					err_set(errp, "config.yaml: %s holds "
					    "a value that is not a string",
					    lists[i].key);
				fleet_hosts_free(hosts, n);
				return -1;
			}
		}
	}
	*hostsp = hosts;
	*np = n;
	return 0;
}

/* Lines "ADDRESS ROLE"; "#" starts a comment; blank lines are skipped. */
int
fleet_hosts_from_file(const char *path, struct fleet_host **hostsp,
    size_t *np, char **errp)
{
	struct fleet_host	*hosts = NULL;
	char			*buf = NULL, *line, *next, *addr, *word, *extra;
	char			 where[512];
	const char		*role;
	size_t			 len, n = 0, lineno = 0;
	int			 windows;

	if (read_file(path, 1 << 20, &buf, &len, errp) == -1)
		return -1;
	for (line = buf; line != NULL; line = next) {
		lineno++;
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		line[strcspn(line, "#")] = '\0';
		snprintf(where, sizeof(where), "%s:%zu", path, lineno);
		addr = strtok(line, " \t\r");
		if (addr == NULL)
			continue;
		word = strtok(NULL, " \t\r");
		extra = strtok(NULL, " \t\r");
		if (word == NULL || extra != NULL) {
			err_set(errp, "%s: want 'ADDRESS ROLE' (ROLE master, "
			    "agent, public_agent, windows_agent or "
			    "windows_public_agent)", where);
			goto fail;
		}
		if ((role = role_of(word, &windows)) == NULL) {
			err_set(errp, "%s: unknown role '%s' (want master, "
			    "agent, public_agent, windows_agent or "
			    "windows_public_agent)", where, word);
			goto fail;
		}
		if (add_host(&hosts, &n, addr, role, windows, where,
		    errp) == -1)
			goto fail;
	}
	free(buf);
	*hostsp = hosts;
	*np = n;
	return 0;
fail:
	free(buf);
	fleet_hosts_free(hosts, n);
	return -1;
}

static int
listed(const char *s, char *const *v, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (strcmp(s, v[i]) == 0)
			return 1;
	return 0;
}

/* h has one of the n roles of v (fleet_role's names). */
static int
role_listed(const struct fleet_host *h, char *const *v, size_t n)
{
	const char	*r;
	size_t		 i;
	int		 windows;

	for (i = 0; i < n; i++)
		if (strcmp(h->role, v[i]) == 0 || (h->windows &&
		    (r = role_of(v[i], &windows)) != NULL && windows &&
		    strcmp(r, h->role) == 0))
			return 1;
	return 0;
}

int
fleet_hosts_filter(struct fleet_host **hostsp, size_t *np,
    char *const *roles, size_t nroles, char *const *addrs, size_t naddrs,
    char **errp)
{
	struct fleet_host	*h = *hostsp;
	size_t			 i, k = 0;

	for (i = 0; i < naddrs; i++) {
		for (k = 0; k < *np; k++)
			if (strcmp(h[k].addr, addrs[i]) == 0)
				break;
		if (k == *np)
			return err_set(errp, "--host %s: not one of the "
			    "cluster's hosts", addrs[i]);
	}
	for (i = 0, k = 0; i < *np; i++) {
		if ((nroles == 0 || role_listed(&h[i], roles, nroles)) &&
		    (naddrs == 0 || listed(h[i].addr, addrs, naddrs))) {
			if (k != i)
				h[k] = h[i];
			k++;
		} else
			free(h[i].addr);
	}
	*np = k;
	return 0;
}
