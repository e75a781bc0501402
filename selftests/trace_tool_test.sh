#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Watching kipc work, from user space, in the VM: `kipc trace` (the events
# of a scene, filtered by name, the tracing state put back after it, also
# after Ctrl-C), `kipc top` (counts of a known load, piped and under a real
# terminal in tmux), and the kernel's own tools on the kipc trace system:
# trace-cmd record -e kipc and perf record -e 'kipc:*'. Prints KTAP; runs
# as root; every test removes the objects it made and leaves the tracing
# state as it found it.
#
# The tool is $KIPC, else ../user/kipc next to this directory.

set -u
# shellcheck source=selftests/lib.sh
. "$(dirname "$0")/lib.sh"

TRACEFS=/sys/kernel/tracing
[ -e $TRACEFS/trace ] || mount -t tracefs nodev $TRACEFS 2>/dev/null
[ -e $TRACEFS/trace ] || TRACEFS=/sys/kernel/debug/tracing

# ------------------------------------------------------------- helpers

# objects NAME...: this test's objects; removed when it ends, after
# $cleanup (what else it has to undo).
objects() {
	names="${names:-} $*"
	# shellcheck disable=SC2016
	trap 'eval "${cleanup:-}"; kipc rm $names >/dev/null 2>&1; tr_put' EXIT
	tr_get >"$tmp/state.before"
}

# mk KIND NAME [OPTION]...: kipc mk, which must succeed.
mk() { kipc mk "$@" >/dev/null || fail "kipc mk $* failed"; }

# tr_get: the tracing state kipc trace changes, one "file value" a line.
tr_get() {
	local e

	echo "tracing_on $(cat $TRACEFS/tracing_on)"
	for e in "$TRACEFS"/events/kipc/*/; do
		e=${e%/}
		echo "${e##*/}/enable $(cat "$e/enable")"
		echo "${e##*/}/filter $(cat "$e/filter")"
	done
}

# tr_put: the tracing state as tr_get saw it when the test began.
tr_put() {
	local f v

	[ -f "$tmp/state.before" ] || return 0
	while read -r f v; do
		case $f in
		tracing_on) echo "$v" >$TRACEFS/tracing_on ;;
		*/filter)
			[ "$v" = none ] && v=0
			echo "$v" >"$TRACEFS/events/kipc/$f"
			;;
		*) echo "$v" >"$TRACEFS/events/kipc/$f" ;;
		esac
	done <"$tmp/state.before"
}

# expect_state NAME WHAT: the tracing state is as $tmp/state.NAME holds
# it, else fail "WHAT" with the difference.
expect_state() {
	tr_get >"$tmp/state.after"
	cmp -s "$tmp/state.$1" "$tmp/state.after" ||
		fail "$2: $(diff "$tmp/state.$1" "$tmp/state.after" | cut -c1-300)"
}

# trace_start ARGS...: kipc trace ARGS in the background, output in
# $tmp/trace.out, its pid in $tracer; returns once it prints its header
# (the events are enabled then).
trace_start() {
	"$KIPC" trace "$@" >"$tmp/trace.out" 2>"$tmp/trace.err" &
	tracer=$!
	wait_until "kipc trace is tracing" grep -q '^TIME ' "$tmp/trace.out"
}

# trace_wait: kipc trace has exited (status in $rc, output in $tmp/out).
trace_wait() {
	# shellcheck disable=SC2016 # evaluated by wait_until
	wait_until "kipc trace exits" eval '! kill -0 $tracer 2>/dev/null'
	wait "$tracer"
	rc=$?
	cp "$tmp/trace.out" "$tmp/out"
	cp "$tmp/trace.err" "$tmp/err"
}

# has_line PATTERN: a line of $tmp/out matches the extended regex.
has_line() {
	grep -Eq -- "$1" "$tmp/out" || fail "no line matching: $1"
}

