"""tcpd_patterns: messages name the list and the index of each bad entry."""

import json

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.sysfix.hardening.plugins.modules import tcpd_patterns


def run(capsys, **args):
    with patch_module_args(args), pytest.raises(SystemExit):
        tcpd_patterns.main()
    return json.loads(capsys.readouterr().out)


def test_patterns_and_containment(capsys):
    result = run(capsys, lists={"inetd_pop3_allowed_networks": ["198.51.100.0/24"],
                                "inetd_pop3_denied_networks": ["198.51.100.7", "ALL"]},
                 keywords=["ALL"])
    assert not result["changed"]
    assert result["patterns"] == {"inetd_pop3_allowed_networks": ["198.51.100.0/255.255.255.0"],
                                  "inetd_pop3_denied_networks": ["198.51.100.7", "ALL"]}
    assert {"inetd_pop3_denied_networks[0]", "inetd_pop3_allowed_networks[0]"} == {
        c["inner"] for c in result["contained"]}


def test_bad_entries_fail_naming_the_variable(capsys):
    result = run(capsys, lists={"inetd_pop3_denied_networks": ["203.0.113.9", "203.0.113.0/33", "ALL"]})
    assert result["failed"]
    assert result["errors"] == [
        "inetd_pop3_denied_networks[1]: '203.0.113.0/33' is not an IP address or a network in CIDR form",
        "inetd_pop3_denied_networks[2]: 'ALL' is not an IP address or a network in CIDR form",
    ]
    assert result["msg"] == "; ".join(result["errors"])
