#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sysfix.hardening contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: sendmail_mc
short_description: Manage a block of Debian's sendmail.mc and apply it safely
version_added: 0.1.0
description:
  - Puts a block of m4 lines between marker lines in C(/etc/mail/sendmail.mc), above the
    mailer definitions or at the end, and leaves the rest of the file as it is.
  - Builds the new C(sendmail.cf) from the new C(sendmail.mc) the way Debian's
    C(/etc/mail/Makefile) does (C(m4), then the C(.mc) appended as comments) into a new
    file, and checks that file with C(sendmail -bt -C NEWFILE) before anything is replaced.
  - Only when the check passes does it back up and replace C(sendmail.mc) and C(sendmail.cf),
    run C(make -C /etc/mail) for the databases (never letting it rebuild C(sendmail.cf)), and
    send SIGHUP to the running MTA, which re-reads its configuration.
  - When m4 or the check fails, nothing is replaced, the MTA keeps running with its old
    configuration and the module fails with the messages of m4 or sendmail.
  - Never edits C(sendmail.cf) by hand. A hand-edited C(sendmail.cf) that differs from what
    C(sendmail.mc) builds is rebuilt (and backed up), and C(--diff) shows what was lost.
author:
  - sysfix.hardening maintainers (@sysfix)
options:
  name:
    description:
      - "Name of the block, written in its marker lines C(dnl # BEGIN NAME) and C(dnl # END NAME).
        Each caller uses its own name, so blocks of different roles do not touch each other."
    type: str
    required: true
  block:
    description:
      - The m4 lines of the block. An empty string removes the block.
    type: str
    required: true
  position:
    description:
      - C(before_mailers) puts a new block above C(MAILER_DEFINITIONS) (or the first C(MAILER(...))),
        where defines such as C(LOCAL_MAILER_MAX) must be; C(end) puts it after the last
        C(MAILER(...)), where C(LOCAL_CONFIG) and C(LOCAL_RULESETS) go.
      - An existing block that is already in a valid place is not moved.
    type: str
    choices: [before_mailers, end]
    required: true
  check_cf_sync:
    description:
      - Also judge, in check mode, whether C(sendmail.cf) matches C(sendmail.mc) as it is apart from
        this block (a hand-edited C(sendmail.cf), another block changed) and whether the MTA runs
        the current C(sendmail.cf).
      - When several tasks of one run each manage a block, the first one that runs does this and the
        others set it to false. In a real run the first such task rebuilds C(sendmail.cf) and reloads
        the MTA, so for the later tasks only their own block can make a difference; with false, check
        mode judges them the same way instead of reporting the first task's change again.
      - A real run always compares with C(sendmail.cf) as it is on disk.
    type: bool
    default: true
  mc:
    description: The sendmail.mc file.
    type: path
    default: /etc/mail/sendmail.mc
  cf:
    description: The sendmail.cf file the MTA reads.
    type: path
    default: /etc/mail/sendmail.cf
  make:
    description:
      - After replacing the files, run C(make -C) in the directory of O(mc), Debian's way to update the
        databases and files that depend on C(sendmail.mc). C(sendmail.cf) is excluded (C(make -o)).
    type: bool
    default: true
  reload:
    description:
      - Send SIGHUP to the running MTA (the pid in O(pid_file)) when O(cf) changed, or when the
        MTA started before the current O(cf) was written, and wait until it has restarted.
      - An MTA that is not running is left alone (RV(running) is false).
    type: bool
    default: true
  pid_file:
    description: The MTA's pid file; its first line is the pid.
    type: path
    default: /run/sendmail/mta/sendmail.pid
  reload_timeout:
    description: Seconds to wait for the MTA to write a new pid file after SIGHUP.
    type: int
    default: 30
  backup:
    description: Keep a time-stamped copy of each file before replacing it.
    type: bool
    default: true
attributes:
  check_mode:
    support: full
    description:
      - Builds and checks the new C(sendmail.cf) in a temporary directory and reports whether
        C(sendmail.mc), C(sendmail.cf) and the running MTA would change, without changing any.
      - A block that would produce a broken C(sendmail.cf) fails in check mode too.
  diff_mode:
    support: full
    description: Shows the changes to C(sendmail.mc) and to C(sendmail.cf).
notes:
  - Debian's C(/etc/init.d/sendmail) runs C(make) when it starts or reloads the MTA, which rebuilds
    C(sendmail.cf) when C(sendmail.mc) is newer; the module writes C(sendmail.cf) after C(sendmail.mc)
    so that never happens behind its back.
  - C(systemctl reload sendmail) does not work with Debian 13's unit (it has no C(ExecReload));
    SIGHUP, the runbook's C(killall -HUP sendmail), works on both releases.
seealso:
  - name: sendmail cf/README
    description: The m4 configuration of sendmail.
    link: https://ftp.sendmail.org/cf/README
