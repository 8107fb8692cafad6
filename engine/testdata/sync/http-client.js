// k6's HTTP client features in synchronous style against engine/testdata/sync/features-server.ts.
import http from 'k6/http';
import { check } from 'k6';
import { parseHTML } from 'k6/html';
import crypto from 'k6/crypto';

const T = __ENV.TARGET;
const host = T.replace('http://', '');
const upload = open('../data.txt', 'b');

export const options = { iterations: 1, userAgent: 'llmux-test-agent/1.0', maxRedirects: 3 };

export default function () {
  // Redirects: followed (each hop is a request), the final URL on the response.
  const r = http.get(`${T}/redirect?n=2`);
  check(r, { 'redirect followed to /echo': (x) => x.status === 200 && x.url === `${T}/echo` && x.json('method') === 'GET' });
  const stopped = http.get(`${T}/redirect?n=2`, { redirects: 0 });
  check(stopped, { 'redirects: 0 returns the 302': (x) => x.status === 302 && x.headers.Location === '/redirect?n=1' });
  const tooMany = http.get(`${T}/redirect?n=5`);
  check(tooMany, { 'maxRedirects 3 stops at a 302': (x) => x.status === 302 });
  const post303 = http.post(`${T}/redirect-post?status=303`, 'payload');
  check(post303, { '303 turns a POST into a GET': (x) => x.json('method') === 'GET' && x.json('body') === '' });
  const post307 = http.post(`${T}/redirect-post?status=307`, 'payload');
  check(post307, { '307 resends the POST': (x) => x.json('method') === 'POST' && x.json('body') === 'payload' });

  // Cookies: the VU's jar keeps what the server set and sends it back.
  const set = http.get(`${T}/set-cookie`);
  check(set, { 'res.cookies': (x) => x.cookies.session[0].value === 's1' && x.cookies.theme[0].http_only === true });
  const jar = http.cookieJar();
  jar.set(T, 'extra', 'e1');
  check(jar, { 'cookiesForURL': (j) => j.cookiesForURL(`${T}/`).session[0] === 's1' && j.cookiesForURL(`${T}/`).extra[0] === 'e1' });
  const echo = http.get(`${T}/echo`, { cookies: { param: 'p1', session: { value: 'override', replace: true } } });
  check(echo, {
    'cookies sent back': (x) => {
      const c = x.json('headers.cookie');
      return c.includes('param=p1') && c.includes('session=override') && !c.includes('session=s1') && c.includes('theme=dark') && c.includes('extra=e1');
    },
    'request cookies': (x) => x.request.cookies.param[0].value === 'p1',
  });
  const own = new http.CookieJar();
  const alone = http.get(`${T}/echo`, { jar: own });
  check(alone, { 'a new jar is empty': (x) => x.json('headers.cookie') === undefined });

  // Compression: gzip asked for by default, deflate and br decoded too.
  for (const enc of ['gzip', 'deflate', 'br']) {
    const c = http.get(`${T}/compressed?enc=${enc}`, enc === 'gzip' ? {} : { headers: { 'Accept-Encoding': enc } });
    check(c, { [`${enc} body decoded`]: (x) => x.json('compressed') === enc });
    if (enc === 'gzip') check(c, { 'Accept-Encoding gzip sent': (x) => x.json('acceptEncoding') === 'gzip' });
  }

  // Auth: user:pass@ is basic auth; auth: 'digest' answers the challenge.
  const basic = http.get(`http://user:pa%20ss@${host}/basic`);
  check(basic, { 'basic auth from the URL': (x) => x.status === 200 });
  const digest = http.get(`http://user:secret@${host}/digest`, { auth: 'digest' });
  check(digest, { 'digest auth': (x) => x.status === 200 && x.json('ok') === true });

  // Multipart: an object holding http.file() values.
  const mp = http.post(`${T}/multipart`, { field: 'value', file: http.file(upload, 'data.txt', 'text/plain') });
  check(mp, {
    multipart: (x) => {
      const parts = x.json('parts');
      return x.json('contentType').startsWith('multipart/form-data; boundary=') && parts.length === 2 && parts[0].body === 'value' && parts[1].head.includes('filename="data.txt"') && parts[1].body === 'hello file\n';
    },
  });

  // userAgent option.
  check(http.get(`${T}/echo`), { 'userAgent option': (x) => x.json('headers')['user-agent'] === 'llmux-test-agent/1.0' });

  // HTML.
  const page = http.get(`${T}/html`);
  check(page, {
    'res.html()': (x) =>
      x.html().find('title').text() === 'LLMux page' &&
      x.html('a.l').size() === 2 &&
      x.html().find('a').map((i, s) => s.attr('href')).join(',') === '/one,/two' &&
      x.html('a').get(1).textContent() === '2',
    'parseHTML': (x) => parseHTML(x.body).find('a').first().attr('href') === '/one',
  });

  // k6/crypto hashers.
  const hasher = crypto.createHash('sha256');
  hasher.update('ab');
  hasher.update('c');
  const hmac = crypto.createHMAC('sha256', 'key');
  hmac.update('data');
  check(null, {
    createHash: () => hasher.digest('hex') === 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    createHMAC: () => hmac.digest('hex') === '5031fe3d989c6d1537a013fa6e739da23463fdaec3b70137d828e36ace221bd0',
  });
}
