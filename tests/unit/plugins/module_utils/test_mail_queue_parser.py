"""Mail queue parsers against mailq / postqueue output captured in the test images.

tests/unit/fixtures/mail_queue/README.md says how each listing was made: sendmail
on Debian 12 and 13 with mail to documentation domains deferred (no network),
a mailertable route to a closed loopback port, the MSP queue filled while the
MTA was stopped, a locked queue file, MinQueueAge and QueueLA for the '-' and
'X' flags, QUEUE_DIR with four directories; Postfix 3.7 with the same mail.
"""

from unittest import mock

import pytest
from conftest import FIXTURES, unicode_digit_variants
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.sysfix.hardening.plugins.module_utils import mail_queue

LOOKUP = "Deferred: Name server: %s: host name lookup failure"
REFUSED = "Deferred: Connection refused by [127.0.0.2]"


def fixture(name):
    return (FIXTURES / "mail_queue" / name).read_text()


def by_id(result):
    return dict((entry["id"], entry) for entry in result["entries"])


@pytest.mark.parametrize("name", ["mailq-debian12-empty.txt", "mailq-debian13-empty.txt"])
def test_empty_sendmail_queues(name):
    result = mail_queue.parse_mail_queue(fixture(name))
    assert result["format"] == "sendmail"
    assert result["entries"] == [] and result["deferred"] == [] and result["typo_hints"] == []
    assert result["sections"] == {"MSP": {"reported_requests": 0}, "MTA": {"reported_requests": 0}}
    assert result["queues"]["/var/spool/mqueue-client"]["reported_requests"] == 0
    assert result["queues"]["/var/spool/mqueue"]["section"] == "MTA"
    assert result["total"]["reported_requests"] == 0 and result["malformed_count"] == 0


def test_sendmail_deferred_queue_every_entry():
    result = mail_queue.parse_mail_queue(fixture("mailq-debian12-deferred.txt"))
    entries = by_id(result)
    assert result["total"] == {"requests": 15, "recipients": 20, "deferred_recipients": 20,
                               "size": 231076, "reported_requests": 15}
    assert result["queues"]["/var/spool/mqueue"]["requests"] == 15
    assert result["malformed_count"] == 0
    newsletter = entries["6AS01KNk000868"]
    assert newsletter["sender"] == "newsletter@mail.sysfix.test"
    assert newsletter["time"] == "Sat Nov 28 00:01" and newsletter["size"] == 6
    assert [r["address"] for r in newsletter["recipients"]] == [
        "ivan@example.org", "heidi@example.org", "judy@example.com"]
    # Retried after the example.org route was added: its last reason is the refused connection.
    assert newsletter["reason"] == REFUSED
    assert all(r["reason"] == REFUSED for r in newsletter["recipients"])
    assert newsletter["section"] == "MTA" and newsletter["queue"] == "/var/spool/mqueue"
    # The bounce has the null sender <>.
    assert entries["6AS01KCj000873"]["sender"] == ""
    assert entries["6AS01KCi000873"]["size"] == 231000
    assert entries["6AS02KC2001184"]["reason"] == REFUSED
    # sendmail cut this sender at 45 characters.
    cut = entries["6AS01S6j000909"]
    assert cut["truncated"] is True
    assert cut["sender"] == "a.very.long.sender.address.for.the.col"
    # ... and this reason at about 60, closing it with ")".
    assert entries["6AS01KHA000865"]["reason"] == "Deferred: Name server: example.nett: host name lookup failur"


def test_sendmail_deferred_grouped_by_domain_and_reason():
    groups = mail_queue.parse_mail_queue(fixture("mailq-debian12-deferred.txt"))["deferred"]
    assert groups[0] == {"domain": "example.net", "reason": LOOKUP % "example.net",
                         "recipients": 6, "messages": 6}
    assert {"domain": "example.org", "reason": REFUSED, "recipients": 5, "messages": 4} in groups
    # sendmail keeps one reason per message: the example.com recipients of messages that also
    # went to example.org have the refused connection as their reason too.
    assert {"domain": "example.com", "reason": REFUSED, "recipients": 2, "messages": 2} in groups
    # The big message to example.net and exmaple.com: its reason names example.net only.
    assert {"domain": "exmaple.com", "reason": LOOKUP % "example.net", "recipients": 1, "messages": 1} in groups
    assert sum(group["recipients"] for group in groups) == 20


