#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# README.md's Layout section names every file in the tree: each tracked
# file must appear there, as its path or matched by a glob written there
# (selftests/msg_*_test.c). Prints what is missing; exits 1 if anything is.
set -u
cd "$(dirname "$0")/.." || exit 2

layout=$(sed -n '/^## Layout$/,/^## /p' README.md)
# The first word of each indented line: a path or a glob.
mapfile -t entries < <(sed -n 's/^    \([^ ][^ ]*\).*/\1/p' <<<"$layout")

missing=0
while IFS= read -r f; do
	case $f in
	.gitignore | */.gitignore) continue ;;
	esac
	found=0
	for e in "${entries[@]}"; do
		# shellcheck disable=SC2053
		if [[ $f == $e ]]; then
			found=1
			break
		fi
	done
	if [ $found = 0 ]; then
		echo "README.md Layout does not name $f"
		missing=1
	fi
done < <(git ls-files)
exit $missing
