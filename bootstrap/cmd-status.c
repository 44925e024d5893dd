/* status: what this host runs, what it can roll back to, audit state. */
#include <config.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bootstrap.h"
#include "error.h"
#include "jsonio.h"
#include "log.h"
#include "subcmd.h"

static json_t *
gen_summary(const json_t *g)
{
	const json_t	*rel = json_object_get(g, "release");

	return json_pack("{s:O?, s:O?, s:O?, s:O?, s:O?, s:O?, s:O?}",
	    "generation", json_object_get(g, "generation"),
	    "release", json_object_get(rel, "name"),
	    "version", json_object_get(rel, "version"),
	    "seq", json_object_get(rel, "seq"),
	    "config_id", json_object_get(g, "config_id"),
	    "roles", json_object_get(g, "roles"),
	    "created", json_object_get(g, "created"));
}

static void
print_roles(const json_t *roles)
{
	size_t	 i;
	json_t	*v;

	json_array_foreach(roles, i, v)
		printf("%s%s", i ? " " : "", json_string_value(v));
}

int
cmd_status(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "root", required_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const struct subcmd	*cmd = subcmd_find(bootstrap_commands,
				    "status");
	struct host		 h;
	const char		*root = NULL;
	char			*err = NULL, *jerr = NULL, *text;
	long			*ns = NULL, cur = 0;
	size_t			 n = 0, i, entries = 0;
	json_t			*g = NULL, *out = NULL, *prev, *s, *state = NULL;
	int			 opt, rc, asjson = 0, intact;

	memset(&h, 0, sizeof(h));
	h.lockfd = -1;
	while ((opt = getopt_long(argc, argv, "hjqv", longopts, NULL)) !=
	    -1) {
		switch (opt) {
		case 'j': asjson = 1; break;
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
	if (host_init(&h, root, &err) == -1 ||
	    gen_current(&h, &cur, &err) == -1 ||
	    gen_list(&h, &ns, &n, &err) == -1 ||
	    (state = state_load(&h, &err)) == NULL)
		goto out;
	intact = journal_check(&h, &entries, &jerr) == 0;
	if (cur > 0 && (g = gen_load(&h, cur, &err)) == NULL)
		goto out;
	if ((out = json_object()) == NULL || (prev = json_array()) == NULL) {
		err_set(&err, "out of memory");
		goto out;
	}
	json_object_set_new(out, "format", json_integer(1));
	json_object_set_new(out, "installed", json_boolean(cur > 0));
	if (g != NULL) {
		json_object_set_new(out, "current", gen_summary(g));
		json_object_set(out, "cluster_manifest",
		    json_object_get(g, "cluster_manifest"));
		json_object_set(out, "cluster_name",
		    json_object_get(g, "cluster_name"));
	}
	for (i = n; i-- > 0;) {
		json_t *pg;
		if (ns[i] == cur || (pg = gen_load(&h, ns[i], NULL)) == NULL)
			continue;
		json_array_append_new(prev, gen_summary(pg));
		json_decref(pg);
	}
	json_object_set_new(out, "previous", prev);
	json_object_set(out, "highest_seq", json_object_get(state,
	    "highest_seq") ? json_object_get(state, "highest_seq") :
	    json_integer(0));
	json_object_set_new(out, "journal", json_pack("{s:b, s:I, s:s?}",
	    "intact", intact, "entries", (json_int_t)entries, "problem",
	    jerr));
	if (asjson) {
		if ((text = json_dumps(out, JSONIO_PRETTY)) == NULL) {
			err_set(&err, "out of memory");
			goto out;
		}
		printf("%s\n", text);
		free(text);
	} else if (g == NULL) {
		printf("not installed\n");
	} else {
		s = json_object_get(out, "current");
		printf("generation:  %ld\n", cur);
		printf("roles:       ");
		print_roles(json_object_get(s, "roles"));
		printf("\nrelease:     %s %s (seq %lld)\n",
		    json_string_value(json_object_get(s, "release")),
		    json_string_value(json_object_get(s, "version")),
		    (long long)json_integer_value(json_object_get(s, "seq")));
		printf("config id:   %s\n",
		    json_string_value(json_object_get(s, "config_id")));
		printf("cluster:     %s (manifest %s)\n",
		    json_string_value(json_object_get(g, "cluster_name")),
		    json_string_value(json_object_get(g,
		    "cluster_manifest")));
		printf("previous:   ");
		json_array_foreach(prev, i, s)
			printf(" %lld (%s %s)", (long long)json_integer_value(
			    json_object_get(s, "generation")),
			    json_string_value(json_object_get(s, "release")),
			    json_string_value(json_object_get(s, "version")));
		printf("%s\n", json_array_size(prev) ? "" : " none");
	}
	if (!asjson)
		printf("journal:     %zu entries, %s%s\n", entries,
		    intact ? "chain intact" : "CHAIN BROKEN: ",
		    intact ? "" : jerr);
	rc = intact ? EXIT_OK : EXIT_FAIL;
out:
	if (err != NULL)
		log_error("%s", err);
	free(err);
	free(jerr);
	free(ns);
	json_decref(g);
	json_decref(out);
	json_decref(state);
	host_free(&h);
	return rc;
}