def test_typo_hints_from_the_queue_itself():
    hints = mail_queue.parse_mail_queue(fixture("mailq-debian12-deferred.txt"))["typo_hints"]
    assert hints == [
        {"domain": "example.nett", "looks_like": "example.net", "why": "one edit away",
         "recipients": 1, "candidate_known": False},
        {"domain": "exmaple.com", "looks_like": "example.com", "why": "one edit away",
         "recipients": 2, "candidate_known": False},
    ]


def test_typo_hints_against_known_domains_like_the_runbook():
    """kebi.net for kebi.com: another top-level domain is a hint only against a known domain."""
    result = mail_queue.parse_mail_queue(fixture("mailq-debian12-deferred.txt"),
                                         known_domains=["example.com", "example.org"])
    hints = dict(((h["domain"], h["looks_like"]), h["why"]) for h in result["typo_hints"])
    assert hints[("example.net", "example.com")] == "other top-level domain"
    assert hints[("exmaple.com", "example.com")] == "one edit away"
    assert ("example.org", "example.com") not in hints  # known itself


@pytest.mark.parametrize("name, flag, status", [
    ("mailq-debian12-too-young.txt", "-", "too young"),
    ("mailq-debian12-queue-la.txt", "X", "load too high"),
    ("mailq-debian12-msp-and-locked.txt", "", "queued"),
])
def test_sendmail_flags(name, flag, status):
    entries = by_id(mail_queue.parse_mail_queue(fixture(name)))
    assert entries["6AS01KJB000859"]["flag"] == "*"
    assert entries["6AS01KJB000859"]["status"] == "locked"
    others = [e for i, e in entries.items() if i != "6AS01KJB000859"]
    assert len(others) == 14
    assert all(e["flag"] == flag and e["status"] == status for e in others)


def test_sendmail_msp_queue_of_local_submissions():
    result = mail_queue.parse_mail_queue(fixture("mailq-debian12-msp-and-locked.txt"))
    assert result["sections"] == {"MSP": {"reported_requests": 3}, "MTA": {"reported_requests": 12}}
    msp = [e for e in result["entries"] if e["section"] == "MSP"]
    assert [e["sender"] for e in msp] == ["alice", "alice", "root"]
    assert msp[0]["recipients"][0]["address"] == "olivia@example.net"
    assert msp[0]["reason"] == "Deferred: Connection refused by [127.0.0.1]"
    assert msp[2]["recipients"][0]["domain"] == "mail.sysfix.test"
    assert result["queues"]["/var/spool/mqueue-client"]["requests"] == 3


def test_sendmail_several_queue_directories():
    result = mail_queue.parse_mail_queue(fixture("mailq-debian13-multiqueue.txt"))
    counts = dict((name, (q["requests"], q["reported_requests"])) for name, q in result["queues"].items())
    assert counts == {
        "/var/spool/mqueue-client": (0, 0),
        "/var/spool/mqueue/q1": (3, 3),
        "/var/spool/mqueue/q2": (5, 5),
        "/var/spool/mqueue/q4": (0, 0),
        "/var/spool/mqueue/q3": (1, 1),
    }
    assert result["sections"]["MTA"] == {"reported_requests": 9}
    assert result["total"]["requests"] == result["total"]["reported_requests"] == 9


def test_sendmail_verbose_listing():
    result = mail_queue.parse_mail_queue(fixture("mailq-v-debian12-deferred.txt"))
    entries = by_id(result)
    assert result["malformed_count"] == 0 and len(entries) == 15
    assert entries["6AS02KC2001184"]["priority"] == 30083
    assert entries["6AS02KC2001184"]["time"] == "Nov 28 00:02"
    # -v does not cut the reason where the short listing does.
    assert entries["6AS01KHA000865"]["reason"] == LOOKUP % "example.nett"


