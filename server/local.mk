sbin_PROGRAMS += dcos-artifactd
dcos_artifactd_CFLAGS = $(AM_CFLAGS) $(CRYPTO_CFLAGS) $(JANSSON_CFLAGS) \
	$(MHD_CFLAGS) $(CURL_CFLAGS)
dcos_artifactd_SOURCES = \
	server/artifactd.c server/artifactd.h \
	server/http-range.c server/http-range.h \
	server/metrics.c server/metrics.h \
	server/serve.c server/serve.h \
	server/storecheck.c server/storecheck.h \
	server/url.c server/url.h
dcos_artifactd_LDADD = lib/libdcos.a $(MHD_LIBS) $(CURL_LIBS) \
	$(JANSSON_LIBS) $(CRYPTO_LIBS) -lpthread
