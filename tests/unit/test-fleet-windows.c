/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The fleet's Windows hosts (genconf/fleet/windows.c, runner.c): a
 * Windows host gets Windows steps or none, never the Linux ones (the
 * first sends genconf/site.key); what a failed health gate explains of
 * a hostile capture is bounded; -Status output is parsed or refused in
 * one line.  Real files in a scratch directory, the real runner.
 */
#include "config.h"

#include <sys/stat.h>

#include <ftw.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <jansson.h>

#include "fleet/fleet.h"
#include "jsonio.h"
#include "log.h"

/* The commands fleet_command knows (cmd-fleet.c's table). */
static const char *const commands[] = {
	"preflight", "deploy", "postflight", "status", "upgrade", "uninstall"
};

static char	 scratch[64];

static int
scratch_new(void **state)
{
	(void)state;
	snprintf(scratch, sizeof(scratch), "/tmp/test-fleet-windows.XXXXXX");
	return mkdtemp(scratch) == NULL ? -1 : 0;
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int
scratch_free(void **state)
{
	(void)state;
	return nftw(scratch, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Writes text to scratch/name; the path, malloc'd. */
static char *
put(const char *name, const char *text, size_t len)
{
	char	*path;
	FILE	*f;

	assert_int_not_equal(asprintf(&path, "%s/%s", scratch, name), -1);
	assert_non_null(f = fopen(path, "w"));
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	return path;
}

static int	 linux_step_used;

static char *
linux_command(const struct fleet_plan *p, const struct fleet_host *h)
{
	(void)p;
	(void)h;
	linux_step_used = 1;
	return strdup("true");
}

static const char *
linux_input(const struct fleet_plan *p, const struct fleet_host *h)
{
	(void)p;
	(void)h;
	linux_step_used = 1;
	return "/dev/null";
}

/* Every fleet command has Windows steps, and each takes the script. */
static void
test_every_command_has_windows_steps(void **state)
{
	struct fleet_win	 w = { .script = "/x/serve/dcos_install.ps1" };
	struct fleet_plan	 p = { .win = &w };
	struct fleet_host	 h = { .windows = 1 };
	const struct fleet_step	*st;
	size_t			 i, j, n;

	(void)state;
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		st = fleet_win_steps(commands[i], &n);
		assert_non_null(st);
		assert_true(n > 0);
		for (j = 0; j < n; j++) {
			assert_null(st[j].argv);
			assert_non_null(st[j].command);
			assert_non_null(st[j].input);
			assert_string_equal(st[j].input(&p, &h), w.script);
		}
	}
	/* A name that is no fleet command has none. */
	n = 7;
	assert_null(fleet_win_steps("verify", &n));
	assert_int_equal(n, 0);
	assert_null(fleet_win_steps("site-key", &n));
}

/*
 * A Windows host with no steps of its own for the command (what
 * fleet_win_steps gives for one it has none for) fails in one line
 * before anything runs: never the plan's Linux steps, never even ssh.
 * Without the runner's refusal it would be "connect"ed to 127.0.0.1 port
 * 1 and fail there, with another line.
 */
static void
test_windows_host_never_gets_linux_steps(void **state)
{
	static const struct fleet_step	linux_steps[] = {
		{ .name = "site-key", .command = linux_command,
		  .input = linux_input },
		{ .name = "install", .command = linux_command }
	};
	struct fleet_plan	 p;
	json_t			*doc;
	char			*hosts, *err = NULL;

	(void)state;
	memset(&p, 0, sizeof(p));
	hosts = put("hosts", "127.0.0.1 windows_agent\n", 24);
	assert_int_equal(fleet_hosts_from_file(hosts, &p.hosts, &p.nhosts,
	    &err), 0);
	assert_int_equal(p.nhosts, 1);
	assert_true(p.hosts[0].windows);
	p.command = "verify";
	p.steps = linux_steps;
	p.nsteps = 2;
	p.hosts[0].todo = fleet_win_steps(p.command, &p.hosts[0].ntodo);
	assert_null(p.hosts[0].todo);
	p.parallelism = 1;
	p.timeout = 10;
	p.max_failures = -1;
	p.ssh.user = p.ssh.win_user = "nobody";
	p.ssh.port = 1;
	p.ssh.config = "/dev/null";
	assert_int_equal(fleet_prepare(&p, scratch, &err), 0);
	linux_step_used = 0;
	fleet_run(&p);
	assert_int_equal(linux_step_used, 0);
	assert_int_equal(p.hosts[0].result, FLEET_FAILED);
	assert_string_equal(p.hosts[0].detail, "127.0.0.1: a Windows host, "
	    "and verify has no Windows steps: leave the Windows hosts out "
	    "(--role, --host)");
	assert_int_equal(json_array_size(p.hosts[0].steps), 0);
	assert_int_equal(access(p.hosts[0].log, F_OK), -1);
	/* The state file says so too. */
	assert_non_null(doc = json_load_file(p.state, 0, NULL));
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    json_object_get(doc, "hosts"), 0), "result")), "failed");
	json_decref(doc);
	fleet_hosts_free(p.hosts, p.nhosts);
	free(p.run);
	free(p.state);
	free(p.logdir);
	free(p.ssh.ctldir);
	free(hosts);
}

