"""Role sendmail_limits, checked with real SMTP sessions inside the converged container.

converge.yml sets small limits (1 MiB messages, 512 KiB local mailboxes, 3
recipients, RefuseLA 30, QueueLA 20), lets sysfix_relay use SMTP AUTH and
turns the outbound SMTP block on. Every test that changes the container
puts it back, so the shared check-mode test that runs last still sees the
converged state.
"""

import json
import re
import shlex
import time
import uuid

import pytest
import sysfix_molecule

MC = "/etc/mail/sendmail.mc"
CF = "/etc/mail/sendmail.cf"
PID_FILE = "/run/sendmail/mta/sendmail.pid"
VIRUS_REPLY = [550, "5.7.1 Access denied - this message may contain a virus"]
SIRCAM_REPLY = [550, "5.7.1 Your message contains the Sircam worm"]
CHAIN = "SYSFIX-SMTP-OUT"


def jumps(host, tool="iptables"):
    """The OUTPUT rules that send packets into the role's chain."""
    return [line for line in host.check_output("%s -w -S OUTPUT" % tool).splitlines() if "-j %s" % CHAIN in line]


# One SMTP session, step by step, so that every reply can be checked. Runs
# inside the container with the session described as JSON in argv[1].
SMTP_CLIENT = r'''
import base64, json, smtplib, sys
spec = json.loads(sys.argv[1])
out = {}
s = smtplib.SMTP("127.0.0.1", spec.get("port", 25), timeout=60)
s.ehlo("client.example.org")
out["features"] = sorted(s.esmtp_features)
out["auth_line"] = s.esmtp_features.get("auth", "")
if spec.get("auth"):
    user, password = spec["auth"]
    token = base64.b64encode(("\0%s\0%s" % (user, password)).encode()).decode()
    code, msg = s.docmd("AUTH", "PLAIN " + token)
    out["auth"] = [code, msg.decode()]
code, msg = s.docmd("MAIL", "FROM:<%s>%s" % (spec["from"], spec.get("mail_params", "")))
out["mail"] = [code, msg.decode()]
if code == 250:
    out["rcpts"] = []
    for rcpt in spec["rcpts"]:
        code, msg = s.docmd("RCPT", "TO:<%s>" % rcpt)
        out["rcpts"].append([code, msg.decode()])
    if any(r[0] == 250 for r in out["rcpts"]):
        code, msg = s.docmd("DATA")
        if code == 354:
            # Padding is made here: a large message does not fit on a command line.
            body = (spec["message"] + ("x" * 76 + "\n") * (spec.get("pad", 0) // 77)).replace("\n", "\r\n")
            s.send(smtplib.quotedata(body).encode() + b"\r\n.\r\n")
            code, msg = s.getreply()
        out["data"] = [code, msg.decode()]
s.quit()
print(json.dumps(out))
'''


def fqdn(host):
    return host.check_output("hostname")


def smtp(host, **spec):
    return json.loads(host.check_output(
        "python3 -c %s %s" % (shlex.quote(SMTP_CLIENT), shlex.quote(json.dumps(spec)))
    ))


def message(token, subject="Test", headers="", body="hello"):
    """A message marked with X-Sysfix-Test: token, so that it can be found in a mailbox."""
    return "From: root@example.org\nSubject: %s\nX-Sysfix-Test: %s\n%s\n%s\n" % (subject, token, headers, body)


def send(host, subject="Test", rcpts=("sysfix_rcpt",), headers="", size=0, **spec):
    """One SMTP session; ``size`` pads the body to about that many bytes."""
    token = uuid.uuid4().hex
    spec.setdefault("from", "root@%s" % fqdn(host))
    result = smtp(host, rcpts=list(rcpts), message=message(token, subject, headers), pad=size, **spec)
    result["token"] = token
    return result


