"""connection_stats with captured /proc files and faked ss / netstat commands.

The parsers are tested in depth in test_connections.py; here the module's own
decisions: which files and commands, the environment, the failures.
"""

import json
import os

import pytest
from ansible.module_utils.testing import patch_module_args
from conftest import FIXTURES

from ansible_collections.sysfix.hardening.plugins.modules import connection_stats

CONNECTIONS = FIXTURES / "connections"


def run(capsys, check_mode=False, **args):
    args["_ansible_check_mode"] = check_mode
    with patch_module_args(args), pytest.raises(SystemExit):
        connection_stats.main()
    return json.loads(capsys.readouterr().out)


def proc_files(release="debian12"):
    return [str(CONNECTIONS / ("proc-net-tcp-%s-apache-loopback.txt" % release)),
            str(CONNECTIONS / ("proc-net-tcp6-%s-apache-loopback.txt" % release))]


@pytest.fixture()
def fake_tools(monkeypatch):
    """Answer ss and netstat with the captured outputs, and record the calls."""
    calls = []

    def get_bin_path(self, name, required=False, opt_dirs=None):
        return {"ss": "/usr/bin/ss", "netstat": "/usr/bin/netstat"}.get(name)

    def run_command(self, args, environ_update=None, **kwargs):
        calls.append((list(args), dict(environ_update or {})))
        names = {"-tan": "netstat-tan", "-tanW": "netstat-tanW"}
        name = "ss-tan" if args[0].endswith("ss") else names[args[1]]
        return 0, (CONNECTIONS / ("%s-debian13-apache-loopback.txt" % name)).read_text(), ""

    monkeypatch.setattr(connection_stats.AnsibleModule, "get_bin_path", get_bin_path)
    monkeypatch.setattr(connection_stats.AnsibleModule, "run_command", run_command)
    return calls


def test_reads_proc_by_default(capsys):
    result = run(capsys, proc_files=proc_files(), local_ports=[80], states=["ESTABLISHED", "SYN_RECV"],
                 threshold=3, top=2)
    assert result["changed"] is False
    assert result["files"] == proc_files()
    # Apache's side: 4 + 2 + 1 IPv4 and 2 + 3 IPv6 clients with a request under way,
    # 3 + 1 idle ones (SYN_RECV, TCP_DEFER_ACCEPT).
    assert result["states"] == {"ESTABLISHED": 12, "SYN_RECV": 4}
    assert result["top_peers"] == [{"address": "203.0.113.9", "count": 4},
                                   {"address": "192.0.2.44", "count": 3}]
    assert [p["address"] for p in result["peers_over_threshold"]] == [
        "203.0.113.9", "192.0.2.44", "2001:db8:4b1d:1234:5678:9abc:def0:1234", "::1"]
    assert result["syn_recv"]["peers"] == 2
    assert "command" not in result


def test_check_mode_gives_the_same_answer(capsys):
    normal = run(capsys, proc_files=proc_files())
    checked = run(capsys, check_mode=True, proc_files=proc_files())
    for key in ("states", "peers", "top_peers", "total"):
        assert normal[key] == checked[key]
    assert checked["changed"] is False


def test_missing_tcp6_is_skipped_and_reported(capsys, tmp_path):
    result = run(capsys, proc_files=[proc_files()[0], str(tmp_path / "tcp6")])
    assert result["skipped_files"] == [str(tmp_path / "tcp6")]
    assert result["total"] == 19


def test_unreadable_file_fails(capsys, tmp_path):
    result = run(capsys, proc_files=[str(tmp_path)])
    assert result["failed"] is True
    assert result["msg"] == "Cannot read %s: %s" % (tmp_path, os.strerror(21))


def test_no_proc_file_at_all_fails(capsys, tmp_path):
    result = run(capsys, proc_files=[str(tmp_path / "tcp"), str(tmp_path / "tcp6")])
    assert result["failed"] is True and "is /proc mounted?" in result["msg"]


def test_ss_runs_with_lc_all_c(capsys, fake_tools):
    result = run(capsys, source="ss", exclude_peers=["127.0.0.0/8", "::1"], top=1)
    assert fake_tools == [(["/usr/bin/ss", "-tan"], {"LC_ALL": "C"})]
    assert result["command"] == ["/usr/bin/ss", "-tan"]
    assert result["top_peers"] == [{"address": "203.0.113.9", "count": 9}]
    assert result["peers"]["127.0.0.1"] == 12


def test_netstat_is_wide_by_default(capsys, fake_tools):
    result = run(capsys, source="netstat")
    assert fake_tools[0][0] == ["/usr/bin/netstat", "-tanW"]
    assert result["truncated_count"] == 0
    assert "2001:db8:4b1d:1234:5678:9abc:def0:1234" in result["peers"]


def test_narrow_netstat_warns_about_cut_addresses(capsys, fake_tools):
    result = run(capsys, source="netstat", netstat_wide=False)
    assert fake_tools[0][0] == ["/usr/bin/netstat", "-tan"]
    assert result["truncated_count"] == 3
    assert "netstat cut 3 remote IPv6 address(es)" in json.dumps(result["warnings"])


@pytest.mark.parametrize("source, package", [("ss", "iproute2"), ("netstat", "net-tools")])
def test_missing_command_names_its_package(capsys, monkeypatch, source, package):
    monkeypatch.setattr(connection_stats.AnsibleModule, "get_bin_path", lambda *a, **k: None)
    result = run(capsys, source=source)
    assert result["failed"] is True
    assert result["msg"] == ("%s is not installed on this host: install the Debian package %s, "
                             "or use source=proc" % (source, package))


def test_failing_command_fails(capsys, monkeypatch, fake_tools):
    monkeypatch.setattr(connection_stats.AnsibleModule, "run_command",
                        lambda self, args, **kw: (1, "", "Cannot open netlink socket"))
    result = run(capsys, source="ss")
    assert result["failed"] is True
    assert result["msg"] == "/usr/bin/ss -tan failed (rc=1): Cannot open netlink socket"


@pytest.mark.parametrize("args, message", [
    ({"source": "lsof"}, "value of source must be one of: proc, ss, netstat"),
    ({"states": ["ESTAB", "SYN_FLOOD"]}, "Unknown TCP state(s): SYN_FLOOD"),
    ({"local_ports": [0]}, "Not a TCP port: 0"),
    ({"exclude_peers": ["198.51.100.0/33"]}, "exclude_peers: not an address or network"),
    ({"top": -1}, "top must be 0 or more"),
])
def test_bad_arguments_fail_clearly(capsys, args, message):
    result = run(capsys, proc_files=proc_files(), **args)
    assert result["failed"] is True
    assert message in result["msg"]


def test_malformed_lines_are_reported(capsys, tmp_path):
    broken = tmp_path / "tcp"
    text = (CONNECTIONS / "proc-net-tcp-debian12-apache-loopback.txt").read_text().splitlines()
    text[2] = text[2][:25]
    broken.write_text("\n".join(text) + "\n")
    result = run(capsys, proc_files=[str(broken)])
    assert result["malformed_count"] == 1
    assert result["malformed"][0] == {"source": str(broken), "line": 3, "text": text[2]}
    assert "1 line(s) could not be understood" in json.dumps(result["warnings"])
