/* dcos-bootstrap: the host side, one function per subcommand. */
#ifndef DCOS_BOOTSTRAP_H
#define DCOS_BOOTSTRAP_H

#include <sys/types.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "digest.h"
#include "manifest.h"
#include "minisign.h"
#include "subcmd.h"

/* The command table; commands look themselves up for their usage. */
extern const struct subcmd bootstrap_commands[];

int	 cmd_install(int, char **);
int	 cmd_activate(int, char **);
int	 cmd_rollback(int, char **);
int	 cmd_status(int, char **);
int	 cmd_verify(int, char **);
int	 cmd_gc(int, char **);
int	 cmd_uninstall(int, char **);
/*
 * The getopt loop of a command whose only own option is --root: sets
 * *rootp.  Returns SUBCMD_CONTINUE, or the exit status to return.
 */
int	 cmd_root_args(const struct subcmd *, int argc, char **argv,
	    const char **rootp);

/* Largest JSON file we read (cluster.json, release.json, state). */
#define JSON_MAX		(16 * 1024 * 1024)
#define ROLE_MAX		3

/* hostpath.c: where everything lives on a host, under --root. */
struct host {
	char	*root;		/* "/" or the --root directory */
	int	 rooted;	/* --root given: never touch systemd */
	char	*opt;		/* <root>/opt/mesosphere */
	char	*pkgdir;	/* <opt>/packages */
	char	*gendir;	/* <opt>/generations */
	char	*current;	/* <opt>/current */
	char	*etcdir;	/* <root>/etc/mesosphere */
	char	*unitdir;	/* <root>/etc/systemd/system */
	char	*state;		/* <root>/var/lib/dcos/bootstrap */
	char	*statedirs;	/* <root>/var/lib/dcos */
	int	 lockfd;
};

/*
 * Fills h for root (NULL for "/") and checks it with host_confined().
 * 0 or -1 with *errp.
 */
int	 host_init(struct host *h, const char *root, char **errp);
void	 host_free(struct host *h);
/* A malloc'd "<root>/<rel>" (rel without leading '/'), or NULL. */
char	*host_path(const struct host *h, const char *rel);
/* 1 when rel names a valid role (master, slave, slave_public). */
int	 role_valid(const char *);
/*
 * Test hook: when DCOS_BOOTSTRAP_CRASH_AT names step, the process kills
 * itself with SIGKILL there (crash-safety tests); otherwise nothing.
 */
void	 crash_point(const char *step);
/* Removes a tree below dirfd/name without following symlinks. */
int	 rm_tree_at(int dirfd, const char *name, char **errp);
int	 rm_tree(const char *path, char **errp);
/* Atomically points the symlink path at target.  0 or -1 with *errp. */
int	 symlink_replace(const char *target, const char *path, char **errp);

/*
 * rootfs.c: with --root, 0 when every directory the installer works in
 * (and every file it reads there) resolves the same from outside the
 * root as inside it (openat2 RESOLVE_IN_ROOT), so no absolute or
 * climbing symlink in the tree sends a write out of it; -1 with *errp
 * naming the symlink otherwise.  Always 0 without --root.
 */
int	 host_confined(const struct host *h, char **errp);

/* lock.c: one run at a time per host. */
/*
 * Takes <state>/lock, then checks host_confined() again under it; fails
 * at once with a clear message when held.
 */
int	 host_lock(struct host *h, char **errp);
void	 host_unlock(struct host *h);

/* journal.c: the hash-chained audit log <state>/journal. */
/*
 * Appends one event (install, switch, rollback, refuse, override, gc,
 * uninstall) with a human-readable message and an optional details
 * object (borrowed).  The file is rewritten atomically.  0, or -1 after
 * a warning naming the event that was not recorded (a broken chain is
 * never extended).
 */
int	 journal_append(const struct host *h, const char *event,
	    json_t *details, const char *fmt, ...)
	    __attribute__((format(printf, 4, 5)));
/*
 * Checks the chain.  Returns 0 with *entries set when intact (also when
 * there is no journal), or -1 with *errp naming the first bad line.
 */
int	 journal_check(const struct host *h, size_t *entries, char **errp);

/* trust.c: cluster manifest -> release signature -> blob digests. */
struct pkgref {
	char		*id;		/* name--version */
	char		*name;		/* the part before "--" */
	struct digest	 digest;	/* of the blob */
	uint64_t	 size;
	int		 config;	/* the config package */
	int		 has_manifest;	/* manifest is known: signed by the
					   release, or (config package) read
					   by cluster_verify from its blob */
	struct digest	 manifest;	/* of its .dcos-manifest.json */
	uint64_t	 installed_bytes;
};

