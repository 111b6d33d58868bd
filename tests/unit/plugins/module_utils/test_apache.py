"""Apache helpers, against files and output captured in the test images."""

import pytest
from conftest import FIXTURES

from ansible_collections.sysfix.hardening.plugins.module_utils import apache

APACHE = FIXTURES / "apache"
RELEASES = ["debian12", "debian13"]


@pytest.mark.parametrize("release", RELEASES)
def test_configtest_error_keeps_the_reason_only(release):
    output = (APACHE / ("configtest-broken-vhost-%s.txt" % release)).read_text()
    assert apache.configtest_error(output) == (
        "AH00526: Syntax error on line 3 of /etc/apache2/sites-enabled/broken.conf: "
        "Invalid command 'Bogus', perhaps misspelled or defined by a module not included "
        "in the server configuration"
    )


def test_configtest_error_shows_live_paths_for_the_scratch_copy():
    output = (
        "AH00557: apache2: apr_sockaddr_info_get() failed for web.sysfix.test\n"
        "AH00526: Syntax error on line 1 of /tmp/sysfix-apache-x/apache2/conf-enabled/zz.conf:\n"
        "Invalid command 'Bogus'\n"
    )
    assert apache.configtest_error(output, "/tmp/sysfix-apache-x/apache2", "/etc/apache2") == (
        "AH00526: Syntax error on line 1 of /etc/apache2/conf-enabled/zz.conf: Invalid command 'Bogus'"
    )


def test_error_files_names_the_files_in_a_message():
    message = "AH00526: Syntax error on line 3 of /etc/apache2/sites-enabled/broken.conf: Invalid command"
    assert apache.error_files(message) == ["/etc/apache2/sites-enabled/broken.conf"]


def test_module_dependencies():
    assert apache.module_dependencies("# Depends: authn_core cgid\nLoadModule x y\n") == ["authn_core", "cgid"]
    assert apache.module_dependencies("LoadModule evasive20_module /usr/lib/x.so\n") == []


@pytest.mark.parametrize(
    "path, restart",
    [
        ("/etc/apache2/mods-available/mpm_event.conf", True),
        ("/etc/apache2/mods-available/mpm_prefork.conf", True),
        ("/etc/apache2/conf-available/sysfix-timeouts.conf", False),
        ("/etc/apache2/conf-available/mpm_event.conf.bak", False),
    ],
)
def test_restart_paths(path, restart):
    assert apache.is_restart_path(path) is restart


@pytest.mark.parametrize("release", RELEASES)
@pytest.mark.parametrize(
    "name, line",
    [
        ("000-default.conf", "\tCustomLog ${APACHE_LOG_DIR}/access.log combined env=!sysfix_worm\n"),
        ("default-ssl.conf", "\tCustomLog ${APACHE_LOG_DIR}/access.log combined env=!sysfix_worm\n"),
        ("other-vhosts-access-log.conf",
         "CustomLog ${APACHE_LOG_DIR}/other_vhosts_access.log vhost_combined env=!sysfix_worm\n"),
    ],
)
def test_customlog_exclude_on_debian_files(release, name, line):
    text = (APACHE / ("%s-%s" % (name, release))).read_text()
    new, skipped = apache.customlog_exclude(text, "sysfix_worm")
    assert skipped == []
    assert line in new
    # Only that line changed, and a second pass changes nothing.
    assert [a for a, b in zip(text.splitlines(), new.splitlines()) if a != b] == [line.rstrip("\n").replace(" env=!sysfix_worm", "")]
    assert apache.customlog_exclude(new, "sysfix_worm") == (new, [])


def test_customlog_with_another_condition_is_left_alone_and_reported():
    text = 'CustomLog "/var/log/a b.log" combined env=!dontlog\n# CustomLog x combined\nCustomLog /var/log/c.log "%h %r"\n'
    new, skipped = apache.customlog_exclude(text, "sysfix_worm")
    assert skipped == [(1, 'CustomLog "/var/log/a b.log" combined env=!dontlog')]
    assert new.splitlines() == [
        'CustomLog "/var/log/a b.log" combined env=!dontlog',
        "# CustomLog x combined",
        'CustomLog /var/log/c.log "%h %r" env=!sysfix_worm',
    ]
