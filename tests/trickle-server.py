#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A static HTTP server on 127.0.0.1 that sends some files slowly, for the
mirror's speed-limit and deadline tests.

  trickle-server.py DIR PORTFILE [--slow URLPATH --rate BYTES_PER_S]

Serves DIR; URLPATH (exact) is sent at BYTES_PER_S, in ten writes a second.
The chosen port is written to PORTFILE once the socket listens.
"""
import argparse
import functools
import http.server
import os
import time


class Handler(http.server.SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    slow = None
    rate = 100

    def log_message(self, *args):
        pass

    def do_GET(self):
        if self.path != self.slow:
            return super().do_GET()
        path = self.translate_path(self.path)
        with open(path, "rb") as f:
            data = f.read()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        step = max(1, self.rate // 10)
        try:
            for i in range(0, len(data), step):
                self.wfile.write(data[i:i + step])
                self.wfile.flush()
                time.sleep(0.1)
        except (BrokenPipeError, ConnectionResetError):
            pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("portfile")
    ap.add_argument("--slow")
    ap.add_argument("--rate", type=int, default=100)
    a = ap.parse_args()
    Handler.slow = a.slow
    Handler.rate = a.rate
    srv = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Handler, directory=a.dir))
    srv.daemon_threads = True
    tmp = a.portfile + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, a.portfile)
    srv.serve_forever()


if __name__ == "__main__":
    main()
