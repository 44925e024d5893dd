/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The URL sanitiser: the one gate between a request path and the file
 * system.  Pure (no I/O), so it is unit-tested with a table.  Only the
 * paths a store has are accepted; everything else is refused before any
 * file is touched.
 */
#ifndef DCOS_URL_H
#define DCOS_URL_H

#include "digest.h"

/* Longest request path (raw, before decoding) we look at. */
#define URL_MAX		1024

enum url_kind {
	URL_BAD = -2,		/* malformed or hostile: answer 400 */
	URL_NOTFOUND = -1,	/* well-formed but not a store path: 404 */
	URL_BLOB = 0,		/* blobs/sha256/<hex> */
	URL_INDEX,		/* index.json */
	URL_SCRIPT,		/* dcos_install.sh */
	URL_SCRIPT_SIG,		/* dcos_install.sh.minisig */
	URL_SCRIPT_PS1,		/* dcos_install.ps1 */
	URL_SCRIPT_PS1_SIG,	/* dcos_install.ps1.minisig */
	URL_RELEASE,		/* releases/<name>-<version>.tar[.minisig] */
	URL_HEALTHZ,		/* /healthz (no file) */
	URL_METRICS		/* /metrics (no file) */
};

struct url_target {
	enum url_kind	 kind;
	/* Path relative to the store root, for the kinds that are files. */
	char		 rel[URL_MAX + 1];
	struct digest	 digest;	/* URL_BLOB only */
};

/*
 * Classifies a raw request target (as sent, still percent-encoded, without
 * the query string): a path, or an absolute-form "http[s]://host/path"
 * whose path counts.  Percent-escapes are decoded once; a decoded '%'
 * (double encoding), NUL, control characters, backslashes and "." or ".."
 * segments make the path URL_BAD.  Fills *t and returns t->kind.
 */
enum url_kind	 url_sanitise(const char *raw, struct url_target *t);

#endif
