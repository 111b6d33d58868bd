"""The filter plugins: the parsers behind them are tested in module_utils; here the
argument handling, the errors, and that the filters give the modules' answers.
A real template run checks that Ansible finds them by their FQCN.

Filter plugins import the controller (ansible.errors), and importing it turns the
whole process into a controller: AnsibleModule.warn() then prints to the display
instead of returning the warning, which breaks the module tests that run later in
the same pytest process. So the plugins are imported by a fixture that puts the
flag back when this file is done.
"""

import importlib
import json
import os
import subprocess
import sys
import types

import pytest
from conftest import COLLECTIONS, FIXTURES

from ansible.module_utils import _internal
from ansible_collections.sysfix.hardening.plugins.module_utils import connections

CONNECTIONS = FIXTURES / "connections"
PLUGINS = "ansible_collections.sysfix.hardening.plugins.filter."


@pytest.fixture(scope="module")
def f():
    """The five filter plugin modules and AnsibleFilterError, imported as the controller does."""
    was_controller = _internal.is_controller
    try:
        names = ("netstat", "ss", "proc_net_tcp", "mailq", "mailstats")
        loaded = dict((name, importlib.import_module(PLUGINS + name)) for name in names)
        loaded["AnsibleFilterError"] = importlib.import_module("ansible.errors").AnsibleFilterError
        yield types.SimpleNamespace(**loaded)
    finally:
        _internal.is_controller = was_controller


def text(name):
    return (CONNECTIONS / ("%s-debian12-apache-loopback.txt" % name)).read_text()


def test_each_plugin_exports_its_filter(f):
    for name in ("netstat", "ss", "proc_net_tcp", "mailq", "mailstats"):
        assert list(getattr(f, name).FilterModule().filters()) == [name]


def test_connection_filters_agree(f):
    both = text("proc-net-tcp") + text("proc-net-tcp6")
    results = [
        f.netstat.netstat_filter(text("netstat-tanW"), local_ports=[80], states=["ESTABLISHED"], threshold=3),
        f.ss.ss_filter(text("ss-tan"), local_ports=["80"], states=["ESTAB"], threshold=3),
        f.proc_net_tcp.proc_net_tcp_filter(both, local_ports=[80], states=["established"], threshold=3),
    ]
    for result in results:
        assert result["states"] == {"ESTABLISHED": 12}
        assert result["peers_over_threshold"] == [
            {"address": "203.0.113.9", "count": 4},
            {"address": "2001:db8:4b1d:1234:5678:9abc:def0:1234", "count": 3},
        ]


def test_stdout_lines_are_accepted(f):
    lines = text("netstat-tan").splitlines()
    assert f.netstat.netstat_filter(lines) == f.netstat.netstat_filter(text("netstat-tan"))
    assert f.netstat.netstat_filter(lines)["truncated_count"] == 3


@pytest.mark.parametrize("name, args, kwargs, message", [
    ("netstat", (42,), {}, "netstat expects the text of the command"),
    ("ss", ("",), {"states": ["ESTABLISHED", "BOGUS"]}, "ss: unknown TCP state 'BOGUS'"),
    ("ss", ("",), {"local_ports": ["http"]}, "ss: invalid literal"),
    ("proc_net_tcp", ("",), {"byteorder": "middle"}, "byteorder must be little or big"),
    ("netstat", ("",), {"exclude_peers": ["not-a-net"]}, "not an address or network"),
    ("mailq", ({},), {}, "mailq expects the text of the command"),
    ("mailq", ("",), {"format": "exim"}, "mailq: format must be one of"),
    ("mailq", ("",), {"known_domains": "example.com"}, "known_domains must be a list"),
    ("mailstats", (None,), {}, "mailstats expects the text of the command"),
])
def test_bad_input_raises_a_filter_error(f, name, args, kwargs, message):
    function = getattr(f, name).FilterModule().filters()[name]
    with pytest.raises(f.AnsibleFilterError, match=message):
        function(*args, **kwargs)


def test_mail_filters(f):
    listing = (FIXTURES / "mail_queue" / "mailq-debian12-deferred.txt").read_text()
    queue = f.mailq.mailq_filter(listing, known_domains=["example.com"], entries=False)
    assert queue["entries"] == [] and queue["total"]["requests"] == 15
    assert any(h["domain"] == "exmaple.com" for h in queue["typo_hints"])
    stats = f.mailstats.mailstats_filter((FIXTURES / "mail_stats" / "mailstats-P-debian12.txt").read_text().splitlines())
    assert stats["sections"]["MTA"]["connections"] == {"from": 28, "to": 0, "rejected": 5}


def test_filters_by_fqcn_in_a_real_template(tmp_path):
    """ansible-playbook on localhost, no connection to anything: the filters load and answer."""
    playbook = tmp_path / "play.yml"
    playbook.write_text(
        "- hosts: localhost\n"
        "  gather_facts: false\n"
        "  tasks:\n"
        "    - ansible.builtin.debug:\n"
        "        msg: \"{{ {'n': (lookup('file', ns) | sysfix.hardening.netstat(states=['ESTABLISHED'])).total,\n"
        "                  'q': (lookup('file', mq) | sysfix.hardening.mailq).total.requests,\n"
        "                  's': (lookup('file', ms) | sysfix.hardening.mailstats).sections.MTA.totals.msgs_from} }}\"\n")
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(COLLECTIONS), ANSIBLE_STDOUT_CALLBACK="json",
               ANSIBLE_LOCALHOST_WARNING="false", ANSIBLE_INVENTORY_UNPARSED_WARNING="false")
    command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), str(playbook),
               "-e", "ns=%s" % (CONNECTIONS / "netstat-tanW-debian12-apache-loopback.txt"),
               "-e", "mq=%s" % (FIXTURES / "mail_queue" / "mailq-debian12-deferred.txt"),
               "-e", "ms=%s" % (FIXTURES / "mail_stats" / "mailstats-P-debian12.txt")]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    task = json.loads(done.stdout)["plays"][0]["tasks"][0]["hosts"]["localhost"]
    assert task["msg"] == {"n": 32, "q": 15, "s": 26}
    assert connections.count_connections(text("netstat-tanW"), "netstat", states=["ESTABLISHED"])["total"] == 32
