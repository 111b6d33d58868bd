# -*- coding: utf-8 -*-
# Copyright: sysfix.hardening contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: proc_net_tcp
short_description: Count TCP connections in C(/proc/net/tcp) or C(/proc/net/tcp6) text per state and per peer
version_added: 0.1.0
author:
  - sysfix.hardening maintainers (@sysfix)
description:
  - Parses the kernel's C(/proc/net/tcp) and C(/proc/net/tcp6) (both may be given as one text) and counts
    connections per state and per remote address, with the hex addresses decoded and IPv4-mapped
    IPv6 addresses folded to IPv4.
options:
  _input:
    description: The output to parse, as text or as a list of lines (C(stdout_lines)).
    type: raw
    required: true
  byteorder:
    description:
      - The byte order of the host the text was read on; the kernel prints addresses in it.
    type: str
    choices: [little, big]
    default: little
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
- name: Read the kernel's tables
  ansible.builtin.command: cat /proc/net/tcp /proc/net/tcp6
  register: out
  changed_when: false

- name: Connections per state
  ansible.builtin.debug:
    msg: "{{ (out.stdout | sysfix.hardening.proc_net_tcp).states }}"
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

from ansible.errors import AnsibleFilterError

from ansible_collections.sysfix.hardening.plugins.plugin_utils.command_output import connections_filter


def proc_net_tcp_filter(data, byteorder="little", local_ports=None, states=None, top=10, threshold=None,
                        exclude_peers=None):
    """Parse the text and count the connections; see DOCUMENTATION."""
    if byteorder not in ("little", "big"):
        raise AnsibleFilterError("proc_net_tcp: byteorder must be little or big, not %r" % (byteorder,))
    return connections_filter("proc_net_tcp", "proc", data, local_ports, states, top, threshold, exclude_peers,
                              byteorder=byteorder)


class FilterModule:
    """The proc_net_tcp filter."""

    def filters(self):
        return {"proc_net_tcp": proc_net_tcp_filter}
