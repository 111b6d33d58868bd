#!/usr/bin/env bash
# ansible-test sanity for the collection, offline-safe.
#
# ansible-test only runs from a real .../ansible_collections/NS/NAME directory
# (not a symlink), so the tracked files are copied to
# .cache/ansible-test.XXXXXX/ansible_collections/sysfix/hardening first.
# Its --venv mode bootstraps pip with a get-pip script it downloads from a host
# we cannot reach; the cache slot it reads first gets a local shim that uses
# ensurepip and then pip from PyPI, which we can reach.
#
# Usage: scripts/sanity.sh [extra ansible-test sanity arguments]
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
python_version=${SYSFIX_SANITY_PYTHON:-3.11}
# A directory of this run's own, so that two runs on one machine do not collide.
workroot=$(mktemp -d "$repo/.cache/ansible-test.XXXXXX")
trap 'rm -rf "$workroot"' EXIT
collection="$workroot/ansible_collections/sysfix/hardening"

log() { printf 'sanity: %s\n' "$*" >&2; }

install_get_pip_shim() {
    local pip_version cache
    pip_version=$(python3 - <<'EOF'
import re, ansible_test, pathlib
source = pathlib.Path(ansible_test.__file__).parent / "_internal" / "python_requirements.py"
print(re.search(r"pip='([0-9.]+)'", source.read_text()).group(1))
EOF
)
    cache="$HOME/.ansible/test/cache/get_pip_${pip_version//./_}.py"
    if [ -f "$cache" ] && grep -q 'sysfix get-pip shim' "$cache"; then
        return
    fi
    mkdir -p "$(dirname "$cache")"
    cat >"$cache" <<'EOF'
# sysfix get-pip shim: ansible-test runs this in place of get-pip.py, with
# pip's install options and the packages to install (pip==VERSION) as
# arguments. ensurepip gives the venv a pip; that pip installs the rest.
import subprocess
import sys

GET_PIP_ONLY = {"--no-setuptools", "--no-wheel"}
args = [arg for arg in sys.argv[1:] if arg not in GET_PIP_ONLY]
subprocess.check_call([sys.executable, "-m", "ensurepip", "--upgrade", "--default-pip"],
                      stdout=subprocess.DEVNULL)
subprocess.check_call([sys.executable, "-m", "pip", "install"] + args)
EOF
    log "installed get-pip shim for pip $pip_version at $cache"
}

copy_collection() {
    mkdir -p "$collection"
    # Tracked files plus new ones not ignored: exactly what a commit would hold.
    (cd "$repo" && git ls-files -z --cached --others --exclude-standard) \
        | (cd "$repo" && tar --null --ignore-failed-read --files-from=- -cf - 2>/dev/null) \
        | tar -xf - -C "$collection"
    # ansible-test reads the file list from git when there is a .git.
    git -C "$collection" init -q
    git -C "$collection" add -A
}

install_get_pip_shim
copy_collection
log "running ansible-test sanity (Python $python_version) in $collection"
cd "$collection"
ansible-test sanity --venv --python "$python_version" --color no "$@"
