/* dcos-bootstrap: the host side, one function per subcommand. */
#ifndef DCOS_BOOTSTRAP_H
#define DCOS_BOOTSTRAP_H

#include "subcmd.h"

/* The command table; commands look themselves up for their usage. */
extern const struct subcmd bootstrap_commands[];

#endif
