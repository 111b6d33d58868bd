#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sysfix.hardening contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: syn_recv_stats
short_description: Count half-open (SYN_RECV) TCP connections per local port, with the SYN-queue counters
version_added: 0.1.0
description:
  - The runbook's C(netstat -na | grep SYN), per listening port - reads C(/proc/net/tcp) and
    C(/proc/net/tcp6) and counts the V(SYN_RECV) connections of each local port, and the peers
    they come from.
  - Says whether the half-open connections of a port look like a SYN flood (spread over many
    peers, none holding more than a quarter of them) or like a few clients with many each (Apache's TCP_DEFER_ACCEPT keeps a client
    that connected and sent nothing in V(SYN_RECV) on the server).
  - Also reads the kernel's SYN-cookie and listen-queue counters from C(/proc/net/netstat) and the
    current C(net.ipv4.tcp_syncookies), C(tcp_max_syn_backlog) and C(tcp_synack_retries).
  - Only reads; changes nothing.
author:
  - sysfix.hardening maintainers (@sysfix)
extends_documentation_fragment:
  - sysfix.hardening.read_only
options:
  ports:
    description: Count only these local ports. Empty - every port with a listener or a half-open connection.
    type: list
    elements: int
    default: []
  threshold:
    description: Mark in RV(over_threshold) the ports with at least this many V(SYN_RECV) connections.
    type: int
  top:
    description: How many peers each port lists.
    type: int
    default: 5
  proc_files:
    description: The connection tables read; one that does not exist (IPv6 disabled) is skipped.
    type: list
    elements: path
    default: [/proc/net/tcp, /proc/net/tcp6]
  netstat_file:
    description: Where the TcpExt counters are read from.
    type: path
    default: /proc/net/netstat
  proc_sys:
    description: Where C(/proc/sys) is. Only tests change this.
    type: path
    default: /proc/sys
notes:
  - Counts are a snapshot. A half-open connection lives until the client completes the handshake or
    the server gives up after C(tcp_synack_retries) SYN-ACKs (5 - about 63 seconds).
  - With SYN cookies on, a full SYN queue no longer keeps new half-open connections, so their count
    stops growing and C(SyncookiesSent) grows instead.
seealso:
  - module: sysfix.hardening.connection_stats
"""

EXAMPLES = r"""
- name: Half-open connections on the web ports, 100 or more is a flood
  sysfix.hardening.syn_recv_stats:
    ports: [80, 443]
    threshold: 100
  register: syn

- name: Ports over the threshold
  ansible.builtin.debug:
    msg: "{{ syn.over_threshold }}"
"""

RETURN = r"""
ports:
  description: Ports with a listener or a half-open connection, most half-open first.
  returned: always
  type: list
  elements: dict
  sample: [{"port": 80, "listening": true, "syn_recv": 40, "peer_count": 20, "over_threshold": true,
            "looks_like": "flood", "top_peers": [{"address": "203.0.113.101", "count": 2}]}]
over_threshold:
  description: The ports with at least O(threshold) half-open connections.
  returned: always
  type: list
  elements: int
  sample: [80]
total_syn_recv:
  description: Half-open connections counted.
  returned: always
  type: int
counters:
  description: TcpExt counters of C(/proc/net/netstat) about SYN cookies and listen queues, since boot.
  returned: always
  type: dict
  sample: {"SyncookiesSent": 0, "ListenOverflows": 0, "ListenDrops": 0, "TCPReqQFullDrop": 0}
sysctl:
  description: The current values of the SYN-flood kernel parameters (null when unreadable).
  returned: always
  type: dict
  sample: {"net.ipv4.tcp_syncookies": "1", "net.ipv4.tcp_max_syn_backlog": "512", "net.ipv4.tcp_synack_retries": "5"}
files:
  description: The connection tables read.
  returned: always
  type: list
  elements: str
malformed_count:
  description: Lines of the tables that could not be understood.
  returned: always
  type: int
"""

import errno
import os
import sys

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.sysfix.hardening.plugins.module_utils.syn_recv import (
    count_syn_recv,
    summarize,
    tcpext_counters,
)

SYSCTLS = ("net.ipv4.tcp_syncookies", "net.ipv4.tcp_max_syn_backlog", "net.ipv4.tcp_synack_retries")


def read(path):
    with open(path) as handle:
        return handle.read()


def main():
    module = AnsibleModule(
        argument_spec=dict(
            ports=dict(type="list", elements="int", default=[]),
            threshold=dict(type="int"),
            top=dict(type="int", default=5),
            proc_files=dict(type="list", elements="path", default=["/proc/net/tcp", "/proc/net/tcp6"]),
            netstat_file=dict(type="path", default="/proc/net/netstat"),
            proc_sys=dict(type="path", default="/proc/sys"),
        ),
        supports_check_mode=True,
    )
    params = module.params
    bad = [p for p in params["ports"] if not 0 < p < 65536]
    if bad:
        module.fail_json(msg="Not a TCP port: %s" % ", ".join(str(p) for p in bad))
    if params["threshold"] is not None and params["threshold"] < 1:
        module.fail_json(msg="threshold must be 1 or more, not %d" % params["threshold"])

    per_port, malformed, files = {}, 0, []
    for path in params["proc_files"]:
        try:
            text = read(path)
        except (IOError, OSError) as exc:
            if exc.errno == errno.ENOENT:
                continue
            module.fail_json(msg="Cannot read %s: %s" % (path, os.strerror(exc.errno) if exc.errno else exc))
        files.append(path)
        counted, bad_lines = count_syn_recv(text.splitlines(), sys.byteorder, params["ports"])
        malformed += bad_lines
        for port, slot in counted.items():
            into = per_port.setdefault(port, {"syn_recv": 0, "peers": {}, "listening": False})
            into["syn_recv"] += slot["syn_recv"]
            into["listening"] = into["listening"] or slot["listening"]
            for peer, number in slot["peers"].items():
                into["peers"][peer] = into["peers"].get(peer, 0) + number
    if not files:
        module.fail_json(msg="None of %s exists: is /proc mounted?" % ", ".join(params["proc_files"]))

    try:
        counters = tcpext_counters(read(params["netstat_file"]))
    except (IOError, OSError):
        counters = {}
    sysctl = {}
    for key in SYSCTLS:
        try:
            sysctl[key] = read(os.path.join(params["proc_sys"], *key.split("."))).strip()
        except (IOError, OSError):
            sysctl[key] = None

    ports = summarize(per_port, params["threshold"], params["top"])
    module.exit_json(
        changed=False,
        ports=ports,
        over_threshold=[p["port"] for p in ports if p["over_threshold"]],
        total_syn_recv=sum(p["syn_recv"] for p in ports),
        counters=counters,
        sysctl=sysctl,
        files=files,
        malformed_count=malformed,
    )


if __name__ == "__main__":
    main()
