#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make run`: a short walk through kipc in the VM, with kipc loaded, using
# the kipc tool (user/kipc). Each scene says what it shows, prints every
# command as "$ command" and runs it. Exits 0 unless something did not
# behave as narrated (a node that does not open skips its scene and fails).
set -u
cd "$(dirname "$0")/.." || exit 1
PATH=$PWD/user:$PATH
status=0

say() { printf '\n==> %s\n' "$*"; }
note() { printf '    # %s\n' "$*"; }

# cmdline CMD...: the command as one would type it, quoted where needed.
cmdline() {
	local a out=

	for a in "$@"; do
		case $a in
		*[!A-Za-z0-9_./=:+-]* | "") a="'${a//\'/\'\\\'\'}'" ;;
		esac
		out+=" $a"
	done
	printf '$%s\n' "$out"
}

# show CMD...: print the command as typed, then run it.
show() {
	cmdline "$@"
	"$@"
}

# must CMD...: show a command that has to succeed.
must() {
	show "$@" || {
		echo "tour: unexpected failure of: $*"
		status=1
	}
}

# refused CMD...: show a command that has to fail, with its error.
refused() {
	cmdline "$@"
	if "$@" 2>&1; then
		echo "tour: expected a refusal from: $*"
		status=1
	fi
}

# works NODE: the node opens; if not, say why and fail the tour.
works() {
	local e

	e=$( (: <"/dev/kipc/$1") 2>&1) && return 0
	note "cannot open /dev/kipc/$1 ($e): scene skipped"
	status=1
	return 1
}

# procval TABLE NODE COLUMN
procval() {
	awk -v node="$2" -v col="$3" '
		NR == 1 { for (i = 1; i <= NF; i++) if ($i == col) c = i; next }
		$1 == node && c { print $c }' "/proc/kipc/$1"
}

# wait_proc TABLE NODE COLUMN VALUE: until /proc/kipc shows VALUE (60 s).
wait_proc() {
	local i

	for ((i = 0; i < 600; i++)); do
		[ "$(procval "$1" "$2" "$3")" = "$4" ] && return 0
		sleep 0.1
	done
	echo "tour: /proc/kipc/$1 never showed $3 = $4 for $2"
	status=1
	return 1
}

object_scene() {
	local mask

	say "Making an object: kipc mk, as mkfifo(1) or ipcmk(1)"
	if ! [ -c /dev/kipc/control ]; then
		note "no /dev/kipc/control: this module makes no objects; scene skipped"
		status=1
		return
	fi
	note "Besides pipe0, msg0... made at load, any user may make objects with"
	note "a name: theirs, with mode 0666 less the umask (022 here)."
	mask=$(umask)
	umask 022
	must kipc mk msg jobs
	must ls -l /dev/kipc/jobs
	note "The name does not tell the kind; the device does:"
	must cat /sys/class/kipc/jobs/kind
	must kipc send jobs 1 "build kipc"
	must kipc recv jobs
	note "Made again it is left as it is; --exclusive refuses, as IPC_EXCL:"
	must kipc mk msg jobs
	refused kipc mk msg jobs --exclusive
	note "Only its creator, its owner or root may remove it:"
	refused setpriv --reuid=65534 --regid=65534 --clear-groups kipc rm jobs
	must kipc rm jobs
	refused ls /dev/kipc/jobs
	umask "$mask"
}

