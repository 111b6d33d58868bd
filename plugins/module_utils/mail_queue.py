# -*- coding: utf-8 -*-
# Copyright: sysfix.hardening contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure parsers for mail queue listings: sendmail's mailq, Postfix's postqueue -p and -j.

sendmail (``mailq``, which is ``sendmail -bp``) prints, per queue directory, a
header, then per message a line ``ID[flag] size date sender``, an optional
``(reason)`` line and one line per undelivered recipient. Debian's ``mailq``
wrapper runs it twice and puts ``MSP Queue status...`` (the submission queue,
/var/spool/mqueue-client) and ``MTA Queue status...`` (/var/spool/mqueue)
before the two listings, each closed by ``Total requests: N``. The flag after
the ID is ``*`` (being delivered: the queue file is locked), ``-`` (too young
to be tried again, MinQueueAge), ``X`` (not tried: the load average is over
QueueLA) or ``?`` (a lost queue file). sendmail cuts the sender and the
recipients at 45 characters (38 with ``-v``) and the reason at about 60.

Postfix (``postqueue -p``, also what Postfix's own ``mailq`` prints) prints per
message ``ID[flag] size date sender``, then per recipient an optional
``(reason)`` line and the address, and a blank line; the flag is ``*``
(active queue), ``!`` (hold) or ``#`` (forced to expire). ``postqueue -j``
prints one JSON object per message.

Nothing here runs a command. Lines that fit none of these shapes are counted
in ``malformed_count`` (the first ``MAX_SAMPLES`` kept with their numbers);
nothing is dropped silently and no exception escapes on any text.
"""

from __future__ import annotations

import gc
import json
import re
import time
from collections import Counter
from itertools import compress, islice
from operator import itemgetter, not_

from ansible_collections.sysfix.hardening.plugins.module_utils.text import (
    clip as _clip,
    is_number as _is_number,
    iter_lines,
)

MAX_SAMPLES = 50

FORMATS = ("auto", "sendmail", "postfix", "postfix_json")

SENDMAIL_FLAGS = {
    "*": "locked",
    "-": "too young",
    "X": "load too high",
    "?": "lost",
}
POSTFIX_FLAGS = {"*": "active", "!": "hold", "#": "forced to expire"}

# Programs whose own messages (permission denied, cannot connect) may be in the output.
_PROGRAM_PREFIXES = ("mailq:", "postqueue:", "sendmail:", "sendmail-mta:", "postdrop:")


def address_domain(address):
    """The domain of an address as printed (``<bob@example.com>``), lower-case; '' for a local name."""
    address = address.strip().strip("<>").rstrip(".")
    at = address.rfind("@")
    if at < 0:
        return ""
    return address[at + 1:].strip(".").lower()


class _Listing:
    """Accumulates entries, per-queue totals and malformed lines while parsing."""

    def __init__(self, fmt):
        self.format = fmt
        self.entries = []
        self.queues = {}
        self.sections = {}
        self.reported = {}
        self.errors = []
        self.malformed_count = 0
        self.malformed = []
        self.lines = 0
        # {(queue, domain, reason, cut): recipients}, counted as recipients are added.
        # A queue has few of these keys however many recipients it has, so
        # summarise() works on them instead of walking every recipient again.
        self.tally = {}
        # {(domain, reason): messages} of deferred recipients; a message counts once
        # per group however many of its recipients are in it.
        self.messages = {}
        self._last_entry = {}

    def bad(self, number, line):
        self.malformed_count += 1
        if len(self.malformed) < MAX_SAMPLES:
            self.malformed.append({"line": number, "text": _clip(line)})

    def add_recipient(self, entry, address, domain, reason, cut):
        """Add a recipient to ``entry`` (already added to the listing) and count it."""
        entry["recipients"].append({"address": address, "domain": domain, "reason": reason, "truncated": cut})
        key = (entry["queue"], domain, reason, cut)
        self.tally[key] = self.tally.get(key, 0) + 1
        if reason:
            group = (domain, reason)
            if self._last_entry.get(group) is not entry:
                self._last_entry[group] = entry
                self.messages[group] = self.messages.get(group, 0) + 1

    def queue(self, name, section=None):
        info = self.queues.get(name)
        if info is None:
            info = self.queues[name] = {
                "section": section,
                "requests": 0,
                "recipients": 0,
                "size": 0,
                "reported_requests": None,
            }
        return info


def _text(text):
    """str, or a list of str lines, from whatever the caller has (None, bytes, lines)."""
    if text is None:
        return ""
    if isinstance(text, (bytes, bytearray)):
        return bytes(text).decode("utf-8", "replace")
    if isinstance(text, str):
        return text
    return [line if isinstance(line, str) else str(line) for line in text]


def _lines(text):
    """An iterator over the lines of what ``_text`` returned."""
    return iter_lines(text) if isinstance(text, str) else iter(text)


def detect_format(text):
    """Tell which tool printed ``text``: sendmail, postfix or postfix_json."""
    return _detect_format(_lines(_text(text)))


def _detect_format(lines):
    """detect_format over an iterator of str lines (only the first 50 are read)."""
    for line in islice(lines, 50):
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith("{"):
            return "postfix_json"
        if stripped.startswith("-Queue ID-") or stripped.startswith("-- ") and "Request" in stripped:
            return "postfix"
        if stripped.startswith("-----Q-ID-----") or stripped.endswith("Queue status...") \
                or stripped.startswith("Total requests:") or " is empty" in stripped \
                and stripped.startswith("/"):
            return "sendmail"
    return "sendmail"


# -- sendmail ---------------------------------------------------------------
def _parse_sendmail(lines, listing):
    section = None
    queue_name = None
    verbose = False
    entry = recipients = None
    number = 0
    # {domain as printed: as counted}: a queue has far fewer domains than recipients.
    domains = {}
    # One string per distinct reason: each deferred recipient is counted under its
    # reason (listing.add_recipient), and a string seen before has its hash kept.
    reasons = {}
    # Nearly every line is a recipient: five tabs in (six with -v), it is known
    # for one at once and skips the tests below; a recipient line of another
    # shape (the MSP queue's) gets there through them. Both are read by the
    # one block at the end of the loop body, inline, and so is the
    # _Listing.add_recipient part: the function calls were a fifth of the time
    # of a 100,000-entry queue.
    tally, messages, last_entry = listing.tally, listing.messages, listing._last_entry
    add_entry = listing.entries.append
    plain_entry = _PLAIN_ENTRY
    info_name = info = None
    for number, raw in enumerate(lines, 1):
        address = raw.strip() if raw[:5] == "\t\t\t\t\t" and recipients is not None else ""
        if not address or address[0] == "(":
            stripped = raw.strip()
            if not stripped:
                continue
            first = raw[0]
            if first == " " and stripped[0] == "(" and stripped[-1] == ")" and recipients == []:
                # The next most common: "                 (Deferred: ...)" before the recipients.
                reason = stripped[1:-1].strip()
                entry["reason"] = reasons.setdefault(reason, reason)
                continue
            if first.isalnum():
                # A queue entry; section titles and messages fail its checks and are judged
                # below. The usual shape is cut by one regular expression (_PLAIN_ENTRY).
                match = None if verbose else plain_entry(stripped)
                if match is not None:
                    ident, flag, size, day, clock, sender = match.groups()
                    candidate = _new_entry(queue_name, section, ident, flag, size, day + " " + clock,
                                           sender or "")
                else:
                    candidate = _sendmail_entry_any(stripped, verbose, queue_name, section)
                if candidate is not None:
                    # _add_entry, inline, with the queue's totals kept at hand.
                    entry = candidate
                    add_entry(entry)
                    name = entry["queue"]
                    if name != info_name:
                        info, info_name = listing.queue(name, section), name
                    info["requests"] += 1
                    info["size"] += entry["size"] or 0
                    recipients = entry["recipients"]
                    continue
            if first in " \t":
                if stripped.startswith("Total requests:"):
                    listing.sections.setdefault(section or "", {})["reported_requests"] = _int_after(
                        stripped, ":")
                    entry = recipients = None
                    continue
                if stripped[0] == "/" and stripped.endswith(")") and " (" in stripped:
                    # "\t\t/var/spool/mqueue (12 requests)": one queue directory.
                    queue_name, _sep, count = stripped.rpartition(" (")
                    listing.queue(queue_name, section)["reported_requests"] = _leading_int(count)
                    entry = recipients = None
                    continue
                if stripped.startswith("Mail Queue (") or stripped.startswith("Mail queue ("):
                    # Older sendmail: one queue, no directory name.
                    queue_name = queue_name or "mqueue"
                    listing.queue(queue_name, section)["reported_requests"] = _leading_int(
                        stripped.partition("(")[2])
                    entry = recipients = None
                    continue
                if entry is None:
                    listing.bad(number, raw)
                    continue
                if stripped.startswith("QUARANTINE:"):
                    entry["quarantine"] = stripped.partition(":")[2].strip()
                    continue
                if not entry["recipients"] and (stripped[0] == "(" or " (" in stripped) \
                        and stripped[-1] == ")" and first == " ":
                    # "      8BITMIME   (Deferred: ...)": the body type, then the reason.
                    body, _sep, reason = stripped.partition("(")
                    if body.strip():
                        entry["body_type"] = body.strip()
                    reason = reason[:-1].strip()
                    entry["reason"] = reasons.setdefault(reason, reason)
                    continue
                if stripped[0] == "(" and entry["recipients"]:
                    # With -v, notes such as "(---)" or "(may be forwarded)" follow a recipient.
                    entry.setdefault("notes", []).append(stripped)
                    continue
                # A recipient, bare in the MSP queue: read below.
                address = stripped
            else:
                # A line at the left margin.
                if stripped.endswith("Queue status..."):
                    section = stripped.split(None, 1)[0]
                    queue_name = None
                    entry = recipients = None
                    continue
                if stripped.startswith("--") and "Q-ID" in stripped:
                    verbose = "Priority" in stripped
                    continue
                if stripped == "Mail queue is empty":
                    entry = recipients = None
                    continue
                if stripped.startswith("/") and stripped.endswith(" is empty"):
                    queue_name = stripped[:-len(" is empty")]
                    listing.queue(queue_name, section)["reported_requests"] = 0
                    entry = recipients = None
                    continue
                if stripped.startswith(_PROGRAM_PREFIXES) or "not permitted" in stripped:
                    listing.errors.append(_clip(stripped))
                    entry = recipients = None
                    continue
                entry = recipients = None
                listing.bad(number, raw)
                continue
        # A recipient line's address ("<bob@example.com>"). sendmail cuts an address
        # at 45 characters (38 with -v): the ">" is gone then.
        cut = address[0] == "<" and address[-1] != ">"
        if cut:
            entry["truncated"] = True
        address = address.strip("<>")
        at = address.rfind("@")
        if at >= 0:
            printed = address[at + 1:]
            domain = domains.get(printed)
            if domain is None:
                domain = domains[printed] = printed.strip(".").lower()
        else:
            domain = ""
        # _Listing.add_recipient, inline.
        reason = entry["reason"]
        recipients.append({"address": address, "domain": domain, "reason": reason, "truncated": cut})
        key = (entry["queue"], domain, reason, cut)
        tally[key] = tally.get(key, 0) + 1
        if reason:
            group = (domain, reason)
            if last_entry.get(group) is not entry:
                last_entry[group] = entry
                messages[group] = messages.get(group, 0) + 1
    listing.lines = number


# The usual entry line, "6AS02KC2001184        6 Sat Nov 28 00:02 <alice@example.org>":
# ID (never ending in X, which is a flag), flag, size, ctime's day, month,
# day of month (space-padded) and clock, one-word sender. One C-level match
# checks and cuts it; any other shape goes to _sendmail_entry_any, which gives
# the same answer for this one (a unit test holds the two together).
_PLAIN_ENTRY = re.compile(
    r"([0-9A-Za-z]*[0-9A-WYZa-z])([-*?X]?) +([0-9]+)"
    r" ([A-Z][a-z]{2} [A-Z][a-z]{2}) +([0-9]{1,2} [0-9]{2}:[0-9]{2})(?: (\S+))?").fullmatch


def _new_entry(queue_name, section, ident, flag, size, when, sender):
    return {
        "queue": queue_name or "mqueue",
        "section": section,
        "id": ident,
        "flag": flag,
        "status": SENDMAIL_FLAGS.get(flag, "queued"),
        "size": int(size),
        "time": when,
        "sender": sender.strip("<>") if sender != "<>" else "",
        "recipients": [],
        "reason": None,
        # sendmail cuts the sender at 45 characters (38 with -v): the ">" is gone then.
        "truncated": sender[:1] == "<" and sender[-1:] != ">",
    }


def _sendmail_entry_any(stripped, verbose, queue_name, section):
    """A queue entry line in any shape sendmail prints (see ``_PLAIN_ENTRY``), or None."""
    parts = stripped.split()
    if len(parts) < 2:
        return None
    ident = parts[0]
    flag = ""
    if ident[-1] in SENDMAIL_FLAGS:
        flag = ident[-1]
        ident = ident[:-1]
    if not ident or not ident.isalnum():
        return None
    if parts[1:3] == ["(job", "completed)"]:
        return {"queue": queue_name or "mqueue", "section": section, "id": ident, "flag": flag,
                "status": "completed", "size": None, "time": None, "sender": None,
                "recipients": [], "reason": None, "truncated": False}
    if not _is_number(parts[1]):
        return None
    # Not verbose: "Sat Nov 28 00:01" (16 characters of ctime); verbose: priority, "Nov 28 00:02".
    count = len(parts)
    if count < 6:
        return None
    if verbose:
        if not _is_number(parts[2].lstrip("-")):
            return None
        when = " ".join(parts[3:6])
    else:
        when = " ".join(parts[2:6])
    clock = parts[5]
    if len(clock) != 5 or clock[2] != ":" or not (_is_number(clock[:2]) and _is_number(clock[3:])):
        return None
    entry = _new_entry(queue_name, section, ident, flag, parts[1], when, " ".join(parts[6:]))
    if verbose:
        entry["priority"] = int(parts[2])
    return entry


def _add_entry(listing, entry, queue_name, section):
    listing.entries.append(entry)
    info = listing.queue(queue_name, section)
    info["requests"] += 1
    info["size"] += entry["size"] or 0


# -- Postfix postqueue -p ---------------------------------------------------------
def _parse_postfix(lines, listing):
    entry = None
    reason = None
    number = 0
    for number, raw in enumerate(lines, 1):
        line = raw.rstrip("\r\n")
        stripped = line.strip()
        if not stripped:
            entry = None
            reason = None
            continue
        if line[0] not in " \t(":
            if stripped.startswith("-Queue ID-"):
                continue
            if stripped == "Mail queue is empty":
                continue
            if stripped.startswith("-- ") and stripped.endswith("Requests.") \
                    or stripped.endswith("Request."):
                # "-- 231 Kbytes in 9 Requests."
                words = stripped.split()
                listing.reported["requests"] = _int_or_none(words[-2]) if len(words) >= 2 else None
                listing.reported["kbytes"] = _int_or_none(words[1]) if len(words) >= 2 else None
                continue
            if stripped.startswith(_PROGRAM_PREFIXES):
                listing.errors.append(_clip(stripped))
                continue
            entry = _postfix_entry(stripped)
            reason = None
            if entry is None:
                listing.bad(number, raw)
                continue
            _add_entry(listing, entry, entry["queue"], None)
            continue
        if entry is None:
            listing.bad(number, raw)
            continue
        if stripped[0] == "(" and stripped[-1] == ")":
            reason = stripped[1:-1].strip()
            if entry["reason"] is None:
                entry["reason"] = reason
            continue
        listing.add_recipient(entry, stripped, address_domain(stripped), reason, False)
    listing.lines = number


def _postfix_entry(stripped):
    parts = stripped.split()
    if len(parts) < 6 or not _is_number(parts[1]):
        return None
    ident = parts[0]
    flag = ""
    if ident[-1] in POSTFIX_FLAGS:
        flag = ident[-1]
        ident = ident[:-1]
    if not ident or not ident.isalnum():
        return None
    clock = parts[5]
    if len(clock) != 8 or clock[2] != ":" or clock[5] != ":":
        return None
    return {
        # postqueue -p shows the active and hold queues by their flags; incoming
        # and maildrop mail has none, like deferred mail (postqueue -j tells them apart).
        "queue": {"*": "active", "!": "hold"}.get(flag, "deferred"),
        "section": None,
        "id": ident,
        "flag": flag,
        "status": POSTFIX_FLAGS.get(flag, "queued"),
        "size": int(parts[1]),
        "time": " ".join(parts[2:6]),
        "sender": " ".join(parts[6:]),
        "recipients": [],
        "reason": None,
        "truncated": False,
    }


# -- Postfix postqueue -j ---------------------------------------------------------
def _parse_postfix_json(lines, listing):
    number = 0
    for number, raw in enumerate(lines, 1):
        stripped = raw.strip()
        if not stripped:
            continue
        try:
            record = json.loads(stripped)
        except ValueError:
            if stripped.startswith(_PROGRAM_PREFIXES):
                listing.errors.append(_clip(stripped))
            else:
                listing.bad(number, raw)
            continue
        entry, recipients = _json_entry(record)
        if entry is None:
            listing.bad(number, raw)
            continue
        _add_entry(listing, entry, entry["queue"], None)
        for address, reason in recipients:
            listing.add_recipient(entry, address, address_domain(address), reason, False)
    listing.lines = number


def _json_entry(record):
    """A ``postqueue -j`` record as an entry without recipients, and its [(address, reason)];
    (None, None) if it is not one."""
    if not isinstance(record, dict):
        return None, None
    ident = record.get("queue_id")
    queue = record.get("queue_name")
    size = record.get("message_size")
    arrival = record.get("arrival_time")
    recipients = record.get("recipients")
    if not isinstance(ident, str) or not ident or not isinstance(queue, str) or not queue:
        return None, None
    if not isinstance(size, int) or isinstance(size, bool) or not isinstance(recipients, list):
        return None, None
    if not isinstance(arrival, (int, float)) or isinstance(arrival, bool):
        return None, None
    sender = record.get("sender")
    entry = {
        "queue": queue,
        "section": None,
        "id": ident,
        "flag": {"active": "*", "hold": "!"}.get(queue, ""),
        "status": "forced to expire" if record.get("forced_expire") is True else
        {"active": "active", "hold": "hold"}.get(queue, "queued"),
        "size": size,
        "time": _utc(arrival),
        "arrival_time": arrival,
        "sender": sender if isinstance(sender, str) else "",
        "recipients": [],
        "reason": None,
        "truncated": False,
    }
    pairs = []
    for item in recipients:
        if not isinstance(item, dict) or not isinstance(item.get("address"), str):
            return None, None
        reason = item.get("delay_reason")
        reason = reason if isinstance(reason, str) and reason else None
        if reason and entry["reason"] is None:
            entry["reason"] = reason
        pairs.append((item["address"], reason))
    return entry, pairs


def _utc(epoch):
    try:
        return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(epoch))
    except (OverflowError, ValueError, OSError):
        return None


def _int_after(text, separator):
    return _int_or_none(text.partition(separator)[2].strip())


def _leading_int(text):
    digits = ""
    for char in text.strip():
        if not _is_number(char):
            break
        digits += char
    return int(digits) if digits else None


def _int_or_none(text):
    try:
        return int(text)
    except (TypeError, ValueError):
        return None


# -- summaries --------------------------------------------------------------------
def summarise(listing):
    """Everything counted over a parsed listing (a large queue has 100,000 entries).

    Returns ``total``, ``domains`` and ``deferred`` (see the module's RETURN),
    and for ``typo_hints`` the recipient domains sendmail did not cut
    (``whole_domains``) and the senders' domains of entries with nothing cut
    (``sender_domains``). Fills in the recipients of each queue in ``listing.queues``.
    The recipients were counted as they were added (``listing.tally``); what is
    left per entry runs in C (``Counter`` over ``itemgetter``).
    """
    entries = listing.entries
    domains = {}
    whole = {}
    groups = {}
    recipients_total = deferred_total = 0
    for (queue, domain, reason, cut), count in listing.tally.items():
        recipients_total += count
        listing.queues[queue]["recipients"] += count
        info = domains.get(domain)
        if info is None:
            info = domains[domain] = {"recipients": 0, "deferred": 0}
        info["recipients"] += count
        if domain and not cut:
            whole[domain] = whole.get(domain, 0) + count
        if not reason:
            continue
        info["deferred"] += count
        deferred_total += count
        group = groups.get((domain, reason))
        if group is None:
            group = groups[(domain, reason)] = {"domain": domain, "reason": reason, "recipients": 0,
                                                "messages": listing.messages[(domain, reason)]}
        group["recipients"] += count
    deferred = sorted(groups.values(), key=lambda g: (-g["recipients"], g["domain"], g["reason"]))

    # A cut entry may have a cut sender: its domain is trusted only when whole.
    senders = {}
    whole_entries = compress(entries, map(not_, map(itemgetter("truncated"), entries)))
    for sender, count in Counter(map(itemgetter("sender"), whole_entries)).items():
        domain = address_domain(sender) if sender and "@" in sender else ""
        if domain:
            senders[domain] = senders.get(domain, 0) + count
    return {
        "total": {"requests": len(entries), "recipients": recipients_total,
                  "deferred_recipients": deferred_total,
                  "size": sum(filter(None, map(itemgetter("size"), entries))),
                  "reported_requests": None},
        "domains": domains,
        "deferred": deferred,
        "whole_domains": whole,
        "sender_domains": senders,
    }


def one_edit_apart(first, second):
    """Whether two strings differ by one insertion, deletion, substitution or adjacent swap."""
    if first == second:
        return False
    len_a, len_b = len(first), len(second)
    if abs(len_a - len_b) > 1:
        return False
    if len_a == len_b:
        diffs = [i for i in range(len_a) if first[i] != second[i]]
        if len(diffs) == 1:
            return True
        return (len(diffs) == 2 and diffs[1] == diffs[0] + 1
                and first[diffs[0]] == second[diffs[1]] and first[diffs[1]] == second[diffs[0]])
    if len_a > len_b:
        first, second = second, first
    # second is one longer: find the first difference and skip it there.
    index = 0
    while index < len(first) and first[index] == second[index]:
        index += 1
    return first[index:] == second[index + 1:]


def _deletions(word):
    return set([word] + [word[:i] + word[i + 1:] for i in range(len(word))])


def typo_hints(recipient_domains, known_domains=(), trusted_domains=None, min_length=6):
    """Recipient domains that look like a typo of a domain mail really goes to.

    ``recipient_domains`` is ``{domain: recipients}`` from the queue.
    A domain is a candidate when it is in ``known_domains`` (the admin's list,
    or the domains of delivered mail), or when more mail goes to it
    (``recipient_domains``) or comes from it (``trusted_domains``, such as the
    senders' domains) than to the suspect. A suspect is one edit away from a
    candidate (``exmaple.com`` for ``example.com``), or, against a known domain
    only, the same name under another top-level domain, as in the runbook
    (kebi.net for kebi.com, hanmail.com for hanmail.net): two real domains can
    differ that way, so only the admin's list may say which one is meant.
    Domains in ``known_domains`` or ``trusted_domains`` are never suspects.
    """
    known = set(d.strip().lower().rstrip(".") for d in known_domains if d and d.strip())
    trusted = dict((d.lower(), n) for d, n in (trusted_domains or {}).items() if d)
    weight = {}
    for domain, count in recipient_domains.items():
        if domain:
            weight[domain] = weight.get(domain, 0) + count
    for domain, count in trusted.items():
        weight[domain] = weight.get(domain, 0) + count
    candidates = set(weight) | known
    index = {}
    for candidate in candidates:
        for key in _deletions(candidate):
            index.setdefault(key, set()).add(candidate)
    by_name = {}
    for candidate in known:
        name, dot, _tld = candidate.rpartition(".")
        if dot and name:
            by_name.setdefault(name, set()).add(candidate)

    hints = []
    for domain, count in sorted(recipient_domains.items()):
        if not domain or domain in known or domain in trusted or len(domain) < min_length \
                or "." not in domain:
            continue
        found = {}
        for key in _deletions(domain):
            for candidate in index.get(key, ()):
                if candidate == domain or candidate in found:
                    continue
                if candidate not in known and weight.get(candidate, 0) <= count:
                    continue
                if one_edit_apart(domain, candidate):
                    found[candidate] = "one edit away"
        name, dot, _tld = domain.rpartition(".")
        if dot and name:
            for candidate in by_name.get(name, ()):
                if candidate != domain and candidate not in found:
                    found[candidate] = "other top-level domain"
        for candidate in sorted(found):
            hints.append({
                "domain": domain,
                "looks_like": candidate,
                "why": found[candidate],
                "recipients": count,
                "candidate_known": candidate in known,
            })
    return hints


def parse_mail_queue(text, fmt="auto", known_domains=(), with_entries=True):
    """Parse a queue listing and summarise it; see the mail_queue module's RETURN."""
    if fmt not in FORMATS:
        raise ValueError("unknown format %r, expected one of %s" % (fmt, ", ".join(FORMATS)))
    # A large queue is hundreds of thousands of small dicts that all stay alive: the
    # cyclic garbage collector would walk them again and again (a third of the time)
    # to find nothing. Nothing here makes cycles, so it rests until the end.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _parse_mail_queue(text, fmt, known_domains, with_entries)
    finally:
        if enabled:
            gc.enable()


def _parse_mail_queue(text, fmt, known_domains, with_entries):
    text = _text(text)
    if fmt == "auto":
        fmt = _detect_format(_lines(text))
    lines = _lines(text)
    listing = _Listing(fmt)
    if fmt == "sendmail":
        _parse_sendmail(lines, listing)
    elif fmt == "postfix":
        _parse_postfix(lines, listing)
    else:
        _parse_postfix_json(lines, listing)

    entries = listing.entries
    summary = summarise(listing)
    reported = listing.reported.get("requests")
    if reported is None:
        per_section = [s.get("reported_requests") for s in listing.sections.values()]
        if per_section and all(n is not None for n in per_section):
            reported = sum(per_section)
        else:
            per_queue = [q["reported_requests"] for q in listing.queues.values()]
            if per_queue and all(n is not None for n in per_queue):
                reported = sum(per_queue)
    summary["total"]["reported_requests"] = reported
    return {
        "format": fmt,
        "entries": entries if with_entries else [],
        "queues": listing.queues,
        "sections": listing.sections,
        "total": summary["total"],
        "deferred": summary["deferred"],
        "domains": summary["domains"],
        "typo_hints": typo_hints(summary["whole_domains"], known_domains, summary["sender_domains"]),
        "errors": listing.errors,
        "lines": listing.lines,
        "malformed_count": listing.malformed_count,
        "malformed": listing.malformed,
    }
