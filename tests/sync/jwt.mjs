// HS256 JSON Web Tokens for test users, signed with node:crypto (no dependency).
// The gateway (PostgREST / postrust) takes the database role from `role` and
// the server's row-level security takes the owner from `sub`.
import { createHmac } from 'node:crypto';

const base64url = (data) => Buffer.from(data).toString('base64url');

/** Signs `claims` with `secret` (HS256). */
export function signJwt(claims, secret) {
  const head = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const body = base64url(JSON.stringify(claims));
  const signature = createHmac('sha256', secret).update(`${head}.${body}`).digest('base64url');
  return `${head}.${body}.${signature}`;
}

/**
 * A token for test user `sub` with role `authenticated`, valid for `ttlSeconds`
 * (negative: already expired). `secret` defaults to env WIG_JWT_SECRET.
 */
export function userToken(sub, { secret = process.env.WIG_JWT_SECRET, ttlSeconds = 3600, role = 'authenticated' } = {}) {
  if (!secret) throw new Error('userToken: no secret (set WIG_JWT_SECRET: eval "$(scripts/pg.sh env)")');
  const now = Math.floor(Date.now() / 1000);
  return signJwt({ sub, role, iat: now, exp: now + ttlSeconds }, secret);
}

// CLI: node tests/sync/jwt.mjs SUB [TTL_SECONDS] prints a token (secret from env).
if (import.meta.url === `file://${process.argv[1]}`) {
  const [sub, ttl] = process.argv.slice(2);
  if (!sub) {
    console.error('usage: WIG_JWT_SECRET=… node tests/sync/jwt.mjs SUB [TTL_SECONDS]');
    process.exit(2);
  }
  console.log(userToken(sub, { ttlSeconds: ttl ? Number(ttl) : 3600 }));
}
