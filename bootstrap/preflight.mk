# bootstrap/preflight.mk: sources, tests and man pages of this area (add with +=).
dcos_bootstrap_SOURCES += bootstrap/procnet.c bootstrap/procnet.h
