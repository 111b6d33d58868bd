# -*- coding: utf-8 -*-
# Copyright: sysfix.hardening contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: mailstats
short_description: Parse sendmail's C(mailstats) or C(mailstats -P) output
version_added: 0.1.0
author:
  - sysfix.hardening maintainers (@sysfix)
description:
  - Parses the text of C(mailstats) or C(mailstats -P) into numbers per mailer, the totals (C(T)) and
    connections (C(C)) rows and the start of counting, per section of Debian's listing (V(MSP), V(MTA)).
options:
  _input:
    description: The output to parse, as text or as a list of lines (C(stdout_lines)).
    type: raw
    required: true
seealso:
  - module: sysfix.hardening.mail_stats
"""

EXAMPLES = r"""
- name: Read the statistics
  ansible.builtin.command: mailstats -P
  become: true
  register: out
  changed_when: false

- name: Messages rejected by the MTA since counting started
  ansible.builtin.debug:
    msg: "{{ (out.stdout | sysfix.hardening.mailstats).sections.MTA.totals.msgs_rejected }}"
"""

RETURN = r"""
_value:
  description:
    - C(format) (V(mailstats -P), V(mailstats) or V(unknown)), C(sections) as the
      P(sysfix.hardening.mail_stats#module) module returns them, C(lines), C(malformed_count)
      and C(malformed).
  type: dict
"""

from ansible_collections.sysfix.hardening.plugins.module_utils.mail_stats import parse_mailstats
from ansible_collections.sysfix.hardening.plugins.plugin_utils.command_output import command_text


def mailstats_filter(data):
    """Parse mailstats output; see DOCUMENTATION."""
    return parse_mailstats(command_text(data, "mailstats", lines=False))


class FilterModule:
    """The mailstats filter."""

    def filters(self):
        return {"mailstats": mailstats_filter}
