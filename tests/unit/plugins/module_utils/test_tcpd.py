"""TCP wrappers client patterns: addresses and networks in, hosts_access(5) forms out."""

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.sysfix.hardening.plugins.module_utils import tcpd


@pytest.mark.parametrize(
    "value, pattern",
    [
        ("198.51.100.7", "198.51.100.7"),
        ("198.51.100.7/32", "198.51.100.7"),
        ("198.51.100.0/24", "198.51.100.0/255.255.255.0"),
        ("203.0.113.64/26", "203.0.113.64/255.255.255.192"),
        ("127.0.0.1", "127.0.0.1"),
        ("2001:db8::7", "[2001:db8::7]"),
        ("2001:db8::/32", "[2001:db8::]/32"),
        ("2001:DB8:0:0::/64", "[2001:db8::]/64"),
        (" 192.0.2.1 ", "192.0.2.1"),
    ],
)
def test_patterns(value, pattern):
    assert tcpd.to_pattern(tcpd.parse_entry(value)) == pattern


@pytest.mark.parametrize(
    "value, message",
    [
        ("198.51.100.300", "not an IP address or a network"),
        ("198.51.100.0/33", "not an IP address or a network"),
        ("example.org", "not an IP address or a network"),
        ("ALL", "not an IP address or a network"),
        ("", "not an IP address or a network"),
        ("198.51.100.7/24", "has host bits set; the network is 198.51.100.0/24"),
        ("2001:db8::7/32", "has host bits set; the network is 2001:db8::/32"),
        (24, "must be a string"),
    ],
)
def test_bad_entries(value, message):
    with pytest.raises(tcpd.PatternError, match=message):
        tcpd.parse_entry(value)


def test_keywords_pass_through_only_when_allowed():
    assert tcpd.to_pattern(tcpd.parse_entry("ALL", keywords=("ALL",))) == "ALL"


def test_analyse_names_the_list_and_index_of_each_bad_entry():
    patterns, contained, errors = tcpd.analyse(
        {"allowed": ["198.51.100.0/24", "bogus"], "denied": ["203.0.113.9", "10.1/8"]}
    )
    assert errors == [
        "allowed[1]: 'bogus' is not an IP address or a network in CIDR form",
        "denied[1]: '10.1/8' is not an IP address or a network in CIDR form",
    ]
    assert patterns == {"allowed": ["198.51.100.0/255.255.255.0"], "denied": ["203.0.113.9"]}
    assert contained == []


def test_analyse_refuses_a_list_that_is_not_a_list():
    _patterns, _contained, errors = tcpd.analyse({"denied": "198.51.100.7"})
    assert errors == ["denied must be a list, got '198.51.100.7'"]


def test_analyse_reports_entries_within_another_list():
    _patterns, contained, errors = tcpd.analyse(
        {"allowed": ["198.51.100.0/24", "2001:db8::/32"], "denied": ["198.51.100.7", "2001:db8:1::/48", "ALL"]},
        keywords=("ALL",),
    )
    assert errors == []
    pairs = [(c["inner"], c["outer"]) for c in contained]
    assert ("denied[0]", "allowed[0]") in pairs
    assert ("denied[1]", "allowed[1]") in pairs
    # ALL in the denied list covers every allowed entry: that is the usual "deny the rest".
    assert ("allowed[0]", "denied[2]") in pairs
    assert ("denied[2]", "allowed[0]") not in pairs
    assert not any(c["inner"] == "denied[0]" and c["outer"] == "allowed[1]" for c in contained)


@given(st.ip_addresses())
def test_every_address_round_trips(address):
    pattern = tcpd.to_pattern(tcpd.parse_entry(str(address)))
    assert ipaddress.ip_address(pattern.strip("[]")) == address


@given(st.ip_addresses(v=4), st.integers(min_value=0, max_value=32))
def test_every_ipv4_network_becomes_a_net_mask_pair(address, prefix):
    network = ipaddress.ip_network("%s/%d" % (address, prefix), strict=False)
    pattern = tcpd.to_pattern(tcpd.parse_entry(network.with_prefixlen))
    if prefix == 32:
        assert pattern == str(network.network_address)
    else:
        net, mask = pattern.split("/")
        assert ipaddress.ip_network("%s/%s" % (net, mask)) == network
