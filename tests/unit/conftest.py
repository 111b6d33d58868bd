"""Make this checkout importable as ansible_collections.sysfix.hardening.

scripts/bootstrap.sh links .cache/collections/ansible_collections/sysfix/hardening
to the checkout; the modules import their helpers through that name.
"""

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
COLLECTIONS = REPO / ".cache" / "collections"
FIXTURES = Path(__file__).resolve().parent / "fixtures"

if not (COLLECTIONS / "ansible_collections" / "sysfix" / "hardening").exists():
    raise RuntimeError("run scripts/bootstrap.sh first: %s is missing" % COLLECTIONS)
sys.path.insert(0, str(COLLECTIONS))
