# -*- coding: utf-8 -*-
# Copyright: sysfix.hardening contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the collection's filters share: taking a command's output as an
admin has it (registered stdout, or stdout_lines) and counting connections."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.sysfix.hardening.plugins.module_utils.connections import count_connections


def command_text(data, name, lines=True):
    """The output as a list of lines (``lines``) or as one text; a clear error otherwise."""
    if isinstance(data, (list, tuple)):
        data = [str(line) for line in data]
        return data if lines else "\n".join(data)
    if not isinstance(data, str):
        raise AnsibleFilterError(
            "%s expects the text of the command (a string or a list of lines), not %s" % (name, type(data).__name__)
        )
    return data


def connections_filter(name, source, data, local_ports=None, states=None, top=10, threshold=None,
                       exclude_peers=None, **source_options):
    """Count the connections in one tool's output, as the connection_stats module does."""
    try:
        return count_connections(command_text(data, name), source, local_ports=local_ports or [],
                                 states=states or [], top=top, threshold=threshold,
                                 exclude=exclude_peers or [], **source_options)
    except ValueError as exc:
        raise AnsibleFilterError("%s: %s" % (name, exc))
