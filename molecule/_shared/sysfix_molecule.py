"""pytest plugin and helpers shared by the Molecule scenarios' testinfra tests.

Loaded with ``-p sysfix_molecule`` (see .config/molecule/config.yml). It runs
ansible-playbook against the scenario's instances the way Molecule does (same
inventory, same ansible.cfg, same environment) and returns the results as
data, so tests can assert on what a run did, not just on its exit code.
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class PlaybookRun:
    """The outcome of one ansible-playbook run."""

    returncode: int
    output: str
    stats: dict = field(default_factory=dict)
    # (host, task name, result) for every task result, in the order they ran.
    results: list = field(default_factory=list)

    def failed_results(self):
        return [(h, t, r) for h, t, r in self.results if r.get("failed")]

    def changed_results(self):
        return [(h, t, r) for h, t, r in self.results if r.get("changed")]

    def failure_messages(self):
        """Every failure message, including those of single loop items."""
        messages = []
        for _host, _task, result in self.failed_results():
            messages.append(str(result.get("msg", "")))
            for item in result.get("results", []):
                if item.get("failed"):
                    messages.append(str(item.get("msg", "")))
        return messages


def scenario_directory() -> Path:
    return Path(os.environ["MOLECULE_SCENARIO_DIRECTORY"])


def run_playbook(playbook, args=(), extra_vars=None, limit=None, env=None) -> PlaybookRun:
    """Run a playbook against the scenario's inventory; never raises on failure.

    Results are parsed from the json stdout callback unless ``env`` names
    another ANSIBLE_STDOUT_CALLBACK, in which case only the text is kept.
    """
    env = dict(os.environ, **(env or {}))
    # The json callback gives per-task results as one JSON document.
    env.setdefault("ANSIBLE_STDOUT_CALLBACK", "ansible.posix.json")
    env["ANSIBLE_NOCOLOR"] = "1"
    env["ANSIBLE_FORCE_COLOR"] = "0"
    # The inventory directory, not just its ansible_inventory.yml: Molecule
    # writes the scenario's group_vars and host_vars beside it.
    inventory = os.path.dirname(os.environ["MOLECULE_INVENTORY_FILE"])
    command = ["ansible-playbook", "-i", inventory, *args]
    if extra_vars is not None:
        command += ["--extra-vars", json.dumps(extra_vars)]
    if limit is not None:
        command += ["--limit", limit]
    command.append(str(playbook))
    proc = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=900, check=False
    )
    run = PlaybookRun(returncode=proc.returncode, output=proc.stdout + proc.stderr)
    try:
        document = json.loads(proc.stdout)
    except ValueError:
        return run
    run.stats = document.get("stats", {})
    for play in document.get("plays", []):
        for task in play.get("tasks", []):
            # "sysfix.hardening.syncookies : Name" -> "Name"
            name = task["task"]["name"].split(" : ", 1)[-1]
            for host, result in task.get("hosts", {}).items():
                run.results.append((host, name, result))
    return run


def run_converge(args=(), extra_vars=None, limit=None, env=None) -> PlaybookRun:
    """Run the scenario's converge playbook."""
    return run_playbook(scenario_directory() / "converge.yml", args, extra_vars, limit, env)


def pytest_collection_modifyitems(items):
    """Run the shared check-mode test last, after every state-touching test."""
    items.sort(key=lambda item: Path(str(item.fspath)).name == "test_check_mode.py")
