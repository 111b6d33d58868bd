# -*- coding: utf-8 -*-
# Copyright: sysfix.hardening contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: mailq
short_description: Parse a mail queue listing (sendmail C(mailq), Postfix C(postqueue -p) or C(-j))
version_added: 0.1.0
author:
  - sysfix.hardening maintainers (@sysfix)
description:
  - Parses the text of sendmail's C(mailq) (Debian's, with its MSP and MTA parts and several queue
    directories), Postfix's C(postqueue -p) (also what Postfix's C(mailq) prints) or C(postqueue -j),
    and returns every message, the totals per queue, the deferred recipients grouped by domain and
    reason, and hints about recipient domains that look mistyped.
options:
  _input:
    description: The output to parse, as text or as a list of lines (C(stdout_lines)).
    type: raw
    required: true
  format:
    description:
      - Which tool printed the text; V(auto) recognises it. An empty queue reads the same for sendmail
        and Postfix (C(Mail queue is empty)); give the format when it matters.
    type: str
    choices: [auto, sendmail, postfix, postfix_json]
    default: auto
  known_domains:
    description:
      - Domains known to be right; a recipient domain one letter away from one of them, or the same
        name under another top-level domain, is listed in C(typo_hints).
    type: list
    elements: str
    default: []
  entries:
    description: Return every message in C(entries); V(false) keeps only the totals and groups.
    type: bool
    default: true
seealso:
  - module: sysfix.hardening.mail_queue
"""

EXAMPLES = r"""
- name: List the queue
  ansible.builtin.command: mailq
  become: true
  register: out
  changed_when: false

- name: Deferred mail per destination and reason
  ansible.builtin.debug:
    msg: "{{ (out.stdout | sysfix.hardening.mailq).deferred }}"

- name: Mistyped domains, against the domains we know
  ansible.builtin.debug:
    msg: "{{ (out.stdout | sysfix.hardening.mailq(known_domains=['example.com', 'example.net'])).typo_hints }}"
"""

RETURN = r"""
_value:
  description:
    - The parsed queue, as the P(sysfix.hardening.mail_queue#module) module returns it (without C(command)).
    - C(format), C(entries), C(queues), C(sections), C(total), C(deferred), C(domains), C(typo_hints),
      C(errors), C(lines), C(malformed_count) and C(malformed).
  type: dict
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.sysfix.hardening.plugins.module_utils.mail_queue import FORMATS, parse_mail_queue
from ansible_collections.sysfix.hardening.plugins.plugin_utils.command_output import command_text


def mailq_filter(data, format="auto", known_domains=None, entries=True):  # pylint: disable=redefined-builtin
    """Parse a queue listing; see DOCUMENTATION."""
    data = command_text(data, "mailq", lines=False)
    if format not in FORMATS:
        raise AnsibleFilterError("mailq: format must be one of %s, not %r" % (", ".join(FORMATS), format))
    if known_domains is not None and not isinstance(known_domains, (list, tuple)):
        raise AnsibleFilterError("mailq: known_domains must be a list of domains")
    return parse_mail_queue(data, fmt=format, known_domains=[str(d) for d in known_domains or []],
                            with_entries=bool(entries))


class FilterModule:
    """The mailq filter."""

    def filters(self):
        return {"mailq": mailq_filter}
