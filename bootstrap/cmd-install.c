/* install and activate. */
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

/* Directories an install may create, parents first (uninstall's list). */
static const char *own_dirs[] = {
	"etc", "etc/mesosphere", "etc/mesosphere/roles", "etc/systemd",
	"etc/systemd/system", "etc/systemd/system/dcos.target.wants",
	"etc/systemd/system/multi-user.target.wants",
	"etc/sysctl.d", "opt", "opt/mesosphere", "var", "var/lib",
	"var/lib/dcos", "var/lib/dcos/bootstrap", NULL
};

/* Seconds since an earlier now(): install -v says where time goes. */
static double
now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
usage_error(const struct subcmd *c)
{
	subcmd_usage(stderr, c);
	return EXIT_USAGE;
}

/* Which of own_dirs do not exist yet (before this install makes them). */
static json_t *
missing_dirs(const struct host *h)
{
	json_t	*a = json_array();
	char	*p;
	size_t	 i;

	for (i = 0; a != NULL && own_dirs[i] != NULL; i++) {
		if ((p = host_path(h, own_dirs[i])) == NULL)
			break;
		if (access(p, F_OK) == -1)
			json_array_append_new(a, json_string(own_dirs[i]));
		free(p);
	}
	return a;
}

const char *const *
install_own_dirs(void)
{
	return own_dirs;
}

/*
 * A failed first install leaves the host as it found it: the directories
 * it made (empty again once staging is gone) and its state.
 */
static void
undo_fresh(struct host *h, const json_t *created)
{
	size_t	 n, i;
	json_t	*v;
	char	*p;

	if (!json_is_array(created))
		return;
	host_unlock(h);
	json_array_foreach(created, i, v)
		if (json_is_string(v) && strcmp(json_string_value(v),
		    "var/lib/dcos/bootstrap") == 0)
			(void)rm_tree(h->state, NULL);
	(void)rmdir(h->pkgdir);
	(void)rmdir(h->gendir);
	for (n = 0; own_dirs[n] != NULL; n++)
		;
	while (n-- > 0) {
		json_array_foreach(created, i, v)
			if (json_is_string(v) && strcmp(json_string_value(v),
			    own_dirs[n]) == 0 &&
			    (p = host_path(h, own_dirs[n])) != NULL) {
				(void)rmdir(p);
				free(p);
			}
	}
}

/* Removes what a crashed run left half-made (never a complete object). */
static int
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
 * CPU-bound and packages are independent.  Threads, not processes, so a
 * crash (or the SIGKILL of the crash hook) stops every writer at once.
 */
#define EXTRACT_THREADS_MAX	4

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
			    &x->errs[i]);
			free(blob);
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

static const struct cluster *sort_c;

static int
bigger_first(const void *a, const void *b)
{
	uint64_t	 x = sort_c->pkgs[*(const size_t *)a].size;
	uint64_t	 y = sort_c->pkgs[*(const size_t *)b].size;

	return x < y ? 1 : x > y ? -1 : 0;
}

/*
 * Swaps the freshly extracted stage in for final, an installed tree that
 * is not the signed package.  One renameat2(RENAME_EXCHANGE): the active
 * generation's links see either tree, never none; the old tree ends up
 * under the staging name, which a crashed run's cleanup also removes.
 */
static int
replace_package(const struct host *h, const char *stage, const char *final,
    char **errp)
{
	if (renameat2(AT_FDCWD, stage, AT_FDCWD, final, RENAME_EXCHANGE) ==
	    -1)
		return err_sys(errp, "cannot swap %s in for %s (remove %s, or "
		    "run dcos-bootstrap uninstall, and install again)",
		    stage, final, final);
	crash_point("replaced");
	if (rm_tree(stage, errp) == -1)
		return -1;
	(void)journal_append(h, "repair", NULL, "replaced %s: its manifest "
	    "was not the one the signed release lists", final);
	return 0;
}

