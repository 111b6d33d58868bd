"""The quotas the role recorded are enforced, by a kernel that can.

This machine's kernel (and so every container) has no quota format, so the
converged container is booted under user-mode-linux instead:
scripts/uml-quota-test.sh turns its file system (docker export) and a frozen
copy of its spool file system into disk images, boots them with the fstab and
the quota file the role wrote, turns quotas on as quotaon.service does, and
delivers mail through sendmail, sensible-mda and procmail. It runs on the
controller (it needs root and Docker there), after the tests that change the
container have put it back, and leaves the container as it was.
"""

import os
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(os.environ["MOLECULE_PROJECT_DIRECTORY"]) / "scripts" / "uml-quota-test.sh"
# converge.yml: 200/300 KiB and 50/60 files for everyone, carol 2048/4096 KiB,
# dave none: [block soft, block hard, file soft, file hard] by UID.
EXPECTED_LIMITS = {1001: [200, 300, 50, 60], 1002: [200, 300, 50, 60],
                   1003: [2048, 4096, 50, 60], 1004: [0, 0, 0, 0]}


@pytest.fixture(scope="module")
def guest(host):
    """One boot: alice's limit refuses a large message, carol's override takes it, bob gets a small one."""
    container = host.backend.get_hostname()
    proc = subprocess.run(["bash", str(SCRIPT), container, "alice", "carol", "bob"],
                          capture_output=True, text=True, timeout=1800, check=False)
    print(proc.stdout)
    print(proc.stderr)
    results = {}
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            key, _separator, value = line[len("RESULT "):].partition(" ")
            results.setdefault(key, []).append(value)
    return proc, results


def test_the_guest_finished_and_every_check_passed(guest):
    proc, results = guest
    assert "done" in results, proc.stdout + proc.stderr
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "VERDICT: PASS (quotas enforced by the guest kernel)" in proc.stdout


def test_the_guest_booted_with_the_fstab_and_the_limits_the_role_wrote(guest):
    _proc, results = guest
    assert "usrquota" in results["spool_options"][0].split(",")
    assert results["quota_state"] == ["user quota on /var/mail (/dev/ubdb) is on"]
    rows = {}
    for row in results["repquota_before"][1:]:
        fields = row.split(",")
        rows[int(fields[0].lstrip("#"))] = [int(fields[i]) for i in (4, 5, 8, 9)]
    assert {uid: rows[uid] for uid in EXPECTED_LIMITS} == EXPECTED_LIMITS


def test_the_message_past_the_hard_limit_is_refused_and_stays_queued(guest):
    _proc, results = guest
    assert 'procmail: Quota exceeded while writing "/var/mail/alice"' in " ".join(results["over_mailer"])
    assert results["queue_reason"] == ["Deferred: local mailer (/usr/sbin/sensible-mda) exited with EX_TEMPFAIL"]
    assert results["over_before"] == results["over_after"]
    # It was larger than alice's hard limit: 300 KiB + 100.
    assert int(results["big_kib"][0]) == 400


def test_small_mail_for_alice_and_mail_for_users_with_room_still_arrives(guest):
    _proc, results = guest
    assert results["small_subject"] == ["1"]
    assert results["roomy_subject"] == ["1"]
    assert results["other_subject"] == ["1"]
    size_after = int(results["roomy_after"][0].split()[0])
    assert size_after >= int(results["big_bytes"][0])
