/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The parts of dcos-bootstrap a host runs first: preflight (can this host
 * take the release?) and missing (which blobs must dcos_install.sh still
 * fetch?).
 */
#ifndef DCOS_PREFLIGHT_H
#define DCOS_PREFLIGHT_H

#include <stdint.h>

#include "manifest.h"

/* preflight MANIFEST --cache DIR --role R... [--root DIR] [--proc DIR] */
int	 cmd_preflight(int argc, char **argv);
/* missing MANIFEST --cache DIR [--preflight] */
int	 cmd_missing(int argc, char **argv);

/*
 * Is the blob present in the cache directory with the pinned size and
 * digest?  Returns 1 when it is, 0 when it is absent or differs (*whyp,
 * when not NULL, then gets a malloc'd reason or NULL for plain absence),
 * -1 with *errp when the cache cannot be read.
 */
int	 cache_has_blob(const char *cache, const struct blob_pin *,
	    char **whyp, char **errp);

/*
 * Parses the first line of "systemctl --version" ("systemd 252 (...)")
 * into *version.  0 or -1 when the text is not that.
 */
int	 systemd_version_parse(const char *text, long *version);

#endif