struct cluster {
	struct cluster_manifest	*cm;		/* cluster.json (lib/manifest) */
	struct release_manifest	*rm;		/* release.json once verified */
	struct digest		 digest;	/* of cluster.json */
	const char		*cluster_name;	/* borrowed from cm */
	const char		*config_id;
	const char		*release_name;
	const char		*release_version;
	int64_t			 seq;
	struct pkgref		*pkgs;		/* sorted by id, config included */
	size_t			 npkgs;
};

/*
 * Reads and checks the structure of a cluster manifest (no blob is read).
 * Returns 0 with *cp (free with cluster_free) or -1 with *errp.
 */
int	 cluster_load(const char *path, struct cluster **cp, char **errp);
void	 cluster_free(struct cluster *);
/* "<cache>/blobs/sha256/<hex>" (malloc'd), or NULL. */
char	*cache_blob_path(const char *cache, const struct digest *);
/*
 * Checks that the blob at path has the given size and digest.  Returns 1
 * when it does, 0 when it is missing, -1 with *errp when it is wrong.
 */
int	 blob_check(const char *path, const struct digest *, uint64_t size,
	    char **errp);
/*
 * As blob_check, and on 1 *fdp is the checked file open at offset 0, so
 * what is then read is what was hashed, not whatever the path names by
 * then.
 */
int	 blob_open_checked(const char *path, const struct digest *,
	    uint64_t size, int *fdp, char **errp);
/*
 * The chain down to the package list: release.json and its signature from
 * the cache (size, digest, a trusted key, trusted comment sha256 and seq),
 * then the package list of cluster.json against the signed release.json;
 * sets has_manifest and manifest of every package the release lists.
 * Nothing is written.  0 or -1 with *errp (also when either blob is not
 * in the cache).
 */
int	 cluster_verify_release(struct cluster *, const char *cache,
	    char **errp);
/*
 * cluster_verify_release(), then that every package blob is in the cache
 * with its pinned size, except (when pkgdir is not NULL) the packages
 * pkg_installed() finds in pkgdir: they need no blob.  The config
 * package's blob is checked whole and its manifest digest read from it
 * (has_manifest), so an installed config package is held to it too.
 * Other package blob digests are checked by extract_package() right
 * before extraction (and not at all for packages already installed).
 * Nothing is written.
 * 0 or -1 with *errp.
 */
int	 cluster_verify(struct cluster *, const char *cache,
	    const char *pkgdir, char **errp);
/*
 * Is package p (whose signed manifest digest is known: has_manifest)
 * extracted as pkgdir/<id>, a directory whose .dcos-manifest.json has the
 * digest the signed release lists?  Only the manifest is read: the files
 * are what verify audits.  Returns PKG_ABSENT, PKG_INSTALLED, or
 * PKG_DIFFERENT with *whyp (malloc'd, may be NULL when out of memory)
 * saying what is wrong; -1 with *errp when it cannot tell.
 */
#define PKG_ABSENT	0
#define PKG_INSTALLED	1
#define PKG_DIFFERENT	2
int	 pkg_installed(const char *pkgdir, const struct pkgref *p,
	    char **whyp, char **errp);
/* The package named by id, or NULL. */
const struct pkgref *cluster_pkg(const struct cluster *, const char *id);

/*
 * extract.c: one package blob -> packages/<id>, under the rules of
 * docs/formats.md "Package blob".
 */
struct pkgmanifest {
	struct pkg_manifest	*pm;		/* lib/manifest's parse */
	const char		*id;		/* borrowed from pm */
	struct digest		 digest;	/* of the manifest text */
};

/*
 * Parses a package manifest with lib/manifest, then adds the host's
 * stricter rules: id equal to want_id (when not NULL), parents listed as
 * dirs, hardlinks to earlier files, symlink targets of the form
 * "../"... + a path without "..", so no chain of symlinks can climb out.
 * 0 with *mp (free with pkgmanifest_free) or -1 with *errp.
 */
int	 pkgmanifest_parse(const char *buf, size_t len, const char *want_id,
	    struct pkgmanifest **mp, char **errp);
int	 pkgmanifest_load(const char *pkgroot, const char *want_id,
	    struct pkgmanifest **mp, char **errp);
