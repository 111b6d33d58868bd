"""The read-only modules behind the incident and health playbooks, run on
captured files (syn_recv_stats, filesystem_usage) or a fake /sys/class/net
(net_counters). Their helpers are tested in depth in module_utils/."""

import json

import pytest
from ansible.module_utils.testing import patch_module_args
from conftest import FIXTURES

from ansible_collections.sysfix.hardening.plugins.modules import filesystem_usage, net_counters, syn_recv_stats


def run(capsys, module, check_mode=False, **args):
    args["_ansible_check_mode"] = check_mode
    with patch_module_args(args), pytest.raises(SystemExit):
        module.main()
    return json.loads(capsys.readouterr().out)


@pytest.fixture()
def proc_sys(tmp_path):
    ipv4 = tmp_path / "net" / "ipv4"
    ipv4.mkdir(parents=True)
    for name, value in (("tcp_syncookies", "0\n"), ("tcp_max_syn_backlog", "512\n")):
        (ipv4 / name).write_text(value)
    return tmp_path


@pytest.mark.parametrize("check_mode", [False, True])
def test_syn_recv_stats_on_the_captured_flood(capsys, proc_sys, check_mode):
    flood = FIXTURES / "syn_recv"
    result = run(capsys, syn_recv_stats, check_mode=check_mode, ports=[80, 443], threshold=20,
                 proc_files=[str(flood / "proc-net-tcp-syn-flood-debian12.txt"),
                             str(flood / "proc-net-tcp6-syn-flood-debian12.txt"), "/nonexistent/tcp6"],
                 netstat_file=str(flood / "proc-net-netstat-debian12.txt"), proc_sys=str(proc_sys))
    assert result["changed"] is False
    assert result["over_threshold"] == [80] and result["total_syn_recv"] == 40
    assert result["ports"][0]["looks_like"] == "flood" and result["ports"][0]["peer_count"] == 20
    assert result["files"] == [str(flood / "proc-net-tcp-syn-flood-debian12.txt"),
                               str(flood / "proc-net-tcp6-syn-flood-debian12.txt")]
    assert result["sysctl"] == {"net.ipv4.tcp_syncookies": "0", "net.ipv4.tcp_max_syn_backlog": "512",
                                "net.ipv4.tcp_synack_retries": None}
    assert "SyncookiesSent" in result["counters"]


def test_syn_recv_stats_refuses_bad_ports_and_thresholds(capsys, proc_sys):
    assert "Not a TCP port: 0" in run(capsys, syn_recv_stats, ports=[0], proc_sys=str(proc_sys))["msg"]
    assert "threshold must be 1 or more" in run(capsys, syn_recv_stats, threshold=0, proc_sys=str(proc_sys))["msg"]
    assert "None of" in run(capsys, syn_recv_stats, proc_files=["/nonexistent"], proc_sys=str(proc_sys))["msg"]


def test_filesystem_usage_of_paths(capsys, tmp_path):
    mounts = tmp_path / "mounts"
    mounts.write_text("overlay / overlay rw,relatime 0 0\n")
    result = run(capsys, filesystem_usage, paths=[str(tmp_path), "/nonexistent/spool"], threshold=100,
                 mounts_file=str(mounts))
    found, missing = result["filesystems"]
    assert (found["path"], found["mount"], found["fstype"], found["read_only"]) == (str(tmp_path), "/", "overlay", False)
    assert 0 <= found["used_percent"] <= 100 and found["size_bytes"] > 0
    assert missing == {"path": "/nonexistent/spool", "exists": False, "over_threshold": False}
    assert result["root_read_only"] is False


def test_filesystem_usage_refuses_a_threshold_that_is_no_percentage(capsys):
    assert "threshold must be a percentage" in run(capsys, filesystem_usage, threshold=0)["msg"]


@pytest.fixture()
def sysfs(tmp_path):
    for name, rx in (("lo", 1000), ("eth0", 2147483647)):
        stats = tmp_path / name / "statistics"
        stats.mkdir(parents=True)
        for counter in ("rx_packets", "tx_packets", "rx_bytes", "tx_bytes"):
            (stats / counter).write_text("%d\n" % (rx if counter == "rx_packets" else 5))
        (tmp_path / name / "operstate").write_text("up\n")
    return tmp_path


def test_net_counters_finds_the_stuck_counter(capsys, sysfs):
    result = run(capsys, net_counters, interval=1, sysfs_net=str(sysfs))
    assert result["stuck"] == ["eth0:rx_packets"]
    assert result["idle"] == ["eth0", "lo"]
    assert result["interfaces"]["lo"]["counters"]["rx_packets"] == 1000


def test_net_counters_names_a_missing_interface(capsys, sysfs):
    result = run(capsys, net_counters, interfaces=["eth1"], sysfs_net=str(sysfs))
    assert result["msg"] == "No such interface: eth1 (there are eth0, lo)"
    assert "interval must be 1 to 60" in run(capsys, net_counters, interval=0, sysfs_net=str(sysfs))["msg"]
