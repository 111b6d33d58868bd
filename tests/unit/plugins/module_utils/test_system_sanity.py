"""The /dev/null and interface counter judgements, against values captured in
the test images (tests/unit/fixtures/system_sanity/README.md)."""

import stat

import pytest
from conftest import FIXTURES

from ansible_collections.sysfix.hardening.plugins.module_utils import system_sanity

CAPTURED = FIXTURES / "system_sanity"
RELEASES = ["debian12", "debian13"]
NULL = {"mode": stat.S_IFCHR | 0o666, "major": 1, "minor": 3, "uid": 0, "gid": 0, "size": 0}


@pytest.mark.parametrize("release", RELEASES)
def test_the_images_dev_null_is_what_the_module_wants(release):
    # stat prints major and minor in hex; 1:3 either way.
    assert (CAPTURED / ("stat-dev-null-%s.txt" % release)).read_text().strip() == "character special file 1:3 666 root:root"
    assert system_sanity.null_problems(NULL) == []
    assert system_sanity.describe_node(NULL) == "character device 1,3, mode 0666, owner 0:0"


@pytest.mark.parametrize("change, problems", [
    ({"mode": stat.S_IFREG | 0o644, "size": 25}, ["it is not a character device but a regular file"]),
    ({"mode": stat.S_IFLNK | 0o777}, ["it is not a character device but a symbolic link"]),
    ({"mode": stat.S_IFCHR | 0o600}, ["its mode is 0600, not 0666"]),
    ({"minor": 5}, ["it is device 1,5, not 1,3"]),
    ({"uid": 1000, "mode": stat.S_IFCHR | 0o644}, ["its mode is 0644, not 0666", "it belongs to 1000:0, not root"]),
])
def test_what_is_wrong_with_dev_null(change, problems):
    info = dict(NULL, **change)
    assert system_sanity.null_problems(info) == problems


def test_a_missing_dev_null():
    assert system_sanity.null_problems(None) == ["it does not exist"]
    assert system_sanity.describe_node(None) == "missing"
    assert system_sanity.describe_node(dict(NULL, mode=stat.S_IFREG | 0o644, size=25)) == \
        "regular file of 25 bytes, mode 0644, owner 0:0"


def lo_counters(release):
    values = dict(line.split() for line in (CAPTURED / ("sys-class-net-lo-statistics-%s.txt" % release)).read_text().splitlines())
    return dict((name, int(value)) for name, value in values.items())


@pytest.mark.parametrize("release", RELEASES)
def test_a_counter_stuck_at_2147483647_is_found(release):
    before = dict(lo_counters(release), operstate="unknown")
    stuck = dict(before, rx_packets=2147483647)
    after = dict(stuck, tx_packets=stuck["tx_packets"] + 4)
    judged = system_sanity.judge_counters({"lo": stuck}, {"lo": after})["lo"]
    assert judged["stuck"] == ["rx_packets"] and judged["moving"]
    assert judged["deltas"]["tx_packets"] == 4 and judged["deltas"]["rx_packets"] == 0


@pytest.mark.parametrize("release", RELEASES)
def test_an_idle_interface_is_idle_not_stuck(release):
    sample = {"lo": dict(lo_counters(release), operstate="unknown")}
    judged = system_sanity.judge_counters(sample, sample)["lo"]
    assert (judged["moving"], judged["stuck"], judged["went_back"]) == (False, [], [])


def test_a_counter_that_moves_past_a_wrap_value_is_not_stuck_and_one_that_goes_back_is_said():
    first = {"eth0": {"rx_packets": 2 ** 32 - 1, "tx_packets": 10}}
    second = {"eth0": {"rx_packets": 2 ** 32 + 5, "tx_packets": 3}}
    judged = system_sanity.judge_counters(first, second)["eth0"]
    assert judged["stuck"] == [] and judged["went_back"] == ["tx_packets"]
    assert system_sanity.judge_counters(first, {}) == {}
