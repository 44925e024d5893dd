/* SPDX-License-Identifier: Apache-2.0 */
/*
 * repair: puts every drifted package of the active generation back from
 * its blob (the config package, which operators may edit live, only with
 * --config).  The blob digest comes from the cluster manifest whose digest
 * generation.json recorded, checked against the signed release; the
 * extraction holds every file to the manifest digest the generation
 * recorded.  All blobs are looked for before anything changes, so a
 * missing one changes nothing.  Then what verify finds drifted outside
 * the packages is made again from them with the code that made it: the
 * generation's tree (gen_rebuild) and the host files activation writes
 * (activate_files).  A drifted secret file comes back from its sealed
 * bundle (bootstrap/secrets.c), which needs the site key: checked before
 * any package changes, written once the generation's tree is whole (a
 * package put back stays put back when a later step refuses).
 */
#include <config.h>

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomicio.h"
#include "bootstrap.h"
#include "digest.h"
#include "error.h"
#include "log.h"
#include "subcmd.h"

struct fix {
	const struct pkgref	*p;
	struct digest		 manifest;	/* generation.json's */
	char			*blob;
};

struct repair_args {
	const char	*cache;		/* --cache */
	int		 config;	/* --config */
};

static int
repair_opt(void *arg, int opt, const char *optarg)
{
	struct repair_args	*a = arg;

	if (opt == 'C')
		a->config = 1;
	else
		a->cache = optarg;
	return SUBCMD_CONTINUE;
}

/* The generation's cluster manifest from the cache, release verified. */
static struct cluster *
repair_cluster(const json_t *g, const char *cache, char **errp)
{
	struct cluster	*c = NULL;
	struct digest	 d;
	const char	*ds = json_string_value(json_object_get(g,
			    "cluster_manifest"));
	char		*path = NULL;

	if (ds == NULL || digest_parse(ds, &d) == -1) {
		err_set(errp, "generation.json names no cluster manifest");
		return NULL;
	}
	if ((path = cache_blob_path(cache, &d)) == NULL) {
		err_set(errp, "out of memory");
		return NULL;
	}
	if (access(path, F_OK) == -1) {
		err_set(errp, "the cluster manifest %s is not in %s: fetch "
		    "it into %s/blobs/sha256/ (or give --cache) and run "
		    "repair again", ds, cache, cache);
		goto fail;
	}
	if (cluster_load(path, &c, errp) == -1)
		goto fail;
	if (!digest_equal(&c->digest, &d)) {
		err_set(errp, "%s: not the cluster manifest %s the "
		    "generation was built from", path, ds);
		goto fail;
	}
	if (cluster_verify_release(c, cache, errp) == -1)
		goto fail;
	free(path);
	return c;
fail:
	free(path);
	cluster_free(c);
	return NULL;
}

/*
 * Which packages of generation g drifted (printing what verify prints),
 * each with its blob: *fixes, *nfix.  0, or -1 with *errp.
 */
static int
repair_plan(const struct host *h, const json_t *g, const struct cluster *c,
    const char *cache, int config, struct fix **fixesp, size_t *nfixp,
    char **errp)
{
	const json_t	*pkgs = json_object_get(g, "packages");
	const char	*id, *want;
	struct fix	*f;
	json_t		*v;
	size_t		 i, findings;

	if ((*fixesp = calloc(json_array_size(pkgs) + 1, sizeof(**fixesp))) ==
	    NULL)
		return err_set(errp, "out of memory");
	json_array_foreach(pkgs, i, v) {
		id = json_string_value(json_object_get(v, "id"));
		want = json_string_value(json_object_get(v, "manifest"));
		if (id == NULL || !pkg_id_valid(id) || want == NULL)
			return err_set(errp, "generation.json: bad package "
			    "list");
		if (pkg_audit(h, id, want, &findings, errp) == -1)
			return -1;
		if (findings == 0)
			continue;
		f = &(*fixesp)[*nfixp];
		if ((f->p = cluster_pkg(c, id)) == NULL)
			return err_set(errp, "%s: not in the cluster manifest "
			    "the generation was built from", id);
		/*
		 * The config package holds what operators may edit live
		 * (DC/OS allows it): kept unless --config asks for it.
		 */
		if (f->p->config && !config) {
			printf("repair: %s: its files were edited (live config "
			    "changes are allowed): kept; repair --config puts "
			    "them back\n", id);
			f->p = NULL;
			continue;
		}
		(*nfixp)++;
		if (digest_parse(want, &f->manifest) == -1 ||
		    (!f->p->config && (!f->p->has_manifest ||
		    !digest_equal(&f->manifest, &f->p->manifest))))
			return err_set(errp, "%s: generation.json's manifest "
			    "digest is not the one the signed release lists",
			    id);
		if ((f->blob = cache_blob_path(cache, &f->p->digest)) == NULL)
			return err_set(errp, "out of memory");
	}
	return 0;
}

