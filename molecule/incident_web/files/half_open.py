"""Leave half-open connections on a web server (test load for syn_flood).

Run in the peer namespace, where a firewall rule drops the SYN-ACKs sent to
the source addresses: each connect() sends a SYN, the server answers and
keeps the connection in SYN_RECV, and the client kernel sends its SYN again
now and then (for about two minutes, tcp_syn_retries), never completing the
handshake. Every 120 s the sockets are replaced by new ones, so the server
keeps at least PER_SOURCE half-open connections per source for as long as
this runs. Bounded: 10 sockets per source, 20 sources, 300 seconds.

Usage: python3 half_open.py SOURCE[,SOURCE...] TARGET PER_SOURCE SECONDS
"""
import socket
import sys
import time

sources = sys.argv[1].split(",")[:20]
target, per_source = sys.argv[2], min(int(sys.argv[3]), 10)
deadline = time.time() + min(float(sys.argv[4]), 300)


def open_round():
    pending = []
    for source in sources:
        for _socket in range(per_source):
            sock = socket.socket(socket.AF_INET)
            sock.setblocking(False)
            sock.bind((source, 0))
            try:
                sock.connect((target, 80))
            except BlockingIOError:
                pass
            pending.append(sock)
    return pending


while time.time() < deadline:
    pending = open_round()
    time.sleep(max(0, min(120, deadline - time.time())))
    for sock in pending:
        sock.close()
