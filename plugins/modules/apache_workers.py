#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sysfix.hardening contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: apache_workers
short_description: How close Apache is to MaxRequestWorkers
version_added: 0.1.0
description:
  - The runbook's "256 httpd processes" question for Apache 2.4 - reads C(MaxRequestWorkers) (or the
    old C(MaxClients)), C(ServerLimit) and C(ThreadsPerChild) from the configuration files of Debian's
    layout in the order Apache reads them, for the enabled MPM, with Apache's defaults where they are
    not set.
  - Reads the busy and idle workers from mod_status (C(server-status?auto)) on the host itself, and
    counts the C(apache2) processes.
  - Only reads; changes nothing.
author:
  - sysfix.hardening maintainers (@sysfix)
extends_documentation_fragment:
  - sysfix.hardening.read_only
options:
  config_dir:
    description: Apache's configuration directory.
    type: path
    default: /etc/apache2
  status_url:
    description:
      - mod_status's machine-readable page. Debian enables mod_status for requests from the host
        itself. Empty - do not ask; RV(busy_workers) is then null.
    type: str
    default: http://127.0.0.1/server-status?auto
  timeout:
    description: Seconds to wait for the status page.
    type: int
    default: 5
notes:
  - Directives are read from C(apache2.conf), C(mods-enabled/*.conf), C(ports.conf),
    C(conf-enabled/*.conf) and C(sites-enabled/*.conf); an C(Include) elsewhere is not followed.
    RV(max_request_workers_source) says which file and line the value came from.
seealso:
  - module: sysfix.hardening.apache_info
  - module: sysfix.hardening.connection_stats
"""

EXAMPLES = r"""
- name: Worker use against MaxRequestWorkers
  sysfix.hardening.apache_workers:
  register: workers

- name: Warn at 90 percent
  ansible.builtin.debug:
    msg: "{{ workers.busy_workers }} of {{ workers.max_request_workers }} workers busy"
  when: (workers.use_percent or 0) >= 90
"""

RETURN = r"""
mpm:
  description: The enabled MPM, null unless exactly one is enabled.
  returned: always
  type: str
  sample: event
max_request_workers:
  description: The number of requests Apache serves at once (MaxRequestWorkers, capped at ServerLimit x ThreadsPerChild).
  returned: always
  type: int
  sample: 150
max_request_workers_source:
  description: Where the value came from, C(file:line) or C(default).
  returned: always
  type: str
  sample: /etc/apache2/mods-enabled/mpm_event.conf:14
limits:
  description: MaxRequestWorkers, ServerLimit and ThreadsPerChild with their sources.
  returned: always
  type: dict
busy_workers:
  description: Workers serving a request now, from mod_status; null when the page could not be read.
  returned: always
  type: int
  sample: 43
idle_workers:
  description: Idle workers, from mod_status.
  returned: always
  type: int
use_percent:
  description: Busy workers as a percentage of RV(max_request_workers), null without mod_status.
  returned: always
  type: float
  sample: 28.7
scoreboard:
  description: Worker slots per state from mod_status's scoreboard (reading, sending, keepalive, waiting...).
  returned: always
  type: dict
status_error:
  description: Why the status page could not be read, empty when it was.
  returned: always
  type: str
processes:
  description: Running C(apache2) processes (the runbook counted httpd processes).
  returned: always
  type: int
"""

import glob
import os

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.urls import open_url

from ansible_collections.sysfix.hardening.plugins.module_utils.apache_status import (
    debian_config_files,
    mpm_limits,
    parse_server_status,
)


def read(path):
    with open(path) as handle:
        return handle.read()


def count_processes(name="apache2"):
    count = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            if read("/proc/%s/comm" % pid).strip() == name:
                count += 1
        except (IOError, OSError):
            continue
    return count


def main():
    module = AnsibleModule(
        argument_spec=dict(
            config_dir=dict(type="path", default="/etc/apache2"),
            status_url=dict(type="str", default="http://127.0.0.1/server-status?auto"),
            timeout=dict(type="int", default=5),
        ),
        supports_check_mode=True,
    )
    config_dir = module.params["config_dir"]
    if not os.path.isdir(config_dir):
        module.fail_json(msg="%s does not exist: is Apache (Debian's apache2 package) installed?" % config_dir)
    mpms = sorted(os.path.basename(p)[len("mpm_"):-len(".load")]
                  for p in glob.glob(os.path.join(config_dir, "mods-enabled", "mpm_*.load")))
    mpm = mpms[0] if len(mpms) == 1 else None

    names = []
    for pattern in ("apache2.conf", "ports.conf", "mods-enabled/*.conf", "conf-enabled/*.conf",
                    "sites-enabled/*.conf"):
        names.extend(os.path.relpath(p, config_dir) for p in glob.glob(os.path.join(config_dir, pattern)))
    files = []
    for name in debian_config_files(names):
        path = os.path.join(config_dir, name)
        try:
            files.append((path, read(path)))
        except (IOError, OSError):
            # A dangling link in *-enabled: Apache would refuse to start; configtest says so.
            continue
    limits = mpm_limits(files, mpm or "event")

    status, status_error = {}, ""
    if module.params["status_url"]:
        try:
            response = open_url(module.params["status_url"], timeout=module.params["timeout"],
                                validate_certs=False, follow_redirects="none")
            status = parse_server_status(response.read().decode("utf-8", "replace"))
        except Exception as exc:  # pylint: disable=broad-except
            # Any failure (refused, 403, a page that is not mod_status) leaves
            # the limit known and the use unknown; the message says why.
            status_error = "%s: %s" % (module.params["status_url"], exc)

    maximum = limits["effective_max_request_workers"]
    busy = status.get("BusyWorkers")
    module.exit_json(
        changed=False,
        mpm=mpm,
        max_request_workers=maximum,
        max_request_workers_source=limits["MaxRequestWorkers"]["source"],
        limits=dict((k, v) for k, v in limits.items() if k != "effective_max_request_workers"),
        busy_workers=busy,
        idle_workers=status.get("IdleWorkers"),
        use_percent=round(100.0 * busy / maximum, 1) if busy is not None and maximum else None,
        scoreboard=status.get("scoreboard", {}),
        status_error=status_error,
        processes=count_processes(),
    )


if __name__ == "__main__":
    main()
