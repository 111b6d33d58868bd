"""After converge, a check-mode run of the converge playbook changes nothing.

Added to every scenario's verify step by .config/molecule/config.yml; the
sysfix_molecule plugin runs it after the scenario's own tests, so that state
those tests touch (and restore) is judged too.
"""

import sysfix_molecule


def test_check_mode_after_converge_reports_no_changes():
    run = sysfix_molecule.run_converge(["--check", "--diff"])
    assert run.returncode == 0, run.output
    changed = {host: stats["changed"] for host, stats in run.stats.items()}
    assert changed and all(count == 0 for count in changed.values()), (
        "check mode after converge reports changes %s:\n%s" % (changed, run.output)
    )
