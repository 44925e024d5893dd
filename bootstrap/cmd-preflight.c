/* SPDX-License-Identifier: Apache-2.0 */
/*
 * preflight: can this host take the release?  Every check runs and prints
 * one "Checking <what>: PASS|FAIL|SKIP (<detail>)" line; the exit status is 1
 * when any failed.  The checks read only blobs whose digests the cluster
 * manifest pins (release.json for ports and sizes, the config package for
 * ip-detect), and change nothing on the host.
 */
#include <config.h>

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "atomicio.h"
#include "bootstrap.h"
#include "digest.h"
#include "error.h"
#include "jsonio.h"
#include "log.h"
#include "manifest.h"
#include "preflight.h"
#include "procnet.h"
#include "seal.h"
#include "store.h"
#include "subcmd.h"

#define MIN_SYSTEMD		200
#define IP_DETECT_PATH		"etc/ip-detect"
#define IP_DETECT_MAX		(1024 * 1024)	/* the script itself */
#define IP_DETECT_OUT_MAX	4096		/* what it prints */
#define IP_DETECT_TIMEOUT	30		/* seconds */
#define SYSTEMCTL_TIMEOUT	10
#define MAX_ROLES		3
#define BUSY_SHOWN		8		/* ports named in a FAIL line */
#define REQ_TIMEOUT		30		/* docker info, xfs_info... */
#define DOCKER_INFO_MAX		(256 * 1024)

static const char *const known_roles[MAX_ROLES] = {
	"master", "slave", "slave_public"
};

struct preflight {
	const char		*root;		/* "" for the real root */
	const char		*cache;
	const char		*procdir;
	const char		*sysdir;
	const char		*roles[MAX_ROLES];
	size_t			 nroles;
	int			 timeout;	/* ip-detect, seconds */
	struct cluster_manifest	*cm;
	struct release_manifest	*rel;		/* NULL: see rel_err */
	char			*rel_err;
	int			 installed;	/* a current generation */
	int			 change_roles;	/* --change-roles */
	size_t			 passed, failed, skipped;
	json_t			*checks;	/* --json: the report */
	json_t			*seen;		/* requirement lines shown */
	char			*docker_info;	/* NULL: not run yet */
	char			*docker_err;	/* why it did not run */
};

