# Many-tunnels cell, sourced by bench/run.sh (its variables and helpers): a control plane and an edge of their own,
# $many_n tunnels created and routed through the REST API and connected from one process (`Tunnel.Bench many-tunnels`,
# one hand-written connection per tunnel on its own TCP connection, answering requests itself). The edge's memory per
# tunnel, registration and config-push times, and the latency of requests to random tunnels. Writes $work/many.md.
m_cp=$(free_port); m_https=$(free_port); m_http=$(free_port); m_conn=$(free_port); m_mgmt=$(free_port)
m_admin=$(head -c 24 /dev/urandom | base64 | tr -d '=+/'); m_edgekey=$(head -c 24 /dev/urandom | base64 | tr -d '=+/')
dotnet "$(bin ControlPlane Tunnel.ControlPlane)" --urls "https://127.0.0.1:$m_cp" --ControlPlane:DataDirectory="$work/cp-many" \
  --ControlPlane:AdminApiKey="$m_admin" --ControlPlane:EdgeKey="$m_edgekey" --ControlPlane:EdgeUrl="https://localhost:$m_conn" \
  --Logging:LogLevel:Default=Warning >"$work/cp-many.log" 2>&1 & pids+=($!); m_cp_pid=$!
wait_http "https://127.0.0.1:$m_cp/readyz"
start_edge "$(bin Edge Tunnel.Edge)" "$work/edge-many" edge-many "$m_https" "$m_http" "$m_conn" "$m_mgmt" "$m_cp" "$m_edgekey" "$work/cp-many"
m_edge_pid=$started
wait_http "http://127.0.0.1:$m_mgmt/readyz"
m_start=$(date +%s)
benchtool many-tunnels "https://127.0.0.1:$m_cp" "$m_admin" "$work/cp-many/certs/dev-ca.pem" "https://localhost:$m_conn" \
  "$work/edge-many/certs/dev-ca.pem" "$m_http" "$m_edge_pid" "http://127.0.0.1:$m_mgmt/metrics" "$many_n" \
  >"$work/many.txt" 2> >(tee "$work/many.err" >&2) || echo "many-tunnels: some tunnels failed (counts in the table)" >&2
echo "measured many tunnels ($many_n) in $(( $(date +%s) - m_start )) s"
stop "$m_edge_pid" "$m_cp_pid"
python3 "$root/bench/report_many.py" "$work/many.txt" >"$work/many.md"
