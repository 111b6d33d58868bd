#!/usr/bin/env bash
# make demo: harden two fresh test containers with playbooks/harden.yml, then
# run it again in check mode and print which controls are compliant (and,
# first, the same check on the fresh containers: what hardening will change).
#
#   sysfix-demo-mail1  Debian 12, group mailservers
#   sysfix-demo-web1   Debian 13, group webservers
#
# Needs the venv, the Docker engine and the images (the Makefile sees to all
# three). The containers stay up afterwards for a look around
# (docker exec -it sysfix-demo-mail1 bash); `make demo-clean` removes them.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
inventory="$repo/inventories/demo/hosts.yml"
report_dir="$repo/.cache/demo-report"
cd "$repo"

log() { printf '\n==> %s\n' "$*"; }

start_container() {
    local name=$1 image=$2 hostname=$3
    docker rm -f "$name" >/dev/null 2>&1 || true
    # The same container shape as the Molecule scenarios (.config/molecule/config.yml).
    docker run -d --name "$name" --hostname "$hostname" --network none \
        --cap-add SYS_ADMIN --cap-add NET_ADMIN \
        --tmpfs /run --tmpfs /run/lock -v /sys/fs/cgroup:/sys/fs/cgroup:ro \
        --stop-signal SIGRTMIN+3 "$image" /lib/systemd/systemd >/dev/null
    echo "started $name ($image, hostname $hostname)"
}

log "Starting the demo containers"
start_container sysfix-demo-mail1 "${SYSFIX_IMAGE_DEBIAN12:-sysfix/debian12}" mail1.demo.sysfix.test
start_container sysfix-demo-web1 "${SYSFIX_IMAGE_DEBIAN13:-sysfix/debian13}" web1.demo.sysfix.test

log "Preparing them (wait for systemd, writable /proc/sys/net)"
ansible-playbook -i "$inventory" molecule/_shared/prepare.yml

log "Before hardening: harden.yml in check mode on the fresh containers (changes nothing; the table shows what it would change)"
ansible-playbook -i "$inventory" playbooks/harden.yml --check

log "Hardening: ansible-playbook -i inventories/demo/hosts.yml playbooks/harden.yml --diff"
ansible-playbook -i "$inventory" playbooks/harden.yml --diff

log "Compliance after hardening: ansible-playbook playbooks/compliance.yml --check --diff"
ansible-playbook -i "$inventory" playbooks/compliance.yml --check --diff -e "compliance_report_dir=$report_dir"

log "Done. Compliance report: $report_dir/compliance.html (and compliance.json)"
echo "The containers are still running; remove them with: make demo-clean"
