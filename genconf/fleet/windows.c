/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The fleet's Windows agents: OpenSSH for Windows runs what we send
 * through the account's default shell, cmd.exe unless the host changed
 * it to PowerShell, so every step is "POWERSHELL -NoProfile
 * -NonInteractive -EncodedCommand BASE64" (the step's PowerShell text in
 * UTF-16LE): the same words mean the same under either shell, no quoting
 * question remains and no profile runs (a PowerShell login shell makes
 * every failing exit status 1, though).  Each step gets the store's
 * dcos_install.ps1 on its standard input over the host's ssh connection
 * (never a pty; nothing secret: a Windows host takes no secrets bundle),
 * writes it to a new directory in the user's temporary directory, checks
 * it against the digest index.json pins and runs it with "powershell
 * -NoProfile -ExecutionPolicy Bypass -File" and the script's own
 * switches; the directory goes with the step.
 */
#include <config.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomicio.h"
#include "base64.h"
#include "digest.h"
#include "error.h"
#include "fleet.h"
#include "jsonio.h"
#include "manifest.h"

/*
 * The windows_powershell program s in PowerShell single quotes,
 * malloc'd, or NULL.  It passed fleet_win_program_check, whose letters
 * hold no quote, so the quotes hold it as it is; checked again here
 * rather than trusted, as a program name starts every command line.
 */
static char *
psquote(const char *s)
{
	if (fleet_win_program_check(s) == -1)
		return NULL;
	return str_fmt("'%s'", s);
}

int
fleet_win_program_check(const char *s)
{
	size_t	n = strlen(s);

	/* Nothing cmd.exe or CommandLineToArgvW would read as more. */
	return n == 0 || n > 260 || strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789._-:\\/~") != n ? -1 : 0;
}

/*
 * The command line that runs text (ASCII: every piece of it is checked
 * or ours) in w->powershell, malloc'd, or NULL: out of memory.
 */
static char *
encoded(const struct fleet_win *w, const char *text)
{
	size_t	 i, n = strlen(text);
	uint8_t	*u16;
	char	*b64, *r;

	if (n > 16384 || (u16 = malloc(2 * n)) == NULL)
		return NULL;
	/* ASCII widens to UTF-16LE byte by byte. */
	for (i = 0; i < n; i++) {
		u16[2 * i] = (uint8_t)text[i];
		u16[2 * i + 1] = 0;
	}
	if ((b64 = malloc(BASE64_LEN(2 * n) + 1)) == NULL) {
		free(u16);
		return NULL;
	}
	base64_encode(u16, 2 * n, b64);
	free(u16);
	r = str_fmt("%s -NoProfile -NonInteractive -EncodedCommand %s",
	    w->powershell, b64);
	free(b64);
	return r;
}

/*
 * The script in $f, checked, then body (which sets $e, the exit status;
 * freed here; NULL: out of memory); the temporary directory removed
 * whatever happens.  Returns the command line (encoded()).
 */
static char *
wrap(const struct fleet_plan *p, char *body)
{
	const struct fleet_win	*w = p->win;
	char			*r, *t;

	if (body == NULL)
		return NULL;
	t = str_fmt("$e = 1; $d = [IO.Path]::Combine([IO.Path]::GetTempPath(), "
	    "'dcos-fleet-' + [guid]::NewGuid().ToString('N')); "
	    "try { [void][IO.Directory]::CreateDirectory($d); "
	    "$f = [IO.Path]::Combine($d, 'dcos_install.ps1'); "
	    "$o = [IO.File]::Create($f); "
	    "try { [Console]::OpenStandardInput().CopyTo($o) } "
	    "finally { $o.Dispose() }; "
	    "$h = (Get-FileHash -LiteralPath $f -Algorithm SHA256).Hash."
	    "ToLowerInvariant(); "
	    "if ($h -cne '%s') { [Console]::Error.WriteLine('dcos_install.ps1 "
	    "arrived as sha256:' + $h + ', not the store''s sha256:%s: run "
	    "the step again (without --tty)') } "
	    "else { %s } "
	    "} catch { [Console]::Error.WriteLine($_.Exception.Message); "
	    "$e = 1 } "
	    "finally { Remove-Item -LiteralPath $d -Recurse -Force "
	    "-ErrorAction SilentlyContinue }; exit $e",
	    w->hex, w->hex, body);
	free(body);
	if (t == NULL)
		return NULL;
	r = encoded(w, t);
	free(t);
	return r;
}

