#!/usr/bin/env bash
# Benchmark (not a test): one run on this machine measures the same origin
#   direct · through one nginx proxy_pass hop · through an `ssh -R` reverse tunnel · through one plain Kestrel + YARP
#   hop (no tunnel: the floor of any Kestrel/YARP edge) · through our tunnel (HTTPS and plain HTTP public side) ·
#   through a second edge that has no connection of the tunnel (plain HTTP; one peer hop to the first edge)
# with wrk: small responses at 1/16/64 connections (req/s, p50, p99) and a 64 MiB download (MB/s), and the CPU time
# the path's proxy processes spent per request. The 64-connection and download cells run in interleaved rounds
# (default 3; the median is reported) because this 2-core machine drifts by ±20% over minutes.
# Prints a table with ratios against direct and writes it to bench/out/results.md.
# Then cells of their own (bench/cells/*.sh, each its own section of the report):
#   connector  the native (NativeAOT) connector against the JIT build: size, CLI start-up, memory idle and after 1 GiB
#   wan   a wide-area leg: the connector, and an `ssh -R` client, reach the edge (sshd) through a relay adding 25 ms each
#         way (Tunnel.Bench delay-relay); 256 MiB down and up against `ssh -R` over the same relay and the zero-delay paths
#   cold  a fresh edge and connector under wrk load from the moment they answer: the first 10 s against warm, per
#         runtime setting (tiered PGO, quick JIT for loops, tiered compilation off, ReadyToRun)
#   inspect  the traffic inspector's cost: tunnel (http) at 64 connections with the tunnel's capture off and on
#   many  2000 tunnels on one edge of their own (Tunnel.Bench many-tunnels): memory per tunnel, registration and
#         config-push times, latency to random tunnels
# Everything listens on 127.0.0.1 only. Usage: bench/run.sh [seconds-per-run, default 10] [rounds, default 3]
# (rounds also apply to the wan cell). Environment: BENCH_ONLY="main connector wan cold inspect many" (the default: everything) runs
# only the named sections, main being the cells above; BENCH_MANY=N tunnels for the many cell (default 2000);
# BENCH_WAN_MS=one-way delay of the wan cell (default 25).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
duration=${1:-10}
rounds=${2:-3}
only=" ${BENCH_ONLY:-main connector wan cold inspect many} "
want() { [[ "$only" == *" $1 "* ]]; }
for section in $only; do
  case $section in main | connector | wan | cold | inspect | many) ;; *) echo "BENCH_ONLY: unknown section '$section' (main connector wan cold inspect many)" >&2; exit 2 ;; esac
done
many_n=${BENCH_MANY:-2000}
wan_ms=${BENCH_WAN_MS:-25}
out="$root/bench/out"
work=$(mktemp -d /tmp/tunnel-bench.XXXXXX)
mkdir -p "$out"
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT INT TERM
stop() { # PID...: ends processes this script started, and forgets them (no stray kill of a reused pid later)
  local p keep=()
  kill "$@" 2>/dev/null || true
  for p in "$@"; do wait "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do [[ " $* " == *" $p "* ]] || keep+=("$p"); done
  pids=("${keep[@]}")
}

need=()
command -v wrk >/dev/null || need+=(wrk)
command -v nginx >/dev/null || need+=(nginx-light)
[ -x /usr/sbin/sshd ] || need+=(openssh-server)
command -v ssh >/dev/null || need+=(openssh-client)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}"
fi

