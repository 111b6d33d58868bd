"""Incident playbooks for web servers, against real clients inside the container.

prepare.yml puts the clients in a network namespace "peer" inside the
container (203.0.113.9 heavy, 203.0.113.10 light, 203.0.113.129-148 SYN
flood sources) and Apache on 198.51.100.80 (the container's lo); the default
gateway is 203.0.113.1. converge.yml blocks 192.0.2.128/25 for good and runs
dos_triage, syn_flood and web_health on the quiet server. molecule.yml sets
block_ip_expiry_interval 10 and block_ip_allowlist [203.0.113.200/29] for
every run. Playbook runs are few and shared through module-scoped fixtures;
everything a test adds is taken away again, so the shared check-mode test
that runs last sees the converged state.
"""

import json
import re
import time

import pytest
import sysfix_molecule

STATE = "/var/lib/sysfix/ip_block.json"
LOG = "/var/log/sysfix/ip_block.log"
PERSISTED = "/etc/iptables/sysfix/SYSFIX-BLOCK.v4"
PERSISTED6 = "/etc/iptables/sysfix/SYSFIX-BLOCK.v6"
SERVER = "198.51.100.80"
HEAVY, LIGHT = "203.0.113.9", "203.0.113.10"
FLOOD_SOURCES = ["203.0.113.%d" % n for n in range(129, 149)]
PLAYBOOKS = "../../playbooks/"


def curl_from(host, source):
    """curl's exit code and HTTP status for a new connection from a peer address."""
    result = host.run(
        "ip netns exec peer curl -s -o /dev/null -w '%%{http_code}' --connect-timeout 3 --max-time 6 "
        "--interface %s http://%s/" % (source, SERVER))
    return result.rc, result.stdout.strip()


def blocks(host):
    if not host.file(STATE).exists:
        return {}
    return {e["address"]: e for e in json.loads(host.file(STATE).content_string)["entries"]}


def chain_rules(host, command="iptables"):
    result = host.run("%s -w -S SYSFIX-BLOCK" % command)
    return [line for line in result.stdout.splitlines() if line.startswith("-A ")] if result.rc == 0 else None


def jumps(host, command="iptables"):
    return [line for line in host.check_output("%s -w -S INPUT" % command).splitlines() if "-j SYSFIX-BLOCK" in line]


def unreachable_routes(host):
    return host.check_output("ip route show table main type unreachable; ip -6 route show table main type unreachable")


def log_text(host):
    return host.file(LOG).content_string if host.file(LOG).exists else ""


def firewall_and_list(host):
    """Everything a block or an unblock may change."""
    return (chain_rules(host), chain_rules(host, "ip6tables"), jumps(host), jumps(host, "ip6tables"),
            blocks(host), log_text(host), unreachable_routes(host))


def summary(run):
    """The summary task's lines (first host), as one text; runs of spaces (alignment) made one."""
    found = [result["msg"] for _host, name, result in run.results if name == "Summary" and "msg" in result]
    assert found, run.output
    return "\n".join(" ".join(line.split()) for line in found[0])


def playbook(name, args=(), **extra_vars):
    """A playbook by file path, or by FQCN when name starts with sysfix.hardening."""
    target = name if name.startswith("sysfix.") else sysfix_molecule.scenario_directory() / (PLAYBOOKS + name)
    return sysfix_molecule.run_playbook(target, args, extra_vars=extra_vars or None)


def test_converge_blocked_the_test_network_in_our_chain_first_in_input(host):
    entry = blocks(host)["192.0.2.128/25"]
    assert chain_rules(host) == ['-A SYSFIX-BLOCK -s 192.0.2.128/25 -m comment --comment "%s" -j DROP' % entry["tag"]]
    assert "-j SYSFIX-BLOCK" in host.check_output("iptables -w -S INPUT").splitlines()[1]
    assert len(jumps(host)) == 1
    assert (entry["reason"], entry["expires"], entry["route"], entry["who"]) == (
        "molecule converge", None, "none", "root (block_ip)")
    assert 'block 192.0.2.128/25 who="root (block_ip)" reason="molecule converge" ttl=never' in log_text(host)
    assert host.file(PERSISTED).contains("-s 192.0.2.128/25 -j DROP")
    assert host.check_output("systemctl is-enabled sysfix-iptables.service sysfix-ip-block.service "
                             "sysfix-ip-block-expire.timer").split() == ["enabled"] * 3


