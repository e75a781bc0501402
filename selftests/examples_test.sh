#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# examples/, the textbook scenes on libkipc, run in the VM: each one's
# output and exit status, exactly; the pipeline against the same commands
# joined by the shell's own pipe. Each must leave no anonymous object
# behind (they live as long as their files). Prints KTAP. Runs as root.
#
# The examples are in $EXAMPLES, else ../examples next to this directory.

set -u
# shellcheck source=selftests/lib.sh
. "$(dirname "$0")/lib.sh"
EXAMPLES=${EXAMPLES:-$here/../examples}

# anon_count: anonymous objects of every kind, from /proc/kipc.
anon_count() { cat /proc/kipc/pipe /proc/kipc/msg /proc/kipc/shm /proc/kipc/sem | grep -c '^anon:'; }

# example NAME [ARG]...: run examples/NAME, with a 120 s safety net (the
# VM is emulated and slow; a scene that hangs is a failure, not a wait).
example() {
	local before

	before=$(anon_count)
	run timeout 120 "$EXAMPLES/$1" "${@:2}"
	check "anonymous objects left by $1" "$(anon_count)" "$before"
}

# same_as_shell CMD1... -- CMD2...: pipeline prints and exits as the
# shell's "CMD1 | CMD2" does.
same_as_shell() {
	local i left=() right=() want want_rc

	for ((i = 1; i <= $#; i++)); do
		[ "${!i}" = -- ] && break
		left+=("${!i}")
	done
	right=("${@:i+1}")
	want=$("${left[@]}" | "${right[@]}")
	want_rc=$?
	example pipeline "$@"
	expect_rc "$want_rc"
	expect_no_err
	[ "$(cat "$tmp/out")" = "$want" ] || fail "pipeline $* differs from the shell's pipe"
}

test_pipe_fork_child_reads_to_eof() {
	example pipe-fork
	expect_rc 0
	expect_no_err
	expect_out "line 1 from the parent
line 2 from the parent
line 3 from the parent
child: end of file after 69 bytes
parent: child exited with 0"
}

test_pipeline_default_ls_grep() {
	example pipeline
	expect_rc 0
	expect_no_err
	# shellcheck disable=SC2010 # ls | grep is the scene
	[ "$(cat "$tmp/out")" = "$(ls / | grep bin)" ] ||
		fail "pipeline differs from ls / | grep bin"
	[ -s "$tmp/out" ] || fail "ls / | grep bin printed nothing to compare"
}

# More than a ring's worth (64 KiB): the writer waits for the reader.
test_pipeline_more_than_the_ring() {
	same_as_shell seq 1 30000 -- sort -rn
	check "lines" "$(wc -l <"$tmp/out")" 30000
}

test_pipeline_end_of_file_and_status() {
	same_as_shell printf abc -- wc -c
	check "bytes counted" "$(cat "$tmp/out")" 3
	# The exit status is the second command's, as in a shell.
	same_as_shell seq 1 5 -- grep 7
	expect_rc 1
	same_as_shell true -- false
	expect_rc 1
	# Nothing to read and the writer gone: the reader gets EOF at once.
	same_as_shell true -- cat
	expect_rc 0
	expect_no_out
	example pipeline seq 3
	expect_rc 2
}

test_mailbox_types_and_a_full_queue() {
	example mailbox
	expect_rc 0
	expect_no_err
	expect_out 'send type 3 "bill": queued
send type 1 "hello": queued
send type 2 "news": queued
send type 1 "again": queued
queue: 4 messages, 18 of 20 bytes
send type 2 "more": EAGAIN, the queue is full
send type 2 "more": ETIMEDOUT, still full
recv 1: type 1 "hello"
the child'"'"'s "late" went in once there was room
recv -3: type 1 "again"
recv -3: type 2 "news"
recv -3: type 2 "late"
recv -3: type 3 "bill"'
}

test_counter_is_exact() {
	example counter
	expect_rc 0
	expect_no_err
	expect_out "4 processes x 2000 increments: counter = 8000"
	example counter 8 500
	expect_rc 0
	expect_out "8 processes x 500 increments: counter = 4000"
}

test_prodcons_in_order() {
	local i want=""

	for ((i = 1; i <= 10; i++)); do
		want+="item $i: $((i * i))"$'\n'
	done
	example prodcons
	expect_rc 0
	expect_no_err
	expect_out "${want}consumed 10 items, sum 385"
}

test_notify_a_signal_per_arrival() {
	example notify
	expect_rc 0
	expect_no_err
	expect_out "SIGRTMIN SI_MESGQ, from the child: type 10
SIGRTMIN SI_MESGQ, from the child: type 20
SIGRTMIN SI_MESGQ, from the child: type 30
SIGRTMIN SI_MESGQ, from the child: bytes 5"
}

ktap_main "$EXAMPLES"/{pipe-fork,pipeline,mailbox,counter,prodcons,notify}
