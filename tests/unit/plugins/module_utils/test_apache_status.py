"""Apache's worker limits and mod_status page, against files captured in the
test images (tests/unit/fixtures/apache_status/README.md)."""

import pytest
from conftest import FIXTURES

from ansible_collections.sysfix.hardening.plugins.module_utils import apache_status

CAPTURED = FIXTURES / "apache_status"
RELEASES = ["debian12", "debian13"]
MPM_EVENT = "/etc/apache2/mods-enabled/mpm_event.conf"


@pytest.mark.parametrize("release", RELEASES)
def test_debians_event_file_sets_150_workers(release):
    text = (CAPTURED / ("mpm_event.conf-%s" % release)).read_text()
    limits = apache_status.mpm_limits([(MPM_EVENT, text)], "event")
    assert limits["MaxRequestWorkers"] == {"value": 150, "source": MPM_EVENT + ":13"}
    assert limits["ThreadsPerChild"]["value"] == 25
    # ServerLimit is not in Debian's file: Apache's default.
    assert limits["ServerLimit"] == {"value": 16, "source": "default"}
    assert limits["effective_max_request_workers"] == 150


@pytest.mark.parametrize("release", RELEASES)
def test_the_prefork_file_does_not_count_for_event(release):
    prefork = (CAPTURED / ("mpm_prefork.conf-%s" % release)).read_text()
    wrapped = "<IfModule mpm_prefork_module>\n%s</IfModule>\n" % prefork
    assert apache_status.mpm_limits([("x.conf", wrapped)], "event")["MaxRequestWorkers"]["source"] == "default"
    assert apache_status.mpm_limits([("x.conf", wrapped)], "prefork")["MaxRequestWorkers"]["value"] == 150


def test_the_last_file_read_wins_and_maxclients_is_the_old_name():
    files = [("mods-enabled/mpm_event.conf", "MaxRequestWorkers 150\n"),
             ("conf-enabled/big.conf", "<IfModule !mpm_prefork_module>\n  MaxClients 300 # raised\n</IfModule>\n")]
    limits = apache_status.mpm_limits(files, "event")
    assert limits["MaxRequestWorkers"] == {"value": 300, "source": "conf-enabled/big.conf:2"}
    assert limits["effective_max_request_workers"] == 300


def test_threaded_mpms_are_capped_at_server_limit_times_threads():
    limits = apache_status.mpm_limits([("a.conf", "ServerLimit 4\nThreadsPerChild 25\nMaxRequestWorkers 1000\n")], "event")
    assert limits["effective_max_request_workers"] == 100


def test_defaults_without_any_file():
    assert apache_status.mpm_limits([], "event")["effective_max_request_workers"] == 400
    assert apache_status.mpm_limits([], "prefork")["effective_max_request_workers"] == 256


@pytest.mark.parametrize("release", RELEASES)
def test_server_status_under_load_counts_the_held_connections(release):
    idle = apache_status.parse_server_status((CAPTURED / ("server-status-auto-idle-%s.txt" % release)).read_text())
    busy = apache_status.parse_server_status((CAPTURED / ("server-status-auto-busy-%s.txt" % release)).read_text())
    assert idle["BusyWorkers"] == 1 and idle["ServerMPM"] == "event"
    # 33 held connections (30 + 3) read their request; the status request itself is sending.
    assert busy["BusyWorkers"] == 34
    assert busy["scoreboard"]["reading"] == 33 and busy["scoreboard"]["sending"] == 1
    assert busy["scoreboard_slots"] == len(busy_board(release))


def busy_board(release):
    text = (CAPTURED / ("server-status-auto-busy-%s.txt" % release)).read_text()
    return [line for line in text.splitlines() if line.startswith("Scoreboard: ")][0][len("Scoreboard: "):]


def test_a_page_that_is_not_mod_status_is_refused():
    with pytest.raises(ValueError):
        apache_status.parse_server_status("<html><body>It works!</body></html>")


def test_debian_layout_order():
    names = ["sites-enabled/000-default.conf", "conf-enabled/security.conf", "mods-enabled/mpm_event.conf",
             "ports.conf", "apache2.conf", "mods-enabled/alias.conf", "conf-available/x.conf"]
    assert apache_status.debian_config_files(names) == [
        "apache2.conf", "mods-enabled/alias.conf", "mods-enabled/mpm_event.conf", "ports.conf",
        "conf-enabled/security.conf", "sites-enabled/000-default.conf"]
