/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The store layout (dcos-store(5), docs/formats.md "Store"): blobs/sha256/<hex>, releases/, index.json
 * (the only mutable file, written last) and dcos_install.sh.
 */
#ifndef DCOS_STORE_H
#define DCOS_STORE_H

#include "digest.h"

#define STORE_INDEX		"index.json"
#define STORE_BLOB_DIR		"blobs/sha256"
#define STORE_RELEASE_DIR	"releases"
#define STORE_INSTALL_SCRIPT	"dcos_install.sh"
#define STORE_INSTALL_SCRIPT_WINDOWS	"dcos_install.ps1"
/* "blobs/sha256/" + 64 hex + NUL */
#define STORE_BLOB_RELSZ	(sizeof(STORE_BLOB_DIR) + 1 + DIGEST_HEXLEN)

/* Writes "blobs/sha256/<hex>" into out. */
void	 store_blob_relpath(const struct digest *, char out[STORE_BLOB_RELSZ]);
/* "<root>/blobs/sha256/<hex>" (malloc'd) or NULL when out of memory. */
char	*store_blob_path(const char *root, const struct digest *);

#endif
