"""system_sanity, with the runbook's faults made inside the container.

/dev/null is deleted and the next write creates a regular file in its place
(as on the runbook's server); lo's rx_packets is made to read 2147483647 and
stand still (a bind mount over its statistics directory); a small tmpfs is
filled. Each fault is taken back, so the shared check-mode test that runs
last sees the sane container again.
"""

import re

import pytest
import sysfix_molecule

NULL_OK = "character special file 1:3 666 root:root"


def summary(run):
    found = [result["msg"] for _host, name, result in run.results if name == "Summary" and "msg" in result]
    assert found, run.output
    return found[0]


def line(lines, check):
    """The summary line of one check, with runs of spaces (the alignment) made one."""
    found = [" ".join(text.split()) for text in lines if re.match(r"^(PASS|FAIL|SKIP|INFO)  %s " % re.escape(check), text)]
    assert len(found) == 1, (check, lines)
    return found[0]


def null_stat(host):
    return host.check_output("stat -c '%F %t:%T %a %U:%G' /dev/null")


def sanity(*args, **extra_vars):
    return sysfix_molecule.run_playbook("sysfix.hardening.system_sanity", args, extra_vars=extra_vars or None)


def test_a_sane_container_passes_every_check(host):
    run = sanity()
    assert run.returncode == 0, run.output
    lines = summary(run)
    assert re.match(r"^system_sanity on \S+: PASS \(4 passed, 0 failed\)$", lines[0]), lines
    assert line(lines, "/dev/null") == "PASS /dev/null character device 1,3, mode 0666, owner 0:0"
    assert line(lines, "root file system").startswith("PASS root file system / is read-write (overlay)")
    assert run.changed_results() == []


@pytest.fixture()
def dev_null_replaced_by_a_file(host):
    host.check_output("rm /dev/null && echo 'written after the delete' > /dev/null")
    assert host.check_output("stat -c %F /dev/null") == "regular file"
    yield
    # The test's own repair may have failed: never leave the container without /dev/null.
    if null_stat(host) != NULL_OK:
        host.run("rm -f /dev/null; mknod -m 666 /dev/null c 1 3")


def test_check_mode_reports_the_broken_dev_null_and_changes_nothing(host, dev_null_replaced_by_a_file):
    run = sanity("--check", "--diff")
    assert run.returncode != 0
    text = line(summary(run), "/dev/null")
    assert re.match(r"FAIL /dev/null it is not a character device but a regular file \(regular file of \d+ bytes", text), text
    assert text.endswith("a real run would recreate it")
    assert host.check_output("stat -c %F /dev/null") == "regular file"
    assert host.check_output("cat /dev/null").startswith("written after the delete")


def test_a_real_run_recreates_dev_null_and_keeps_the_file(host, dev_null_replaced_by_a_file):
    run = sanity()
    assert run.returncode == 0, run.output
    assert null_stat(host) == NULL_OK
    text = line(summary(run), "/dev/null")
    backup = re.search(r"the file found there is kept in (/var/backups/dev-null\.\d{8}T\d{6}Z)$", text).group(1)
    assert re.match(r"PASS /dev/null repaired: was regular file of \d+ bytes, mode 0644, owner 0:0, "
                    r"now character device 1,3, mode 0666, owner 0:0", text), text
    assert host.file(backup).content_string.startswith("written after the delete\n")
    assert [task for _h, task, _r in run.changed_results()] == ["Check /dev/null and repair it"]
    # /dev/null works again: what is written there is gone.
    assert host.run("echo x > /dev/null && cat /dev/null").stdout == ""
    host.check_output("rm -f %s" % backup)


@pytest.fixture()
def lo_rx_packets_stuck(host):
    """lo's counters replaced by a copy whose rx_packets reads 2147483647 and never moves."""
    host.check_output("mkdir -p /run/sysfix-test-stats && cp /sys/class/net/lo/statistics/* /run/sysfix-test-stats/"
                      " && echo 2147483647 > /run/sysfix-test-stats/rx_packets"
                      " && mount --bind /run/sysfix-test-stats /sys/class/net/lo/statistics")
    yield
    host.check_output("umount /sys/class/net/lo/statistics && rm -rf /run/sysfix-test-stats")


def test_a_counter_stuck_at_2147483647_fails(lo_rx_packets_stuck):
    run = sanity()
    assert run.returncode != 0
    text = line(summary(run), "network counters")
    assert text.startswith("FAIL network counters stuck at a counter's last value and not moving: "
                           "lo:rx_packets = 2147483647")
    assert run.failure_messages()[-1].startswith("system_sanity: network counters failed on ")


@pytest.fixture()
def full_tmpfs(host):
    host.check_output("mkdir -p /mnt/sysfix-test-full && mount -t tmpfs -o size=512k sysfix-test-full /mnt/sysfix-test-full")
    host.run("dd if=/dev/zero of=/mnt/sysfix-test-full/filler bs=64k count=16")
    yield
    host.check_output("umount /mnt/sysfix-test-full && rmdir /mnt/sysfix-test-full")


def test_a_full_file_system_fails(full_tmpfs):
    run = sanity(system_sanity_fs_threshold=95)
    assert run.returncode != 0
    text = line(summary(run), "file systems")
    assert text.startswith("FAIL file systems at or over 95%: /mnt/sysfix-test-full 100% (inodes ")
