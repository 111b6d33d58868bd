"""File system use and a read-only root, against /proc/self/mounts and
statvfs captured in the test images with a full tmpfs mounted
(tests/unit/fixtures/system_sanity/README.md)."""

import json

import pytest
from conftest import FIXTURES

from ansible_collections.sysfix.hardening.plugins.module_utils import filesystems

CAPTURED = FIXTURES / "system_sanity"
RELEASES = ["debian12", "debian13"]


def mounts(release):
    return filesystems.parse_mounts((CAPTURED / ("proc-self-mounts-%s.txt" % release)).read_text())


@pytest.mark.parametrize("release", RELEASES)
def test_paths_find_their_mounts(release):
    found = mounts(release)
    assert filesystems.mount_of("/mnt/sysfix-test-full/filler", found)["fstype"] == "tmpfs"
    assert filesystems.mount_of("/var/mail", found)["mount"] == "/"
    assert filesystems.mount_of("/mnt/sysfix-test-fuller", found)["mount"] == "/"
    assert filesystems.mount_of("/run/lock/x", found)["mount"] == "/run/lock"


@pytest.mark.parametrize("release", RELEASES)
def test_the_containers_root_is_read_write_overlay(release):
    root = filesystems.root_entry(mounts(release))
    assert (root["fstype"], filesystems.read_only(root)) == ("overlay", False)


def test_a_read_only_root_is_seen_and_the_last_mount_wins():
    text = "/dev/vda1 / ext4 rw,relatime 0 0\n/dev/vda1 / ext4 ro,relatime 0 0\n"
    assert filesystems.read_only(filesystems.root_entry(filesystems.parse_mounts(text)))


def test_octal_escapes_in_mount_points():
    entry = filesystems.parse_mounts("server:/x /mnt/with\\040space nfs4 rw 0 0\n")[0]
    assert entry["mount"] == "/mnt/with space"


@pytest.mark.parametrize("release", RELEASES)
def test_real_file_systems_leave_out_kernel_ones_and_file_bind_mounts(release):
    files = {"/etc/hosts", "/etc/hostname", "/etc/resolv.conf"}
    chosen = filesystems.real_filesystems(mounts(release), lambda path: path not in files)
    kinds = {entry["fstype"] for entry in chosen}
    assert "overlay" in kinds and "tmpfs" in kinds
    assert not kinds & {"proc", "sysfs", "cgroup", "cgroup2", "devpts", "mqueue"}
    assert not {entry["mount"] for entry in chosen} & files


@pytest.mark.parametrize("release", RELEASES)
def test_usage_is_counted_as_df_counts_it(release):
    stats = json.loads((CAPTURED / ("statvfs-full-tmpfs-%s.json" % release)).read_text())
    used = filesystems.usage(stats)
    df = (CAPTURED / ("df-P-B1-%s.txt" % release)).read_text().splitlines()
    full = [line.split() for line in df if line.endswith("/mnt/sysfix-test-full")][0]
    assert (used["size_bytes"], used["used_bytes"], used["avail_bytes"]) == (int(full[1]), int(full[2]), int(full[3]))
    assert "%d%%" % used["used_percent"] == full[4] == "100%"
    assert used["free_blocks"] == 0


def test_usage_rounds_up_like_df():
    stats = {"f_frsize": 1, "f_blocks": 1000, "f_bfree": 9, "f_bavail": 9, "f_files": 0, "f_ffree": 0}
    assert filesystems.usage(stats)["used_percent"] == 100       # 99.1% shows as 100%
    stats["f_bfree"] = stats["f_bavail"] = 600
    assert filesystems.usage(stats)["used_percent"] == 40
    assert filesystems.usage(stats)["inodes_used_percent"] == 0
