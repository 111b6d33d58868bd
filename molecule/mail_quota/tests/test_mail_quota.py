"""Role mail_quota, checked inside the converged container.

create.yml gives /var/mail an ext4 file system of its own (a loop device of
the host); prepare.yml gives it an fstab entry and the users alice, bob,
carol, dave (UIDs 1001-1004) and the system account mailsvc (990).
converge.yml: 200/300 KiB and 50/60 files for everyone, carol 2048/4096 KiB,
dave no limits, and mail_quota_unsupported: warn, because this machine's
kernel has quota support but no quota format: quotas are recorded (usrquota
live and in fstab, the limits in aquota.user) and not enforced here.
test_uml_enforcement.py boots the result under a kernel that enforces them.

Every test that changes the container puts it back, so the shared
check-mode test that runs last still sees the converged state.
"""

import contextlib
import json

import pytest
import sysfix_molecule

SPOOL = "/var/mail"
FSTAB_LINE = "LABEL=sysfix-mail /var/mail ext4 defaults,usrquota 0 2"
DEFAULT = [200, 300, 50, 60]
LIMITS = {"alice": DEFAULT, "bob": DEFAULT, "carol": [2048, 4096, 50, 60], "dave": [0, 0, 0, 0]}
UIDS = {"alice": 1001, "bob": 1002, "carol": 1003, "dave": 1004, "mailsvc": 990}

FILESYSTEM_TASK = "Remount the spool's file system with usrquota, create its quota file, turn quotas on"
FSTAB_TASK = "Write usrquota into the spool file system's /etc/fstab entry"
LIMITS_TASK = "Set the limits of every user from UID_MIN to UID_MAX, with overrides and exceptions"
REPORT_TASK = "Report the users at or over their soft limit"


def limits(host):
    """{uid: [block soft, block hard, inode soft, inode hard]} from repquota."""
    rows = {}
    for line in host.check_output("LC_ALL=C repquota -u -O csv -n -p -v %s" % SPOOL).splitlines()[1:]:
        fields = line.split(",")
        rows[int(fields[0].lstrip("#"))] = [int(fields[4]), int(fields[5]), int(fields[8]), int(fields[9])]
    return rows


def set_limits(host, user, values):
    host.check_output("setquota -u %s %s %s" % (user, " ".join(str(v) for v in values), SPOOL))


def mount_options(host):
    return host.check_output("findmnt -no OPTIONS --mountpoint %s" % SPOOL).split(",")


def fstab_lines(host):
    return [line for line in host.file("/etc/fstab").content_string.splitlines() if SPOOL in line]


def fstab_backups(host):
    return host.check_output("ls /etc/fstab.*~ 2>/dev/null || true").split()


def converged(run):
    assert run.returncode == 0, run.output
    return run


@contextlib.contextmanager
def converged_back():
    """Converge again afterwards, so later tests see the scenario's settings."""
    try:
        yield
    finally:
        converged(sysfix_molecule.run_converge())


@pytest.fixture(scope="module")
def converge_run():
    """One more converge of the converged host: its warnings and results."""
    return converged(sysfix_molecule.run_converge())


# What the role left behind ---------------------------------------------------

def test_fstab_carries_usrquota_and_the_old_one_is_backed_up(host):
    assert fstab_lines(host) == [FSTAB_LINE]
    backups = fstab_backups(host)
    assert backups, "no backup of /etc/fstab"
    assert "LABEL=sysfix-mail /var/mail ext4 defaults 0 2" in host.file(backups[0]).content_string


def test_the_spool_is_mounted_with_usrquota_and_has_its_quota_file(host):
    assert "usrquota" in mount_options(host)
    quota_file = host.file(SPOOL + "/aquota.user")
    assert quota_file.is_file and (quota_file.user, quota_file.mode) == ("root", 0o600)


def test_every_login_user_has_the_limits_and_overrides_and_exceptions_hold(host):
    rows = limits(host)
    assert {name: rows[UIDS[name]] for name in LIMITS} == LIMITS
    # Below UID_MIN (the system account) and root: untouched, no limits.
    assert rows.get(UIDS["mailsvc"], [0, 0, 0, 0]) == [0, 0, 0, 0]
    assert rows[0] == [0, 0, 0, 0]
    assert 65534 not in rows or rows[65534] == [0, 0, 0, 0]


