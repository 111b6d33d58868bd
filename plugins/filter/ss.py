# -*- coding: utf-8 -*-
# Copyright: sysfix.hardening contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: ss
short_description: Count TCP connections in C(ss -tan) output per state and per peer
version_added: 0.1.0
author:
  - sysfix.hardening maintainers (@sysfix)
description:
  - Parses the text of C(ss -tan) (C(-e), C(-o), C(-p), C(-H) too) and counts connections per state and per
    remote address. ss prints a dual-stack listener's IPv4 clients as C([::ffff:a.b.c.d]); they are
    folded to C(a.b.c.d).
options:
  _input:
    description: The output to parse, as text or as a list of lines (C(stdout_lines)).
    type: raw
    required: true
  state:
    description:
      - The state of every line, for the output of C(ss -tn state NAME), which has no State column.
    type: str
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
- name: List SYN_RECV connections
  ansible.builtin.command: ss -Htn state syn-recv
  register: out
  changed_when: false

- name: How many peers do they come from?
  ansible.builtin.debug:
    msg: "{{ (out.stdout | sysfix.hardening.ss(state='SYN_RECV')).syn_recv }}"
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


def ss_filter(data, state=None, local_ports=None, states=None, top=10, threshold=None, exclude_peers=None):
    """Parse the text and count the connections; see DOCUMENTATION."""
    return connections_filter("ss", "ss", data, local_ports, states, top, threshold, exclude_peers, state=state)


class FilterModule:
    """The ss filter."""

    def filters(self):
        return {"ss": ss_filter}