/* The name of the step h runs now. */
static const char *
step_name(const struct fleet_host *h)
{
	return h->todo[h->step - 1].name;
}

/*
 * preflight, install, upgrade, uninstall and status: the script with the
 * step's switches; its output is the step's.
 */
static char *
run_command(const struct fleet_plan *p, const struct fleet_host *h)
{
	const char	*name = step_name(h), *args;
	char		*q, *body;

	if (strcmp(name, "uninstall") == 0)
		args = "-Uninstall";
	else if (strcmp(name, "status") == 0)
		args = "-Status";
	else if (strcmp(name, "preflight") == 0)
		args = "-Preflight -Role ";
	else
		args = "-Role ";
	if ((q = psquote(p->win->powershell)) == NULL)
		return NULL;
	/* The role is slave or slave_public: nothing to quote. */
	body = str_fmt("& %s -NoProfile -ExecutionPolicy Bypass -File $f %s%s; "
	    "$e = $LASTEXITCODE", q, args, strchr(args, ' ') != NULL ?
	    h->role : "");
	free(q);
	return wrap(p, body);
}

/*
 * The health gate: -Status again every few seconds until every service
 * of the generation runs or the gate's time is up; the last status on
 * stdout.  Exit 0: all run; 1: one does not; 2: nothing installed; 5:
 * -Status itself failed until the end (never a reason to roll back);
 * with --rollback-on-failure 3: rolled back, 4: the rollback failed too
 * (as the Linux check step).
 */
static char *
check_command(const struct fleet_plan *p, const struct fleet_host *h)
{
	const struct fleet_win	*w = p->win;
	char			*q, *body;

	(void)h;
	if ((q = psquote(w->powershell)) == NULL)
		return NULL;
	body = str_fmt("$end = [DateTime]::UtcNow.AddSeconds(%ld); "
	    "while ($true) { "
	    "$s = @(& %s -NoProfile -ExecutionPolicy Bypass -File $f -Status); "
	    "if ($LASTEXITCODE -ne 0) { $e = 5 } "
	    "elseif (@($s -match '^generation: ').Count -eq 0) { $e = 2; "
	    "break } "
	    "else { $bad = @(@($s -match '^service [^:]+: ') -notmatch "
	    "': running$'); if ($bad.Count -eq 0) { $e = 0; break }; "
	    "$e = 1 }; "
	    "if ([DateTime]::UtcNow -ge $end) { break }; "
	    "Start-Sleep -Seconds 3 }; "
	    "foreach ($l in $s) { [Console]::Out.WriteLine($l) }%s%s%s",
	    w->gate, q, w->rollback ? "; if ($e -eq 1) { & " : "",
	    w->rollback ? q : "", w->rollback ? " -NoProfile -ExecutionPolicy "
	    "Bypass -File $f -Rollback | ForEach-Object { "
	    "[Console]::Error.WriteLine($_) }; "
	    "if ($LASTEXITCODE -eq 0) { $e = 3 } else { $e = 4 } }" : "");
	free(q);
	if (body != NULL) {
		/*
		 * A PowerShell login shell turns a command's exit status
		 * into 0 or 1 (-Command's rule): the status goes on stdout
		 * too, for check_explain.
		 */
		q = body;
		body = str_fmt("%s; [Console]::Out.WriteLine("
		    "'dcos-fleet-check-exit: ' + $e)", q);
		free(q);
	}
	return wrap(p, body);
}

#define EXPLAIN_SERVICES	10
#define EXPLAIN_LINE		200
#define EXPLAIN_BYTES		(1 << 20)

/*
 * The next line of f into line (EXPLAIN_LINE + 1 bytes), the first
 * EXPLAIN_LINE bytes of it kept and the rest read past, never more than
 * *left bytes in all: the host wrote the capture, of any length.  1: a
 * line; 0: the end, or *left spent (*cut set).
 */
