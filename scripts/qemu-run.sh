#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Boot Debian's kernel under QEMU, load kipc.ko and run a job in the VM
# (see guest-init.sh and guest-job.sh), with a hard time-out on the host.
#
#   qemu-run.sh --kver KVER --job check|fault|run|shell|bench [--tests "a b"]
#               [--timeout SECONDS] [--interactive] [--kernel IMAGE]
#
# --kernel boots IMAGE instead of /boot/vmlinuz-KVER (the debug kernel).
#
# TCG by default (nested KVM hangs on our machines); KIPC_KVM=1 opts in to
# KVM. KIPC_ARGS="p=v ..." passes module parameters, KIPC_ENV="K=V ..."
# environment variables to the job (shell words: KIPC_ENV="A='x y' B=z").
# They reach the guest as a file, build/vm-JOB.conf, read over 9p; the
# kernel command line carries only where to find it. The serial console is
# saved in build/vm-JOB.log, for the interactive shell too. For `check` and `fault` the last line is
# "N passed, N failed, N skipped" and the exit status is non-zero on any
# failure, kernel warning, oops, bad taint or time-out.
set -u

kver= job=check tests= timeout=1100 interactive=0 kernel=
while [ $# -gt 0 ]; do
	case $1 in
	--kver) kver=$2; shift ;;
	--job) job=$2; shift ;;
	--tests) tests=$2; shift ;;
	--timeout) timeout=$2; shift ;;
	--interactive) interactive=1 ;;
	--kernel) kernel=$2; shift ;;
	*) echo "qemu-run: unknown argument $1" >&2; exit 2 ;;
	esac
	shift
done

root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build
[ -n "$kernel" ] || kernel=/boot/vmlinuz-$kver
initrd=$build/initramfs-$kver.cpio.gz
log=$build/vm-$job.log
conf=$build/vm-$job.conf

[ -n "$kver" ] && [ -r "$kernel" ] || { echo "qemu-run: no kernel image '$kernel' (make deps)" >&2; exit 1; }
[ -r "$root/kmod/kipc.ko" ] || { echo "qemu-run: build kipc.ko first (make)" >&2; exit 1; }
case $root in *[[:space:],]*) echo "qemu-run: the project path must not contain spaces or commas" >&2; exit 1 ;; esac

mkdir -p "$build"
if [ ! -s "$initrd" ] || [ "$root/scripts/guest-init.sh" -nt "$initrd" ] ||
   [ "$root/scripts/mkinitramfs.sh" -nt "$initrd" ]; then
	"$root/scripts/mkinitramfs.sh" "$kver" "$initrd" || exit 1
fi

if [ "$job" = check ] && [ -z "$tests" ]; then
	tests=$(make -s -C "$root/selftests" KSFT_DIR="$build/linux-src/tools/testing/selftests" list-tests)
fi

# One shell word, single-quoted, for a file that sh sources.
quote() {
	printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"
}

# The job's settings: sourced by guest-init.sh (busybox sh) for the job,
# the tests and the module parameters, and by guest-job.sh, which exports
# the KIPC_ENV words to the job.
{
	echo "# Written by qemu-run.sh for one VM run; read in the guest."
	echo "export KIPC_JOB=$(quote "$job")"
	echo "export KIPC_TESTS=$(quote "$(echo $tests)")"
	echo "export KIPC_KO_ARGS=$(quote "${KIPC_ARGS:-}")"
	eval "set -- ${KIPC_ENV:-}" || { echo "qemu-run: KIPC_ENV is not a list of shell words" >&2; exit 2; }
	for kv in "$@"; do
		case $kv in
		[A-Za-z_]*=*) echo "export ${kv%%=*}=$(quote "${kv#*=}")" ;;
		*) echo "qemu-run: KIPC_ENV word '$kv' is not NAME=VALUE" >&2; exit 2 ;;
		esac
	done
} >"$conf" || exit

cmdline="console=ttyS0 loglevel=5 panic_on_warn=1 oops=panic panic=-1"
cmdline+=" hung_task_panic=1 rdinit=/init kipc.root=$root kipc.conf=${conf#"$root"/}"

accel=(-accel tcg,thread=multi -cpu max)
[ "${KIPC_KVM:-0}" = 1 ] && accel=(-accel kvm -cpu host)

qemu=(qemu-system-x86_64 "${accel[@]}" -smp 2 -m 2048 -no-reboot
      -kernel "$kernel" -initrd "$initrd" -append "$cmdline"
      -fsdev local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap
      -device virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot
      -nic none -display none -monitor none)

if [ "$interactive" = 1 ]; then
	# The console on the terminal, with QEMU's monitor behind Ctrl-A c,
	# and logged, so that the job's result is judged as below.
	"${qemu[@]}" -chardev "stdio,id=con,mux=on,signal=off,logfile=$log" \
		-serial chardev:con -mon chardev=con
	qrc=$?
else
	# A boot that dies without a result before the guest reaches
	# KIPC-BOOTED (just before it loads kipc.ko) failed in the kernel or
	# in TCG, not in kipc: 6.12 under TCG has been seen to oops in
	# boot-time code patching (int3 in sched_clock_cpu). Such a boot is
	# kept as $log.bootN and tried again, up to three boots.
	for boot in 1 2 3; do
		echo "qemu-run: booting $kver (${KIPC_KVM:+KVM}${KIPC_KVM:-TCG}), job $job, log $log"
		timeout -k 10 "$timeout" "${qemu[@]}" -serial stdio </dev/null 2>&1 |
			tr -d '\r' | tee "$log"
		qrc=${PIPESTATUS[0]}
		# A guest that gave a result (a set-up FAIL, say) is not retried.
		grep -aqE '^(KIPC-BOOTED$|KIPC-RESULT: )' "$log" && break
		# A time-out is not retried: three of them would take too long.
		{ [ "$qrc" = 124 ] || [ "$qrc" = 137 ] || [ "$boot" = 3 ]; } && break
		mv "$log" "$log.boot$boot"
		echo "qemu-run: the kernel died before kipc.ko was loaded; log kept in $log.boot$boot, booting again"
	done
fi

result=$(tr -d '\r' <"$log" | grep -a '^KIPC-RESULT: ' | tail -n 1)
status=0
if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
	echo "qemu-run: time-out: the VM ran longer than ${timeout}s"
	status=1
elif [ -z "$result" ]; then
	echo "qemu-run: the VM stopped without a result (panic?)"
	status=1
elif [ "${result#KIPC-RESULT: PASS}" = "$result" ]; then
	status=1
fi
if grep -aqE 'Kernel panic|WARNING:|BUG:|Oops|UBSAN:|unreferenced object' "$log"; then
	echo "qemu-run: the kernel log shows a warning, oops or panic"
	status=1
fi

if [ "$job" = check ] || [ "$job" = fault ]; then
	read -r pass fail skip < <(awk '/^# kipc-runner: .* exit=/ {
		for (i = 1; i <= NF; i++) { split($i, kv, "="); n[kv[1]] += kv[2] }
	} END { print n["pass"] + 0, n["fail"] + 0, n["skip"] + 0 }' "$log")
	ran=$(grep -ac '^# kipc-runner: .* exit=' "$log")
	want=$(echo $tests | wc -w)
	if [ "$ran" != "$want" ]; then
		echo "qemu-run: only $ran of $want test programs finished"
		fail=$((fail + want - ran))
	fi
	[ "$fail" = 0 ] || status=1
	echo "${result:-KIPC-RESULT: none}"
	echo "$pass passed, $fail failed, $skip skipped"
fi
exit $status