def test_bad_and_dangerous_addresses_are_all_named_and_nothing_changes(host):
    before = firewall_and_list(host)
    run = playbook("block_ip.yml", ip=[
        "203.0.113.9/24", "banana", "0.0.0.0/0", "::/0", "127.0.0.1", "::1", SERVER, "203.0.113.1",
        "203.0.113.0/24", "203.0.113.201", "198.51.100.77", "192.0.0.0/4", "203.0.113.12"],
        block_ip_controller_address="198.51.100.77")
    assert run.returncode != 0
    message = " ".join(run.failure_messages())
    assert message.startswith("Nothing was changed. Not an address to block: ")
    for expected in [
        "'203.0.113.9/24' has host bits set: write 203.0.113.9 for the one address or 203.0.113.0/24",
        "'banana' is not an IPv4 or IPv6 address or network",
        "0.0.0.0/0 (it is every IPv4 address)",
        "::/0 (it is every IPv6 address)",
        "127.0.0.1/32 (it is inside 127.0.0.0/8, loopback)",
        "::1/128 (it is ::1, loopback)",
        "198.51.100.80/32 (it is 198.51.100.80, an address of this host (lo))",
        "203.0.113.1/32 (it is 203.0.113.1, a default gateway of this host)",
        "203.0.113.0/24 (it contains 203.0.113.1, a default gateway of this host)",
        "203.0.113.201/32 (it is inside 203.0.113.200/29, in the allow-list)",
        "198.51.100.77/32 (it is 198.51.100.77, the address the controller connects from)",
        "192.0.0.0/4 (/4 is wider than the shortest prefix allowed (/8))",
    ]:
        assert expected in message, (expected, message)
    assert "203.0.113.12" not in message
    assert firewall_and_list(host) == before


@pytest.fixture(scope="module")
def light_blocked(host):
    """block_ip by FQCN: the light client and an IPv6 network, with unreachable routes."""
    before = firewall_and_list(host)
    run = playbook("sysfix.hardening.block_ip", ip="%s, 2001:db8:10::/48" % LIGHT,
                   block_ip_reason="test block", block_ip_route=True)
    assert run.returncode == 0, run.output
    return before, run


def test_block_ip_drops_the_address_and_adds_the_routes(host, light_blocked):
    _before, run = light_blocked
    assert curl_from(host, LIGHT) == (28, "000")      # connect timeout: the SYN is dropped
    assert curl_from(host, HEAVY) == (0, "200")
    assert "unreachable 203.0.113.10 " in unreachable_routes(host)
    assert "unreachable 2001:db8:10::/48 " in unreachable_routes(host)
    assert any("-s 2001:db8:10::/48" in rule for rule in chain_rules(host, "ip6tables"))
    assert len(jumps(host, "ip6tables")) == 1
    assert host.file(PERSISTED6).contains("2001:db8:10::/48")
    assert 'block 203.0.113.10/32 who="root (block_ip)" reason="test block" ttl=never expires=never route=added' \
        in log_text(host)
    text = summary(run)
    assert "blocked: 203.0.113.10/32 (no expiry, unreachable route); blocked: 2001:db8:10::/48 (no expiry, " \
        "unreachable route)" in text
    assert "blocks on this host: 3 (192.0.2.128/25, 203.0.113.10/32, 2001:db8:10::/48)" in text


def test_blocks_and_routes_come_back_after_a_reboot(host, light_blocked):
    """Take the chains, jumps and routes away as a reboot would, then run the boot units."""
    wanted = (chain_rules(host), jumps(host), chain_rules(host, "ip6tables"), jumps(host, "ip6tables"),
              unreachable_routes(host))
    for command in ("iptables", "ip6tables"):
        host.check_output("%s -w %s" % (command, jumps(host, command)[0].replace("-A INPUT", "-D INPUT", 1)))
        host.check_output("%s -w -F SYSFIX-BLOCK && %s -w -X SYSFIX-BLOCK" % (command, command))
    host.check_output("ip route del unreachable %s && ip -6 route del unreachable 2001:db8:10::/48" % LIGHT)
    assert chain_rules(host) is None and "unreachable" not in unreachable_routes(host)
    host.check_output("systemctl restart sysfix-iptables.service && systemctl restart sysfix-ip-block.service")
    assert (chain_rules(host), jumps(host), chain_rules(host, "ip6tables"), jumps(host, "ip6tables"),
            unreachable_routes(host)) == wanted
    assert curl_from(host, LIGHT) == (28, "000")


