/* SPDX-License-Identifier: Apache-2.0 */
/* The generation farm's placement rule (lib/farm.c). */
#ifndef DCOS_FARM_H
#define DCOS_FARM_H

#include <stddef.h>

#define FARM_UNITS_DIR	"dcos.target.wants"

/*
 * Where the entry path of a package goes in a generation built for roles:
 * GEN_SKIP (nowhere, *destp NULL), GEN_FARM (linked, or made when a
 * directory, as *destp: "bin/x" for "bin_master/x") or GEN_UNIT (copied
 * as dcos.target.wants/ *destp).  *destp is malloc'd; -1 when out of
 * memory.
 */
#define GEN_SKIP	0
#define GEN_FARM	1
#define GEN_UNIT	2
int	 gen_place(char *const *roles, size_t nroles, const char *path,
	    char **destp);

#endif
