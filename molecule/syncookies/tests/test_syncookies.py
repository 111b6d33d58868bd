"""Role syncookies, checked inside the converged container.

Every test that changes the container puts it back, so the shared check-mode
test that runs last still sees the converged state.
"""

import contextlib

import pytest
import sysfix_molecule

DROPIN = "/etc/sysctl.d/60-sysfix-syncookies.conf"
WANTED = {
    "net.ipv4.tcp_syncookies": "1",
    "net.ipv4.tcp_max_syn_backlog": "4096",
    "net.ipv4.tcp_synack_retries": "2",
}


def live(host, key):
    return host.check_output("cat /proc/sys/%s" % key.replace(".", "/")).strip()


def set_live(host, key, value):
    host.check_output("sysctl -q -w %s=%s" % (key, value))


@contextlib.contextmanager
def file_removed_after(host, path):
    try:
        yield
    finally:
        host.run("rm -f %s" % path)


def test_live_values_match_the_variables(host):
    assert {key: live(host, key) for key in WANTED} == WANTED


def test_dropin_holds_the_same_values(host):
    dropin = host.file(DROPIN)
    assert dropin.is_file
    assert (dropin.user, dropin.group, dropin.mode) == ("root", "root", 0o644)
    lines = [line for line in dropin.content_string.splitlines() if line and not line.startswith("#")]
    assert lines == ["%s = %s" % item for item in WANTED.items()]


def test_systemd_sysctl_reads_the_dropin_at_boot(host):
    assert "# " + DROPIN in host.check_output("/lib/systemd/systemd-sysctl --cat-config")


def test_a_boot_restores_the_values(host):
    """Undo the values live, then let systemd-sysctl apply its boot config."""
    for key, other in zip(WANTED, ("0", "512", "5")):
        set_live(host, key, other)
    assert live(host, "net.ipv4.tcp_synack_retries") == "5"
    # The same step systemd-sysctl.service runs at boot, limited to our keys.
    host.check_output(
        "/lib/systemd/systemd-sysctl --prefix=/net/ipv4/tcp_syncookies "
        "--prefix=/net/ipv4/tcp_max_syn_backlog --prefix=/net/ipv4/tcp_synack_retries"
    )
    assert {key: live(host, key) for key in WANTED} == WANTED


def test_check_mode_reports_live_drift_and_changes_nothing(host):
    set_live(host, "net.ipv4.tcp_synack_retries", "5")
    try:
        run = sysfix_molecule.run_converge(["--check", "--diff"])
        assert run.returncode == 0, run.output
        changed = [(task, result) for _h, task, result in run.changed_results()]
        assert [task for task, _r in changed] == ["Set the SYN-flood parameters in the running kernel"]
        diff = changed[0][1]["diff"]
        assert "net.ipv4.tcp_synack_retries = 5" in diff["before"]
        assert "net.ipv4.tcp_synack_retries = 2" in diff["after"]
        assert live(host, "net.ipv4.tcp_synack_retries") == "5"
    finally:
        set_live(host, "net.ipv4.tcp_synack_retries", "2")


def test_check_mode_reports_file_drift_and_changes_nothing(host):
    before = host.file(DROPIN).content_string
    host.check_output("sed -i 's/tcp_max_syn_backlog = 4096/tcp_max_syn_backlog = 128/' %s" % DROPIN)
    try:
        run = sysfix_molecule.run_converge(["--check", "--diff"])
        assert run.returncode == 0, run.output
        assert [task for _h, task, _r in run.changed_results()] == [
            "Write the SYN-flood sysctl drop-in read at boot"
        ]
        assert "tcp_max_syn_backlog = 128" in host.file(DROPIN).content_string
    finally:
        sysfix_molecule.run_converge()
    assert host.file(DROPIN).content_string == before


def test_a_later_file_that_overrides_the_dropin_fails_the_run(host):
    override = "/etc/sysctl.d/99-zz-test-override.conf"
    with file_removed_after(host, override):
        host.check_output("echo 'net.ipv4.tcp_syncookies = 0' > %s" % override)
        run = sysfix_molecule.run_converge()
        assert run.returncode != 0
        assert any(
            "net.ipv4.tcp_syncookies would be 0 after a reboot" in m and override in m
            for m in run.failure_messages()
        ), run.output
        # With warn the run passes and says why.
        run = sysfix_molecule.run_converge(extra_vars={"syncookies_boot_conflict": "warn"})
        assert run.returncode == 0, run.output
        assert any("WARNING" in str(r.get("msg", "")) and override in str(r.get("msg", ""))
                   for _h, _t, r in run.results)


@pytest.fixture()
def readonly_proc_sys_net(host):
    """/proc/sys/net as Docker leaves it: read-only (undo the prepare step)."""
    host.check_output("umount /proc/sys/net")
    try:
        yield
    finally:
        host.check_output("mount --bind /proc/sys/net /proc/sys/net && mount -o remount,rw,bind /proc/sys/net")
        run = sysfix_molecule.run_converge()
        assert run.returncode == 0, run.output


def test_unwritable_knobs_are_skipped_with_a_message(host, readonly_proc_sys_net):
    run = sysfix_molecule.run_converge(extra_vars={"syncookies_tcp_synack_retries": 3})
    assert run.returncode == 0, run.output
    live_results = [r for _h, t, r in run.results if t == "Set the SYN-flood parameters in the running kernel"]
    assert live_results[0]["unsettable"][0]["key"] == "net.ipv4.tcp_synack_retries"
    assert any("cannot be set live" in w for w in live_results[0].get("warnings", []))
    assert live(host, "net.ipv4.tcp_synack_retries") == "2"
    assert "net.ipv4.tcp_synack_retries = 3" in host.file(DROPIN).content_string

    run = sysfix_molecule.run_converge(
        extra_vars={"syncookies_tcp_synack_retries": 3, "syncookies_unsettable": "fail"}
    )
    assert run.returncode != 0
    assert any("Cannot set live: net.ipv4.tcp_synack_retries" in m for m in run.failure_messages()), run.output


@pytest.mark.parametrize(
    "bad_vars, variable",
    [
        ({"syncookies_tcp_max_syn_backlog": -5}, "syncookies_tcp_max_syn_backlog"),
        ({"syncookies_tcp_synack_retries": 300}, "syncookies_tcp_synack_retries"),
        ({"syncookies_tcp_syncookies": 3}, "syncookies_tcp_syncookies"),
        ({"syncookies_tcp_max_syn_backlog": "lots"}, "syncookies_tcp_max_syn_backlog"),
    ],
)
def test_a_bad_value_stops_the_run_before_any_change(host, bad_vars, variable):
    before = host.file(DROPIN).content_string
    set_live(host, "net.ipv4.tcp_synack_retries", "5")
    try:
        run = sysfix_molecule.run_converge(extra_vars=bad_vars)
        assert run.returncode != 0
        assert len(run.failed_results()) == 1, run.output
        assert any(variable in m for m in run.failure_messages()), run.output
        assert run.changed_results() == []
        assert host.file(DROPIN).content_string == before
        assert live(host, "net.ipv4.tcp_synack_retries") == "5"
    finally:
        set_live(host, "net.ipv4.tcp_synack_retries", "2")
