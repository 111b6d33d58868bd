"""Role ulimit_profile, checked with real logins inside the converged container.

Users (from prepare.yml): sysfix_alice gets the defaults; sysfix_dev is in
@sysfix_devs (8192 open files); sysfix_small is in @sysfix_devs too but has
its own user entry (40 processes, 256 MiB address space).
"""

import json

import pytest
import sysfix_molecule

LIMITS_FILE = "/etc/security/limits.d/60-sysfix-ulimit.conf"
PROFILE_SCRIPT = "/etc/profile.d/sysfix-ulimit.sh"
# bash's ulimit flags: -v KiB, -u processes, -n open files, -c KiB.
ULIMIT_QUERY = "echo $(ulimit -{kind}v) $(ulimit -{kind}u) $(ulimit -{kind}n) $(ulimit -{kind}c)"

DEFAULTS = "4194304 1024 4096 0"
DEV = "4194304 1024 8192 0"
SMALL = "262144 40 8192 0"


def login_limits(host, user, kind):
    """Limits of a real login session (PAM, then the login shell's profile)."""
    return host.check_output("runuser -l %s -c '%s'" % (user, ULIMIT_QUERY.format(kind=kind))).strip()


def test_limits_file_has_the_entries_in_pam_order(host):
    lines = [line.split() for line in host.file(LIMITS_FILE).content_string.splitlines()
             if line and not line.startswith("#")]
    assert lines == [
        ["*", "-", "as", "4194304"],
        ["*", "-", "nproc", "1024"],
        ["*", "-", "nofile", "4096"],
        ["*", "-", "core", "0"],
        ["@sysfix_devs", "-", "nofile", "8192"],
        ["sysfix_small", "-", "as", "262144"],
        ["sysfix_small", "-", "nproc", "40"],
    ]


@pytest.mark.parametrize("kind", ["H", "S"])
@pytest.mark.parametrize(
    "user, expected",
    [("sysfix_alice", DEFAULTS), ("sysfix_dev", DEV), ("sysfix_small", SMALL)],
)
def test_a_login_gets_its_limits(host, user, expected, kind):
    assert login_limits(host, user, kind) == expected


def test_root_is_not_limited(host):
    # What root has without any login: the container's own limits.
    unlimited_root = host.check_output("bash -c '%s'" % ULIMIT_QUERY.format(kind="H")).strip()
    assert login_limits(host, "root", "H") == unlimited_root
    assert login_limits(host, "root", "S") != DEFAULTS
    assert unlimited_root.split()[1] != "1024"


@pytest.mark.parametrize("shell", ["bash", "dash"])
@pytest.mark.parametrize("user, expected", [("sysfix_alice", DEFAULTS), ("sysfix_small", SMALL)])
def test_the_profile_script_alone_sets_the_soft_limits(host, shell, user, expected):
    """A login shell started without PAM (setpriv) still gets the soft limits."""
    # dash names the process limit -p and counts core size in 512-byte blocks.
    query = (
        ULIMIT_QUERY.format(kind="S")
        if shell == "bash"
        else "echo $(ulimit -Sv) $(ulimit -Sp) $(ulimit -Sn) $(($(ulimit -Sc) / 2))"
    )
    out = host.check_output(
        "setpriv --reuid=%s --regid=%s --init-groups env -i HOME=/tmp %s -l -c '%s'"
        % (user, user, shell, query)
    ).strip()
    assert out == expected
    hard_nproc = host.check_output(
        "setpriv --reuid=%s --regid=%s --init-groups %s -c 'ulimit -H%s'"
        % (user, user, shell, "u" if shell == "bash" else "p")
    ).strip()
    assert hard_nproc not in ("1024", "40"), "PAM did not run, so the hard limit must be untouched"


FORK_PROBE = r"""
import json, os, signal, time
children, error = [], None
for _ in range(200):
    try:
        pid = os.fork()
    except OSError as exc:
        error = exc.strerror
        break
    if pid == 0:
        time.sleep(30)
        os._exit(0)
    children.append(pid)
for pid in children:
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
print(json.dumps({"forked": len(children), "error": error}))
"""


