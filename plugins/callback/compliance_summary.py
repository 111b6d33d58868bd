# -*- coding: utf-8 -*-
# Copyright: sysfix.hardening contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: compliance_summary
type: aggregate
short_description: Record every control's result; a table of hosts and controls at the end
version_added: 0.1.0
description:
  - Records the results of this collection's roles by host and by control. A control is one
    area of a role, the one its tag C(ROLE_CONTROL) names (for example C(syncookies_live)).
  - In check mode a control is C(compliant) when no task of it would change anything,
    C(drifted) when one would (with the diff), C(error) when one failed or the host was
    unreachable, and C(not applicable) when it cannot apply to the host (with the reason) or
    its C(_enabled) switch is off. In a normal run the states are C(unchanged), C(changed),
    C(error) and C(not applicable).
  - Prints the table at the end of the run. In a run of C(sysfix.hardening.compliance), which
    writes its own report from what this callback recorded (lookup
    C(sysfix.hardening.compliance_report)), it prints nothing itself.
author:
  - sysfix.hardening maintainers (@sysfix)
requirements:
  - Enable it with C(callbacks_enabled = sysfix.hardening.compliance_summary) in C(ansible.cfg)
    or C(ANSIBLE_CALLBACKS_ENABLED).
"""

from ansible import context
from ansible.plugins.callback import CallbackBase

from ansible_collections.sysfix.hardening.plugins.module_utils import compliance


def control_of(task):
    """Return (role, control) for a task of a role with a control tag, else None."""
    role = role_of(task)
    if role is None:
        return None
    prefix = role + "_"
    for tag in task.tags:
        if tag.startswith(prefix) and len(tag) > len(prefix):
            return role, tag[len(prefix):]
    return None


def role_of(task):
    role = getattr(task, "_role", None)
    return None if role is None else role.get_name(include_role_fqcn=False)


class CallbackModule(CallbackBase):
    """Feed compliance.RECORDER; print its table when the run ends."""

    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "sysfix.hardening.compliance_summary"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self.recorder = compliance.Recorder()
        compliance.RECORDER = self.recorder
        self.compliance_run = False

    def v2_playbook_on_play_start(self, play):
        play_vars = play.vars or {}
        if play_vars.get("sysfix_compliance_run") in (True, "true", "True", "yes"):
            self.compliance_run = True

    def _record(self, result, status):
        task = result._task
        host = result._host.get_name()
        data = result._result
        if data.get("sysfix_not_applicable") and data.get("sysfix_role_not_applicable"):
            self.recorder.record_not_applicable(host, role_of(task), data["sysfix_not_applicable"])
            return
        key = control_of(task)
        if key is None:
            return
        self.recorder.record(host, key[0], key[1], data, status, task.get_name(include_role_fqcn=False))

    def v2_runner_on_ok(self, result):
        self._record(result, "ok")

    def v2_runner_on_skipped(self, result):
        self._record(result, "skipped")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record(result, "ok" if ignore_errors else "failed")

    def v2_runner_on_unreachable(self, result):
        self.recorder.record_unreachable(result._host.get_name(), result._result.get("msg", "unreachable"))

    def v2_playbook_on_stats(self, stats):
        if self.compliance_run or not (self.recorder.controls or self.recorder.unreachable):
            return
        check_mode = bool(context.CLIARGS.get("check"))
        report = compliance.build_report(self.recorder, check_mode)
        self._display.banner(
            "COMPLIANCE SUMMARY (check mode: nothing was changed)" if check_mode else "HARDENING SUMMARY"
        )
        for line in compliance.render_table(report).splitlines():
            self._display.display(line)
