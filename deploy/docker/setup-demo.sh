#!/bin/sh
# Run once by docker-compose.yml's `setup` service: the demo tunnel behind Access, and its token for the connector.
set -eu
tunnel() { /app/tunnel "$@"; }
until tunnel list >/dev/null 2>&1; do sleep 1; done
tunnel token demo >/shared/token 2>/dev/null || { tunnel create demo >/dev/null; tunnel token demo >/shared/token; }
tunnel route dns demo demo.localhost >/dev/null 2>&1 || true
tunnel access idp set --auth-hostname auth.localhost --authority http://oidc.localhost:9000 --client-id tunnel-access \
  --scopes "openid email profile groups"
cat >/tmp/demo-app.json <<'JSON'
{ "name": "demo", "domains": ["demo.localhost"], "sessionMinutes": 480,
  "policies": [ { "name": "staff", "action": "allow", "include": [ { "group": "staff" } ] } ] }
JSON
tunnel access apps apply /tmp/demo-app.json
echo "demo.localhost is protected by Access; log in as alice@example.com / alice"