static void
report(struct preflight *pf, const char *what, int ok, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
report(struct preflight *pf, const char *what, int ok, const char *fmt, ...)
{
	va_list		 ap;
	const char	*res;
	char		*detail = NULL;

	va_start(ap, fmt);
	if (vasprintf(&detail, fmt, ap) == -1)
		detail = NULL;
	va_end(ap);
	/* ok: 0 FAIL, 1 PASS, 2 SKIP (not checked, not a failure). */
	res = ok == 2 ? "SKIP" : ok ? "PASS" : "FAIL";
	/* With --json the lines are for people: stderr. */
	fprintf(pf->checks != NULL ? stderr : stdout, "Checking %s: %s "
	    "(%s)\n", what, res, detail != NULL ? detail : "out of memory");
	fflush(pf->checks != NULL ? stderr : stdout);
	if (pf->checks != NULL && json_array_append_new(pf->checks,
	    json_pack("{s:s, s:s, s:o}", "check", what, "status", res,
	    "detail", jsonio_string_escaped(detail != NULL ? detail :
	    "out of memory"))) == -1)
		log_error("out of memory");
	free(detail);
	if (ok == 2)
		pf->skipped++;
	else if (ok)
		pf->passed++;
	else
		pf->failed++;
}

/* "<root><path>" for an absolute path; malloc'd or NULL. */
static char *
rooted(const struct preflight *pf, const char *path)
{
	char	*p;

	if (asprintf(&p, "%s%s", pf->root, path) == -1)
		return NULL;
	return p;
}

static int
has_role(const struct preflight *pf, const char *role)
{
	size_t	 i;

	for (i = 0; i < pf->nroles; i++)
		if (strcmp(pf->roles[i], role) == 0)
			return 1;
	return 0;
}

/* Adds one role or a comma-separated list.  0 or -1 with *errp. */
static int
add_roles(struct preflight *pf, const char *arg, char **errp)
{
	const char	*p = arg, *comma;
	size_t		 len, i;

	for (;;) {
		comma = strchr(p, ',');
		len = comma != NULL ? (size_t)(comma - p) : strlen(p);
		for (i = 0; i < MAX_ROLES; i++)
			if (strlen(known_roles[i]) == len &&
			    strncmp(known_roles[i], p, len) == 0)
				break;
		if (i == MAX_ROLES)
			return err_set(errp, "unknown role '%.*s' (roles: "
			    "master, slave, slave_public)", (int)len, p);
		if (!has_role(pf, known_roles[i]))
			pf->roles[pf->nroles++] = known_roles[i];
		if (comma == NULL)
			return 0;
		p = comma + 1;
	}
}

static void
check_root(struct preflight *pf)
{
	uid_t	 uid = geteuid();

	if (uid == 0)
		report(pf, "root privileges", 1, "running as root");
	else if (pf->root[0] != '\0')
		report(pf, "root privileges", 1, "running as uid %u; not "
		    "needed with --root", (unsigned)uid);
	else
		report(pf, "root privileges", 0, "running as uid %u: run as "
		    "root, e.g. with sudo", (unsigned)uid);
}

/*
 * A cluster with a secrets bundle for one of the host's roles needs the
 * site key, which comes out of band: one line saying how to provide it.
 * Sites without secrets print nothing here.
 */
static void
check_site_key(struct preflight *pf)
{
	struct host	 h;
	struct seal_key	 k;
	const char	*role = NULL;
	char		*err = NULL, id[SEAL_KEYID_STRSZ];
	size_t		 i, j;

	for (i = 0; role == NULL && i < pf->cm->nblobs; i++)
		for (j = 0; j < pf->nroles; j++)
			if (pf->cm->blobs[i].kind == BLOB_SECRETS &&
			    strcmp(pf->cm->blobs[i].role, pf->roles[j]) == 0)
				role = pf->roles[j];
	if (role == NULL)
		return;
	memset(&h, 0, sizeof(h));
	memset(&k, 0, sizeof(k));
	h.lockfd = -1;
	if (host_init(&h, pf->root[0] != '\0' ? pf->root : NULL, &err) == 0 &&
	    site_key_load(&h, role, &k, &err) == 0) {
		seal_keyid(&k, id);
		report(pf, "site key", 1, "site key %s in place for the "
		    "secrets bundle of role %s", id, role);
	} else
		report(pf, "site key", 0, "%s", err != NULL ? err :
		    "out of memory");
	seal_key_clear(&k);
	host_free(&h);
	free(err);
}

/*
 * The one rule for role changes (gen_roles_compare), as install applies
 * it: 0 same roles (*fromp the installed ones), 1 different (*errp the
 * refusal), -1 with *errp.
 */
static int
installed_roles(const struct preflight *pf, char **fromp, char **errp)
{
	struct host	 h;
	int		 r = -1;

	memset(&h, 0, sizeof(h));
	h.lockfd = -1;
	if (host_init(&h, pf->root[0] != '\0' ? pf->root : NULL, errp) == 0)
		r = gen_roles_compare(&h, pf->roles, pf->nroles, fromp, errp);
	host_free(&h);
	return r;
}

static int
exists(const char *dir, const char *name)
{
	struct stat	 st;
	char		*p = path_join(dir, name);
	int		 r;

	r = p != NULL && lstat(p, &st) == 0;
	free(p);
	return r;
}

static void
check_existing(struct preflight *pf)
{
	static const char	*what = "for an existing installation";
	struct stat		 st;
	struct dirent		*de;
	DIR			*d = NULL;
	char			*opt, *cur = NULL, *roles = NULL, *err = NULL;
	char			 target[256];
	ssize_t			 n;
	int			 r;

	if ((opt = rooted(pf, "/opt/mesosphere")) == NULL ||
	    (cur = path_join(opt, "current")) == NULL) {
		report(pf, what, 0, "out of memory");
		goto out;
	}
	if (lstat(opt, &st) == -1) {
		if (errno == ENOENT)
			report(pf, what, 1, "none in %s", opt);
		else
			report(pf, what, 0, "%s: %s", opt, strerror(errno));
		goto out;
	}
	if (!S_ISDIR(st.st_mode)) {
		report(pf, what, 0, "%s is not a directory: move it away",
		    opt);
		goto out;
	}
	if ((n = readlink(cur, target, sizeof(target) - 1)) != -1) {
		target[n] = '\0';
		pf->installed = 1;
		if ((r = installed_roles(pf, &roles, &err)) == 0)
			report(pf, what, 1, "%s -> %s, roles:%s; this run "
			    "upgrades or re-applies it", cur, target,
			    roles[0] != '\0' ? roles : " none");
		else if (r == 1 && pf->change_roles)
			report(pf, what, 1, "%s -> %s, roles:%s; this run "
			    "changes them (--change-roles)", cur, target,
			    roles);
		else
			report(pf, what, 0, "%s", err != NULL ? err :
			    "out of memory");
		goto out;
	}
	/* An install that stopped before its first switch: re-run ends it. */
	if (exists(opt, "packages") || exists(opt, "generations")) {
		report(pf, what, 1, "an unfinished installation in %s; this "
		    "run completes it", opt);
		goto out;
	}
	if ((d = opendir(opt)) == NULL) {
		report(pf, what, 0, "%s: %s", opt, strerror(errno));
		goto out;
	}
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			break;
	if (de == NULL)
		report(pf, what, 1, "%s is empty", opt);
	else
		report(pf, what, 0, "%s holds files dcos-bootstrap did not "
		    "install (e.g. %s): uninstall that software or move "
		    "the directory away", opt, de->d_name);
out:
	if (d != NULL)
		closedir(d);
	free(err);
	free(roles);
	free(cur);
	free(opt);
}

/* Appends ", PORT/PROTO on ADDR" to *listp (at most BUSY_SHOWN). */
static void
note_busy(char **listp, size_t *countp, uint16_t port, const char *proto,
    const struct procnet_sock *s)
{
	char	 addr[INET6_ADDRSTRLEN], *nl;

	if ((*countp)++ >= BUSY_SHOWN || *listp == NULL)
		return;
	procnet_addr(s, addr, sizeof(addr));
	if (asprintf(&nl, "%s%s%u/%s on %s", *listp,
	    (*listp)[0] != '\0' ? ", " : "", port, proto, addr) == -1)
		nl = NULL;
	free(*listp);
	*listp = nl;
}

static void
check_ports(struct preflight *pf)
{
	const struct release_role	*role;
	const struct procnet_sock	*s;
	struct procnet			 pn;
	char				*err = NULL, *busy, what[64];
	size_t				 i, j, nbusy;
	int				 loaded;

	memset(&pn, 0, sizeof(pn));
	loaded = pf->rel != NULL && !pf->installed &&
	    procnet_load(&pn, pf->procdir, &err) == 0;
	for (i = 0; i < pf->nroles; i++) {
		snprintf(what, sizeof(what), "ports for role %s",
		    pf->roles[i]);
		if (pf->rel == NULL) {
			report(pf, what, 0, "%s", pf->rel_err);
			continue;
		}
		if ((role = release_manifest_role(pf->rel,
		    pf->roles[i])) == NULL) {
			report(pf, what, 0, "release %s-%s declares no role "
			    "%s: use a release built for it", pf->rel->name,
			    pf->rel->version, pf->roles[i]);
			continue;
		}
		if (pf->installed) {
			report(pf, what, 2, "the installed cluster's own "
			    "services hold them");
			continue;
		}
		if (!loaded) {
			report(pf, what, 0, "%s", err);
			continue;
		}
		busy = strdup("");
		nbusy = 0;
		for (j = 0; j < role->nports; j++) {
			if ((s = procnet_find(&pn, PROCNET_TCP,
			    role->ports[j])) != NULL)
				note_busy(&busy, &nbusy, role->ports[j],
				    "tcp", s);
			if ((s = procnet_find(&pn, PROCNET_UDP,
			    role->ports[j])) != NULL)
				note_busy(&busy, &nbusy, role->ports[j],
				    "udp", s);
		}
		if (nbusy == 0)
			report(pf, what, 1, "%zu ports free", role->nports);
		else
			report(pf, what, 0, "in use: %s%s: stop the programs "
			    "holding them", busy != NULL ? busy :
			    "out of memory", nbusy > BUSY_SHOWN ? ", ..." : "");
		free(busy);
	}
	procnet_free(&pn);
	free(err);
}

/* statvfs of path or its nearest existing ancestor. */
static int
fs_of(const char *path, struct statvfs *vfs, dev_t *devp, char **errp)
{
	struct stat	 st;
	char		*p, *slash;
	int		 rc = -1;

	if ((p = strdup(path)) == NULL)
		return err_set(errp, "out of memory");
	while (stat(p, &st) == -1) {
		if (errno != ENOENT) {
			err_sys(errp, "%s", p);
			goto out;
		}
		if ((slash = strrchr(p, '/')) == NULL) {
			/* A relative name: its directory is the current one. */
			strcpy(p, ".");
			continue;
		}
		if (slash == p) {
			strcpy(p, "/");
			continue;
		}
		*slash = '\0';
	}
	if (statvfs(p, vfs) == -1) {
		err_sys(errp, "%s", p);
		goto out;
	}
	*devp = st.st_dev;
	rc = 0;
out:
	free(p);
	return rc;
}

static void
check_disk(struct preflight *pf)
{
	static const char	*what = "free disk space for the release";
	struct statvfs		 vfs, cvfs;
	struct stat		 st;
	dev_t			 dev, cdev;
	char			*pkgdir = NULL, *opt = NULL, *p, *path, *err = NULL;
	char			 need_s[HUMAN_SIZE_LEN], free_s[HUMAN_SIZE_LEN];
	char			 cneed_s[HUMAN_SIZE_LEN], cfree_s[HUMAN_SIZE_LEN];
	uint64_t		 need = 0, cneed = 0, avail, cavail;
	size_t			 i;

	if (pf->rel == NULL) {
		report(pf, what, 0, "%s", pf->rel_err);
		return;
	}
	if ((opt = rooted(pf, "/opt/mesosphere")) == NULL ||
	    (pkgdir = path_join(opt, "packages")) == NULL) {
		report(pf, what, 0, "out of memory");
		goto out;
	}
	/* Packages already extracted are shared by the new generation. */
	for (i = 0; i < pf->rel->npackages; i++) {
		if ((p = path_join(pkgdir, pf->rel->packages[i].id)) == NULL)
			continue;
		if (lstat(p, &st) == -1)
			need += pf->rel->packages[i].installed_bytes;
		free(p);
	}
	/* The config package's blob size stands in for its tree: tiny. */
	if ((p = path_join(pkgdir, pf->cm->config_id_pkg)) != NULL &&
	    lstat(p, &st) == -1)
		need += pf->cm->config_package.size;
	free(p);
	/* Blobs still to download land in the cache. */
	for (i = 0; i < pf->cm->nblobs; i++) {
		path = store_blob_path(pf->cache, &pf->cm->blobs[i].blob.digest);
		if (path == NULL || stat(path, &st) == -1 ||
		    (uint64_t)st.st_size != pf->cm->blobs[i].blob.size)
			cneed += pf->cm->blobs[i].blob.size;
		free(path);
	}
	if (fs_of(opt, &vfs, &dev, &err) == -1 ||
	    fs_of(pf->cache, &cvfs, &cdev, &err) == -1) {
		report(pf, what, 0, "%s", err);
		goto out;
	}
	avail = (uint64_t)vfs.f_bavail * vfs.f_frsize;
	cavail = (uint64_t)cvfs.f_bavail * cvfs.f_frsize;
	if (dev == cdev) {
		need += cneed;
		cneed = 0;
	}
	human_size(need, need_s);
	human_size(avail, free_s);
	human_size(cneed, cneed_s);
	human_size(cavail, cfree_s);
	if (need > avail)
		report(pf, what, 0, "%s needs %s, %s free: free some space",
		    opt, need_s, free_s);
	else if (cneed > cavail)
		report(pf, what, 0, "cache %s needs %s, %s free: free some "
		    "space", pf->cache, cneed_s, cfree_s);
	else if (cneed > 0)
		report(pf, what, 1, "%s needs %s, %s free; cache %s needs "
		    "%s, %s free", opt, need_s, free_s, pf->cache, cneed_s,
		    cfree_s);
	else
		report(pf, what, 1, "%s needs %s, %s free", opt, need_s,
		    free_s);
out:
	free(err);
	free(pkgdir);
	free(opt);
}

int
systemd_version_parse(const char *text, long *version)
{
	char	*end;
	long	 v;

	if (strncmp(text, "systemd ", 8) != 0)
		return -1;
	text += 8;
	/* text is NUL-terminated past "systemd " (strncmp matched it). */
	/* NOLINTNEXTLINE(clang-analyzer-core.UndefinedBinaryOperatorResult) */
	if (*text < '0' || *text > '9')
		return -1;
	errno = 0;
	v = strtol(text, &end, 10);
	if (errno != 0 || (*end != ' ' && *end != '\n' && *end != '\0' &&
	    *end != '~' && *end != '.'))
		return -1;
	*version = v;
	return 0;
}

/*
 * The child of spawn_capture: stdin from /dev/null, stdout into out.  A
 * failed exec writes its errno to ep.
 */
static void
child_exec(char *const argv[], int out, int ep)
{
	int	 devnull, e = 0;

	devnull = open("/dev/null", O_RDONLY);
	if (devnull == -1 || dup2(devnull, 0) == -1 || dup2(out, 1) == -1)
		e = errno;
	else if (strchr(argv[0], '/') != NULL) {
		execv(argv[0], argv);
		/* A script without "#!": run it as sh would. */
		if (errno == ENOEXEC)
			execl("/bin/sh", "sh", argv[0], (char *)NULL);
		e = errno;
	} else {
		execvp(argv[0], argv);
		e = errno;
	}
	(void)write(ep, &e, sizeof(e));
	_exit(127);
}

/*
 * Starts argv with its stdout on a pipe: the read end in *outp, and in
 * *epp the pipe on which the child reports a failed exec (success
 * closes it).  0, or -1 with *errp.
 */
static int
spawn_capture(char *const argv[], pid_t *pidp, int *outp, int *epp,
    char **errp)
{
	pid_t	 pid;
	int	 p[2], ep[2];

	if (pipe2(p, O_CLOEXEC) == -1)
		return err_sys(errp, "pipe");
	if (pipe2(ep, O_CLOEXEC) == -1) {
		close(p[0]);
		close(p[1]);
		return err_sys(errp, "pipe");
	}
	if ((pid = fork()) == -1) {
		close(p[0]);
		close(p[1]);
		close(ep[0]);
		close(ep[1]);
		return err_sys(errp, "fork");
	}
	if (pid == 0) {
		close(ep[0]);
		child_exec(argv, p[1], ep[1]);
	}
	close(p[1]);
	close(ep[1]);
	*pidp = pid;
	*outp = p[0];
	*epp = ep[0];
	return 0;
}

/*
 * Reads the child's output from fd into buf (NUL-terminated) until end
 * of file.  Returns 0, or kills the child and returns 1 after timeout
 * seconds, 2 when it printed more than size - 1 bytes.
 */
static int
read_capture(int fd, pid_t pid, int timeout, char *buf, size_t size)
{
	struct pollfd	 pfd;
	struct timespec	 start, now;
	size_t		 len = 0;
	ssize_t		 n;
	long		 left;
	int		 killed = 0;
	char		 junk[512];

	clock_gettime(CLOCK_MONOTONIC, &start);
	pfd.fd = fd;
	pfd.events = POLLIN;
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		left = (long)timeout * 1000 -
		    ((now.tv_sec - start.tv_sec) * 1000 +
		    (now.tv_nsec - start.tv_nsec) / 1000000);
		if (left <= 0) {
			kill(pid, SIGKILL);
			killed = 1;
			break;
		}
		if ((n = poll(&pfd, 1, (int)left)) == -1 && errno != EINTR)
			break;
		if (n <= 0)
			continue;
		if (len < size - 1)
			n = read(fd, buf + len, size - 1 - len);
		else
			n = read(fd, junk, sizeof(junk));
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (len < size - 1)
			len += (size_t)n;
		else {
			kill(pid, SIGKILL);
			killed = 2;
			break;
		}
	}
	buf[len] = '\0';
	return killed;
}

