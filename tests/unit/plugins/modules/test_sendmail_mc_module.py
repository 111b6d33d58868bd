"""sendmail_mc with sendmail.mc and sendmail.cf in a temporary directory.

m4, sendmail -bt and make are replaced by fakes that record their calls;
the running MTA is a fake pid. The real commands, the real MTA and its
SIGHUP are exercised in the sendmail_limits Molecule scenario.
"""

import json
import os
import signal
import time

import pytest
from ansible.module_utils.testing import patch_module_args
from conftest import FIXTURES

from ansible_collections.sysfix.hardening.plugins.modules import sendmail_mc

M4_OUTPUT = (FIXTURES / "sendmail_mc" / "m4-output-debian12.cf").read_text()
LIMITS = "define(`confMAX_MESSAGE_SIZE', `5024000')dnl\n"


class FakeCommands:
    """m4 echoes the fixture's output plus one line per define, so different
    blocks build different files; sendmail -bt reports ``bt_errors``."""

    def __init__(self):
        self.calls = []
        self.bt_errors = ""
        self.m4_stderr = ""
        self.checked = []

    def __call__(self, args, **kwargs):
        self.calls.append(list(args))
        name = os.path.basename(args[0])
        if name == "m4":
            with open(args[1]) as handle:
                defines = [line for line in handle if line.startswith("define(")]
            return 0, M4_OUTPUT + "".join("# built from " + line for line in defines), self.m4_stderr
        if name == "sendmail":
            path = args[args.index("-C") + 1]
            with open(path) as handle:
                self.checked.append(handle.read())
            banner = "ADDRESS TEST MODE (ruleset 3 NOT automatically invoked)\nEnter <ruleset> <address>\n> "
            if self.bt_errors:
                return 70, banner, self.bt_errors.replace("CF", path)
            return 0, banner, ""
        if name == "make":
            return 0, "", ""
        raise AssertionError("unexpected command %s" % args)

    def names(self):
        return [os.path.basename(call[0]) for call in self.calls]


@pytest.fixture()
def etc_mail(tmp_path):
    mc = tmp_path / "sendmail.mc"
    mc.write_text((FIXTURES / "sendmail_mc" / "sendmail.mc-debian12").read_text())
    cf = tmp_path / "sendmail.cf"
    cf.write_text((FIXTURES / "sendmail_mc" / "sendmail.cf-debian12").read_text())
    (tmp_path / "Makefile").write_text("all:\n")
    os.utime(mc, (1000, 1000))
    os.utime(cf, (2000, 2000))
    return tmp_path


@pytest.fixture()
def commands(monkeypatch):
    fake = FakeCommands()
    monkeypatch.setattr(sendmail_mc.AnsibleModule, "run_command", lambda self, args, **kw: fake(args, **kw))
    # Only the commands the module runs are faked; Ansible's own (lsattr for
    # backups) are reported missing, as on a host without e2fsprogs.
    monkeypatch.setattr(
        sendmail_mc.AnsibleModule, "get_bin_path",
        lambda self, name, *args, **kw: "/usr/bin/" + name if name in ("m4", "sendmail", "make") else None,
    )
    return fake


class FakeMta:
    """The pid file of a running MTA that rewrites it when it gets SIGHUP."""

    def __init__(self, running=True, restarts=True):
        self.running = running
        self.restarts = restarts
        self.mtime = 3000.0
        self.signals = []

    def state(self, pid_file):
        return (4242, self.mtime) if self.running else (None, None)

    def kill(self, pid, signum):
        self.signals.append((pid, signum))
        if self.restarts:
            # The restarted MTA writes its pid file after the new sendmail.cf.
            self.mtime = time.time() + 1


@pytest.fixture()
def mta(monkeypatch):
    fake = FakeMta()
    monkeypatch.setattr(sendmail_mc, "running_mta", fake.state)
    monkeypatch.setattr(sendmail_mc.os, "kill", fake.kill)
    return fake


def run(capsys, etc_mail, check_mode=False, **args):
    args.setdefault("name", "test limits")
    args.setdefault("position", "before_mailers")
    args.setdefault("block", LIMITS)
    args.setdefault("mc", str(etc_mail / "sendmail.mc"))
    args.setdefault("cf", str(etc_mail / "sendmail.cf"))
    args.setdefault("reload_timeout", 2)
    args["_ansible_check_mode"] = check_mode
    args["_ansible_tmpdir"] = str(etc_mail / "tmp")
    os.makedirs(args["_ansible_tmpdir"], exist_ok=True)
    with patch_module_args(args), pytest.raises(SystemExit):
        sendmail_mc.main()
    return json.loads(capsys.readouterr().out)


