/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The JSON manifests of lib/manifest.c, one harness per format (built
 * four times, FUZZ_FORMAT naming the parser): .dcos-manifest.json,
 * release.json, cluster.json and index.json.  Whatever parses must answer
 * the lookups the programs make afterwards with the entries it holds.
 */
#include <config.h>

#include "fuzz.h"
#include "manifest.h"

#if FUZZ_FORMAT == 1
static void
check(const char *buf, size_t len, char **errp)
{
	struct pkg_manifest	*m = NULL;
	size_t			 i;

	if (pkg_manifest_parse(buf, len, "fuzz.json", &m, errp) == -1)
		return;
	for (i = 0; i < m->nfiles; i++) {
		if (!relpath_valid(m->files[i].path))
			fuzz_fail("kept the bad path %s", m->files[i].path);
		if (pkg_manifest_find(m, m->files[i].path) != &m->files[i])
			fuzz_fail("cannot find %s", m->files[i].path);
		if (m->files[i].type == PKG_SYMLINK &&
		    !symlink_target_inside(m->files[i].path,
		    m->files[i].target))
			fuzz_fail("kept a symlink out: %s", m->files[i].path);
	}
	pkg_manifest_free(m);
}
#elif FUZZ_FORMAT == 2
static void
check(const char *buf, size_t len, char **errp)
{
	struct release_manifest	*m = NULL;
	size_t			 i;

	if (release_manifest_parse(buf, len, "fuzz.json", &m, errp) == -1)
		return;
	for (i = 0; i < m->npackages; i++)
		if (!pkg_id_valid(m->packages[i].id) ||
		    release_manifest_package(m, m->packages[i].id) !=
		    &m->packages[i])
			fuzz_fail("package %s", m->packages[i].id);
	for (i = 0; i < m->nroles; i++)
		if (release_manifest_role(m, m->roles[i].name) == NULL ||
		    !role_name_valid(m->roles[i].name))
			fuzz_fail("role %s", m->roles[i].name);
	for (i = 0; i < m->nbootstrap; i++)
		if (!arch_name_valid(m->bootstrap[i].arch))
			fuzz_fail("arch %s", m->bootstrap[i].arch);
	for (i = 0; i < m->ntemplates; i++)
		if (!relpath_valid(m->templates[i].path) ||
		    strncmp(m->templates[i].path, "genconf/", 8) != 0)
			fuzz_fail("template %s", m->templates[i].path);
	if (pkg_name_check(m->name, NULL) == -1 ||
	    pkg_version_check(m->version, NULL) == -1 || m->seq < 1)
		fuzz_fail("release %s-%s", m->name, m->version);
	release_manifest_free(m);
}
#elif FUZZ_FORMAT == 3
static void
check(const char *buf, size_t len, char **errp)
{
	struct cluster_manifest	*m = NULL;
	size_t			 i;

	if (cluster_manifest_parse(buf, len, "fuzz.json", &m, errp) == -1)
		return;
	if (m->nkeys == 0)
		fuzz_fail("a cluster manifest without trusted keys");
	for (i = 0; i < m->nblobs; i++)
		if (blob_kind_name(m->blobs[i].kind) == NULL)
			fuzz_fail("blob %zu has no kind", i);
	cluster_manifest_free(m);
}
#elif FUZZ_FORMAT == 4
static void
check(const char *buf, size_t len, char **errp)
{
	struct store_index	*m = NULL;
	size_t			 i;

	if (store_index_parse(buf, len, "fuzz.json", &m, errp) == -1)
		return;
	if (m->nmanifests == 0 ||
	    memcmp(&m->manifests[0], &m->current, sizeof(m->current)) != 0)
		fuzz_fail("manifests[0] is not current");
	for (i = 0; i < m->nreleases; i++)
		if (!relpath_valid(m->releases[i].path))
			fuzz_fail("release path %s", m->releases[i].path);
	store_index_free(m);
}
#else
#error "FUZZ_FORMAT: 1 pkg, 2 release, 3 cluster, 4 index"
#endif

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*err = NULL;

	check((const char *)data, size, &err);
	free(err);
	return 0;
}
