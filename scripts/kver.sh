#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Print the newest installed Debian kernel version that has both a bootable
# image (/boot/vmlinuz-KVER) and its kbuild headers (/lib/modules/KVER/build).
# Prints nothing when there is none (run `make deps`).
for img in /boot/vmlinuz-*; do
	[ -e "$img" ] || continue
	kver=${img#/boot/vmlinuz-}
	[ -e "/lib/modules/$kver/build/Makefile" ] && echo "$kver"
done | sort -V | tail -n 1
