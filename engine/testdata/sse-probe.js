// A k6/x/sse script for the engine's tests. __ENV.URL is opened with __ENV.PARAMS (JSON) on one VU,
// ITERATIONS times; what the handlers saw (with performance.now() times) goes to __ENV.OUT with
// the summary data. __ENV.CLOSE_AFTER closes after that many events; __ENV.THROW_IN names a handler
// that throws; __ENV.GROUP runs the stream inside a group.
import sse from 'k6/x/sse';
import { group } from 'k6';

const PARAMS = JSON.parse(__ENV.PARAMS || 'null');
const CLOSE_AFTER = __ENV.CLOSE_AFTER ? Number(__ENV.CLOSE_AFTER) : 0;
// Per-VU init contexts keep module state apart: what the VU saw reaches handleSummary through
// globalThis, which the engine's event-loop VUs share (k6's VUs would not).
const records = (globalThis.__sseProbeRecords ??= []);

export const options = {
  scenarios: { s: { executor: 'shared-iterations', vus: 1, iterations: Number(__ENV.ITERATIONS || 1) } },
  throw: __ENV.THROW === '1',
};

async function stream() {
  const rec = { callback: null, open: null, events: [], errors: [], response: null, thrown: null, start: performance.now() };
  records.push(rec);
  const args = [__ENV.URL];
  if (PARAMS !== null) args.push(PARAMS);
  args.push((client) => {
    rec.callback = performance.now();
    client.on('open', () => {
      rec.open = performance.now();
      if (__ENV.THROW_IN === 'open') throw new Error('thrown in open');
    });
    client.on('event', (e) => {
      rec.events.push({ id: e.id, name: e.name, data: e.data, comment: e.comment, t: performance.now() });
      if (__ENV.THROW_IN === 'event') throw new Error('thrown in event');
      if (CLOSE_AFTER > 0 && rec.events.length >= CLOSE_AFTER) client.close();
    });
    client.on('error', (e) => {
      rec.errors.push(e.error());
    });
  });
  try {
    rec.response = await sse.open(...args);
  } catch (e) {
    rec.thrown = String(e && e.message ? e.message : e);
  }
  rec.end = performance.now();
}

export default async function () {
  // group() refuses async functions, as k6's does: the stream starts inside a plain callback.
  let pending;
  if (__ENV.GROUP) group(__ENV.GROUP, () => (pending = stream()));
  else pending = stream();
  await pending;
}

export function handleSummary(data) {
  return { [__ENV.OUT]: JSON.stringify({ records, metrics: data.metrics }) };
}