echo "Building (Release)…"
dotnet build "$root/Tunnel.sln" -c Release -nologo -v quiet -clp:ErrorsOnly
bin() { echo "$root/$1/bin/Release/net10.0/$2.dll"; }
# The connector as it ships (README's `dotnet publish Connector -r linux-x64`: one native binary): every cell's
# `tunnel run` and `tunnel access tcp` is this binary (every section's tunnel uses it); the connector cell sets it
# beside the JIT build.
echo "Publishing the native connector…"
native="$work/native"
dotnet publish "$root/Connector" -c Release -r linux-x64 -o "$native" -nologo -v quiet -clp:ErrorsOnly >"$work/native.log" 2>&1 \
  || { echo "native publish failed:" >&2; tail -5 "$work/native.log" >&2; exit 1; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_http() { for _ in $(seq 1 150); do curl -ksf -o /dev/null -H "Host: ${2:-localhost}" "$1" && return 0; sleep 0.2; done; echo "error: $1 never answered" >&2; exit 1; }
# An edge: DLL DIR ID PUBLIC_HTTPS PUBLIC_HTTP CONNECTOR MANAGEMENT CP_PORT CP_KEY CP_DIR [VAR=value…, its environment].
# Started with & here, not in a subshell, so $started is the edge process itself.
start_edge() {
  local dll=$1 dir=$2 id=$3 https=$4 http=$5 conn=$6 mgmt=$7 cp=$8 key=$9 cpdir=${10}; shift 10
  env "$@" dotnet "$dll" --Edge:DataDirectory="$dir" --Edge:BindAddress=127.0.0.1 --Edge:PublicHttpsPort="$https" \
    --Edge:PublicHttpPort="$http" --Edge:ConnectorPort="$conn" --Edge:ManagementPort="$mgmt" --Edge:Id="$id" \
    --Edge:ControlPlaneUrl="https://127.0.0.1:$cp" --Edge:ControlPlaneKey="$key" --Edge:ControlPlaneCa="$cpdir/certs/dev-ca.pem" \
    --Logging:LogLevel:Default=Warning >"$dir.log" 2>&1 & pids+=($!); started=$!
}

origin=$(free_port); nginx_port=$(free_port); ssh_port=$(free_port); ssh_fwd=$(free_port); ssh_tcp=$(free_port)
tcp_source=$(free_port); access_port=$(free_port); access_ws_port=$(free_port)
cp_port=$(free_port); pub_https=$(free_port); pub_http=$(free_port); conn_port=$(free_port); mgmt=$(free_port)
yarp_port=$(free_port)
peer_a=$(free_port); pub_http_b=$(free_port); pub_https_b=$(free_port); conn_b=$(free_port); mgmt_b=$(free_port); peer_b=$(free_port)
declare -A hop   # path name -> the pids of its proxy processes (their children are counted too)

# --- origin (the demo origin, Kestrel) ---
dotnet "$(bin tests/Tunnel.DemoOrigin Tunnel.DemoOrigin)" --urls "http://127.0.0.1:$origin" >"$work/origin.log" 2>&1 & pids+=($!)
wait_http "http://127.0.0.1:$origin/small"

bench_dll="$root/bench/Tunnel.Bench/bin/Release/net10.0/Tunnel.Bench.dll"
benchtool() { dotnet "$bench_dll" "$@"; }
if want main; then
# --- nginx: one proxy_pass hop with upstream keep-alive ---
mkdir -p "$work/nginx/logs"
cat >"$work/nginx/nginx.conf" <<NGINX
worker_processes 2;
pid $work/nginx/nginx.pid;
error_log $work/nginx/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  upstream origin { server 127.0.0.1:$origin; keepalive 128; }
  server {
    listen 127.0.0.1:$nginx_port;
    location / { proxy_pass http://origin; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_buffering off; }
    location /ws { proxy_pass http://origin; proxy_http_version 1.1; proxy_set_header Upgrade \$http_upgrade; proxy_set_header Connection "upgrade"; }
  }
}
NGINX
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" -g 'daemon off;' & pids+=($!); hop[nginx]=$!
wait_http "http://127.0.0.1:$nginx_port/small"

# --- a TCP origin that sends 1 GiB to each connection ---
dotnet "$bench_dll" tcp-source "$tcp_source" 1024 & pids+=($!)   # not through the function: $! must be the process
fi

if want main || want wan; then
# --- ssh -R: an OpenSSH reverse tunnel on loopback ---
mkdir -p "$work/ssh" /run/sshd
ssh-keygen -q -t ed25519 -N '' -f "$work/ssh/host_key"
ssh-keygen -q -t ed25519 -N '' -f "$work/ssh/client_key"
cp "$work/ssh/client_key.pub" "$work/ssh/authorized_keys"
chmod 600 "$work/ssh/authorized_keys"
cat >"$work/ssh/sshd_config" <<SSHD
ListenAddress 127.0.0.1
Port $ssh_port
HostKey $work/ssh/host_key
AuthorizedKeysFile $work/ssh/authorized_keys
PasswordAuthentication no
PermitRootLogin prohibit-password
AllowTcpForwarding yes
StrictModes no
PidFile $work/ssh/sshd.pid
SSHD
/usr/sbin/sshd -D -f "$work/ssh/sshd_config" & pids+=($!); hop["ssh -R"]=$!
sleep 0.5
ssh -N -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o ExitOnForwardFailure=yes -i "$work/ssh/client_key" \
  -p "$ssh_port" -R "127.0.0.1:$ssh_fwd:127.0.0.1:$origin" -R "127.0.0.1:$ssh_tcp:127.0.0.1:$tcp_source" \
  "$(id -un)@127.0.0.1" 2>"$work/ssh.log" & pids+=($!); hop["ssh -R"]+=" $!"
wait_http "http://127.0.0.1:$ssh_fwd/small"
fi

if want main; then
# --- one plain Kestrel + YARP hop (no tunnel) ---
dotnet "$bench_dll" yarp-hop "$yarp_port" "http://127.0.0.1:$origin" >"$work/yarp.log" 2>&1 & pids+=($!); hop["yarp hop"]=$!
wait_http "http://127.0.0.1:$yarp_port/small"
fi

# --- our tunnel: control plane (SQLite), edge, connector ---
admin=$(head -c 24 /dev/urandom | base64 | tr -d '=+/'); edgekey=$(head -c 24 /dev/urandom | base64 | tr -d '=+/')
dotnet "$(bin ControlPlane Tunnel.ControlPlane)" --urls "https://127.0.0.1:$cp_port" --ControlPlane:DataDirectory="$work/cp" \
  --ControlPlane:AdminApiKey="$admin" --ControlPlane:EdgeKey="$edgekey" --ControlPlane:EdgeUrl="https://localhost:$conn_port" \
  >"$work/cp.log" 2>&1 & pids+=($!); cp_pid=$!
wait_http "https://127.0.0.1:$cp_port/readyz"
dotnet "$(bin Edge Tunnel.Edge)" --Edge:DataDirectory="$work/edge" --Edge:BindAddress=127.0.0.1 --Edge:PublicHttpsPort="$pub_https" \
  --Edge:PublicHttpPort="$pub_http" --Edge:ConnectorPort="$conn_port" --Edge:ManagementPort="$mgmt" \
  --Edge:Id=edge-a --Edge:PeerPort="$peer_a" --Edge:PeerUrl="https://localhost:$peer_a" \
  --Edge:ControlPlaneUrl="https://127.0.0.1:$cp_port" --Edge:ControlPlaneKey="$edgekey" --Edge:ControlPlaneCa="$work/cp/certs/dev-ca.pem" \
  --Logging:LogLevel:Default=Warning >"$work/edge.log" 2>&1 & pids+=($!); edge_pid=$!
wait_http "http://127.0.0.1:$mgmt/readyz"
edge_b_pid=""
if want main; then
# A second edge of the same control plane, with no connection of the tunnel: it serves it through edge A (one peer
# hop). It shares A's development CA, as edges of one cluster share their certificates' CA.
mkdir -p "$work/edge-b/certs" && cp "$work/edge/certs/dev-ca."* "$work/edge-b/certs/"
dotnet "$(bin Edge Tunnel.Edge)" --Edge:DataDirectory="$work/edge-b" --Edge:BindAddress=127.0.0.1 --Edge:PublicHttpsPort="$pub_https_b" \
  --Edge:PublicHttpPort="$pub_http_b" --Edge:ConnectorPort="$conn_b" --Edge:ManagementPort="$mgmt_b" \
  --Edge:Id=edge-b --Edge:PeerPort="$peer_b" --Edge:PeerUrl="https://localhost:$peer_b" \
  --Edge:ControlPlaneUrl="https://127.0.0.1:$cp_port" --Edge:ControlPlaneKey="$edgekey" --Edge:ControlPlaneCa="$work/cp/certs/dev-ca.pem" \
  --Logging:LogLevel:Default=Warning >"$work/edge-b.log" 2>&1 & pids+=($!); edge_b_pid=$!
wait_http "http://127.0.0.1:$mgmt_b/readyz"
fi
export TUNNEL_API="https://127.0.0.1:$cp_port" TUNNEL_API_KEY="$admin" TUNNEL_API_CA="$work/cp/certs/dev-ca.pem"
dotnet "$(bin Connector tunnel)" create bench >/dev/null
dotnet "$(bin Connector tunnel)" route dns bench bench.localhost >/dev/null
dotnet "$(bin Connector tunnel)" route dns bench benchtcp.localhost >/dev/null
token=$(dotnet "$(bin Connector tunnel)" token bench)
cat >"$work/connector.yml" <<YML
ingress:
  - hostname: benchtcp.localhost
    service: tcp://127.0.0.1:$tcp_source
  - service: http://127.0.0.1:$origin
YML
"$native/tunnel" run --token "$token" --config "$work/connector.yml" --edge-ca "$work/edge/certs/dev-ca.pem" \
  >"$work/connector.log" 2>&1 & pids+=($!)
hop["tunnel (http)"]="$edge_pid $!"; hop["tunnel (https)"]="$edge_pid $!"; hop["tunnel via peer edge"]="$edge_b_pid $edge_pid $!"
wait_http "http://127.0.0.1:$pub_http/small" bench.localhost
if want main; then
wait_http "http://127.0.0.1:$pub_http_b/small" bench.localhost
# `access tcp` over the public HTTPS port (what users get) and over the plain HTTP one (like-for-like with `ssh -R`,
# whose forwarded port is plain TCP, as the tunnel (http) rows are).
"$native/tunnel" access tcp --hostname "benchtcp.localhost:$pub_https" --url "127.0.0.1:$access_port" \
  --edge-address "127.0.0.1:$pub_https" --edge-ca "$work/edge/certs/dev-ca.pem" >"$work/access.log" 2>&1 & pids+=($!)
"$native/tunnel" access tcp --hostname "ws://benchtcp.localhost:$pub_http" --url "127.0.0.1:$access_ws_port" \
  --edge-address "127.0.0.1:$pub_http" >"$work/access-ws.log" 2>&1 & pids+=($!)
fi

# --- measure ---
results="$work/results.tsv"
: >"$results"
# CPU time (clock ticks) of processes and all their descendants (nginx workers, sshd's session processes).
tree() { local p; for p in "$@"; do echo "$p"; tree $(pgrep -P "$p" || true); done; }
ticks() { local t=0 p; for p in $(tree "$@"); do t=$((t + $(awk '{sub(/^.*\) /, ""); print $12 + $13}' "/proc/$p/stat" 2>/dev/null || echo 0))); done; echo "$t"; }
cell() { # KIND NAME CONNS URL [HOST]: one wrk cell, with the CPU time of the path's proxy processes
  local kind=$1 name=$2 c=$3 url=$4 host=${5:-} hdr=() before
  [ -n "$host" ] && hdr=(-H "Host: $host")
  local t=$(( c < 2 ? 1 : 2 )) pids=${hop[$name]:-} spent=nan   # direct has no proxy processes
  [ -n "$pids" ] && before=$(ticks $pids)
  wrk -t$t -c$c -d"${duration}s" --latency "${hdr[@]}" "$url" >"$work/wrk.txt" 2>&1
  [ -n "$pids" ] && spent=$(( $(ticks $pids) - before ))
  python3 "$root/bench/parse_wrk.py" "$kind" "$name" "$c" "$spent" <"$work/wrk.txt" >>"$results"
}
declare -A base host_of
paths=()
if want main; then
measure() { # NAME BASEURL [HOST]: warm-up (JIT tiers settle only after ~20 s of load here), then 1 and 16 connections
  local name=$1; base[$name]=$2; host_of[$name]=${3:-}; paths+=("$name")
  local hdr=(); [ -n "${3:-}" ] && hdr=(-H "Host: $3")
  wrk -t2 -c64 -d20s "${hdr[@]}" "$2/small" >/dev/null 2>&1 || true
  wrk -t1 -c1 -d5s "${hdr[@]}" "$2/bytes/67108864" >/dev/null 2>&1 || true
  for c in 1 16; do cell small "$name" "$c" "$2/small" "${3:-}"; done
  echo "measured $name (1, 16 connections)"
}
measure direct "http://127.0.0.1:$origin"
measure nginx "http://127.0.0.1:$nginx_port"
measure "ssh -R" "http://127.0.0.1:$ssh_fwd"
measure "yarp hop" "http://127.0.0.1:$yarp_port"
measure "tunnel (http)" "http://127.0.0.1:$pub_http" bench.localhost
measure "tunnel (https)" "https://127.0.0.1:$pub_https" bench.localhost
measure "tunnel via peer edge" "http://127.0.0.1:$pub_http_b" bench.localhost
for round in $(seq 1 "$rounds"); do
  for name in "${paths[@]}"; do
    cell small "$name" 64 "${base[$name]}/small" "${host_of[$name]}"
    cell bulk "$name" 1 "${base[$name]}/bytes/67108864" "${host_of[$name]}"
  done
  echo "round $round of $rounds (64 connections, 64 MiB) done"
done

# WebSocket echo round trips (16 connections) and TCP bulk (1 GiB, one connection).
ws() { benchtool ws-echo "$2" "$3" 16 "$duration" | awk -v t="$1" '{print t "\t" $2}' >>"$work/ws.tsv"; echo "measured ws $1"; }
: >"$work/ws.tsv"
ws direct "ws://127.0.0.1:$origin/ws" "127.0.0.1:$origin"
ws nginx "ws://127.0.0.1:$nginx_port/ws" "127.0.0.1:$nginx_port"
ws "ssh -R" "ws://127.0.0.1:$ssh_fwd/ws" "127.0.0.1:$ssh_fwd"
ws "tunnel (http)" "ws://bench.localhost:$pub_http/ws" "127.0.0.1:$pub_http"
ws "tunnel (https)" "wss://bench.localhost:$pub_https/ws" "127.0.0.1:$pub_https"
tcp() { benchtool tcp-bulk "$2" 1024 | awk -v t="$1" '{print t "\t" $2}' >>"$work/tcp.tsv"; echo "measured tcp $1"; }
: >"$work/tcp.tsv"
tcp direct "127.0.0.1:$tcp_source"
tcp "ssh -R" "127.0.0.1:$ssh_tcp"
tcp "tunnel (access tcp, ws)" "127.0.0.1:$access_ws_port"
tcp "tunnel (access tcp, wss)" "127.0.0.1:$access_port"

sse() { benchtool sse-latency "$2" "$3" 40 | awk -v t="$1" '{print t "\t" $2 "\t" $3}' >>"$work/sse.tsv"; echo "measured sse $1"; }
: >"$work/sse.tsv"
sse direct "http://127.0.0.1:$origin/" "127.0.0.1:$origin"
sse nginx "http://127.0.0.1:$nginx_port/" "127.0.0.1:$nginx_port"
sse "ssh -R" "http://127.0.0.1:$ssh_fwd/" "127.0.0.1:$ssh_fwd"
sse "tunnel (http)" "http://bench.localhost:$pub_http/" "127.0.0.1:$pub_http"
sse "tunnel (https)" "https://bench.localhost:$pub_https/" "127.0.0.1:$pub_https"
fi

# --- the cells of their own, each in its own file; many last: it loads the machine most and must disturb no other ---
for cell in connector wan cold inspect many; do
  if want "$cell"; then
    # shellcheck source=/dev/null
    source "$root/bench/cells/$cell.sh"
  fi
done

{
  if want main; then
  python3 "$root/bench/report.py" "$results" "$duration" "$rounds"
  printf '\n## WebSocket echo (32-byte messages, 16 connections, %s s)\n\n| path | messages/s | × direct |\n| --- | ---: | ---: |\n' "$duration"
  awk -F'\t' 'NR==1{d=$2} {printf "| %s | %d | %.2f |\n", $1, $2, $2/d}' "$work/ws.tsv"
  printf '\n## TCP bulk (1 GiB from a TCP origin, one connection)\n\n| path | MB/s | × direct |\n| --- | ---: | ---: |\n'
  awk -F'\t' 'NR==1{d=$2} {printf "| %s | %.1f | %.2f |\n", $1, $2, $2/d}' "$work/tcp.tsv"
  printf '\n## Server-sent events: origin write to client read (40 events, 50 ms apart)\n\n| path | p50 ms | max ms |\n| --- | ---: | ---: |\n'
  awk -F'\t' '{printf "| %s | %d | %d |\n", $1, $2, $3}' "$work/sse.tsv"
  fi
  for cell in connector wan cold inspect many; do
    if want "$cell"; then printf '\n'; cat "$work/$cell.md"; fi
  done
} | tee "$out/results.md"
