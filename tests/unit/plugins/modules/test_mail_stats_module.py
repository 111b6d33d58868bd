"""mail_stats with a faked mailstats answering with captured output."""

import json

import pytest
from ansible.module_utils.testing import patch_module_args
from conftest import FIXTURES

from ansible_collections.sysfix.hardening.plugins.modules import mail_stats

STATS = FIXTURES / "mail_stats"


def run(capsys, check_mode=False, **args):
    args["_ansible_check_mode"] = check_mode
    with patch_module_args(args), pytest.raises(SystemExit):
        mail_stats.main()
    return json.loads(capsys.readouterr().out)


@pytest.fixture()
def answer(monkeypatch):
    calls = []
    reply = {}

    def run_command(self, args, environ_update=None, **kwargs):
        calls.append((list(args), dict(environ_update or {})))
        return reply["rc"], reply["out"], reply["err"]

    monkeypatch.setattr(mail_stats.AnsibleModule, "get_bin_path",
                        lambda self, name, *a, **k: "/usr/sbin/mailstats" if name == "mailstats" else None)
    monkeypatch.setattr(mail_stats.AnsibleModule, "run_command", run_command)
    return reply, calls


def test_raw_by_default(capsys, answer):
    reply, calls = answer
    reply.update(rc=0, out=(STATS / "mailstats-P-debian12.txt").read_text(), err="")
    result = run(capsys, check_mode=True)
    assert calls == [(["/usr/sbin/mailstats", "-P"], {"LC_ALL": "C"})]
    assert result["changed"] is False and result["format"] == "mailstats -P"
    assert result["sections"]["MTA"]["start_epoch"] == 1795824063
    assert result["sections"]["MTA"]["mailers"]["esmtp"]["msgs_discarded"] == 3
    assert result["missing_statistics"] == []


def test_human_listing(capsys, answer):
    reply, calls = answer
    reply.update(rc=0, out=(STATS / "mailstats-debian13.txt").read_text(), err="")
    result = run(capsys, raw=False)
    assert calls[0][0] == ["/usr/sbin/mailstats"]
    assert result["sections"]["MTA"]["start"] == "Sat Nov 28 00:02:42 2026"


def test_missing_statistics_files_from_stderr(capsys, answer):
    """The captured text has both streams; the module gets them apart, as run_command does."""
    reply, _calls = answer
    lines = (STATS / "mailstats-debian12-no-statistics-file.txt").read_text().splitlines()
    reply.update(rc=0, out="\n".join(line for line in lines if not line.startswith("mailstats:")) + "\n",
                 err="\n".join(line for line in lines if line.startswith("mailstats:")) + "\n")
    result = run(capsys)
    assert result["missing_statistics"] == ["MSP", "MTA"]
    assert result["sections"]["MTA"]["errors"] == [
        "mailstats: /var/lib/sendmail/sendmail.st: No such file or directory"]


def test_missing_command_names_its_package(capsys, monkeypatch):
    monkeypatch.setattr(mail_stats.AnsibleModule, "get_bin_path", lambda *a, **k: None)
    result = run(capsys)
    assert result["failed"] is True
    assert result["msg"] == "mailstats is not installed on this host: install the Debian package sendmail-bin"


def test_a_failing_command_fails(capsys, answer):
    reply, _calls = answer
    reply.update(rc=71, out="", err="mailstats: Permission denied\n")
    result = run(capsys)
    assert result["failed"] is True
    assert result["msg"] == "/usr/sbin/mailstats -P failed (rc=71): mailstats: Permission denied"