static int
capture_line(FILE *f, char *line, size_t *left, int *cut)
{
	size_t	n = 0;
	int	c = EOF;

	while (*left > 0 && (c = getc(f)) != EOF && c != '\n') {
		(*left)--;
		if (n < EXPLAIN_LINE)
			line[n++] = (char)c;
	}
	if (c == '\n')
		(*left)--;
	else if (*left == 0 && getc(f) != EOF)
		*cut = 1;
	line[n] = '\0';
	return c == '\n' || n > 0;
}

/*
 * What a failed check step saw: each service that does not run (the
 * first few, each line cut short, the capture read up to EXPLAIN_BYTES:
 * the host wrote it).
 */
static char *
check_explain(const struct fleet_plan *p, const struct fleet_host *h)
{
	char	 line[EXPLAIN_LINE + 1], *path, *r = NULL, *n = NULL;
	char	 more[96] = "";
	size_t	 shown = 0, other = 0, len = 0, left = EXPLAIN_BYTES;
	FILE	*f = NULL;
	int	 st = h->status, exit_seen = 0, cut = 0;

	if ((r = malloc(EXPLAIN_SERVICES * (EXPLAIN_LINE + 2) + 1)) == NULL)
		return NULL;
	r[0] = '\0';
	if ((path = fleet_capture(p, h, "check")) != NULL)
		f = fopen(path, "re");
	free(path);
	while (f != NULL && capture_line(f, line, &left, &cut)) {
		line[strcspn(line, "\r")] = '\0';
		/* The check's own status, whatever the login shell made of it. */
		if (h->status == 1 && !exit_seen &&
		    strncmp(line, "dcos-fleet-check-exit: ", 23) == 0 &&
		    line[23] >= '1' && line[23] <= '5' && line[24] == '\0') {
			st = line[23] - '0';
			exit_seen = 1;
			continue;
		}
		jsonio_scrub(line, EXPLAIN_LINE, 0);
		if (strncmp(line, "service ", 8) != 0 ||
		    strstr(line, ": ") == NULL ||
		    strcmp(strstr(line, ": "), ": running") == 0)
			continue;
		if (shown == EXPLAIN_SERVICES) {
			other++;
			continue;
		}
		/* At most EXPLAIN_LINE + 2 bytes each: r holds them all. */
		len += (size_t)snprintf(r + len, EXPLAIN_LINE + 3, "%s%s",
		    shown > 0 ? "; " : "", line);
		shown++;
	}
	if (f != NULL)
		fclose(f);
	if (st == 5) {
		if (asprintf(&n, "%s: dcos_install.ps1 -Status failed until "
		    "the health gate's end (%ld s); not rolled back: see the "
		    "log", h->addr, p->win->gate) == -1)
			n = NULL;
		goto out;
	}
	if (st != 1 && st != 3 && st != 4)
		goto out;
	if (other > 0)
		snprintf(more, sizeof(more), " and %zu more", other);
	if (cut)
		snprintf(more + strlen(more), sizeof(more) - strlen(more),
		    " (only the first %d MiB of the capture read)",
		    EXPLAIN_BYTES >> 20);
	if (asprintf(&n, "%s: services not running after %ld s: %s%s%s",
	    h->addr, p->win->gate, shown > 0 ? r : "(no status)", more,
	    st == 3 ? "; rolled back to the previous generation" :
	    st == 4 ? "; the rollback failed too (see the log)" :
	    "") == -1)
		n = NULL;
out:
	free(r);
	return n;
}

static const char *
script_input(const struct fleet_plan *p, const struct fleet_host *h)
{
	(void)h;
	return p->win->script;
}

#define WIN_RUN(n) { .name = (n), .command = run_command, \
	.input = script_input }
#define WIN_CHECK { .name = "check", .command = check_command, \
	.explain = check_explain, .capture = 1, .gate = 1, \
	.input = script_input }

