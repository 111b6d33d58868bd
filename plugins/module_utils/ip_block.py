# -*- coding: utf-8 -*-
# Copyright: sysfix.hardening contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure helpers of the ip_block module: what to block, what never to block,
the host-side list of blocks and its log.

The runbook blocks an attacker twice, ``route add -host X reject`` and
``iptables -A INPUT -s X -j DROP``. The module keeps every block it made in
a JSON state file on the host (address, reason, who, when, until when, and
whether it added a route), so that an unblock removes exactly what the block
added and the expiry script installed on the host (``EXPIRY_SCRIPT``) can end
a block with no controller. Nothing here runs a command or touches a file.
"""

from __future__ import annotations

import ipaddress
import json
import re
import time

from ansible_collections.sysfix.hardening.plugins.module_utils.iptables import rule_tag

STATE_VERSION = 1
TTL_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_TTL = re.compile(r"^\s*(\d+)\s*([smhdw]?)\s*$")

# Never blocked, whatever the caller says: each would cut the host off from
# itself or from everyone. (network, why)
ALWAYS_REFUSED = (
    (ipaddress.ip_network("127.0.0.0/8"), "loopback"),
    (ipaddress.ip_network("::1/128"), "loopback"),
    (ipaddress.ip_network("0.0.0.0/32"), "the unspecified address"),
    (ipaddress.ip_network("::/128"), "the unspecified address"),
)


def parse_ttl(value):
    """Seconds of a time to live: ``90``, ``90s``, ``15m``, ``1h``, ``2d``, ``1w``.

    ``None``, ``""`` and ``0`` mean no expiry (0). ValueError names the value.
    """
    if value is None:
        return 0
    if isinstance(value, bool):
        raise ValueError("ttl %r is not a duration such as 30m, 1h or 2d" % (value,))
    if isinstance(value, int):
        if value < 0:
            raise ValueError("ttl %r is negative" % (value,))
        return value
    if not str(value).strip():
        return 0
    match = _TTL.match(str(value))
    if not match:
        raise ValueError("ttl %r is not a duration such as 30m, 1h or 2d" % (value,))
    return int(match.group(1)) * TTL_UNITS[match.group(2) or "s"]


def format_duration(seconds):
    """``3600`` -> ``1h``, ``90`` -> ``1m30s``; ``0`` -> ``never``."""
    if not seconds:
        return "never"
    parts = []
    for unit in ("w", "d", "h", "m", "s"):
        size = TTL_UNITS[unit]
        if seconds >= size:
            parts.append("%d%s" % (seconds // size, unit))
            seconds %= size
    return "".join(parts)


def utc_text(epoch):
    """An epoch as ``2026-11-28T01:02:03Z``, or None."""
    if epoch is None:
        return None
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def parse_target(text):
    """An address or network to block, as an ``ipaddress`` network.

    A network with host bits set (``203.0.113.9/24``) is refused, since it
    is ambiguous: the caller meant the host or the whole network. ValueError
    says what is wrong.
    """
    raw = str(text).strip()
    if not raw:
        raise ValueError("an empty address")
    try:
        return ipaddress.ip_network(raw, strict=True)
    except ValueError:
        pass
    try:
        loose = ipaddress.ip_network(raw, strict=False)
    except ValueError:
        raise ValueError("%r is not an IPv4 or IPv6 address or network" % raw)
    raise ValueError(
        "%r has host bits set: write %s for the one address or %s for the network"
        % (raw, raw.split("/", maxsplit=1)[0], loose)
    )


def parse_networks(items, label):
    """Addresses or networks (host bits allowed) of an allow-list; ValueError names the bad one."""
    networks = []
    for item in items or []:
        try:
            networks.append(ipaddress.ip_network(str(item).strip(), strict=False))
        except ValueError:
            raise ValueError("%s: %r is not an address or network" % (label, item))
    return networks


def family(network):
    return "ipv4" if network.version == 4 else "ipv6"


def refusal(network, protected, min_prefix):
    """Why ``network`` must not be blocked, or None.

    ``protected`` is a list of ``(network, why)``; a block is refused when
    it overlaps any of them (it contains a protected address, or lies inside
    a protected network). ``min_prefix`` is ``{"ipv4": 8, "ipv6": 16}``:
    shorter prefixes block a large part of the Internet and are taken for a
    typo.
    """
    if network.prefixlen == 0:
        return "it is every %s address" % ("IPv4" if network.version == 4 else "IPv6")
    if network.version == 6 and network.subnet_of(ipaddress.ip_network("::ffff:0:0/96")):
        return "it is an IPv4-mapped IPv6 address: block the IPv4 address instead"
    shortest = min_prefix[family(network)]
    if network.prefixlen < shortest:
        return "/%d is wider than the shortest prefix allowed (/%d)" % (network.prefixlen, shortest)
    for other, why in tuple(ALWAYS_REFUSED) + tuple(protected):
        if other.version == network.version and network.overlaps(other):
            # Prefixes that overlap are equal, or one holds the other.
            shown = other.network_address if other.num_addresses == 1 else other
            if network == other:
                return "it is %s, %s" % (shown, why)
            if network.subnet_of(other):
                return "it is inside %s, %s" % (shown, why)
            return "it contains %s, %s" % (shown, why)
    return None


def own_addresses(ip_addr_json):
    """``(address network, interface)`` of every address in ``ip -j addr show`` output."""
    found = []
    for link in json.loads(ip_addr_json or "[]"):
        for info in link.get("addr_info", []):
            local = info.get("local")
            if not local:
                continue
            try:
                address = ipaddress.ip_address(local.split("%")[0])
            except ValueError:
                continue
            found.append((ipaddress.ip_network(address), link.get("ifname", "?")))
    return found


def route_destination(dst):
    """The network of a ``dst`` field of ``ip -j route`` output (``default`` included)."""
    if dst == "default":
        return None
    return ipaddress.ip_network(dst, strict=False)


def default_gateways(ip_route_json):
    """Gateways of the default routes in ``ip -j route show default`` output (multipath too)."""
    gateways = []
    for route in json.loads(ip_route_json or "[]"):
        hops = [route] + list(route.get("nexthops", []))
        for hop in hops:
            gateway = hop.get("gateway")
            if gateway:
                try:
                    gateways.append(ipaddress.ip_address(gateway.split("%")[0]))
                except ValueError:
                    continue
    return gateways


def routes_by_destination(ip_route_json):
    """``{network: route type}`` of ``ip -j route show table main`` output (default left out)."""
    found = {}
    for route in json.loads(ip_route_json or "[]"):
        dst = route.get("dst")
        if not dst or dst == "default":
            continue
        try:
            found[route_destination(dst)] = route.get("type", "unicast")
        except ValueError:
            continue
    return found


def ssh_client_address(environ):
    """The client address of ``SSH_CONNECTION`` (or ``SSH_CLIENT``) in a process environment.

    ``environ`` is a dict or the NUL-separated bytes of ``/proc/PID/environ``.
    """
    if isinstance(environ, (bytes, bytearray)):
        pairs = {}
        for item in bytes(environ).split(b"\0"):
            name, sep, value = item.partition(b"=")
            if sep:
                pairs[name.decode("utf-8", "replace")] = value.decode("utf-8", "replace")
        environ = pairs
    for name in ("SSH_CONNECTION", "SSH_CLIENT"):
        words = (environ.get(name) or "").split()
        if words:
            try:
                address = ipaddress.ip_address(words[0].split("%")[0])
            except ValueError:
                continue
            mapped = getattr(address, "ipv4_mapped", None)
            return str(mapped or address)
    return None


def parent_pid(stat_text):
    """The parent pid in ``/proc/PID/stat`` (the name in parentheses may hold anything)."""
    return int(stat_text[stat_text.rindex(")") + 2:].split()[1])


def entry_rule(address):
    """The iptables rule of a block (without the chain and the comment)."""
    return "-s %s -j DROP" % address


def new_entry(network, reason, who, now, ttl, route):
    """A block as the state file keeps it. ``route`` is ``added``, ``existing`` or ``none``."""
    address = str(network)
    expires = now + ttl if ttl else None
    return {
        "address": address,
        "family": family(network),
        "rule": entry_rule(address),
        "tag": rule_tag(entry_rule(address)),
        "reason": reason,
        "who": who,
        "added": now,
        "added_at": utc_text(now),
        "ttl": ttl,
        "expires": expires,
        "expires_at": utc_text(expires),
        "route": route,
    }


def sort_entries(entries):
    """Entries in the order their rules stand in the chains: by family, then by network."""
    return sorted(entries, key=lambda e: (e["family"], ipaddress.ip_network(e["address"])))


def split_expired(entries, now):
    """``(still active, expired)``; a block with no expiry never expires."""
    active = [e for e in entries if not e.get("expires") or e["expires"] > now]
    expired = [e for e in entries if e.get("expires") and e["expires"] <= now]
    return active, expired


def load_state(text):
    """The entries of a state file; ValueError when it is not one."""
    if text is None or not text.strip():
        return []
    data = json.loads(text)
    if not isinstance(data, dict) or not isinstance(data.get("entries"), list):
        raise ValueError("not a sysfix ip_block state file (no entries list)")
    for entry in data["entries"]:
        if not isinstance(entry, dict) or not {"address", "family", "tag", "route"} <= set(entry):
            raise ValueError("an entry lacks address, family, tag or route: %r" % (entry,))
    return data["entries"]


def state_text(entries):
    return json.dumps({"version": STATE_VERSION, "entries": sort_entries(entries)}, indent=2, sort_keys=True) + "\n"


def log_line(now, action, entry, who, reason):
    """One line of the audit log; free text is JSON-quoted, so it cannot forge a line."""
    fields = [
        utc_text(now),
        action,
        entry["address"],
        "who=%s" % json.dumps(who),
        "reason=%s" % json.dumps(reason),
    ]
    if action == "block":
        fields.append("ttl=%s" % format_duration(entry.get("ttl") or 0))
        fields.append("expires=%s" % (entry.get("expires_at") or "never"))
        fields.append("route=%s" % entry["route"])
    return " ".join(fields) + "\n"


def describe(entry, now):
    """A short line for summaries: address, reason, who, since, expiry."""
    if entry.get("expires"):
        left = max(0, entry["expires"] - now)
        until = "expires %s (in %s)" % (entry["expires_at"], format_duration(left) if left else "0s")
    else:
        until = "no expiry"
    return "%s reason=%s by %s since %s, %s%s" % (
        entry["address"], json.dumps(entry.get("reason", "")), entry.get("who", "?"),
        entry.get("added_at", "?"), until, ", unreachable route" if entry["route"] == "added" else "")


def listing(entries, now):
    """The blocks as diff text, one per line."""
    return "".join(describe(e, now) + "\n" for e in sort_entries(entries))


# Installed as /usr/local/sbin/sysfix-ip-block. Runs with no controller:
# `expire` (from sysfix-ip-block-expire.timer) ends the blocks whose time is
# up; `boot` (sysfix-ip-block.service, after sysfix-iptables.service has put
# the chains back) does the same and puts back the unreachable routes, which
# the kernel forgets at reboot. It only removes lines that carry an expired
# block's tag, from the chain and from the file sysfix-iptables.service
# restores at boot, so what is left is exactly what the module would write.
EXPIRY_SCRIPT = r'''#!/usr/bin/python3
# Installed by sysfix.hardening (module ip_block). Ends blocks whose time is
# up and, at boot, puts back their unreachable routes. Usage: %(script)s expire|boot
import fcntl
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time

STATE = %(state)r
LOG = %(log)r
PERSIST_DIR = %(persist_dir)r
CHAIN = %(chain)r
WHO = "sysfix-ip-block (expiry timer, no controller)"


def run(args):
    proc = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, env=dict(os.environ, LC_ALL="C"))
    return proc.returncode, proc.stdout, proc.stderr


def replace(path, text, mode=0o644):
    handle, temp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".sysfix-")
    with os.fdopen(handle, "w") as out:
        out.write(text)
    os.chmod(temp, mode)
    os.rename(temp, path)


def utc(epoch):
    return time.strftime("%%Y-%%m-%%dT%%H:%%M:%%SZ", time.gmtime(epoch))


def unblock_family(command, suffix, tags, empty):
    """Delete the expired rules; with no block left, the chain, its jumps and its file."""
    errors = 0
    path = os.path.join(PERSIST_DIR, CHAIN + suffix)
    lines = open(path).read().splitlines(True) if os.path.exists(path) else []
    if empty:
        for line in lines:
            if line.startswith("-I "):
                words = shlex.split(line)
                # Also a copy netfilter-persistent saved and restored; bounded all the same.
                for _copy in range(16):
                    if run([command, "-w", "-D", words[1]] + words[3:])[0] != 0:
                        break
        run([command, "-w", "-F", CHAIN])
        rc, _out, err = run([command, "-w", "-X", CHAIN])
        if rc != 0 and "No chain" not in err and "does not exist" not in err:
            sys.stderr.write("sysfix-ip-block: %%s -X %%s: %%s" %% (command, CHAIN, err))
            errors += 1
        if os.path.exists(path):
            os.unlink(path)
        return errors
    rc, out, err = run([command, "-w", "-S", CHAIN])
    for line in out.splitlines():
        if line.startswith("-A ") and any(tag in line for tag in tags):
            if run([command, "-w", "-D"] + shlex.split(line)[1:])[0] != 0:
                errors += 1
    if lines:
        replace(path, "".join(l for l in lines if not any(tag in l for tag in tags)))
    return errors


def main(argv):
    action = argv[1] if len(argv) > 1 else "expire"
    if action not in ("expire", "boot"):
        sys.stderr.write("usage: %%s expire|boot\n" %% argv[0])
        return 2
    if not os.path.exists(STATE):
        return 0
    with open(STATE + ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        data = json.load(open(STATE))
        entries = data.get("entries", [])
        now = int(time.time())
        expired = [e for e in entries if e.get("expires") and e["expires"] <= now]
        active = [e for e in entries if e not in expired]
        errors = 0
        for family, command, suffix in (("ipv4", "iptables", ".v4"), ("ipv6", "ip6tables", ".v6")):
            tags = [e["tag"] for e in expired if e["family"] == family]
            if tags:
                empty = not [e for e in active if e["family"] == family]
                errors += unblock_family(command, suffix, tags, empty)
        for entry in expired:
            if entry["route"] == "added":
                version = "-6" if entry["family"] == "ipv6" else "-4"
                run(["ip", version, "route", "del", "unreachable", entry["address"]])
        if action == "boot":
            for entry in active:
                if entry["route"] == "added":
                    version = "-6" if entry["family"] == "ipv6" else "-4"
                    rc, _out, err = run(["ip", version, "route", "replace", "unreachable", entry["address"]])
                    if rc != 0:
                        sys.stderr.write("sysfix-ip-block: route %%s: %%s" %% (entry["address"], err))
                        errors += 1
        if expired:
            data["entries"] = active
            replace(STATE, json.dumps(data, indent=2, sort_keys=True) + "\n")
            with open(LOG, "a") as log:
                for entry in expired:
                    log.write("%%s expire %%s who=%%s reason=%%s\n" %% (
                        utc(now), entry["address"], json.dumps(WHO),
                        json.dumps("time to live ended (%%s)" %% entry.get("expires_at"))))
            print("ended %%d block(s): %%s" %% (len(expired), ", ".join(e["address"] for e in expired)))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
'''

BOOT_UNIT = """# Installed by sysfix.hardening (module ip_block).
[Unit]
Description=Blocked addresses of sysfix.hardening: expire overdue blocks, put back unreachable routes
After=local-fs.target sysfix-iptables.service
Before=network-pre.target
Wants=network-pre.target
DefaultDependencies=no

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=%(script)s boot

[Install]
WantedBy=multi-user.target
"""

EXPIRY_SERVICE = """# Installed by sysfix.hardening (module ip_block).
[Unit]
Description=End the blocks of sysfix.hardening whose time to live is over

[Service]
Type=oneshot
ExecStart=%(script)s expire
"""

# AccuracySec: systemd's default of one minute would let a block outlive its
# time to live by up to a minute more than the interval.
EXPIRY_TIMER = """# Installed by sysfix.hardening (module ip_block).
[Unit]
Description=Check every %(interval)ds for blocks of sysfix.hardening to end

[Timer]
OnBootSec=%(interval)ds
OnActiveSec=%(interval)ds
OnUnitActiveSec=%(interval)ds
AccuracySec=1s

[Install]
WantedBy=timers.target
"""
