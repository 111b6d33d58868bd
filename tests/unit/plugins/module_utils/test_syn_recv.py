"""Half-open connections per port, against /proc/net/tcp{,6} captured during a
real half-open flood in the test images (tests/unit/fixtures/syn_recv/README.md)."""

import pytest
from conftest import FIXTURES

from ansible_collections.sysfix.hardening.plugins.module_utils import syn_recv

CAPTURED = FIXTURES / "syn_recv"
RELEASES = ["debian12", "debian13"]
FLOOD_SOURCES = ["203.0.113.%d" % n for n in range(129, 149)]


def count(release, ports=None):
    lines = []
    for name in ("proc-net-tcp-syn-flood-%s.txt", "proc-net-tcp6-syn-flood-%s.txt"):
        lines += (CAPTURED / (name % release)).read_text().splitlines()
    return syn_recv.count_syn_recv(lines, "little", ports)


@pytest.mark.parametrize("release", RELEASES)
def test_the_flood_counts_on_port_80_from_its_twenty_sources(release):
    per_port, malformed = count(release)
    assert malformed == 0
    assert per_port[80]["syn_recv"] == 40 and per_port[80]["listening"]
    assert per_port[80]["peers"] == dict((source, 2) for source in FLOOD_SOURCES)
    # The other listeners (popa3d on 110, and sendmail on 25 where it runs) have nothing half-open.
    others = [slot for port, slot in per_port.items() if port != 80]
    assert others and all(slot == {"syn_recv": 0, "peers": {}, "listening": True} for slot in others)


@pytest.mark.parametrize("release", RELEASES)
def test_ss_saw_the_same_forty(release):
    lines = (CAPTURED / ("ss-Htn-syn-recv-%s.txt" % release)).read_text().splitlines()
    assert len(lines) == 40 and all("198.51.100.80]:80 " in line for line in lines)


@pytest.mark.parametrize("release", RELEASES)
def test_the_port_filter_keeps_only_the_ports_asked_for(release):
    per_port, _malformed = count(release, ports=[443, 80])
    assert sorted(per_port) == [80]


@pytest.mark.parametrize("release", RELEASES)
def test_the_summary_calls_it_a_flood_over_the_threshold(release):
    ports = syn_recv.summarize(count(release)[0], threshold=20, top=3)
    assert ports[0]["port"] == 80
    assert (ports[0]["syn_recv"], ports[0]["peer_count"], ports[0]["over_threshold"], ports[0]["looks_like"]) == (
        40, 20, True, "flood")
    assert ports[0]["top_peers"] == [{"address": a, "count": 2} for a in sorted(FLOOD_SOURCES)[:3]]
    assert all(p["looks_like"] == "none" and not p["over_threshold"] for p in ports[1:])


def test_few_clients_with_many_each_are_not_called_a_flood():
    # Three idle clients under Apache's TCP_DEFER_ACCEPT, ten connections each.
    per_port = {80: {"syn_recv": 30, "listening": True,
                     "peers": {"203.0.113.9": 10, "203.0.113.10": 10, "198.51.100.7": 10}}}
    assert syn_recv.summarize(per_port, threshold=20)[0]["looks_like"] == "few_clients"
    # One peer with more than a quarter among many: not a spread-out flood either.
    per_port[80] = {"syn_recv": 40, "listening": True,
                    "peers": dict([("203.0.113.9", 11)] + [("203.0.113.%d" % n, 1) for n in range(129, 158)])}
    assert syn_recv.summarize(per_port, threshold=None)[0]["looks_like"] == "few_clients"
    assert syn_recv.summarize(per_port, threshold=None)[0]["over_threshold"] is False


def test_unreadable_lines_are_counted_not_fatal():
    per_port, malformed = syn_recv.count_syn_recv(
        ["  sl  local_address rem_address   st", "   0: garbage", "   1: 0100007F:0050 ZZZZ:0001 03 0 0"], "little")
    assert malformed == 2 and per_port == {80: {"syn_recv": 0, "peers": {}, "listening": False}}


@pytest.mark.parametrize("release", RELEASES)
def test_tcpext_counters_are_read_by_name(release):
    counters = syn_recv.tcpext_counters((CAPTURED / ("proc-net-netstat-%s.txt" % release)).read_text())
    assert sorted(counters) == sorted(syn_recv.TCPEXT_COUNTERS)
    assert all(isinstance(value, int) and value >= 0 for value in counters.values())


def test_tcpext_counters_of_a_file_without_them_are_empty():
    assert syn_recv.tcpext_counters("IpExt: InNoRoutes\nIpExt: 0\n") == {}
