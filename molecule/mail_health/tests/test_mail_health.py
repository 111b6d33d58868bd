"""Health playbooks for mail servers, with real faults inside the container.

prepare.yml runs popa3d from openbsd-inetd through tcpd (nowait.200) and
gives the test user sysfix_pop one message.
molecule.yml gives every run the test account, the TCP wrappers client
198.51.100.7 and the known domain example.com. Every fault is taken back,
so the shared check-mode test that runs last sees the healthy server again.
"""

import re
import time

import pytest
import sysfix_molecule

INETD_CONF = "/etc/inetd.conf"
CF = "/etc/mail/sendmail.cf"


def summary(run):
    found = [result["msg"] for _host, name, result in run.results if name == "Summary" and "msg" in result]
    assert found, run.output
    return found[0]


def line(lines, check):
    """The summary line of one check, with runs of spaces (the alignment) made one."""
    found = [" ".join(text.split()) for text in lines if re.match(r"^(PASS|FAIL|SKIP|INFO)  %s " % re.escape(check), text)]
    assert len(found) == 1, (check, lines)
    return found[0]


def mail_health(*args, **extra_vars):
    return sysfix_molecule.run_playbook("sysfix.hardening.mail_health", args, extra_vars=extra_vars or None)


def pop3_health(*args, **extra_vars):
    return sysfix_molecule.run_playbook(
        sysfix_molecule.scenario_directory() / "../../playbooks/pop3_health.yml", args, extra_vars=extra_vars or None)


def wait_until_accepting(host):
    deadline = time.time() + 60
    while time.time() < deadline:
        if host.run("ps -eo args | grep -q '^sendmail: MTA: accepting connections'").rc == 0 and \
                host.run("timeout 5 bash -c 'exec 3<>/dev/tcp/127.0.0.1/25; head -c 3 <&3'").stdout == "220":
            return
        time.sleep(2)
    raise AssertionError("sendmail did not come back")


@pytest.fixture(scope="module")
def healthy_mail():
    return mail_health()


def test_a_healthy_sendmail_passes_every_check(healthy_mail):
    assert healthy_mail.returncode == 0, healthy_mail.output
    lines = summary(healthy_mail)
    assert re.match(r"^mail_health on \S+: PASS \(6 passed, 0 failed\)$", lines[0]), lines
    assert "pid " in line(lines, "sendmail daemon") and "sendmail: MTA: accepting connections" in line(lines, "sendmail daemon")
    assert re.search(r"PASS SMTP banner 220 deb12\.sysfix\.test ESMTP Sendmail 8\.", line(lines, "SMTP banner"))
    assert re.search(r"\(RefuseLA (\d+) default \(12 x (\d+) CPUs\), QueueLA \d+ default \(8 x \2 CPUs\)\)$",
                     line(lines, "load average")), line(lines, "load average")
    assert line(lines, "spool file system").startswith("PASS spool file system /var/mail on /")
    assert "MinFreeBlocks 100" in line(lines, "queue file system")
    assert line(lines, "mail log").startswith("INFO")


@pytest.fixture()
def sendmail_stopped_with_refuse_la_77(host):
    """RefuseLA 77 in the live sendmail.cf, and the daemon gone.

    The daemon is ended by its pid file: in these containers the init
    script's stop cannot (start-stop-daemon --exec cannot read
    /proc/PID/exe without CAP_SYS_PTRACE).
    """
    host.check_output("cp -p %s /run/sendmail.cf.sysfix-test && sed -i 's/^#O RefuseLA=12$/O RefuseLA=77/' %s" % (CF, CF))
    host.check_output("kill $(head -n1 /run/sendmail/mta/sendmail.pid)")
    deadline = time.time() + 30
    while host.run("ps -eo args | grep -q '^sendmail: MTA: accepting'").rc == 0:
        assert time.time() < deadline, "sendmail did not end"
        time.sleep(1)
    yield
    host.check_output("cp -p /run/sendmail.cf.sysfix-test %s && systemctl restart sendmail" % CF)
    wait_until_accepting(host)


@pytest.mark.parametrize("args", [(), ("--check",)])
def test_a_stopped_sendmail_fails_and_limits_come_from_the_live_cf(host, sendmail_stopped_with_refuse_la_77, args):
    run = mail_health(*args)
    assert run.returncode != 0
    lines = summary(run)
    assert ": FAIL (4 passed, 2 failed)" in lines[0]
    assert line(lines, "sendmail daemon") == "FAIL sendmail daemon no sendmail daemon runs (systemctl start sendmail)"
    assert line(lines, "SMTP banner").startswith("FAIL SMTP banner cannot connect to 127.0.0.1:25")
    assert "RefuseLA 77 sendmail.cf" in line(lines, "load average")
    assert run.failure_messages()[-1].startswith("mail_health: sendmail daemon, SMTP banner failed on ")
    assert run.changed_results() == []


