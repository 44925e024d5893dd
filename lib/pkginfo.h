/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pkgpanda's rules for what a package holds (dcos/dcos pkgpanda:
 * validate_compatible, UserManagement, check_forbidden_services, the
 * sysctl of Install.activate), in one place: dcos-genconf refuses to
 * build what breaks them (package, release) and dcos-bootstrap refuses to
 * install it, with the same messages.  docs/formats.md lists the rules.
 *
 * Each function returns 0, or -1 with *errp saying which rule is broken
 * and what to do.
 */
#ifndef DCOS_PKGINFO_H
#define DCOS_PKGINFO_H

#include <stddef.h>

#include <jansson.h>

#include "manifest.h"

/* Where the generation's per-service settings are, as in pkgpanda. */
#define SERVICE_CONFIG_NAME	"dcos-service-configuration.json"

/*
 * Checks a pkginfo.json text: a JSON object of requires (package names,
 * or {"name": N, "variant": V|null}), environment (names, not PATH or
 * LD_LIBRARY_PATH, one-line string values), sysctl ({service: {name:
 * value}}), state_directory, username (^dcos_[a-z0-9_]+$), group
 * (^[a-z_][a-z0-9_-]*$, only with username); nothing else.  where names
 * the text in messages.  Returns the object (caller owns it) or NULL.
 */
json_t	*pkginfo_check(const char *text, size_t len, const char *where,
	    char **errp);

/*
 * A username by pkgpanda's rule, ^dcos_[a-z0-9_]+$ (at most 32
 * characters): what pkginfo.json's "username" may say.
 */
int	 pkginfo_username_check(const char *name, char **errp);

/*
 * One entry of package id, at path (relative to the package root):
 * directly in dcos.target.wants or dcos.target.wants_<role> only unit
 * files (unit_name_valid(), no directory, not a unit name the installer
 * owns: dcos.target, dcos-download.service, dcos-setup.service), and no
 * etc[_<role>]/dcos-service-configuration.json (the installer writes
 * it).  When the entry is a unit NAME.service and services is not NULL,
 * NAME is appended to services.
 */
int	 pkg_entry_check(const char *id, const char *path, int isdir,
	    json_t *services, char **errp);

/*
 * Every service pkginfo's sysctl names is one of services (what
 * pkg_entry_check collected for the package id).
 */
int	 pkginfo_services_check(const char *id, const json_t *pkginfo,
	    const json_t *services, char **errp);

/*
 * A unit name a package may install: unit_name_valid() and not one the
 * installer owns (dcos.target, dcos-download.service, dcos-setup.service,
 * pkgpanda's RESERVED_UNIT_NAMES).  who starts the message.
 */
int	 unit_check_name(const char *name, const char *who, char **errp);

/* A package of a set: its id and its checked pkginfo.json. */
struct pkg_ref {
	const char	*id;
	const json_t	*pkginfo;
};

/* Each package name of pkgs once (their pkginfo may be NULL). */
int	 pkg_names_check(const struct pkg_ref *pkgs, size_t n, char **errp);
/*
 * The packages of one release or generation together: each name once,
 * every requires met by a package of the set, no environment variable set
 * by two packages, no sysctl set to two values.
 */
int	 pkg_set_check(const struct pkg_ref *pkgs, size_t n, char **errp);

/*
 * Adds the sysctl of a checked pkginfo to conf, the object
 * dcos-service-configuration.json holds: {"sysctl": {service: {name:
 * value}}}.  0, or -1 out of memory.
 */
int	 service_config_add(json_t *conf, const json_t *pkginfo);

/*
 * pkginfo's "platform" (v, or when v is NULL pkginfo's key): *outp
 * PLATFORM_LINUX when absent.  0, or -1 when it is not "linux" or
 * "windows".
 */
int	 pkginfo_platform(const json_t *pkginfo, const json_t *v,
	    enum pkg_platform *outp, char **errp);

/*
 * Windows packages (docs/formats.md): services[_<role>]/NAME.json
 * declares a Windows service, the equivalent of dcos.target.wants.
 */
#define WINSERVICES_DIR		"services"
#define WINSERVICE_NAME_MAX	80
/*
 * One entry of Windows package id: no dcos.target.wants*, role variants
 * (bin_, lib_, etc_, include_, services_) only for slave and
 * slave_public, and in services[_<role>]/ only files NAME.json.
 * Returns 1 for such a service file (its content is winservice_check's),
 * 0 for any other entry that passes, -1 with *errp.
 */
int	 pkg_windows_entry_check(const char *id, const char *path,
	    int isfile, char **errp);
/*
 * A Windows service file of package id at path (services[_<role>]/
 * NAME.json), text its content: a JSON object of name (NAME),
 * display_name, executable (is_file(arg, path) must say 1 when is_file is
 * not NULL), arguments, environment, depends_on, recovery; nothing else.
 * seen (when not NULL) maps the names so far to their dir: a name in
 * services/ and a role variant is refused.
 */
int	 winservice_check(const char *id, const char *path, const char *text,
	    size_t len, int (*is_file)(void *, const char *), void *arg,
	    json_t *seen, char **errp);

#endif
