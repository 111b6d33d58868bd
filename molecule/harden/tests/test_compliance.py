"""playbooks/compliance.yml on the converged fleet: run as AWX runs it, then
with drift, in a real browser, and fixed by a converge.

pytest runs the tests of a file in order and this file after test_harden.py;
the shared check-mode test runs last. Each compliance run checks four hosts,
so the drift is made once (module-scoped) and read by several tests.
"""

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import sysfix_molecule

COMPLIANCE = Path(os.environ["MOLECULE_PROJECT_DIRECTORY"]) / "playbooks" / "compliance.yml"
CALLBACK = {"ANSIBLE_CALLBACKS_ENABLED": "sysfix.hardening.compliance_summary"}
MANAGED = [
    "/etc/sysctl.d/60-sysfix-syncookies.conf",
    "/etc/security/limits.d/60-sysfix-ulimit.conf",
    "/etc/profile.d/sysfix-ulimit.sh",
    "/etc/apache2/conf-available/sysfix-timeouts.conf",
    "/etc/apache2/mods-available/mpm_event.conf",
    "/etc/apache2/sites-available/000-default.conf",
    "/etc/mail/sendmail.mc",
    "/etc/mail/sendmail.cf",
    "/etc/inetd.conf",
    "/etc/hosts.allow",
    "/etc/hosts.deny",
]
DRIFTED_HOSTS = ("sysfix-harden-mail12", "sysfix-harden-mail13", "sysfix-harden-web13")
BIG = "define(`confMAX_MESSAGE_SIZE', `99999999')dnl"


def docker(container, command):
    return subprocess.run(["docker", "exec", container, "sh", "-c", command],
                          capture_output=True, text=True, check=True).stdout


def fingerprint(container):
    """What a compliance run must not change: the managed files and the live sysctl."""
    files = docker(container, "cat %s 2>/dev/null; sysctl -n net.ipv4.tcp_synack_retries" % " ".join(MANAGED))
    return hashlib.sha256(files.encode()).hexdigest()


def states(report):
    return {(host, key): row["state"] for host, rows in report["hosts"].items() for key, row in rows.items()}


def test_awx_runs_it_through_ansible_runner_on_the_converged_fleet(tmp_path):
    """As AWX runs a job: a private data dir with project, inventory and env;
    the stats come from the runner's artifacts."""
    project = tmp_path / "project"
    shutil.copytree(COMPLIANCE.parent, project)
    # The inventory with its group_vars, as an AWX inventory carries its variables.
    shutil.copytree(Path(os.environ["MOLECULE_INVENTORY_FILE"]).parent, tmp_path / "inventory")
    (tmp_path / "env").mkdir()
    envvars = {key: os.environ[key] for key in ("ANSIBLE_COLLECTIONS_PATH", "ANSIBLE_CONFIG", "PATH") if key in os.environ}
    envvars.update(CALLBACK)
    (tmp_path / "env" / "envvars").write_text(json.dumps(envvars))
    (tmp_path / "env" / "extravars").write_text(json.dumps({"compliance_report_dir": str(tmp_path / "report")}))
    runner = subprocess.run(
        ["ansible-runner", "run", str(tmp_path), "-p", "compliance.yml", "--ident", "compliance", "-j",
         "--cmdline", "--check --diff"],
        capture_output=True, text=True, timeout=900, check=False,
    )
    artifacts = tmp_path / "artifacts" / "compliance"
    assert (artifacts / "rc").read_text().strip() == "0", runner.stdout[-4000:]
    assert (artifacts / "status").read_text().strip() == "successful"
    events = [json.loads(path.read_text()) for path in (artifacts / "job_events").glob("*.json")]
    stats = [event for event in events if event.get("event") == "playbook_on_stats"]
    assert len(stats) == 1
    data = stats[0]["event_data"]["artifact_data"]["sysfix_compliance"]
    assert data["drifted"] == [] and data["counts"]["drifted"] == 0 and data["counts"]["error"] == 0
    # The report the playbook wrote agrees, control by control.
    report = json.loads((tmp_path / "report" / "compliance.json").read_text())
    assert report["counts"] == data["counts"]
    assert set(states(report).values()) == {"compliant", "not applicable"}
    web = report["hosts"]["sysfix-harden-web12"]
    assert web["apache_limits/evasive"]["reason"] == "turned off (apache_limits_evasive_enabled is false)"
    assert web["apache_limits/workers"]["runbook"] == "Web: 256 httpd processes, MaxClients"
    assert "apache_limits/workers" not in report["hosts"]["sysfix-harden-mail12"]


