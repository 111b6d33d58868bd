"""playbooks/harden.yml on a Debian 12 mail server and a Debian 13 web server.

The roles are tested in depth in their own scenarios; this checks that the
playbook applies each role to the hosts it is meant for, on both releases.
"""

import pytest
import sysfix_molecule


@pytest.mark.parametrize(
    "key, value",
    [("net/ipv4/tcp_syncookies", "1"), ("net/ipv4/tcp_max_syn_backlog", "4096"), ("net/ipv4/tcp_synack_retries", "2")],
)
def test_every_host_has_the_syn_flood_settings_live(host, key, value):
    assert host.file("/proc/sys/" + key).content_string.strip() == value


def test_every_host_persists_them_for_boot(host):
    assert "# /etc/sysctl.d/60-sysfix-syncookies.conf" in host.check_output(
        "/lib/systemd/systemd-sysctl --cat-config"
    )


def test_every_host_limits_non_root_logins(host):
    host.run("id sysfix_probe || useradd -m -s /bin/bash sysfix_probe")
    try:
        limits = host.check_output("runuser -l sysfix_probe -c 'ulimit -Hu; ulimit -Hv'").split()
    finally:
        host.run("userdel -r sysfix_probe")
    assert limits == ["1024", "4194304"]


def test_the_release_is_the_one_the_platform_names(host):
    codename = host.system_info.codename
    expected = "bookworm" if host.backend.get_hostname().endswith("12") else "trixie"
    assert codename == expected


def test_the_compliance_summary_lists_every_control_as_compliant():
    """Check mode with the collection's summary callback, as `make demo` runs it."""
    run = sysfix_molecule.run_converge(
        ["--check"],
        env={
            "ANSIBLE_STDOUT_CALLBACK": "ansible.builtin.default",
            "ANSIBLE_CALLBACKS_ENABLED": "sysfix.hardening.compliance_summary",
        },
    )
    assert run.returncode == 0, run.output
    table = run.output.split("COMPLIANCE SUMMARY (check mode: nothing was changed)", 1)[1]
    rows = [line.split() for line in table.splitlines()[2:] if line.startswith("sysfix-harden-")]
    controls = ["syncookies / live", "syncookies / persistent",
                "ulimit_profile / pam_limits", "ulimit_profile / profile_script"]
    expected = [[host] + control.split() + ["compliant"]
                for host in ("sysfix-harden-mail12", "sysfix-harden-web13") for control in controls]
    assert rows == expected
    assert "total: 8 compliant" in table
