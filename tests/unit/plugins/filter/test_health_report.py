"""The health playbooks' summary lines."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.sysfix.hardening.plugins.filter.health_report import health_report

CHECKS = [
    {"check": "Apache running", "status": "PASS", "detail": "MPM event, active"},
    {"check": "configtest", "status": "FAIL", "detail": "AH00526: Syntax error\n  on line 1"},
    {"check": "workers", "status": "SKIP", "detail": "mod_status off"},
    {"check": "error_log", "status": "info", "detail": ""},
]


def test_one_line_per_check_with_a_verdict_first():
    assert health_report(CHECKS, "web_health", "web1") == [
        "web_health on web1: FAIL (1 passed, 1 failed, 1 skipped)",
        "PASS  Apache running  MPM event, active",
        "FAIL  configtest      AH00526: Syntax error on line 1",
        "SKIP  workers         mod_status off",
        "INFO  error_log",
    ]


def test_skips_and_reports_do_not_fail():
    assert health_report([CHECKS[0], CHECKS[2], CHECKS[3]], "x", "h")[0] == "x on h: PASS (1 passed, 0 failed, 1 skipped)"


@pytest.mark.parametrize("bad", ["text", [{"status": "PASS"}], [{"check": "a", "status": "OK"}]])
def test_malformed_checks_are_refused(bad):
    with pytest.raises(AnsibleFilterError):
        health_report(bad, "x", "h")
