# Connector cell, sourced by bench/run.sh (its variables and helpers): the connector as it ships (one native NativeAOT
# binary, README's `dotnet publish Connector -r linux-x64`) beside the framework-dependent JIT build: size, start-up
# time of a CLI call, resident memory idle (4 connections registered, 5 s after) and after a 1 GiB download through
# it (1 s after, and 6 s after: a connector that goes quiet gives its grown heap back), that download's MB/s and the
# connector's CPU for it. One tunnel of its own (benchconn). Writes $work/connector.md.
# The native binary is $native/tunnel (published by bench/run.sh).
dotnet "$(bin Connector tunnel)" create benchconn >/dev/null
dotnet "$(bin Connector tunnel)" route dns benchconn benchconn.localhost >/dev/null
conn_token=$(dotnet "$(bin Connector tunnel)" token benchconn)
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
: >"$work/connector.tsv"
connector_variant() { # LABEL SIZE_BYTES COMMAND...: one connector process measured as the cell says
  local label=$1 size=$2 start end c idle after settled before got spent; shift 2
  start=$(date +%s%N)
  for _ in 1 2 3 4 5; do "$@" --version >/dev/null; done
  end=$(date +%s%N)
  "$@" run --token "$conn_token" --url "http://127.0.0.1:$origin" --edge-ca "$work/edge/certs/dev-ca.pem" \
    >"$work/connector-$label.log" 2>&1 & pids+=($!); c=$!
  wait_http "http://127.0.0.1:$pub_http/small" benchconn.localhost
  until [ "$(grep -c 'registered with edge' "$work/connector-$label.log")" -ge 4 ]; do sleep 0.2; done
  sleep 5; idle=$(rss_kb "$c")
  before=$(ticks "$c")
  got=$(curl -sS -H "Host: benchconn.localhost" -o /dev/null -w '%{http_code} %{size_download} %{speed_download}' \
    "http://127.0.0.1:$pub_http/bytes/1073741824")
  spent=$(( ($(ticks "$c") - before) * 10 ))
  sleep 1; after=$(rss_kb "$c")
  sleep 5; settled=$(rss_kb "$c")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$label" "$size" "$(( (end - start) / 5000000 ))" "$idle" "$after" "$settled" \
    "$(awk '{ if ($1 == 200 && $2 == 1073741824) printf "%.1f", $3 / 1048576; else printf "nan" }' <<<"$got")" \
    "$spent" >>"$work/connector.tsv"
  stop "$c"
  echo "measured connector: $label"
}
jit_dir=$(dirname "$(bin Connector tunnel)")
connector_variant "native (NativeAOT)" "$(stat -c %s "$native/tunnel")" "$native/tunnel"
connector_variant "JIT (framework-dependent)" "$(du -sb "$jit_dir" | cut -f1)" dotnet "$(bin Connector tunnel)"
{
  printf '## Connector: the native binary against the JIT build (1 GiB download through each, 4 connections)\n\n'
  printf '| build | size MB | CLI start ms | RSS idle MB | RSS after 1 GiB: 1 s / 6 s later, MB | MB/s | CPU ms for 1 GiB |\n'
  printf '| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n'
  awk -F'\t' '{ printf "| %s | %.1f | %d | %.1f | %.1f / %.1f | %s | %d |\n", $1, $2 / 1048576, $3, $4 / 1024, $5 / 1024, $6 / 1024, $7, $8 }' "$work/connector.tsv"
  printf '\nThe JIT size is its build directory and needs the .NET runtime beside it; the native binary needs nothing.\n'
  printf 'Targets (issue 14): RSS idle ≤ 30 MB, after 1 GiB ≤ 45 MB.\n'
} >"$work/connector.md"
