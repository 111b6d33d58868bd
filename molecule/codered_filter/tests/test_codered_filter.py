"""Role codered_filter, checked with curl and iptables inside the container.

converge.yml turns every control on: /default.ida and /scripts/root.exe are
kept out of the access logs and answered with 404; connections carrying
"/default.ida?" to port 80 are reset by the chain SYSFIX-WORMS.
"""

import pytest
import sysfix_molecule

ACCESS_LOG = "/var/log/apache2/access.log"
SITE = "/etc/apache2/sites-available/000-default.conf"


def request(host, path, agent="curl"):
    """curl's exit code and the HTTP status (000 when there was no answer).

    The User-Agent, which the combined log format records, marks the request
    in the access log.
    """
    result = host.run(
        "curl -s -o /dev/null -w '%%{http_code}' -A '%s' --path-as-is 'http://127.0.0.1%s'" % (agent, path)
    )
    return result.rc, result.stdout.strip()


def logged(host, marker):
    return marker in host.file(ACCESS_LOG).content_string


def chain_packets(host, family="iptables"):
    out = host.check_output("%s -w -L SYSFIX-WORMS -v -x -n" % family)
    return [int(line.split()[0]) for line in out.splitlines()[2:] if line.strip()]


def test_the_site_logs_through_its_own_customlog_line_changed_once(host):
    lines = [line.strip() for line in host.file(SITE).content_string.splitlines() if "CustomLog" in line]
    assert lines == ["CustomLog ${APACHE_LOG_DIR}/access.log combined env=!sysfix_worm"]


# Without a query string, so the firewall's "/default.ida?" does not match
# and the request reaches Apache.
@pytest.mark.parametrize("path", ["/default.ida", "/scripts/root.exe"])
def test_worm_requests_are_answered_404_and_not_logged(host, path):
    marker = "worm-probe%s" % path.replace("/", "-")
    assert request(host, path, agent=marker) == (0, "404")
    assert request(host, "/index.html", agent="normal-" + marker) == (0, "200")
    assert logged(host, "normal-" + marker)
    assert not logged(host, '"%s"' % marker)


def test_the_firewall_resets_the_codered_request_and_counts_it(host):
    before = chain_packets(host)
    rc, code = request(host, "/default.ida?NNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNN%u9090")
    # curl 56: "Recv failure: Connection reset by peer".
    assert (rc, code) == (56, "000")
    assert sum(chain_packets(host)) > sum(before)
    assert not logged(host, "NNNNNNNNNNNNNNNN")


def test_the_chain_is_jumped_to_once_and_holds_one_rule(host):
    for family in ("iptables", "ip6tables"):
        rules = host.check_output("%s -w -S SYSFIX-WORMS" % family).splitlines()
        assert len([r for r in rules if r.startswith("-A ")]) == 1, rules
        assert '--string "/default.ida?"' in rules[1] and "--reject-with tcp-reset" in rules[1]
        jumps = [r for r in host.check_output("%s -w -S INPUT" % family).splitlines() if "-j SYSFIX-WORMS" in r]
        assert len(jumps) == 1 and "--dports 80" in jumps[0], jumps


def test_the_chain_comes_back_after_a_reboot(host):
    """Take the chain away as a reboot would, then run the boot-time restore."""
    assert host.check_output("systemctl is-enabled sysfix-iptables.service") == "enabled"
    for family in ("iptables", "ip6tables"):
        jump = [r for r in host.check_output("%s -w -S INPUT" % family).splitlines() if "-j SYSFIX-WORMS" in r][0]
        host.check_output("%s -w %s" % (family, jump.replace("-A INPUT", "-D INPUT", 1)))
        host.check_output("%s -w -F SYSFIX-WORMS && %s -w -X SYSFIX-WORMS" % (family, family))
    host.check_output("systemctl restart sysfix-iptables.service")
    test_the_chain_is_jumped_to_once_and_holds_one_rule(host)
    # Restoring twice (netfilter-persistent saved our jump too) never doubles the jump.
    host.check_output("systemctl restart sysfix-iptables.service")
    test_the_chain_is_jumped_to_once_and_holds_one_rule(host)


def test_check_mode_reports_drift_and_changes_nothing(host):
    host.check_output("sed -i 's/ env=!sysfix_worm$//' %s" % SITE)
    try:
        run = sysfix_molecule.run_converge(["--check", "--diff"])
        assert run.returncode == 0, run.output
        changed = run.changed_results()
        assert [task for _h, task, _r in changed] == ["Mark worm requests and keep them out of the access logs"]
        assert changed[0][2]["changed_files"] == [SITE]
        assert "env=!sysfix_worm" not in host.file(SITE).content_string
    finally:
        run = sysfix_molecule.run_converge()
        assert run.returncode == 0, run.output
    assert "combined env=!sysfix_worm" in host.file(SITE).content_string


def test_check_mode_reports_a_missing_firewall_rule(host):
    jump = [r for r in host.check_output("iptables -w -S INPUT").splitlines() if "-j SYSFIX-WORMS" in r][0]
    host.check_output("iptables -w %s" % jump.replace("-A INPUT", "-D INPUT", 1))
    try:
        run = sysfix_molecule.run_converge(["--check"])
        assert run.returncode == 0, run.output
        # The firewall task loops over ipv4 and ipv6: only the ipv4 item changes.
        items = [item for _h, _t, r in run.changed_results() for item in r.get("results", [r]) if item.get("changed")]
        assert [(item["item"], item["jumps_added"]) for item in items] == [
            ("ipv4", ["INPUT -p tcp -m multiport --dports 80"])
        ]
        assert not [r for r in host.check_output("iptables -w -S INPUT").splitlines() if "SYSFIX-WORMS" in r]
    finally:
        run = sysfix_molecule.run_converge()
        assert run.returncode == 0, run.output


@pytest.mark.parametrize(
    "bad_vars, named",
    [
        ({"codered_filter_patterns": ['^/a"b']}, "codered_filter_patterns"),
        ({"codered_filter_firewall_strings": ["has space"]}, "codered_filter_firewall_strings"),
        ({"codered_filter_firewall_ports": [0]}, "codered_filter_firewall_ports"),
        ({"codered_filter_deny_status": 410}, "codered_filter_deny_status"),
        ({"codered_filter_log_files": ["/etc/passwd"]}, "codered_filter_log_files"),
    ],
)
def test_a_bad_value_stops_the_run_before_any_change(host, bad_vars, named):
    before = host.file(SITE).content_string
    run = sysfix_molecule.run_converge(extra_vars=bad_vars)
    assert run.returncode != 0
    assert len(run.failed_results()) == 1, run.output
    assert any(named in message for message in run.failure_messages()), run.output
    assert run.changed_results() == []
    assert host.file(SITE).content_string == before
