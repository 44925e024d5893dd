/* SPDX-License-Identifier: Apache-2.0 */
/* dcos-bootstrap: the host side, one function per subcommand. */
#ifndef DCOS_BOOTSTRAP_H
#define DCOS_BOOTSTRAP_H

#include <sys/types.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "blob.h"
#include "digest.h"
#include "farm.h"
#include "manifest.h"
#include "minisign.h"
#include "pkginfo.h"
#include "subcmd.h"

/* The command table; commands look themselves up for their usage. */
extern const struct subcmd bootstrap_commands[];

int	 cmd_install(int, char **);
int	 cmd_activate(int, char **);
int	 cmd_rollback(int, char **);
int	 cmd_status(int, char **);
int	 cmd_verify(int, char **);
int	 cmd_check(int, char **);
int	 cmd_repair(int, char **);
int	 cmd_sysctl(int, char **);
int	 cmd_gc(int, char **);
int	 cmd_uninstall(int, char **);
/*
 * The getopt loop of a command whose only own option is --root: sets
 * *rootp.  Returns SUBCMD_CONTINUE, or the exit status to return.
 */
int	 cmd_root_args(const struct subcmd *, int argc, char **argv,
	    const char **rootp);
/*
 * The getopt loop of a command with options of its own: longopts must
 * map --root to 'R' and --help to 'h'; every other option is given to
 * fn(arg, opt, optarg), which returns SUBCMD_CONTINUE or the exit status
 * to return.  Returns SUBCMD_CONTINUE, or the exit status to return.
 */
struct option;
typedef int (*cmd_opt_fn)(void *arg, int opt, const char *optarg);
int	 cmd_args(const struct subcmd *, int argc, char **argv,
	    const struct option *longopts, cmd_opt_fn fn, void *arg,
	    const char **rootp);

/* Largest JSON file we read (cluster.json, release.json, state). */
#define JSON_MAX		(16 * 1024 * 1024)
#define ROLE_MAX		3

/* hostpath.c: where everything lives on a host, under --root. */
struct state;			/* state.c: state.json */

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
	int	 exit_status;	/* EXIT_LOCKED, EXIT_NOT_INSTALLED: what
				   a step found, for host_exit(); else 0 */
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
/*
 * Removes a tree below dirfd/name without following symlinks, whatever
 * its depth, with at most two descriptors open.  0 or -1 with *errp.
 */
int	 rm_tree_at(int dirfd, const char *name, char **errp);
/*
 * Opens the directory rel names the parent of, below dfd, never through
 * a symlink (each part O_NOFOLLOW | O_DIRECTORY); mk makes what is
 * missing (0755).  *basep is rel's last part.  A descriptor (the
 * caller's), or -1 with *errp (errp may be NULL).
 */
int	 open_parent(int dfd, const char *rel, int mk, const char **basep,
	    char **errp);
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
 * The directories an install may create that do not exist now (a new
 * JSON array, NULL when out of memory).
 */
json_t	*install_missing_dirs(const struct host *h);
/* 1 when rel (relative to the root) is one of those directories. */
int	 install_own_dir(const char *rel);
/*
 * Removes the directories an install may create that created (a JSON
 * array) lists, deepest first, each only when empty.
 */
void	 install_rmdir_created(const struct host *h, const json_t *created);

/*
 * Takes <state>/lock, then checks host_confined() again under it; fails
 * at once with a clear message when held.
 */
int	 host_lock(struct host *h, char **errp);
/*
 * host_lock(), and *createdp (when not NULL) gets the directories of
 * install_missing_dirs() that did not exist before this run made them for
 * the lock, and "var/lib/dcos/bootstrap/lock" when it made the lock file:
 * a run that does not get the lock made none of them.
 */
int	 host_lock_created(struct host *h, json_t **createdp, char **errp);
void	 host_unlock(struct host *h);
/*
 * Removes the state directory (lock file included) when all is set, else
 * only the lock file when created lists it, while holding the lock; then
 * unlocks and removes the directories created lists (when not NULL), so
 * no other run ever locks a file being removed.  Needs the lock.  0 or -1
 * with *errp (unlocked either way).
 */
