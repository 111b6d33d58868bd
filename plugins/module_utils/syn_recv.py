# -*- coding: utf-8 -*-
# Copyright: sysfix.hardening contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure helpers of the syn_recv_stats module: half-open connections per local
port, and the kernel's SYN-queue counters.

The runbook's ``netstat -na | grep SYN`` counts every half-open connection
together; a flood hits one listening port, so the count is kept per local
port, with the peers it comes from (a flood: many peers, none with a large
share; Apache's TCP_DEFER_ACCEPT: a few real clients with many each).
"""

from __future__ import annotations

from ansible_collections.sysfix.hardening.plugins.module_utils.connections import proc_hex_to_address

# include/net/tcp_states.h as /proc/net/tcp prints it.
SYN_RECV = "03"
LISTEN = "0A"

# /proc/net/netstat TcpExt counters about the SYN queue and SYN cookies.
TCPEXT_COUNTERS = (
    "SyncookiesSent",
    "SyncookiesRecv",
    "SyncookiesFailed",
    "ListenOverflows",
    "ListenDrops",
    "TCPReqQFullDoCookies",
    "TCPReqQFullDrop",
)


def _port(hex_endpoint):
    """The port of a ``/proc/net/tcp`` endpoint ``ADDRESS:PORT`` (both hex)."""
    return int(hex_endpoint.rsplit(":", 1)[1], 16)


def count_syn_recv(lines, byteorder="little", ports=None):
    """Count the SYN_RECV connections and listening sockets of /proc/net/tcp{,6} lines.

    Returns ``(per_port, malformed)``: ``per_port`` maps each local port to
    ``{"syn_recv": N, "peers": {address: N}, "listening": bool}``; only
    ports with a listener or a SYN_RECV connection appear, and only those in
    ``ports`` when it is given. ``malformed`` counts lines that are neither
    a header nor a connection.
    """
    wanted = set(ports) if ports else None
    per_port = {}
    malformed = 0
    for line in lines:
        fields = line.split()
        if not fields or fields[0] == "sl":
            continue
        try:
            local, remote, state = fields[1], fields[2], fields[3]
            port = _port(local)
        except (IndexError, ValueError):
            malformed += 1
            continue
        if state not in (SYN_RECV, LISTEN) or (wanted is not None and port not in wanted):
            continue
        slot = per_port.setdefault(port, {"syn_recv": 0, "peers": {}, "listening": False})
        if state == LISTEN:
            slot["listening"] = True
            continue
        peer = proc_hex_to_address(remote.rsplit(":", 1)[0], byteorder)
        if peer is None:
            malformed += 1
            continue
        slot["syn_recv"] += 1
        slot["peers"][peer] = slot["peers"].get(peer, 0) + 1
    return per_port, malformed


def tcpext_counters(netstat_text):
    """The SYN-queue counters of /proc/net/netstat (a header line and a value line per group)."""
    lines = [line.split() for line in netstat_text.splitlines() if line.startswith("TcpExt:")]
    if len(lines) < 2:
        return {}
    names, values = lines[0][1:], lines[1][1:]
    table = dict(zip(names, values))
    return dict((name, int(table[name])) for name in TCPEXT_COUNTERS if name in table)


def summarize(per_port, threshold, top=5):
    """Ports as a list, busiest first, with their top peers and whether they are over ``threshold``.

    ``looks_like``: ``flood`` when the half-open connections are spread over
    many peers (at least 4, none holding more than a quarter of them), as
    from a SYN flood's forged sources; ``few_clients`` when one peer holds
    more (idle clients under TCP_DEFER_ACCEPT, or one attacker that can be
    blocked); ``none`` without half-open connections.
    """
    ports = []
    for port, slot in per_port.items():
        peers = slot["peers"]
        ranked = sorted(peers.items(), key=lambda item: (-item[1], item[0]))
        if not slot["syn_recv"]:
            looks_like = "none"
        elif len(peers) >= 4 and ranked[0][1] * 4 <= slot["syn_recv"]:
            looks_like = "flood"
        else:
            looks_like = "few_clients"
        ports.append({
            "port": port,
            "listening": slot["listening"],
            "syn_recv": slot["syn_recv"],
            "peer_count": len(peers),
            "top_peers": [{"address": a, "count": n} for a, n in ranked[:top]],
            "over_threshold": threshold is not None and slot["syn_recv"] >= threshold,
            "looks_like": looks_like,
        })
    ports.sort(key=lambda p: (-p["syn_recv"], p["port"]))
    return ports
