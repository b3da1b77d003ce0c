"""Turns the TSV rows of one benchmark run into markdown tables with ratios against direct. A cell measured in
several rounds is reported by its median round (by throughput), with the range beside it."""
import math
import sys
from collections import defaultdict

rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1]) if line.strip()]
duration, rounds = sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else "1"
cells = defaultdict(list)
order = []
for kind, target, conns, rps, p50, p99, mbs, err, cpu in rows:
    if target not in order:
        order.append(target)
    cells[(kind, target, int(conns))].append((float(rps), float(p50), float(p99), float(mbs), int(err), float(cpu)))


def median(kind, target, conns):
    """The median round by throughput, and the lowest and highest throughput of all rounds."""
    runs = cells.get((kind, target, conns))
    if not runs:
        return None
    key = (lambda r: r[0]) if kind == "small" else (lambda r: r[3])
    ordered = sorted(runs, key=key)
    return ordered[len(ordered) // 2], key(ordered[0]), key(ordered[-1]), sum(r[4] for r in runs)


def spread(low, high, fmt):
    return "" if low == high else f"{fmt.format(low)}–{fmt.format(high)}"


def cpu_text(cpu):
    return "–" if math.isnan(cpu) else f"{cpu:,.0f}"


print(f"## Small response (GET /small, 3 bytes), wrk {duration} s per cell; 64 connections: median of {rounds} rounds\n")
print("| path | conns | req/s | rounds' range | × direct | p50 ms | p99 ms | proxy CPU µs/req | errors |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
for target in order:
    for c in (1, 16, 64):
        m = median("small", target, c)
        if not m:
            continue
        (rps, p50, p99, _, _, cpu), low, high, err = m
        direct = median("small", "direct", c)
        ratio = rps / direct[0][0] if direct else float("nan")
        print(f"| {target} | {c} | {rps:,.0f} | {spread(low, high, '{:,.0f}')} | {ratio:.2f} | {p50:.2f} | {p99:.2f} | {cpu_text(cpu)} | {err} |")
print(f"\n## 64 MiB download (GET /bytes/67108864, 1 connection), wrk {duration} s, median of {rounds} rounds\n")
print("| path | MB/s | rounds' range | × direct | proxy CPU ms per 64 MiB | errors |")
print("| --- | ---: | ---: | ---: | ---: | ---: |")
for target in order:
    m = median("bulk", target, 1)
    if not m:
        continue
    (_, _, _, mbs, _, cpu), low, high, err = m
    direct = median("bulk", "direct", 1)
    print(f"| {target} | {mbs:,.1f} | {spread(low, high, '{:,.0f}')} | {mbs / direct[0][3]:.2f} | {cpu_text(cpu)} | {err} |")

# The edge cluster's extra hop: a second edge serving the tunnel through the edge that holds its connections.
peer, local = "tunnel via peer edge", "tunnel (http)"
if (("small", peer, 64) in cells) and (("small", local, 64) in cells):
    print("\n## Cost of one peer-edge hop (tunnel via peer edge against the direct edge, plain HTTP)\n")
    print("| cell | direct edge | via peer edge | × direct edge |")
    print("| --- | ---: | ---: | ---: |")
    for c in (1, 16, 64):
        a, b = median("small", local, c), median("small", peer, c)
        if a and b:
            print(f"| small, {c} conns (req/s) | {a[0][0]:,.0f} | {b[0][0]:,.0f} | {b[0][0] / a[0][0]:.2f} |")
    a, b = median("bulk", local, 1), median("bulk", peer, 1)
    if a and b:
        print(f"| 64 MiB download (MB/s) | {a[0][3]:,.1f} | {b[0][3]:,.1f} | {b[0][3] / a[0][3]:.2f} |")
