"""Firewall chain helpers, against `iptables -S` output captured in the
codered_filter container (tests/unit/fixtures/iptables/README.md)."""

from conftest import FIXTURES

from ansible_collections.sysfix.hardening.plugins.module_utils import iptables

CAPTURED = FIXTURES / "iptables"
RULE = '-p tcp -m string --algo bm --string "/default.ida?" -j REJECT --reject-with tcp-reset'
JUMP = "-p tcp -m multiport --dports 80"


def test_tags_follow_the_rule_text_not_its_spacing():
    assert iptables.rule_tag(RULE) == iptables.rule_tag(RULE.replace(" -j", "   -j"))
    assert iptables.rule_tag(RULE) != iptables.rule_tag(RULE.replace("80", "81").replace("ida", "idq"))
    assert iptables.rule_tag(RULE) == "sysfix:00766fcb7a4e"


def test_chain_tags_read_what_iptables_printed():
    listing = (CAPTURED / "iptables-S-SYSFIX-WORMS-debian12.txt").read_text()
    assert iptables.chain_tags(listing, "SYSFIX-WORMS") == [iptables.rule_tag(RULE)]
    assert iptables.chain_tags(listing + "-A SYSFIX-WORMS -s 192.0.2.1/32 -j DROP\n", "SYSFIX-WORMS") == [
        iptables.rule_tag(RULE), None
    ]


def test_jump_lines_find_ours_and_the_admins():
    listing = (CAPTURED / "iptables-S-INPUT-debian12.txt").read_text()
    found = iptables.jump_lines(listing, "INPUT", "SYSFIX-WORMS")
    assert [tag for tag, _line in found] == [iptables.jump_tag("SYSFIX-WORMS", JUMP), None]
    assert iptables.jump_lines(listing, "INPUT", "SYSFIX-WORM") == []


def test_delete_args_keep_quoted_words_whole():
    line = '-A INPUT -p tcp -m comment --comment "sysfix:jump:SYSFIX-WORMS:b7eb87fd8269" -m multiport --dports 80 -j SYSFIX-WORMS'
    assert iptables.delete_args(line) == [
        "-D", "INPUT", "-p", "tcp", "-m", "comment", "--comment", "sysfix:jump:SYSFIX-WORMS:b7eb87fd8269",
        "-m", "multiport", "--dports", "80", "-j", "SYSFIX-WORMS",
    ]


def test_restore_text_is_what_the_module_persisted():
    text = iptables.restore_text("filter", "SYSFIX-WORMS", [RULE], [("INPUT", JUMP)])
    assert text == (CAPTURED / "persisted-SYSFIX-WORMS.v4").read_text()


def test_restore_text_of_an_empty_chain_still_declares_it():
    assert iptables.restore_text("filter", "SYSFIX-BLOCK", []) == "*filter\n:SYSFIX-BLOCK - [0:0]\nCOMMIT\n"
