# SPDX-License-Identifier: Apache-2.0
# server/mirror.mk: sources, tests and man pages of this area (add with +=).
dcos_artifactd_SOURCES += \
	server/cmd-mirror.c server/mirror.h \
	server/mirror-fetch.c \
	server/mirror-walk.c \
	server/cmd-fsck.c
