// A real OpenID Connect provider for the single sign-on tests: panva's oidc-provider
// (OpenID-certified), on loopback, with its own development login form.
//
//   node provider.mjs '{"port": 0, "issuer": "...", "mode": "normal", "accounts": {...},
//                       "client": {"client_id": "...", ...}}'
//
// It prints "listening <port>" when it accepts connections. A test that wants a
// provider gone wrong runs it in one of these modes (the token still comes out of the
// real flow, signed by the real provider):
//   normal         as a provider should be
//   bad-signature  its published key set (jwks_uri) holds another key under the same
//                  key id than the one it signs with
//   stale-clock    its signing clock is two hours behind: ID tokens come out expired
// An "issuer" that differs from the address it is reached at is a wrong issuer.
import http from 'node:http';
import { generateKeyPairSync } from 'node:crypto';

import Provider from 'oidc-provider';

const options = JSON.parse(process.argv[2]);
const mode = options.mode || 'normal';

function signingKey(kid) {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid, use: 'sig', alg: 'RS256' };
}

const key = signingKey('test-key');

if (mode === 'stale-clock') {
  // Only where tokens are signed: its cookies and sessions keep the real time.
  const realNow = Date.now;
  Date.now = () => {
    const stack = new Error().stack || '';
    return stack.includes('helpers/jwt.js') ? realNow() - 2 * 3600 * 1000 : realNow();
  };
}

const accounts = options.accounts || {};

const provider = new Provider(options.issuer, {
  clients: [
    {
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      ...options.client,
    },
  ],
  jwks: { keys: [key] },
  cookies: { keys: ['ideas-test-cookie-key'] },
  // Every client must send a PKCE challenge (S256): a client that did not is refused.
  pkce: { required: () => true },
  // The scopes' claims go into the ID token itself, which is signed.
  conformIdTokenClaims: false,
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'groups'],
  },
  features: {
    devInteractions: { enabled: true },
    rpInitiatedLogout: { enabled: true },
  },
  ttl: { IdToken: 3600, AccessToken: 3600, Session: 3600, Grant: 3600, Interaction: 3600 },
  async findAccount(ctx, sub) {
    const claims = accounts[sub];
    if (!claims) return undefined;
    return { accountId: sub, claims: async () => ({ sub, ...claims }) };
  },
  // First-party client: consent is given once the person has logged in.
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId
      || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid email profile');
    await grant.save();
    return grant;
  },
});

const forged = mode === 'bad-signature'
  ? (() => {
    const { kty, n, e, kid, use, alg } = signingKey(key.kid);
    return JSON.stringify({ keys: [{ kty, n, e, kid, use, alg }] });
  })()
  : null;

const callback = provider.callback();
const server = http.createServer((req, res) => {
  if (forged && req.url.split('?')[0] === '/jwks') {
    res.writeHead(200, { 'content-type': 'application/jwk-set+json' });
    res.end(forged);
    return;
  }
  callback(req, res);
});
server.listen(options.port || 0, '127.0.0.1', () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
