/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dcos-genconf web: serves the web installer (genconf/web/) until SIGINT
 * or SIGTERM.  Loopback 127.0.0.1:9000 by default; any other address
 * takes a token (--token-file, else a random one printed once), since
 * whoever reaches the API can deploy the cluster with the site's key.
 */
#include <config.h>

#include <sys/random.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <getopt.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <microhttpd.h>

#include "atomicio.h"
#include "error.h"
#include "genconf.h"
#include "log.h"
#include "release.h"
#include "siteconf.h"
#include "subcmd.h"
#include "web/web.h"

#define TOKEN_MIN	16
#define PEM_MAX		(1 << 20)

enum {
	OPT_TOKEN_FILE = 256,
	OPT_TLS_CERT,
	OPT_TLS_KEY,
	OPT_SSH_CONFIG,
	OPT_ACCEPT_NEW
};

struct web_args {
	const char	*listen;
	const char	*token_file;
	const char	*cert;
	const char	*key;
	const char	*ssh_config;
	int		 accept_new;
};

static volatile sig_atomic_t	 stop_signal;

static void
on_signal(int sig)
{
	stop_signal = sig;
}

static int
web_opt(int opt, const char *arg, void *ctx)
{
	struct web_args	*a = ctx;

	switch (opt) {
	case 'l':
		a->listen = arg;
		return 0;
	case OPT_TOKEN_FILE:
		a->token_file = arg;
		return 0;
	case OPT_TLS_CERT:
		a->cert = arg;
		return 0;
	case OPT_TLS_KEY:
		a->key = arg;
		return 0;
	case OPT_SSH_CONFIG:
		a->ssh_config = arg;
		return 0;
	case OPT_ACCEPT_NEW:
		a->accept_new = 1;
		return 0;
	default:
		return -1;
	}
}

/*
 * Binds ADDR:PORT or [ADDR6]:PORT (numeric).  Returns the listening fd
 * with *loopbackp set when the address is 127.0.0.1 or ::1 and *namep
 * the "ADDR:PORT" bound (the port picked when 0), or -1 with *errp.
 */
static int
bind_spec(const char *spec, int *loopbackp, char *name, size_t namelen,
    char **errp)
{
	struct addrinfo		 hints, *ai = NULL;
	struct sockaddr_storage	 ss;
	socklen_t		 sslen = sizeof(ss);
	char			*host, *port, *addr, hs[INET6_ADDRSTRLEN];
	char			 ps[8];
	int			 fd = -1, one = 1, gai;

	if ((host = strdup(spec)) == NULL)
		return err_set(errp, "out of memory");
	addr = host;
	port = strrchr(host, ':');
	if (host[0] == '[') {
		addr = host + 1;
		if (port == NULL || port[-1] != ']') {
			port = NULL;
		} else
			port[-1] = '\0';
	}
	if (port == NULL || port[1] == '\0' || strspn(port + 1,
	    "0123456789") != strlen(port + 1) || strlen(port + 1) > 5 ||
	    atoi(port + 1) > 65535) {
		free(host);
		return err_set(errp, "-l %s: use ADDR:PORT or [ADDR6]:PORT, "
		    "e.g. 127.0.0.1:9000", spec);
	}
	*port++ = '\0';
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
	if ((gai = getaddrinfo(addr, port, &hints, &ai)) != 0) {
		err_set(errp, "-l %s: %s (give a numeric address)", spec,
		    gai_strerror(gai));
		goto out;
	}
	if ((fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
	    ai->ai_protocol)) == -1) {
		err_sys(errp, "-l %s", spec);
		goto out;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) == -1 ||
	    listen(fd, 64) == -1 ||
	    getsockname(fd, (struct sockaddr *)&ss, &sslen) == -1 ||
	    getnameinfo((struct sockaddr *)&ss, sslen, hs, sizeof(hs), ps,
	    sizeof(ps), NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
		err_sys(errp, "-l %s: cannot listen", spec);
		close(fd);
		fd = -1;
		goto out;
	}
	/* Only these two are this machine's alone: 127.0.0.2 is not asked. */
	*loopbackp = strcmp(hs, "127.0.0.1") == 0 || strcmp(hs, "::1") == 0;
	snprintf(name, namelen, strchr(hs, ':') != NULL ? "[%s]:%s" :
	    "%s:%s", hs, ps);
out:
	if (ai != NULL)
		freeaddrinfo(ai);
	free(host);
	return fd;
}

/* The token from path (its first line), or a new random one. */
static int
load_token(struct web *w, const char *path, char **errp)
{
	unsigned char	 rnd[24];
	char		*buf = NULL;
	size_t		 len, i;

	if (path == NULL) {
		if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
			return err_sys(errp, "getrandom");
		if ((w->token = malloc(2 * sizeof(rnd) + 1)) == NULL)
			return err_set(errp, "out of memory");
		for (i = 0; i < sizeof(rnd); i++)
			snprintf(w->token + 2 * i, 3, "%02x", rnd[i]);
		w->toklen = strlen(w->token);
		explicit_bzero(rnd, sizeof(rnd));
		return 0;
	}
	if (read_file(path, 4096, &buf, &len, errp) == -1)
		return -1;
	buf[strcspn(buf, "\r\n")] = '\0';
	len = strlen(buf);
	for (i = 0; i < len; i++)
		if ((unsigned char)buf[i] <= ' ' || buf[i] == 0x7f)
			break;
	if (len < TOKEN_MIN || i != len) {
		explicit_bzero(buf, len);
		free(buf);
		return err_set(errp, "--token-file %s: want one line of at "
		    "least %d printable characters without spaces", path,
		    TOKEN_MIN);
	}
	w->token = buf;
	w->toklen = len;
	return 0;
}

