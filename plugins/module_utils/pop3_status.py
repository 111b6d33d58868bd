# -*- coding: utf-8 -*-
# Copyright: sysfix.hardening contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure helpers of the pop3_status module: the runbook's checklist for "mail
cannot be fetched" - the POP3 line of inetd.conf (commented out, disabled by
update-inetd, its nowait.N start limit), inetd's "looping" message when that
limit was hit, the TCP wrappers' verdict, and the POP3 dialogue itself.
"""

from __future__ import annotations

import posixpath
import re

POP3_SERVICES = ("pop3", "pop-3", "110")
# openbsd-inetd's default start limit per minute (inetd.c TOOMANY) when the
# line says plain "nowait".
OPENBSD_INETD_DEFAULT_LIMIT = 256
_OFF = "#<off>#"


def parse_inetd(text, services=POP3_SERVICES):
    """The lines of an inetd.conf that run one of ``services`` (also commented or disabled ones).

    Each is ``{"line", "state", "service", "socket_type", "protocol", "wait",
    "max_per_minute", "user", "server", "arguments", "daemon", "text"}``;
    ``state`` is ``enabled``, ``off`` (disabled by update-inetd, ``#<off>#``)
    or ``commented``; ``daemon`` is the program TCP wrappers know it by (the
    one tcpd starts, when the server is tcpd).
    """
    entries = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        state = "enabled"
        if line.startswith(_OFF):
            state, line = "off", line[len(_OFF):].strip()
        elif line.startswith("#"):
            state, line = "commented", line.lstrip("#").strip()
        fields = line.split()
        if len(fields) < 6:
            continue
        service = fields[0].rsplit(":", 1)[-1]
        if service not in services or fields[1] != "stream":
            continue
        wait, _dot, limit = fields[3].partition(".")
        try:
            max_per_minute = int(limit.split("/")[0]) if limit else None
        except ValueError:
            max_per_minute = None
        server, arguments = fields[5], fields[6:]
        program = arguments[0] if posixpath.basename(server) == "tcpd" and arguments else server
        entries.append({
            "line": number,
            "state": state,
            "service": service,
            "socket_type": fields[1],
            "protocol": fields[2],
            "wait": wait,
            "max_per_minute": max_per_minute,
            "user": fields[4],
            "server": server,
            "arguments": arguments,
            "daemon": posixpath.basename(program),
            "text": raw,
        })
    return entries


def looping_messages(lines, services=POP3_SERVICES):
    """inetd's messages that it stopped a service for starting too often (``server failing (looping)``)."""
    pattern = re.compile(r"\b(%s)/tcp6? server failing \(looping\)" % "|".join(re.escape(s) for s in services))
    return [line for line in lines if pattern.search(line)]


def reply_ok(line):
    """Whether a POP3 reply is positive (``+OK``)."""
    return line.startswith("+OK")


def stat_reply(line):
    """``+OK 3 1204`` as ``{"messages": 3, "size": 1204}``, or None."""
    match = re.match(r"^\+OK (\d+) (\d+)", line)
    return {"messages": int(match.group(1)), "size": int(match.group(2))} if match else None


def tcpdmatch_access(output):
    """``granted`` or ``denied`` from tcpdmatch's output, or None when it said neither."""
    match = re.search(r"^access:\s+(granted|denied)\s*$", output, re.M)
    return match.group(1) if match else None


def wrapper_lines(text, daemon):
    """Rules of hosts.allow or hosts.deny that name ``daemon`` or ALL (continuation lines joined)."""
    joined = re.sub(r"\\\n", " ", text)
    found = []
    for line in joined.splitlines():
        rule = line.split("#", 1)[0].strip()
        if ":" not in rule:
            continue
        daemons = [d.strip() for d in re.split(r"[\s,]+", rule.split(":", 1)[0]) if d.strip()]
        if daemon in daemons or "ALL" in daemons:
            found.append(" ".join(rule.split()))
    return found


def process_start_epoch(stat_text, boot_epoch, clock_ticks):
    """When a process started (epoch seconds), from its /proc/PID/stat and the boot time (``btime``)."""
    fields = stat_text[stat_text.rindex(")") + 2:].split()
    # Field 22 of stat counts from 1 with the pid; after the name, starttime is the 20th.
    return boot_epoch + int(fields[19]) / float(clock_ticks)


def boot_epoch(proc_stat_text):
    """``btime`` of /proc/stat: when the system booted, in epoch seconds."""
    for line in proc_stat_text.splitlines():
        if line.startswith("btime "):
            return int(line.split()[1])
    raise ValueError("no btime line in /proc/stat")
