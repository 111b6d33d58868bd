# -*- coding: utf-8 -*-
# Copyright: sysfix.hardening contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters for Apache configuration text."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.sysfix.hardening.plugins.module_utils.apache import customlog_exclude


def apache_customlog_exclude(text, env_name):
    """Add ``env=!ENV`` to each CustomLog line; see the filter's documentation."""
    if not isinstance(text, str):
        raise AnsibleFilterError("apache_customlog_exclude expects the text of a configuration file")
    new_text, skipped = customlog_exclude(text, env_name)
    return {"text": new_text, "skipped": [{"line": number, "text": line} for number, line in skipped]}


class FilterModule:
    """Apache configuration filters."""

    def filters(self):
        return {"apache_customlog_exclude": apache_customlog_exclude}
