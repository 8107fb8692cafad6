// k6's cookie jars over tough-cookie: each VU has a default jar that stores the cookies responses
// set and sends them back (http.cookieJar()); scripts can make their own (new http.CookieJar()).
import { Cookie, CookieJar as ToughJar } from 'tough-cookie';
import type { ResponseCookie } from './response.ts';

export type RequestCookies = Record<string, Array<{ name: string; value: string; replace: boolean }>>;

export interface CookieOptions {
  domain?: string;
  path?: string;
  expires?: string;
  max_age?: number;
  secure?: boolean;
  http_only?: boolean;
}

export class CookieJar {
  #jar = new ToughJar(undefined, { looseMode: true, rejectPublicSuffixes: false });
  #stored = 0;

  /** True until a cookie was stored (the request path then skips the jar entirely). */
  isEmpty(): boolean {
    return this.#stored === 0;
  }

  storeFromResponse(setCookies: string[], url: string): void {
    for (const header of setCookies) {
      if (this.#jar.setCookieSync(header, url, { ignoreError: true }) !== undefined) this.#stored++;
    }
  }

  cookiePairs(url: string): Array<[string, string]> {
    return this.#jar.getCookiesSync(url).map((c) => [c.key, c.value]);
  }

  /** k6: the cookies the jar would send to `url`, name → values. */
  cookiesForURL(url: string): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const [name, value] of this.cookiePairs(String(url))) (out[name] ??= []).push(value);
    return out;
  }

  /** k6: jar.set(url, name, value, { domain, path, expires, max_age, secure, http_only }). */
  set(url: string, name: string, value: string, opts: CookieOptions = {}): void {
    const cookie = new Cookie({ key: String(name), value: String(value) });
    if (opts.domain) cookie.domain = opts.domain.replace(/^\./, '');
    if (opts.path) cookie.path = opts.path;
    if (opts.expires) cookie.expires = new Date(opts.expires);
    if (opts.max_age !== undefined) cookie.maxAge = opts.max_age;
    if (opts.secure) cookie.secure = true;
    if (opts.http_only) cookie.httpOnly = true;
    this.#jar.setCookieSync(cookie, String(url), { ignoreError: false });
    this.#stored++;
  }

  /** k6: removes every cookie the jar would send to `url`. */
  clear(url: string): void {
    for (const c of this.#jar.getCookiesSync(String(url))) this.#expire(url, c);
  }

  /** k6: removes the cookie `name` for `url`. */
  delete(url: string, name: string): void {
    for (const c of this.#jar.getCookiesSync(String(url))) if (c.key === name) this.#expire(url, c);
  }

  #expire(url: string, c: Cookie): void {
    const gone = c.clone();
    if (gone === undefined) return;
    gone.expires = new Date(0);
    gone.value = '';
    this.#jar.setCookieSync(gone, String(url), { ignoreError: true });
  }
}

/** The VU's default jar, created on first use. */
export function jarFor(vu: { cookieJar: CookieJar | null }): CookieJar {
  return (vu.cookieJar ??= new CookieJar());
}

/** res.cookies: the Set-Cookie headers of one response, by name. */
export function parseSetCookies(headers: string[], url: string): Record<string, ResponseCookie[]> {
  const out: Record<string, ResponseCookie[]> = {};
  const host = new URL(url).hostname;
  for (const header of headers) {
    const c = Cookie.parse(header, { loose: true });
    if (!c) continue;
    const expires = c.expires instanceof Date ? c.expires.getTime() : 0;
    (out[c.key] ??= []).push({
      name: c.key,
      value: c.value,
      domain: c.domain ?? host,
      path: c.path ?? '/',
      http_only: c.httpOnly,
      secure: c.secure,
      max_age: typeof c.maxAge === 'number' ? c.maxAge : 0,
      expires,
    });
  }
  return out;
}
