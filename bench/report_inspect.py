"""The inspector cell's table: per path, the median over rounds of req/s, p99 and CPU per request with capture off
and on, and on ÷ off. Arguments: the TSV (state, path, control-plane ticks, then parse_wrk.py's row), the captures
the edge dropped, seconds per run, rounds."""
import os
import statistics
import sys

rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1]) if line.strip()]
dropped, duration, rounds = sys.argv[2], sys.argv[3], sys.argv[4]
tick = os.sysconf("SC_CLK_TCK")


def median(values):
    values = [v for v in values if v == v]
    return statistics.median(values) if values else float("nan")


print(f"## Traffic inspector: capture off and on (tunnel (http), 64 connections, {duration} s × {rounds} rounds, medians)\n")
print("| path | capture | req/s | p99 ms | edge+connector CPU µs/req | control plane CPU µs/req | on ÷ off req/s |")
print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
for path in dict.fromkeys(r[1] for r in rows):
    figures = {}
    for state in ("off", "on"):
        mine = [r for r in rows if r[0] == state and r[1] == path]
        rps = median([float(r[6]) for r in mine])
        p99 = median([float(r[8]) for r in mine])
        cpu = median([float(r[11]) for r in mine])
        cp = median([int(r[2]) / tick / (float(r[6]) * float(duration)) * 1e6 for r in mine if float(r[6]) > 0])
        figures[state] = rps
        ratio = f"{rps / figures['off']:.2f}" if state == "on" and figures["off"] else ""
        print(f"| {path} | {state} | {rps:.0f} | {p99:.2f} | {cpu:.1f} | {cp:.1f} | {ratio} |")
print(f"\nCaptures the edge dropped (queue full, never a request held): {dropped}.")
