/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Where a package's entries go in a generation built for some roles: the
 * one rule dcos-bootstrap builds generations by and dcos-genconf puts
 * secret files in the bundles of the roles that receive them by.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "farm.h"
#include "manifest.h"

/* Maps a package top-level dir to a generation dir, or NULL to skip. */
static const char *
map_top(char *const *roles, size_t nroles, const char *top, size_t len,
    int *unitsp)
{
	size_t	 i, j, dl;
	char	 name[64];

	*unitsp = 0;
	if (len >= sizeof(name))
		return NULL;
	snprintf(name, sizeof(name), "%.*s", (int)len, top);
	if (strcmp(name, FARM_UNITS_DIR) == 0) {
		*unitsp = 1;
		return FARM_UNITS_DIR;
	}
	for (i = 0; pkg_farm_dirs[i] != NULL; i++)
		if (strcmp(name, pkg_farm_dirs[i]) == 0)
			return pkg_farm_dirs[i];
	for (j = 0; j < nroles; j++) {
		for (i = 0; pkg_farm_dirs[i] != NULL; i++) {
			dl = strlen(pkg_farm_dirs[i]);
			if (strncmp(name, pkg_farm_dirs[i], dl) == 0 &&
			    name[dl] == '_' &&
			    strcmp(name + dl + 1, roles[j]) == 0)
				return pkg_farm_dirs[i];
		}
		dl = strlen(FARM_UNITS_DIR);
		if (strncmp(name, FARM_UNITS_DIR, dl) == 0 && name[dl] == '_' &&
		    strcmp(name + dl + 1, roles[j]) == 0) {
			*unitsp = 1;
			return FARM_UNITS_DIR;
		}
	}
	return NULL;
}

int
gen_place(char *const *roles, size_t nroles, const char *path, char **destp)
{
	const char	*slash, *top;
	int		 units;

	*destp = NULL;
	if ((slash = strchr(path, '/')) == NULL)
		return GEN_SKIP;	/* the top dirs themselves */
	top = map_top(roles, nroles, path, (size_t)(slash - path), &units);
	if (top == NULL)
		return GEN_SKIP;
	if (units)
		*destp = strdup(slash + 1);
	else if (asprintf(destp, "%s%s", top, slash) == -1)
		*destp = NULL;
	if (*destp == NULL)
		return -1;
	return units ? GEN_UNIT : GEN_FARM;
}

