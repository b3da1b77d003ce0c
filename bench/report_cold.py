"""Turns the cold-start cell's rows (label, seconds to ready, then parse_wrk.py's fields) into a markdown table: each
runtime setting's first 10 s against the default setting's warm figure (same fresh processes after 30 s of load)."""
import math
import sys

WARM = "warm (default, after 30 s of load)"
rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1]) if line.strip()]
cells = {r[0]: (float(r[1]), float(r[5]), float(r[7]), int(r[9]), float(r[10])) for r in rows}
warm = cells.get(WARM, (math.nan,) * 5)[1]


def main_figure(path):
    """The main cells' tunnel (http) median at 64 connections, when they ran."""
    runs = sorted(float(r[3]) for r in (line.rstrip("\n").split("\t") for line in open(path) if line.strip())
                  if r[0] == "small" and r[1] == "tunnel (http)" and r[2] == "64")
    return runs[len(runs) // 2] if runs else None


print("## Cold start: a fresh edge and connector under load from the moment the tunnel answers (wrk -t2 -c64 /small, plain HTTP, 10 s)\n")
print("Each row starts a new edge and connector with the setting (in both processes' environment). *ready s*: from the edge's "
      "start to the tunnel's first answer. *× warm*: against the default setting's same processes after 30 s of load.\n")
print("| setting | ready s | req/s, first 10 s | × warm | p99 ms | edge + connector CPU µs/req | errors |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
for label, (ready, rps, p99, err, cpu) in cells.items():
    ratio = f"{rps / warm:.2f}" if warm and not math.isnan(warm) else "–"
    ready_text = "" if label == WARM else f"{ready:.1f}"
    print(f"| {label} | {ready_text} | {rps:,.0f} | {ratio} | {p99:.1f} | {cpu:,.0f} | {err} |")
if len(sys.argv) > 2 and (figure := main_figure(sys.argv[2])):
    print(f"\nThe main cells' tunnel (http) at 64 connections (median, warm edge): {figure:,.0f} req/s; "
          f"the default setting's first 10 s are {cells.get('default', (0, math.nan))[1] / figure:.2f} of it.")
