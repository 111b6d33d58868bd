# -*- coding: utf-8 -*-
# Copyright: sysfix.hardening contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: netstat
short_description: Count TCP connections in C(netstat -tan) output per state and per peer
version_added: 0.1.0
author:
  - sysfix.hardening maintainers (@sysfix)
description:
  - Parses the text of C(netstat -tan) or C(netstat -tanW) (for example a registered C(stdout)) and
    counts connections per state and per remote address, as the runbook's
    C(netstat -na | grep ES | awk '{print $5}' | sort | uniq -c) does.
  - Lines of other protocols (C(netstat -na) also lists udp and unix sockets) are counted in
    C(other_protocols), not mistaken for connections.
  - Without C(-W) netstat cuts long IPv6 addresses; those connections count in their state but for no peer,
    and are listed in C(truncated).
options:
  _input:
    description: The output to parse, as text or as a list of lines (C(stdout_lines)).
    type: raw
    required: true
  wide:
    description:
      - Whether the text comes from C(netstat -W). Null guesses it from the text, a remote address longer than
        23 characters meaning yes.
    type: bool
  local_ports:
    description: Count only connections whose local port is one of these.
    type: list
    elements: int
    default: []
  states:
    description: Count only connections in these states (any spelling, V(SYN_RECV), V(SYN-RECV), V(syn-recv)).
    type: list
    elements: str
    default: []
  top:
    description: How many peers C(top_peers) lists.
    type: int
    default: 10
  threshold:
    description: List in C(peers_over_threshold) the peers with at least this many connections.
    type: int
  exclude_peers:
    description: Addresses or networks left out of C(top_peers) and C(peers_over_threshold).
    type: list
    elements: str
    default: []
seealso:
  - module: sysfix.hardening.connection_stats
"""

EXAMPLES = r"""
- name: Read the connections as the runbook does
  ansible.builtin.command: netstat -tanW
  environment:
    LC_ALL: C
  register: out
  changed_when: false

- name: Clients of the web server with the most connections
  ansible.builtin.debug:
    msg: "{{ (out.stdout | sysfix.hardening.netstat(local_ports=[80, 443], states=['ESTABLISHED'])).top_peers }}"
"""

RETURN = r"""
_value:
  description:
    - The counts, as the P(sysfix.hardening.connection_stats#module) module returns them.
    - C(total), C(lines), C(states) (per state, netstat's spelling), C(peers) (per remote address,
      IPv4-mapped IPv6 folded to IPv4), C(peer_count), C(top_peers), C(peers_over_threshold),
      C(syn_recv) (connections, distinct peers, top peers), C(other_protocols), C(truncated_count),
      C(truncated), C(malformed_count) and C(malformed) (the first 50 lines not understood).
  type: dict
"""

from ansible_collections.sysfix.hardening.plugins.plugin_utils.command_output import connections_filter


def netstat_filter(data, wide=None, local_ports=None, states=None, top=10, threshold=None, exclude_peers=None):
    """Parse the text and count the connections; see DOCUMENTATION."""
    return connections_filter("netstat", "netstat", data, local_ports, states, top, threshold, exclude_peers,
                              wide=wide)


class FilterModule:
    """The netstat filter."""

    def filters(self):
        return {"netstat": netstat_filter}
