# genconf/config.mk: sources, tests and man pages of this area (add with +=).
dcos_genconf_SOURCES += \
	genconf/ytree.c genconf/ytree.h \
	genconf/schema.c genconf/schema.h \
	genconf/validate.c genconf/validators.c \
	genconf/template.c \
	genconf/config.c genconf/siteconf.h \
	genconf/cmd-config.c \
	genconf/cmd-password.c
dcos_genconf_CFLAGS += $(XCRYPT_CFLAGS)
dcos_genconf_LDADD += $(XCRYPT_LIBS)
dist_man_MANS += man/dcos-config.yaml.5
dist_noinst_SCRIPTS += scripts/bench/config.sh
