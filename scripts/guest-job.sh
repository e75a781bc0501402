#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs inside the test VM, in a chroot of the host root, with kipc loaded.
# Usage: guest-job.sh check|fault|run|shell|bench|ltp
#
# check: runs each selftest binary (KIPC_TESTS, in order) under a time-out,
# shows its KTAP output and then one line
#   # kipc-runner: NAME exit=RC pass=N fail=N skip=N secs=S
# which the host adds up (S: how long it ran, to find the slow ones). A binary that fails without saying which test
# failed, or runs no test at all, counts as one failure.
#
# fault: the same, after setting failslab and fail_page_alloc in debugfs to
# fail KIPC_FAULT_PROBABILITY percent (default 10) of the allocations of
# tasks that set their make-it-fail (stress_test does, with
# KIPC_STRESS_FAULTS=1). fault_test aims its own failures (fail-nth).
set -u
cd "$KIPC_ROOT" || exit 1
# KIPC_TESTS, KIPC_KO_ARGS and the KIPC_ENV words, as qemu-run.sh wrote them.
# shellcheck disable=SC1090
. "$KIPC_CONF" || exit 1

run_selftests() {
	local t out rc pass fail skip limit t0 status=0

	limit=${KIPC_TEST_TIMEOUT:-$(sed -n 's/^timeout=//p' selftests/settings)}
	cd selftests || return 1
	for t in $KIPC_TESTS; do
		out=/tmp/$t.out
		echo "# kipc-runner: start $t"
		t0=$(date +%s)
		timeout -k 10 "${limit:-300}" "./$t" 2>&1 | tee "$out"
		rc=${PIPESTATUS[0]}
		pass=$(grep -E '^ok [0-9]+' "$out" | grep -cv '# SKIP')
		skip=$(grep -cE '^ok [0-9]+ # SKIP' "$out")
		fail=$(grep -cE '^not ok [0-9]+' "$out")
		if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
			echo "not ok $t # timed out after ${limit}s"
			fail=$((fail + 1))
		elif [ "$rc" = 4 ] && [ $((pass + fail)) = 0 ]; then
			[ "$skip" = 0 ] && skip=1
		elif [ "$rc" != 0 ] && [ "$fail" = 0 ]; then
			echo "not ok $t # exited with $rc"
			fail=1
		elif [ $((pass + fail + skip)) = 0 ]; then
			echo "not ok $t # ran no test"
			fail=1
		fi
		if [ "$fail" != 0 ]; then
			status=1
			# What the kernel said about it (user faults are KERN_INFO).
			dmesg | tail -n 20 | sed 's/^/# dmesg: /'
		fi
		echo "# kipc-runner: $t exit=$rc pass=$pass fail=$fail skip=$skip secs=$(($(date +%s) - t0))"
	done
	return $status
}

# Enabling the first trace event anywhere registers the sched_switch probe
# that records command names, which patches the static branch in
# __schedule() (and disabling the last one patches it back). Under TCG
# with two vCPUs that patching can leave a stale int3 behind: 6.12-rt
# oopsed on one in __schedule() during trace_test, which turns events on
# and off per test. An instance with one rare event on (module loads)
# keeps the probe registered for the whole run, so the tests' events no
# longer patch the scheduler.
trace_keeper() {
	local t=/sys/kernel/tracing

	[ -d $t/instances ] || mount -t tracefs nodev $t 2>/dev/null
	mkdir -p $t/instances/kipc_keeper 2>/dev/null &&
		echo 1 >$t/instances/kipc_keeper/events/module/module_load/enable
}

fault_setup() {
	local d dbg=/sys/kernel/debug p=${KIPC_FAULT_PROBABILITY:-10}

	[ -d $dbg/failslab ] || mount -t debugfs debugfs $dbg || return 1
	for d in $dbg/failslab $dbg/fail_page_alloc; do
		if [ ! -d $d ]; then
			echo "fault: no $d (CONFIG_FAILSLAB, CONFIG_FAIL_PAGE_ALLOC)"
			return 1
		fi
		# Only tasks with make-it-fail, sleeping allocations too, and
		# quietly: verbose prints a stack, which reads as a warning.
		echo Y >$d/task-filter
		echo N >$d/ignore-gfp-wait
		echo 0 >$d/verbose
		echo 1 >$d/interval
		echo 0 >$d/space
		echo -1 >$d/times
		echo "$p" >$d/probability
	done
	echo N >$dbg/failslab/cache-filter
	echo 0 >$dbg/fail_page_alloc/min-order
	echo N >$dbg/fail_page_alloc/ignore-gfp-highmem
	echo "fault: failslab and fail_page_alloc fail $p% of make-it-fail tasks' allocations"
	export KIPC_STRESS_FAULTS=1
}

case ${1:-check} in
check)
	trace_keeper
	run_selftests
	;;
fault)
	fault_setup || exit 1
	run_selftests
	;;
run)
	scripts/tour.sh
	;;
bench)
	# KIPC_ENV="KIPC_BENCH_ARGS='--quick --only pipe'" passes options.
	# `kipc bench` runs kipc-bench from PATH; its --svg runs bench/svg.py.
	export PATH=$KIPC_ROOT/user:$KIPC_ROOT/bench:$PATH
	# shellcheck disable=SC2086
	kipc bench ${KIPC_BENCH_ARGS:-} --svg /tmp/bench.svg || exit
	# The chart, for the host to cut out of the console log.
	echo "KIPC-SVG-BEGIN"
	cat /tmp/bench.svg
	echo "KIPC-SVG-END"
	;;
ltp)
	export PATH=$KIPC_ROOT/user:$PATH
	# shellcheck disable=SC2086
	scripts/ltp.sh run "${KIPC_LTP:-}" ${KIPC_LTP_TESTS:-}
	;;
shell)
	export PATH=$KIPC_ROOT/user:$KIPC_ROOT/bench:$PATH PS1='kipc-vm:\w# '
	# KIPC_ENV="KIPC_CMD=path/to/script" runs it instead of a shell.
	if [ -n "${KIPC_CMD:-}" ]; then
		exec "$KIPC_CMD"
	fi
	echo "kipc is loaded; kipc and kipc-bench are on PATH. Exit the shell to power off."
	setsid -c /bin/bash -i </dev/ttyS0 >/dev/ttyS0 2>&1
	;;
*)
	echo "guest-job: unknown job $1" >&2
	exit 2
	;;
esac
