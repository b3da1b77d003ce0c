# Traffic-inspector cell, sourced by bench/run.sh (its variables and helpers): what capture costs at the edge. The
# tunnel (http) path at 64 connections, GET /small and a 16 KiB response, with the tunnel's capture off and on, in
# interleaved rounds; the CPU of the edge plus connector per request, and of the control plane that stores what the
# edge sends. Then how many captures the edge dropped (its queue is bounded and never waits). Writes $work/inspect.md.
tunnel_cli() { dotnet "$(bin Connector tunnel)" "$@"; }
: >"$work/inspect.tsv"
inspect_cell() { # STATE PATH: one wrk cell on the tunnel, CPU of edge+connector and of the control plane apart
  local before_cp before_path
  before_cp=$(ticks "$cp_pid"); before_path=$(ticks ${hop["tunnel (http)"]})
  wrk -t2 -c64 -d"${duration}s" --latency -H "Host: bench.localhost" "http://127.0.0.1:$pub_http$2" >"$work/wrk.txt" 2>&1
  printf '%s\t%s\t%s\t' "$1" "$2" "$(( $(ticks "$cp_pid") - before_cp ))" >>"$work/inspect.tsv"
  python3 "$root/bench/parse_wrk.py" small "$1" 64 "$(( $(ticks ${hop["tunnel (http)"]}) - before_path ))" <"$work/wrk.txt" >>"$work/inspect.tsv"
}
wrk -t2 -c64 -d10s -H "Host: bench.localhost" "http://127.0.0.1:$pub_http/small" >/dev/null 2>&1 || true # warm-up
for round in $(seq 1 "$rounds"); do
  for path in /small /bytes/16384; do
    tunnel_cli inspect bench --disable >/dev/null
    sleep 1 # the config push reaches the edge within milliseconds; the sleep lets the control plane finish storing
    inspect_cell off "$path"
    tunnel_cli inspect bench --enable >/dev/null
    sleep 1
    inspect_cell on "$path"
  done
  echo "inspect round $round of $rounds done"
done
tunnel_cli inspect bench --disable >/dev/null
dropped=$(tunnel_cli inspect bench -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["settings"]["dropped"])')
kept=$(tunnel_cli inspect bench -o json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["items"]))')
python3 "$root/bench/report_inspect.py" "$work/inspect.tsv" "$dropped" "$duration" "$rounds" >"$work/inspect.md"
