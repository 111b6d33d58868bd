"""sysctl_live against a fake /proc/sys in a temporary directory.

The real /proc/sys, read-only mounts included, is exercised in the syncookies
Molecule scenario; here the module's decisions are checked one by one.
"""

import errno
import json

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.sysfix.hardening.plugins.modules import sysctl_live


@pytest.fixture()
def proc(tmp_path):
    ipv4 = tmp_path / "net" / "ipv4"
    ipv4.mkdir(parents=True)
    (ipv4 / "tcp_syncookies").write_text("1\n")
    (ipv4 / "tcp_synack_retries").write_text("5\n")
    (ipv4 / "tcp_rmem").write_text("4096\t131072\t6291456\n")
    return tmp_path


def run(capsys, proc, check_mode=False, **args):
    args.setdefault("proc_root", str(proc))
    args["_ansible_check_mode"] = check_mode
    with patch_module_args(args), pytest.raises(SystemExit):
        sysctl_live.main()
    return json.loads(capsys.readouterr().out)


def value(proc, name):
    return (proc / "net" / "ipv4" / name).read_text()


def test_writes_only_what_differs(capsys, proc):
    result = run(capsys, proc, settings={
        "net.ipv4.tcp_syncookies": 1,
        "net.ipv4.tcp_synack_retries": 2,
        "net.ipv4.tcp_rmem": "4096 131072 6291456",
    })
    assert result["changed"] is True
    assert result["changed_keys"] == ["net.ipv4.tcp_synack_retries"]
    assert result["before"]["net.ipv4.tcp_synack_retries"] == "5"
    assert result["after"]["net.ipv4.tcp_synack_retries"] == "2"
    assert result["diff"]["before"] == "net.ipv4.tcp_synack_retries = 5\n"
    assert result["diff"]["after"] == "net.ipv4.tcp_synack_retries = 2\n"
    assert value(proc, "tcp_synack_retries") == "2"


def test_second_run_changes_nothing(capsys, proc):
    run(capsys, proc, settings={"net.ipv4.tcp_synack_retries": 2})
    result = run(capsys, proc, settings={"net.ipv4.tcp_synack_retries": 2})
    assert result["changed"] is False and result["changed_keys"] == []


def test_check_mode_reports_and_writes_nothing(capsys, proc):
    result = run(capsys, proc, check_mode=True, settings={"net.ipv4.tcp_synack_retries": 2})
    assert result["changed"] is True
    assert result["after"]["net.ipv4.tcp_synack_retries"] == "2"
    assert value(proc, "tcp_synack_retries") == "5\n"


def test_unknown_parameter_fails_even_in_check_mode(capsys, proc):
    result = run(capsys, proc, check_mode=True, settings={"net.ipv4.tcp_sycookies": 1})
    assert result["failed"] is True
    assert "Unknown kernel parameter net.ipv4.tcp_sycookies" in result["msg"]


def test_unwritable_parameter_is_skipped_with_a_warning(capsys, proc, monkeypatch):
    # os.access is what reports a read-only mount (EROFS); root ignores modes.
    monkeypatch.setattr(sysctl_live.os, "access", lambda path, mode: False)
    result = run(capsys, proc, settings={"net.ipv4.tcp_synack_retries": 2})
    assert result["changed"] is False
    assert result["unsettable"][0]["key"] == "net.ipv4.tcp_synack_retries"
    assert "cannot be set live on this host" in json.dumps(result["warnings"])
    assert value(proc, "tcp_synack_retries") == "5\n"


def test_unwritable_parameter_fails_when_asked(capsys, proc, monkeypatch):
    monkeypatch.setattr(sysctl_live.os, "access", lambda path, mode: False)
    result = run(capsys, proc, settings={"net.ipv4.tcp_synack_retries": 2}, unsettable="fail")
    assert result["failed"] is True
    assert result["msg"].startswith("Cannot set live: net.ipv4.tcp_synack_retries")


def test_permission_refused_on_write_counts_as_unsettable(capsys, proc, monkeypatch):
    def refuse(path, value):
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(sysctl_live, "write_value", refuse)
    result = run(capsys, proc, settings={"net.ipv4.tcp_synack_retries": 2})
    assert result["unsettable"] == [
        {"key": "net.ipv4.tcp_synack_retries", "reason": "Operation not permitted"}
    ]


def test_invalid_value_refused_by_the_kernel_fails(capsys, proc, monkeypatch):
    def invalid(path, value):
        raise OSError(errno.EINVAL, "Invalid argument")

    monkeypatch.setattr(sysctl_live, "write_value", invalid)
    result = run(capsys, proc, settings={"net.ipv4.tcp_synack_retries": 999})
    assert result["failed"] is True
    assert result["msg"] == "The kernel refused net.ipv4.tcp_synack_retries = 999: Invalid argument"


def test_a_value_the_kernel_clamps_fails(capsys, proc, monkeypatch):
    def clamp(path, value):
        with open(path, "w") as handle:
            handle.write("255")

    monkeypatch.setattr(sysctl_live, "write_value", clamp)
    result = run(capsys, proc, settings={"net.ipv4.tcp_synack_retries": 999})
    assert result["failed"] is True
    assert "kept net.ipv4.tcp_synack_retries = 255 after writing 999" in result["msg"]
