# -*- coding: utf-8 -*-
# Copyright: sysfix.hardening contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure helpers for TCP wrappers (hosts.allow, hosts.deny) client patterns.

hosts_access(5) on Debian 12 and 13 understands an IPv4 address
(198.51.100.7), an IPv4 net/mask pair (198.51.100.0/255.255.255.0), an IPv6
address in brackets ([2001:db8::7]) and an IPv6 [net]/prefixlen pair
([2001:db8::]/32). These helpers turn addresses and CIDR networks into those
forms and refuse anything else.
"""

from __future__ import annotations

import ipaddress

ALL = "ALL"


class PatternError(ValueError):
    """An entry that is neither an address, a network nor an allowed keyword."""


def parse_entry(value, keywords=()):
    """Return an ipaddress network for ``value``, or the keyword itself.

    A network with host bits set (198.51.100.7/24) is refused: it is almost
    always a typo for the address or for the network, and tcpd would read it
    as neither.
    """
    if not isinstance(value, str):
        raise PatternError("must be a string, got %r" % (value,))
    text = value.strip()
    if text in keywords:
        return text
    try:
        return ipaddress.ip_network(text, strict=True)
    except ValueError as exc:
        try:
            network = ipaddress.ip_network(text, strict=False)
        except ValueError:
            raise PatternError("%r is not an IP address or a network in CIDR form" % value) from exc
        raise PatternError(
            "%r has host bits set; the network is %s" % (value, network.with_prefixlen)
        ) from exc


def to_pattern(entry):
    """The hosts_access(5) pattern of a parsed entry."""
    if isinstance(entry, str):
        return entry
    if entry.version == 4:
        if entry.prefixlen == 32:
            return str(entry.network_address)
        return "%s/%s" % (entry.network_address, entry.netmask)
    if entry.prefixlen == 128:
        return "[%s]" % entry.network_address
    return "[%s]/%d" % (entry.network_address, entry.prefixlen)


def contains(outer, inner):
    """Whether every client ``inner`` matches also matches ``outer``."""
    if outer == ALL:
        return True
    if isinstance(outer, str) or isinstance(inner, str):
        return False
    return outer.version == inner.version and inner.subnet_of(outer)


def analyse(lists, keywords=()):
    """Check and convert named lists of addresses and networks.

    ``lists`` maps a name (the variable the list comes from) to its entries.
    Returns ``(patterns, contained, errors)``: the tcpd patterns of each list,
    every entry of one list that lies within an entry of another list, and one
    message per bad entry, each naming ``name[index]``.
    """
    parsed, patterns, errors = {}, {}, []
    for name, entries in lists.items():
        if not isinstance(entries, list):
            errors.append("%s must be a list, got %r" % (name, entries))
            continue
        parsed[name] = []
        for index, value in enumerate(entries):
            try:
                parsed[name].append((index, value, parse_entry(value, keywords)))
            except PatternError as exc:
                errors.append("%s[%d]: %s" % (name, index, exc))
        patterns[name] = [to_pattern(entry) for _i, _v, entry in parsed[name]]
    contained = []
    for inner_name, inner_entries in parsed.items():
        for outer_name, outer_entries in parsed.items():
            if inner_name == outer_name:
                continue
            for inner_index, inner_value, inner in inner_entries:
                for outer_index, outer_value, outer in outer_entries:
                    if contains(outer, inner):
                        contained.append({
                            "inner": "%s[%d]" % (inner_name, inner_index),
                            "inner_value": inner_value,
                            "inner_list": inner_name,
                            "outer": "%s[%d]" % (outer_name, outer_index),
                            "outer_value": outer_value,
                            "outer_list": outer_name,
                        })
    return patterns, contained, errors
