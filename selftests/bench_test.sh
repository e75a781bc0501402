#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kipc-bench, the benchmark, run in the VM against the loaded module: smoke
# runs only (every row printed, JSON that parses, node state put back),
# its usage errors, `kipc bench` as its front door, and the chart that
# svg.py draws from its JSON. Timing is judged by `make bench`, never here.
# Prints KTAP. Runs as root.
#
# The benchmark is $KIPC_BENCH, else ../bench/kipc-bench next to this
# directory, with svg.py beside it; the tool is $KIPC (see lib.sh).

set -u
# shellcheck source=selftests/lib.sh
. "$(dirname "$0")/lib.sh"
KIPC_BENCH=${KIPC_BENCH:-$here/../bench/kipc-bench}
bench_dir=$(cd "$(dirname "$KIPC_BENCH")" && pwd)
SVG=$bench_dir/svg.py

bench() { "$KIPC_BENCH" "$@"; }

# ------------------------------------------------------------- helpers

# The front door runs kipc-bench from PATH (or from its own directory).
kipc_on_path() { PATH=$bench_dir:$PATH "$KIPC" "$@"; }

# svg_check SVG JSON: SVG is well-formed SVG with one labelled row, and a
# ratio or "n/a", per row of the kipc-bench JSON document JSON.
svg_check() {
	python3 - "$1" "$2" <<-'EOF' || fail "$1 is not the chart of $2"
		import json, sys
		import xml.etree.ElementTree as ET
		ns = "{http://www.w3.org/2000/svg}"
		root = ET.parse(sys.argv[1]).getroot()
		assert root.tag == ns + "svg", root.tag
		texts = [t.text for t in root.iter(ns + "text")]
		rows = json.load(open(sys.argv[2]))["rows"]
		assert rows, "no rows"
		for r in rows:
		    label = "%s vs %s" % (r["workload"], r["kernel_side"])
		    assert texts.count(label) == 1, (label, texts)
		bars = [e for e in root.iter(ns + "rect") if e.get("height") == "14"]
		ok = [r for r in rows if r["ratio"] is not None]
		assert len(bars) == len(ok), (len(bars), len(ok))
		na = [t for t in texts if t.startswith("n/a (")]
		assert len(na) == len(rows) - len(ok), na
	EOF
}

# ----------------------------------------------------------- front door

test_help_lists_bench() {
	run kipc --help
	expect_rc 0
	expect_no_err
	grep -q "^  kipc bench " "$tmp/out" || fail "kipc bench missing from --help"
}

test_help_through_the_front_door() {
	run kipc_on_path bench --help
	expect_rc 0
	expect_no_err
	case $(head -n 1 "$tmp/out") in
	"usage: kipc bench"*) ;;
	*) fail "kipc bench --help does not start with its usage" ;;
	esac
	bench --help >"$tmp/direct" || fail "kipc-bench --help failed"
	cmp -s "$tmp/out" "$tmp/direct" ||
		fail "kipc bench --help differs from kipc-bench --help"
	run bench --help
	expect_rc 0
	expect_no_err
}

test_front_door_passes_arguments_and_status() {
	run bench --reps many
	expect_usage_error
	cp "$tmp/err" "$tmp/direct"
	run kipc_on_path bench --reps many
	expect_usage_error
	cmp -s "$tmp/err" "$tmp/direct" ||
		fail "kipc bench and kipc-bench say different things"
}

# Next to kipc comes first: a copy of kipc with kipc-bench beside it, and
# no kipc-bench on PATH.
test_front_door_finds_kipc_bench_next_to_kipc() {
	mkdir "$tmp/bin" || fail "mkdir failed"
	cp "$KIPC" "$tmp/bin/kipc" || fail "cp failed"
	ln -s "$KIPC_BENCH" "$tmp/bin/kipc-bench" || fail "ln failed"
	run env PATH=/usr/sbin:/usr/bin:/sbin:/bin "$tmp/bin/kipc" bench --help
	expect_rc 0
	expect_no_err
	grep -q "^usage: kipc bench" "$tmp/out" || fail "no usage from kipc-bench"
}

