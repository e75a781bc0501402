#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the test VM's initramfs for kernel KVER into OUT: busybox-static,
# scripts/guest-init.sh as /init, and the Debian modules the guest needs to
# mount the host's root over virtio-9p (decompressed, in load order).
# Everything else (tests, tools, libraries) is read from the host over 9p.
set -euo pipefail

kver=$1
out=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

mkdir -p "$tmp"/{bin,sbin,dev,proc,sys,host,tmp,modules}
cp /bin/busybox "$tmp/bin/busybox"
ln -s busybox "$tmp/bin/sh"
cp "$(dirname "$0")/guest-init.sh" "$tmp/init"
chmod 755 "$tmp/init"

# Dependencies first, each module once, in the order modprobe would load them.
# A kernel with no /lib/modules tree (the debug kernel) has them built in.
touch "$tmp/list"
if [ -e "/lib/modules/$kver/modules.dep" ]; then
	for m in virtio_pci 9pnet_virtio 9p; do
		modprobe --show-depends -S "$kver" "$m"
	done | awk '$1 == "insmod" && !seen[$2]++ { print $2 }' >"$tmp/list"
fi

while read -r ko; do
	name=$(basename "$ko")
	case $name in
	*.ko.xz) xz -dc "$ko" >"$tmp/modules/${name%.xz}" ;;
	*.ko.zst) zstd -qdc "$ko" >"$tmp/modules/${name%.zst}" ;;
	*.ko.gz) gzip -dc "$ko" >"$tmp/modules/${name%.gz}" ;;
	*) cp "$ko" "$tmp/modules/$name" ;;
	esac
	echo "${name%%.ko*}" >>"$tmp/modules/order"
done <"$tmp/list"

touch "$tmp/modules/order"

(cd "$tmp" && find . -path ./list -prune -o -print | cpio -o -H newc --quiet | gzip -1) >"$out.tmp"
mv "$out.tmp" "$out"