def delivered(host, user, token, timeout=30):
    """Whether a message with this token reaches /var/mail/USER within timeout seconds."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if host.run("grep -q 'X-Sysfix-Test: %s' /var/mail/%s" % (token, user)).rc == 0:
            return True
        time.sleep(0.5)
    return False


def accepted(result):
    return result.get("data", [0])[0] == 250


def cf_option(host, name):
    match = re.search(r"^O %s=(.*)$" % name, host.file(CF).content_string, re.M)
    return match.group(1) if match else None


def pid_file_mtime(host):
    return host.check_output("stat -c %%Y.%%y %s" % PID_FILE)


# --- the limits --------------------------------------------------------------

def test_the_live_sendmail_cf_carries_the_limits(host):
    options = {name: cf_option(host, name) for name in (
        "MaxMessageSize", "MaxRecipientsPerMessage", "RefuseLA", "QueueLA",
        "MaxDaemonChildren", "ConnectionRateThrottle", "MaxHeadersLength")}
    assert options == {
        "MaxMessageSize": "1048576", "MaxRecipientsPerMessage": "3", "RefuseLA": "30", "QueueLA": "20",
        "MaxDaemonChildren": "40", "ConnectionRateThrottle": "15", "MaxHeadersLength": "32768",
    }
    local_mailer = re.search(r"^Mlocal,.*?(?=^\S)", host.file(CF).content_string, re.M | re.S).group(0)
    assert "M=524288," in local_mailer


def test_the_running_mta_has_read_the_current_sendmail_cf(host):
    """The MTA (re)started after sendmail.cf was last written, and says it accepts connections."""
    assert float(host.check_output("stat -c %%Y %s" % PID_FILE)) >= float(host.check_output("stat -c %%Y %s" % CF))
    pid = host.file(PID_FILE).content_string.split()[0]
    assert "accepting connections" in host.check_output("cat /proc/%s/cmdline | tr '\\0' ' '" % pid)


def test_sendmail_mc_is_debian_s_with_the_role_s_blocks_and_cf_is_built_from_it(host):
    mc = host.file(MC).content_string
    lines = mc.splitlines()
    for block in ("limits", "smtp_auth"):
        begin = lines.index("dnl # BEGIN sysfix.hardening sendmail_limits %s" % block)
        assert begin < lines.index("MAILER_DEFINITIONS") < lines.index("MAILER(`local')dnl")
    assert lines.index("dnl # BEGIN sysfix.hardening sendmail_limits header_filters") > lines.index("MAILER(`smtp')dnl")
    assert "DOMAIN(`debian-mta')dnl" in lines
    # Debian's Makefile appends the .mc to the .cf it builds.
    assert host.file(CF).content_string.endswith(
        "### %s ###\n" % MC + "".join("# " + line for line in mc.splitlines(True)))


def test_a_message_over_the_size_limit_is_refused_with_552(host):
    # Announced with SIZE=: refused at MAIL FROM.
    result = send(host, mail_params=" SIZE=1100000")
    assert result["mail"] == [552, "5.2.3 Message size exceeds fixed maximum message size (1048576)"]
    # Not announced: refused after DATA.
    result = send(host, size=1100000)
    assert result["data"] == [552, "5.2.3 Message exceeds maximum fixed size (1048576)"]
    assert not delivered(host, "sysfix_rcpt", result["token"], timeout=3)


def test_a_message_too_big_for_a_mailbox_is_bounced_by_the_local_mailer(host):
    """LOCAL_MAILER_MAX (Mlocal M=): accepted by SMTP, refused by the local mailer."""
    result = send(host, size=600000)
    assert accepted(result)
    assert not delivered(host, "sysfix_rcpt", result["token"], timeout=5)
    # The bounce to the sender quotes the limit, as in the runbook.
    assert delivered(host, "root", result["token"])
    assert "552 5.2.3 Message is too large; 524288 bytes max" in host.file("/var/mail/root").content_string


def test_one_recipient_over_the_limit_is_refused(host):
    result = send(host, rcpts=["sysfix_rcpt", "sysfix_relay", "sysfix_other", "sysfix_local"])
    assert [code for code, _msg in result["rcpts"]] == [250, 250, 250, 452]
    assert result["rcpts"][3][1] == "4.5.3 Too many recipients"
    assert accepted(result)
    assert delivered(host, "sysfix_rcpt", result["token"])


def test_an_ordinary_message_is_delivered_to_the_mailbox(host):
    result = send(host, subject="Lunch on Friday?")
    assert accepted(result)
    assert delivered(host, "sysfix_rcpt", result["token"])


# --- header filters ------------------------------------------------------------

@pytest.mark.parametrize("subject", ["ILOVEYOU", "Re: ILOVEYOU", "FW: ILOVEYOU", "iloveyou"])
def test_a_filtered_subject_is_rejected_with_the_configured_reply(host, subject):
    result = send(host, subject=subject)
    assert result["data"] == VIRUS_REPLY
    assert not delivered(host, "sysfix_rcpt", result["token"], timeout=3)


@pytest.mark.parametrize("subject", ["I LOVE YOU", "ILOVEYOU from me"])
def test_a_subject_that_is_not_exactly_filtered_is_delivered(host, subject):
    result = send(host, subject=subject)
    assert accepted(result)
    assert delivered(host, "sysfix_rcpt", result["token"])


def test_the_sircam_header_is_rejected(host):
    result = send(host, headers="Content-Disposition: Multipart message")
    assert result["data"] == SIRCAM_REPLY
    result = send(host, headers="Content-Disposition: inline")
    assert accepted(result)


def test_sendmail_bt_prints_the_error_for_the_filtered_subject(host):
    out = host.check_output("printf 'sysfix_subject ILOVEYOU\\nsysfix_subject I LOVE YOU\\n' | sendmail -bt")
    assert '$# error $@ 5 . 7 . 1 $: "550 Access denied - this message may contain a virus"' in out
    assert re.search(r"returns: I LOVE YOU$", out, re.M)


def test_rules_have_a_tab_between_left_and_right_side(host):
    rules = [line for line in host.file(CF).content_string.splitlines() if line.startswith("RILOVEYOU")]
    assert rules == ['RILOVEYOU\t$#error $@ 5.7.1 $: "550 Access denied - this message may contain a virus"']


# --- SMTP AUTH ---------------------------------------------------------------------

def test_only_listed_users_authenticate_and_submit(host):
    result = send(host, port=587, auth=["sysfix_relay", "Relay-pass-1"], **{"from": "sysfix_relay@%s" % fqdn(host)})
    assert result["auth"] == [235, "2.0.0 OK Authenticated"]
    assert accepted(result) and delivered(host, "sysfix_rcpt", result["token"])
    # A good password of a user who is not listed does not get in.
    result = send(host, port=587, auth=["sysfix_other", "Other-pass-1"], **{"from": "sysfix_other@%s" % fqdn(host)})
    assert result["auth"][0] == 535
    assert result["mail"][0] == 530  # the submission port requires AUTH
    # A wrong password of a listed user does not either.
    result = send(host, port=587, auth=["sysfix_relay", "wrong"])
    assert result["auth"][0] == 535


def test_the_list_and_pam_files(host):
    users = [line for line in host.file("/etc/mail/smtpauth").content_string.splitlines() if not line.startswith("#")]
    assert users == ["sysfix_relay"]
    pam = host.file("/etc/pam.d/smtp").content_string.splitlines()
    listfile = "auth\trequired\tpam_listfile.so item=user sense=allow file=/etc/mail/smtpauth onerr=fail"
    assert pam.index(listfile) < pam.index("@include common-auth")


def test_the_default_auth_options_offer_no_password_in_clear(host):
    """With "A p y" (the default) PLAIN and LOGIN need STARTTLS, which the test images lack."""
    only_auth = ["--tags", "sendmail_limits_smtp_auth"]
    try:
        run = sysfix_molecule.run_converge(only_auth, extra_vars={"sendmail_limits_smtp_auth_options": "A p y"})
        assert run.returncode == 0, run.output
        assert cf_option(host, "AuthOptions") == "A p y"
        result = smtp(host, port=587, **{"from": "x@example.org", "rcpts": [], "message": ""})
        assert "PLAIN" not in result["auth_line"] and "LOGIN" not in result["auth_line"]
    finally:
        run = sysfix_molecule.run_converge(only_auth)
        assert run.returncode == 0, run.output
    assert cf_option(host, "AuthOptions") == "A y"


def test_a_user_taken_off_the_list_is_refused_at_once(host):
    """saslauthd caches good passwords; the role restarts it when the list changes."""
    assert send(host, port=587, auth=["sysfix_relay", "Relay-pass-1"])["auth"][0] == 235
    only_auth = ["--tags", "sendmail_limits_smtp_auth"]
    try:
        run = sysfix_molecule.run_converge(only_auth, extra_vars={"sendmail_limits_smtp_auth_users": ["sysfix_other"]})
        assert run.returncode == 0, run.output
        assert send(host, port=587, auth=["sysfix_relay", "Relay-pass-1"])["auth"][0] == 535
        assert send(host, port=587, auth=["sysfix_other", "Other-pass-1"])["auth"][0] == 235
    finally:
        run = sysfix_molecule.run_converge(only_auth)
        assert run.returncode == 0, run.output
    assert send(host, port=587, auth=["sysfix_other", "Other-pass-1"])["auth"][0] == 535


# --- outbound SMTP block -------------------------------------------------------------

CONNECT = "import socket,sys; s=socket.create_connection((sys.argv[1], 25), timeout=10); print(s.recv(64).decode().strip())"


def connect_as(host, user, address="127.0.0.1"):
    return host.run("runuser -u %s -- python3 -c %s %s" % (user, shlex.quote(CONNECT), address))


def test_a_local_user_cannot_connect_to_port_25(host):
    refused = connect_as(host, "sysfix_local")
    assert refused.rc != 0 and "ConnectionRefusedError" in refused.stderr
    # root (the MTA's user) still can.
    allowed = connect_as(host, "root")
    assert allowed.rc == 0 and allowed.stdout.startswith("220 ")


def test_local_users_mail_still_goes_through_the_mta(host):
    """A local user's mail leaves through sendmail's submission program (group smmsp)."""
    token = uuid.uuid4().hex
    host.check_output(
        "printf 'Subject: from a local user\\nX-Sysfix-Test: %s\\n\\nhi\\n' "
        "| runuser -u sysfix_local -- /usr/sbin/sendmail -oi sysfix_rcpt" % token)
    assert delivered(host, "sysfix_rcpt", token)


@pytest.fixture()
def ipv6_listener_on_port_25(host):
    """A listener on [::1]:25 (sendmail listens on 127.0.0.1 only), with IPv6 on lo for the test."""
    was_disabled = host.check_output("cat /proc/sys/net/ipv6/conf/lo/disable_ipv6")
    host.check_output("sysctl -q -w net.ipv6.conf.lo.disable_ipv6=0")
    host.check_output(
        "systemd-run --unit sysfix-test-smtp6 -p RuntimeMaxSec=120 python3 -c %s" % shlex.quote(
            "import socket\n"
            "s = socket.socket(socket.AF_INET6); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
            "s.bind(('::1', 25)); s.listen(5)\n"
            "while True:\n c, _ = s.accept(); c.sendall(b'220 test listener\\r\\n'); c.close()\n"))
    deadline = time.time() + 15
    while time.time() < deadline and host.run("ss -Hltn 'sport = :25' | grep -q '\\[::1\\]'").rc != 0:
        time.sleep(0.3)
    try:
        yield
    finally:
        host.run("systemctl stop sysfix-test-smtp6")
        host.check_output("sysctl -q -w net.ipv6.conf.lo.disable_ipv6=%s" % was_disabled)


def test_the_block_covers_ipv6(host, ipv6_listener_on_port_25):
    refused = connect_as(host, "sysfix_local", "::1")
    assert refused.rc != 0 and "ConnectionRefusedError" in refused.stderr
    allowed = connect_as(host, "root", "::1")
    assert allowed.rc == 0 and allowed.stdout.strip() == "220 test listener"


@pytest.mark.parametrize("tool, persisted", [("iptables", "/etc/iptables/sysfix/SYSFIX-SMTP-OUT.v4"),
                                             ("ip6tables", "/etc/iptables/sysfix/SYSFIX-SMTP-OUT.v6")])
def test_the_block_is_persisted_and_restored_at_boot(host, tool, persisted):
    """Take the chain and its jump away, as a reboot would, then run the boot-time restore."""
    assert len(jumps(host, tool)) == 1 and "--dport 25" in jumps(host, tool)[0]
    rules = host.check_output("%s -w -S %s" % (tool, CHAIN))
    assert "--uid-owner 0" in rules and "--gid-owner" in rules and "-j REJECT --reject-with tcp-reset" in rules
    assert CHAIN in host.file(persisted).content_string
    assert host.check_output("systemctl is-enabled sysfix-iptables.service") == "enabled"
    host.check_output("%s -w %s" % (tool, jumps(host, tool)[0].replace("-A OUTPUT", "-D OUTPUT", 1)))
    host.check_output("%s -w -F %s && %s -w -X %s" % (tool, CHAIN, tool, CHAIN))
    try:
        host.check_output("systemctl restart sysfix-iptables.service")
        assert len(jumps(host, tool)) == 1
        assert host.check_output("%s -w -S %s" % (tool, CHAIN)) == rules
    finally:
        if not jumps(host, tool):
            sysfix_molecule.run_converge()


def test_turning_the_block_off_removes_the_chain_live_and_persisted(host):
    only_block = ["--tags", "sendmail_limits_outbound_smtp"]
    try:
        run = sysfix_molecule.run_converge(only_block, extra_vars={"sendmail_limits_outbound_smtp_block": False})
        assert run.returncode == 0, run.output
        for tool, suffix in (("iptables", "v4"), ("ip6tables", "v6")):
            assert jumps(host, tool) == []
            assert host.run("%s -w -S %s" % (tool, CHAIN)).rc != 0
            assert not host.file("/etc/iptables/sysfix/%s.%s" % (CHAIN, suffix)).exists
        assert connect_as(host, "sysfix_local").stdout.startswith("220 ")
    finally:
        run = sysfix_molecule.run_converge(only_block)
        assert run.returncode == 0, run.output
    assert "ConnectionRefusedError" in connect_as(host, "sysfix_local").stderr


# --- service ----------------------------------------------------------------------------

def test_sendmail_starts_at_boot_and_runs(host):
    service = host.service("sendmail")
    assert service.is_running and service.is_enabled
    assert host.socket("tcp://127.0.0.1:25").is_listening


# --- check mode, failures, bad values ----------------------------------------------------

def test_check_mode_reports_a_changed_mc_and_changes_nothing(host):
    host.check_output("sed -i \"s/define(\\`confMAX_RCPTS_PER_MESSAGE', \\`3')dnl/"
                      "define(\\`confMAX_RCPTS_PER_MESSAGE', \\`50')dnl/\" %s" % MC)
    drifted_mc = host.file(MC).content_string
    cf_before = host.file(CF).content_string
    pid_before = pid_file_mtime(host)
    assert "`50'" in drifted_mc
    try:
        run = sysfix_molecule.run_converge(["--check", "--diff"])
        assert run.returncode == 0, run.output
        changed = run.changed_results()
        assert [task for _h, task, _r in changed] == ["Write the limits into sendmail.mc and apply them"]
        result = changed[0][2]
        assert result["mc_changed"] and not result["cf_changed"]  # cf was built from the old mc
        assert "`50'" in result["diff"][0]["before"] and "`3'" in result["diff"][0]["after"]
        assert host.file(MC).content_string == drifted_mc
        assert host.file(CF).content_string == cf_before
        assert pid_file_mtime(host) == pid_before
    finally:
        run = sysfix_molecule.run_converge()
        assert run.returncode == 0, run.output
    assert "`50'" not in host.file(MC).content_string


def test_a_hand_edited_sendmail_cf_is_rebuilt_and_kept_as_a_backup(host):
    """The runbook edits sendmail.cf; the role rebuilds it from sendmail.mc and keeps the edit."""
    host.check_output("sed -i 's/^O MaxMessageSize=1048576$/O MaxMessageSize=5024000/' %s" % CF)
    edited = host.file(CF).content_string
    try:
        run = sysfix_molecule.run_converge(["--check", "--diff"])
        assert run.returncode == 0, run.output
        changed = [(task, r) for _h, task, r in run.changed_results()]
        assert [task for task, _r in changed] == ["Write the limits into sendmail.mc and apply them"]
        assert changed[0][1]["cf_changed"] and not changed[0][1]["mc_changed"]
        assert "O MaxMessageSize=5024000" in changed[0][1]["diff"][1]["before"]
        assert host.file(CF).content_string == edited
    finally:
        run = sysfix_molecule.run_converge()
        assert run.returncode == 0, run.output
    assert cf_option(host, "MaxMessageSize") == "1048576"
    backup = [r for _h, task, r in run.changed_results() if task == "Write the limits into sendmail.mc and apply them"]
    assert host.file(backup[0]["backup_cf"]).content_string == edited


def test_check_mode_reports_a_missing_firewall_rule_and_changes_nothing(host):
    host.check_output("iptables -w %s" % jumps(host)[0].replace("-A OUTPUT", "-D OUTPUT", 1))
    try:
        run = sysfix_molecule.run_converge(["--check", "--diff"])
        assert run.returncode == 0, run.output
        changed = [(task, r) for _h, task, r in run.changed_results()]
        assert [task for task, _r in changed] == ["Block outgoing SMTP for everyone but the MTA"]
        items = [item for item in changed[0][1]["results"] if item["changed"]]
        assert [(item["item"], item["jumps_added"]) for item in items] == [("ipv4", ["OUTPUT -p tcp --syn --dport 25"])]
        assert jumps(host) == []
    finally:
        run = sysfix_molecule.run_converge()
        assert run.returncode == 0, run.output
    assert len(jumps(host)) == 1


def test_a_config_sendmail_rejects_keeps_the_running_one(host):
    """A hand-written rule without its TAB in sendmail.mc: the new sendmail.cf fails
    sendmail -bt -C, nothing is replaced, the MTA keeps running with its old limits."""
    mc_before = host.file(MC).content_string
    host.check_output("printf 'LOCAL_RULESETS\\nSlocal_broken\\nR$* $#error oops\\n' >> %s" % MC)
    broken_mc = host.file(MC).content_string
    cf_before = host.file(CF).content_string
    pid_before = pid_file_mtime(host)
    try:
        run = sysfix_molecule.run_converge(extra_vars={"sendmail_limits_max_recipients": 10})
        assert run.returncode != 0
        messages = run.failure_messages()
        assert any("sendmail rejects the sendmail.cf built from the new %s" % MC in m
                   and 'invalid rewrite line "R$* $#error oops" (tab expected)' in m for m in messages), run.output
        assert host.file(MC).content_string == broken_mc
        assert host.file(CF).content_string == cf_before
        assert pid_file_mtime(host) == pid_before
        # Still the old limit of 3 recipients.
        result = send(host, rcpts=["sysfix_rcpt", "sysfix_relay", "sysfix_other", "sysfix_local"])
        assert [code for code, _msg in result["rcpts"]] == [250, 250, 250, 452]
    finally:
        host.check_output("cat > %s <<'EOF'\n%sEOF" % (MC, mc_before))
        run = sysfix_molecule.run_converge()
        assert run.returncode == 0, run.output
    assert host.file(MC).content_string == mc_before


@pytest.mark.parametrize(
    "bad_vars, named",
    [
        ({"sendmail_limits_max_message_size": -5}, "sendmail_limits_max_message_size"),
        ({"sendmail_limits_max_recipients": "lots"}, "sendmail_limits_max_recipients"),
        ({"sendmail_limits_refuse_la": 5, "sendmail_limits_queue_la": 8}, "sendmail_limits_queue_la"),
        ({"sendmail_limits_header_filters": [
            {"header": "Subject", "values": ["x"], "reply": "550 5.7.1 no", "subjekt": "typo"}]},
         "sendmail_limits_header_filters"),
        ({"sendmail_limits_header_filters": [{"header": "Subject", "values": ["x"], "reply": "go away"}]},
         "sendmail_limits_header_filters[0]"),
        ({"sendmail_limits_header_filters": [{"header": "Subject", "values": ["$x"], "reply": "550 5.7.1 no"}]},
         "sendmail_limits_header_filters[0]"),
        ({"sendmail_limits_smtp_auth_options": "A q"}, "sendmail_limits_smtp_auth_options"),
        ({"sendmail_limits_outbound_smtp_exempt_users": ["root", "no_such_user"]},
         "sendmail_limits_outbound_smtp_exempt_users[1]"),
        ({"sendmail_limits_outbound_smtp_target": "ACCEPT"}, "sendmail_limits_outbound_smtp_target"),
    ],
)
def test_a_bad_value_stops_the_run_before_any_change(host, bad_vars, named):
    mc_before = host.file(MC).content_string
    cf_before = host.file(CF).content_string
    rules_before = host.check_output("iptables -w -S")
    run = sysfix_molecule.run_converge(extra_vars=bad_vars)
    assert run.returncode != 0
    assert len(run.failed_results()) == 1, run.output
    assert any(named in message for message in run.failure_messages()), run.output
    assert run.changed_results() == []
    assert host.file(MC).content_string == mc_before
    assert host.file(CF).content_string == cf_before
    assert host.check_output("iptables -w -S") == rules_before
