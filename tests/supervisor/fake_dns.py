#!/usr/bin/env python3
"""A tiny upstream for the rasp tests: answers every A query with 10.1.2.3 (UDP only),
other types with an empty NOERROR. Usage: fake_dns.py ADDR PORT"""
import socket
import struct
import sys

sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind((sys.argv[1], int(sys.argv[2])))
print("fake-dns-ready", flush=True)
while True:
    data, peer = sock.recvfrom(4096)
    if len(data) < 17:
        continue
    i = 12
    while i < len(data) and data[i] != 0:
        i += data[i] + 1
    if i + 5 > len(data):
        continue
    question = data[12:i + 5]
    qtype = struct.unpack(">H", data[i + 1:i + 3])[0]
    answer = b""
    if qtype == 1:
        answer = b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 60, 4) + bytes([10, 1, 2, 3])
    flags = bytes([0x84 | (data[2] & 1), 0x80])
    header = data[:2] + flags + struct.pack(">HHHH", 1, 1 if answer else 0, 0, 0)
    sock.sendto(header + question + answer, peer)