/* Loads the release and its schema, as validate does. */
static int
load_site(struct web *w, char **errp)
{
	if (config_load_release(&w->o, &w->rel, errp) == -1)
		return -1;
	if (w->rel->schema.text == NULL)
		return err_set(errp, "the release carries no genconf schema: "
		    "it cannot be configured with this dcos-genconf");
	return schema_parse(w->rel->schema.text, w->rel->schema.len,
	    "genconf/schema.yaml", &w->schema, errp);
}

int
cmd_web(int argc, char **argv)
{
	static const struct option extra[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "token-file", required_argument, NULL, OPT_TOKEN_FILE },
		{ "tls-cert", required_argument, NULL, OPT_TLS_CERT },
		{ "tls-key", required_argument, NULL, OPT_TLS_KEY },
		{ "genconf-dir", required_argument, NULL, 'g' },
		{ "ssh-config", required_argument, NULL, OPT_SSH_CONFIG },
		{ "accept-new-host-keys", no_argument, NULL, OPT_ACCEPT_NEW },
		{ NULL, 0, NULL, 0 }
	};
	const struct subcmd	*c = subcmd_find(genconf_commands, "web");
	struct web_args		 a;
	struct config_extra	 x = { "l:", extra, web_opt, NULL };
	struct web		 w;
	struct MHD_Daemon	*d = NULL;
	struct sigaction	 sa;
	sigset_t		 set, old;
	char			*err = NULL, *cert = NULL, *key = NULL;
	char			 name[INET6_ADDRSTRLEN + 16];
	size_t			 len;
	int			 r, rc = EXIT_FAIL, fd = -1, loopback = 0;

	memset(&a, 0, sizeof(a));
	memset(&w, 0, sizeof(w));
	a.listen = "127.0.0.1:9000";
	x.ctx = &a;
	if ((r = config_opts_parse(c, argc, argv, &x, &w.o)) != 0)
		return r == 1 ? EXIT_OK : EXIT_USAGE;
	w.ssh_config = a.ssh_config;
	w.accept_new = a.accept_new;
	pthread_mutex_init(&w.lock, NULL);
	pthread_cond_init(&w.cond, NULL);
	if ((a.cert == NULL) != (a.key == NULL)) {
		log_error("--tls-cert and --tls-key go together");
		rc = EXIT_USAGE;
		goto out;
	}
	if (a.cert != NULL && MHD_is_feature_supported(MHD_FEATURE_TLS) !=
	    MHD_YES) {
		log_error("this libmicrohttpd was built without TLS: serve "
		    "plain HTTP on loopback, or put a TLS proxy in front");
		goto out;
	}
	if (a.cert != NULL && (read_file(a.cert, PEM_MAX, &cert, &len,
	    &err) == -1 || read_file(a.key, PEM_MAX, &key, &len,
	    &err) == -1)) {
		log_error("%s", err);
		goto out;
	}
	if (load_site(&w, &err) == -1) {
		log_error("%s", err);
		goto out;
	}
	if ((fd = bind_spec(a.listen, &loopback, name, sizeof(name),
	    &err)) == -1) {
		log_error("%s", err);
		goto out;
	}
	if ((!loopback || a.token_file != NULL) &&
	    load_token(&w, a.token_file, &err) == -1) {
		log_error("%s", err);
		goto out;
	}
	/*
	 * Every thread starts with these blocked: the fleet worker waits
	 * for its children's SIGCHLD with sigtimedwait, and only this
	 * thread takes SIGINT and SIGTERM.
	 */
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	if ((d = web_start(&w, fd, cert, key)) == NULL) {
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		log_error("cannot start the web server on %s", name);
		goto out;
	}
	fd = -1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (w.token != NULL && a.token_file == NULL)
		fprintf(stderr, "%s: open %s://%s/#token=%s (the token is "
		    "shown only now)\n", log_progname(), cert != NULL ?
		    "https" : "http", name, w.token);
	fprintf(stderr, "%s: web installer for %s on %s://%s\n",
	    log_progname(), w.o.genconf, cert != NULL ? "https" : "http",
	    name);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGPIPE);
	while (!stop_signal)
		sigsuspend(&set);
	log_info("stopping (signal %d)", (int)stop_signal);
	w.stopping = 1;
	ops_shutdown(&w);
	MHD_stop_daemon(d);
	rc = EXIT_OK;
out:
	if (fd != -1)
		close(fd);
	if (key != NULL)
		explicit_bzero(key, strlen(key));
	free(key);
	free(cert);
	free(err);
	if (w.token != NULL)
		explicit_bzero(w.token, w.toklen);
	free(w.token);
	json_decref(w.cluster);
	schema_free(w.schema);
	release_free(w.rel);
	config_opts_free(&w.o);
	return rc;
}
