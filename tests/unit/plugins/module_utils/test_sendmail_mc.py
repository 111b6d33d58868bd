"""Pure sendmail.mc/sendmail.cf helpers, against the files of the Debian 12
and 13 test images (tests/unit/fixtures/sendmail_mc/)."""

import pytest
from conftest import FIXTURES
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.sysfix.hardening.plugins.module_utils import sendmail_mc

RELEASES = ["debian12", "debian13"]
MC_PATH = "/etc/mail/sendmail.mc"
LIMITS = "define(`confMAX_MESSAGE_SIZE', `5024000')dnl\ndefine(`LOCAL_MAILER_MAX', `5024000')dnl\n"
FILTERS = "LOCAL_CONFIG\n`HSubject: $>sysfix_subject'\nLOCAL_RULESETS\n`Ssysfix_subject'\n"


def fixture(name):
    return (FIXTURES / "sendmail_mc" / name).read_text()


@pytest.mark.parametrize("release", RELEASES)
def test_debian_cf_rebuilds_the_packaged_sendmail_cf(release):
    """m4 output plus Debian's trailer is the installed file, apart from the build stamp."""
    mc = fixture("sendmail.mc-%s" % release)
    installed = fixture("sendmail.cf-%s" % release)
    built = sendmail_mc.debian_cf(fixture("m4-output-%s.cf" % release), mc, MC_PATH)
    assert built != installed  # another build time
    assert sendmail_mc.cf_equivalent(built, installed)
    assert built.endswith("### /etc/mail/sendmail.mc ###\n" + "".join("# " + l for l in mc.splitlines(True)))


@pytest.mark.parametrize("release", RELEASES)
def test_a_changed_option_is_not_equivalent(release):
    installed = fixture("sendmail.cf-%s" % release)
    changed = installed.replace("#O MaxMessageSize=0", "O MaxMessageSize=5024000")
    assert changed != installed
    assert not sendmail_mc.cf_equivalent(changed, installed)


@pytest.mark.parametrize("release", RELEASES)
def test_limits_block_goes_above_the_mailer_definitions(release):
    mc = fixture("sendmail.mc-%s" % release)
    new = sendmail_mc.set_block(mc, "sysfix limits", LIMITS, "before_mailers")
    lines = new.splitlines()
    begin = lines.index("dnl # BEGIN sysfix limits")
    assert lines[begin + 1:begin + 4] == [
        "define(`confMAX_MESSAGE_SIZE', `5024000')dnl",
        "define(`LOCAL_MAILER_MAX', `5024000')dnl",
        "dnl # END sysfix limits",
    ]
    assert lines[begin + 4] == "MAILER_DEFINITIONS"
    assert lines.index("MAILER(`local')dnl") > begin
    # Everything else is kept, in order.
    assert [line for line in lines if "sysfix limits" not in line and line not in LIMITS.splitlines()] == mc.splitlines()


@pytest.mark.parametrize("release", RELEASES)
def test_filters_block_goes_at_the_end(release):
    mc = fixture("sendmail.mc-%s" % release)
    new = sendmail_mc.set_block(mc, "sysfix filters", FILTERS, "end")
    assert new.endswith("dnl # BEGIN sysfix filters\n" + FILTERS + "dnl # END sysfix filters\n")
    assert new.startswith(mc.rstrip("\n"))


@pytest.mark.parametrize("release", RELEASES)
def test_set_block_is_idempotent_and_replaces_in_place(release):
    mc = fixture("sendmail.mc-%s" % release)
    once = sendmail_mc.set_block(mc, "a", LIMITS, "before_mailers")
    once = sendmail_mc.set_block(once, "b", FILTERS, "end")
    assert sendmail_mc.set_block(once, "a", LIMITS, "before_mailers") == once
    assert sendmail_mc.set_block(once, "b", FILTERS, "end") == once
    other = sendmail_mc.set_block(once, "a", "define(`confMAX_RCPTS_PER_MESSAGE', `20')dnl\n", "before_mailers")
    assert "confMAX_MESSAGE_SIZE" not in other
    assert other.index("confMAX_RCPTS_PER_MESSAGE") == once.index("confMAX_MESSAGE_SIZE")
    assert sendmail_mc.block_body(other, "b") == FILTERS


