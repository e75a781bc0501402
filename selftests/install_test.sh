#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make install and make uninstall into a DESTDIR (PREFIX=/usr), as a
# packager runs them: the files land where they should, a program builds
# against the installed libkipc with `pkg-config --cflags --libs libkipc`
# alone and runs with the installed libkipc.so.0, the library exports only
# the kipc_* calls of <kipc/kipc.h>, and uninstall removes exactly what
# install put there. Runs in the VM, where the tree is read-only: install
# must not build. Prints KTAP.

set -u
# shellcheck source=selftests/lib.sh
. "$(dirname "$0")/lib.sh"
root=$(cd "$here/.." && pwd)

# What install must put under DESTDIR (PREFIX=/usr), one path a line.
expected_files() {
	local m
	printf '%s\n' /usr/bin/kipc /usr/bin/kipc-bench \
		/usr/libexec/kipc/kipc-bench /usr/libexec/kipc/svg.py \
		/usr/lib/libkipc.so.0.2 /usr/lib/libkipc.so.0 /usr/lib/libkipc.so \
		/usr/lib/libkipc.a /usr/lib/pkgconfig/libkipc.pc \
		/usr/lib/libkipc-preload.so \
		/usr/include/kipc/kipc.h /usr/include/linux/kipc.h
	for m in "$root"/man/*.[137]; do
		[ -e "$m" ] || continue
		echo "/usr/share/man/man${m##*.}/${m##*/}"
	done
}

# Files and links under DESTDIR $1, as absolute paths without it.
installed_files() {
	(cd "$1" && find . \( -type f -o -type l \) | sed 's|^\.||')
}

# install_to DIR: make install DESTDIR=DIR PREFIX=/usr, which must work.
install_to() {
	run make -s -C "$root" install DESTDIR="$1" PREFIX=/usr
	expect_rc 0
}

# pkg-config for what is installed under DESTDIR $1 only.
pc() {
	local dest=$1
	shift
	PKG_CONFIG_PATH='' PKG_CONFIG_LIBDIR="$dest/usr/lib/pkgconfig" \
		PKG_CONFIG_SYSROOT_DIR="$dest" PKG_CONFIG_ALLOW_SYSTEM_CFLAGS=1 \
		PKG_CONFIG_ALLOW_SYSTEM_LIBS=1 pkg-config "$@"
}

# ---------------------------------------------------------------- tests

test_install_puts_every_file_in_place() {
	local dest=$tmp/dest
	install_to "$dest"
	check "installed files" "$(installed_files "$dest" | sort)" \
		"$(expected_files | sort)"
	check "libkipc.so.0" "$(readlink "$dest/usr/lib/libkipc.so.0")" \
		libkipc.so.0.2
	check "libkipc.so" "$(readlink "$dest/usr/lib/libkipc.so")" \
		libkipc.so.0.2
	cmp -s "$root/lib/include/kipc/kipc.h" "$dest/usr/include/kipc/kipc.h" ||
		fail "installed kipc/kipc.h differs from the tree's"
	cmp -s "$root/include/uapi/linux/kipc.h" "$dest/usr/include/linux/kipc.h" ||
		fail "installed linux/kipc.h differs from the tree's"
	[ -x "$dest/usr/bin/kipc" ] || fail "bin/kipc is not executable"
}

test_kipc_bench_finds_svg_py_beside_it() {
	local dest=$tmp/dest
	install_to "$dest"
	# kipc runs kipc-bench from its own directory; kipc-bench runs svg.py
	# from the directory of /proc/self/exe, the link's target.
	check "bin/kipc-bench" "$(readlink -f "$dest/usr/bin/kipc-bench")" \
		"$dest/usr/libexec/kipc/kipc-bench"
	[ -x "$dest/usr/libexec/kipc/svg.py" ] || fail "svg.py not executable"
}

test_tool_needs_no_installed_library() {
	local dest=$tmp/dest
	install_to "$dest"
	run ldd "$dest/usr/bin/kipc"
	! grep -q libkipc "$tmp/out" || fail "kipc links with a shared libkipc"
	run "$dest/usr/bin/kipc" pipe pipe0 size
	expect_rc 0
	expect_out "$(procval pipe pipe0 size)"
}

