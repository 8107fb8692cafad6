// Exercises open(), k6/encoding, k6/crypto, k6/timers and exec.vu.metrics.tags for engine/api.test.ts.
import { check } from 'k6';
import encoding from 'k6/encoding';
import { sha256, hmac } from 'k6/crypto';
import { setTimeout as later } from 'k6/timers';
import exec from 'k6/execution';
import { Counter } from 'k6/metrics';

const text = open('./data.txt');
const bytes = open('./data.txt', 'b');
const tagged = new Counter('tagged');

export const options = { iterations: 1, thresholds: { 'tagged{team:llmux}': ['count==1'] } };

export default async function () {
  let openError = '';
  try {
    open('./data.txt');
  } catch (e) {
    openError = String(e);
  }
  await new Promise((r) => later(r, 5));
  exec.vu.metrics.tags.team = 'llmux';
  tagged.add(1);
  check(null, {
    'open text': () => text === 'hello file\n',
    'open binary': () => bytes instanceof ArrayBuffer && bytes.byteLength === 11,
    'open outside init refused': () => openError.includes('only available in the init stage'),
    'b64 round trip': () => encoding.b64decode(encoding.b64encode('llmux'), 'std', 's') === 'llmux',
    'sha256 hex': () => sha256('abc', 'hex') === 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    'hmac base64': () => typeof hmac('sha256', 'key', 'data', 'base64') === 'string',
    '__VU and exec agree': () => __VU === exec.vu.idInTest && __ITER === exec.vu.iterationInInstance,
  });
}
