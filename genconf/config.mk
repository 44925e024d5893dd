# genconf/config.mk: sources, tests and man pages of this area (add with +=).
dcos_genconf_SOURCES += \
	genconf/yaml.c genconf/yaml.h \
	genconf/schema.c genconf/schema.h \
	genconf/validate.c \
	genconf/template.c \
	genconf/config.c genconf/siteconf.h
