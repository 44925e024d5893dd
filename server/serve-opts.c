/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dcos-artifactd serve: the command line and its defaults.
 */
#include <config.h>

#include <getopt.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "artifactd.h"
#include "log.h"
#include "serve.h"
#include "store.h"
#include "subcmd.h"

#define DEFAULT_ROOT		"genconf/serve"
#define DEFAULT_PORT		"8080"

enum {
	O_TLS_CERT = 256, O_TLS_KEY, O_ACCESS_LOG, O_LOG_FORMAT, O_THREADS,
	O_TIMEOUT, O_GRACE, O_MAX_CONN, O_PER_IP, O_HEADER_MAX,
	O_CACHE, O_VERIFY, O_USER, O_ALLOW_ROOT
};

static const struct option longopts[] = {
	{ "listen", required_argument, NULL, 'l' },
	{ "root", required_argument, NULL, 'r' },
	{ "tls-cert", required_argument, NULL, O_TLS_CERT },
	{ "tls-key", required_argument, NULL, O_TLS_KEY },
	{ "access-log", required_argument, NULL, O_ACCESS_LOG },
	{ "access-log-format", required_argument, NULL, O_LOG_FORMAT },
	{ "threads", required_argument, NULL, O_THREADS },
	{ "timeout", required_argument, NULL, O_TIMEOUT },
	{ "grace", required_argument, NULL, O_GRACE },
	{ "max-connections", required_argument, NULL, O_MAX_CONN },
	{ "max-per-ip", required_argument, NULL, O_PER_IP },
	{ "max-header-size", required_argument, NULL, O_HEADER_MAX },
	{ "cache-size", required_argument, NULL, O_CACHE },
	{ "verify-on-start", no_argument, NULL, O_VERIFY },
	{ "user", required_argument, NULL, O_USER },
	{ "allow-root", no_argument, NULL, O_ALLOW_ROOT },
	{ "help", no_argument, NULL, 'h' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "quiet", no_argument, NULL, 'q' },
	{ NULL, 0, NULL, 0 }
};

void
server_init(struct server *s)
{
	long	 ncpu;
	int	 i;

	memset(s, 0, sizeof(*s));
	s->rootfd = -1;
	s->root = DEFAULT_ROOT;
	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	s->threads = ncpu > 0 ? (unsigned int)ncpu : 1;
	s->timeout = 30;
	s->grace = 10;
	s->max_conns = 20000;
	s->per_ip = 256;
	s->header_max = 4096;
	s->cache_max = 16 * 1024 * 1024;
	s->cache_item_max = 256 * 1024;
	pthread_mutex_init(&s->log_lock, NULL);
	pthread_mutex_init(&s->conn_lock, NULL);
	pthread_rwlock_init(&s->late.lock, NULL);
	mutable_init(&s->index, STORE_INDEX, "application/json");
	mutable_init(&s->script, STORE_INSTALL_SCRIPT,
	    "text/x-shellscript; charset=utf-8");
	mutable_init(&s->script_sig, STORE_INSTALL_SCRIPT ".minisig",
	    "text/plain; charset=utf-8");
	/* charset: Invoke-WebRequest decodes the script by it. */
	mutable_init(&s->script_ps1, STORE_INSTALL_SCRIPT_WINDOWS,
	    "text/plain; charset=utf-8");
	mutable_init(&s->script_ps1_sig, STORE_INSTALL_SCRIPT_WINDOWS
	    ".minisig", "text/plain; charset=utf-8");
	metrics_init(&s->metrics);
	for (i = 0; i < SERVE_MAX_LISTEN; i++)
		s->listen[i].fd = -1;
}

static int
parse_uint(const char *opt, const char *v, unsigned long long min,
    unsigned long long max, unsigned long long *out)
{
	char			*end;
	unsigned long long	 n;

	errno = 0;
	if (v[0] < '0' || v[0] > '9' ||
	    (n = strtoull(v, &end, 10), errno != 0) || *end != '\0' ||
	    n < min || n > max) {
		log_error("--%s %s: give a whole number from %llu to %llu", opt,
		    v, min, max);
		return -1;
	}
	*out = n;
	return 0;
}