/* Extracts the packages the host does not have (or has altered). */
static int
extract_missing(const struct host *h, const struct cluster *c,
    const char *cache, size_t *newp, char **errp)
{
	struct xpool		 x;
	pthread_t		 tids[EXTRACT_THREADS_MAX];
	char			*final = NULL;
	char			*why = NULL;
	size_t			 i, k, todo = 0, nthreads = 0;
	long			 cpus;
	double			 t0;
	int			 fd, r, rc = -1;

	*newp = 0;
	memset(&x, 0, sizeof(x));
	x.c = c;
	x.cache = cache;
	pthread_mutex_init(&x.mu, NULL);
	if (mkdir_p(h->pkgdir, 0755, errp) == -1)
		goto out;
	if ((x.stage = calloc(c->npkgs + 1, sizeof(*x.stage))) == NULL ||
	    (x.errs = calloc(c->npkgs + 1, sizeof(*x.errs))) == NULL ||
	    (x.order = calloc(c->npkgs + 1, sizeof(*x.order))) == NULL ||
	    (x.replace = calloc(c->npkgs + 1, sizeof(*x.replace))) == NULL) {
		err_set(errp, "out of memory");
		goto out;
	}
	for (i = 0; i < c->npkgs; i++) {
		const struct pkgref *p = &c->pkgs[i];

		x.order[i] = i;
		free(final);
		if (asprintf(&final, "%s/%s", h->pkgdir, p->id) == -1) {
			final = NULL;
			err_set(errp, "out of memory");
			goto out;
		}
		if (p->has_manifest) {
			if ((r = pkg_installed(h->pkgdir, p, &why, errp)) == -1)
				goto out;
			if (r == PKG_INSTALLED)
				continue;
			if (r == PKG_DIFFERENT) {
				/*
				 * Never trusted, never kept: extracted again
				 * from its pinned blob and swapped in.
				 */
				log_warn("%s: replacing %s with the package "
				    "from its blob", why != NULL ? why :
				    "out of memory", final);
				x.replace[i] = 1;
				free(why);
				why = NULL;
			}
		} else if (access(final, F_OK) == 0) {
			/* cluster_verify knows every manifest: not reached. */
			err_set(errp, "%s: the manifest of %s is not known",
			    final, p->id);
			goto out;
		}
		if (asprintf(&x.stage[i], "%s/.staging-%s", h->pkgdir,
		    p->id) == -1) {
			x.stage[i] = NULL;
			err_set(errp, "out of memory");
			goto out;
		}
		todo++;
	}
	if (todo == 0) {
		rc = 0;
		goto out;
	}
	sort_c = c;
	qsort(x.order, c->npkgs, sizeof(*x.order), bigger_first);
	cpus = sysconf(_SC_NPROCESSORS_ONLN);
	for (k = 0; k < EXTRACT_THREADS_MAX && k < todo &&
	    (long)k < (cpus > 0 ? cpus : 1); k++) {
		if (pthread_create(&tids[k], NULL, xworker, &x) != 0)
			break;
		nthreads++;
	}
	if (todo > 0 && nthreads == 0) {
		err_set(errp, "cannot start an extraction thread");
		goto out;
	}
	t0 = now();
	for (k = 0; k < nthreads; k++)
		pthread_join(tids[k], NULL);
	log_verbose("timing: extract %zu packages on %zu threads: %.3fs", todo,
	    nthreads, now() - t0);
	for (i = 0; i < c->npkgs; i++)
		if (x.errs[i] != NULL) {
			free(*errp);
			*errp = x.errs[i];
			x.errs[i] = NULL;
			goto out;
		}
	crash_point("extracted");
	t0 = now();
	/* One sync for every extracted byte, then make them visible. */
	if ((fd = open(h->pkgdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		err_sys(errp, "%s", h->pkgdir);
		goto out;
	}
	if (syncfs(fd) == -1) {
		err_sys(errp, "sync %s", h->pkgdir);
		close(fd);
		goto out;
	}
	close(fd);
	for (i = 0; i < c->npkgs; i++) {
		if (x.stage[i] == NULL)
			continue;
		free(final);
		if (asprintf(&final, "%s/%s", h->pkgdir, c->pkgs[i].id) ==
		    -1) {
			final = NULL;
			err_set(errp, "out of memory");
			goto out;
		}
		if (x.replace[i]) {
			if (replace_package(h, x.stage[i], final, errp) == -1)
				goto out;
		} else if (rename(x.stage[i], final) == -1) {
			err_sys(errp, "rename %s", final);
			goto out;
		}
		free(x.stage[i]);
		x.stage[i] = NULL;
		(*newp)++;
	}
	if (fsync_dir(h->pkgdir, errp) == -1)
		goto out;
	log_verbose("timing: sync and rename packages: %.3fs", now() - t0);
	rc = 0;
out:
	for (k = 0; x.stage != NULL && k < c->npkgs; k++) {
		if (x.stage[k] != NULL)
			(void)rm_tree(x.stage[k], NULL);
		free(x.stage[k]);
		free(x.errs[k]);
	}
	free(x.stage);
	free(x.errs);
	free(x.order);
	free(x.replace);
	free(final);
	free(why);
	pthread_mutex_destroy(&x.mu);
	return rc;
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

int
cmd_install(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "role", required_argument, NULL, 'r' },
		{ "cache", required_argument, NULL, 'c' },
		{ "root", required_argument, NULL, 'R' },
		{ "no-start", no_argument, NULL, 'n' },
		{ "allow-downgrade", no_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const struct subcmd	*cmd = subcmd_find(bootstrap_commands,
				    "install");
	struct host		 h;
	struct cluster		*c = NULL;
	json_t			*state = NULL, *created = NULL, *g = NULL;
	char			*roles[ROLE_MAX], *err = NULL;
	char			*cache = NULL, dstr[DIGEST_STRSZ];
	const char		*root = NULL, *cachearg = NULL, *manifest;
	size_t			 nroles = 0, fresh = 0;
	long			 cur = 0, n, max;
	json_int_t		 highest;
	double			 t0;
	int			 opt, rc, start = 1, downgrade = 0, installed = 0;

	memset(&h, 0, sizeof(h));
	h.lockfd = -1;
	while ((opt = getopt_long(argc, argv, "hqr:v", longopts, NULL)) !=
	    -1) {
		switch (opt) {
		case 'r':
			if (add_role(roles, &nroles, optarg, &err) == -1) {
				log_error("%s", err);
				free(err);
				return EXIT_USAGE;
			}
			break;
		case 'c': cachearg = optarg; break;
		case 'R': root = optarg; break;
		case 'n': start = 0; break;
		case 'D': downgrade = 1; break;
		default:
			if ((rc = subcmd_common_opt(opt, cmd)) ==
			    SUBCMD_CONTINUE)
				break;
			return rc == SUBCMD_NOT_COMMON ? usage_error(cmd) : rc;
		}
	}
	if (argc - optind < 1)
		return usage_error(cmd);
	manifest = argv[optind++];
	/* Roles may also follow the manifest as operands. */
	for (; optind < argc; optind++)
		if (add_role(roles, &nroles, argv[optind], &err) == -1) {
			log_error("%s", err);
			free(err);
			return EXIT_USAGE;
		}
	if (nroles == 0) {
		log_error("no role given: add --role master, slave or "
		    "slave_public");
		return EXIT_USAGE;
	}
	rc = EXIT_FAIL;
	if (host_init(&h, root, &err) == -1)
		goto out;
	if (cachearg != NULL)
		cache = strdup(cachearg);
	else
		cache = path_join(h.state, "cache");
	if (cache == NULL) {
		err_set(&err, "out of memory");
		goto out;
	}
	installed = gen_current(&h, &cur, NULL) == 0 && cur > 0;
	/* Everything read-only first: a refused install changes nothing. */
	t0 = now();
	if (cluster_load(manifest, &c, &err) == -1)
		goto out;
	if (cluster_verify(c, cache, h.pkgdir, &err) == -1)
		goto out;
	log_verbose("timing: verify the cluster manifest and release: %.3fs",
	    now() - t0);
	crash_point("verified");
	if ((created = missing_dirs(&h)) == NULL) {
		err_set(&err, "out of memory");
		goto out;
	}
	if (host_lock(&h, &err) == -1)
		goto out;
	if ((state = state_load(&h, &err)) == NULL)
		goto out;
	if (clean_partial(&h, &err) == -1 ||
	    gen_current(&h, &cur, &err) == -1)
		goto out;
	if (cur > 0 && (g = gen_load(&h, cur, NULL)) != NULL &&
	    gen_matches(g, &c->digest, roles, nroles) &&
	    json_integer_value(json_object_get(state, "active")) == cur &&
	    json_integer_value(json_object_get(state, "target")) == cur) {
		/* Packages removed or altered since are put back. */
		if (extract_missing(&h, c, cache, &fresh, &err) == -1)
			goto out;
		if (fresh > 0)
			printf("%zu package(s) of generation %ld extracted "
			    "again\n", fresh, cur);
		printf("already active: generation %ld (%s %s, config %.12s)"
		    "; nothing to do\n", cur, c->release_name,
		    c->release_version, c->config_id);
		rc = EXIT_OK;
		goto out;
	}
	highest = json_integer_value(json_object_get(state, "highest_seq"));
	if (c->seq < highest) {
		if (!downgrade) {
			err_set(&err, "release %s %s has seq %lld, lower than "
			    "%lld already installed on this host: refusing "
			    "a downgrade (pass --allow-downgrade to install "
			    "it anyway)", c->release_name, c->release_version,
			    (long long)c->seq, (long long)highest);
			goto out;
		}
		(void)journal_append(&h, "override", NULL, "downgrade to %s "
		    "%s seq %lld allowed (highest installed seq %lld)",
		    c->release_name, c->release_version, (long long)c->seq,
		    (long long)highest);
		log_warn("installing %s %s seq %lld over seq %lld "
		    "(--allow-downgrade)", c->release_name,
		    c->release_version, (long long)c->seq, (long long)highest);
	}
	if (json_object_get(state, "created_dirs") == NULL) {
		json_object_set(state, "created_dirs", created);
		if (state_save(&h, state, &err) == -1)
			goto out;
	}
	if ((n = find_generation(&h, c, roles, nroles, &max, &err)) == -1)
		goto out;
	if (n == 0) {
		if (extract_missing(&h, c, cache, &fresh, &err) == -1)
			goto out;
		crash_point("packages");
		n = (max > cur ? max : cur) + 1;
		t0 = now();
		if (gen_build(&h, c, roles, nroles, n, &err) == -1)
			goto out;
		log_verbose("timing: build generation %ld: %.3fs", n,
		    now() - t0);
		crash_point("built");
	}
	t0 = now();
	if (activate_generation(&h, n, start, &err) == -1)
		goto out;
	log_verbose("timing: activate: %.3fs", now() - t0);
	digest_format(&c->digest, dstr);
	(void)journal_append(&h, "install", NULL, "installed %s %s seq %lld "
	    "as generation %ld (cluster manifest %s, config %s, %zu new "
	    "packages)", c->release_name, c->release_version,
	    (long long)c->seq, n, dstr, c->config_id, fresh);
	printf("generation %ld active: %s %s seq %lld, config %.12s, %zu "
	    "packages (%zu new)\n", n, c->release_name, c->release_version,
	    (long long)c->seq, c->config_id, c->npkgs, fresh);
	rc = EXIT_OK;
	goto out;
out:
	/*
	 * Journal refusals on installed hosts (a fresh host stays as it
	 * was), and only under the lock: never two writers.
	 */
	if (rc != EXIT_OK && installed && h.root != NULL &&
	    (h.lockfd != -1 || host_lock(&h, NULL) == 0))
		(void)journal_append(&h, "refuse", NULL, "install of %s "
		    "refused: %s", manifest, err != NULL ? err : "?");
	if (rc != EXIT_OK) {
		log_error("%s", err != NULL ? err : "out of memory");
		if (!installed && created != NULL)
			undo_fresh(&h, created);
	}
	free(err);
	free(cache);
	json_decref(state);
	json_decref(created);
	json_decref(g);
	cluster_free(c);
	host_free(&h);
	return rc;
}

int
cmd_activate(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "root", required_argument, NULL, 'R' },
		{ "no-start", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const struct subcmd	*cmd = subcmd_find(bootstrap_commands,
				    "activate");
	struct host		 h;
	json_t			*state = NULL;
	const char		*root = NULL;
	char			*err = NULL;
	long			 n = 0, cur;
	int			 opt, rc, start = 1;

	memset(&h, 0, sizeof(h));
	h.lockfd = -1;
	while ((opt = getopt_long(argc, argv, "hqv", longopts, NULL)) != -1) {
		switch (opt) {
		case 'R': root = optarg; break;
		case 'n': start = 0; break;
		default:
			if ((rc = subcmd_common_opt(opt, cmd)) ==
			    SUBCMD_CONTINUE)
				break;
			return rc == SUBCMD_NOT_COMMON ? usage_error(cmd) : rc;
		}
	}
	if (optind != argc)
		return usage_error(cmd);
	rc = EXIT_FAIL;
	if (host_init(&h, root, &err) == -1 || host_lock(&h, &err) == -1 ||
	    (state = state_load(&h, &err)) == NULL ||
	    clean_partial(&h, &err) == -1)
		goto out;
	n = (long)json_integer_value(json_object_get(state, "target"));
	if (n <= 0 && gen_current(&h, &cur, &err) == 0)
		n = cur;
	if (n <= 0) {
		err_set(&err, "nothing to activate: no generation is "
		    "installed (run dcos-bootstrap install)");
		goto out;
	}
	if (activate_generation(&h, n, start, &err) == -1)
		goto out;
	printf("generation %ld active\n", n);
	rc = EXIT_OK;
out:
	if (rc != EXIT_OK)
		log_error("%s", err != NULL ? err : "out of memory");
	free(err);
	json_decref(state);
	host_free(&h);
	return rc;
}
