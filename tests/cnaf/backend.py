#!/usr/bin/env python3
"""Test backend for the CNAF integration tests (stdlib only).

Listens on 127.0.0.1 (port 0 unless given), prints "PORT <n>" once ready, and serves:
  /echo            JSON: method, path, headers, body_len, body_sha256 (body read streaming)
  /echo-body       the request body back (Content-Length)
  /slow?ms=N       answers after N ms
  /big?bytes=N     N bytes of a repeating pattern, Content-Length (&chunked=1: chunked,
                   &eof=1: HTTP/1.0-style close-delimited)
  /status?code=N   an empty answer with that status
  /early?code=N    answers at once without reading the body, then closes (an app refusing an
                   upload: 413, 401, ...)
  /ws              WebSocket: 101, then echoes every frame's payload back (unmasked)
Anything else: 404.
"""
import base64
import hashlib
import json
import socketserver
import sys
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PATTERN = bytes(range(256)) * 256  # 64 KiB


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # quiet
        pass

    def read_body(self, sink):
        te = self.headers.get("Transfer-Encoding", "")
        if te.lower() == "chunked":
            while True:
                line = self.rfile.readline(65537)
                size = int(line.split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    return
                remaining = size
                while remaining:
                    chunk = self.rfile.read(min(remaining, 65536))
                    if not chunk:
                        return
                    sink(chunk)
                    remaining -= len(chunk)
                self.rfile.readline(3)
        length = int(self.headers.get("Content-Length", "0") or 0)
        while length:
            chunk = self.rfile.read(min(length, 65536))
            if not chunk:
                return
            sink(chunk)
            length -= len(chunk)

    def send_bytes(self, status, body, ctype="application/octet-stream", extra=None):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def handle_any(self):
        url = urllib.parse.urlsplit(self.path)
        q = dict(urllib.parse.parse_qsl(url.query))
        if url.path == "/echo":
            digest = hashlib.sha256()
            size = [0]

            def sink(b):
                digest.update(b)
                size[0] += len(b)

            self.read_body(sink)
            info = {
                "method": self.command,
                "path": self.path,
                "version": self.request_version,
                "headers": [[k, v] for k, v in self.headers.items()],
                "body_len": size[0],
                "body_sha256": digest.hexdigest(),
            }
            self.send_bytes(200, json.dumps(info).encode(), "application/json")
        elif url.path == "/echo-body":
            parts = []
            self.read_body(parts.append)
            self.send_bytes(200, b"".join(parts))
        elif url.path == "/slow":
            self.read_body(lambda b: None)
            time.sleep(int(q.get("ms", "1000")) / 1000.0)
            self.send_bytes(200, b"slow\n", "text/plain")
        elif url.path == "/big":
            self.read_body(lambda b: None)
            n = int(q.get("bytes", "0"))
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            if q.get("chunked"):
                self.send_header("Transfer-Encoding", "chunked")
            elif q.get("eof"):
                self.send_header("Connection", "close")
                self.close_connection = True
            else:
                self.send_header("Content-Length", str(n))
            self.end_headers()
            if self.command == "HEAD":
                return
            sent = 0
            while sent < n:
                piece = PATTERN[: min(len(PATTERN), n - sent)]
                if q.get("chunked"):
                    self.wfile.write(b"%x\r\n" % len(piece) + piece + b"\r\n")
                else:
                    self.wfile.write(piece)
                sent += len(piece)
            if q.get("chunked"):
                self.wfile.write(b"0\r\n\r\n")
        elif url.path == "/early":
            self.close_connection = True
            self.send_bytes(int(q.get("code", "413")), b"refused early\n", "text/plain", {"Connection": "close"})
            self.wfile.flush()
        elif url.path == "/status":
            self.read_body(lambda b: None)
            self.send_bytes(int(q.get("code", "200")), b"")
        elif url.path == "/ws":
            key = self.headers.get("Sec-WebSocket-Key", "")
            accept = base64.b64encode(hashlib.sha1((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()).decode()
            self.send_response(101)
            self.send_header("Upgrade", "websocket")
            self.send_header("Connection", "Upgrade")
            self.send_header("Sec-WebSocket-Accept", accept)
            self.end_headers()
            self.wfile.flush()
            self.websocket_echo()
            self.close_connection = True
        else:
            self.read_body(lambda b: None)
            self.send_bytes(404, b"not found\n", "text/plain")

    def websocket_echo(self):
        r = self.rfile
        while True:
            head = r.read(2)
            if len(head) < 2:
                return
            opcode = head[0] & 0x0F
            masked = head[1] & 0x80
            n = head[1] & 0x7F
            if n == 126:
                n = int.from_bytes(r.read(2), "big")
            elif n == 127:
                n = int.from_bytes(r.read(8), "big")
            mask = r.read(4) if masked else b"\0\0\0\0"
            data = bytearray(r.read(n))
            for i in range(len(data)):
                data[i] ^= mask[i % 4]
            if opcode == 8:
                self.wfile.write(b"\x88\x00")
                return
            out = bytes([0x80 | opcode])
            if len(data) < 126:
                out += bytes([len(data)])
            elif len(data) < 65536:
                out += bytes([126]) + len(data).to_bytes(2, "big")
            else:
                out += bytes([127]) + len(data).to_bytes(8, "big")
            self.wfile.write(out + bytes(data))
            self.wfile.flush()

    do_GET = do_POST = do_PUT = do_HEAD = do_DELETE = do_PATCH = do_OPTIONS = handle_any


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    server = Server(("127.0.0.1", port), Handler)
    print("PORT %d" % server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
