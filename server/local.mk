sbin_PROGRAMS += dcos-artifactd
dcos_artifactd_CFLAGS = $(AM_CFLAGS) $(CRYPTO_CFLAGS) $(JANSSON_CFLAGS) \
	$(MHD_CFLAGS) $(CURL_CFLAGS)
dcos_artifactd_SOURCES = \
	server/artifactd.c server/artifactd.h
dcos_artifactd_LDADD = lib/libdcos.a $(MHD_LIBS) $(CURL_LIBS) \
	$(JANSSON_LIBS) $(CRYPTO_LIBS)
