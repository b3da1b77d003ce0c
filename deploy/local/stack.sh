#!/usr/bin/env bash
# Runs the whole stack on this machine on its embedded default: control plane (SQLite), edge, a demo origin
# and a connector, then prints the demo's public URL. Ctrl+C stops everything. State lives in .data/local.
# Extra flags: TUNNEL_EDGE_ARGS (e.g. --Edge:PublicHttpPort=8080), TUNNEL_CONNECTOR_ARGS.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
data=${TUNNEL_DATA:-$root/.data/local}
cp_port=${TUNNEL_CP_PORT:-7800}
https_port=${TUNNEL_HTTPS_PORT:-8443}
connector_port=${TUNNEL_CONNECTOR_PORT:-7844}
management_port=${TUNNEL_MANAGEMENT_PORT:-7845}
origin_port=${TUNNEL_ORIGIN_PORT:-3000}
hostname=${TUNNEL_DEMO_HOSTNAME:-demo.localhost}
mkdir -p "$data"

echo "Building…"
dotnet build "$root/Tunnel.sln" -c Release -nologo -v quiet -clp:ErrorsOnly

bin() { echo "$root/$1/bin/Release/net10.0/$2.dll"; }
secret() { [ -s "$data/$1" ] || (umask 077; head -c 32 /dev/urandom | base64 | tr -d '=+/\n' > "$data/$1"); cat "$data/$1"; }
admin_key=$(secret admin-api-key)
edge_key=$(secret edge-key)
pids=()
cleanup() { trap - EXIT INT TERM; kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

wait_for() { # URL CAFILE WHAT LOG
  for _ in $(seq 1 100); do
    if curl -fsS --cacert "$2" "$1" >/dev/null 2>&1; then return 0; fi
    sleep 0.2
  done
  echo "error: $3 did not come up; its log: $4" >&2; tail -n 20 "$4" >&2; exit 1
}

dotnet "$(bin ControlPlane Tunnel.ControlPlane)" --urls "https://127.0.0.1:$cp_port" \
  --ControlPlane:DataDirectory="$data/controlplane" --ControlPlane:AdminApiKey="$admin_key" \
  --ControlPlane:EdgeKey="$edge_key" --ControlPlane:EdgeUrl="https://localhost:$connector_port" \
  >"$data/controlplane.log" 2>&1 &
pids+=($!)
cp_ca="$data/controlplane/certs/dev-ca.pem"
for _ in $(seq 1 100); do [ -s "$cp_ca" ] && break; sleep 0.1; done
wait_for "https://127.0.0.1:$cp_port/readyz" "$cp_ca" "the control plane" "$data/controlplane.log"

dotnet "$(bin Edge Tunnel.Edge)" --Edge:DataDirectory="$data/edge" --Edge:BindAddress=127.0.0.1 \
  --Edge:PublicHttpsPort="$https_port" --Edge:ConnectorPort="$connector_port" --Edge:ManagementPort="$management_port" \
  --Edge:ControlPlaneUrl="https://127.0.0.1:$cp_port" --Edge:ControlPlaneKey="$edge_key" --Edge:ControlPlaneCa="$cp_ca" \
  ${TUNNEL_EDGE_ARGS:-} >"$data/edge.log" 2>&1 &
pids+=($!)
edge_ca="$data/edge/certs/dev-ca.pem"
for _ in $(seq 1 100); do [ -s "$edge_ca" ] && break; sleep 0.1; done
wait_for "http://127.0.0.1:$management_port/readyz" "$edge_ca" "the edge" "$data/edge.log"

dotnet "$(bin tests/Tunnel.DemoOrigin Tunnel.DemoOrigin)" --urls "http://127.0.0.1:$origin_port" >"$data/origin.log" 2>&1 &
pids+=($!)

export TUNNEL_API="https://127.0.0.1:$cp_port" TUNNEL_API_KEY="$admin_key" TUNNEL_API_CA="$cp_ca"
tunnel() { dotnet "$(bin Connector tunnel)" "$@"; }
tunnel token demo >/dev/null 2>&1 || tunnel create demo >/dev/null
tunnel route dns demo "$hostname" >/dev/null 2>&1 || true
token=$(tunnel token demo)

tunnel run --token "$token" --url "http://127.0.0.1:$origin_port" --edge-ca "$edge_ca" ${TUNNEL_CONNECTOR_ARGS:-} >"$data/connector.log" 2>&1 &
pids+=($!)
wait_for "https://$hostname:$https_port/" "$edge_ca" "the tunnel" "$data/connector.log"

url="https://$hostname:$https_port/"
cat <<MSG

Tunnel is up. The demo origin (127.0.0.1:$origin_port) is public at:

    $url

Try:  curl --cacert $edge_ca $url
(browsers will warn about the development CA: $edge_ca)
Dashboard: https://127.0.0.1:$cp_port/  (sign in with the admin API key)
Logs: $data/*.log    Admin API key: $data/admin-api-key    Ctrl+C stops the stack.
MSG
[ "${TUNNEL_STACK_EXIT_WHEN_UP:-}" = 1 ] && exit 0
wait
