# SPDX-License-Identifier: Apache-2.0
# Man pages are registered by each area's fragment: dist_man_MANS += man/NAME.N
# mandoc -Tlint must be clean on every page (tests/t0020-docs.bats checks).
