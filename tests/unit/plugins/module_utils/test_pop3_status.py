"""POP3 under inetd, against files captured in the test images
(tests/unit/fixtures/pop3_status/README.md)."""

import pytest
from conftest import FIXTURES

from ansible_collections.sysfix.hardening.plugins.module_utils import pop3_status

CAPTURED = FIXTURES / "pop3_status"
RELEASES = ["debian12", "debian13"]


@pytest.mark.parametrize("release", RELEASES)
def test_the_enabled_line_through_tcpd(release):
    entries = pop3_status.parse_inetd((CAPTURED / ("inetd.conf-enabled-%s" % release)).read_text())
    assert len(entries) == 1
    entry = entries[0]
    assert (entry["state"], entry["service"], entry["wait"], entry["max_per_minute"], entry["user"]) == (
        "enabled", "pop3", "nowait", 200, "root")
    assert (entry["server"], entry["arguments"], entry["daemon"]) == ("/usr/sbin/tcpd", ["/usr/sbin/popa3d"], "popa3d")


@pytest.mark.parametrize("release", RELEASES)
def test_update_inetd_disable_is_seen_as_off(release):
    entries = pop3_status.parse_inetd((CAPTURED / ("inetd.conf-off-%s" % release)).read_text())
    assert [e["state"] for e in entries] == ["off"]
    # Debian's own #<off># sendmail lines are not POP3.
    assert all(e["service"] == "pop3" for e in entries)


def test_commented_addressed_and_default_limit_lines():
    text = ("#pop-3 stream tcp nowait root /usr/sbin/tcpd ipop3d\n"
            "127.0.0.1:110 stream tcp6 nowait.40/10 root /usr/sbin/popa3d popa3d\n"
            "pop3 dgram udp wait root internal\n"
            "pop3 stream tcp\n")
    first, second = pop3_status.parse_inetd(text)
    assert (first["state"], first["service"], first["max_per_minute"], first["daemon"]) == ("commented", "pop-3", None, "ipop3d")
    assert (second["state"], second["service"], second["max_per_minute"], second["daemon"]) == ("enabled", "110", 40, "popa3d")


@pytest.mark.parametrize("release", RELEASES)
def test_inetds_looping_message_is_found(release):
    lines = (CAPTURED / ("journal-inetd-looping-%s.txt" % release)).read_text().splitlines()
    assert pop3_status.looping_messages(lines) == [line for line in lines if "pop3/tcp server failing (looping)" in line]
    assert len(pop3_status.looping_messages(lines)) == 1
    assert pop3_status.looping_messages(lines, ("imap2",)) == []


@pytest.mark.parametrize("release", RELEASES)
def test_the_pop3_dialogue(release):
    server = [line[3:] for line in (CAPTURED / ("pop3-dialogue-%s.txt" % release)).read_text().splitlines()
              if line.startswith("S: ")]
    assert all(pop3_status.reply_ok(line) for line in server)
    assert pop3_status.stat_reply(server[3]) == {"messages": 1, "size": int(server[3].split()[2])}
    assert pop3_status.stat_reply("-ERR no") is None and not pop3_status.reply_ok("-ERR Authentication failed")


@pytest.mark.parametrize("release", RELEASES)
def test_tcpdmatch_verdicts(release):
    assert pop3_status.tcpdmatch_access((CAPTURED / ("tcpdmatch-denied-%s.txt" % release)).read_text()) == "denied"
    assert pop3_status.tcpdmatch_access((CAPTURED / ("tcpdmatch-granted-%s.txt" % release)).read_text()) == "granted"
    assert pop3_status.tcpdmatch_access("warning: cannot find process popa3d") is None


@pytest.mark.parametrize("release", RELEASES)
def test_wrapper_rules_for_the_daemon(release):
    text = (CAPTURED / ("hosts.deny-%s" % release)).read_text()
    assert pop3_status.wrapper_lines(text, "popa3d") == ["popa3d: 203.0.113.0/24"]
    assert pop3_status.wrapper_lines(text, "sshd") == []
    assert pop3_status.wrapper_lines("in.ftpd, ALL EXCEPT popa3d : 198.51.100.0/24 \\\n  192.0.2.0/24 # old\n", "x") == [
        "in.ftpd, ALL EXCEPT popa3d : 198.51.100.0/24 192.0.2.0/24"]


def test_process_start_time():
    stat_text = "39 (inetd) S 1 39 39 0 -1 4194560 96 0 0 0 0 0 0 0 20 0 1 0 4242 2478080 295 18446744073709551615"
    assert pop3_status.process_start_epoch(stat_text, 1800000000, 100) == 1800000042.42
    assert pop3_status.boot_epoch("cpu  1 2 3\nbtime 1800000000\nprocesses 9\n") == 1800000000
    with pytest.raises(ValueError):
        pop3_status.boot_epoch("cpu 1\n")