def backups(etc_mail):
    return sorted(p.name for p in etc_mail.iterdir() if p.name.endswith("~"))


def test_a_new_block_is_checked_installed_built_and_reloaded(capsys, etc_mail, commands, mta):
    cf_before = (etc_mail / "sendmail.cf").read_text()
    result = run(capsys, etc_mail)
    assert result["changed"] and result["mc_changed"] and result["cf_changed"] and result["reloaded"]
    mc = (etc_mail / "sendmail.mc").read_text()
    cf = (etc_mail / "sendmail.cf").read_text()
    assert "dnl # BEGIN test limits\n" + LIMITS + "dnl # END test limits\nMAILER_DEFINITIONS" in mc
    assert "# built from " + LIMITS in cf
    assert cf.endswith("### %s ###\n" % (etc_mail / "sendmail.mc") + "".join("# " + l for l in mc.splitlines(True)))
    # The file sendmail checked is the file installed.
    assert commands.checked == [cf]
    assert commands.names() == ["m4", "sendmail", "make"]
    assert commands.calls[2][1:] == ["-s", "-C", str(etc_mail), "-o", str(etc_mail / "sendmail.cf"), "all"]
    assert mta.signals == [(4242, signal.SIGHUP)]
    assert len(backups(etc_mail)) == 2
    assert open(result["backup_cf"]).read() == cf_before
    # sendmail.cf is written after sendmail.mc, so Debian's make never rebuilds it.
    assert os.stat(etc_mail / "sendmail.cf").st_mtime >= os.stat(etc_mail / "sendmail.mc").st_mtime
    assert oct(os.stat(etc_mail / "sendmail.cf").st_mode & 0o777) == "0o644"
    assert not [p for p in etc_mail.iterdir() if p.name.startswith(".sendmail")]


def test_a_second_run_changes_nothing(capsys, etc_mail, commands, mta):
    run(capsys, etc_mail)
    commands.calls.clear()
    result = run(capsys, etc_mail)
    assert not result["changed"] and not result["reloaded"]
    assert commands.names() == ["m4"]
    assert mta.signals == [(4242, signal.SIGHUP)]


def test_check_mode_builds_and_checks_but_changes_nothing(capsys, etc_mail, commands, mta):
    mc_before = (etc_mail / "sendmail.mc").read_text()
    cf_before = (etc_mail / "sendmail.cf").read_text()
    result = run(capsys, etc_mail, check_mode=True)
    assert result["changed"] and result["mc_changed"] and result["cf_changed"] and result["reloaded"]
    assert commands.names() == ["m4", "sendmail"]
    assert "# built from " + LIMITS in commands.checked[0]
    assert (etc_mail / "sendmail.mc").read_text() == mc_before
    assert (etc_mail / "sendmail.cf").read_text() == cf_before
    assert mta.signals == [] and backups(etc_mail) == []
    assert "confMAX_MESSAGE_SIZE" in result["diff"][0]["after"] and "confMAX_MESSAGE_SIZE" not in result["diff"][0]["before"]
    assert "# built from" in result["diff"][1]["after"]


def test_a_config_sendmail_rejects_changes_nothing(capsys, etc_mail, commands, mta):
    mc_before = (etc_mail / "sendmail.mc").read_text()
    cf_before = (etc_mail / "sendmail.cf").read_text()
    commands.bt_errors = 'CF: line 1788: invalid rewrite line "R\x01* \x01#error oops" (tab expected)\n'
    result = run(capsys, etc_mail)
    assert result["failed"]
    assert "nothing was replaced and the running MTA keeps its configuration" in result["msg"]
    assert 'invalid rewrite line "R$* $#error oops" (tab expected)' in result["msg"]
    assert (etc_mail / "sendmail.mc").read_text() == mc_before
    assert (etc_mail / "sendmail.cf").read_text() == cf_before
    assert mta.signals == [] and "make" not in commands.names()
    assert not [p for p in etc_mail.iterdir() if p.name.startswith(".sendmail")]


