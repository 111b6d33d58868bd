"""module_utils/quota.py against output captured in the test images and in a
user-mode-linux guest whose kernel enforces quotas (tests/unit/fixtures/quota)."""

import pytest

from ansible_collections.sysfix.hardening.plugins.module_utils import quota
from conftest import FIXTURES, unicode_digit_variants

QUOTA = FIXTURES / "quota"


def fixture(name):
    return (QUOTA / name).read_text()


# mountinfo: which file system holds /var/mail ---------------------------------

def test_the_spool_on_its_loop_device_is_found_with_its_quota_options():
    mounts = quota.parse_mountinfo(fixture("mountinfo-debian12-spool-on-loop.txt"))
    mount = quota.find_mount(mounts, "/var/mail")
    assert (mount["target"], mount["source"], mount["fstype"], mount["root"]) == (
        "/var/mail", "/dev/loop0", "ext4", "/")
    assert quota.has_user_quota(mount["super_options"])
    assert quota.find_mount(mounts, "/var/mail/alice")["target"] == "/var/mail"


def test_a_spool_without_its_own_file_system_is_on_the_overlay_root():
    mounts = quota.parse_mountinfo(fixture("mountinfo-debian13-overlay-root.txt"))
    mount = quota.find_mount(mounts, "/var/mail")
    assert (mount["target"], mount["fstype"]) == ("/", "overlay")
    assert not quota.has_user_quota(mount["super_options"])


def test_mountinfo_of_the_uml_guest():
    mounts = quota.parse_mountinfo(fixture("mountinfo-uml-spool.txt"))
    mount = quota.find_mount(mounts, "/var/mail")
    assert (mount["source"], mount["fstype"]) == ("/dev/ubdb", "ext4")
    assert quota.has_user_quota(mount["super_options"])


def test_the_last_of_two_mounts_on_one_point_wins():
    text = ("20 1 8:1 / /var rw - ext4 /dev/sda1 rw\n"
            "21 20 8:2 / /var/mail rw - ext4 /dev/sda2 rw\n"
            "22 20 0:30 / /var/mail rw - tmpfs tmpfs rw\n")
    assert quota.find_mount(quota.parse_mountinfo(text), "/var/mail")["fstype"] == "tmpfs"
    assert quota.find_mount(quota.parse_mountinfo(text), "/var/mailbox")["source"] == "/dev/sda1"


def test_octal_escapes_are_undone():
    text = "30 1 8:3 / /srv/mail\\040spool rw - ext4 /dev/sda3 rw,usrquota\n"
    mount = quota.parse_mountinfo(text)[0]
    assert mount["target"] == "/srv/mail spool"


# fstab ------------------------------------------------------------------------

def test_fstab_entry_of_the_spool():
    entries = quota.parse_fstab(fixture("fstab-debian12-spool.txt"))
    (entry,) = quota.fstab_entries_for(entries, "/var/mail/")
    assert entry == {"src": "LABEL=sysfix-mail", "target": "/var/mail", "fstype": "ext4",
                     "opts": "defaults,usrquota", "dump": "0", "passno": "2", "line": 2}


def test_fstab_optional_fields_and_comments():
    entries = quota.parse_fstab("UUID=0a1b /var/mail ext4 defaults # spool\n# /old /x ext4 defaults 0 0\n")
    assert entries == [{"src": "UUID=0a1b", "target": "/var/mail", "fstype": "ext4", "opts": "defaults",
                        "dump": "0", "passno": "0", "line": 1}]


@pytest.mark.parametrize("opts, wanted", [
    ("defaults", "defaults,usrquota"),
    ("defaults,usrquota", "defaults,usrquota"),
    ("rw,quota", "rw,quota"),
    ("errors=remount-ro,usrjquota=aquota.user,jqfmt=vfsv0", "errors=remount-ro,usrjquota=aquota.user,jqfmt=vfsv0"),
    ("grpquota", "grpquota,usrquota"),
    ("", "usrquota"),
])
def test_usrquota_is_added_only_where_user_quotas_are_off(opts, wanted):
    assert quota.with_user_quota(opts) == wanted