test_front_door_without_kipc_bench_fails() {
	run env PATH=/usr/sbin:/usr/bin:/sbin:/bin "$KIPC" bench --help
	expect_error "kipc: bench: cannot run kipc-bench: No such file or directory"
}

# ------------------------------------------------------------ the bench

# A smoke run only: it runs, prints every row with figures on both sides,
# and exits 0.
test_bench_quick_prints_every_row() {
	local row

	run bench --quick
	expect_rc 0
	expect_no_err
	for row in "pipe0 4 KiB writes" "pipe0 64 KiB writes" \
		"msg0 64 B messages" "msg0 64 B, 32 per call" \
		"msg0 64 B, typed ioctl" \
		"sem0/1 round trip" "shm0 4 MiB write" \
		"shm0 4 MiB read" "shm0 4 MiB 1st touch" "msg0 notify latency" \
		"pipe0 notify latency" "sort | gzip -1 | sha256sum 1 MiB"; do
		grep -q "^$row" "$tmp/out" || fail "no row '$row'"
	done
	# Three backlogs (smaller ones in --quick).
	[ "$(grep -c "^msg0 typed, [0-9]* queued" "$tmp/out")" = 3 ] ||
		fail "not three typed-receive rows"
	# The memcpy ceiling: one row per pipe size, one per shm rate.
	[ "$(grep -c " memcpy, 1 proc " "$tmp/out")" = 4 ] ||
		fail "not four memcpy rows"
	grep -q "^pipe0 64 KiB writes *pipe(2) .*>= 1.3 \(met\|not met\)$" \
		"$tmp/out" || fail "the 64 KiB pipe row has no verdict"
	! grep -q "n/a" "$tmp/out" || fail "a side did not run"
}

# --only pipeline: the shell pipeline under kipc run against sh on
# pipe(2), and nothing else.
test_bench_only_pipeline() {
	run bench --quick --json --only pipeline
	expect_rc 0
	python3 - "$tmp/out" <<-'EOF' || fail "--only pipeline ran the wrong rows"
		import json, sys
		d = json.load(open(sys.argv[1]))
		rows = [(r["workload"], r["kipc_side"], r["kernel_side"])
			for r in d["rows"]]
		assert rows == [("sort | gzip -1 | sha256sum 1 MiB", "kipc run",
				 "sh, pipe(2)")], rows
		r = d["rows"][0]
		assert r["ratio"] > 0, r
		# Seconds per pipeline of 1 MiB: more than nothing, less
		# than the test's own time-out.
		assert 0 < r["kipc"]["median"] < 300, r
		assert 0 < r["kernel"]["median"] < 300, r
	EOF
}

test_bench_json_parses() {
	run bench --quick --json --only sem
	expect_rc 0
	python3 - "$tmp/out" <<-'EOF' || fail "kipc-bench --json is wrong"
		import json, sys
		d = json.load(open(sys.argv[1]))
		assert d["quick"] is True
		assert d["rows"], "no rows"
		assert all(r["ratio"] > 0 for r in d["rows"]), d["rows"]
	EOF
}

test_bench_bad_option_is_usage_error() {
	run bench --reps many
	expect_usage_error
	run bench --only frobnicate
	expect_usage_error
}

