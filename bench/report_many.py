"""Turns the "key value" lines of `Tunnel.Bench many-tunnels` into a markdown table with issue 14's bound."""
import sys

v = {}
for line in open(sys.argv[1]):
    if line.strip():
        key, value = line.split(maxsplit=1)
        v[key] = float(value)


def get(key, fmt="{:,.1f}"):
    return fmt.format(v[key]) if key in v else "–"


n = int(v.get("tunnels", 0))
print(f"## Many tunnels: {n} tunnels on one edge, one connection each (from one process, each on its own TCP connection)\n")
print("A control plane and an edge of their own. The tunnels are created and routed through the REST API (8 requests "
      "at a time), then connected (32 registrations at a time) by `Tunnel.Bench many-tunnels`, whose connections answer "
      "requests themselves (no origin behind them). Memory: the edge's VmRSS with every tunnel routed and none connected, "
      "and again after all registered and 10 s idle; the managed heap from the edge's /metrics.\n")
print("| measure | value |")
print("| --- | ---: |")
print(f"| create and route {n} tunnels through the API, s | {get('create_route_s')} |")
print(f"| … until the edge serves the last-routed name, s | {get('edge_config_s', '{:,.2f}')} |")
print(f"| register {n} connections, s | {get('register_s')} ({get('register_failed', '{:.0f}')} failed) |")
print(f"| edge RSS before connecting, MiB | {v.get('rss_before_kb', 0) / 1024:,.0f} |")
print(f"| edge RSS connected and idle 10 s, MiB | {v.get('rss_after_kb', 0) / 1024:,.0f} |")
print(f"| **edge RSS per connected tunnel, KB** (issue 14: ≤ 60) | **{get('rss_kb_per_tunnel')}** |")
print(f"| edge managed heap per connected tunnel, KB (after the last GC: may hold garbage of the registrations) | {get('heap_kb_per_tunnel')} |")
print(f"| first request to every tunnel, s (errors) | {get('first_pass_s')} ({get('first_pass_errors', '{:.0f}')}) |")
print(f"| config push with {n} names: one more route until the edge answers it, ms (median of 3; max) | {get('push_ms', '{:,.0f}')} ({get('push_max_ms', '{:,.0f}')}) |")
print(f"| {get('requests', '{:,.0f}')} requests to random tunnels, {get('concurrency', '{:.0f}')} at a time: req/s | {get('rps', '{:,.0f}')} |")
print(f"| … p50 / p99 / max ms | {get('p50_ms', '{:.2f}')} / {get('p99_ms', '{:.2f}')} / {get('max_ms', '{:.1f}')} |")
print(f"| … errors (not 200) | {get('errors', '{:.0f}')} |")
print(f"| the same requests all to one tunnel: req/s | {get('one_tunnel_rps', '{:,.0f}')} |")
print(f"| … p50 / p99 ms (errors) | {get('one_tunnel_p50_ms', '{:.2f}')} / {get('one_tunnel_p99_ms', '{:.2f}')} ({get('one_tunnel_errors', '{:.0f}')}) |")
