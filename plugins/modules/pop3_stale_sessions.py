#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sysfix.hardening contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: pop3_stale_sessions
short_description: End POP3 sessions that have been running for longer than a limit
version_added: 0.1.0
description:
  - Finds the session processes of a POP3 daemon (by default C(popa3d) started from inetd), their
    user, age, client (when readable) and the mailbox locks they hold (from C(/proc/locks), matched
    against the files of O(spool)).
  - Ends every session older than O(max_age) seconds (only those holding a mailbox lock with
    O(locked_only)) with SIGTERM, then SIGKILL after O(grace) seconds - the runbook's answer to
    "the account is locked" after a client vanished.
  - A standalone listener (C(popa3d -D) whose parent is not a C(popa3d)) is never a session.
author:
  - sysfix.hardening maintainers (@sysfix)
options:
  daemon:
    description: The POP3 daemon's program; its base name is matched against each process's name.
    type: path
    default: /usr/sbin/popa3d
  max_age:
    description: Sessions older than this many seconds are stale.
    type: int
    required: true
  locked_only:
    description: End only stale sessions that hold a lock on a file in O(spool).
    type: bool
    default: false
  spool:
    description: The directory of the mailboxes.
    type: path
    default: /var/mail
  grace:
    description: Seconds between SIGTERM and SIGKILL.
    type: int
    default: 5
attributes:
  check_mode:
    support: full
    description: Finds the sessions and reports in RV(stale) those a real run would end, ending none.
  diff_mode:
    support: none
    description: Processes are not files; RV(stale) lists what is (would be) ended.
notes:
  - popa3d locks a mailbox only while it reads it at login and while it rewrites it at QUIT, so most
    stale popa3d sessions hold no lock; a session hanging in those moments does, and blocks the
    mailbox for every other client.
  - Without CAP_SYS_PTRACE (a container) root cannot read other users' C(/proc/PID/fd); the client
    address is then unknown and processes are matched by name and command line only.
"""

EXAMPLES = r"""
- name: End POP3 sessions older than 30 minutes
  sysfix.hardening.pop3_stale_sessions:
    max_age: 1800

- name: See which sessions holding a mailbox lock are older than 10 minutes
  sysfix.hardening.pop3_stale_sessions:
    max_age: 600
    locked_only: true
  check_mode: true
"""

RETURN = r"""
sessions:
  description: Every session found, with pid, parent pid, user, age in seconds, client and locked mailboxes.
  returned: always
  type: list
  elements: dict
  sample: [{"pid": 996, "ppid": 39, "user": "alice", "age": 2412, "client": "198.51.100.7:50312",
            "locks": ["/var/mail/alice"]}]
stale:
  description: The sessions ended (in check mode, that would be ended).
  returned: always
  type: list
  elements: dict
killed:
  description: Pids that did not end on SIGTERM and were sent SIGKILL.
  returned: always
  type: list
  elements: int
