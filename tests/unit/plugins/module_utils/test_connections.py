"""Connection table parsers against output captured in the Debian 12 and 13 test images.

tests/unit/fixtures/connections/README.md says how the captures were made: one
moment, four views (/proc/net/tcp{,6}, ss -tan, netstat -tanW, netstat -tan)
of the same connections to Apache (dual-stack *:80) and sendmail (127.0.0.1:25).
The expected numbers below follow from what the capture script opened:
4 + 2 + 1 IPv4 clients with a partial request, 2 + 3 IPv6 ones, 3 idle IPv4
clients and 1 idle IPv6 one (TCP_DEFER_ACCEPT: SYN_RECV on the server side),
2 + 1 answered keep-alive clients (CLOSE_WAIT / FIN_WAIT2), 2 SMTP sessions
and 3 closed requests (TIME_WAIT).
"""

import pytest
from conftest import FIXTURES
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.sysfix.hardening.plugins.module_utils import connections

RELEASES = ["debian12", "debian13"]
LONG_V6 = "2001:db8:4b1d:1234:5678:9abc:def0:1234"

STATES = {"CLOSE_WAIT": 3, "ESTABLISHED": 32, "FIN_WAIT2": 3, "LISTEN": 4, "SYN_RECV": 4, "TIME_WAIT": 3}
PEERS = {
    "127.0.0.1": 12,
    "203.0.113.9": 9,
    "::1": 7,
    "192.0.2.44": 6,
    "198.51.100.7": 4,
    "2001:db8::7": 4,
    LONG_V6: 3,
}


def fixture(name, release):
    return (FIXTURES / "connections" / ("%s-%s-apache-loopback.txt" % (name, release))).read_text()


def from_proc(release, **filters):
    table = connections.ConnectionTable(**filters)
    table.feed_proc(fixture("proc-net-tcp", release), source="/proc/net/tcp")
    table.feed_proc(fixture("proc-net-tcp6", release), source="/proc/net/tcp6")
    return table.result(threshold=5)


def every_source(release, **filters):
    return {
        "proc": from_proc(release, **filters),
        "ss": connections.count_connections(fixture("ss-tan", release), "ss", threshold=5, **filters),
        "netstat -W": connections.count_connections(
            fixture("netstat-tanW", release), "netstat", wide=True, threshold=5, **filters),
    }


@pytest.mark.parametrize("release", RELEASES)
def test_every_source_gives_the_same_counts(release):
    for source, result in every_source(release).items():
        assert result["states"] == STATES, source
        assert result["peers"] == PEERS, source
        assert result["total"] == 49 and result["malformed_count"] == 0, source
        assert result["truncated_count"] == 0, source


@pytest.mark.parametrize("release", RELEASES)
def test_headers_and_lines_are_accounted(release):
    result = every_source(release)
    assert result["proc"]["lines"] == 51 and result["proc"]["headers"] == 2
    assert result["ss"]["lines"] == 50 and result["ss"]["headers"] == 1
    assert result["netstat -W"]["lines"] == 51 and result["netstat -W"]["headers"] == 2


@pytest.mark.parametrize("release", RELEASES)
def test_dual_stack_ipv4_clients_fold_to_ipv4(release):
    """netstat prints them plain on tcp6 lines, ss as [::ffff:a.b.c.d], /proc as hex."""
    assert "tcp6       0      0 127.0.0.1:80" in fixture("netstat-tanW", release)
    assert "[::ffff:203.0.113.9]:80" in fixture("ss-tan", release)
    tcp6_only = connections.count_connections(fixture("proc-net-tcp6", release), "proc")
    assert "203.0.113.9" in tcp6_only["peers"]
    assert not any(peer.startswith("::ffff:") for peer in tcp6_only["peers"])
    ss = connections.count_connections(fixture("ss-tan", release), "ss", local_ports=[80],
                                       states=["ESTAB"])
    # 4 clients from 203.0.113.9 with a partial request to 127.0.0.1:80, on Apache's [::]:80.
    assert ss["peers"]["203.0.113.9"] == 4


