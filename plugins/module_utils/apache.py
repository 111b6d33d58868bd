# -*- coding: utf-8 -*-
# Copyright: sysfix.hardening contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure helpers for Debian's Apache 2.4 configuration layout.

Nothing here touches the system: the apache_config module reads and writes,
these functions only compute, so they are unit-tested directly.
"""

from __future__ import annotations

import posixpath
import re

# apache2 -t prints these about the host name on a host without DNS, and
# apache2ctl adds a closing remark; none is the reason a configuration is refused.
_NOISE = re.compile(
    r"^(AH00557|AH00558|Syntax OK$|Action '[a-z]+' failed\.$|The Apache error log may have more information\.$)"
)
_CUSTOMLOG = re.compile(
    r"^(?P<indent>[ \t]*)CustomLog[ \t]+(?P<args>.*?)[ \t]*$", re.IGNORECASE
)


def module_dependencies(load_text):
    """Modules a ``NAME.load`` file says it needs (Debian's ``# Depends:`` line)."""
    for line in load_text.splitlines():
        match = re.match(r"^#\s*Depends:\s*(.*)$", line.strip())
        if match:
            return match.group(1).split()
    return []


def is_restart_path(path):
    """Whether a change to this file needs a full restart, not a graceful reload.

    The MPM's limits (ServerLimit, ThreadLimit) are only read at start-up.
    """
    return re.match(r"^mpm_[a-z]+\.(conf|load)$", posixpath.basename(path)) is not None


def configtest_error(output, shadow_dir=None, config_dir="/etc/apache2"):
    """The lines of ``apache2 -t`` output that say why it refused the configuration.

    Paths inside the scratch copy are shown as the live paths they stand for.
    """
    lines = []
    for line in output.splitlines():
        line = line.strip()
        if not line or _NOISE.match(line):
            continue
        if shadow_dir:
            line = line.replace(shadow_dir.rstrip("/"), config_dir.rstrip("/"))
        lines.append(line)
    return " ".join(lines) if lines else output.strip()


def error_files(message):
    """Configuration files named in an Apache error message."""
    return re.findall(r"(/[^\s:]+?\.conf)\b", message)


def split_customlog_args(args):
    """Split CustomLog arguments the way Apache does: quoted strings stay whole."""
    return re.findall(r'"(?:[^"\\]|\\.)*"|\S+', args)


def customlog_exclude(text, env_name):
    """Add ``env=!ENV`` to every CustomLog line of a configuration file.

    Returns ``(new_text, skipped)``: lines that already carry a condition
    (``env=...`` or ``expr=...``) other than ours cannot take a second one and
    are left as they are, listed in ``skipped`` as ``(line_number, line)``.
    Lines that already exclude ``env_name`` are left alone, so the result is
    stable when applied twice.
    """
    condition = "env=!" + env_name
    out = []
    skipped = []
    for number, line in enumerate(text.splitlines(True), start=1):
        body = line.rstrip("\r\n")
        ending = line[len(body):]
        match = _CUSTOMLOG.match(body)
        if not match or body.lstrip().startswith("#"):
            out.append(line)
            continue
        args = split_customlog_args(match.group("args"))
        conditions = [a for a in args[2:] if a.startswith(("env=", "expr="))]
        if condition in args:
            out.append(line)
        elif conditions or len(args) < 2:
            skipped.append((number, body))
            out.append(line)
        else:
            out.append(body.rstrip() + " " + condition + ending)
    return "".join(out), skipped
