# -*- coding: utf-8 -*-
# Copyright: sysfix.hardening contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure helpers for Linux user disk quotas: mounts, fstab, kernel support, limits.

Nothing here touches the system; the modules quota_info, quota_filesystem and
user_quota read and run commands, these functions only compute, so they are
unit-tested against output captured in the test images and in a
user-mode-linux guest whose kernel enforces quotas.
"""

from __future__ import annotations

import posixpath
import re

from ansible_collections.sysfix.hardening.plugins.module_utils.text import is_number as _is_number

# File systems whose user quotas this collection sets up: usrquota as a mount
# option that a remount can add, quota files made by quotacheck (or ext4's
# own quota feature).
QUOTA_FILESYSTEMS = ("ext2", "ext3", "ext4")

# Mount options that turn on user quotas (ext2/3/4): usrquota, its old
# spelling quota, and journaled quota (usrjquota=aquota.user).
USER_QUOTA_OPTIONS = ("usrquota", "quota")

LIMIT_KEYS = ("block_soft", "block_hard", "inode_soft", "inode_hard")

_OCTAL_ESCAPE = re.compile(r"\\([0-7]{3})")


def unescape_mount_field(field):
    """Undo the octal escapes of /proc/self/mountinfo and fstab (``\\040`` is a space)."""
    return _OCTAL_ESCAPE.sub(lambda match: chr(int(match.group(1), 8)), field)


def parse_mountinfo(text):
    """Parse /proc/self/mountinfo into a list of mounts, in mount order.

    Each mount has ``target``, ``root`` (the directory of the file system
    mounted there, ``/`` unless it is a bind mount of a subdirectory),
    ``fstype``, ``source``, ``major_minor``, ``mount_options`` (per mount, such
    as ``ro``) and ``super_options`` (per file system, where ``usrquota``
    shows).
    """
    mounts = []
    for line in text.splitlines():
        if " - " not in line:
            continue
        before, after = line.split(" - ", 1)
        fields = before.split()
        tail = after.split()
        if len(fields) < 6 or len(tail) < 2:
            continue
        mounts.append({
            "mount_id": fields[0],
            "parent_id": fields[1],
            "major_minor": fields[2],
            "root": unescape_mount_field(fields[3]),
            "target": unescape_mount_field(fields[4]),
            "mount_options": fields[5].split(","),
            "fstype": tail[0],
            "source": unescape_mount_field(tail[1]),
            "super_options": tail[2].split(",") if len(tail) > 2 else [],
        })
    return mounts


def _is_within(path, directory):
    if directory == "/":
        return True
    return path == directory or path.startswith(directory.rstrip("/") + "/")


def find_mount(mounts, path):
    """The mount that holds ``path`` (an absolute path with symlinks resolved).

    The deepest mount point containing the path wins; of several mounts on
    the same point the last one (on top) wins, as findmnt -T decides.
    """
    best = None
    for mount in mounts:
        if not _is_within(path, mount["target"]):
            continue
        if best is None or len(mount["target"]) >= len(best["target"]):
            best = mount
    return best


def parse_fstab(text):
    """Parse /etc/fstab: a list of entries with ``src``, ``target``, ``fstype``,
    ``opts``, ``dump``, ``passno`` and ``line`` (1-based line number)."""
    entries = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        fields = line.split()
        if len(fields) < 4:
            continue
        entries.append({
            "src": unescape_mount_field(fields[0]),
            "target": unescape_mount_field(fields[1]).rstrip("/") or "/",
            "fstype": fields[2],
            "opts": fields[3],
            "dump": fields[4] if len(fields) > 4 else "0",
            "passno": fields[5] if len(fields) > 5 else "0",
            "line": number,
        })
    return entries


def fstab_entries_for(entries, target):
    target = target.rstrip("/") or "/"
    return [entry for entry in entries if entry["target"] == target]


def has_user_quota(options):
    """Whether mount options (a list or a comma-separated string) turn on user quotas."""
    if isinstance(options, str):
        options = options.split(",")
    return any(option in USER_QUOTA_OPTIONS or option.startswith("usrjquota=") for option in options)


def with_user_quota(opts):
    """fstab options with ``usrquota`` added, unless user quotas are already on."""
    if has_user_quota(opts):
        return opts
    return "usrquota" if opts in ("", None) else opts + ",usrquota"


def parse_kernel_config(text):
    """``CONFIG_X=y`` lines into ``{"CONFIG_X": "y"}``; ``# CONFIG_X is not set`` gives ``"n"``."""
    config = {}
    for line in text.splitlines():
        line = line.strip()
        match = re.match(r"^(CONFIG_[A-Za-z0-9_]+)=(.*)$", line)
        if match:
            config[match.group(1)] = match.group(2).strip('"')
            continue
        match = re.match(r"^# (CONFIG_[A-Za-z0-9_]+) is not set$", line)
        if match:
            config[match.group(1)] = "n"
    return config


