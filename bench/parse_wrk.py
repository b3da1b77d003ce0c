"""Reads wrk output on stdin; prints one TSV row: kind, target, connections, req/s, p50 ms, p99 ms, MB/s, errors,
and the proxy CPU per request (µs for small responses, ms per download) from the clock ticks given as argument 4."""
import os
import re
import sys

kind, target, conns = sys.argv[1], sys.argv[2], sys.argv[3]
ticks = float(sys.argv[4]) if len(sys.argv) > 4 else float("nan")
text = sys.stdin.read()


def ms(value: str) -> float:
    m = re.match(r"([\d.]+)(us|ms|s|m)", value)
    if not m:
        return float("nan")
    n, unit = float(m.group(1)), m.group(2)
    return n / 1000 if unit == "us" else n if unit == "ms" else n * 1000 if unit == "s" else n * 60000


def mbytes(value: str) -> float:
    m = re.match(r"([\d.]+)(B|KB|MB|GB)", value)
    if not m:
        return float("nan")
    return float(m.group(1)) * {"B": 1 / 1048576, "KB": 1 / 1024, "MB": 1, "GB": 1024}[m.group(2)]


rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
transfer = re.search(r"Transfer/sec:\s+(\S+)", text)
p50 = re.search(r"^\s+50%\s+(\S+)", text, re.M)
p99 = re.search(r"^\s+99%\s+(\S+)", text, re.M)
errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
requests = re.search(r"(\d+) requests in", text)
cpu_seconds = ticks / os.sysconf("SC_CLK_TCK")
per_request = cpu_seconds / int(requests.group(1)) if requests and int(requests.group(1)) else float("nan")
cpu = per_request * (1e6 if kind == "small" else 1e3)
err = (int(errors.group(1)) if errors else 0) + (sum(int(g) for g in socket_errors.groups()) if socket_errors else 0)
print("\t".join([
    kind, target, conns,
    rps.group(1) if rps else "nan",
    f"{ms(p50.group(1)):.3f}" if p50 else "nan",
    f"{ms(p99.group(1)):.3f}" if p99 else "nan",
    f"{mbytes(transfer.group(1)):.1f}" if transfer else "nan",
    str(err),
    f"{cpu:.1f}",
]))
