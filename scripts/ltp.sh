#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# LTP (the Linux Test Project) as the judge of `kipc run`: its IPC tests run
# on the kernel's IPC and then under `kipc run`, side by side (make ltp).
#
#   ltp.sh build LTP          on the host: configure LTP's source tree (once,
#                             offline: make autotools && ./configure) and
#                             build libltp and the selected tests
#   ltp.sh list LTP           the selected tests: "NAME DIR CMD [ARG...]"
#   ltp.sh run LTP [NAME...]  in the VM (guest-job.sh ltp): each test on the
#                             kernel, then under `kipc run --stats`; prints
#                             the table between KIPC-LTP-BEGIN and -END
#
# LTP is a source tree from github.com/linux-test-project/ltp; nothing is
# downloaded here. The tests are those of runtest/syscalls whose program
# lives in one of LTP_DIRS; of fcntl, only those that use F_GETPIPE_SZ or
# F_SETPIPE_SZ.
set -u

LTP_DIRS="syscalls/pipe syscalls/pipe2 syscalls/fcntl
	syscalls/msgget syscalls/msgsnd syscalls/msgrcv syscalls/msgctl
	syscalls/shmget syscalls/shmat syscalls/shmdt syscalls/shmctl
	syscalls/semget syscalls/semop syscalls/semctl
	ipc/pipeio ipc/msgstress"

die() {
	echo "ltp: $*" >&2
	exit 1
}

# The LTP source tree, as an absolute path, or a clear message.
ltp_tree() {
	[ -n "${1:-}" ] || die "no LTP tree given: make ltp LTP=/path/to/ltp (a clone of github.com/linux-test-project/ltp; see Documentation/userspace-api/kipc-ltp.rst)"
	[ -d "$1" ] || die "LTP=$1: no such directory"
	if [ ! -f "$1/include/tst_test.h" ] || [ ! -f "$1/runtest/syscalls" ]; then
		die "LTP=$1 is not an LTP source tree (no include/tst_test.h or runtest/syscalls)"
	fi
	(cd "$1" && pwd)
}

