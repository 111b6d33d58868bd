#!/usr/bin/env bash
# Prove that the quotas the mail_quota role recorded are enforced, on a real
# kernel: boot the converged container's file system under user-mode-linux,
# a Linux kernel that runs as an ordinary process and has the quota format
# this machine's kernel lacks, and deliver mail through sendmail and procmail.
#
#   scripts/uml-quota-test.sh CONTAINER LIMITED ROOMY OTHER
#   scripts/uml-quota-test.sh --build-kernel    (only build or find the kernel)
#
# CONTAINER  a container the role converged, with /var/mail on a block
#            device of its own (molecule/mail_quota makes one)
# LIMITED    a user whose hard block limit a message can exceed: that message
#            must be refused (procmail: Quota exceeded, the message stays in
#            sendmail's queue, the mailbox unchanged) and a small one must
#            still arrive
# ROOMY      a user with a larger limit (an override): the same large message
#            must arrive
# OTHER      a user under quota: a small message must arrive
#
# The guest is the container's own file system (docker export) and a copy of
# its spool file system, taken while frozen; it boots with the fstab and the
# quota file the role wrote and turns quotas on as quotaon.service does
# (quotaon -aug). Prints RESULT lines and a verdict; exits 0 only when
# enforcement was shown. Needs root (apt, docker, the container's device).
#
# The kernel. Debian 12's user-mode-linux package (6.1) cannot be used on
# hosts whose CPUs have AVX-512 or AMX, such as this one: UML saves a guest
# process's FPU state with PTRACE_SETREGSET of a size fixed at build time
# (2696 bytes), the host refuses any size but its own (about 11 KB with AMX)
# with EFAULT, and every guest process dies ("ptrace set fp regs failed,
# errno = 14"). Falling back to PTRACE_SETFPREGS keeps it running but loses
# the AVX registers at every page fault, which breaks glibc's string
# functions in the guest (printf printing its format, blkid misreading
# disks). So the kernel is built here once from Debian's linux-source-6.1
# with the sizes fixed (the patch below: use the size the host reports, from
# a buffer large enough for AMX), quota_v2 built in, and only what the test
# needs; upstream fixed the same in 6.13 ("um: switch to regset API and
# depend on XSTATE"). The build takes 8 minutes on 2 cores (more on a busy
# machine) and is cached in /var/tmp/sysfix-uml-kernel/HASH/linux, keyed by
# the package version, the configuration and the patch; older builds are
# removed. After that a run takes 10 to 30 seconds: the images are made from
# each converge (about 6 s), the guest boots and delivers in about 5 s.
# Scratch: /var/tmp/sysfix-uml-quota.*, removed afterwards.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
log() { printf 'uml-quota-test: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 2; }

build_only=""
if [ "${1:-}" = --build-kernel ] && [ $# -eq 1 ]; then
    build_only=yes
elif [ $# -eq 4 ]; then
    container=$1 limited=$2 roomy=$3 other=$4
    for user in "$limited" "$roomy" "$other"; do
        [[ $user =~ ^[a-z_][a-z0-9_-]*$ ]] || die "not a user name: $user"
    done
else
    die "usage: $0 CONTAINER LIMITED ROOMY OTHER, or $0 --build-kernel"
fi
[ "$(id -u)" -eq 0 ] || die "needs root (apt-get, docker, the spool's block device)"

kernel_cache=${SYSFIX_UML_KERNEL_CACHE:-/var/tmp/sysfix-uml-kernel}
kernel_source=linux-source-6.1

kernel_config() {
    cat <<'CONFIG'
# Merged into ARCH=um defconfig: ubd disks, ext4 with user quotas and the
# quota format built in (no modules), devtmpfs, tmpfs, loopback networking
# for sendmail, sysrq to power off; no host file system access, no network
# devices, no debug information.
# CONFIG_MODULES is not set
CONFIG_QUOTA=y
CONFIG_QUOTACTL=y
CONFIG_QFMT_V2=y
CONFIG_EXT4_FS=y
CONFIG_BLK_DEV_UBD=y
CONFIG_DEVTMPFS=y
CONFIG_TMPFS=y
CONFIG_MAGIC_SYSRQ=y
CONFIG_UNIX=y
CONFIG_INET=y
CONFIG_NULL_CHAN=y
CONFIG_PROC_FS=y
# The per-thread FPU buffer (16 KiB, below) lives on the kernel stack page.
CONFIG_KERNEL_STACK_ORDER=4
# CONFIG_HOSTFS is not set
# CONFIG_UML_NET is not set
# CONFIG_SOUND is not set
# CONFIG_REISERFS_FS is not set
# CONFIG_BLK_DEV_LOOP is not set
# CONFIG_BLK_DEV_NBD is not set
# Without modules, the defconfig's modules would be built in: leave them out.
# CONFIG_PPP is not set
# CONFIG_SLIP is not set
# CONFIG_TUN is not set
# CONFIG_DUMMY is not set
# CONFIG_BINFMT_MISC is not set
# CONFIG_IOSCHED_BFQ is not set
# CONFIG_AUTOFS_FS is not set
# CONFIG_ISO9660_FS is not set
# CONFIG_DEBUG_INFO_DWARF_TOOLCHAIN_DEFAULT is not set
# CONFIG_DEBUG_INFO is not set
# CONFIG_IKCONFIG is not set
CONFIG
}

kernel_patch() {
    cat <<'PATCH'
--- a/arch/x86/um/os-Linux/registers.c
+++ b/arch/x86/um/os-Linux/registers.c
@@ -18,6 +18,8 @@
 #include <registers.h>
 
 int have_xstate_support;
+/* Bytes of XSAVE state the host's ptrace expects (it refuses any other size). */
+static unsigned long host_fp_size;
 
 int save_i387_registers(int pid, unsigned long *fp_regs)
 {
@@ -33,7 +35,7 @@
 
 	if (have_xstate_support) {
 		iov.iov_base = fp_regs;
-		iov.iov_len = FP_SIZE * sizeof(unsigned long);
+		iov.iov_len = host_fp_size;
 		if (ptrace(PTRACE_GETREGSET, pid, NT_X86_XSTATE, &iov) < 0)
 			return -errno;
 		return 0;
@@ -55,7 +57,7 @@
 	struct iovec iov;
 	if (have_xstate_support) {
 		iov.iov_base = fp_regs;
-		iov.iov_len = FP_SIZE * sizeof(unsigned long);
+		iov.iov_len = host_fp_size;
 		if (ptrace(PTRACE_SETREGSET, pid, NT_X86_XSTATE, &iov) < 0)
 			return -errno;
 		return 0;
@@ -135,8 +137,12 @@
 
 	iov.iov_base = fp_regs;
 	iov.iov_len = FP_SIZE * sizeof(unsigned long);
-	if (ptrace(PTRACE_GETREGSET, pid, NT_X86_XSTATE, &iov) == 0)
+	/* The host shortens iov_len to the size of its XSAVE state. */
+	if (ptrace(PTRACE_GETREGSET, pid, NT_X86_XSTATE, &iov) == 0 &&
+	    iov.iov_len <= FP_SIZE * sizeof(unsigned long)) {
+		host_fp_size = iov.iov_len;
 		have_xstate_support = 1;
+	}
 
 	free(fp_regs);
 #endif
--- a/arch/x86/um/user-offsets.c
+++ b/arch/x86/um/user-offsets.c
@@ -39,7 +39,7 @@
 	DEFINE(HOST_ORIG_AX, ORIG_EAX);
 #else
 #ifdef FP_XSTATE_MAGIC1
-	DEFINE_LONGS(HOST_FP_SIZE, 2696);
+	DEFINE_LONGS(HOST_FP_SIZE, 16384);
 #else
 	DEFINE(HOST_FP_SIZE, sizeof(struct _fpstate) / sizeof(unsigned long));
 #endif
PATCH
}

# Sets $kernel to a UML kernel built from the recipe above, building it once
# (or to $SYSFIX_UML_KERNEL, a UML kernel of your own with the same fixes).
ensure_kernel() {
    if [ -n "${SYSFIX_UML_KERNEL:-}" ]; then
        kernel=$SYSFIX_UML_KERNEL
        [ -x "$kernel" ] || die "SYSFIX_UML_KERNEL=$kernel is not an executable"
        return 0
    fi
    "$here/apt-install.sh" "$kernel_source" gcc make libc6-dev bc bison flex patch xz-utils
    local version hash build src
    version=$(dpkg-query -W -f '${Version}' "$kernel_source")
    hash=$({ kernel_config; kernel_patch; echo "$kernel_source=$version"; } | sha256sum | cut -c1-16)
    kernel="$kernel_cache/$hash/linux"
    [ -x "$kernel" ] && return 0
    mkdir -p "$kernel_cache"
    exec 8>"$kernel_cache/.lock"
    flock 8
    [ -x "$kernel" ] && return 0
    local started
    started=$(date +%s)
    log "building the UML kernel from $kernel_source $version (once; cached as $kernel)"
    build=$(mktemp -d "$kernel_cache/build.XXXXXX")
    tar -xf "/usr/src/$kernel_source.tar.xz" -C "$build"
    src="$build/$kernel_source"
    kernel_patch | patch -d "$src" -p1 --quiet
    kernel_config >"$build/fragment.config"
    (
        cd "$src"
        make ARCH=um defconfig >/dev/null
        scripts/kconfig/merge_config.sh -m .config "$build/fragment.config" >/dev/null
        make ARCH=um olddefconfig >/dev/null
    )
    grep -qx 'CONFIG_QFMT_V2=y' "$src/.config" || die "the kernel configuration lost CONFIG_QFMT_V2"
    if ! make -C "$src" ARCH=um -j"$(nproc)" linux >"$build/build.log" 2>&1; then
        tail -n 30 "$build/build.log" >&2
        die "the UML kernel did not build (log: $build/build.log)"
    fi
    mkdir -p "$kernel_cache/$hash"
    install -m 0755 "$src/linux" "$kernel.new"
    mv "$kernel.new" "$kernel"
    rm -rf --one-file-system "$build"
    # Builds of older recipes are not used again.
    find "$kernel_cache" -mindepth 1 -maxdepth 1 -type d ! -name "$hash" -exec rm -rf --one-file-system {} +
    log "UML kernel built in $(( $(date +%s) - started ))s"
}

ensure_kernel
if [ -n "$build_only" ]; then
    echo "$kernel"
    exit 0
fi
"$here/apt-install.sh" e2fsprogs
command -v docker >/dev/null || die "docker is missing"
work=$(mktemp -d /var/tmp/sysfix-uml-quota.XXXXXX)
frozen=""
cleanup() {
    if [ -n "$frozen" ]; then docker exec "$container" fsfreeze -u /var/mail || true; fi
    rm -rf --one-file-system "$work"
}
trap cleanup EXIT
mkdir -p "$work/rootfs" "$work/tmp" "$work/uml"

# The guest's init: the boot steps that concern quotas, then the deliveries.
# Each finding is a RESULT line on the console.
write_guest_init() {
    cat >"$1" <<'GUEST'
#!/bin/sh
# sysfix UML quota test, PID 1 of the guest. The kernel passes the unknown
# boot parameters sysfix_* to init as environment variables.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C
result() { echo "RESULT $*"; }
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
mount -t tmpfs tmpfs /run
mkdir -p /run/lock
hostname "$sysfix_host"
printf '127.0.0.1 localhost\n127.0.1.1 %s %s\n' "$sysfix_host" "${sysfix_host%%.*}" >/etc/hosts
ip link set lo up

# What systemd does at boot for an fstab line with usrquota: mount it
# (local-fs.target), then quotaon.service runs quotaon -aug.
echo "== fstab"; cat /etc/fstab
mount -a
result spool_options "$(findmnt -no OPTIONS /var/mail)"
quotaon -aug >/tmp/quotaon.out 2>&1; result quotaon_rc $?
result quotaon "$(grep -v 'external quota files' /tmp/quotaon.out | tr '\n' ' ')"
result quota_state "$(quotaon -p -u /var/mail)"
repquota -u -O csv -n -p -v /var/mail | sed 's/^/RESULT repquota_before /'

hard=$(repquota -u -O csv -p -v /var/mail | awk -F, -v u="$sysfix_limited" '$1 == u {print $6}')
big_kib=$(( ${hard:-0} + 100 ))
result big_kib "$big_kib"
message() {  # message FILE SUBJECT KIB
    { printf 'From: sender@%s\nTo: postmaster@%s\nSubject: %s\n\n' "$sysfix_host" "$sysfix_host" "$2"
      head -c $(( $3 * 768 )) /dev/urandom | base64 -w 76; } >"$1"
}
message /tmp/big.eml "sysfix big" "$big_kib"
message /tmp/small.eml "sysfix small" 1
result big_bytes "$(wc -c </tmp/big.eml)"

mailbox() { echo "$(stat -c %s "/var/mail/$1") $(md5sum <"/var/mail/$1" | cut -d' ' -f1)"; }
# sendmail in MTA mode (-Am), delivering now (-odi): the local mailer of
# sendmail.cf, sensible-mda, runs procmail -t -d USER, which on EDQUOT rolls
# the mailbox back and exits EX_TEMPFAIL, so the message stays queued.
# sendmail keeps the mailer's output of a deferred delivery nowhere but in
# its traffic log (-X): what sendmail ran, what the mailer said, the status.
deliver() {  # deliver TAG USER FILE
    before=$(mailbox "$2")
    sendmail -Am -odi -oi -X "/tmp/$1.traffic" -f root "$2" <"$3" >/dev/null 2>&1
    result "$1_rc" $?
    result "$1_before" "$before"
    result "$1_after" "$(mailbox "$2")"
    # From the mailer's start: its command, what it said, and the status
    # lines; not the message sendmail read or wrote.
    awk '/ === EXEC /{on=1} on && ($2 == "===" || $2 == "<<<" || $3 ~ /\.\.\.$/)' "/tmp/$1.traffic" \
        | cut -d' ' -f2- | sed "s/^/RESULT $1_mailer /"
}
deliver over "$sysfix_limited" /tmp/big.eml
mailq 2>&1 | sed 's/^/RESULT queue_after_over /'
cat /var/spool/mqueue/qf* | sed -n 's/^M/RESULT queue_reason /p'
deliver small "$sysfix_limited" /tmp/small.eml
result small_subject "$(grep -c '^Subject: sysfix small' "/var/mail/$sysfix_limited")"
deliver roomy "$sysfix_roomy" /tmp/big.eml
result roomy_subject "$(grep -c '^Subject: sysfix big' "/var/mail/$sysfix_roomy")"
deliver other "$sysfix_other" /tmp/small.eml
result other_subject "$(grep -c '^Subject: sysfix small' "/var/mail/$sysfix_other")"
repquota -u -O csv -n -p -v /var/mail | sed 's/^/RESULT repquota_after /'
result done
sync
echo o >/proc/sysrq-trigger
sleep 30
GUEST
    chmod 0755 "$1"
}

started=$(date +%s)
log "root image from $container (docker export)"
docker export "$container" | tar -x -C "$work/rootfs" --numeric-owner
write_guest_init "$work/rootfs/sbin/sysfix-uml-quota-test"
hostname=$(docker exec "$container" hostname)
mkfs.ext4 -q -F -d "$work/rootfs" "$work/root.img" 1G >/dev/null
rm -rf --one-file-system "$work/rootfs"

# The spool file system as the role left it: its block device, read while
# frozen so the copy is consistent.
majmin=$(docker exec "$container" findmnt -no MAJ:MIN --mountpoint /var/mail | tr -d " ")
devname=$(sed -n 's/^DEVNAME=//p' "/sys/dev/block/$majmin/uevent")
if [ -z "$devname" ] || [ ! -b "/dev/$devname" ]; then
    die "cannot find the block device $majmin of $container:/var/mail"
fi
log "spool file system from /dev/$devname"
docker exec "$container" sync
docker exec "$container" fsfreeze -f /var/mail
frozen=yes
dd if="/dev/$devname" of="$work/spool.img" bs=1M conv=sparse status=none
docker exec "$container" fsfreeze -u /var/mail
frozen=""
log "images ready after $(( $(date +%s) - started ))s; booting"

boot_started=$(date +%s)
set +e
TMPDIR="$work/tmp" timeout 300 "$kernel" \
    umid="sysfix-uml-quota-$$" uml_dir="$work/uml" mem=256M \
    ubd0="$work/root.img" ubd1="$work/spool.img" root=/dev/ubda rw \
    init=/sbin/sysfix-uml-quota-test con=null ssl=null con0=null,fd:1 \
    sysfix_host="$hostname" sysfix_limited="$limited" sysfix_roomy="$roomy" sysfix_other="$other" \
    </dev/null >"$work/console.log" 2>&1
uml_rc=$?
set -e
log "guest ran $(( $(date +%s) - boot_started ))s (UML exit $uml_rc), $(( $(date +%s) - started ))s in all"

results=$(tr -d '\r' <"$work/console.log" | grep -a '^RESULT ' || true)
printf '%s\n' "$results"
if ! grep -q '^RESULT done$' <<<"$results"; then
    log "the guest did not finish; console:"
    tr -d '\r' <"$work/console.log" | grep -av '^\[' | tail -n 40 >&2
    echo "VERDICT: FAIL (guest did not finish)"
    exit 1
fi

value() { sed -n "s/^RESULT $1 //p" <<<"$results" | head -n 1; }
failures=()
expect() {  # expect DESCRIPTION CONDITION...
    local description=$1; shift
    if "$@"; then echo "ok: $description"; else echo "FAILED: $description"; failures+=("$description"); fi
}
expect "quotas are on in the guest" grep -q 'is on' <<<"$(value quota_state)"
expect "the large message to $limited was refused: procmail says Quota exceeded" \
    grep -qx "RESULT over_mailer <<< procmail: Quota exceeded while writing \"/var/mail/$limited\"" <<<"$results"
expect "sendmail delivered through its local mailer, sensible-mda" \
    grep -q "RESULT over_mailer === EXEC sensible-mda root $limited" <<<"$results"
expect "the refused message stays in sendmail's queue (EX_TEMPFAIL)" \
    grep -qx 'RESULT queue_reason Deferred: local mailer (/usr/sbin/sensible-mda) exited with EX_TEMPFAIL' <<<"$results"
expect "$limited's mailbox is unchanged, nothing half-written" test "$(value over_before)" = "$(value over_after)"
expect "a small message to $limited still arrives" test "$(value small_subject)" = 1
expect "the large message to $roomy (a larger limit) arrives" test "$(value roomy_subject)" = 1
expect "a small message to $other (under quota) arrives" test "$(value other_subject)" = 1
if [ ${#failures[@]} -gt 0 ]; then
    echo "VERDICT: FAIL (${#failures[@]} check(s) failed)"
    exit 1
fi
echo "VERDICT: PASS (quotas enforced by the guest kernel)"
