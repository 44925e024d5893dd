/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The URL sanitiser, the one gate between a request and the file system:
 * whatever it lets through names a relative path that stays in the store
 * and matches the kind it reports.
 */
#include <config.h>

#include "fuzz.h"
#include "manifest.h"
#include "url.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct url_target	 t;
	char			*raw = fuzz_str(data, size);
	enum url_kind		 k;

	k = url_sanitise(raw, &t);
	if (k != t.kind)
		fuzz_fail("returned %d, filled %d", k, t.kind);
	switch (k) {
	case URL_BLOB:
	case URL_INDEX:
	case URL_SCRIPT:
	case URL_SCRIPT_SIG:
	case URL_SCRIPT_PS1:
	case URL_SCRIPT_PS1_SIG:
	case URL_RELEASE:
		if (!relpath_valid(t.rel) || strchr(t.rel, '%') != NULL ||
		    strchr(t.rel, '\\') != NULL)
			fuzz_fail("let through \"%s\"", t.rel);
		if (k == URL_BLOB && strncmp(t.rel, "blobs/sha256/", 13) != 0)
			fuzz_fail("blob outside blobs/: \"%s\"", t.rel);
		if (k == URL_RELEASE && strncmp(t.rel, "releases/", 9) != 0)
			fuzz_fail("release outside releases/: \"%s\"", t.rel);
		break;
	case URL_BAD:
	case URL_NOTFOUND:
	case URL_HEALTHZ:
	case URL_METRICS:
		break;
	default:
		fuzz_fail("unknown kind %d", k);
	}
	free(raw);
	return 0;
}