int	 host_remove_state(struct host *h, const json_t *created, int all,
	    char **errp);

/* journal.c: the hash-chained audit log <state>/journal. */
/*
 * Appends one event (intent, install, rollback, activate, revert,
 * unfinished, abandon, refuse, override, repair, gc, uninstall) with a
 * human-readable message (bytes that are not UTF-8 are written \xNN)
 * and an optional details object (borrowed).  The file is rewritten
 * atomically.  Returns the entry's seq (> 0), or -1 after a warning
 * naming the event that was not recorded (a broken chain is never
 * extended).
 */
int	 journal_append(const struct host *h, const char *event,
	    json_t *details, const char *fmt, ...)
	    __attribute__((format(printf, 4, 5)));
/*
 * Checks the chain.  Returns 0 with *entries set when intact (also when
 * there is no journal), or -1 with *errp naming the first bad line and
 * *entries the journal's line count.
 */
int	 journal_check(const struct host *h, size_t *entries, char **errp);
/*
 * The last "intent" entry that no outcome closes yet (an outcome names
 * the intent's seq in details.intent), or NULL (also when the journal
 * cannot be read or its chain is broken).  The caller owns it.
 */
json_t	*journal_open_intent(const struct host *h);

/* secrets.c: the sealed secrets bundles of a host's roles. */
struct cluster;
struct seal_key;
#define SITE_KEY_NAME		"site.key"	/* in <root>/etc/mesosphere */
#define GEN_SECRETS_NAME	"secrets.json"	/* in a generation, 0600 */
/* The secrets blob of role that c pins, or NULL. */
const struct blob_ref *cluster_secrets(const struct cluster *c,
	    const char *role);
/* 1 when c pins a secrets bundle for one of roles. */
int	 cluster_needs_key(const struct cluster *c, char *const *roles,
	    size_t n);
/* "<root>/etc/mesosphere/site.key", malloc'd, or NULL. */
struct host;
char	*site_key_path(const struct host *h);
/* Sets *errp to the one line saying how to provide the key; -1. */
int	 site_key_missing(const struct host *h, const char *role,
	    char **errp);
/*
 * The host's private site key (a regular file of this user, mode 0600,
 * never group or other bits).  0, or -1 with *errp.
 */
int	 site_key_load(const struct host *h, const char *role,
	    struct seal_key *k, char **errp);
/*
 * Opens the secrets bundles of roles that c pins, from the cache (size
 * and digest checked first), with the host's site key, into c->bundles.
 * Nothing is written.  0 (also when c pins none) or -1 with *errp.
 */
int	 cluster_open_secrets(struct cluster *c, const struct host *h,
	    char *const *roles, size_t nroles, const char *cache,
	    char **errp);
void	 cluster_secrets_free(struct cluster *c);
/*
 * The record of generation n's secret files (GEN_SECRETS_NAME, checked)
 * as an object dest -> {sha256, mode, owner}, empty when it has none:
 * 0 with *outp (the caller's), or -1 with *errp.
 */
int	 gen_secrets_load(const struct host *h, long n, json_t **outp,
	    char **errp);
/*
 * The uid and gid of owner (NULL or "root": 0) in the host's own
 * accounts (<root>/etc/passwd, never NSS).  0, or -1 with *errp naming
 * secret file dest when the host has no such user.
 */
int	 secret_owner_ids(const struct host *h, const char *dest,
	    const char *owner, uid_t *uidp, gid_t *gidp, char **errp);
#define SECRET_CLEAN	0
#define SECRET_CHANGED	1	/* why says how */
#define SECRET_MISSING	2
/*
 * Secret file dest below genfd against its record rec: type, mode, the
 * owner (when run as root), the digest (never printed).  SECRET_*.
 */
int	 secret_audit(const struct host *h, int genfd, const char *dest,
	    const json_t *rec, char *why, size_t whysz);
/*
 * Gives generation n's secret files to their owners (at activation,
 * once the accounts exist; again on every run, so a killed activation
 * is finished by the next).  Only as root.  0 or -1 with *errp.
 */
int	 gen_own_secrets(const struct host *h, long n, char **errp);
/*
 * When a secret file of generation n drifted: prints a line for each
 * secrets bundle of g's roles that c pins and cache lacks (as repair does
 * for package blobs), adding them to *missingp.  0 or -1 with *errp.
 */
