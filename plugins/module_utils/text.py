# -*- coding: utf-8 -*-
# Copyright: sysfix.hardening contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Small text helpers shared by the parsers: numbers as tools print them, lines cut for reports."""

from __future__ import annotations


def is_number(text):
    """Whether ``text`` is ASCII digits only.

    ``str.isdigit`` is also true of "²" and other Unicode digits, which ``int()``
    refuses: a parser that trusted it would raise on such a line instead of
    counting it as malformed.
    """
    return text.isascii() and text.isdigit()


def clip(line, limit=200):
    """A line for a report: bytes decoded, the line ending dropped, cut at ``limit`` characters."""
    if isinstance(line, (bytes, bytearray)):
        line = bytes(line).decode("utf-8", "replace")
    line = str(line).rstrip("\r\n")
    return line if len(line) <= limit else line[:limit] + "..."
