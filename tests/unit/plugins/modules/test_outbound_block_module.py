"""outbound_block against a fake iptables that keeps its rules in memory.

The fake prints rules as it got them (the real iptables rewrites --syn and
names into their canonical form); the real iptables, ip6tables, owner match
and netfilter-persistent are exercised in the sendmail_limits scenario.
"""

import json
import shlex

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.sysfix.hardening.plugins.modules import outbound_block

TAG = "test: outbound SMTP"


class FakeNetfilter:
    def __init__(self, saved_dir):
        self.rules = {"iptables": [], "ip6tables": []}
        self.saved_dir = saved_dir
        self.commands = []

    def listing(self, tool):
        return "-P OUTPUT ACCEPT\n" + "".join(
            "-A OUTPUT %s\n" % " ".join(shlex.quote(a) if a != "!" else a for a in rule)
            for rule in self.rules[tool]
        )

    def __call__(self, args, **kwargs):
        args = list(args)
        self.commands.append(args)
        tool = args[0].rsplit("/", 1)[-1]
        if tool == "netfilter-persistent":
            for name, key in (("rules.v4", "iptables"), ("rules.v6", "ip6tables")):
                (self.saved_dir / name).write_text("# Generated\n*filter\n%sCOMMIT\n" % self.listing(key).split("\n", 1)[1])
            return 0, "", ""
        assert args[1] == "-w" and args[3] == "OUTPUT", args
        action, rule = args[2], args[4:]
        if action == "-S":
            return 0, self.listing(tool), ""
        if action == "-C":
            return (0 if rule in self.rules[tool] else 1), "", ""
        if action == "-D":
            self.rules[tool].remove(rule)
            return 0, "", ""
        if action == "-I":
            self.rules[tool].insert(int(rule[0]) - 1, rule[1:])
            return 0, "", ""
        raise AssertionError(args)

    def changing(self):
        return [c for c in self.commands if c[0].endswith("netfilter-persistent") or c[2] in ("-D", "-I")]


@pytest.fixture()
def netfilter(monkeypatch, tmp_path):
    fake = FakeNetfilter(tmp_path)
    monkeypatch.setattr(outbound_block.AnsibleModule, "run_command", lambda self, args, **kw: fake(args, **kw))
    monkeypatch.setattr(outbound_block.AnsibleModule, "get_bin_path", lambda self, name, *a, **kw: "/usr/sbin/" + name)
    monkeypatch.setattr(outbound_block, "SAVED_FILES",
                        {"ipv4": str(tmp_path / "rules.v4"), "ipv6": str(tmp_path / "rules.v6")})
    return fake


def run(capsys, check_mode=False, **args):
    args.setdefault("port", 25)
    args.setdefault("tag", TAG)
    args.setdefault("exempt_users", ["root"])
    args.setdefault("exempt_groups", ["root"])
    args["_ansible_check_mode"] = check_mode
    with patch_module_args(args), pytest.raises(SystemExit):
        outbound_block.main()
    return json.loads(capsys.readouterr().out)


def test_adds_the_rule_to_both_versions_and_saves(capsys, netfilter, tmp_path):
    result = run(capsys)
    assert result["changed"] and result["persisted"]
    assert result["changed_versions"] == ["ipv4", "ipv6"]
    wanted = ["-p", "tcp", "--syn", "--dport", "25", "-m", "owner", "!", "--uid-owner", "root",
              "-m", "owner", "!", "--gid-owner", "root", "-m", "comment", "--comment", TAG,
              "-j", "REJECT", "--reject-with", "tcp-reset"]
    assert netfilter.rules == {"iptables": [wanted], "ip6tables": [wanted]}
    assert TAG in (tmp_path / "rules.v4").read_text() and TAG in (tmp_path / "rules.v6").read_text()
    assert result["rules"]["ipv4"] == ["-A OUTPUT " + " ".join(shlex.quote(a) if a != "!" else a for a in wanted)]
    assert result["diff"]["before"] == "" and result["diff"]["after"].startswith("ipv4: -A OUTPUT -p tcp --syn")


def test_second_run_changes_nothing(capsys, netfilter):
    run(capsys)
    netfilter.commands.clear()
    result = run(capsys)
    assert not result["changed"] and not result["persisted"]
    assert netfilter.changing() == []


