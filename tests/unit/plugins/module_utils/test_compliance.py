"""Compliance records, report, table and page, from results shaped as
ansible-core 2.19 hands them to callbacks (taken from the harden scenario's
runs: template, sysfix.hardening.sysctl_live and apache_config results)."""

from html.parser import HTMLParser

from ansible_collections.sysfix.hardening.plugins.module_utils import compliance

TEMPLATE_DRIFT = {
    "changed": True,
    "diff": [{"before": "KeepAliveTimeout 9\nTimeout 60\n", "after": "KeepAliveTimeout 5\nTimeout 60\n",
              "before_header": "/etc/apache2/conf-available/sysfix-timeouts.conf",
              "after_header": "/etc/apache2/conf-available/sysfix-timeouts.conf"}],
}
SYSCTL_DRIFT = {
    "changed": True,
    "diff": {"before": "net.ipv4.tcp_synack_retries = 5\n", "after": "net.ipv4.tcp_synack_retries = 2\n",
             "before_header": "live kernel parameters", "after_header": "live kernel parameters"},
}
LOOP_DRIFT = {"changed": True, "results": [
    {"item": "ipv4", "changed": True, "diff": [{"before": "", "after": "-A SYSFIX-WORMS x\n"}]},
    {"item": "ipv6", "changed": False, "diff": []},
]}


def fleet():
    recorder = compliance.Recorder()
    recorder.record("web1", "apache_limits", "timeouts", TEMPLATE_DRIFT, "ok", "Write the timeouts drop-in")
    recorder.record("web1", "apache_limits", "workers", {"changed": False}, "ok")
    recorder.record("web1", "apache_limits", "evasive", {"skipped": True}, "skipped")
    recorder.record("web1", "codered_filter", "firewall", LOOP_DRIFT, "ok", "Reset worm connections")
    recorder.record("mail1", "syncookies", "live", SYSCTL_DRIFT, "ok", "Set the SYN-flood parameters")
    recorder.record("mail1", "syncookies", "persistent", {"changed": False}, "ok")
    recorder.record("mail2", "syncookies", "live",
                    {"changed": False, "sysfix_not_applicable": "cannot be set live on this host: x"}, "ok")
    recorder.record("mail2", "syncookies", "persistent", {"msg": "boom"}, "failed", "Write the drop-in")
    recorder.record_not_applicable("web2", "hotlink_block", "Apache is not installed (no apache2 package)")
    recorder.record_unreachable("web3", "ssh: connect timed out")
    return recorder


def test_states_diffs_and_reasons():
    report = compliance.build_report(fleet())
    web1, mail1, mail2 = report["hosts"]["web1"], report["hosts"]["mail1"], report["hosts"]["mail2"]
    assert web1["apache_limits/timeouts"]["state"] == "drifted"
    assert web1["apache_limits/timeouts"]["diffs"] == [
        "--- /etc/apache2/conf-available/sysfix-timeouts.conf\n"
        "+++ /etc/apache2/conf-available/sysfix-timeouts.conf\n"
        "@@ -1,2 +1,2 @@\n-KeepAliveTimeout 9\n+KeepAliveTimeout 5\n Timeout 60"
    ]
    assert web1["apache_limits/workers"]["state"] == "compliant"
    assert (web1["apache_limits/evasive"]["state"], web1["apache_limits/evasive"]["reason"]) == (
        "not applicable", "turned off (apache_limits_evasive_enabled is false)")
    # Only the item of a loop that changed counts.
    assert web1["codered_filter/firewall"]["diffs"] == [
        "--- Reset worm connections\n+++ Reset worm connections\n@@ -0,0 +1 @@\n+-A SYSFIX-WORMS x"
    ]
    assert "-net.ipv4.tcp_synack_retries = 5" in mail1["syncookies/live"]["diffs"][0]
    assert (mail2["syncookies/live"]["state"], mail2["syncookies/live"]["reason"]) == (
        "not applicable", "cannot be set live on this host: x")
    assert mail2["syncookies/persistent"]["state"] == "error"
    assert mail2["syncookies/persistent"]["errors"] == ["Write the drop-in: boom"]
    assert {row["state"] for row in report["hosts"]["web2"].values()} == {"not applicable"}
    assert sorted(report["hosts"]["web2"]) == ["hotlink_block/global", "hotlink_block/sites"]
    assert report["hosts"]["web3"]["(host)"]["errors"] == ["ssh: connect timed out"]
    assert report["drifted"] == ["mail1 syncookies/live", "web1 apache_limits/timeouts",
                                 "web1 codered_filter/firewall"]
    assert report["counts"] == {"error": 2, "drifted": 3, "not applicable": 4, "compliant": 2}


def test_a_normal_run_uses_run_words():
    report = compliance.build_report(fleet(), check_mode=False)
    assert report["hosts"]["web1"]["apache_limits/timeouts"]["state"] == "changed"
    assert report["hosts"]["web1"]["apache_limits/workers"]["state"] == "unchanged"
    assert report["counts"] == {"error": 2, "changed": 3, "not applicable": 4, "unchanged": 2}


def test_the_table_has_a_line_per_host_and_control_and_a_total():
    lines = compliance.render_table(compliance.build_report(fleet())).splitlines()
    assert lines[0].split() == ["host", "control", "state"]
    assert len(lines) == 1 + 11 + 1
    assert lines[-1] == "total: 2 error, 3 drifted, 4 not applicable, 2 compliant"
    assert any(line.split()[:3] == ["web1", "apache_limits/timeouts", "drifted"] for line in lines)


class Cells(HTMLParser):
    """The table's header and each cell's data-state, as a browser would read them."""

    def __init__(self):
        super().__init__()
        self.headers, self.cells, self._in_th = [], [], False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "th" and "class" not in attrs:
            self._in_th = True
        if tag == "td":
            self.cells.append(attrs.get("data-state", attrs.get("class")))

    def handle_endtag(self, tag):
        self._in_th = self._in_th and tag != "th"

    def handle_data(self, data):
        if self._in_th and data.strip():
            self.headers.append(data.strip())


def test_the_page_is_one_table_hosts_by_controls_with_escaped_diffs():
    recorder = fleet()
    recorder.record("web1", "hotlink_block", "global",
                    {"changed": True, "diff": [{"before": "<FilesMatch a>\n", "after": "<FilesMatch b>\n"}]}, "ok", "t")
    page = compliance.render_html(compliance.build_report(recorder))
    parser = Cells()
    parser.feed(page)
    assert parser.headers == ["control", "mail1", "mail2", "web1", "web2", "web3"]
    # 9 rows (8 controls seen on some host, and web3's unreachable host), a cell per host.
    assert len(parser.cells) == 9 * 5
    assert parser.cells.count("drifted") == 4 and parser.cells.count("absent") > 0
    assert "&lt;FilesMatch b&gt;" in page and "<FilesMatch b>" not in page
    assert page.count("<details>") == 6