def _module_listed(text, name):
    """Whether modules.dep or modules.builtin lists ``name.ko`` (compressed or not)."""
    pattern = re.compile(r"(^|/)%s\.ko(\.[a-z]+)?(:|$)" % re.escape(name), re.M)
    return bool(pattern.search(text or ""))


def kernel_quota_support(release, proc_quota=True, config_text=None, config_source=None,
                         proc_modules="", modules_builtin=None, modules_dep=None):
    """Decide whether the running kernel can enforce vfsv0/vfsv1 user quotas.

    ``proc_quota`` says whether /proc/sys/fs/quota exists (the kernel has
    CONFIG_QUOTA, so ext4 accepts the usrquota mount option). The quota format
    (QFMT_V2, module quota_v2) is what quotaon needs; the evidence is, in
    order: the loaded module, the kernel configuration, the installed
    modules. ``modules_builtin``/``modules_dep`` are None when
    /lib/modules/RELEASE cannot be read (a container sees the host's kernel
    but not its modules).

    Returns ``{"quota": bool, "format": True, False or None, "evidence": str}``;
    ``format`` None means it cannot be told before quotaon is tried.
    """
    if not proc_quota:
        return {"quota": False, "format": False,
                "evidence": "the kernel has no quota support at all (no /proc/sys/fs/quota: built without "
                            "CONFIG_QUOTA), so it refuses the usrquota mount option"}
    loaded = [line.split()[0] for line in (proc_modules or "").splitlines() if line.strip()]
    if "quota_v2" in loaded:
        return {"quota": True, "format": True, "evidence": "module quota_v2 is loaded"}
    modules_dir = "/lib/modules/%s" % release
    if config_text is not None:
        value = parse_kernel_config(config_text).get("CONFIG_QFMT_V2", "n")
        if value == "y":
            return {"quota": True, "format": True, "evidence": "CONFIG_QFMT_V2=y in %s" % config_source}
        if value == "m":
            if modules_dep is None:
                return {"quota": True, "format": None,
                        "evidence": "CONFIG_QFMT_V2=m in %s, but %s cannot be read here" % (config_source, modules_dir)}
            if _module_listed(modules_dep, "quota_v2"):
                return {"quota": True, "format": True,
                        "evidence": "CONFIG_QFMT_V2=m in %s and quota_v2 is in %s" % (config_source, modules_dir)}
            return {"quota": True, "format": False,
                    "evidence": "CONFIG_QFMT_V2=m in %s, but %s has no quota_v2 module" % (config_source, modules_dir)}
        return {"quota": True, "format": False,
                "evidence": "the kernel has no quota format: CONFIG_QFMT_V2 is not set (%s), so quotaon fails "
                            "with 'Quota format not supported in kernel'" % config_source}
    if modules_builtin is not None or modules_dep is not None:
        if _module_listed(modules_builtin, "quota_v2") or _module_listed(modules_dep, "quota_v2"):
            return {"quota": True, "format": True, "evidence": "quota_v2 is in %s" % modules_dir}
        return {"quota": True, "format": False,
                "evidence": "the kernel has no quota format: %s has no quota_v2 module" % modules_dir}
    return {"quota": True, "format": None,
            "evidence": "neither the kernel configuration nor %s can be read here; quotaon will tell" % modules_dir}