/* Extracts f's blob and swaps it in for packages/<id>.  0 or -1. */
static int
repair_one(const struct host *h, const struct fix *f, char **errp)
{
	char	*stage = NULL, *final = NULL;
	int	 fd, rc = -1;

	if (asprintf(&stage, "%s/.staging-%s", h->pkgdir, f->p->id) == -1 ||
	    asprintf(&final, "%s/%s", h->pkgdir, f->p->id) == -1) {
		err_set(errp, "out of memory");
		goto out;
	}
	/* A stage a killed run left behind is never trusted. */
	if (access(stage, F_OK) == 0 && rm_tree(stage, errp) == -1)
		goto out;
	if (extract_package(f->blob, &f->p->digest, f->p->size, f->p->id,
	    &f->manifest, stage, NULL, 0, errp) == -1)
		goto out;
	if ((fd = open(h->pkgdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	    -1 || syncfs(fd) == -1) {
		err_sys(errp, "sync %s", h->pkgdir);
		if (fd != -1)
			close(fd);
		(void)rm_tree(stage, NULL);
		goto out;
	}
	close(fd);
	if (access(final, F_OK) == 0)
		rc = replace_package(h, stage, final, "its files had drifted "
		    "from its manifest", errp);
	else if ((rc = rename(stage, final)) == -1)
		err_sys(errp, "rename %s", final);
	else
		(void)journal_append(h, "repair", NULL, "restored %s: it was "
		    "missing", final);
	if (rc == -1)
		(void)rm_tree(stage, NULL);
	else
		rc = fsync_dir(h->pkgdir, errp);
out:
	free(stage);
	free(final);
	return rc;
}

/*
 * Puts back what verify finds drifted in generation cur outside its
 * packages (printing the findings; secret files are not its business).
 * 0 or -1 with *errp.
 */
static int
repair_derived(struct host *h, const struct cluster *c, const json_t *g,
    long cur, struct state *state, char **errp)
{
	struct drift	 d;
	json_t		*det;

	if (gen_audit(h, cur, g, 0, &d, errp) == -1)
		return -1;
	if (d.generation > 0) {
		if (gen_rebuild(h, c, g, cur, errp) == -1)
			return -1;
		printf("repair: generation %ld: its link farm, units and "
		    "environment files built again from its packages\n", cur);
		/* The installed units are held to its units as they are now. */
		if (gen_audit(h, cur, g, 1, &d, errp) == -1)
			return -1;
	}
	if (d.top + d.units == 0)
		return 0;
	if (activate_files(h, cur, g, state, d.units > 0, errp) == -1)
		return -1;
	det = json_pack("{s:I}", "generation", (json_int_t)cur);
	(void)journal_append(h, "repair", det, "put back /opt/mesosphere's "
	    "links and the installed units of generation %ld: %zu had "
	    "drifted", cur, d.top + d.units);
	json_decref(det);
	printf("repair: generation %ld: /opt/mesosphere's links and the "
	    "installed units put back\n", cur);
	return 0;
}

/*
 * Refuses to work under an activation that is not finished: current may
 * name either generation, and what repair would put back might be the
 * files of the one about to be left.  0 or -1 with *errp.
 */
static int
unfinished(const struct state *state, long cur, char **errp)
{
	const struct state_pending	*p = state->pending;
	long				 target = state->target;

	if (p != NULL || (target > 0 && target != cur))
		return err_set(errp, "the %s of generation %ld is not "
		    "finished: run dcos-bootstrap activate first, then "
		    "repair", p != NULL ? p->op : "activation", p != NULL ?
		    p->generation : target);
	return 0;
}

int
cmd_repair(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "root", required_argument, NULL, 'R' },
		{ "cache", required_argument, NULL, 'c' },
		{ "config", no_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const struct subcmd	*cmd = subcmd_find(bootstrap_commands,
				    "repair");
	struct host		 h;
	struct cluster		*c = NULL;
	struct fix		*fixes = NULL;
	struct repair_args	 a = { NULL, 0 };
	const char		*root = NULL;
	char			*cache = NULL, *err = NULL, hex[DIGEST_STRSZ];
	json_t			*g = NULL;
	struct state		*state = NULL;
	size_t			 nfix = 0, nsec = 0, i, missing = 0;
	long			 cur;
	int			 r, rc;

	memset(&h, 0, sizeof(h));
	h.lockfd = -1;
	if ((rc = cmd_args(cmd, argc, argv, longopts, repair_opt, &a,
	    &root)) != SUBCMD_CONTINUE)
		return rc;
	rc = EXIT_FAIL;
	if (host_open_installed(&h, root, 1, &cur, NULL, NULL, &err) == -1 ||
	    state_load(&h, &state, &err) == -1 ||
	    unfinished(state, cur, &err) == -1 ||
	    clean_partial(&h, &err) == -1 ||
	    (g = gen_load(&h, cur, &err)) == NULL)
		goto out;
	if ((cache = a.cache != NULL ? strdup(a.cache) :
	    path_join(h.state, "cache")) == NULL) {
		err_set(&err, "out of memory");
		goto out;
	}
	/* A record that does not match changes nothing. */
	if ((c = repair_cluster(g, cache, &err)) == NULL ||
	    gen_record_check(g, cur, c, &err) == -1 ||
	    secrets_record_check(&h, cur, g, c, &err) == -1 ||
	    repair_plan(&h, g, c, cache, a.config, &fixes, &nfix, &err) == -1)
		goto out;
	for (i = 0; i < nfix; i++) {
		if ((r = blob_check(fixes[i].blob, &fixes[i].p->digest,
		    fixes[i].p->size, &err)) == -1)
			goto out;
		if (r == 0) {
			digest_format(&fixes[i].p->digest, hex);
			printf("repair: %s needs blob %s (%llu bytes), not in "
			    "%s: fetch it into %s/blobs/sha256/ and run repair "
			    "again\n", fixes[i].p->id, hex,
			    (unsigned long long)fixes[i].p->size, cache,
			    cache);
			missing++;
		}
	}
	if (secrets_repair_missing(&h, cur, g, c, cache, &missing, &err) ==
	    -1)
		goto out;
	if (missing > 0) {
		err_set(&err, "nothing repaired: %zu blob(s) missing", missing);
		goto out;
	}
	/*
	 * Before any package: without the site key nothing changes.  The
	 * files go back only once the tree is rebuilt (repair_derived), so
	 * never into a drifted directory or through a symlink there.
	 */
	if (secrets_repair(&h, cur, g, c, cache, 0, &nsec, &err) == -1)
		goto out;
	for (i = 0; i < nfix; i++) {
		if (repair_one(&h, &fixes[i], &err) == -1)
			goto out;
		printf("repair: %s extracted again from its blob\n",
		    fixes[i].p->id);
	}
	if (repair_derived(&h, c, g, cur, state, &err) == -1 ||
	    secrets_repair(&h, cur, g, c, cache, 1, &nsec, &err) == -1)
		goto out;
	printf("repair: generation %ld: %zu package(s) repaired\n", cur, nfix);
	if (nsec > 0)
		printf("repair: generation %ld: %zu secret file(s) put back\n",
		    cur, nsec);
	rc = EXIT_OK;
out:
	rc = host_exit(&h, rc);
	if (err != NULL)
		log_error("%s", err);
	free(err);
	for (i = 0; fixes != NULL && i < nfix; i++)
		free(fixes[i].blob);
	free(fixes);
	cluster_free(c);
	free(cache);
	json_decref(g);
	state_free(state);
	host_free(&h);
	return rc;
}
