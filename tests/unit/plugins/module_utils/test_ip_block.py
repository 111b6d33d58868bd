"""ip_block helpers, against `ip -j` output captured in the test images
(tests/unit/fixtures/ip_block/README.md), and the expiry script run against
fake iptables and ip commands."""

import ipaddress
import json
import os
import stat
import subprocess
import sys

import pytest
from conftest import FIXTURES

from ansible_collections.sysfix.hardening.plugins.module_utils import ip_block
from ansible_collections.sysfix.hardening.plugins.module_utils.iptables import restore_text, rule_tag

CAPTURED = FIXTURES / "ip_block"
RELEASES = ["debian12", "debian13"]
NO_PREFIX_LIMIT = {"ipv4": 8, "ipv6": 16}


def net(text):
    return ipaddress.ip_network(text)


@pytest.mark.parametrize("value, seconds", [
    (None, 0), ("", 0), ("0", 0), (0, 0), ("90", 90), (90, 90), ("90s", 90), ("15m", 900), ("1h", 3600),
    (" 2d ", 172800), ("1w", 604800),
])
def test_ttl_accepts_seconds_and_units(value, seconds):
    assert ip_block.parse_ttl(value) == seconds


@pytest.mark.parametrize("value", ["1 hour", "1h30m", "-5", "h", True, -1, "1y"])
def test_ttl_refuses_what_is_not_a_duration(value):
    with pytest.raises(ValueError):
        ip_block.parse_ttl(value)


def test_durations_read_back():
    assert [ip_block.format_duration(s) for s in (0, 5, 90, 3600, 90061)] == ["never", "5s", "1m30s", "1h", "1d1h1m1s"]


def test_targets_are_exact_networks():
    assert ip_block.parse_target(" 203.0.113.9 ") == net("203.0.113.9/32")
    assert ip_block.parse_target("2001:db8:9::/48") == net("2001:db8:9::/48")
    with pytest.raises(ValueError, match="has host bits set: write 203.0.113.9 for the one address or 203.0.113.0/24"):
        ip_block.parse_target("203.0.113.9/24")
    with pytest.raises(ValueError, match="is not an IPv4 or IPv6 address"):
        ip_block.parse_target("203.0.113.300")
    with pytest.raises(ValueError, match="empty"):
        ip_block.parse_target(" ")


@pytest.mark.parametrize("release", RELEASES)
def test_own_addresses_and_gateway_of_the_prepared_container(release):
    own = ip_block.own_addresses((CAPTURED / ("ip-j-addr-%s.json" % release)).read_text())
    assert (net("198.51.100.80/32"), "lo") in own and (net("127.0.0.1/32"), "lo") in own
    gateways = ip_block.default_gateways((CAPTURED / ("ip-j-4-route-default-%s.json" % release)).read_text())
    assert gateways == [ipaddress.ip_address("203.0.113.1")]


@pytest.mark.parametrize("release", RELEASES)
def test_routes_by_destination_tell_unreachable_from_connected(release):
    routes = ip_block.routes_by_destination((CAPTURED / ("ip-j-4-route-main-%s.json" % release)).read_text())
    routes.update(ip_block.routes_by_destination((CAPTURED / ("ip-j-6-route-main-%s.json" % release)).read_text()))
    assert routes[net("192.0.2.0/25")] == "unreachable"
    assert routes[net("2001:db8:9::/48")] == "unreachable"
    assert routes[net("203.0.113.0/24")] == "unicast"
    assert None not in routes


def test_multipath_default_routes_give_every_gateway():
    text = json.dumps([{"dst": "default", "flags": [], "nexthops": [
        {"gateway": "192.0.2.1", "dev": "eth0"}, {"gateway": "192.0.2.2", "dev": "eth1"}]}])
    assert ip_block.default_gateways(text) == [ipaddress.ip_address("192.0.2.1"), ipaddress.ip_address("192.0.2.2")]


PROTECTED = [
    (net("198.51.100.80/32"), "an address of this host (lo)"),
    (net("203.0.113.1/32"), "a default gateway of this host"),
    (net("203.0.113.200/29"), "in the allow-list"),
]