/*
 * h's explanation of a failed health gate (the check step's explain)
 * when the capture holds text (len bytes) and the step exited status.
 */
static char *
explain(const char *text, size_t len, int status)
{
	struct fleet_win	 w = { .script = "/x/dcos_install.ps1",
				       .powershell = "powershell",
				       .gate = 900 };
	struct fleet_plan	 p = { .win = &w, .logdir = scratch };
	struct fleet_host	 h = { .addr = (char *)"10.0.0.1",
				       .windows = 1, .status = status };
	const struct fleet_step	*st;
	size_t			 n;

	free(put("10.0.0.1.check.out", text, len));
	assert_non_null(st = fleet_win_steps("postflight", &n));
	assert_string_equal(st[0].name, "check");
	assert_non_null(st[0].explain);
	h.todo = st;
	h.ntodo = n;
	h.step = 1;
	return st[0].explain(&p, &h);
}

/* The check's own exit status, through the login shell's 1. */
static void
test_explain_statuses(void **state)
{
	static const char	 t3[] = "service a: stopped\r\n"
	    "service b: running\r\ndcos-fleet-check-exit: 3\r\n";
	static const char	 t5[] = "dcos-fleet-check-exit: 5\n";
	char			*r;

	(void)state;
	r = explain(t3, sizeof(t3) - 1, 1);
	assert_string_equal(r, "10.0.0.1: services not running after 900 "
	    "s: service a: stopped; rolled back to the previous generation");
	free(r);
	r = explain(t5, sizeof(t5) - 1, 1);
	assert_string_equal(r, "10.0.0.1: dcos_install.ps1 -Status failed "
	    "until the health gate's end (900 s); not rolled back: see the "
	    "log");
	free(r);
	/* Not a status line the check prints: the default explanation. */
	assert_null(explain(t5, sizeof(t5) - 1, 2));
	r = explain("", 0, 1);
	assert_string_equal(r, "10.0.0.1: services not running after 900 "
	    "s: (no status)");
	free(r);
}

/*
 * A hostile capture of 12 MiB: twelve services not running, each line
 * 20 kB of escapes and bytes that are not UTF-8; a line whose 202nd
 * byte starts "dcos-fleet-check-exit: 5" (a line start only to a reader
 * of pieces); and past the first MiB one more service and an exit line.
 * At most ten services are shown, each cut to 200 bytes of printable
 * UTF-8, then how many more; nothing past the first MiB is read.
 */
static void
test_explain_bounds_a_hostile_capture(void **state)
{
	FILE	*f;
	char	*text = NULL, *r, *part, *save, name[32];
	size_t	 len = 0, i, j, parts = 0;

	(void)state;
	assert_non_null(f = open_memstream(&text, &len));
	for (i = 1; i <= 12; i++) {
		fprintf(f, "service s%02zu: stopped", i);
		for (j = 0; j < 4000; j++)
			fputs("\033[31m\xff\xc3", f);
		fputc('\n', f);
	}
	fputs("service ok: running\n", f);
	for (j = 0; j < 201; j++)
		fputc('x', f);
	fputs("dcos-fleet-check-exit: 5\n", f);
	while (ftell(f) < (1 << 20))
		fputs("junk junk junk junk junk junk junk junk junk junk\n", f);
	fputs("service late: stopped\ndcos-fleet-check-exit: 3\n", f);
	for (j = 0; j < 11 * 1024; j++)
		fprintf(f, "%01023d\n", 0);
	assert_int_equal(fclose(f), 0);
	assert_true(len > 12 << 20);
	r = explain(text, len, 1);
	free(text);
	assert_non_null(r);
	assert_true(strlen(r) < 80 + 10 * 202 + 80);
	for (i = 0; r[i] != '\0'; i++)
		assert_true((unsigned char)r[i] >= 0x20 &&
		    (unsigned char)r[i] != 0x7f);
	assert_non_null(strstr(r, "10.0.0.1: services not running after 900 "
	    "s: service s01: stopped?[31m??"));
	assert_null(strstr(r, "-Status failed"));
	assert_null(strstr(r, "late"));
	assert_null(strstr(r, "rolled back"));
	assert_non_null(strstr(r, " and 2 more (only the first 1 MiB of the "
	    "capture read)"));
	for (i = 1; i <= 12; i++) {
		snprintf(name, sizeof(name), "service s%02zu: ", i);
		if (i <= 10)
			assert_non_null(strstr(r, name));
		else
			assert_null(strstr(r, name));
	}
	/* Each service's line: at most 200 bytes. */
	*strstr(r, " and 2 more") = '\0';
	for (part = strtok_r(strstr(r, "service s01"), ";", &save);
	    part != NULL; part = strtok_r(NULL, ";", &save), parts++)
		assert_true(strlen(part + (parts > 0)) <= 200);
	assert_int_equal(parts, 10);
	free(r);
}