int	 secrets_repair_missing(const struct host *h, long n,
	    const json_t *g, const struct cluster *c, const char *cache,
	    size_t *missingp, char **errp);
/*
 * When g's roles have a secrets bundle that c pins, generation n must
 * have its record of secret files (install writes it): without it,
 * repair cannot tell which secret files belong.  0, or -1 with *errp.
 */
int	 secrets_record_check(const struct host *h, long n, const json_t *g,
	    const struct cluster *c, char **errp);
/*
 * Puts back the drifted secret files of generation n (g its
 * generation.json) from the bundles c pins, opened from cache with the
 * host's site key, each checked against the generation's record and
 * written atomically with its mode and owner, through descriptors, never
 * through a symlink; journaled.  Nothing is written unless all of them
 * can be; with apply 0 it only checks that (no write).  The bundles are
 * closed again on return.  0 with *nfixedp, or -1 with *errp.
 */
int	 secrets_repair(const struct host *h, long n, const json_t *g,
	    struct cluster *c, const char *cache, int apply, size_t *nfixedp,
	    char **errp);
/*
 * Writes the opened bundles' files into the generation being built
 * (genfd) where gen_place puts them for roles, mode 0600 at most, and
 * GEN_SECRETS_NAME with their digests.  0 or -1 with *errp.
 */
int	 gen_write_secrets(int genfd, const struct cluster *c,
	    char *const *roles, size_t nroles, char **errp);

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
	struct secrets_bundle	**bundles;	/* opened: cluster_open_secrets */
	size_t			 nbundles;
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
 * The package-blob reader (tar + zstd/xz/gzip, first member the package
 * manifest), for extraction, preflight and blob_manifest().  pkgblob_open
 * returns BLOB_OK (lib/blob.h) with *bp (free with pkgblob_free),
 * BLOB_MISSING, or -1 with *errp.  Without flags the pinned size and
 * digest are checked first on the descriptor the archive is then read
 * from (lib/blob.h blob_open), so what is read is what was hashed.  With
 * PKGBLOB_STREAM only the size is checked first; every byte is hashed as
 * the archive reader consumes it and pkgblob_finish() reads the rest and
 * checks the digest: what was extracted meanwhile must not be used unless
 * it returns 0.
 */
struct archive;
struct pkgblob;
#define PKGBLOB_STREAM	0x1
int	 pkgblob_open(const char *path, const struct digest *, uint64_t size,
	    int flags, struct pkgblob **bp, char **errp);
/* The archive reader (owned by b). */
struct archive *pkgblob_archive(struct pkgblob *b);
/*
 * Reads the next member, which must be the package manifest (the first
 * member): 0 with *bufp (malloc'd) and *lenp, or -1 with *errp.
 */
int	 pkgblob_manifest(struct pkgblob *b, char **bufp, size_t *lenp,
	    char **errp);
/* PKGBLOB_STREAM: reads to the end and checks size and digest.  0 or -1. */
int	 pkgblob_finish(struct pkgblob *b, char **errp);
void	 pkgblob_free(struct pkgblob *);
/*
 * Checks that the blob at blobpath has blob_size bytes and blob_digest,
 * then reads its first member, the package manifest of package id, and
 * puts its digest in *out.  BLOB_OK, BLOB_MISSING or -1 with *errp.
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
 * the file system once before renaming into place.  Every block written
 * is counted as item item of pr (may be NULL).  Thread-safe.
 * 0 or -1 with *errp.
 */
struct progress;
int	 extract_package(const char *blobpath, const struct digest *blob_digest,
	    uint64_t blob_size, const char *id,
	    const struct digest *want_manifest, const char *stagedir,
	    struct progress *pr, size_t item, char **errp);

/*
 * progress.c: what a long step shows people on stderr, nothing with -q:
 * on a terminal one line redrawn with \r at most 4 times a second (items
 * done, bytes, rate, time left, and the item written to last), else one
 * line per finished item.  Every function is thread-safe and accepts
 * NULL.
 */
