# -*- coding: utf-8 -*-
# Copyright: sysfix.hardening contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure parsers for the /proc files that describe daemon sessions.

/proc/PID/stat (parent, start time), /proc/locks (who holds which file
lock), /proc/net/tcp and tcp6 (connection endpoints by socket inode). The
pop3_stale_sessions module reads the files; these functions only parse, so
they are unit-tested against text captured in the test containers.
"""

from __future__ import annotations

import ipaddress
import socket
import struct

TCP_STATES = {
    "01": "ESTABLISHED", "02": "SYN_SENT", "03": "SYN_RECV", "04": "FIN_WAIT1",
    "05": "FIN_WAIT2", "06": "TIME_WAIT", "07": "CLOSE", "08": "CLOSE_WAIT",
    "09": "LAST_ACK", "0A": "LISTEN", "0B": "CLOSING",
}


def parse_stat(text):
    """Fields of /proc/PID/stat: pid, comm, state, ppid and starttime (clock ticks after boot).

    comm is in parentheses and may itself hold spaces and parentheses, so
    the fields are split after its last closing parenthesis.
    """
    head, _sep, tail = text.rpartition(")")
    pid_text, _sep, comm = head.partition(" (")
    fields = tail.split()
    # tail starts with field 3 (state); starttime is field 22.
    return {
        "pid": int(pid_text),
        "comm": comm,
        "state": fields[0],
        "ppid": int(fields[1]),
        "starttime": int(fields[19]),
    }


def age_seconds(starttime_ticks, uptime_text, clock_ticks):
    """Seconds since a process started, from its starttime and /proc/uptime."""
    uptime = float(uptime_text.split()[0])
    return max(0.0, uptime - float(starttime_ticks) / clock_ticks)


def parse_locks(text):
    """The locks held (not waited for) in /proc/locks.

    Each is ``{"pid", "kind", "access", "device", "inode"}``; ``device`` is
    ``(major, minor)`` as integers, ``kind`` is POSIX, FLOCK or OFDLCK. Lines
    with ``->`` are processes waiting for a lock, not holding one.
    """
    locks = []
    for line in text.splitlines():
        fields = line.split()
        if len(fields) < 6 or fields[1] == "->":
            continue
        kind, _mode, access, pid, where = fields[1:6]
        parts = where.split(":")
        if len(parts) != 3:
            continue
        try:
            locks.append({
                "pid": int(pid),
                "kind": kind,
                "access": access,
                "device": (int(parts[0], 16), int(parts[1], 16)),
                "inode": int(parts[2]),
            })
        except ValueError:
            continue
    return locks


def decode_address(hex_address):
    """``0100007F:006E`` (or a 32-digit IPv6 form) from /proc/net/tcp* as ``(ip, port)``.

    The kernel prints each 32-bit word of the address in host byte order.
    """
    address, _sep, port = hex_address.partition(":")
    words = [int(address[i:i + 8], 16) for i in range(0, len(address), 8)]
    raw = b"".join(struct.pack("=I", word) for word in words)
    family = socket.AF_INET if len(raw) == 4 else socket.AF_INET6
    ip = ipaddress.ip_address(socket.inet_ntop(family, raw))
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return str(ip), int(port, 16)


def parse_net_tcp(text):
    """Connections in /proc/net/tcp or tcp6 by socket inode.

    Returns ``{inode: {"local": (ip, port), "remote": (ip, port), "state": name}}``.
    """
    connections = {}
    for line in text.splitlines()[1:]:
        fields = line.split()
        if len(fields) < 10:
            continue
        connections[int(fields[9])] = {
            "local": decode_address(fields[1]),
            "remote": decode_address(fields[2]),
            "state": TCP_STATES.get(fields[3].upper(), fields[3]),
        }
    return connections


def stale(sessions, max_age, locked_only):
    """The sessions older than ``max_age`` seconds (and holding a lock, if asked)."""
    return [
        session for session in sessions
        if session["age"] > max_age and (session["locks"] or not locked_only)
    ]
