#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sysfix.hardening contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: mail_stats
short_description: Read sendmail's traffic statistics per mailer
version_added: 0.1.0
description:
  - Runs C(mailstats -P) (or C(mailstats)) with C(LC_ALL=C) and returns, per mailer, the messages
    and kilobytes received and sent, the messages rejected, discarded and quarantined, the totals
    (C(T)) and connections (C(C)) rows, and when counting started, numbers ready for graphing
    (the runbook mentions MRTG).
  - Debian's C(mailstats) reports the MSP (submission) and MTA statistics one after the other;
    they are returned as two sections, V(MSP) and V(MTA).
  - Only reads; changes nothing.
author:
  - sysfix.hardening maintainers (@sysfix)
extends_documentation_fragment:
  - sysfix.hardening.read_only
options:
  raw:
    description:
      - Run C(mailstats -P), whose start time comes as epoch seconds (RV(sections) C(start_epoch),
        with C(now_epoch) for the time of reading). With V(false), C(mailstats) as a person reads
        it, whose start time is local time text (C(start)).
    type: bool
    default: true
notes:
  - sendmail counts only while its statistics file exists (C(/var/lib/sendmail/sendmail.st) for the MTA,
    C(sm-client.st) for the MSP on Debian). A section without it has an entry in its C(errors) and no
    numbers; RV(missing_statistics) lists such sections.
  - Byte counts are kilobytes, as sendmail keeps them.
seealso:
  - module: sysfix.hardening.mail_queue
  - plugin: sysfix.hardening.mailstats
    plugin_type: filter
"""

EXAMPLES = r"""
- name: Read the statistics
  sysfix.hardening.mail_stats:
  become: true
  register: stats

- name: Messages the MTA delivered locally
  ansible.builtin.debug:
    msg: "{{ stats.sections.MTA.mailers.local.msgs_to }}"

- name: Rejected messages in all, since counting started
  ansible.builtin.debug:
    msg: "{{ stats.sections.MTA.totals.msgs_rejected }} since {{ stats.sections.MTA.start_epoch }}"
"""

RETURN = r"""
command:
  description: The command that was run.
  returned: always
  type: list
  elements: str
  sample: ["/usr/sbin/mailstats", "-P"]
format:
  description: V(mailstats -P) or V(mailstats); V(unknown) when no section had numbers.
  returned: always
  type: str
  sample: mailstats -P
sections:
  description:
    - Per section (V(MSP), V(MTA); V(mailstats) for a listing without Debian's titles) the start of
      counting (C(start) text or C(start_epoch)), C(now_epoch) (C(-P) only), C(mailers) by name, C(totals)
      and C(connections) (C(from), C(to), C(rejected)), and C(errors) of mailstats.
    - Each mailer and the totals have C(msgs_from), C(kbytes_from), C(msgs_to), C(kbytes_to),
      C(msgs_rejected), C(msgs_discarded) and C(msgs_quarantined) (null when sendmail has no
      quarantine column); a mailer also has its C(index).
  returned: always
  type: dict
  sample:
    MTA:
      start: null
      start_epoch: 1795824063
      now_epoch: 1795824150
      mailers:
        local: {"index": 3, "msgs_from": 23, "kbytes_from": 254, "msgs_to": 9, "kbytes_to": 9,
                "msgs_rejected": 0, "msgs_discarded": 0, "msgs_quarantined": 0}
        esmtp: {"index": 5, "msgs_from": 3, "kbytes_from": 3, "msgs_to": 0, "kbytes_to": 0,
                "msgs_rejected": 2, "msgs_discarded": 3, "msgs_quarantined": 0}
      totals: {"msgs_from": 26, "kbytes_from": 257, "msgs_to": 9, "kbytes_to": 9,
               "msgs_rejected": 2, "msgs_discarded": 3, "msgs_quarantined": 0}
      connections: {"from": 28, "to": 0, "rejected": 5}
      errors: []
missing_statistics:
  description: Sections for which mailstats found no statistics file.
  returned: always
  type: list
  elements: str
  sample: []
lines:
  description: Lines read.
  returned: always
  type: int
  sample: 12
malformed_count:
  description: Lines that could not be understood.
  returned: always
  type: int
  sample: 0
malformed:
  description: The first 50 lines that could not be understood, with their line numbers.
  returned: always
  type: list
  elements: dict
  sample: []
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.sysfix.hardening.plugins.module_utils.mail_stats import parse_mailstats


def main():
    module = AnsibleModule(
        argument_spec=dict(raw=dict(type="bool", default=True)),
        supports_check_mode=True,
    )
    binary = module.get_bin_path("mailstats")
    if binary is None:
        module.fail_json(msg="mailstats is not installed on this host: install the Debian package sendmail-bin")
    command = [binary] + (["-P"] if module.params["raw"] else [])
    rc, out, err = module.run_command(command, environ_update={"LC_ALL": "C"})
    if rc != 0:
        module.fail_json(msg="%s failed (rc=%d): %s" % (" ".join(command), rc, (err or out).strip()),
                         rc=rc, command=command)
    # Debian's wrapper prints a section title on stdout and mailstats' own error on
    # stderr; read together, each error lands in its section.
    result = parse_mailstats(out)
    stray = [line.strip() for line in err.splitlines() if line.strip()]
    if stray:
        _attach_errors(result, err)
    missing = sorted(name for name, section in result["sections"].items()
                     if section["errors"] and section["totals"] is None)
    if result["malformed_count"]:
        module.warn("%d line(s) of %s could not be understood; see malformed"
                    % (result["malformed_count"], " ".join(command)))
    module.exit_json(changed=False, command=command, missing_statistics=missing, **result)


def _attach_errors(result, err):
    """Put mailstats' errors (stderr) in the sections that have no numbers, in order."""
    errors = [line.strip() for line in err.splitlines() if line.strip()]
    empty = [name for name, section in result["sections"].items() if section["totals"] is None]
    for name, line in zip(empty, errors):
        result["sections"][name]["errors"].append(line)
    for line in errors[len(empty):]:
        result["sections"].setdefault("mailstats", {
            "start": None, "start_epoch": None, "now_epoch": None, "mailers": {},
            "totals": None, "connections": None, "errors": []})["errors"].append(line)


if __name__ == "__main__":
    main()
