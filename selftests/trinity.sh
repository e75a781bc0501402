#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# trinity restricted to /dev/kipc for $KIPC_TRINITY_SECONDS (default 120):
# its only file descriptors are the kipc nodes, its only system calls those
# that act on a descriptor (so root, which the nodes' mode needs, is safe:
# hence --dangerous). Run by `make fuzz`, not by `make check`. The
# verdict that matters (no oops, warning or taint) is the VM harness's.
echo "TAP version 13"
echo "1..1"
if ! command -v trinity >/dev/null; then
	echo "ok 1 trinity # SKIP trinity is not installed"
	exit 4
fi
if [ ! -d /dev/kipc ]; then
	echo "ok 1 trinity # SKIP kipc module not loaded"
	exit 4
fi

secs=${KIPC_TRINITY_SECONDS:-120}
calls="ioctl read write readv writev pread64 pwrite64 lseek mmap munmap mremap
       mprotect msync madvise poll ppoll select fcntl dup dup2 close newfstat
       fsync flock splice tee sendfile"
args=()
for c in $calls; do
	args+=(-c "$c")
done

cd "$(mktemp -d)" || exit 1
echo "# trinity on /dev/kipc for ${secs}s: $calls" | tr -s '\n ' ' '
echo
timeout -k 10 "$secs" trinity --dangerous -q -l off -C 4 -V /dev/kipc \
	--disable-fds=sockets,pipes,perf,epoll,eventfd,pseudo,timerfd,testfile,memfd,drm \
	"${args[@]}" 2>&1 | tail -n 25 | sed 's/^/# /'
rc=${PIPESTATUS[0]}
# Running until the time-out is the normal end; anything but that or a clean
# exit means trinity itself failed.
if [ "$rc" = 124 ] || [ "$rc" = 0 ]; then
	echo "ok 1 trinity ran ${secs}s on /dev/kipc"
else
	echo "not ok 1 trinity exited with $rc"
	exit 1
fi
