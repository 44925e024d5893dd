/* SPDX-License-Identifier: Apache-2.0 */
#include <config.h>

#include <stdio.h>
#include <string.h>

#include "atomicio.h"
#include "store.h"

void
store_blob_relpath(const struct digest *d, char out[STORE_BLOB_RELSZ])
{
	char	 hex[DIGEST_HEXLEN + 1];

	digest_hex(d, hex);
	snprintf(out, STORE_BLOB_RELSZ, "%s/%s", STORE_BLOB_DIR, hex);
}

char *
store_blob_path(const char *root, const struct digest *d)
{
	char	 rel[STORE_BLOB_RELSZ];

	store_blob_relpath(d, rel);
	return path_join(root, rel);
}
