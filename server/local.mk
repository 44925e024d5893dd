# SPDX-License-Identifier: Apache-2.0
sbin_PROGRAMS += dcos-artifactd
dcos_artifactd_CFLAGS = $(AM_CFLAGS) $(CRYPTO_CFLAGS) $(JANSSON_CFLAGS) \
	$(MHD_CFLAGS) $(CURL_CFLAGS) $(SYSTEMD_CFLAGS)
dcos_artifactd_SOURCES = \
	server/access-log.c \
	server/artifactd.c server/artifactd.h \
	server/blob-cache.c \
	server/cmd-export.c \
	server/http-range.c server/http-range.h \
	server/listen.c \
	server/metrics.c server/metrics.h \
	server/responses.c \
	server/cmd-serve.c server/serve.h \
	server/privdrop.c \
	server/serve-files.c \
	server/serve-recipe.c \
	server/serve-opts.c \
	server/storecheck.c server/storecheck.h \
	server/store-recipe.c server/store-recipe.h \
	server/url.c server/url.h
dcos_artifactd_LDADD = lib/libdcos.a $(MHD_LIBS) $(CURL_LIBS) \
	$(JANSSON_LIBS) $(CRYPTO_LIBS) $(SYSTEMD_LIBS) -lpthread
