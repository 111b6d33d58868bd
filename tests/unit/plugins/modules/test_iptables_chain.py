"""iptables_chain: bad input fails before any iptables command runs."""

import json

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.sysfix.hardening.plugins.modules import iptables_chain


def run(capsys, monkeypatch, **args):
    def no_commands(*_args, **_kwargs):
        raise AssertionError("iptables_chain ran a command for bad input")

    monkeypatch.setattr(iptables_chain, "Firewall", no_commands)
    with patch_module_args(args), pytest.raises(SystemExit):
        iptables_chain.main()
    return json.loads(capsys.readouterr().out)


def test_a_rule_with_a_line_break_is_refused(capsys, monkeypatch):
    # A YAML folded scalar keeps the break before a more-indented line: the
    # rule would reach iptables-restore as two lines, the second without -A.
    result = run(capsys, monkeypatch, name="SYSFIX-SMTP-OUT",
                 rules=["-m owner ! --uid-owner root\n-j REJECT"])
    assert result["failed"]
    assert "spans several lines" in result["msg"]


@pytest.mark.parametrize("name", ["OUTPUT", "bad name", "X" * 29])
def test_a_builtin_or_malformed_chain_name_is_refused(capsys, monkeypatch, name):
    result = run(capsys, monkeypatch, name=name)
    assert result["failed"]
    assert "must be a new chain" in result["msg"]


def test_a_jump_rule_with_quotes_is_refused(capsys, monkeypatch):
    result = run(capsys, monkeypatch, name="SYSFIX-WORMS",
                 jumps=[{"chain": "INPUT", "rule": "-m comment --comment 'x'"}])
    assert result["failed"]
    assert "may only hold" in result["msg"]
