#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kipc run: real programs, written for the kernel's IPC, run on kipc. Each
# runs twice, as it is and under `kipc run`: stdout and exit status must
# be the same, and the run must have made kipc objects (the --stats
# summary counts what the preload library made). Prints KTAP. Runs as
# root in the VM.
#
# The tool is $KIPC, else ../user/kipc next to this directory.

set -u
# shellcheck source=selftests/lib.sh
. "$(dirname "$0")/lib.sh"
SYSV=$here/sysv_prog

# ------------------------------------------------------------- helpers

# both CMD...: run CMD on the kernel, then under `kipc run --stats`;
# stdout and exit status must match. Leaves the run's stderr in $tmp/err
# and its stdout in $tmp/out.
both() {
	local krc

	"$@" >"$tmp/kernel.out" 2>"$tmp/kernel.err"
	krc=$?
	run kipc run --stats -- "$@"
	if ! cmp -s "$tmp/kernel.out" "$tmp/out"; then
		diff "$tmp/kernel.out" "$tmp/out" | head -n 20 | sed 's/^/diff: /'
		fail "stdout differs from the same command without kipc"
	fi
	[ "$rc" = "$krc" ] ||
		fail "exit status $rc under kipc run, $krc without"
}

# made KIND: how many objects of KIND the last run made (--stats).
made() {
	sed -n "s/^kipc run: [0-9]* kipc objects made (.*$1 \([0-9]*\).*/\1/p" \
		"$tmp/err"
}

# expect_made KIND MIN: the run made at least MIN objects of KIND.
expect_made() {
	local n

	n=$(made "$1")
	[ -n "$n" ] || fail "no --stats summary on stderr"
	[ "$n" -ge "$2" ] || fail "the run made $n $1 objects, expected >= $2"
}

# expect_rows KIND: the --stats table lists an object of KIND with bytes.
expect_rows() {
	awk -v k="$1" '$2 == k && $3 > 0 { f = 1 } END { exit !f }' \
		"$tmp/err" || fail "no $1 row with bytes in the --stats table"
}

need_run() {
	[ -c /dev/kipc/control ] || fail "no /dev/kipc/control"
	[ -x "$SYSV" ] || fail "sysv_prog not built at $SYSV"
}

# --------------------------------------------------------------- tests

# The classic: three commands, two pipes, the head closing early (SIGPIPE).
test_sort_head() {
	need_run
	both bash -c 'seq 1 200000 | sort -rn | head -1'
	expect_out 200000
	expect_made pipe 2
	expect_rows pipe
}

# Five commands, 32 MiB through four pipes, a checksum at the end.
test_five_stage_pipeline() {
	need_run
	both bash -c 'yes "kipc carries this line through five commands" |
		head -c 33554432 | tr "[:lower:]" "[:upper:]" | cat | sha256sum'
	expect_made pipe 4
	expect_rows pipe
	# The checksum of the data, made without any pipe.
	yes "kipc carries this line through five commands" | head -c 33554432 |
		tr '[:lower:]' '[:upper:]' >"$tmp/data"
	check "checksum" "$(cat "$tmp/out")" "$(sha256sum <"$tmp/data")"
}

# Python: subprocess pipes (pipe2 with O_CLOEXEC), multiprocessing.Pipe
# (os.pipe), and the pipe size fcntls.
test_python() {
	need_run
	cat >"$tmp/prog.py" <<'EOF'
import fcntl, multiprocessing, os, subprocess

p = subprocess.run(["tr", "a-z", "A-Z"], input=b"through a pipe\n" * 1000,
                   capture_output=True, check=True)
print(len(p.stdout), p.stdout[:15])
a = subprocess.Popen(["seq", "1", "50000"], stdout=subprocess.PIPE)
b = subprocess.Popen(["wc", "-l"], stdin=a.stdout, stdout=subprocess.PIPE)
a.stdout.close()
print(b.communicate()[0].decode().strip(), a.wait(), b.returncode)

def child(w):
    for i in range(1000):
        w.send(("item", i))
    w.close()

r, w = multiprocessing.Pipe(duplex=False)
proc = multiprocessing.Process(target=child, args=(w,))
proc.start()
w.close()
total = 0
while True:
    try:
        total += r.recv()[1]
    except EOFError:
        break
proc.join()
print("multiprocessing", total, proc.exitcode)

rfd, wfd = os.pipe()
print("pipe size", fcntl.fcntl(wfd, fcntl.F_GETPIPE_SZ))
print("set", fcntl.fcntl(wfd, fcntl.F_SETPIPE_SZ, 100000))
print("get", fcntl.fcntl(rfd, fcntl.F_GETPIPE_SZ))
try:
    fcntl.fcntl(wfd, fcntl.F_SETPIPE_SZ, 0)
except OSError as e:
    print("set 0:", e.strerror)
try:
    fcntl.fcntl(1 << 20, fcntl.F_GETPIPE_SZ)
except OSError as e:
    print("bad fd:", e.strerror)
EOF
	both python3 "$tmp/prog.py"
	grep -q '^multiprocessing 499500 0$' "$tmp/out" ||
		fail "multiprocessing.Pipe did not carry the 1000 items"
	expect_made pipe 4
}

