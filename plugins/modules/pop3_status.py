#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sysfix.hardening contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: pop3_status
short_description: Why POP3 mail cannot be fetched - inetd's POP3 line, its start limit, TCP wrappers, the dialogue
version_added: 0.1.0
description:
  - The runbook's checklist for a POP3 server under inetd - the POP3 line of C(inetd.conf) (commented
    out, or disabled by update-inetd with C(#<off>#)), its C(nowait.N) start limit and whether inetd
    stopped the service for hitting it (C(server failing (looping)) in inetd's log, for the last
    O(looping_window) minutes but not before inetd last started; openbsd-inetd closes the port for ten
    minutes, a restart reopens it), what TCP wrappers say
    for given clients (C(tcpdmatch)) and which of their rules name the daemon, and a real session -
    the C(+OK) greeting on port 110 and, with O(user), a login and C(STAT).
  - Changes nothing. A login reads the mailbox's size only; C(QUIT) leaves every message in place.
author:
  - sysfix.hardening maintainers (@sysfix)
extends_documentation_fragment:
  - sysfix.hardening.read_only
options:
  inetd_conf:
    description: inetd's configuration.
    type: path
    default: /etc/inetd.conf
  services:
    description: The names the POP3 line may use.
    type: list
    elements: str
    default: [pop3, pop-3, "110"]
  host:
    description: Where to connect for the greeting and the login.
    type: str
    default: 127.0.0.1
  port:
    description: The POP3 port.
    type: int
    default: 110
  timeout:
    description: Seconds to wait for each reply.
    type: int
    default: 10
  user:
    description: A test account to log in with. Empty - only the greeting is checked.
    type: str
    default: ""
  password:
    description: Its password.
    type: str
    default: ""
  wrapper_clients:
    description: Client addresses to ask C(tcpdmatch) about (package C(tcpd)).
    type: list
    elements: str
    default: []
  hosts_allow:
    description: TCP wrappers' allow file.
    type: path
    default: /etc/hosts.allow
  hosts_deny:
    description: TCP wrappers' deny file.
    type: path
    default: /etc/hosts.deny
  looping_window:
    description: Minutes of inetd's log searched for the C(looping) message.
    type: int
    default: 11
notes:
  - Every connection counts against inetd's start limit, this module's too.
seealso:
  - module: sysfix.hardening.pop3_stale_sessions
"""

EXAMPLES = r"""
- name: Check POP3 with a test account
  sysfix.hardening.pop3_status:
    user: pop3test
    password: "{{ vault_pop3test_password }}"
    wrapper_clients: [198.51.100.7]
  register: pop3
"""

RETURN = r"""
entries:
  description: The POP3 lines of inetd.conf, enabled or not (see the module's helpers for the fields).
  returned: always
  type: list
  elements: dict
  sample: [{"line": 30, "state": "enabled", "service": "pop3", "wait": "nowait", "max_per_minute": 200,
            "user": "root", "server": "/usr/sbin/tcpd", "arguments": ["/usr/sbin/popa3d"], "daemon": "popa3d"}]
enabled_entry:
  description: The first enabled POP3 line, or an empty dict.
  returned: always
  type: dict
inetd_running:
  description: Whether an inetd process runs.
  returned: always
  type: bool
looping:
  description: inetd's log lines of the last O(looping_window) minutes (since inetd started, if later) saying it
    stopped POP3 for starting too often.
  returned: always
  type: list
  elements: str
greeting:
  description: C(ok), the C(line) the server sent first, and C(error) when there was none.
  returned: always
  type: dict
  sample: {"ok": true, "line": "+OK", "error": ""}
login:
  description: C(tried), C(ok), C(stat) (messages and size), C(error) (the server's reply or the failure).
  returned: always
  type: dict
  sample: {"tried": true, "ok": true, "stat": {"messages": 2, "size": 1634}, "error": ""}
wrappers:
  description: The rules of hosts.allow and hosts.deny that name the daemon or ALL, and tcpdmatch's verdict per client.
  returned: always
  type: dict
  sample: {"daemon": "popa3d", "allow": ["popa3d: 198.51.100.0/24"], "deny": ["popa3d: 203.0.113.0/24"],
           "clients": [{"client": "198.51.100.7", "access": "granted"}]}
"""

import os
import socket
import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.sysfix.hardening.plugins.module_utils.pop3_status import (
    boot_epoch,
    looping_messages,
    parse_inetd,
    process_start_epoch,
    reply_ok,
    stat_reply,
    tcpdmatch_access,
    wrapper_lines,
)


def read(path):
    try:
        with open(path) as handle:
            return handle.read()
    except (IOError, OSError):
        return None


def inetd_start():
    """Whether inetd runs, and when the oldest inetd process started (epoch seconds, None when unknown)."""
    starts = []
    running = False
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/comm" % pid) as handle:
                if handle.read().strip() not in ("inetd", "xinetd"):
                    continue
            running = True
            with open("/proc/%s/stat" % pid) as handle:
                stat_text = handle.read()
            with open("/proc/stat") as handle:
                booted = boot_epoch(handle.read())
            starts.append(process_start_epoch(stat_text, booted, os.sysconf("SC_CLK_TCK")))
        except (IOError, OSError, ValueError, IndexError):
            continue
    return running, (min(starts) if starts else None)


class Session:
    """One POP3 connection, line by line."""

    def __init__(self, host, port, timeout):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.buffer = b""

    def line(self):
        while b"\r\n" not in self.buffer and b"\n" not in self.buffer:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise EOFError("the server closed the connection")
            self.buffer += chunk
            if len(self.buffer) > 65536:
                raise EOFError("no end of line in 64 KiB")
        line, _sep, self.buffer = self.buffer.replace(b"\r\n", b"\n", 1).partition(b"\n")
        return line.decode("utf-8", "replace").strip()

    def command(self, text):
        self.sock.sendall(text.encode("utf-8") + b"\r\n")
        return self.line()

    def close(self):
        self.sock.close()


def dialogue(module):
    params = module.params
    greeting = {"ok": False, "line": "", "error": ""}
    login = {"tried": bool(params["user"]), "ok": False, "stat": None, "error": ""}
    try:
        session = Session(params["host"], params["port"], params["timeout"])
    except (OSError, socket.timeout) as exc:
        greeting["error"] = "cannot connect to %s:%d: %s" % (params["host"], params["port"], exc)
        if login["tried"]:
            login["error"] = "no connection, so no login"
        return greeting, login
    try:
        greeting["line"] = session.line()
        greeting["ok"] = reply_ok(greeting["line"])
        if not greeting["ok"] and params["user"]:
            login["error"] = "no +OK greeting, so no login"
        if greeting["ok"] and params["user"]:
            reply = session.command("USER %s" % params["user"])
            if reply_ok(reply):
                reply = session.command("PASS %s" % params["password"])
            if reply_ok(reply):
                reply = session.command("STAT")
                login["stat"] = stat_reply(reply)
                login["ok"] = login["stat"] is not None
            if not login["ok"]:
                login["error"] = "the server answered: %s" % reply[:200]
        session.command("QUIT")
    except (OSError, EOFError, socket.timeout) as exc:
        if not greeting["line"]:
            greeting["error"] = "no greeting from %s:%d: %s" % (params["host"], params["port"], exc)
        elif params["user"] and not login["ok"] and not login["error"]:
            login["error"] = str(exc)
    finally:
        session.close()
    return greeting, login


def inetd_log(module, since):
    """inetd's log lines since an epoch time."""
    journalctl = module.get_bin_path("journalctl")
    if journalctl:
        rc, out, _err = module.run_command(
            [journalctl, "--no-pager", "-q", "-o", "short-iso", "--since", "@%d" % since, "-t", "inetd"],
            environ_update={"LC_ALL": "C"})
        if rc == 0:
            return out.splitlines()
    # Without journald, syslog's file; its lines are not filtered by age.
    return (read("/var/log/syslog") or "").splitlines()[-5000:]


def main():
    module = AnsibleModule(
        argument_spec=dict(
            inetd_conf=dict(type="path", default="/etc/inetd.conf"),
            services=dict(type="list", elements="str", default=["pop3", "pop-3", "110"]),
            host=dict(type="str", default="127.0.0.1"),
            port=dict(type="int", default=110),
            timeout=dict(type="int", default=10),
            user=dict(type="str", default=""),
            password=dict(type="str", default="", no_log=True),
            wrapper_clients=dict(type="list", elements="str", default=[]),
            hosts_allow=dict(type="path", default="/etc/hosts.allow"),
            hosts_deny=dict(type="path", default="/etc/hosts.deny"),
            looping_window=dict(type="int", default=11),
        ),
        supports_check_mode=True,
    )
    params = module.params
    services = tuple(params["services"])
    conf = read(params["inetd_conf"])
    entries = parse_inetd(conf or "", services)
    enabled = [e for e in entries if e["state"] == "enabled"]
    daemon = enabled[0]["daemon"] if enabled else (entries[0]["daemon"] if entries else "popa3d")

    wrappers = {"daemon": daemon, "allow": wrapper_lines(read(params["hosts_allow"]) or "", daemon),
                "deny": wrapper_lines(read(params["hosts_deny"]) or "", daemon), "clients": []}
    if params["wrapper_clients"]:
        tcpdmatch = module.get_bin_path("tcpdmatch")
        if tcpdmatch is None:
            module.fail_json(msg="tcpdmatch is not installed: install Debian's tcpd package, or leave wrapper_clients empty")
        for client in params["wrapper_clients"]:
            rc, out, err = module.run_command([tcpdmatch, daemon, client], environ_update={"LC_ALL": "C"})
            wrappers["clients"].append({"client": client, "access": tcpdmatch_access(out),
                                        "error": "" if rc == 0 else err.strip()})

    # A "looping" message before inetd last started is over: a restart
    # reopens the port at once.
    running, started = inetd_start()
    since = time.time() - 60 * params["looping_window"]
    if started is not None:
        since = max(since, started)
    looping = looping_messages(inetd_log(module, since), services)

    greeting, login = dialogue(module)
    module.exit_json(
        changed=False,
        inetd_conf_found=conf is not None,
        entries=entries,
        enabled_entry=enabled[0] if enabled else {},
        inetd_running=running,
        looping=looping,
        greeting=greeting,
        login=login,
        wrappers=wrappers,
    )


if __name__ == "__main__":
    main()