/*
 * Runs argv (argv[0] looked up in PATH when it holds no '/') with stdin
 * from /dev/null and stdout captured into buf (at most size - 1 bytes,
 * NUL-terminated).  Kills it after timeout seconds.  Returns 0 and its
 * wait status in *statusp, or -1 with *errp (cannot run, timed out,
 * printed too much).
 */
static int
run_capture(char *const argv[], int timeout, char *buf, size_t size,
    int *statusp, char **errp)
{
	pid_t	 pid = -1;
	ssize_t	 n;
	int	 fd = -1, ep = -1, status = 0, e = 0, killed;

	*statusp = 0;
	buf[0] = '\0';
	if (spawn_capture(argv, &pid, &fd, &ep, errp) == -1)
		return -1;
	killed = read_capture(fd, pid, timeout, buf, size);
	close(fd);
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR) {
			close(ep);
			return err_sys(errp, "waitpid");
		}
	n = read(ep, &e, sizeof(e));
	close(ep);
	if (n == (ssize_t)sizeof(e))
		return err_set(errp, "cannot run %s: %s", argv[0],
		    strerror(e));
	if (killed == 1)
		return err_set(errp, "still running after %d seconds: killed",
		    timeout);
	if (killed == 2)
		return err_set(errp, "printed more than %zu bytes", size - 1);
	*statusp = status;
	return 0;
}

