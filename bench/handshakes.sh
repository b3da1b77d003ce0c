#!/usr/bin/env bash
# New TLS connections per second on an edge's public HTTPS port (one handshake and one request per client, h2load
# -n 1000 -c 1000), for comparing edge builds: the handshake path alone, no tunnel, no control plane (the edge answers
# every request itself). Usage: bench/handshakes.sh LABEL=EDGE_DLL [LABEL=EDGE_DLL ...]; each build twice, interleaved,
# three timed runs each after a warm-up. Needs h2load (Debian nghttp2-client).
set -euo pipefail
command -v h2load >/dev/null || { echo "h2load is missing: apt-get install nghttp2-client" >&2; exit 1; }
port=24100
one() { # LABEL DLL [EDGE ARGS...]
  local label=$1 dll=$2 dir pid; shift 2
  dir=$(mktemp -d); port=$((port + 10))
  dotnet "$dll" --Edge:Id=hs --Edge:DataDirectory="$dir" --Edge:BindAddress=127.0.0.1 --Edge:PublicHttpsPort=$port \
    --Edge:ConnectorPort=$((port + 1)) --Edge:ManagementPort=$((port + 2)) --Edge:ControlPlaneUrl=https://127.0.0.1:9 \
    --Edge:ControlPlaneKey=bench "$@" >"$dir/log" 2>&1 &
  pid=$!
  for _ in $(seq 100); do curl -sk -o /dev/null "https://127.0.0.1:$port/" && break; sleep 0.2; done
  h2load -n 400 -c 400 -t 1 "https://127.0.0.1:$port/" >/dev/null 2>&1
  for run in 1 2 3; do
    h2load -n 1000 -c 1000 -t 1 "https://127.0.0.1:$port/" 2>&1 | awk -v l="$label" -v r=$run '/^finished in/ { print l "\t" r "\t" $4 }'
  done
  kill $pid; wait $pid 2>/dev/null || true; rm -rf "$dir"
}
for round in 1 2; do
  for spec in "$@"; do one "${spec%%=*}" "${spec#*=}"; done
done
