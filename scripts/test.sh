#!/usr/bin/env bash
# The test suite behind `make test`: every stage runs, even after one fails,
# and the last line counts the stages that passed and failed.
#
#   lint      ansible-lint --profile production, antsibull-changelog lint
#   sanity    ansible-test sanity (scripts/sanity.sh)
#   unit         pytest tests/unit
#   integration  pytest tests/integration (collection build, ansible-builder,
#                AWX configuration)
#   molecule     every Molecule scenario, two at a time (scripts/molecule-all.sh):
#                check, converge, idempotence, verify,
#                check mode with zero changes (needs the engine and images;
#                the harden scenario renders the compliance report in
#                Debian's chromium)
#
# Usage: scripts/test.sh [STAGE...]   (default: all five)
# Expects the environment the Makefile exports (venv on PATH,
# ANSIBLE_COLLECTIONS_PATH, MOLECULE_GLOB).
set -uo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo" || exit 2

stage_lint() {
    ansible-lint --profile production && antsibull-changelog lint
}

stage_sanity() {
    # Without the shellcheck program ansible-test skips that test with only
    # a warning, so make sure it is installed.
    scripts/apt-install.sh shellcheck && scripts/sanity.sh
}

stage_unit() {
    python -m pytest -c tests/unit/pytest.ini tests/unit
}

stage_integration() {
    python -m pytest -c tests/unit/pytest.ini tests/integration
}

stage_molecule() {
    scripts/apt-install.sh chromium && scripts/molecule-all.sh
}

stages=("$@")
[ ${#stages[@]} -gt 0 ] || stages=(lint sanity unit integration molecule)

# The mail_quota scenario proves enforcement under a user-mode-linux kernel
# that is built once (8 minutes on 2 cores) and cached. Start that build now,
# at low priority, so it overlaps the stages before it; the scenario's test
# waits for it (the script holds a lock while it builds).
uml_build_pid=""
if [[ " ${stages[*]} " == *" molecule "* ]]; then
    mkdir -p .cache
    nice -n 10 scripts/uml-quota-test.sh --build-kernel >.cache/uml-kernel-build.log 2>&1 &
    uml_build_pid=$!
    echo "test.sh: building or finding the user-mode-linux kernel in the background (log: .cache/uml-kernel-build.log)"
fi

passed=() failed=() timings=()
for stage in "${stages[@]}"; do
    if ! declare -F "stage_$stage" >/dev/null; then
        echo "test.sh: unknown stage '$stage' (known: lint sanity unit integration molecule)" >&2
        exit 2
    fi
    printf '\n========== %s ==========\n' "$stage"
    started=$(date +%s)
    if "stage_$stage"; then passed+=("$stage"); result=passed; else failed+=("$stage"); result=FAILED; fi
    timings+=("$(printf '%-9s %-7s %4ss' "$stage" "$result" "$(( $(date +%s) - started ))")")
done

if [ -n "$uml_build_pid" ]; then
    wait "$uml_build_pid" || echo "test.sh: the background kernel build failed; see .cache/uml-kernel-build.log"
fi

printf '\n========== summary ==========\n'
printf '%s\n' "${timings[@]}"
[ ${#failed[@]} -eq 0 ] || echo "failed stages: ${failed[*]}"
echo "stages: ${#passed[@]} passed, ${#failed[@]} failed"
[ ${#failed[@]} -eq 0 ]
