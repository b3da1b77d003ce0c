#!/usr/bin/env bash
# The test command: installs what the tests need when it is missing, then runs every test (unit and end-to-end).
# The end-to-end tests start their own throwaway PostgreSQL cluster, OpenSSH server, OIDC provider (Node.js) and
# headless Chromium (driven by Playwright, never downloaded), and publish the connector as a native binary; they need
# those binaries (and gcc, zlib's headers), from Debian's packages.
# Extra arguments go to `dotnet test` (e.g. --filter "FullyQualifiedName~IngressTests").
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

need=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
[ -x /usr/sbin/sshd ] || need+=(openssh-server)
command -v ssh >/dev/null || need+=(openssh-client)
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -x /usr/bin/pebble ] || need+=(pebble) # Let's Encrypt's test CA (and pebble-challtestsrv), for the ACME tests
[ -x /usr/sbin/knotd ] || need+=(knot) # an authoritative DNS server taking RFC 2136 updates, for the DNS-01 test
command -v node >/dev/null || need+=(nodejs)
command -v npm >/dev/null || need+=(npm)
# The native (NativeAOT) connector, which NativeConnectorTests publishes: a C toolchain and zlib's headers.
command -v clang >/dev/null || command -v gcc >/dev/null || need+=(gcc)
[ -e /usr/include/zlib.h ] || need+=(zlib1g-dev)
if [ ${#need[@]} -gt 0 ]; then
  echo "Installing what the tests need: ${need[*]}"
  sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  "${sudo[@]}" apt-get update -q
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q "${need[@]}"
fi

# The development OIDC provider's npm packages, from its lock file.
(cd deploy/dev-oidc-provider && npm ci --no-audit --no-fund --loglevel=error)
# axe-core, which the dashboard's accessibility tests inject into every page.
(cd tests/accessibility && npm ci --no-audit --no-fund --loglevel=error)

# The native connector, published up front rather than inside the test run, where it would compete with the
# end-to-end tests for the CPU; NativeConnectorTests' own publish then finds it up to date.
dotnet publish Connector -c Release -r linux-x64 -o Connector/bin/native -nologo -v quiet -clp:ErrorsOnly

exec dotnet test Tunnel.sln "$@"
