/* SPDX-License-Identifier: Apache-2.0 */
/* install: verify, extract, build and switch to a new generation. */
#include <config.h>

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "atomicio.h"
#include "bootstrap.h"
#include "digest.h"
#include "error.h"
#include "jsonio.h"
#include "log.h"
#include "subcmd.h"

/* Seconds since an earlier now(): install -v says where time goes. */
static double
now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
clean_partial(const struct host *h, char **errp)
{
	const char	*dirs[2] = { h->pkgdir, h->gendir };
	DIR		*d;
	struct dirent	*de;
	size_t		 i;
	int		 rc = 0;

	for (i = 0; i < 2 && rc == 0; i++) {
		if ((d = opendir(dirs[i])) == NULL) {
			if (errno == ENOENT)
				continue;
			return err_sys(errp, "%s", dirs[i]);
		}
		while (rc == 0 && (de = readdir(d)) != NULL)
			if (strncmp(de->d_name, ".staging-", 9) == 0 ||
			    strncmp(de->d_name, ".tmp-", 5) == 0 ||
			    strncmp(de->d_name, ".gc-", 4) == 0)
				rc = rm_tree_at(dirfd(d), de->d_name, errp);
		closedir(d);
	}
	return rc;
}

static int
add_role(char **roles, size_t *n, const char *list, char **errp)
{
	static const char *order[] = { "master", "slave", "slave_public" };
	char	*copy, *tok, *save = NULL;
	size_t	 i;
	int	 have[3] = { 0, 0, 0 };

	for (i = 0; i < *n; i++) {
		size_t k;
		for (k = 0; k < 3; k++)
			if (strcmp(roles[i], order[k]) == 0)
				have[k] = 1;
	}
	if ((copy = strdup(list)) == NULL)
		return err_set(errp, "out of memory");
	for (tok = strtok_r(copy, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		if (!role_valid(tok)) {
			err_set(errp, "unknown role \"%s\": use master, slave "
			    "or slave_public", tok);
			free(copy);
			return -1;
		}
		for (i = 0; i < 3; i++)
			if (strcmp(tok, order[i]) == 0)
				have[i] = 1;
	}
	free(copy);
	/* Canonical order, no duplicates: roles compare by value. */
	*n = 0;
	for (i = 0; i < 3; i++)
		if (have[i])
			roles[(*n)++] = (char *)order[i];
	return 0;
}

/*
 * Extraction runs on a few threads, one package each at a time, biggest
 * first: the work (SHA-256 of the blob, zstd, SHA-256 of every file) is
 * CPU-bound and packages are independent.  Two threads more than the
 * cores: a thread waits while the disk takes a direct write (extract.c),
 * and another keeps its core busy meanwhile.  Threads, not processes, so
 * a crash (or the SIGKILL of the crash hook) stops every writer at once.
 */
#define EXTRACT_THREADS_MAX	4
#define EXTRACT_THREADS_EXTRA	2

struct xpool {
	const struct cluster	*c;
	const char		*cache;
	char			**stage;	/* per package, NULL: present */
	char			**errs;		/* per package */
	int			*replace;	/* per package: swap it in */
	size_t			*order;		/* biggest blob first */
	size_t			 next;
	int			 failed;
	pthread_mutex_t		 mu;
	struct progress		*pr;		/* NULL: nothing shown */
};

static void *
xworker(void *arg)
{
	struct xpool		*x = arg;
	const struct pkgref	*p;
	char			*blob;
	size_t			 i;
	int			 r;

	for (;;) {
		pthread_mutex_lock(&x->mu);
		if (x->failed || x->next >= x->c->npkgs) {
			pthread_mutex_unlock(&x->mu);
			return NULL;
		}
		i = x->order[x->next++];
		pthread_mutex_unlock(&x->mu);
		if (x->stage[i] == NULL)
			continue;
		p = &x->c->pkgs[i];
		if ((blob = cache_blob_path(x->cache, &p->digest)) == NULL) {
			err_set(&x->errs[i], "out of memory");
			r = -1;
		} else {
			log_verbose("extracting %s", p->id);
			r = extract_package(blob, &p->digest, p->size, p->id,
			    p->has_manifest ? &p->manifest : NULL, x->stage[i],
			    x->pr, i, &x->errs[i]);
			free(blob);
			if (r == 0)
				progress_done(x->pr, i);
		}
		if (r == -1) {
			pthread_mutex_lock(&x->mu);
			x->failed = 1;
			pthread_mutex_unlock(&x->mu);
			return NULL;
		}
		crash_point("extract");
	}
}

/* qsort_r order of package indices into cluster c: biggest blob first. */
static int
bigger_first(const void *a, const void *b, void *c)
{
	const struct pkgref	*pkgs = ((const struct cluster *)c)->pkgs;
	uint64_t		 x = pkgs[*(const size_t *)a].size;
	uint64_t		 y = pkgs[*(const size_t *)b].size;

	return x < y ? 1 : x > y ? -1 : 0;
}

/*
 * Swaps the freshly extracted stage in for final, an installed tree that
 * is not the signed package.  One renameat2(RENAME_EXCHANGE): the active
 * generation's links see either tree, never none; the old tree ends up
 * under the staging name, which a crashed run's cleanup also removes.
 */
int
replace_package(const struct host *h, const char *stage, const char *final,
    const char *why, char **errp)
{
	if (renameat2(AT_FDCWD, stage, AT_FDCWD, final, RENAME_EXCHANGE) ==
	    -1)
		return err_sys(errp, "cannot swap %s in for %s (remove %s, or "
		    "run dcos-bootstrap uninstall, and install again)",
		    stage, final, final);
	crash_point("replaced");
	if (rm_tree(stage, errp) == -1)
		return -1;
	(void)journal_append(h, "repair", NULL, "replaced %s: %s", final,
	    why);
	return 0;
}

/* Frees the pool, removing every stage not swapped in. */
static void
xpool_free(struct xpool *x)
{
	size_t	 k;

	for (k = 0; x->stage != NULL && k < x->c->npkgs; k++) {
		if (x->stage[k] != NULL)
			(void)rm_tree(x->stage[k], NULL);
		free(x->stage[k]);
		if (x->errs != NULL)
			free(x->errs[k]);
	}
	free(x->stage);
	free(x->errs);
	free(x->order);
	free(x->replace);
	pthread_mutex_destroy(&x->mu);
}

static int
xpool_init(struct xpool *x, const struct cluster *c, const char *cache,
    char **errp)
{
	memset(x, 0, sizeof(*x));
	x->c = c;
	x->cache = cache;
	pthread_mutex_init(&x->mu, NULL);
	if ((x->stage = calloc(c->npkgs + 1, sizeof(*x->stage))) == NULL ||
	    (x->errs = calloc(c->npkgs + 1, sizeof(*x->errs))) == NULL ||
	    (x->order = calloc(c->npkgs + 1, sizeof(*x->order))) == NULL ||
	    (x->replace = calloc(c->npkgs + 1, sizeof(*x->replace))) == NULL)
		return err_set(errp, "out of memory");
	return 0;
}

/*
 * Whether package i must be extracted: gives it a stage and returns 1,
 * returns 0 when the host has it as signed, -1 on error.
 */
static int
plan_package(const struct host *h, struct xpool *x, size_t i, char **errp)
{
	const struct pkgref	*p = &x->c->pkgs[i];
	char			*final = NULL, *why = NULL;
	int			 r, rc = -1;

	if (asprintf(&final, "%s/%s", h->pkgdir, p->id) == -1) {
		final = NULL;
		err_set(errp, "out of memory");
		goto out;
	}
	if (p->has_manifest) {
		if ((r = pkg_installed(h->pkgdir, p, &why, errp)) == -1)
			goto out;
		if (r == PKG_INSTALLED) {
			rc = 0;
			goto out;
		}
		if (r == PKG_DIFFERENT) {
			/*
			 * Never trusted, never kept: extracted again from
			 * its pinned blob and swapped in.
			 */
			log_warn("%s: replacing %s with the package from its "
			    "blob", why != NULL ? why : "out of memory", final);
			x->replace[i] = 1;
		}
	} else if (access(final, F_OK) == 0) {
		/* cluster_verify knows every manifest: not reached. */
		err_set(errp, "%s: the manifest of %s is not known", final,
		    p->id);
		goto out;
	}
	if (asprintf(&x->stage[i], "%s/.staging-%s", h->pkgdir, p->id) ==
	    -1) {
		x->stage[i] = NULL;
		err_set(errp, "out of memory");
		goto out;
	}
	rc = 1;
out:
	free(final);
	free(why);
	return rc;
}

/* Runs the extraction threads over the staged packages, biggest first. */
static int
xpool_run(struct xpool *x, size_t todo, char **errp)
{
	pthread_t	 tids[EXTRACT_THREADS_MAX];
	size_t		 i, k, nthreads = 0;
	long		 cpus;
	double		 t0;

	qsort_r(x->order, x->c->npkgs, sizeof(*x->order), bigger_first,
	    (void *)x->c);
	/* Every package to extract, each with the size the release gives. */
	if (todo > 0 && (x->pr = progress_new("extracting", "extracted",
	    "packages", x->c->npkgs)) != NULL)
		for (i = 0; i < x->c->npkgs; i++)
			if (x->stage[i] != NULL)
				progress_item(x->pr, i, x->c->pkgs[i].id,
				    x->c->pkgs[i].installed_bytes);
	cpus = sysconf(_SC_NPROCESSORS_ONLN);
	for (k = 0; k < EXTRACT_THREADS_MAX && k < todo &&
	    (long)k < (cpus > 0 ? cpus : 1) + EXTRACT_THREADS_EXTRA; k++) {
		if (pthread_create(&tids[k], NULL, xworker, x) != 0)
			break;
		nthreads++;
	}
	if (todo > 0 && nthreads == 0) {
		progress_free(x->pr);
		x->pr = NULL;
		return err_set(errp, "cannot start an extraction thread");
	}
	t0 = now();
	for (k = 0; k < nthreads; k++)
		pthread_join(tids[k], NULL);
	progress_free(x->pr);
	x->pr = NULL;
	log_verbose("timing: extract %zu packages on %zu threads: %.3fs", todo,
	    nthreads, now() - t0);
	for (i = 0; i < x->c->npkgs; i++)
		if (x->errs[i] != NULL) {
			free(*errp);
			*errp = x->errs[i];
			x->errs[i] = NULL;
			return -1;
		}
	return 0;
}

/*
 * Syncs the extracted stages once, then renames them into place; the ids
 * of packages new to the host go to published (when not NULL).
 */
static int
xpool_publish(const struct host *h, struct xpool *x, size_t *newp,
    json_t *published, char **errp)
{
	char	*final;
	size_t	 i;
	double	 t0 = now();
	int	 fd, r;

	if ((fd = open(h->pkgdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return err_sys(errp, "%s", h->pkgdir);
	if (syncfs(fd) == -1) {
		err_sys(errp, "sync %s", h->pkgdir);
		close(fd);
		return -1;
	}
	close(fd);
	for (i = 0; i < x->c->npkgs; i++) {
		if (x->stage[i] == NULL)
			continue;
		if (asprintf(&final, "%s/%s", h->pkgdir, x->c->pkgs[i].id) ==
		    -1)
			return err_set(errp, "out of memory");
		if (x->replace[i])
			r = replace_package(h, x->stage[i], final,
			    "its manifest was not the one the signed release "
			    "lists", errp);
		else if ((r = rename(x->stage[i], final)) == -1)
			err_sys(errp, "rename %s", final);
		else if (published != NULL && json_array_append_new(published,
		    json_string(x->c->pkgs[i].id)) == -1)
			r = err_set(errp, "out of memory");
		free(final);
		if (r == -1)
			return -1;
		free(x->stage[i]);
		x->stage[i] = NULL;
		(*newp)++;
	}
	if (fsync_dir(h->pkgdir, errp) == -1)
		return -1;
	log_verbose("timing: sync and rename packages: %.3fs", now() - t0);
	return 0;
}

/*
 * Extracts the packages the host does not have (or has altered) into
 * stages: x->stage[i], NULL for a package the host has.  Nothing is
 * visible until xpool_publish().  The caller frees x (xpool_free) either
 * way.
 */
static int
xpool_stage(const struct host *h, struct xpool *x, const struct cluster *c,
    const char *cache, char **errp)
{
	size_t	 i, todo = 0;
	int	 r;

	if (xpool_init(x, c, cache, errp) == -1 ||
	    mkdir_p(h->pkgdir, 0755, errp) == -1)
		return -1;
	for (i = 0; i < c->npkgs; i++) {
		x->order[i] = i;
		if ((r = plan_package(h, x, i, errp)) == -1)
			return -1;
		todo += r;
	}
	if (todo > 0) {
		if (xpool_run(x, todo, errp) == -1)
			return -1;
		crash_point("extracted");
	}
	return 0;
}

/* A complete generation built from exactly this manifest and roles. */
static long
find_generation(const struct host *h, const struct cluster *c,
    char *const *roles, size_t nroles, long *maxp, char **errp)
{
	long	*ns = NULL, found = 0;
	size_t	 n, i;
	json_t	*g;

	*maxp = 0;
	if (gen_list(h, &ns, &n, errp) == -1)
		return -1;
	if (n > 0)
		*maxp = ns[n - 1];
	for (i = n; i-- > 0 && found == 0;) {
		if ((g = gen_load(h, ns[i], NULL)) == NULL)
			continue;
		if (gen_matches(g, &c->digest, roles, nroles))
			found = ns[i];
		json_decref(g);
	}
	free(ns);
	return found;
}

/* One install run: its command line and what it loaded. */
struct install {
	struct host	 h;
	struct cluster	*c;
	struct state	*state;
	json_t		*created;	/* own_dirs missing before the run */
	char		*roles[ROLE_MAX];
	size_t		 nroles;
	char		*cache;
	const char	*root;
	const char	*cachearg;
	const char	*manifest;
	char		*made[16];	/* --made-dir: made for this run */
	size_t		 nmade;
	long		 cur;		/* current generation, 0: none */
	size_t		 fresh;		/* packages extracted */
	int		 start;
	int		 downgrade;
	int		 check;		/* --check */
	int		 rollback;	/* --rollback-on-failure */
	double		 timeout;	/* --timeout */
	int		 installed;	/* a generation was there before */
	int		 act;		/* ACT_* of the activation */
	int		 journaled;	/* its failure is journaled */
	json_t		*published;	/* ids of packages new to the host */
	long		 built;		/* generation this run built, or 0 */
	int		 new_state;	/* state.json was not there */
	int		 bad_state;	/* state.json refused: so is the
					   journal, which it checks */
	int		 change_roles;	/* --change-roles */
	char		*from_roles;	/* installed, when they change */
	int		 stopped;	/* dcos.target stopped for that */
};

static int
install_role(struct install *in, const char *list)
{
	char	*err = NULL;

	if (add_role(in->roles, &in->nroles, list, &err) == -1) {
		log_error("%s", err);
		free(err);
		return -1;
	}
	return 0;
}

/* Parses the command line; SUBCMD_CONTINUE, or the exit status. */
static int
install_args(struct install *in, const struct subcmd *cmd, int argc,
    char **argv)
{
	static const struct option longopts[] = {
		{ "role", required_argument, NULL, 'r' },
		{ "cache", required_argument, NULL, 'c' },
		{ "root", required_argument, NULL, 'R' },
		{ "no-start", no_argument, NULL, 'n' },
		{ "allow-downgrade", no_argument, NULL, 'D' },
		{ "made-dir", required_argument, NULL, 'M' },
		{ "check", no_argument, NULL, 'C' },
		{ "rollback-on-failure", no_argument, NULL, 'B' },
		{ "timeout", required_argument, NULL, 't' },
		{ "change-roles", no_argument, NULL, 'X' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int	 opt, rc;

	while ((opt = getopt_long(argc, argv, "hqr:v", longopts, NULL)) !=
	    -1) {
		switch (opt) {
		case 'r':
			if (install_role(in, optarg) == -1)
				return EXIT_USAGE;
			break;
		case 'c': in->cachearg = optarg; break;
		case 'R': in->root = optarg; break;
		case 'n': in->start = 0; break;
		case 'D': in->downgrade = 1; break;
		case 'C': in->check = 1; break;
		case 'B': in->check = in->rollback = 1; break;
		case 't':
			if (checks_timeout(optarg, &in->timeout) == -1)
				return EXIT_USAGE;
			break;
		case 'X': in->change_roles = 1; break;
		case 'M':
			if (!install_own_dir(optarg) ||
			    in->nmade == sizeof(in->made) / sizeof(*in->made)) {
				log_error("--made-dir %s: not a directory an "
				    "install makes (such as var/lib/dcos)",
				    optarg);
				return EXIT_USAGE;
			}
			in->made[in->nmade++] = optarg;
			break;
		default:
			if ((rc = subcmd_opt(opt, cmd)) == SUBCMD_CONTINUE)
				break;
			return rc;
		}
	}
	if (argc - optind < 1)
		return subcmd_usage_error(cmd);
	in->manifest = argv[optind++];
	/* Roles may also follow the manifest as operands. */
	for (; optind < argc; optind++)
		if (install_role(in, argv[optind]) == -1)
			return EXIT_USAGE;
	if (in->nroles == 0) {
		log_error("no role given: add --role master, slave or "
		    "slave_public");
		return EXIT_USAGE;
	}
	return SUBCMD_CONTINUE;
}

/* Everything read-only first: a refused install changes nothing. */
static int
install_load(struct install *in, char **errp)
{
	double	 t0;

	if (host_init(&in->h, in->root, errp) == -1)
		return -1;
	if (in->cachearg != NULL)
		in->cache = strdup(in->cachearg);
	else
		in->cache = path_join(in->h.state, "cache");
	if (in->cache == NULL)
		return err_set(errp, "out of memory");
	in->installed = gen_current(&in->h, &in->cur, NULL) == 0 &&
	    in->cur > 0;
	t0 = now();
	if (cluster_load(in->manifest, &in->c, errp) == -1)
		return -1;
	if (cluster_verify(in->c, in->cache, in->h.pkgdir, errp) == -1)
		return -1;
	/* Wrong key, no key, a bundle altered: refused before any change. */
	if (cluster_open_secrets(in->c, &in->h, in->roles, in->nroles,
	    in->cache, errp) == -1)
		return -1;
	log_verbose("timing: verify the cluster manifest and release: %.3fs",
	    now() - t0);
	crash_point("verified");
	return 0;
}

/* Takes the host lock and reads the state under it. */
static int
install_lock(struct install *in, char **errp)
{
	char	*path;
	size_t	 i;

	if (host_lock_created(&in->h, &in->created, errp) == -1)
		return -1;
	if ((path = path_join(in->h.state, "state.json")) == NULL)
		return err_set(errp, "out of memory");
	in->new_state = access(path, F_OK) == -1 && errno == ENOENT;
	free(path);
	if (state_load(&in->h, &in->state, errp) == -1) {
		in->bad_state = 1;
		return -1;
	}
	if (clean_partial(&in->h, errp) == -1 ||
	    gen_current(&in->h, &in->cur, errp) == -1)
		return -1;
	/* What the host is now, not what it was before another run ended. */
	in->installed = in->cur > 0;
	/* Made by our caller for this install: ours to remove too. */
	for (i = 0; i < in->nmade; i++)
		if (!jsonio_in_array(in->created, in->made[i]) &&
		    json_array_append_new(in->created,
		    json_string(in->made[i])) == -1)
			return err_set(errp, "out of memory");
	return 0;
}

/*
 * When this release and roles are the active generation already, puts
 * back packages removed or altered since and returns 1; 0 otherwise.
 */
static int
install_again(struct install *in, char **errp)
{
	const struct cluster	*c = in->c;
	struct xpool		 x;
	json_t			*g;
	int			 same;

	if (in->cur <= 0 || (g = gen_load(&in->h, in->cur, NULL)) == NULL)
		return 0;
	same = gen_matches(g, &c->digest, in->roles, in->nroles) &&
	    in->state->active == in->cur && in->state->target == in->cur;
	json_decref(g);
	if (!same)
		return 0;
	if (xpool_stage(&in->h, &x, c, in->cache, errp) == -1 ||
	    xpool_publish(&in->h, &x, &in->fresh, in->published, errp) ==
	    -1) {
		xpool_free(&x);
		return -1;
	}
	xpool_free(&x);
	if (in->fresh > 0)
		printf("%zu package(s) of generation %ld extracted again\n",
		    in->fresh, in->cur);
	printf("already active: generation %ld (%s %s, config %.12s); "
	    "nothing to do\n", in->cur, c->release_name, c->release_version,
	    c->config_id);
	return 1;
}

/*
 * The one rule for role changes (gen_roles_compare): other roles than
 * the current generation's are refused, unless --change-roles asks for
 * the change (from_roles set).  0 or -1 with *errp.
 */
static int
install_roles(struct install *in, char **errp)
{
	char	*from = NULL;
	int	 r;

	r = gen_roles_compare(&in->h, (const char *const *)in->roles,
	    in->nroles, &from, errp);
	if (r == 1 && in->change_roles) {
		free(*errp);
		*errp = NULL;
		in->from_roles = from;
		return 0;
	}
	free(from);
	return r == 0 ? 0 : -1;
}

/*
 * A role change asked for: journaled, then dcos.target stopped before
 * the switch (the activation starts it again).  0 or -1 with *errp.
 */
static int
install_change_roles(struct install *in, char **errp)
{
	char	 to[64] = "";
	size_t	 i, len = 0;
	int	 n;

	if (in->from_roles == NULL)
		return 0;
	/* At most ROLE_MAX known role names: they fit. */
	for (i = 0; i < in->nroles && len < sizeof(to); i++)
		if ((n = snprintf(to + len, sizeof(to) - len, " %s",
		    in->roles[i])) > 0)
			len += (size_t)n;
	(void)journal_append(&in->h, "override", NULL, "role change from%s "
	    "to%s (--change-roles): dcos.target stopped, switched, started",
	    in->from_roles, to);
	if (dcos_target(&in->h, "stop", errp) == -1)
		return err_wrap(errp, "cannot stop dcos.target to change "
		    "roles; nothing switched");
	in->stopped = 1;
	printf("roles change from%s to%s\n", in->from_roles, to);
	return 0;
}

/* Refuses a release older than one installed, unless allowed. */
static int
check_downgrade(struct install *in, char **errp)
{
	const struct cluster	*c = in->c;
	json_int_t		 highest;

	highest = in->state->highest_seq;
	if (c->seq >= highest)
		return 0;
	if (!in->downgrade)
		return err_set(errp, "release %s %s has seq %lld, lower than "
		    "%lld already installed on this host: refusing a "
		    "downgrade (pass --allow-downgrade to install it anyway)",
		    c->release_name, c->release_version, (long long)c->seq,
		    (long long)highest);
	(void)journal_append(&in->h, "override", NULL, "downgrade to %s %s "
	    "seq %lld allowed (highest installed seq %lld)", c->release_name,
	    c->release_version, (long long)c->seq, (long long)highest);
	log_warn("installing %s %s seq %lld over seq %lld "
	    "(--allow-downgrade)", c->release_name, c->release_version,
	    (long long)c->seq, (long long)highest);
	return 0;
}

/*
 * Finds the generation of this release and roles, or extracts and builds
 * it.  Every check of the packages (pkginfo.json, units, symlink farm)
 * runs on their stages, before any is renamed into packages/: a refused
 * release is never visible.
 */
static int
install_generation(struct install *in, long *np, char **errp)
{
	struct xpool	 x;
	long		 max;
	double		 t0;
	int		 rc = -1, building = 0;

	if ((*np = find_generation(&in->h, in->c, in->roles, in->nroles,
	    &max, errp)) == -1)
		return -1;
	if (*np != 0)
		return 0;
	if (xpool_stage(&in->h, &x, in->c, in->cache, errp) == -1)
		goto out;
	*np = (max > in->cur ? max : in->cur) + 1;
	t0 = now();
	building = 1;
	if (gen_build(&in->h, in->c, in->roles, in->nroles, *np, x.stage,
	    errp) == -1)
		goto out;
	log_verbose("timing: build generation %ld: %.3fs", *np, now() - t0);
	/* One sync for every extracted byte, then make them visible. */
	if (xpool_publish(&in->h, &x, &in->fresh, in->published, errp) == -1)
		goto out;
	crash_point("packages");
	if (gen_commit(&in->h, *np, errp) == -1)
		goto out;
	building = 0;
	in->built = *np;
	crash_point("built");
	rc = 0;
out:
	if (building)
		gen_abort(&in->h, *np);
	xpool_free(&x);
	return rc;
}

/* Activates generation n; its journal entries say what it installs. */
static int
install_activate(struct install *in, long n, char **errp)
{
	const struct cluster	*c = in->c;
	struct activation	 act = { "install", NULL, in->start, 0, 0 };
	char			 dstr[DIGEST_STRSZ], *what;
	double			 t0 = now();
	int			 r;

	digest_format(&c->digest, dstr);
	if (asprintf(&what, "installed %s %s seq %lld as generation %ld "
	    "(cluster manifest %s, config %s, %zu new packages)",
	    c->release_name, c->release_version, (long long)c->seq, n, dstr,
	    c->config_id, in->fresh) == -1)
		return err_set(errp, "out of memory");
	act.what = what;
	r = activate_generation(&in->h, n, &act, errp);
	free(what);
	in->act = act.result;
	in->journaled = act.journaled;
	if (r == -1)
		return -1;
	log_verbose("timing: activate: %.3fs", now() - t0);
	printf("generation %ld active: %s %s seq %lld, config %.12s, %zu "
	    "packages (%zu new)\n", n, c->release_name, c->release_version,
	    (long long)c->seq, c->config_id, c->npkgs, in->fresh);
	return 0;
}

/*
 * --check: runs generation n's health checks until they pass or the
 * timeout is spent (services take a moment to come up), a round a
 * second.  When they do not pass, journals it and, with
 * --rollback-on-failure and a generation that ran before (from), rolls
 * back to it.  0, or -1 with *errp.
 */
static int
install_check(struct install *in, long n, long from, char **errp)
{
	struct activation	 act = { "rollback", NULL, in->start, 0, 0 };
	double			 t0 = now(), left;
	size_t			 ran, critical;
	char			*what = NULL, *msg = NULL;
	int			 r;

	for (;;) {
		left = in->timeout - (now() - t0);
		if (checks_run(&in->h, n, left > 1 ? left : 1, NULL, &ran,
		    &critical, errp) == -1)
			return -1;
		if (critical == 0) {
			printf("check: generation %ld: %zu check(s) passed\n",
			    n, ran);
			return 0;
		}
		if (now() - t0 + 1 >= in->timeout)
			break;
		(void)sleep(1);
	}
	if (asprintf(&msg, "the health checks of generation %ld did not "
	    "pass within %gs (%zu of %zu critical)", n, in->timeout,
	    critical, ran) == -1)
		return err_set(errp, "out of memory");
	in->journaled = 1;
	if (!in->rollback || from <= 0 || from == n) {
		(void)journal_append(&in->h, "check", NULL, "%s; generation "
		    "%ld stays active", msg, n);
		err_set(errp, "%s; generation %ld stays active (%s)", msg, n,
		    !in->rollback ? "--rollback-on-failure rolls back" :
		    from == n ? "it was active before this install" :
		    "there is no earlier generation to roll back to");
		free(msg);
		return -1;
	}
	(void)journal_append(&in->h, "check", NULL, "%s; rolling back to "
	    "generation %ld", msg, from);
	if (asprintf(&what, "rolled back from generation %ld to %ld: its "
	    "health checks did not pass", n, from) == -1) {
		free(msg);
		return err_set(errp, "out of memory");
	}
	act.what = what;
	r = activate_generation(&in->h, from, &act, errp);
	in->act = act.result == ACT_PARTIAL ? ACT_PARTIAL : ACT_UNCHANGED;
	if (r == -1)
		err_wrap(errp, "%s; rolling back to generation %ld failed",
		    msg, from);
	else
		err_set(errp, "%s; rolled back: generation %ld is active "
		    "again", msg, from);
	free(what);
	free(msg);
	return -1;
}

/* Removes path when name is a safe name below dir (not NULL). */
static void
rm_below(const char *dir, const char *name)
{
	char	*p;

	if (name == NULL || strchr(name, '/') != NULL || name[0] == '.' ||
	    (p = path_join(dir, name)) == NULL)
		return;
	(void)rm_tree(p, NULL);
	free(p);
}

/*
 * A failed first install leaves the host as it found it: the packages
 * and the generation it made, its state and lock file, the directories
 * it made.  Only the run that holds the lock undoes anything: a run that
 * did not get it made nothing, and what is there belongs to the run that
 * holds it.  Once current was switched, the generation is the host's:
 * the state stays, so activate (or uninstall) can finish.
 */
static void
undo_fresh(struct install *in)
{
	struct host	*h = &in->h;
	json_t		*v;
	size_t		 i;
	long		 cur;
	char		 n[32];

	if (!json_is_array(in->created) || h->lockfd == -1 ||
	    gen_current(h, &cur, NULL) == -1 || cur != 0)
		return;
	json_array_foreach(in->published, i, v)
		rm_below(h->pkgdir, json_string_value(v));
	if (in->built > 0) {
		snprintf(n, sizeof(n), "%ld", in->built);
		rm_below(h->gendir, n);
	}
	if (in->new_state)
		rm_below(h->state, "state.json");
	(void)rmdir(h->pkgdir);
	(void)rmdir(h->gendir);
	/* Not the whole state directory: a cache may live in it. */
	(void)host_remove_state(h, in->created, 0, NULL);
}

/* Reports a failure (journalled, or undone on a fresh host) and frees. */
static void
install_end(struct install *in, int rc, const char *err)
{
	/*
	 * Journal refusals on installed hosts (a fresh host stays as it
	 * was), and only under the lock: never two writers.
	 */
	if (rc != EXIT_OK && in->installed && in->h.root != NULL &&
	    !in->journaled && !in->bad_state &&
	    (in->h.lockfd != -1 || host_lock(&in->h, NULL) == 0))
		(void)journal_append(&in->h, "refuse", NULL, "install of %s "
		    "refused: %s", in->manifest, err != NULL ? err : "?");
	if (rc != EXIT_OK) {
		log_error("%s", err != NULL ? err : "out of memory");
		/* An unfinished switch stays for "activate" to finish. */
		if (!in->installed && in->act != ACT_PARTIAL)
			undo_fresh(in);
	}
	free(in->cache);
	free(in->from_roles);
	json_decref(in->published);
	state_free(in->state);
	json_decref(in->created);
	cluster_free(in->c);
	host_free(&in->h);
}

int
cmd_install(int argc, char **argv)
{
	const struct subcmd	*cmd = subcmd_find(bootstrap_commands,
				    "install");
	struct install		 in;
	char			*err = NULL;
	long			 n, from;
	int			 r, rc;

	memset(&in, 0, sizeof(in));
	in.h.lockfd = -1;
	in.start = 1;
	in.timeout = CHECK_TIMEOUT_DEFAULT;
	if ((rc = install_args(&in, cmd, argc, argv)) != SUBCMD_CONTINUE)
		return rc;
	rc = EXIT_FAIL;
	if ((in.published = json_array()) == NULL)
		goto out;
	if (install_load(&in, &err) == -1 || install_lock(&in, &err) == -1)
		goto out;
	from = in.cur;
	if (install_roles(&in, &err) == -1)
		goto out;
	if ((r = install_again(&in, &err)) != 0) {
		if (r == 1 && (!in.check ||
		    install_check(&in, in.cur, in.cur, &err) == 0))
			rc = EXIT_OK;
		goto out;
	}
	if (check_downgrade(&in, &err) == -1)
		goto out;
	if (in.state->created_dirs == NULL) {
		in.state->created_dirs = json_incref(in.created);
		if (state_save(&in.h, in.state, &err) == -1)
			goto out;
	}
	if (install_generation(&in, &n, &err) == -1 ||
	    install_change_roles(&in, &err) == -1 ||
	    install_activate(&in, n, &err) == -1 ||
	    (in.check && install_check(&in, n, from, &err) == -1)) {
		if (in.act == ACT_PARTIAL)
			rc = EXIT_PARTIAL;
		/* Rolled back: the old roles' services run again. */
		if (in.stopped && in.act == ACT_UNCHANGED && in.start)
			(void)dcos_target(&in.h, "start", NULL);
		goto out;
	}
	rc = EXIT_OK;
out:
	rc = host_exit(&in.h, rc);
	install_end(&in, rc, err);
	free(err);
	return rc;
}
