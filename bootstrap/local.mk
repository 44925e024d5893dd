# SPDX-License-Identifier: Apache-2.0
sbin_PROGRAMS += dcos-bootstrap
dcos_bootstrap_CFLAGS = $(AM_CFLAGS) $(CRYPTO_CFLAGS) $(JANSSON_CFLAGS) \
	$(ARCHIVE_CFLAGS)
dcos_bootstrap_SOURCES = \
	bootstrap/bootstrap.c bootstrap/bootstrap.h \
	bootstrap/hostpath.c bootstrap/rootfs.c bootstrap/lock.c \
	bootstrap/journal.c bootstrap/state.c \
	bootstrap/trust.c bootstrap/secrets.c bootstrap/extract.c bootstrap/progress.c \
	bootstrap/generation.c \
	bootstrap/activate.c bootstrap/services.c bootstrap/hostfiles.c bootstrap/users.c \
	bootstrap/cmd-install.c bootstrap/cmd-activate.c bootstrap/cmd-rollback.c \
	bootstrap/cmd-status.c bootstrap/cmd-verify.c bootstrap/cmd-gc.c \
	bootstrap/cmd-uninstall.c bootstrap/cmd-check.c bootstrap/cmd-repair.c \
	bootstrap/cmd-sysctl.c
# Static by default (configure --disable-static-bootstrap to change):
# the binary runs on hosts with nothing but a kernel.
dcos_bootstrap_LDFLAGS = $(BOOTSTRAP_LDFLAGS)
dcos_bootstrap_LDADD = lib/libdcos.a $(BOOTSTRAP_LIBS)
# Static builds: our failing getaddrinfo/gethostbyname/dlopen replace
# glibc's, so libcrypto can never reach NSS or load a host library.
if STATIC_BOOTSTRAP
dcos_bootstrap_SOURCES += bootstrap/no-nss.c
endif
