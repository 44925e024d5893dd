/* SPDX-License-Identifier: Apache-2.0 */
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

/* What status reads and reports. */
struct status {
	struct host	 h;
	long		*ns;		/* generations, ascending */
	size_t		 n;
	long		 cur;
	struct state	*state;
	json_t		*g;		/* the current generation, or NULL */
	json_t		*doc;		/* the report, as --json prints it */
	size_t		 entries;	/* in the journal */
	char		*jerr;		/* why the journal chain is broken */
	int		 intact;
	json_t		*problems;	/* what --check fails on (strings) */
};

/* Adds one line to st->problems. */
/* A problem for the report, one line: NULL is out of memory. */
static void
problem_add(struct status *st, char *msg)
{
	json_array_append_new(st->problems, json_string(msg != NULL ? msg :
	    "out of memory"));
	free(msg);
}

#define problem(st, ...)	problem_add((st), str_fmt(__VA_ARGS__))

/*
 * What is not as it should be, worst first: a damaged journal, an
 * activation not finished, units not started, a failed health check of
 * the current generation.
 */
static void
find_problems(struct status *st, const json_t *u)
{
	const struct state_check	*c = &st->state->check;
	const char			*op;

	if (!st->intact)
		problem(st, "journal damaged: %s", st->jerr);
	if (u != NULL) {
		op = json_string_value(json_object_get(u, "op"));
		problem(st, "activation unfinished: run activate to finish the "
		    "%s of generation %lld (%s)", op != NULL ? op :
		    "activation", (long long)json_integer_value(
		    json_object_get(u, "generation")), json_is_true(
		    json_object_get(u, "switched")) ? "switched, not finished" :
		    "not switched");
	}
	if (st->state->start_pending > 0)
		problem(st, "units not started: starting dcos.target for "
		    "generation %ld failed or was interrupted: run activate",
		    st->state->start_pending);
	if (c->generation > 0 && c->generation == st->cur && c->critical > 0)
		problem(st, "check failed: %lld of %lld health checks of "
		    "generation %ld were critical at %s: fix them, then run "
		    "dcos-bootstrap check", (long long)c->critical,
		    (long long)c->checks, c->generation, c->time);
}

/*
 * An activation a kill interrupted: the job state.json records (its
 * target), or an intent in the journal without an outcome.  NULL: none.
 */
static json_t *
unfinished(const struct status *st)
{
	const struct state_pending	*p = st->state->pending;
	json_t				*open, *d, *u = NULL;
	long				 target = st->state->target;
	long				 active = st->state->active;

	if (p != NULL)
		u = json_pack("{s:s, s:I, s:I, s:I, s:b}", "op", p->op,
		    "generation", (json_int_t)p->generation, "from",
		    (json_int_t)p->from, "intent", p->intent, "switched",
		    st->cur == p->generation);
	else if (target > 0 && target != active)
		u = json_pack("{s:s, s:I, s:I, s:b}", "op", "activate",
		    "generation", (json_int_t)target, "from",
		    (json_int_t)active, "switched", st->cur == target);
	else if ((open = journal_open_intent(&st->h)) != NULL) {
		d = json_object_get(open, "details");
		u = json_pack("{s:O?, s:O?, s:O?, s:O?, s:b}", "op",
		    json_object_get(d, "op"), "generation",
		    json_object_get(d, "generation"), "from",
		    json_object_get(d, "from"), "intent",
		    json_object_get(open, "seq"), "switched", 0);
		json_decref(open);
	}
	return u;
}

