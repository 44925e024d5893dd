# bootstrap/preflight.mk: sources, tests and man pages of this area (add with +=).
dcos_bootstrap_SOURCES += bootstrap/preflight.h bootstrap/preflight.c \
	bootstrap/missing.c \
	bootstrap/procnet.c bootstrap/procnet.h
