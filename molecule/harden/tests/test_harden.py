"""playbooks/harden.yml on a mail and a web server on each of Debian 12 and 13.

The roles are tested in depth in their own scenarios; this checks that the
playbook applies each role to the hosts it is meant for, on both releases.
"""

import shlex

import pytest

HOSTS = ["sysfix-harden-mail12", "sysfix-harden-web12", "sysfix-harden-mail13", "sysfix-harden-web13"]
WEB_CONFS = ["sysfix-servername", "sysfix-timeouts", "sysfix-rlimits", "sysfix-request-body",
             "sysfix-forbidden-files", "sysfix-hotlink", "sysfix-hotlink-sites", "sysfix-worms"]


def groups(host):
    return host.ansible.get_variables()["group_names"]


@pytest.mark.parametrize(
    "key, value",
    [("net/ipv4/tcp_syncookies", "1"), ("net/ipv4/tcp_max_syn_backlog", "4096"), ("net/ipv4/tcp_synack_retries", "2")],
)
def test_every_host_has_the_syn_flood_settings_live(host, key, value):
    assert host.file("/proc/sys/" + key).content_string.strip() == value


def test_every_host_persists_them_for_boot(host):
    assert "# /etc/sysctl.d/60-sysfix-syncookies.conf" in host.check_output(
        "/lib/systemd/systemd-sysctl --cat-config"
    )


def test_every_host_limits_non_root_logins(host):
    host.run("id sysfix_probe || useradd -m -s /bin/bash sysfix_probe")
    try:
        limits = host.check_output("runuser -l sysfix_probe -c 'ulimit -Hu; ulimit -Hv'").split()
    finally:
        host.run("userdel -r sysfix_probe")
    assert limits == ["1024", "4194304"]


def test_the_release_is_the_one_the_platform_names(host):
    expected = "bookworm" if host.backend.get_hostname().endswith("12") else "trixie"
    assert host.system_info.codename == expected


def test_web_roles_only_on_web_servers(host):
    enabled = [name for name in WEB_CONFS if host.file("/etc/apache2/conf-enabled/%s.conf" % name).exists]
    if "webservers" in groups(host):
        assert enabled == WEB_CONFS
        assert "Syntax OK" in host.run("apache2ctl configtest").stderr
    else:
        assert enabled == []


def test_web_servers_answer_with_the_hardened_configuration(host):
    if "webservers" not in groups(host):
        pytest.skip("%s is not in webservers" % host.backend.get_hostname())
    host.check_output("mkdir -p /var/www/html/media && echo clip > /var/www/html/media/clip.wmv")
    fetch = "curl -s -o /dev/null -w '%{http_code}' "
    assert host.check_output(fetch + "http://127.0.0.1/media/clip.wmv") == "200"
    assert host.check_output(fetch + "-e http://evil.example.org/ http://127.0.0.1/media/clip.wmv") == "403"
    assert host.check_output(fetch + "-A sysfix-harden-worm http://127.0.0.1/default.ida") == "404"
    assert "sysfix-harden-worm" not in host.file("/var/log/apache2/access.log").content_string


def test_mail_roles_only_on_mail_servers(host):
    limits_block = "dnl # BEGIN sysfix.hardening sendmail_limits limits"
    mc = host.file("/etc/mail/sendmail.mc").content_string
    inetd = host.file("/etc/inetd.conf").content_string
    if "mailservers" in groups(host):
        assert limits_block in mc
        assert any(line.startswith("pop3") and "nowait.200" in line for line in inetd.splitlines())
        assert host.service("sendmail").is_running
    else:
        assert limits_block not in mc
        assert not any(line.startswith("pop3") and "nowait.200" in line for line in inetd.splitlines())


def test_mail_servers_refuse_the_runbooks_virus_subject(host):
    if "mailservers" not in groups(host):
        pytest.skip("%s is not in mailservers" % host.backend.get_hostname())
    # A local sender (the host's own name resolves) to a local user: only the
    # header filter can refuse this message.
    script = (
        "import smtplib, socket\n"
        "s = smtplib.SMTP('127.0.0.1', 25, timeout=30)\n"
        "s.ehlo('client.example.test')\n"
        "try:\n"
        "    s.sendmail('root@' + socket.gethostname(), ['root'], 'Subject: ILOVEYOU\\r\\n\\r\\nx\\r\\n')\n"
        "    print('accepted')\n"
        "except smtplib.SMTPDataError as exc:\n"
        "    print(exc.smtp_code, exc.smtp_error.decode())\n"
    )
    assert host.check_output("python3 -c %s" % shlex.quote(script)) == (
        "550 5.7.1 Access denied - this message may contain a virus"
    )
