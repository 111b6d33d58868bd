"""The tarball built by ansible-galaxy installs and runs by FQCN."""

import json
import os
import subprocess
from pathlib import Path

import sysfix_molecule

INSTALLED = Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]) / "installed"


def test_the_installed_copy_is_what_ansible_resolves():
    listing = subprocess.run(
        ["ansible-galaxy", "collection", "list", "sysfix.hardening", "--format", "json"],
        capture_output=True, text=True, check=True,
    )
    found = json.loads(listing.stdout)
    assert list(found) == [str(INSTALLED / "ansible_collections")]
    assert found[str(INSTALLED / "ansible_collections")]["sysfix.hardening"]["version"] == "0.1.0"
    installed = INSTALLED / "ansible_collections" / "sysfix" / "hardening"
    assert not installed.is_symlink()
    # build_ignore keeps the test harness out of the tarball.
    assert (installed / "playbooks" / "harden.yml").is_file()
    assert not (installed / "molecule").exists() and not (installed / "scripts").exists()


def test_the_fqcn_playbook_hardened_the_host(host):
    assert host.file("/etc/sysctl.d/60-sysfix-syncookies.conf").is_file
    assert host.file("/etc/security/limits.d/60-sysfix-ulimit.conf").is_file
    assert host.file("/proc/sys/net/ipv4/tcp_synack_retries").content_string.strip() == "2"


def test_ansible_playbook_runs_it_by_fqcn_with_no_changes_left():
    """The command an admin types: ansible-playbook sysfix.hardening.harden."""
    run = sysfix_molecule.run_playbook("sysfix.hardening.harden", ["--check"])
    assert run.returncode == 0, run.output
    assert run.stats and all(stats["changed"] == 0 for stats in run.stats.values()), run.output
    assert any(task == "Set the SYN-flood parameters in the running kernel" for _h, task, _r in run.results)
