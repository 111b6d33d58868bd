"""quota_info, quota_filesystem and user_quota against a fake host.

The fake host is a directory with the files the modules read (/proc/self/mountinfo,
/proc/sys/fs/quota, /proc/config.gz, /etc/fstab) and fake quota tools that keep
their state in memory and answer with the text captured from the real tools
(tests/unit/fixtures/quota). The real tools on a real kernel are exercised by
molecule/mail_quota, including a user-mode-linux guest that enforces quotas.
"""

import gzip
import json

import pytest
from ansible.module_utils.common import warnings as module_warnings
from ansible.module_utils.testing import patch_module_args
from conftest import FIXTURES

from ansible_collections.sysfix.hardening.plugins.module_utils import quota_host
from ansible_collections.sysfix.hardening.plugins.modules import quota_filesystem, quota_info, user_quota

QUOTA = FIXTURES / "quota"
HEADER = ("User,BlockStatus,FileStatus,BlockUsed,BlockSoftLimit,BlockHardLimit,BlockGrace,"
          "FileUsed,FileSoftLimit,FileHardLimit,FileGrace\n")


class FakeHost:
    """A mail server whose spool is an ext4 file system on /dev/loop0."""

    def __init__(self, root, spool):
        self.root, self.spool = root, spool
        self.options = ["rw", "relatime"]
        self.fstype = "ext4"
        self.quota_on = False
        self.limits = {}           # uid -> [bs, bh, is, ih]
        self.usage = {0: [13, 2], 1001: [0, 1], 1002: [0, 1]}
        self.calls = []
        self.fail_setquota_for = None
        (root / "proc" / "self").mkdir(parents=True)
        (root / "proc" / "sys" / "fs" / "quota").mkdir(parents=True)
        with gzip.open(root / "proc" / "config.gz", "wt") as handle:
            handle.write((QUOTA / "config-quota-host-6.18.txt").read_text())
        (root / "etc").mkdir()
        self.fstab("LABEL=sysfix-mail %s ext4 defaults 0 2\n" % spool)
        self.write_mountinfo()

    @property
    def format_supported(self):
        config = self.root / "proc" / "config.gz"
        return config.exists() and "CONFIG_QFMT_V2=y" in gzip.open(config, "rt").read()

    def fstab(self, text):
        (self.root / "etc" / "fstab").write_text("# /etc/fstab\n" + text)

    def write_mountinfo(self):
        (self.root / "proc" / "self" / "mountinfo").write_text(
            "656 607 0:79 / / rw,relatime - overlay overlay rw,lowerdir=/l,upperdir=/u,workdir=/w\n"
            "664 656 7:0 / %s %s - %s /dev/loop0 %s\n"
            % (self.spool, ",".join(self.options[:2]), self.fstype, ",".join(["rw"] + self.options[2:])))

    def quota_file(self):
        return self.spool / "aquota.user"

    def csv(self):
        uids = sorted(set(self.usage) | set(self.limits))
        rows = []
        for uid in uids:
            used, files = self.usage.get(uid, [0, 0])
            bs, bh, isoft, ih = self.limits.get(uid, [0, 0, 0, 0])
            rows.append("#%d,ok,ok,%d,%d,%d,0,%d,%d,%d,0\n" % (uid, used, bs, bh, files, isoft, ih))
        return HEADER + "".join(rows)

    def run_command(self, args, environ_update=None, data=None, **kwargs):
        args = [str(arg) for arg in args]
        self.calls.append(args)
        tool = args[0].rsplit("/", 1)[-1]
        mounted = "usrquota" in self.options
        if tool == "getent":
            return 0, (QUOTA / "getent-passwd-debian12.txt").read_text(), ""
        if tool == "mount":
            if not (self.root / "proc" / "sys" / "fs" / "quota").exists():
                return 32, "", "mount: %s: wrong fs type, bad option, bad superblock on /dev/loop0.\n" % self.spool
            self.options += ["quota", "usrquota"]
            self.write_mountinfo()
            return 0, "", ""
        if tool == "quotacheck":
            self.quota_file().write_bytes(b"\0" * 7168)
            return 0, "", ""
        if tool == "dumpe2fs":
            return 1, "", "dumpe2fs: Permission denied while trying to open /dev/loop0\n"
        if tool == "quotaon" and "-p" in args:
            if not mounted:
                return 0, "", (QUOTA / "quotaon-p-debian13-no-usrquota.txt").read_text()
            return 0, "user quota on %s (/dev/loop0) is %s\n" % (self.spool, "on" if self.quota_on else "off"), ""
        if tool == "quotaon":
            if self.format_supported:
                self.quota_on = True
                return 0, "", ""
            return 1, "", (QUOTA / "quotaon-debian12-no-format.txt").read_text()
        if tool == "repquota":
            if not mounted:
                return 1, "", (QUOTA / "repquota-debian13-no-usrquota.txt").read_text()
            if not self.quota_file().exists():
                return 1, "", (QUOTA / "repquota-debian13-no-quota-file.txt").read_text()
            return 0, self.csv(), ""
        if tool == "setquota":
            name, values = args[2], [int(value) for value in args[3:7]]
            if name == self.fail_setquota_for:
                return 1, "", "setquota: user %s does not exist.\n" % name
            uid = {"alice": 1001, "bob": 1002, "nobody": 65534, "mail": 8}[name]
            self.limits[uid] = values
            return 0, "", ""
        raise AssertionError("unexpected command %s" % args)