def test_quotas_are_recorded_not_enforced_on_this_kernel_and_the_run_says_so(host, converge_run):
    assert "is off" in host.check_output("LC_ALL=C quotaon -p -u %s" % SPOOL)
    warnings = json.dumps([r.get("warnings", []) for _h, t, r in converge_run.results if t == FILESYSTEM_TASK])
    assert "cannot enforce disk quotas" in warnings and "CONFIG_QFMT_V2 is not set" in warnings
    assert "Recorded instead: usrquota on /var/mail and the quota file /var/mail/aquota.user" in warnings
    assert converge_run.changed_results() == []


# Drift, check mode and --diff ----------------------------------------------------

def test_check_mode_reports_limit_drift_per_user_and_changes_nothing(host):
    set_limits(host, "alice", [10, 20, 0, 0])
    with converged_back():
        run = converged(sysfix_molecule.run_converge(["--check", "--diff"]))
        changed = run.changed_results()
        assert [task for _h, task, _r in changed] == [LIMITS_TASK]
        result = changed[0][2]
        assert [c["user"] for c in result["changes"]] == ["alice"]
        assert result["diff"]["before"] == "alice (uid 1001): blocks 10/20 KiB, inodes 0/0 (soft/hard)\n"
        assert result["diff"]["after"] == "alice (uid 1001): blocks 200/300 KiB, inodes 50/60 (soft/hard)\n"
        assert limits(host)[1001] == [10, 20, 0, 0]
    assert limits(host)[1001] == DEFAULT


def test_a_new_login_user_gets_the_limits_and_only_that_changes(host):
    host.check_output("useradd -u 1005 -M -s /usr/sbin/nologin erin")
    try:
        run = converged(sysfix_molecule.run_converge())
        changed = run.changed_results()
        assert [task for _h, task, _r in changed] == [LIMITS_TASK]
        assert [c["user"] for c in changed[0][2]["changes"]] == ["erin"]
        assert limits(host)[1005] == DEFAULT
    finally:
        host.run("setquota -u 1005 0 0 0 0 %s; userdel erin" % SPOOL)


def test_check_mode_reports_the_live_option_missing_and_a_run_restores_it(host):
    host.check_output("mount -o remount,noquota %s" % SPOOL)
    with converged_back():
        assert "usrquota" not in mount_options(host)
        run = converged(sysfix_molecule.run_converge(["--check", "--diff"]))
        changed = run.changed_results()
        assert [task for _h, task, _r in changed] == [FILESYSTEM_TASK]
        result = changed[0][2]
        assert result["actions"] == ["mount -o remount,usrquota /var/mail"]
        assert "usrquota" not in result["diff"]["before"].splitlines()[0]
        assert "usrquota" in result["diff"]["after"].splitlines()[0]
        assert "usrquota" not in mount_options(host)
    assert "usrquota" in mount_options(host)


def test_check_mode_reports_fstab_drift_and_a_run_restores_it_with_a_backup(host):
    host.check_output("sed -i 's/defaults,usrquota/defaults/' /etc/fstab")
    backups = len(fstab_backups(host))
    with converged_back():
        run = converged(sysfix_molecule.run_converge(["--check", "--diff"]))
        assert [task for _h, task, _r in run.changed_results()] == [FSTAB_TASK]
        assert fstab_lines(host) == ["LABEL=sysfix-mail /var/mail ext4 defaults 0 2"]
    assert fstab_lines(host) == [FSTAB_LINE]
    assert len(fstab_backups(host)) == backups + 1


# The report ---------------------------------------------------------------------

@pytest.fixture()
def bob_over_his_soft_limit(host):
    """250 KiB of bob's in the spool (soft 200, hard 300); with quotas off, quotacheck counts it."""
    host.check_output("head -c 256000 /dev/zero > %s/bob.big && chown bob %s/bob.big && sync "
                      "&& quotacheck -u -m %s" % (SPOOL, SPOOL, SPOOL))
    try:
        yield
    finally:
        host.check_output("rm -f %s/bob.big && sync && quotacheck -u -m %s" % (SPOOL, SPOOL))


def test_users_at_or_over_their_soft_limit_are_reported(host, bob_over_his_soft_limit):
    run = converged(sysfix_molecule.run_converge())
    (report,) = [r for _h, t, r in run.results if t == REPORT_TASK]
    assert "bob (25" in report["msg"] and "block_soft" in report["msg"]
    assert "alice" not in report["msg"]
    assert "usage from the quota file, as of the last quotacheck" in report["msg"]
    assert run.changed_results() == []


def test_nobody_over_a_limit_means_no_report(converge_run):
    assert [r.get("skipped") for _h, t, r in converge_run.results if t == REPORT_TASK] == [True]


# Where quotas cannot work --------------------------------------------------------

