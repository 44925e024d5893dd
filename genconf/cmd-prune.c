/* SPDX-License-Identifier: Apache-2.0 */
/*
 * prune: removes from a site's store what its newest cluster manifests do
 * not need: older cluster manifests, the releases only they named, and
 * every blob no kept manifest reaches.  index.json is rewritten first, so
 * a host that reads the store meanwhile finds every kept blob.
 */
#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "atomicio.h"
#include "error.h"
#include "genconf.h"
#include "jsonio.h"
#include "log.h"
#include "siteconf.h"
#include "store.h"
#include "storerefs.h"
#include "subcmd.h"

#define PRUNE_KEEP_DEFAULT	3

struct prune_args {
	const char	*genconf;
	long		 keep;
	int		 dry_run;
	int		 json;
};

static int
parse_args(const struct subcmd *c, int argc, char **argv,
    struct prune_args *a)
{
	static const struct option longopts[] = {
		{ "genconf", required_argument, NULL, 'g' },
		{ "keep", required_argument, NULL, 'k' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 }
	};
	char	*end;
	int	 opt, r;

	a->genconf = "genconf";
	a->keep = PRUNE_KEEP_DEFAULT;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "hnqv", longopts, NULL)) != -1) {
		switch (opt) {
		case 'g':
			a->genconf = optarg;
			break;
		case 'k':
			errno = 0;
			a->keep = strtol(optarg, &end, 10);
			if (errno != 0 || end == optarg || *end != '\0' ||
			    a->keep < 1 || a->keep > INT_MAX) {
				log_error("--keep '%s': give how many cluster "
				    "manifests to keep, 1 or more", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'n':
			a->dry_run = 1;
			break;
		case 'j':
			a->json = 1;
			break;
		default:
			if ((r = subcmd_opt(opt, c)) != SUBCMD_CONTINUE)
				return r;
		}
	}
	if (optind != argc)
		return subcmd_usage_error(c);
	return SUBCMD_CONTINUE;
}

static json_t *
plan_json(const struct prune_plan *p, const struct prune_args *a)
{
	json_t	*o, *blobs, *files;
	char	 dstr[DIGEST_STRSZ];
	size_t	 i;
	int	 bad = 0;

	if ((o = json_object()) == NULL)
		return NULL;
	bad |= json_object_set_new(o, "format", json_integer(1));
	bad |= json_object_set_new(o, "dry_run", json_boolean(a->dry_run));
	bad |= json_object_set_new(o, "keep", json_integer(a->keep));
	bad |= json_object_set_new(o, "cluster_manifests_removed",
	    json_integer((json_int_t)p->manifests_dropped));
	bad |= json_object_set_new(o, "releases_removed",
	    json_integer((json_int_t)p->releases_dropped));
	bad |= json_object_set_new(o, "bytes",
	    json_integer((json_int_t)p->bytes));
	bad |= json_object_set_new(o, "blobs", blobs = json_array());
	bad |= json_object_set_new(o, "files", files = json_array());
	if (bad) {
		json_decref(o);
		return NULL;
	}
	for (i = 0; i < p->nblobs; i++) {
		digest_format(&p->blobs[i].d, dstr);
		bad |= json_array_append_new(blobs, json_pack("{s:s, s:I}",
		    "digest", dstr, "size", (json_int_t)p->blobs[i].size));
	}
	for (i = 0; i < p->nfiles; i++)
		bad |= json_array_append_new(files,
		    json_string(p->files[i]));
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* The plan, one line per file, to stdout (dry run) or the log. */
static void
print_plan(const struct prune_plan *p, const struct prune_args *a)
{
	char	 rel[STORE_BLOB_RELSZ];
	size_t	 i;

	for (i = 0; i < p->nfiles; i++) {
		if (a->dry_run)
			printf("would remove %s\n", p->files[i]);
		else
			log_verbose("removed %s", p->files[i]);
	}
	for (i = 0; i < p->nblobs; i++) {
		store_blob_relpath(&p->blobs[i].d, rel);
		if (a->dry_run)
			printf("would remove %s (%" PRIu64 " bytes)\n", rel,
			    p->blobs[i].size);
		else
			log_verbose("removed %s", rel);
	}
}

int
cmd_prune(int argc, char **argv)
{
	const struct subcmd	*c = subcmd_find(genconf_commands, "prune");
	struct prune_args	 a;
	struct prune_plan	 p;
	json_t			*j = NULL;
	char			*serve = NULL, *err = NULL;
	int			 rc, lockfd = -1;

	memset(&a, 0, sizeof(a));
	memset(&p, 0, sizeof(p));
	if ((rc = parse_args(c, argc, argv, &a)) != SUBCMD_CONTINUE)
		return rc;
	rc = EXIT_FAIL;
	if ((serve = path_join(a.genconf, "serve")) == NULL) {
		log_error("out of memory");
		goto out;
	}
	if (access(serve, F_OK) != 0) {
		log_error("%s: no store here: run dcos-genconf generate first, "
		    "or give the site with --genconf DIR", serve);
		goto out;
	}
	/* Under generate's lock: a generate adds blobs before its index. */
	if ((!a.dry_run && (lockfd = site_lock(a.genconf, &err)) == -1) ||
	    store_prune_plan(serve, (size_t)a.keep, &p, &err) == -1) {
		log_error("%s", err);
		goto out;
	}
	if (!a.json)
		print_plan(&p, &a);
	if (!a.dry_run && store_prune_apply(serve, &p, &err) == -1) {
		log_error("%s", err);
		goto out;
	}
	if (a.json) {
		if ((j = plan_json(&p, &a)) == NULL ||
		    json_dumpf(j, stdout, JSONIO_PRETTY) == -1 ||
		    putchar('\n') == EOF || fflush(stdout) == EOF) {
			log_error("cannot write the result to standard output");
			goto out;
		}
	} else
		log_info("%s %zu cluster manifest%s, %zu release%s and %zu "
		    "blob%s from %s (%.1f MiB)", a.dry_run ? "would remove" :
		    "removed", p.manifests_dropped,
		    p.manifests_dropped == 1 ? "" : "s", p.releases_dropped,
		    p.releases_dropped == 1 ? "" : "s", p.nblobs,
		    p.nblobs == 1 ? "" : "s", serve,
		    (double)p.bytes / (1024.0 * 1024.0));
	rc = EXIT_OK;
out:
	json_decref(j);
	store_prune_free(&p);
	if (lockfd != -1)
		close(lockfd);
	free(serve);
	free(err);
	return rc;
}