@pytest.fixture(autouse=True)
def warnings_of_this_test_only(monkeypatch):
    """AnsibleModule keeps warnings in a process-wide registry; start each test empty."""
    monkeypatch.setattr(module_warnings, "_global_warnings", {})


@pytest.fixture()
def host(tmp_path, monkeypatch):
    spool = tmp_path / "spool"
    spool.mkdir()
    fake = FakeHost(tmp_path / "root", spool)
    monkeypatch.setattr(quota_host.platform, "release", lambda: "6.18.44-test")
    monkeypatch.setattr(quota_info.AnsibleModule, "run_command", lambda self, *a, **k: fake.run_command(*a, **k))
    monkeypatch.setattr(quota_info.AnsibleModule, "get_bin_path",
                        lambda self, name, *a, **k: "/usr/sbin/%s" % name)
    return fake


def run(capsys, module, check_mode=False, diff=False, **args):
    args["_ansible_check_mode"] = check_mode
    args["_ansible_diff"] = diff
    with patch_module_args(args), pytest.raises(SystemExit):
        module.main()
    return json.loads(capsys.readouterr().out)


def info(capsys, host, **args):
    return run(capsys, quota_info, path=str(host.spool), root=str(host.root), **args)


def prepare(capsys, host, **args):
    args.setdefault("unsupported", "warn")
    return run(capsys, quota_filesystem, path=str(host.spool), root=str(host.root), **args)


LIMITS = {"block_soft": 200, "block_hard": 300, "inode_soft": 50, "inode_hard": 60}


def limits(capsys, host, **args):
    args.setdefault("limits", LIMITS)
    return run(capsys, user_quota, filesystem=str(host.spool), **args)


# quota_info -----------------------------------------------------------------

def test_info_on_this_kernel_names_the_missing_format_and_stays_recordable(capsys, host):
    result = info(capsys, host)
    assert result["changed"] is False
    assert (result["target"], result["source"], result["fstype"]) == (str(host.spool), "/dev/loop0", "ext4")
    assert result["kernel"]["format"] is False and result["kernel"]["release"] == "6.18.44-test"
    assert [p["kind"] for p in result["problems"]] == ["kernel_format"]
    assert result["supported"] is False and result["recordable"] is True
    assert "CONFIG_QFMT_V2 is not set (/proc/config.gz)" in result["message"]
    assert result["user_quota_mounted"] is False and result["fstab_user_quota"] is False
    assert result["fstab"]["src"] == "LABEL=sysfix-mail"
    assert result["users_over_soft"] == [] and result["usage_source"] == "none"


def test_info_on_a_kernel_with_the_format_has_no_problem(capsys, host):
    with gzip.open(host.root / "proc" / "config.gz", "wt") as handle:
        handle.write("CONFIG_QUOTA=y\nCONFIG_QFMT_V2=y\n")
    result = info(capsys, host)
    assert result["supported"] is True and result["problems"] == [] and result["message"] == ""


def test_info_on_the_container_overlay_is_not_recordable(capsys, host):
    host.fstype = "overlay"
    host.write_mountinfo()
    result = info(capsys, host)
    assert [(p["kind"], p["recordable"]) for p in result["problems"]] == [
        ("filesystem", False), ("kernel_format", True)]
    assert result["recordable"] is False
    # Nothing about a file system that cannot have quotas is asked of the tools.
    assert not any(call[0].endswith("quotaon") for call in host.calls)


