/* SPDX-License-Identifier: Apache-2.0 */
/* dcos-genconf: the subcommands, one function each. */
#ifndef DCOS_GENCONF_H
#define DCOS_GENCONF_H

#include "subcmd.h"

#define DEFAULT_PUB	"dcos-release.pub"
#define DEFAULT_SEC	"dcos-release.key"
/* The site's sealing key pair in the genconf directory (lib/seal). */
#define SITE_KEY	"site.key"
#define SITE_PUB	"site.pub"

/* The command table; commands look themselves up for their usage. */
extern const struct subcmd genconf_commands[];

int	 cmd_keygen(int, char **);
int	 cmd_hash_password(int, char **);
int	 cmd_set_superuser_password(int, char **);
int	 cmd_sign(int, char **);
int	 cmd_verify(int, char **);
int	 cmd_package(int, char **);
int	 cmd_release(int, char **);
int	 cmd_generate(int, char **);
int	 cmd_prune(int, char **);
int	 cmd_web(int, char **);

#endif
