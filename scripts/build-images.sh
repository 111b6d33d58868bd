#!/usr/bin/env bash
# Build the test images sysfix/debian12 and sysfix/debian13 from Debian
# packages: debootstrap (minbase) from the mirror this machine's apt uses, then
# every package in images/packages.txt, then `docker import`.
#
# No container registry is needed. Each image carries the label
# org.sysfix.recipe = sha256 of its recipe (this script, images/packages.txt,
# images/customize.sh and the Debian suite); an image whose label matches is
# not rebuilt. (docker import cannot set STOPSIGNAL: the containers are
# started with stop_signal SIGRTMIN+3, which systemd expects.)
#
# Usage: scripts/build-images.sh [debian12] [debian13]   (default: both)
# Environment:
#   SYSFIX_DEBIAN_MIRROR   mirror URL (default: taken from /etc/apt/sources*)
#   SYSFIX_IMAGE_WORKDIR   scratch directory (default: /var/tmp/sysfix-images)
#   SYSFIX_FORCE_REBUILD=1 rebuild even when the recipe label matches
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
packages_file="$repo/images/packages.txt"
customize_script="$repo/images/customize.sh"
workdir=${SYSFIX_IMAGE_WORKDIR:-/var/tmp/sysfix-images}

log() { printf 'build-images: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

suite_for() {
    case "$1" in
        debian12) echo bookworm ;;
        debian13) echo trixie ;;
        *) die "unknown image '$1' (known: debian12 debian13)" ;;
    esac
}

