# SPDX-License-Identifier: Apache-2.0
noinst_LIBRARIES += lib/libdcos.a
lib_libdcos_a_CFLAGS = $(AM_CFLAGS) $(CRYPTO_CFLAGS) $(JANSSON_CFLAGS)
lib_libdcos_a_SOURCES = \
	lib/atomicio.c lib/atomicio.h \
	lib/base64.c lib/base64.h \
	lib/blob.c lib/blob.h \
	lib/digest.c lib/digest.h \
	lib/error.c lib/error.h \
	lib/farm.c lib/farm.h \
	lib/jsonio.c lib/jsonio.h \
	lib/log.c lib/log.h \
	lib/manifest.c lib/manifest.h \
	lib/pkginfo.c lib/pkginfo.h \
	lib/seal.c lib/seal.h \
	lib/secrets.c lib/secrets.h \
	lib/recipe.c lib/recipe.h \
	lib/minisign.c lib/minisign.h \
	lib/minisign-key.c \
	lib/store.c lib/store.h \
	lib/storerefs.c lib/storerefs.h \
	lib/subcmd.c lib/subcmd.h