def test_unblock_in_check_mode_reports_and_changes_nothing(host, light_blocked):
    before = firewall_and_list(host)
    run = playbook("unblock_ip.yml", ["--check", "--diff"], ip=LIGHT)
    assert run.returncode == 0, run.output
    assert "unblock_ip on sysfix-incident_web-deb12 (check mode: nothing was changed)" in summary(run)
    assert "would unblock: 203.0.113.10/32" in summary(run)
    assert firewall_and_list(host) == before


def test_a_block_ends_by_itself_on_the_host_and_keeps_a_route_it_found(host):
    """A 5 s block, with an unreachable route that was there before: the timer ends the block, the route stays."""
    host.check_output("ip route add unreachable 203.0.113.13")
    try:
        run = playbook("block_ip.yml", ip="203.0.113.13", block_ip_ttl="5s", block_ip_route=True,
                       block_ip_reason="short block")
        assert run.returncode == 0, run.output
        assert "blocked: 203.0.113.13/32 (until " in summary(run)
        # The timer runs every 10 s (molecule.yml); the block may already be over.
        assert 'block 203.0.113.13/32 who="root (block_ip)" reason="short block" ttl=5s' in log_text(host)
        assert 'route=existing' in log_text(host)
        deadline = time.time() + 40
        while "203.0.113.13/32" in blocks(host) and time.time() < deadline:
            time.sleep(2)
        assert "203.0.113.13/32" not in blocks(host)
        assert not any("203.0.113.13" in rule for rule in chain_rules(host))
        assert "203.0.113.13" not in host.file(PERSISTED).content_string
        assert "unreachable 203.0.113.13 " in unreachable_routes(host)
        assert re.search(r'Z expire 203\.0\.113\.13/32 who="sysfix-ip-block \(expiry timer, no controller\)" '
                         r'reason="time to live ended \(', log_text(host))
        assert "ended 1 block(s): 203.0.113.13/32" in host.check_output(
            "journalctl -u sysfix-ip-block-expire.service --no-pager -q")
    finally:
        host.run("ip route del unreachable 203.0.113.13")


@pytest.fixture(scope="module")
def heavy_load(host, light_blocked):
    """30 connections held open from the heavy client, 3 from the light one (unblocked first), 300 s at most."""
    run = playbook("unblock_ip.yml", ip=LIGHT)
    assert run.returncode == 0, run.output
    for name, source, count in (("heavy", HEAVY, 30), ("light", LIGHT, 3)):
        host.check_output(
            "systemd-run --unit sysfix-test-hold-%s --collect ip netns exec peer "
            "python3 /usr/local/lib/sysfix-test/hold_connections.py %s %s %d 300" % (name, source, SERVER, count))
    deadline = time.time() + 30
    while int(host.check_output("ss -Htn state established '( sport = :80 )' | wc -l")) < 33:
        assert time.time() < deadline, host.check_output("ss -tn")
        time.sleep(1)
    check = playbook("sysfix.hardening.dos_triage", ["--check"], dos_triage_threshold=20, auto_block=True)
    check_blocked = blocks(host)
    real = playbook("sysfix.hardening.dos_triage", dos_triage_threshold=20, auto_block=True)
    yield check, check_blocked, real
    host.run("systemctl stop sysfix-test-hold-heavy.service sysfix-test-hold-light.service")


def test_dos_triage_in_check_mode_names_the_heavy_peer_and_blocks_nothing(heavy_load):
    check, check_blocked, _real = heavy_load
    assert check.returncode == 0, check.output
    text = summary(check)
    assert re.search(r"^over the threshold of 20: 203\.0\.113\.9 \([23]\d\)$", text, re.M), text
    assert "would block: 203.0.113.9/32 for 1h (block_ip log: /var/log/sysfix/ip_block.log)" in text
    assert HEAVY + "/32" not in check_blocked


def test_dos_triage_blocks_the_heavy_peer_and_not_the_light_one(host, heavy_load):
    _check, _check_blocked, real = heavy_load
    assert real.returncode == 0, real.output
    text = summary(real)
    assert re.search(r"^top peers: 203\.0\.113\.9 \([23]\d\), 203\.0\.113\.10 \(3\)$", text, re.M), text
    assert re.search(r"^Apache: \d+ of 150 workers busy \(\d+(\.\d)?%\), MaxRequestWorkers from "
                     r"/etc/apache2/mods-enabled/mpm_event\.conf:13", text, re.M), text
    assert "blocked: 203.0.113.9/32 for 1h (block_ip log: /var/log/sysfix/ip_block.log)" in text
    assert curl_from(host, HEAVY) == (28, "000")
    assert curl_from(host, LIGHT) == (0, "200")
    entry = blocks(host)[HEAVY + "/32"]
    assert re.match(r"dos_triage: [23]\d ESTABLISHED connections to ports 80,443 \(threshold 20\)$", entry["reason"])
    assert entry["ttl"] == 3600 and entry["who"] == "root (dos_triage)"
    assert LIGHT + "/32" not in blocks(host)


