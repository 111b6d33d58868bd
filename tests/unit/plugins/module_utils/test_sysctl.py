"""Pure sysctl helpers, against `systemd-sysctl --cat-config` captured in the
Debian 12 and 13 test images (tests/unit/fixtures/sysctl/)."""

import pytest
from conftest import FIXTURES
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.sysfix.hardening.plugins.module_utils import sysctl

DROPIN = "/etc/sysctl.d/60-sysfix-syncookies.conf"
SITE = "/etc/sysctl.d/90-site.conf"
OURS = {
    "net.ipv4.tcp_syncookies": 1,
    "net.ipv4.tcp_max_syn_backlog": 4096,
    "net.ipv4.tcp_synack_retries": 2,
}
FILES = {
    "debian12": [
        "/usr/lib/sysctl.d/50-pid-max.conf",
        DROPIN,
        SITE,
        "/usr/lib/sysctl.d/99-protect-links.conf",
        "/etc/sysctl.d/99-sysctl.conf",
    ],
    "debian13": [
        "/usr/lib/sysctl.d/10-coredump-debian.conf",
        "/usr/lib/sysctl.d/50-pid-max.conf",
        DROPIN,
        SITE,
    ],
}


def captured(release):
    """The captured output and the files that existed on that host."""
    text = (FIXTURES / "sysctl" / ("cat-config-%s.txt" % release)).read_text()
    return text, set(FILES[release])


@pytest.mark.parametrize(
    "key, path",
    [
        ("net.ipv4.tcp_syncookies", "/proc/sys/net/ipv4/tcp_syncookies"),
        ("net/ipv4/tcp_syncookies", "/proc/sys/net/ipv4/tcp_syncookies"),
        ("net.ipv4.conf.eth0/100.rp_filter", "/proc/sys/net/ipv4/conf/eth0.100/rp_filter"),
    ],
)
def test_key_to_path(key, path):
    assert sysctl.key_to_path(key) == path


def test_values_compare_with_white_space_collapsed():
    assert sysctl.normalize_value("4096\t87380   6291456\n") == "4096 87380 6291456"
    assert sysctl.normalize_value(1) == "1"
    assert sysctl.normalize_value(True) == "1"


def test_parse_sysctl_conf_reads_keys_comments_and_ignore_prefix():
    text = "# c\n; c\n\nnet/ipv4/tcp_syncookies=0\n-net.ipv4.tcp_synack_retries =   3\nnot a line\n = 5\n"
    assert sysctl.parse_sysctl_conf(text) == [
        ("net.ipv4.tcp_syncookies", "0", False),
        ("net.ipv4.tcp_synack_retries", "3", True),
    ]


@pytest.mark.parametrize("release", ["debian12", "debian13"])
def test_split_cat_config_finds_the_real_files_only(release):
    text, existing = captured(release)
    files = sysctl.split_cat_config(text, existing.__contains__)
    assert [path for path, _text in files] == FILES[release]
    # The comment that looks like a header stays inside 90-site.conf.
    site = dict(files)[SITE]
    assert "this line only looks like a header" in site


@pytest.mark.parametrize("release", ["debian12", "debian13"])
def test_boot_values_last_assignment_and_globs_win(release):
    text, existing = captured(release)
    files = sysctl.split_cat_config(text, existing.__contains__)
    keys = list(OURS) + ["net.ipv4.conf.all.rp_filter", "kernel.pid_max", "vm.swappiness"]
    assert sysctl.boot_values(files, keys) == {
        "net.ipv4.tcp_syncookies": {"value": "0", "file": SITE},
        "net.ipv4.tcp_max_syn_backlog": {"value": "4096", "file": DROPIN},
        "net.ipv4.tcp_synack_retries": {"value": "3", "file": SITE},
        "net.ipv4.conf.all.rp_filter": {"value": "2", "file": SITE},
        "kernel.pid_max": {"value": "4194304", "file": "/usr/lib/sysctl.d/50-pid-max.conf"},
        "vm.swappiness": {"value": None, "file": None},
    }


def test_boot_conflicts_name_the_overriding_file():
    text, existing = captured("debian12")
    files = sysctl.split_cat_config(text, existing.__contains__)
    values = sysctl.boot_values(files, list(OURS), DROPIN, OURS)
    assert sysctl.boot_conflicts(values, OURS, DROPIN) == [
        {"key": "net.ipv4.tcp_syncookies", "wanted": "1", "value": "0", "file": SITE},
        {"key": "net.ipv4.tcp_synack_retries", "wanted": "2", "value": "3", "file": SITE},
    ]


def test_a_dropin_not_yet_written_is_judged_where_systemd_would_read_it():
    """Check mode: the drop-in is absent, so it is placed by its file name."""
    text, existing = captured("debian13")
    files = [f for f in sysctl.split_cat_config(text, existing.__contains__) if f[0] != DROPIN]
    early = ("/etc/sysctl.d/10-early.conf", "net.ipv4.tcp_max_syn_backlog = 128\n")
    values = sysctl.boot_values([early] + files, list(OURS), DROPIN, OURS)
    assert values["net.ipv4.tcp_max_syn_backlog"] == {"value": "4096", "file": DROPIN}
    late = sysctl.boot_values(files, list(OURS), "/etc/sysctl.d/95-sysfix.conf", OURS)
    assert sysctl.boot_conflicts(late, OURS, "/etc/sysctl.d/95-sysfix.conf") == []


def test_the_dropin_is_judged_by_its_new_content():
    text, existing = captured("debian13")
    files = sysctl.split_cat_config(text, existing.__contains__)
    wanted = dict(OURS, **{"net.ipv4.tcp_max_syn_backlog": 8192})
    values = sysctl.boot_values(files, list(wanted), DROPIN, wanted)
    assert values["net.ipv4.tcp_max_syn_backlog"] == {"value": "8192", "file": DROPIN}


KEY = st.from_regex(r"[a-z][a-z0-9_]{0,8}(\.[a-z0-9_]{1,8}){1,4}", fullmatch=True)
VALUE = st.from_regex(r"[0-9]{1,6}( [0-9]{1,6}){0,2}", fullmatch=True)


@given(st.dictionaries(KEY, VALUE, min_size=1, max_size=8))
def test_a_rendered_file_parses_back_to_its_settings(settings):
    text = "\n".join("%s = %s" % item for item in settings.items())
    parsed = sysctl.parse_sysctl_conf(text)
    assert {key: value for key, value, _ignore in parsed} == settings


@given(st.text())
def test_parsing_never_fails_on_arbitrary_text(text):
    for key, value, _ignore in sysctl.parse_sysctl_conf(text):
        assert key and "=" not in key
        assert value == sysctl.normalize_value(value)
    sysctl.split_cat_config(text, lambda path: path.endswith(".conf"))
