# tests/mirror.mk: sources, tests and man pages of this area (add with +=).
EXTRA_DIST += tests/nginx.bash
