#!/bin/sh
# Runs inside the image's chroot after the packages are installed.
# Makes systemd boot cleanly as PID 1 in a container that has no network,
# no privileges and a read-only /sys/fs/cgroup.
set -e

# Units that need real hardware, a console or a writable /sys: masked so the
# boot does not end "degraded" for reasons that have nothing to do with us.
for unit in \
    systemd-udevd.service systemd-udevd-control.socket systemd-udevd-kernel.socket \
    systemd-udev-trigger.service systemd-udev-settle.service \
    systemd-remount-fs.service sys-kernel-config.mount sys-kernel-debug.mount \
    sys-kernel-tracing.mount sys-fs-fuse-connections.mount dev-hugepages.mount \
    dev-mqueue.mount getty.target console-getty.service \
    systemd-firstboot.service systemd-modules-load.service \
    apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer; do
    ln -sf /dev/null "/etc/systemd/system/$unit"
done

# systemd creates a fresh machine id on first boot.
: >/etc/machine-id
rm -f /var/lib/dbus/machine-id

# Docker bind-mounts its own /etc/hostname, /etc/hosts and /etc/resolv.conf.
rm -f /etc/hostname

# libapache2-mod-evasive enables itself on install, with limits strict enough
# to answer repeated test requests with 403. A stock Debian Apache does not
# have it: the apache_limits role enables it when asked.
if [ -e /etc/apache2/mods-enabled/evasive.load ]; then
    a2dismod -q evasive >/dev/null
fi
