"""Role inetd_pop3, checked with a real POP3 client inside the converged container.

converge.yml allows 198.51.100.0/24 and 2001:db8::/32 and denies
203.0.113.0/24 (documentation networks, judged with tcpdmatch); real POP3
sessions come from 127.0.0.1, as user sysfix_pop (from prepare.yml). Every
test that changes the container puts it back, so the shared check-mode test
that runs last still sees the converged state.
"""

import json
import shlex
import time
import uuid

import pytest
import sysfix_molecule

INETD_CONF = "/etc/inetd.conf"
POP3_LINE = "pop3\t\tstream\ttcp\tnowait.200\troot\t/usr/sbin/tcpd\t/usr/sbin/popa3d"
USER, PASSWORD = "sysfix_pop", "Pop-pass-1"
MAILBOX = "/var/mail/sysfix_pop"

# One POP3 session; prints what the server said as JSON.
POP3_CLIENT = r'''
import json, poplib, sys
user, password = sys.argv[1], sys.argv[2]
out = {}
try:
    p = poplib.POP3("127.0.0.1", 110, timeout=20)
except Exception as exc:
    print(json.dumps({"connect_error": repr(exc)})); sys.exit()
try:
    out["greeting"] = p.getwelcome().decode()
    out["user"] = p.user(user).decode()
    out["pass"] = p.pass_(password).decode()
    out["stat"] = list(p.stat())
    p.quit()
except Exception as exc:
    out["error"] = repr(exc)
print(json.dumps(out))
'''

# A session that logs in, writes its client port to a file (its sign that it
# is logged in), waits for
# another file to appear (at most 300 s), then asks STAT and leaves.
HOLDING_CLIENT = r'''
import json, os, poplib, sys, time
name = sys.argv[1]
p = poplib.POP3("127.0.0.1", 110, timeout=330)
p.user(sys.argv[2]); p.pass_(sys.argv[3])
open("/run/%s.port" % name, "w").write(str(p.sock.getsockname()[1]))
deadline = time.time() + 300
while time.time() < deadline and not os.path.exists("/run/%s.go" % name):
    time.sleep(0.2)
try:
    result = {"stat": list(p.stat())}
    p.quit()
except Exception as exc:
    result = {"error": repr(exc)}
open("/run/%s.result" % name, "w").write(json.dumps(result))
'''


def pop3(host, user=USER, password=PASSWORD):
    return json.loads(host.check_output(
        "python3 -c %s %s %s" % (shlex.quote(POP3_CLIENT), shlex.quote(user), shlex.quote(password))))


def deliver(host, count):
    """Deliver count messages to an empty mailbox through sendmail; wait until they are in it."""
    host.check_output("truncate -s 0 %s 2>/dev/null || true" % MAILBOX)
    token = uuid.uuid4().hex
    for number in range(count):
        host.check_output(
            "printf 'Subject: pop test %d\\nX-Sysfix-Test: %s\\n\\nbody\\n' | /usr/sbin/sendmail -oi %s"
            % (number, token, USER))
    deadline = time.time() + 60
    while time.time() < deadline:
        if host.run("grep -c 'X-Sysfix-Test: %s' %s" % (token, MAILBOX)).stdout.strip() == str(count):
            return
        time.sleep(0.5)
    raise AssertionError("sendmail did not deliver %d messages within 60 s" % count)


def tcpdmatch(host, address):
    return host.check_output("tcpdmatch popa3d %s | sed -n 's/^access: *//p'" % address)


def test_popa3d_runs_from_inetd_and_not_standalone(host):
    assert POP3_LINE in host.file(INETD_CONF).content_string.splitlines()
    assert "RUN_STANDALONE=no" in host.file("/etc/default/popa3d").content_string.splitlines()
    listeners = host.check_output("ss -Hltnp 'sport = :110'")
    assert listeners and all('users:(("inetd",' in line for line in listeners.splitlines())
    # No popa3d is left waiting for connections on its own.
    assert host.run("pgrep -f '^/usr/sbin/popa3d -D'").rc == 1


