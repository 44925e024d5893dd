/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The fleet layer (DESIGN.md section 10): one engine that runs a plan of
 * (host, role, step) over the system's OpenSSH client, ssh_parallelism
 * hosts at a time, and the commands built on it (preflight, deploy,
 * postflight, status, upgrade, uninstall).
 */
#ifndef DCOS_GENCONF_FLEET_H
#define DCOS_GENCONF_FLEET_H

#include <sys/types.h>

#include <jansson.h>

#define FLEET_MAX_PARALLELISM	100

/* The options every fleet command takes (see dcos-genconf(1)). */
#define FLEET_USAGE "[--hosts FILE] [--role ROLE]... [--host ADDR]... " \
	"[--accept-new-host-keys] [--ssh-config FILE] [--tty] [--json] " \
	"[--release FILE] [--trusted-key FILE]... [--genconf DIR]"

/* How ssh reaches every host: config.yaml's ssh_* and the options. */
struct fleet_ssh {
	const char	*user;		/* ssh_user */
	const char	*win_user;	/* windows_ssh_user, else ssh_user */
	long		 port;		/* ssh_port */
	const char	*key;		/* ssh_key_path when it exists, or NULL */
	const char	*config;	/* --ssh-config FILE (ssh -F), or NULL */
	char		*ctldir;	/* private 0700 dir of ControlPaths */
	int		 accept_new;	/* --accept-new-host-keys */
	int		 tty;		/* --tty: ssh -tt (Linux hosts) */
};

enum fleet_result {
	FLEET_PENDING,
	FLEET_RUNNING,
	FLEET_OK,
	FLEET_FAILED,
	FLEET_NOT_STARTED	/* interrupted before its first step */
};

struct fleet_step;

struct fleet_host {
	char		*addr;
	const char	*role;		/* master, slave or slave_public */
	int		 windows;	/* runs dcos_install.ps1 */
	/* Its steps after "connect": the plan's, or a Windows host's. */
	const struct fleet_step *todo;
	size_t		 ntodo;
	int		 wave;		/* hosts run wave by wave, in order */
	enum fleet_result result;
	size_t		 step;		/* the step running or next */
	int		 connected;	/* a ControlMaster runs for it */
	int		 tty;		/* its sudo has requiretty: ssh -tt */
	pid_t		 pid;		/* of the running step, or 0 */
	double		 started;	/* monotonic seconds of the step */
	double		 seconds;	/* all its steps */
	int		 timed_out;
	int		 status;	/* exit status of the last step */
	char		*detail;	/* why it failed: one line, or NULL */
	char		*log;		/* genconf/logs/RUN/ADDR.log */
	json_t		*steps;		/* what ran, for the state file */
};

struct fleet_plan;

/*
 * A step: its name and either the remote command (a sh command line run
 * as root; on a Windows host a PowerShell one, run as ssh_user) or a
 * local argv (scp).  Each returns a malloc'd result, or
 * NULL when out of memory.
 */
struct fleet_step {
	const char	*name;
	char		*(*command)(const struct fleet_plan *,
			    const struct fleet_host *);
	/* May set h->detail when it returns NULL for its own reasons. */
	char		**(*argv)(const struct fleet_plan *,
			    struct fleet_host *);
	/* Why the step failed on h (malloc'd), or NULL for the default. */
	char		*(*explain)(const struct fleet_plan *,
			    const struct fleet_host *);
	int		 capture;	/* stdout to fleet_capture(), not the log */
	int		 gate;		/* may run p->gate seconds more */
	/*
	 * A local file given to the remote command on its standard input
	 * over the host's ssh connection (borrowed), or NULL: /dev/null.
	 */
	const char	*(*input)(const struct fleet_plan *,
			    const struct fleet_host *);
};

/* What a Windows host's steps need (windows.c). */
struct fleet_win {
	char		*script;	/* genconf/serve/dcos_install.ps1 */
	const char	*hex;		/* its sha256, as index.json pins it */
	const char	*powershell;	/* windows_powershell */
	long		 gate;		/* --timeout of the health gate */
	int		 rollback;	/* --rollback-on-failure */
};

struct fleet_plan {
	const char		*command;	/* "deploy" etc. */
	struct fleet_host	*hosts;
	size_t			 nhosts;
	/* After "connect"; fleet_run gives them to hosts without their own. */
	const struct fleet_step	*steps;
	size_t			 nsteps;
	void			*ctx;		/* for the steps' command() */
	const struct fleet_win	*win;		/* for a Windows host's */
	long			 parallelism;
	long			 timeout;	/* process_timeout, seconds */
	long			 gate;		/* postflight --timeout, seconds */
	struct fleet_ssh	 ssh;
	char			*run;		/* run id */
	char			*state;		/* genconf/state/RUN.json */
	char			*logdir;	/* genconf/logs/RUN */
	long			 max_failures;	/* halt beyond it; -1: never */
	double			 t0;		/* monotonic start of the run */
	int			 interrupted;
	int			 halted;	/* by max_failures */
	int			 live;		/* live lines on stderr (a tty) */
	size_t			 drawn;		/* live lines shown */
	/*
	 * Told of every change of a host (its step began or ended), or
	 * NULL: how dcos-genconf web shows a run live.
	 */
	void			(*notify)(const struct fleet_plan *,
				    const struct fleet_host *, void *);
	void			*notify_arg;
};

