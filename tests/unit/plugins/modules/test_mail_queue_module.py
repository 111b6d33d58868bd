"""mail_queue with faked mailq / postqueue commands answering with captured listings."""

import json

import pytest
from ansible.module_utils.testing import patch_module_args
from conftest import FIXTURES

from ansible_collections.sysfix.hardening.plugins.modules import mail_queue

QUEUES = FIXTURES / "mail_queue"


def run(capsys, check_mode=False, **args):
    args["_ansible_check_mode"] = check_mode
    with patch_module_args(args), pytest.raises(SystemExit):
        mail_queue.main()
    return json.loads(capsys.readouterr().out)


@pytest.fixture()
def answers(monkeypatch):
    """Map a command line to (rc, fixture name, stderr); record what ran."""
    table = {}
    calls = []

    def get_bin_path(self, name, required=False, opt_dirs=None):
        return {"mailq": "/usr/bin/mailq", "postqueue": "/usr/sbin/postqueue"}.get(name)

    def run_command(self, args, environ_update=None, **kwargs):
        calls.append((list(args), dict(environ_update or {})))
        rc, name, err = table[" ".join(args)]
        return rc, (QUEUES / name).read_text() if name else "", err

    monkeypatch.setattr(mail_queue.AnsibleModule, "get_bin_path", get_bin_path)
    monkeypatch.setattr(mail_queue.AnsibleModule, "run_command", run_command)
    return table, calls


def test_sendmail_queue(capsys, answers):
    table, calls = answers
    table["/usr/bin/mailq"] = (0, "mailq-debian13-multiqueue.txt", "")
    result = run(capsys, known_domains=["example.com"])
    assert calls == [(["/usr/bin/mailq"], {"LC_ALL": "C"})]
    assert result["changed"] is False and result["format"] == "sendmail"
    assert result["command"] == ["/usr/bin/mailq"]
    assert result["total"]["requests"] == 9 and len(result["entries"]) == 9
    assert {"domain": "exmaple.com", "looks_like": "example.com", "why": "one edit away",
            "recipients": 1, "candidate_known": True} in result["typo_hints"]


def test_postfix_mailq_is_recognised(capsys, answers):
    table, _calls = answers
    table["/usr/bin/mailq"] = (0, "postqueue-p-debian12-postfix37.txt", "")
    result = run(capsys, check_mode=True)
    assert result["format"] == "postfix" and result["total"]["requests"] == 9


@pytest.mark.parametrize("source, command, fmt", [
    ("postqueue", "/usr/sbin/postqueue -p", "postfix"),
    ("postqueue_json", "/usr/sbin/postqueue -j", "postfix_json"),
])
def test_postqueue(capsys, answers, source, command, fmt):
    table, calls = answers
    name = "postqueue-%s-debian12-postfix37.txt" % command[-1]
    table[command] = (0, name, "")
    result = run(capsys, source=source, entries=False)
    assert calls[0][0] == command.split()
    assert result["format"] == fmt
    assert result["entries"] == []
    assert result["queues"]["hold"]["requests"] == 2
    assert result["deferred"][0]["domain"] == "example.com"


def test_empty_postfix_json_queue(capsys, answers):
    table, _calls = answers
    table["/usr/sbin/postqueue -j"] = (0, "postqueue-j-debian12-empty.txt", "")
    result = run(capsys, source="postqueue_json")
    assert result["total"]["requests"] == 0 and result["malformed_count"] == 0


@pytest.mark.parametrize("source, message", [
    ("mailq", "mailq is not installed on this host: install the Debian package sendmail-bin (or postfix)"),
    ("postqueue", "postqueue is not installed on this host: install the Debian package postfix"),
    ("postqueue_json", "postqueue is not installed on this host: install the Debian package postfix"),
])
def test_missing_command_names_its_package(capsys, monkeypatch, source, message):
    monkeypatch.setattr(mail_queue.AnsibleModule, "get_bin_path", lambda *a, **k: None)
    result = run(capsys, source=source)
    assert result["failed"] is True and result["msg"] == message


def test_a_failing_command_fails_with_its_message(capsys, answers):
    table, _calls = answers
    table["/usr/sbin/postqueue -p"] = (69, None, "postqueue: fatal: Queue report unavailable - mail system is down\n")
    result = run(capsys, source="postqueue")
    assert result["failed"] is True
    assert result["msg"] == ("/usr/sbin/postqueue -p failed (rc=69): "
                             "postqueue: fatal: Queue report unavailable - mail system is down")


def test_unknown_source_fails(capsys):
    result = run(capsys, source="exim")
    assert result["failed"] is True and "value of source must be one of" in result["msg"]


def test_stderr_lines_are_returned_as_errors(capsys, answers):
    table, _calls = answers
    table["/usr/bin/mailq"] = (0, "mailq-debian12-empty.txt", "mailq: warning: something odd\n")
    result = run(capsys)
    assert result["errors"] == ["mailq: warning: something odd"]
