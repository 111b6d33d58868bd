# -*- coding: utf-8 -*-
# Copyright: sysfix.hardening contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure helpers of the sendmail_status module: the runbook's two ways to see
whether sendmail is alive (its process title, its banner on port 25) and why
it stops (load average over RefuseLA, a full spool).
"""

from __future__ import annotations

import re

_OPTION = re.compile(r"^O\s+([A-Za-z][A-Za-z0-9]*)\s*=\s*(.*?)\s*$")
_LOAD = re.compile(r"load average:\s*([0-9.]+)")

# sendmail's defaults when sendmail.cf leaves them unset (conf.c): QueueLA is
# 8 and RefuseLA 12, each times the number of online processors.
LA_DEFAULT_PER_CPU = {"QueueLA": 8, "RefuseLA": 12}


def cf_options(text):
    """The ``O Name=value`` options of a sendmail.cf, the last one winning; comments ignored.

    Repeatable options (``DaemonPortOptions``) are also given as a list under
    ``NAME[]``.
    """
    options = {}
    for line in text.splitlines():
        match = _OPTION.match(line)
        if not match:
            continue
        name, value = match.group(1), match.group(2)
        options[name] = value
        options.setdefault(name + "[]", []).append(value)
    return options


def load_limits(options, cpus):
    """RefuseLA and QueueLA in force: ``{name: {"value": N, "source": "sendmail.cf" or "default"}}``."""
    limits = {}
    for name, per_cpu in LA_DEFAULT_PER_CPU.items():
        raw = options.get(name)
        value = None
        if raw is not None:
            try:
                value = int(raw)
            except ValueError:
                value = None
        if value is None or value <= 0:
            limits[name] = {"value": per_cpu * max(1, cpus), "source": "default (%d x %d CPUs)" % (per_cpu, cpus)}
        else:
            limits[name] = {"value": value, "source": "sendmail.cf"}
    return limits


def classify_title(title):
    """What a sendmail process title says.

    ``sendmail: MTA: accepting connections`` is the listening daemon in good
    health; ``sendmail: MTA: rejecting connections on daemon MTA: load
    average: 30`` is the daemon refusing mail; others are queue runners and
    sessions. Returns ``{"role", "state", "load"}``; None when the title is
    not sendmail's.
    """
    if not title.startswith("sendmail: "):
        return None
    rest = title[len("sendmail: "):]
    role = ""
    head, sep, tail = rest.partition(": ")
    if sep and head in ("MTA", "MSP"):
        role, rest = head, tail
    if rest.startswith("accepting connections"):
        state = "accepting"
    elif rest.startswith("rejecting connections"):
        state = "rejecting"
    elif rest.lower().startswith("queue runner") or "from queue" in rest:
        state = "queue"
    else:
        state = "other"
    load = _LOAD.search(rest)
    return {"role": role, "state": state, "load": float(load.group(1)) if load else None}


def banner_reply(lines):
    """The SMTP greeting among the lines a server sent: ``{"code": 220, "text": ...}``, or None.

    A greeting may span lines (``220-...`` then ``220 ...``); its text is the
    first line's.
    """
    match = re.match(r"^(\d{3})[ -](.*)$", lines[0]) if lines else None
    if not match:
        return None
    return {"code": int(match.group(1)), "text": match.group(2).strip()}


def parse_loadavg(text):
    """The 1, 5 and 15 minute load averages of /proc/loadavg."""
    return [float(value) for value in text.split()[:3]]