def quota_file_checksum(host):
    return host.check_output("md5sum %s/aquota.user" % SPOOL).split()[0]


def test_on_this_kernel_the_default_stops_before_any_change_and_says_what_to_do(host):
    set_limits(host, "alice", [7, 8, 0, 0])
    host.check_output("mount -o remount,noquota %s" % SPOOL)
    checksum = quota_file_checksum(host)
    with converged_back():
        run = sysfix_molecule.run_converge(extra_vars={"mail_quota_unsupported": "fail"})
        assert run.returncode != 0
        assert len(run.failed_results()) == 1, run.output
        (message,) = run.failure_messages()
        message = " ".join(message.split())
        assert message.startswith("User quotas cannot be enforced for /var/mail here: this kernel")
        assert "CONFIG_QFMT_V2 is not set (/proc/config.gz)" in message
        assert "boot a kernel with quota support" in message
        assert "Nothing was changed." in message and "set mail_quota_unsupported: warn" in message
        assert run.changed_results() == []
        assert "usrquota" not in mount_options(host)
        assert quota_file_checksum(host) == checksum


@pytest.fixture()
def spool_on_the_overlay_root(host):
    host.check_output("mkdir -p /srv/spool")
    try:
        yield "/srv/spool"
    finally:
        host.check_output("rmdir /srv/spool")


def test_a_spool_on_the_container_root_is_refused_or_skipped_with_warn(host, spool_on_the_overlay_root):
    fstab = host.file("/etc/fstab").content_string
    run = sysfix_molecule.run_converge(extra_vars={"mail_quota_spool": spool_on_the_overlay_root,
                                                   "mail_quota_unsupported": "fail"})
    assert run.returncode != 0
    (message,) = run.failure_messages()
    assert "is on a file system of type overlay" in message and "skip quotas on this host with a warning" in message
    assert run.changed_results() == []

    run = converged(sysfix_molecule.run_converge(extra_vars={"mail_quota_spool": spool_on_the_overlay_root}))
    assert run.changed_results() == []
    warned = [r["msg"] for _h, t, r in run.results if t == "Warn that mail quotas are skipped on this host"]
    assert warned and warned[0].startswith("WARNING: User quotas cannot be enforced for /srv/spool")
    assert [r.get("sysfix_not_applicable") for _h, t, r in run.results
            if t == "Record that mail quotas do not apply to this host"][0]
    assert not [t for _h, t, r in run.results if t in (FILESYSTEM_TASK, LIMITS_TASK) and not r.get("skipped")]
    assert host.file("/etc/fstab").content_string == fstab


@pytest.fixture(scope="module")
def drifted_limits(host):
    """A drift any run of the role past validation would undo."""
    set_limits(host, "bob", [7, 8, 0, 0])
    with converged_back():
        yield


@pytest.mark.parametrize("bad_vars, named", [
    ({"mail_quota_block_soft": -1}, "mail_quota_block_soft must be at least 0"),
    ({"mail_quota_block_soft": 500}, "mail_quota_block_soft/mail_quota_block_hard soft limit (500) must be at most"),
    ({"mail_quota_overrides": {"carol": {"block_soft": 9999}}}, "mail_quota_overrides.carol (block) soft limit (9999)"),
    ({"mail_quota_overrides": {"carol": {"blocks": 5}}}, "mail_quota_overrides.carol must map some of"),
    ({"mail_quota_overrides": {"bad name!": {}}}, "mail_quota_overrides must have user names as keys"),
    ({"mail_quota_exceptions": ["carol"]}, "mail_quota_exceptions must not name users that mail_quota_overrides"),
    ({"mail_quota_uid_min": 0}, "mail_quota_uid_min must be null or from 1"),
    ({"mail_quota_uid_min": 2000, "mail_quota_uid_max": 1500}, "mail_quota_uid_max must be null or from"),
    ({"mail_quota_spool": "var/mail"}, "mail_quota_spool must be an absolute path"),
    ({"mail_quota_unsupported": "sometimes"}, "mail_quota_unsupported"),
    ({"mail_quota_block_hard": "lots"}, "mail_quota_block_hard"),
])
def test_a_bad_value_stops_the_run_before_any_change(host, drifted_limits, bad_vars, named):
    run = sysfix_molecule.run_converge(extra_vars=bad_vars)
    assert run.returncode != 0
    assert len(run.failed_results()) == 1, run.output
    assert named in " ".join(" ".join(run.failure_messages()).split()), run.output
    assert run.changed_results() == []
    assert limits(host)[1002] == [7, 8, 0, 0]
