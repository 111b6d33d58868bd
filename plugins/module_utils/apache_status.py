# -*- coding: utf-8 -*-
# Copyright: sysfix.hardening contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure helpers of the apache_workers module: Apache's worker limit from its
configuration, and worker use from mod_status.

The runbook's "256 httpd processes" was Apache 1.3's MaxClients; Apache 2.4
calls it MaxRequestWorkers (MaxClients still works) and the threaded MPMs
cap it at ServerLimit x ThreadsPerChild.
"""

from __future__ import annotations

import re

# Apache 2.4's compiled-in defaults (docs: mpm_common, event, worker, prefork).
MPM_DEFAULTS = {
    "event": {"ServerLimit": 16, "ThreadsPerChild": 25, "MaxRequestWorkers": 400},
    "worker": {"ServerLimit": 16, "ThreadsPerChild": 25, "MaxRequestWorkers": 400},
    "prefork": {"ServerLimit": 256, "ThreadsPerChild": 1, "MaxRequestWorkers": 256},
}
DIRECTIVES = ("MaxRequestWorkers", "ServerLimit", "ThreadsPerChild")
_ALIASES = {"maxclients": "MaxRequestWorkers", "maxrequestworkers": "MaxRequestWorkers",
            "serverlimit": "ServerLimit", "threadsperchild": "ThreadsPerChild"}
_LINE = re.compile(r"^\s*([A-Za-z]+)\s+(\d+)\s*(?:#.*)?$")
_OPEN = re.compile(r"^\s*<IfModule\s+(!?)\s*([^>\s]+)\s*>", re.IGNORECASE)
_CLOSE = re.compile(r"^\s*</IfModule\s*>", re.IGNORECASE)

# The scoreboard letters of mod_status (server-status?auto).
SCOREBOARD = {
    "_": "waiting", "S": "starting", "R": "reading", "W": "sending", "K": "keepalive",
    "D": "dns", "C": "closing", "L": "logging", "G": "finishing", "I": "idle_cleanup", ".": "open_slot",
}


def _module_matches(name, mpm):
    """Whether ``<IfModule name>`` holds for the given MPM; other modules are taken as loaded."""
    lowered = name.lower()
    for candidate in MPM_DEFAULTS:
        if lowered in ("mpm_%s_module" % candidate, "mpm_%s.c" % candidate, "%s.c" % candidate):
            return candidate == mpm
    return True


def mpm_limits(files, mpm):
    """The worker limits Apache uses, from configuration files in the order Apache reads them.

    ``files`` is a list of ``(path, text)``. A directive inside an
    ``<IfModule>`` for another MPM does not count; the last one read wins,
    as in Apache. Returns ``{directive: {"value": N, "source": "path:line"
    or "default"}}`` and ``effective_max_request_workers``, which the
    threaded MPMs cap at ServerLimit x ThreadsPerChild.
    """
    defaults = MPM_DEFAULTS.get(mpm, MPM_DEFAULTS["event"])
    found = {}
    for path, text in files:
        stack = []
        for number, line in enumerate(text.splitlines(), 1):
            opened = _OPEN.match(line)
            if opened:
                holds = _module_matches(opened.group(2), mpm)
                stack.append(holds != bool(opened.group(1)))
                continue
            if _CLOSE.match(line):
                if stack:
                    stack.pop()
                continue
            match = _LINE.match(line)
            if not match or not all(stack):
                continue
            directive = _ALIASES.get(match.group(1).lower())
            if directive:
                found[directive] = {"value": int(match.group(2)), "source": "%s:%d" % (path, number)}
    limits = {}
    for directive in DIRECTIVES:
        limits[directive] = found.get(directive, {"value": defaults[directive], "source": "default"})
    if "MaxRequestWorkers" not in found and mpm in ("event", "worker"):
        # Apache's default for the threaded MPMs is ServerLimit x ThreadsPerChild.
        limits["MaxRequestWorkers"] = {
            "value": limits["ServerLimit"]["value"] * limits["ThreadsPerChild"]["value"], "source": "default"}
    ceiling = limits["ServerLimit"]["value"] * (limits["ThreadsPerChild"]["value"] if mpm != "prefork" else 1)
    limits["effective_max_request_workers"] = min(limits["MaxRequestWorkers"]["value"], ceiling)
    return limits


def parse_server_status(text):
    """The fields of ``server-status?auto`` that tell worker use, with the scoreboard counted."""
    fields = {}
    for line in text.splitlines():
        name, sep, value = line.partition(":")
        if sep:
            fields[name.strip()] = value.strip()
    result = {}
    for name in ("BusyWorkers", "IdleWorkers", "Processes", "ConnsTotal", "GracefulWorkers"):
        if name in fields:
            try:
                result[name] = int(fields[name])
            except ValueError:
                pass
    if "ServerMPM" in fields:
        result["ServerMPM"] = fields["ServerMPM"]
    board = fields.get("Scoreboard")
    if board is not None:
        counts = {}
        for letter in board:
            key = SCOREBOARD.get(letter, "unknown")
            counts[key] = counts.get(key, 0) + 1
        result["scoreboard"] = counts
        result["scoreboard_slots"] = len(board)
    if "BusyWorkers" not in result:
        raise ValueError("no BusyWorkers line: not the output of server-status?auto")
    return result


def debian_config_files(names):
    """Order the files of Debian's Apache layout as apache2.conf includes them.

    ``names`` are paths relative to the configuration directory; returned
    are those Apache reads: apache2.conf, mods-enabled/*.conf, ports.conf,
    conf-enabled/*.conf, sites-enabled/*.conf, each group sorted.
    """
    groups = [["apache2.conf"], [], ["ports.conf"], [], []]
    for name in names:
        if re.match(r"^mods-enabled/[^/]+\.conf$", name):
            groups[1].append(name)
        elif re.match(r"^conf-enabled/[^/]+\.conf$", name):
            groups[3].append(name)
        elif re.match(r"^sites-enabled/[^/]+\.conf$", name):
            groups[4].append(name)
    ordered = []
    for group in groups:
        ordered.extend(sorted(group))
    present = set(names)
    return [name for name in ordered if name in present]