def test_a_pop3_session_logs_in_and_counts_the_delivered_messages(host):
    deliver(host, 3)
    session = pop3(host)
    assert session["greeting"].startswith("+OK")
    assert session["user"].startswith("+OK") and session["pass"].startswith("+OK")
    assert session["stat"][0] == 3


def test_a_wrong_password_is_refused(host):
    session = pop3(host, password="wrong")
    assert session["greeting"].startswith("+OK")
    assert "-ERR" in session["error"]


def test_the_inetd_line_carries_the_start_limit(host):
    fields = [line.split() for line in host.file(INETD_CONF).content_string.splitlines()
              if line.startswith("pop3")]
    assert fields == [["pop3", "stream", "tcp", "nowait.200", "root", "/usr/sbin/tcpd", "/usr/sbin/popa3d"]]


def test_inetd_stops_pop3_past_the_start_limit(host):
    """With nowait.3 openbsd-inetd takes POP3 down at the third session started
    within 60 s (its counter reaches the limit), and logs why."""
    try:
        run = sysfix_molecule.run_converge(["--tags", "inetd_pop3_inetd"], extra_vars={"inetd_pop3_max_per_minute": 3})
        assert run.returncode == 0, run.output
        assert "nowait.3\t" in host.file(INETD_CONF).content_string
        # A reload keeps the count of sessions the earlier tests started this
        # minute; a restart starts from zero.
        host.check_output("systemctl restart inetd")
        since = host.check_output("date '+%Y-%m-%d %H:%M:%S'")
        sessions = [pop3(host) for attempt in range(3)]
        assert [s.get("greeting") for s in sessions[:2]] == ["+OK", "+OK"]
        assert "greeting" not in sessions[2] or sessions[2].get("error")
        # The service is closed now: the next client is refused outright.
        assert "ConnectionRefusedError" in pop3(host).get("connect_error", "")
        log = host.check_output("journalctl --no-pager -q --since %s" % shlex.quote(since))
        assert "pop3/tcp server failing (looping)" in log
    finally:
        # inetd keeps a service it took down closed for ten minutes; a restart reopens it.
        run = sysfix_molecule.run_converge()
        assert run.returncode == 0, run.output
        host.check_output("systemctl restart inetd")
    assert POP3_LINE in host.file(INETD_CONF).content_string.splitlines()
    assert pop3(host)["greeting"] == "+OK"


def test_tcp_wrappers_match_the_lists(host):
    assert host.file("/etc/hosts.allow").contains("^popa3d: 198.51.100.0/255.255.255.0, \\[2001:db8::\\]/32$")
    assert host.file("/etc/hosts.deny").contains("^popa3d: 203.0.113.0/255.255.255.0$")
    assert tcpdmatch(host, "198.51.100.7") == "granted"
    assert tcpdmatch(host, "2001:db8::7") == "granted"
    assert tcpdmatch(host, "203.0.113.9") == "denied"
    # Not listed anywhere: tcpd lets it through, as it did before the role.
    assert tcpdmatch(host, "192.0.2.1") == "granted"


def test_a_denied_client_is_refused_by_tcp_wrappers_and_let_in_again(host):
    try:
        run = sysfix_molecule.run_converge(extra_vars={"inetd_pop3_denied_networks": ["203.0.113.0/24", "127.0.0.1"]})
        assert run.returncode == 0, run.output
        assert host.file("/etc/hosts.deny").contains("^popa3d: 203.0.113.0/255.255.255.0, 127.0.0.1$")
        since = host.check_output("date '+%Y-%m-%d %H:%M:%S'")
        session = pop3(host)
        assert "greeting" not in session or session["greeting"] == ""
        assert "EOF" in session.get("error", "") + session.get("connect_error", "")
        log = host.check_output("journalctl --no-pager -q --since %s" % shlex.quote(since))
        assert "refused connect from 127.0.0.1" in log
    finally:
        run = sysfix_molecule.run_converge()
        assert run.returncode == 0, run.output
    assert "127.0.0.1" not in host.file("/etc/hosts.deny").content_string
    assert pop3(host)["greeting"] == "+OK"


