#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kipc(1), the command-line tool, run in the VM against the loaded module:
# output, exit codes (0 ok, 1 error, 2 usage) and every error path. Prints
# KTAP. Every test leaves the nodes as it found them. Runs as root.
# `kipc bench` is bench_test.sh's.
#
# The tool is $KIPC, else ../user/kipc next to this directory.

set -u
# shellcheck source=selftests/lib.sh
. "$(dirname "$0")/lib.sh"
KO=${KIPC_KO:-$here/../kmod/kipc.ko}
NOBODY=65534

# ------------------------------------------------------------- helpers

# need_notify NODE: KIPC_NOTIFY is there on NODE: an uncatchable signal is
# refused with EINVAL (ENOTTY would mean no KIPC_NOTIFY); nothing is
# registered either way.
need_notify() {
	run timeout 120 "$KIPC" notify "$1" --signal KILL
	case $(cat "$tmp/err") in
	*"Invalid argument") ;;
	*) fail "KIPC_NOTIFY on $1 does not refuse SIGKILL with EINVAL" ;;
	esac
}

as_nobody() {
	setpriv --reuid=$NOBODY --regid=$NOBODY --clear-groups "$@"
}

# The message queue used by the msg tests must start and end empty.
msg_empty() {
	local q

	q=$(procval msg msg0 qnum) || fail "no qnum for msg0 in /proc/kipc/msg"
	[ "$q" = 0 ] || fail "msg0 holds $q messages left by someone else"
}

msg_drain() {
	while kipc recv msg0 --nowait >/dev/null 2>&1; do :; done
}

# need_control: the module makes objects (wave 2: /dev/kipc/control).
need_control() {
	[ -c /dev/kipc/control ] || fail "no /dev/kipc/control"
}

# made NAME...: objects this test makes; they must not exist yet, and are
# removed when the test ends, however it ends (after running $cleanup, for
# tests that have more to undo).
made() {
	local n

	need_control
	for n in "$@"; do
		[ -e "/dev/kipc/$n" ] && fail "/dev/kipc/$n exists already"
	done
	made_names="${made_names:-} $*"
	# shellcheck disable=SC2016
	trap 'eval "${cleanup:-}"; kipc rm $made_names >/dev/null 2>&1' EXIT
}

# must_mk KIND NAME [OPTION]...: kipc mk, quiet, which must succeed.
must_mk() { kipc mk "$@" >/dev/null || fail "kipc mk $* failed"; }