# The mirror serving the host's own release, from deb822 .sources files or
# one-line .list files. Security and -updates entries are skipped.
detect_mirror() {
    if [ -n "${SYSFIX_DEBIAN_MIRROR:-}" ]; then
        echo "$SYSFIX_DEBIAN_MIRROR"
        return
    fi
    local codename files mirror
    codename=$(sed -n 's/^VERSION_CODENAME=//p' /etc/os-release 2>/dev/null | tr -d '"')
    [ -n "$codename" ] || die "cannot read VERSION_CODENAME from /etc/os-release; set SYSFIX_DEBIAN_MIRROR"
    files=$(ls /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
    [ -n "$files" ] || die "no apt sources found; set SYSFIX_DEBIAN_MIRROR"
    # shellcheck disable=SC2086
    mirror=$(awk -v codename="$codename" '
        FILENAME ~ /\.sources$/ {
            if ($0 ~ /^[ \t]*$/) { uris = ""; suites = ""; next }
            if ($1 == "URIs:") { uris = $2 }
            if ($1 == "Suites:") { suites = $0 }
            if (uris != "" && suites != "") {
                n = split(suites, s, /[ \t]+/)
                for (i = 2; i <= n; i++) if (s[i] == codename) { print uris; exit }
                uris = ""; suites = ""
            }
            next
        }
        $1 == "deb" {
            i = 2
            if ($i ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
            if ($(i + 1) == codename) { print $i; exit }
        }' $files)
    [ -n "$mirror" ] || die "no apt source for '$codename' found in: $files; set SYSFIX_DEBIAN_MIRROR"
    echo "${mirror%/}"
}

read_packages() { sed -e 's/#.*//' -e 's/[[:space:]]//g' "$packages_file" | grep -v '^$'; }

recipe_hash() {
    local suite=$1
    { cat "${BASH_SOURCE[0]}" "$packages_file" "$customize_script"; echo "suite=$suite"; } \
        | sha256sum | cut -d' ' -f1
}

current_label() {
    docker image inspect --format '{{ index .Config.Labels "org.sysfix.recipe" }}' "$1" 2>/dev/null || true
}

build_one() {
    local name=$1 suite mirror hash image rootfs started
    suite=$(suite_for "$name")
    image="sysfix/$name"
    hash=$(recipe_hash "$suite")
    if [ "${SYSFIX_FORCE_REBUILD:-0}" != 1 ] && [ "$(current_label "$image")" = "$hash" ]; then
        log "$image is up to date (recipe ${hash:0:12})"
        return 0
    fi
    mirror=$(detect_mirror)
    started=$(date +%s)
    log "building $image from Debian $suite at $mirror (recipe ${hash:0:12})"
    rootfs="$workdir/$name.rootfs"
    cleanup_rootfs "$rootfs"
    mkdir -p "$workdir"

    debootstrap --variant=minbase "$suite" "$rootfs" "$mirror" >"$workdir/$name.debootstrap.log" 2>&1 \
        || { tail -n 30 "$workdir/$name.debootstrap.log" >&2; die "debootstrap of $suite failed (log: $workdir/$name.debootstrap.log)"; }
    log "$image: debootstrap done after $(( $(date +%s) - started ))s"

    # Services must not start inside the chroot while packages install.
    printf '#!/bin/sh\nexit 101\n' >"$rootfs/usr/sbin/policy-rc.d"
    chmod 755 "$rootfs/usr/sbin/policy-rc.d"
    cp /etc/resolv.conf "$rootfs/etc/resolv.conf"
    mount -t proc proc "$rootfs/proc"
    trap 'cleanup_rootfs "'"$rootfs"'"' EXIT

    local pkgs
    pkgs=$(read_packages | tr '\n' ' ')
    # shellcheck disable=SC2086
    chroot "$rootfs" /bin/sh -ec '
        export DEBIAN_FRONTEND=noninteractive LC_ALL=C
        echo "iptables-persistent iptables-persistent/autosave_v4 boolean false" | debconf-set-selections
        echo "iptables-persistent iptables-persistent/autosave_v6 boolean false" | debconf-set-selections
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends '"$pkgs"'
        apt-get clean
        rm -rf /var/lib/apt/lists/*
    ' >"$workdir/$name.packages.log" 2>&1 \
        || { tail -n 40 "$workdir/$name.packages.log" >&2; die "package installation for $image failed (log: $workdir/$name.packages.log)"; }
    log "$image: packages installed after $(( $(date +%s) - started ))s"

    cp "$customize_script" "$rootfs/tmp/customize.sh"
    chroot "$rootfs" /bin/sh -e /tmp/customize.sh
    rm -f "$rootfs/tmp/customize.sh" "$rootfs/usr/sbin/policy-rc.d"
    : >"$rootfs/etc/resolv.conf"
    umount "$rootfs/proc"

    local previous
    previous=$(docker image inspect --format '{{ .Id }}' "$image" 2>/dev/null || true)
    tar --numeric-owner -C "$rootfs" -c . | docker import \
        --change 'CMD ["/lib/systemd/systemd"]' \
        --change 'ENV container=docker' \
        --change 'ENV LANG=C.UTF-8' \
        --change "LABEL org.sysfix.recipe=$hash" \
        --change "LABEL org.sysfix.suite=$suite" \
        - "$image:latest" >/dev/null
    trap - EXIT
    cleanup_rootfs "$rootfs"
    # The image this one replaces is left untagged; drop it unless a
    # container still uses it.
    if [ -n "$previous" ] && [ "$previous" != "$(docker image inspect --format '{{ .Id }}' "$image")" ]; then
        docker rmi "$previous" >/dev/null 2>&1 || log "kept the previous $image ($previous): still in use"
    fi
    log "$image built in $(( $(date +%s) - started ))s ($(docker image inspect --format '{{ .Size }}' "$image" | awk '{printf "%.0f MB", $1/1e6}'))"
}

cleanup_rootfs() {
    local rootfs=$1
    [ -d "$rootfs" ] || return 0
    if mountpoint -q "$rootfs/proc" 2>/dev/null; then umount "$rootfs/proc"; fi
    rm -rf --one-file-system "$rootfs"
}

main() {
    [ "$(id -u)" -eq 0 ] || die "building images needs root (debootstrap, chroot)"
    command -v docker >/dev/null || die "docker is missing; run scripts/ensure-docker.sh first"
    "$here/apt-install.sh" debootstrap
    # One build at a time on this machine: two would share the scratch rootfs.
    mkdir -p "$workdir"
    exec 9>"$workdir/.lock"
    if ! flock -n 9; then
        log "another build is running; waiting for it"
        flock 9
    fi
    local targets=("$@")
    [ ${#targets[@]} -gt 0 ] || targets=(debian12 debian13)
    local t
    for t in "${targets[@]}"; do suite_for "$t" >/dev/null; done
    for t in "${targets[@]}"; do build_one "$t"; done
}

main "$@"
