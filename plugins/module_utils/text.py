# -*- coding: utf-8 -*-
# Copyright: sysfix.hardening contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Small text helpers shared by the parsers: numbers as tools print them, lines cut for reports."""

from __future__ import annotations

from itertools import chain


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


def iter_lines(text, chunk=1 << 16):
    """The lines of ``text`` exactly as ``text.splitlines()`` cuts them, a block at a time.

    A 100,000-entry mail queue is 360,000 lines: a list of all of them is about
    35 MB that the kernel must first map (a page fault per 4 KiB, measurable in
    a VM), while these blocks reuse the same memory. A block ends just after a
    "\\n", so a "\\r\\n" pair is never cut in two. The lines of a block are
    handed on in C (``chain``), not by a generator resumed for each line.
    """
    return chain.from_iterable(map(str.splitlines, whole_line_slices(text, chunk, "\n")))


def whole_line_slices(text, size, newline):
    """Slices of ``text`` (str, or bytes with a bytes ``newline``) of about ``size``,
    each ending just after a ``newline`` or at the end of the text."""
    start, length = 0, len(text)
    while start < length:
        end = text.find(newline, start + size)
        end = length if end < 0 else end + 1
        yield text[start:end]
        start = end