@pytest.mark.parametrize("release", RELEASES)
def test_netstat_without_w_cuts_long_ipv6_and_the_cut_is_reported(release):
    text = fixture("netstat-tan", release)
    assert "2001:db8:4b1d:123:" in text and LONG_V6 not in text
    for wide in (False, None):
        result = connections.count_connections(text, "netstat", wide=wide)
        assert result["states"] == STATES
        assert result["truncated_count"] == 3
        assert LONG_V6 not in result["peers"] and "2001:db8:4b1d:123" not in result["peers"]
        assert dict(PEERS, **{LONG_V6: 0}) == dict(result["peers"], **{LONG_V6: 0})
        assert all("2001:db8:4b1d:123:" in item["text"] for item in result["truncated"])
    # netstat -tanW, judged without being told: a field longer than 23 characters means wide.
    assert connections.count_connections(fixture("netstat-tanW", release), "netstat")["peers"] == PEERS


@pytest.mark.parametrize("release", RELEASES)
def test_idle_clients_are_syn_recv_on_the_server_side(release):
    """TCP_DEFER_ACCEPT: 3 idle IPv4 clients and 1 idle IPv6 one, but only 2 peers."""
    for source, result in every_source(release, local_ports=[80]).items():
        assert result["syn_recv"]["connections"] == 4, source
        assert result["syn_recv"]["peers"] == 2, source
        assert result["syn_recv"]["top_peers"][0] == {"address": "192.0.2.44", "count": 3}, source
    # The same idle clients see their side as ESTABLISHED: 3 idle and 2 partial client
    # connections to 203.0.113.9:80, and 4 server-side ones from 203.0.113.9 to 127.0.0.1:80.
    clients = connections.count_connections(fixture("ss-tan", release), "ss", states=["ESTABLISHED"])
    assert clients["peers"]["203.0.113.9"] == 3 + 2 + 4


@pytest.mark.parametrize("release", RELEASES)
def test_local_port_and_state_filters(release):
    for source, result in every_source(release, local_ports=[25], states=["established"]).items():
        assert result["states"] == {"ESTABLISHED": 2}, source
        assert result["peers"] == {"127.0.0.1": 2}, source
    for source, result in every_source(release, states=["SYN-RECV", "TIME_WAIT"]).items():
        assert result["states"] == {"SYN_RECV": 4, "TIME_WAIT": 3}, source


@pytest.mark.parametrize("release", RELEASES)
def test_top_peers_threshold_and_exclusions(release):
    result = from_proc(release)
    assert [p["address"] for p in result["top_peers"][:3]] == ["127.0.0.1", "203.0.113.9", "::1"]
    # Ties go by address, so the answer does not depend on dict order.
    assert result["top_peers"][4:6] == [
        {"address": "198.51.100.7", "count": 4},
        {"address": "2001:db8::7", "count": 4},
    ]
    assert [p["address"] for p in result["peers_over_threshold"]] == [
        "127.0.0.1", "203.0.113.9", "::1", "192.0.2.44"]
    table = connections.ConnectionTable()
    table.feed_proc(fixture("proc-net-tcp", release))
    table.feed_proc(fixture("proc-net-tcp6", release))
    kept = table.result(top=2, threshold=5, exclude=["127.0.0.0/8", "::1"])
    assert kept["top_peers"] == [{"address": "203.0.113.9", "count": 9}, {"address": "192.0.2.44", "count": 6}]
    assert kept["peers"]["127.0.0.1"] == 12


def test_truncated_and_mutated_lines_are_counted_with_their_numbers():
    """Synthetic: real lines cut short or garbled, as a full pipe or a bad copy leaves them."""
    lines = fixture("netstat-tanW", "debian12").splitlines()
    lines[5] = lines[5][:30]
    lines[6] = lines[6].replace("ESTABLISHED", "ESTABLISH")
    lines[7] = lines[7].replace("198.51.100.7:41847", "198.51.100.777:41847").replace(
        "203.0.113.9:80", "203.0.113.999:80")
    result = connections.count_connections("\n".join(lines), "netstat", wide=True)
    assert result["malformed_count"] == 3
    assert [item["line"] for item in result["malformed"]] == [6, 7, 8]
    assert result["total"] == 49 - 3

    proc = fixture("proc-net-tcp", "debian12").splitlines()
    proc[3] = proc[3][:20]
    proc[4] = proc[4].replace(" 01 ", " 1F ", 1)
    result = connections.count_connections("\n".join(proc), "proc")
    assert result["malformed_count"] == 2 and [m["line"] for m in result["malformed"]] == [4, 5]