# has_open PID PATH: process PID has PATH open.
has_open() {
	local f

	for f in /proc/"$1"/fd/*; do
		[ "$(readlink "$f")" = "$2" ] && return 0
	done
	return 1
}

# kind_of NAME: what sysfs says the object is.
kind_of() { cat "/sys/class/kipc/$1/kind"; }

# lscol OUT KIND NAME COLUMN: a cell of `kipc ls` text output OUT, by its
# header.
lscol() {
	awk -v kind="$2" -v name="$3" -v col="$4" '
		$1 == "TYPE" { c = 0; for (i = 1; i <= NF; i++) if ($i == col) c = i; next }
		$1 == kind && $2 == name && c { print $c; found = 1 }
		END { exit !found }' "$1"
}

# anon_hold: a python3 in the background holding an anonymous msg queue
# (KIPC_CTL_ANON) and an anonymous pipe (KIPC_CTL_PIPE); its pid in $pid.
anon_hold() {
	python3 - >"$tmp/anon" <<-'EOF' &
		import fcntl, os, struct, time
		ctl = os.open("/dev/kipc/control", os.O_RDWR)
		anon = bytearray(struct.pack("IIQ16x", 2, 0, 0))
		fcntl.ioctl(ctl, (1 << 30) | (32 << 16) | (0xB8 << 8) | 0x53, anon, True)
		fcntl.ioctl(ctl, (3 << 30) | (32 << 16) | (0xB8 << 8) | 0x52, bytearray(32), True)
		print("ok", flush=True)
		time.sleep(1000)
	EOF
	pid=$!
	wait_until "python3 holds anonymous objects" grep -q ok "$tmp/anon"
}

# ------------------------------------------------------- general tests

test_help_lists_every_command() {
	local c

	run kipc --help
	expect_rc 0
	expect_no_err
	for c in mk rm ls send recv sem shm pipe notify; do
		grep -q "^  kipc $c " "$tmp/out" || fail "kipc $c missing from --help"
	done
	run kipc help
	expect_rc 0
}

test_help_on_every_subcommand() {
	local c o

	for c in mk rm ls send recv sem shm pipe notify; do
		run kipc "$c" --help
		expect_rc 0
		expect_no_err
		case $(head -n 1 "$tmp/out") in
		"usage: kipc $c"*) ;;
		*) fail "kipc $c --help does not start with its usage" ;;
		esac
	done
	# The new options are documented.
	run kipc mk --help
	for o in --mode --size --exclusive; do
		grep -q -- "^  $o " "$tmp/out" || fail "kipc mk --help lacks $o"
	done
	run kipc recv --help
	grep -q -- "^  --raw " "$tmp/out" || fail "kipc recv --help lacks --raw"
	# --help wins wherever it is, even after other arguments.
	run kipc sem sem0 p --help
	expect_rc 0
	run kipc shm shm0 write --offset 3 -h
	expect_rc 0
}

test_no_command_is_usage_error() {
	run kipc
	expect_usage_error
	expect_err_start "kipc: missing COMMAND"
}

test_unknown_command_is_usage_error() {
	run kipc frobnicate
	expect_usage_error
	expect_err_start "kipc: unknown command 'frobnicate'"
}

test_unknown_option_is_usage_error() {
	run kipc ls --bogus
	expect_usage_error
	expect_err_start "kipc: ls: invalid option '--bogus'"
	run kipc recv msg0 -x
	expect_usage_error
	expect_err_start "kipc: recv: invalid option -- 'x'"
	run kipc recv msg0 --type
	expect_usage_error
	expect_err_start "kipc: recv: option needs an argument '--type'"
}

test_missing_operands_are_usage_errors() {
	local args

	while read -r args; do
		# shellcheck disable=SC2086
		run kipc $args
		expect_usage_error
	done <<-EOF
		mk
		mk pipe
		mk --exclusive msg
		rm
		send
		send msg0
		recv
		sem
		sem sem0
		sem sem0 set
		sem sem0 p --
		shm
		shm shm0
		shm shm0 write
		pipe
		pipe pipe0
		notify
	EOF
}

test_extra_operands_are_usage_errors() {
	local args

	while read -r args; do
		# shellcheck disable=SC2086
		run kipc $args
		expect_usage_error
		expect_err_start "kipc: "
	done <<-EOF
		send msg0 1 hello world
		recv msg0 extra
		sem sem0 get 1
		sem sem0 p 1 2
		sem sem0 set 1 2
		shm shm0 read extra
		shm shm0 size 4096 8192
		pipe pipe0 size 4096 8192
		pipe pipe0 resize
		sem sem0 frob
		shm shm0 frob
		notify pipe0 extra
		ls frob
		mk pipe tool-x extra
		mk fifo tool-x
	EOF
}

test_bad_numbers_are_usage_errors() {
	local before v

	before=$(procval pipe pipe0 size)
	for v in abc 12abc "" " 5" "+5" 0x10 1.5 5kk 99999999999999999999999 \
		 4294967296 4G; do
		run kipc pipe pipe0 size "$v"
		expect_usage_error
		expect_err_start "kipc: pipe: invalid BYTES '$v': "
	done
	run kipc pipe pipe0 size -1
	expect_usage_error
	check "pipe0 size" "$(procval pipe pipe0 size)" "$before"

	for v in x -5 0 99999999999999999999; do
		run kipc recv msg0 --timeout "$v"
		expect_usage_error
		expect_err_start "kipc: recv: invalid timeout '$v': "
	done
	run kipc recv msg0 --type 1x
	expect_usage_error
	run kipc send msg0 9223372036854775808 x
	expect_usage_error
	expect_err_start "kipc: send: invalid TYPE '9223372036854775808': out of range"
	run kipc sem sem0 p 4294967296
	expect_usage_error
	run kipc sem sem0 set 9223372036854775808
	expect_usage_error
	run kipc shm shm0 read --offset 9223372036854775808
	expect_usage_error
	run kipc shm shm0 size 17179869184G
	expect_usage_error
	run kipc notify pipe0 --count 0
	expect_usage_error
	for v in 0778 1000 rw; do
		run kipc mk pipe tool-x --mode "$v"
		expect_usage_error
		expect_err_start "kipc: mk: invalid MODE '$v': "
	done
	for v in 2147483648; do
		run kipc mk sem tool-x --size "$v"
		expect_usage_error
		expect_err_start "kipc: mk: invalid size '$v': "
	done
	run kipc mk pipe tool-x --size 0
	expect_usage_error
	expect_err_start "kipc: mk: invalid size '0': "
	[ -e /dev/kipc/tool-x ] && fail "a usage error made tool-x"
	for v in 0 65 FOO RTMIN+99 SIG; do
		run kipc notify pipe0 --signal "$v"
		expect_usage_error
	done
}

test_missing_node_fails() {
	run kipc pipe pipe99 size
	expect_error "kipc: pipe99: No such file or directory"
	run kipc send /dev/kipc/msg99 1 x
	expect_error "kipc: /dev/kipc/msg99: No such file or directory"
}

test_wrong_kind_fails() {
	run kipc send pipe0 1 hello
	expect_error "kipc: pipe0: not a kipc msg device"
	run kipc pipe msg0 size
	expect_error "kipc: msg0: not a kipc pipe device"
	run kipc sem shm0 get
	expect_error "kipc: shm0: not a kipc sem device"
	run kipc notify sem0
	expect_error "kipc: sem0: not a kipc pipe or msg device"
}

test_not_a_kipc_device_fails() {
	run kipc pipe /dev/null size
	expect_error "kipc: /dev/null: not a kipc device"
	run kipc shm /etc/passwd size
	expect_error "kipc: /etc/passwd: not a kipc device"
	# A node named like ours but not ours.
	mknod "$tmp/pipe0" c 1 3 || fail "mknod failed"
	run kipc pipe "$tmp/pipe0" size
	expect_error "kipc: $tmp/pipe0: not a kipc device"
	# kipc's, but no object.
	need_control
	run kipc pipe control size
	expect_error "kipc: control: not a kipc pipe device"
}

test_dev_as_path_short_name_or_link() {
	local size

	size=$(procval pipe pipe0 size)
	run kipc pipe pipe0 size
	expect_rc 0
	expect_out "$size"
	run kipc pipe /dev/kipc/pipe0 size
	expect_out "$size"
	# The kind comes from the device, not from the file name.
	ln -s /dev/kipc/pipe0 "$tmp/mine"
	run kipc pipe "$tmp/mine" size
	expect_rc 0
	expect_out "$size"
}

test_write_error_on_stdout_fails() {
	run kipc ls
	expect_rc 0
	kipc ls >/dev/full 2>"$tmp/err"
	rc=$?
	: >"$tmp/out"
	expect_error "kipc: write error: No space left on device"
}

# ------------------------------------------------------------- mk, rm

test_mk_each_kind() {
	local k

	made tool-pipe tool-msg tool-shm tool-sem
	umask 022
	for k in pipe msg shm sem; do
		run kipc mk $k tool-$k
		expect_rc 0
		expect_no_err
		expect_out "/dev/kipc/tool-$k"
		[ -c "/dev/kipc/tool-$k" ] || fail "no /dev/kipc/tool-$k"
		check "$k kind" "$(kind_of tool-$k)" $k
		# 0666 less the umask, owned by the caller.
		check "$k mode" "$(stat -c %a "/dev/kipc/tool-$k")" 644
		check "$k owner" "$(stat -c %u:%g "/dev/kipc/tool-$k")" 0:0
		check "$k /proc mode" "$(procval $k tool-$k mode)" 0644
		check "$k /proc uid" "$(procval $k tool-$k uid)" 0
	done
	# Each works with its own command, with the module's defaults.
	run kipc pipe tool-pipe size
	expect_out "$(cat /sys/module/kipc/parameters/pipe_size)"
	run kipc shm tool-shm size
	expect_out "$(cat /sys/module/kipc/parameters/shm_size)"
	run kipc sem tool-sem get
	expect_out "$(cat /sys/module/kipc/parameters/sem_init)"
	check "msg qbytes" "$(procval msg tool-msg qbytes)" \
		"$(cat /sys/module/kipc/parameters/msgmnb)"
}

test_mk_mode_size_and_umask() {
	made tool-p tool-s tool-m tool-v tool-w tool-z
	umask 027
	run kipc mk pipe tool-p --mode 0666 --size 5000
	expect_rc 0
	check "pipe mode" "$(stat -c %a /dev/kipc/tool-p)" 640
	check "pipe size" "$(kipc pipe tool-p size)" 8192
	run kipc mk shm tool-s --size 10k --mode 600
	expect_rc 0
	check "shm mode" "$(stat -c %a /dev/kipc/tool-s)" 600
	check "shm size" "$(kipc shm tool-s size)" 12288
	run kipc mk msg tool-m --size 1000
	expect_rc 0
	check "msg mode" "$(stat -c %a /dev/kipc/tool-m)" 640
	check "msg qbytes" "$(procval msg tool-m qbytes)" 1000
	run kipc mk sem tool-v --size 5 --mode 0750
	expect_rc 0
	check "sem mode" "$(stat -c %a /dev/kipc/tool-v)" 750
	check "sem value" "$(procval sem tool-v value)" 5
	umask 077
	run kipc mk sem tool-w
	check "umask 077" "$(stat -c %a /dev/kipc/tool-w)" 600
	run kipc mk sem tool-z --size 0
	expect_rc 0
	check "sem at 0" "$(procval sem tool-z value)" 0
}

# Mode 0 is mode 0, not a default (devtmpfs takes 0 for "0600").
test_mk_mode_zero() {
	made tool-0 tool-00
	umask 022
	run kipc mk pipe tool-0 --mode 0
	expect_rc 0
	check "mode" "$(stat -c %a /dev/kipc/tool-0)" 0
	check "/proc mode" "$(procval pipe tool-0 mode)" 0000
	# All bits taken by the umask.
	run kipc mk pipe tool-00 --mode 022
	expect_rc 0
	check "mode after umask" "$(stat -c %a /dev/kipc/tool-00)" 0
}

# An unprivileged user makes an object: it is theirs, and works for them.
test_mk_owned_by_caller() {
	made tool-mine
	umask 022
	run as_nobody "$KIPC" mk msg tool-mine --mode 0600
	expect_rc 0
	expect_out /dev/kipc/tool-mine
	check "owner" "$(stat -c %u:%g /dev/kipc/tool-mine)" $NOBODY:$NOBODY
	check "mode" "$(stat -c %a /dev/kipc/tool-mine)" 600
	run as_nobody "$KIPC" send tool-mine 3 "nobody's"
	expect_rc 0
	run as_nobody "$KIPC" recv tool-mine
	expect_out "type 3: nobody's"
}

test_mk_existing_name() {
	made tool-x
	umask 022
	must_mk msg tool-x
	run kipc mk msg tool-x --exclusive
	expect_error "kipc: tool-x: File exists"
	# The same kind again: success, and nothing changes (IPC_CREAT).
	run kipc mk msg tool-x --mode 0600 --size 100
	expect_rc 0
	expect_no_err
	expect_out /dev/kipc/tool-x
	check "mode" "$(stat -c %a /dev/kipc/tool-x)" 644
	check "qbytes" "$(procval msg tool-x qbytes)" \
		"$(cat /sys/module/kipc/parameters/msgmnb)"
	run kipc mk pipe tool-x
	expect_error "kipc: tool-x: File exists (it is a msg)"
	check "kind" "$(kind_of tool-x)" msg
	# The load-time nodes share the namespace.
	run kipc mk pipe pipe0
	expect_rc 0
	expect_out /dev/kipc/pipe0
	run kipc mk sem pipe0
	expect_error "kipc: pipe0: File exists (it is a pipe)"
	run kipc mk pipe /dev/kipc/pipe0 --exclusive
	expect_error "kipc: pipe0: File exists"
}

test_mk_bad_name_or_size() {
	local name

	need_control
	for name in "" ../pipe0 .hidden control tool-0123456789012345678901234567; do
		run kipc mk pipe "$name"
		expect_usage_error
		expect_err_start "kipc: mk: "
	done
	# 31 bytes is the longest name.
	name=tool-01234567890123456789012345
	made $name
	run kipc mk pipe $name
	expect_rc 0
	expect_out /dev/kipc/$name
	# A segment over shm_max: the kernel says EINVAL, nothing is made.
	made tool-big
	run kipc mk shm tool-big --size $(($(cat /sys/module/kipc/parameters/shm_max) + 4096))
	expect_rc 1
	expect_no_out
	expect_err_start "kipc: tool-big: Invalid argument (size "
	[ -e /dev/kipc/tool-big ] && fail "tool-big was made"
	return 0
}

test_rm_removes() {
	made tool-r
	must_mk sem tool-r
	run kipc rm tool-r
	expect_rc 0
	expect_no_out
	expect_no_err
	[ -e /dev/kipc/tool-r ] && fail "/dev/kipc/tool-r is still there"
	procval sem tool-r name >/dev/null && fail "tool-r still in /proc/kipc/sem"
	run kipc rm tool-r
	expect_error "kipc: tool-r: No such file or directory"
	# The name is free at once, for any kind; rm takes the path too.
	kipc mk pipe tool-r >/dev/null || fail "mk after rm failed"
	run kipc rm /dev/kipc/tool-r
	expect_rc 0
	[ -e /dev/kipc/tool-r ] && fail "/dev/kipc/tool-r is still there"
	return 0
}

# Like ipcrm: every name is tried, each failure said, exit 1.
test_rm_goes_on_after_a_failure() {
	made tool-a tool-b
	must_mk pipe tool-a
	must_mk msg tool-b
	run kipc rm tool-a tool-none tool-b ""
	expect_rc 1
	expect_no_out
	expect_err "kipc: tool-none: No such file or directory
kipc: : No such file or directory"
	[ -e /dev/kipc/tool-a ] && fail "tool-a is still there"
	[ -e /dev/kipc/tool-b ] && fail "tool-b is still there"
	return 0
}

test_rm_others_object_eperm() {
	made tool-roots tool-nobodys
	must_mk msg tool-roots --mode 0666
	run as_nobody "$KIPC" rm tool-roots
	expect_error "kipc: tool-roots: Operation not permitted"
	[ -c /dev/kipc/tool-roots ] || fail "nobody removed root's object"
	# The load-time nodes are root's too.
	run as_nobody "$KIPC" rm pipe0
	expect_error "kipc: pipe0: Operation not permitted"
	# Nobody may remove its own; root may remove anyone's.
	as_nobody "$KIPC" mk sem tool-nobodys >/dev/null || fail "mk as nobody failed"
	run as_nobody "$KIPC" rm tool-nobodys
	expect_rc 0
	as_nobody "$KIPC" mk sem tool-nobodys >/dev/null || fail "mk as nobody failed"
	run kipc rm tool-nobodys
	expect_rc 0
	[ -e /dev/kipc/tool-nobodys ] && fail "tool-nobodys is still there"
	return 0
}

# A receiver waiting on a queue that is removed wakes with EIDRM.
test_rm_wakes_receiver_eidrm() {
	# shellcheck disable=SC2016 # $pid when the test ends
	cleanup='kill $pid 2>/dev/null'
	made tool-q
	must_mk msg tool-q
	"$KIPC" recv tool-q >"$tmp/bg" 2>&1 &
	pid=$!
	wait_until "recv opens tool-q" has_open $pid /dev/kipc/tool-q
	run kipc rm tool-q
	expect_rc 0
	wait $pid
	check "recv status" $? 1
	check "recv output" "$(cat "$tmp/bg")" "kipc: tool-q: Identifier removed"
}

# A name does not tell the kind: a msg queue called jobs, or pipe4242.
test_commands_on_made_objects() {
	made jobs pipe4242 tool-shm tool-sem tool-pipe
	must_mk msg jobs
	must_mk msg pipe4242
	must_mk shm tool-shm
	must_mk sem tool-sem
	must_mk pipe tool-pipe
	run kipc send jobs 2 "build kipc"
	expect_rc 0
	run kipc recv jobs
	expect_out "type 2: build kipc"
	run kipc send /dev/kipc/pipe4242 7 seven
	expect_rc 0
	run kipc recv pipe4242 --nowait
	expect_out "type 7: seven"
	run kipc pipe pipe4242 size
	expect_error "kipc: pipe4242: not a kipc pipe device"
	need_notify pipe4242
	expect_error "kipc: pipe4242: Invalid argument"
	run kipc shm tool-shm write hello
	expect_rc 0
	run kipc shm tool-shm read
	expect_out hello
	run kipc sem tool-sem p
	expect_rc 0
	run kipc sem tool-sem get
	expect_out 0
	run kipc pipe tool-pipe size 8k
	expect_out 8192
	run kipc send tool-pipe 1 x
	expect_error "kipc: tool-pipe: not a kipc msg device"
}

# --raw: the text alone, byte for byte.
test_recv_raw_bytes() {
	made tool-raw
	must_mk msg tool-raw
	kipc send tool-raw 1 "no newline" || fail "send failed"
	run kipc recv tool-raw --raw
	expect_rc 0
	expect_no_err
	printf 'no newline' | cmp -s - "$tmp/out" || fail "text differs: $(od -c "$tmp/out")"
	printf 'two\n\n' | kipc send tool-raw 2 - || fail "send failed"
	run kipc recv tool-raw --raw
	printf 'two\n\n' | cmp -s - "$tmp/out" || fail "newlines differ: $(od -c "$tmp/out")"
	printf 'a\0b\033[2J\377\376\r\n\001' >"$tmp/bin"
	kipc send tool-raw 3 - <"$tmp/bin" || fail "send failed"
	run kipc recv tool-raw --raw --type 3
	cmp -s "$tmp/bin" "$tmp/out" || fail "binary differs: $(od -c "$tmp/out")"
	kipc send tool-raw 4 "" || fail "send failed"
	run kipc recv tool-raw --raw
	expect_rc 0
	[ -s "$tmp/out" ] && fail "an empty message printed something"
	# With --peek and --size --noerror too.
	kipc send tool-raw 5 "hello world" || fail "send failed"
	run kipc recv tool-raw --raw --peek
	expect_out "hello world"
	run kipc recv tool-raw --raw --size 5 --noerror
	printf hello | cmp -s - "$tmp/out" || fail "truncated text differs"
}

# PERMS and OWNER follow NAME; OWNER is the uid where it has no name.
test_ls_owner_and_perms() {
	local uid=4242

	made tool-lsr tool-lsn tool-lsu
	umask 022
	must_mk pipe tool-lsr --mode 0640
	as_nobody "$KIPC" mk sem tool-lsn >/dev/null || fail "mk as nobody failed"
	getent passwd $uid >/dev/null && skip "uid $uid has a name here"
	setpriv --reuid=$uid --regid=$uid --clear-groups "$KIPC" mk shm tool-lsu \
		--mode 0604 >/dev/null || fail "mk as uid $uid failed"
	run kipc ls
	expect_rc 0
	check "pipe header" "$(grep -m1 '^TYPE' "$tmp/out" | awk '{ print $2, $3, $4 }')" \
		"NAME PERMS OWNER"
	check "root's" "$(lscol "$tmp/out" pipe tool-lsr PERMS) $(lscol "$tmp/out" pipe tool-lsr OWNER)" \
		"rw-r----- root"
	check "nobody's" "$(lscol "$tmp/out" sem tool-lsn PERMS) $(lscol "$tmp/out" sem tool-lsn OWNER)" \
		"rw-r--r-- nobody"
	check "uid $uid's" "$(lscol "$tmp/out" shm tool-lsu PERMS) $(lscol "$tmp/out" shm tool-lsu OWNER)" \
		"rw----r-- $uid"
	check "pipe0's" "$(lscol "$tmp/out" pipe pipe0 PERMS) $(lscol "$tmp/out" pipe pipe0 OWNER)" \
		"$(stat -c %A /dev/kipc/pipe0 | cut -c2-) root"
}

# The keys themselves, numbers all: test_ls_json_values_exact.
test_ls_json_owner_keys() {
	local row kv

	made tool-js
	umask 022
	"$KIPC" mk msg tool-js --mode 0640 >/dev/null &
	pid=$!
	wait $pid || fail "mk failed"
	run as_nobody "$KIPC" ls msg --json
	expect_rc 0
	row=$(grep '"name": "tool-js"' "$tmp/out") || fail "no tool-js row"
	for kv in '"uid": 0' '"gid": 0' '"mode": 416' "\"cpid\": $pid"; do
		case $row in
		*"$kv,"* | *"$kv}"*) ;;
		*) fail "no $kv in $row" ;;
		esac
	done
}

# Anonymous objects show as anon:ID, in the text and in JSON.
test_ls_lists_anonymous() {
	local k

	need_control
	anon_hold
	trap 'kill $pid 2>/dev/null' EXIT
	for k in msg pipe; do
		run kipc ls $k
		expect_rc 0
		grep -Eq "^$k +anon:[0-9]+ +rw------- +root " "$tmp/out" ||
			fail "no anon:ID row for $k"
		run kipc ls $k --json
		grep -Eq '^    \{"name": "anon:[0-9]+", ' "$tmp/out" ||
			fail "no anon:ID in the JSON of $k"
	done
}

# ---------------------------------------------------------------- pipe

test_pipe_size_set_rounds_up() {
	before=$(kipc pipe pipe0 size) || fail "cannot read pipe0's size"
	trap 'kipc pipe pipe0 size "$before" >/dev/null' EXIT
	run kipc pipe pipe0 size 100000
	expect_rc 0
	expect_no_err
	expect_out 131072
	check "/proc size" "$(procval pipe pipe0 size)" 131072
	run kipc pipe pipe0 size 1
	expect_out 4096
	run kipc pipe pipe0 size 8k
	expect_out 8192
	run kipc pipe pipe0 size
	expect_out 8192
}

test_pipe_size_zero_or_huge_einval() {
	local before

	before=$(procval pipe pipe0 size)
	run kipc pipe pipe0 size 0
	expect_error "kipc: pipe0: Invalid argument"
	run kipc pipe pipe0 size 2147483649
	expect_error "kipc: pipe0: Invalid argument"
	check "pipe0 size" "$(procval pipe pipe0 size)" "$before"
}

test_pipe_shrink_below_buffered_ebusy() {
	exec 3<>/dev/kipc/pipe1 || fail "cannot open pipe1"
	head -c 8192 /dev/zero >&3
	check "pipe1 used" "$(procval pipe pipe1 used)" 8192
	run kipc pipe pipe1 size 4096
	expect_error "kipc: pipe1: Device or resource busy"
	exec 3>&-
	check "pipe1 used after close" "$(procval pipe pipe1 used)" 0
}

test_pipe_unprivileged_over_max_eperm() {
	before=$(procval pipe pipe1 size)
	trap 'chmod 0600 /dev/kipc/pipe1; kipc pipe pipe1 size "$before" >/dev/null' EXIT
	chmod 0666 /dev/kipc/pipe1
	run as_nobody "$KIPC" pipe pipe1 size 2M
	expect_error "kipc: pipe1: Operation not permitted"
	run as_nobody "$KIPC" pipe pipe1 size 8192
	expect_rc 0
	expect_out 8192
}

test_unprivileged_open_eacces() {
	run as_nobody "$KIPC" pipe pipe0 size
	expect_error "kipc: pipe0: Permission denied"
	# /proc/kipc is world-readable.
	run as_nobody "$KIPC" ls
	expect_rc 0
}

# ------------------------------------------------------------------ ls

test_ls_shows_every_kind() {
	local k n

	run kipc ls
	expect_rc 0
	expect_no_err
	check "tables" "$(grep -c '^TYPE  *NAME ' "$tmp/out")" 4
	for k in pipe msg shm sem; do
		n=$(($(wc -l <"/proc/kipc/$k") - 1))
		check "$k rows" "$(grep -c "^$k " "$tmp/out")" "$n"
	done
}

test_ls_one_kind() {
	run kipc ls sem
	expect_rc 0
	check "tables" "$(grep -c '^TYPE ' "$tmp/out")" 1
	check "other rows" "$(grep -vc '^TYPE \|^sem ' "$tmp/out")" 0
	run kipc ls pipe msg
	expect_rc 0
	check "tables" "$(grep -c '^TYPE ' "$tmp/out")" 2
}

# Every cell of `kipc ls KIND` is /proc/kipc/KIND's ("-" if missing), but
# for mode, uid and gid: PERMS (rw-r--r--) and OWNER (user name) follow
# NAME instead.
test_ls_values_match_proc() {
	run kipc ls
	expect_rc 0
	python3 - "$tmp/out" <<-'EOF' || fail "kipc ls differs from /proc/kipc"
		import pwd, sys
		def perms(m):
		    return "".join(c if m & (0o400 >> i) else "-" for i, c in enumerate("rwxrwxrwx"))
		def owner(u):
		    try:
		        return pwd.getpwuid(int(u)).pw_name
		    except KeyError:
		        return u
		want = []
		for kind in ("pipe", "msg", "shm", "sem"):
		    lines = open("/proc/kipc/" + kind).read().splitlines()
		    cols = lines[0].split()
		    own = [c for c in cols[1:] if c not in ("uid", "gid", "mode")]
		    want.append(["TYPE", cols[0].upper()] + (["PERMS"] if "mode" in cols else []) +
		                (["OWNER"] if "uid" in cols else []) + [c.upper() for c in own])
		    for l in lines[1:]:
		        v = dict(zip(cols, l.split()))
		        row = [kind, v[cols[0]]]
		        if "mode" in cols:
		            row.append(perms(int(v["mode"], 8)) if "mode" in v else "-")
		        if "uid" in cols:
		            row.append(owner(v["uid"]) if "uid" in v else "-")
		        want.append(row + [v.get(c, "-") for c in own])
		got = [l.split() for l in open(sys.argv[1]).read().splitlines() if l]
		assert got == want, (got, want)
	EOF
}

# Numbers right-aligned under their header, text (TYPE, NAME, PERMS,
# OWNER) left-aligned, like lsipc.
test_ls_columns_aligned() {
	run kipc ls pipe
	expect_rc 0
	python3 - "$tmp/out" <<-'EOF' || fail "kipc ls pipe is not aligned"
		import re, sys
		lines = open(sys.argv[1]).read().splitlines()
		def spans(l):
		    return [(m.start(), m.end()) for m in re.finditer(r"\S+", l)]
		names = lines[0].split()
		head = spans(lines[0])
		for l in lines[1:]:
		    s = spans(l)
		    assert len(s) == len(head), l
		    for n, (a, b), (ha, hb) in zip(names, s, head):
		        if n in ("TYPE", "NAME", "PERMS", "OWNER"):
		            assert a == ha, (n, l)
		        else:
		            assert b == hb, (n, l)
	EOF
}

test_ls_json_parses() {
	run kipc ls --json
	expect_rc 0
	expect_no_err
	python3 - "$tmp/out" <<-'EOF' || fail "kipc ls --json is wrong"
		import json, sys
		d = json.load(open(sys.argv[1]))
		assert list(d) == ["pipe", "msg", "shm", "sem"], list(d)
		for kind, rows in d.items():
		    names = [r["name"] for r in rows]
		    want = [l.split()[0] for l in open("/proc/kipc/" + kind).readlines()[1:]]
		    assert names == want, (kind, names, want)
	EOF
}

# Each value is a JSON number equal to /proc's, each key a /proc column.
test_ls_json_values_exact() {
	run kipc ls --json
	expect_rc 0
	python3 - "$tmp/out" <<-'EOF' || fail "kipc ls --json values differ from /proc"
		import json, sys
		d = json.load(open(sys.argv[1]))
		for kind, rows in d.items():
		    lines = open("/proc/kipc/" + kind).read().splitlines()
		    cols = lines[0].split()
		    for k in ("uid", "gid", "mode", "cpid"):
		        assert k in cols, (kind, cols)
		    for row, line in zip(rows, lines[1:]):
		        vals = line.split()
		        assert list(row) == cols[:len(vals)], (row, cols)
		        for c, v in zip(cols[1:], vals[1:]):
		            want = int(v, 8) if c == "mode" else int(v)
		            assert type(row[c]) is int and row[c] == want, (kind, c, row[c], v)
	EOF
	run kipc ls shm --json
	expect_rc 0
	python3 -c 'import json, sys; assert list(json.load(open(sys.argv[1]))) == ["shm"]' \
		"$tmp/out" || fail "kipc ls shm --json has other kinds"
}

# The counters move by exactly what was done.
test_ls_counters_exact() {
	local in out

	in=$(procval pipe pipe2 bytes_in)
	out=$(procval pipe pipe2 bytes_out)
	exec 3<>/dev/kipc/pipe2 || fail "cannot open pipe2"
	printf 'hello\n' >&3
	run kipc ls pipe
	check "used" "$(lscol "$tmp/out" pipe pipe2 USED)" 6
	check "bytes_in" "$(lscol "$tmp/out" pipe pipe2 BYTES_IN)" $((in + 6))
	head -c 6 <&3 >/dev/null
	exec 3>&-
	run kipc ls pipe --json
	python3 - "$tmp/out" $((in + 6)) $((out + 6)) <<-'EOF' || fail "pipe2 counters"
		import json, sys
		p = [r for r in json.load(open(sys.argv[1]))["pipe"] if r["name"] == "pipe2"][0]
		assert p["bytes_in"] == int(sys.argv[2]) and p["bytes_out"] == int(sys.argv[3]), p
		assert p["used"] == 0 and p["readers"] == 0 and p["writers"] == 0, p
	EOF
}

test_ls_unprivileged_reads_proc() {
	run as_nobody "$KIPC" ls --json
	expect_rc 0
	python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$tmp/out" ||
		fail "not JSON"
}

# ----------------------------------------------------------------- msg

test_msg_send_recv_roundtrip() {
	need msg0
	msg_empty
	trap msg_drain EXIT
	run kipc send msg0 1 hello
	expect_rc 0
	expect_no_out
	expect_no_err
	run kipc recv msg0
	expect_rc 0
	expect_no_err
	expect_out "type 1: hello"
}

test_msg_recv_selects_by_type() {
	need msg0
	msg_empty
	trap msg_drain EXIT
	kipc send msg0 3 three || fail "send failed"
	kipc send msg0 1 one || fail "send failed"
	kipc send msg0 2 two || fail "send failed"
	run kipc recv msg0 --type 2
	expect_out "type 2: two"
	# Negative: the lowest type <= 3.
	run kipc recv msg0 --type -3
	expect_out "type 1: one"
	run kipc recv msg0
	expect_out "type 3: three"
	check "qnum" "$(procval msg msg0 qnum)" 0
}

test_msg_recv_except() {
	need msg0
	msg_empty
	trap msg_drain EXIT
	kipc send msg0 1 a || fail "send failed"
	kipc send msg0 2 b || fail "send failed"
	run kipc recv msg0 --type 1 --except
	expect_out "type 2: b"
	run kipc recv msg0
	expect_out "type 1: a"
}

test_msg_recv_nowait_empty_enomsg() {
	need msg0
	msg_empty
	run kipc recv msg0 --nowait
	expect_error "kipc: msg0: No message of desired type"
	kipc send msg0 1 x || fail "send failed"
	trap msg_drain EXIT
	run kipc recv msg0 --nowait --type 2
	expect_error "kipc: msg0: No message of desired type"
}

test_msg_recv_timeout_etimedout() {
	need msg0
	msg_empty
	run kipc recv msg0 --timeout 20
	expect_error "kipc: msg0: Connection timed out"
}

test_msg_recv_too_small_e2big_keeps_message() {
	need msg0
	msg_empty
	trap msg_drain EXIT
	kipc send msg0 1 "hello world" || fail "send failed"
	run kipc recv msg0 --size 5
	expect_error "kipc: msg0: Argument list too long"
	check "qnum" "$(procval msg msg0 qnum)" 1
	run kipc recv msg0 --size 5 --noerror
	expect_rc 0
	expect_out "type 1: hello"
	check "qnum" "$(procval msg msg0 qnum)" 0
}

test_msg_recv_peek_leaves_message() {
	need msg0
	msg_empty
	trap msg_drain EXIT
	kipc send msg0 7 peekaboo || fail "send failed"
	run kipc recv msg0 --peek
	expect_out "type 7: peekaboo"
	check "qnum" "$(procval msg msg0 qnum)" 1
	run kipc recv msg0
	expect_out "type 7: peekaboo"
	check "qnum" "$(procval msg msg0 qnum)" 0
}

test_msg_send_from_stdin() {
	need msg0
	msg_empty
	trap msg_drain EXIT
	printf 'line one\nline two' | kipc send msg0 4 - || fail "send - failed"
	run kipc recv msg0
	expect_out "type 4: line one
line two"
	# No TEXT reads stdin too; its newline is not doubled.
	echo hi | kipc send msg0 5 || fail "send failed"
	run kipc recv msg0
	expect_out "type 5: hi"
	check "lines" "$(wc -l <"$tmp/out")" 1
}

test_msg_empty_and_control_text() {
	need msg0
	msg_empty
	trap msg_drain EXIT
	kipc send msg0 1 "" || fail "send of an empty text failed"
	run kipc recv msg0
	expect_out "type 1: "
	kipc send msg0 1 $'a\033[2Jb\001' || fail "send failed"
	run kipc recv msg0
	expect_out 'type 1: a\x1b[2Jb\x01'
}

test_msg_type_below_one_einval() {
	need msg0
	msg_empty
	run kipc send msg0 0 x
	expect_error "kipc: msg0: Invalid argument (TYPE must be at least 1)"
	run kipc send msg0 -- -5 x
	expect_error "kipc: msg0: Invalid argument (TYPE must be at least 1)"
	check "qnum" "$(procval msg msg0 qnum)" 0
}

test_msg_over_msgmax_refused() {
	local max

	need msg0
	msg_empty
	trap msg_drain EXIT
	max=$(procval msg msg0 msgmax)
	head -c $((max + 1)) /dev/zero | tr '\0' x >"$tmp/big"
	run kipc send msg0 1 - <"$tmp/big"
	expect_error "kipc: msg0: Invalid argument ($((max + 1)) bytes is over msgmax $max)"
	check "qnum" "$(procval msg msg0 qnum)" 0
	head -c "$max" "$tmp/big" | kipc send msg0 1 - || fail "msgmax bytes refused"
	check "cbytes" "$(procval msg msg0 cbytes)" "$max"
}

test_msg_full_queue_refused() {
	local max qbytes room

	need msg0
	msg_empty
	trap msg_drain EXIT
	max=$(procval msg msg0 msgmax)
	qbytes=$(procval msg msg0 qbytes)
	head -c "$max" /dev/zero | tr '\0' x >"$tmp/big"
	room=$qbytes
	while [ "$room" -ge "$max" ]; do
		kipc send msg0 1 - <"$tmp/big" || fail "filling the queue failed"
		room=$((room - max))
	done
	if [ "$room" -gt 0 ]; then
		head -c "$room" "$tmp/big" | kipc send msg0 1 - ||
			fail "filling the queue failed"
	fi
	check "cbytes" "$(procval msg msg0 cbytes)" "$qbytes"
	run kipc send msg0 2 x --nowait
	expect_error "kipc: msg0: Resource temporarily unavailable (queue full: $qbytes of $qbytes bytes)"
	run kipc send msg0 2 x --timeout 20
	expect_error "kipc: msg0: Connection timed out"
	check "cbytes" "$(procval msg msg0 cbytes)" "$qbytes"
}

# msg_limits QBYTES MSGMAX: KIPC_MSG_SET_LIMITS on msg0 (root may raise).
msg_limits() {
	python3 - "$1" "$2" <<-'EOF'
		import fcntl, os, struct, sys
		KIPC_MSG_SET_LIMITS = (1 << 30) | (32 << 16) | (0xB8 << 8) | 0x13
		fd = os.open("/dev/kipc/msg0", os.O_RDWR)
		fcntl.ioctl(fd, KIPC_MSG_SET_LIMITS,
			    struct.pack("QQ16x", int(sys.argv[1]), int(sys.argv[2])))
	EOF
}

# A message bigger than the first receive buffer (64 KiB) still comes out
# whole: E2BIG leaves it queued and kipc asks again with room enough.
test_msg_recv_big_message() {
	need msg0
	msg_empty
	before="$(procval msg msg0 qbytes) $(procval msg msg0 msgmax)"
	# shellcheck disable=SC2086
	trap 'msg_drain; msg_limits $before' EXIT
	msg_limits 300000 200000 || fail "cannot raise the limits of msg0"
	head -c 150000 /dev/zero | tr '\0' y >"$tmp/big"
	kipc send msg0 6 - <"$tmp/big" || fail "send failed"
	run kipc recv msg0
	expect_rc 0
	{ printf 'type 6: '; cat "$tmp/big"; echo; } | cmp -s - "$tmp/out" ||
		fail "the big message came out different"
}

test_msg_recv_waits_for_send() {
	need msg0
	msg_empty
	trap 'kill $pid 2>/dev/null; msg_drain' EXIT
	"$KIPC" recv msg0 >"$tmp/bg" 2>&1 &
	pid=$!
	kipc send msg0 9 late || fail "send failed"
	wait $pid
	rc=$?
	check "recv status" "$rc" 0
	check "recv output" "$(cat "$tmp/bg")" "type 9: late"
}

test_msg_counters_in_ls() {
	local sent received pid

	need msg0
	msg_empty
	trap msg_drain EXIT
	sent=$(procval msg msg0 sent)
	received=$(procval msg msg0 received)
	"$KIPC" send msg0 1 x &
	pid=$!
	wait $pid || fail "send failed"
	check "sent" "$(procval msg msg0 sent)" $((sent + 1))
	check "lspid" "$(procval msg msg0 lspid)" "$pid"
	"$KIPC" recv msg0 >/dev/null &
	pid=$!
	wait $pid || fail "recv failed"
	check "received" "$(procval msg msg0 received)" $((received + 1))
	check "lrpid" "$(procval msg msg0 lrpid)" "$pid"
}

# ----------------------------------------------------------------- sem

# Keep sem0's value, to put it back at the end of a test; kill $pid then.
sem_keep() {
	sem_saved=$(kipc sem sem0 get) || fail "cannot read sem0"
	pid=
	trap sem_restore EXIT
}

sem_restore() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null
	kipc sem sem0 set "$sem_saved"
}

test_sem_get_matches_proc() {
	need sem0
	run kipc sem sem0 get
	expect_rc 0
	expect_no_err
	expect_out "$(procval sem sem0 value)"
}

test_sem_p_and_v() {
	need sem0
	sem_keep
	kipc sem sem0 set 1 || fail "set failed"
	run kipc sem sem0 p
	expect_rc 0
	expect_no_out
	check "after p" "$(kipc sem sem0 get)" 0
	run kipc sem sem0 v
	expect_rc 0
	check "after v" "$(kipc sem sem0 get)" 1
	kipc sem sem0 set 5 || fail "set failed"
	kipc sem sem0 p 3 || fail "p 3 failed"
	check "after p 3" "$(kipc sem sem0 get)" 2
	kipc sem sem0 v 3 || fail "v 3 failed"
	check "after v 3" "$(kipc sem sem0 get)" 5
}

test_sem_p_nowait_eagain() {
	need sem0
	sem_keep
	kipc sem sem0 set 0 || fail "set failed"
	run kipc sem sem0 p --nowait
	expect_error "kipc: sem0: Resource temporarily unavailable"
	check "value" "$(kipc sem sem0 get)" 0
}

test_sem_p_timeout_etimedout() {
	need sem0
	sem_keep
	kipc sem sem0 set 0 || fail "set failed"
	run kipc sem sem0 p --timeout 20
	expect_error "kipc: sem0: Connection timed out"
}

test_sem_set_out_of_range_erange() {
	need sem0
	sem_keep
	run kipc sem sem0 set 2147483648
	expect_error "kipc: sem0: Numerical result out of range"
	run kipc sem sem0 set -- -1
	expect_error "kipc: sem0: Numerical result out of range"
	check "value" "$(kipc sem sem0 get)" "$sem_saved"
	run kipc sem sem0 set 2147483647
	expect_rc 0
}

test_sem_v_overflow_eoverflow() {
	need sem0
	sem_keep
	kipc sem sem0 set 2147483647 || fail "set failed"
	run kipc sem sem0 v
	expect_error "kipc: sem0: Value too large for defined data type"
	check "value" "$(kipc sem sem0 get)" 2147483647
}

test_sem_count_zero_einval() {
	need sem0
	sem_keep
	run kipc sem sem0 p 0
	expect_error "kipc: sem0: Invalid argument"
	run kipc sem sem0 v 0
	expect_error "kipc: sem0: Invalid argument"
}

test_sem_options_only_with_p() {
	run kipc sem sem0 v --undo
	expect_usage_error
	run kipc sem sem0 get --nowait
	expect_usage_error
	run kipc sem sem0 set 1 --timeout 5
	expect_usage_error
}

test_sem_undo_gives_back_at_exit() {
	local p_ops

	need sem0
	sem_keep
	kipc sem sem0 set 1 || fail "set failed"
	p_ops=$(procval sem sem0 p_ops)
	run kipc sem sem0 p --undo
	expect_rc 0
	check "p_ops" "$(procval sem sem0 p_ops)" $((p_ops + 1))
	check "value" "$(kipc sem sem0 get)" 1
}

test_sem_undo_held_while_command_runs() {
	need sem0
	sem_keep
	kipc sem sem0 set 1 || fail "set failed"
	run kipc sem sem0 p --undo -- "$KIPC" sem sem0 get
	expect_rc 0
	expect_out 0
	check "value after" "$(kipc sem sem0 get)" 1
	run kipc sem sem0 p --undo -- sh -c 'exit 3'
	expect_rc 3
	run kipc sem sem0 p --undo -- /nonexistent/cmd
	expect_rc 127
	expect_err "kipc: /nonexistent/cmd: No such file or directory"
	check "value at the end" "$(kipc sem sem0 get)" 1
}

test_sem_undo_holder_killed() {
	local child

	need sem0
	sem_keep
	kipc sem sem0 set 1 || fail "set failed"
	# The command says its pid, then becomes a long sleep.
	# shellcheck disable=SC2016
	"$KIPC" sem sem0 p --undo -- sh -c 'echo $$ >"$0"; exec sleep 1000' \
		"$tmp/child" &
	pid=$!
	wait_until "the command runs holding sem0" test -s "$tmp/child"
	child=$(cat "$tmp/child")
	check "value while held" "$(kipc sem sem0 get)" 0
	kill -KILL $pid
	wait $pid 2>/dev/null
	check "value after SIGKILL" "$(kipc sem sem0 get)" 1
	kill "$child"
}

test_sem_p_waits_for_v() {
	need sem0
	sem_keep
	kipc sem sem0 set 0 || fail "set failed"
	"$KIPC" sem sem0 p >"$tmp/bg" 2>&1 &
	pid=$!
	wait_until "a waiter shows in /proc" proc_is sem sem0 waiters 1
	kipc sem sem0 v || fail "v failed"
	wait $pid
	check "p status" $? 0
	check "value" "$(kipc sem sem0 get)" 0
	check "waiters" "$(procval sem sem0 waiters)" 0
}

# ----------------------------------------------------------------- shm

test_shm_size_matches_proc() {
	need shm0
	run kipc shm shm0 size
	expect_rc 0
	expect_out "$(procval shm shm0 size)"
}

test_shm_write_then_read() {
	need shm0
	shm_save
	run kipc shm shm0 write --offset 100 hello
	expect_rc 0
	expect_no_out
	expect_no_err
	run kipc shm shm0 read --offset 100 --length 5
	expect_rc 0
	expect_out hello
	printf 'x\0y\n' | kipc shm shm0 write --offset 4k - || fail "write - failed"
	kipc shm shm0 read --offset 4096 --length 4 >"$tmp/got"
	printf 'x\0y\n' | cmp -s - "$tmp/got" || fail "stdin bytes differ"
}

test_shm_read_stops_at_trailing_zeros() {
	need shm0
	shm_save
	head -c "$shm_size" /dev/zero | kipc shm shm0 write - || fail "clear failed"
	kipc shm shm0 write abc || fail "write failed"
	kipc shm shm0 write --offset 10 d || fail "write failed"
	kipc shm shm0 read >"$tmp/got"
	printf 'abc\0\0\0\0\0\0\0d' | cmp -s - "$tmp/got" || fail "read gave $(od -c "$tmp/got")"
	kipc shm shm0 read --offset 11 --length 3 >"$tmp/got"
	check "explicit length" "$(wc -c <"$tmp/got")" 3
}

test_shm_write_past_end_enospc() {
	local size

	need shm0
	shm_save
	size=$shm_size
	head -c 8 /dev/zero | kipc shm shm0 write --offset $((size - 8)) - ||
		fail "clear failed"
	run kipc shm shm0 write --offset $((size - 2)) abc
	expect_error "kipc: shm0: No space left on device (2 bytes fit at offset $((size - 2)) of $size)"
	kipc shm shm0 read --offset $((size - 2)) --length 2 >"$tmp/got"
	printf '\0\0' | cmp -s - "$tmp/got" || fail "a refused write changed the segment"
	run kipc shm shm0 write --offset "$size" x
	expect_rc 1
	expect_err_start "kipc: shm0: No space left on device"
}

test_shm_read_past_end_fails() {
	local size

	need shm0
	size=$(kipc shm shm0 size)
	run kipc shm shm0 read --offset $((size + 1))
	expect_error "kipc: shm0: offset $((size + 1)) is past the end (size $size)"
	run kipc shm shm0 read --offset "$size"
	expect_rc 0
	expect_no_out
}

test_shm_resize_rounds_and_keeps() {
	need shm0
	shm_save
	kipc shm shm0 write keep || fail "write failed"
	run kipc shm shm0 size 5000
	expect_rc 0
	expect_out 8192
	check "/proc size" "$(procval shm shm0 size)" 8192
	run kipc shm shm0 read --length 4
	expect_out keep
}

test_shm_resize_zero_or_over_max_einval() {
	local max

	need shm0
	shm_save
	max=$(cat /sys/module/kipc/parameters/shm_max)
	run kipc shm shm0 size 0
	expect_error "kipc: shm0: Invalid argument"
	run kipc shm shm0 size $((max + 4096))
	expect_error "kipc: shm0: Invalid argument"
	check "size" "$(kipc shm shm0 size)" "$shm_size"
}

# A mapping (python3's mmap) and the tool see the same bytes; a mapped
# segment cannot be resized.
test_shm_mapped_shared_and_not_resizable() {
	need shm0
	shm_save
	trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; shm_restore' EXIT
	python3 -c '
import mmap, os, sys, time
fd = os.open("/dev/kipc/shm0", os.O_RDWR)
m = mmap.mmap(fd, 4096, mmap.MAP_SHARED)
m[0:7] = b"mapped!"
print("ok", flush=True)
time.sleep(1000)' >"$tmp/py" &
	pid=$!
	wait_until "python3 has mapped shm0" grep -q ok "$tmp/py"
	check "nattch" "$(procval shm shm0 nattch)" 1
	run kipc shm shm0 read --length 7
	expect_out "mapped!"
	run kipc shm shm0 size 8192
	expect_error "kipc: shm0: Device or resource busy"
	kill $pid
	wait $pid 2>/dev/null
	check "nattch after" "$(procval shm shm0 nattch)" 0
}

# -------------------------------------------------------------- notify

test_notify_pipe_sigkill_einval() {
	need_notify pipe0
	expect_error "kipc: pipe0: Invalid argument"
}

test_notify_msg_sigkill_einval() {
	need msg0
	need_notify msg0
	expect_error "kipc: msg0: Invalid argument"
}

test_notify_pipe_names_writer_and_bytes() {
	local i

	need_notify pipe3
	"$KIPC" notify pipe3 --signal USR1 --count 1 >"$tmp/bg" 2>&1 &
	pid=$!
	trap 'kill $pid 2>/dev/null; exec 3>&-' EXIT
	wait_until "notify opens pipe3" proc_is pipe pipe3 readers 1
	exec 3>/dev/kipc/pipe3 || fail "cannot open pipe3"
	# Registration follows the open: write until the signal comes. Once
	# notify has exited the pipe has no reader: EPIPE, not SIGPIPE.
	trap '' PIPE
	for ((i = 0; i < 600; i++)); do
		printf ab >&3 2>/dev/null || break
		kill -0 $pid 2>/dev/null || break
		sleep 0.1
	done
	wait $pid
	check "notify status" $? 0
	check "notify output" "$(cat "$tmp/bg")" \
		"signal USR1 from pid $BASHPID uid 0: 2 bytes"
}

test_notify_msg_names_sender_and_type() {
	local spid

	need msg0
	need_notify msg0
	msg_empty
	"$KIPC" notify msg0 --count 1 >"$tmp/bg" 2>&1 &
	pid=$!
	trap 'kill $pid 2>/dev/null; msg_drain' EXIT
	wait_until "notify registers" proc_is msg msg0 notifiers 1
	"$KIPC" send msg0 5 hi &
	spid=$!
	wait $spid || fail "send failed"
	wait $pid
	check "notify status" $? 0
	check "notify output" "$(cat "$tmp/bg")" \
		"signal RTMIN from pid $spid uid 0: type 5"
	check "notifiers" "$(procval msg msg0 notifiers)" 0
}

test_notify_msg_type_filter_and_count() {
	need msg0
	need_notify msg0
	msg_empty
	"$KIPC" notify msg0 --type 3 --count 2 --signal RTMIN+1 >"$tmp/bg" 2>&1 &
	pid=$!
	trap 'kill $pid 2>/dev/null; msg_drain' EXIT
	wait_until "notify registers" proc_is msg msg0 notifiers 1
	for t in 2 3 4 1 3; do
		kipc send msg0 $t x || fail "send failed"
	done
	wait $pid
	check "notify status" $? 0
	sed 's/from pid [0-9]*/from pid P/' "$tmp/bg" >"$tmp/got"
	check "notify output" "$(cat "$tmp/got")" "signal RTMIN+1 from pid P uid 0: type 3
signal RTMIN+1 from pid P uid 0: type 3"
}

