# -*- coding: utf-8 -*-
# Copyright: sysfix.hardening contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure parsers for TCP connection tables: /proc/net/tcp{,6}, ss -tan, netstat -tan[W].

The runbook counts clients with ``netstat -na | grep ES | awk '{print $5}' | sort``.
These functions give that answer for every source, per state and per remote
address, with IPv4-mapped IPv6 (``::ffff:a.b.c.d``) folded to IPv4 so that a
dual-stack listener's IPv4 clients count once whatever the tool prints
(netstat prints them as plain IPv4 on ``tcp6`` lines, ss as
``[::ffff:a.b.c.d]``, /proc/net/tcp6 as hex).

Nothing here reads a file or runs a command: the caller passes text (str or
bytes), a list of lines, or an open file, which is then read line by line so
that memory grows with the number of distinct peers, not with the number of
lines. A line that cannot be understood is counted in ``malformed_count`` and
the first ``MAX_SAMPLES`` are kept with their line numbers; nothing is dropped
silently and no exception escapes on any text.

Speed: every line is handled as bytes (a str input is encoded once, which
costs far less than decoding line by line), with one ``split()`` per line;
the remote address is counted as printed in a dict per state and read once,
the first time it is seen (its canonical form is kept for the answer; a
dotted-quad IPv4 address, the usual peer, is checked by one regular
expression instead of ipaddress).
Lines of an unusual shape (headers, ``ss -an`` with a Netid column, other
protocols) leave the fast loop for a thorough one-line parser, so the
common case pays for nothing else. netstat text and binary files are read
a block of about ``BLOCK_BYTES`` at a time: when every line of a block is
six fields of a TCP connection (checked for the whole block in a few C
calls), the block is split in one call and counted column-wise with
``compress`` and ``Counter``, with no Python code run per line (about a
fifth less time); any other block goes through the line loop, which gives the
same answer (a unit test holds the two together).
"""

from __future__ import annotations

import io
import ipaddress
import itertools
import re
from collections import Counter
from itertools import compress, repeat
from operator import and_, contains, itemgetter

from ansible_collections.sysfix.hardening.plugins.module_utils.text import clip as _clip, whole_line_slices

# netstat's spelling is the canonical one: it is what the runbook greps for.
STATES = (
    "ESTABLISHED",
    "SYN_SENT",
    "SYN_RECV",
    "FIN_WAIT1",
    "FIN_WAIT2",
    "TIME_WAIT",
    "CLOSE",
    "CLOSE_WAIT",
    "LAST_ACK",
    "LISTEN",
    "CLOSING",
    "NEW_SYN_RECV",
    "UNKNOWN",
)

# include/net/tcp_states.h; /proc/net/tcp prints the number in hex.
PROC_STATES = {
    "01": "ESTABLISHED",
    "02": "SYN_SENT",
    "03": "SYN_RECV",
    "04": "FIN_WAIT1",
    "05": "FIN_WAIT2",
    "06": "TIME_WAIT",
    "07": "CLOSE",
    "08": "CLOSE_WAIT",
    "09": "LAST_ACK",
    "0A": "LISTEN",
    "0B": "CLOSING",
    "0C": "NEW_SYN_RECV",
}

# ss(8) names, from iproute2's misc/ss.c sstate_name[].
SS_STATES = {
    "ESTAB": "ESTABLISHED",
    "SYN-SENT": "SYN_SENT",
    "SYN-RECV": "SYN_RECV",
    "FIN-WAIT-1": "FIN_WAIT1",
    "FIN-WAIT-2": "FIN_WAIT2",
    "TIME-WAIT": "TIME_WAIT",
    "UNCONN": "CLOSE",
    "CLOSE-WAIT": "CLOSE_WAIT",
    "LAST-ACK": "LAST_ACK",
    "LISTEN": "LISTEN",
    "CLOSING": "CLOSING",
    "NEW-SYN-RECV": "NEW_SYN_RECV",
    "UNKNOWN": "UNKNOWN",
}

# What `netstat -na` and `ss -an` print besides TCP: counted, not malformed.
NETSTAT_OTHER_PROTOCOLS = frozenset(
    [b"udp", b"udp6", b"udpl", b"udpl6", b"raw", b"raw6", b"unix", b"sctp", b"sctp6", b"ax25",
     b"ipx", b"netrom", b"x25", b"bluetooth"]
)
SS_OTHER_NETIDS = frozenset(
    [b"udp", b"raw", b"u_str", b"u_dgr", b"u_seq", b"nl", b"p_raw", b"p_dgr", b"v_str", b"v_dgr",
     b"mptcp", b"sctp", b"xdp", b"tipc", b"icmp6"]
)
NETSTAT_HEADERS = frozenset([b"Active", b"Proto"])
SS_HEADERS = frozenset([b"State", b"Recv-Q", b"Netid"])

# netstat without -W prints at most 23 characters of "address:port"
# (net-tools netstat.c addr_do_one() cuts the address to 22 - len(port)).
# A longer IPv6 address loses its tail, and what is left can still parse as
# an address, a wrong one.
NETSTAT_NARROW_WIDTH = 23
# The shortest address netstat leaves after a cut: 22 characters less a 5-digit port.
RISKY_LENGTH = NETSTAT_NARROW_WIDTH - 1 - 5

MAX_SAMPLES = 50

# Remote addresses that are no peer: a listening or unconnected socket.
WILDCARDS = frozenset(["*", "0.0.0.0", "::", "[::]", ""])

SOURCES = ("proc", "ss", "netstat")

# Errors a line of an unexpected shape or type raises in the fast loops.
_LINE_ERRORS = (IndexError, TypeError, AttributeError, ValueError)

_CHUNK = 1 << 20
# Bytes per block of the column-wise netstat counting (about 400 lines): the
# block's tokens stay in the processor's cache.
BLOCK_BYTES = 1 << 15

_B_NETSTAT_STATES = dict((name.encode(), name) for name in STATES)
_B_PROC_STATES = dict((code.encode(), name) for code, name in PROC_STATES.items())
_B_SS_STATES = dict((name.encode(), canonical) for name, canonical in SS_STATES.items())
_B_TCP = frozenset([b"tcp", b"tcp6"])
_B_NETSTAT_NAMES = frozenset(_B_NETSTAT_STATES)
# ``58 in field`` is a memchr; ``b":" in field`` first tries the bytes as an integer and fails.
_COLON = ord(":")
_DIGITS = b"0123456789"
_LAST = itemgetter(2)
# Marks the end of each line of a block as a token of its own (see _netstat_block).
_MARK = b"\0"
# The mark of an address not yet in a cache whose values may be None or False.
_UNSEEN = object()


def normalize_state(name):
    """Return the canonical (netstat) name of a TCP state in any spelling, or None.

    Accepts netstat's ``SYN_RECV``, ss's ``SYN-RECV``/``ESTAB``/``FIN-WAIT-1``,
    ss's filter names (``syn-recv``, ``established``) and the hex code of
    /proc/net/tcp (``03``).
    """
    if not isinstance(name, str):
        return None
    upper = name.strip().upper()
    if upper in _STATE_SET:
        return upper
    if upper in SS_STATES:
        return SS_STATES[upper]
    if upper in PROC_STATES:
        return PROC_STATES[upper]
    folded = upper.replace("-", "_")
    if folded in _STATE_SET:
        return folded
    if folded in ("FIN_WAIT_1", "FIN_WAIT_2"):
        return folded.replace("_WAIT_", "_WAIT")
    return None


_STATE_SET = frozenset(STATES)


def canonical_address(text):
    """Return the canonical text of an address as a tool printed it, or None.

    Brackets (``[::1]``) go, IPv6 is compressed, an IPv4-mapped IPv6 address
    becomes the IPv4 address, a scope (``%eth0``) is kept.
    """
    if isinstance(text, (bytes, bytearray)):
        text = bytes(text).decode("ascii", "replace")
    if not isinstance(text, str) or not text:
        return None
    if _is_canonical_ipv4(text):
        # Most peers: ipaddress would give the same text back, 20 times slower.
        return text
    scope = ""
    if text[0] == "[":
        end = text.find("]")
        if end < 0:
            return None
        scope = text[end + 1:]
        text = text[1:end]
        if scope and scope[0] != "%":
            return None
    try:
        address = ipaddress.ip_address(text + scope)
    except ValueError:
        return None
    if address.version == 6:
        mapped = address.ipv4_mapped
        if mapped is not None:
            return str(mapped)
    return str(address)


# Dotted-quad IPv4 exactly as ipaddress prints it: no leading zeros, octets to 255.
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_is_canonical_ipv4 = re.compile(r"(?:%s\.){3}%s" % (_OCTET, _OCTET)).fullmatch


def proc_hex_to_address(hexaddr, byteorder="little"):
    """Decode an address as /proc/net/tcp{,6} prints it, or return None.

    The kernel prints the address as 32-bit words in host byte order
    (``0100007F`` is 127.0.0.1 on x86), so the words are swapped back on a
    little-endian host.
    """
    if isinstance(hexaddr, (bytes, bytearray)):
        hexaddr = bytes(hexaddr).decode("ascii", "replace")
    if not isinstance(hexaddr, str) or len(hexaddr) not in (8, 32):
        return None
    try:
        raw = bytes.fromhex(hexaddr)
    except ValueError:
        return None
    if len(raw) not in (4, 16):
        return None
    if byteorder == "little":
        raw = b"".join(raw[i:i + 4][::-1] for i in range(0, len(raw), 4))
    if len(raw) == 4:
        # What str(ipaddress.IPv4Address(raw)) gives, without building one.
        return "%d.%d.%d.%d" % tuple(raw)
    address = ipaddress.IPv6Address(raw)
    mapped = address.ipv4_mapped
    return str(mapped) if mapped is not None else str(address)


def _split_chunks(data):
    """Yield the lines of a bytes buffer a megabyte at a time (no list of every line)."""
    return map(_block_lines, whole_line_slices(data, _CHUNK, b"\n"))


def encode_text(text):
    """Bytes of a str, whatever it holds (a lone surrogate becomes ``?``)."""
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace")


def _encode(line):
    if isinstance(line, str):
        return encode_text(line)
    return line


def byte_lines(text_or_lines):
    """An iterator over the lines of any input, each as bytes.

    A str is encoded once; a bytes buffer is split a megabyte at a time; an
    open binary file is iterated as it is (the fastest way to read one); a
    text file or a list of str is encoded line by line.
    """
    if text_or_lines is None:
        return iter(())
    if isinstance(text_or_lines, str):
        text_or_lines = encode_text(text_or_lines)
    if isinstance(text_or_lines, (bytes, bytearray)):
        return itertools.chain.from_iterable(_split_chunks(bytes(text_or_lines)))
    iterator = iter(text_or_lines)
    for first in iterator:
        if isinstance(first, (bytes, bytearray)):
            return itertools.chain([first], iterator)
        return map(_encode, itertools.chain([first], iterator))
    return iter(())


def byte_blocks(text_or_lines):
    """Blocks of whole lines: ``(bytes, None)`` from text, bytes or a binary file,
    ``(None, [lines])`` from anything else (a list of lines, a text file).

    A bytes block holds whole lines of about ``BLOCK_BYTES`` (the last line
    of the input may lack its newline).
    """
    if text_or_lines is None:
        return
    if isinstance(text_or_lines, str):
        text_or_lines = encode_text(text_or_lines)
    if isinstance(text_or_lines, (bytes, bytearray)):
        for data in whole_line_slices(bytes(text_or_lines), BLOCK_BYTES, b"\n"):
            yield data, None
        return
    if isinstance(text_or_lines, (io.BufferedIOBase, io.RawIOBase)):
        rest = b""
        while True:
            chunk = text_or_lines.read(BLOCK_BYTES)
            if not chunk:
                break
            chunk = rest + chunk
            cut = chunk.rfind(b"\n") + 1
            rest = chunk[cut:]
            if cut:
                yield chunk[:cut], None
        if rest:
            yield rest, None
        return
    lines = byte_lines(text_or_lines)
    while True:
        block = list(itertools.islice(lines, 256))
        if not block:
            return
        yield None, block


def _block_lines(data):
    """The lines of a bytes block (the newline that ends it starts no line)."""
    lines = data.split(b"\n")
    if data.endswith(b"\n"):
        lines.pop()
    return lines


class ConnectionTable:
    """Counts TCP connections per state and per remote address.

    Feed it one or more sources (``feed_proc`` for /proc/net/tcp and tcp6,
    ``feed_ss``, ``feed_netstat``), then call ``result()``. Only connections
    that pass the filters are counted: ``local_ports`` (the server's ports,
    for example 80) and ``states`` (any spelling, see ``normalize_state``).
    A line counts when its protocol, state and remote ``address:port`` are
    well-formed; the local address is read only for the port filter.
    """

    def __init__(self, local_ports=None, states=None):
        self.local_ports = None
        if local_ports:
            self.local_ports = frozenset(str(int(port)).encode() for port in local_ports)
        self.wanted_states = None
        if states:
            wanted = set()
            for state in states:
                canonical = normalize_state(state)
                if canonical is None:
                    raise ValueError("unknown TCP state %r" % (state,))
                wanted.add(canonical)
            self.wanted_states = frozenset(wanted)
        self.lines = 0
        self.headers = 0
        self.other_protocols = 0
        self.malformed_count = 0
        self.malformed = []
        self.truncated_count = 0
        self.truncated = []
        # {state: {address as printed (bytes): count}} for ss and netstat.
        self._printed = {}
        # {byteorder: {state: {hex address (bytes): count}}} for /proc.
        self._hex = {}
        # Connections counted in a state but for no peer (netstat cut the address).
        self._unattributed = {}
        self._valid_printed = {}
        self._valid_hex = {}
        # Remote fields without their port's digits ("192.0.2.7:") that the
        # column-wise netstat counting has found plainly countable, per ``wide``.
        self._plain_rests = {}
        self._pending_narrow = []
        self._seen_wide = False
        self._risky = set()
        # Counts of risky addresses, kept apart so that the fast path never finds them.
        self._slow_printed = {}

    # -- bookkeeping -------------------------------------------------------
    def _bad(self, source, number, line):
        self.malformed_count += 1
        if len(self.malformed) < MAX_SAMPLES:
            self.malformed.append({"source": source, "line": number, "text": _clip(line)})

    def _targets(self, names):
        """``{state as the tool prints it: the count dict of its canonical state}`` for wanted states."""
        wanted = self.wanted_states
        return dict(
            (printed, self._printed.setdefault(canonical, {}))
            for printed, canonical in names.items()
            if wanted is None or canonical in wanted
        )

    def _printed_is_valid(self, address):
        """Whether a printed remote address is an address or a wildcard (cached)."""
        return self._printed_peer(address) is not False

    def _printed_peer(self, address):
        """The canonical text of a printed remote address; None for a wildcard, False for
        no address. Cached: each distinct address is read once, when first seen."""
        peer = self._valid_printed.get(address, _UNSEEN)
        if peer is _UNSEEN:
            text = address.decode("ascii", "replace")
            if text in WILDCARDS:
                peer = None
            else:
                peer = canonical_address(text)
                if peer is None:
                    peer = False
            self._valid_printed[address] = peer
        return peer

    def _add_printed(self, state, address):
        if address in self._risky:
            self._add_printed_slow(state, address)
            return
        counts = self._printed.setdefault(state, {})
        counts[address] = counts.get(address, 0) + 1

    def _add_printed_slow(self, state, address):
        counts = self._slow_printed.setdefault(state, {})
        counts[address] = counts.get(address, 0) + 1

    # -- /proc/net/tcp and /proc/net/tcp6 ----------------------------------
    def feed_proc(self, lines, source="/proc/net/tcp", byteorder="little"):
        """Count the connections of /proc/net/tcp or /proc/net/tcp6 text.

        ``byteorder`` is the host's (``sys.byteorder`` where the file was read).
        """
        ports = None
        if self.local_ports is not None:
            ports = frozenset(("%04X" % int(port)).encode() for port in self.local_ports)
        wanted = self.wanted_states
        by_state = self._hex.setdefault(byteorder, {})
        targets = dict(
            (code, by_state.setdefault(name, {}))
            for code, name in _B_PROC_STATES.items()
            if wanted is None or name in wanted
        )
        known = _B_PROC_STATES
        valid = self._valid_hex.setdefault(byteorder, {})

        numbered = enumerate(byte_lines(lines), 1)
        number, line = 0, b""
        while True:
            try:
                for number, line in numbered:
                    # Only the first four of the 17 fields are read: leave the rest in one piece.
                    parts = line.split(None, 4)
                    counts = targets.get(parts[3])
                    local = parts[1]
                    remote = parts[2]
                    if parts[0][-1:] != b":" or local[-5:-4] != b":" or remote[-5:-4] != b":":
                        self._proc_line(source, number, line, byteorder)
                        continue
                    if counts is None:
                        if parts[3] not in known:
                            self._bad(source, number, line)
                        continue
                    if ports is not None and local[-4:] not in ports:
                        continue
                    hexaddr = remote[:-5]
                    seen = counts.get(hexaddr)
                    if seen is None:
                        if _hex_peer(valid, hexaddr, byteorder) is False:
                            self._bad(source, number, line)
                            continue
                        counts[hexaddr] = 1
                    else:
                        counts[hexaddr] = seen + 1
                break
            except _LINE_ERRORS as exc:
                # A line of an unexpected shape: judged by the thorough parser,
                # then the loop goes on at the next line. An error of the input
                # itself (a text file that cannot be decoded) propagates.
                if isinstance(exc, UnicodeError):
                    raise
                self._proc_line(source, number, line, byteorder)
        self.lines += number

    def _proc_line(self, source, number, line, byteorder):
        """The thorough parser of one /proc/net/tcp line, for lines the fast loop left."""
        parts = _safe_split(line)
        if not parts:
            return
        if parts[0] == b"sl":
            self.headers += 1
            return
        if (len(parts) < 4 or parts[0][-1:] != b":" or parts[1][-5:-4] != b":"
                or parts[2][-5:-4] != b":"):
            self._bad(source, number, line)
            return
        state = _B_PROC_STATES.get(parts[3])
        hexaddr = parts[2][:-5]
        address = _decode_or_false(hexaddr, byteorder)
        if state is None or address is False:
            self._bad(source, number, line)
            return
        if self.wanted_states is not None and state not in self.wanted_states:
            return
        if self.local_ports is not None:
            try:
                port = str(int(parts[1][-4:], 16)).encode()
            except ValueError:
                self._bad(source, number, line)
                return
            if port not in self.local_ports:
                return
        counts = self._hex.setdefault(byteorder, {}).setdefault(state, {})
        counts[hexaddr] = counts.get(hexaddr, 0) + 1

    # -- ss -tan ---------------------------------------------------------------
    def feed_ss(self, lines, source="ss", state=None):
        """Count the connections of ``ss -tan`` output (``-e``, ``-o``, ``-p``, ``-H`` too).

        ``ss -tn state syn-recv`` prints no State column: pass ``state`` then,
        or such lines count as ``UNKNOWN``. ``ss -tan`` with a Netid column
        (``ss -an``) is read too; its other protocols are counted in
        ``other_protocols``.
        """
        assumed = (normalize_state(state) if state else None) or "UNKNOWN"
        ports = self.local_ports
        targets = self._targets(_B_SS_STATES)
        known = _B_SS_STATES

        numbered = enumerate(byte_lines(lines), 1)
        number, line = 0, b""
        while True:
            try:
                for number, line in numbered:
                    parts = line.split(None, 5)
                    counts = targets.get(parts[0])
                    local = parts[3]
                    remote = parts[4]
                    if counts is None:
                        if parts[0] not in known:
                            self._ss_line(source, number, line, assumed)
                        continue
                    address, colon, _port = remote.rpartition(b":")
                    if not colon:
                        self._bad(source, number, line)
                        continue
                    if ports is not None and local[local.rfind(b":") + 1:] not in ports:
                        continue
                    seen = counts.get(address)
                    if seen is None:
                        if not self._printed_is_valid(address):
                            self._bad(source, number, line)
                            continue
                        counts[address] = 1
                    else:
                        counts[address] = seen + 1
                break
            except _LINE_ERRORS as exc:
                # A line of an unexpected shape: judged by the thorough parser,
                # then the loop goes on at the next line. An error of the input
                # itself (a text file that cannot be decoded) propagates.
                if isinstance(exc, UnicodeError):
                    raise
                self._ss_line(source, number, line, assumed)
        self.lines += number

    def _ss_line(self, source, number, line, assumed):
        """The thorough parser of one ss line, for lines the fast loop left."""
        parts = _safe_split(line)
        if not parts:
            return
        if parts[0] in SS_HEADERS:
            self.headers += 1
            return
        first = parts[0]
        if first in _B_SS_STATES:
            state, fields = _B_SS_STATES[first], parts[1:]
        elif first == b"tcp" and len(parts) > 1 and parts[1] in _B_SS_STATES:
            # ss -an: a Netid column comes first.
            state, fields = _B_SS_STATES[parts[1]], parts[2:]
        elif first in SS_OTHER_NETIDS:
            self.other_protocols += 1
            return
        elif first.isdigit():
            # ss -tn state NAME: no State column.
            state, fields = assumed, parts
        else:
            self._bad(source, number, line)
            return
        # Recv-Q and Send-Q are not read; like the local address, they change no count.
        if len(fields) < 4:
            self._bad(source, number, line)
            return
        local, remote = fields[2], fields[3]
        cut = remote.rfind(b":")
        if cut < 0:
            self._bad(source, number, line)
            return
        address = remote[:cut]
        if not self._printed_is_valid(address):
            self._bad(source, number, line)
            return
        if self.wanted_states is not None and state not in self.wanted_states:
            return
        if self.local_ports is not None and local[local.rfind(b":") + 1:] not in self.local_ports:
            return
        self._add_printed(state, address)

    # -- netstat -tan / -tanW --------------------------------------------------
    def feed_netstat(self, lines, source="netstat", wide=None):
        """Count the connections of ``netstat -tan`` or ``netstat -tanW`` output.

        ``wide`` says whether ``-W`` was given. Without it netstat cuts long
        IPv6 addresses to 23 characters with the port; such a remote address
        is not a peer anyone can block, so the connection counts in its state
        but for no peer, and is listed in ``truncated``. With ``wide=None`` an
        output with a remote address longer than 23 characters is taken to be
        wide, otherwise a 23-character IPv6 address is taken to be cut.
        Other protocols of ``netstat -na`` (udp, unix sockets) are counted in
        ``other_protocols``.
        """
        targets = self._targets(_B_NETSTAT_STATES)
        # {printed state: Counter of remote fields without the port's digits} of
        # the blocks counted column-wise, added per address at the end.
        pending = {}
        number = 0
        for data, block in byte_blocks(lines):
            if data is not None:
                count = data.count(b"\n") + (data[-1:] != b"\n")
                if self._netstat_block(data, count, targets, wide, pending):
                    number += count
                    continue
                block = _block_lines(data)
            self._netstat_lines(enumerate(block, number + 1), source, targets, wide)
            number += len(block)
        for name, tally in pending.items():
            counts = targets[name]
            for rest, seen in tally.items():
                address = rest.rpartition(b":")[0]
                counts[address] = counts.get(address, 0) + seen
        self.lines += number

    def _plainly_valid(self, address, wide):
        """Whether the line loop counts a printed address seen for the first time as it is."""
        return not _may_be_cut(address, wide) and address not in self._risky and self._printed_is_valid(address)

    def _netstat_block(self, data, lines, targets, wide, pending):
        """Count a block of ``lines`` netstat lines column-wise into ``pending``.

        False (nothing counted) for a block the line loop must read: a line
        that is not six fields of a TCP connection, or a remote address seen
        for the first time that the line loop would not count as it is.
        """
        # Each line's end becomes a token of its own, a NUL (the block has none
        # of its own), so that one split() cuts the whole block. There are then
        # as many marks as lines; when every seventh token is one, they are all
        # there, and every line has six fields.
        if data.find(_MARK) >= 0:
            return False
        marked = data.replace(b"\n", b" \0 ")
        if data[-1:] != b"\n":
            marked += b" \0"
        tokens = marked.split()
        # A one-byte token is CPython's shared object for that byte: counting the
        # marks compares identities.
        if len(tokens) != 7 * lines or tokens[6::7].count(_MARK) != lines:
            return False
        state = tokens[5::7]
        names = set(state)
        if not (names <= _B_NETSTAT_NAMES and _B_TCP.issuperset(tokens[0::7])):
            return False
        remote = tokens[4::7]
        ports = self.local_ports
        select = None
        if ports is not None:
            # The line loop finds a remote field without a colon bad before it
            # filters by local port: here such a line would be filtered out unseen.
            if not all(map(contains, remote, repeat(_COLON))):
                return False
            select = list(map(ports.__contains__, map(_LAST, map(bytes.rpartition, tokens[3::7], repeat(b":")))))
        plain = self._plain_rests.setdefault(wide, set())
        chosen = []
        for name in names:
            if name not in targets:
                continue
            rows = map(name.__eq__, state)
            if select is not None:
                rows = map(and_, rows, select)
            # The port's digits are cut off in C ("198.51.100.7:" is left); the
            # address is cut from such a rest once per distinct rest, at the end.
            rests = list(map(bytes.rstrip, compress(remote, rows), repeat(_DIGITS)))
            # Only rests not seen before are judged, as the line loop judges an address.
            if not plain.issuperset(rests):
                for rest in set(rests).difference(plain):
                    address, colon, _port = rest.rpartition(b":")
                    if not colon:
                        return False
                    if self._plainly_valid(address, wide):
                        plain.add(rest)
                    elif address not in targets[name]:
                        return False
            chosen.append((name, rests))
        for name, rests in chosen:
            # Counter.update counts in C.
            pending.setdefault(name, Counter()).update(rests)
        return True

    def _netstat_lines(self, numbered, source, targets, wide):
        """Count netstat lines one by one: ``numbered`` yields (line number, line)."""
        ports = self.local_ports
        known = _B_NETSTAT_STATES
        protos = _B_TCP
        # Printed IPv6 addresses this long may be netstat's cut ones, depending on
        # the length of the port printed after them: judged line by line.
        risky = self._risky

        number, line = 0, b""
        while True:
            try:
                for number, line in numbered:
                    parts = line.split(None, 6)
                    counts = targets.get(parts[5])
                    if parts[0] not in protos:
                        self._netstat_line(source, number, line, wide)
                        continue
                    if counts is None:
                        if parts[5] not in known:
                            self._bad(source, number, line)
                        continue
                    address, colon, _port = parts[4].rpartition(b":")
                    if not colon:
                        self._bad(source, number, line)
                        continue
                    if ports is not None:
                        local = parts[3]
                        if local[local.rfind(b":") + 1:] not in ports:
                            continue
                    seen = counts.get(address)
                    if seen is None:
                        # First sight of this address in this state, or one netstat
                        # may have cut: those never enter the dict of the fast path.
                        if _may_be_cut(address, wide) or address in risky:
                            risky.add(address)
                            if self._narrow(source, number, line, known[parts[5]],
                                            parts[4], address, wide):
                                continue
                            if not self._printed_is_valid(address):
                                self._bad(source, number, line)
                                continue
                            self._add_printed_slow(known[parts[5]], address)
                        elif not self._printed_is_valid(address):
                            self._bad(source, number, line)
                        else:
                            counts[address] = 1
                    else:
                        counts[address] = seen + 1
                break
            except _LINE_ERRORS as exc:
                # A line of an unexpected shape: judged by the thorough parser,
                # then the loop goes on at the next line. An error of the input
                # itself (a text file that cannot be decoded) propagates.
                if isinstance(exc, UnicodeError):
                    raise
                self._netstat_line(source, number, line, wide)

    def _narrow(self, source, number, line, state, remote, address, wide):
        """Judge a remote field netstat may have cut; True when it is not counted for a peer here."""
        if wide is True or len(remote) < NETSTAT_NARROW_WIDTH or b":" not in address:
            return False
        if len(remote) > NETSTAT_NARROW_WIDTH:
            self._seen_wide = True
            return False
        if wide is None:
            # Decided at the end, once the whole output has been seen.
            self._pending_narrow.append((source, number, line, state, address))
        else:
            self._cut(source, number, line, state)
        return True

    def _netstat_line(self, source, number, line, wide):
        """The thorough parser of one netstat line, for lines the fast loop left."""
        parts = _safe_split(line)
        if not parts:
            return
        if parts[0] in NETSTAT_HEADERS:
            self.headers += 1
            return
        if parts[0] in NETSTAT_OTHER_PROTOCOLS:
            self.other_protocols += 1
            return
        if len(parts) < 6 or parts[0] not in _B_TCP or parts[5] not in _B_NETSTAT_STATES:
            self._bad(source, number, line)
            return
        state = _B_NETSTAT_STATES[parts[5]]
        local, remote = parts[3], parts[4]
        cut = remote.rfind(b":")
        if cut < 0:
            self._bad(source, number, line)
            return
        address = remote[:cut]
        if self.wanted_states is not None and state not in self.wanted_states:
            return
        if self.local_ports is not None and local[local.rfind(b":") + 1:] not in self.local_ports:
            return
        if _may_be_cut(address, wide):
            self._risky.add(address)
            if self._narrow(source, number, line, state, remote, address, wide):
                return
        if not self._printed_is_valid(address):
            self._bad(source, number, line)
            return
        self._add_printed(state, address)

    def _cut(self, source, number, line, state):
        self._unattributed[state] = self._unattributed.get(state, 0) + 1
        self.truncated_count += 1
        if len(self.truncated) < MAX_SAMPLES:
            self.truncated.append({"source": source, "line": number, "text": _clip(line)})

    def _settle_pending(self):
        pending, self._pending_narrow = self._pending_narrow, []
        for source, number, line, state, address in pending:
            if not self._seen_wide:
                self._cut(source, number, line, state)
            elif not self._printed_is_valid(address):
                self._bad(source, number, line)
            else:
                self._add_printed(state, address)

    # -- the answer ------------------------------------------------------------
    def counts(self):
        """Return ``(states, peers, syn_recv_peers)`` with canonical peer addresses."""
        self._settle_pending()
        states = dict(self._unattributed)
        peers = {}
        syn_recv = {}

        def add(state, peer, number):
            states[state] = states.get(state, 0) + number
            if peer is None:
                return
            peers[peer] = peers.get(peer, 0) + number
            if state == "SYN_RECV":
                syn_recv[peer] = syn_recv.get(peer, 0) + number

        # Every counted address was read when first seen: its canonical form is cached.
        printed = list(self._printed.items()) + list(self._slow_printed.items())
        for state, counts in printed:
            for address, number in counts.items():
                add(state, self._printed_peer(address) or None, number)
        for byteorder, by_state in self._hex.items():
            decoded = self._valid_hex.setdefault(byteorder, {})
            for state, counts in by_state.items():
                for hexaddr, number in counts.items():
                    add(state, _hex_peer(decoded, hexaddr, byteorder) or None, number)
        return dict((k, v) for k, v in states.items() if v), peers, syn_recv

    def result(self, top=10, threshold=None, exclude=None):
        """Return the counts as a dict (see the connection_stats module's RETURN)."""
        networks = parse_networks(exclude or [])
        states, peers, syn_recv = self.counts()
        return {
            "total": sum(states.values()),
            "lines": self.lines,
            "headers": self.headers,
            "states": dict(sorted(states.items())),
            "peers": peers,
            "peer_count": len(peers),
            "top_peers": top_peers(peers, top, networks),
            "peers_over_threshold": (
                peers_at_least(peers, threshold, networks) if threshold is not None else []
            ),
            "syn_recv": {
                "connections": states.get("SYN_RECV", 0),
                "peers": len(syn_recv),
                "top_peers": top_peers(syn_recv, top, networks),
            },
            "other_protocols": self.other_protocols,
            "truncated_count": self.truncated_count,
            "truncated": self.truncated,
            "malformed_count": self.malformed_count,
            "malformed": self.malformed,
        }


def _may_be_cut(address, wide):
    """Whether a printed IPv6 address is long enough that netstat without -W may have cut it."""
    return wide is not True and len(address) >= RISKY_LENGTH and b":" in address


def _safe_split(line):
    if isinstance(line, str):
        line = encode_text(line)
    if not isinstance(line, (bytes, bytearray)):
        return None
    return bytes(line).split()


def _hex_peer(decoded, hexaddr, byteorder):
    """``_decode_or_false`` of a /proc hex address, kept in ``decoded`` (one dict per byte order)."""
    peer = decoded.get(hexaddr, _UNSEEN)
    if peer is _UNSEEN:
        peer = decoded[hexaddr] = _decode_or_false(hexaddr, byteorder)
    return peer


def _decode_or_false(hexaddr, byteorder):
    """The address of a /proc hex address; None for the wildcard; False when it is none."""
    if hexaddr.strip(b"0") == b"" and len(hexaddr) in (8, 32):
        return None
    address = proc_hex_to_address(hexaddr, byteorder)
    return False if address is None else address


def parse_networks(items):
    """Turn addresses or CIDR networks into ``ipaddress`` networks; ValueError names the bad one."""
    networks = []
    for item in items:
        try:
            networks.append(ipaddress.ip_network(str(item).strip(), strict=False))
        except ValueError:
            raise ValueError("not an address or network: %r" % (item,))
    return networks


def _excluded(peer, networks):
    if not networks:
        return False
    try:
        address = ipaddress.ip_address(peer.split("%", 1)[0])
    except ValueError:
        return False
    return any(address.version == net.version and address in net for net in networks)


def top_peers(peers, count, networks=None):
    """The ``count`` peers with the most connections, most first, ties by address."""
    if not count or count < 0:
        return []
    ranked = sorted(peers.items(), key=lambda item: (-item[1], item[0]))
    chosen = []
    for peer, number in ranked:
        if _excluded(peer, networks):
            continue
        chosen.append({"address": peer, "count": number})
        if len(chosen) >= count:
            break
    return chosen


def peers_at_least(peers, threshold, networks=None):
    """Peers with at least ``threshold`` connections, most first: the block_ip candidates."""
    ranked = sorted(
        ((peer, number) for peer, number in peers.items() if number >= threshold),
        key=lambda item: (-item[1], item[0]),
    )
    return [{"address": peer, "count": number} for peer, number in ranked
            if not _excluded(peer, networks)]


def count_connections(text_or_lines, source, local_ports=None, states=None, top=10,
                      threshold=None, exclude=None, wide=None, byteorder="little", state=None):
    """One call for one text: parse ``source`` (proc, ss or netstat) and return the counts."""
    table = ConnectionTable(local_ports=local_ports, states=states)
    if source == "proc":
        table.feed_proc(text_or_lines, byteorder=byteorder)
    elif source == "ss":
        table.feed_ss(text_or_lines, state=state)
    elif source == "netstat":
        table.feed_netstat(text_or_lines, wide=wide)
    else:
        raise ValueError("unknown source %r, expected one of %s" % (source, ", ".join(SOURCES)))
    return table.result(top=top, threshold=threshold, exclude=exclude)
