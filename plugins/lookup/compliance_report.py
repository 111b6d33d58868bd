# -*- coding: utf-8 -*-
# Copyright: sysfix.hardening contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: compliance_report
version_added: 0.1.0
short_description: The compliance report of the run so far
description:
  - Returns what the C(sysfix.hardening.compliance_summary) callback recorded in this run, per
    host and control - state (compliant, drifted, not applicable, error), the diff of a drifted
    control, the reason a control does not apply, the runbook answer it implements.
  - The callback must be enabled; without it the lookup fails and says how to enable it.
  - Used by the playbook C(sysfix.hardening.compliance) to write its JSON and HTML reports.
author:
  - sysfix.hardening maintainers (@sysfix)
options:
  _terms:
    description: Not used.
    required: false
  format:
    description: C(data) for the report as data, C(text) for the table, C(html) for the page.
    type: str
    choices: [data, text, html]
    default: data
  check_mode:
    description: Label states as a check-mode run does (compliant, drifted) or as a normal run (unchanged, changed).
    type: bool
    default: true
"""

EXAMPLES = r"""
- name: Write the HTML report
  ansible.builtin.copy:
    dest: /tmp/compliance.html
    content: "{{ lookup('sysfix.hardening.compliance_report', format='html') }}"
    mode: "0644"
  delegate_to: localhost
"""

RETURN = r"""
_raw:
  description: The report (one element) as data, text or HTML, as O(format) says.
  type: list
  elements: raw
"""

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase

from ansible_collections.sysfix.hardening.plugins.module_utils import compliance


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        recorder = compliance.RECORDER
        if recorder is None:
            raise AnsibleLookupError(
                "nothing was recorded: enable the callback with "
                "ANSIBLE_CALLBACKS_ENABLED=sysfix.hardening.compliance_summary "
                "(or callbacks_enabled in ansible.cfg; in AWX, in the project's ansible.cfg "
                "or the job template's environment)"
            )
        report = compliance.build_report(recorder, self.get_option("check_mode"))
        output = self.get_option("format")
        if output == "text":
            return [compliance.render_table(report)]
        if output == "html":
            return [compliance.render_html(report)]
        return [report]
