"""Role apache_limits, checked with real HTTP requests inside the container.

converge.yml sets small limits: ServerLimit 4, ThreadLimit 32, 25 threads per
child, 100 workers; KeepAliveTimeout 7; RLimitMEM 64 MiB (256 MiB under
/var/www/special); LimitRequestBody 1 MiB (4 MiB under /uploads); mod_evasive
with 3 requests per page per second. prepare.yml installs the CGIs.
"""

import contextlib
import re

import pytest
import sysfix_molecule

CONF = "/etc/apache2/conf-available/"
MPM_FILE = "/etc/apache2/mods-available/mpm_event.conf"


def curl(host, *args):
    """Status code and headers of a request made inside the container."""
    out = host.check_output("curl -s -o /dev/null -D - -w 'STATUS %%{http_code}' %s" % " ".join(args))
    status = int(out.rsplit("STATUS ", 1)[1])
    return status, out.rsplit("STATUS ", 1)[0]


def status(host, *args):
    return curl(host, *args)[0]


@contextlib.contextmanager
def converged_back():
    """Converge again afterwards, so later tests see the scenario's settings."""
    try:
        yield
    finally:
        run = sysfix_molecule.run_converge()
        assert run.returncode == 0, run.output


def test_a_directory_without_slash_redirects_to_the_server_name(host):
    """An HTTP/1.0 client without Host: gets the ServerName in the redirect."""
    name = host.check_output("hostname")
    code, headers = curl(host, "--http1.0", "-H", "'Host:'", "http://127.0.0.1/dir")
    assert code == 301
    assert "Location: http://%s/dir/" % name in headers
    assert "ServerName %s" % name in host.file(CONF + "sysfix-servername.conf").content_string


def test_no_server_name_warning_left(host):
    assert "AH00558" not in host.run("apache2ctl configtest").stderr


def test_worker_limits_are_in_the_mpm_file_and_live(host):
    mpm = host.file(MPM_FILE).content_string
    for directive, value in [("ServerLimit", 4), ("ThreadLimit", 32), ("ThreadsPerChild", 25),
                             ("MaxRequestWorkers", 100), ("StartServers", 2)]:
        assert re.search(r"^\s*%s\s+%d$" % (directive, value), mpm, re.M), directive
    assert "mpm_event_module (shared)" in host.check_output("apache2ctl -M")
    # mod_status's scoreboard has ServerLimit x ThreadsPerChild slots (400 with
    # Debian's defaults): the running Apache was restarted with the new
    # limits; a graceful reload would have kept the old ServerLimit.
    scoreboard = re.search(r"^Scoreboard: (\S+)$", host.check_output("curl -s 'http://127.0.0.1/server-status?auto'"), re.M)
    assert len(scoreboard.group(1)) == 4 * 25


# Apache answers with a Keep-Alive header only to a client that asks for one.
KEEPALIVE = "-H 'Connection: keep-alive'"


def test_keepalive_header_carries_the_timeout(host):
    code, headers = curl(host, KEEPALIVE, "http://127.0.0.1/")
    assert code == 200
    assert re.search(r"^Keep-Alive: timeout=7, max=100\r?$", headers, re.M), headers


def test_keepalive_off_drops_the_header(host):
    with converged_back():
        run = sysfix_molecule.run_converge(extra_vars={"apache_limits_keepalive": False})
        assert run.returncode == 0, run.output
        code, headers = curl(host, KEEPALIVE, "http://127.0.0.1/")
        assert code == 200
        assert "Keep-Alive:" not in headers
        assert re.search(r"^Connection: close\r?$", headers, re.M)


def test_a_body_over_the_limit_gets_413_and_one_under_does_not(host):
    host.check_output("head -c 2097152 /dev/zero > /tmp/body-2m && head -c 524288 /dev/zero > /tmp/body-512k")
    assert status(host, "--data-binary @/tmp/body-2m http://127.0.0.1/cgi-bin/echo.cgi") == 413
    assert status(host, "--data-binary @/tmp/body-512k http://127.0.0.1/cgi-bin/echo.cgi") == 200
    # Under /uploads the limit is 4 MiB: the same 2 MiB is not refused for size.
    assert status(host, "--data-binary @/tmp/body-2m http://127.0.0.1/uploads/x") == 404


@pytest.mark.parametrize(
    "path, expected",
    [("/cgi-bin/chat.cgi", 403), ("/cgi-bin/webchat_server.pl", 403), ("/cgi-bin/echo.cgi", 200)],
)
def test_forbidden_cgi_names_get_403(host, path, expected):
    assert status(host, "http://127.0.0.1" + path) == expected


def test_the_denial_is_logged(host):
    status(host, "http://127.0.0.1/cgi-bin/chat.cgi")
    assert "client denied by server configuration: /usr/lib/cgi-bin/chat.cgi" in host.check_output(
        "tail -n 20 /var/log/apache2/error.log"
    )


def test_a_cgi_over_rlimitmem_fails_while_a_small_one_runs(host):
    assert status(host, "'http://127.0.0.1/cgi-bin/alloc.py?8'") == 200
    assert status(host, "'http://127.0.0.1/cgi-bin/alloc.py?128'") == 500
    # /var/www/special has 256 MiB, as the runbook's /home/special did.
    assert status(host, "'http://127.0.0.1/special/alloc.py?128'") == 200


