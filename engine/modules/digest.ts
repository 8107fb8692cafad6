// HTTP digest access authentication (RFC 7616, MD5 and SHA-256, qop=auth), for params.auth 'digest'.
import { createHash, randomBytes } from 'node:crypto';

function parseChallenge(header: string): Record<string, string> {
  const out: Record<string, string> = {};
  const body = header.replace(/^digest\s+/i, '');
  for (const m of body.matchAll(/([a-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/gi)) out[m[1].toLowerCase()] = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3];
  return out;
}

/** The Authorization header answering `challenge` for "user:password" on `method` `uri`. */
export function digestAuthorization(challenge: string, credentials: string, method: string, uri: string): string {
  const c = parseChallenge(challenge);
  const colon = credentials.indexOf(':');
  const user = credentials.slice(0, colon);
  const password = credentials.slice(colon + 1);
  const algorithm = (c.algorithm ?? 'MD5').toUpperCase();
  const base = algorithm.startsWith('SHA-256') ? 'sha256' : 'md5';
  const h = (text: string) => createHash(base).update(text).digest('hex');
  const cnonce = randomBytes(8).toString('hex');
  const nc = '00000001';
  let ha1 = h(`${user}:${c.realm ?? ''}:${password}`);
  if (algorithm.endsWith('-SESS')) ha1 = h(`${ha1}:${c.nonce}:${cnonce}`);
  const ha2 = h(`${method}:${uri}`);
  const qop = c.qop?.split(',').map((q) => q.trim()).includes('auth') ? 'auth' : null;
  const response = qop ? h(`${ha1}:${c.nonce}:${nc}:${cnonce}:${qop}:${ha2}`) : h(`${ha1}:${c.nonce}:${ha2}`);
  const parts = [`username="${user}"`, `realm="${c.realm ?? ''}"`, `nonce="${c.nonce ?? ''}"`, `uri="${uri}"`, `algorithm=${c.algorithm ?? 'MD5'}`, `response="${response}"`];
  if (qop) parts.push(`qop=${qop}`, `nc=${nc}`, `cnonce="${cnonce}"`);
  if (c.opaque !== undefined) parts.push(`opaque="${c.opaque}"`);
  return `Digest ${parts.join(', ')}`;
}