static const struct fleet_step preflight_steps[] = { WIN_RUN("preflight") };
static const struct fleet_step deploy_steps[] = { WIN_RUN("install") };
static const struct fleet_step postflight_steps[] = { WIN_CHECK };
static const struct fleet_step status_steps[] = {
	{ .name = "status", .command = run_command, .capture = 1,
	  .input = script_input }
};
static const struct fleet_step upgrade_steps[] = {
	WIN_RUN("upgrade"), WIN_CHECK
};
static const struct fleet_step uninstall_steps[] = { WIN_RUN("uninstall") };

#define NSTEPS(a)	(sizeof(a) / sizeof((a)[0]))
static const struct {
	const char		*command;
	const struct fleet_step	*steps;
	size_t			 n;
} win_cmds[] = {
	{ "preflight", preflight_steps, NSTEPS(preflight_steps) },
	{ "deploy", deploy_steps, NSTEPS(deploy_steps) },
	{ "postflight", postflight_steps, NSTEPS(postflight_steps) },
	{ "status", status_steps, NSTEPS(status_steps) },
	{ "upgrade", upgrade_steps, NSTEPS(upgrade_steps) },
	{ "uninstall", uninstall_steps, NSTEPS(uninstall_steps) },
};

const struct fleet_step *
fleet_win_steps(const char *command, size_t *np)
{
	size_t	i;

	for (i = 0; i < NSTEPS(win_cmds); i++)
		if (strcmp(win_cmds[i].command, command) == 0) {
			*np = win_cmds[i].n;
			return win_cmds[i].steps;
		}
	*np = 0;
	return NULL;
}

/* n bytes of s are all of set and 0 < n <= max. */
static int
word_ok(const char *s, const char *set, size_t max)
{
	size_t	n = strlen(s);

	return n > 0 && n <= max && strspn(s, set) == n;
}

#define LOWER	"abcdefghijklmnopqrstuvwxyz"
#define NAMECH	LOWER "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._@-"
#define MAX_SERVICES	256

/*
 * One line of -Status (line), checked against the grammar
 * dcos_install.ps1 prints, into doc; seen marks the fields met.  0, or
 * -1 with *errp (what is wrong; ENOMEM: "out of memory").
 */