def flood(host, *curl_args):
    """20 requests for one page as fast as one shell loop sends them."""
    return host.check_output(
        "for i in $(seq 20); do curl -s -o /dev/null -w '%%{http_code} ' %s http://127.0.0.1/; done"
        % " ".join(curl_args)
    ).split()


def test_mod_evasive_blocks_a_flooding_client_and_not_the_whitelisted_one(host):
    flooder = "203.0.113.9"
    host.check_output("ip addr replace %s/32 dev lo" % flooder)
    try:
        codes = flood(host, "--interface", flooder)
        # Each Apache child counts on its own, so the block starts after a few
        # more than DOSPageCount requests.
        assert codes[0] == "200" and "403" in codes, codes
        assert flood(host) == ["200"] * 20
    finally:
        host.check_output("ip addr del %s/32 dev lo" % flooder)


@pytest.fixture()
def broken_vhost(host):
    host.check_output(
        "printf '<VirtualHost *:80>\\n    ServerName broken.example.test\\n    Bogus directive\\n</VirtualHost>\\n'"
        " > /etc/apache2/sites-available/broken.conf && a2ensite -q broken"
    )
    try:
        yield "/etc/apache2/sites-enabled/broken.conf"
    finally:
        host.check_output("a2dissite -q broken && rm /etc/apache2/sites-available/broken.conf")


def test_a_broken_unrelated_vhost_makes_the_role_fail_and_changes_nothing(host, broken_vhost):
    before = {name: host.file(CONF + name).content_string for name in ("sysfix-timeouts.conf",)}
    mpm_before = host.file(MPM_FILE).content_string
    run = sysfix_molecule.run_converge(
        extra_vars={"apache_limits_keepalive_timeout": 9, "apache_limits_max_request_workers": 75}
    )
    assert run.returncode != 0
    assert any(
        "AH00526: Syntax error on line 3 of %s: Invalid command 'Bogus'" % broken_vhost in m
        for m in run.failure_messages()
    ), run.output
    assert run.changed_results() == []
    assert host.file(CONF + "sysfix-timeouts.conf").content_string == before["sysfix-timeouts.conf"]
    assert host.file(MPM_FILE).content_string == mpm_before
    # Apache still answers, on its old configuration.
    code, headers = curl(host, KEEPALIVE, "http://127.0.0.1/")
    assert code == 200 and "timeout=7" in headers


def test_check_mode_reports_drift_and_changes_nothing(host):
    path = CONF + "sysfix-timeouts.conf"
    host.check_output("sed -i 's/^KeepAliveTimeout 7$/KeepAliveTimeout 15/' %s" % path)
    with converged_back():
        run = sysfix_molecule.run_converge(["--check", "--diff"])
        assert run.returncode == 0, run.output
        changed = run.changed_results()
        assert [task for _h, task, _r in changed] == ["Write the timeouts drop-in"]
        diff = changed[0][2]["diff"][0]
        assert "KeepAliveTimeout 15" in diff["before"] and "KeepAliveTimeout 7" in diff["after"]
        assert "KeepAliveTimeout 15" in host.file(path).content_string
    assert "KeepAliveTimeout 7" in host.file(path).content_string


@pytest.fixture(scope="module")
def drifted_timeouts(host):
    """A hand edit that any run of the role past validation would undo."""
    path = CONF + "sysfix-timeouts.conf"
    host.check_output("sed -i 's/^KeepAliveTimeout 7$/KeepAliveTimeout 15/' %s" % path)
    with converged_back():
        yield path


@pytest.mark.parametrize(
    "bad_vars, named",
    [
        ({"apache_limits_max_request_workers": 500}, "apache_limits_max_request_workers (500) must be at most"),
        ({"apache_limits_max_request_workers": 90}, "a multiple of apache_limits_threads_per_child"),
        ({"apache_limits_threads_per_child": 100}, "apache_limits_threads_per_child must be from 1 to 32"),
        ({"apache_limits_timeout": 0}, "apache_limits_timeout must be from 1 to 3600"),
        ({"apache_limits_keepalive": "sometimes"}, "apache_limits_keepalive"),
        ({"apache_limits_server_name": "bad name!"}, "apache_limits_server_name must be empty or a host name"),
        ({"apache_limits_rlimit_mem": "lots"}, "apache_limits_rlimit_mem must be null, a number"),
        ({"apache_limits_rlimit_directories": [{"path": "/srv", "cpu": [1, 2, 3]}]},
         "apache_limits_rlimit_directories[0].cpu"),
        ({"apache_limits_request_read_timeout": ["header=fast"]}, "apache_limits_request_read_timeout must be items"),
        ({"apache_limits_request_body_paths": [{"path": "uploads", "limit": 5}]}, "apache_limits_request_body_paths"),
    ],
)
def test_a_bad_value_stops_the_run_before_any_change(host, drifted_timeouts, bad_vars, named):
    run = sysfix_molecule.run_converge(extra_vars=bad_vars)
    assert run.returncode != 0
    assert len(run.failed_results()) == 1, run.output
    messages = " ".join(run.failure_messages()).replace("\n", " ")
    assert named in messages, run.output
    assert run.changed_results() == []
    assert "KeepAliveTimeout 15" in host.file(drifted_timeouts).content_string
