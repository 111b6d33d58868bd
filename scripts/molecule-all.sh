#!/usr/bin/env bash
# Every Molecule scenario, in SYSFIX_MOLECULE_JOBS lanes (default 2).
#
# A scenario spends most of its time waiting (systemd booting, docker exec
# round trips, Apache and sendmail starting), so two lanes on this 2-core
# machine take far less wall time than `molecule test --all`. Scenarios do not
# share anything: each has its own containers (sysfix-SCENARIO-*), its own
# ephemeral directory and its own loop devices.
#
# Each scenario's whole output goes to .cache/molecule-logs/SCENARIO.log; one
# line per scenario is printed when it ends, and the last lines of the log of
# every scenario that failed. The longest scenarios start first, so the lanes
# end close together.
#
# Usage: scripts/molecule-all.sh [SCENARIO...]   (default: every scenario)
# Expects the Makefile's environment (venv on PATH, ANSIBLE_COLLECTIONS_PATH,
# MOLECULE_GLOB).
set -uo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo" || exit 2
jobs=${SYSFIX_MOLECULE_JOBS:-2}
logs="$repo/.cache/molecule-logs"
mkdir -p "$logs"

if [ "${1:-}" = "--one" ]; then
    # One scenario (called by xargs below): log, time, one line of result.
    scenario=$2
    started=$(date +%s)
    if molecule test -s "$scenario" >"$logs/$scenario.log" 2>&1; then
        printf 'molecule: %-16s passed in %4ss\n' "$scenario" "$(( $(date +%s) - started ))"
        exit 0
    fi
    printf 'molecule: %-16s FAILED after %4ss; the end of %s:\n' \
        "$scenario" "$(( $(date +%s) - started ))" "$logs/$scenario.log"
    tail -n 150 "$logs/$scenario.log" | sed "s/^/  [$scenario] /"
    exit 1
fi

# Scenarios by their wall time in a serial run on the 2-core machine, longest
# first; a scenario not listed here runs last.
longest_first=(harden sendmail_limits inetd_pop3 mail_quota incident_web apache_limits
               default mail_health codered_filter syncookies ulimit_profile system_sanity
               hotlink_block)
all=()
for file in molecule/*/molecule.yml; do
    all+=("$(basename "$(dirname "$file")")")
done
wanted=("$@")
[ ${#wanted[@]} -gt 0 ] || wanted=("${all[@]}")

ordered=()
for scenario in "${longest_first[@]}" "${all[@]}"; do
    for want in "${wanted[@]}"; do
        if [ "$scenario" = "$want" ] && [[ " ${ordered[*]} " != *" $scenario "* ]]; then
            ordered+=("$scenario")
        fi
    done
done
for want in "${wanted[@]}"; do
    [[ " ${ordered[*]} " == *" $want "* ]] || { echo "molecule-all: no scenario '$want'" >&2; exit 2; }
done

echo "molecule-all: ${#ordered[@]} scenarios in $jobs lanes (logs in $logs)"
printf '%s\n' "${ordered[@]}" | xargs -P "$jobs" -n 1 "$0" --one
status=$?
[ $status -eq 0 ] && echo "molecule-all: every scenario passed" || echo "molecule-all: some scenarios FAILED"
exit $status