# make -j4: its jobserver is a pipe that sub-makes share.
test_make_jobserver() {
	need_run
	mkdir -p "$tmp/mk/sub"
	# shellcheck disable=SC2016 # make's $(...), not the shell's
	{
		echo 'all: sub'
		echo '	@cat sub/out*'
		echo 'sub:'
		printf '\t@$(MAKE) -s -C sub\n'
		echo '.PHONY: all sub'
	} >"$tmp/mk/Makefile"
	# shellcheck disable=SC2016
	{
		printf 'T := $(foreach i,1 2 3 4 5 6 7 8,out$(i))\n'
		echo 'all: $(T)'
		echo 'out%:'
		printf '\t@case "$(MAKEFLAGS)" in *jobserver*) ;; *) exit 9;; esac\n'
		printf '\t@echo job $* >$@\n'
	} >"$tmp/mk/sub/Makefile"
	both make -s -j4 -C "$tmp/mk"
	check "jobs" "$(grep -c '^job' "$tmp/out")" 8
	rm -f "$tmp"/mk/sub/out*
	expect_made pipe 1
}

# A System V program: private objects across fork.
test_sysv_fork() {
	need_run
	both "$SYSV" fork
	expect_rc 0
	expect_made msg 1
	expect_made shm 1
	expect_made sem 1
}

# Two unrelated processes (neither forked the other) share a key.
test_sysv_key_unrelated() {
	local key=$((0x4b500000 + $$))

	need_run
	cat >"$tmp/pair.sh" <<EOF
"$SYSV" server $key >"$tmp/server.out" &
"$SYSV" client $key >"$tmp/client.out"
c=\$?
wait \$!
s=\$?
cat "$tmp/server.out" "$tmp/client.out"
exit \$((s * 10 + c))
EOF
	both bash "$tmp/pair.sh"
	expect_rc 0
	grep -q "^client read: answer to 'what is the answer?'" "$tmp/out" ||
		fail "the client did not read the server's answer"
	expect_made msg 1
	expect_made shm 1
	expect_made sem 1
}

# SEM_UNDO in a process that closed every descriptor: the library's undo
# file is gone, its number taken by another file.
test_sysv_undo_closed() {
	need_run
	both "$SYSV" undo-closed
	expect_rc 0
	expect_made sem 2
}

# msgctl IPC_SET by an owner who gives up its own access, then one that
# fails: as the kernel, all or nothing, and ownership is all it needs.
test_sysv_ipc_set() {
	need_run
	both "$SYSV" ipc-set
	expect_rc 0
	grep -q '^mode 400, half the bytes 1$' "$tmp/out" ||
		fail "IPC_SET did not set mode and msg_qbytes"
}

# sem_otime is 0 until the first semop, and IPC_STAT needs read access.
test_sysv_otime() {
	need_run
	both "$SYSV" otime
	expect_rc 0
	expect_made sem 1
}

# syscall(SYS_fcntl) on a pipe, as fcntl(): the pipe size.
test_syscall_fcntl() {
	need_run
	both "$SYSV" syscall
	expect_rc 0
	expect_made pipe 1
}

