"""ip_block's decisions with a faked host: `ip -j` answers from the captured
fixtures, iptables remembers its chains, files go to a temporary directory.

The real firewall, routes, timer and boot units are exercised in the
incident_web Molecule scenario; here the order of things is checked: every
refusal before any change, check mode changing nothing, what an unblock
removes.
"""

import json
import os

import pytest
from ansible.module_utils.testing import patch_module_args
from conftest import FIXTURES

from ansible_collections.sysfix.hardening.plugins.module_utils import firewall_chain
from ansible_collections.sysfix.hardening.plugins.modules import ip_block

CAPTURED = FIXTURES / "ip_block"


class FakeHost:
    """Answers ip, iptables and iptables-restore the way the prepared container does."""

    def __init__(self):
        self.calls = []
        self.chains = {"iptables": {}, "ip6tables": {}}
        self.parents = {"iptables": {"INPUT": []}, "ip6tables": {"INPUT": []}}
        self.routes = {"-4": [], "-6": []}

    def answer(self, args, data):
        command = os.path.basename(args[0])
        self.calls.append((command, list(args[1:])))
        if command == "ip":
            rest = args[1:]
            if rest[:1] == ["-j"]:
                what = " ".join(rest[1:])
                table = {
                    "addr show": "ip-j-addr-debian12.json",
                    "-4 route show default": "ip-j-4-route-default-debian12.json",
                    "-6 route show default": None,
                    "-4 route show table main": "ip-j-4-route-main-debian12.json",
                    "-6 route show table main": "ip-j-6-route-main-debian12.json",
                }
                name = table[what]
                found = json.loads((CAPTURED / name).read_text()) if name else []
                if what.endswith("table main"):
                    found += [{"type": "unreachable", "dst": dst} for dst in self.routes[rest[1]]]
                return 0, json.dumps(found), ""
            version, action, address = rest[0], rest[2], rest[4]
            if action == "add":
                self.routes[version].append(address)
            elif action == "del":
                self.routes[version].remove(address)
            return 0, "", ""
        family = "ip6tables" if command.startswith("ip6tables") else "iptables"
        if command.endswith("-restore"):
            if "--test" not in args:
                lines = data.decode().splitlines() if isinstance(data, bytes) else data.splitlines()
                chain = lines[1][1:].split()[0]
                self.chains[family][chain] = [line for line in lines if line.startswith("-A ")]
            return 0, "", ""
        rest = [a for a in args[1:] if a not in ("-w",)]
        if rest[:2] == ["-t", "filter"]:
            rest = rest[2:]
        if rest[0] == "-S":
            chain = rest[1]
            if chain in ("INPUT", "FORWARD", "OUTPUT"):
                jumps = self.parents[family].get(chain, [])
                return 0, "-P %s ACCEPT\n%s" % (chain, "".join("-A %s %s\n" % (chain, j) for j in jumps)), ""
            if chain not in self.chains[family]:
                return 1, "", "iptables: No chain/target/match by that name."
            return 0, "-N %s\n%s" % (chain, "".join(line + "\n" for line in self.chains[family][chain])), ""
        if rest[0] == "-X":
            self.chains[family].pop(rest[1], None)
        if rest[0] == "-I":
            self.parents[family][rest[1]].insert(0, " ".join(rest[3:]))
        if rest[0] == "-D":
            self.parents[family][rest[1]].remove(" ".join(rest[2:]))
        return 0, "", ""

    def changing_calls(self):
        """Calls that change the host: everything but reading and --test."""
        changing = []
        for command, args in self.calls:
            if command == "ip" and args[:1] == ["-j"]:
                continue
            if command.endswith("-restore") and "--test" in args:
                continue
            if "-S" in args:
                continue
            changing.append((command, args))
        return changing


