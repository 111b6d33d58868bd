# -*- coding: utf-8 -*-
# Copyright: sysfix.hardening contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Mark a role's controls as not applicable to this host; see the module docs."""

from __future__ import annotations

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False
    _supports_check_mode = True

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        reason = self._task.args.get("reason")
        if not reason or not isinstance(reason, str):
            raise AnsibleActionFail("reason is required: say why the controls do not apply here")
        unknown = set(self._task.args) - {"reason", "whole_role"}
        if unknown:
            raise AnsibleActionFail("unknown options: %s" % ", ".join(sorted(unknown)))
        result.update(
            changed=False,
            msg="not applicable: %s" % reason,
            sysfix_not_applicable=reason,
            sysfix_role_not_applicable=bool(self._task.args.get("whole_role", True)),
        )
        return result