def run_python_as(host, user, program):
    host.check_output("install -m 0644 /dev/stdin /tmp/probe.py <<'EOF'\n%s\nEOF" % program)
    return json.loads(host.check_output("timeout 60 runuser -l %s -c 'python3 /tmp/probe.py'" % user))


def test_a_fork_loop_is_stopped_by_the_process_limit(host):
    small = run_python_as(host, "sysfix_small", FORK_PROBE)
    assert small["error"] == "Resource temporarily unavailable"
    assert 0 < small["forked"] < 40
    # The same loop as a user with the default limit is not stopped.
    alice = run_python_as(host, "sysfix_alice", FORK_PROBE)
    assert alice == {"forked": 200, "error": None}


MEMORY_PROBE = r"""
import json
result = {}
for mib in (16, 512):
    try:
        block = bytearray(mib * 1024 * 1024)
        result[mib] = "ok"
        del block
    except MemoryError:
        result[mib] = "MemoryError"
print(json.dumps(result))
"""


def test_memory_over_the_address_space_limit_is_refused(host):
    assert run_python_as(host, "sysfix_small", MEMORY_PROBE) == {"16": "ok", "512": "MemoryError"}
    assert run_python_as(host, "sysfix_alice", MEMORY_PROBE) == {"16": "ok", "512": "ok"}


def test_the_profile_script_is_valid_posix_sh(host):
    assert host.run("dash -n %s" % PROFILE_SCRIPT).rc == 0
    assert host.file(PROFILE_SCRIPT).mode == 0o644


def test_check_mode_reports_file_drift_and_changes_nothing(host):
    host.check_output("sed -i 's/^\\*\t-\tnproc\t1024$/*\t-\tnproc\t99/' %s" % LIMITS_FILE)
    try:
        run = sysfix_molecule.run_converge(["--check", "--diff"])
        assert run.returncode == 0, run.output
        changed = run.changed_results()
        assert [task for _h, task, _r in changed] == ["Write the pam_limits drop-in for non-root sessions"]
        diff = changed[0][2]["diff"][0]
        assert "nproc\t99" in diff["before"] and "nproc\t1024" in diff["after"]
        assert "nproc\t99" in host.file(LIMITS_FILE).content_string
    finally:
        run = sysfix_molecule.run_converge()
        assert run.returncode == 0, run.output
    assert "nproc\t99" not in host.file(LIMITS_FILE).content_string


@pytest.fixture(scope="module")
def drifted_limits(host):
    """A hand edit that any run of the role past validation would undo."""
    before = host.file(LIMITS_FILE).content_string
    host.check_output("sed -i 's/^\\*\t-\tnproc\t1024$/*\t-\tnproc\t99/' %s" % LIMITS_FILE)
    drifted = host.file(LIMITS_FILE).content_string
    assert drifted != before
    yield drifted
    run = sysfix_molecule.run_converge()
    assert run.returncode == 0, run.output
    assert host.file(LIMITS_FILE).content_string == before


@pytest.mark.parametrize(
    "bad_vars, named",
    [
        ({"ulimit_profile_max_processes": "many"}, "ulimit_profile_max_processes"),
        ({"ulimit_profile_max_open_files": -1}, "ulimit_profile_max_open_files"),
        ({"ulimit_profile_limit_type": "medium"}, "ulimit_profile_limit_type"),
        ({"ulimit_profile_domains": ["root"]}, "ulimit_profile_domains[0]"),
        ({"ulimit_profile_domains": ["0:"]}, "ulimit_profile_domains[0]"),
        ({"ulimit_profile_overrides": [{"domain": "bob", "max_processes": "lots"}]},
         "ulimit_profile_overrides[0].max_processes"),
        ({"ulimit_profile_overrides": [{"domain": "bob", "max_files": 3}]}, "max_files"),
        ({"ulimit_profile_limits_file": "/etc/security/limits.conf"}, "ulimit_profile_limits_file"),
    ],
)
def test_a_bad_value_stops_the_run_before_any_change(host, drifted_limits, bad_vars, named):
    run = sysfix_molecule.run_converge(extra_vars=bad_vars)
    assert run.returncode != 0
    assert len(run.failed_results()) == 1, run.output
    assert any(named in message for message in run.failure_messages()), run.output
    assert run.changed_results() == []
    assert host.file(LIMITS_FILE).content_string == drifted_limits
