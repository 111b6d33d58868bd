"""apache_config against a small Debian-style /etc/apache2 in a temporary
directory and a stand-in for `apache2 -t` that refuses any enabled file
containing the word Bogus (and, to test the rollback, any file containing
LIVEONLY when the live directory is checked). The real Apache is exercised in
the apache_limits, hotlink_block and codered_filter Molecule scenarios."""

import json
import os

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.sysfix.hardening.plugins.modules import apache_config

FAKE_APACHE = r"""#!/bin/sh
# usage: apache2 -t -d DIR
dir=$3
for f in "$dir"/conf-enabled/*.conf "$dir"/sites-enabled/*.conf "$dir"/mods-enabled/*.conf; do
    [ -e "$f" ] || continue
    if grep -q Bogus "$f"; then
        echo "AH00526: Syntax error on line 1 of $f:" >&2
        echo "Invalid command 'Bogus', perhaps misspelled" >&2
        exit 1
    fi
    if [ "$dir" = "$LIVE_DIR" ] && grep -q LIVEONLY "$f"; then
        echo "AH00526: Syntax error on line 1 of $f:" >&2
        echo "Include of a live path failed" >&2
        exit 1
    fi
done
echo "Syntax OK" >&2
"""


@pytest.fixture()
def apache(tmp_path, monkeypatch):
    root = tmp_path / "apache2"
    for name in ("conf-available", "conf-enabled", "mods-available", "mods-enabled",
                 "sites-available", "sites-enabled"):
        (root / name).mkdir(parents=True)
    (root / "envvars").write_text("export APACHE_RUN_USER=www-data\n")
    (root / "mods-available" / "mpm_event.conf").write_text("MaxRequestWorkers 150\n")
    (root / "mods-available" / "mpm_event.load").write_text("LoadModule mpm_event_module x\n")
    (root / "mods-available" / "cgid.load").write_text("# Depends: mime\nLoadModule cgid_module x\n")
    (root / "mods-available" / "cgid.conf").write_text("ScriptSock cgisock\n")
    (root / "mods-available" / "mime.load").write_text("LoadModule mime_module x\n")
    (root / "sites-available" / "000-default.conf").write_text("<VirtualHost *:80>\n</VirtualHost>\n")
    os.symlink("../sites-available/000-default.conf", root / "sites-enabled" / "000-default.conf")
    binary = tmp_path / "apache2-fake"
    binary.write_text(FAKE_APACHE)
    binary.chmod(0o755)
    monkeypatch.setenv("LIVE_DIR", str(root))
    return root, str(binary)


def run(capsys, apache, check_mode=False, **args):
    root, binary = apache
    args.update(config_dir=str(root), apache_binary=binary, _ansible_check_mode=check_mode)
    with patch_module_args(args), pytest.raises(SystemExit):
        apache_config.main()
    return json.loads(capsys.readouterr().out)


def conf(root, text="Timeout 30\n"):
    return {"path": str(root / "conf-available" / "sysfix-test.conf"), "content": text}


def listing(root):
    return sorted(
        (str(p.relative_to(root)), os.readlink(p) if p.is_symlink() else p.read_text())
        for p in root.rglob("*") if p.is_file() or p.is_symlink()
    )


def test_writes_and_enables_a_conf(capsys, apache):
    root, _binary = apache
    result = run(capsys, apache, files=[conf(root)], enable_confs=["sysfix-test"])
    assert result["changed"] is True
    assert (root / "conf-available" / "sysfix-test.conf").read_text() == "Timeout 30\n"
    assert os.readlink(root / "conf-enabled" / "sysfix-test.conf") == "../conf-available/sysfix-test.conf"
    assert (root / "conf-available" / "sysfix-test.conf").stat().st_mode & 0o777 == 0o644
    assert result["restart_required"] is False
    assert [d["after"] for d in result["diff"]] == ["Timeout 30\n", "-> ../conf-available/sysfix-test.conf\n"]


def test_second_run_changes_nothing(capsys, apache):
    root, _binary = apache
    run(capsys, apache, files=[conf(root)], enable_confs=["sysfix-test"])
    result = run(capsys, apache, files=[conf(root)], enable_confs=["sysfix-test"])
    assert result["changed"] is False and result["diff"] == []