def test_check_mode_reports_and_changes_nothing(capsys, netfilter, tmp_path):
    result = run(capsys, check_mode=True)
    assert result["changed"] and result["persisted"] and result["changed_versions"] == ["ipv4", "ipv6"]
    assert netfilter.rules == {"iptables": [], "ip6tables": []}
    assert netfilter.changing() == [] and not (tmp_path / "rules.v4").exists()
    assert result["rules"]["ipv4"][0].startswith("-A OUTPUT -p tcp --syn --dport 25")


def test_a_changed_exemption_replaces_the_old_rule(capsys, netfilter):
    run(capsys)
    result = run(capsys, exempt_users=["root", "nobody"])
    assert result["changed"] and result["changed_versions"] == ["ipv4", "ipv6"]
    (rule,) = netfilter.rules["iptables"]
    assert rule.count("--uid-owner") == 2 and "nobody" in rule
    assert "nobody" not in result["diff"]["before"] and "nobody" in result["diff"]["after"]


def test_duplicates_are_removed(capsys, netfilter):
    run(capsys)
    netfilter.rules["iptables"].append(list(netfilter.rules["iptables"][0]))
    result = run(capsys)
    assert result["changed_versions"] == ["ipv4"]
    assert len(netfilter.rules["iptables"]) == 1


def test_rules_of_others_are_left_alone(capsys, netfilter):
    other = ["-p", "tcp", "--dport", "8080", "-j", "ACCEPT"]
    netfilter.rules["iptables"].append(other)
    run(capsys)
    assert netfilter.rules["iptables"][1] == other
    run(capsys, state="absent")
    assert netfilter.rules["iptables"] == [other]


def test_absent_removes_and_saves(capsys, netfilter, tmp_path):
    run(capsys)
    result = run(capsys, state="absent")
    assert result["changed"] and result["persisted"]
    assert netfilter.rules == {"iptables": [], "ip6tables": []}
    assert TAG not in (tmp_path / "rules.v4").read_text()
    result = run(capsys, state="absent")
    assert not result["changed"]


def test_live_rule_missing_from_the_saved_file_is_saved(capsys, netfilter, tmp_path):
    run(capsys)
    (tmp_path / "rules.v4").write_text("*filter\nCOMMIT\n")
    result = run(capsys, check_mode=True)
    assert result["changed"] and result["persisted"] and result["changed_versions"] == []
    result = run(capsys)
    assert result["persisted"] and TAG in (tmp_path / "rules.v4").read_text()


def test_only_the_asked_versions_are_touched(capsys, netfilter):
    run(capsys, ip_versions=["ipv4"])
    assert netfilter.rules["ip6tables"] == []


def test_drop_target(capsys, netfilter):
    run(capsys, target="DROP")
    assert netfilter.rules["iptables"][0][-2:] == ["-j", "DROP"]


@pytest.mark.parametrize(
    "args, message",
    [
        ({"exempt_users": ["no-such-user-here"]}, "exempt user no-such-user-here does not exist"),
        ({"exempt_groups": ["no-such-group-here"]}, "exempt group no-such-group-here does not exist"),
        ({"port": 0}, "port must be from 1 to 65535"),
        ({"tag": 'say "hi"'}, "tag may hold letters"),
    ],
)
def test_bad_arguments_fail_before_any_command(capsys, netfilter, args, message):
    result = run(capsys, **args)
    assert result["failed"] and message in result["msg"]
    assert netfilter.commands == []


def test_numeric_exemptions_are_accepted(capsys, netfilter):
    result = run(capsys, exempt_users=["0"], exempt_groups=["0"])
    assert result["changed"]


def test_absent_without_iptables_is_a_no_op(capsys, netfilter, monkeypatch):
    monkeypatch.setattr(outbound_block.AnsibleModule, "get_bin_path", lambda self, name, *a, **kw: None)
    result = run(capsys, state="absent")
    assert not result["changed"] and result["rules"] == {}
    assert netfilter.commands == []


def test_present_without_netfilter_persistent_fails_before_any_command(capsys, netfilter, monkeypatch):
    monkeypatch.setattr(outbound_block.AnsibleModule, "get_bin_path",
                        lambda self, name, *a, **kw: None if name == "netfilter-persistent" else "/usr/sbin/" + name)
    result = run(capsys)
    assert result["failed"] and "netfilter-persistent is not installed" in result["msg"]
    assert netfilter.commands == []