def test_long_ipv6_addresses_in_ss_and_proc():
    """Synthetic: the longest IPv6 text, in ss's brackets and in /proc's hex."""
    longest = "2001:db8:ffff:ffff:ffff:ffff:ffff:fffe"
    ss = ("State Recv-Q Send-Q Local Address:Port Peer Address:Port Process\n"
          "ESTAB 0 0 [2001:db8::1]:80 [%s]:65535\n"
          "ESTAB 0 0 [2001:db8::1]:80 [2001:0db8:0000:0000:0000:0000:0000:0007]:40000\n" % longest)
    result = connections.count_connections(ss, "ss")
    assert result["peers"] == {longest: 1, "2001:db8::7": 1}
    # 2001:db8::7 as the kernel prints it on little-endian x86: 32-bit words byte-swapped.
    proc = ("  sl  local_address                         remote_address                        st\n"
            "   0: B80D0120000000000000000001000000:0050 B80D0120000000000000000007000000:9C40 01\n")
    assert connections.count_connections(proc, "proc")["peers"] == {"2001:db8::7": 1}
    assert connections.count_connections(proc, "proc", byteorder="big")["peers"] == {
        "b80d:120::700:0": 1}


def test_proc_addresses_by_byte_order():
    assert connections.proc_hex_to_address("0100007F") == "127.0.0.1"
    assert connections.proc_hex_to_address("7F000001", "big") == "127.0.0.1"
    assert connections.proc_hex_to_address("0000000000000000FFFF00000100007F") == "127.0.0.1"
    assert connections.proc_hex_to_address("00000000000000000000000001000000") == "::1"
    assert connections.proc_hex_to_address("0100007") is None
    assert connections.proc_hex_to_address("ZZ00007F") is None


def test_ss_variants_state_filter_output_and_netid_column():
    """Synthetic, in the shapes ss prints them."""
    no_state = "0 0 127.0.0.1:80 192.0.2.1:40001\n0 0 127.0.0.1:80 192.0.2.1:40002\n"
    result = connections.count_connections(no_state, "ss", state="syn-recv")
    assert result["states"] == {"SYN_RECV": 2} and result["peers"] == {"192.0.2.1": 2}
    assert connections.count_connections(no_state, "ss")["states"] == {"UNKNOWN": 2}
    netid = ("Netid State Recv-Q Send-Q Local Address:Port Peer Address:Port\n"
             "u_str ESTAB 0 0 * 1234 * 1235\n"
             "udp   UNCONN 0 0 0.0.0.0:68 0.0.0.0:*\n"
             "tcp   ESTAB 0 0 192.0.2.10:22 198.51.100.3:50000\n"
             "tcp   LISTEN 0 128 0.0.0.0:22 0.0.0.0:*\n")
    result = connections.count_connections(netid, "ss")
    assert result["states"] == {"ESTABLISHED": 1, "LISTEN": 1}
    assert result["peers"] == {"198.51.100.3": 1}
    assert result["other_protocols"] == 2 and result["malformed_count"] == 0


def test_netstat_na_other_protocols_are_not_connections():
    text = ("Active Internet connections (servers and established)\n"
            "Proto Recv-Q Send-Q Local Address           Foreign Address         State\n"
            "tcp        0      0 192.0.2.10:80           203.0.113.5:40000       ESTABLISHED\n"
            "udp        0      0 0.0.0.0:68              0.0.0.0:*\n"
            "Active UNIX domain sockets (servers and established)\n"
            "Proto RefCnt Flags       Type       State         I-Node   Path\n"
            "unix  2      [ ACC ]     STREAM     LISTENING     12345    /run/systemd/private\n")
    result = connections.count_connections(text, "netstat")
    assert result["total"] == 1 and result["other_protocols"] == 2
    assert result["headers"] == 4 and result["malformed_count"] == 0


