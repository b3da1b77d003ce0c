#!/usr/bin/env bash
# Runs the whole stack on this machine on its embedded default: control plane (SQLite), edge, a demo origin
# and a connector, then prints the demo's public URL and the lines that point the `tunnel` command at this stack.
# Ctrl+C (or kill, or closing the terminal) stops everything it started. State lives in .data/local.
#
#   TUNNEL_ACCESS=1       also start the development OIDC provider (Node; its npm packages are installed on first
#                         use) and protect the demo hostname with a sample Access application; prints who may log in
# Extra flags: TUNNEL_CP_ARGS (e.g. --ControlPlane:Oidc:Authority=…), TUNNEL_EDGE_ARGS (e.g. --Edge:PublicHttpPort=8080),
# TUNNEL_CONNECTOR_ARGS. Ports: TUNNEL_CP_PORT (7800), TUNNEL_HTTPS_PORT (8443), TUNNEL_CONNECTOR_PORT (7844),
# TUNNEL_MANAGEMENT_PORT (7845), TUNNEL_ORIGIN_PORT (3000), TUNNEL_OIDC_PORT (9000). Names: TUNNEL_DEMO_HOSTNAME
# (demo.localhost), TUNNEL_AUTH_HOSTNAME (auth.localhost). TUNNEL_DATA: the state directory.
# Builds: TUNNEL_CONFIGURATION (Release) picks the build to run; TUNNEL_SKIP_BUILD=1 runs what is already built
# (the end-to-end tests run their own Debug build this way).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
data=${TUNNEL_DATA:-$root/.data/local}
cp_port=${TUNNEL_CP_PORT:-7800}
https_port=${TUNNEL_HTTPS_PORT:-8443}
connector_port=${TUNNEL_CONNECTOR_PORT:-7844}
management_port=${TUNNEL_MANAGEMENT_PORT:-7845}
origin_port=${TUNNEL_ORIGIN_PORT:-3000}
oidc_port=${TUNNEL_OIDC_PORT:-9000}
hostname=${TUNNEL_DEMO_HOSTNAME:-demo.localhost}
auth_hostname=${TUNNEL_AUTH_HOSTNAME:-auth.localhost}
configuration=${TUNNEL_CONFIGURATION:-Release}
access=${TUNNEL_ACCESS:-}
mkdir -p "$data"

