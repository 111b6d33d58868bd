#!/usr/bin/env bash
# Make a Docker engine available for the test containers.
#
# - Installs Debian's docker.io with apt when no dockerd is installed.
# - Starts `dockerd --bridge=none --iptables=false` only when no daemon answers:
#   test containers use network_mode none, and the engine must not touch the
#   host's firewall or create a bridge.
# - Waits until the daemon answers and says what it did.
# - Never stops, restarts or reconfigures a daemon that it did not start.
#
# Environment:
#   SYSFIX_DOCKERD_LOG  where a daemon started here logs (default /var/log/sysfix-dockerd.log)
#   SYSFIX_DOCKER_WAIT  seconds to wait for the daemon to answer (default 60)
set -euo pipefail

log() { printf 'ensure-docker: %s\n' "$*" >&2; }

dockerd_log=${SYSFIX_DOCKERD_LOG:-/var/log/sysfix-dockerd.log}
wait_seconds=${SYSFIX_DOCKER_WAIT:-60}

daemon_answers() { docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

if ! command -v dockerd >/dev/null 2>&1 || ! command -v docker >/dev/null 2>&1; then
    if [ "$(id -u)" -ne 0 ]; then
        log "docker.io is not installed and installing it needs root"
        exit 1
    fi
    log "installing docker.io with apt (dockerd or docker missing)"
    # Without recommends: the engine alone, no apparmor or cgroupfs-mount.
    "$(dirname "${BASH_SOURCE[0]}")/apt-install.sh" docker.io
    log "installed $(dockerd --version)"
fi

if daemon_answers; then
    log "a Docker daemon already answers (server $(docker version --format '{{.Server.Version}}')); leaving it as it is"
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    log "no Docker daemon answers and starting one needs root"
    exit 1
fi

log "no Docker daemon answers; starting dockerd --bridge=none --iptables=false (log: $dockerd_log)"
# setsid + nohup: the daemon must outlive this script and the shell that ran it.
setsid nohup dockerd --bridge=none --iptables=false >>"$dockerd_log" 2>&1 </dev/null &
dockerd_pid=$!

for _ in $(seq 1 "$wait_seconds"); do
    if daemon_answers; then
        log "dockerd (pid $dockerd_pid) answers (server $(docker version --format '{{.Server.Version}}'))"
        exit 0
    fi
    if ! kill -0 "$dockerd_pid" 2>/dev/null; then
        log "dockerd exited before it answered; last lines of $dockerd_log:"
        tail -n 20 "$dockerd_log" >&2
        exit 1
    fi
    sleep 1
done

log "dockerd (pid $dockerd_pid) did not answer within ${wait_seconds}s; last lines of $dockerd_log:"
tail -n 20 "$dockerd_log" >&2
exit 1