static int
status_line(json_t *doc, char *line, unsigned *seen, char **errp)
{
	json_t		*cur = json_object_get(doc, "current");
	json_t		*svcs = json_object_get(doc, "services"), *roles;
	struct digest	 d;
	char		*sp, *end, *tok, *save, *name;
	const char	*c;
	long long	 gen;
	int		 rc;
	unsigned	 bit;

	if (strncmp(line, "generation: ", 12) == 0)
		bit = 1;
	else if (strncmp(line, "release: ", 9) == 0)
		bit = 2;
	else if (strncmp(line, "config id: ", 11) == 0)
		bit = 4;
	else if (strncmp(line, "roles: ", 7) == 0)
		bit = 8;
	else if (strncmp(line, "cluster manifest: ", 18) == 0)
		bit = 16;
	else if (strncmp(line, "service ", 8) == 0)
		bit = 0;
	else
		return 0;	/* journal, not installed: nothing to read */
	if (*seen & bit)
		return err_set(errp, "said twice");
	*seen |= bit;
	switch (bit) {
	case 1:
		errno = 0;
		gen = strtoll(line + 12, &end, 10);
		if (errno != 0 || end == line + 12 || *end != '\0' ||
		    gen < 1 || line[12] < '0' || line[12] > '9')
			return err_set(errp, "generation '%s' is not a number "
			    "from 1", line + 12);
		return json_object_set_new(cur, "generation",
		    json_integer(gen)) == -1 ? err_set(errp, "out of memory") :
		    0;
	case 2:
		/* "NAME-VERSION (seq N)": versions hold no "-". */
		if ((sp = strstr(line + 9, " (seq ")) != NULL)
			*sp = '\0';
		if ((sp = strrchr(line + 9, '-')) == NULL)
			return err_set(errp, "release '%s' is not NAME-VERSION",
			    line + 9);
		*sp++ = '\0';
		if (pkg_name_check(line + 9, NULL) == -1 ||
		    pkg_version_check(sp, NULL) == -1)
			return err_set(errp, "release '%s-%s' is not "
			    "NAME-VERSION", line + 9, sp);
		return json_object_set_new(cur, "release",
		    json_string(line + 9)) == -1 || json_object_set_new(cur,
		    "version", json_string(sp)) == -1 ?
		    err_set(errp, "out of memory") : 0;
	case 4:
		if (digest_parse_hex(line + 11, &d) == -1)
			return err_set(errp, "config id '%s' is not 64 lowercase "
			    "hex digits", line + 11);
		return json_object_set_new(cur, "config_id",
		    json_string(line + 11)) == -1 ?
		    err_set(errp, "out of memory") : 0;
	case 8:
		if ((roles = json_array()) == NULL ||
		    json_object_set_new(cur, "roles", roles) == -1)
			return err_set(errp, "out of memory");
		for (tok = strtok_r(line + 7, " ", &save); tok != NULL;
		    tok = strtok_r(NULL, " ", &save)) {
			if (strcmp(tok, "slave") != 0 &&
			    strcmp(tok, "slave_public") != 0)
				return err_set(errp, "role '%s' is not slave or "
				    "slave_public", tok);
			if (json_array_append_new(roles, json_string(tok)) ==
			    -1)
				return err_set(errp, "out of memory");
		}
		return 0;
	case 16:
		if (digest_parse(line + 18, &d) == -1)
			return err_set(errp, "cluster manifest '%s' is not "
			    "sha256: and 64 lowercase hex digits", line + 18);
		return json_object_set_new(doc, "cluster_manifest",
		    json_string(line + 18)) == -1 ?
		    err_set(errp, "out of memory") : 0;
	}
	/* "service NAME: STATE" */
	if ((c = strstr(line + 8, ": ")) == NULL)
		return err_set(errp, "not 'service NAME: STATE'");
	if ((name = strndup(line + 8, c - (line + 8))) == NULL)
		return err_set(errp, "out of memory");
	if (!word_ok(name, NAMECH, 64) || !word_ok(c + 2, LOWER " ", 32) ||
	    json_object_get(svcs, name) != NULL ||
	    json_object_size(svcs) >= MAX_SERVICES) {
		free(name);
		return err_set(errp, "'%s' is not 'service NAME: STATE' (one a "
		    "service, at most %d)", line, MAX_SERVICES);
	}
	rc = json_object_set_new(svcs, name, json_string(c + 2));
	free(name);
	return rc == -1 ? err_set(errp, "out of memory") : 0;
}

json_t *
fleet_win_status(const char *path, char **errp)
{
	json_t		*doc = NULL, *r = NULL;
	char		*buf = NULL, *line, *next, *err = NULL;
	size_t		 len, n = 0;
	unsigned	 seen = 0;

	if (read_file(path, 1 << 20, &buf, &len, errp) == -1)
		return NULL;
	/* set_new takes the reference, also when it fails (or gets NULL). */
	if ((doc = json_object()) == NULL ||
	    json_object_set_new(doc, "current", json_object()) == -1 ||
	    json_object_set_new(doc, "services", json_object()) == -1 ||
	    json_object_set_new(doc, "platform", json_string("windows")) ==
	    -1) {
		err_set(errp, "out of memory");
		goto out;
	}
	for (line = buf; line != NULL; line = next) {
		n++;
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		line[strcspn(line, "\r")] = '\0';
		/* Windows PowerShell may print in the ANSI code page. */
		jsonio_scrub(line, 1024, 0);
		if (status_line(doc, line, &seen, &err) == -1) {
			err_set(errp, "%s: -Status line %zu: %s", path, n,
			    err != NULL ? err : "out of memory");
			goto out;
		}
	}
	/* Installed: every field; else none (nor a service). */
	if ((seen != 0 && seen != 31) || (seen == 0 &&
	    json_object_size(json_object_get(doc, "services")) > 0)) {
		err_set(errp, "%s: -Status printed only some of generation, "
		    "release, config id, roles and cluster manifest", path);
		goto out;
	}
	if (json_object_set_new(doc, "installed", json_boolean(seen != 0)) ==
	    -1) {
		err_set(errp, "out of memory");
		goto out;
	}
	r = doc;
	doc = NULL;	/* transferred */
out:
	free(err);
	free(buf);
	json_decref(doc);
	return r;
}
