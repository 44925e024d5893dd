# SPDX-License-Identifier: Apache-2.0
# genconf/fleet/fleet.mk: the fleet layer (preflight, deploy, status,
# uninstall over ssh) in dcos-genconf.
dcos_genconf_SOURCES += \
	genconf/fleet/fleet.h \
	genconf/fleet/hosts.c \
	genconf/fleet/ssh.c \
	genconf/fleet/runner.c \
	genconf/fleet/cmd-fleet.c \
	genconf/fleet/windows.c
dcos_genconf_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/genconf