# Every program runs in a process group of its own (setsid), started without a shell function in between, so $!
# is the program itself and stopping its group leaves nothing behind, whatever signal stops this script.
pids=()
start() { # LOG PROGRAM [ARGS…]
  local log=$1; shift
  if command -v setsid >/dev/null; then setsid "$@" >"$log" 2>&1 & else "$@" >"$log" 2>&1 & fi
  pids+=($!)
}
stop_all() {
  trap - EXIT INT TERM HUP
  local pid alive
  for pid in ${pids[@]+"${pids[@]}"}; do kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true; done
  # The connector drains (finishes requests in flight) before it exits; whatever is still there after 20 s is killed.
  for _ in $(seq 1 200); do
    alive=
    for pid in ${pids[@]+"${pids[@]}"}; do kill -0 -- "-$pid" 2>/dev/null && alive=1; done
    [ -z "$alive" ] && break
    sleep 0.1
  done
  for pid in ${pids[@]+"${pids[@]}"}; do kill -KILL -- "-$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop_all EXIT
trap 'stop_all; exit 130' INT
trap 'stop_all; exit 143' TERM
trap 'stop_all; exit 129' HUP

if [ "${TUNNEL_SKIP_BUILD:-}" != 1 ]; then
  echo "Building ($configuration)…"
  for project in ControlPlane Edge Connector tests/Tunnel.DemoOrigin; do
    dotnet build "$root/$project" -c "$configuration" -nologo -v quiet -clp:ErrorsOnly
  done
fi

bin() { echo "$root/$1/bin/$configuration/net10.0/$2.dll"; }
secret() { [ -s "$data/$1" ] || (umask 077; head -c 32 /dev/urandom | base64 | tr -d '=+/\n' > "$data/$1"); cat "$data/$1"; }
admin_key=$(secret admin-api-key)
edge_key=$(secret edge-key)

wait_for() { # URL CAFILE WHAT LOG: until the URL answers 2xx
  for _ in $(seq 1 150); do
    if curl -fsS --cacert "$2" "$1" >/dev/null 2>&1; then return 0; fi
    sleep 0.2
  done
  echo "error: $3 did not come up; its log: $4" >&2; tail -n 20 "$4" >&2; exit 1
}
status_of() { curl -s -o /dev/null -w '%{http_code}' --cacert "$2" "$1" 2>/dev/null || true; } # URL CAFILE

# Secrets go in the environment, where other users of this machine cannot read them (they can read command lines).
start "$data/controlplane.log" env ControlPlane__AdminApiKey="$admin_key" ControlPlane__EdgeKey="$edge_key" \
  dotnet "$(bin ControlPlane Tunnel.ControlPlane)" --urls "https://127.0.0.1:$cp_port" \
  --ControlPlane:DataDirectory="$data/controlplane" --ControlPlane:EdgeUrl="https://localhost:$connector_port" \
  --ControlPlane:QuickTunnels:Enabled=true --ControlPlane:QuickTunnels:AllowAnonymous=true \
  --ControlPlane:QuickTunnels:Domain=quick.localhost --ControlPlane:QuickTunnels:PublicPort="$https_port" ${TUNNEL_CP_ARGS:-}
cp_ca="$data/controlplane/certs/dev-ca.pem"
for _ in $(seq 1 100); do [ -s "$cp_ca" ] && break; sleep 0.1; done
wait_for "https://127.0.0.1:$cp_port/readyz" "$cp_ca" "the control plane" "$data/controlplane.log"

start "$data/edge.log" env Edge__ControlPlaneKey="$edge_key" \
  dotnet "$(bin Edge Tunnel.Edge)" --Edge:DataDirectory="$data/edge" --Edge:BindAddress=127.0.0.1 \
  --Edge:PublicHttpsPort="$https_port" --Edge:ConnectorPort="$connector_port" --Edge:ManagementPort="$management_port" \
  --Edge:ControlPlaneUrl="https://127.0.0.1:$cp_port" --Edge:ControlPlaneCa="$cp_ca" \
  ${TUNNEL_EDGE_ARGS:-}
edge_ca="$data/edge/certs/dev-ca.pem"
for _ in $(seq 1 100); do [ -s "$edge_ca" ] && break; sleep 0.1; done
wait_for "http://127.0.0.1:$management_port/readyz" "$edge_ca" "the edge" "$data/edge.log"

start "$data/origin.log" dotnet "$(bin tests/Tunnel.DemoOrigin Tunnel.DemoOrigin)" --urls "http://127.0.0.1:$origin_port"

export TUNNEL_API="https://127.0.0.1:$cp_port" TUNNEL_API_KEY="$admin_key" TUNNEL_API_CA="$cp_ca" TUNNEL_EDGE_CA="$edge_ca"
tunnel() { dotnet "$(bin Connector tunnel)" "$@"; }
tunnel token demo >/dev/null 2>&1 || tunnel create demo >/dev/null
tunnel route dns demo "$hostname" >/dev/null 2>&1 || true
token=$(tunnel token demo)

start "$data/connector.log" env TUNNEL_TOKEN="$token" dotnet "$(bin Connector tunnel)" run --url "http://127.0.0.1:$origin_port" \
  --edge-ca "$edge_ca" ${TUNNEL_CONNECTOR_ARGS:-}
url="https://$hostname:$https_port/"
# Served: the origin's answer, or Access asking for a login (the demo stays protected after a TUNNEL_ACCESS=1 run).
for _ in $(seq 1 150); do case $(status_of "$url" "$edge_ca") in 200|401) break ;; esac; sleep 0.2; done
case $(status_of "$url" "$edge_ca") in 200|401) ;; *) echo "error: the tunnel did not come up; its log: $data/connector.log" >&2; tail -n 20 "$data/connector.log" >&2; exit 1 ;; esac

