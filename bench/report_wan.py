"""Turns the wide-area cell's rows (path, direction, MB/s; several rounds) into a markdown table: the median round
with its range, against `ssh -R` through the same relay and against the same path without the delay."""
import math
import statistics
import sys
from collections import defaultdict

rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1]) if line.strip()]
one_way_ms, rounds = sys.argv[2], sys.argv[3]
runs = defaultdict(list)
order = []
for path, direction, mbs in rows:
    if path not in order:
        order.append(path)
    runs[(path, direction)].append(float(mbs))

WAN = "WAN: "
runs_paths = {path for path, _ in runs}
SSH = WAN + "ssh -R"


def median(path, direction):
    values = [v for v in runs.get((path, direction), []) if not math.isnan(v)]
    return statistics.median_high(values) if values else math.nan


def failed(path, direction):
    return sum(math.isnan(v) for v in runs.get((path, direction), []))


def mbs(path, direction):
    values = [v for v in runs.get((path, direction), []) if not math.isnan(v)]
    text = f"{median(path, direction):,.1f}" if values else "–"
    if len(values) > 1 and min(values) != max(values):
        text += f" ({min(values):,.0f}–{max(values):,.0f})"
    if failed(path, direction):
        text += f" [{failed(path, direction)} failed]"
    return text


def ratio(a, b):
    return "" if math.isnan(a) or math.isnan(b) or b == 0 else f"{a / b:.2f}"


print(f"## Wide-area leg: {one_way_ms} ms each way between connector and edge (256 MiB, 1 connection, median of {rounds} rounds)\n")
print(f"The connector (and the `ssh -R` client) reaches the edge (sshd) through `Tunnel.Bench delay-relay`: +{one_way_ms} ms "
      "each way, no bandwidth limit; the public client is next to the edge. Rows without \"WAN\" are the same paths "
      "without the relay. Ranges are the rounds' lowest and highest.\n")
print("| path | down MB/s | up MB/s | down × ssh -R (WAN) | up × ssh -R (WAN) | down WAN ÷ zero-delay | up WAN ÷ zero-delay |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
for path in order:
    down, up = median(path, "down"), median(path, "up")
    zero = path[len(WAN):] if path.startswith(WAN) else None
    vs_ssh = (ratio(down, median(SSH, "down")), ratio(up, median(SSH, "up"))) if path.startswith(WAN) and zero in runs_paths else ("", "")
    vs_zero = (ratio(down, median(zero, "down")), ratio(up, median(zero, "up"))) if zero and (zero, "down") in runs else ("", "")
    print(f"| {path} | {mbs(path, 'down')} | {mbs(path, 'up')} | {vs_ssh[0]} | {vs_ssh[1]} | {vs_zero[0]} | {vs_zero[1]} |")

print("\n| target (issue 14) | down | up |")
print("| --- | --- | --- |")


def verdict(a, b, bound):
    value = ratio(a, b)
    return "–" if not value else f"{value} ({'met' if a / b >= bound else 'not met'})"


for tunnel in ("tunnel (http)", "tunnel (https)"):
    print(f"| {tunnel} over WAN ≥ 2 × ssh -R over WAN | "
          + " | ".join(verdict(median(WAN + tunnel, d), median(SSH, d), 2.0) for d in ("down", "up")) + " |")
    print(f"| {tunnel} over WAN ≥ 0.8 × its zero-delay figure | "
          + " | ".join(verdict(median(WAN + tunnel, d), median(tunnel, d), 0.8) for d in ("down", "up")) + " |")
