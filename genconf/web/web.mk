# SPDX-License-Identifier: Apache-2.0
# genconf/web/web.mk: dcos-genconf web, the web installer (#12).
dcos_genconf_SOURCES += \
	genconf/cmd-web.c \
	genconf/web/web.h \
	genconf/web/server.c \
	genconf/web/api.c \
	genconf/web/ops.c \
	genconf/web/yamlcfg.c
dcos_genconf_CFLAGS += $(MHD_CFLAGS) -pthread
dcos_genconf_LDADD += $(MHD_LIBS) -lpthread
# The UI is compiled in: nothing beside the binary, nothing fetched.
web_ui_files = \
	$(top_srcdir)/genconf/web/ui/index.html \
	$(top_srcdir)/genconf/web/ui/app.js \
	$(top_srcdir)/genconf/web/ui/app.css
nodist_dcos_genconf_SOURCES += genconf/web/ui-files.c
genconf/web/ui-files.c: $(top_srcdir)/scripts/embed-ui.sh $(web_ui_files)
	$(AM_V_GEN)$(MKDIR_P) genconf/web && \
	  sh $(top_srcdir)/scripts/embed-ui.sh $@ $(web_ui_files)
CLEANFILES += genconf/web/ui-files.c
EXTRA_DIST += scripts/embed-ui.sh $(web_ui_files)
