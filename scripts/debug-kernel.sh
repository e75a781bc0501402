#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build, once, a debug kernel from Debian's linux-source-6.1 for
# `make check-debug`: x86_64 defconfig plus KASAN, lockdep, atomic-sleep
# checks, kmemleak, UBSAN and fault injection, with everything the VM
# harness needs (virtio, 9p, devtmpfs) built in so no module is loaded
# but kipc.ko. Cached outside the repo in $KIPC_CACHE (default
# ~/.cache/kipc); prints the build directory. Takes long the first time.
#
# The stamp holds a hash of the recipe (the part of this script between
# the recipe-begin and recipe-end lines), not a time: a fresh clone gives
# the script a new mtime, which must not cost hours of rebuilding, while a
# changed option must.
set -euo pipefail

cache=${KIPC_CACHE:-$HOME/.cache/kipc}
src=$cache/linux-6.1-debug
tarball=/usr/src/linux-source-6.1.tar.xz
stamp=$src/.kipc-built
recipe=$(sed -n '/^# recipe-begin$/,/^# recipe-end$/p' "$0" | sha256sum | cut -d' ' -f1)

if [ -e "$stamp" ] && [ "$(cat "$stamp")" = "$recipe" ]; then
	echo "$src"
	exit 0
fi

mkdir -p "$cache"
if [ ! -e "$src/Makefile" ]; then
	echo "debug-kernel: extracting $tarball" >&2
	rm -rf "$src.tmp"
	mkdir -p "$src.tmp"
	tar -xJf "$tarball" -C "$src.tmp" --strip-components=1
	mv "$src.tmp" "$src"
fi

cd "$src"
# recipe-begin
make -s defconfig >&2
# shellcheck disable=SC2046
scripts/config \
	$(printf -- '-e %s ' \
		KASAN KASAN_GENERIC KASAN_INLINE \
		PROVE_LOCKING DEBUG_LOCKDEP DEBUG_ATOMIC_SLEEP DEBUG_SPINLOCK \
		DEBUG_MUTEXES DEBUG_LIST DEBUG_KMEMLEAK DEBUG_KMEMLEAK_AUTO_SCAN \
		UBSAN UBSAN_BOUNDS UBSAN_SHIFT UBSAN_BOOL UBSAN_ENUM \
		FAULT_INJECTION FAILSLAB FAIL_PAGE_ALLOC FAULT_INJECTION_DEBUG_FS \
		DEBUG_FS DEBUG_INFO_NONE DETECT_HUNG_TASK \
		MODULES MODULE_UNLOAD DEVTMPFS SYSVIPC POSIX_MQUEUE SHMEM TMPFS \
		VIRTIO VIRTIO_PCI VIRTIO_MENU NET_9P NET_9P_VIRTIO \
		NETWORK_FILESYSTEMS 9P_FS 9P_FS_POSIX_ACL \
		BLK_DEV_INITRD RD_GZIP SERIAL_8250 SERIAL_8250_CONSOLE \
		MEMCG) \
	-d DEBUG_INFO -d DEBUG_INFO_DWARF5 -d DEBUG_INFO_DWARF_TOOLCHAIN_DEFAULT \
	-d RANDOMIZE_BASE -d MODULE_SIG \
	--set-val KMEMLEAK_EARLY_LOG_SIZE 16000 >&2
make -s olddefconfig >&2
echo "debug-kernel: building in $src (nice -n 19)" >&2
# The default target: bzImage, and the few defconfig modules, which gives
# the Module.symvers that building kipc.ko against this tree needs.
nice -n 19 make -s -j"$(nproc)" >&2
# recipe-end
echo "$recipe" >"$stamp"
echo "$src"
