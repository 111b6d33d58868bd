# -*- coding: utf-8 -*-
# Copyright: sysfix.hardening contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: health_report
short_description: The summary lines of a health playbook, one check per line
version_added: 0.1.0
author:
  - sysfix.hardening maintainers (@sysfix)
description:
  - Turns the checks of a health playbook (C(mail_health), C(pop3_health), C(web_health),
    C(system_sanity)) into readable lines - a first line with the verdict and the counts, then one
    line per check, C(STATUS  check  detail), with the check names aligned.
  - The verdict is V(FAIL) when any check has the status V(FAIL), otherwise V(PASS). V(SKIP) (a check
    that could not be judged) and V(INFO) (a report, not a check) do not fail.
positional: title, host
options:
  _input:
    description: The checks, each a dict with C(check) (name), C(status) (V(PASS), V(FAIL), V(SKIP), V(INFO)) and C(detail).
    type: list
    elements: dict
    required: true
  title:
    description: The playbook's name, for the first line.
    type: str
    required: true
  host:
    description: The host, for the first line.
    type: str
    required: true
"""

EXAMPLES = r"""
- name: Summary
  ansible.builtin.debug:
    msg: "{{ checks | sysfix.hardening.health_report('web_health', inventory_hostname) }}"
"""

RETURN = r"""
_value:
  description: The lines, verdict first.
  type: list
  elements: str
  sample:
    - "web_health on web1: FAIL (3 passed, 1 failed)"
    - "PASS  Apache running    MPM event, active"
    - "FAIL  configtest        AH00526: Syntax error on line 2 of /etc/apache2/conf-enabled/broken.conf"
"""

from ansible.errors import AnsibleFilterError

STATUSES = ("PASS", "FAIL", "SKIP", "INFO")


def health_report(checks, title, host):
    """See DOCUMENTATION."""
    if not isinstance(checks, (list, tuple)):
        raise AnsibleFilterError("health_report expects a list of checks, not %s" % type(checks).__name__)
    rows = []
    for check in checks:
        if not isinstance(check, dict) or "check" not in check or "status" not in check:
            raise AnsibleFilterError("health_report: every check needs check and status, got %r" % (check,))
        status = str(check["status"]).strip().upper()
        if status not in STATUSES:
            raise AnsibleFilterError("health_report: status of %s must be one of %s, not %r"
                                     % (check["check"], ", ".join(STATUSES), check["status"]))
        detail = " ".join(str(check.get("detail", "")).split())
        rows.append((status, str(check["check"]), detail))
    counts = dict((status, sum(1 for row in rows if row[0] == status)) for status in STATUSES)
    parts = ["%d passed" % counts["PASS"], "%d failed" % counts["FAIL"]]
    if counts["SKIP"]:
        parts.append("%d skipped" % counts["SKIP"])
    verdict = "FAIL" if counts["FAIL"] else "PASS"
    width = max([len(name) for _status, name, _detail in rows] or [0])
    lines = ["%s on %s: %s (%s)" % (title, host, verdict, ", ".join(parts))]
    for status, name, detail in rows:
        lines.append(("%s  %s  %s" % (status, name.ljust(width), detail)).rstrip())
    return lines


class FilterModule:
    """The health_report filter."""

    def filters(self):
        return {"health_report": health_report}
