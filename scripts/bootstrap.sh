#!/usr/bin/env bash
# Create the project's Python environment and make this checkout resolvable
# as the collection sysfix.hardening.
#
# - .venv from requirements.txt (the pinned lock), re-made when the lock changes.
# - .cache/collections/ansible_collections/sysfix/hardening -> this checkout,
#   named by ansible.cfg and by ANSIBLE_COLLECTIONS_PATH in the Makefile.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv="$repo/.venv"
stamp="$venv/.requirements.sha256"
python=${PYTHON:-python3}

log() { printf 'bootstrap: %s\n' "$*" >&2; }

want=$(sha256sum "$repo/requirements.txt" | cut -d' ' -f1)
if [ -x "$venv/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
    log "Python environment .venv is up to date"
else
    if ! "$python" -c 'import ensurepip, venv' 2>/dev/null; then
        "$repo/scripts/apt-install.sh" python3-venv
    fi
    log "creating .venv with $("$python" --version) from requirements.txt"
    rm -rf "$venv"
    "$python" -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$repo/requirements.txt"
    echo "$want" >"$stamp"
    log "installed $("$venv/bin/ansible" --version | head -n 1)"
fi

link="$repo/.cache/collections/ansible_collections/sysfix/hardening"
if [ "$(readlink "$link" 2>/dev/null)" != "$repo" ]; then
    mkdir -p "$(dirname "$link")"
    ln -sfn "$repo" "$link"
    log "linked $link -> $repo"
fi
