"""Turns the TSV rows of one benchmark run into a markdown table with ratios against direct."""
import sys
from collections import defaultdict

rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1]) if line.strip()]
duration = sys.argv[2]
small = defaultdict(dict)
bulk = {}
order = []
for kind, target, conns, rps, p50, p99, mbs, err in rows:
    if target not in order:
        order.append(target)
    if kind == "small":
        small[target][int(conns)] = (float(rps), float(p50), float(p99), int(err))
    else:
        bulk[target] = (float(mbs), int(err))

print(f"## Small response (GET /small, 3 bytes), wrk {duration} s per cell\n")
print("| path | conns | req/s | × direct | p50 ms | p99 ms | errors |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
for target in order:
    for c in (1, 16, 64):
        if c in small[target]:
            rps, p50, p99, err = small[target][c]
            ratio = rps / small["direct"][c][0] if small["direct"].get(c) else float("nan")
            print(f"| {target} | {c} | {rps:,.0f} | {ratio:.2f} | {p50:.2f} | {p99:.2f} | {err} |")
print(f"\n## 64 MiB download (GET /bytes/67108864, 1 connection), wrk {duration} s\n")
print("| path | MB/s | × direct | errors |")
print("| --- | ---: | ---: | ---: |")
for target in order:
    if target in bulk:
        mbs, err = bulk[target]
        print(f"| {target} | {mbs:,.1f} | {mbs / bulk['direct'][0]:.2f} | {err} |")
