#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sysfix.hardening contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: mail_queue
short_description: Read the mail queue, group deferred mail, and spot mistyped domains
version_added: 0.1.0
description:
  - Runs C(mailq) (sendmail, or Postfix's C(mailq)), C(postqueue -p) or C(postqueue -j) with
    C(LC_ALL=C) and returns every queued message (ID, size, time, sender, recipients, reason),
    the totals per queue, and the deferred recipients grouped by destination domain and reason.
  - Reads Debian's C(mailq), which lists the MSP (submission) queue and the MTA queue one after
    the other, each with its own C(Total requests), and several queue directories
    (C(QUEUE_DIR) with a wildcard). The flag after a sendmail queue ID is returned in RV(entries),
    C(*) being delivered (locked), C(-) too young to be retried, C(X) load average too high,
    C(?) lost; for Postfix C(*) active, C(!) on hold, C(#) forced to expire.
  - As in the runbook, where users wrote kebi.net for kebi.com and hanmail.com for hanmail.net,
    RV(typo_hints) names recipient domains that look like a typo of a domain mail really goes
    to (see O(known_domains)).
  - Only reads; changes nothing.
author:
  - sysfix.hardening maintainers (@sysfix)
extends_documentation_fragment:
  - sysfix.hardening.read_only
options:
  source:
    description:
      - V(mailq) runs C(mailq) and recognises sendmail's or Postfix's listing (package
        C(sendmail-bin), or C(postfix)).
      - V(postqueue) runs C(postqueue -p) and V(postqueue_json) runs C(postqueue -j) (package
        C(postfix)); C(-j) names the queue (incoming, active, deferred, hold) of every message.
    type: str
    choices: [mailq, postqueue, postqueue_json]
    default: mailq
  known_domains:
    description:
      - Domains known to be right, such as the domains of the organisation's correspondents or
        of mail delivered recently. A queued recipient domain one letter away from one of these,
        or the same name under another top-level domain (kebi.net for kebi.com), is a typo hint.
      - Without it, hints come from the queue itself, a domain one letter away from a domain
        that more queued mail goes to, or that senders of queued mail use.
    type: list
    elements: str
    default: []
  entries:
    description:
      - Return every message in RV(entries). Set to V(false) for a large queue when only the
        totals and groups matter.
    type: bool
    default: true
notes:
  - sendmail cuts senders and recipients at 45 characters (38 with C(-v)) and reasons at about
    60; such an entry has C(truncated=true), and its cut domain is not used for typo hints.
  - Reading the whole queue needs root, or membership of the queue's group (C(smmsp) for
    sendmail's MSP queue); run it with C(become=true).
seealso:
  - module: sysfix.hardening.mail_stats
  - plugin: sysfix.hardening.mailq
    plugin_type: filter
"""

EXAMPLES = r"""
- name: Read the queue
  sysfix.hardening.mail_queue:
    known_domains: [example.com, example.net]
  become: true
  register: queue

- name: Report stuck mail per destination
  ansible.builtin.debug:
    msg: "{{ item.recipients }} recipient(s) at {{ item.domain }}: {{ item.reason }}"
  loop: "{{ queue.deferred }}"

- name: Warn about mistyped domains
  ansible.builtin.debug:
    msg: "{{ item.domain }} looks like {{ item.looks_like }} ({{ item.recipients }} recipient(s))"
  loop: "{{ queue.typo_hints }}"

- name: Postfix, with the queue of every message
  sysfix.hardening.mail_queue:
    source: postqueue_json
    entries: false
  become: true
"""

RETURN = r"""
command:
  description: The command that was run.
  returned: always
  type: list
  elements: str
  sample: ["/usr/bin/mailq"]
format:
  description: Which listing was read, V(sendmail), V(postfix) or V(postfix_json).
  returned: always
  type: str
  sample: sendmail
entries:
  description:
    - Every queued message (empty when O(entries=false)).
    - C(queue) is the queue directory (sendmail) or the queue name (Postfix); C(section) is
      V(MSP) or V(MTA) in Debian's listing; C(flag) and C(status) as described above;
      C(reason) is the delay reason (sendmail has one per message, Postfix one per recipient,
      given in C(recipients)); C(arrival_time) (epoch seconds) is there for C(postqueue -j) only.
  returned: always
  type: list
  elements: dict
  sample:
    - queue: /var/spool/mqueue
      section: MTA
      id: 6AS01KmH000862
      flag: ""
      status: queued
      size: 6
      time: Sat Nov 28 00:01
      sender: alice@mail.sysfix.test
      recipients: [{"address": "frank@exmaple.com", "domain": "exmaple.com",
                    "reason": "Deferred: Name server: exmaple.com: host name lookup failure"}]
      reason: "Deferred: Name server: exmaple.com: host name lookup failure"
      truncated: false
queues:
  description: Per queue, the messages, recipients and bytes listed, and the count the tool printed (null when it printed none).
  returned: always
  type: dict
  sample: {"/var/spool/mqueue": {"section": "MTA", "requests": 15, "recipients": 20, "size": 231076, "reported_requests": 15}}
sections:
  description: sendmail's C(Total requests) per part of Debian's listing.
  returned: always
  type: dict
  sample: {"MSP": {"reported_requests": 0}, "MTA": {"reported_requests": 15}}
total:
  description: Messages, recipients, deferred recipients and bytes in all queues, and the total the tool printed.
  returned: always
  type: dict
  sample: {"requests": 15, "recipients": 20, "deferred_recipients": 20, "size": 231076, "reported_requests": 15}
deferred:
  description: Recipients with a delay reason, grouped by domain and reason, most recipients first.
  returned: always
  type: list
  elements: dict
  sample: [{"domain": "example.net", "reason": "Deferred: Name server: example.net: host name lookup failure", "recipients": 6, "messages": 6}]
domains:
  description: Recipients per domain, and how many of them are deferred.
  returned: always
  type: dict
  sample: {"example.com": {"recipients": 4, "deferred": 4}}
typo_hints:
  description: Recipient domains that look like a typo, what they look like, and why.
  returned: always
  type: list
  elements: dict
  sample: [{"domain": "exmaple.com", "looks_like": "example.com", "why": "one edit away", "recipients": 2, "candidate_known": true}]
errors:
  description: Messages of the tool itself found in its output (for example a permission problem).
  returned: always
  type: list
  elements: str
  sample: []
lines:
  description: Lines read.
  returned: always
  type: int
  sample: 60
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

from ansible_collections.sysfix.hardening.plugins.module_utils.mail_queue import parse_mail_queue

COMMANDS = {
    # source: (program, arguments, format, Debian package)
    "mailq": ("mailq", [], "auto", "sendmail-bin (or postfix)"),
    "postqueue": ("postqueue", ["-p"], "postfix", "postfix"),
    "postqueue_json": ("postqueue", ["-j"], "postfix_json", "postfix"),
}


def main():
    module = AnsibleModule(
        argument_spec=dict(
            source=dict(type="str", choices=list(COMMANDS), default="mailq"),
            known_domains=dict(type="list", elements="str", default=[]),
            entries=dict(type="bool", default=True),
        ),
        supports_check_mode=True,
    )
    program, arguments, fmt, package = COMMANDS[module.params["source"]]
    binary = module.get_bin_path(program)
    if binary is None:
        module.fail_json(msg="%s is not installed on this host: install the Debian package %s"
                         % (program, package))
    command = [binary] + arguments
    rc, out, err = module.run_command(command, environ_update={"LC_ALL": "C"})
    if rc != 0:
        module.fail_json(msg="%s failed (rc=%d): %s" % (" ".join(command), rc,
                                                        (err or out).strip()), rc=rc, command=command)
    result = parse_mail_queue(out, fmt=fmt, known_domains=module.params["known_domains"],
                              with_entries=module.params["entries"])
    if err.strip():
        result["errors"].extend(line for line in err.strip().splitlines() if line.strip())
    if result["malformed_count"]:
        module.warn("%d line(s) of %s could not be understood; see malformed"
                    % (result["malformed_count"], " ".join(command)))
    module.exit_json(changed=False, command=command, **result)


if __name__ == "__main__":
    main()
