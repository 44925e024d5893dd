# SPDX-License-Identifier: Apache-2.0
# Stock nginx on a free loopback port serving a directory, for the bats
# tests (load nginx after lib).  Every instance gets its own prefix with its
# configuration, pid file, error log and access log, so tests can run side by
# side and read what the server saw.
#
#   nginx_start DIR [DIRECTIVES]  serve DIR on 127.0.0.1; DIRECTIVES (nginx
#                                 syntax) go into the server block, e.g.
#                                 'limit_rate 1m;'.  Sets NGINX_PORT,
#                                 NGINX_URL, NGINX_PREFIX and NGINX_LOG (the
#                                 access log, one line per request: method,
#                                 path, protocol, status, body bytes, Range
#                                 header in quotes, connection number, end
#                                 time and duration in seconds).
#   nginx_stop [PREFIX]           stop one instance (default: the last one
#                                 started) and wait until it has exited.
#   nginx_stop_all                stop every instance (call it in teardown).
#
# Variables read: NGINX_WORKERS (default 1), NGINX_CONNECTIONS (per worker,
# default 1024), NGINX_FIXED_PORT (listen there instead of a random free
# port, e.g. to bring a server up where a client already tries to connect).

NGINX_PREFIXES=()

# Succeeds when nothing accepts connections on 127.0.0.1:$1.
_nginx_port_free() {
	! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

_nginx_conf() {
	local prefix=$1 dir=$2 port=$3 extra=$4
	# As root the workers would switch to nobody, who cannot read the
	# tests' 0700 scratch directories.
	[ "$(id -u)" -eq 0 ] && echo "user root;"
	cat <<EOF
daemon on;
master_process ${NGINX_MASTER:-on};
worker_processes ${NGINX_WORKERS:-1};
pid $prefix/nginx.pid;
error_log $prefix/error.log warn;
events { worker_connections ${NGINX_CONNECTIONS:-1024}; }
http {
	log_format dcos '\$request \$status \$body_bytes_sent "\$http_range" \$connection \$msec \$request_time';
	access_log $prefix/access.log dcos;
	client_body_temp_path $prefix/tmp/body;
	proxy_temp_path $prefix/tmp/proxy;
	fastcgi_temp_path $prefix/tmp/fastcgi;
	uwsgi_temp_path $prefix/tmp/uwsgi;
	scgi_temp_path $prefix/tmp/scgi;
	types { application/json json; }
	default_type application/octet-stream;
	sendfile on;
	server {
		listen 127.0.0.1:$port;
		root $dir;
		autoindex off;
		$extra
	}
}
EOF
}

nginx_start() {
	local dir=$1 extra=${2:-} prefix port
	need nginx curl || return 1
	[ -d "$dir" ] || { echo "nginx_start: $dir is not a directory" >&2; return 1; }
	dir=$(cd "$dir" && pwd)
	prefix=$(mktemp -d "${BATS_TEST_TMPDIR:-${TMPDIR:-/tmp}}/nginx.XXXXXX")
	mkdir -p "$prefix/tmp"
	for _ in $(seq 1 50); do
		port=${NGINX_FIXED_PORT:-$((20000 + RANDOM % 40000))}
		[ -n "${NGINX_FIXED_PORT:-}" ] || _nginx_port_free "$port" || continue
		_nginx_conf "$prefix" "$dir" "$port" "$extra" > "$prefix/nginx.conf"
		# In daemon mode nginx returns once its sockets listen; a
		# failure here is almost always a port taken since the probe.
		if nginx -p "$prefix" -c "$prefix/nginx.conf" 2>"$prefix/start.err"; then
			# shellcheck disable=SC2034 # for the callers
			NGINX_PREFIXES+=("$prefix")
			NGINX_PREFIX=$prefix
			# shellcheck disable=SC2034 # for the callers
			NGINX_PORT=$port
			NGINX_URL="http://127.0.0.1:$port"
			# shellcheck disable=SC2034 # for the callers
			NGINX_LOG="$prefix/access.log"
			# Readiness: one real request must be answered.
			curl -s -o /dev/null --max-time 10 "$NGINX_URL/" || {
				echo "nginx on $NGINX_URL does not answer" >&2
				cat "$prefix/error.log" >&2
				return 1
			}
			return 0
		fi
		if [ -n "${NGINX_FIXED_PORT:-}" ] ||
		    ! grep -q 'Address already in use' "$prefix/start.err"; then
			echo "nginx failed to start:" >&2
			cat "$prefix/start.err" >&2
			return 1
		fi
	done
	echo "nginx_start: found no free loopback port" >&2
	return 1
}

nginx_stop() {
	local prefix=${1:-${NGINX_PREFIX:-}} pid
	[ -n "$prefix" ] && [ -f "$prefix/nginx.pid" ] || return 0
	pid=$(cat "$prefix/nginx.pid")
	kill -TERM "$pid" 2>/dev/null || return 0
	# The daemonized master is reaped by init, which may take its time:
	# a zombie counts as stopped (it holds no sockets or files).
	for _ in $(seq 1 1000); do
		[ -e "/proc/$pid" ] || return 0
		[ "$(sed 's/^.*) //; s/ .*//' "/proc/$pid/stat" 2>/dev/null)" = Z ] &&
			return 0
		sleep 0.01
	done
	echo "nginx $pid did not stop" >&2
	return 1
}

nginx_stop_all() {
	local p
	for p in "${NGINX_PREFIXES[@]}"; do
		nginx_stop "$p"
	done
	NGINX_PREFIXES=()
}
