# SPDX-License-Identifier: Apache-2.0
bin_PROGRAMS += dcos-genconf
dcos_genconf_CFLAGS = $(AM_CFLAGS) $(CRYPTO_CFLAGS) $(JANSSON_CFLAGS) \
	$(ARCHIVE_CFLAGS) $(YAML_CFLAGS)
dcos_genconf_SOURCES = \
	genconf/genconf.c genconf/genconf.h \
	genconf/cmd-keygen.c \
	genconf/cmd-sign.c \
	genconf/cmd-verify.c \
	genconf/pkgblob.c genconf/pkgblob.h \
	genconf/cmd-package.c \
	genconf/cmd-release.c \
	genconf/release.c genconf/release.h \
	genconf/cmd-generate.c \
	genconf/cmd-prune.c
# scripts/dcos_install.sh.in and .ps1.in are compiled in: generate writes
# them with the cluster's values, and a store must never depend on files
# beside the binary.
nodist_dcos_genconf_SOURCES = genconf/install-template.c
genconf/install-template.c: $(top_srcdir)/scripts/dcos_install.sh.in \
    $(top_srcdir)/scripts/dcos_install.ps1.in
	$(AM_V_GEN)$(MKDIR_P) genconf && { \
	  echo '/* Generated from scripts/dcos_install.*.in: do not edit. */'; \
	  for t in sh: ps1:_ps1; do \
	    echo "const unsigned char install_template$${t#*:}[] = {"; \
	    od -An -v -tx1 < $(top_srcdir)/scripts/dcos_install.$${t%%:*}.in | \
	      sed -e 's/\([0-9a-f][0-9a-f]\)/0x\1,/g'; \
	    echo '0x00 };'; \
	    echo "const unsigned long install_template$${t#*:}_len ="; \
	    echo "    sizeof(install_template$${t#*:}) - 1;"; \
	  done; \
	} > $@.tmp && mv $@.tmp $@
CLEANFILES += genconf/install-template.c
EXTRA_DIST += scripts/dcos_install.sh.in scripts/dcos_install.ps1.in
dcos_genconf_LDADD = lib/libdcos.a $(YAML_LIBS) $(ARCHIVE_LIBS) \
	$(JANSSON_LIBS) $(CRYPTO_LIBS)
dist_man_MANS += man/dcos-genconf.1 man/dcos-release.5 man/dcos-store.5