static void
check_systemd(struct preflight *pf)
{
	static const char	*what = "systemd";
	char			*run = NULL, *err = NULL, out[1024];
	char			*argv[] = { "systemctl", "--version", NULL };
	struct stat		 st;
	long			 v;
	int			 status;

	/* What sd_booted(3) tests: systemd is the running init. */
	if ((run = rooted(pf, "/run/systemd/system")) == NULL) {
		report(pf, what, 0, "out of memory");
		return;
	}
	if (stat(run, &st) == -1 || !S_ISDIR(st.st_mode)) {
		report(pf, what, 1, "not running, no %s: units are installed "
		    "but not started", run);
		goto out;
	}
	if (run_capture(argv, SYSTEMCTL_TIMEOUT, out, sizeof(out), &status,
	    &err) == -1)
		report(pf, what, 0, "systemctl --version: %s", err);
	else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		report(pf, what, 0, "systemctl --version failed");
	else if (systemd_version_parse(out, &v) == -1)
		report(pf, what, 0, "cannot read the version from "
		    "'systemctl --version'");
	else if (v < MIN_SYSTEMD)
		report(pf, what, 0, "systemd %ld is older than %d: upgrade "
		    "the operating system", v, MIN_SYSTEMD);
	else
		report(pf, what, 1, "systemd %ld", v);
out:
	free(err);
	free(run);
}

/*
 * Reads the ip-detect member e, checked against its entry in pm: 0 with
 * a malloc'd NUL-terminated copy in *bufp, or -1 with *errp.
 */
static int
read_ip_member(struct archive *a, struct archive_entry *e,
    const struct pkg_manifest *pm, char **bufp, size_t *lenp, char **errp)
{
	const struct pkg_file	*f = pkg_manifest_find(pm, IP_DETECT_PATH);
	la_int64_t		 size = archive_entry_size(e);
	struct digest		 d;
	char			*buf;

	if (archive_entry_filetype(e) != AE_IFREG || f == NULL ||
	    f->type != PKG_FILE)
		return err_set(errp, "config package: %s is not a regular "
		    "file of its manifest", IP_DETECT_PATH);
	if (size < 0 || (uint64_t)size != f->size || size > IP_DETECT_MAX)
		return err_set(errp, "config package: %s has %lld bytes, its "
		    "manifest says %llu (at most %d allowed)", IP_DETECT_PATH,
		    (long long)size, (unsigned long long)f->size,
		    IP_DETECT_MAX);
	if ((buf = malloc((size_t)size + 1)) == NULL)
		return err_set(errp, "out of memory");
	if (archive_read_data(a, buf, (size_t)size) != size) {
		err_set(errp, "config package: %s: %s", IP_DETECT_PATH,
		    archive_error_string(a));
		free(buf);
		return -1;
	}
	digest_buf(buf, (size_t)size, &d);
	if (!digest_equal(&d, &f->sha256)) {
		err_set(errp, "config package: %s does not match the digest "
		    "in its manifest", IP_DETECT_PATH);
		free(buf);
		return -1;
	}
	buf[size] = '\0';
	*bufp = buf;
	*lenp = (size_t)size;
	return 0;
}

/*
 * Reads etc/ip-detect out of the config package blob in the cache, from
 * the descriptor whose size and digest were checked against pin (a path
 * opened again could name another file by then), and checks it against
 * the package's own manifest.  1 with a malloc'd buffer, 0 when the blob
 * is not in the cache, -1 with *errp.
 */
static int
read_ip_detect(const char *cache, const struct blob_pin *pin, char **bufp,
    size_t *lenp, char **errp)
{
	struct pkgblob		*b = NULL;
	struct archive		*a;
	struct archive_entry	*e;
	struct pkg_manifest	*pm = NULL;
	const char		*name;
	char			*blob, *mbuf = NULL;
	size_t			 mlen;
	int			 r, rc = -1;

	if ((blob = store_blob_path(cache, &pin->digest)) == NULL)
		return err_set(errp, "out of memory");
	if ((r = pkgblob_open(blob, &pin->digest, pin->size, 0, &b,
	    errp)) != BLOB_OK) {
		if ((rc = r) == -1)
			err_wrap(errp, "config package");
		goto out;
	}
	a = pkgblob_archive(b);
	if (pkgblob_manifest(b, &mbuf, &mlen, errp) == -1 ||
	    pkg_manifest_parse(mbuf, mlen, "config package " PKG_MANIFEST_NAME,
	    &pm, errp) == -1) {
		err_wrap(errp, "config package");
		goto out;
	}
	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		name = archive_entry_pathname(e);
		if (name == NULL || strcmp(name, IP_DETECT_PATH) != 0)
			continue;
		if (read_ip_member(a, e, pm, bufp, lenp, errp) == 0)
			rc = 1;
		goto out;
	}
	if (r != ARCHIVE_EOF)
		err_set(errp, "%s: %s", blob, archive_error_string(a));
	else
		err_set(errp, "the config package has no %s: put the site's "
		    "script in genconf/ip-detect and run dcos-genconf again",
		    IP_DETECT_PATH);
out:
	pkg_manifest_free(pm);
	pkgblob_free(b);
	free(mbuf);
	free(blob);
	return rc;
}

/* One line, one IPv4 or IPv6 address: 1, with the address in ip. */
static int
one_ip(const char *out, char *ip, size_t size)
{
	unsigned char	 addr[16];
	const char	*nl = strchr(out, '\n');
	size_t		 len = nl != NULL ? (size_t)(nl - out) : strlen(out);

	if (nl != NULL && nl[1] != '\0')
		return 0;
	if (len == 0 || len >= size)
		return 0;
	memcpy(ip, out, len);
	ip[len] = '\0';
	return inet_pton(AF_INET, ip, addr) == 1 ||
	    inet_pton(AF_INET6, ip, addr) == 1;
}