def test_info_reports_users_over_their_soft_limit(capsys, host):
    host.options += ["usrquota"]
    host.write_mountinfo()
    host.quota_file().write_bytes(b"q")
    host.limits = {1001: [200, 300, 0, 0], 1002: [200, 300, 0, 0]}
    host.usage[1001] = [250, 1]
    result = info(capsys, host)
    assert [(u["user"], u["exceeded"], u["block_used"]) for u in result["users_over_soft"]] == [
        ("alice", ["block_soft"], 250)]
    assert result["usage_source"] == "quota file, as of the last quotacheck"


# quota_filesystem ---------------------------------------------------------------

def test_prepare_with_warn_records_usrquota_and_the_quota_file_but_not_quotaon(capsys, host):
    result = prepare(capsys, host, diff=True)
    assert result["changed"] is True
    assert result["actions"] == ["mount -o remount,usrquota %s" % host.spool,
                                 "quotacheck -c -u -m -F vfsv0 %s" % host.spool]
    assert result["recorded"] is True and result["enforced"] is False
    assert result["fstab_opts"] == "defaults,usrquota"
    assert host.quota_file().exists() and "usrquota" in host.options
    assert not any(call[0].endswith("quotaon") and "-p" not in call for call in host.calls)
    assert "Recorded instead: usrquota" in json.dumps(result["warnings"])
    assert "user quotas: off" in result["diff"]["after"] and "usrquota" in result["diff"]["after"]
    assert "quota file: none" in result["diff"]["before"]
    # Once more: nothing to do.
    again = prepare(capsys, host)
    assert again["changed"] is False and again["actions"] == []


def test_prepare_with_fail_changes_nothing_and_says_why(capsys, host):
    result = prepare(capsys, host, unsupported="fail")
    assert result["failed"] is True
    assert "cannot enforce disk quotas" in result["msg"] and result["msg"].endswith("Nothing was changed.")
    assert "usrquota" not in host.options and not host.quota_file().exists()


def test_prepare_in_check_mode_reports_every_step_and_takes_none(capsys, host):
    result = prepare(capsys, host, check_mode=True, diff=True)
    assert result["changed"] is True and len(result["actions"]) == 2
    assert "usrquota" not in host.options and not host.quota_file().exists()
    assert all(call[0].endswith(("quotaon", "dumpe2fs")) for call in host.calls)


def test_prepare_turns_quotas_on_where_the_kernel_can(capsys, host):
    with gzip.open(host.root / "proc" / "config.gz", "wt") as handle:
        handle.write("CONFIG_QUOTA=y\nCONFIG_QFMT_V2=y\n")
    result = prepare(capsys, host, unsupported="fail")
    assert result["actions"][-1] == "quotaon -u %s" % host.spool
    assert result["enforced"] is True and host.quota_on is True
    assert "warnings" not in result


def test_prepare_finds_out_at_quotaon_when_the_kernel_could_not_be_judged(capsys, host):
    (host.root / "proc" / "config.gz").unlink()      # a container: no config, no modules
    result = prepare(capsys, host, unsupported="fail")
    assert result["failed"] is True
    assert "quotaon says 'quotaon: Quota format not supported in kernel.'" in result["msg"]
    assert "Done so far: mount -o remount,usrquota" in result["msg"]
    assert "/etc/fstab was not changed" in result["msg"]
    # With warn the same run records and warns.
    result = prepare(capsys, host)
    assert result["recorded"] is True and result["enforced"] is False
    assert [p["kind"] for p in result["problems"]] == ["kernel_format"]


def test_a_kernel_that_refuses_usrquota_leaves_everything_alone(capsys, host):
    (host.root / "proc" / "sys" / "fs" / "quota").rmdir()
    result = prepare(capsys, host)
    assert result["changed"] is False and result["recorded"] is False
    assert [p["kind"] for p in result["problems"]] == ["kernel_quota"]
    assert not any(call[0].endswith("mount") for call in host.calls)


def test_an_existing_quota_file_is_never_recreated(capsys, host):
    host.options += ["usrquota"]
    host.write_mountinfo()
    host.quota_file().write_bytes(b"limits")
    result = prepare(capsys, host)
    assert result["actions"] == []
    assert host.quota_file().read_bytes() == b"limits"


# user_quota ---------------------------------------------------------------------

