#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make lint: checkpatch --strict, sparse (C=2) with W=1 warnings, and the
# kernel's .clang-format, on kipc's own sources. Exits non-zero on any finding.
# Usage: lint.sh KDIR KSRC KERNEL-FILES... -- USER-FILES...
set -u
kdir=$1 ksrc=$2
shift 2
kfiles=() ufiles=()
while [ $# -gt 0 ] && [ "$1" != -- ]; do kfiles+=("$1"); shift; done
[ $# -gt 0 ] && shift
ufiles=("$@")
root=$(cd "$(dirname "$0")/.." && pwd)
status=0

step() { printf '== %s\n' "$*"; }

step "checkpatch --strict"
for f in "${kfiles[@]}"; do
	ignore=
	# compat.h exists to hold the version tests checkpatch otherwise forbids.
	[ "$(basename "$f")" = compat.h ] && ignore="--ignore LINUX_VERSION_CODE,CONSTANT_COMPARISON"
	# trace.h is laid out as the kernel's trace headers are: TRACE_EVENT's
	# TP_STRUCT__entry( and TP_fast_assign( open a block, TP_PROTO is
	# indented under the event, not aligned with its parenthesis.
	[ "$(basename "$f")" = trace.h ] && ignore="--ignore OPEN_ENDED_LINE,PARENTHESIS_ALIGNMENT"
	# shellcheck disable=SC2086
	perl "$ksrc/scripts/checkpatch.pl" --strict --no-tree --quiet --show-types \
		$ignore -f "$f" || status=1
done
# Userspace (tool, selftests): libc types and harness macros are normal there.
for f in "${ufiles[@]}"; do
	perl "$ksrc/scripts/checkpatch.pl" --strict --no-tree --quiet --show-types \
		--ignore PREFER_KERNEL_TYPES,NEW_TYPEDEFS,MACRO_WITH_FLOW_CONTROL \
		-f "$f" || status=1
done

step "sparse (C=2) and W=1"
out=$(make -s -C "$kdir" M="$root/kmod" C=2 W=1 modules 2>&1)
if echo "$out" | grep -E 'warning|error'; then
	status=1
fi

step "clang-format (the kernel's .clang-format)"
if ! clang-format --dry-run --Werror --style="file:$ksrc/.clang-format" \
	"${kfiles[@]}" "${ufiles[@]}"; then
	echo "run 'make format' to apply"
	status=1
fi

step "README.md's Layout names every file"
"$root/scripts/check-layout.sh" || status=1

[ $status = 0 ] && step "lint clean" || step "lint FAILED"
exit $status