@pytest.fixture()
def host(monkeypatch, tmp_path):
    fake = FakeHost()

    def get_bin_path(self, name, required=False, opt_dirs=None):
        return None if name == "systemctl" else "/usr/sbin/" + name

    def run_command(self, args, data=None, environ_update=None, **kwargs):
        return fake.answer(args, data)

    monkeypatch.setattr(ip_block.AnsibleModule, "get_bin_path", get_bin_path)
    monkeypatch.setattr(ip_block.AnsibleModule, "run_command", run_command)
    monkeypatch.setattr(ip_block, "SCRIPT", str(tmp_path / "sbin" / "sysfix-ip-block"))
    monkeypatch.setattr(ip_block, "UNIT_DIR", str(tmp_path / "systemd"))
    monkeypatch.setattr(firewall_chain, "RESTORE_SCRIPT", str(tmp_path / "sbin" / "sysfix-iptables-restore"))
    monkeypatch.setattr(firewall_chain, "UNIT_FILE", str(tmp_path / "systemd" / "sysfix-iptables.service"))
    fake.tmp = tmp_path
    return fake


def run(capsys, host, check_mode=False, **args):
    args.setdefault("state_file", str(host.tmp / "lib" / "ip_block.json"))
    args.setdefault("log_file", str(host.tmp / "log" / "ip_block.log"))
    args.setdefault("persist_dir", str(host.tmp / "persist"))
    args.setdefault("controller_address", "")
    args["_ansible_check_mode"] = check_mode
    with patch_module_args(args), pytest.raises(SystemExit):
        ip_block.main()
    return json.loads(capsys.readouterr().out)


def files(tmp_path):
    return sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())


def test_every_problem_is_named_and_nothing_is_touched(capsys, host):
    result = run(capsys, host, addresses=["banana", "203.0.113.1", "198.51.100.80", "203.0.113.201", "203.0.113.9"],
                 allowlist=["203.0.113.200/29"], controller_address="198.51.100.77")
    assert result["failed"] is True
    assert result["msg"] == (
        "Nothing was changed. Not an address to block: 'banana' is not an IPv4 or IPv6 address or network. "
        "Refused: 203.0.113.1/32 (it is 203.0.113.1, a default gateway of this host); "
        "198.51.100.80/32 (it is 198.51.100.80, an address of this host (lo)); "
        "203.0.113.201/32 (it is inside 203.0.113.200/29, in the allow-list).")
    assert host.changing_calls() == [] and files(host.tmp) == []


def test_skip_blocks_the_others_and_lists_the_refused(capsys, host):
    result = run(capsys, host, addresses=["203.0.113.1", "203.0.113.9"], on_refusal="skip", reason="triage")
    assert result["changed"] is True
    assert result["refused"] == [{"address": "203.0.113.1/32", "reason": "it is 203.0.113.1, a default gateway of this host"}]
    assert [e["address"] for e in result["entries"]] == ["203.0.113.9/32"]


def test_check_mode_reports_the_block_and_changes_nothing(capsys, host):
    result = run(capsys, host, check_mode=True, addresses=["203.0.113.9", "2001:db8:10::/48"], ttl="1h", route=True)
    assert result["changed"] is True
    assert [e["address"] for e in result["blocked"]] == ["203.0.113.9/32", "2001:db8:10::/48"]
    assert result["routes_added"] == ["203.0.113.9/32", "2001:db8:10::/48"]
    assert result["log_lines"][0].endswith("block 203.0.113.9/32 who=\"%s\" reason=\"blocked\" ttl=1h expires=%s route=added"
                                           % (result["blocked"][0]["who"], result["blocked"][0]["expires_at"]))
    assert host.changing_calls() == [] and files(host.tmp) == []
    headers = [d["after_header"] for d in result["diff"]]
    assert headers[0].endswith("ip_block.json (blocks)") and "/usr/sbin/iptables -S SYSFIX-BLOCK" in headers


