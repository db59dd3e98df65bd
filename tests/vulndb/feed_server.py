#!/usr/bin/env python3
"""A feed mirror for customs' `db update` tests: serves files from --root on 127.0.0.1 with failure injection.

The first path segment selects a mode and the path fragment it applies to: GET /<mode>~<target>/<path> serves
<root>/<path>, and when <target> occurs in <path> it misbehaves as <mode> says:
  ok       serve normally (ETag / If-None-Match -> 304, Last-Modified / If-Modified-Since)
  500      answer HTTP 500
  cut      promise the whole body (Content-Length) but close the connection half way
  truncate serve only the first half of the file, with a matching Content-Length (a truncated download)
  corrupt  serve <root>/<path>.corrupt instead (a file with a damaged record, prepared by the test)
  slow     wait --slow seconds before sending the body
Prints the chosen port on stdout, then serves until killed.
"""
import argparse
import hashlib
import http.server
import os
import socketserver
import sys
import time
from email.utils import formatdate


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # keep test output quiet
        pass

    def do_GET(self):
        parts = self.path.split("?", 1)[0].lstrip("/").split("/", 1)
        if len(parts) != 2 or "~" not in parts[0]:
            self.send_error(404)
            return
        mode, target = parts[0].split("~", 1)
        rel = parts[1]
        hit = target != "" and target in rel
        if hit and mode == "500":
            body = b"internal error\n"
            self.send_response(500)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        path = os.path.join(self.server.root, rel)
        if hit and mode == "corrupt" and os.path.exists(path + ".corrupt"):
            path = path + ".corrupt"
        if not os.path.isfile(path):
            self.send_error(404)
            return
        with open(path, "rb") as f:
            data = f.read()
        etag = '"%s"' % hashlib.sha1(data).hexdigest()
        last_modified = formatdate(os.path.getmtime(path), usegmt=True)
        if not hit or mode == "ok":
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
        if hit and mode == "truncate":
            data = data[: len(data) // 2]
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", last_modified)
        self.end_headers()
        if hit and mode == "slow":
            time.sleep(self.server.slow)
        if hit and mode == "cut":
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(2)
            return
        self.wfile.write(data)


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):  # clients hanging up on purpose (timeouts) are expected
        pass


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", required=True)
    parser.add_argument("--slow", type=float, default=5.0)
    parser.add_argument("--lifetime", type=float, default=120.0, help="exit after this many seconds regardless")
    args = parser.parse_args()
    server = Server(("127.0.0.1", 0), Handler)  # port 0: the kernel picks a free port
    server.root = args.root
    server.slow = args.slow
    server.timeout = 0.5
    print(server.server_address[1], flush=True)
    deadline = time.time() + args.lifetime
    while time.time() < deadline:
        server.handle_request()
    return 0


if __name__ == "__main__":
    sys.exit(main())
