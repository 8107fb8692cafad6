// sse-probe.js in k6's synchronous style, as third-party scripts write it: http.get and a blocking
// sse.open (no await), so the engine runs it on worker VUs. Each stream's record is logged as one
// `SSE-REC {json}` console line (worker VUs share no globals with handleSummary); the summary's
// metrics go to __ENV.OUT. __ENV.GET is fetched with http.get before each stream (and inside the
// open handler with __ENV.GET_IN_OPEN=1); each event handler sleeps __ENV.HANDLER_SLEEP seconds;
// CLOSE_AFTER, THROW_IN and GROUP as in sse-probe.js.
import http from 'k6/http';
import sse from 'k6/x/sse';
import { group, sleep } from 'k6';

const PARAMS = JSON.parse(__ENV.PARAMS || 'null');
const CLOSE_AFTER = __ENV.CLOSE_AFTER ? Number(__ENV.CLOSE_AFTER) : 0;

export const options = {
  scenarios: { s: { executor: 'shared-iterations', vus: 1, iterations: Number(__ENV.ITERATIONS || 1) } },
  throw: __ENV.THROW === '1',
};

function stream() {
  const rec = { got: null, gotInOpen: null, callback: null, open: null, events: [], errors: [], response: null, thrown: null, start: performance.now() };
  if (__ENV.GET) rec.got = http.get(__ENV.GET).status;
  const args = [__ENV.URL];
  if (PARAMS !== null) args.push(PARAMS);
  args.push((client) => {
    rec.callback = performance.now();
    client.on('open', () => {
      rec.open = performance.now();
      if (__ENV.GET_IN_OPEN === '1') rec.gotInOpen = http.get(__ENV.GET).status;
      if (__ENV.THROW_IN === 'open') throw new Error('thrown in open');
    });
    client.on('event', (e) => {
      rec.events.push({ id: e.id, name: e.name, data: e.data, comment: e.comment, t: performance.now() });
      if (__ENV.HANDLER_SLEEP) sleep(Number(__ENV.HANDLER_SLEEP));
      if (__ENV.THROW_IN === 'event') throw new Error('thrown in event');
      if (CLOSE_AFTER > 0 && rec.events.length >= CLOSE_AFTER) client.close();
    });
    client.on('error', (e) => {
      rec.errors.push(e.error());
    });
  });
  try {
    rec.response = sse.open(...args);
  } catch (e) {
    rec.thrown = String(e && e.message ? e.message : e);
    throw e;
  } finally {
    rec.end = performance.now();
    console.log(`SSE-REC ${JSON.stringify(rec)}`);
  }
}

export default function () {
  if (__ENV.GROUP) group(__ENV.GROUP, stream);
  else stream();
}

export function handleSummary(data) {
  return { [__ENV.OUT]: JSON.stringify({ metrics: data.metrics }) };
}