@pytest.fixture()
def pop3_sessions(host):
    """Start held POP3 sessions by name; stop them all afterwards."""
    started = []

    def start(name):
        host.check_output("rm -f /run/%s.*" % name)
        host.check_output("systemd-run --unit %s -p RuntimeMaxSec=360 python3 -c %s %s %s %s" % (
            name, shlex.quote(HOLDING_CLIENT), name, USER, PASSWORD))
        started.append(name)
        deadline = time.time() + 30
        while time.time() < deadline:
            if host.run("test -s /run/%s.port" % name).rc == 0:
                return
            time.sleep(0.2)
        raise AssertionError("POP3 session %s did not log in" % name)

    yield start
    for name in started:
        host.run("systemctl stop %s; rm -f /run/%s.*" % (name, name))


def user_sessions(host):
    """Pids of the popa3d processes running as the test user (logged-in sessions), oldest first."""
    out = host.run("pids=$(pgrep -d, -u %s -x popa3d) && ps -o pid= --sort=start_time -p $pids" % USER).stdout
    return [int(pid) for pid in out.split()]


def pid_alive(host, pid):
    return host.run("test -d /proc/%d && grep -q '^State:\\s*[^Z]' /proc/%d/status" % (pid, pid)).rc == 0


def test_a_stale_session_is_ended_and_a_fresh_one_is_not(host, pop3_sessions):
    deliver(host, 2)
    assert user_sessions(host) == []
    pop3_sessions("sysfix-pop3-old")
    (old_pid,) = user_sessions(host)
    # The limit sits between the two ages, with room for two playbook runs
    # (check mode, then the real one) before the fresh session reaches it.
    time.sleep(45)
    pop3_sessions("sysfix-pop3-fresh")
    assert user_sessions(host)[0] == old_pid
    (fresh_pid,) = [pid for pid in user_sessions(host) if pid != old_pid]
    limit = {"inetd_pop3_stale_session_max_age": 35}

    # Check mode names the old session and ends nothing.
    run = sysfix_molecule.run_converge(["--check", "--tags", "inetd_pop3_stale_sessions"], extra_vars=limit)
    assert run.returncode == 0, run.output
    (result,) = [r for _h, task, r in run.results if task == "End POP3 sessions older than the limit"]
    assert result["changed"]
    assert [s["pid"] for s in result["stale"]] == [old_pid]
    assert result["stale"][0]["user"] == USER and result["stale"][0]["age"] > 35
    assert pid_alive(host, old_pid) and pid_alive(host, fresh_pid)

    run = sysfix_molecule.run_converge(["--tags", "inetd_pop3_stale_sessions"], extra_vars=limit)
    assert run.returncode == 0, run.output
    (result,) = [r for _h, task, r in run.results if task == "End POP3 sessions older than the limit"]
    assert [s["pid"] for s in result["stale"]] == [old_pid]
    assert not pid_alive(host, old_pid)
    assert pid_alive(host, fresh_pid)
    # The fresh session still works; the old one's client lost its server.
    host.check_output("touch /run/sysfix-pop3-fresh.go /run/sysfix-pop3-old.go")
    deadline = time.time() + 30
    while time.time() < deadline and host.run("test -s /run/sysfix-pop3-fresh.result -a -s /run/sysfix-pop3-old.result").rc:
        time.sleep(0.2)
    assert json.loads(host.file("/run/sysfix-pop3-fresh.result").content_string)["stat"][0] == 2
    assert "error" in json.loads(host.file("/run/sysfix-pop3-old.result").content_string)

    # Nothing old is left: a second run changes nothing.
    run = sysfix_molecule.run_converge(["--tags", "inetd_pop3_stale_sessions"], extra_vars=limit)
    assert run.returncode == 0, run.output
    assert run.changed_results() == []