static void
check_ip_detect(struct preflight *pf)
{
	static const char	*what = "ip-detect";
	const char		*tmpdir = getenv("TMPDIR");
	char			*script = NULL, *err = NULL;
	char			*dir = NULL, *path = NULL;
	char			 out[IP_DETECT_OUT_MAX + 1], ip[64], *nl;
	char			*argv[2];
	size_t			 len = 0;
	int			 r, status;

	if ((r = read_ip_detect(pf->cache, &pf->cm->config_package, &script,
	    &len, &err)) != 1) {
		if (r == 0)
			report(pf, what, 0, "the config package is not in the "
			    "cache %s", pf->cache);
		else
			report(pf, what, 0, "%s", err != NULL ? err :
			    "out of memory");
		goto out;
	}
	if (asprintf(&dir, "%s/dcos-preflight.XXXXXX", tmpdir != NULL &&
	    tmpdir[0] == '/' ? tmpdir : "/tmp") == -1 ||
	    mkdtemp(dir) == NULL) {
		report(pf, what, 0, "cannot create a temporary directory: %s",
		    strerror(errno));
		if (dir != NULL)
			dir[0] = '\0';
		goto out;
	}
	if ((path = path_join(dir, "ip-detect")) == NULL ||
	    atomic_write_file(path, script, len, 0700, &err) == -1) {
		report(pf, what, 0, "%s", err != NULL ? err : "out of memory");
		goto out;
	}
	argv[0] = path;
	argv[1] = NULL;
	if (run_capture(argv, pf->timeout, out, sizeof(out), &status,
	    &err) == -1) {
		report(pf, what, 0, "ip-detect %s: fix genconf/ip-detect", err);
		goto out;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		if (WIFEXITED(status))
			report(pf, what, 0, "ip-detect exited with status %d: "
			    "fix genconf/ip-detect", WEXITSTATUS(status));
		else
			report(pf, what, 0, "ip-detect was killed by signal "
			    "%d: fix genconf/ip-detect", WTERMSIG(status));
		goto out;
	}
	if (!one_ip(out, ip, sizeof(ip))) {
		/* Quote only the first line: the output is arbitrary. */
		if ((nl = strchr(out, '\n')) != NULL)
			*nl = '\0';
		report(pf, what, 0, "ip-detect must print exactly one IP "
		    "address on one line, it printed %s'%.60s'%s: fix "
		    "genconf/ip-detect", nl != NULL && nl[1] != '\0' ?
		    "several lines, the first " : "", out,
		    strlen(out) > 60 ? "..." : "");
		goto out;
	}
	report(pf, what, 1, "%s", ip);
out:
	if (path != NULL)
		unlink(path);
	if (dir != NULL && dir[0] != '\0')
		rmdir(dir);
	free(path);
	free(dir);
	free(script);
	free(err);
}

/*
 * release.json from the cache, checked against the manifest's pin: read
 * once, and the bytes whose digest matched are the ones parsed.
 */
static void
load_release(struct preflight *pf)
{
	char		*path = NULL, *buf = NULL, *err = NULL;
	size_t		 i, len;
	int64_t		 size = BLOB_ANY_SIZE;
	int		 r;

	for (i = 0; i < pf->cm->nblobs; i++)
		if (pf->cm->blobs[i].kind == BLOB_RELEASE &&
		    digest_equal(&pf->cm->blobs[i].blob.digest,
		    &pf->cm->release_manifest))
			size = (int64_t)pf->cm->blobs[i].blob.size;
	if ((path = store_blob_path(pf->cache,
	    &pf->cm->release_manifest)) == NULL)
		goto out;
	r = blob_read(path, &pf->cm->release_manifest, size,
	    MANIFEST_MAX_BYTES, 0, &buf, &len, &err);
	if (r != BLOB_OK) {
		if (asprintf(&pf->rel_err, "release.json is not in the cache "
		    "%s%s%s", pf->cache, err != NULL ? ": " : "",
		    err != NULL ? err : "") == -1)
			pf->rel_err = NULL;
		goto out;
	}
	if (release_manifest_parse(buf, len, path, &pf->rel, &err) == -1) {
		pf->rel = NULL;
		pf->rel_err = err != NULL ? err : strdup("out of memory");
		err = NULL;	/* transferred */
	} else
		release_manifest_keep_platform(pf->rel, PLATFORM_LINUX);
out:
	if (pf->rel == NULL && pf->rel_err == NULL)
		pf->rel_err = strdup("out of memory");
	free(path);
	free(buf);
	free(err);
}

static int
parse_timeout(const char *arg, int *timeoutp)
{
	char	*end;
	long	 t;

	errno = 0;
	t = strtol(arg, &end, 10);
	if (errno != 0 || *end != '\0' || t < 1 || t > 3600) {
		log_error("--timeout %s: give seconds, 1 to 3600", arg);
		return -1;
	}
	*timeoutp = (int)t;
	return 0;
}

/*
 * Parses the command line into pf and *rootp (malloc'd: the caller
 * frees it either way).  SUBCMD_CONTINUE, or the exit status.
 */