"""

import errno
import os
import pwd
import re
import signal
import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.sysfix.hardening.plugins.module_utils.proc_sessions import (
    age_seconds,
    parse_locks,
    parse_net_tcp,
    parse_stat,
    stale,
)

_SOCKET_LINK = re.compile(r"^socket:\[(\d+)\]$")


def read(path, mode="r"):
    with open(path, mode) as handle:
        return handle.read()


def process_info(pid):
    """stat fields and argv of a pid, or None when it is gone."""
    try:
        info = parse_stat(read("/proc/%d/stat" % pid))
        info["argv"] = read("/proc/%d/cmdline" % pid, "rb").decode("utf-8", "replace").split("\0")
        info["uid"] = int(re.search(r"^Uid:\s+(\d+)", read("/proc/%d/status" % pid), re.M).group(1))
    except (OSError, ValueError, AttributeError, IndexError):
        return None
    return info


def exe_of(pid):
    """The program of a pid, or None when /proc does not say (another user's process without CAP_SYS_PTRACE)."""
    try:
        return os.readlink("/proc/%d/exe" % pid)
    except OSError:
        return None


def socket_inodes(pid):
    inodes = set()
    try:
        for fd in os.listdir("/proc/%d/fd" % pid):
            match = _SOCKET_LINK.match(os.readlink("/proc/%d/fd/%s" % (pid, fd)))
            if match:
                inodes.add(int(match.group(1)))
    except OSError:
        return None
    return inodes


def spool_files(spool):
    """(major, minor, inode) -> path for every regular file in the spool."""
    files = {}
    try:
        names = os.listdir(spool)
    except OSError:
        return files
    for name in names:
        path = os.path.join(spool, name)
        try:
            st = os.stat(path)
        except OSError:
            continue
        files[(os.major(st.st_dev), os.minor(st.st_dev), st.st_ino)] = path
    return files


def find_sessions(daemon, spool):
    name = os.path.basename(daemon)
    program = os.path.realpath(daemon)
    processes = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            info = process_info(int(entry))
            if info is not None:
                processes[info["pid"]] = info
    clock_ticks = os.sysconf("SC_CLK_TCK")
    uptime = read("/proc/uptime")
    locks = parse_locks(read("/proc/locks"))
    mailboxes = spool_files(spool)
    connections = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            connections.update(parse_net_tcp(read(table)))
        except OSError:
            pass

    sessions = []
    for pid, info in sorted(processes.items()):
        # comm is the program's name cut to 15 characters.
        if info["comm"] != name[:15]:
            continue
        exe = exe_of(pid)
        if exe is not None and exe.replace(" (deleted)", "") != program:
            continue
        if exe is None and os.path.basename(info["argv"][0]) != name:
            continue
        parent = processes.get(info["ppid"])
        if "-D" in info["argv"][1:] and (parent is None or parent["comm"] != info["comm"]):
            continue  # the standalone listener, not a session
        try:
            user = pwd.getpwuid(info["uid"]).pw_name
        except KeyError:
            user = str(info["uid"])
        held = sorted(
            mailboxes[(lock["device"][0], lock["device"][1], lock["inode"])]
            for lock in locks
            if lock["pid"] == pid and (lock["device"][0], lock["device"][1], lock["inode"]) in mailboxes
        )
        client = None
        inodes = socket_inodes(pid)
        for inode in sorted(inodes or ()):
            connection = connections.get(inode)
            if connection and connection["state"] != "LISTEN":
                client = "%s:%d" % connection["remote"]
                break
        sessions.append({
            "pid": pid,
            "ppid": info["ppid"],
            "user": user,
            "age": int(age_seconds(info["starttime"], uptime, clock_ticks)),
            "starttime": info["starttime"],
            "client": client,
            "locks": held,
        })
    return sessions


def still_running(pid, starttime):
    """Whether pid is alive and still the same process (not a reused pid)."""
    info = process_info(pid)
    return info is not None and info["starttime"] == starttime and info["state"] != "Z"


def signal_process(pid, signum):
    try:
        os.kill(pid, signum)
    except OSError as exc:
        if exc.errno != errno.ESRCH:
            raise


def main():
    module = AnsibleModule(
        argument_spec=dict(
            daemon=dict(type="path", default="/usr/sbin/popa3d"),
            max_age=dict(type="int", required=True),
            locked_only=dict(type="bool", default=False),
            spool=dict(type="path", default="/var/mail"),
            grace=dict(type="int", default=5),
        ),
        supports_check_mode=True,
    )
    p = module.params
    if p["max_age"] < 1:
        module.fail_json(msg="max_age must be at least 1 second, got %d" % p["max_age"])

    sessions = find_sessions(p["daemon"], p["spool"])
    to_end = stale(sessions, p["max_age"], p["locked_only"])
    killed = []
    if to_end and not module.check_mode:
        for session in to_end:
            if still_running(session["pid"], session["starttime"]):
                signal_process(session["pid"], signal.SIGTERM)
        deadline = time.time() + p["grace"]
        while time.time() < deadline and any(still_running(s["pid"], s["starttime"]) for s in to_end):
            time.sleep(0.2)
        for session in to_end:
            if still_running(session["pid"], session["starttime"]):
                signal_process(session["pid"], signal.SIGKILL)
                killed.append(session["pid"])
        deadline = time.time() + 5
        while time.time() < deadline and any(still_running(s["pid"], s["starttime"]) for s in to_end):
            time.sleep(0.2)
        left = [s["pid"] for s in to_end if still_running(s["pid"], s["starttime"])]
        if left:
            module.fail_json(msg="POP3 sessions did not end even after SIGKILL: %s" % left,
                             sessions=sessions, stale=to_end, killed=killed)

    module.exit_json(changed=bool(to_end), sessions=sessions, stale=to_end, killed=killed)


if __name__ == "__main__":
    main()