# --rounds N: N alternating rounds, a ratio per round, and the median of
# those with the order-statistics interval the binomial gives for N.
test_bench_json_intervals() {
	run bench --json --only sem --rounds 11 --time 0.01
	expect_rc 0
	python3 - "$tmp/out" <<-'EOF' || fail "the intervals in --json are wrong"
		import json, sys
		from math import comb
		d = json.load(open(sys.argv[1]))
		assert d["rounds"] == 11 and d["quick"] is False, d["rounds"]
		# Largest k with P(B <= k) <= 0.025, B ~ Binomial(11, 1/2): 1.
		n = 11
		k = max(i for i in range(n // 2)
			if sum(comb(n, j) for j in range(i + 1)) / 2**n <= 0.025)
		assert k == 1, k
		for r in d["rows"]:
		    rs = r["ratios"]
		    assert r["pairs"] == n == len(rs), r
		    assert rs == sorted(rs), rs
		    assert r["ratio"] == rs[n // 2], r
		    assert r["ratio_low"] == rs[k], r
		    assert r["ratio_high"] == rs[n - 1 - k], r
		    assert abs(r["confidence"] - (1 - 2 * 12 / 2**11)) < 1e-3, r
		    # A ratio per round, from that round's two runs. Runs and
		    # ratios are printed to 6 digits: three roundings of at
		    # most 5e-6 each, so 1.5e-5 apart at most.
		    t = r["lower_is_better"]
		    mine = sorted((b / a if t else a / b) for a, b in
				  zip(r["kipc"]["runs"], r["kernel"]["runs"]))
		    assert all(abs(x - y) <= 1.6e-5 * y for x, y in zip(mine, rs))
		    if r["target"] is not None:
		        assert r["met"] == (r["ratio_low"] >= r["target"]), r
		    assert r["ceiling"] is None, r
	EOF
}

# The pipe and shm rates, as fractions of the memcpy ceiling: half of
# memcpy for a pipe (each byte copied twice), memcpy itself for shm.
test_bench_json_ceilings() {
	run bench --quick --json --only pipe --only shm
	expect_rc 0
	python3 - "$tmp/out" <<-'EOF' || fail "the ceilings in --json are wrong"
		import json, sys
		d = json.load(open(sys.argv[1]))
		refs = {r["workload"]: r for r in d["references"]}
		assert sorted(refs) == ["pipe0 4 KiB writes", "pipe0 64 KiB writes",
					"shm0 4 MiB read", "shm0 4 MiB write"], refs
		for r in d["rows"]:
		    c = r["ceiling"]
		    if r["workload"].endswith("1st touch"):
		        assert c is None, r
		        continue
		    ref = refs[r["workload"]]
		    div = 2 if r["workload"].startswith("pipe") else 1
		    assert ref["ceiling_divisor"] == div, ref
		    assert c["of"] == ("memcpy/2" if div == 2 else "memcpy"), c
		    want = ref["memcpy"]["median"] / div
		    assert abs(c["value"] - want) <= 1e-4 * want, (c, want)
		    for side, frac in (("kipc", "kipc_fraction"),
				       ("kernel", "kernel_fraction")):
		        f = r[side]["median"] / c["value"]
		        assert abs(c[frac] - f) <= 1e-3 * f, (c, f)
	EOF
}

# Each shm run resizes shm0 and frees its pages at the end (see shm_run()
# in bench/shm.c); the bench puts the size and the contents back when it
# ends.
test_bench_leaves_shm0_as_found() {
	need shm0
	shm_save
	kipc shm shm0 size 12288 >/dev/null || fail "resize failed"
	printf 'before the bench' | kipc shm shm0 write --offset 5000 - ||
		fail "write failed"
	kipc shm shm0 read --length 12288 >"$tmp/before" || fail "read failed"
	run bench --quick --only shm
	expect_rc 0
	check "size after the bench" "$(kipc shm shm0 size)" 12288
	kipc shm shm0 read --length 12288 >"$tmp/after" || fail "read failed"
	cmp -s "$tmp/before" "$tmp/after" || fail "the bench changed shm0"
}

# ---------------------------------------------------------------- chart

# svg.py turns what --json prints into the chart, from a file or stdin.
test_chart_from_json_is_svg() {
	run bench --quick --json --only sem
	expect_rc 0
	cp "$tmp/out" "$tmp/bench.json"
	run "$SVG" "$tmp/bench.json"
	expect_rc 0
	expect_no_err
	svg_check "$tmp/out" "$tmp/bench.json"
	# Each ratio is printed with its interval.
	python3 - "$tmp/out" "$tmp/bench.json" <<-'EOF' || fail "no intervals"
		import json, re, sys
		import xml.etree.ElementTree as ET
		texts = [t.text for t in ET.parse(sys.argv[1]).getroot().iter(
		    "{http://www.w3.org/2000/svg}text")]
		rows = json.load(open(sys.argv[2]))["rows"]
		ok = [r for r in rows if r["ratio"] is not None]
		pat = re.compile(r"^[0-9.]+ \[[0-9.]+-[0-9.]+\]( met| not met)?$")
		got = [t for t in texts if t and pat.match(t)]
		assert len(got) == len(ok), (got, ok)
	EOF
	"$SVG" <"$tmp/bench.json" >"$tmp/stdin.svg" || fail "svg.py <JSON failed"
	cmp -s "$tmp/out" "$tmp/stdin.svg" || fail "stdin gave another chart"
}

# A row without a ratio says why; a target gets its tick.
test_chart_of_na_row_and_target() {
	cat >"$tmp/bench.json" <<-'EOF'
		{"kernel": "k", "cpus": 1, "clock": "CLOCK_MONOTONIC", "reps": 1,
		 "run_seconds": 0.5, "quick": true, "rows": [
		  {"workload": "sem0/1 round trip", "kipc_side": "kipc sem0/1",
		   "kernel_side": "SysV semop", "unit": "us",
		   "lower_is_better": true,
		   "kipc": {"median": 90, "min": 90, "max": 90, "iterations": 5,
			    "switches_per_iteration": 2, "runs": [90]},
		   "kernel": {"median": 120, "min": 120, "max": 120,
			      "iterations": 5, "switches_per_iteration": 2,
			      "runs": [120]},
		   "ratio": 1.33333, "ratio_min": 1.1, "ratio_max": 1.5,
		   "ratio_low": 1.2, "ratio_high": 1.4, "confidence": 0.97,
		   "target": 1, "met": true},
		  {"workload": "sem0/1 round trip", "kipc_side": "kipc sem0/1",
		   "kernel_side": "POSIX sem_t", "unit": "us",
		   "lower_is_better": true,
		   "kipc": {"median": 90, "min": 90, "max": 90, "iterations": 5,
			    "switches_per_iteration": 2, "runs": [90]},
		   "kernel": {"error": "ENOSYS"},
		   "ratio": null, "target": null, "met": null}
		 ]}
	EOF
	run "$SVG" "$tmp/bench.json"
	expect_rc 0
	svg_check "$tmp/out" "$tmp/bench.json"
	grep -q '>n/a (ENOSYS)</text>' "$tmp/out" || fail "no n/a (ENOSYS)"
	grep -q '>1.33 \[1.20-1.40\] met</text>' "$tmp/out" ||
		fail "no ratio 1.33 with its interval and verdict"
	# The error bar spans the interval: a whisker with two end caps.
	[ "$(grep -c '<line [^>]*y1="[0-9]*" x2="[^"]*" y2="[0-9]*" stroke="#333"/>' \
		"$tmp/out")" = 3 ] || fail "no error bar with end caps"
	grep -q 'stroke-width="2"' "$tmp/out" || fail "no target tick"
	run "$SVG" "$tmp/nonexistent.json"
	expect_rc 1
	expect_no_out
	expect_err_start "svg.py: "
}

# --svg FILE: the table on stdout as without it, the chart in FILE.
test_bench_svg_option_draws_the_chart() {
	run bench --quick --only sem --svg "$tmp/chart.svg"
	expect_rc 0
	expect_no_err
	grep -q "^sem0/1 round trip" "$tmp/out" || fail "no table"
	[ -s "$tmp/chart.svg" ] || fail "no chart in $tmp/chart.svg"
	python3 -c 'import xml.etree.ElementTree as ET, sys
texts = [t.text for t in ET.parse(sys.argv[1]).getroot().iter("{http://www.w3.org/2000/svg}text")]
assert texts.count("sem0/1 round trip vs SysV semop") == 1, texts' \
		"$tmp/chart.svg" || fail "the chart has no sem row"
	run bench --quick --only sem --svg "$tmp/no/such/dir.svg"
	expect_rc 1
	grep -q "^kipc: bench: $tmp/no/such/dir.svg: No such file or directory" \
		"$tmp/err" || fail "no error naming the file"
}

# --------------------------------------------------------------- main

ktap_main "$KIPC" "$KIPC_BENCH"
