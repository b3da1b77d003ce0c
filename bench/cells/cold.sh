# Cold-start cell, sourced by bench/run.sh (its variables and helpers): a fresh edge and a fresh connector (tunnel
# benchcold), load (wrk -t2 -c64 /small over plain HTTP) from the moment the tunnel answers, 10 s. Once per runtime
# setting; the default setting also runs on for 20 s and is measured again (its warm figure, which the rows are
# compared with). ReadyToRun: the edge and the connector published with PublishReadyToRun. Writes $work/cold.md.
dotnet "$(bin Connector tunnel)" create benchcold >/dev/null
dotnet "$(bin Connector tunnel)" route dns benchcold benchcold.localhost >/dev/null
cold_token=$(dotnet "$(bin Connector tunnel)" token benchcold)
: >"$work/cold.tsv"
cold_runs=0
cold_wrk() { # LABEL PIDS...: one 10 s wrk cell on the cold edge, a TSV row with the edge's and connector's CPU
  local label=$1 before; shift
  before=$(ticks "$@")
  wrk -t2 -c64 -d10s --latency -H "Host: benchcold.localhost" "http://127.0.0.1:$cold_http/small" >"$work/wrk.txt" 2>&1
  printf '%s\t%s\t' "$label" "$cold_ready" >>"$work/cold.tsv"
  python3 "$root/bench/parse_wrk.py" small "$label" 64 "$(( $(ticks "$@") - before ))" <"$work/wrk.txt" >>"$work/cold.tsv"
}
cold_variant() { # LABEL EDGE_DLL CONNECTOR_DLL [VAR=value...]: the runtime settings go to the edge and the connector
  local label=$1 edge_dll=$2 connector_dll=$3 dir e c start; shift 3
  cold_runs=$((cold_runs + 1)); dir="$work/edge-cold-$cold_runs"
  cold_http=$(free_port); local https conn mgmt; https=$(free_port); conn=$(free_port); mgmt=$(free_port)
  mkdir -p "$dir/certs" && cp "$work/edge/certs/dev-ca."* "$dir/certs/" # the cluster's CA, which the connector trusts
  start=$(date +%s.%N)
  start_edge "$edge_dll" "$dir" "edge-cold-$cold_runs" "$https" "$cold_http" "$conn" "$mgmt" "$cp_port" "$edgekey" "$work/cp" "$@"; e=$started
  wait_http "http://127.0.0.1:$mgmt/readyz"
  env "$@" dotnet "$connector_dll" run --token "$cold_token" --url "http://127.0.0.1:$origin" --edge "https://localhost:$conn" \
    --edge-ca "$work/edge/certs/dev-ca.pem" >"$dir-connector.log" 2>&1 & pids+=($!); c=$!
  wait_http "http://127.0.0.1:$cold_http/small" benchcold.localhost
  cold_ready=$(awk -v now="$(date +%s.%N)" -v start="$start" 'BEGIN { printf "%.1f", now - start }')
  cold_wrk "$label" "$e" "$c"
  if [ "$label" = default ]; then
    wrk -t2 -c64 -d20s -H "Host: benchcold.localhost" "http://127.0.0.1:$cold_http/small" >/dev/null 2>&1 || true
    cold_wrk "warm (default, after 30 s of load)" "$e" "$c"
  fi
  stop "$c" "$e"
  echo "measured cold start: $label"
}
edge_dll=$(bin Edge Tunnel.Edge); connector_dll=$(bin Connector tunnel)
cold_variant default "$edge_dll" "$connector_dll"
cold_variant "DOTNET_TieredPGO=0" "$edge_dll" "$connector_dll" DOTNET_TieredPGO=0
cold_variant "DOTNET_TC_QuickJitForLoops=0" "$edge_dll" "$connector_dll" DOTNET_TC_QuickJitForLoops=0
cold_variant "DOTNET_TieredCompilation=0" "$edge_dll" "$connector_dll" DOTNET_TieredCompilation=0
# ReadyToRun needs the crossgen and runtime packs from NuGet; kept apart from the build's obj and bin.
r2r="$work/r2r"
if dotnet publish "$root/Edge" -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true --artifacts-path "$r2r/artifacts" \
     -o "$r2r/edge" -nologo -v quiet -clp:ErrorsOnly >"$work/r2r.log" 2>&1 \
   && dotnet publish "$root/Connector" -c Release -r linux-x64 --self-contained false -p:PublishAot=false -p:PublishReadyToRun=true --artifacts-path "$r2r/artifacts" \
     -o "$r2r/connector" -nologo -v quiet -clp:ErrorsOnly >>"$work/r2r.log" 2>&1; then
  cold_variant "ReadyToRun (edge and connector)" "$r2r/edge/Tunnel.Edge.dll" "$r2r/connector/tunnel.dll"
else
  echo "ReadyToRun publish failed; no ReadyToRun row:" >&2; tail -5 "$work/r2r.log" >&2
fi
main_tsv=()
if want main; then main_tsv=("$results"); fi # the main cells' tunnel (http) figure, for comparison
python3 "$root/bench/report_cold.py" "$work/cold.tsv" "${main_tsv[@]}" >"$work/cold.md"
