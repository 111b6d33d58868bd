# -*- coding: utf-8 -*-
# Copyright: sysfix.hardening contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure helpers for Debian's sendmail.mc and the sendmail.cf built from it.

Nothing here touches the system: the sendmail_mc module reads, builds and
installs; these functions only compute, so they are unit-tested against the
sendmail.mc and sendmail.cf of the Debian 12 and 13 test images.
"""

from __future__ import annotations

import re

POSITIONS = ("before_mailers", "end")

# The first mailer definition of a Debian sendmail.mc. Anything that must be
# defined before MAILER(`local') (LOCAL_MAILER_MAX, for one) goes above it.
_MAILER_LINE = re.compile(r"^\s*(MAILER_DEFINITIONS|MAILER\()")

# Lines cf.m4 writes with the user, host, date and directory of the build:
# they differ between two builds of the same sendmail.mc.
_BUILD_STAMP = re.compile(r"^##### (built by \S+ on .*|in .*)$")

# What `sendmail -bt` prints on a good configuration.
_BT_BANNER = (
    "ADDRESS TEST MODE (ruleset 3 NOT automatically invoked)",
    "Enter <ruleset> <address>",
)


class McError(ValueError):
    """sendmail.mc cannot take the block (no mailer line, broken markers)."""


def markers(name):
    """The first and last line of the managed block called ``name``."""
    return ("dnl # BEGIN %s" % name, "dnl # END %s" % name)


def _first_mailer_index(lines):
    for index, line in enumerate(lines):
        if _MAILER_LINE.match(line):
            return index
    return None


def _last_mailer_index(lines):
    found = None
    for index, line in enumerate(lines):
        if _MAILER_LINE.match(line):
            found = index
    return found


def split_block(text, name):
    """Return ``(lines_without_block, index_where_it_was, block_body_lines)``.

    ``index_where_it_was`` is None (and the body empty) when the block is not
    there. Markers that do not pair up raise McError: editing around them
    could cut a hand-written part of the file.
    """
    begin, end = markers(name)
    lines = text.splitlines()
    starts = [i for i, line in enumerate(lines) if line.strip() == begin]
    ends = [i for i, line in enumerate(lines) if line.strip() == end]
    if not starts and not ends:
        return lines, None, []
    if len(starts) != 1 or len(ends) != 1 or ends[0] < starts[0]:
        raise McError(
            "sendmail.mc has %d '%s' and %d '%s' lines; expected one of each, in that order: "
            "fix the file by hand" % (len(starts), begin, len(ends), end)
        )
    body = lines[starts[0] + 1:ends[0]]
    return lines[:starts[0]] + lines[ends[0] + 1:], starts[0], body


def set_block(text, name, body, position):
    """Put ``body`` between the markers of block ``name`` in sendmail.mc text.

    ``position`` is ``before_mailers`` (above MAILER_DEFINITIONS or the first
    MAILER(...), where defines that mailers read must be) or ``end`` (after the
    last MAILER(...), where LOCAL_CONFIG and LOCAL_RULESETS go). A block that
    is already in a valid place stays where it is; an empty body removes the
    block. Returns the new text, ending in a newline.
    """
    if position not in POSITIONS:
        raise McError("position must be one of %s, got %r" % (", ".join(POSITIONS), position))
    lines, index, _old = split_block(text, name)
    body_lines = body.splitlines() if body.strip() else []
    if body_lines:
        first_mailer = _first_mailer_index(lines)
        last_mailer = _last_mailer_index(lines)
        if first_mailer is None:
            raise McError(
                "sendmail.mc has no MAILER_DEFINITIONS or MAILER(...) line; "
                "it does not look like a Debian sendmail.mc"
            )
        if position == "before_mailers":
            if index is None or index > first_mailer:
                index = first_mailer
        elif index is None or index <= last_mailer:
            index = len(lines)
        begin, end = markers(name)
        lines[index:index] = [begin] + body_lines + [end]
    return "\n".join(lines) + "\n"


def block_body(text, name):
    """The lines of block ``name`` as one string ('' when it is not there)."""
    _lines, index, body = split_block(text, name)
    return "\n".join(body) + "\n" if index is not None and body else ""


def debian_cf(m4_output, mc_text, mc_path):
    """sendmail.cf exactly as Debian's /etc/mail/Makefile builds it.

    The Makefile appends ``### MC ###`` and the .mc itself, each line behind
    ``# `` (``sed -e 's/^/# /'``), to the m4 output.
    """
    commented = "".join("# " + line for line in mc_text.splitlines(True))
    return "%s### %s ###\n%s" % (m4_output, mc_path, commented)


def normalize_cf(text):
    """sendmail.cf without the lines that change with every build."""
    return "\n".join(line for line in text.splitlines() if not _BUILD_STAMP.match(line))


def cf_equivalent(left, right):
    """Whether two sendmail.cf texts configure sendmail the same way."""
    return normalize_cf(left) == normalize_cf(right)


def bt_report(output, cf_path):
    """Split ``sendmail -bt -C CF`` output into ``(errors, other_messages)``.

    sendmail reports a configuration error as ``CF: line N: message``; other
    lines (a warning about an unqualified host name, say) do not make the
    file unusable. The banner and the ``>`` prompts are dropped, and the
    byte sendmail prints for ``$`` in a quoted rule (0x01) is shown as ``$``.
    """
    errors, others = [], []
    prefix = "%s: line " % cf_path
    for raw in output.splitlines():
        line = raw.replace("\x01", "$").strip()
        while line.startswith(">"):
            line = line[1:].strip()
        if not line or line in _BT_BANNER:
            continue
        (errors if line.startswith(prefix) else others).append(line)
    return errors, others
