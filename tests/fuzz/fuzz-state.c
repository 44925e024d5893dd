/* SPDX-License-Identifier: Apache-2.0 */
/*
 * state.json, the host's bookkeeping: its one loader (bootstrap/state.c,
 * state_parse), which must refuse or take every input without a crash,
 * and give back what it took: a state it takes, written as state_save
 * writes it, loads again to the same text.  What it takes is then
 * written to a scratch root that holds one installed generation and
 * "dcos-bootstrap status" runs there (--json and the report for people).
 * Only status runs: the commands that act on state.json (gc, uninstall)
 * remove files, which a fuzzer must never drive.
 */
#include <config.h>

#include <sys/stat.h>

#include <getopt.h>
#include <stdio.h>
#include <unistd.h>

#include <string.h>

#include "atomicio.h"
#include "bootstrap.h"
#include "fuzz.h"
#include "jsonio.h"
#include "log.h"

static char	 root[] = "/tmp/dcos-fuzz-state.XXXXXX";
static char	*statefile;

static const char generation[] =
    "{\"format\": 1, \"generation\": 1, \"release\": {\"name\": \"dcos\", "
    "\"version\": \"1.0.0\", \"seq\": 1}, \"config_id\": \"0123\", "
    "\"roles\": [\"master\"], \"created\": \"2026-01-01T00:00:00Z\", "
    "\"cluster_name\": \"demo\", \"cluster_manifest\": \"sha256:"
    "0000000000000000000000000000000000000000000000000000000000000000\"}\n";

static char *
at(const char *rel)
{
	char	*p;

	if (asprintf(&p, "%s/%s", root, rel) == -1)
		abort();
	return p;
}

static void
cleanup(void)
{
	static const char	*files[] = {
		"opt/mesosphere/generations/1/generation.json",
		"opt/mesosphere/current", "var/lib/dcos/bootstrap/state.json",
		NULL
	};
	static const char	*dirs[] = {
		"opt/mesosphere/generations/1", "opt/mesosphere/generations",
		"opt/mesosphere", "opt", "var/lib/dcos/bootstrap",
		"var/lib/dcos", "var/lib", "var", "", NULL
	};
	char			*p;
	size_t			 i;

	for (i = 0; files[i] != NULL; i++) {
		unlink(p = at(files[i]));
		free(p);
	}
	for (i = 0; dirs[i] != NULL; i++) {
		rmdir(p = at(dirs[i]));
		free(p);
	}
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char	*gen, *state, *cur, *p, *err = NULL;

	/* status prints its report on stdout: keep libFuzzer's log clean. */
	if (freopen("/dev/null", "w", stdout) == NULL ||
	    mkdtemp(root) == NULL)
		abort();
	atexit(cleanup);
	log_init("dcos-bootstrap");
	gen = at("opt/mesosphere/generations/1");
	state = at("var/lib/dcos/bootstrap");
	cur = at("opt/mesosphere/current");
	p = at("opt/mesosphere/generations/1/generation.json");
	if (mkdir_p(gen, 0755, &err) == -1 || mkdir_p(state, 0755,
	    &err) == -1 || atomic_write_file(p, generation,
	    sizeof(generation) - 1, 0644, &err) == -1)
		fuzz_fail("%s", err);
	if (symlink("generations/1", cur) == -1)
		fuzz_fail("symlink %s", cur);
	free(gen);
	free(state);
	free(cur);
	free(p);
	statefile = at("var/lib/dcos/bootstrap/state.json");
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char		*argv[] = { "status", "--root", root, NULL, NULL };
	char		*err = NULL, *t1 = NULL, *t2 = NULL;
	struct state	*s = NULL, *again = NULL;
	json_t		*j;
	FILE		*f;
	int		 argc = 3;

	/*
	 * Input the loader refuses only makes status print that error:
	 * refused here, without the line per run that would fill the log
	 * of a long campaign.
	 */
	if (state_parse((const char *)data, size, "state.json", &s,
	    &err) == -1) {
		if (err == NULL)
			fuzz_fail("state_parse failed without a message");
		free(err);
		return 0;
	}
	if ((j = state_json(s)) == NULL ||
	    (t1 = json_dumps(j, JSONIO_PRETTY)) == NULL)
		fuzz_fail("state_json: out of memory");
	json_decref(j);
	if (state_parse(t1, strlen(t1), "again", &again, &err) == -1)
		fuzz_fail("a state the loader took does not load once "
		    "written: %s\n%s", err, t1);
	if ((j = state_json(again)) == NULL ||
	    (t2 = json_dumps(j, JSONIO_PRETTY)) == NULL)
		fuzz_fail("state_json: out of memory");
	json_decref(j);
	if (strcmp(t1, t2) != 0)
		fuzz_fail("state.json changes when loaded and written "
		    "again:\n%s\n%s", t1, t2);
	free(t1);
	free(t2);
	state_free(s);
	state_free(again);
	/* A plain write: no fsync per run (atomicity is not fuzzed here). */
	if ((f = fopen(statefile, "w")) == NULL ||
	    fwrite(data, 1, size, f) != size || fclose(f) == EOF)
		fuzz_fail("cannot write %s", statefile);
	/* The last byte picks the form, so both reports are fuzzed. */
	if (size > 0 && data[size - 1] & 1)
		argv[argc++] = "--json";
	optind = 0;	/* getopt_long starts over for each run */
	(void)cmd_status(argc, argv);
	return 0;
}