# kernel -----------------------------------------------------------------------

def test_this_machines_kernel_has_quota_support_but_no_quota_format():
    kernel = quota.kernel_quota_support("6.18.44", True, fixture("config-quota-host-6.18.txt"), "/proc/config.gz")
    assert kernel["quota"] is True and kernel["format"] is False
    assert "CONFIG_QFMT_V2 is not set (/proc/config.gz)" in kernel["evidence"]


def test_debians_uml_kernel_has_the_format_as_a_module():
    config = fixture("config-quota-uml-6.1.txt")
    dep = "kernel/fs/quota/quota_v2.ko: kernel/fs/quota/quota_tree.ko\nkernel/fs/quota/quota_tree.ko:\n"
    kernel = quota.kernel_quota_support("6.1.176", True, config, "/boot/config-6.1.176", modules_dep=dep)
    assert kernel["format"] is True
    # =m but the modules are not installed
    kernel = quota.kernel_quota_support("6.1.176", True, config, "/boot/config-6.1.176", modules_dep="")
    assert kernel["format"] is False and "has no quota_v2 module" in kernel["evidence"]
    # =m and /lib/modules not visible (a container)
    kernel = quota.kernel_quota_support("6.1.176", True, config, "/boot/config-6.1.176")
    assert kernel["format"] is None


def test_a_loaded_quota_v2_settles_it():
    kernel = quota.kernel_quota_support("6.1.176", True, proc_modules=fixture("proc-modules-uml.txt"))
    assert kernel == {"quota": True, "format": True, "evidence": "module quota_v2 is loaded"}


def test_a_kernel_without_quota_support_refuses_usrquota():
    kernel = quota.kernel_quota_support("6.1", False)
    assert kernel["quota"] is False and kernel["format"] is False
    assert "CONFIG_QUOTA" in kernel["evidence"]


def test_builtin_format_from_modules_builtin_and_unknown_without_evidence():
    kernel = quota.kernel_quota_support("6.1", True, modules_builtin="kernel/fs/quota/quota_v2.ko\n", modules_dep="")
    assert kernel["format"] is True
    assert quota.kernel_quota_support("6.1", True)["format"] is None


# problems ---------------------------------------------------------------------

SUPPORTED = {"quota": True, "format": True, "evidence": "module quota_v2 is loaded", "release": "6.1"}
NO_FORMAT = {"quota": True, "format": False, "evidence": "CONFIG_QFMT_V2 is not set (/proc/config.gz)",
             "release": "6.18.44"}
NO_QUOTA = {"quota": False, "format": False, "evidence": "no /proc/sys/fs/quota", "release": "6.1"}


def spool_mount(**changes):
    mount = quota.parse_mountinfo(fixture("mountinfo-debian12-spool-on-loop.txt"))
    found = dict(quota.find_mount(mount, "/var/mail"))
    found.update(changes)
    return found


FSTAB = [{"src": "LABEL=sysfix-mail", "target": "/var/mail", "fstype": "ext4", "opts": "defaults",
          "dump": "0", "passno": "2", "line": 2}]


def kinds(problems):
    return [(p["kind"], p["recordable"]) for p in problems]


def test_no_problem_on_ext4_with_an_fstab_entry_and_a_full_kernel():
    assert quota.spool_problems(spool_mount(), FSTAB, SUPPORTED, "/var/mail") == []


def test_only_a_missing_quota_format_leaves_the_configuration_recordable():
    problems = quota.spool_problems(spool_mount(), FSTAB, NO_FORMAT, "/var/mail")
    assert kinds(problems) == [("kernel_format", True)]
    message = quota.problems_message("/var/mail", problems)
    assert message.startswith("User quotas cannot be enforced for /var/mail here: this kernel (6.18.44)")
    assert "boot a kernel with quota support" in message


def test_the_overlay_root_of_a_container_cannot_be_recorded():
    mounts = quota.parse_mountinfo(fixture("mountinfo-debian13-overlay-root.txt"))
    problems = quota.spool_problems(quota.find_mount(mounts, "/var/mail"), [], NO_FORMAT, "/var/mail")
    assert kinds(problems) == [("filesystem", False), ("kernel_format", True)]
    assert "is on a file system of type overlay" in problems[0]["message"]