void	 pkgmanifest_free(struct pkgmanifest *);
const struct pkg_file *pkgmanifest_find(const struct pkgmanifest *,
	    const char *path);

/*
 * Checks that the blob at blobpath has blob_size bytes and blob_digest,
 * then reads its first member, the package manifest of package id, and
 * puts its digest in *out.  0 or -1 with *errp.
 */
int	 blob_manifest(const char *blobpath, const struct digest *blob_digest,
	    uint64_t blob_size, const char *id, struct digest *out,
	    char **errp);
/*
 * Checks that the blob at blobpath has blob_size bytes and blob_digest,
 * then extracts it into the new directory stagedir (which must not
 * exist), checking every member against the package's own manifest (first
 * member), whose digest must equal *want_manifest when not NULL.  On
 * failure stagedir is removed.  Does not fsync the data: the caller syncs
 * the file system once before renaming into place.  Thread-safe.
 * 0 or -1 with *errp.
 */
int	 extract_package(const char *blobpath, const struct digest *blob_digest,
	    uint64_t blob_size, const char *id,
	    const struct digest *want_manifest, const char *stagedir,
	    char **errp);

/* generation.c: generations/<n> and generation.json. */
struct generation {
	long		 n;
	json_t		*json;		/* generation.json */
};

/* Numbers of complete generations, ascending (malloc'd). 0 or -1. */
int	 gen_list(const struct host *, long **nsp, size_t *countp,
	    char **errp);
/* The generation current points at, 0 when none.  -1 with *errp. */
int	 gen_current(const struct host *, long *np, char **errp);
/*
 * The start of a command on an installed host: host_init for root, the
 * lock when lock is set, the current generation in *curp and, when nsp
 * is not NULL, gen_list.  Fails when no generation is installed.  0, or
 * -1 with *errp; the caller frees h (host_free) and *nsp either way.
 */
int	 host_open_installed(struct host *h, const char *root, int lock,
	    long *curp, long **nsp, size_t *np, char **errp);
/* Loads generations/<n>/generation.json.  NULL with *errp. */
json_t	*gen_load(const struct host *, long n, char **errp);
/*
 * Builds generation n completely in a temporary directory from the
 * (extracted) packages of c for roles, then renames it into place.
 * Collisions name both packages.  0 or -1 with *errp.
 */
int	 gen_build(const struct host *, const struct cluster *c,
	    char *const *roles, size_t nroles, long n, char **errp);
/*
 * Does generation json g hold exactly cluster manifest d and roles?
 */
int	 gen_matches(const json_t *g, const struct digest *d,
	    char *const *roles, size_t nroles);

/*
 * cmd-install.c: removes the directories an install may create that
 * created (a JSON array) lists, deepest first, each only when empty.
 */
void	 install_rmdir_created(const struct host *h, const json_t *created);

/* activate.c: the switch and what follows it. */
/* 1 when the JSON array a holds the string s. */
int	 in_array(const json_t *a, const char *s);
/*
 * Makes generation n current (one rename(2)), then syncs the role files,
 * users, state dirs and systemd units, and starts dcos.target when
 * systemd runs and start is set.  Records n as the target in state.json
 * first, so a crash is finished by "activate".  0 or -1 with *errp.
 */
int	 activate_generation(struct host *, long n, int start, char **errp);

/* state.json: the host's durable bookkeeping. */
json_t	*state_load(const struct host *, char **errp);
int	 state_save(const struct host *, json_t *, char **errp);

/* users.c: accounts from /etc/passwd and /etc/group, read directly. */
/*
 * Makes sure user (and group, or a group named like the user) exist in
 * <root>/etc/passwd and <root>/etc/group, adding system accounts when not.
 * Created names are appended to the arrays created_users and
 * created_groups.  *uidp and *gidp get the ids.  0 or -1 with *errp.
 */
int	 users_ensure(const struct host *, const char *user,
	    const char *group, json_t *created_users, json_t *created_groups,
	    uid_t *uidp, gid_t *gidp, char **errp);
/* Looks up user's ids.  1 found, 0 not found, -1 with *errp. */
int	 users_lookup(const struct host *, const char *user, uid_t *uidp,
	    gid_t *gidp, char **errp);
/* Removes the named accounts we created.  0 or -1 with *errp. */
int	 users_remove(const struct host *, const json_t *users,
	    const json_t *groups, char **errp);

#endif
