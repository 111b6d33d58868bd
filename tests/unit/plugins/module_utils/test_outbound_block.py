"""Pure helpers of the owner-matched OUTPUT rule, against `iptables -S` and
`iptables-save` output captured in the test images
(tests/unit/fixtures/outbound_block/)."""

import pytest
from conftest import FIXTURES

from ansible_collections.sysfix.hardening.plugins.module_utils import outbound_block

TAG = "sysfix.hardening sendmail_limits: outbound SMTP"
RELEASES = {"debian12": ("102", "105"), "debian13": ("101", "103")}


def fixture(name):
    return (FIXTURES / "outbound_block" / name).read_text()


def test_rule_args_reject_with_a_reset():
    assert outbound_block.rule_args(25, ["root", "smmta"], ["smmsp"], "REJECT", TAG) == [
        "-p", "tcp", "--syn", "--dport", "25",
        "-m", "owner", "!", "--uid-owner", "root",
        "-m", "owner", "!", "--uid-owner", "smmta",
        "-m", "owner", "!", "--gid-owner", "smmsp",
        "-m", "comment", "--comment", TAG, "-j", "REJECT", "--reject-with", "tcp-reset",
    ]


def test_rule_args_drop_has_no_reject_option():
    args = outbound_block.rule_args(587, [], [], "DROP", TAG)
    assert args[-2:] == ["-j", "DROP"] and "--reject-with" not in args


@pytest.mark.parametrize("release", RELEASES)
def test_tagged_rules_finds_only_the_tagged_rule(release):
    uid, gid = RELEASES[release]
    rules = outbound_block.tagged_rules(fixture("iptables-S-OUTPUT-%s.txt" % release), "OUTPUT", TAG)
    assert rules == [[
        "-p", "tcp", "-m", "tcp", "--dport", "25", "--tcp-flags", "FIN,SYN,RST,ACK", "SYN",
        "-m", "owner", "!", "--uid-owner", "0", "-m", "owner", "!", "--uid-owner", uid,
        "-m", "owner", "!", "--gid-owner", gid, "-m", "comment", "--comment", TAG,
        "-j", "REJECT", "--reject-with", "tcp-reset",
    ]]
    assert outbound_block.tagged_rules(fixture("iptables-S-OUTPUT-%s.txt" % release), "INPUT", TAG) == []
    assert outbound_block.tagged_rules(fixture("iptables-S-OUTPUT-%s.txt" % release), "OUTPUT", "other") == []


@pytest.mark.parametrize("release", RELEASES)
def test_rule_text_prints_the_rule_as_iptables_does(release):
    listing = fixture("iptables-S-OUTPUT-%s.txt" % release)
    (rule,) = outbound_block.tagged_rules(listing, "OUTPUT", TAG)
    assert outbound_block.rule_text("OUTPUT", rule) == listing.splitlines()[1].replace(
        '"%s"' % TAG, "'%s'" % TAG)


@pytest.mark.parametrize("release", RELEASES)
def test_iptables_save_output_holds_the_same_tagged_rule(release):
    save = outbound_block.tagged_rules(fixture("iptables-save-%s.txt" % release), "OUTPUT", TAG)
    listing = outbound_block.tagged_rules(fixture("iptables-S-OUTPUT-%s.txt" % release), "OUTPUT", TAG)
    assert save == listing
    ip6 = outbound_block.tagged_rules(fixture("ip6tables-S-OUTPUT-%s.txt" % release), "OUTPUT", TAG)
    assert ip6[0][-2:] == ["-j", "DROP"]


def test_normalize_save_ignores_time_stamps_and_counters():
    text = fixture("iptables-save-debian12.txt")
    later = text.replace("00:09:47", "01:02:03").replace(":OUTPUT ACCEPT [0:0]", ":OUTPUT ACCEPT [12:3456]")
    assert later != text
    assert outbound_block.normalize_save(later) == outbound_block.normalize_save(text)
    assert "Generated" not in outbound_block.normalize_save(text)


@pytest.mark.parametrize("tag", [TAG, "site: outbound SMTP", "a"])
def test_tag_pattern_accepts_plain_tags(tag):
    assert outbound_block.TAG_PATTERN.match(tag)


@pytest.mark.parametrize("tag", ["", " leading space", 'say "hi"', "it's", "a\nb", "x" * 300])
def test_tag_pattern_refuses_tags_iptables_would_print_escaped(tag):
    assert not outbound_block.TAG_PATTERN.match(tag)