#define HEX64	"0123456789abcdef0123456789abcdef" \
		"0123456789abcdef0123456789abcdef"
#define INSTALLED "generation: 3\r\nrelease: dcos-1.0.0 (seq 4)\r\n" \
	"config id: " HEX64 "\r\nroles: slave slave_public\r\n" \
	"cluster manifest: sha256:" HEX64 "\r\n"

/* -Status output, as text, parsed; NULL with *errp (no control byte). */
static json_t *
status_of(const char *text, size_t len, char **errp)
{
	json_t	*doc;
	char	*path;
	size_t	 i;

	path = put("status.out", text, len);
	*errp = NULL;
	doc = fleet_win_status(path, errp);
	free(path);
	if (doc == NULL) {
		assert_non_null(*errp);
		for (i = 0; (*errp)[i] != '\0'; i++)
			assert_true((unsigned char)(*errp)[i] >= 0x20 &&
			    (unsigned char)(*errp)[i] != 0x7f);
	}
	return doc;
}

static void
test_status_parsed(void **state)
{
	static const char	 t[] = INSTALLED
	    "service dcos-mesos-slave: running\r\n"
	    "service dcos-net: stopped\r\n";
	static const char	 none[] = "journal: clean\r\nnot installed\r\n";
	json_t			*doc, *cur;
	char			*err;

	(void)state;
	assert_non_null(doc = status_of(t, sizeof(t) - 1, &err));
	cur = json_object_get(doc, "current");
	assert_true(json_is_true(json_object_get(doc, "installed")));
	assert_string_equal(json_string_value(json_object_get(doc,
	    "platform")), "windows");
	assert_int_equal(json_integer_value(json_object_get(cur,
	    "generation")), 3);
	assert_string_equal(json_string_value(json_object_get(cur,
	    "release")), "dcos");
	assert_string_equal(json_string_value(json_object_get(cur,
	    "version")), "1.0.0");
	assert_string_equal(json_string_value(json_object_get(cur,
	    "config_id")), HEX64);
	assert_int_equal(json_array_size(json_object_get(cur, "roles")), 2);
	assert_string_equal(json_string_value(json_object_get(doc,
	    "cluster_manifest")), "sha256:" HEX64);
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    doc, "services"), "dcos-net")), "stopped");
	json_decref(doc);
	assert_non_null(doc = status_of(none, sizeof(none) - 1, &err));
	assert_true(json_is_false(json_object_get(doc, "installed")));
	assert_int_equal(json_object_size(json_object_get(doc, "current")),
	    0);
	json_decref(doc);
}

struct status_case {
	const char	*text;
	const char	*err;		/* what the message says, after "line N: " */
};

static const struct status_case hostile[] = {
	{ "generation: 3\ngeneration: 4\n", "line 2: said twice" },
	{ "generation: 0x10\n", "line 1: generation '0x10' is not a number" },
	{ "generation: 99999999999999999999\n", "line 1: generation '9999" },
	{ "generation: -1\n", "line 1: generation '-1' is not a number" },
	{ "generation: \n", "line 1: generation '' is not a number" },
	{ "release: nodash\n", "line 1: release 'nodash' is not NAME-VERSION" },
	{ "release: -\n", "line 1: release '-' is not NAME-VERSION" },
	{ "config id: " HEX64 "0\n", "line 1: config id '" },
	{ "roles: slave master\n", "line 1: role 'master' is not slave or "
	  "slave_public" },
	{ "cluster manifest: md5:00\n", "line 1: cluster manifest 'md5:00'" },
	{ "service : running\n", "line 1: 'service : running' is not" },
	{ "service a:running\n", "line 1: not 'service NAME: STATE'" },
	{ "service a: running\nservice a: stopped\n", "line 2: 'service a: "
	  "stopped' is not 'service NAME: STATE' (one a service, at most "
	  "256)" },
	{ "service a\033[2J\377: running\n", "line 1: 'service a?[2J?: "
	  "running' is not" },
	{ "service a: RUNNING\n", "line 1: 'service a: RUNNING' is not" },
	{ "generation: 3\n", "-Status printed only some of generation" },
	{ "service a: running\n", "-Status printed only some of generation" },
	{ INSTALLED "roles: slave\n", "line 6: said twice" },
};