@pytest.mark.parametrize("spelling, canonical", [
    ("ESTABLISHED", "ESTABLISHED"), ("ESTAB", "ESTABLISHED"), ("established", "ESTABLISHED"),
    ("syn-recv", "SYN_RECV"), ("SYN-RECV", "SYN_RECV"), ("03", "SYN_RECV"),
    ("fin-wait-1", "FIN_WAIT1"), ("FIN-WAIT-2", "FIN_WAIT2"), ("0A", "LISTEN"),
    ("SYN_FLOOD", None), ("", None), (3, None),
])
def test_state_spellings(spelling, canonical):
    assert connections.normalize_state(spelling) == canonical


def test_unknown_filters_are_refused():
    with pytest.raises(ValueError, match="unknown TCP state"):
        connections.ConnectionTable(states=["ESTABLISHED", "SYN_FLOOD"])
    with pytest.raises(ValueError, match="not an address or network"):
        connections.count_connections("", "proc", exclude=["203.0.113.0/33"])
    with pytest.raises(ValueError, match="unknown source"):
        connections.count_connections("", "lsof")


def test_a_file_is_read_line_by_line(tmp_path):
    path = tmp_path / "tcp"
    path.write_text(fixture("proc-net-tcp", "debian13"))
    with open(path, "rb") as handle:
        from_file = connections.count_connections(handle, "proc")
    assert from_file == connections.count_connections(fixture("proc-net-tcp", "debian13"), "proc")
    assert from_file["total"] == 20 - 1


# -- the fast loops against the thorough one-line parsers --------------------------------
def thorough(source, text, **kwargs):
    """Count with only the one-line parsers, the reference the fast loops must agree with."""
    table = connections.ConnectionTable()
    for number, line in enumerate(text.split("\n"), 1):
        raw = connections.encode_text(line)
        if source == "proc":
            table._proc_line("t", number, raw, "little")
        elif source == "ss":
            table._ss_line("t", number, raw, "UNKNOWN")
        else:
            table._netstat_line("t", number, raw, kwargs.get("wide"))
    return table.result()


def fast(source, text, **kwargs):
    return connections.count_connections(text, source, **kwargs)


def comparable(result):
    keep = ("total", "states", "peers", "syn_recv", "other_protocols", "truncated_count",
            "malformed_count", "headers")
    return dict((key, result[key]) for key in keep)


@pytest.mark.parametrize("source, name, kwargs", [
    ("proc", "proc-net-tcp", {}), ("proc", "proc-net-tcp6", {}), ("ss", "ss-tan", {}),
    ("netstat", "netstat-tanW", {"wide": True}), ("netstat", "netstat-tan", {"wide": False}),
])
@pytest.mark.parametrize("release", RELEASES)
def test_fast_loops_agree_with_the_thorough_parsers(source, name, kwargs, release):
    text = fixture(name, release)
    assert comparable(fast(source, text, **kwargs)) == comparable(thorough(source, text, **kwargs))


def real_lines():
    lines = []
    for name in ("proc-net-tcp", "proc-net-tcp6", "ss-tan", "netstat-tanW", "netstat-tan"):
        lines.extend(fixture(name, "debian12").splitlines())
    return lines


REAL = real_lines()
NOT_GARBAGE = connections.NETSTAT_OTHER_PROTOCOLS | {b"tcp", b"tcp6", b"sl"}


@st.composite
def mutated_lines(draw):
    """Real lines, some of them cut, garbled, doubled or replaced by arbitrary text."""
    picked = draw(st.lists(st.sampled_from(REAL), min_size=1, max_size=12))
    out = []
    for line in picked:
        how = draw(st.sampled_from(["keep", "cut", "replace", "insert", "noise"]))
        if how == "cut":
            line = line[:draw(st.integers(0, len(line)))]
        elif how == "replace" and line:
            at = draw(st.integers(0, len(line) - 1))
            line = line[:at] + draw(st.characters()) + line[at + 1:]
        elif how == "insert":
            at = draw(st.integers(0, len(line)))
            line = line[:at] + draw(st.text(max_size=5)) + line[at:]
        elif how == "noise":
            line = draw(st.text(max_size=80))
        out.append(line)
    return "\n".join(out)