def spool_problems(mount, fstab_entries, kernel, path):
    """Why user quotas cannot be set on the file system holding ``path``.

    Returns a list of ``{"kind", "message", "advice", "recordable"}``. ``recordable``
    says whether the configuration can still be written (usrquota in fstab,
    limits in the quota file) for a kernel that enforces it later; only a
    missing quota format allows that.
    """
    problems = []
    if mount is None:
        return [{"kind": "no_mount", "recordable": False, "advice": "mount the file system that holds %s" % path,
                 "message": "no mounted file system holds %s" % path}]
    where = "%s (%s on %s, mounted at %s)" % (path, mount["fstype"], mount["source"], mount["target"])
    if mount["fstype"] not in QUOTA_FILESYSTEMS:
        problems.append({"kind": "filesystem", "recordable": False,
                         "message": "%s is on a file system of type %s, which has no user quotas that can be set "
                                    "here (supported: %s)" % (where, mount["fstype"], ", ".join(QUOTA_FILESYSTEMS)),
                         "advice": "put %s on an ext4 file system with its own /etc/fstab entry" % path})
    elif mount["root"] != "/":
        problems.append({"kind": "bind_mount", "recordable": False,
                         "message": "%s is a bind mount of the directory %s of that file system, and quotas "
                                    "belong to the whole file system" % (where, mount["root"]),
                         "advice": "set the quotas where that file system itself is mounted"})
    elif "ro" in mount["mount_options"] or "ro" in mount["super_options"]:
        problems.append({"kind": "read_only", "recordable": False,
                         "message": "%s is mounted read-only" % where,
                         "advice": "mount it read-write"})
    if mount["fstype"] in QUOTA_FILESYSTEMS and mount["root"] == "/":
        if not fstab_entries:
            problems.append({"kind": "no_fstab_entry", "recordable": False,
                             "message": "%s has no /etc/fstab entry, so usrquota could not survive a reboot"
                                        % mount["target"],
                             "advice": "add an /etc/fstab entry for %s" % mount["target"]})
        elif len(fstab_entries) > 1:
            problems.append({"kind": "fstab_duplicate", "recordable": False,
                             "message": "/etc/fstab has %d entries for %s (lines %s); leave one"
                                        % (len(fstab_entries), mount["target"],
                                           ", ".join(str(e["line"]) for e in fstab_entries)),
                             "advice": "remove all but one of them"})
    kernel_advice = ("boot a kernel with quota support (CONFIG_QUOTA and CONFIG_QFMT_V2; Debian's own "
                     "linux-image packages have both, the format as module quota_v2)")
    if not kernel["quota"]:
        problems.append({"kind": "kernel_quota", "recordable": False, "advice": kernel_advice,
                         "message": "this kernel (%s) cannot enforce disk quotas: %s" % (
                             kernel.get("release", "?"), kernel["evidence"])})
    elif kernel["format"] is False:
        problems.append({"kind": "kernel_format", "recordable": True, "advice": kernel_advice,
                         "message": "this kernel (%s) cannot enforce disk quotas: %s" % (
                             kernel.get("release", "?"), kernel["evidence"])})
    return problems


def problems_message(path, problems):
    """Every problem and what to do about it, in one message (empty without problems)."""
    if not problems:
        return ""
    advice = []
    for problem in problems:
        if problem["advice"] not in advice:
            advice.append(problem["advice"])
    return "User quotas cannot be enforced for %s here: %s. To fix: %s." % (
        path, "; ".join(problem["message"] for problem in problems), "; ".join(advice))


def parse_repquota_csv(text):
    """Parse ``repquota -u -O csv -n -p -v`` into ``{uid: row}``.

    With ``-n`` the first column is ``#UID``; a name there (no ``-n``) is kept
    under the key ``name``. Block numbers are 1 KiB blocks; grace times
    (``-p``) are epoch seconds, 0 when none runs. Lines that are not rows
    (repquota's own errors) are returned in ``malformed``.
    """
    rows, malformed = {}, []
    header = None
    for line in text.splitlines():
        if not line.strip():
            continue
        fields = [field.strip() for field in line.split(",")]
        if fields[0] == "User" and "BlockUsed" in fields:
            header = fields
            continue
        if header is None or len(fields) != len(header):
            malformed.append(line)
            continue
        record = dict(zip(header, fields))
        try:
            row = {
                "block_used": int(record["BlockUsed"]),
                "block_soft": int(record["BlockSoftLimit"]),
                "block_hard": int(record["BlockHardLimit"]),
                "block_grace": int(record["BlockGrace"] or 0),
                "inode_used": int(record["FileUsed"]),
                "inode_soft": int(record["FileSoftLimit"]),
                "inode_hard": int(record["FileHardLimit"]),
                "inode_grace": int(record["FileGrace"] or 0),
            }
        except ValueError:
            malformed.append(line)
            continue
        user = record["User"]
        if user.startswith("#") and _is_number(user[1:]):
            rows[int(user[1:])] = row
        else:
            row["name"] = user
            rows[user] = row
    return {"rows": rows, "malformed": malformed}


def parse_getent_passwd(text):
    """``getent passwd`` into ``[(name, uid)]``, in order; malformed lines are skipped."""
    users = []
    for line in text.splitlines():
        fields = line.split(":")
        if len(fields) < 7 or not fields[0] or not _is_number(fields[2]):
            continue
        users.append((fields[0], int(fields[2])))
    return users


def parse_login_defs(text):
    """UID_MIN and UID_MAX from /etc/login.defs (Debian's defaults, 1000 and 60000, when absent)."""
    values = {"UID_MIN": 1000, "UID_MAX": 60000}
    for line in text.splitlines():
        fields = line.split("#", 1)[0].split()
        if len(fields) >= 2 and fields[0] in values and _is_number(fields[1]):
            values[fields[0]] = int(fields[1])
    return values


def zero_limits():
    return dict((key, 0) for key in LIMIT_KEYS)