def test_postfix_text_and_json_agree():
    text = mail_queue.parse_mail_queue(fixture("postqueue-p-debian12-postfix37.txt"))
    json_ = mail_queue.parse_mail_queue(fixture("postqueue-j-debian12-postfix37.txt"))
    assert (text["format"], json_["format"]) == ("postfix", "postfix_json")
    assert text["malformed_count"] == json_["malformed_count"] == 0
    assert text["total"]["reported_requests"] == 9
    for field in ("requests", "recipients", "deferred_recipients", "size"):
        assert text["total"][field] == json_["total"][field], field
    assert dict((n, q["requests"]) for n, q in text["queues"].items()) == {"active": 1, "deferred": 6, "hold": 2}
    assert dict((n, q["requests"]) for n, q in json_["queues"].items()) == {"active": 1, "deferred": 6, "hold": 2}
    plain, parsed = by_id(text), by_id(json_)
    assert set(plain) == set(parsed)
    for ident in plain:
        for field in ("sender", "size", "flag", "queue"):
            assert plain[ident][field] == parsed[ident][field], (ident, field)
        assert plain[ident]["recipients"] == parsed[ident]["recipients"], ident
    assert text["deferred"] == json_["deferred"]
    assert text["typo_hints"] == json_["typo_hints"]


def test_postfix_reasons_are_per_recipient():
    entries = by_id(mail_queue.parse_mail_queue(fixture("postqueue-p-debian12-postfix37.txt")))
    newsletter = entries["796F11C8094"]
    reasons = dict((r["address"], r["reason"]) for r in newsletter["recipients"])
    assert reasons["heidi@example.org"] == "connect to 127.0.0.2[127.0.0.2]:25: Connection refused"
    assert reasons["judy@example.com"].startswith("Host or domain name not found")
    assert entries["77C071C8090"]["status"] == "active"
    assert entries["77C071C8090"]["recipients"][0]["reason"] is None
    assert entries["750DB1C808E"]["flag"] == "!" and entries["750DB1C808E"]["queue"] == "hold"
    assert entries["88EED1C809C"]["sender"] == "MAILER-DAEMON"


def test_postfix_empty_queue():
    assert mail_queue.parse_mail_queue(fixture("postqueue-p-debian12-empty.txt"), fmt="postfix")["entries"] == []
    empty_json = mail_queue.parse_mail_queue(fixture("postqueue-j-debian12-empty.txt"), fmt="postfix_json")
    assert empty_json["entries"] == [] and empty_json["lines"] == 0


def test_synthetic_sendmail_shapes():
    """Synthetic lines in the shapes sendmail prints but the captures did not have."""
    text = "\n".join([
        "\t\t/var/spool/mqueue (3 requests)",
        "-----Q-ID----- --Size-- -----Q-Time----- ------------Sender/Recipient-----------",
        "6AS0AAAA000001*     469 Wed Oct 26 11:08 <root@example.com>",
        "      8BITMIME   (host map: lookup (example.net): deferred)",
        "\t\t\t\t\t <someone@example.net>",
        "6AS0AAAB000002 (job completed)",
        "6AS0AAAC000003      12 Wed Oct 26 11:09 <root@example.com>",
        "    QUARANTINE: held for review",
        "\t\t\t\t\t <a.recipient.with.a.very.long.local.part@exampl",
        "mailq: cannot open /var/spool/mqueue/q9: Permission denied",
        "6AS0AAAD00000X4   notasize Wed Oct 26 11:09 <root@example.com>",
        "\t\t\t\t\t <orphan@example.com>",
        "\t\tTotal requests: 3",
    ])
    result = mail_queue.parse_mail_queue(text)
    entries = by_id(result)
    assert entries["6AS0AAAA000001"]["body_type"] == "8BITMIME"
    assert entries["6AS0AAAA000001"]["reason"] == "host map: lookup (example.net): deferred"
    assert entries["6AS0AAAB000002"]["status"] == "completed"
    assert entries["6AS0AAAC000003"]["quarantine"] == "held for review"
    assert entries["6AS0AAAC000003"]["truncated"] is True
    assert result["errors"] == ["mailq: cannot open /var/spool/mqueue/q9: Permission denied"]
    # The bad entry line, then its recipient with no entry to belong to.
    assert [m["line"] for m in result["malformed"]] == [11, 12]
    # A cut domain is never a typo suspect.
    assert all(h["domain"] != "exampl" for h in result["typo_hints"])


