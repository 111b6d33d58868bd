"""mailstats parser against output captured in the test images (see fixtures/mail_stats/README.md).

On Debian 12 the MTA took 26 messages (3 from outside through the esmtp mailer,
2 of them rejected by the access map and 3 discarded), delivered 9 locally, and
the MSP relayed 6 local submissions; Debian 13 saw 10 messages and 1 delivery.
"""

import pytest
from conftest import FIXTURES, unicode_digit_variants
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.sysfix.hardening.plugins.module_utils import mail_stats


def fixture(name):
    return (FIXTURES / "mail_stats" / name).read_text()


def test_debian12_human_listing():
    result = mail_stats.parse_mailstats(fixture("mailstats-debian12.txt"))
    assert result["format"] == "mailstats" and result["malformed_count"] == 0
    mta = result["sections"]["MTA"]
    assert mta["start"] == "Sat Nov 28 00:01:03 2026" and mta["start_epoch"] is None
    assert mta["mailers"]["esmtp"] == {
        "index": 5, "msgs_from": 3, "kbytes_from": 3, "msgs_to": 0, "kbytes_to": 0,
        "msgs_rejected": 2, "msgs_discarded": 3, "msgs_quarantined": 0}
    assert mta["mailers"]["local"]["kbytes_from"] == 254
    assert mta["totals"]["msgs_from"] == 26 and mta["totals"]["msgs_rejected"] == 2
    assert mta["connections"] == {"from": 28, "to": 0, "rejected": 5}
    msp = result["sections"]["MSP"]
    assert sorted(msp["mailers"]) == ["local", "relay"]
    assert msp["connections"] == {"from": 0, "to": 4, "rejected": 0}


@pytest.mark.parametrize("release", ["debian12", "debian13"])
def test_raw_listing_has_the_same_numbers_and_epoch_times(release):
    human = mail_stats.parse_mailstats(fixture("mailstats-%s.txt" % release))
    raw = mail_stats.parse_mailstats(fixture("mailstats-P-%s.txt" % release))
    assert raw["format"] == "mailstats -P" and raw["malformed_count"] == 0
    assert list(raw["sections"]) == ["MSP", "MTA"]
    for name in ("MSP", "MTA"):
        for key in ("mailers", "totals", "connections"):
            assert raw["sections"][name][key] == human["sections"][name][key], (name, key)
        assert raw["sections"][name]["start_epoch"] <= raw["sections"][name]["now_epoch"]
        assert raw["sections"][name]["start"] is None


def test_debian13_msp_without_mailers():
    msp = mail_stats.parse_mailstats(fixture("mailstats-P-debian13.txt"))["sections"]["MSP"]
    assert msp["mailers"] == {} and msp["totals"]["msgs_from"] == 0
    assert msp["start_epoch"] == 1795824171


def test_missing_statistics_files():
    result = mail_stats.parse_mailstats(fixture("mailstats-debian12-no-statistics-file.txt"))
    assert result["format"] == "unknown" and result["malformed_count"] == 0
    assert result["sections"]["MTA"]["errors"] == [
        "mailstats: /var/lib/sendmail/sendmail.st: No such file or directory"]
    assert result["sections"]["MTA"]["totals"] is None


def test_synthetic_without_quarantine_and_without_debian_titles():
    """Synthetic: a sendmail built without quarantine support prints one column less."""
    text = ("Statistics from Mon Jan  1 00:00:00 2024\n"
            " M   msgsfr  bytes_from   msgsto    bytes_to  msgsrej msgsdis  Mailer\n"
            " 5       10         20K       30         40K        1       2  esmtp\n"
            "=====================================================================\n"
            " T       10         20K       30         40K        1       2\n"
            " C       10                   30                    1\n")
    result = mail_stats.parse_mailstats(text)
    section = result["sections"]["mailstats"]
    assert section["mailers"]["esmtp"]["msgs_quarantined"] is None
    assert section["mailers"]["esmtp"]["kbytes_to"] == 40
    assert section["totals"]["msgs_discarded"] == 2
    assert result["malformed_count"] == 0


def test_truncated_rows_are_malformed():
    lines = fixture("mailstats-P-debian12.txt").splitlines()
    lines[2] = lines[2][:20]
    lines[4] = lines[4].replace(" 6 ", " six ", 1)
    result = mail_stats.parse_mailstats("\n".join(lines))
    assert [m["line"] for m in result["malformed"]] == [3, 5]
    assert "local" not in result["sections"]["MSP"]["mailers"]


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(), st.lists(st.sampled_from(fixture("mailstats-debian12.txt").splitlines()
                                                     + fixture("mailstats-P-debian12.txt").splitlines()
                                                     + ["", "garbage", " 3 x"]), max_size=20)
                 .map("\n".join)))
def test_arbitrary_input_never_raises(text):
    result = mail_stats.parse_mailstats(text)
    assert result["malformed_count"] >= len(result["malformed"])


@pytest.mark.parametrize("name", sorted(p.name for p in (FIXTURES / "mail_stats").glob("*.txt")))
def test_unicode_digits_in_any_line_never_raise(name):
    """A number made of "²" (isdigit() says yes, int() says no) is a malformed line, not an exception."""
    for number, text in unicode_digit_variants(fixture(name)):
        result = mail_stats.parse_mailstats(text)
        assert result["malformed_count"] >= len(result["malformed"]), number


@settings(max_examples=100, deadline=None)
@given(st.from_regex(r"[a-z][a-z0-9]{0,8}( [a-z0-9]{1,8}){0,5}", fullmatch=True).filter(
    lambda line: not line.endswith(" statistics...") and not line.startswith("mailstats:")))
def test_a_garbage_line_is_counted_once(garbage):
    lines = fixture("mailstats-P-debian12.txt").splitlines()
    lines.insert(3, garbage)
    result = mail_stats.parse_mailstats("\n".join(lines))
    assert result["malformed_count"] == 1 and result["malformed"][0]["line"] == 4
    assert result["sections"]["MTA"]["totals"]["msgs_from"] == 26
