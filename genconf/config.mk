# SPDX-License-Identifier: Apache-2.0
# genconf/config.mk: sources, tests and man pages of this area (add with +=).
dcos_genconf_SOURCES += \
	genconf/ytree.c genconf/ytree.h \
	genconf/schema.c genconf/schema.h \
	genconf/validate.c genconf/validators.c \
	genconf/template.c \
	genconf/config.c genconf/siteconf.h \
	genconf/config-opts.c \
	genconf/cmd-validate.c \
	genconf/cmd-show.c \
	genconf/password.c genconf/password.h \
	genconf/cmd-hash-password.c \
	genconf/cmd-set-superuser-password.c
dcos_genconf_CFLAGS += $(XCRYPT_CFLAGS)
dcos_genconf_LDADD += $(XCRYPT_LIBS)
dist_man_MANS += man/dcos-config.yaml.5
dist_noinst_SCRIPTS += scripts/bench/config.sh