/* Sets one of the numeric options.  Returns 0, or -1 when out of range. */
static int
set_number(struct server *s, int opt, const char *name, const char *v)
{
	unsigned long long	 n;

	if (parse_uint(name, v, opt == O_GRACE || opt == O_CACHE ? 0 : 1,
	    opt == O_HEADER_MAX ? 1024 * 1024 :
	    opt == O_CACHE ? 1024 * 1024 : 1000000, &n) == -1)
		return -1;
	if (opt == O_THREADS)
		s->threads = (unsigned int)n;
	else if (opt == O_TIMEOUT)
		s->timeout = (unsigned int)n;
	else if (opt == O_GRACE)
		s->grace = (unsigned int)n;
	else if (opt == O_MAX_CONN)
		s->max_conns = (unsigned int)n;
	else if (opt == O_PER_IP)
		s->per_ip = (unsigned int)n;
	else if (opt == O_HEADER_MAX)
		s->header_max = (size_t)n;
	else
		s->cache_max = (size_t)n * 1024 * 1024;
	return 0;
}

/* One option of the getopt loop.  Returns as serve_parse_args(). */
static int
set_option(struct server *s, const struct subcmd *c, int opt, int longindex)
{
	switch (opt) {
	case 'l':
		if (s->nspecs == SERVE_MAX_LISTEN) {
			log_error("at most %d --listen addresses",
			    SERVE_MAX_LISTEN);
			return EXIT_USAGE;
		}
		s->specs[s->nspecs++] = optarg;
		return SUBCMD_CONTINUE;
	case 'r':
		s->root = optarg;
		return SUBCMD_CONTINUE;
	case O_TLS_CERT:
		s->tls_cert_path = optarg;
		return SUBCMD_CONTINUE;
	case O_TLS_KEY:
		s->tls_key_path = optarg;
		return SUBCMD_CONTINUE;
	case O_ACCESS_LOG:
		s->access_log_path = optarg;
		return SUBCMD_CONTINUE;
	case O_LOG_FORMAT:
		if (strcmp(optarg, "combined") != 0 &&
		    strcmp(optarg, "json") != 0) {
			log_error("--access-log-format %s: give combined "
			    "(nginx's) or json", optarg);
			return EXIT_USAGE;
		}
		s->access_log_json = strcmp(optarg, "json") == 0;
		return SUBCMD_CONTINUE;
	case O_VERIFY:
		s->verify = 1;
		return SUBCMD_CONTINUE;
	case O_USER:
		s->user = optarg;
		return SUBCMD_CONTINUE;
	case O_ALLOW_ROOT:
		s->allow_root = 1;
		return SUBCMD_CONTINUE;
	case O_THREADS:
	case O_TIMEOUT:
	case O_GRACE:
	case O_MAX_CONN:
	case O_PER_IP:
	case O_HEADER_MAX:
	case O_CACHE:
		if (set_number(s, opt, longopts[longindex].name, optarg) == -1)
			return EXIT_USAGE;
		return SUBCMD_CONTINUE;
	default:
		return subcmd_opt(opt, c);
	}
}

/* What the options say together. */
static int
check_args(struct server *s)
{
	if ((s->tls_cert_path == NULL) != (s->tls_key_path == NULL)) {
		log_error("--tls-cert and --tls-key go together: give both");
		return EXIT_USAGE;
	}
	if (s->header_max < 2048) {
		log_error("--max-header-size %zu: give at least 2048",
		    s->header_max);
		return EXIT_USAGE;
	}
	if (geteuid() == 0 && s->user == NULL && !s->allow_root) {
		log_error("refusing to serve as root: pass --user USER (e.g. "
		    "--user nobody) to serve as that user once the ports are "
		    "bound, or --allow-root to stay root");
		return EXIT_USAGE;
	}
	if (s->nspecs == 0) {
		s->specs[s->nspecs++] = "0.0.0.0:" DEFAULT_PORT;
		s->specs[s->nspecs++] = "[::]:" DEFAULT_PORT;
		s->default_specs = 1;
	}
	return SUBCMD_CONTINUE;
}

int
serve_parse_args(struct server *s, int argc, char **argv)
{
	const struct subcmd	*c = subcmd_find(artifactd_commands, "serve");
	int			 opt, rc, longindex = 0;

	while ((opt = getopt_long(argc, argv, "hl:qr:v", longopts,
	    &longindex)) != -1)
		if ((rc = set_option(s, c, opt, longindex)) != SUBCMD_CONTINUE)
			return rc;
	if (optind != argc)
		return subcmd_usage_error(c);
	return check_args(s);
}
