#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Draw kipc-bench's ratios as an SVG chart, from its --json output.

    kipc-bench --json ... | svg.py >chart.svg
    svg.py results.json >chart.svg

One row per kipc/kernel pair: a bar of log(ratio) from 1 to the median of
the per-round ratios, right and green when kipc is faster, left and red
when it is slower; an error bar (whisker with end caps) for the 95%
interval of that median; a black tick at the row's target, and the row's
verdict (met when the interval's lower end reaches the target). kipc-bench
--svg FILE runs this with the JSON on its standard input.
"""

import json
import math
import sys
from xml.sax.saxutils import escape

SVG_W = 1120
SVG_LABEL_W = 360
SVG_PLOT_X = 370
SVG_PLOT_W = 520
SVG_ROW_H = 22
SVG_TOP = 60


def fmt_num(v):
    """A figure as kipc-bench's table prints it."""
    if v >= 100:
        return f"{v:.0f}"
    if v >= 10:
        return f"{v:.1f}"
    if v >= 1:
        return f"{v:.2f}"
    return f"{v:.3f}"


def interval(row):
    """The row's error bar: its interval, or min-max in older JSON."""
    return (row.get("ratio_low", row.get("ratio_min")),
            row.get("ratio_high", row.get("ratio_max")))


def na_reason(row):
    """Why a row has no ratio: kipc's error, else the kernel side's."""
    for side in (row["kipc"], row["kernel"]):
        err = side.get("error")
        if err and err != "no runs":
            return err
    return "-"


class Chart:
    def __init__(self, rows):
        lo, hi = 0.5, 2.0
        for r in rows:
            if r["ratio"] is None:
                continue
            low, high = interval(r)
            lo = min(lo, low)
            hi = max(hi, high, r["target"] or 0)
        self.lo = math.floor(math.log10(lo))
        self.hi = math.ceil(math.log10(hi))

    def x(self, ratio):
        l = min(max(math.log10(ratio), self.lo), self.hi)
        return SVG_PLOT_X + (l - self.lo) / (self.hi - self.lo) * SVG_PLOT_W


def svg_row(out, chart, row, y):
    x1 = chart.x(1)
    label = escape(f'{row["workload"]} vs {row["kernel_side"]}')
    out.append(f'<text x="{SVG_LABEL_W}" y="{y + 15}" '
               f'text-anchor="end">{label}</text>')
    if row["ratio"] is None:
        out.append(f'<text x="{x1 + 6:.1f}" y="{y + 15}" '
                   f'fill="#888">n/a ({escape(na_reason(row))})</text>')
        return
    ratio, t = row["ratio"], row["target"] or 0
    x = chart.x(ratio)
    colour = "#4c9a2a" if ratio >= 1 else "#c0392b"
    out.append(f'<rect x="{min(x, x1):.1f}" y="{y + 4}" '
               f'width="{abs(x - x1):.1f}" height="14" fill="{colour}"/>')
    low, high = interval(row)
    xl, xh = chart.x(low), chart.x(high)
    out.append(f'<line x1="{xl:.1f}" y1="{y + 11}" x2="{xh:.1f}" '
               f'y2="{y + 11}" stroke="#333"/>')
    for xe in (xl, xh):
        out.append(f'<line x1="{xe:.1f}" y1="{y + 6}" x2="{xe:.1f}" '
                   f'y2="{y + 16}" stroke="#333"/>')
    if t > 0:
        out.append(f'<line x1="{chart.x(t):.1f}" y1="{y + 1}" '
                   f'x2="{chart.x(t):.1f}" y2="{y + 21}" stroke="#000" '
                   f'stroke-width="2"/>')
    text = f'{fmt_num(ratio)} [{fmt_num(low)}-{fmt_num(high)}]'
    if row.get("met") is not None:
        text += " met" if row["met"] else " not met"
    out.append(f'<text x="{SVG_PLOT_X + SVG_PLOT_W + 10}" y="{y + 15}">'
               f'{escape(text)}</text>')


def svg(results):
    """The chart of kipc-bench's JSON @results, as one string."""
    rows = results["rows"]
    rounds = results.get("rounds", results.get("reps"))
    chart = Chart(rows)
    bottom = SVG_TOP + len(rows) * SVG_ROW_H
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{SVG_W}" '
        f'height="{bottom + 40}" font-family="sans-serif" font-size="12">',
        '<rect width="100%" height="100%" fill="white"/>',
        '<text x="10" y="20" font-size="15">kipc vs the kernel\'s IPC: '
        'median of per-round ratios, &gt; 1 means kipc is faster '
        '(log scale)</text>',
        f'<text x="10" y="38" fill="#555">error bars: 95% interval of the '
        f'median over {rounds} alternating round'
        f'{"" if rounds == 1 else "s"}; black ticks: targets, met when the '
        f'interval\'s lower end reaches them</text>',
    ]
    for d in range(chart.lo, chart.hi + 1):
        x = chart.x(10.0**d)
        stroke = "#000" if d == 0 else "#ccc"
        out.append(f'<line x1="{x:.1f}" y1="{SVG_TOP - 6}" x2="{x:.1f}" '
                   f'y2="{bottom}" stroke="{stroke}"/>')
        out.append(f'<text x="{x:.1f}" y="{bottom + 16}" '
                   f'text-anchor="middle">{fmt_num(10.0**d)}</text>')
    for i, row in enumerate(rows):
        svg_row(out, chart, row, SVG_TOP + i * SVG_ROW_H)
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main(argv):
    if len(argv) > 2 or (len(argv) == 2 and argv[1] in ("-h", "--help")):
        sys.stderr.write("usage: svg.py [RESULTS.json] >CHART.svg\n")
        return 2
    try:
        if len(argv) == 2 and argv[1] != "-":
            with open(argv[1], encoding="utf-8") as f:
                results = json.load(f)
        else:
            results = json.load(sys.stdin)
        chart = svg(results)
    except (OSError, ValueError, KeyError, TypeError) as e:
        sys.stderr.write(f"svg.py: {e}\n")
        return 1
    sys.stdout.write(chart)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