"""

EXAMPLES = r"""
- name: Limit the message size
  sysfix.hardening.sendmail_mc:
    name: site limits
    position: before_mailers
    block: |
      define(`confMAX_MESSAGE_SIZE', `26214400')dnl
      define(`LOCAL_MAILER_MAX', `26214400')dnl

- name: Remove the block again
  sysfix.hardening.sendmail_mc:
    name: site limits
    position: before_mailers
    block: ""
"""

RETURN = r"""
mc_changed:
  description: Whether sendmail.mc was (in check mode, would be) replaced.
  returned: always
  type: bool
cf_changed:
  description: Whether sendmail.cf was (in check mode, would be) replaced.
  returned: always
  type: bool
running:
  description: Whether the MTA named in O(pid_file) was running.
  returned: always
  type: bool
reloaded:
  description: Whether the MTA was (in check mode, would be) sent SIGHUP.
  returned: always
  type: bool
pid:
  description: Pid of the MTA after the run, or null when it is not running.
  returned: always
  type: int
  sample: 639
backup_mc:
  description: The backup of sendmail.mc, when one was made.
  returned: when sendmail.mc was replaced and O(backup) is true
  type: str
  sample: /etc/mail/sendmail.mc.12345.2026-11-28@00:03:48~
backup_cf:
  description: The backup of sendmail.cf, when one was made.
  returned: when sendmail.cf was replaced and O(backup) is true
  type: str
check_messages:
  description: What C(sendmail -bt -C NEWFILE) printed besides its banner, when the new file was checked.
  returned: always
  type: list
  elements: str
"""

import grp
import os
import signal
import tempfile
import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.sysfix.hardening.plugins.module_utils.sendmail_mc import (
    McError,
    bt_report,
    cf_equivalent,
    debian_cf,
    set_block,
)

# Owner and mode Debian's Makefile gives sendmail.cf.
CF_GROUP = "smmsp"
CF_MODE = 0o644


def read_text(path):
    try:
        with open(path) as handle:
            return handle.read()
    except FileNotFoundError:
        return None


def write_temp(directory, prefix, text):
    fd, path = tempfile.mkstemp(prefix=prefix, dir=directory)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    return path


def running_mta(pid_file):
    """(pid, pid file mtime) of the running MTA, or (None, None)."""
    try:
        with open(pid_file) as handle:
            pid = int(handle.readline().strip())
        mtime = os.stat(pid_file).st_mtime
        with open("/proc/%d/comm" % pid) as handle:
            comm = handle.read().strip()
    except (OSError, ValueError):
        return None, None
    if "sendmail" not in comm:
        # A stale pid file whose pid now belongs to something else.
        return None, None
    return pid, mtime


def build_cf(module, mc_path, mc_text):
    """Run m4 on ``mc_text`` as Debian's Makefile would; fail on any m4 error."""
    m4 = module.get_bin_path("m4", required=True)
    source = write_temp(module.tmpdir, "sendmail.mc.", mc_text)
    try:
        rc, out, err = module.run_command([m4, source], cwd=os.path.dirname(mc_path))
    finally:
        os.unlink(source)
    if rc != 0 or err.strip():
        module.fail_json(
            msg="m4 could not build sendmail.cf from the new %s (nothing was changed): %s"
            % (mc_path, err.strip() or "exit code %d" % rc),
            rc=rc,
        )
    return debian_cf(out, mc_text, mc_path)


def check_cf(module, sendmail, path):
    """``sendmail -bt -C path``: fail with sendmail's own messages when the file is broken."""
    # One empty line, then end of input: -bt reads rulesets to test from stdin.
    rc, out, err = module.run_command([sendmail, "-bt", "-C", path], data="\n", binary_data=True)
    errors, others = bt_report(err + "\n" + out, path)
    if rc != 0 or errors:
        return errors or others or ["sendmail -bt exited with %d" % rc], others
    return [], others


def main():
    module = AnsibleModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            block=dict(type="str", required=True),
            position=dict(type="str", required=True, choices=["before_mailers", "end"]),
            mc=dict(type="path", default="/etc/mail/sendmail.mc"),
            cf=dict(type="path", default="/etc/mail/sendmail.cf"),
            make=dict(type="bool", default=True),
            reload=dict(type="bool", default=True),
            pid_file=dict(type="path", default="/run/sendmail/mta/sendmail.pid"),
            reload_timeout=dict(type="int", default=30),
            backup=dict(type="bool", default=True),
            check_cf_sync=dict(type="bool", default=True),
        ),
        supports_check_mode=True,
    )
    p = module.params
    mc_path, cf_path = p["mc"], p["cf"]
    result = dict(changed=False, mc_changed=False, cf_changed=False, running=False,
                  reloaded=False, pid=None, check_messages=[])

    mc_text = read_text(mc_path)
    if mc_text is None:
        module.fail_json(msg="%s does not exist: is sendmail-cf installed?" % mc_path)
    try:
        new_mc = set_block(mc_text, p["name"], p["block"], p["position"])
    except McError as exc:
        module.fail_json(msg="%s: %s" % (mc_path, exc))

    new_cf = build_cf(module, mc_path, new_mc)
    cf_text = read_text(cf_path) or ""
    mc_changed = new_mc != mc_text
    whole = p["check_cf_sync"] or not module.check_mode
    if whole:
        reference = cf_text
    else:
        # An earlier task of this run leaves sendmail.cf built from sendmail.mc as it
        # is now: only this block can still make a difference.
        reference = build_cf(module, mc_path, mc_text) if mc_changed else new_cf
    cf_changed = not cf_equivalent(new_cf, reference)

    pid, pid_mtime = running_mta(p["pid_file"])
    cf_mtime = os.stat(cf_path).st_mtime if os.path.exists(cf_path) else 0
    # An MTA started before the current sendmail.cf was written still runs the old one.
    stale_daemon = whole and pid is not None and pid_mtime < cf_mtime
    reload_needed = p["reload"] and pid is not None and (cf_changed or stale_daemon)

    result.update(mc_changed=mc_changed, cf_changed=cf_changed, running=pid is not None, pid=pid,
                  reloaded=reload_needed)
    result["changed"] = mc_changed or cf_changed or reload_needed
    result["diff"] = [
        dict(before_header=mc_path, after_header=mc_path, before=mc_text, after=new_mc),
        dict(before_header=cf_path, after_header=cf_path + " (built from the new .mc)",
             before=reference, after=new_cf if cf_changed else reference),
    ]

    new_cf_path = None
    if cf_changed:
        sendmail = module.get_bin_path("sendmail", required=True, opt_dirs=["/usr/sbin", "/usr/lib"])
        # Checked where it will be installed from, so that the file checked is the
        # file renamed into place; in check mode nothing is written next to cf.
        directory = module.tmpdir if module.check_mode else os.path.dirname(cf_path)
        new_cf_path = write_temp(directory, ".sendmail.cf.", new_cf)
        os.chmod(new_cf_path, CF_MODE)
        try:
            errors, others = check_cf(module, sendmail, new_cf_path)
        except Exception:
            os.unlink(new_cf_path)
            raise
        result["check_messages"] = others
        if errors:
            os.unlink(new_cf_path)
            module.fail_json(
                msg="sendmail rejects the sendmail.cf built from the new %s; nothing was replaced and "
                "the running MTA keeps its configuration: %s" % (mc_path, "; ".join(errors)),
                **result
            )
        if module.check_mode:
            os.unlink(new_cf_path)

    if module.check_mode:
        module.exit_json(**result)

    if mc_changed:
        if p["backup"]:
            result["backup_mc"] = module.backup_local(mc_path)
        new_mc_path = write_temp(os.path.dirname(mc_path), ".sendmail.mc.", new_mc)
        module.atomic_move(new_mc_path, mc_path)
    if cf_changed:
        if p["backup"] and os.path.exists(cf_path):
            result["backup_cf"] = module.backup_local(cf_path)
        # After sendmail.mc, so that Debian's make never sees an .mc newer than the .cf.
        module.atomic_move(new_cf_path, cf_path)
        try:
            os.chown(cf_path, 0, grp.getgrnam(CF_GROUP).gr_gid)
        except KeyError:
            pass
        os.chmod(cf_path, CF_MODE)

    makefile = os.path.join(os.path.dirname(mc_path), "Makefile")
    if p["make"] and (mc_changed or cf_changed):
        if os.path.exists(makefile):
            make = module.get_bin_path("make", required=True)
            # stdin holds one empty line and ends: a helper script that asks a
            # question gets its default answer instead of waiting for one.
            rc, out, err = module.run_command(
                [make, "-s", "-C", os.path.dirname(mc_path), "-o", cf_path, "all"], data="\n", binary_data=True
            )
            if rc != 0:
                module.fail_json(
                    msg="sendmail.mc and sendmail.cf were replaced, but make -C %s failed: %s"
                    % (os.path.dirname(mc_path), (err or out).strip()),
                    **result
                )
        else:
            module.warn("%s does not exist: databases were not rebuilt" % makefile)

    if reload_needed:
        os.kill(pid, signal.SIGHUP)
        # sendmail restarts itself on SIGHUP and writes its pid file again once it
        # has read the new configuration and listens.
        deadline = time.time() + p["reload_timeout"]
        new_pid = None
        while time.time() < deadline:
            new_pid, new_mtime = running_mta(p["pid_file"])
            if new_pid is not None and new_mtime > pid_mtime:
                break
            new_pid = None
            time.sleep(0.5)
        if new_pid is None:
            module.fail_json(
                msg="sendmail (pid %d) did not restart within %d s after SIGHUP; its new "
                "configuration is in %s, the old one in %s" % (
                    pid, p["reload_timeout"], cf_path, result.get("backup_cf", "no backup")),
                **result
            )
        result["pid"] = new_pid

    module.exit_json(**result)


if __name__ == "__main__":
    main()
