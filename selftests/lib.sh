# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# What the shell selftests (tool_test.sh, bench_test.sh) share, sourced by
# them after `set -u`: the kipc tool, a scratch directory, running a
# command and checking what it did, /proc/kipc values, saving shm0, and
# ktap_main, which runs every test_* function of the test file as KTAP.
#
# The tool is $KIPC, else ../user/kipc next to this directory.

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
KIPC=${KIPC:-$here/../user/kipc}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

kipc() { "$KIPC" "$@"; }

# Each test runs in a subshell; variables its EXIT trap uses (pid, before,
# args) are not local, since the trap runs after the function returned.

# run CMD...: stdout to $tmp/out, stderr to $tmp/err, status in $rc.
run() {
	last="$*"
	"$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
}

# The test fails: show what the last command did, then leave the test.
fail() {
	echo "$*"
	echo "last command: $last"
	echo "exit status: $rc"
	sed 's/^/stdout: /' "$tmp/out"
	sed 's/^/stderr: /' "$tmp/err"
	exit 1
}

skip() {
	echo "$*" >"$tmp/skip"
	exit 4
}

expect_rc() { [ "$rc" = "$1" ] || fail "expected exit status $1"; }

expect_out() { [ "$(cat "$tmp/out")" = "$1" ] || fail "expected stdout: $1"; }

expect_err() { [ "$(cat "$tmp/err")" = "$1" ] || fail "expected stderr: $1"; }

expect_no_out() { [ ! -s "$tmp/out" ] || fail "expected no stdout"; }

expect_no_err() { [ ! -s "$tmp/err" ] || fail "expected no stderr"; }

# expect_err_start PREFIX: the first stderr line starts with PREFIX.
expect_err_start() {
	case $(head -n 1 "$tmp/err") in
	"$1"*) ;;
	*) fail "expected stderr to start with: $1" ;;
	esac
}

# A usage error: exit 2, nothing on stdout, "kipc: ..." then a usage.
expect_usage_error() {
	expect_rc 2
	expect_no_out
	expect_err_start "kipc: "
	grep -q '^usage: ' "$tmp/err" || fail "expected a usage on stderr"
}

# An error: exit 1, nothing on stdout, exactly the line given on stderr.
expect_error() {
	expect_rc 1
	expect_no_out
	expect_err "$1"
}

# check WHAT ACTUAL EXPECTED
check() { [ "$2" = "$3" ] || fail "$1: got '$2', expected '$3'"; }

# procval TABLE NODE COLUMN: one value from /proc/kipc/TABLE.
procval() {
	awk -v node="$2" -v col="$3" '
		NR == 1 { for (i = 1; i <= NF; i++) if ($i == col) c = i; next }
		$1 == node && c && NF >= c { print $c; found = 1 }
		END { exit !found }' "/proc/kipc/$1"
}

# wait_until WHAT CMD...: poll CMD (a safety net of 120 s, not a timing
# assertion: the VM is emulated and slow).
wait_until() {
	local what=$1 i
	shift
	for ((i = 0; i < 1200; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	fail "timed out waiting until $what"
}

proc_is() { [ "$(procval "$1" "$2" "$3")" = "$4" ]; }

# need NODE: NODE opens (every mechanism is implemented; ENODEV fails).
need() {
	local e

	e=$({ : <"/dev/kipc/$1"; } 2>&1) && return 0
	fail "cannot open /dev/kipc/$1: $e"
}

# Keep shm0's contents and size, to put them back at the end of a test.
shm_save() {
	shm_size=$(kipc shm shm0 size) || fail "cannot read the size of shm0"
	kipc shm shm0 read --length "$shm_size" >"$tmp/shm0.saved" ||
		fail "cannot save shm0"
	trap shm_restore EXIT
}

shm_restore() {
	kipc shm shm0 size "$shm_size" >/dev/null
	kipc shm shm0 write - <"$tmp/shm0.saved"
}

# ktap_main PROG...: runs the test_* functions of the test file ($0) in
# the order of the file, each in a subshell, as KTAP; a test exits 0 to
# pass, 4 after skip() to skip, else it fails. Bails out if a PROG is not
# built; skips all unless kipc is loaded and this runs as root, but for a
# host test (ktap_host=1: it needs neither, selftests/Makefile's HOST_TESTS).
ktap_main() {
	local tests n i=0 failed=0 status name p t

	tests=$(grep -o '^test_[a-z0-9_]*' "$0")
	n=$(wc -w <<<"$tests")

	echo "TAP version 13"
	for p in "$@"; do
		if ! [ -x "$p" ]; then
			echo "1..0 # SKIP $(basename "$p") not built at $p"
			echo "Bail out! build it with make"
			exit 1
		fi
	done
	if [ -z "${ktap_host:-}" ] && ! [ -d /proc/kipc ]; then
		echo "1..0 # SKIP kipc module not loaded"
		exit 4
	fi
	if [ -z "${ktap_host:-}" ] && [ "$(id -u)" != 0 ]; then
		echo "1..0 # SKIP needs root"
		exit 4
	fi

	echo "1..$n"
	for t in $tests; do
		i=$((i + 1))
		rm -f "$tmp/skip"
		last='' rc=''
		# shellcheck disable=SC2034 # for the tests' EXIT traps
		pid='' before='' args=''
		(
			: >"$tmp/out"
			: >"$tmp/err"
			"$t"
		) >"$tmp/log" 2>&1 </dev/null
		status=$?
		sed 's/^/# /' "$tmp/log"
		name=${t#test_}
		if [ $status = 0 ]; then
			echo "ok $i $name"
		elif [ $status = 4 ] && [ -f "$tmp/skip" ]; then
			echo "ok $i $name # SKIP $(cat "$tmp/skip")"
		else
			[ $status -gt 128 ] && echo "# killed by signal $((status - 128))"
			echo "not ok $i $name"
			failed=$((failed + 1))
		fi
	done
	echo "# $failed of $n failed"
	[ $failed = 0 ]
}
