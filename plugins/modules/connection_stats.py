#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sysfix.hardening contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: connection_stats
short_description: Count TCP connections per state and per remote address
version_added: 0.1.0
description:
  - Counts the host's TCP connections per state (V(ESTABLISHED), V(SYN_RECV), V(TIME_WAIT), ...)
    and per remote address, as the runbook's C(netstat -na | grep ES | awk '{print $5}' | sort)
    does, and names the busiest peers and the peers over a threshold, the candidates for
    C(sysfix.hardening.block_ip).
  - Reads C(/proc/net/tcp) and C(/proc/net/tcp6) by default, which needs no tool on the host;
    or runs C(ss -tan) or C(netstat -tan) / C(netstat -tanW), with C(LC_ALL=C).
  - IPv4 and IPv6 peers are counted alike. An IPv4-mapped IPv6 address (C(::ffff:192.0.2.1),
    which a dual-stack listener such as Apache's C(Listen 80) sees) is folded to the IPv4
    address, so a client counts once whatever the source prints.
  - Only reads; changes nothing.
author:
  - sysfix.hardening maintainers (@sysfix)
options:
  source:
    description:
      - Where the connections are read from.
      - V(proc) reads C(/proc/net/tcp) and C(/proc/net/tcp6) (see O(proc_files)).
      - V(ss) runs C(ss -tan) (package C(iproute2)).
      - V(netstat) runs C(netstat -tan) or C(netstat -tanW) (package C(net-tools)); see O(netstat_wide).
    type: str
    choices: [proc, ss, netstat]
    default: proc
  netstat_wide:
    description:
      - Run C(netstat -tanW). Without C(-W) netstat cuts addresses to 23 characters with the port,
        which leaves a wrong IPv6 address; such connections then count in their state but for
        no peer, and are listed in RV(truncated).
    type: bool
    default: true
  proc_files:
    description:
      - The files read when O(source=proc). A file that does not exist is skipped and listed in
        RV(skipped_files) (C(/proc/net/tcp6) is absent when the kernel has IPv6 disabled);
        a file that exists but cannot be read makes the module fail.
    type: list
    elements: path
    default: [/proc/net/tcp, /proc/net/tcp6]
  local_ports:
    description:
      - Count only connections whose local port is one of these, for example V(80) and V(443)
        for the web server's clients.
    type: list
    elements: int
    default: []
  states:
    description:
      - Count only connections in these states. Any spelling is accepted, netstat's
        (V(SYN_RECV)), ss's (V(SYN-RECV), V(ESTAB)) or ss's filter names (V(syn-recv)).
    type: list
    elements: str
    default: []
  top:
    description:
      - How many peers RV(top_peers) lists.
    type: int
    default: 10
  threshold:
    description:
      - List in RV(peers_over_threshold) the peers with at least this many connections
        (after the filters).
    type: int
  exclude_peers:
    description:
      - Addresses or networks (CIDR) left out of RV(top_peers), RV(peers_over_threshold) and
        the top peers of RV(syn_recv), such as the host's own addresses or a monitoring system, so that
        they are never proposed for blocking. They still count in RV(states) and RV(peers).
    type: list
    elements: str
    default: []
attributes:
  check_mode:
    support: full
    description: The module only reads, so check mode runs it unchanged and reports the same counts.
  diff_mode:
    support: none
    description: Nothing changes, so there is nothing to show.
notes:
  - "TCP_DEFER_ACCEPT: Apache on Linux uses it by default (C(AcceptFilter http data)). A client
    that connects and sends nothing leaves the server side in V(SYN_RECV) although the client
    sees V(ESTABLISHED); idle or slow clients then look like a SYN flood to a naive count.
    RV(syn_recv) tells the two apart: a SYN flood is many V(SYN_RECV) connections from many
    (often spoofed) peers, each with one or two; a few peers with many V(SYN_RECV) connections
    each are real clients that connected and did not send a request yet (or a slow-request
    attack, which C(mod_reqtimeout) handles), and blocking them is a decision, not a reflex."
  - Counts are a snapshot; connections come and go while the table is read.
  - The local address of a line is used only for O(local_ports); a line counts when its protocol,
    state and remote C(address:port) are well-formed. Other lines are counted in
    RV(malformed_count) and the first 50 listed in RV(malformed).
seealso:
  - module: sysfix.hardening.mail_queue
  - plugin: sysfix.hardening.netstat
    plugin_type: filter
  - plugin: sysfix.hardening.ss
    plugin_type: filter
  - plugin: sysfix.hardening.proc_net_tcp
    plugin_type: filter
"""

EXAMPLES = r"""
- name: Count the web server's clients
  sysfix.hardening.connection_stats:
    local_ports: [80, 443]
    states: [ESTABLISHED, SYN_RECV]
    threshold: 50
    exclude_peers: [127.0.0.0/8, "::1"]
  register: web

- name: Show who holds the most connections
  ansible.builtin.debug:
    msg: "{{ web.top_peers }}"

- name: Is it a SYN flood (many peers) or idle clients (few peers)?
  sysfix.hardening.connection_stats:
    states: [SYN_RECV]
  register: syn

- name: Same answer from ss, as the runbook would read it
  sysfix.hardening.connection_stats:
    source: ss
    states: [ESTABLISHED]
"""

RETURN = r"""
source:
  description: Where the connections were read from.
  returned: always
  type: str
  sample: proc
command:
  description: The command that was run, for O(source=ss) and O(source=netstat).
  returned: when O(source) is V(ss) or V(netstat)
  type: list
  elements: str
  sample: ["/usr/bin/ss", "-tan"]
files:
  description: The files read, for O(source=proc).
  returned: always
  type: list
  elements: str
  sample: ["/proc/net/tcp", "/proc/net/tcp6"]
skipped_files:
  description: Files of O(proc_files) that do not exist on this host.
  returned: always
  type: list
  elements: str
  sample: []
total:
  description: Connections counted (after the filters).
  returned: always
  type: int
  sample: 49
lines:
  description: Lines read, headers included.
  returned: always
  type: int
  sample: 51
headers:
  description: Header lines read (column titles).
  returned: always
  type: int
  sample: 2
states:
  description: Connections per state, in netstat's spelling.
  returned: always
  type: dict
  sample: {"ESTABLISHED": 32, "SYN_RECV": 4, "TIME_WAIT": 3, "LISTEN": 4}
peers:
  description: Connections per remote address (listening sockets have none).
  returned: always
  type: dict
  sample: {"203.0.113.9": 9, "2001:db8::7": 4, "127.0.0.1": 12}
peer_count:
  description: Number of distinct remote addresses.
  returned: always
  type: int
  sample: 7
top_peers:
  description: The O(top) peers with the most connections, most first, without O(exclude_peers).
  returned: always
  type: list
  elements: dict
  sample: [{"address": "203.0.113.9", "count": 9}]
peers_over_threshold:
  description: Peers with at least O(threshold) connections, most first, without O(exclude_peers); empty without O(threshold).
  returned: always
  type: list
  elements: dict
  sample: [{"address": "203.0.113.9", "count": 9}]
syn_recv:
  description: The V(SYN_RECV) connections, the number of distinct peers they come from, and the top peers (see the TCP_DEFER_ACCEPT note).
  returned: always
  type: dict
  sample: {"connections": 4, "peers": 2, "top_peers": [{"address": "192.0.2.44", "count": 3}]}
other_protocols:
  description: Lines of other protocols (udp, unix sockets) that were skipped.
  returned: always
  type: int
  sample: 0
truncated_count:
  description: Connections whose remote address netstat cut (without C(-W)); counted in RV(states), not in RV(peers).
  returned: always
  type: int
  sample: 0
truncated:
  description: The first 50 such lines, with their source and line number.
  returned: always
  type: list
  elements: dict
  sample: [{"source": "netstat", "line": 33, "text": "tcp6 0 0 2001:db8::7:80 2001:db8:4b1d:123:35685 ESTABLISHED"}]
malformed_count:
  description: Lines that could not be understood.
  returned: always
  type: int
  sample: 0
malformed:
  description: The first 50 lines that could not be understood, with their source and line number.
  returned: always
  type: list
  elements: dict
  sample: []
"""

import errno
import os
import sys

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.sysfix.hardening.plugins.module_utils.connections import (
    ConnectionTable,
    normalize_state,
    parse_networks,
)

PACKAGES = {"ss": "iproute2", "netstat": "net-tools"}


def run_tool(module, table, source, wide):
    binary = module.get_bin_path(source)
    if binary is None:
        module.fail_json(
            msg="%s is not installed on this host: install the Debian package %s, or use source=proc"
            % (source, PACKAGES[source])
        )
    command = [binary, "-tanW" if source == "netstat" and wide else "-tan"]
    rc, out, err = module.run_command(command, environ_update={"LC_ALL": "C"})
    if rc != 0:
        module.fail_json(msg="%s failed (rc=%d): %s" % (" ".join(command), rc, err.strip()), rc=rc)
    if source == "ss":
        table.feed_ss(out, source="ss")
    else:
        table.feed_netstat(out, source="netstat", wide=wide)
    return command


def read_proc(module, table, paths):
    read, skipped = [], []
    for path in paths:
        try:
            with open(path, "rb") as handle:
                table.feed_proc(handle, source=path, byteorder=sys.byteorder)
        except (IOError, OSError) as exc:
            if exc.errno == errno.ENOENT:
                skipped.append(path)
                continue
            module.fail_json(msg="Cannot read %s: %s" % (path, os.strerror(exc.errno) if exc.errno else exc))
        read.append(path)
    if not read:
        module.fail_json(msg="None of %s exists: is /proc mounted?" % ", ".join(paths))
    return read, skipped


def main():
    module = AnsibleModule(
        argument_spec=dict(
            source=dict(type="str", choices=["proc", "ss", "netstat"], default="proc"),
            netstat_wide=dict(type="bool", default=True),
            proc_files=dict(type="list", elements="path",
                            default=["/proc/net/tcp", "/proc/net/tcp6"]),
            local_ports=dict(type="list", elements="int", default=[]),
            states=dict(type="list", elements="str", default=[]),
            top=dict(type="int", default=10),
            threshold=dict(type="int"),
            exclude_peers=dict(type="list", elements="str", default=[]),
        ),
        supports_check_mode=True,
    )
    params = module.params
    unknown = [state for state in params["states"] if normalize_state(state) is None]
    if unknown:
        module.fail_json(msg="Unknown TCP state(s): %s" % ", ".join(unknown))
    bad_ports = [port for port in params["local_ports"] if not 0 < port < 65536]
    if bad_ports:
        module.fail_json(msg="Not a TCP port: %s" % ", ".join(str(p) for p in bad_ports))
    if params["top"] < 0:
        module.fail_json(msg="top must be 0 or more, not %d" % params["top"])
    try:
        parse_networks(params["exclude_peers"])
    except ValueError as exc:
        module.fail_json(msg="exclude_peers: %s" % exc)

    table = ConnectionTable(local_ports=params["local_ports"], states=params["states"])
    result = dict(changed=False, source=params["source"], files=[], skipped_files=[])
    if params["source"] == "proc":
        result["files"], result["skipped_files"] = read_proc(module, table, params["proc_files"])
    else:
        result["command"] = run_tool(module, table, params["source"], params["netstat_wide"])

    result.update(table.result(top=params["top"], threshold=params["threshold"],
                               exclude=params["exclude_peers"]))
    if result["truncated_count"]:
        module.warn("netstat cut %d remote IPv6 address(es); they count in states but for no peer: "
                    "use netstat_wide=true or source=proc" % result["truncated_count"])
    if result["malformed_count"]:
        module.warn("%d line(s) could not be understood; see malformed" % result["malformed_count"])
    module.exit_json(**result)


if __name__ == "__main__":
    main()