def test_check_mode_reports_and_writes_nothing(capsys, apache):
    root, _binary = apache
    before = listing(root)
    result = run(capsys, apache, check_mode=True, files=[conf(root)], enable_confs=["sysfix-test"])
    assert result["changed"] is True
    assert result["changed_files"] == [str(root / "conf-available" / "sysfix-test.conf")]
    assert listing(root) == before


def test_a_broken_unrelated_vhost_stops_the_change_before_anything_is_written(capsys, apache):
    root, _binary = apache
    (root / "sites-available" / "broken.conf").write_text("Bogus directive\n")
    os.symlink("../sites-available/broken.conf", root / "sites-enabled" / "broken.conf")
    before = listing(root)
    result = run(capsys, apache, files=[conf(root)], enable_confs=["sysfix-test"])
    assert result["failed"] is True and result["changed"] is False
    assert "nothing was changed" in result["msg"]
    # Apache's own line, with the live path rather than the scratch copy's.
    assert result["configtest"] == (
        "AH00526: Syntax error on line 1 of %s/sites-enabled/broken.conf: "
        "Invalid command 'Bogus', perhaps misspelled" % root
    )
    assert listing(root) == before


def test_check_mode_fails_where_a_real_run_would(capsys, apache):
    root, _binary = apache
    result = run(capsys, apache, check_mode=True, files=[conf(root, "Bogus\n")], enable_confs=["sysfix-test"])
    assert result["failed"] is True


def test_a_refusal_of_the_live_directory_puts_everything_back(capsys, apache):
    root, _binary = apache
    mpm = root / "mods-available" / "mpm_event.conf"
    mpm.chmod(0o640)
    before = listing(root)
    result = run(capsys, apache, files=[
        {"path": str(mpm), "content": "MaxRequestWorkers 300\n"},
        conf(root, "LIVEONLY\n"),
    ], enable_confs=["sysfix-test"])
    assert result["failed"] is True and result["changed"] is False
    assert "previous files were restored" in result["msg"]
    backup = result["backups"][str(mpm)]
    assert open(backup).read() == "MaxRequestWorkers 150\n"
    os.unlink(backup)
    assert listing(root) == before
    assert mpm.stat().st_mode & 0o777 == 0o640


def test_an_mpm_change_needs_a_restart_and_keeps_a_backup(capsys, apache):
    root, _binary = apache
    mpm = root / "mods-available" / "mpm_event.conf"
    result = run(capsys, apache, files=[{"path": str(mpm), "content": "MaxRequestWorkers 300\n"}])
    assert result["restart_required"] is True
    assert open(result["backups"][str(mpm)]).read() == "MaxRequestWorkers 150\n"
    assert mpm.read_text() == "MaxRequestWorkers 300\n"


def test_modules_are_enabled_with_their_dependencies(capsys, apache):
    root, _binary = apache
    result = run(capsys, apache, enable_modules=["cgid"])
    assert sorted(result["created_links"]) == sorted(
        str(root / "mods-enabled" / n) for n in ("cgid.load", "cgid.conf", "mime.load")
    )
    assert os.readlink(root / "mods-enabled" / "cgid.conf") == "../mods-available/cgid.conf"


@pytest.mark.parametrize(
    "args, message",
    [
        ({"enable_modules": ["evasive"]}, "module evasive is not installed"),
        ({"enable_confs": ["missing"]}, "conf-available/missing.conf does not exist"),
        ({"files": [{"path": "/etc/passwd", "content": "x"}]}, "/etc/passwd is not under"),
        ({"files": [{"path": "CONF/conf-enabled/x.conf", "content": "x"}]}, "is in an *-enabled directory"),
        ({"files": [{"path": "CONF/conf-available/x.conf", "content": "x", "mode": "rw"}]}, "is not an octal number"),
    ],
)
def test_bad_requests_fail_clearly(capsys, apache, args, message):
    root, _binary = apache
    for item in args.get("files", []):
        item["path"] = item["path"].replace("CONF", str(root))
    result = run(capsys, apache, **args)
    assert result["failed"] is True and message in result["msg"]


def test_a_real_file_where_a_link_belongs_is_not_replaced(capsys, apache):
    root, _binary = apache
    (root / "conf-available" / "sysfix-test.conf").write_text("Timeout 30\n")
    (root / "conf-enabled" / "sysfix-test.conf").write_text("admin's own copy\n")
    result = run(capsys, apache, enable_confs=["sysfix-test"])
    assert result["failed"] is True and "is not a link" in result["msg"]
    assert (root / "conf-enabled" / "sysfix-test.conf").read_text() == "admin's own copy\n"