/* Each hostile output: refused in one line that says where and what. */
static void
test_status_hostile(void **state)
{
	char	*err, *text;
	size_t	 i, len;
	FILE	*f;

	(void)state;
	for (i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		assert_null(status_of(hostile[i].text,
		    strlen(hostile[i].text), &err));
		if (strstr(err, hostile[i].err) == NULL)
			fail_msg("case %zu: '%s' has no '%s'", i, err,
			    hostile[i].err);
		assert_non_null(strstr(err, "/status.out: "));
		free(err);
	}
	/* 257 services: one more than any host runs. */
	assert_non_null(f = open_memstream(&text, &len));
	fputs(INSTALLED, f);
	for (i = 0; i < 257; i++)
		fprintf(f, "service s%zu: running\n", i);
	assert_int_equal(fclose(f), 0);
	assert_null(status_of(text, len, &err));
	assert_non_null(strstr(err, "line 262: 'service s256: running' is "
	    "not 'service NAME: STATE' (one a service, at most 256)"));
	free(err);
	free(text);
	/* A long line is quoted 1024 bytes at most. */
	assert_non_null(text = malloc(100000));
	memcpy(text, "service ", 8);
	memset(text + 8, 'a', 100000 - 8);
	memcpy(text + 100000 - 10, ": running", 9);
	text[100000 - 1] = '\n';
	assert_null(status_of(text, 100000, &err));
	assert_true(strlen(err) < 1024 + 200);
	free(err);
	free(text);
	/* More than 1 MiB: not read. */
	assert_non_null(text = malloc((1 << 20) + 2));
	memset(text, '\n', (1 << 20) + 2);
	assert_null(status_of(text, (1 << 20) + 2, &err));
	free(err);
	free(text);
}

/* Jansson's allocations fail after the first alloc_left. */
static long	 alloc_left = -1;

static void *
alloc_limited(size_t n)
{
	if (alloc_left == 0)
		return NULL;
	if (alloc_left > 0)
		alloc_left--;
	return malloc(n);
}

/*
 * Out of memory at each of jansson's allocations in turn: "out of
 * memory" (said where) and nothing leaked or freed twice (the sanitizer
 * build sees both), until there is enough.
 */
static void
test_status_out_of_memory(void **state)
{
	static const char	 t[] = INSTALLED
	    "service dcos-mesos-slave: running\r\n";
	json_t			*doc = NULL;
	char			*err;
	long			 k;

	(void)state;
	json_set_alloc_funcs(alloc_limited, free);
	for (k = 0; k < 1000 && doc == NULL; k++) {
		alloc_left = k;
		if ((doc = status_of(t, sizeof(t) - 1, &err)) == NULL) {
			assert_non_null(strstr(err, "out of memory"));
			free(err);
		}
	}
	alloc_left = -1;
	json_set_alloc_funcs(malloc, free);
	assert_non_null(doc);
	assert_true(k > 5);
	assert_int_equal(json_object_size(json_object_get(doc, "services")),
	    1);
	json_decref(doc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_command_has_windows_steps),
		cmocka_unit_test_setup_teardown(
		    test_windows_host_never_gets_linux_steps, scratch_new,
		    scratch_free),
		cmocka_unit_test_setup_teardown(test_explain_statuses,
		    scratch_new, scratch_free),
		cmocka_unit_test_setup_teardown(
		    test_explain_bounds_a_hostile_capture, scratch_new,
		    scratch_free),
		cmocka_unit_test_setup_teardown(test_status_parsed,
		    scratch_new, scratch_free),
		cmocka_unit_test_setup_teardown(test_status_hostile,
		    scratch_new, scratch_free),
		cmocka_unit_test_setup_teardown(test_status_out_of_memory,
		    scratch_new, scratch_free),
	};

	log_set_level(LOG_QUIET);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
