#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# trinity restricted to /dev/kipc for $KIPC_TRINITY_SECONDS (default 120):
# its only file descriptors are the kipc nodes, /dev/kipc/control and
# a named object of each kind included, its only system calls those that
# act on a descriptor (so root, which the nodes' mode needs, is safe:
# hence --dangerous). Run by `make fuzz`, not by `make check`. The
# verdict that matters (no oops, warning or taint) is the VM harness's.
#
# How trinity (1.9, Debian's) picks its files: the "pseudo" fd provider
# (fds/files.c; the only one that opens files) walks the -V path
# (pathnames.c), keeps every file the user may read or write, then opens
# as many files as it found, each a random pick among them, so a file
# with one entry is left out about a third of the time. Hence a victim
# directory of device-node copies (the same devices), several of each
# node and more of control, checked once trinity has opened them.
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

kipc=$(cd "$(dirname "$0")/.." && pwd)/user/kipc
work=$(mktemp -d) || exit 1
victims=$work/kipc
mkdir "$victims" || exit 1
made=()
# The objects made go with the run, whatever becomes of it; 1 if one
# would not.
cleanup() {
	local rc=0

	if [ ${#made[@]} -gt 0 ]; then
		"$kipc" rm "${made[@]}" >/dev/null || rc=1
		made=()
	fi
	rm -rf "$work"
	return $rc
}
trap cleanup EXIT

# A named object of each kind, where the tool can make them.
if "$kipc" mk --help >/dev/null 2>&1; then
	for k in pipe msg shm sem; do
		"$kipc" mk "$k" "trinity-$k" >/dev/null && made+=("trinity-$k")
	done
fi
for node in /dev/kipc/*; do
	name=${node##*/}
	copies=4
	[ "$name" = control ] && copies=8
	for i in $(seq "$copies"); do
		cp -a "$node" "$victims/$name.$i" || exit 1
	done
done

cd "$work" || exit 1
echo "# trinity on /dev/kipc for ${secs}s: $calls" | tr -s '\n ' ' '
echo
timeout -k 10 "$secs" trinity --dangerous -q -l off -C 4 -V "$victims" \
	--enable-fds=pseudo "${args[@]}" >"$work/log" 2>&1 &
tpid=$!

# The nodes trinity holds open once its files are open (the copies are
# named NODE.N): control among them, or the run tests the rest only.
held=
for _ in $(seq 60); do
	sleep 2
	last=$held
	held=$(for p in $(pgrep trinity); do
		ls -l "/proc/$p/fd" 2>/dev/null
	done | sed -n 's|.*/kipc/\([^ /]*\)\.[0-9]*$|\1|p' | sort -u | tr '\n' ' ')
	[ -n "$held" ] && [ "$held" = "$last" ] && break
done
echo "# trinity holds: ${held:-nothing}"

wait "$tpid"
rc=$?
tail -n 25 "$work/log" | sed 's/^/# /'
cd / || exit 1
if ! cleanup; then
	echo "not ok 1 could not remove the objects made for trinity"
	exit 1
fi
# Running until the time-out is the normal end; anything but that or a clean
# exit means trinity itself failed.
if [ "$rc" != 124 ] && [ "$rc" != 0 ]; then
	echo "not ok 1 trinity exited with $rc"
	exit 1
fi
case " $held " in
*" control "*)
	echo "ok 1 trinity ran ${secs}s on /dev/kipc"
	;;
*)
	echo "not ok 1 trinity did not open /dev/kipc/control (held: ${held:-nothing})"
	exit 1
	;;
esac
