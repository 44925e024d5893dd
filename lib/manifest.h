/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Parsers for the JSON formats the programs share (docs/formats.md):
 * a package's .dcos-manifest.json, release.json, a cluster manifest and a
 * store's index.json.  Every parser checks the whole document (types,
 * digests, ids, paths, sort order) and returns 0 with a new object, or -1
 * with one message in *errp naming the file and the bad field.  Objects
 * are freed with their *_free function, which accepts NULL.
 */
#ifndef DCOS_MANIFEST_H
#define DCOS_MANIFEST_H

#include <sys/types.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "digest.h"
#include "minisign.h"

#define MANIFEST_FORMAT		1
#define PKG_MANIFEST_NAME	".dcos-manifest.json"
#define MANIFEST_MAX_BYTES	(64 * 1024 * 1024)
/*
 * A package's .dcos-manifest.json: parsing one (a jansson tree) takes up
 * to about 20 times its size (scripts/bench/manifest-memory.sh), and up
 * to four are parsed at once, one per extraction thread.
 */
#define PKG_MANIFEST_MAX_BYTES	(4 * 1024 * 1024)
/* A path and its NUL fit PATH_MAX: every *at() call relative to a root. */
#define MANIFEST_PATH_MAX	4095

/*
 * Package names, versions and ids by pkgpanda's rules: a name is
 * [a-zA-Z0-9@_+][a-zA-Z0-9@._+-]* without "--", a version
 * [a-zA-Z0-9@_+:.]+, an id "name--version" of at most PKG_ID_MAX bytes.
 * Release names and versions follow the same rules.  The *_check
 * functions return 0, or -1 with *errp (errp may be NULL) saying which
 * rule is broken; pkg_id_valid is 1 when pkg_id_check passes.
 */
#define PKG_ID_MAX		255
int	 pkg_name_check(const char *name, char **errp);
int	 pkg_version_check(const char *version, char **errp);
int	 pkg_id_check(const char *id, char **errp);
int	 pkg_id_valid(const char *id);
/*
 * 1 when base is the file name of a release in a store,
 * "<name>-<version>.tar" or that plus ".minisig", with a name and version
 * by the rules above.
 */
int	 release_file_valid(const char *base);
/*
 * An architecture name as uname -m prints it ([a-z0-9_]: x86_64, aarch64)
 * and a role name ([a-z_]: master, slave, slave_public), each at most
 * NAME_MAX_BYTES: they name directories and members.  1 when valid.
 */
#define NAME_MAX_BYTES		64
int	 arch_name_valid(const char *arch);
int	 role_name_valid(const char *role);
/*
 * A relative path that never leaves its root lexically: not empty, no
 * leading '/', no "", "." or ".." component, at most MANIFEST_PATH_MAX
 * bytes.  1 when valid.
 */
int	 relpath_valid(const char *path);
/*
 * 1 when the symlink at path (relative to a package root) with the given
 * target stays inside the root lexically: a relative target of at most
 * MANIFEST_PATH_MAX bytes, no empty component ("a//b", "x/"), whose ".."
 * components all come first and never climb above the root.
 */
int	 symlink_target_inside(const char *path, const char *target);
/*
 * A systemd unit file name a package may install: prefix[@instance].type
 * with systemd's characters (ASCII letters, digits, ":-_.\\"), at most
 * one '@', not starting with '.' or '-', at most 255 bytes, and a type
 * that has unit files (service, socket, target, path, timer, mount,
 * automount, swap, slice).  "multi-user.target.wants" or "a/b.service"
 * are not.  1 when valid.
 */
int	 unit_name_valid(const char *name);

