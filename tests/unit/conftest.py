"""Make this checkout importable as ansible_collections.sysfix.hardening.

scripts/bootstrap.sh links .cache/collections/ansible_collections/sysfix/hardening
to the checkout; the modules import their helpers through that name.
"""

import sys
from pathlib import Path

import pytest
from ansible.module_utils import _internal

REPO = Path(__file__).resolve().parents[2]
COLLECTIONS = REPO / ".cache" / "collections"
FIXTURES = Path(__file__).resolve().parent / "fixtures"

if not (COLLECTIONS / "ansible_collections" / "sysfix" / "hardening").exists():
    raise RuntimeError("run scripts/bootstrap.sh first: %s is missing" % COLLECTIONS)
sys.path.insert(0, str(COLLECTIONS))


@pytest.fixture(autouse=True)
def run_modules_as_on_a_host(monkeypatch):
    """Keep AnsibleModule.warn() returning warnings in the module result.

    Importing controller code (a filter plugin imports ansible.errors) turns
    the whole pytest process into a controller, where module warnings are
    displayed instead of returned; which test ran first must not decide what
    a module's result holds. Tests that need controller mode set it back.
    """
    monkeypatch.setattr(_internal, "is_controller", False)


def unicode_digit_variants(text):
    """``text`` once per line that has digits, with that line's ASCII digits made "²".

    ``"²".isdigit()`` is true but ``int("²")`` raises: a parser that trusts
    ``isdigit()`` before ``int()`` fails on such a line instead of counting it.
    """
    lines = text.split("\n")
    for index, line in enumerate(lines):
        if any(char in "0123456789" for char in line):
            changed = "".join("\u00b2" if char in "0123456789" else char for char in line)
            yield index + 1, "\n".join(lines[:index] + [changed] + lines[index + 1:])
