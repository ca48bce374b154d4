import crypto from 'node:crypto';

/**
 * Cache keys for tokens: a keyed SHA-256 over a random per-process secret, the audiences and the
 * token. The secret never leaves memory, so a cache dump or heap snapshot holds neither a token nor a
 * digest that could be checked against guessed tokens offline; SHA-256 makes a colliding token
 * infeasible. k8s.io/apiserver uses HMAC-SHA256 for the same key; we use the secret-prefix form with
 * the one-shot `crypto.hash` (≈3x cheaper per request, and digests are never exposed, so HMAC's
 * protection against length extension buys nothing here). Falls back to HMAC where `crypto.hash` is
 * missing.
 */
export function createTokenHasher(
  audiences: readonly string[],
  key: Buffer = crypto.randomBytes(32),
): (token: string) => string {
  // Length-prefix every audience so ["ab","c"] and ["a","bc"] cannot collide; `|` ends the prefix.
  const auds = audiences.map((a) => `${a.length}:${a}`).join('') + '|';
  const hash = (crypto as { hash?: (alg: string, data: string, enc: 'base64url') => string }).hash;
  if (typeof hash === 'function') {
    const prefix = `${key.toString('base64')}|${auds}`;
    return (token) => hash('sha256', prefix + token, 'base64url');
  }
  return (token) => crypto.createHmac('sha256', key).update(auds).update(token).digest('base64url');
}
