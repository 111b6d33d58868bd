# -*- coding: utf-8 -*-
# Copyright: sysfix.hardening contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure parser for sendmail's ``mailstats`` and ``mailstats -P`` output.

``mailstats`` prints ``Statistics from <ctime>``, a header, one row per mailer
(``index msgsfr bytes_from msgsto bytes_to msgsrej msgsdis [msgsqur] name``,
the byte counts in kilobytes with a ``K``), a ``====`` rule, the ``T`` totals
row and the ``C`` connections row (from, to, rejected). ``mailstats -P`` prints
the same rows without the header, the rule and the ``K``, after a line with
the start time and the current time as epoch seconds: what a grapher (the
runbook mentions MRTG) wants. Debian's ``mailstats`` runs twice and puts
``MSP statistics...`` and ``MTA statistics...`` before each part; a part whose
statistics file is missing has a ``mailstats: FILE: error`` line instead
(on standard error, so it is only here when both streams were captured).

msgsqur (quarantined) only exists when sendmail was built with quarantine
support; without it the rows are one number shorter and the value is null.

Nothing here runs a command; lines of no known shape are counted in
``malformed_count`` and the first ``MAX_SAMPLES`` kept; no exception escapes.
"""

from __future__ import annotations

from ansible_collections.sysfix.hardening.plugins.module_utils.text import clip as _clip, is_number as _is_number

MAX_SAMPLES = 50

# Column names, in mailstats' order; bytes are kilobytes in both formats.
ROW_FIELDS = (
    "msgs_from",
    "kbytes_from",
    "msgs_to",
    "kbytes_to",
    "msgs_rejected",
    "msgs_discarded",
    "msgs_quarantined",
)
CONNECTION_FIELDS = ("from", "to", "rejected")

DEFAULT_SECTION = "mailstats"


def _numbers(tokens):
    """Integers of mailstats' columns (``6K`` is 6 kilobytes), or None if one is not a number."""
    values = []
    for token in tokens:
        if token[-1:] == "K":
            token = token[:-1]
        if not _is_number(token):
            return None
        values.append(int(token))
    return values


def _row(values):
    """Map 6 or 7 column values to names; msgsqur is null when mailstats has no such column."""
    row = dict(zip(ROW_FIELDS, values))
    row.setdefault("msgs_quarantined", None)
    return row


def _new_section():
    return {
        "start": None,
        "start_epoch": None,
        "now_epoch": None,
        "mailers": {},
        "totals": None,
        "connections": None,
        "errors": [],
    }


def parse_mailstats(text):
    """Parse ``mailstats`` or ``mailstats -P`` text; see the mail_stats module's RETURN."""
    if isinstance(text, (bytes, bytearray)):
        text = bytes(text).decode("utf-8", "replace")
    if not isinstance(text, str):
        text = "\n".join(str(line) for line in (text or []))
    sections = {}
    malformed = []
    malformed_count = 0
    name = None
    section = None
    raw_format = None
    number = 0

    def current():
        nonlocal section, name
        if section is None:
            name = DEFAULT_SECTION
            section = sections.setdefault(name, _new_section())
        return section

    for number, raw in enumerate(text.splitlines(), 1):
        stripped = raw.strip()
        if not stripped:
            continue
        tokens = stripped.split()
        head = tokens[0]
        if stripped.endswith(" statistics..."):
            name = stripped[:-len(" statistics...")].strip() or DEFAULT_SECTION
            section = sections.setdefault(name, _new_section())
            continue
        if stripped.startswith("Statistics from "):
            current()["start"] = stripped[len("Statistics from "):].strip()
            raw_format = False
            continue
        if stripped.startswith("mailstats:"):
            current()["errors"].append(_clip(stripped))
            continue
        if head == "M" and "Mailer" in tokens:
            continue
        if set(stripped) == {"="}:
            continue
        values = _numbers(tokens[1:]) if head in ("T", "C") else None
        if head == "T" and values is not None and len(values) in (6, 7):
            current()["totals"] = _row(values)
            continue
        if head == "C" and values is not None and len(values) == 3:
            current()["connections"] = dict(zip(CONNECTION_FIELDS, values))
            continue
        if len(tokens) == 2 and _is_number(tokens[0]) and _is_number(tokens[1]) \
                and current()["start_epoch"] is None and not current()["mailers"]:
            # mailstats -P: start and current time, in epoch seconds.
            section["start_epoch"], section["now_epoch"] = int(tokens[0]), int(tokens[1])
            raw_format = True
            continue
        if _is_number(head) and len(tokens) in (8, 9):
            values = _numbers(tokens[1:-1])
            if values is not None:
                row = _row(values)
                row["index"] = int(head)
                current()["mailers"][tokens[-1]] = row
                continue
        malformed_count += 1
        if len(malformed) < MAX_SAMPLES:
            malformed.append({"line": number, "text": _clip(raw)})

    return {
        "format": {True: "mailstats -P", False: "mailstats"}.get(raw_format, "unknown"),
        "sections": sections,
        "lines": number,
        "malformed_count": malformed_count,
        "malformed": malformed,
    }
