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

#include "fleet.h"
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
	};

	log_set_level(LOG_QUIET);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
