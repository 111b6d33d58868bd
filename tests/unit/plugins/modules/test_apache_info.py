"""apache_info against a small Debian-style /etc/apache2 in a temporary directory."""

import json
import os

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.sysfix.hardening.plugins.modules import apache_info


@pytest.fixture()
def root(tmp_path):
    root = tmp_path / "apache2"
    for name in ("conf-available", "conf-enabled", "mods-available", "mods-enabled",
                 "sites-available", "sites-enabled"):
        (root / name).mkdir(parents=True)
    (root / "mods-available" / "mpm_event.load").write_text("LoadModule mpm_event_module x\n")
    os.symlink("../mods-available/mpm_event.load", root / "mods-enabled" / "mpm_event.load")
    (root / "sites-available" / "000-default.conf").write_text("<VirtualHost *:80>\nCustomLog x combined\n")
    os.symlink("../sites-available/000-default.conf", root / "sites-enabled" / "000-default.conf")
    (root / "conf-available" / "security.conf").write_text("ServerTokens OS\n")
    os.symlink("../conf-available/security.conf", root / "conf-enabled" / "security.conf")
    (root / "conf-available" / "other.conf").write_text("# not enabled\n")
    return root


def run(capsys, **args):
    with patch_module_args(args), pytest.raises(SystemExit):
        apache_info.main()
    return json.loads(capsys.readouterr().out)


def test_reads_nothing_unless_asked(capsys, root):
    result = run(capsys, config_dir=str(root))
    assert result["mpm"] == "event" and result["enabled_sites"] == ["000-default"]
    assert result["file_contents"] == {}


def test_reads_every_enabled_site_and_conf_in_one_call(capsys, root):
    result = run(capsys, config_dir=str(root), read_enabled_files=True)
    assert result["file_contents"] == {
        str(root / "sites-available" / "000-default.conf"): "<VirtualHost *:80>\nCustomLog x combined\n",
        str(root / "conf-available" / "security.conf"): "ServerTokens OS\n",
    }


def test_reads_the_named_files(capsys, root):
    path = str(root / "conf-available" / "other.conf")
    assert run(capsys, config_dir=str(root), read_files=[path])["file_contents"] == {path: "# not enabled\n"}


def test_a_missing_or_binary_file_is_a_clear_failure(capsys, root):
    missing = str(root / "sites-available" / "gone.conf")
    result = run(capsys, config_dir=str(root), read_files=[missing])
    assert result["failed"] is True and result["msg"].startswith("cannot read %s:" % missing)
    binary = root / "sites-available" / "latin1.conf"
    binary.write_bytes(b"# caf\xe9\n")
    result = run(capsys, config_dir=str(root), read_files=[str(binary)])
    assert result["failed"] is True and "is not UTF-8 text (byte 5)" in result["msg"]