struct progress;
/* "extracting", "extracted", "packages": NULL with -q or no memory. */
struct progress *progress_new(const char *verb, const char *past,
	    const char *noun, size_t n);
/* Item i (0 to n - 1) is name (borrowed) of size bytes; before any add. */
void	 progress_item(struct progress *, size_t i, const char *name,
	    uint64_t size);
/* bytes more of item i are written. */
void	 progress_add(struct progress *, size_t i, uint64_t bytes);
/* Item i is finished. */
void	 progress_done(struct progress *, size_t i);
/* Ends the terminal line and frees. */
void	 progress_free(struct progress *);

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
 * extracted packages of c for roles, running every check of the
 * packages' pkginfo.json, units and symlink farm; package i is read from
 * srcroots[i] (its stage, not yet published) when srcroots and it are not
 * NULL, else from packages/<id>.  gen_commit() renames it into place,
 * gen_abort() removes it.  Collisions name both packages.  0 or -1 with
 * *errp (nothing left behind).
 */
int	 gen_build(const struct host *, const struct cluster *c,
	    char *const *roles, size_t nroles, long n,
	    char *const *srcroots, char **errp);
int	 gen_commit(const struct host *, long n, char **errp);
/*
 * Is generation.json g of generation n the record of a generation of
 * cluster manifest c (its number, its packages in c's order, its roles)?
 * 0, or -1 with *errp saying what does not match.
 */
int	 gen_record_check(const json_t *g, long n, const struct cluster *c,
	    char **errp);
/*
 * Builds generation n (generation.json g, made of c) again from its
 * packages with gen_build's code, beside it; refuses, changing nothing,
 * when what it builds is not what g records; keeps g and the secret
 * files its record lists (gen_secrets_load's, checked; linked, never
 * through a symlink; one whose parent drifted is left missing for
 * secrets_repair); then swaps the whole tree in
 * (replace_package: journaled).  c's secrets bundles must be closed
 * (else build_in writes them too).  0 or -1 with *errp.
 */
int	 gen_rebuild(const struct host *h, const struct cluster *c,
	    const json_t *g, long n, char **errp);
void	 gen_abort(const struct host *, long n);
/*
 * The target of the farm link generations/<n>/dest to packages/id/path
 * (relative, so --root works).  malloc'd, or NULL.
 */
char	*gen_farm_target(const char *dest, const char *id, const char *path);
/*
 * The files of a generation made from the packages' pkginfo.json; its
 * etc/SERVICE_CONFIG_NAME links to the last (lib/pkginfo.h).
 */
#define GEN_NFILES	3
#define SERVICE_CONFIG_LINK	"../" SERVICE_CONFIG_NAME
extern const char *const gen_file_names[GEN_NFILES];
/*
 * What gen_build wrote to gen_file_names for the packages generation.json
 * g lists: texts[i] (malloc'd) for gen_file_names[i].  0, or -1 with
 * *errp (texts all NULL).
 */
int	 gen_expected_files(const struct host *h, const json_t *g,
	    char *texts[GEN_NFILES], char **errp);
/*
 * Does generation json g hold exactly cluster manifest d and roles?
 */
int	 gen_matches(const json_t *g, const struct digest *d,
	    char *const *roles, size_t nroles);

/*
 * The one rule for role changes (install and preflight): the roles of
 * the current generation against roles, as sets.  0 when they are the
 * same or nothing is installed; 1 when they differ, with *errp the
 * refusal (naming uninstall and --change-roles); -1 with *errp when the
 * current generation cannot be read.  On 0 and 1 *fromp gets the
 * installed roles, " master slave" ("" when none; malloc'd).
 */
int	 gen_roles_compare(const struct host *h, const char *const *roles,
	    size_t nroles, char **fromp, char **errp);

/* hostfiles.c: host file changes staged before the switch. */
struct hostfile {
	char	*path;		/* the file to change */
	char	*tmp;		/* staged content; NULL: remove path */
};
struct hostfiles {
	struct hostfile	*f;
	size_t		 n, cap;
};
void	 hostfiles_init(struct hostfiles *);
/*
 * Stage path with content buf (mode 0644), a symbolic link to target, or
 * its removal; nothing when path is so already.  Staged content is
 * written and synced under a temporary name in path's directory now.
 * 0 or -1 with *errp (a directory at path is refused).
 */
