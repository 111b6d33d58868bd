"""pop3_stale_sessions: which sessions are ended, and how.

The sessions and the processes behind them are fakes here; finding real
popa3d sessions in /proc, and ending them, is exercised in the inetd_pop3
Molecule scenario. A real process is used where signals must really arrive.
"""

import json
import signal
import subprocess
import sys

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.sysfix.hardening.plugins.modules import pop3_stale_sessions


def session(pid, age, locks=(), starttime=None):
    return {"pid": pid, "ppid": 1, "user": "alice", "age": age, "starttime": starttime or pid,
            "client": None, "locks": list(locks)}


def run(capsys, check_mode=False, **args):
    args.setdefault("max_age", 60)
    args.setdefault("grace", 1)
    args["_ansible_check_mode"] = check_mode
    with patch_module_args(args), pytest.raises(SystemExit):
        pop3_stale_sessions.main()
    return json.loads(capsys.readouterr().out)


@pytest.fixture()
def fake_processes(monkeypatch):
    """Sessions 101 (old), 102 (old, holds a lock), 103 (fresh); 102 ignores SIGTERM."""
    alive = {101, 102, 103}
    sent = []
    sessions = [session(101, 90), session(102, 120, ["/var/mail/bob"]), session(103, 5)]

    def kill(pid, signum):
        sent.append((pid, signum))
        if signum == signal.SIGKILL or pid != 102:
            alive.discard(pid)

    monkeypatch.setattr(pop3_stale_sessions, "find_sessions", lambda daemon, spool: sessions)
    monkeypatch.setattr(pop3_stale_sessions, "still_running", lambda pid, starttime: pid in alive)
    monkeypatch.setattr(pop3_stale_sessions.os, "kill", kill)
    return alive, sent


def test_old_sessions_get_term_then_kill(capsys, fake_processes):
    alive, sent = fake_processes
    result = run(capsys)
    assert result["changed"]
    assert [s["pid"] for s in result["stale"]] == [101, 102]
    assert sent == [(101, signal.SIGTERM), (102, signal.SIGTERM), (102, signal.SIGKILL)]
    assert result["killed"] == [102]
    assert alive == {103}


def test_check_mode_reports_and_sends_nothing(capsys, fake_processes):
    alive, sent = fake_processes
    result = run(capsys, check_mode=True)
    assert result["changed"] and [s["pid"] for s in result["stale"]] == [101, 102]
    assert sent == [] and alive == {101, 102, 103}


def test_locked_only(capsys, fake_processes):
    _alive, sent = fake_processes
    result = run(capsys, locked_only=True)
    assert [s["pid"] for s in result["stale"]] == [102]
    assert {pid for pid, _sig in sent} == {102}


def test_nothing_old_changes_nothing(capsys, fake_processes):
    _alive, sent = fake_processes
    result = run(capsys, max_age=3600)
    assert not result["changed"] and result["stale"] == [] and sent == []
    assert len(result["sessions"]) == 3


def test_max_age_must_be_positive(capsys, fake_processes):
    result = run(capsys, max_age=0)
    assert result["failed"] and "max_age must be at least 1 second" in result["msg"]


def test_still_running_tells_a_reused_pid_from_the_process():
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        info = pop3_stale_sessions.process_info(child.pid)
        assert pop3_stale_sessions.still_running(child.pid, info["starttime"])
        assert not pop3_stale_sessions.still_running(child.pid, info["starttime"] + 1)
    finally:
        child.kill()
        child.wait()
    assert not pop3_stale_sessions.still_running(child.pid, info["starttime"])


FORKING_DAEMON = r"""
import fcntl, os, sys, time
pid = os.fork()
if pid == 0:
    mailbox = open(sys.argv[1], "r+")
    fcntl.lockf(mailbox, fcntl.LOCK_EX)
    print(os.getpid(), flush=True)
    time.sleep(30)
    os._exit(0)
time.sleep(30)
"""


def test_find_sessions_finds_the_child_of_a_listener_and_its_lock(tmp_path):
    """A listener started with -D whose parent is not the daemon is not a session;
    the child it forked is, with the mailbox lock it holds."""
    daemon = tmp_path / "popa3d"
    daemon.symlink_to(sys.executable)  # the process name is the name it was started by
    spool = tmp_path / "spool"
    spool.mkdir()
    (spool / "alice").write_text("")
    (spool / "bob").write_text("")
    listener = subprocess.Popen([str(daemon), "-c", FORKING_DAEMON, str(spool / "alice"), "-D"],
                                stdout=subprocess.PIPE, text=True)
    try:
        child = int(listener.stdout.readline())
        sessions = pop3_stale_sessions.find_sessions(str(daemon), str(spool))
        assert [s["pid"] for s in sessions] == [child]
        assert sessions[0]["ppid"] == listener.pid
        assert sessions[0]["locks"] == [str(spool / "alice")]
        assert 0 <= sessions[0]["age"] < 30
        # Another program's processes are not sessions, whatever their name.
        assert pop3_stale_sessions.find_sessions(str(tmp_path / "other" / "popa3d"), str(spool)) == []
    finally:
        listener.kill()
        listener.wait()
        if "child" in locals():
            pop3_stale_sessions.signal_process(child, signal.SIGKILL)