def select_users(passwd, uid_min, uid_max, limits, overrides=None, exclude=None):
    """The limits each user should have.

    Every user with ``uid_min <= UID <= uid_max`` gets ``limits``; a user in
    ``overrides`` (any UID but 0, named explicitly) gets the defaults with the
    override's keys replaced; a user in ``exclude`` gets no limits (all 0).
    Root is never limited. A name that appears twice in passwd counts once
    (the first, as getpwnam() finds it).

    Returns ``(wanted, unknown)``: ``wanted`` maps a name to ``{"uid", "limits",
    "why"}`` (``why`` is default, override or exception); ``unknown`` lists the
    override and exception names this host does not have.
    """
    overrides = overrides or {}
    exclude = list(exclude or [])
    wanted, seen = {}, set()
    for name, uid in passwd:
        if name in seen:
            continue
        seen.add(name)
        if uid == 0:
            continue
        if name in exclude:
            wanted[name] = {"uid": uid, "limits": zero_limits(), "why": "exception"}
        elif name in overrides:
            merged = dict((key, int(limits[key])) for key in LIMIT_KEYS)
            merged.update((key, int(value)) for key, value in overrides[name].items())
            wanted[name] = {"uid": uid, "limits": merged, "why": "override"}
        elif uid_min <= uid <= uid_max:
            wanted[name] = {"uid": uid, "limits": dict((key, int(limits[key])) for key in LIMIT_KEYS),
                            "why": "default"}
    unknown = sorted(name for name in set(overrides) | set(exclude) if name not in seen)
    return wanted, unknown


def current_limits(rows, uid, name=None):
    """The limits a repquota row gives a user; all 0 for a user without a row."""
    row = rows.get(uid)
    if row is None and name is not None:
        row = rows.get(name)
    if row is None:
        return zero_limits()
    return dict((key, row[key]) for key in LIMIT_KEYS)


def plan_changes(rows, wanted):
    """Users whose limits differ from the wanted ones, sorted by name."""
    changes = []
    for name in sorted(wanted):
        entry = wanted[name]
        before = current_limits(rows, entry["uid"], name)
        if before != entry["limits"]:
            changes.append({"user": name, "uid": entry["uid"], "why": entry["why"],
                            "before": before, "after": dict(entry["limits"])})
    return changes


def format_limits(name, uid, limits):
    """One line of --diff: ``alice (uid 1001): blocks 0/0 KiB, inodes 0/0 (soft/hard)``."""
    return "%s (uid %d): blocks %d/%d KiB, inodes %d/%d (soft/hard)\n" % (
        name, uid, limits["block_soft"], limits["block_hard"], limits["inode_soft"], limits["inode_hard"])


def over_soft_limit(rows, names_by_uid):
    """Users at or over a soft (or hard) limit, block or inode, sorted by name.

    ``names_by_uid`` maps UIDs to names; rows of UIDs without a name are
    reported as ``#UID``.
    """
    report = []
    for key, row in rows.items():
        if isinstance(key, int):
            uid, name = key, names_by_uid.get(key, "#%d" % key)
        else:
            uid, name = None, key
        exceeded = []
        for kind in ("block", "inode"):
            used, soft, hard = row[kind + "_used"], row[kind + "_soft"], row[kind + "_hard"]
            if hard and used >= hard:
                exceeded.append(kind + "_hard")
            elif soft and used >= soft:
                exceeded.append(kind + "_soft")
        if exceeded:
            entry = dict(row)
            entry.update({"user": name, "uid": uid, "exceeded": exceeded})
            report.append(entry)
    return sorted(report, key=lambda entry: entry["user"])


def parse_quotaon_print(text):
    """``quotaon -p -u MOUNTPOINT``: True (on), False (off) or None (no user quotas configured)."""
    for line in text.splitlines():
        match = re.match(r"^user quota on \S.* is (on|off)\b", line.strip())
        if match:
            return match.group(1) == "on"
    return None


def quota_error_kind(text):
    """Name the failure in quota tools' error output.

    ``format`` the kernel lacks the quota format; ``no_quota_option`` the file
    system is not mounted with user quotas; ``no_quota_file`` aquota.user is
    missing; ``corrupt`` the quota file is damaged; None otherwise.
    """
    if "Quota format not supported in kernel" in text or "No such process" in text:
        return "format"
    if "Quota file is probably corrupted" in text or "Illegal reference" in text:
        return "corrupt"
    if re.search(r"Cannot open quotafile \S+: No such file or directory", text):
        return "no_quota_file"
    if "not found or has no quota enabled" in text:
        return "no_quota_option"
    return None


def parse_fs_features(text):
    """The feature list of ``dumpe2fs -h`` (``Filesystem features: has_journal ... quota``)."""
    for line in text.splitlines():
        if line.startswith("Filesystem features:"):
            return line.split(":", 1)[1].split()
    return []


def quota_file_path(target):
    return posixpath.join(target, "aquota.user")
