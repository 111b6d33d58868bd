"""/proc parsers for POP3 sessions, against /proc files captured in the test
images during a popa3d session (tests/unit/fixtures/pop3_sessions/)."""

import pytest
from conftest import FIXTURES

from ansible_collections.sysfix.hardening.plugins.module_utils import proc_sessions

RELEASES = ["debian12", "debian13"]


def fixture(name):
    return (FIXTURES / "pop3_sessions" / name).read_text()


def captured(release):
    """The mailbox (major, minor, inode), the lock holder, the popa3d stat lines and the uptime."""
    lines = fixture("popa3d-stat-%s.txt" % release).splitlines()
    _word, where, _holder, holder = lines[0].split()
    major, minor, inode = (int(part) for part in where.split(":"))
    stats = [line for line in lines[1:] if "(popa3d)" in line]
    uptime = next(line for line in lines if line.startswith("uptime "))[len("uptime "):]
    port = int(lines[-1].split()[1])
    return (major, minor, inode), int(holder), stats, uptime, port


@pytest.mark.parametrize("release", RELEASES)
def test_parse_stat_of_the_listener_and_the_session(release):
    _mailbox, _holder, stats, _uptime, _port = captured(release)
    listener, session = (proc_sessions.parse_stat(line) for line in stats)
    assert listener["comm"] == session["comm"] == "popa3d"
    assert listener["ppid"] == 1
    assert session["ppid"] == listener["pid"]
    assert session["starttime"] > listener["starttime"] > 0
    assert session["state"] == "S"


def test_parse_stat_copes_with_parentheses_and_spaces_in_the_name():
    line = "4242 (evil) (name) S 1 4242 4242 0 -1 4194368 35 0 0 0 0 0 0 0 20 0 1 0 777 1 1 1"
    stat = proc_sessions.parse_stat(line)
    assert (stat["pid"], stat["comm"], stat["ppid"], stat["starttime"]) == (4242, "evil) (name", 1, 777)


@pytest.mark.parametrize("release", RELEASES)
def test_ages_follow_from_uptime_and_start_time(release):
    _mailbox, _holder, stats, uptime, _port = captured(release)
    listener, session = (proc_sessions.parse_stat(line) for line in stats)
    listener_age = proc_sessions.age_seconds(listener["starttime"], uptime, 100)
    session_age = proc_sessions.age_seconds(session["starttime"], uptime, 100)
    assert 0 <= session_age < listener_age
    assert session_age == pytest.approx(float(uptime.split()[0]) - session["starttime"] / 100.0)


def test_age_is_never_negative():
    assert proc_sessions.age_seconds(1000, "5.00 1.00", 100) == 0.0


@pytest.mark.parametrize("release", RELEASES)
def test_parse_locks_finds_the_mailbox_lock_and_its_holder(release):
    (major, minor, inode), holder, _stats, _uptime, _port = captured(release)
    locks = proc_sessions.parse_locks(fixture("locks-%s.txt" % release))
    mailbox_locks = [lock for lock in locks if (lock["device"], lock["inode"]) == ((major, minor), inode)]
    assert mailbox_locks == [
        {"pid": holder, "kind": "POSIX", "access": "WRITE", "device": (major, minor), "inode": inode}
    ]
    # The OFDLCK line has no owning pid (-1).
    assert any(lock["kind"] == "OFDLCK" and lock["pid"] == -1 for lock in locks)


def test_parse_locks_skips_waiters():
    text = "1: POSIX  ADVISORY  WRITE 300 00:77:99 0 EOF\n1: -> POSIX  ADVISORY  WRITE 301 00:77:99 0 EOF\n"
    assert [lock["pid"] for lock in proc_sessions.parse_locks(text)] == [300]


@pytest.mark.parametrize("release", RELEASES)
def test_parse_net_tcp_finds_the_pop3_connection(release):
    *_rest, port = captured(release)
    connections = proc_sessions.parse_net_tcp(fixture("net-tcp-%s.txt" % release)).values()
    server_side = [c for c in connections if c["local"] == ("127.0.0.1", 110) and c["remote"][1] == port]
    assert [c["state"] for c in server_side] == ["ESTABLISHED"]
    assert {"local": ("0.0.0.0", 110), "remote": ("0.0.0.0", 0), "state": "LISTEN"} in connections


@pytest.mark.parametrize("release", RELEASES)
def test_parse_net_tcp6_reads_the_ipv6_table(release):
    connections = list(proc_sessions.parse_net_tcp(fixture("net-tcp6-%s.txt" % release)).values())
    assert connections == [{"local": ("::", 80), "remote": ("::", 0), "state": "LISTEN"}]


@pytest.mark.parametrize(
    "hex_address, decoded",
    [
        ("0100007F:006E", ("127.0.0.1", 110)),
        ("00000000000000000000000001000000:0019", ("::1", 25)),
        ("0000000000000000FFFF00000100007F:006E", ("127.0.0.1", 110)),
        ("B80D0120000000000000000007000000:006E", ("2001:db8::7", 110)),
    ],
)
def test_decode_address(hex_address, decoded):
    assert proc_sessions.decode_address(hex_address) == decoded


def test_stale_selects_by_age_and_lock():
    sessions = [
        {"pid": 1, "age": 100, "locks": []},
        {"pid": 2, "age": 100, "locks": ["/var/mail/alice"]},
        {"pid": 3, "age": 10, "locks": ["/var/mail/bob"]},
        {"pid": 4, "age": 60, "locks": []},
    ]
    assert [s["pid"] for s in proc_sessions.stale(sessions, 60, False)] == [1, 2]
    assert [s["pid"] for s in proc_sessions.stale(sessions, 60, True)] == [2]
    assert proc_sessions.stale(sessions, 1000, False) == []
