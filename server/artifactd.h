/* SPDX-License-Identifier: Apache-2.0 */
/* dcos-artifactd: one function per subcommand. */
#ifndef DCOS_ARTIFACTD_H
#define DCOS_ARTIFACTD_H

#include <getopt.h>

#include "subcmd.h"

/* The command table; commands look themselves up for their usage. */
extern const struct subcmd artifactd_commands[];

int	cmd_serve(int, char **);
/* cmd-mirror.c, cmd-fsck.c */
int	 cmd_mirror(int argc, char **argv);
int	 cmd_fsck(int argc, char **argv);
/* fsck's and export-release's long options: -k, -h, -q, -v. */
extern const struct option key_longopts[];
/* cmd-export.c */
int	 cmd_export_release(int argc, char **argv);

#endif