@pytest.mark.parametrize("target, reason", [
    ("0.0.0.0/0", "it is every IPv4 address"),
    ("::/0", "it is every IPv6 address"),
    ("127.0.0.1", "it is inside 127.0.0.0/8, loopback"),
    ("127.0.0.0/8", "it is 127.0.0.0/8, loopback"),
    ("127.1.0.0/16", "it is inside 127.0.0.0/8, loopback"),
    ("::1", "it is ::1, loopback"),
    ("0.0.0.0", "it is 0.0.0.0, the unspecified address"),
    ("::ffff:203.0.113.9", "it is an IPv4-mapped IPv6 address: block the IPv4 address instead"),
    ("192.0.0.0/4", "/4 is wider than the shortest prefix allowed (/8)"),
    ("198.51.100.80", "it is 198.51.100.80, an address of this host (lo)"),
    ("198.51.100.0/24", "it contains 198.51.100.80, an address of this host (lo)"),
    ("203.0.113.0/24", "it contains 203.0.113.1, a default gateway of this host"),
    ("203.0.113.201", "it is inside 203.0.113.200/29, in the allow-list"),
    ("203.0.113.192/26", "it contains 203.0.113.200/29, in the allow-list"),
])
def test_refusals_name_the_reason(target, reason):
    assert ip_block.refusal(ip_block.parse_target(target), PROTECTED, NO_PREFIX_LIMIT) == reason


@pytest.mark.parametrize("target", ["203.0.113.9", "192.0.2.128/25", "2001:db8:9::/48", "198.51.100.81"])
def test_ordinary_addresses_are_not_refused(target):
    assert ip_block.refusal(ip_block.parse_target(target), PROTECTED, NO_PREFIX_LIMIT) is None


def test_an_ipv6_allow_list_does_not_protect_ipv4():
    assert ip_block.refusal(net("203.0.113.9/32"), [(net("2001:db8::/32"), "in the allow-list")], NO_PREFIX_LIMIT) is None


@pytest.mark.parametrize("environ, address", [
    ({"SSH_CONNECTION": "198.51.100.77 50022 198.51.100.80 22"}, "198.51.100.77"),
    ({"SSH_CLIENT": "2001:db8::77 50022 22"}, "2001:db8::77"),
    ({"SSH_CONNECTION": "::ffff:198.51.100.77 50022 ::ffff:198.51.100.80 22"}, "198.51.100.77"),
    (b"HOME=/root\0SSH_CONNECTION=198.51.100.77 50022 198.51.100.80 22\0USER=root\0", "198.51.100.77"),
    ({"SSH_CONNECTION": "garbage"}, None),
    ({}, None),
    (b"", None),
])
def test_the_controller_is_read_from_ssh_variables(environ, address):
    assert ip_block.ssh_client_address(environ) == address


def test_parent_pid_survives_parentheses_in_the_name():
    assert ip_block.parent_pid("1234 (sh (odd) name) S 987 1234 1234 0 -1") == 987


def test_an_entry_carries_its_rule_and_tag():
    entry = ip_block.new_entry(net("203.0.113.9/32"), "scan", "alice", 1800000000, 3600, "added")
    assert entry["rule"] == "-s 203.0.113.9/32 -j DROP"
    assert entry["tag"] == rule_tag("-s 203.0.113.9/32 -j DROP")
    assert (entry["added_at"], entry["expires_at"]) == ("2027-01-15T08:00:00Z", "2027-01-15T09:00:00Z")
    assert ip_block.new_entry(net("203.0.113.9/32"), "", "a", 5, 0, "none")["expires"] is None


def test_expired_entries_are_split_off():
    keep = ip_block.new_entry(net("203.0.113.9/32"), "", "a", 100, 0, "none")
    later = ip_block.new_entry(net("203.0.113.10/32"), "", "a", 100, 60, "none")
    done = ip_block.new_entry(net("203.0.113.11/32"), "", "a", 100, 10, "none")
    assert ip_block.split_expired([keep, later, done], 110) == ([keep, later], [done])


