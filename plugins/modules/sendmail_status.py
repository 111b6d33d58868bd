#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sysfix.hardening contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: sendmail_status
short_description: Is sendmail alive and accepting mail, and what would make it stop
version_added: 0.1.0
description:
  - The runbook's two ways to tell - the daemon's process title (C(sendmail - MTA - accepting
    connections) or C(rejecting connections)) and a C(220) banner on port 25.
  - Reads C(RefuseLA) and C(QueueLA) from the live C(sendmail.cf) (sendmail's defaults, 12 and 8
    times the online processors, where it leaves them unset), the load average, C(QueueDirectory)
    and C(MinFreeBlocks) - the runbook's reasons for sendmail to stop taking mail.
  - Only reads; the banner check connects, reads the greeting and says C(QUIT).
author:
  - sysfix.hardening maintainers (@sysfix)
extends_documentation_fragment:
  - sysfix.hardening.read_only
options:
  cf_file:
    description: The live configuration.
    type: path
    default: /etc/mail/sendmail.cf
  host:
    description: Where the banner is read from.
    type: str
    default: 127.0.0.1
  port:
    description: The SMTP port.
    type: int
    default: 25
  timeout:
    description: Seconds to wait for the connection and the greeting.
    type: int
    default: 10
notes:
  - sendmail greets a client only after resolving it; on a host whose resolver hangs, the banner
    comes late. O(timeout) bounds the wait.
seealso:
  - module: sysfix.hardening.mail_queue
  - module: sysfix.hardening.filesystem_usage
"""

EXAMPLES = r"""
- name: Is sendmail accepting mail?
  sysfix.hardening.sendmail_status:
  register: sendmail

- name: Say so
  ansible.builtin.debug:
    msg: "{{ sendmail.daemon.title | default('no sendmail daemon') }}; banner {{ sendmail.banner.code }}"
"""

RETURN = r"""
processes:
  description: Every sendmail process, with its title and what the title says (role, state, load).
  returned: always
  type: list
  elements: dict
  sample: [{"pid": 172, "title": "sendmail: MTA: accepting connections", "role": "MTA", "state": "accepting", "load": null}]
daemon:
  description: The MTA's listening daemon (state V(accepting) or V(rejecting)), or an empty dict when none runs.
  returned: always
  type: dict
  sample: {"pid": 172, "title": "sendmail: MTA: accepting connections", "role": "MTA", "state": "accepting", "load": null}
accepting:
  description: Whether the daemon's title says it accepts connections.
  returned: always
  type: bool
banner:
  description: The greeting on O(host) and O(port) - C(code) and C(text), or C(error) when there was none.
  returned: always
  type: dict
  sample: {"code": 220, "text": "deb12.sysfix.test ESMTP Sendmail 8.17.1.9/8.17.1.9; Sat, 28 Nov 2026 01:02:03 GMT",
           "error": ""}
load:
  description: The 1, 5 and 15 minute load averages.
  returned: always
  type: list
  elements: float
cpus:
  description: Online processors, which sendmail's default load limits are multiplied by.
  returned: always
  type: int
refuse_la:
  description: The load average at which sendmail refuses connections, and where the value comes from.
  returned: always
  type: dict
  sample: {"value": 24, "source": "default (12 x 2 CPUs)"}
queue_la:
  description: The load average at which sendmail only queues mail, and where the value comes from.
  returned: always
  type: dict
queue_directory:
  description: C(QueueDirectory) of the live configuration.
  returned: always
  type: str
  sample: /var/spool/mqueue
min_free_blocks:
  description: C(MinFreeBlocks) - sendmail refuses mail when the queue's file system has fewer free blocks.
  returned: always
  type: int
  sample: 100
cf_found:
  description: Whether O(cf_file) could be read.
  returned: always
  type: bool
"""

import os
import socket

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.sysfix.hardening.plugins.module_utils.sendmail_status import (
    banner_reply,
    cf_options,
    classify_title,
    load_limits,
    parse_loadavg,
)


def read(path, mode="r"):
    with open(path, mode) as handle:
        return handle.read()


def sendmail_processes():
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            title = read("/proc/%s/cmdline" % pid, "rb").split(b"\0")[0].decode("utf-8", "replace").strip()
        except (IOError, OSError):
            continue
        what = classify_title(title)
        if what is not None:
            what.update(pid=int(pid), title=title)
            found.append(what)
    return sorted(found, key=lambda p: p["pid"])


def read_banner(host, port, timeout):
    """The greeting, then QUIT. Returns (lines, error)."""
    try:
        sock = socket.create_connection((host, port), timeout=timeout)
    except (OSError, socket.timeout) as exc:
        return [], "cannot connect to %s:%d: %s" % (host, port, exc)
    data = b""
    try:
        # Read until the last line of the greeting ("220 ..." after any "220-...").
        while not any(line[3:4] == b" " for line in data.split(b"\r\n") if len(line) > 3):
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
            if len(data) > 65536:
                break
        try:
            sock.sendall(b"QUIT\r\n")
        except OSError:
            pass
    except (OSError, socket.timeout) as exc:
        return data.decode("utf-8", "replace").splitlines(), "no greeting from %s:%d within %ds: %s" % (
            host, port, timeout, exc)
    finally:
        sock.close()
    lines = data.decode("utf-8", "replace").splitlines()
    return lines, "" if lines else "%s:%d closed the connection without a greeting" % (host, port)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            cf_file=dict(type="path", default="/etc/mail/sendmail.cf"),
            host=dict(type="str", default="127.0.0.1"),
            port=dict(type="int", default=25),
            timeout=dict(type="int", default=10),
        ),
        supports_check_mode=True,
    )
    params = module.params
    try:
        options = cf_options(read(params["cf_file"]))
        cf_found = True
    except (IOError, OSError):
        options, cf_found = {}, False
    cpus = os.sysconf("SC_NPROCESSORS_ONLN")
    limits = load_limits(options, cpus)
    processes = sendmail_processes()
    daemons = [p for p in processes if p["state"] in ("accepting", "rejecting") and p["role"] != "MSP"]
    daemon = daemons[0] if daemons else {}
    lines, error = read_banner(params["host"], params["port"], params["timeout"])
    reply = banner_reply(lines) or {}
    if lines and not reply and not error:
        error = "not an SMTP greeting: %s" % lines[0][:200]
    try:
        min_free = int(options.get("MinFreeBlocks", "100"))
    except ValueError:
        min_free = 100
    module.exit_json(
        changed=False,
        processes=processes,
        daemon=daemon,
        accepting=daemon.get("state") == "accepting",
        banner={"code": reply.get("code"), "text": reply.get("text", ""), "error": error},
        load=parse_loadavg(read("/proc/loadavg")),
        cpus=cpus,
        refuse_la=limits["RefuseLA"],
        queue_la=limits["QueueLA"],
        queue_directory=options.get("QueueDirectory", "/var/spool/mqueue"),
        min_free_blocks=min_free,
        cf_found=cf_found,
    )


if __name__ == "__main__":
    main()