/* Builds st->doc: current, previous generations, seq and journal. */
static int
status_doc(struct status *st, char **errp)
{
	const struct state_check	*c = &st->state->check;
	json_t				*out, *prev, *pg, *u;
	size_t				 i;

	if ((st->doc = out = json_object()) == NULL ||
	    (prev = json_array()) == NULL ||
	    (st->problems = json_array()) == NULL)
		return err_set(errp, "out of memory");
	json_object_set_new(out, "format", json_integer(1));
	json_object_set_new(out, "installed", json_boolean(st->cur > 0));
	if (st->g != NULL) {
		json_object_set_new(out, "current", gen_summary(st->g));
		json_object_set(out, "cluster_manifest",
		    json_object_get(st->g, "cluster_manifest"));
		json_object_set(out, "cluster_name",
		    json_object_get(st->g, "cluster_name"));
	}
	for (i = st->n; i-- > 0;) {
		if (st->ns[i] == st->cur ||
		    (pg = gen_load(&st->h, st->ns[i], NULL)) == NULL)
			continue;
		json_array_append_new(prev, gen_summary(pg));
		json_decref(pg);
	}
	json_object_set_new(out, "previous", prev);
	json_object_set_new(out, "highest_seq",
	    json_integer(st->state->highest_seq));
	json_object_set_new(out, "journal", json_pack("{s:b, s:I, s:s?}",
	    "intact", st->intact, "entries", (json_int_t)st->entries,
	    "problem", st->jerr));
	u = unfinished(st);
	json_object_set_new(out, "unfinished", u);
	json_object_set_new(out, "start_pending",
	    json_integer(st->state->start_pending));
	if (c->generation > 0)
		json_object_set_new(out, "check", json_pack("{s:I, s:s, s:I, "
		    "s:I}", "generation", (json_int_t)c->generation, "time",
		    c->time, "checks", c->checks, "critical", c->critical));
	find_problems(st, u);
	json_object_set(out, "problems", st->problems);
	return 0;
}

/* The report for people. */
static void
print_status(const struct status *st)
{
	const json_t	*s, *prev = json_object_get(st->doc, "previous");
	const json_t	*g = st->g;
	size_t		 i;

	if (g == NULL)
		printf("not installed\n");
	else {
		s = json_object_get(st->doc, "current");
		printf("generation:  %ld\n", st->cur);
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
	printf("journal:     %zu entries, %s%s\n", st->entries,
	    st->intact ? "chain intact" : "CHAIN BROKEN: ",
	    st->intact ? "" : st->jerr);
	if ((s = json_object_get(st->doc, "unfinished")) != NULL)
		printf("unfinished:  the %s of generation %lld was "
		    "interrupted (%s); run dcos-bootstrap activate to finish "
		    "it\n", json_string_value(json_object_get(s, "op")) ?
		    json_string_value(json_object_get(s, "op")) : "activation",
		    (long long)json_integer_value(json_object_get(s,
		    "generation")), json_is_true(json_object_get(s,
		    "switched")) ? "switched, not finished" :
		    "not switched");
	if (st->state->check.generation > 0)
		printf("check:       generation %ld at %s: %lld check(s), "
		    "%lld critical\n", st->state->check.generation,
		    st->state->check.time, (long long)st->state->check.checks,
		    (long long)st->state->check.critical);
	json_array_foreach(st->problems, i, s)
		printf("problem:     %s\n", json_string_value(s));
}

int
cmd_status(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "check", no_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "root", required_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const struct subcmd	*cmd = subcmd_find(bootstrap_commands,
				    "status");
	struct status		 st;
	const char		*root = NULL;
	char			*err = NULL;
	int			 opt, rc, asjson = 0, check = 0;

	memset(&st, 0, sizeof(st));
	st.h.lockfd = -1;
	while ((opt = getopt_long(argc, argv, "hjqv", longopts, NULL)) !=
	    -1) {
		switch (opt) {
		case 'c': check = 1; break;
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
	if (host_init(&st.h, root, &err) == -1 ||
	    gen_current(&st.h, &st.cur, &err) == -1 ||
	    gen_list(&st.h, &st.ns, &st.n, &err) == -1 ||
	    state_load(&st.h, &st.state, &err) == -1)
		goto out;
	st.intact = journal_check(&st.h, &st.entries, &st.jerr) == 0;
	if (st.cur > 0 && (st.g = gen_load(&st.h, st.cur, &err)) == NULL)
		goto out;
	if (status_doc(&st, &err) == -1)
		goto out;
	if (asjson) {
		if (jsonio_print(stdout, st.doc, &err) == -1)
			goto out;
	} else
		print_status(&st);
	/*
	 * A damaged journal always fails, the rest with --check; then a
	 * host with nothing installed says so.
	 */
	rc = !st.intact || (check && json_array_size(st.problems) > 0) ?
	    EXIT_FAIL : st.cur == 0 ? EXIT_NOT_INSTALLED : EXIT_OK;
out:
	if (err != NULL)
		log_error("%s", err);
	free(err);
	free(st.jerr);
	free(st.ns);
	json_decref(st.g);
	json_decref(st.doc);
	json_decref(st.problems);
	state_free(st.state);
	host_free(&st.h);
	return rc;
}