test_pkg_config_gives_the_installed_paths() {
	local dest=$tmp/dest flags
	install_to "$dest"
	flags=$(pc "$dest" --cflags --libs libkipc) || fail "pkg-config failed"
	# pkgconf ends the line with a space.
	check "pkg-config --cflags --libs" "${flags% }" \
		"-I$dest/usr/include -L$dest/usr/lib -lkipc"
	run pc "$dest" --modversion libkipc
	expect_out "$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$root/dkms.conf")"
}

test_example_builds_and_runs_on_the_installed_library() {
	local dest=$tmp/dest src flags
	install_to "$dest"
	# The textbook pipe + fork scene, as examples/ has it.
	src=$root/examples/pipe-fork.c
	flags=$(pc "$dest" --cflags --libs libkipc) || fail "no pkg-config flags"
	# shellcheck disable=SC2086 # the flags are words
	run gcc -o "$tmp/pipe-fork" "$src" $flags
	expect_rc 0
	run readelf -d "$tmp/pipe-fork"
	grep -q 'NEEDED.*\[libkipc\.so\.0\]' "$tmp/out" ||
		fail "pipe-fork does not need libkipc.so.0"
	run env LD_LIBRARY_PATH="$dest/usr/lib" ldd "$tmp/pipe-fork"
	grep -q "libkipc\.so\.0 => $dest/usr/lib/libkipc\.so\.0 " "$tmp/out" ||
		fail "ldd does not find libkipc.so.0 in DESTDIR"
	run env LD_LIBRARY_PATH="$dest/usr/lib" "$tmp/pipe-fork"
	expect_rc 0
	expect_out "line 1 from the parent
line 2 from the parent
line 3 from the parent
child: end of file after 69 bytes
parent: child exited with 0"
}

test_shared_library_exports_only_the_headers_calls() {
	local dest=$tmp/dest so declared exported
	install_to "$dest"
	so=$dest/usr/lib/libkipc.so.0.2
	run readelf -d "$so"
	grep -q 'SONAME.*\[libkipc\.so\.0\]' "$tmp/out" || fail "soname is not libkipc.so.0"
	# Defined dynamic symbols, less the version node (type A).
	exported=$(nm -D --defined-only "$so" | awk '$2 != "A" { print $3 }' |
		sed 's/@.*//' | sort)
	# Every call the header declares (not its static inline helpers).
	declared=$(grep -E '^[a-z].*[ *]kipc_[a-z_]+\(' "$root/lib/include/kipc/kipc.h" |
		grep -v '^static' | grep -oE 'kipc_[a-z_]+\(' | tr -d '(' | sort)
	[ -n "$declared" ] || fail "no call found in kipc.h"
	check "exported symbols" "$exported" "$declared"
}

test_uninstall_removes_exactly_what_install_installed() {
	local dest=$tmp/dest
	# Someone else's files, in the same directories, stay.
	mkdir -p "$dest/usr/lib" "$dest/usr/include/kipc" "$dest/usr/bin"
	echo other >"$dest/usr/lib/libother.so.1"
	echo other >"$dest/usr/include/kipc/other.h"
	echo other >"$dest/usr/bin/other"
	install_to "$dest"
	run make -s -C "$root" uninstall DESTDIR="$dest" PREFIX=/usr
	expect_rc 0
	check "files left" "$(installed_files "$dest" | sort)" \
		"$(printf '%s\n' /usr/bin/other /usr/include/kipc/other.h \
			/usr/lib/libother.so.1 | sort)"
	# Its own directories go once empty.
	[ ! -e "$dest/usr/libexec/kipc" ] || fail "libexec/kipc left behind"
}

test_uninstall_of_nothing_installed_succeeds() {
	run make -s -C "$root" uninstall DESTDIR="$tmp/empty" PREFIX=/usr
	expect_rc 0
	[ ! -e "$tmp/empty" ] || [ -z "$(installed_files "$tmp/empty")" ] ||
		fail "uninstall made files"
}

ktap_main "$KIPC" "$root/lib/libkipc.so.0.2" "$root/bench/kipc-bench"