anon_pipe_scene() {
	say "An anonymous pipe and fork(2), as the textbooks start"
	note "KIPC_CTL_PIPE is pipe(2) for kipc: two ends, no name. The parent"
	note "writes, the forked child reads until EOF, when the parent closes."
	note "(Python here; the C version is in Documentation/userspace-api/kipc.rst.)"
	must python3 - <<-'EOF'
		import fcntl, os, struct
		KIPC_CTL_PIPE = (3 << 30) | (32 << 16) | (0xB8 << 8) | 0x52
		ctl = os.open("/dev/kipc/control", os.O_RDWR)
		pair = bytearray(struct.pack("iiII16x", -1, -1, 0, 0))
		fcntl.ioctl(ctl, KIPC_CTL_PIPE, pair)
		rd, wr = struct.unpack_from("ii", pair)
		print("[parent] read end", rd, "write end", wr, "in",
		      [l.split()[0] for l in open("/proc/kipc/pipe") if l.startswith("anon:")])
		if os.fork() == 0:
		    os.close(wr)
		    while data := os.read(rd, 64):
		        print("[child] read:", data.decode().strip())
		    print("[child] EOF: the last writer closed")
		    os._exit(0)
		os.close(rd)
		os.write(wr, b"hello from the parent\n")
		os.close(wr)
		os.wait()
	EOF
	note "When the last end closes, the pipe leaves /proc/kipc/pipe."
}

pipe_scene() {
	local w

	say "The classic pipe scene: echo waits until cat reads"
	note "A FIFO's writer blocks in open() until a reader comes."
	printf '$ echo hello >/dev/kipc/pipe0 &\n'
	(echo hello >/dev/kipc/pipe0) &
	w=$!
	sleep 1
	if kill -0 $w 2>/dev/null; then
		echo "[shell] 1 s later echo is still blocked in open(): no reader yet"
	fi
	must cat /dev/kipc/pipe0
	wait $w && echo "[shell] echo returned: cat read its line, then saw EOF"
	note "The ring grows in powers of two of at least a page:"
	must kipc pipe pipe0 size
	must kipc pipe pipe0 size 100000
	kipc pipe pipe0 size 64k >/dev/null
	must kipc ls pipe
}

msg_scene() {
	say "Typed messages: sent in one order, received by type"
	works msg0 || return
	must kipc send msg0 3 "three, sent first"
	must kipc send msg0 1 "one, sent second"
	must kipc send msg0 2 "two, sent third"
	must kipc ls msg
	note "--type 2: the first message of type 2"
	must kipc recv msg0 --type 2
	note "--type -3: the first message of the lowest type <= 3"
	must kipc recv msg0 --type -3
	note "no --type: the first message in the queue"
	must kipc recv msg0
	note "An empty queue: --nowait says so instead of waiting."
	refused kipc recv msg0 --nowait
}

limits_scene() {
	local max qbytes left n=0

	say "Limits: msgmax per message (MSGMAX), qbytes per queue (MSGMNB)"
	works msg0 || return
	max=$(procval msg msg0 msgmax)
	qbytes=$(procval msg msg0 qbytes)
	head -c $((max + 1)) /dev/zero | tr '\0' x >/tmp/tour-big
	note "msgmax is $max bytes: a message of $((max + 1)) bytes is refused"
	printf '$ head -c %d /dev/zero | tr "\\0" x | kipc send msg0 1 -\n' \
		$((max + 1))
	if kipc send msg0 1 - </tmp/tour-big 2>&1; then
		echo "tour: a message over msgmax was accepted"
		status=1
	fi
	note "qbytes is $qbytes: fill the queue with messages of $max bytes"
	for ((left = qbytes; left >= max; left -= max)); do
		head -c "$max" /tmp/tour-big | kipc send msg0 1 - || status=1
		n=$((n + 1))
	done
	if [ "$left" -gt 0 ]; then
		head -c "$left" /tmp/tour-big | kipc send msg0 1 - || status=1
		n=$((n + 1))
	fi
	echo "[shell] sent $n messages, $qbytes bytes in all"
	must kipc ls msg
	note "Full: one more byte does not fit. --nowait refuses; without it"
	note "the sender would wait until a receiver makes room."
	refused kipc send msg0 2 x --nowait
	while kipc recv msg0 --nowait >/dev/null 2>&1; do :; done
	rm -f /tmp/tour-big
}

