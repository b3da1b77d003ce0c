// A development OpenID Provider for the local stack, docker compose and the tests. Not for production.
//   DEV_OIDC_PORT     port (default 9000) on DEV_OIDC_HOST (default 127.0.0.1); DEV_OIDC_ISSUER overrides the issuer URL
//   DEV_OIDC_CLIENTS  JSON list of clients: [{"client_id","client_secret","redirect_uris":[...]}]
//   DEV_OIDC_USERS    JSON map of login -> {"password","name","groups":[...]}; only these people can sign in
// The login page is oidc-provider's development interaction (login + password, then consent).
import Provider from 'oidc-provider';

const port = Number(process.env.DEV_OIDC_PORT ?? 9000);
const host = process.env.DEV_OIDC_HOST ?? '127.0.0.1'; // 0.0.0.0 in a container
const issuer = process.env.DEV_OIDC_ISSUER ?? `http://127.0.0.1:${port}`;
const clients = JSON.parse(process.env.DEV_OIDC_CLIENTS ?? '[]');
const users = JSON.parse(process.env.DEV_OIDC_USERS ?? '{}');

const provider = new Provider(issuer, {
  clients: clients.map((c) => ({ grant_types: ['authorization_code'], response_types: ['code'], ...c })),
  pkce: { required: () => true },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name'],
    groups: ['groups'],
  },
  features: { devInteractions: { enabled: true } },
  cookies: { keys: ['dev-oidc-provider-cookie-key'] },
  ttl: { Session: 3600, Interaction: 600, Grant: 3600, AccessToken: 600, IdToken: 600, AuthorizationCode: 60 },
  async findAccount(ctx, id) {
    const user = users[id];
    if (!user) return undefined;
    return {
      accountId: id,
      async claims() {
        return { sub: id, email: id, email_verified: true, name: user.name ?? id, groups: user.groups ?? [] };
      },
    };
  },
});

// devInteractions accepts any login; refuse people who are not in DEV_OIDC_USERS or give the wrong password.
provider.use(async (ctx, next) => {
  if (ctx.method === 'POST' && /^\/interaction\/[^/]+$/.test(ctx.path)) {
    const body = await new Promise((resolve) => {
      let data = '';
      ctx.req.on('data', (chunk) => { data += chunk; });
      ctx.req.on('end', () => resolve(new URLSearchParams(data)));
    });
    if (body.get('prompt') === 'login') {
      const user = users[body.get('login')];
      if (!user || (user.password && user.password !== body.get('password'))) {
        ctx.status = 403;
        ctx.type = 'html';
        ctx.body = '<h1>Sign-in refused</h1><p>Unknown user or wrong password.</p>';
        return;
      }
    }
    // oidc-provider takes an already-read body from request.body.
    ctx.request.body = Object.fromEntries(body);
  }
  await next();
});

provider.on('server_error', (ctx, err) => console.error('server_error', err));
provider.listen(port, host, () => console.log(`dev OIDC provider listening at ${issuer}`));
