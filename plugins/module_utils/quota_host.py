# -*- coding: utf-8 -*-
# Copyright: sysfix.hardening contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading a host's quota state for the quota modules.

These functions read files and run the quota tools through an AnsibleModule
(``module.run_command``); every decision is made by the pure functions of
module_utils/quota.py. ``root`` lets tests point the file reads at a fake
tree.
"""

from __future__ import annotations

import gzip
import os
import platform

from ansible_collections.sysfix.hardening.plugins.module_utils.quota import (
    find_mount,
    fstab_entries_for,
    has_user_quota,
    kernel_quota_support,
    over_soft_limit,
    parse_fs_features,
    parse_fstab,
    parse_getent_passwd,
    parse_mountinfo,
    parse_quotaon_print,
    parse_repquota_csv,
    problems_message,
    quota_error_kind,
    quota_file_path,
    spool_problems,
)

# Quota tools translate their messages; the parsers read the C locale.
ENV = {"LC_ALL": "C"}


def read_text(root, path, opener=open):
    try:
        with opener(os.path.join(root, path.lstrip("/")), "rt") as handle:
            return handle.read()
    except (IOError, OSError):
        return None


def read_kernel(root="/"):
    """Whether the running kernel accepts usrquota and has the quota format."""
    release = platform.release()
    config_text, config_source = None, None
    for source, opener in (("/proc/config.gz", gzip.open), ("/boot/config-%s" % release, open)):
        text = read_text(root, source, opener)
        if text is not None:
            config_text, config_source = text, source
            break
    modules = "/lib/modules/%s" % release
    kernel = kernel_quota_support(
        release,
        proc_quota=os.path.isdir(os.path.join(root, "proc/sys/fs/quota")),
        config_text=config_text,
        config_source=config_source,
        proc_modules=read_text(root, "/proc/modules") or "",
        modules_builtin=read_text(root, modules + "/modules.builtin"),
        modules_dep=read_text(root, modules + "/modules.dep"),
    )
    kernel["release"] = release
    return kernel


def quota_state(module, target):
    """quotaon -p: True (on), False (off) or None (not mounted with user quotas)."""
    quotaon = module.get_bin_path("quotaon", required=True)
    rc, out, err = module.run_command([quotaon, "-p", "-u", target], environ_update=ENV)
    return parse_quotaon_print(out + err)


def quota_feature(module, source):
    """ext4's quota feature, from dumpe2fs -h; None when the device cannot be read."""
    dumpe2fs = module.get_bin_path("dumpe2fs")
    if dumpe2fs is None or not source.startswith("/dev/") or not os.path.exists(source):
        return None
    rc, out, err = module.run_command([dumpe2fs, "-h", source], environ_update=ENV)
    if rc != 0:
        return None
    return "quota" in parse_fs_features(out)


def read_passwd(module):
    """Every account NSS knows (getent passwd), as [(name, uid)]."""
    getent = module.get_bin_path("getent", required=True)
    rc, out, err = module.run_command([getent, "passwd"], environ_update=ENV)
    if rc != 0:
        module.fail_json(msg="getent passwd failed (rc=%d): %s" % (rc, err.strip()))
    return parse_getent_passwd(out)


def read_repquota(module, target):
    """Every user's usage and limits on ``target``: (rows, error kind, error text).

    rows is None when repquota fails; the kind names why (quota_error_kind).
    """
    repquota = module.get_bin_path("repquota", required=True)
    rc, out, err = module.run_command([repquota, "-u", "-O", "csv", "-n", "-p", "-v", target], environ_update=ENV)
    if rc != 0:
        return None, quota_error_kind(err) or "other", (err or out).strip()
    parsed = parse_repquota_csv(out)
    return parsed["rows"], None, ""


def read_users_over_soft(module, target):
    """Users at or over a limit; [] (with a warning when the file is damaged) when unreadable."""
    rows, kind, text = read_repquota(module, target)
    if rows is None:
        if kind == "corrupt":
            module.warn("The quota file of %s is damaged (%s): run quotacheck -um %s"
                        % (target, text.splitlines()[0], target))
        return []
    names = dict((uid, name) for name, uid in reversed(read_passwd(module)))
    return over_soft_limit(rows, names)


def gather(module, path, root="/"):
    """The facts about the file system holding ``path`` (quota_info's result, minus the users)."""
    resolved = os.path.realpath(path)
    if not os.path.isdir(resolved):
        module.fail_json(msg="%s does not exist or is not a directory" % path)
    mountinfo = read_text(root, "/proc/self/mountinfo")
    if mountinfo is None:
        module.fail_json(msg="Cannot read /proc/self/mountinfo")
    mount = find_mount(parse_mountinfo(mountinfo), resolved)
    entries = fstab_entries_for(parse_fstab(read_text(root, "/etc/fstab") or ""), mount["target"]) if mount else []
    kernel = read_kernel(root)
    problems = spool_problems(mount, entries, kernel, resolved)
    options = []
    if mount:
        options = mount["mount_options"] + [o for o in mount["super_options"] if o not in mount["mount_options"]]
    facts = {
        "path": resolved,
        "target": mount["target"] if mount else None,
        "source": mount["source"] if mount else None,
        "fstype": mount["fstype"] if mount else None,
        "options": options,
        "user_quota_mounted": has_user_quota(options),
        "fstab": entries[0] if len(entries) == 1 else None,
        "fstab_user_quota": len(entries) == 1 and has_user_quota(entries[0]["opts"]),
        "kernel": kernel,
        "quota_file": None,
        "quota_feature": None,
        "quota_on": False,
        "problems": problems,
        "supported": not problems,
        "recordable": all(problem["recordable"] for problem in problems),
    }
    if facts["recordable"]:
        quota_file = quota_file_path(mount["target"])
        facts["quota_file"] = quota_file if os.path.exists(quota_file) else None
        facts["quota_feature"] = quota_feature(module, mount["source"])
        facts["quota_on"] = bool(quota_state(module, mount["target"]))
    facts["message"] = problems_message(resolved, problems)
    return facts