/* hosts.c: the plan's hosts from the config or --hosts FILE. */
int	 fleet_hosts_from_config(const json_t *effective,
	    struct fleet_host **hostsp, size_t *np, char **errp);
int	 fleet_hosts_from_file(const char *path, struct fleet_host **hostsp,
	    size_t *np, char **errp);
/* Keeps the hosts that match the filters (NULL/0: all). */
int	 fleet_hosts_filter(struct fleet_host **hostsp, size_t *np,
	    char *const *roles, size_t nroles, char *const *addrs,
	    size_t naddrs, char **errp);
void	 fleet_hosts_free(struct fleet_host *, size_t);
/* The install role name for a role word (agent -> slave ...), or NULL. */
const char *fleet_role(const char *word);

/* ssh.c: the argv of each ssh run (NULL-terminated, malloc'd). */
/* windows: the host is a Windows agent (logs in as win_user). */
char	**fleet_ssh_connect(const struct fleet_ssh *, const char *addr,
	    int windows);
/* Runs command on addr; tty non-zero: under ssh -tt (the caller decides). */
char	**fleet_ssh_run(const struct fleet_ssh *, const char *addr,
	    int windows, const char *command, int tty);
/* scp of files (n of them) into dir on addr over the host's master. */
char	**fleet_scp(const struct fleet_ssh *, const char *addr,
	    char *const *files, size_t n, const char *dir);
char	**fleet_ssh_exit(const struct fleet_ssh *, const char *addr,
	    int windows);
void	 fleet_argv_free(char **);
/* The command run as root: itself for root, else under sudo -n. */
char	*fleet_as_root(const struct fleet_ssh *, const char *command);
/* s in single quotes for sh (malloc'd). */
char	*fleet_shquote(const char *s);
/* A line for a failed ssh step from the last line of its output. */
char	*fleet_ssh_explain(const char *addr, int status, const char *last);

/* windows.c */
/* A Windows host's steps for command (deploy ...), or NULL. */
const struct fleet_step *fleet_win_steps(const char *command, size_t *np);
/*
 * 0 when s can be windows_powershell: a program name or path of letters,
 * digits and ._-:\/~ (it starts every Windows step's command line, which
 * cmd.exe or PowerShell reads), else -1.
 */
int	 fleet_win_program_check(const char *s);
/*
 * What dcos_install.ps1 -Status printed (the file path) as the document
 * dcos-bootstrap status --json prints, for the status table: a new
 * reference, or NULL with *errp.
 */
json_t	*fleet_win_status(const char *path, char **errp);

/* runner.c */
/*
 * Makes the run's id, its state file name, its log directory (every
 * host's log and captured output) and the ControlPath directory.
 * Returns 0 or -1 with *errp.
 */
int	 fleet_prepare(struct fleet_plan *, const char *genconf, char **errp);
/*
 * Runs the plan: every host's steps in order, parallelism hosts at once,
 * each step killed at the timeout; the state file rewritten after every
 * step.  Each host ends ok, failed (with a one-line detail) or not
 * started (interrupted first).
 */
void	 fleet_run(struct fleet_plan *);
/*
 * The file that holds what step name printed on h (a capturing step's
 * stdout), malloc'd, or NULL when out of memory.
 */
char	*fleet_capture(const struct fleet_plan *, const struct fleet_host *,
	    const char *name);
/* Prints the results table and the "N of M hosts" line (or JSON). */
void	 fleet_report(const struct fleet_plan *, int json);
/* How many hosts succeeded. */
size_t	 fleet_ok(const struct fleet_plan *);
/* "connect" or the name of h's step n, as the results table says it. */
const char *fleet_step_name(const struct fleet_host *h, size_t step);
/* "pending", "running", "ok", "failed" or "not started". */
const char *fleet_result_name(enum fleet_result);

/*
 * What a caller other than the command line (dcos-genconf web) gets of a
 * fleet command: notify on every change of a host and, for status, the
 * document --json prints (*statusp, a new reference) instead of the table.
 */
struct fleet_hooks {
	void		(*notify)(const struct fleet_plan *,
			    const struct fleet_host *, void *);
	void		*arg;
	json_t		**statusp;
};
/*
 * Runs the fleet command name (preflight, deploy, postflight, status,
 * upgrade, uninstall) with its argv as the command line does; hooks may
 * be NULL.  Returns the exit status.
 */
int	 fleet_command(const char *name, int argc, char **argv,
	    const struct fleet_hooks *hooks);

/*
 * The store's index.json and its current cluster manifest (cmd-fleet.c):
 * 0 with both (new references), or -1 with *errp.
 */
int	 fleet_load_store(const char *genconf, json_t **indexp, json_t **cmp,
	    char **errp);

/* The commands (cmd-fleet.c). */
int	 cmd_preflight(int, char **);
int	 cmd_deploy(int, char **);
int	 cmd_postflight(int, char **);
int	 cmd_status(int, char **);
int	 cmd_upgrade(int, char **);
int	 cmd_uninstall(int, char **);

#endif