def test_state_round_trip_and_sorted_like_the_chain():
    entries = [ip_block.new_entry(net(a), "r", "w", 1, 0, "none")
               for a in ("2001:db8::/48", "203.0.113.10/32", "192.0.2.0/25", "203.0.113.9/32")]
    text = ip_block.state_text(entries)
    assert [e["address"] for e in ip_block.load_state(text)] == [
        "192.0.2.0/25", "203.0.113.9/32", "203.0.113.10/32", "2001:db8::/48"]
    assert ip_block.load_state(None) == [] and ip_block.load_state("  ") == []
    with pytest.raises(ValueError):
        ip_block.load_state('{"entries": [{"address": "203.0.113.9/32"}]}')
    with pytest.raises(ValueError):
        ip_block.load_state("[]")


def test_log_lines_quote_free_text_so_it_cannot_forge_a_line():
    entry = ip_block.new_entry(net("203.0.113.9/32"), "x", "w", 1800000000, 0, "none")
    line = ip_block.log_line(1800000000, "block", entry, 'mallory"\n2027-01-01T00:00:00Z unblock', "r\nx")
    assert line.count("\n") == 1 and line.endswith("route=none\n")
    assert line.startswith('2027-01-15T08:00:00Z block 203.0.113.9/32 who="mallory\\"\\n2027')
    assert "ttl=" not in ip_block.log_line(1, "unblock", entry, "w", "r")


# --- The expiry script, run for real against fake iptables, ip6tables and ip ---

FAKE_COMMAND = r'''#!/bin/sh
# Records its arguments; answers -S CHAIN from $FAKE_DIR/NAME-S-CHAIN; a -D
# of a rule it deleted already fails, as iptables does.
call="$(basename "$0") $*"
if [ "$2" = "-D" ] && [ -f "$FAKE_DIR/calls" ] && grep -qxF -- "$call" "$FAKE_DIR/calls"; then exit 1; fi
echo "$call" >> "$FAKE_DIR/calls"
if [ "$2" = "-S" ] && [ -f "$FAKE_DIR/$(basename "$0")-S-$3" ]; then cat "$FAKE_DIR/$(basename "$0")-S-$3"; fi
exit 0
'''


@pytest.fixture()
def host_files(tmp_path):
    """A state file with an expired IPv4 and IPv6 block and a kept IPv4 one, as the module writes them."""
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    for name in ("iptables", "ip6tables", "ip"):
        path = fake_bin / name
        path.write_text(FAKE_COMMAND)
        path.chmod(path.stat().st_mode | stat.S_IEXEC)
    persist = tmp_path / "persist"
    persist.mkdir()
    kept = ip_block.new_entry(net("192.0.2.128/25"), "converge", "root", 1000, 0, "none")
    gone4 = ip_block.new_entry(net("203.0.113.13/32"), "short", "root", 1000, 5, "added")
    gone6 = ip_block.new_entry(net("2001:db8:10::/48"), "short", "root", 1000, 5, "none")
    state = tmp_path / "ip_block.json"
    state.write_text(ip_block.state_text([kept, gone4, gone6]))
    jumps = [("INPUT", "")]
    (persist / "SYSFIX-BLOCK.v4").write_text(
        restore_text("filter", "SYSFIX-BLOCK", [kept["rule"], gone4["rule"]], jumps))
    (persist / "SYSFIX-BLOCK.v6").write_text(restore_text("filter", "SYSFIX-BLOCK", [gone6["rule"]], jumps))
    (tmp_path / "iptables-S-SYSFIX-BLOCK").write_text(
        "-N SYSFIX-BLOCK\n-A SYSFIX-BLOCK -s 192.0.2.128/25 -m comment --comment \"%s\" -j DROP\n"
        "-A SYSFIX-BLOCK -s 203.0.113.13/32 -m comment --comment \"%s\" -j DROP\n" % (kept["tag"], gone4["tag"]))
    script = tmp_path / "sysfix-ip-block"
    script.write_text(ip_block.EXPIRY_SCRIPT % {
        "script": str(script), "state": str(state), "log": str(tmp_path / "ip_block.log"),
        "persist_dir": str(persist), "chain": "SYSFIX-BLOCK"})
    return tmp_path, kept, gone4, gone6


