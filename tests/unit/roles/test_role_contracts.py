"""What every role promises, checked from its files.

- meta/argument_specs.yml documents every variable in defaults/main.yml, with
  the same default, and no undocumented extra;
- every variable the role defines starts with the role's name;
- tasks/main.yml only imports one task file per control, each behind its own
  ROLE_CONTROL_enabled switch and tagged with the role and ROLE_CONTROL;
- a README exists and names every variable.
"""

from pathlib import Path

import pytest
import yaml

ROLES_DIR = Path(__file__).resolve().parents[3] / "roles"
ROLES = sorted(p.name for p in ROLES_DIR.iterdir() if (p / "tasks" / "main.yml").is_file())


def load(role, relative):
    return yaml.safe_load((ROLES_DIR / role / relative).read_text())


def test_there_are_roles():
    assert {"syncookies", "ulimit_profile"} <= set(ROLES)


@pytest.mark.parametrize("role", ROLES)
def test_argument_specs_match_defaults(role):
    defaults = load(role, "defaults/main.yml") or {}
    options = load(role, "meta/argument_specs.yml")["argument_specs"]["main"]["options"]
    assert set(options) == set(defaults)
    for name, spec in options.items():
        assert spec.get("default") == defaults[name], name
        assert spec.get("description"), name


@pytest.mark.parametrize("role", ROLES)
def test_variables_carry_the_role_prefix(role):
    names = set(load(role, "defaults/main.yml") or {})
    vars_file = ROLES_DIR / role / "vars" / "main.yml"
    if vars_file.is_file():
        names |= set(yaml.safe_load(vars_file.read_text()) or {})
    assert names and all(name.startswith(role + "_") for name in names)


@pytest.mark.parametrize("role", ROLES)
def test_main_imports_one_file_per_control(role):
    tasks = load(role, "tasks/main.yml")
    assert tasks[0]["ansible.builtin.import_tasks"] == "validate.yml"
    assert tasks[0]["tags"] == ["always"]
    controls = tasks[1:]
    assert controls
    defaults = load(role, "defaults/main.yml")
    for task in controls:
        assert set(task) == {"name", "ansible.builtin.import_tasks", "when", "tags"}, task
        control = task["ansible.builtin.import_tasks"][: -len(".yml")]
        switch = "%s_%s_enabled" % (role, control)
        # Optional controls (mod_evasive, the firewall) are off by default.
        assert task["when"] == switch and isinstance(defaults[switch], bool)
        assert task["tags"] == [role, "%s_%s" % (role, control)]
        assert (ROLES_DIR / role / "tasks" / task["ansible.builtin.import_tasks"]).is_file()


@pytest.mark.parametrize("role", ROLES)
def test_readme_names_every_variable(role):
    readme = (ROLES_DIR / role / "README.md").read_text()
    missing = [name for name in load(role, "defaults/main.yml") if "`%s`" % name not in readme]
    assert not missing


@pytest.mark.parametrize("role", ROLES)
def test_every_control_has_a_title_and_runbook_reference_for_the_report(role):
    from ansible_collections.sysfix.hardening.plugins.module_utils.compliance import CONTROLS

    controls = [task["ansible.builtin.import_tasks"][: -len(".yml")] for task in load(role, "tasks/main.yml")[1:]]
    assert [c for c in controls if (role, c) not in CONTROLS] == []
    assert all(CONTROLS[(role, c)][0] and CONTROLS[(role, c)][1] for c in controls)
