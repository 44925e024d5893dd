bin_PROGRAMS += dcos-genconf
dcos_genconf_CFLAGS = $(AM_CFLAGS) $(CRYPTO_CFLAGS) $(JANSSON_CFLAGS) \
	$(ARCHIVE_CFLAGS) $(YAML_CFLAGS)
dcos_genconf_SOURCES = \
	genconf/genconf.c genconf/genconf.h \
	genconf/cmd-keys.c \
	genconf/pkgblob.c genconf/pkgblob.h \
	genconf/cmd-package.c \
	genconf/cmd-release.c \
	genconf/release.c genconf/release.h
dcos_genconf_LDADD = lib/libdcos.a $(YAML_LIBS) $(ARCHIVE_LIBS) \
	$(JANSSON_LIBS) $(CRYPTO_LIBS)
