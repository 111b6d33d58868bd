#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sysfix.hardening contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: not_applicable
short_description: Say that a role's controls do not apply to this host, and why
version_added: 0.1.0
description:
  - Records, for the C(sysfix.hardening.compliance_summary) callback and the compliance
    report, that the controls of the calling role (or, with O(whole_role=false), the control
    whose tag the task carries) do not apply to this host, with the reason.
  - Changes nothing. Runs on the controller.
author:
  - sysfix.hardening maintainers (@sysfix)
options:
  reason:
    description: Why the controls do not apply, for example C(Apache is not installed).
    type: str
    required: true
  whole_role:
    description: Whether every control of the calling role is meant, or only the task's control.
    type: bool
    default: true
attributes:
  action:
    support: full
    description: Runs as an action plugin on the controller.
  check_mode:
    support: full
    description: Nothing changes in either mode.
  diff_mode:
    support: none
    description: Nothing changes, so there is nothing to show.
seealso:
  - module: sysfix.hardening.apache_info
"""

EXAMPLES = r"""
- name: Skip the web controls on a host without Apache
  sysfix.hardening.not_applicable:
    reason: Apache is not installed
  when: not apache.installed

- name: Stop the role there
  ansible.builtin.meta: end_role
  when: not apache.installed
"""

RETURN = r"""
sysfix_not_applicable:
  description: The reason, as the compliance report shows it.
  returned: always
  type: str
  sample: Apache is not installed
"""