def test_an_empty_body_removes_the_block():
    mc = fixture("sendmail.mc-debian12")
    with_block = sendmail_mc.set_block(mc, "a", LIMITS, "before_mailers")
    assert sendmail_mc.set_block(with_block, "a", "", "before_mailers") == mc
    assert sendmail_mc.set_block(mc, "a", "  \n", "before_mailers") == mc
    assert sendmail_mc.block_body(mc, "a") == ""


def test_a_block_below_the_mailers_is_moved_above_them():
    mc = fixture("sendmail.mc-debian13")
    misplaced = mc + "dnl # BEGIN a\n" + LIMITS + "dnl # END a\n"
    fixed = sendmail_mc.set_block(misplaced, "a", LIMITS, "before_mailers")
    assert fixed == sendmail_mc.set_block(mc, "a", LIMITS, "before_mailers")


def test_an_end_block_above_the_mailers_is_moved_to_the_end():
    mc = fixture("sendmail.mc-debian13")
    misplaced = mc.replace("MAILER_DEFINITIONS\n", "dnl # BEGIN b\n" + FILTERS + "dnl # END b\nMAILER_DEFINITIONS\n")
    assert sendmail_mc.set_block(misplaced, "b", FILTERS, "end") == sendmail_mc.set_block(mc, "b", FILTERS, "end")


@pytest.mark.parametrize(
    "text, message",
    [
        ("MAILER(`local')dnl\ndnl # BEGIN a\n", "expected one of each"),
        ("dnl # END a\nMAILER(`local')dnl\ndnl # BEGIN a\n", "expected one of each"),
        ("dnl # BEGIN a\ndnl # BEGIN a\ndnl # END a\nMAILER(`local')dnl\n", "expected one of each"),
        ("define(`x', `y')dnl\n", "no MAILER_DEFINITIONS"),
    ],
)
def test_broken_markers_or_no_mailer_line_are_refused(text, message):
    with pytest.raises(sendmail_mc.McError, match=message):
        sendmail_mc.set_block(text, "a", LIMITS, "before_mailers")


def test_unknown_position_is_refused():
    with pytest.raises(sendmail_mc.McError, match="position must be one of"):
        sendmail_mc.set_block("MAILER(`local')dnl\n", "a", LIMITS, "middle")


@pytest.mark.parametrize("release", RELEASES)
def test_bt_report_of_a_good_file_is_empty(release):
    assert sendmail_mc.bt_report(fixture("bt-good-%s.txt" % release), "/etc/mail/sendmail.cf") == ([], [])


@pytest.mark.parametrize("release", RELEASES)
def test_bt_report_separates_errors_of_the_checked_file(release):
    errors, others = sendmail_mc.bt_report(fixture("bt-broken-%s.txt" % release), "/root/bad.cf")
    assert errors == [
        '/root/bad.cf: line 1: unknown configuration line "garbage line here"',
        '/root/bad.cf: line 2: missing valid ruleset for "Rbad"',
    ]
    assert others[-1] == "No local mailer defined"
    assert others[0].startswith("Warning: .cf file is out of date")


@pytest.mark.parametrize("release", RELEASES)
def test_bt_report_names_a_space_where_a_tab_belongs(release):
    errors, _others = sendmail_mc.bt_report(fixture("bt-notab-%s.txt" % release), "/root/bad2.cf")
    assert len(errors) == 1 and errors[0].endswith('invalid rewrite line "R$* $#error oops" (tab expected)')


# No control characters or line/paragraph separators: each string is one line.
_LINE = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), max_size=40).filter(
    lambda s: "dnl # BEGIN" not in s and "dnl # END" not in s)


@given(before=st.lists(_LINE, max_size=8), after=st.lists(_LINE, max_size=8),
       body=st.lists(_LINE.filter(lambda s: s.strip() != ""), min_size=1, max_size=5))
def test_set_block_keeps_every_other_line(before, after, body):
    head = [line for line in before if not sendmail_mc._MAILER_LINE.match(line)]
    text = "\n".join(head + ["MAILER(`local')dnl"] + after) + "\n"
    body_text = "\n".join(body) + "\n"
    new = sendmail_mc.set_block(text, "h", body_text, "before_mailers")
    assert sendmail_mc.set_block(new, "h", "", "before_mailers") == text
    assert sendmail_mc.set_block(new, "h", body_text, "before_mailers") == new