@pytest.mark.parametrize("mount_changes, fstab, kernel, expected", [
    ({"root": "/var/lib/docker/volumes/x/_data"}, FSTAB, SUPPORTED, [("bind_mount", False)]),
    ({"mount_options": ["ro", "relatime"]}, FSTAB, SUPPORTED, [("read_only", False)]),
    ({}, [], SUPPORTED, [("no_fstab_entry", False)]),
    ({}, FSTAB + FSTAB, SUPPORTED, [("fstab_duplicate", False)]),
    ({}, FSTAB, NO_QUOTA, [("kernel_quota", False)]),
    ({"fstype": "xfs"}, FSTAB, SUPPORTED, [("filesystem", False)]),
])
def test_what_stops_quotas(mount_changes, fstab, kernel, expected):
    assert kinds(quota.spool_problems(spool_mount(**mount_changes), fstab, kernel, "/var/mail")) == expected


def test_no_mount_at_all():
    assert kinds(quota.spool_problems(None, [], SUPPORTED, "/var/mail")) == [("no_mount", False)]


# repquota ---------------------------------------------------------------------

def test_repquota_csv_with_quotas_off_reads_the_quota_file():
    rows = quota.parse_repquota_csv(fixture("repquota-csv-debian12-quota-off.txt"))
    assert rows["malformed"] == []
    assert rows["rows"][1001] == {"block_used": 147, "block_soft": 100, "block_hard": 200,
                                  "block_grace": 1796432211, "inode_used": 2, "inode_soft": 0,
                                  "inode_hard": 0, "inode_grace": 0}
    assert sorted(rows["rows"]) == [0, 1001, 1002]


def test_repquota_csv_of_the_uml_guest_with_quotas_on():
    rows = quota.parse_repquota_csv(fixture("repquota-csv-uml-quota-on.txt"))["rows"]
    over = quota.over_soft_limit(rows, {1001: "alice", 1002: "bob"})
    assert [(entry["user"], entry["exceeded"]) for entry in over] == [
        ("alice", ["block_soft"]), ("bob", ["block_hard"])]
    assert over[0]["block_grace"] > 0


def test_a_damaged_quota_file_gives_rows_and_the_error():
    text = fixture("repquota-csv-debian13-damaged-file.txt")
    parsed = quota.parse_repquota_csv(text)
    assert sorted(parsed["rows"]) == [0, 1001]
    assert any("Illegal reference" in line for line in parsed["malformed"])
    assert quota.quota_error_kind(text) == "corrupt"


@pytest.mark.parametrize("name, kind", [
    ("repquota-debian13-no-usrquota.txt", "no_quota_option"),
    ("repquota-debian13-no-quota-file.txt", "no_quota_file"),
    ("quotaon-debian12-no-format.txt", "format"),
    ("quotaon-debian13-no-format.txt", "format"),
])
def test_quota_tool_errors_are_named(name, kind):
    assert quota.quota_error_kind(fixture(name)) == kind


@pytest.mark.parametrize("name, state", [
    ("quotaon-p-debian12-off.txt", False),
    ("quotaon-p-uml-on.txt", True),
    ("quotaon-p-debian13-no-usrquota.txt", None),
    ("quotaon-p-uml-quota-feature.txt", True),
])
def test_quotaon_print(name, state):
    assert quota.parse_quotaon_print(fixture(name)) is state


def test_ext4_quota_feature_from_dumpe2fs():
    assert "quota" in quota.parse_fs_features(fixture("dumpe2fs-h-uml-quota-feature.txt"))
    assert quota.parse_fs_features("Filesystem volume name:   <none>\n") == []


# users and limits ---------------------------------------------------------------

LIMITS = {"block_soft": 200, "block_hard": 300, "inode_soft": 50, "inode_hard": 60}


def passwd():
    return quota.parse_getent_passwd(fixture("getent-passwd-debian12.txt"))


