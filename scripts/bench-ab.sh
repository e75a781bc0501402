#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make bench-ab, in the VM: two builds of kipc.ko in one boot, A and B,
# each loaded in turn AB_N times (A, B, A, B, ...) and measured by
# kipc-bench against the kernel's IPC. A row's kipc/kernel ratio under B
# over the same row's under A, per turn, is what B costs or gains; the
# kernel side cancels the drift of the host between turns. AB_A=AB_B is
# the A/A control: how far apart two turns of one build come out.
# On the host: scripts/bench-ab.sh --table LOG prints the table.
set -u

if [ "${1:-}" = --table ]; then
	exec python3 - "$2" <<-'EOF'
		import json, re, sys, statistics
		log = open(sys.argv[1], errors="replace").read().replace("\r", "")
		runs = {}
		for m in re.finditer(r"AB-BEGIN ([AB]) (\d+)\n(.*?)AB-END \1 \2", log, re.S):
		    t = m.group(3)
		    runs[(m.group(1), int(m.group(2)))] = json.loads(t[t.index("{"):t.rindex("}") + 1])
		turns = sorted({i for _, i in runs if ("A", i) in runs and ("B", i) in runs})
		if not turns:
		    sys.exit("bench-ab: no complete turn in " + sys.argv[1])
		rows = lambda d: {(r["workload"], r["kernel_side"]): r for r in d["rows"]}
		print("B/A of kipc's ratio to the kernel, per turn, and the median (%d turns)" % len(turns))
		for k in rows(runs[("A", turns[0])]):
		    q = [rows(runs[("B", i)])[k]["ratio"] / rows(runs[("A", i)])[k]["ratio"]
		         for i in turns if rows(runs[("A", i)])[k].get("ratio")
		         and rows(runs[("B", i)]).get(k, {}).get("ratio")]
		    if q:
		        print("%-26s %-17s %s  median %.3f" % (k[0], k[1],
		              " ".join("%.3f" % x for x in q), statistics.median(q)))
	EOF
fi

A=${AB_A:?AB_A: the first kipc.ko}
B=${AB_B:-$KIPC_ROOT/kmod/kipc.ko}
# shellcheck disable=SC2086
for i in $(seq 1 "${AB_N:-4}"); do
	for side in A B; do
		ko=$A
		[ "$side" = B ] && ko=$B
		rmmod kipc && insmod "$ko" || exit 1
		echo "AB-BEGIN $side $i"
		"$KIPC_ROOT/bench/kipc-bench" --json \
			${AB_ARGS:---only pipe --only msg --only sem --rounds 11 --time 0.05} ||
			exit 1
		echo "AB-END $side $i"
	done
done
