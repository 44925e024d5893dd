sbin_PROGRAMS += dcos-bootstrap
dcos_bootstrap_CFLAGS = $(AM_CFLAGS) $(CRYPTO_CFLAGS) $(JANSSON_CFLAGS) \
	$(ARCHIVE_CFLAGS)
dcos_bootstrap_SOURCES = \
	bootstrap/bootstrap.c bootstrap/bootstrap.h
# Static by default (configure --disable-static-bootstrap to change):
# the binary runs on hosts with nothing but a kernel.
dcos_bootstrap_LDFLAGS = $(BOOTSTRAP_LDFLAGS)
dcos_bootstrap_LDADD = lib/libdcos.a $(BOOTSTRAP_LIBS)