@pytest.fixture(scope="module")
def drifted(tmp_path_factory):
    """A sysctl changed live on mail12, a sendmail limit raised by hand on
    mail13 and an Apache directive edited on web13, then one compliance run;
    converged back at the end."""
    docker("sysfix-harden-mail12", "sysctl -q -w net.ipv4.tcp_synack_retries=5")
    # No shell between us and sed: the backquotes of m4 stay as they are.
    subprocess.run(["docker", "exec", "sysfix-harden-mail13", "sed", "-i",
                    "s/^define(`confMAX_MESSAGE_SIZE', `[0-9]*')dnl$/%s/" % BIG, "/etc/mail/sendmail.mc"],
                   check=True)
    assert BIG in docker("sysfix-harden-mail13", "cat /etc/mail/sendmail.mc")
    docker("sysfix-harden-web13",
           "sed -i 's/^KeepAliveTimeout 5$/KeepAliveTimeout 9/' /etc/apache2/conf-available/sysfix-timeouts.conf")
    before = {host: fingerprint(host) for host in DRIFTED_HOSTS}
    directory = tmp_path_factory.mktemp("report")
    run = sysfix_molecule.run_playbook(
        COMPLIANCE, ["--check", "--diff"], extra_vars={"compliance_report_dir": str(directory)},
        env=dict(CALLBACK, ANSIBLE_STDOUT_CALLBACK="ansible.posix.json"),
    )
    after = {host: fingerprint(host) for host in DRIFTED_HOSTS}
    yield run, json.loads((directory / "compliance.json").read_text()), directory, before, after
    sysfix_molecule.run_converge()


def test_exactly_the_drift_is_reported_with_its_diff(drifted):
    run, report, _directory, _before, _after = drifted
    # The run fails, so that a scheduled job shows red.
    assert run.returncode != 0
    assert any("3 drifted and 0 failed" in m for m in run.failure_messages()), run.output
    assert report["drifted"] == [
        "sysfix-harden-mail12 syncookies/live",
        "sysfix-harden-mail13 sendmail_limits/limits",
        "sysfix-harden-web13 apache_limits/timeouts",
    ]
    limits = "\n".join(report["hosts"]["sysfix-harden-mail13"]["sendmail_limits/limits"]["diffs"])
    assert "-" + BIG in limits and "+define(`confMAX_MESSAGE_SIZE', `26214400')dnl" in limits
    live = report["hosts"]["sysfix-harden-mail12"]["syncookies/live"]["diffs"]
    assert len(live) == 1
    assert "-net.ipv4.tcp_synack_retries = 5" in live[0] and "+net.ipv4.tcp_synack_retries = 2" in live[0]
    timeouts = report["hosts"]["sysfix-harden-web13"]["apache_limits/timeouts"]["diffs"]
    assert len(timeouts) == 1 and "-KeepAliveTimeout 9" in timeouts[0] and "+KeepAliveTimeout 5" in timeouts[0]


def test_the_compliance_run_changed_nothing(drifted):
    _run, _report, _directory, before, after = drifted
    assert after == before


def test_the_html_report_renders_in_a_real_browser(drifted, tmp_path):
    """Headless Chromium loads the page; its DOM has the table, a cell per host and control."""
    _run, _report, directory, _before, _after = drifted
    chromium = shutil.which("chromium")
    assert chromium, "Debian's chromium package is needed (scripts/test.sh installs it)"
    command = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run",
               "--user-data-dir=%s" % (tmp_path / "profile")]
    page = (directory / "compliance.html").as_uri()
    dom = subprocess.run(command + ["--dump-dom", page], capture_output=True, text=True, timeout=120, check=True).stdout
    assert '<table id="compliance">' in dom
    assert dom.count('data-state="drifted"') == 3
    assert dom.count("<th>sysfix-harden-") == 4
    assert dom.count("<details>") == 3
    shot = tmp_path / "compliance.png"
    subprocess.run(command + ["--window-size=1400,1100", "--screenshot=%s" % shot, page],
                   capture_output=True, text=True, timeout=120, check=True)
    assert shot.stat().st_size > 10000


def test_a_converge_fixes_exactly_the_drift(drifted):
    run = sysfix_molecule.run_converge()
    assert run.returncode == 0, run.output
    fixed = sorted((host, task) for host, task, _r in run.changed_results() if not task.startswith("Apply")
                   and not task.startswith("Reload"))
    assert fixed == [
        ("sysfix-harden-mail12", "Set the SYN-flood parameters in the running kernel"),
        ("sysfix-harden-mail13", "Write the limits into sendmail.mc and apply them"),
        ("sysfix-harden-web13", "Write the timeouts drop-in"),
    ]


def test_it_refuses_to_run_without_check_mode(tmp_path):
    run = sysfix_molecule.run_playbook(COMPLIANCE, extra_vars={"compliance_report_dir": str(tmp_path)},
                                       env=CALLBACK)
    assert run.returncode != 0
    assert any("run it with --check --diff" in m for m in run.failure_messages()), run.output
    assert run.changed_results() == [] and not (tmp_path / "compliance.json").exists()