static int
preflight_args(struct preflight *pf, const struct subcmd *c, int argc,
    char **argv, char **rootp)
{
	static const struct option longopts[] = {
		{ "cache", required_argument, NULL, 'c' },
		{ "role", required_argument, NULL, 'r' },
		{ "root", required_argument, NULL, 'R' },
		{ "proc", required_argument, NULL, 'P' },
		{ "sys", required_argument, NULL, 'S' },
		{ "timeout", required_argument, NULL, 't' },
		{ "change-roles", no_argument, NULL, 'C' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	char	*err = NULL;
	int	 opt, rc;

	while ((opt = getopt_long(argc, argv, "hqv", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c': pf->cache = optarg; break;
		case 'P': pf->procdir = optarg; break;
		case 'S': pf->sysdir = optarg; break;
		case 'C': pf->change_roles = 1; break;
		case 'j':
			if (pf->checks == NULL &&
			    (pf->checks = json_array()) == NULL) {
				log_error("out of memory");
				return EXIT_FAIL;
			}
			break;
		case 'r':
			if (add_roles(pf, optarg, &err) == -1) {
				log_error("%s", err);
				free(err);
				return EXIT_USAGE;
			}
			break;
		case 'R':
			free(*rootp);
			if ((*rootp = strdup(optarg)) == NULL) {
				log_error("out of memory");
				return EXIT_FAIL;
			}
			break;
		case 't':
			if (parse_timeout(optarg, &pf->timeout) == -1)
				return EXIT_USAGE;
			break;
		default:
			if ((rc = subcmd_opt(opt, c)) == SUBCMD_CONTINUE)
				break;
			return rc;
		}
	}
	if (argc - optind != 1 || pf->cache == NULL || pf->nroles == 0)
		return subcmd_usage_error(c);
	return SUBCMD_CONTINUE;
}

/* "/" and "/x/" name the same roots as "" and "/x".  -1: not absolute. */
static int
trim_root(char *root)
{
	while (root[0] != '\0' && root[strlen(root) - 1] == '/')
		root[strlen(root) - 1] = '\0';
	return root[0] != '\0' && root[0] != '/' ? -1 : 0;
}

/*
 * The host requirements the release declares for the roles
 * (roles.<role>.requires in release.json): exactly those are checked,
 * with DC/OS's wording, reading /proc and /sys under --proc and --sys,
 * paths under --root, and the commands PATH finds (tests fake them all).
 */

/* 1 the first time what is asked: two roles share a requirement's line. */
static int
req_first(struct preflight *pf, const char *what)
{
	if (pf->seen == NULL && (pf->seen = json_object()) == NULL)
		return 1;
	if (json_object_get(pf->seen, what) != NULL)
		return 0;
	json_object_set_new(pf->seen, what, json_true());
	return 1;
}

/* Where PATH finds the executable name: malloc'd, or NULL. */
static char *
which(const char *name)
{
	const char	*path = getenv("PATH"), *p, *colon;
	struct stat	 st;
	char		*cand;
	size_t		 len;

	for (p = path != NULL ? path : "/usr/bin:/bin"; ; p = colon + 1) {
		colon = strchr(p, ':');
		len = colon != NULL ? (size_t)(colon - p) : strlen(p);
		if (asprintf(&cand, "%.*s/%s", (int)len, len > 0 ? p : ".",
		    name) == -1)
			return NULL;
		if (stat(cand, &st) == 0 && S_ISREG(st.st_mode) &&
		    access(cand, X_OK) == 0)
			return cand;
		free(cand);
		if (colon == NULL)
			return NULL;
	}
}

static void
req_tool(struct preflight *pf, const char *tool)
{
	char	 what[128], *at;

	snprintf(what, sizeof(what), "if %s is installed and in PATH", tool);
	if (!req_first(pf, what))
		return;
	if ((at = which(tool)) != NULL)
		report(pf, what, 1, "%s", at);
	else
		report(pf, what, 0, "not found in PATH: install %s", tool);
	free(at);
}

/*
 * Runs name with args (PATH lookup), its first output in buf.  0, or -1
 * with *errp (not found, failed, timed out).
 */
static int
req_run(const char *name, const char *arg, char *buf, size_t size,
    char **errp)
{
	char	*argv[3], *at;
	int	 status, rc;

	if ((at = which(name)) == NULL)
		return err_set(errp, "%s is not installed (not in PATH)",
		    name);
	argv[0] = at;
	argv[1] = (char *)arg;
	argv[2] = NULL;
	rc = run_capture(argv, REQ_TIMEOUT, buf, size, &status, errp);
	free(at);
	if (rc == 0 && (!WIFEXITED(status) || WEXITSTATUS(status) != 0))
		rc = err_set(errp, "%s %s failed (exit %d)", name,
		    arg != NULL ? arg : "", WIFEXITED(status) ?
		    WEXITSTATUS(status) : 128 + WTERMSIG(status));
	return rc;
}

/*
 * The value of the first "KEY: value" line of text (leading blanks
 * skipped) into buf; 0, or -1 when there is none.
 */
static int
field(const char *text, const char *key, char *buf, size_t size)
{
	const char	*l, *v, *nl;
	size_t		 klen = strlen(key), n;

	for (l = text; l != NULL && *l != '\0'; l = nl != NULL ? nl + 1 :
	    NULL) {
		nl = strchr(l, '\n');
		while (*l == ' ' || *l == '\t')
			l++;
		if (strncmp(l, key, klen) != 0 || l[klen] != ':')
			continue;
		for (v = l + klen + 1; *v == ' ' || *v == '\t'; v++)
			;
		n = nl != NULL ? (size_t)(nl - v) : strlen(v);
		while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\r'))
			n--;
		if (n >= size)
			n = size - 1;
		memcpy(buf, v, n);
		buf[n] = '\0';
		return 0;
	}
	return -1;
}

/* "docker info", run once: 0 with pf->docker_info, or -1. */
static int
docker_info(struct preflight *pf)
{
	char	*out;

	if (pf->docker_info != NULL || pf->docker_err != NULL)
		return pf->docker_info != NULL ? 0 : -1;
	if ((out = malloc(DOCKER_INFO_MAX)) == NULL)
		return -1;
	if (req_run("docker", "info", out, DOCKER_INFO_MAX,
	    &pf->docker_err) == -1) {
		free(out);
		return -1;
	}
	pf->docker_info = out;
	return 0;
}

static void
req_docker(struct preflight *pf, const char *min)
{
	char	 what[128], ver[64];

	if (req_first(pf, "if Docker is running")) {
		if (docker_info(pf) == -1)
			report(pf, "if Docker is running", 0, "%s: install "
			    "and start Docker", pf->docker_err != NULL ?
			    pf->docker_err : "out of memory");
		else
			report(pf, "if Docker is running", 1, "docker info "
			    "answered");
	}
	snprintf(what, sizeof(what), "docker version requirement (>= %s)",
	    min);
	if (!req_first(pf, what))
		return;
	if (docker_info(pf) == -1)
		report(pf, what, 0, "Docker is not running");
	else if (field(pf->docker_info, "Server Version", ver,
	    sizeof(ver)) == -1 || ver[0] < '0' || ver[0] > '9')
		report(pf, what, 0, "docker info shows no Server Version");
	else if (version_cmp(ver, min) < 0)
		report(pf, what, 0, "%s: upgrade Docker to %s or later", ver,
		    min);
	else
		report(pf, what, 1, "%s", ver);
}

static void
req_dm_loop(struct preflight *pf)
{
	static const char	*what = "Docker is configured with a "
				    "production storage driver";
	char			 drv[64], data[256];

	if (!req_first(pf, what))
		return;
	if (docker_info(pf) == -1) {
		report(pf, what, 0, "Docker is not running");
		return;
	}
	if (field(pf->docker_info, "Storage Driver", drv, sizeof(drv)) == -1)
		snprintf(drv, sizeof(drv), "unknown");
	if (strcmp(drv, "devicemapper") != 0 ||
	    field(pf->docker_info, "Data file", data, sizeof(data)) == -1 ||
	    strncmp(data, "/dev/loop", 9) != 0)
		report(pf, what, 1, "%s", drv);
	else
		report(pf, what, 0, "%s, %s: devicemapper on a loopback "
		    "device is not for production: give it a block device "
		    "or use another storage driver", drv, data);
}

static void
req_selinux(struct preflight *pf)
{
	static const char	*what = "if SELinux is disabled, permissive, "
				    "or enforcing with the targeted policy";
	char			 out[4096], policy[64], *at, *err = NULL, *nl;

	if (!req_first(pf, what))
		return;
	if ((at = which("getenforce")) == NULL) {
		report(pf, what, 1, "no getenforce: SELinux is not "
		    "installed");
		return;
	}
	free(at);
	if (req_run("getenforce", NULL, out, sizeof(out), &err) == -1) {
		report(pf, what, 0, "%s", err);
		goto out;
	}
	if ((nl = strchr(out, '\n')) != NULL)
		*nl = '\0';
	if (strcmp(out, "Enforcing") != 0) {
		report(pf, what, 1, "%.60s", out);
		goto out;
	}
	if (req_run("sestatus", NULL, out, sizeof(out), &err) == -1)
		report(pf, what, 0, "Enforcing, and %s", err);
	else if (field(out, "Loaded policy name", policy,
	    sizeof(policy)) == -1)
		report(pf, what, 0, "Enforcing, and sestatus shows no "
		    "\"Loaded policy name\"");
	else if (strcmp(policy, "targeted") != 0)
		report(pf, what, 0, "Enforcing with policy %s: load the "
		    "targeted policy, or make SELinux permissive", policy);
	else
		report(pf, what, 1, "Enforcing, policy targeted");
out:
	free(err);
}

/* Undoes the octal escapes of a /proc/mounts field, in place. */
static void
mounts_unescape(char *s)
{
	char	*o = s;

	for (; *s != '\0'; s++, o++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' &&
		    s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*o = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 +
			    (s[3] - '0'));
			s += 3;
		} else
			*o = *s;
	}
	*o = '\0';
}

/*
 * The mount holding path (an existing absolute path without symlinks):
 * the longest mount point of <proc>/mounts above it.  0 with its file
 * system type and mount point, or -1 with *errp.
 */
static int
mount_of(const struct preflight *pf, const char *path, char *type,
    size_t tsize, char *mnt, size_t msize, char **errp)
{
	FILE	*f;
	char	*mounts, *line = NULL, *m, *t, *sp;
	size_t	 cap = 0, best = 0, len;
	int	 found = 0;

	if ((mounts = path_join(pf->procdir, "mounts")) == NULL)
		return err_set(errp, "out of memory");
	if ((f = fopen(mounts, "re")) == NULL) {
		err_sys(errp, "%s", mounts);
		free(mounts);
		return -1;
	}
	while (getline(&line, &cap, f) != -1) {
		/* The device, the mount point, the type. */
		if (strtok_r(line, " \t\n", &sp) == NULL ||
		    (m = strtok_r(NULL, " \t\n", &sp)) == NULL ||
		    (t = strtok_r(NULL, " \t\n", &sp)) == NULL)
			continue;
		mounts_unescape(m);
		len = strlen(m);
		if (strcmp(m, "/") == 0)
			len = 0;
		else if (strncmp(path, m, len) != 0 ||
		    (path[len] != '/' && path[len] != '\0'))
			continue;
		/* The last of equal mount points is the one on top. */
		if (!found || len >= best) {
			best = len;
			found = 1;
			snprintf(type, tsize, "%s", t);
			snprintf(mnt, msize, "%s", m);
		}
	}
	free(line);
	fclose(f);
	if (!found)
		err_set(errp, "%s lists no mount holding %s", mounts, path);
	free(mounts);
	return found ? 0 : -1;
}

/* realpath() of path or of its nearest existing ancestor (malloc'd). */
static char *
existing_real(const char *path)
{
	char	*p, *r, *slash;

	if ((p = strdup(path)) == NULL)
		return NULL;
	while ((r = realpath(p, NULL)) == NULL && errno == ENOENT &&
	    (slash = strrchr(p, '/')) != NULL) {
		if (slash == p)
			slash++;	/* "/x": "/", which exists */
		*slash = '\0';
	}
	free(p);
	return r;
}

static void
req_xfs(struct preflight *pf, const char *path)
{
	char	 what[PATH_MAX + 64], type[64], mnt[PATH_MAX], out[8192];
	char	*full = NULL, *real = NULL, *err = NULL, *ft;

	snprintf(what, sizeof(what), "if %s is mounted with \"ftype=1\"",
	    path);
	if (!req_first(pf, what))
		return;
	if ((full = rooted(pf, path)) == NULL ||
	    (real = existing_real(full)) == NULL) {
		report(pf, what, 0, "%s: %s", full != NULL ? full : path,
		    strerror(errno));
		goto out;
	}
	if (mount_of(pf, real, type, sizeof(type), mnt, sizeof(mnt),
	    &err) == -1) {
		report(pf, what, 0, "%s", err);
		goto out;
	}
	if (strcmp(type, "xfs") != 0) {
		report(pf, what, 1, "%s on %s: not XFS", type, mnt);
		goto out;
	}
	if (req_run("xfs_info", mnt, out, sizeof(out), &err) == -1)
		report(pf, what, 0, "xfs on %s, and %s", mnt, err);
	else if ((ft = strstr(out, "ftype=")) == NULL)
		report(pf, what, 0, "xfs on %s: xfs_info shows no ftype",
		    mnt);
	else if (ft[6] != '1' || (ft[7] >= '0' && ft[7] <= '9'))
		report(pf, what, 0, "xfs on %s: ftype=%c: Docker and the "
		    "Mesos agent need d_type: make the file system again "
		    "with mkfs.xfs -n ftype=1", mnt, ft[6]);
	else
		report(pf, what, 1, "xfs on %s: ftype=1", mnt);
out:
	free(err);
	free(real);
	free(full);
}

/* 1 when word (with '-' and '_' alike) is the first word of a line. */
static int
module_listed(const char *path, const char *name)
{
	FILE	*f;
	char	*line = NULL;
	size_t	 cap = 0, i, n = strlen(name);
	int	 found = 0;

	if ((f = fopen(path, "re")) == NULL)
		return -1;
	while (!found && getline(&line, &cap, f) != -1) {
		for (i = 0; i < n; i++)
			if (line[i] != name[i] && !((line[i] == '-' ||
			    line[i] == '_') && (name[i] == '-' ||
			    name[i] == '_')))
				break;
		found = i == n && line[n] == ' ';
	}
	free(line);
	fclose(f);
	return found;
}

static void
req_module(struct preflight *pf, const char *mod)
{
	char	 what[128], *m = NULL, *s = NULL, *u, *x;
	int	 r;

	snprintf(what, sizeof(what), "if kernel module %s is loaded", mod);
	if (!req_first(pf, what))
		return;
	/* /sys/module names it with '_' when loaded or built in. */
	if ((u = strdup(mod)) != NULL)
		for (x = u; *x != '\0'; x++)
			if (*x == '-')
				*x = '_';
	if (u == NULL || (m = path_join(pf->procdir, "modules")) == NULL ||
	    asprintf(&s, "%s/module/%s", pf->sysdir, u) == -1) {
		report(pf, what, 0, "out of memory");
		s = NULL;
		goto out;
	}
	if ((r = module_listed(m, mod)) == 1)
		report(pf, what, 1, "in %s", m);
	else if (access(s, F_OK) == 0)
		report(pf, what, 1, "built in: %s", s);
	else if (r == -1)
		report(pf, what, 0, "%s: %s", m, strerror(errno));
	else
		report(pf, what, 0, "not in %s: load it with modprobe %s", m,
		    mod);
out:
	free(u);
	free(m);
	free(s);
}

/*
 * The count of lines of <proc>/name starting with key (key NULL: the
 * value in kB of the line "MemTotal:").  0 or -1 with errno.
 */
static int
proc_count(const struct preflight *pf, const char *name, const char *key,
    uint64_t *np)
{
	FILE	*f;
	char	*p, *line = NULL;
	size_t	 cap = 0;
	int	 rc = -1;

	*np = 0;
	if ((p = path_join(pf->procdir, name)) == NULL ||
	    (f = fopen(p, "re")) == NULL) {
		free(p);
		return -1;
	}
	while (getline(&line, &cap, f) != -1) {
		if (key != NULL && strncmp(line, key, strlen(key)) == 0 &&
		    strchr(" \t:", line[strlen(key)]) != NULL) {
			(*np)++;
			rc = 0;
		} else if (key == NULL && strncmp(line, "MemTotal:", 9) == 0) {
			*np = strtoull(line + 9, NULL, 10);
			rc = 0;
			break;
		}
	}
	free(line);
	fclose(f);
	free(p);
	if (rc == -1)
		errno = ENOENT;
	return rc;
}

static void
req_cores(struct preflight *pf, uint64_t min)
{
	char		 what[64];
	uint64_t	 n;

	snprintf(what, sizeof(what), "for at least %llu CPU cores",
	    (unsigned long long)min);
	if (!req_first(pf, what))
		return;
	if (proc_count(pf, "cpuinfo", "processor", &n) == -1)
		report(pf, what, 0, "%s/cpuinfo: no processor lines",
		    pf->procdir);
	else if (n < min)
		report(pf, what, 0, "%llu: use a machine with %llu or more",
		    (unsigned long long)n, (unsigned long long)min);
	else
		report(pf, what, 1, "%llu", (unsigned long long)n);
}

static void
req_memory(struct preflight *pf, uint64_t mib)
{
	char		 what[64], have[HUMAN_SIZE_LEN], want[HUMAN_SIZE_LEN];
	uint64_t	 kb;

	snprintf(what, sizeof(what), "for at least %llu MiB of memory",
	    (unsigned long long)mib);
	if (!req_first(pf, what))
		return;
	human_size(mib << 20, want);
	if (proc_count(pf, "meminfo", NULL, &kb) == -1)
		report(pf, what, 0, "%s/meminfo: no MemTotal line",
		    pf->procdir);
	else {
		human_size(kb << 10, have);
		if (kb < (mib << 10))
			report(pf, what, 0, "%s: give the machine %s or more",
			    have, want);
		else
			report(pf, what, 1, "%s", have);
	}
}

static void
req_disk_free(struct preflight *pf, const struct release_disk *d)
{
	struct statvfs	 vfs;
	dev_t		 dev;
	char		 what[PATH_MAX + 64], have[HUMAN_SIZE_LEN], *full;
	char		*err = NULL;
	uint64_t	 avail;

	snprintf(what, sizeof(what), "for at least %llu MiB free in %s",
	    (unsigned long long)d->mib, d->path);
	if (!req_first(pf, what))
		return;
	if ((full = rooted(pf, d->path)) == NULL ||
	    fs_of(full, &vfs, &dev, &err) == -1) {
		report(pf, what, 0, "%s", err != NULL ? err : "out of memory");
		goto out;
	}
	avail = (uint64_t)vfs.f_bavail * vfs.f_frsize;
	human_size(avail, have);
	if (avail < (d->mib << 20))
		report(pf, what, 0, "%s free in %s: free some space", have,
		    full);
	else
		report(pf, what, 1, "%s free", have);
out:
	free(err);
	free(full);
}

static void
check_requires(struct preflight *pf)
{
	const struct release_role	*role;
	const struct release_requires	*r;
	size_t				 i, j;

	/* Without release.json the ports check has said why already. */
	for (i = 0; pf->rel != NULL && i < pf->nroles; i++) {
		if ((role = release_manifest_role(pf->rel,
		    pf->roles[i])) == NULL || (r = role->req) == NULL)
			continue;
		for (j = 0; j < r->ntools; j++)
			req_tool(pf, r->tools[j]);
		if (r->docker_min != NULL)
			req_docker(pf, r->docker_min);
		if (r->no_dm_loop)
			req_dm_loop(pf);
		if (r->selinux_targeted)
			req_selinux(pf);
		for (j = 0; j < r->nxfs_ftype; j++)
			req_xfs(pf, r->xfs_ftype[j]);
		for (j = 0; j < r->nkernel_modules; j++)
			req_module(pf, r->kernel_modules[j]);
		if (r->min_cores > 0)
			req_cores(pf, r->min_cores);
		if (r->min_memory_mib > 0)
			req_memory(pf, r->min_memory_mib);
		for (j = 0; j < r->nmin_disk; j++)
			req_disk_free(pf, &r->min_disk[j]);
	}
}

/* preflight --json's document (docs/formats.md "JSON output"). */
static int
preflight_json(const struct preflight *pf, char **errp)
{
	json_t	*doc, *roles;
	size_t	 i;
	int	 rc;

	if ((roles = json_array()) != NULL)
		for (i = 0; i < pf->nroles; i++)
			json_array_append_new(roles,
			    json_string(pf->roles[i]));
	doc = json_pack("{s:i, s:o, s:O, s:I, s:I, s:I}", "format", 1,
	    "roles", roles, "checks", pf->checks,
	    "passed", (json_int_t)pf->passed,
	    "failed", (json_int_t)pf->failed,
	    "skipped", (json_int_t)pf->skipped);
	rc = jsonio_print(stdout, doc, errp);
	json_decref(doc);
	return rc;
}

int
cmd_preflight(int argc, char **argv)
{
	const struct subcmd	*c = subcmd_find(bootstrap_commands,
	    "preflight");
	struct preflight	 pf;
	char			*err = NULL, *root = NULL;
	int			 rc = EXIT_FAIL;

	memset(&pf, 0, sizeof(pf));
	pf.root = "";
	pf.procdir = "/proc";
	pf.sysdir = "/sys";
	pf.timeout = IP_DETECT_TIMEOUT;
	if ((rc = preflight_args(&pf, c, argc, argv, &root)) !=
	    SUBCMD_CONTINUE) {
		json_decref(pf.checks);
		free(root);
		return rc;
	}
	rc = EXIT_FAIL;
	if (root != NULL) {
		if (trim_root(root) == -1) {
			log_error("--root %s: give an absolute path", root);
			rc = EXIT_USAGE;
			goto out;
		}
		pf.root = root;
	}
	if (cluster_manifest_load(argv[optind], &pf.cm, &err) == -1) {
		log_error("%s", err);
		goto out;
	}
	cluster_manifest_keep_platform(pf.cm, PLATFORM_LINUX);
	load_release(&pf);
	check_root(&pf);
	check_existing(&pf);
	check_ports(&pf);
	check_disk(&pf);
	check_systemd(&pf);
	check_ip_detect(&pf);
	check_site_key(&pf);
	check_requires(&pf);
	rc = pf.failed > 0 ? EXIT_FAIL : EXIT_OK;
	if (pf.checks != NULL && preflight_json(&pf, &err) == -1) {
		log_error("%s", err);
		rc = EXIT_FAIL;
	}
out:
	cluster_manifest_free(pf.cm);
	release_manifest_free(pf.rel);
	free(pf.rel_err);
	json_decref(pf.checks);
	json_decref(pf.seen);
	free(pf.docker_info);
	free(pf.docker_err);
	free(root);
	free(err);
	return rc;
}