/*
 * The rules every entry of a package follows, checked where a package is
 * built (dcos-genconf) and again where it is installed (dcos-bootstrap),
 * so both refuse the same trees.  Each returns 0, or -1 with *errp saying
 * which rule is broken (no file name: the caller adds it).
 *
 * pkg_path_check: relpath_valid(), valid UTF-8, no control characters.
 * pkg_symlink_check: the target of the symlink at path is valid UTF-8
 * without control characters and symlink_target_inside().
 * pkg_mode_check: permission bits only (no setuid, setgid or sticky bit)
 * and writable by the owner alone: installed files belong to root, and a
 * group or world write bit would let anyone replace what root runs.
 * sysctl_check: key is a sysctl name (segments of [A-Za-z0-9_-] joined by
 * '.' or '/', no empty segment, at most 255 bytes) and value (NULL: it was
 * not a string) one non-empty line, so that "key = value" is one
 * sysctl.d(5) line about that key.
 */
int	 pkg_path_check(const char *path, char **errp);
int	 pkg_symlink_check(const char *path, const char *target,
	    char **errp);
int	 pkg_mode_check(unsigned long long mode, char **errp);
/*
 * The Windows rule for a path of a Windows package (docs/formats.md), on
 * top of pkg_path_check: printable ASCII, none of <>:"\|?*, no component
 * ending in '.' or ' ', none a reserved device name (CON, PRN, AUX, NUL,
 * CONIN$, CONOUT$, COM0-9, LPT0-9, any case, alone or before a '.'), no
 * component over 255 bytes.  0, or -1 with *errp naming the path and
 * the rule.
 */
#define WIN_NAME_MAX		255
int	 pkg_winpath_check(const char *path, char **errp);
/* Strings equal when ASCII letters are folded to one case (NTFS's view). */
int	 win_name_equal(const char *a, const char *b);

/* A package's platform, pkginfo.json's "platform" (absent: linux). */
enum pkg_platform {
	PLATFORM_LINUX,
	PLATFORM_WINDOWS
};
const char *platform_name(enum pkg_platform);
/* 0 with *outp for "linux" or "windows", else -1. */
int	 platform_parse(const char *s, enum pkg_platform *outp);
/* A package blob's file name suffix: ".tar.zst", or ".zip" on Windows. */
const char *pkg_blob_suffix(enum pkg_platform);
int	 sysctl_check(const char *key, const char *value, char **errp);
/*
 * Walks pkginfo.json's "sysctl" object, in the DC/OS form {service: {key:
 * value}} or flat {key: value}: every value must be a string and every
 * setting pass sysctl_check(); then fn (when not NULL) gets it.  0, or -1
 * with *errp (from fn, or naming the bad setting).
 */
int	 pkginfo_sysctl_foreach(const json_t *sysctl,
	    int (*fn)(void *, const char *key, json_t *value, char **),
	    void *arg, char **errp);

/* The dirs a generation links (bin, lib, etc, include), NULL-ended. */
extern const char *const pkg_farm_dirs[];
/*
 * 1 when entry path of package id can be linked into a generation: it is
 * not below a farm dir (or a _<role> variant of one), or its link target,
 * "../" for each of its '/' plus two, "packages/<id>/<path>", fits
 * MANIFEST_PATH_MAX.
 */
int	 pkg_farm_link_fits(const char *id, const char *path);

enum pkg_ftype {
	PKG_FILE,
	PKG_DIR,
	PKG_SYMLINK,
	PKG_HARDLINK
};

struct pkg_file {
	char		*path;
	enum pkg_ftype	 type;
	mode_t		 mode;		/* permission bits (file, dir) */
	uint64_t	 size;		/* file */
	struct digest	 sha256;	/* file */
	char		*target;	/* symlink, hardlink */
};

struct pkg_manifest {
	json_t		*json;
	char		*id;
	struct pkg_file	*files;		/* sorted by path, unique */
	size_t		 nfiles;
	uint64_t	 total_size;	/* sum of file sizes */
};

int	 pkg_manifest_parse(const char *buf, size_t len, const char *name,
	    struct pkg_manifest **outp, char **errp);
void	 pkg_manifest_free(struct pkg_manifest *);
/* The entry for path, or NULL (binary search). */
const struct pkg_file *pkg_manifest_find(const struct pkg_manifest *,
	    const char *path);