if [ "$access" = 1 ]; then
  oidc_dir="$root/deploy/dev-oidc-provider"
  [ -d "$oidc_dir/node_modules/oidc-provider" ] || (echo "Installing the development OIDC provider (npm ci)…"; cd "$oidc_dir" && npm ci --no-audit --no-fund >/dev/null)
  oidc_url="http://127.0.0.1:$oidc_port"
  oidc_secret=$(secret oidc-client-secret)
  redirect_uri="https://$auth_hostname:$https_port/.tunnel/callback-oidc"
  # The same people as docker-compose.yml: alice is in the group the sample policy allows, bob is not.
  start "$data/oidc.log" env DEV_OIDC_PORT="$oidc_port" \
    DEV_OIDC_CLIENTS="[{\"client_id\":\"tunnel-access\",\"client_secret\":\"$oidc_secret\",\"redirect_uris\":[\"$redirect_uri\"]}]" \
    DEV_OIDC_USERS='{"alice@example.com":{"password":"alice","groups":["staff","tunnel-admins"]},"bob@example.com":{"password":"bob","groups":["contractors"]}}' \
    node "$oidc_dir/server.mjs"
  wait_for "$oidc_url/.well-known/openid-configuration" "$edge_ca" "the development OIDC provider" "$data/oidc.log"
  TUNNEL_IDP_CLIENT_SECRET="$oidc_secret" tunnel access idp set --auth-hostname "$auth_hostname" --authority "$oidc_url" \
    --client-id tunnel-access --scopes "openid email profile groups" --edge-port "$https_port" >/dev/null
  cat >"$data/demo-access-app.json" <<JSON
{ "name": "demo", "domains": ["$hostname"], "sessionMinutes": 480,
  "policies": [ { "name": "staff", "action": "allow", "include": [ { "group": "staff" } ] } ] }
JSON
  tunnel access apps apply "$data/demo-access-app.json" >/dev/null
  # The edge applies the application with the next config push (under a second).
  for _ in $(seq 1 50); do [ "$(status_of "$url" "$edge_ca")" = 401 ] && break; sleep 0.2; done
fi

q() { printf '%q' "$1"; } # a path as bash reads it back
cat <<MSG

Tunnel is up. The demo origin (127.0.0.1:$origin_port) is $([ "$access" = 1 ] && echo "behind Access" || echo public) at:

    $url

Try:  curl --cacert $(q "$edge_ca") $url
(browsers will warn about the development CA: $edge_ca)
MSG
if [ "$access" = 1 ]; then
  cat <<MSG

Access protects $hostname (application: $data/demo-access-app.json; logins at $oidc_url, the development OIDC provider).
Open $url in a browser and log in as:
    alice@example.com / alice    (group staff: allowed)
    bob@example.com / bob        (group contractors: refused by the policy)
MSG
fi
cat <<MSG

To use the tunnel command on this stack, paste these lines into a shell:

export TUNNEL_API=$TUNNEL_API TUNNEL_API_KEY="\$(cat $(q "$data/admin-api-key"))" TUNNEL_API_CA=$(q "$cp_ca") TUNNEL_EDGE_CA=$(q "$edge_ca")
tunnel() { dotnet $(q "$(bin Connector tunnel)") "\$@"; }

then try \`tunnel list\`. Dashboard: https://127.0.0.1:$cp_port/ (sign in with the admin API key).
Logs: $data/*.log    Admin API key: $data/admin-api-key    Ctrl+C stops the stack.
MSG
[ "${TUNNEL_STACK_EXIT_WHEN_UP:-}" = 1 ] && exit 0
wait