int	 hostfiles_write(struct hostfiles *, const char *path,
	    const char *buf, size_t len, char **errp);
int	 hostfiles_symlink(struct hostfiles *, const char *path,
	    const char *target, char **errp);
int	 hostfiles_remove(struct hostfiles *, const char *path, char **errp);
/*
 * Puts every staged change in place, in order (crash point "units" after
 * each).  0, or -1 with *errp at the first that fails.
 */
int	 hostfiles_commit(struct hostfiles *, char **errp);
/* Removes what is still staged and frees.  Safe to call twice. */
void	 hostfiles_free(struct hostfiles *);
/* Removes the staged names a killed run left in dir. */
void	 hostfiles_sweep(const char *dir);

/* cmd-verify.c, also used by repair. */
/* What verify finds, counted per part of the host (gen_audit). */
struct drift {
	size_t	packages;	/* package trees (their manifests only) */
	size_t	generation;	/* its link farm, active/, units, environment
				   files */
	size_t	secrets;	/* its secret files */
	size_t	top;		/* /opt/mesosphere's links into current */
	size_t	units;		/* the installed units */
	int	known;		/* every package manifest was read */
};
/*
 * verify's audit of generation n (generation.json g) outside the
 * packages' files, which it does not read: one line per finding, as
 * verify prints them (none when quiet), counted in *d.  0, or -1 with
 * *errp.
 */
int	 gen_audit(const struct host *h, long n, const json_t *g, int quiet,
	    struct drift *d, char **errp);
/*
 * Audits packages/<id> against its own manifest, whose digest must be
 * want (a "sha256:..." string) when not NULL, printing one line per
 * changed, missing or extra entry (as verify does); *findingsp gets
 * their number.  0, or -1 with *errp.
 */
int	 pkg_audit(const struct host *h, const char *id, const char *want,
	    size_t *findingsp, char **errp);

/* cmd-check.c, also used by install --check. */
#define CHECK_TIMEOUT_DEFAULT	60.0
/*
 * Runs the health checks of generation gen (its packages' check/
 * executables), each within timeout seconds, printing a line per check
 * (or appending it to arr when not NULL); *ran and *critical count
 * them.  0, or -1 with *errp when they could not be run.
 */
int	 checks_run(const struct host *h, long gen, double timeout,
	    json_t *arr, size_t *ran, size_t *critical, char **errp);
/*
 * Parses a --timeout argument (seconds, more than 0) into *secp; -1
 * after an error message.
 */
int	 checks_timeout(const char *arg, double *secp);

/* cmd-install.c, also used by repair and activate. */
/*
 * Removes what a crashed run left half-made in packages/ and
 * generations/ (staging and temporary names; never a complete object).
 * 0 or -1 with *errp.
 */
int	 clean_partial(const struct host *h, char **errp);
/*
 * Swaps the freshly extracted stage in for final with one
 * renameat2(RENAME_EXCHANGE), removes the old tree and journals a
 * "repair" event "replaced <final>: <why>".  0 or -1 with *errp.
 */
int	 replace_package(const struct host *h, const char *stage,
	    const char *final, const char *why, char **errp);

/* activate.c: the switch and what follows it. */
/* The links <opt>/NAME -> current/NAME, NULL-terminated. */
extern const char *const top_links[];
/* unit_check_name: lib/pkginfo.h. */
/*
 * state.json's "created_units": the unit files in /etc/systemd/system
 * that the installer created, and so may replace or remove (dcos.target
 * included once a generation is active; a state from before the list
 * counts the active generation's units).  Borrowed from state, which
 * gets the list when it had none.
 */
json_t	*created_units(struct state *state);
/*
 * Puts back on the host what activation put there for the active
 * generation n (generation.json g): its units as the generation has
 * them, dcos.target, the role files and /opt/mesosphere's links; then
 * daemon-reload when reload is set.  No service is started or stopped.
 * 0 or -1 with *errp.
 */
int	 activate_files(struct host *h, long n, const json_t *g,
	    struct state *state, int reload, char **errp);

/*
 * Runs "systemctl VERB dcos.target" when systemd runs the host (never
 * with --root).  0, also when there is nothing to do, or -1 with *errp.
 */