const char *pkg_ftype_name(enum pkg_ftype);
/*
 * The rules a Windows package's manifest follows besides the Linux ones:
 * only file and dir entries, every path by pkg_winpath_check, and no two
 * paths (nor one and .dcos-manifest.json) equal by win_name_equal.  For
 * dcos-genconf (what it builds) and any reader.  0, or -1 with *errp.
 */
int	 pkg_manifest_windows_check(const struct pkg_manifest *,
	    char **errp);

struct blob_pin {
	struct digest	 digest;
	uint64_t	 size;
};

struct arch_pin {
	char		*arch;
	struct blob_pin	 blob;
};

struct release_pkg {
	char		*id;
	enum pkg_platform platform;	/* "platform", absent: linux */
	struct blob_pin	 blob;
	struct digest	 manifest;	/* digest of its .dcos-manifest.json */
	uint64_t	 files;
	uint64_t	 installed_bytes;
	char		*username;	/* its pkginfo's, or NULL */
};

/* A minimum of free space under a host path (requires.min_disk_mib). */
struct release_disk {
	char		*path;		/* absolute */
	uint64_t	 mib;
};

/*
 * What a role asks of a host, release.json's roles.<role>.requires
 * (docs/formats.md): dcos-bootstrap preflight checks exactly these.  A
 * list that is not declared is empty, a number 0, a flag 0.
 */
struct release_requires {
	char		**tools;	/* commands that must be in PATH */
	size_t		 ntools;
	char		*docker_min;	/* docker running, at least this
					   version; NULL: no docker check */
	int		 selinux_targeted; /* enforcing needs "targeted" */
	char		**xfs_ftype;	/* paths that on XFS need ftype=1 */
	size_t		 nxfs_ftype;
	int		 no_dm_loop;	/* devicemapper_loop: false */
	char		**kernel_modules;
	size_t		 nkernel_modules;
	uint64_t	 min_cores;
	uint64_t	 min_memory_mib;
	struct release_disk *min_disk;	/* in the order given */
	size_t		 nmin_disk;
};

struct release_role {
	char		*name;
	uint16_t	*ports;
	size_t		 nports;
	struct release_requires *req;	/* NULL: none declared */
};

/* A genconf file of a release: genconf/<...>, pinned by digest. */
struct release_file {
	char		*path;
	struct digest	 digest;
};

/*
 * release.json (docs/formats.md), the one parse every program uses:
 * dcos-genconf for a release it reads, dcos-bootstrap, and dcos-artifactd's
 * mirror and fsck.
 */
struct release_manifest {
	json_t			*json;
	char			*name;		/* pkg_name_check */
	char			*version;	/* pkg_version_check */
	int64_t			 seq;		/* > 0 */
	struct release_pkg	*packages;	/* sorted by id, unique */
	size_t			 npackages;
	struct arch_pin		*bootstrap;	/* arch_name_valid */
	size_t			 nbootstrap;
	struct release_role	*roles;		/* role_name_valid */
	size_t			 nroles;
	struct release_file	*schema;	/* NULL: no "genconf" */
	struct release_file	*templates;	/* as listed */
	size_t			 ntemplates;
};

/* Whether the release carries a package of platform windows. */
int	 release_has_windows(const struct release_manifest *);

/* 1 when v is a version of dotted numbers ("1.13", "20.10.5"). */
int	 version_valid(const char *v);
/*
 * Compares the leading dotted numbers of a and b ("20.10.5-ce" as
 * 20.10.5): <0, 0 or >0.
 */
int	 version_cmp(const char *a, const char *b);

int	 release_manifest_parse(const char *buf, size_t len, const char *name,
	    struct release_manifest **outp, char **errp);
/*
 * A roles object as release.json's "roles" holds it ({role: {"ports":
 * [...], "requires": {...}}}, role_name_valid names, ports 1-65535 each
 * once, requires as docs/formats.md says, no key of it unknown); also for
 * the roles file dcos-genconf release reads.  Messages start with name.
 * Returns 0 with *outp (*np roles, free with release_roles_free) or -1
 * with *errp.
 */