# sleeping PID: the task is asleep (in a kipc wait, for these tests).
sleeping() { [ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" = S ]; }

# ------------------------------------------------------------ kipc trace

# A blocked receive woken by a send: wait, msg_send, wake, msg_recv, in
# that order, and nothing of another object.
test_trace_prints_blocked_recv_woken_by_send() {
	local q=trace-q-$$ other=trace-o-$$ r

	objects "$q" "$other"
	mk msg "$q"
	mk msg "$other"
	trace_start "$q" --count 4
	"$KIPC" recv "$q" >"$tmp/recv.out" &
	r=$!
	wait_until "kipc recv sleeps" sleeping "$r"
	kipc send "$other" 2 elsewhere || fail "send to $other failed"
	kipc send "$q" 1 hello || fail "send to $q failed"
	wait "$r" || fail "kipc recv failed"
	trace_wait
	expect_rc 0
	check "events printed" "$(grep -vc '^TIME ' "$tmp/out")" 4
	has_line "^[0-9.]+ +$r +kipc +wait +$q +op=recv need=[0-9]+\$"
	has_line "^[0-9.]+ +[0-9]+ +kipc +msg_send +$q +mtype=1 size=5 flags=0x0 err=0\$"
	has_line "^[0-9.]+ +$r +kipc +wake +$q +op=recv err=0\$"
	has_line "^[0-9.]+ +$r +kipc +msg_recv +$q +selector=0 mtype=1 size=5 flags=0x0 err=0\$"
	check "order" "$(awk 'NR > 1 { print $4 }' "$tmp/out" | tr '\n' ' ')" \
		"wait msg_send wake msg_recv "
	grep -q "$other" "$tmp/out" && fail "an event of $other was printed"
	expect_state before "tracing state not restored"
}

# A failing operation's errno is shown by name.
test_trace_shows_errno_by_name() {
	local q=trace-e-$$

	objects "$q"
	mk msg "$q"
	trace_start "$q" --count 1
	run kipc recv "$q" --nowait
	expect_rc 1
	trace_wait
	expect_rc 0
	has_line " msg_recv +$q +selector=0 mtype=0 size=0 flags=0x1 err=ENOMSG\$"
}

# Ctrl-C puts back each kipc event's enable flag and filter and
# tracing_on, as they were, not as a default.
test_trace_restores_state_after_sigint() {
	local q=trace-i-$$ e

	objects "$q"
	mk msg "$q"
	echo 0 >$TRACEFS/events/kipc/enable
	echo 1 >$TRACEFS/events/kipc/msg_send/enable
	echo 'mtype == 3' >$TRACEFS/events/kipc/msg_send/filter
	echo 0 >$TRACEFS/tracing_on
	tr_get >"$tmp/state.set"

	trace_start "$q"
	# While it runs: everything on, filtered on the name.
	check "tracing_on while tracing" "$(cat $TRACEFS/tracing_on)" 1
	for e in "$TRACEFS"/events/kipc/*/; do
		check "${e%/} enabled" "$(cat "$e/enable")" 1
		check "${e%/} filter" "$(cat "$e/filter")" "name == \"$q\""
	done
	kipc send "$q" 3 during || fail "send failed"
	wait_until "the event is printed" grep -q " msg_send " "$tmp/trace.out"
	kill -INT "$tracer"
	trace_wait
	expect_rc 0
	has_line " msg_send +$q +mtype=3 size=6 flags=0x0 err=0\$"
	expect_state set "not restored after SIGINT"
}

test_trace_restores_state_after_sigterm() {
	objects
	echo 1 >$TRACEFS/events/kipc/wait/enable
	echo 1 >$TRACEFS/tracing_on
	tr_get >"$tmp/state.set"
	trace_start
	check "sem_v enabled while tracing" \
		"$(cat $TRACEFS/events/kipc/sem_v/enable)" 1
	kill -TERM "$tracer"
	trace_wait
	expect_rc 0
	expect_state set "not restored after SIGTERM"
}

# trace_ended_by SIG: kipc trace ended by SIG puts the state back, as it
# found it (a state of its own, not the defaults), and exits 0.
trace_ended_by() {
	objects
	echo 1 >$TRACEFS/events/kipc/msg_recv/enable
	echo 'size > 7' >$TRACEFS/events/kipc/msg_recv/filter
	echo 1 >$TRACEFS/tracing_on
	tr_get >"$tmp/state.set"
	trace_start
	# One that ignored SIG must not outlive the test (tr_put restores).
	cleanup="kill -KILL $tracer 2>/dev/null"
	check "sem_p enabled while tracing" \
		"$(cat $TRACEFS/events/kipc/sem_p/enable)" 1
	kill "-$1" "$tracer"
	trace_wait
	expect_rc 0
	expect_state set "not restored after SIG$1"
}

# Signals whose default action would end it without restoring.
test_trace_restores_state_after_sigquit() { trace_ended_by QUIT; }
test_trace_restores_state_after_sigusr1() { trace_ended_by USR1; }
test_trace_restores_state_after_a_realtime_signal() { trace_ended_by RTMIN+3; }

# A filter longer than 511 bytes is put back whole, not cut.
test_trace_restores_a_long_filter() {
	local f="mtype == 1" i

	objects
	for i in $(seq 2 120); do
		f="$f || mtype == $i"
	done
	[ ${#f} -gt 1500 ] || fail "the filter is only ${#f} bytes"
	echo "$f" >$TRACEFS/events/kipc/msg_send/filter ||
		fail "tracefs refused a ${#f}-byte filter"
	tr_get >"$tmp/state.set"
	trace_start
	cleanup="kill -KILL $tracer 2>/dev/null"
	kill -INT "$tracer"
	trace_wait
	expect_rc 0
	expect_state set "long filter not restored"
}

# The longest filter tracefs takes, 4095 bytes: put back whole where
# tracefs shows it; where it cannot show it (6.1's one-page trace_seq
# shows nothing), kipc trace refuses to start and changes nothing.
test_trace_longest_filter_is_kept_or_refused() {
	local f="mtype == 1" i=2

	objects
	while [ ${#f} -lt 4070 ]; do
		f="$f || mtype == $i"
		i=$((i + 1))
	done
	while [ ${#f} -lt 4095 ]; do
		f="$f "
	done
	printf '%s' "$f" >"$tmp/filter"
	# One write(2): tracefs takes a filter per write.
	dd if="$tmp/filter" of=$TRACEFS/events/kipc/msg_send/filter bs=8192 \
		2>/dev/null || fail "tracefs refused a 4095-byte filter"
	tr_get >"$tmp/state.set"
	if [ -z "$(cat $TRACEFS/events/kipc/msg_send/filter)" ]; then
		run timeout 20 "$KIPC" trace
		expect_rc 1
		grep -q "cannot read the filter whole" "$tmp/err" ||
			fail "expected: cannot read the filter whole"
	else
		trace_start
		cleanup="kill -KILL $tracer 2>/dev/null"
		kill -INT "$tracer"
		trace_wait
		expect_rc 0
	fi
	expect_state set "state changed"
}

# Where tracefs is not mounted, kipc trace mounts it for itself alone (a
# mount namespace of its own): it traces, the mount never shows in the
# namespace it was started from, and nothing is left mounted after it.
test_trace_mounts_tracefs_for_itself_alone() {
	local q=trace-m-$$

	objects "$q"
	mk msg "$q"
	command -v unshare >/dev/null || skip "no unshare(1)"
	run unshare -m --propagation private sh -c '
		umount -l /sys/kernel/tracing 2>/dev/null
		umount -l /sys/kernel/debug 2>/dev/null
		grep -Eq " /sys/kernel/(tracing|debug) " /proc/self/mounts &&
			exit 3
		"$1" trace "$3" >"$2" 2>&1 &
		t=$!
		i=0
		until grep -q "^TIME " "$2"; do
			i=$((i + 1))
			[ $i -lt 300 ] && kill -0 $t 2>/dev/null || exit 4
			sleep 0.1
		done
		grep -q " /sys/kernel/tracing " /proc/self/mounts && exit 5
		"$1" send "$3" 1 seen || exit 6
		i=0
		until grep -q " msg_send " "$2"; do
			i=$((i + 1))
			[ $i -lt 300 ] || exit 7
			sleep 0.1
		done
		kill -TERM $t
		wait $t || exit 8
		grep -q " /sys/kernel/tracing " /proc/self/mounts && exit 9
		exit 0' sh "$KIPC" "$tmp/ns.out" "$q"
	[ "$rc" = 3 ] && skip "cannot unmount tracefs and debugfs here"
	[ "$rc" = 0 ] || cat "$tmp/ns.out" >&2
	expect_rc 0
	grep -q " msg_send  *$q  *mtype=1 size=4 " "$tmp/ns.out" ||
		fail "the send was not traced"
	expect_state before "state changed"
}

test_trace_needs_root() {
	objects
	run setpriv --reuid=65534 --regid=65534 --clear-groups "$KIPC" trace
	expect_rc 1
	expect_no_out
	expect_err_start "kipc: "
	grep -q "needs root" "$tmp/err" || fail "expected: tracing needs root"
	expect_state before "state changed"
}

# holds_trace_pipe PID: PID has trace_pipe open.
holds_trace_pipe() {
	ls -l "/proc/$1/fd" 2>/dev/null | grep -q trace_pipe
}

# trace_pipe has one reader at a time on these kernels: a second kipc
# trace says so, and changes nothing.
test_trace_second_reader_is_refused() {
	local c

	objects
	cat $TRACEFS/trace_pipe >/dev/null &
	c=$!
	cleanup="kill $c 2>/dev/null"
	wait_until "cat opens trace_pipe" holds_trace_pipe "$c"
	run timeout 10 "$KIPC" trace --count 1
	[ "$rc" = 124 ] && skip "this kernel lets trace_pipe have two readers"
	expect_rc 1
	expect_no_out
	grep -q "trace_pipe: one reader at a time" "$tmp/err" ||
		fail "expected: trace_pipe has one reader at a time"
	expect_state before "state changed"
}

test_trace_usage_errors() {
	run kipc trace --count 0
	expect_usage_error
	run kipc trace 'bad"name'
	expect_usage_error
	run kipc trace --help
	expect_rc 0
	grep -q '^usage: kipc trace ' "$tmp/out" || fail "no usage in --help"
}

# -------------------------------------------------------------- kipc top

# top_table N: the Nth table of $tmp/out (1-based), without its headers.
top_table() {
	awk -v n="$1" '/^kipc top - / { t++; next } /^TYPE / { next }
		t == n && NF { print }' "$tmp/out"
}

# top_cell N NAME COLUMN: one cell of the Nth table.
top_cell() {
	awk -v n="$1" -v name="$2" -v col="$3" '
		/^kipc top - / { t++; next }
		/^TYPE / { for (i = 1; i <= NF; i++) c[$i] = i; next }
		t == n && $2 == name { print $c[col] }' "$tmp/out"
}

# The counts of a load done before: exact in the first table (since
# load), nothing in the second (no load in the interval); a receiver
# blocked on a queue is its waiter.
test_top_counts_of_a_known_load() {
	local q=top-q-$$ p=top-p-$$ s=top-s-$$ w=top-w-$$ b=top-b-$$ i r rb

	objects "$q" "$p" "$s" "$w" "$b"
	mk msg "$q"
	mk pipe "$p"
	mk sem "$s" --size 1
	mk msg "$w"
	mk pipe "$b"
	"$KIPC" recv "$w" >/dev/null &
	r=$!
	# A reader blocked in read(): it holds a write end itself (O_RDWR).
	head -c 1 <>"/dev/kipc/$b" >/dev/null &
	rb=$!
	cleanup="kill $r $rb 2>/dev/null"
	wait_until "kipc recv sleeps" sleeping "$r"
	wait_until "the pipe's reader sleeps" sleeping "$rb"
	for i in 1 2 3 4 5 6 7; do
		kipc send "$q" "$i" "m$i" || fail "send failed"
	done
	exec 3<>"/dev/kipc/$p"
	head -c 3000 /dev/zero >&3
	exec 3>&-
	kipc sem "$s" v 2 >/dev/null || fail "sem v 2 failed"
	kipc sem "$s" p 3 >/dev/null || fail "sem p 3 failed"
	kipc sem "$s" v >/dev/null || fail "sem v failed"

	run kipc top --iterations 2 --interval 1
	expect_rc 0
	check "tables" "$(grep -c '^TYPE ' "$tmp/out")" 2
	check "$q MSGS" "$(top_cell 1 "$q" MSGS)" 7
	check "$q MSGS/S" "$(top_cell 1 "$q" MSGS/S)" -
	check "$q FILL" "$(top_cell 1 "$q" FILL)" 0%
	check "$p BYTES" "$(top_cell 1 "$p" BYTES)" 3000
	check "$s P" "$(top_cell 1 "$s" P)" 1
	check "$s V" "$(top_cell 1 "$s" V)" 2
	check "$s FILL" "$(top_cell 1 "$s" FILL)" 1
	check "$s WAITERS" "$(top_cell 1 "$s" WAITERS)" 0
	check "$q WAITERS" "$(top_cell 1 "$q" WAITERS)" 0
	check "$w WAITERS" "$(top_cell 2 "$w" WAITERS)" 1
	check "$p WAITERS" "$(top_cell 1 "$p" WAITERS)" 0
	check "$b WAITERS" "$(top_cell 2 "$b" WAITERS)" 1
	for i in "$q" "$p" "$s"; do
		check "$i rows" "$(top_table 2 | awk -v n="$i" '$2 == n' | wc -l)" 1
		check "$i BYTES/S" "$(top_cell 2 "$i" BYTES/S)" 0
		check "$i MSGS" "$(top_cell 2 "$i" MSGS)" 0
		check "$i P" "$(top_cell 2 "$i" P)" 0
	done
	grep -q $'\033' "$tmp/out" && fail "escape sequences in piped output"
	return 0
}

# --iterations N prints N tables and exits, for any N.
test_top_iterations_three() {
	objects
	run timeout 20 "$KIPC" top --iterations 3 --interval 0.2
	expect_rc 0
	check "tables" "$(grep -c '^TYPE ' "$tmp/out")" 3
}

# A load running through the interval: its counts are at least one and
# at most what the load did in all, and it is the first row.
test_top_rates_of_a_running_load() {
	local p=top-l-$$ q=top-m-$$ writer reader before after got

	objects "$p" "$q"
	mk pipe "$p"
	mk msg "$q"
	cat "/dev/kipc/$p" >/dev/null &
	reader=$!
	(
		exec 3>"/dev/kipc/$p"
		while :; do printf '%100s' x >&3; done
	) &
	writer=$!
	cleanup="kill $writer $reader 2>/dev/null; wait $writer $reader 2>/dev/null"
	wait_until "the load runs" eval '[ "$(procval pipe "$p" bytes_in)" -gt 0 ]'
	before=$(procval pipe "$p" bytes_in)
	run kipc top --iterations 2 --interval 1
	after=$(procval pipe "$p" bytes_in)
	expect_rc 0
	kill "$writer"
	got=$(top_cell 2 "$p" BYTES)
	[ -n "$got" ] || fail "no row for $p"
	[ "$got" -ge 1 ] || fail "$p: no bytes in the interval"
	[ "$got" -le $((after - before)) ] ||
		fail "$p: $got bytes in the interval, more than $((after - before)) written in all"
	[ "$(top_cell 2 "$p" BYTES/S)" -gt 0 ] || fail "$p: rate 0"
	check "most active first" "$(top_table 2 | head -n 1 | awk '{ print $2 }')" "$p"
	check "$q idle" "$(top_cell 2 "$q" BYTES)" 0
}

# Under a terminal: one table redrawn in place, q quits.
test_top_under_a_terminal() {
	local s=kipc-top-$$ i

	command -v tmux >/dev/null || skip "no tmux"
	objects
	export TMUX_TMPDIR=$tmp
	cleanup="tmux kill-server 2>/dev/null"
	tmux new-session -d -s "$s" -x 132 -y 40 "$KIPC top --interval 0.5" ||
		fail "tmux new-session failed"
	capture() { tmux capture-pane -p -t "$s" >"$tmp/out" 2>/dev/null; }
	redrawn() { capture && grep -q '^kipc top - .*rates over' "$tmp/out"; }
	wait_until "kipc top redraws" redrawn
	check "tables on the screen" "$(grep -c '^TYPE ' "$tmp/out")" 1
	check "lines before the title" "$(grep -n '^kipc top - ' "$tmp/out" | cut -d: -f1)" 1
	grep -q '^pipe ' "$tmp/out" || fail "no pipe row on the screen"
	tmux send-keys -t "$s" q
	for ((i = 0; i < 1200; i++)); do
		tmux has-session -t "$s" 2>/dev/null || return 0
		sleep 0.1
	done
	fail "kipc top did not quit on q"
}

# Piped, without --iterations: plain tables, one after the other.
test_top_piped_runs_until_killed() {
	local t

	objects
	"$KIPC" top --interval 0.3 >"$tmp/top.out" 2>&1 &
	t=$!
	cleanup="kill $t 2>/dev/null"
	wait_until "two tables" eval '[ "$(grep -c "^TYPE " "$tmp/top.out")" -ge 2 ]'
	kill -INT "$t"
	wait "$t"
	rc=$?
	cp "$tmp/top.out" "$tmp/out"
	expect_rc 0
	grep -q $'\033' "$tmp/out" && fail "escape sequences in piped output"
	return 0
}

test_top_usage_errors() {
	run kipc top --interval 0
	expect_usage_error
	run kipc top --interval abc
	expect_usage_error
	run kipc top --iterations 0
	expect_usage_error
	run kipc top extra
	expect_usage_error
}

# ------------------------------------------------ the kernel's own tools

test_trace_cmd_records_kipc_events() {
	local q=trace-c-$$

	command -v trace-cmd >/dev/null || fail "no trace-cmd"
	objects "$q"
	mk msg "$q"
	run trace-cmd record -e kipc -o "$tmp/trace.dat" \
		"$KIPC" send "$q" 6 recorded
	expect_rc 0
	run trace-cmd report -i "$tmp/trace.dat"
	expect_rc 0
	has_line "msg_send: +name=$q pid=[0-9]+ mtype=6 size=8 flags=0x0 err=0"
}

test_perf_records_kipc_events() {
	local q=trace-p-$$

	command -v perf >/dev/null || fail "no perf"
	objects "$q"
	mk msg "$q"
	run perf record -q -e 'kipc:*' -o "$tmp/perf.data" \
		"$KIPC" send "$q" 8 perf
	expect_rc 0
	run perf script -i "$tmp/perf.data"
	expect_rc 0
	has_line "kipc:msg_send: +name=$q pid=[0-9]+ mtype=8 size=4 flags=0x0 err=0"
	grep -Eq "kipc:object_|kipc:msg_recv" "$tmp/out" &&
		fail "events of other operations"
	return 0
}

# --------------------------------------------------------------- main

ktap_main "$KIPC"