# The programs of DIR (relative to testcases/kernel) that are selected.
dir_programs() {
	local ltp=$1 d=$2 c

	case $d in
	syscalls/fcntl)
		for c in "$ltp/testcases/kernel/$d"/fcntl*.c; do
			grep -qE 'F_(GET|SET)PIPE_SZ' "$c" || continue
			c=$(basename "$c" .c)
			echo "$c ${c}_64"
		done
		;;
	*)
		for c in "$ltp/testcases/kernel/$d"/*.c; do
			# Helpers a test execs (pipe2_02_child) have no main test.
			grep -qE 'struct tst_test test|TCID' "$c" || continue
			basename "$c" .c
		done
		;;
	esac
}

list_tests() {
	local ltp=$1 d p

	for d in $LTP_DIRS; do
		for p in $(dir_programs "$ltp" "$d"); do
			# runtest/syscalls: "NAME PROGRAM [ARG...]", one per line.
			awk -v p="$p" -v d="$d" '!/^#/ && $2 == p { $1 = $1 " " d; print }' \
				"$ltp/runtest/syscalls"
		done
	done
}

build() {
	local ltp=$1 d log progs

	if ! command -v autoreconf >/dev/null || ! command -v automake >/dev/null; then
		die "autoconf and automake are needed to build LTP (scripts/deps.sh ltp)"
	fi
	log=$ltp/kipc-build.log
	: >"$log" || die "cannot write $log"
	if [ ! -f "$ltp/include/config.h" ] || [ ! -f "$ltp/include/mk/config.mk" ]; then
		echo "ltp: configuring $ltp (make autotools && ./configure; log $log)"
		(cd "$ltp" && make autotools && ./configure) >>"$log" 2>&1 ||
			{ tail -n 20 "$log"; die "configuring LTP failed (log $log)"; }
	fi
	for d in $LTP_DIRS; do
		# A whole directory (helpers such as pipe2_02_child too), but
		# of fcntl only the pipe-size tests.
		progs=
		[ "$d" = syscalls/fcntl ] && progs=$(dir_programs "$ltp" "$d")
		echo "ltp: building testcases/kernel/$d"
		# shellcheck disable=SC2086
		make -C "$ltp/testcases/kernel/$d" $progs >>"$log" 2>&1 ||
			{ tail -n 20 "$log"; die "building testcases/kernel/$d failed (log $log)"; }
	done
	echo "ltp: built $(list_tests "$ltp" | wc -l) tests of $ltp ($(git -C "$ltp" describe --always --tags 2>/dev/null || echo 'not a git tree'))"
}

# LTP's verdict from a test's output and exit status:
# "RESULT passed/failed/broken/skipped", RESULT one of PASS, FAIL, BROK,
# CONF (skipped only), WARN (a TWARN only), TIME (killed by our time-out)
# or EXITn (an exit status without a result, a crash say).
verdict() {
	local out=$1 rc=$2 p f b c r

	if grep -q '^Summary:' "$out"; then
		# The new library's summary at the end.
		# (No process substitution: the VM's /dev has no /dev/fd.)
		read -r p f b c <<<"$(awk '/^passed /{p=$2} /^failed /{f=$2}
			/^broken /{b=$2} /^skipped /{c=$2}
			END {print p+0, f+0, b+0, c+0}' "$out")"
	else
		# The old library: one line per result, "NAME N TPASS : ...".
		p=$(grep -cE '[[:space:]]TPASS[[:space:]]' "$out")
		f=$(grep -cE '[[:space:]]TFAIL[[:space:]]' "$out")
		b=$(grep -cE '[[:space:]]TBROK[[:space:]]' "$out")
		c=$(grep -cE '[[:space:]]TCONF[[:space:]]' "$out")
	fi
	# tst_brk(TCONF) in setup: exit 32 and no summary.
	[ "$rc" = 32 ] && [ $((p + f + b + c)) = 0 ] && c=1
	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		r=TIME
	elif [ "$b" != 0 ] || [ $((rc & 2)) != 0 ]; then
		r=BROK
	elif [ "$f" != 0 ] || [ $((rc & 1)) != 0 ]; then
		r=FAIL
	elif [ "$p" = 0 ] && [ "$c" != 0 ]; then
		r=CONF
	elif [ "$p" != 0 ] && [ $((rc & ~32)) = 0 ]; then
		# Some results may be TCONF (exit 32): the rest passed.
		r=PASS
	elif [ $((rc & 4)) != 0 ]; then
		r=WARN
	else
		# Exit status without a result we can read (a crash, say).
		r="EXIT$rc"
	fi
	echo "$r $p/$f/$b/$c"
}

# What `kipc run --stats` says the run made on kipc, per kind, and how
# many calls it left to the kernel: "pipe=2 msg=1 kernel=3", "none".
objects_used() {
	local out=$1 s

	s=$(awk '/^kipc run: [0-9]+ kipc objects made \(/ {
			gsub(/[(),]/, " ")
			for (i = 1; i < NF; i++)
				if ($i ~ /^(pipe|msg|shm|sem)$/ && $(i + 1) > 0)
					printf "%s=%d ", $i, $(i + 1)
		}
		/^kipc run: [0-9]+ calls left to the kernel/ && $3 > 0 {
			printf "kernel=%d ", $3
		}' "$out")
	s=${s% }
	echo "${s:-none}"
}

run_tests() {
	local ltp=$1 name d cmd out rc kern kipc objs dir sel
	local limit=${KIPC_LTP_TIMEOUT:-600}

	shift
	sel=" $* "
	command -v kipc >/dev/null || die "no kipc on PATH"
	# What LTP's tests want: a writable TMPDIR (tmpfs in the VM), LTPROOT,
	# and slack for TCG. LTP_RUNTIME_MUL shortens the runtime-bound tests
	# (msgstress01 runs 180 s by default).
	export TMPDIR=${TMPDIR:-/tmp} LTPROOT=$ltp
	export LTP_TIMEOUT_MUL=${LTP_TIMEOUT_MUL:-4}
	export LTP_RUNTIME_MUL=${LTP_RUNTIME_MUL:-0.1}
	echo "ltp: LTP $(git -C "$ltp" describe --always --tags 2>/dev/null), kernel $(uname -r), TMPDIR=$TMPDIR"
	{
		echo "KIPC-LTP-BEGIN"
		echo "# LTP $(git -C "$ltp" rev-parse HEAD 2>/dev/null) ($(git -C "$ltp" describe --always --tags 2>/dev/null))"
		echo "# kernel $(uname -r), $(date -u '+%Y-%m-%d %H:%M UTC')"
		echo "# results: RESULT passed/failed/broken/skipped (LTP's summary)"
		printf '%-12s %-18s %-18s %s\n' TEST KERNEL "KIPC RUN" "KIPC OBJECTS"
	} >/tmp/ltp-table
	while read -r name d cmd; do
		[ "$sel" = "  " ] || [ "${sel#* "$name" }" != "$sel" ] || continue
		dir=$ltp/testcases/kernel/$d
		out=/tmp/ltp-$name
		echo "# ltp: $name on the kernel: $cmd"
		# shellcheck disable=SC2086
		(cd "$dir" && timeout -k 10 "$limit" ./$cmd) >"$out.kernel" 2>&1
		rc=$?
		sed 's/^/  /' "$out.kernel"
		kern=$(verdict "$out.kernel" "$rc")
		echo "# ltp: $name under kipc run: $cmd"
		# shellcheck disable=SC2086
		(cd "$dir" && timeout -k 10 "$limit" kipc run --stats -- ./$cmd) >"$out.kipc" 2>&1
		rc=$?
		sed 's/^/  /' "$out.kipc"
		kipc=$(verdict "$out.kipc" "$rc")
		objs=$(objects_used "$out.kipc")
		echo "# ltp: $name kernel=$kern kipc=$kipc objects=$objs"
		printf '%-12s %-18s %-18s %s\n' "$name" "$kern" "$kipc" "$objs" >>/tmp/ltp-table
	done <<<"$(list_tests "$ltp")"
	echo "KIPC-LTP-END" >>/tmp/ltp-table
	cat /tmp/ltp-table
}

cmd=${1:-}
case $cmd in
build | list | run) ltp=$(ltp_tree "${2:-}") || exit ;;
*)
	echo "usage: ltp.sh build|list|run LTP [TEST...]" >&2
	exit 2
	;;
esac
shift 2
case $cmd in
build) build "$ltp" ;;
list) list_tests "$ltp" ;;
run) run_tests "$ltp" "$@" ;;
esac
