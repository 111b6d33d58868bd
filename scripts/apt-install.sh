#!/usr/bin/env bash
# Install the named Debian packages that are not installed yet.
# Usage: scripts/apt-install.sh PACKAGE...
# Runs `apt-get update` first only when something is missing, and says what
# it installs. Needs root when anything is missing.
set -euo pipefail

missing=()
for package in "$@"; do
    if ! dpkg-query -W -f '${Status}' "$package" 2>/dev/null | grep -q 'ok installed'; then
        missing+=("$package")
    fi
done
[ ${#missing[@]} -gt 0 ] || exit 0

if [ "$(id -u)" -ne 0 ]; then
    printf 'apt-install: %s missing and installing needs root\n' "${missing[*]}" >&2
    exit 1
fi
# make test installs from several stages at once (the background kernel
# build, shellcheck, chromium); apt allows one at a time.
exec 9>/var/lock/sysfix-apt-install.lock
flock 9
printf 'apt-install: installing %s\n' "${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
