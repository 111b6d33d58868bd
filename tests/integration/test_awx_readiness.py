"""AWX readiness without an AWX: the execution environment definition builds
its context offline, and the AWX configuration playbook parses.

Run by `make test` (scripts/test.sh, stage integration) after the venv is
set up. The compliance playbook itself is run through ansible-runner in the
harden Molecule scenario (molecule/harden/tests/test_compliance.py).
"""

import os
import shutil
import subprocess
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
ENV = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(REPO / ".cache" / "collections"))


def run(*command, cwd=REPO):
    return subprocess.run(command, cwd=cwd, env=ENV, capture_output=True, text=True, timeout=600, check=False)


def test_ansible_builder_creates_the_build_context_offline(tmp_path):
    build = run("ansible-galaxy", "collection", "build", "--force", "--output-path", str(tmp_path), ".")
    assert build.returncode == 0, build.stderr
    version = yaml.safe_load((REPO / "galaxy.yml").read_text())["version"]
    tarball = "sysfix-hardening-%s.tar.gz" % version
    definition = tmp_path / "execution-environment.yml"
    shutil.copy(REPO / "docs" / "execution-environment.yml", definition)
    context = tmp_path / "context"
    create = run("ansible-builder", "create", "-f", str(definition), "-c", str(context),
                 "--output-filename", "Containerfile", "-v", "3", cwd=tmp_path)
    assert create.returncode == 0, create.stdout + create.stderr
    containerfile = (context / "Containerfile").read_text()
    assert 'ARG EE_BASE_IMAGE="quay.io/ansible/awx-ee:24.6.1"' in containerfile
    assert "COPY _build/collections/ /build/collections/" in containerfile
    assert "ENV ANSIBLE_CALLBACKS_ENABLED=sysfix.hardening.compliance_summary" in containerfile
    assert (context / "_build" / "collections" / tarball).is_file()
    requirements = yaml.safe_load((context / "_build" / "requirements.yml").read_text())
    assert requirements["collections"][0]["name"] == "/build/collections/" + tarball


def test_the_collection_declares_its_ee_requirements():
    meta = yaml.safe_load((REPO / "meta" / "execution-environment.yml").read_text())
    assert meta["version"] == 1
    for kind in ("python", "system"):
        assert (REPO / meta["dependencies"][kind]).is_file()


def test_the_awx_configuration_playbook_parses():
    check = run("ansible-playbook", "--syntax-check", "docs/awx/configure-awx.yml")
    assert check.returncode == 0, check.stdout + check.stderr


def test_the_awx_templates_point_at_playbooks_that_exist():
    plays = yaml.safe_load((REPO / "docs" / "awx" / "configure-awx.yml").read_text())
    playbooks = [task[key]["playbook"] for task in plays[0]["tasks"] for key in task
                 if key == "awx.awx.job_template"]
    assert sorted(playbooks) == ["playbooks/block_ip.yml", "playbooks/compliance.yml", "playbooks/harden.yml"]
    missing = [p for p in playbooks if not (REPO / p).is_file()]
    # block_ip.yml arrives with the incident playbooks.
    assert missing in ([], ["playbooks/block_ip.yml"])