def ready(host):
    host.options += ["usrquota"]
    host.write_mountinfo()
    host.quota_file().write_bytes(b"q")


def test_limits_set_only_what_differs_with_a_diff_per_user(capsys, host):
    ready(host)
    host.limits[1001] = [200, 300, 50, 60]
    result = limits(capsys, host, diff=True)
    assert [c["user"] for c in result["changes"]] == ["bob"]
    assert [call for call in host.calls if call[0].endswith("setquota")] == [
        ["/usr/sbin/setquota", "-u", "bob", "200", "300", "50", "60", str(host.spool)]]
    assert result["diff"]["before"] == "bob (uid 1002): blocks 0/0 KiB, inodes 0/0 (soft/hard)\n"
    assert result["diff"]["after"] == "bob (uid 1002): blocks 200/300 KiB, inodes 50/60 (soft/hard)\n"
    assert (result["uid_min"], result["uid_max"]) == (1000, 60000)
    again = limits(capsys, host)
    assert again["changed"] is False


def test_limits_in_check_mode_change_nothing(capsys, host):
    ready(host)
    result = limits(capsys, host, check_mode=True)
    assert [c["user"] for c in result["changes"]] == ["alice", "bob"]
    assert host.limits == {}


def test_limits_in_check_mode_before_the_file_system_is_ready(capsys, host):
    result = limits(capsys, host, check_mode=True)
    assert result["changed"] is True and [c["user"] for c in result["changes"]] == ["alice", "bob"]


def test_limits_in_check_mode_with_a_quota_file_but_no_usrquota_are_not_guessed(capsys, host):
    host.quota_file().write_bytes(b"limits")
    result = limits(capsys, host, check_mode=True)
    assert result["changed"] is False and result["changes"] == []
    assert "were not compared: it is not mounted with usrquota" in json.dumps(result["warnings"])


def test_limits_on_an_unprepared_file_system_fail_with_the_reason(capsys, host):
    result = limits(capsys, host)
    assert result["failed"] is True
    assert "it is not mounted with usrquota" in result["msg"]


def test_overrides_exceptions_and_unknown_names(capsys, host):
    ready(host)
    result = limits(capsys, host, overrides={"bob": {"block_hard": 4096}, "ghost": {"block_soft": 1}},
                    exclude=["alice"])
    assert host.limits == {1002: [200, 4096, 50, 60]}
    assert result["users"]["alice"]["why"] == "exception"
    assert result["unknown_users"] == ["ghost"]
    assert "No such user on this host, skipped: ghost" in json.dumps(result["warnings"])


def test_uid_range_from_the_options(capsys, host):
    ready(host)
    result = limits(capsys, host, uid_min=1002, uid_max=65534)
    assert sorted(result["users"]) == ["bob", "nobody"]


def test_a_failing_setquota_stops_and_names_the_user(capsys, host):
    ready(host)
    host.fail_setquota_for = "bob"
    result = limits(capsys, host)
    assert result["failed"] is True and result["done"] == ["alice"]
    assert result["msg"] == "setquota for bob failed (rc=1): setquota: user bob does not exist."


def test_limits_kept_by_the_quota_tools_are_an_error(capsys, host, monkeypatch):
    ready(host)
    original = host.run_command

    def ignoring_setquota(args, **kwargs):
        if str(args[0]).endswith("setquota"):
            host.calls.append([str(a) for a in args])
            return 0, "", ""    # as quota-tools does with a "#UID" name in batch mode
        return original(args, **kwargs)

    monkeypatch.setattr(quota_info.AnsibleModule, "run_command", lambda self, *a, **k: ignoring_setquota(*a, **k))
    result = limits(capsys, host)
    assert result["failed"] is True
    assert "did not change although setquota succeeded: alice, bob" in result["msg"]


@pytest.mark.parametrize("args, message", [
    ({"limits": dict(LIMITS, block_soft=-1)}, "limits.block_soft must be at least 0"),
    ({"overrides": {"bob": {"blocks": 5}}}, "overrides.bob must be a dict with keys from"),
    ({"overrides": {"bob": {"block_hard": "lots"}}}, "overrides.bob.block_hard must be a number"),
])
def test_bad_arguments(capsys, host, args, message):
    result = limits(capsys, host, **args)
    assert result["failed"] is True and message in result["msg"]
    assert not any(call[0].endswith("setquota") for call in host.calls)
