#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Print the newest installed Debian kernel version that has both a bootable
# image (/boot/vmlinuz-KVER) and its kbuild headers (/lib/modules/KVER/build),
# preferring the plain flavour to PREEMPT_RT (-rt-) ones of the same age;
# with --all, print every such version, oldest first. Prints nothing when
# there is none (run `make deps`).
list() {
	for img in /boot/vmlinuz-*; do
		[ -e "$img" ] || continue
		kver=${img#/boot/vmlinuz-}
		[ -e "/lib/modules/$kver/build/Makefile" ] && echo "$kver"
	done | sort -V
}

if [ "${1:-}" = --all ]; then
	list
else
	kver=$(list | grep -v -- '-rt-' | tail -n 1)
	[ -n "$kver" ] || kver=$(list | tail -n 1)
	[ -z "$kver" ] || echo "$kver"
fi
