#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# PID 1 of the kipc test VM (busybox sh). Mounts the host's root read-only
# over virtio-9p, gives it its own /proc, /sys, /dev and tmpfs /tmp, loads
# kipc.ko with busybox insmod (no libkmod), runs the job inside a chroot of
# the host root (so dynamically linked Debian programs work), then checks
# the kernel log and taint and prints one line: KIPC-RESULT: PASS|FAIL ...
#
# Kernel command line: kipc.root=DIR (the project tree on the host) and
# kipc.conf=FILE (relative to it), the job's settings that qemu-run.sh
# wrote: KIPC_JOB (check|fault|run|shell|bench), KIPC_TESTS, KIPC_KO_ARGS
# (module parameters), and `export` lines for the job's environment.

PATH=/bin:/sbin
export PATH
/bin/busybox --install -s /bin

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

finish() {
	echo "KIPC-RESULT: $*"
	sync
	poweroff -f
	echo o >/proc/sysrq-trigger
	sleep 60
}

root= conf=
for w in $(cat /proc/cmdline); do
	case $w in
	kipc.root=*) root=${w#kipc.root=} ;;
	kipc.conf=*) conf=${w#kipc.conf=} ;;
	esac
done

for m in $(cat /modules/order); do
	insmod "/modules/$m.ko" || finish "FAIL: cannot load $m.ko"
done

mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144,cache=loose \
	hostroot /host || finish "FAIL: cannot mount the host root over 9p"

# Keep the project tree reachable: the scratch tmpfs mounts below would hide
# it if it lives under /tmp, /run, /var/tmp or /root.
mkdir -p /project
mount --bind "/host$root" /project || finish "FAIL: no project tree at $root"
KIPC_JOB=check KIPC_TESTS= KIPC_KO_ARGS=
# shellcheck disable=SC1090
[ -n "$conf" ] && . "/project/$conf" || finish "FAIL: no settings file '$conf'"
job=$KIPC_JOB

# The chroot's own kernel filesystems and writable scratch space.
mount -t proc proc /host/proc
mount -t sysfs sysfs /host/sys
mount -t devtmpfs devtmpfs /host/dev
mkdir -p /host/dev/pts /host/dev/shm /host/dev/mqueue
mount -t devpts devpts /host/dev/pts
mount -t tmpfs tmpfs /host/dev/shm
mount -t mqueue mqueue /host/dev/mqueue
for d in tmp run var/tmp root; do
	mount -t tmpfs tmpfs "/host/$d"
done
if [ ! -d "/host$root/kmod" ]; then
	mkdir -p "/host$root"
	mount --bind /project "/host$root"
fi

# The debug kernel has kmemleak: forget what boot leaked, so that the scan
# at the end reports only what came after kipc was loaded.
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
kmemleak=/sys/kernel/debug/kmemleak
[ -e "$kmemleak" ] && echo clear >"$kmemleak"

# The host boots again if the log ends before this line: nothing of kipc
# ran yet, so such a failure is the kernel's or the emulator's.
echo "KIPC-BOOTED"
# shellcheck disable=SC2086
insmod "/host$root/kmod/kipc.ko" $KIPC_KO_ARGS || finish "FAIL: cannot load kipc.ko"

chroot /host /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
	TERM=linux LANG=C.UTF-8 KIPC_ROOT="$root" KIPC_CONF="$root/$conf" \
	KIPC_KO="$root/kmod/kipc.ko" \
	/bin/bash "$root/scripts/guest-job.sh" "$job"
rc=$?

# Unload: must work once every file is closed, and must leave no warning.
if grep -q '^kipc ' /proc/modules; then
	rmmod kipc || finish "FAIL: rmmod kipc failed at the end"
fi

# On the debug kernel: what leaked since kipc was loaded. Two scans: the
# first may miss objects freed just now.
if [ -e "$kmemleak" ]; then
	echo scan >"$kmemleak"
	sleep 1
	echo scan >"$kmemleak"
	if grep -q . "$kmemleak"; then
		cat "$kmemleak"
		finish "FAIL: kmemleak found unreferenced objects"
	fi
	echo "kmemleak: clean"
fi

dmesg >/tmp/dmesg
bad=$(grep -E 'WARNING:|BUG:|Oops|UBSAN:|general protection|sleeping function called from invalid context|Call Trace:' /tmp/dmesg)
if [ -n "$bad" ]; then
	cat /tmp/dmesg
	finish "FAIL: kernel warning: $(echo "$bad" | head -n 1)"
fi

# Allowed taint: O (out-of-tree module, 4096) and E (unsigned module, 8192).
taint=$(cat /proc/sys/kernel/tainted)
if [ $((taint & ~12288)) -ne 0 ]; then
	finish "FAIL: kernel tainted $taint"
fi

[ "$rc" = 0 ] || finish "FAIL: job $job exited with $rc"
finish "PASS: job $job, taint $taint"
