# The development OpenID Provider of docker-compose.yml (test users and groups from DEV_OIDC_USERS). Not for production.
FROM node:20-slim
WORKDIR /app
COPY deploy/dev-oidc-provider/package.json deploy/dev-oidc-provider/package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY deploy/dev-oidc-provider/server.mjs ./
ENV DEV_OIDC_PORT=9000
USER node
EXPOSE 9000
HEALTHCHECK --interval=10s --timeout=5s CMD ["node", "-e", "fetch('http://127.0.0.1:9000/.well-known/openid-configuration').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "server.mjs"]
