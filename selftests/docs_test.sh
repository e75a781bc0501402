#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The documentation builds without a warning: Sphinx (the kernel's doc
# tool) over Documentation/ with every warning an error, as `make lint`
# runs it, into a scratch directory. The internals guide's diagrams come
# out as SVG, its quotes of the code fail the build when what they name
# is gone, and kernel-doc renders the uapi header. Prints KTAP. Needs
# sphinx-build and dot (make deps) and the kernel's kernel-doc that `make`
# extracts into build/linux-doc, but no module and no root: `make check`
# runs it on the host (selftests/Makefile's HOST_TESTS), not in the VM.

set -u
# shellcheck source=selftests/lib.sh
. "$(dirname "$0")/lib.sh"
top=$(cd "$here/.." && pwd)
KDOC=${KIPC_KDOC:-$top/build/linux-doc}

# sphinx_build SRCDIR OUT: the docs of SRCDIR into OUT, as make lint does.
sphinx_build() {
	run env KIPC_KDOC="$KDOC" sphinx-build -b html -q -E -W --keep-going \
		-d "$tmp/doctrees-$(basename "$2")" "$1" "$2"
}

needs_tools() {
	command -v sphinx-build >/dev/null || skip "no sphinx-build (make deps)"
	command -v dot >/dev/null || skip "no dot (make deps)"
}

# The tree's docs, built once for the tests that look at the result.
built() {
	needs_tools
	[ -f "$tmp/html/index.html" ] && return
	sphinx_build "$top/Documentation" "$tmp/html"
	expect_rc 0
}

test_docs_build_without_warnings() {
	needs_tools
	sphinx_build "$top/Documentation" "$tmp/html"
	expect_rc 0
	expect_no_err
	[ -f "$tmp/html/internals/index.html" ] || fail "no internals guide"
}

# Every graphviz directive of the guide is an SVG image in the HTML.
test_diagrams_are_svg() {
	built
	python3 - "$top/Documentation/internals" "$tmp/html" <<-'EOF' ||
		import glob, os, re, sys
		import xml.etree.ElementTree as ET
		src, html = sys.argv[1], sys.argv[2]
		for rst in sorted(glob.glob(os.path.join(src, "*.rst"))):
		    want = re.findall(r"^\.\. graphviz:: (\S+)$", open(rst).read(), re.M)
		    page = os.path.join(html, "internals",
		                        os.path.basename(rst)[:-4] + ".html")
		    got = re.findall(r'data="(\.\./_images/graphviz-[0-9a-f]+\.svg)"',
		                     open(page).read())
		    assert len(got) == len(want), (rst, want, got)
		    for svg in got:
		        root = ET.parse(os.path.join(os.path.dirname(page), svg)).getroot()
		        assert root.tag == "{http://www.w3.org/2000/svg}svg", svg
		assert glob.glob(os.path.join(src, "*.dot")), "no .dot sources"
	EOF
		fail "a diagram of the guide is not an SVG image"
}

# A quote of a function that is not in the code any more fails the build
# (a small project with the guide's extension, not the whole docs again).
test_stale_quote_fails_the_build() {
	needs_tools
	mkdir -p "$tmp/stale"
	ln -s "$top/kmod" "$tmp/stale/kmod"
	cat >"$tmp/stale/conf.py" <<-EOF
		import sys
		sys.path.insert(0, "$top/Documentation/sphinx")
		extensions = ["kipc_source"]
		master_doc = "index"
	EOF
	printf '%s\n' Stale ===== '' \
		".. literalinclude:: kmod/pipe.c" \
		'   :function: kipc_pipe_gone' >"$tmp/stale/index.rst"
	sphinx_build "$tmp/stale" "$tmp/stale-html"
	[ "$rc" != 0 ] || fail "the build passed with a stale quote"
	grep -q "function 'kipc_pipe_gone' not found" "$tmp/err" ||
		fail "expected the missing function named on stderr"
}

test_kernel_doc_renders_the_uapi_header() {
	built
	grep -q 'struct kipc_msg_vec' "$tmp/html/userspace-api/kipc.html" ||
		fail "no kernel-doc of struct kipc_msg_vec in userspace-api/kipc.html"
}

ktap_host=1
ktap_main "$KDOC/scripts/kernel-doc"
