// A real OpenID provider for the test suite: node-oidc-provider (a certified implementation), on loopback.
//
//   node provider.mjs CONFIG.json
//
// CONFIG.json (written by tests/oidc_provider.py) gives the issuer URL and port, the signing keys (private
// JWKs, the first one signs), the clients, the people (account id -> claims) and the API's audience. The
// provider prints "listening" on stdout once it answers. Sign-in uses the package's development login
// form (any password; the login is the account id); consent is granted without asking (first-party clients).
import fs from 'node:fs';
import http from 'node:http';

import Provider from 'oidc-provider';

const config = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const { accounts } = config;

const provider = new Provider(config.issuer, {
  clients: config.clients,
  jwks: { keys: config.keys },
  cookies: { keys: ['practice-review-test-cookie-key'] },
  claims: {
    openid: ['sub'],
    profile: ['name', 'given_name', 'family_name'],
    email: ['email'],
    practice_review: ['roles', 'groups', 'organisation'],
  },
  scopes: ['openid', 'profile', 'email', 'practice_review'],
  conformIdTokenClaims: false, // the requested scopes' claims go in the ID token, as Entra and Keycloak do
  findAccount: async (_ctx, id) => {
    if (!accounts[id]) return undefined;
    return { accountId: id, claims: async () => ({ sub: id, ...accounts[id] }) };
  },
  async loadExistingGrant(ctx) {
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope(ctx.oidc.requestParamScopes ? [...ctx.oidc.requestParamScopes].join(' ') : 'openid');
    grant.addOIDCClaims(['name', 'roles', 'groups', 'organisation', 'email']);
    if (ctx.oidc.params.resource) grant.addResourceScope(ctx.oidc.params.resource, 'api');
    await grant.save();
    return grant;
  },
  features: {
    devInteractions: { enabled: true },
    clientCredentials: { enabled: true },
    rpInitiatedLogout: {
      enabled: true,
      async logoutSource(ctx, form) {
        ctx.body = `<!DOCTYPE html><html><head><title>Sign out of the provider</title></head><body>
          <h1>Sign out of the test provider?</h1>${form}
          <button id="op-sign-out" type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button>
          </body></html>`;
      },
    },
    resourceIndicators: {
      enabled: true,
      defaultResource: async () => config.audience,
      useGrantedResource: async () => true,
      getResourceServerInfo: async (_ctx, resource) => {
        if (resource !== config.audience) throw new Error(`unknown resource ${resource}`);
        return { scope: 'api', audience: config.audience, accessTokenFormat: 'jwt', accessTokenTTL: 300 };
      },
    },
  },
  pkce: { required: () => true },
  ttl: { IdToken: 300, AccessToken: 300, Session: 3600, Interaction: 600, Grant: 3600 },
});
provider.on('server_error', (_ctx, err) => console.error('server_error', err));

http.createServer(provider.callback()).listen(config.port, '127.0.0.1', () => {
  console.log('listening');
});