# One process of the mutex scene: 20 increments, each under sem0.
bump() {
	local count

	for ((count = 0; count < 20; count++)); do
		# shellcheck disable=SC2016
		kipc sem sem0 p --undo -- sh -c \
			'n=$(kipc shm shm0 read --length 16 | tr -d "\0")
			 kipc shm shm0 write $((n + 1))' || return 1
	done
}

mutex_scene() {
	local a b count

	say "Shared memory guarded by a semaphore: two processes, one counter"
	works shm0 && works sem0 || return
	note "sem0 starts at 1 (sem_init): a mutex. Each process adds 1 to a"
	note "decimal counter in shm0, 20 times, holding sem0 during each"
	note "read-modify-write; --undo gives the unit back when kipc exits."
	head -c 16 /dev/zero | kipc shm shm0 write - && kipc shm shm0 write 0
	must kipc sem sem0 get
	# shellcheck disable=SC2016
	printf '$ kipc sem sem0 p --undo -- sh -c %s\n' \
		"'n=\$(kipc shm shm0 read --length 16 | tr -d \"\\0\"); kipc shm shm0 write \$((n + 1))'"
	bump &
	a=$!
	bump &
	b=$!
	echo "[shell] two processes, $a and $b, run that 20 times each"
	wait $a || status=1
	wait $b || status=1
	printf '$ kipc shm shm0 read --length 16\n'
	count=$(kipc shm shm0 read --length 16 | tr -d '\0')
	echo "$count"
	if [ "$count" = 40 ]; then
		echo "[shell] 40: no increment was lost"
	else
		echo "tour: the counter is $count, not 40"
		status=1
	fi
	must kipc ls sem
	head -c 16 /dev/zero | kipc shm shm0 write -
}

producer_scene() {
	local c

	say "Producer and consumer: a semaphore at 0 means \"not yet\""
	works shm1 && works sem1 || return
	must kipc sem sem1 set 0
	printf '$ kipc sem sem1 p && kipc shm shm1 read &\n'
	(
		timeout 120 kipc sem sem1 p || exit 1
		echo "[consumer] woke up and reads: $(kipc shm shm1 read)"
	) &
	c=$!
	wait_proc sem sem1 waiters 1 &&
		echo "[shell] the consumer is waiting in P:"
	must kipc ls sem
	echo "[producer] writes the data, then V"
	must kipc shm shm1 write "the data is ready"
	must kipc sem sem1 v
	wait $c || status=1
	kipc sem sem1 set 1
	head -c 17 /dev/zero | kipc shm shm1 write -
}

notify_scene() {
	local n

	say "A signal arriving with a message"
	note "kipc notify registers for SIGUSR1 on every arrival on msg1 and"
	note "prints who sent it and the type (si_pid, si_value)."
	printf '$ kipc notify msg1 --signal USR1 --count 1 &\n'
	timeout 120 kipc notify msg1 --signal USR1 --count 1 &
	n=$!
	wait_proc msg msg1 notifiers 1
	must kipc send msg1 42 "wake up"
	wait $n || status=1
	must kipc recv msg1
}

object_scene
anon_pipe_scene
pipe_scene
msg_scene
limits_scene
mutex_scene
producer_scene
notify_scene

# Last: the newcomer's own commands, unmodified, on kipc.
run_scene() {
	say "Your own shell pipeline, on kipc"
	note "kipc run starts the command with libkipc's preload library: every"
	note "pipe(2) in it (and System V queues, segments, semaphores) is a kipc"
	note "object. --stats lists them when it ends, from /proc/kipc; the"
	note "command's output and exit status are its own."
	must kipc run --stats -- bash -c 'seq 1 200000 | sort -rn | head -3 | tr "\n" " "; echo'
}

say "Everything at a glance"
must kipc ls

run_scene

if [ $status = 0 ]; then
	say "Tour done."
else
	say "Tour done, with surprises (see the tour: lines)."
fi
exit $status