int	 dcos_target(const struct host *h, const char *verb, char **errp);

/* How an activation ended (struct activation's result). */
#define ACT_DONE	0	/* the generation is active */
#define ACT_UNCHANGED	1	/* refused before the switch, or rolled
				   back after it: the host runs what it
				   ran before */
#define ACT_PARTIAL	2	/* could neither finish nor roll back
				   (state.json's target names the
				   generation: "activate" finishes it), or
				   active but dcos.target did not start */
/*
 * dcos-bootstrap's exit statuses beyond lib/subcmd.h's EXIT_OK (0),
 * EXIT_FAIL (1) and EXIT_USAGE (2); the man page's EXIT STATUS lists
 * them all.  preflight exits 1 when any check failed (dcos_install.sh
 * turns that into the number of failed checks, as DC/OS does).
 */
#define EXIT_PARTIAL		3	/* an activation ended ACT_PARTIAL */
#define EXIT_NOT_INSTALLED	4	/* no generation is installed */
#define EXIT_LOCKED		5	/* another run holds the host's lock */
/*
 * The exit status of a command that failed with rc on host h: the one a
 * step recorded in h->exit_status (a held lock, nothing installed) when
 * rc is EXIT_FAIL, else rc.
 */
int	 host_exit(const struct host *h, int rc);

/*
 * op: install, rollback or activate.  what: the message of its outcome
 * (borrowed; NULL: "generation N is active").  start: start dcos.target
 * (systemd).  activate_generation sets result (ACT_*) and journaled
 * (its failure is in the journal already).
 */
struct activation {
	const char	*op;
	const char	*what;
	int		 start;
	int		 result;
	int		 journaled;
};

/*
 * Activates generation n for act->op.  Checks the generation's units
 * and stages every host file it changes, then journals the intent,
 * records n as the target in state.json, switches "current" (one
 * rename(2)), puts the staged files in place and journals the outcome.
 * A failure after the switch switches back to the previous generation
 * and restores its files ("rolled back"); when that fails too, the
 * target stays so "activate" finishes the job.  Starts dcos.target when
 * systemd runs and act->start is set.  0, or -1 with *errp saying which
 * of these happened and act->result set.
 */
int	 activate_generation(struct host *, long n, struct activation *act,
	    char **errp);

/*
 * services.c: the services around a switch.  A plan is a JSON object
 * {"generation": N, "from": M, "stop": [...], "restart": [...],
 * "start": [...]} (unit names) that state.json keeps as "services" until
 * it is carried out.
 */
/*
 * The systemctl to run: DCOS_BOOTSTRAP_SYSTEMCTL when set (a test hook,
 * used under --root too), else systemd's when systemd runs and --root
 * was not given; NULL when no service is ours to touch.  Borrowed.
 */
const char *svc_manager(const struct host *h);
/*
 * Runs "sc verb UNIT... [also]" (units: a JSON array of unit names,
 * each checked; may be NULL); nothing when there is no unit to act on,
 * except for daemon-reload.  0, or -1 with *errp.
 */
int	 svc_call(const char *sc, const char *verb, const json_t *units,
	    const char *also, char **errp);
/*
 * The plan of the switch from generation from (gold; NULL when it is
 * gone or none: old_units are then the units that ran) to n (gnew),
 * with todo (an earlier plan not carried out, or NULL) merged in.  New
 * reference, NULL when out of memory.
 */
json_t	*svc_plan(const struct host *h, long from, const json_t *gold,
	    const json_t *old_units, long n, const json_t *gnew,
	    const json_t *todo);
/* The plan that undoes plan, back to generation from.  New, or NULL. */
json_t	*svc_reverse(const json_t *plan, const json_t *todo, long from);
/* Stops the units plan drops (before the switch).  0 or -1, *errp. */
int	 svc_stop(const char *sc, const json_t *plan, char **errp);
/*
 * After the switch: daemon-reload, restarts the changed units, starts
 * dcos.target (and so the new units).  0 or -1 with *errp.
 */
int	 svc_start(const char *sc, const json_t *plan, char **errp);
/* "stop a, b; restart c; start d" (malloc'd), or NULL. */
char	*svc_describe(const json_t *plan);