@settings(max_examples=300, deadline=None)
@given(mutated_lines(), st.sampled_from(["proc", "ss", "netstat"]))
def test_mutated_input_fast_equals_thorough_and_every_line_is_accounted(text, source):
    result = fast(source, text)
    assert comparable(result) == comparable(thorough(source, text))
    counted = result["total"] + result["malformed_count"] + result["other_protocols"] + result["headers"]
    nonblank = sum(1 for line in text.split("\n") if connections.encode_text(line).split())
    assert counted == nonblank


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), st.binary(), st.lists(st.text(), max_size=5)),
       st.sampled_from(["proc", "ss", "netstat"]), st.sampled_from([None, True, False]))
def test_arbitrary_input_never_raises(data, source, wide):
    result = connections.count_connections(data, source, wide=wide, local_ports=[80], states=["ESTAB"])
    assert result["malformed_count"] >= len(result["malformed"])
    assert len(result["malformed"]) <= connections.MAX_SAMPLES


@settings(max_examples=100, deadline=None)
@given(st.lists(st.from_regex(r"[a-z]{1,8}( [a-z0-9]{1,8}){0,7}", fullmatch=True)
                .filter(lambda line: line.split()[0].encode() not in NOT_GARBAGE),
                min_size=1, max_size=20))
def test_garbage_lines_are_each_counted_malformed(garbage):
    for source in ("proc", "netstat"):
        result = connections.count_connections("\n".join(garbage), source)
        assert result["malformed_count"] == len(garbage)
        assert result["total"] == 0


# -- the dotted-quad shortcut against ipaddress ------------------------------------------
def reference_canonical(text):
    """canonical_address as ipaddress alone says it (no shortcut for IPv4)."""
    import ipaddress
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if address.version == 6 and address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    return str(address)


OCTETISH = st.one_of(
    st.integers(0, 300).map(str),
    st.sampled_from(["00", "01", "010", "255", "256", "0x1", "+1", " 1", "1 ", "", "²", "１"]))


@settings(max_examples=500, deadline=None)
@given(st.one_of(
    st.integers(0, 2 ** 32 - 1).map(lambda n: str(__import__("ipaddress").IPv4Address(n))),
    st.lists(OCTETISH, min_size=3, max_size=5).map(".".join),
    st.text(alphabet="0123456789.:abcdef", max_size=20)))
def test_the_ipv4_shortcut_gives_what_ipaddress_gives(text):
    assert connections.canonical_address(text) == reference_canonical(text)


@settings(max_examples=300, deadline=None)
@given(st.binary(min_size=4, max_size=4), st.sampled_from(["little", "big"]))
def test_proc_ipv4_decoding_gives_what_ipaddress_gives(raw, byteorder):
    import ipaddress
    hexaddr = (raw[::-1] if byteorder == "little" else raw).hex().upper()
    assert connections.proc_hex_to_address(hexaddr, byteorder) == str(ipaddress.IPv4Address(raw))


# -- the column-wise netstat blocks against the line loop ------------------------------------
PLAIN_PEERS = ["192.0.2.%d" % host for host in range(1, 40)] + ["2001:db8::%x" % host for host in range(1, 9)] + [
    "::ffff:198.51.100.7", LONG_V6, "2001:db8:4b1d:1234:5678:9abc", "*", "0.0.0.0", "999.1.2.3", ""]
PLAIN_STATES = ["ESTABLISHED"] * 6 + ["TIME_WAIT", "SYN_RECV", "LISTEN", "CLOSE_WAIT"]