@pytest.mark.parametrize("left, right, expected", [
    ("example.com", "exmaple.com", True),   # swapped letters
    ("example.com", "exampel.com", True),
    ("example.net", "example.nett", True),  # one letter more
    ("example.org", "exampe.org", True),    # one letter less
    ("example.com", "exbmple.com", True),   # one letter changed
    ("example.com", "example.com", False),
    ("example.com", "example.net", False),  # three letters: not one edit
    ("example.com", "elpmaxe.com", False),
])
def test_one_edit_apart(left, right, expected):
    assert mail_queue.one_edit_apart(left, right) is expected
    assert mail_queue.one_edit_apart(right, left) is expected


def test_typo_hints_need_a_heavier_or_known_candidate():
    assert mail_queue.typo_hints({"example.com": 1, "exmaple.com": 1}) == []
    assert mail_queue.typo_hints({"example.com": 1, "exmaple.com": 1}, known_domains=["example.com"]) == [
        {"domain": "exmaple.com", "looks_like": "example.com", "why": "one edit away",
         "recipients": 1, "candidate_known": True}]
    # A sender domain is mail that really exists: never a suspect, and a candidate.
    assert mail_queue.typo_hints({"exmaple.com": 1}, trusted_domains={"example.com": 3})[0]["looks_like"] \
        == "example.com"
    assert mail_queue.typo_hints({"example.com": 1}, trusted_domains={"example.com": 3}) == []


def test_detect_format():
    assert mail_queue.detect_format(fixture("postqueue-p-debian12-postfix37.txt")) == "postfix"
    assert mail_queue.detect_format(fixture("postqueue-j-debian12-postfix37.txt")) == "postfix_json"
    assert mail_queue.detect_format(fixture("mailq-debian13-multiqueue.txt")) == "sendmail"
    with pytest.raises(ValueError):
        mail_queue.parse_mail_queue("", fmt="exim")


SENDMAIL = fixture("mailq-debian12-msp-and-locked.txt").splitlines()
POSTFIX = fixture("postqueue-p-debian12-postfix37.txt").splitlines()
JSON = fixture("postqueue-j-debian12-postfix37.txt").splitlines()


@st.composite
def mutated(draw, lines):
    out = []
    for line in draw(st.lists(st.sampled_from(lines), min_size=1, max_size=15)):
        how = draw(st.sampled_from(["keep", "cut", "noise", "replace"]))
        if how == "cut":
            line = line[:draw(st.integers(0, len(line)))]
        elif how == "noise":
            line = draw(st.text(max_size=60))
        elif how == "replace" and line:
            at = draw(st.integers(0, len(line) - 1))
            line = line[:at] + draw(st.characters()) + line[at + 1:]
        out.append(line)
    return "\n".join(out)


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(), mutated(SENDMAIL), mutated(POSTFIX), mutated(JSON)),
       st.sampled_from(list(mail_queue.FORMATS)))
def test_arbitrary_and_mutated_input_never_raises(text, fmt):
    result = mail_queue.parse_mail_queue(text, fmt=fmt, known_domains=["example.com"])
    assert result["malformed_count"] >= len(result["malformed"])
    assert result["total"]["requests"] == len(result["entries"])


@pytest.mark.parametrize("name", sorted(p.name for p in (FIXTURES / "mail_queue").glob("*.txt")))
def test_unicode_digits_in_any_line_never_raise(name):
    """A number made of "²" (isdigit() says yes, int() says no) is a malformed line, not an exception."""
    for number, text in unicode_digit_variants(fixture(name)):
        result = mail_queue.parse_mail_queue(text)
        assert result["total"]["requests"] == len(result["entries"]), number


