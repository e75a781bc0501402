#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The "See it happen" scenes of Documentation/internals/, each run under
# `kipc trace demo` in the VM. `make trace-scenes` runs this script there
# (KIPC_CMD) and then, on the host, `trace-scenes.sh --extract LOG DIR`
# writes each scene's trace to DIR/SCENE.trace, which the guide includes.
# The guide also quotes the scene functions below, so what it shows is
# what ran.
#
#   trace-scenes.sh [SCENE...]              in the VM, as root
#   trace-scenes.sh --extract LOG DIR       on the host
set -u

SCENES="objects pipe msg sem shm notify"

if [ "${1:-}" = --extract ]; then
	[ $# = 3 ] || { echo "usage: $0 --extract LOG DIR" >&2; exit 2; }
	log=$2 dir=$3 n=0
	for s in $SCENES; do
		out=$(tr -d '\r' <"$log" |
			sed -n "/^KIPC-SCENE-BEGIN $s\$/,/^KIPC-SCENE-END $s\$/p" |
			sed '1d;$d')
		if [ -z "$out" ]; then
			echo "trace-scenes: no output for scene $s in $log" >&2
			continue
		fi
		printf '%s\n' "$out" >"$dir/$s.trace"
		n=$((n + 1))
	done
	echo "trace-scenes: $n scenes written to $dir"
	[ "$n" = "$(wc -w <<<"$SCENES")" ]
	exit
fi

# asleep PID: wait until PID sleeps (here: in kipc, waiting).
asleep() {
	local _

	for _ in $(seq 100); do
		[ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" = S ] && return
		sleep 0.1
	done
}

# A named queue, a receiver waiting in it, and its removal: the receiver
# wakes with EIDRM (objects.rst).
scene_objects() {
	kipc mk msg demo
	kipc recv demo & r=$!           # waits: the queue is empty
	asleep $r
	kipc rm demo                    # the name goes; the receiver: EIDRM
	wait $r
}

# A 4 KiB pipe: a writer of 6000 bytes fills it and waits for room; a
# reader drains it and wakes the writer (pipe.rst).
scene_pipe() {
	kipc mk pipe demo --size 4096
	exec 3<>/dev/kipc/demo          # a reader and a writer: no open waits
	head -c 6000 /dev/zero >&3 & w=$!   # 4096 bytes fit, then it waits
	asleep $w
	head -c 6000 <&3 >/dev/null     # reads 4096, wakes it, reads the rest
	wait $w
	exec 3<&-
	kipc rm demo
}

# A receiver of type 2 waits; a type 1 is queued, a type 2 is handed to
# the receiver without being queued (msg.rst).
scene_msg() {
	kipc mk msg demo
	kipc recv demo --type 2 & r=$!  # waits for a message of type 2
	asleep $r
	kipc send demo 1 one            # no match: queued
	kipc send demo 2 two            # handed to the waiting receiver
	wait $r
	kipc rm demo
}

# P(3) then P(1) wait on a semaphore at 0; the V calls serve them in
# arrival order, the P(1) never overtakes the P(3) (sem.rst).
scene_sem() {
	kipc mk sem demo
	kipc sem demo set 0
	kipc sem demo p 3 & a=$!        # waits: the head of the queue
	asleep $a
	kipc sem demo p 1 & b=$!        # waits behind it, though 1 < 3
	asleep $b
	kipc sem demo v                 # value 1: the head needs 3
	kipc sem demo v                 # value 2
	kipc sem demo v                 # value 3: the P(3) is granted
	wait $a
	kipc sem demo v                 # the P(1) is granted
	wait $b
	kipc rm demo
}

# A segment mapped, the fd closed, the process forked: the child's copy
# of the mapping counts as an attach, and so does each new mmap(); the
# page is shared (shm.rst).
scene_shm() {
	kipc mk shm demo --size 4096
	/usr/bin/python3 -c '
import mmap, os
def attach():
    fd = os.open("/dev/kipc/demo", os.O_RDWR)
    m = mmap.mmap(fd, 4096)     # MAP_SHARED: nattch + 1
    os.close(fd)                # the mapping stays
    return m
m = attach()                    # nattch 1
pid = os.fork()                 # the child has a copy: nattch 2
if pid == 0:
    c = attach()                # nattch 3
    c[0:5] = b"child"
    os._exit(0)                 # both of its mappings go: nattch 1
os.waitpid(pid, 0)
print(m[0:5].decode())          # "child": the same page
n = attach()                    # nattch 2
'
	kipc rm demo
}

# Two registrations, one of them one-shot, and two messages (notify.rst).
scene_notify() {
	kipc mk msg demo
	kipc notify demo --signal USR1 --count 1 & a=$!   # one-shot
	kipc notify demo --signal USR2 & b=$!             # every arrival
	asleep $a
	asleep $b
	kipc send demo 1 first          # both are signalled
	kipc send demo 1 second         # the lasting one only
	sleep 1
	kill $b
	wait $a $b
	kipc rm demo
}

# Run scene $1 under `kipc trace demo` and print its trace between marks.
run_scene() {
	local s=$1 out=/tmp/trace-$1 t

	kipc trace demo >"$out" 2>&1 & t=$!
	# Its header comes once the events are on and it reads them.
	for _ in $(seq 600); do
		grep -q '^TIME ' "$out" && break
		kill -0 $t 2>/dev/null || break
		sleep 0.1
	done
	"scene_$s"
	sleep 1
	kill -INT $t
	wait $t
	echo "KIPC-SCENE-BEGIN $s"
	cat "$out"
	echo "KIPC-SCENE-END $s"
}

# shellcheck disable=SC2086 # the list is words
[ $# = 0 ] && set -- $SCENES
for s in "$@"; do
	case " $SCENES " in
	*" $s "*) run_scene "$s" ;;
	*) echo "trace-scenes: no scene $s" >&2; exit 2 ;;
	esac
done
