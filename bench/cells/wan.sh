# Wide-area cell, sourced by bench/run.sh (its variables and helpers): the connector, and the `ssh -R` client, reach
# the edge (sshd) through a relay that delays each direction by $wan_ms ms and limits no bandwidth. A 256 MiB download
# and upload through each path, in interleaved rounds (median reported), beside the same paths without the delay and
# one plain TCP stream through a relay alone (the relay is not the limit). Writes $work/wan.md.
relay_conn=$(free_port); relay_ssh=$(free_port); relay_origin=$(free_port); ssh_wan_fwd=$(free_port)
wan_pids=() # stopped at the end, so the cells after this one run without them
relay() { dotnet "$bench_dll" delay-relay "$1" "$2" "$wan_ms" >>"$work/relay.log" 2>&1 & pids+=($!); wan_pids+=($!); }
relay "$relay_conn" "127.0.0.1:$conn_port"
relay "$relay_ssh" "127.0.0.1:$ssh_port"
relay "$relay_origin" "127.0.0.1:$origin"
wait_http "http://127.0.0.1:$relay_origin/small"

# A second tunnel whose connector dials the edge through the relay (the certificate names localhost: so does the URL).
dotnet "$(bin Connector tunnel)" create benchwan >/dev/null
dotnet "$(bin Connector tunnel)" route dns benchwan benchwan.localhost >/dev/null
wan_token=$(dotnet "$(bin Connector tunnel)" token benchwan)
"$native/tunnel" run --token "$wan_token" --url "http://127.0.0.1:$origin" \
  --edge "https://localhost:$relay_conn" --edge-ca "$work/edge/certs/dev-ca.pem" >"$work/connector-wan.log" 2>&1 & pids+=($!); wan_pids+=($!)
ssh -N -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o ExitOnForwardFailure=yes -i "$work/ssh/client_key" \
  -p "$relay_ssh" -R "127.0.0.1:$ssh_wan_fwd:127.0.0.1:$origin" "$(id -un)@127.0.0.1" 2>"$work/ssh-wan.log" & pids+=($!); wan_pids+=($!)
wait_http "http://127.0.0.1:$pub_http/small" benchwan.localhost
wait_http "http://127.0.0.1:$ssh_wan_fwd/small"

# Paths: a base URL and curl's extra arguments (no spaces inside one argument). HTTP/1.1 everywhere, as wrk.
declare -A wan_url wan_args
wan_paths=()
wan_path() { wan_paths+=("$1"); wan_url[$1]=$2; wan_args[$1]=${3:-}; }
https_to() { echo "--resolve $1:$pub_https:127.0.0.1 --cacert $work/edge/certs/dev-ca.pem"; }
wan_path "WAN: relay alone (no proxy)" "http://127.0.0.1:$relay_origin"
wan_path "ssh -R" "http://127.0.0.1:$ssh_fwd"
wan_path "WAN: ssh -R" "http://127.0.0.1:$ssh_wan_fwd"
wan_path "tunnel (http)" "http://127.0.0.1:$pub_http" "-H Host:bench.localhost"
wan_path "WAN: tunnel (http)" "http://127.0.0.1:$pub_http" "-H Host:benchwan.localhost"
wan_path "tunnel (https)" "https://bench.localhost:$pub_https" "$(https_to bench.localhost)"
wan_path "WAN: tunnel (https)" "https://benchwan.localhost:$pub_https" "$(https_to benchwan.localhost)"

big=268435456
head -c "$big" /dev/zero >"$work/upload.bin"
head -c 67108864 /dev/zero >"$work/warm.bin"
down() { # PATH BYTES: MB/s of one download checked for status and length, else nan
  local got
  # shellcheck disable=SC2086 # the extra arguments are split on purpose
  got=$(curl -sS --http1.1 -m 300 ${wan_args[$1]} -o /dev/null -w '%{http_code} %{size_download} %{speed_download}' \
    "${wan_url[$1]}/bytes/$2" 2>>"$work/curl.err") || true
  awk -v want="$2" '{ if ($1 == 200 && $2 == want) printf "%.1f", $3 / 1048576; else printf "nan" }' <<<"$got"
}
up() { # PATH FILE BYTES: MB/s of one upload whose length the origin confirmed, else nan
  local got answered
  : >"$work/sink.txt"
  # shellcheck disable=SC2086
  got=$(curl -sS --http1.1 -m 300 ${wan_args[$1]} -T "$2" -X POST -H 'Expect:' -o "$work/sink.txt" \
    -w '%{http_code} %{size_upload} %{speed_upload}' "${wan_url[$1]}/sink" 2>>"$work/curl.err") || true
  answered=$(cut -d' ' -f1 "$work/sink.txt")
  awk -v want="$3" -v answered="${answered:-0}" '{ if ($1 == 200 && answered == want) printf "%.1f", $3 / 1048576; else printf "nan" }' <<<"$got"
}
for name in "${wan_paths[@]}"; do # warm-up: JIT of the new connector, HTTP/2 windows that grow with use
  down "$name" 67108864 >/dev/null; up "$name" "$work/warm.bin" 67108864 >/dev/null
done
: >"$work/wan.tsv"
for round in $(seq 1 "$rounds"); do
  for name in "${wan_paths[@]}"; do
    printf '%s\tdown\t%s\n%s\tup\t%s\n' "$name" "$(down "$name" "$big")" "$name" "$(up "$name" "$work/upload.bin" "$big")" >>"$work/wan.tsv"
  done
  echo "wan round $round of $rounds (256 MiB down and up) done"
done
rm -f "$work/upload.bin" "$work/warm.bin"
stop "${wan_pids[@]}"
python3 "$root/bench/report_wan.py" "$work/wan.tsv" "$wan_ms" "$rounds" >"$work/wan.md"