def test_check_mode_reports_a_changed_inetd_line_and_changes_nothing(host):
    host.check_output("sed -i 's/nowait\\.200/nowait.40/' %s" % INETD_CONF)
    drifted = host.file(INETD_CONF).content_string
    try:
        run = sysfix_molecule.run_converge(["--check", "--diff"])
        assert run.returncode == 0, run.output
        changed = [(task, r) for _h, task, r in run.changed_results()]
        assert [task for task, _r in changed] == [
            "Run popa3d from inetd through tcpd with the start limit",
            "Reload inetd to read the new POP3 entry",
        ]
        diff = changed[0][1]["diff"][0]
        assert "nowait.40" in diff["before"] and "nowait.200" in diff["after"]
        assert host.file(INETD_CONF).content_string == drifted
    finally:
        run = sysfix_molecule.run_converge()
        assert run.returncode == 0, run.output
    assert POP3_LINE in host.file(INETD_CONF).content_string.splitlines()


def test_check_mode_reports_a_removed_deny_line_and_changes_nothing(host):
    host.check_output("sed -i '/sysfix.hardening inetd_pop3/,/sysfix.hardening inetd_pop3/d' /etc/hosts.deny")
    drifted = host.file("/etc/hosts.deny").content_string
    assert "203.0.113" not in drifted
    try:
        run = sysfix_molecule.run_converge(["--check", "--diff"])
        assert run.returncode == 0, run.output
        assert [task for _h, task, _r in run.changed_results()] == ["Refuse the listed POP3 clients in hosts.deny"]
        assert host.file("/etc/hosts.deny").content_string == drifted
    finally:
        run = sysfix_molecule.run_converge()
        assert run.returncode == 0, run.output
    assert tcpdmatch(host, "203.0.113.9") == "denied"


@pytest.mark.parametrize(
    "bad_vars, named",
    [
        ({"inetd_pop3_denied_networks": ["203.0.113.300"]}, "inetd_pop3_denied_networks[0]"),
        ({"inetd_pop3_allowed_networks": ["198.51.100.0/24", "198.51.100.7/24"]}, "inetd_pop3_allowed_networks[1]"),
        ({"inetd_pop3_allowed_networks": ["mail.example.org"]}, "inetd_pop3_allowed_networks[0]"),
        ({"inetd_pop3_denied_networks": ["198.51.100.7"]}, "inetd_pop3_denied_networks[0]"),
        ({"inetd_pop3_allowed_networks": ["ALL"]}, "inetd_pop3_allowed_networks"),
        ({"inetd_pop3_max_per_minute": 0}, "inetd_pop3_max_per_minute"),
        ({"inetd_pop3_stale_session_max_age": "soon"}, "inetd_pop3_stale_session_max_age"),
    ],
)
def test_a_bad_value_stops_the_run_before_any_change(host, bad_vars, named):
    files = [INETD_CONF, "/etc/hosts.allow", "/etc/hosts.deny", "/etc/default/popa3d"]
    before = {path: host.file(path).content_string for path in files}
    host.check_output("sed -i 's/nowait\\.200/nowait.40/' %s" % INETD_CONF)
    drifted = host.file(INETD_CONF).content_string
    try:
        run = sysfix_molecule.run_converge(extra_vars=bad_vars)
        assert run.returncode != 0
        assert len(run.failed_results()) == 1, run.output
        assert any(named in message for message in run.failure_messages()), run.output
        assert run.changed_results() == []
        assert host.file(INETD_CONF).content_string == drifted
        assert {path: host.file(path).content_string for path in files[1:]} == {p: before[p] for p in files[1:]}
    finally:
        host.check_output("sed -i 's/nowait\\.40/nowait.200/' %s" % INETD_CONF)
    assert host.file(INETD_CONF).content_string == before[INETD_CONF]
