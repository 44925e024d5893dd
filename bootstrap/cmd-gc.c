/* SPDX-License-Identifier: Apache-2.0 */
/*
 * gc: removes old generations and the packages no kept generation uses.
 * Never the current or previous generation, never a package a running
 * process uses (its executable, a mapped file or its working directory).
 */
#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomicio.h"
#include "bootstrap.h"
#include "error.h"
#include "log.h"
#include "subcmd.h"

static int
under(const char *path, const char *prefix)
{
	size_t	 n = strlen(prefix);

	return strncmp(path, prefix, n) == 0 && (path[n] == '/' ||
	    path[n] == '\0' || path[n] == ' ');
}

/* Is any file below dir in use by a running process? */
static int
in_use(const char *dir)
{
	char		 real[PATH_MAX], p[300], buf[PATH_MAX], *line = NULL;
	const char	*links[] = { "exe", "cwd", "root", NULL };
	DIR		*d;
	struct dirent	*de;
	FILE		*fp;
	size_t		 cap = 0, i;
	ssize_t		 n;
	int		 used = 0;

	if (realpath(dir, real) == NULL)
		return 0;
	if ((d = opendir("/proc")) == NULL)
		return 1;	/* cannot tell: keep it */
	while (!used && (de = readdir(d)) != NULL) {
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		for (i = 0; links[i] != NULL && !used; i++) {
			snprintf(p, sizeof(p), "/proc/%s/%s", de->d_name,
			    links[i]);
			if ((n = readlink(p, buf, sizeof(buf) - 1)) > 0) {
				buf[n] = '\0';
				/* The root link "/" is everyone's. */
				if (strcmp(links[i], "root") != 0 ||
				    strcmp(buf, "/") != 0)
					used = under(buf, real);
			}
		}
		snprintf(p, sizeof(p), "/proc/%s/maps", de->d_name);
		if (used || (fp = fopen(p, "re")) == NULL)
			continue;
		while (!used && getline(&line, &cap, fp) != -1) {
			char *s = strchr(line, '/');
			if (s != NULL) {
				s[strcspn(s, "\n")] = '\0';
				used = under(s, real);
			}
		}
		fclose(fp);
	}
	closedir(d);
	free(line);
	return used;
}

static int
keep_gen(long n, long cur, long prev, long target, const long *ns,
    size_t count, long keep)
{
	size_t	 i, rank = 0;

	/* target: a switch a crash interrupted, which activate finishes. */
	if (n == cur || n == prev || n == target)
		return 1;
	for (i = count; i-- > 0;) {
		rank++;
		if (ns[i] == n)
			return (long)rank <= keep;
	}
	return 0;
}

/* Renames to .gc-NAME first, so a half-removed tree is never used. */
static int
remove_dir(const char *parent, const char *name, char **errp)
{
	char	*from = NULL, *to = NULL;
	int	 rc = -1;

	if (asprintf(&from, "%s/%s", parent, name) == -1 ||
	    asprintf(&to, "%s/.gc-%s", parent, name) == -1) {
		err_set(errp, "out of memory");
		goto out;
	}
	if (rename(from, to) == -1) {
		err_sys(errp, "rename %s", from);
		goto out;
	}
	if (fsync_dir(parent, errp) == -1)
		goto out;
	crash_point("gc-remove");
	if (rm_tree(to, errp) == -1)
		goto out;
	rc = 0;
out:
	free(from);
	free(to);
	return rc;
}

/* What a gc run removes and keeps. */
struct gc {
	struct host	 h;
	long		*ns;		/* generations, ascending */
	size_t		 count;
	long		 cur;
	long		 keep;
	json_t		*used;		/* package id -> true */
	size_t		 gens;		/* generations removed */
	size_t		 pkgs;		/* packages removed */
	size_t		 busy;		/* packages kept in use */
};

/* Marks the packages generation n uses. */
static int
mark_used(struct gc *gc, long n, char **errp)
{
	json_t	*g, *v;
	size_t	 j;

	if ((g = gen_load(&gc->h, n, errp)) == NULL)
		return -1;
	json_array_foreach(json_object_get(g, "packages"), j, v) {
		const char *id = json_string_value(json_object_get(v, "id"));
		if (id != NULL)
			json_object_set_new(gc->used, id, json_true());
	}
	json_decref(g);
	return 0;
}