def test_getent_and_login_defs():
    users = dict(passwd())
    assert users["root"] == 0 and users["nobody"] == 65534 and users["alice"] == 1001
    assert quota.parse_login_defs(fixture("login.defs-debian12")) == {"UID_MIN": 1000, "UID_MAX": 60000}
    assert quota.parse_login_defs("") == {"UID_MIN": 1000, "UID_MAX": 60000}


def test_unicode_digits_in_passwd_and_login_defs_are_skipped():
    """A UID or UID_MIN of "²" (isdigit() says yes, int() says no) is skipped, not an exception."""
    for _number, text in unicode_digit_variants(fixture("getent-passwd-debian12.txt")):
        assert len(quota.parse_getent_passwd(text)) == len(passwd()) - 1
    assert quota.parse_login_defs("UID_MIN \u00b2\u00b2\nUID_MAX 5000\n") == {"UID_MIN": 1000, "UID_MAX": 5000}
    for _number, text in unicode_digit_variants(fixture("repquota-csv-uml-quota-on.txt")):
        quota.parse_repquota_csv(text)


def test_login_users_get_the_defaults_and_nobody_root_and_system_users_do_not():
    wanted, unknown = quota.select_users(passwd(), 1000, 60000, LIMITS)
    assert sorted(wanted) == ["alice", "bob"]
    assert wanted["alice"] == {"uid": 1001, "limits": LIMITS, "why": "default"}
    assert unknown == []


def test_the_runbooks_uid_over_499_would_take_nobody_too():
    wanted, _unknown = quota.select_users(passwd(), 500, 65534, LIMITS)
    assert "nobody" in wanted and "root" not in wanted


def test_overrides_and_exceptions():
    wanted, unknown = quota.select_users(passwd(), 1000, 60000, LIMITS,
                                         overrides={"bob": {"block_hard": 4096}, "mail": {"block_soft": 10},
                                                    "ghost": {"block_soft": 1}},
                                         exclude=["alice", "root", "nobody-here"])
    assert wanted["bob"]["limits"] == dict(LIMITS, block_hard=4096)
    assert wanted["bob"]["why"] == "override"
    # An override names a user explicitly, whatever the UID; root never.
    assert wanted["mail"]["limits"]["block_soft"] == 10
    assert wanted["alice"] == {"uid": 1001, "limits": quota.zero_limits(), "why": "exception"}
    assert "root" not in wanted
    assert unknown == ["ghost", "nobody-here"]


def test_only_differing_users_are_planned_with_a_diff_line_each():
    rows = quota.parse_repquota_csv(fixture("repquota-csv-debian12-quota-off.txt"))["rows"]
    wanted = {"alice": {"uid": 1001, "limits": {"block_soft": 100, "block_hard": 200, "inode_soft": 0,
                                                "inode_hard": 0}, "why": "default"},
              "bob": {"uid": 1002, "limits": LIMITS, "why": "default"},
              "carol": {"uid": 1003, "limits": LIMITS, "why": "default"}}
    changes = quota.plan_changes(rows, wanted)
    assert [change["user"] for change in changes] == ["bob", "carol"]
    assert changes[1]["before"] == quota.zero_limits()
    assert quota.format_limits("bob", 1002, changes[0]["before"]) == (
        "bob (uid 1002): blocks 1000/2000 KiB, inodes 0/0 (soft/hard)\n")


def test_over_soft_counts_at_the_limit_and_reports_unknown_uids():
    rows = {1005: {"block_used": 200, "block_soft": 200, "block_hard": 300, "block_grace": 0,
                   "inode_used": 1, "inode_soft": 0, "inode_hard": 0, "inode_grace": 0},
            1006: {"block_used": 199, "block_soft": 200, "block_hard": 300, "block_grace": 0,
                   "inode_used": 60, "inode_soft": 50, "inode_hard": 60, "inode_grace": 0}}
    over = quota.over_soft_limit(rows, {})
    assert [(entry["user"], entry["exceeded"]) for entry in over] == [
        ("#1005", ["block_soft"]), ("#1006", ["inode_hard"])]
