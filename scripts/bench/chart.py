#!/usr/bin/env python3
"""Draws the results of scripts/bench/load.sh as an SVG bar chart.

    python3 scripts/bench/chart.py                      # target/bench/load.json -> docs/load-benchmark.svg
    python3 scripts/bench/chart.py IN.json OUT.svg

One group per route: the median requests per second of the generated server
and of the hand-written baseline, each bar labelled with its req/s and p99
latency, and the ratio generated/baseline above the group. Each route has
its own scale (reads serve tens of thousands a second, orders a few
thousand), so bars compare within a group, not across groups. Python's
standard library only.
"""

import json
import sys
from xml.sax.saxutils import escape

COLORS = {"generated": "#2f6fb0", "baseline": "#e08a2c"}
LABELS = {"generated": "generated (keel)", "baseline": "hand-written (axum + rusqlite)"}
SERVERS = ("generated", "baseline")

WIDTH = 880
GROUP_WIDTH = 200
BAR_WIDTH = 64
BAR_GAP = 16
TOP = 120
PLOT_HEIGHT = 260
LEFT = 40


def number(value):
    return f"{value:,.0f}"


def text(x, y, content, size=12, anchor="middle", weight="normal", color="#222"):
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
        f'font-weight="{weight}" fill="{color}">{escape(content)}</text>'
    )


def chart(result):
    meta = result["meta"]
    summary = result["summary"]
    height = TOP + PLOT_HEIGHT + 110
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" font-family="system-ui, -apple-system, Segoe UI, sans-serif">',
        f'<rect width="{WIDTH}" height="{height}" fill="#fff"/>',
        text(WIDTH / 2, 28, "Requests per second over HTTP: generated server vs. hand-written baseline",
             size=16, weight="bold"),
        text(WIDTH / 2, 50,
             f"median of {meta['rounds']} round(s) of {meta['duration']}, wrk -t{meta['threads']} "
             f"-c{meta['connections']}, {meta['cpus']} CPUs, SQLite with {meta['products']:,} products; "
             f"{meta['date']}", size=12, color="#555"),
        text(WIDTH / 2, 68, "each route on its own scale; labels: req/s and p99 latency; "
             "above each group: generated / baseline", size=12, color="#555"),
    ]
    # Legend.
    x = WIDTH / 2 - 210
    for server in SERVERS:
        out.append(f'<rect x="{x}" y="82" width="14" height="14" fill="{COLORS[server]}"/>')
        out.append(text(x + 20, 94, LABELS[server], anchor="start"))
        x += 230
    baseline_y = TOP + PLOT_HEIGHT
    out.append(
        f'<line x1="{LEFT}" y1="{baseline_y}" x2="{WIDTH - LEFT}" y2="{baseline_y}" stroke="#999"/>'
    )
    start = (WIDTH - GROUP_WIDTH * len(summary)) / 2
    for index, row in enumerate(summary):
        group_x = start + index * GROUP_WIDTH
        top = max(row[s]["rps"] for s in SERVERS) or 1
        bars_width = 2 * BAR_WIDTH + BAR_GAP
        bar_x = group_x + (GROUP_WIDTH - bars_width) / 2
        for server in SERVERS:
            numbers = row[server]
            h = PLOT_HEIGHT * 0.78 * numbers["rps"] / top
            y = baseline_y - h
            out.append(
                f'<rect x="{bar_x:.1f}" y="{y:.1f}" width="{BAR_WIDTH}" height="{h:.1f}" '
                f'fill="{COLORS[server]}"><title>{escape(LABELS[server])}: '
                f'{number(numbers["rps"])} req/s, p50 {numbers["p50_ms"]:.2f} ms, '
                f'p99 {numbers["p99_ms"]:.2f} ms, {numbers.get("cpu_us_per_request", 0):.0f} µs CPU per request</title></rect>'
            )
            center = bar_x + BAR_WIDTH / 2
            out.append(text(center, y - 20, number(numbers["rps"]), size=12, weight="bold"))
            out.append(text(center, y - 6, f"p99 {numbers['p99_ms']:.1f} ms", size=11, color="#444"))
            bar_x += BAR_WIDTH + BAR_GAP
        out.append(text(group_x + GROUP_WIDTH / 2, TOP - 6, f"{row['ratio']:.2f}×", size=13,
                        weight="bold", color="#333"))
        out.append(text(group_x + GROUP_WIDTH / 2, baseline_y + 20, row["route"], size=13,
                        weight="bold"))
        out.append(text(group_x + GROUP_WIDTH / 2, baseline_y + 37,
                        f"{row['method']} {row['path']}", size=11, color="#555"))
    commit = f"{meta.get('commit')}{' with local changes' if meta.get('dirty') else ''}"
    out.append(text(WIDTH / 2, height - 34,
                    f"generated: {meta['generated']}; baseline: {meta['baseline']}",
                    size=11, color="#777"))
    out.append(text(WIDTH / 2, height - 18, f"built from {commit}", size=11, color="#777"))
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main():
    source = sys.argv[1] if len(sys.argv) > 1 else "target/bench/load.json"
    target = sys.argv[2] if len(sys.argv) > 2 else "docs/load-benchmark.svg"
    with open(source) as f:
        result = json.load(f)
    with open(target, "w") as f:
        f.write(chart(result))
    print(target)


if __name__ == "__main__":
    main()