# -------------------------------------------------- module not loaded

# Last: unloads kipc and loads it again as it was.
test_module_not_loaded() {
	args=$(tr , ' ' <<<"${KIPC_KO_ARGS:-}")
	[ -r "$KO" ] || skip "no kipc.ko at $KO"
	rmmod kipc 2>"$tmp/err" || skip "cannot unload kipc: $(cat "$tmp/err")"
	# shellcheck disable=SC2086
	trap 'grep -q "^kipc " /proc/modules || insmod "$KO" $args' EXIT
	run kipc ls
	expect_error "kipc: kipc module not loaded"
	run kipc ls --json
	expect_error "kipc: kipc module not loaded"
	run kipc pipe pipe0 size
	expect_error "kipc: pipe0: kipc module not loaded"
	run kipc recv /dev/kipc/msg0
	expect_error "kipc: /dev/kipc/msg0: kipc module not loaded"
	run kipc mk pipe tool-x
	expect_error "kipc: kipc module not loaded"
	run kipc rm tool-x
	expect_error "kipc: kipc module not loaded"
	# shellcheck disable=SC2086
	insmod "$KO" $args || fail "cannot load $KO again"
	run kipc pipe pipe0 size
	expect_rc 0
}

# --------------------------------------------------------------- main

ktap_main "$KIPC"