/* Removes the generations not kept, and marks what the kept ones use. */
static int
gc_generations(struct gc *gc, char **errp)
{
	struct state	*state;
	char		 name[64];
	long		 prev = 0, target;
	size_t		 i;

	for (i = 0; i < gc->count; i++)
		if (gc->ns[i] < gc->cur)
			prev = gc->ns[i];
	if (state_load(&gc->h, &state, errp) == -1)
		return -1;
	target = state->target;
	state_free(state);
	if ((gc->used = json_object()) == NULL)
		return err_set(errp, "out of memory");
	for (i = 0; i < gc->count; i++) {
		if (keep_gen(gc->ns[i], gc->cur, prev, target, gc->ns,
		    gc->count, gc->keep)) {
			if (mark_used(gc, gc->ns[i], errp) == -1)
				return -1;
			continue;
		}
		snprintf(name, sizeof(name), "%ld", gc->ns[i]);
		if (remove_dir(gc->h.gendir, name, errp) == -1)
			return -1;
		printf("removed generation %ld\n", gc->ns[i]);
		gc->gens++;
	}
	return 0;
}

/* Removes the packages no kept generation and no running process uses. */
static int
gc_packages(struct gc *gc, char **errp)
{
	DIR		*d;
	struct dirent	*de;
	char		*dir, *q = NULL;
	int		 rc = -1;

	if ((d = opendir(gc->h.pkgdir)) == NULL)
		return err_sys(errp, "%s", gc->h.pkgdir);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || json_object_get(gc->used,
		    de->d_name) != NULL)
			continue;
		free(q);
		/* Any name can be here: quoted, it cannot forge a line. */
		if ((q = log_quote(de->d_name)) == NULL ||
		    (dir = path_join(gc->h.pkgdir, de->d_name)) == NULL) {
			err_set(errp, "out of memory");
			goto out;
		}
		if (in_use(dir)) {
			printf("kept package %s: a running process uses it\n",
			    q);
			gc->busy++;
			free(dir);
			continue;
		}
		free(dir);
		if (remove_dir(gc->h.pkgdir, de->d_name, errp) == -1)
			goto out;
		printf("removed package %s\n", q);
		gc->pkgs++;
	}
	rc = 0;
out:
	free(q);
	closedir(d);
	return rc;
}

int
cmd_gc(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "keep", required_argument, NULL, 'k' },
		{ "root", required_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const struct subcmd	*cmd = subcmd_find(bootstrap_commands, "gc");
	struct gc		 gc;
	const char		*root = NULL;
	char			*err = NULL, *end;
	int			 opt, rc;

	memset(&gc, 0, sizeof(gc));
	gc.h.lockfd = -1;
	gc.keep = 3;
	while ((opt = getopt_long(argc, argv, "hk:qv", longopts, NULL)) !=
	    -1) {
		switch (opt) {
		case 'k':
			gc.keep = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || gc.keep < 0) {
				log_error("--keep needs a number of "
				    "generations, not \"%s\"", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'R': root = optarg; break;
		default:
			if ((rc = subcmd_opt(opt, cmd)) != SUBCMD_CONTINUE)
				return rc;
			break;
		}
	}
	if (optind != argc)
		return subcmd_usage_error(cmd);
	rc = EXIT_FAIL;
	if (host_open_installed(&gc.h, root, 1, &gc.cur, &gc.ns, &gc.count,
	    &err) == -1 || gc_generations(&gc, &err) == -1 ||
	    gc_packages(&gc, &err) == -1)
		goto out;
	(void)journal_append(&gc.h, "gc", NULL, "removed %zu generations and "
	    "%zu packages (%zu kept in use), keeping %ld", gc.gens, gc.pkgs,
	    gc.busy, gc.keep);
	printf("gc: removed %zu generations and %zu packages\n", gc.gens,
	    gc.pkgs);
	rc = EXIT_OK;
out:
	rc = host_exit(&gc.h, rc);
	if (err != NULL)
		log_error("%s", err);
	free(err);
	free(gc.ns);
	json_decref(gc.used);
	host_free(&gc.h);
	return rc;
}
