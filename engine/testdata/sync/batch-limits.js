// http.batch in flight as k6 schedules it: options.batch requests at once (default 20), of them
// options.batchPerHost to one host (default 6, 0 = no limit). Prints the most requests the server
// saw at once.
import http from 'k6/http';

const num = (v) => (v === undefined ? undefined : Number(v));
export const options = { iterations: 1, batch: num(__ENV.BATCH), batchPerHost: num(__ENV.PER_HOST) };

export default function () {
  const res = http.batch(Array.from({ length: 8 }, () => `${__ENV.TARGET}/slow?ms=250`));
  console.log(`most at once: ${Math.max(...res.map((r) => r.json('concurrent')))}; statuses ${res.map((r) => r.status).join(',')}`);
}