@st.composite
def netstat_outputs(draw):
    """A netstat -tan output of a few blocks, plain lines with now and then one mutated."""
    count = draw(st.integers(1, 3 * connections.BLOCK_BYTES // 80))
    seed = draw(st.integers(0, 2 ** 16))
    rng = __import__("random").Random(seed)
    lines = []
    for _line in range(count):
        peer = rng.choice(PLAIN_PEERS)
        local = "2001:db8::10:%s" if ":" in peer else "192.0.2.10:%s"
        remote = "%s:%s" % (peer, rng.choice(["1024", "65535", "*", "5"]))
        lines.append("%-4s  %6d %6d %-23s %-23s %-11s" % (
            "tcp6" if ":" in peer else "tcp", 0, 0, local % rng.choice(["80", "25"]), remote,
            rng.choice(PLAIN_STATES)))
    for _mutation in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, count - 1))
        lines[at] = draw(st.sampled_from([
            "", "udp        0      0 0.0.0.0:68              0.0.0.0:*", lines[at] + " 1234/apache2",
            lines[at][:30], lines[at].replace(":", " ", 1), "tcp 0 0 a b ESTABLISHED", "\0",
            "Proto Recv-Q Send-Q Local Address           Foreign Address         State"]))
    return "\n".join(lines) + draw(st.sampled_from(["", "\n", "\n\n"]))


@settings(max_examples=150, deadline=None)
@given(netstat_outputs(), st.sampled_from([None, True, False]),
       st.sampled_from([{}, {"local_ports": [80]}, {"states": ["ESTABLISHED", "LISTEN"]},
                        {"states": ["TIME_WAIT"], "local_ports": [25]}]),
       st.sampled_from(["str", "bytes", "file"]))
def test_netstat_blocks_agree_with_the_line_loop(text, wide, filters, form):
    """Counted a block at a time or line by line: the same answer, samples and line numbers included."""
    by_blocks, by_lines = both_ways(text, form, wide=wide, **filters)
    assert by_blocks == by_lines
    # Lines as a file has them: a newline ends a line, the text's last line may lack one.
    assert by_lines["lines"] == (len(text.split("\n")) - text.endswith("\n") if text else 0)


def both_ways(text, form="str", **kwargs):
    """count_connections on netstat text with the column-wise blocks, and with the line loop only."""
    import io
    from unittest import mock

    def as_input():
        if form == "bytes":
            return text.encode()
        if form == "file":
            return io.BytesIO(text.encode())
        return text

    with mock.patch.object(connections.ConnectionTable, "_netstat_block", lambda *args: False):
        by_lines = connections.count_connections(as_input(), "netstat", top=100, **kwargs)
    return connections.count_connections(as_input(), "netstat", top=100, **kwargs), by_lines


def test_netstat_lines_of_other_lengths_that_line_up_are_read_line_by_line():
    """Eight fields, then four: the columns of the block still line up, one line's end mark does not."""
    plain = "tcp        0      0 192.0.2.10:80           198.51.100.%d:40000     ESTABLISHED"
    text = "\n".join(["tcp 0 0 192.0.2.10:80 198.51.100.1:40000 ESTABLISHED x tcp",
                      "a b 192.0.2.9:80 ESTABLISHED"] + [plain % (number % 50) for number in range(40)])
    by_blocks, by_lines = both_ways(text)
    assert by_blocks == by_lines
    assert by_lines["malformed_count"] == 1 and "192.0.2.9" not in by_lines["peers"]


def test_plain_netstat_blocks_are_counted_column_wise():
    """The plain blocks of a large output do not fall back to the line loop (the speed depends on it)."""
    from unittest import mock
    text = "".join("tcp        0      0 192.0.2.10:80           198.51.100.%d:%d      ESTABLISHED\n"
                   % (number % 200, 1024 + number) for number in range(5000))
    counted = []
    block = connections.ConnectionTable._netstat_block

    def spy(self, *args):
        counted.append(block(self, *args))
        return counted[-1]

    with mock.patch.object(connections.ConnectionTable, "_netstat_block", spy):
        result = connections.count_connections(text, "netstat", top=1000)
    assert len(counted) > 5 and all(counted)
    assert result["states"] == {"ESTABLISHED": 5000} and len(result["peers"]) == 200