@settings(max_examples=100, deadline=None)
@given(st.from_regex(r"[a-z]{2,10}[^\w\s][ -~]{0,30}", fullmatch=True).filter(
    lambda line: not line.startswith(mail_queue._PROGRAM_PREFIXES) and "not permitted" not in line
    and not line.endswith("Queue status...")), st.integers(0, 14))
def test_a_garbage_line_between_entries_is_counted_once(garbage, entry_index):
    """Insert a line of no known shape before one of the 15 entries: malformed goes up by one."""
    lines = fixture("mailq-debian12-msp-and-locked.txt").splitlines()
    starts = [i for i, line in enumerate(lines) if line[:1].isalnum() and line[:3] not in ("MSP", "MTA")]
    lines.insert(starts[entry_index], garbage)
    result = mail_queue.parse_mail_queue("\n".join(lines))
    assert result["malformed_count"] == 1
    assert result["malformed"][0]["line"] == starts[entry_index] + 1
    assert result["total"]["requests"] == 15


ENTRY_LINES = [line.strip() for name in ("mailq-debian12-deferred.txt", "mailq-debian12-msp-and-locked.txt",
                                         "mailq-debian12-queue-la.txt", "mailq-debian12-too-young.txt",
                                         "mailq-debian13-multiqueue.txt")
               for line in fixture(name).splitlines() if line[:1].isalnum() and line[:3] not in ("MSP", "MTA")]


@st.composite
def entry_lines(draw):
    """Entry lines as sendmail prints them, and the same with one character changed."""
    line = draw(st.one_of(
        st.sampled_from(ENTRY_LINES),
        st.from_regex(r"[0-9A-Za-z]{1,16}[-*?X]? {1,9}[0-9]{1,9} [A-Z][a-z]{2} [A-Z][a-z]{2} {1,2}[0-9]{1,2} "
                      r"[0-9]{2}:[0-9]{2}( <?[!-~]{0,50}>?)?", fullmatch=True)))
    if draw(st.booleans()) and line:
        at = draw(st.integers(0, len(line) - 1))
        line = line[:at] + draw(st.sampled_from(list(" \tX*-?<>@9a\u00b2") + [""])) + line[at + 1:]
    return line


RECIPIENTS = st.one_of(
    st.from_regex(r"<?[a-z0-9.]{1,12}(@[a-zA-Z0-9.]{0,20})?>?", fullmatch=True),
    st.text(alphabet=" <>@.()aZ9\u00b2", min_size=1, max_size=12))


def listing(entries, indent):
    lines = ["-----Q-ID----- --Size-- -----Q-Time----- ------------Sender/Recipient-----------"]
    for line, reason, recipients in entries:
        lines.append(line)
        if reason:
            lines.append("                 (Deferred: %s)" % reason)
        lines.extend(indent + address for address in recipients)
    lines.append("\t\tTotal requests: %d" % len(entries))
    return "\n".join(lines) + "\n"


def comparable_parse(text):
    """parse_mail_queue's answer, the malformed lines' text without its indentation."""
    result = mail_queue.parse_mail_queue(text, "sendmail", ["example.com"])
    for sample in result["malformed"]:
        sample["text"] = sample["text"].strip()
    return result


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(entry_lines(), st.sampled_from(["", "Connection refused by [127.0.0.2]"]),
                          st.lists(RECIPIENTS, max_size=3)), min_size=1, max_size=6))
def test_the_inline_reading_agrees_with_the_general_reading(entries):
    """The usual entry and recipient lines, taken on sight, give what the general tests give.

    Five tabs before a recipient skip the tests of the other line shapes, four
    tabs and spaces go through them; _PLAIN_ENTRY matching nothing sends every
    entry line to _sendmail_entry_any.
    """
    assert ENTRY_LINES and all(mail_queue._PLAIN_ENTRY(sample) for sample in ENTRY_LINES)
    quick = comparable_parse(listing(entries, "\t\t\t\t\t "))
    with mock.patch.object(mail_queue, "_PLAIN_ENTRY", lambda line: None):
        general = comparable_parse(listing(entries, "\t\t\t\t     "))
    assert quick == general
