"""sendmail's liveness and load limits, against files captured in the test
images (tests/unit/fixtures/sendmail_status/README.md)."""

import pytest
from conftest import FIXTURES

from ansible_collections.sysfix.hardening.plugins.module_utils import sendmail_status

CAPTURED = FIXTURES / "sendmail_status"
RELEASES = ["debian12", "debian13"]


@pytest.mark.parametrize("release", RELEASES)
def test_debians_cf_leaves_the_load_limits_to_sendmails_defaults(release):
    options = sendmail_status.cf_options((CAPTURED / ("sendmail.cf-%s" % release)).read_text())
    assert "RefuseLA" not in options and "QueueLA" not in options     # "#O RefuseLA=12" is a comment
    assert options["QueueDirectory"] == "/var/spool/mqueue"
    assert options["MinFreeBlocks"] == "100"
    assert [o.split(",")[1].strip() for o in options["DaemonPortOptions[]"]] == ["Name=MTA-v4", "Name=MSP-v4"]
    limits = sendmail_status.load_limits(options, 2)
    assert limits == {"RefuseLA": {"value": 24, "source": "default (12 x 2 CPUs)"},
                      "QueueLA": {"value": 16, "source": "default (8 x 2 CPUs)"}}


def test_limits_set_in_the_cf_win_and_nonsense_falls_back_to_the_default():
    options = sendmail_status.cf_options("O RefuseLA=77\nO QueueLA=zero\nO RefuseLA = 30\n")
    limits = sendmail_status.load_limits(options, 4)
    assert limits["RefuseLA"] == {"value": 30, "source": "sendmail.cf"}
    assert limits["QueueLA"] == {"value": 32, "source": "default (8 x 4 CPUs)"}


@pytest.mark.parametrize("release", RELEASES)
def test_the_daemons_title_says_it_accepts(release):
    titles = (CAPTURED / ("sendmail-titles-%s.txt" % release)).read_text().splitlines()
    assert [sendmail_status.classify_title(t) for t in titles] == [{"role": "MTA", "state": "accepting", "load": None}]


@pytest.mark.parametrize("title, expected", [
    ("sendmail: MTA: rejecting connections on daemon MTA-v4: load average: 31",
     {"role": "MTA", "state": "rejecting", "load": 31.0}),
    ("sendmail: MSP: Queue runner@00:20:00 for /var/spool/mqueue-client", {"role": "MSP", "state": "queue", "load": None}),
    ("sendmail: ./6AS1rkoB000533 from queue", {"role": "", "state": "queue", "load": None}),
    ("sendmail: server localhost [127.0.0.1] cmd read", {"role": "", "state": "other", "load": None}),
])
def test_other_titles(title, expected):
    assert sendmail_status.classify_title(title) == expected


def test_a_process_that_is_not_sendmail_is_none():
    assert sendmail_status.classify_title("/usr/sbin/sendmail-mta -Am -L sm-mta -bd -q10m") is None


@pytest.mark.parametrize("release, version", [("debian12", "8.17"), ("debian13", "8.18")])
def test_the_banner_of_each_release(release, version):
    reply = sendmail_status.banner_reply((CAPTURED / ("smtp-banner-%s.txt" % release)).read_text().splitlines())
    assert reply["code"] == 220
    assert reply["text"].startswith("deb%s.sysfix.test ESMTP Sendmail %s" % (release[-2:], version))


def test_multiline_and_wrong_greetings():
    assert sendmail_status.banner_reply(["220-first", "220 second"]) == {"code": 220, "text": "first"}
    assert sendmail_status.banner_reply(["554 no SMTP service here"])["code"] == 554
    assert sendmail_status.banner_reply(["+OK POP3"]) is None
    assert sendmail_status.banner_reply([]) is None


@pytest.mark.parametrize("release", RELEASES)
def test_loadavg(release):
    values = sendmail_status.parse_loadavg((CAPTURED / ("proc-loadavg-%s.txt" % release)).read_text())
    assert len(values) == 3 and all(v >= 0 for v in values)