def test_a_config_sendmail_rejects_fails_in_check_mode_too(capsys, etc_mail, commands, mta):
    commands.bt_errors = "CF: line 3: unknown configuration line \"x\"\n"
    result = run(capsys, etc_mail, check_mode=True)
    assert result["failed"] and 'unknown configuration line "x"' in result["msg"]


def test_an_m4_error_changes_nothing(capsys, etc_mail, commands, mta):
    mc_before = (etc_mail / "sendmail.mc").read_text()
    commands.m4_stderr = "m4:stdin:12: cannot open `/etc/mail/nothere.m4': No such file or directory\n"
    result = run(capsys, etc_mail)
    assert result["failed"] and "cannot open `/etc/mail/nothere.m4'" in result["msg"]
    assert (etc_mail / "sendmail.mc").read_text() == mc_before
    assert commands.names() == ["m4"] and mta.signals == []


def test_an_mta_running_an_older_cf_is_reloaded(capsys, etc_mail, commands, mta):
    run(capsys, etc_mail)
    os.utime(etc_mail / "sendmail.cf", (mta.mtime + 5, mta.mtime + 5))
    result = run(capsys, etc_mail, check_mode=True)
    assert result["changed"] and result["reloaded"] and not result["cf_changed"]
    result = run(capsys, etc_mail)
    assert result["changed"] and result["reloaded"] and not result["cf_changed"]
    assert len(mta.signals) == 2


def test_an_mta_that_is_not_running_is_left_alone(capsys, etc_mail, commands, mta):
    mta.running = False
    result = run(capsys, etc_mail)
    assert result["changed"] and result["cf_changed"]
    assert not result["running"] and not result["reloaded"] and result["pid"] is None
    assert mta.signals == []


def test_an_mta_that_does_not_come_back_fails_the_run(capsys, etc_mail, commands, mta):
    mta.restarts = False
    result = run(capsys, etc_mail, reload_timeout=1)
    assert result["failed"]
    assert "did not restart within 1 s after SIGHUP" in result["msg"]
    assert result["backup_cf"] in result["msg"]


def test_removing_the_block_restores_the_file(capsys, etc_mail, commands, mta):
    mc_before = (etc_mail / "sendmail.mc").read_text()
    run(capsys, etc_mail)
    result = run(capsys, etc_mail, block="")
    assert result["changed"]
    assert (etc_mail / "sendmail.mc").read_text() == mc_before


def test_a_mc_without_mailers_is_refused(capsys, etc_mail, commands, mta):
    (etc_mail / "sendmail.mc").write_text("divert(-1)dnl\n")
    result = run(capsys, etc_mail)
    assert result["failed"] and "no MAILER_DEFINITIONS or MAILER(...) line" in result["msg"]
    assert commands.calls == []


def test_a_later_task_in_check_mode_judges_only_its_own_block(capsys, etc_mail, commands, mta):
    """A hand-edited sendmail.cf is the first task's change; a later task with
    check_cf_sync false reports only what its own block would change."""
    run(capsys, etc_mail)
    run(capsys, etc_mail, name="other", block="define(`confMAX_HEADERS_LENGTH', `32768')dnl\n")
    with open(etc_mail / "sendmail.cf", "a") as handle:
        handle.write("O MaxMessageSize=5024000\n")
    first = run(capsys, etc_mail, check_mode=True)
    assert first["changed"] and first["cf_changed"] and not first["mc_changed"]
    later = run(capsys, etc_mail, check_mode=True, name="other", check_cf_sync=False,
                block="define(`confMAX_HEADERS_LENGTH', `32768')dnl\n")
    assert not later["changed"] and not later["cf_changed"] and not later["reloaded"]
    changed = run(capsys, etc_mail, check_mode=True, name="other", check_cf_sync=False,
                  block="define(`confMAX_HEADERS_LENGTH', `65536')dnl\n")
    assert changed["changed"] and changed["mc_changed"] and changed["cf_changed"] and changed["reloaded"]
    assert "O MaxMessageSize=5024000" not in changed["diff"][1]["before"]
    # A real run compares with the file on disk whatever the option says.
    real = run(capsys, etc_mail, name="other", check_cf_sync=False,
               block="define(`confMAX_HEADERS_LENGTH', `32768')dnl\n")
    assert real["changed"] and real["cf_changed"]
    assert "O MaxMessageSize=5024000" not in (etc_mail / "sendmail.cf").read_text()