/*
 * state.c: <state>/state.json, the host's durable bookkeeping; its keys
 * are docs/formats.md's "Host state".
 */
struct state_pending {			/* an activation under way */
	char		*op;		/* install, rollback, activate */
	long		 generation;	/* its target */
	long		 from;		/* active before it (0: none) */
	json_int_t	 intent;	/* journal seq of its intent, 0: none */
	char		*what;		/* the message of its outcome */
};

struct state_check {			/* the last "dcos-bootstrap check" */
	long		 generation;	/* it ran on; 0: none recorded */
	char		*time;		/* UTC, 2026-01-01T00:00:00Z */
	json_int_t	 checks;	/* how many ran */
	json_int_t	 critical;	/* how many failed */
};

struct state {
	json_int_t		 highest_seq;	/* of any release installed */
	long			 target;	/* activated last; 0: none */
	long			 active;	/* whose activation finished */
	struct state_pending	*pending;	/* NULL: none under way */
	long			 start_pending;	/* generation whose
						   dcos.target start has not
						   succeeded yet; 0: none */
	/* Lists of strings, each checked by the loader; never NULL but
	   created_dirs (NULL: not recorded yet). */
	json_t			*units;		/* the active generation's */
	json_t			*created_units;	/* unit files we made */
	json_t			*created_users;
	json_t			*created_groups;
	json_t			*created_state_dirs; /* under /var/lib/dcos */
	json_t			*created_dirs;	/* an install made (lock.c) */
	/* Generations that were fully active: rollback's targets (NULL:
	   not recorded yet). */
	json_t			*activated;
	/*
	 * The services plan of the last switch (services.c), kept until it
	 * was carried out; NULL: none.
	 */
	json_t			*services;
	/* The journal as last appended: set by state_journaled only. */
	json_int_t		 journal_entries; /* 0: not recorded */
	char			 journal_head[DIGEST_STRSZ];
	struct state_check	 check;
};

/*
 * Reads state.json; a host without one gets an empty state.  A file
 * that is not exactly what state_save writes (a key unknown or of the
 * wrong type, a name no install records) is refused.  0 with *sp (free
 * with state_free) or -1 with *errp (one line: file, key, what to do).
 */
int	 state_load(const struct host *, struct state **sp, char **errp);
/* The same checks on a buffer (name is used in messages). */
int	 state_parse(const char *buf, size_t len, const char *name,
	    struct state **sp, char **errp);
/*
 * Writes s atomically, keeping the journal head that state.json holds
 * (only state_journaled moves it).  Refuses to write what state_load
 * would refuse.  0 or -1 with *errp.
 */
int	 state_save(const struct host *, struct state *s, char **errp);
/*
 * Records the journal's length and last hash after an append (loads,
 * sets, writes).  0 or -1 with *errp.
 */
int	 state_journaled(const struct host *, json_int_t entries,
	    const char *head, char **errp);
/* state.json's text of s (a new reference), or NULL. */
json_t	*state_json(const struct state *s);
/* A deep copy, or NULL. */
struct state *state_copy(const struct state *s);
/* Sets s->pending (copies op and what).  0 or -1 with *errp. */
int	 state_set_pending(struct state *s, const char *op, long generation,
	    long from, json_int_t intent, const char *what, char **errp);
void	 state_clear_pending(struct state *s);
void	 state_free(struct state *s);

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
/* 1 when name is a valid system user or group name. */
int	 users_name_ok(const char *name);
/*
 * A package's group must exist on the host unless it is named like its
 * user (or absent), as pkgpanda has it: only then is it made with the
 * user.  0, or -1 with *errp (no group, or one that cannot be read).
 */
int	 users_group_check(const struct host *, const char *user,
	    const char *group, char **errp);
/* Looks up user's ids.  1 found, 0 not found, -1 with *errp. */
int	 users_lookup(const struct host *, const char *user, uid_t *uidp,
	    gid_t *gidp, char **errp);
/* Removes the named accounts we created.  0 or -1 with *errp. */
int	 users_remove(const struct host *, const json_t *users,
	    const json_t *groups, char **errp);

#endif
