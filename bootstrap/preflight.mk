# SPDX-License-Identifier: Apache-2.0
# bootstrap/preflight.mk: sources, tests and man pages of this area (add with +=).
dcos_bootstrap_SOURCES += bootstrap/preflight.h bootstrap/cmd-preflight.c \
	bootstrap/cmd-missing.c \
	bootstrap/procnet.c bootstrap/procnet.h
