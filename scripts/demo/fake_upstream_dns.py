#!/usr/bin/env python3
"""The demo's stand-in for the container's real resolver: answers every A query with
127.0.0.1 (and AAAA with nothing), so names resolve inside a network namespace with no
network; names under the search domain `demo.internal` do not exist (NXDOMAIN), as a real
resolver would say. Usage: fake_upstream_dns.py ADDR PORT"""
import socket
import struct
import sys


def answer(query: bytes) -> bytes:
    if len(query) < 12:
        return b""
    qid, flags = struct.unpack(">HH", query[:4])
    pos = 12
    while pos < len(query) and query[pos] != 0:
        pos += 1 + query[pos]
    qend = pos + 5
    if qend > len(query):
        return b""
    qtype = struct.unpack(">H", query[pos + 1:pos + 3])[0]
    question = query[12:qend]
    rd = flags & 0x0100
    missing = question[:-4].lower().endswith(b"\x04demo\x08internal\x00")
    rcode = 3 if missing else 0
    has_answer = qtype == 1 and not missing
    header = struct.pack(">HHHHHH", qid, 0x8080 | rd | rcode, 1, 1 if has_answer else 0, 0, 0)
    body = question
    if has_answer:
        body += b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 60, 4) + socket.inet_aton("127.0.0.1")
    return header + body


def main() -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((sys.argv[1], int(sys.argv[2])))
    while True:
        data, peer = sock.recvfrom(4096)
        reply = answer(data)
        if reply:
            sock.sendto(reply, peer)


if __name__ == "__main__":
    main()