def test_unblock_removes_exactly_what_block_added(host, light_blocked, heavy_load):
    before, _run = light_blocked
    run = playbook("unblock_ip.yml", ip="%s,2001:db8:10::/48,198.51.100.99" % HEAVY, unblock_ip_reason="test over")
    assert run.returncode == 0, run.output
    assert curl_from(host, HEAVY) == (0, "200")
    after = firewall_and_list(host)
    # Chains, jumps, list and routes are as before the first block; the log only grew.
    assert after[:5] + after[6:] == before[:5] + before[6:]
    assert chain_rules(host, "ip6tables") is None and not host.file(PERSISTED6).exists
    log = log_text(host)
    for address in ("203.0.113.10/32", "203.0.113.9/32", "2001:db8:10::/48"):
        assert re.search(r"Z unblock %s who=" % re.escape(address), log), address
    assert 'unblock 203.0.113.9/32 who="root (unblock_ip)" reason="test over"' in log
    assert "not blocked: 198.51.100.99/32" in summary(run)


@pytest.fixture(scope="module")
def syn_flood_runs(host):
    """40 or more half-open connections to port 80 from 20 sources, SYN cookies off before the runs."""
    host.check_output("sysctl -qw net.ipv4.tcp_syncookies=0")
    host.check_output(
        "systemd-run --unit sysfix-test-half-open --collect ip netns exec peer python3 /usr/local/lib/sysfix-test/half_open.py "
        "%s %s 2 300" % (",".join(FLOOD_SOURCES), SERVER))
    deadline = time.time() + 20
    while int(host.check_output("ss -Htn state syn-recv '( sport = :80 )' | wc -l")) < 40:
        assert time.time() < deadline, host.check_output("ss -tn")
        time.sleep(1)
    check = playbook("syn_flood.yml", ["--check"], syn_flood_threshold=20)
    cookies_after_check = host.check_output("sysctl -n net.ipv4.tcp_syncookies")
    real = playbook("sysfix.hardening.syn_flood", syn_flood_threshold=20)
    yield check, cookies_after_check, real
    host.run("systemctl stop sysfix-test-half-open.service")


FLOOD_LINE = re.compile(r"^port 80: (\d+) from 20 peers \(spread over many peers: a SYN flood\) OVER THRESHOLD$", re.M)


def test_syn_flood_in_check_mode_reports_and_leaves_cookies_off(syn_flood_runs):
    check, cookies_after_check, _real = syn_flood_runs
    assert check.returncode == 0, check.output
    text = summary(check)
    assert int(FLOOD_LINE.search(text).group(1)) >= 40, text
    assert "SYN cookies (net.ipv4.tcp_syncookies) were 0, would be set to 1" in text
    assert cookies_after_check == "0"


def test_syn_flood_turns_syn_cookies_on_through_the_role(host, syn_flood_runs):
    _check, _cookies, real = syn_flood_runs
    assert real.returncode == 0, real.output
    assert host.check_output("sysctl -n net.ipv4.tcp_syncookies") == "1"
    assert host.file("/etc/sysctl.d/60-sysfix-syncookies.conf").contains("^net.ipv4.tcp_syncookies = 1")
    text = summary(real)
    assert FLOOD_LINE.search(text), text
    assert "were 0, now 1 (role syncookies" in text
    changed = [name for _h, name, _r in real.changed_results()]
    assert changed == ["Write the SYN-flood sysctl drop-in read at boot",
                       "Set the SYN-flood parameters in the running kernel"], changed


def test_web_health_fails_on_a_configuration_error(host):
    path = "/etc/apache2/conf-enabled/sysfix-test-broken.conf"
    host.check_output("printf 'ThisIsNotADirective on\\n' > %s" % path)
    try:
        run = playbook("sysfix.hardening.web_health")
    finally:
        host.check_output("rm -f %s" % path)
    assert run.returncode != 0
    text = summary(run)
    assert re.match(r"^web_health on sysfix-incident_web-deb12: FAIL \(3 passed, 1 failed\)$", text.splitlines()[0])
    assert "FAIL configtest AH00526: Syntax error on line 1 of %s" % path in text
    assert "PASS Apache answering http://127.0.0.1/ answered 200" in text
    assert run.failure_messages()[-1].startswith("web_health: configtest failed on ")
    assert run.changed_results() == []