def run_script(tmp_path, action):
    env = dict(os.environ, PATH="%s:%s" % (tmp_path / "bin", os.environ["PATH"]), FAKE_DIR=str(tmp_path))
    return subprocess.run([sys.executable, str(tmp_path / "sysfix-ip-block"), action], env=env,
                          capture_output=True, text=True, check=False)


def calls(tmp_path):
    path = tmp_path / "calls"
    return path.read_text().splitlines() if path.exists() else []


def test_expiry_removes_exactly_the_expired_blocks(host_files):
    tmp_path, kept, gone4, gone6 = host_files
    proc = run_script(tmp_path, "expire")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "ended 2 block(s): 203.0.113.13/32, 2001:db8:10::/48\n"
    assert [e["address"] for e in json.loads((tmp_path / "ip_block.json").read_text())["entries"]] == ["192.0.2.128/25"]
    # IPv4 keeps a block: only the expired rule goes, live and in the boot-time file,
    # which is then exactly what the module writes for the kept block.
    assert calls(tmp_path)[:2] == [
        "iptables -w -S SYSFIX-BLOCK",
        "iptables -w -D SYSFIX-BLOCK -s 203.0.113.13/32 -m comment --comment %s -j DROP" % gone4["tag"],
    ]
    assert (tmp_path / "persist" / "SYSFIX-BLOCK.v4").read_text() == restore_text(
        "filter", "SYSFIX-BLOCK", [kept["rule"]], [("INPUT", "")])
    # IPv6 has none left: its jump, chain and file go.
    assert "ip6tables -w -D INPUT -m comment --comment sysfix:jump:SYSFIX-BLOCK:da39a3ee5e6b -j SYSFIX-BLOCK" \
        in calls(tmp_path)
    assert calls(tmp_path)[-3:] == ["ip6tables -w -F SYSFIX-BLOCK", "ip6tables -w -X SYSFIX-BLOCK",
                                    "ip -4 route del unreachable 203.0.113.13/32"]
    assert not (tmp_path / "persist" / "SYSFIX-BLOCK.v6").exists()
    log = (tmp_path / "ip_block.log").read_text().splitlines()
    assert [line.split()[1:3] for line in log] == [["expire", "203.0.113.13/32"], ["expire", "2001:db8:10::/48"]]
    assert 'who="sysfix-ip-block (expiry timer, no controller)"' in log[0]


def test_expiry_twice_does_nothing_the_second_time(host_files):
    tmp_path = host_files[0]
    run_script(tmp_path, "expire")
    (tmp_path / "calls").unlink()
    log = (tmp_path / "ip_block.log").read_text()
    proc = run_script(tmp_path, "expire")
    assert (proc.returncode, proc.stdout, calls(tmp_path)) == (0, "", [])
    assert (tmp_path / "ip_block.log").read_text() == log


def test_boot_puts_back_the_routes_of_the_blocks_still_active(host_files):
    tmp_path, kept, gone4, _gone6 = host_files
    state = json.loads((tmp_path / "ip_block.json").read_text())
    for entry in state["entries"]:
        entry["expires"] = None
    state["entries"][0]["route"] = "added"
    (tmp_path / "ip_block.json").write_text(json.dumps(state))
    proc = run_script(tmp_path, "boot")
    assert proc.returncode == 0, proc.stderr
    # The IPv6 block has no route of its own; nothing expired, so no firewall call.
    assert calls(tmp_path) == ["ip -4 route replace unreachable 192.0.2.128/25",
                               "ip -4 route replace unreachable 203.0.113.13/32"]


def test_the_script_refuses_an_unknown_action_and_a_missing_state_is_nothing_to_do(host_files):
    tmp_path = host_files[0]
    assert run_script(tmp_path, "flush").returncode == 2
    (tmp_path / "ip_block.json").unlink()
    assert run_script(tmp_path, "expire").returncode == 0 and calls(tmp_path) == []