QUEUES = "/var/spool/mqueue /var/spool/mqueue-client"


@pytest.fixture()
def full_spool_and_a_mistyped_recipient(host):
    """A 1 MiB tmpfs on /var/mail, filled; and a message queued (not sent) to exmaple.com."""
    before = set(host.check_output("ls %s" % QUEUES).split())
    host.check_output("mount -t tmpfs -o size=1m sysfix-test-spool /var/mail")
    host.run("dd if=/dev/zero of=/var/mail/filler bs=64k count=64")
    host.check_output("sendmail -odq -oi frank@exmaple.com < /dev/null")
    yield
    host.check_output("umount /var/mail")
    for directory in QUEUES.split():
        for name in set(host.check_output("ls %s" % directory).split()) - before:
            host.check_output("rm -f %s/%s" % (directory, name))


def test_a_full_spool_fails_and_the_queue_shows_the_typo(full_spool_and_a_mistyped_recipient):
    run = mail_health()
    assert run.returncode != 0
    lines = summary(run)
    assert line(lines, "spool file system").startswith(
        "FAIL spool file system /var/mail on /var/mail (tmpfs): 100% used")
    assert line(lines, "sendmail daemon").startswith("PASS")
    assert "typo? exmaple.com looks like example.com" in line(lines, "mail queue")
    assert run.failure_messages()[-1].startswith("mail_health: spool file system failed on ")


@pytest.fixture(scope="module")
def healthy_pop3():
    return pop3_health()


def test_a_healthy_pop3_passes_every_check_and_logs_in(healthy_pop3):
    assert healthy_pop3.returncode == 0, healthy_pop3.output
    lines = summary(healthy_pop3)
    assert re.match(r"^pop3_health on \S+: PASS \(7 passed, 0 failed\)$", lines[0]), lines
    assert re.search(r"line \d+: pop3 nowait\.200 root /usr/sbin/tcpd /usr/sbin/popa3d$", line(lines, "inetd POP3 line"))
    assert line(lines, "greeting").startswith("PASS greeting +OK")
    assert re.search(r"PASS login sysfix_pop: [1-9]\d* messages, \d+ bytes$", line(lines, "login"))
    assert "198.51.100.7 granted" in line(lines, "TCP wrappers")
    assert "limit 200 starts per minute" in line(lines, "start limit")


@pytest.fixture()
def pop3_disabled_by_update_inetd(host):
    host.check_output("update-inetd --disable pop3 && systemctl restart inetd")
    yield
    host.check_output("update-inetd --enable pop3 && systemctl restart inetd")


def test_a_disabled_pop3_line_fails(pop3_disabled_by_update_inetd):
    run = pop3_health()
    assert run.returncode != 0
    lines = summary(run)
    assert re.search(r"^FAIL inetd POP3 line line \d+ is disabled by update-inetd \(#<off>#\)$",
                     line(lines, "inetd POP3 line"))
    assert "cannot connect to 127.0.0.1:110" in line(lines, "greeting")
    assert run.changed_results() == []


@pytest.fixture()
def start_limit_hit(host):
    """nowait.3, then five sessions within the minute: openbsd-inetd stops POP3 ("looping")."""
    conf = host.file(INETD_CONF).content_string
    host.check_output("sed -i 's/\\tnowait\\.200\\t/\\tnowait.3\\t/' %s && systemctl restart inetd" % INETD_CONF)
    for _attempt in range(5):
        host.run("timeout 5 bash -c 'exec 3<>/dev/tcp/127.0.0.1/110 && head -n1 <&3'")
    yield
    host.check_output("cat > %s <<'EOF'\n%sEOF\nsystemctl restart inetd" % (INETD_CONF, conf))


def test_inetd_stopping_pop3_for_its_start_limit_fails(start_limit_hit):
    run = pop3_health()
    assert run.returncode != 0
    lines = summary(run)
    assert "inetd stopped POP3 for starting too often" in line(lines, "start limit")
    assert "pop3/tcp server failing (looping)" in line(lines, "start limit")
    assert line(lines, "start limit").startswith("FAIL")


def test_a_client_refused_by_tcp_wrappers_fails(host):
    host.check_output("cp -p /etc/hosts.deny /run/hosts.deny.sysfix-test && echo 'popa3d: 203.0.113.0/24' >> /etc/hosts.deny")
    try:
        run = pop3_health(pop3_health_clients=["198.51.100.7", "203.0.113.9"])
    finally:
        host.check_output("cp -p /run/hosts.deny.sysfix-test /etc/hosts.deny")
    assert run.returncode != 0
    text = line(summary(run), "TCP wrappers")
    assert text.startswith("FAIL TCP wrappers 198.51.100.7 granted; 203.0.113.9 denied;")
    assert "hosts.deny: popa3d: 203.0.113.0/24" in text