# --only: only the kinds named are redirected; the rest is the kernel's.
test_only() {
	need_run
	run kipc run --only msg --stats -- bash -c "seq 1 100 | wc -l; $SYSV fork >/dev/null"
	expect_rc 0
	expect_out 100
	check "pipes made" "$(made pipe)" 0
	check "queues made" "$(made msg)" 1
	check "segments made" "$(made shm)" 0
	check "semaphores made" "$(made sem)" 0
	run kipc run --only pipe,sem --stats -- bash -c "seq 1 100 | wc -l; $SYSV fork >/dev/null"
	expect_rc 0
	check "pipes made" "$(made pipe)" 1
	check "queues made" "$(made msg)" 0
	check "semaphores made" "$(made sem)" 1
	run kipc run --only pipe,fifo -- true
	expect_usage_error
}

# Exit status and death by signal pass through, as with env(1).
test_exit_status() {
	need_run
	both sh -c 'exit 7'
	expect_rc 7
	# shellcheck disable=SC2016 # the inner shell's $$
	both sh -c 'kill -TERM $$'
	expect_rc 143
	# shellcheck disable=SC2016
	both bash -c 'seq 1 1000000 | true; exit ${PIPESTATUS[0]}'
	run kipc run -- /nonexistent/cmd
	expect_rc 127
	run kipc run -- /dev/null
	expect_rc 126
	run kipc run
	expect_usage_error
}

# Statically linked programs, and programs started without the run's
# environment, cannot load the library: reported, not silently run.
test_static_reported() {
	[ -x /bin/busybox ] || skip "no /bin/busybox (busybox-static)"
	file -L /bin/busybox | grep -q 'statically linked' ||
		skip "/bin/busybox is not statically linked"
	need_run
	both /bin/busybox echo static
	expect_out static
	grep -q "busybox is statically linked" "$tmp/err" ||
		fail "a static CMD was not reported"
	both bash -c '/bin/busybox echo nested'
	grep -q "busybox is statically linked" "$tmp/err" ||
		fail "a static program started by CMD was not reported"
	both env -i /bin/true
	grep -q "/bin/true was started without kipc run's environment" \
		"$tmp/err" || fail "a program started with env -i was not reported"
}

# An installed kipc finds the installed library (PREFIX/lib next to bin).
test_installed() {
	need_run
	make -s -C "$here/.." install DESTDIR="$tmp/dest" PREFIX=/usr \
		>"$tmp/install.log" 2>&1 || fail "make install failed: $(cat "$tmp/install.log")"
	[ -f "$tmp/dest/usr/lib/libkipc-preload.so" ] ||
		fail "make install did not install libkipc-preload.so"
	run "$tmp/dest/usr/bin/kipc" run --stats -- bash -c 'seq 1 10 | wc -l'
	expect_rc 0
	expect_out 10
	expect_made pipe 1
}

# The run's named objects are gone when it ends; nothing else is touched.
test_cleanup() {
	need_run
	"$KIPC" run -- "$SYSV" server $((0x4b600000 + $$)) >/dev/null 2>&1 &
	pid=$!
	wait_until "the server's queue" compgen -G '/dev/kipc/kr*.q*'
	# kipc run passes SIGTERM to the server, cleans up, dies of it too.
	kill $pid
	wait $pid
	rc=$?
	expect_rc 143
	left=$(compgen -G '/dev/kipc/kr*') &&
		fail "objects left after the run: $left"
	left=$(compgen -G '/tmp/kipc-run.*') &&
		fail "run directories left: $left"
	return 0
}

# CMD starts with the signal dispositions kipc run was given: what it
# ignores is ignored, what it does not is not (kipc run itself ignores
# SIGINT and SIGQUIT while CMD runs, as system(3) does).
test_signal_state() {
	local want

	need_run
	# shellcheck disable=SC2016 # the inner shells' $1 and $K
	for traps in : "trap '' INT TERM USR1"; do
		want=$(bash -c "$traps"'; exec grep ^SigIgn /proc/self/status')
		run env K="$KIPC" bash -c "$traps"'; exec "$K" run -- grep ^SigIgn /proc/self/status'
		expect_rc 0
		[ "$(cat "$tmp/out")" = "$want" ] ||
			fail "with '$traps': $(cat "$tmp/out") under kipc run, $want without"
	done
}

ktap_main "$KIPC" "$SYSV"
