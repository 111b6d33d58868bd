# -*- coding: utf-8 -*-
# Copyright: sysfix.hardening contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: compliance_summary
type: aggregate
short_description: A table of hosts and controls at the end of a run, compliant or drifted
version_added: 0.1.0
description:
  - Groups the results of this collection's roles by host and by control. A control is one
    area of a role, the one its tag C(ROLE_CONTROL) names (for example C(syncookies_live)).
  - In check mode a control is C(compliant) when no task of it would change anything,
    C(drifted) when one would, and C(error) when one failed or the host was unreachable.
  - In a normal run the states are C(unchanged), C(changed) and C(error).
  - A control whose tasks were all skipped (its C(_enabled) switch is off) is C(not applied).
  - Prints nothing for tasks outside a role or without a control tag.
author:
  - sysfix.hardening maintainers (@sysfix)
requirements:
  - Enable it with C(callbacks_enabled = sysfix.hardening.compliance_summary) in C(ansible.cfg)
    or C(ANSIBLE_CALLBACKS_ENABLED).
"""

from ansible import context
from ansible.plugins.callback import CallbackBase

STATE_ORDER = ("error", "drifted", "changed", "compliant", "unchanged", "not applied")


def control_of(task):
    """Return (role, control) for a task of a role with a control tag, else None."""
    role = getattr(task, "_role", None)
    if role is None:
        return None
    name = role.get_name(include_role_fqcn=False)
    prefix = name + "_"
    for tag in task.tags:
        if tag.startswith(prefix) and len(tag) > len(prefix):
            return name, tag[len(prefix):]
    return None


class CallbackModule(CallbackBase):
    """Collect per host and control whether anything changed, would change or failed."""

    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "sysfix.hardening.compliance_summary"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        # {host: {(role, control): {"ran": bool, "changed": bool, "failed": bool}}}
        self.controls = {}
        self.unreachable = set()

    def _record(self, result, ran=True, changed=False, failed=False):
        key = control_of(result._task)
        if key is None:
            return
        host = result._host.get_name()
        state = self.controls.setdefault(host, {}).setdefault(
            key, {"ran": False, "changed": False, "failed": False}
        )
        state["ran"] = state["ran"] or ran
        state["changed"] = state["changed"] or changed
        state["failed"] = state["failed"] or failed

    def v2_runner_on_ok(self, result):
        self._record(result, changed=bool(result._result.get("changed")))

    def v2_runner_on_skipped(self, result):
        self._record(result, ran=False)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record(result, failed=not ignore_errors)

    def v2_runner_on_unreachable(self, result):
        self.unreachable.add(result._host.get_name())
        self._record(result, failed=True)

    @staticmethod
    def state(record, check_mode):
        if record["failed"]:
            return "error"
        if not record["ran"]:
            return "not applied"
        if check_mode:
            return "drifted" if record["changed"] else "compliant"
        return "changed" if record["changed"] else "unchanged"

    def v2_playbook_on_stats(self, stats):
        if not self.controls and not self.unreachable:
            return
        check_mode = bool(context.CLIARGS.get("check"))
        title = "COMPLIANCE SUMMARY (check mode: nothing was changed)" if check_mode else "HARDENING SUMMARY"
        rows = []
        for host in sorted(set(self.controls) | self.unreachable):
            for (role, control), record in sorted(self.controls.get(host, {}).items()):
                rows.append((host, "%s / %s" % (role, control), self.state(record, check_mode)))
            if host in self.unreachable and not self.controls.get(host):
                rows.append((host, "(host unreachable)", "error"))
        host_width = max(len("host"), *(len(row[0]) for row in rows))
        control_width = max(len("control"), *(len(row[1]) for row in rows))
        self._display.banner(title)
        self._display.display("%-*s  %-*s  %s" % (host_width, "host", control_width, "control", "state"))
        for host, control, state in rows:
            color = {"error": "red", "drifted": "yellow", "changed": "yellow", "not applied": None}.get(state, "green")
            self._display.display(
                "%-*s  %-*s  %s" % (host_width, host, control_width, control, state), color=color
            )
        counts = {}
        for _host, _control, state in rows:
            counts[state] = counts.get(state, 0) + 1
        self._display.display(
            "total: " + ", ".join("%d %s" % (counts[s], s) for s in STATE_ORDER if s in counts)
        )
