# tests/serve.mk: sources, tests and man pages of this area (add with +=).