def test_a_block_then_the_same_block_then_the_unblock(capsys, host):
    first = run(capsys, host, addresses=["203.0.113.9"], reason="scan", who="alice", route=True)
    assert first["changed"] is True
    assert host.chains["iptables"]["SYSFIX-BLOCK"] == [
        "-A SYSFIX-BLOCK -m comment --comment %s -s 203.0.113.9/32 -j DROP" % first["blocked"][0]["tag"]]
    assert ("ip", ["-4", "route", "add", "unreachable", "203.0.113.9/32"]) in host.changing_calls()
    assert ("iptables", ["-w", "-t", "filter", "-I", "INPUT", "1", "-m", "comment", "--comment",
                         "sysfix:jump:SYSFIX-BLOCK:da39a3ee5e6b", "-j", "SYSFIX-BLOCK"]) in host.changing_calls()
    state = json.loads((host.tmp / "lib" / "ip_block.json").read_text())
    assert [(e["address"], e["reason"], e["who"], e["route"]) for e in state["entries"]] == [
        ("203.0.113.9/32", "scan", "alice", "added")]
    assert (host.tmp / "persist" / "SYSFIX-BLOCK.v4").exists()
    assert (host.tmp / "sbin" / "sysfix-ip-block").read_text().startswith("#!/usr/bin/python3")
    assert "\nOnUnitActiveSec=60s\n" in (host.tmp / "systemd" / "sysfix-ip-block-expire.timer").read_text()

    again = run(capsys, host, addresses=["203.0.113.9"], reason="scan", who="alice", route=True)
    assert again["changed"] is False and [e["address"] for e in again["already_blocked"]] == ["203.0.113.9/32"]

    gone = run(capsys, host, addresses=["203.0.113.9", "203.0.113.10"], state="absent", who="bob", reason="done")
    assert gone["changed"] is True
    assert gone["not_blocked"] == [{"address": "203.0.113.10/32", "covered_by": []}]
    assert "SYSFIX-BLOCK" not in host.chains["iptables"]
    assert not (host.tmp / "persist" / "SYSFIX-BLOCK.v4").exists()
    assert json.loads((host.tmp / "lib" / "ip_block.json").read_text())["entries"] == []
    log = (host.tmp / "log" / "ip_block.log").read_text().splitlines()
    assert [line.split()[1:3] for line in log] == [["block", "203.0.113.9/32"], ["unblock", "203.0.113.9/32"]]
    assert 'who="bob" reason="done"' in log[1]


def test_an_address_inside_a_blocked_network_is_reported_as_covered(capsys, host):
    run(capsys, host, addresses=["198.51.100.128/25"])
    result = run(capsys, host, addresses=["198.51.100.130"], state="absent")
    assert result["changed"] is False
    assert result["not_blocked"] == [{"address": "198.51.100.130/32", "covered_by": ["198.51.100.128/25"]}]


def test_a_network_with_a_route_of_another_kind_is_refused_for_a_route_only(capsys, host):
    result = run(capsys, host, addresses=["203.0.113.0/24"], route=True, controller_address="")
    # The gateway is inside; the connected route would be refused too.
    assert "a default gateway" in result["msg"]
    with_route = run(capsys, host, addresses=["192.0.2.0/25"], route=True)
    # An unreachable route there already is used, and left in place on unblock.
    assert with_route["blocked"][0]["route"] == "existing" and with_route["routes_added"] == []


def test_bad_settings_fail_before_anything(capsys, host):
    assert "ttl 'soon'" in run(capsys, host, addresses=["203.0.113.9"], ttl="soon")["msg"]
    assert "parent_chains" in run(capsys, host, addresses=["203.0.113.9"], parent_chains=["PREROUTING"])["msg"]
    assert "expiry_interval" in run(capsys, host, addresses=["203.0.113.9"], expiry_interval=0)["msg"]
    assert host.changing_calls() == [] and files(host.tmp) == []


def test_the_controller_is_found_up_the_process_tree(tmp_path, monkeypatch):
    """python <- sh <- sudo (has SSH_CONNECTION) <- sshd, as /proc shows it."""
    proc = tmp_path / "proc"
    tree = {300: (200, b"PATH=/usr/bin\0"), 200: (100, b"SSH_CONNECTION=198.51.100.77 50022 198.51.100.80 22\0"),
            100: (1, b"")}
    for pid, (parent, environ) in tree.items():
        (proc / str(pid)).mkdir(parents=True)
        (proc / str(pid) / "environ").write_bytes(environ)
        (proc / str(pid) / "stat").write_text("%d (s h) S %d 1 1 0" % (pid, parent))
    monkeypatch.setattr(ip_block.os, "getppid", lambda: 300)
    assert ip_block.detect_controller(environ={}, proc=str(proc)) == "198.51.100.77"
    assert ip_block.detect_controller(environ={"SSH_CLIENT": "2001:db8::7 1 22"}, proc=str(proc)) == "2001:db8::7"
    tree_without = proc / "200" / "environ"
    tree_without.write_bytes(b"HOME=/root\0")
    assert ip_block.detect_controller(environ={}, proc=str(proc)) is None
