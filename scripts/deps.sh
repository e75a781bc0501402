#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Install, as root with apt-get, whatever kipc needs. A quick no-op when
# everything is already there, so make targets call it first.
#
#   deps.sh          build, lint, boot and test (make, make check, make run)
#   deps.sh debug    the above, and what building the debug kernel from
#                    linux-source-6.1 needs (make check-debug, make fault)
#   deps.sh ltp      the first set, and what building LTP needs (make ltp)
set -eu

PKGS="gcc make libc6-dev perl python3 kmod cpio gzip xz-utils
      linux-image-amd64 linux-headers-amd64 linux-source-6.1
      qemu-system-x86 busybox-static sparse clang-format dwarves
      trinity stress-ng rt-tests dkms pkg-config mandoc
      python3-sphinx graphviz trace-cmd linux-perf tmux"
# LTP's build (make ltp builds a fetched LTP tree; not needed by make check).
LTP_PKGS="autoconf automake m4"
# The kernel's own build needs (Documentation/process/changes.rst).
DEBUG_PKGS="bc bison flex libelf-dev libssl-dev"

case ${1:-} in
"") ;;
debug) PKGS="$PKGS $DEBUG_PKGS" ;;
ltp) PKGS="$PKGS $LTP_PKGS" ;;
*) echo "deps: unknown set '$1' (none, debug or ltp)" >&2; exit 2 ;;
esac

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done

if [ -z "$missing" ] && [ -n "$(scripts/kver.sh)" ]; then
	echo "deps: everything is installed (kernel $(scripts/kver.sh))"
	exit 0
fi

if [ "$(id -u)" != 0 ]; then
	echo "deps: missing:$missing; run 'make deps' as root" >&2
	exit 1
fi

echo "deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing linux-image-amd64 linux-headers-amd64

if [ -z "$(scripts/kver.sh)" ]; then
	echo "deps: no kernel with both /boot/vmlinuz-KVER and headers" >&2
	exit 1
fi
echo "deps: done (kernel $(scripts/kver.sh))"