int	 release_roles_parse(json_t *roles, const char *name,
	    struct release_role **outp, size_t *np, char **errp);
void	 release_roles_free(struct release_role *, size_t n);
void	 release_manifest_free(struct release_manifest *);
const struct release_pkg *release_manifest_package(
	    const struct release_manifest *, const char *id);
const struct release_role *release_manifest_role(
	    const struct release_manifest *, const char *role);

enum blob_kind {
	BLOB_RELEASE,
	BLOB_SIGNATURE,
	BLOB_PACKAGE,
	BLOB_CONFIG,
	BLOB_SECRETS		/* a role's sealed secrets bundle */
};

struct blob_ref {
	struct blob_pin	 blob;
	enum blob_kind	 kind;
	char		*id;		/* package and config blobs */
	char		*role;		/* secrets blobs: one per role */
	enum pkg_platform platform;	/* package and config blobs */
};

struct cluster_manifest {
	json_t			*json;
	char			*cluster_name;
	char			*config_id;
	char			*bootstrap_url;
	struct minisign_pubkey	*keys;
	size_t			 nkeys;
	char			*release_name;
	char			*release_version;
	int64_t			 release_seq;
	struct digest		 release_manifest;	/* release.json blob */
	struct digest		 release_signature;	/* its .minisig blob */
	char			*config_id_pkg;		/* config package id */
	struct blob_pin		 config_package;
	/* "config_package_windows": NULL, or the Windows config package. */
	char			*config_id_pkg_windows;
	struct blob_pin		 config_package_windows;
	struct arch_pin		*bootstrap;
	size_t			 nbootstrap;
	struct blob_ref		*blobs;
	size_t			 nblobs;
};

int	 cluster_manifest_parse(const char *buf, size_t len, const char *name,
	    struct cluster_manifest **outp, char **errp);
void	 cluster_manifest_free(struct cluster_manifest *);
const char *blob_kind_name(enum blob_kind);

struct store_release {
	char		*name;
	char		*version;
	int64_t		 seq;
	char		*path;		/* releases/N-V.tar */
	struct digest	 digest;
	char		*signature;	/* releases/N-V.tar.minisig */
	int		 has_recipe;	/* else releases/ holds the tar */
	struct digest	 recipe;	/* its recipe blob (lib/recipe.h) */
};

struct store_index {
	json_t			*json;
	struct digest		 current;
	struct digest		*manifests;	/* newest first; [0] == current */
	size_t			 nmanifests;
	char			*install_script;	/* path, "dcos_install.sh" */
	struct digest		 install_script_digest;
	char			*install_script_windows;	/* or NULL */
	struct digest		 install_script_windows_digest;
	struct store_release	*releases;
	size_t			 nreleases;
};

int	 store_index_parse(const char *buf, size_t len, const char *name,
	    struct store_index **outp, char **errp);
void	 store_index_free(struct store_index *);

/*
 * A host's view: drops the package and config blobs (cluster manifest)
 * or the packages (release.json) of other platforms than pl, freeing
 * them; the json tree stays whole.  dcos-bootstrap, a Linux host, never
 * fetches, installs or verifies a Windows blob.  Cross-checks between
 * the two views still refuse a blob whose platform the two disagree on:
 * it is in one and not the other.
 */
void	 cluster_manifest_keep_platform(struct cluster_manifest *,
	    enum pkg_platform pl);
void	 release_manifest_keep_platform(struct release_manifest *,
	    enum pkg_platform pl);

/* Loads and parses a file with one of the parsers above. */
#define MANIFEST_LOAD_DECL(type, fn)					\
int	 fn##_load(const char *path, struct type **outp, char **errp);
MANIFEST_LOAD_DECL(pkg_manifest, pkg_manifest)
MANIFEST_LOAD_DECL(release_manifest, release_manifest)
MANIFEST_LOAD_DECL(cluster_manifest, cluster_manifest)
MANIFEST_LOAD_DECL(store_index, store_index)

#endif
