"""Hold TCP connections to a web server open from one source address (test load for dos_triage).

Each connection sends half a request, which keeps it ESTABLISHED on the
server (a full request would end it; nothing at all would leave it in
SYN_RECV, Apache's TCP_DEFER_ACCEPT). Apache's mod_reqtimeout closes such a
connection after 20-40 s, so closed ones are opened again. Bounded: COUNT
(100 at most) at a time, DURATION seconds (300 at most), and COUNT new
connections per 15 s.

Usage: python3 hold_connections.py SOURCE TARGET COUNT DURATION
"""
import socket
import sys
import time

source, target = sys.argv[1], sys.argv[2]
count, duration = min(int(sys.argv[3]), 100), min(float(sys.argv[4]), 300)
start = time.time()
deadline = start + duration
opened = 0
held = []


def open_one():
    sock = socket.socket(socket.AF_INET6 if ":" in source else socket.AF_INET)
    sock.settimeout(3)
    sock.bind((source, 0))
    sock.connect((target, 80))
    sock.sendall(b"GET / HTTP/1.1\r\nHost: sysfix.test\r\n")
    sock.setblocking(False)
    return sock


while time.time() < deadline:
    alive = []
    for sock in held:
        try:
            # Anything from the server (a 408) or the end of the stream means it gave up.
            if sock.recv(1) is not None:
                sock.close()
                continue
        except BlockingIOError:
            alive.append(sock)
        except OSError:
            sock.close()
    held = alive
    budget = count * (1 + int((time.time() - start) // 15))
    while len(held) < count and opened < budget and time.time() < deadline:
        opened += 1
        try:
            held.append(open_one())
        except OSError:
            break
    time.sleep(0.5)
for sock in held:
    sock.close()
